"""A client's IPSRT course for their clinician: sessions, problem areas, people, events, notes.

Reached from the client page (``/clients/<code>`` links to
``/clients/<code>/course``). The client code comes from the path, is checked
with :func:`dashboard.context.client` and kept in
``dcc.Store(id="course-client")``; every callback checks it again for its
own action, and every read and change goes through the services of
:mod:`ipsrt.reports.course`, :mod:`~ipsrt.reports.inventory`,
:mod:`~ipsrt.reports.life_events`, :mod:`~ipsrt.reports.relapse_plan` and
:mod:`~ipsrt.reports.notes`, which authorize the viewer again and audit the
changes (notes: every read and write). What the page shows is described in
``docs/clinicians.md``, "The course page".
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html
from dash.development.base_component import Component

from dashboard import context
from dashboard.course_components import (
    AREA_LABELS,
    course_summary,
    event_values,
    events_table,
    life_event_fields,
    life_event_form,
    page_section,
    parse_day,
    parse_plan,
    people_table,
    plan_summary,
    plan_text,
    sessions_table,
)
from dashboard.figures.closeness_circles import closeness_circles_figure
from dashboard.pages.base import Page
from ipsrt.enums import TherapyPhase
from ipsrt.errors import InvalidInputError, IpsrtError
from ipsrt.ipt.course import DEFAULT_PLANNED_SESSIONS
from ipsrt.ipt.inventory import parse_rhythm_role
from ipsrt.reports import course, inventory, life_events, notes, relapse_plan
from ipsrt.reports.access import AccessDenied, Action

__all__ = ["PAGE", "layout", "register"]

PAGE = Page(path="/clients/<code>/course", title="Course", action=Action.WRITE_COURSE)
_CLIENT = "course-client"
#: The option of a select that means "none" (a native select shows an empty value as blank).
_NONE = "none"
#: The status line of every form: a change shown there redraws the page's lists.
_STATUSES = ("start", "session", "areas", "status", "person", "event", "plan", "note")


def _status(name: str) -> Component:
    return html.Div(id=f"course-{name}-status", role="status", className="mt-2")


def _field(label: str, field: Any) -> Component:
    return html.Div([dbc.Label(label, html_for=field.id), field], className="mb-2")


def _areas(ident: str) -> Component:
    options = [{"label": "None", "value": _NONE}] + [
        {"label": text, "value": area.value} for area, text in AREA_LABELS.items()
    ]
    return dbc.Select(id=ident, options=options, value=_NONE)


def _course_forms() -> list[Component]:
    phases = [{"label": "From the session number", "value": _NONE}] + [
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
            _field("Phase", dbc.Select(id="course-session-phase", options=phases, value=_NONE)),
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


def _inventory_forms() -> Component:
    scores = [{"label": str(v), "value": str(v)} for v in range(4)]
    circles = [{"label": str(v), "value": str(v)} for v in (1, 2, 3)]
    return page_section(
        "Interpersonal inventory",
        dcc.Graph(id="course-circles", config={"displaylogo": False}),
        html.Div(id="course-people"),
        html.H3("Add or revise a person", className="h6 mt-3"),
        _field("Person", dbc.Select(id="course-person", value=_NONE)),
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


def _plan_and_notes() -> list[Component]:
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


def layout(code: str = "", **_params: str) -> Component:
    """The course page (the lists and figure are filled by :func:`register`'s callbacks)."""
    client = context.client(Action.WRITE_COURSE, code)
    return html.Div(
        [
            dcc.Store(id=_CLIENT, data=client.code),
            html.H1(f"Course of client {client.code}", className="h3"),
            dcc.Link("Back to the client's rhythm", href=f"/clients/{client.code}"),
            page_section("Where the course stands", html.Div(id="course-summary")),
            html.Div(id="course-sessions"),
            *_course_forms(),
            _inventory_forms(),
            page_section(
                "Life events",
                html.Div(id="course-events"),
                html.H3("Add a life event", className="h6 mt-3"),
                life_event_form("course"),
            ),
            *_plan_and_notes(),
        ]
    )


def _chosen(value: object) -> str | None:
    """A select's value, or None for no value and the :data:`_NONE` option."""
    return None if value in (None, "", _NONE) else str(value)


def _message(exc: IpsrtError) -> str:
    if isinstance(exc, AccessDenied):
        raise exc
    return f"Not saved: {exc}"


def _score(value: object, what: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise InvalidInputError(f"{what}: choose a value from the list") from None


def register(app: Dash) -> None:
    """The callbacks of the course page: one per form, and one that redraws what they change."""

    @app.callback(
        Output("course-summary", "children"),
        Output("course-sessions", "children"),
        Output("course-people", "children"),
        Output("course-circles", "figure"),
        Output("course-person", "options"),
        Output("course-events", "children"),
        Output("course-plan", "children"),
        Output("course-note-appointment", "options"),
        *(Input(f"course-{name}-status", "children") for name in _STATUSES),
        State(_CLIENT, "data"),
    )
    def show(*statuses_and_code: Any) -> tuple[Any, ...]:
        code = statuses_and_code[-1]
        client = context.client(Action.VIEW_COURSE, code)
        store, viewer, now = context.store(), context.viewer(), context.now()
        view = course.course_view(store, viewer, client.code)
        people = inventory.inventory_view(store, viewer, client.code, now=now)
        events = life_events.life_events(store, viewer, client.code)
        plan = relapse_plan.relapse_plan_view(store, viewer, client.code)
        context.audit(Action.VIEW_COURSE, client.code, page="course")
        sessions = view.sessions if view is not None else ()
        return (
            course_summary(view),
            sessions_table(view),
            people_table(people),
            closeness_circles_figure(people.people),
            [{"label": "A new person", "value": _NONE}]
            + [{"label": p.label, "value": str(p.person_id)} for p in people.people],
            events_table(events),
            plan_summary(plan),
            [
                {"label": f"{s.appointment}: {s.held_on} ({s.note})", "value": s.appointment}
                for s in sessions
            ],
        )

    @app.callback(
        Output("course-start-status", "children"),
        Input("course-start-save", "n_clicks"),
        State("course-start-date", "value"),
        State("course-planned", "value"),
        State(_CLIENT, "data"),
        prevent_initial_call=True,
    )
    def start(_clicks: Any, day: Any, planned: Any, code: Any) -> str:
        client = context.client(Action.WRITE_COURSE, code)
        try:
            course.start_course(
                context.store(),
                context.viewer(),
                client.code,
                parse_day(day, "start date"),
                planned_sessions=(
                    DEFAULT_PLANNED_SESSIONS
                    if planned in (None, "")
                    else _score(planned, "planned sessions")
                ),
                now=context.now(),
            )
        except IpsrtError as exc:
            return _message(exc)
        return "Course started."

    @app.callback(
        Output("course-session-status", "children"),
        Input("course-session-save", "n_clicks"),
        State("course-session-date", "value"),
        State("course-session-attended", "value"),
        State("course-session-phase", "value"),
        State(_CLIENT, "data"),
        prevent_initial_call=True,
    )
    def record(_clicks: Any, day: Any, attended: Any, phase: Any, code: Any) -> str:
        client = context.client(Action.WRITE_COURSE, code)
        try:
            view = course.record_session(
                context.store(),
                context.viewer(),
                client.code,
                parse_day(day, "session date"),
                attended=bool(attended),
                phase=_chosen(phase),
                now=context.now(),
            )
        except IpsrtError as exc:
            return _message(exc)
        last = view.sessions[-1]
        held = "held" if last.attended else "missed"
        return f"Appointment {last.appointment} on {last.held_on} recorded ({held})."

    @app.callback(
        Output("course-areas-status", "children"),
        Input("course-areas-save", "n_clicks"),
        State("course-primary", "value"),
        State("course-goals", "value"),
        State("course-secondary", "value"),
        State("course-secondary-goals", "value"),
        State(_CLIENT, "data"),
        prevent_initial_call=True,
    )
    def areas(_clicks: Any, primary: Any, goals: Any, second: Any, goals2: Any, code: Any) -> str:
        client = context.client(Action.WRITE_COURSE, code)
        try:
            course.set_problem_areas(
                context.store(),
                context.viewer(),
                client.code,
                _chosen(primary) or "",
                goals=str(goals or ""),
                secondary=_chosen(second),
                secondary_goals=str(goals2 or ""),
                now=context.now(),
            )
        except IpsrtError as exc:
            return _message(exc)
        return "Problem areas saved."

    @app.callback(
        Output("course-status-status", "children"),
        Input("course-status-save", "n_clicks"),
        State("course-new-status", "value"),
        State("course-status-date", "value"),
        State(_CLIENT, "data"),
        prevent_initial_call=True,
    )
    def change_status(_clicks: Any, status: Any, day: Any, code: Any) -> str:
        client = context.client(Action.WRITE_COURSE, code)
        change = {"maintenance": course.move_to_maintenance, "ended": course.end_course}
        try:
            if status not in change:
                raise InvalidInputError("choose maintenance or ended")
            view = change[str(status)](
                context.store(),
                context.viewer(),
                client.code,
                parse_day(day, "date"),
                now=context.now(),
            )
        except IpsrtError as exc:
            return _message(exc)
        return f"The course is now {view.status.value}."

    @app.callback(
        Output("course-person-status", "children"),
        Input("course-person-save", "n_clicks"),
        Input("course-person-remove", "n_clicks"),
        State("course-person", "value"),
        *(
            State(f"course-person-{name}", "value")
            for name in ("label", "relationship", "closeness", "support", "conflict")
        ),
        State("course-person-changes", "value"),
        State("course-person-roles", "value"),
        State(_CLIENT, "data"),
        prevent_initial_call=True,
    )
    def person(_save: Any, _remove: Any, chosen: Any, *fields: Any) -> str:
        label, relationship, closeness, support, conflict, changes, roles, code = fields
        client = context.client(Action.WRITE_INVENTORY, code)
        store, viewer, now = context.store(), context.viewer(), context.now()
        try:
            person_id = None if _chosen(chosen) is None else _score(chosen, "person")
            if ctx.triggered_id == "course-person-remove":
                if person_id is None:
                    raise InvalidInputError("choose the person to remove")
                inventory.remove_person(store, viewer, client.code, person_id, now=now)
                return "Person removed (the earlier revisions stay)."
            scores = (
                _score(closeness, "closeness"),
                _score(support, "support"),
                _score(conflict, "conflict"),
            )
            rhythm = tuple(
                parse_rhythm_role(line) for line in str(roles or "").splitlines() if line.strip()
            )
            words = (str(label or ""), str(relationship or ""))
            if person_id is None:
                inventory.add_person(
                    store, viewer, client.code, *words,
                    closeness=scores[0], support=scores[1], conflict=scores[2],
                    changes=str(changes or ""), rhythm_roles=rhythm, now=now,
                )  # fmt: skip
                return f"{words[0]} added."
            inventory.change_person(
                store, viewer, client.code, person_id, *words,
                closeness=scores[0], support=scores[1], conflict=scores[2],
                changes=str(changes or ""), rhythm_roles=rhythm, now=now,
            )  # fmt: skip
        except IpsrtError as exc:
            return _message(exc)
        return f"{words[0]} revised."

    @app.callback(
        Output("course-event-status", "children"),
        Input("course-event-add", "n_clicks"),
        *(State(ident, "value") for ident in life_event_fields("course")),
        State(_CLIENT, "data"),
        prevent_initial_call=True,
    )
    def add_event(_clicks: Any, *fields: Any) -> str:
        *values, code = fields
        client = context.client(Action.WRITE_LIFE_EVENTS, code)
        try:
            start, kind, disruption, text, end = event_values(*values)
            event = life_events.add_life_event(
                context.store(), context.viewer(), client.code, start, kind, disruption, text,
                ends_on=end, now=context.now(),
            )  # fmt: skip
        except IpsrtError as exc:
            return _message(exc)
        return f"Life event of {event.starts_on} added."

    @app.callback(
        Output("course-plan-status", "children"),
        Input("course-plan-save", "n_clicks"),
        State("course-plan-signs", "value"),
        State("course-plan-steps", "value"),
        State("course-plan-contacts", "value"),
        State(_CLIENT, "data"),
        prevent_initial_call=True,
    )
    def save_plan(_clicks: Any, signs: Any, steps: Any, contacts: Any, code: Any) -> str:
        client = context.client(Action.WRITE_RELAPSE_PLAN, code)
        try:
            view = relapse_plan.save_relapse_plan(
                context.store(),
                context.viewer(),
                client.code,
                parse_plan(signs, steps, contacts),
                now=context.now(),
            )
        except IpsrtError as exc:
            return _message(exc)
        return f"Plan saved (revision {view.revision})."

    @app.callback(
        Output("course-plan-signs", "value"),
        Output("course-plan-steps", "value"),
        Output("course-plan-contacts", "value"),
        Input(_CLIENT, "data"),
    )
    def plan_fields(code: Any) -> tuple[str, str, str]:
        client = context.client(Action.WRITE_RELAPSE_PLAN, code)
        view = relapse_plan.relapse_plan_view(context.store(), context.viewer(), client.code)
        return plan_text(view)

    @app.callback(
        Output("course-note-text", "value"),
        Output("course-note-shared", "value"),
        Output("course-note-read-status", "children"),
        Input("course-note-read", "n_clicks"),
        State("course-note-appointment", "value"),
        State(_CLIENT, "data"),
        prevent_initial_call=True,
    )
    def read(_clicks: Any, appointment: Any, code: Any) -> tuple[str, bool, str]:
        client = context.client(Action.READ_NOTES, code)
        try:
            number = _score(appointment, "appointment")
            note = notes.read_note(
                context.store(), context.viewer(), client.code, number, now=context.now()
            )
        except IpsrtError as exc:
            if isinstance(exc, AccessDenied):
                raise
            return "", False, f"Not read: {exc}"
        if note is None:
            return "", False, f"Appointment {number} has no note yet."
        return note.text, note.shared, f"Note of appointment {number} by {note.author}."

    @app.callback(
        Output("course-note-status", "children"),
        Input("course-note-save", "n_clicks"),
        State("course-note-appointment", "value"),
        State("course-note-text", "value"),
        State("course-note-shared", "value"),
        State(_CLIENT, "data"),
        prevent_initial_call=True,
    )
    def write(_clicks: Any, appointment: Any, text: Any, shared: Any, code: Any) -> str:
        client = context.client(Action.WRITE_NOTES, code)
        try:
            done = notes.write_note(
                context.store(),
                context.viewer(),
                client.code,
                _score(appointment, "appointment"),
                str(text or ""),
                shared=bool(shared),
                now=context.now(),
            )
        except IpsrtError as exc:
            return _message(exc)
        kind = "shared with the client" if done.shared else "private"
        return f"Note of appointment {done.appointment} saved ({kind})."
