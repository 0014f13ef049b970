"""The start page: where each role begins, with the links its menu offers."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, html
from dash.development.base_component import Component

from dashboard import context
from dashboard.pages.base import Page
from ipsrt.reports.access import Action

__all__ = ["PAGE", "layout", "register"]

PAGE = Page(path="/", title="Start", action=Action.CHANGE_OWN_PASSWORD)

_GREETING = {
    "client": "Log today's anchors and mood, and see your own rhythm.",
    "clinician": "See whose rhythms are changing, and why.",
    "admin": "Manage users, care assignments and devices, and read the audit log.",
    "researcher": "Research exports are not available yet.",
}


def layout(**_params: str) -> Component:
    """A greeting for the signed-in person and the pages their role opens."""
    from dashboard.pages import PAGES

    viewer = context.require(Action.CHANGE_OWN_PASSWORD)
    links = [
        dbc.ListGroupItem(module.PAGE.title, href=module.PAGE.path)
        for module in PAGES
        if viewer.role in module.PAGE.nav_roles
    ]
    return html.Div(
        [
            html.H1(f"Signed in as {viewer.login}", className="h3"),
            html.P(_GREETING.get(viewer.role.value, "")),
            # Links, not list items: a <ul> may hold only <li> (axe: list).
            dbc.ListGroup(links, tag="div"),
        ]
    )


def register(app: Dash) -> None:
    """The start page has no callbacks."""
