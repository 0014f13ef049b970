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

from dash import Dash, Input, Output, State, ctx, dcc, html
from dash.development.base_component import Component

from dashboard import context
from dashboard.course_components import (
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
from dashboard.course_forms import (
    NONE,
    STATUSES,
    course_forms,
    inventory_forms,
    plan_and_notes_forms,
)
from dashboard.figures.closeness_circles import closeness_circles_figure
from dashboard.pages.base import Page
from ipsrt.errors import InvalidInputError, IpsrtError
from ipsrt.ipt.course import DEFAULT_PLANNED_SESSIONS
from ipsrt.ipt.inventory import parse_rhythm_role
from ipsrt.reports import course, inventory, life_events, notes, relapse_plan
from ipsrt.reports.access import AccessDenied, Action

__all__ = ["PAGE", "layout", "register"]

PAGE = Page(path="/clients/<code>/course", title="Course", action=Action.WRITE_COURSE)
_CLIENT = "course-client"
#: The fields :func:`register`'s ``prefill`` sets from the stored course and plan.
_PREFILLED = (
    "primary",
    "goals",
    "secondary",
    "secondary-goals",
    "plan-signs",
    "plan-steps",
    "plan-contacts",
)


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
            *course_forms(),
            inventory_forms(),
            page_section(
                "Life events",
                html.Div(id="course-events"),
                html.H3("Add a life event", className="h6 mt-3"),
                life_event_form("course"),
            ),
            *plan_and_notes_forms(),
        ]
    )


def _chosen(value: object) -> str | None:
    """A select's value, or None for no value and the :data:`NONE` option."""
    return None if value in (None, "", NONE) else str(value)


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
        *(Input(f"course-{name}-status", "children") for name in STATUSES),
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
            [{"label": "A new person", "value": NONE}]
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
        *(Output(f"course-{name}", "value") for name in _PREFILLED),
        Input(_CLIENT, "data"),
    )
    def prefill(code: Any) -> tuple[str, ...]:
        """The forms that edit a whole record start from it: problem areas and the plan."""
        client = context.client(Action.WRITE_COURSE, code)
        store, viewer = context.store(), context.viewer()
        view = course.course_view(store, viewer, client.code)
        plan = relapse_plan.relapse_plan_view(store, viewer, client.code)
        areas = (NONE, "", NONE, "")
        if view is not None:
            areas = (
                NONE if view.primary_area is None else view.primary_area.value,
                view.primary_goals,
                NONE if view.secondary_area is None else view.secondary_area.value,
                view.secondary_goals,
            )
        return (*areas, *plan_text(plan))

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
