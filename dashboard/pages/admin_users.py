"""Users and care assignments (admins): list, create, enable, disable, reset, assign.

Every callback asks :func:`dashboard.context.require` for
``MANAGE_ACCOUNTS`` before it reads or changes anything, and every change
goes through :mod:`ipsrt.reports.admin`, where the store audits it with the
admin's login as the actor. A refused value (weak password, unknown
client, ...) shows its one-line message and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, html
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
    path="/admin/users", title="Users", action=Action.MANAGE_ACCOUNTS, nav_roles=(Role.ADMIN,)
)

_ID = "admin_users-"


def _users_table() -> Component:
    rows = [
        [
            row.login,
            row.role,
            row.client or "",
            "yes" if row.active else "no",
            f"{row.created_at:%Y-%m-%d %H:%M} UTC",
        ]
        for row in admin.user_rows(context.store())
    ]
    return text_table(
        "Logins", ["Login", "Role", "Client", "Active", "Created"], rows, empty="No logins yet."
    )


def _assignments_table() -> Component:
    found = admin.assignments_by_clinician(context.store())
    rows = [[login, ", ".join(codes) or "none"] for login, codes in found.items()]
    return text_table(
        "Clients in each clinician's care",
        ["Clinician", "Clients"],
        rows,
        empty="No clinicians yet.",
    )


def _options(role: Role | None = None) -> list[dict[str, str]]:
    return [
        {"label": row.login, "value": row.login}
        for row in admin.user_rows(context.store())
        if role is None or row.role == role
    ]


def _message(text: str, ok: bool) -> Component:
    return dbc.Alert(text, color="success" if ok else "danger", className="py-2")


def _outcome(change: Callable[[], str]) -> Component:
    """Run *change* and say what it did, or the one-line reason it did nothing."""
    try:
        return _message(change(), True)
    except IpsrtError as exc:
        return _message(str(exc).splitlines()[0] if str(exc) else "Refused.", False)


def _field(label: str, field: Any) -> Component:
    return labelled(label, field, xs=12, md=6, lg=3)


def layout(**_params: str) -> Component:
    """The users table, the forms that change logins, and the care assignments."""
    context.require(Action.MANAGE_ACCOUNTS)
    roles = [{"label": r.value, "value": r.value} for r in Role]
    add_form = dbc.Card(
        dbc.CardBody(
            [
                html.H2("Add a login", className="h5"),
                dbc.Row(
                    [
                        _field("Login", dbc.Input(id=_ID + "login", autocomplete="off")),
                        _field("Role", dbc.Select(id=_ID + "role", options=roles, value="client")),
                        _field(
                            "Client code (client logins only)",
                            dbc.Input(id=_ID + "client", autocomplete="off"),
                        ),
                        _field(
                            "Initial password",
                            dbc.Input(
                                id=_ID + "password", type="password", autocomplete="new-password"
                            ),
                        ),
                    ],
                    className="g-2",
                ),
                dbc.Button("Add login", id=_ID + "add", color="primary", className="mt-2"),
            ]
        ),
        className="mb-3",
    )
    active_form = dbc.Card(
        dbc.CardBody(
            [
                html.H2("Enable, disable or reset a login", className="h5"),
                dbc.Row(
                    [
                        _field("Login", dbc.Select(id=_ID + "account", options=_options())),
                        _field(
                            "New password (for a reset)",
                            dbc.Input(
                                id=_ID + "new-password",
                                type="password",
                                autocomplete="new-password",
                            ),
                        ),
                    ],
                    className="g-2",
                ),
                dbc.Button("Enable", id=_ID + "enable", color="secondary", className="mt-2 me-2"),
                dbc.Button("Disable", id=_ID + "disable", color="danger", className="mt-2 me-2"),
                dbc.Button("Set new password", id=_ID + "reset", color="warning", className="mt-2"),
            ]
        ),
        className="mb-3",
    )
    assign_form = dbc.Card(
        dbc.CardBody(
            [
                html.H2("Assign a client to a clinician", className="h5"),
                dbc.Row(
                    [
                        _field(
                            "Clinician",
                            dbc.Select(id=_ID + "clinician", options=_options(Role.CLINICIAN)),
                        ),
                        _field("Client code", dbc.Input(id=_ID + "code", autocomplete="off")),
                    ],
                    className="g-2",
                ),
                dbc.Button("Assign", id=_ID + "assign", color="primary", className="mt-2 me-2"),
                dbc.Button("Unassign", id=_ID + "unassign", color="danger", className="mt-2"),
            ]
        ),
        className="mb-3",
    )
    return html.Div(
        [
            html.H1("Users", className="h3"),
            html.Div(id=_ID + "message", role="status"),
            add_form,
            active_form,
            html.Div(_users_table(), id=_ID + "table"),
            html.H2("Care assignments", className="h4 mt-4"),
            html.Div(id=_ID + "assign-message", role="status"),
            assign_form,
            html.Div(_assignments_table(), id=_ID + "assignments"),
        ]
    )


def register(app: Dash) -> None:
    """The callbacks that change logins and care assignments."""

    @app.callback(
        Output(_ID + "message", "children"),
        Output(_ID + "table", "children"),
        Output(_ID + "account", "options"),
        Output(_ID + "clinician", "options"),
        Output(_ID + "password", "value"),
        Output(_ID + "new-password", "value"),
        Input(_ID + "add", "n_clicks"),
        Input(_ID + "enable", "n_clicks"),
        Input(_ID + "disable", "n_clicks"),
        Input(_ID + "reset", "n_clicks"),
        State(_ID + "login", "value"),
        State(_ID + "role", "value"),
        State(_ID + "client", "value"),
        State(_ID + "password", "value"),
        State(_ID + "account", "value"),
        State(_ID + "new-password", "value"),
        prevent_initial_call=True,
    )
    def change_login(
        _add: Any,
        _enable: Any,
        _disable: Any,
        _reset: Any,
        login: Any,
        role: Any,
        client: Any,
        password: Any,
        account: Any,
        new_password: Any,
    ) -> tuple[Any, ...]:
        actor = context.require(Action.MANAGE_ACCOUNTS).login
        store, now = context.store(), context.now()

        def add() -> str:
            user = admin.create_user(
                store, login, role, password, client_code=client, now=now, actor=actor
            )
            return f"Added {user.role} login {user.login}."

        def enable(active: bool) -> Callable[[], str]:
            def change() -> str:
                admin.set_user_active(store, account, active, now=now, actor=actor)
                return f"{'Enabled' if active else 'Disabled'} {account}."

            return change

        def reset() -> str:
            admin.reset_password(store, account, new_password, now=now, actor=actor)
            return f"Set a new password for {account}; their sessions ended."

        changes = {
            _ID + "add": add,
            _ID + "enable": enable(True),
            _ID + "disable": enable(False),
            _ID + "reset": reset,
        }
        change = changes.get(str(ctx.triggered_id))
        message = _outcome(change) if change is not None else None
        return message, _users_table(), _options(), _options(Role.CLINICIAN), "", ""

    @app.callback(
        Output(_ID + "assign-message", "children"),
        Output(_ID + "assignments", "children"),
        Input(_ID + "assign", "n_clicks"),
        Input(_ID + "unassign", "n_clicks"),
        State(_ID + "clinician", "value"),
        State(_ID + "code", "value"),
        prevent_initial_call=True,
    )
    def change_assignment(
        _assign: Any, _unassign: Any, clinician: Any, code: Any
    ) -> tuple[Any, ...]:
        actor = context.require(Action.MANAGE_ACCOUNTS).login
        store, now = context.store(), context.now()

        def assign() -> str:
            admin.assign_client(store, clinician, code, now=now, actor=actor)
            return f"{code} is now in the care of {clinician}."

        def unassign() -> str:
            admin.unassign_client(store, clinician, code, now=now, actor=actor)
            return f"{code} is no longer in the care of {clinician}."

        changes = {_ID + "assign": assign, _ID + "unassign": unassign}
        change = changes.get(str(ctx.triggered_id))
        message = _outcome(change) if change is not None else None
        return message, _assignments_table()
