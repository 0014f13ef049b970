"""What the course pages show of an IPSRT course: summary, sessions, people, events, plan.

Plain renderings of the values :mod:`ipsrt.reports.course`,
:mod:`ipsrt.reports.inventory`, :mod:`ipsrt.reports.life_events` and
:mod:`ipsrt.reports.relapse_plan` return, shared by the clinician's course
page and the client's *My course* page (``docs/clinicians.md``). Nothing
here reads the store or decides who may see what: the services did.
Free text typed by people is passed to Dash as text, never as markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component

from dashboard.components import text_table
from ipsrt.enums import LifeEventKind, ProblemArea
from ipsrt.errors import InvalidInputError
from ipsrt.ipt.life_events import LifeEvent
from ipsrt.ipt.relapse_plan import RelapsePlan, make_relapse_plan
from ipsrt.reports.course import CourseView
from ipsrt.reports.inventory import InventoryView
from ipsrt.reports.relapse_plan import RelapsePlanView

__all__ = [
    "AREA_LABELS",
    "KIND_LABELS",
    "course_summary",
    "event_values",
    "events_table",
    "life_event_fields",
    "life_event_form",
    "page_section",
    "parse_day",
    "parse_plan",
    "people_table",
    "plan_summary",
    "plan_text",
    "sessions_table",
]

#: The four IPT problem areas in words.
AREA_LABELS = {
    ProblemArea.GRIEF: "Grief",
    ProblemArea.ROLE_DISPUTES: "Role disputes",
    ProblemArea.ROLE_TRANSITIONS: "Role transitions",
    ProblemArea.INTERPERSONAL_DEFICITS: "Interpersonal deficits",
}
#: The kinds of life events in words.
KIND_LABELS = {
    LifeEventKind.LOSS: "Loss",
    LifeEventKind.DISPUTE: "Dispute",
    LifeEventKind.ROLE_CHANGE: "Role change",
    LifeEventKind.TRAVEL: "Travel or time-zone change",
    LifeEventKind.SHIFT_WORK: "Shift-work change",
    LifeEventKind.ILLNESS: "Illness",
    LifeEventKind.OTHER: "Other",
}
_DISRUPTION = ("none", "a little", "some", "a lot")
_LEVEL = ("none", "a little", "some", "a lot")


def page_section(title: str, *children: Component | str) -> Component:
    """A titled part of a course page."""
    return html.Section([html.H2(title, className="h5 mt-4"), *children], className="mb-3")


def parse_day(value: object, what: str) -> dt.date:
    """A ``YYYY-MM-DD`` date field's value, or a one-line :class:`InvalidInputError`."""
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else _missing(what)
    except ValueError:
        raise InvalidInputError(f"{what}: enter a date as YYYY-MM-DD") from None


def _missing(what: str) -> dt.date:
    raise InvalidInputError(f"{what}: enter a date")


def course_summary(view: CourseView | None) -> Component:
    """Where the course stands: status, phase, sessions held and missed, the next one due."""
    if view is None:
        return html.P("No course started yet.", className="text-muted")
    lines = [
        f"Status: {view.status.value}; started {view.started_on}, "
        f"{view.planned_sessions} sessions planned.",
        f"Phase now: {view.current_phase.value}. Sessions held: {view.held}, "
        f"missed: {view.missed}.",
    ]
    if view.next_due_on is not None and view.next_phase is not None:
        lines.append(
            f"Next: session {view.next_session_number} ({view.next_phase.value} phase), "
            f"due {view.next_due_on}."
        )
    if view.maintenance_from is not None:
        lines.append(
            f"Maintenance since {view.maintenance_from}: {view.maintenance_sessions} session(s)."
        )
    if view.ended_on is not None:
        lines.append(f"Ended on {view.ended_on}.")
    areas: list[Component] = []
    for label, area, goals in (
        ("Primary problem area", view.primary_area, view.primary_goals),
        ("Secondary problem area", view.secondary_area, view.secondary_goals),
    ):
        if area is not None:
            areas.append(html.Dt(f"{label}: {AREA_LABELS[area]}"))
            areas.append(html.Dd(goals or "No goals written yet."))
    return html.Div(
        [*(html.P(line, className="mb-1") for line in lines), html.Dl(areas, className="mt-2")]
    )


def sessions_table(view: CourseView | None) -> Component:
    """Every appointment of the course: number, date, held or missed, phase, note."""
    rows = [
        (
            str(s.appointment),
            str(s.held_on),
            "held" if s.attended else "missed",
            str(s.session_number),
            s.phase.value,
            s.note,
        )
        for s in (view.sessions if view is not None else ())
    ]
    headers = ("Appointment", "Date", "Held", "Session", "Phase", "Note")
    return text_table("Sessions", headers, rows, empty="No session recorded yet.")


def people_table(view: InventoryView) -> Component:
    """The interpersonal inventory on the view's date, inner circle first."""
    rows = [
        (
            p.label,
            p.relationship,
            str(p.closeness),
            _LEVEL[p.support],
            _LEVEL[p.conflict],
            p.changes,
            "; ".join(f"{r.anchor}: {r.role}" for r in p.rhythm_roles),
        )
        for p in view.people
    ]
    headers = ("Person", "Relationship", "Circle", "Support", "Conflict", "Changes", "Rhythm")
    caption = f"Interpersonal inventory on {view.as_of}"
    return text_table(caption, headers, rows, empty="Nobody in the inventory yet.")


