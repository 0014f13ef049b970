"""The audit log (admins): newest first, 50 events a page, filtered by actor or action.

Each page reads only its own events (:func:`ipsrt.reports.admin.audit_page`);
values are shown with control characters escaped. The page number kept in
the browser is checked like any other input.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html
from dash.development.base_component import Component

from dashboard import context
from dashboard.components import labelled, text_table
from dashboard.pages.base import Page
from ipsrt.enums import Role
from ipsrt.errors import IpsrtError
from ipsrt.reports import admin
from ipsrt.reports.access import Action

__all__ = ["PAGE", "layout", "register"]

PAGE = Page(
    path="/admin/audit", title="Audit log", action=Action.VIEW_AUDIT, nav_roles=(Role.ADMIN,)
)

_ID = "admin_audit-"


def _view(page: object, actor: object, action: object) -> tuple[Any, str, int, bool, bool]:
    """(table, position, page, newer disabled, older disabled) of one page of the log."""
    try:
        found = admin.audit_page(context.store(), page, actor=actor, action=action)
    except IpsrtError as exc:
        alert = dbc.Alert(str(exc).splitlines()[0], color="danger", className="py-2")
        return alert, "", 0, True, True
    rows = [
        [f"{r.at:%Y-%m-%d %H:%M:%S}", r.actor, r.action, r.subject, r.detail] for r in found.rows
    ]
    table = text_table(
        "Audit events, newest first (UTC)",
        ["Time", "Actor", "Action", "Subject", "Detail"],
        rows,
        empty="No audit events match.",
    )
    position = f"Page {found.page + 1}"
    return table, position, found.page, not found.has_newer, not found.has_older


def _field(label: str, field: Any) -> Component:
    return labelled(label, field, xs=12, md=4)


def layout(**_params: str) -> Component:
    """Filters, the newest page of the log and buttons to page through it."""
    context.require(Action.VIEW_AUDIT)
    table, position, page, no_newer, no_older = _view(0, None, None)
    return html.Div(
        [
            html.H1("Audit log", className="h3"),
            dbc.Row(
                [
                    _field("Actor (exact login)", dbc.Input(id=_ID + "actor", autocomplete="off")),
                    _field(
                        "Action (beginning, e.g. user. or denied:)",
                        dbc.Input(id=_ID + "action", autocomplete="off"),
                    ),
                    dbc.Col(
                        dbc.Button("Filter", id=_ID + "filter", color="primary"),
                        xs=12,
                        md=4,
                        className="d-flex align-items-end",
                    ),
                ],
                className="g-2 mb-3",
            ),
            html.Div(table, id=_ID + "table"),
            html.Div(
                [
                    dbc.Button("Newer", id=_ID + "newer", disabled=no_newer, className="me-2"),
                    html.Span(position, id=_ID + "position", className="me-2"),
                    dbc.Button("Older", id=_ID + "older", disabled=no_older),
                ],
                className="d-flex align-items-center",
            ),
            dcc.Store(id=_ID + "page", data=page),
        ]
    )


def register(app: Dash) -> None:
    """The callback that filters and pages the log."""

    @app.callback(
        Output(_ID + "table", "children"),
        Output(_ID + "position", "children"),
        Output(_ID + "page", "data"),
        Output(_ID + "newer", "disabled"),
        Output(_ID + "older", "disabled"),
        Input(_ID + "filter", "n_clicks"),
        Input(_ID + "newer", "n_clicks"),
        Input(_ID + "older", "n_clicks"),
        State(_ID + "actor", "value"),
        State(_ID + "action", "value"),
        State(_ID + "page", "data"),
        prevent_initial_call=True,
    )
    def show_page(
        _filter: Any, _newer: Any, _older: Any, actor: Any, action: Any, page: Any
    ) -> tuple[Any, ...]:
        context.require(Action.VIEW_AUDIT)
        step = {_ID + "newer": -1, _ID + "older": 1}.get(str(ctx.triggered_id))
        if step is None:
            wanted: object = 0
        elif isinstance(page, int) and not isinstance(page, bool):
            wanted = max(page + step, 0)
        else:
            wanted = page
        return _view(wanted, actor, action)
