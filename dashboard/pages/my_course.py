"""*My course*: a client's own IPSRT course, relapse-prevention plan, life events, shared notes.

Only the signed-in client's own record (:func:`dashboard.context.own_client`),
read through the same services as the clinician's page, which show a client
what IPSRT agrees with them and nothing more: the phase, session dates,
problem areas and goals (:func:`ipsrt.reports.course.course_view`), the plan,
their life events, and the notes their clinician marked shared
(:func:`ipsrt.reports.notes.read_note` refuses a private note to a client
and audits every read). Described in ``docs/user-guide.md``, "My course".
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, html
from dash.development.base_component import Component

from dashboard import context
from dashboard.course_components import (
    course_summary,
    events_table,
    page_section,
    plan_summary,
    sessions_table,
)
from dashboard.pages.base import Page
from ipsrt.enums import Role
from ipsrt.reports import course, life_events, notes, relapse_plan
from ipsrt.reports.access import Action

__all__ = ["PAGE", "layout", "register"]

PAGE = Page(
    path="/my-course", title="My course", action=Action.VIEW_COURSE, nav_roles=(Role.CLIENT,)
)


def _shared_notes(code: str, view: course.CourseView | None) -> list[Component]:
    """The notes shared with the client, one card each (read and audited one by one)."""
    cards = []
    for session in view.sessions if view is not None else ():
        if session.note != "shared":
            continue
        note = notes.read_note(
            context.store(), context.viewer(), code, session.appointment,
            now=context.now(),
        )  # fmt: skip
        if note is not None:
            title = f"Session of {session.held_on}"
            cards.append(
                dbc.Card(
                    dbc.CardBody([html.H3(title, className="h6"), html.P(note.text)]),
                    className="mb-2",
                )
            )
    return cards or [html.P("No notes shared with you yet.", className="text-muted")]


def layout(**_params: str) -> Component:
    """The client's own course, plan, events and shared notes (no callbacks: read once)."""
    client = context.own_client(Action.VIEW_COURSE)
    store, viewer = context.store(), context.viewer()
    view = course.course_view(store, viewer, client.code)
    plan = relapse_plan.relapse_plan_view(store, viewer, client.code)
    events = life_events.life_events(store, viewer, client.code)
    context.audit(Action.VIEW_COURSE, client.code, page=PAGE.path)
    return html.Div(
        [
            html.H1("My course", className="h3"),
            page_section("Where we are", course_summary(view), sessions_table(view)),
            page_section("My relapse-prevention plan", plan_summary(plan)),
            page_section(
                "My life events",
                html.P("Add one on the Today page.", className="small"),
                events_table(events),
            ),
            page_section("Notes shared with me", *_shared_notes(client.code, view)),
        ],
        style={"maxWidth": "40rem"},
    )


def register(app: Dash) -> None:
    """*My course* has no callbacks: everything is read when the page opens."""
