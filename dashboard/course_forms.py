"""The forms of the clinician's course page (``dashboard/pages/course.py``), ids ``course-...``.

Layout only: the page's callbacks read these fields, check them and pass them
to the services. Every field has a visible label; each form ends in a button
and a status line (``course-<form>-status``) whose change redraws the page.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.course_components import AREA_LABELS, page_section
from ipsrt.enums import TherapyPhase

__all__ = [
    "NONE",
    "STATUSES",
    "course_forms",
    "inventory_forms",
    "plan_and_notes_forms",
]

#: The option of a select that means "none" (a native select shows an empty value as blank).
NONE = "none"
#: The status line of every form: a change shown there redraws the page's lists.
STATUSES = ("start", "session", "areas", "status", "person", "event", "plan", "note")


def _status(name: str) -> Component:
    return html.Div(id=f"course-{name}-status", role="status", className="mt-2")


def _field(label: str, field: Any) -> Component:
    return html.Div([dbc.Label(label, html_for=field.id), field], className="mb-2")


def _areas(ident: str) -> Component:
    options = [{"label": "None", "value": NONE}] + [
        {"label": text, "value": area.value} for area, text in AREA_LABELS.items()
    ]
    return dbc.Select(id=ident, options=options, value=NONE)


def course_forms() -> list[Component]:
    """Record a session, problem areas and goals, start or change the course."""
    phases = [{"label": "From the session number", "value": NONE}] + [
        {"label": p.value.capitalize(), "value": p.value} for p in TherapyPhase
    ]
    statuses = [
        {"label": "Maintenance (monthly sessions)", "value": "maintenance"},
        {"label": "Ended", "value": "ended"},
    ]
    return [
        page_section(
            "Record a session",
            _field("Session date", dbc.Input(id="course-session-date", type="date")),
            dbc.Switch(id="course-session-attended", label="The client attended", value=True),
            _field("Phase", dbc.Select(id="course-session-phase", options=phases, value=NONE)),
            dbc.Button("Record session", id="course-session-save", color="primary"),
            _status("session"),
        ),
        page_section(
            "Problem areas and goals",
            _field("Primary problem area", _areas("course-primary")),
            _field("Goals", dbc.Textarea(id="course-goals", rows=3)),
            _field("Secondary problem area", _areas("course-secondary")),
            _field("Secondary goals", dbc.Textarea(id="course-secondary-goals", rows=2)),
            dbc.Button("Save problem areas", id="course-areas-save", color="primary"),
            _status("areas"),
        ),
        page_section(
            "Course status",
            _field("Start date", dbc.Input(id="course-start-date", type="date")),
            _field(
                "Planned sessions",
                dbc.Input(id="course-planned", type="number", min=8, max=60, value=16),
            ),
            dbc.Button("Start a course", id="course-start-save", color="secondary"),
            _status("start"),
            _field("Change to", dbc.Select(id="course-new-status", options=statuses)),
            _field("From", dbc.Input(id="course-status-date", type="date")),
            dbc.Button("Change status", id="course-status-save", color="secondary"),
            _status("status"),
        ),
    ]


def inventory_forms() -> Component:
    """The closeness circles, the people, and the form to add, revise or remove one."""
    scores = [{"label": str(v), "value": str(v)} for v in range(4)]
    circles = [{"label": str(v), "value": str(v)} for v in (1, 2, 3)]
    return page_section(
        "Interpersonal inventory",
        dcc.Graph(id="course-circles", config={"displaylogo": False}),
        html.Div(id="course-people"),
        html.H3("Add or revise a person", className="h6 mt-3"),
        _field("Person", dbc.Select(id="course-person", value=NONE)),
        _field("Label (not necessarily a name)", dbc.Input(id="course-person-label", type="text")),
        _field("Relationship", dbc.Input(id="course-person-relationship", type="text")),
        _field(
            "Closeness (1 closest .. 3)",
            dbc.Select(id="course-person-closeness", options=circles, value="2"),
        ),
        _field("Support (0..3)", dbc.Select(id="course-person-support", options=scores, value="1")),
        _field(
            "Conflict (0..3)", dbc.Select(id="course-person-conflict", options=scores, value="0")
        ),
        _field("Changes", dbc.Input(id="course-person-changes", type="text")),
        _field(
            "Part of the rhythm (one ANCHOR:ROLE a line, e.g. out_of_bed:wakes me)",
            dbc.Textarea(id="course-person-roles", rows=2),
        ),
        dbc.Button("Save person", id="course-person-save", color="primary", className="me-2"),
        dbc.Button("Remove person", id="course-person-remove", color="danger", outline=True),
        _status("person"),
    )


def plan_and_notes_forms() -> list[Component]:
    """The relapse-prevention plan and its form; the session notes form."""
    return [
        page_section(
            "Relapse-prevention plan",
            html.Div(id="course-plan"),
            _field(
                "Early warning signs (one a line; add '| sleep_shortening, mood_rising' "
                "to link rhythm signals)",
                dbc.Textarea(id="course-plan-signs", rows=3),
            ),
            _field("Agreed steps (one a line)", dbc.Textarea(id="course-plan-steps", rows=3)),
            _field(
                "Contacts (one a line: who | how to reach)",
                dbc.Textarea(id="course-plan-contacts", rows=2),
            ),
            dbc.Button("Save plan", id="course-plan-save", color="primary"),
            _status("plan"),
        ),
        page_section(
            "Session notes",
            html.P(
                "Private to you unless shared; sealed at rest; every read and write is audited.",
                className="small",
            ),
            _field("Appointment", dbc.Select(id="course-note-appointment")),
            dbc.Button("Read note", id="course-note-read", color="secondary", className="mb-2"),
            html.Div(id="course-note-read-status", role="status"),
            _field("Note", dbc.Textarea(id="course-note-text", rows=5)),
            dbc.Switch(
                id="course-note-shared", label="Share this note with the client", value=False
            ),
            dbc.Button("Save note", id="course-note-save", color="primary"),
            _status("note"),
        ),
    ]