def events_table(events: Sequence[LifeEvent]) -> Component:
    """Life events, latest first: dates, kind, disruption, description, who entered it."""
    rows = [
        (
            str(e.starts_on) + ("" if e.ends_on in (None, e.starts_on) else f" to {e.ends_on}"),
            KIND_LABELS[e.kind],
            f"{e.disruption} ({_DISRUPTION[e.disruption]})",
            e.description,
            str(e.entered_by or ""),
        )
        for e in sorted(events, key=lambda e: e.starts_on, reverse=True)
    ]
    headers = ("Dates", "Kind", "Disruption", "Description", "Entered by")
    return text_table("Life events", headers, rows, empty="No life events recorded.")


def plan_summary(view: RelapsePlanView | None) -> Component:
    """The relapse-prevention plan: warning signs, steps, contacts, thresholds it tightens."""
    if view is None:
        return html.P("No relapse-prevention plan written yet.", className="text-muted")
    plan = view.plan
    signs = [
        html.Li(
            s.text + (f" (watched: {', '.join(x.value for x in s.signals)})" if s.signals else "")
        )
        for s in plan.warning_signs
    ]
    contacts = [html.Li(c.label + (f": {c.reach}" if c.reach else "")) for c in plan.contacts]
    tight = [
        html.Li(f"{t.rule_id}: {t.field} {t.before:g} -> {t.after:g}") for t in view.tightenings
    ]
    parts: list[Component] = [
        html.P(f"Revision {view.revision}, saved {view.made_at:%Y-%m-%d}.", className="small"),
        html.H3("Early warning signs", className="h6"),
        html.Ul(signs or [html.Li("None written.")]),
        html.H3("Agreed steps", className="h6"),
        html.Ol([html.Li(s) for s in plan.steps] or [html.Li("None written.")]),
        html.H3("Contacts", className="h6"),
        html.Ul(contacts or [html.Li("None written.")]),
    ]
    if tight:
        parts += [html.H3("Alert thresholds tightened", className="h6"), html.Ul(tight)]
    return dbc.Card(dbc.CardBody(parts))


def life_event_form(prefix: str) -> Component:
    """The fields of a new life event (ids ``<prefix>-event-...``) and its button."""

    def ident(name: str) -> str:
        return f"{prefix}-event-{name}"

    kinds = [{"label": text, "value": kind.value} for kind, text in KIND_LABELS.items()]
    levels = [{"label": f"{v} ({text})", "value": v} for v, text in enumerate(_DISRUPTION)]
    return html.Div(
        [
            dbc.Label("Kind of event", html_for=ident("kind")),
            dbc.Select(id=ident("kind"), options=kinds, value=LifeEventKind.OTHER.value),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("From", html_for=ident("start")),
                            dbc.Input(id=ident("start"), type="date"),
                        ],
                        xs=6,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("To (optional)", html_for=ident("end")),
                            dbc.Input(id=ident("end"), type="date"),
                        ],
                        xs=6,
                    ),
                ],
                className="g-2 mt-1",
            ),
            html.Fieldset(
                [
                    html.Legend("How disruptive was it?", className="fs-6 mt-2"),
                    dbc.RadioItems(id=ident("disruption"), options=levels, value=1, inline=True),
                ]
            ),
            dbc.Label("Short description", html_for=ident("description")),
            dbc.Input(id=ident("description"), maxLength=200, type="text"),
            dbc.Button("Add life event", id=ident("add"), color="primary", className="mt-2"),
            html.Div(id=ident("status"), role="status", className="mt-2"),
        ]
    )


def life_event_fields(prefix: str) -> list[str]:
    """``"id.value"`` names of :func:`life_event_form`'s fields, in :func:`event_values` order."""
    return [f"{prefix}-event-{n}" for n in ("kind", "start", "end", "disruption", "description")]


def event_values(
    kind: object, start: object, end: object, disruption: object, description: object
) -> tuple[dt.date, str, int, str, dt.date | None]:
    """The form's values checked for :func:`ipsrt.reports.life_events.add_life_event`."""
    first = parse_day(start, "start date")
    last = None if end in (None, "") else parse_day(end, "end date")
    if isinstance(disruption, bool) or not isinstance(disruption, int):
        raise InvalidInputError("disruption: choose 0 to 3")
    return first, str(kind or ""), disruption, str(description or ""), last


def parse_plan(signs: object, steps: object, contacts: object) -> RelapsePlan:
    """The plan of the three text areas (one item a line; ``|`` before signals or reach)."""

    def lines(text: object) -> list[str]:
        return [line.strip() for line in str(text or "").splitlines() if line.strip()]

    warning = []
    for line in lines(signs):
        text, _, signals = line.partition("|")
        warning.append((text.strip(), [s.strip() for s in signals.split(",") if s.strip()]))
    people = [
        (label.strip(), reach.strip())
        for label, _, reach in (x.partition("|") for x in lines(contacts))
    ]
    return make_relapse_plan(warning, lines(steps), people)


def plan_text(view: RelapsePlanView | None) -> tuple[str, str, str]:
    """The plan as the three text areas of :func:`parse_plan` read (empty without a plan)."""
    if view is None:
        return "", "", ""
    plan = view.plan
    signs = [
        s.text + (" | " + ", ".join(x.value for x in s.signals) if s.signals else "")
        for s in plan.warning_signs
    ]
    contacts = [c.label + (f" | {c.reach}" if c.reach else "") for c in plan.contacts]
    return "\n".join(signs), "\n".join(plan.steps), "\n".join(contacts)
