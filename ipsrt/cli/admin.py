"""Commands that set a tracker up: database, users and care assignments.

Clients are in :mod:`ipsrt.cli.clients`. Every change is audited with the
operating-system user as the actor (:func:`ipsrt.cli.common.operator`).
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from ipsrt.cli.common import (
    DbOption,
    JsonOption,
    database_url,
    fail,
    handle_errors,
    new_table,
    open_store,
    operator,
    print_json,
    print_table,
    shown,
    stdout,
    utc_now,
)
from ipsrt.enums import Role

if TYPE_CHECKING:
    from ipsrt.reports.admin import UserRow
    from ipsrt.store import Store

# The store, the services and ipsrt.timeutil (pandas) are imported inside the
# commands, so that ``ipsrt --help`` does not load them (docs/architecture.md).

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Logins and roles.", no_args_is_help=True)


@handle_errors
def init(json_out: JsonOption = False, db: DbOption = None) -> None:
    """Create the database if needed and bring its schema up to date (audited store.init)."""
    from ipsrt.cli.keys import secure_database
    from ipsrt.store import Store
    from ipsrt.store import migrate as migrations

    with Store.initialise(database_url(db)) as store:
        schema = migrations.head_revision()
        store.record_event("store.init", now=utc_now(), actor=operator(), detail={"schema": schema})
        url = store.url
        if not json_out:
            stdout.print(f"Database ready at {shown(url)} (schema {shown(schema)}).")
        secure_database(store, json_out=json_out)
    if json_out:
        print_json({"database": url, "schema": schema})
        return
    stdout.print(
        "Next: 'ipsrt clients add --code CODE --tz ZONE', "
        "'ipsrt users add LOGIN --role clinician', 'ipsrt assign LOGIN CODE'."
    )


@db_app.command("upgrade")
@handle_errors
def db_upgrade(json_out: JsonOption = False, db: DbOption = None) -> None:
    """Apply pending schema migrations (audited store.upgrade when the schema changed)."""
    from ipsrt.cli.keys import secure_database
    from ipsrt.store import migrate as migrations

    with open_store(db, check_schema=False) as store:
        before = migrations.current_revision(store.engine)
        store.upgrade()
        after = migrations.current_revision(store.engine)
        if before != after:
            store.record_event(
                "store.upgrade",
                now=utc_now(),
                actor=operator(),
                detail={"from": before, "to": after},
            )
        url = store.url
        if not json_out:
            stdout.print(f"Schema {shown(before or 'empty')} -> {shown(after)} at {shown(url)}.")
        secure_database(store, json_out=json_out)
    if json_out:
        print_json({"database": url, "from": before, "to": after})


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise fail("no password on standard input")
        return line.rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input (for scripts).",
    ),
]


LoginArgument = Annotated[str, typer.Argument(help="Login name.")]
ClinicianArgument = Annotated[str, typer.Argument(help="Clinician's login.")]
ClientArgument = Annotated[str, typer.Argument(help="Client code.")]


def _user_json(user: UserRow) -> dict[str, object]:
    return {
        "login": user.login,
        "role": user.role,
        "client": user.client,
        "active": user.active,
        "created_at": user.created_at,
    }


def _one_user(store: Store, login: str) -> dict[str, object]:
    from ipsrt.reports.admin import user_rows

    store.accounts.user(login)  # unknown login: one line
    return next(_user_json(u) for u in user_rows(store) if u.login == login)


@users_app.command("add")
@handle_errors
def users_add(
    login: LoginArgument,
    role: Annotated[Role, typer.Option("--role", help="What the user may do.")],
    client: Annotated[
        str | None, typer.Option("--client", help="Client code (role client only).")
    ] = None,
    password_stdin: PasswordStdin = False,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Create a login (audited user.add). The password is prompted for (never an argument)."""
    from ipsrt.reports import accounts

    with open_store(db) as store:
        if client is not None:
            store.client(client)  # an unknown code fails before the prompt
        password = _read_password(password_stdin)
        user = accounts.add_user(
            store, login, password, role, now=utc_now(), client_code=client, actor=operator()
        )
        row = _one_user(store, user.login)
    if json_out:
        print_json(row)
        return
    stdout.print(f"Added {shown(user.role)} {shown(user.login)}.")


@users_app.command("list")
@handle_errors
def users_list(json_out: JsonOption = False, db: DbOption = None) -> None:
    """List logins and roles (never password hashes)."""
    from ipsrt.reports.admin import user_rows

    with open_store(db) as store:
        rows = [_user_json(u) for u in user_rows(store)]
    if json_out:
        print_json(rows)
        return
    table = new_table("login", "role", "client", "active", "created (UTC)")
    for row in rows:
        created = row["created_at"]
        assert isinstance(created, dt.datetime)
        table.add_row(
            shown(row["login"]),
            shown(row["role"]),
            shown(row["client"]),
            "yes" if row["active"] else "no",
            f"{created:%Y-%m-%d %H:%M}",
        )
    print_table(table)


@users_app.command("set-password")
@handle_errors
def users_set_password(
    login: LoginArgument,
    password_stdin: PasswordStdin = False,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Replace a user's password (prompted, never an argument; audited user.set_password)."""
    from ipsrt.reports import accounts

    with open_store(db) as store:
        store.accounts.user(login)
        password = _read_password(password_stdin)
        accounts.set_password(store, login, password, now=utc_now(), actor=operator())
    if json_out:
        print_json({"login": login, "password_changed": True})
        return
    stdout.print(f"Password changed for {shown(login)}; its sessions have ended.")


def _set_active(login: str, active: bool, json_out: bool, db: str | None) -> None:
    from ipsrt.reports import accounts

    with open_store(db) as store:
        accounts.set_active(store, login, active, now=utc_now(), actor=operator())
        row = _one_user(store, login)
    if json_out:
        print_json(row)
        return
    stdout.print(
        f"Disabled {shown(login)}; its sessions have ended."
        if not active
        else f"Enabled {shown(login)}."
    )


@users_app.command("disable")
@handle_errors
def users_disable(login: LoginArgument, json_out: JsonOption = False, db: DbOption = None) -> None:
    """Disable a login (audited user.disable): no sign-in, its dashboard sessions end at once."""
    _set_active(login, False, json_out, db)


@users_app.command("enable")
@handle_errors
def users_enable(login: LoginArgument, json_out: JsonOption = False, db: DbOption = None) -> None:
    """Enable a disabled login again (audited user.enable; it signs in afresh)."""
    _set_active(login, True, json_out, db)


@handle_errors
def assign(
    clinician: ClinicianArgument,
    client: ClientArgument,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Put a client in a clinician's care (audited care.assign).

    To move a client to another clinician: 'ipsrt unassign OLD CODE', then
    'ipsrt assign NEW CODE'.
    """
    with open_store(db) as store:
        store.accounts.assign(clinician, client, now=utc_now(), actor=operator())
    if json_out:
        print_json({"clinician": clinician, "client": client, "assigned": True})
        return
    stdout.print(f"{shown(client)} is now in the care of {shown(clinician)}.")


@handle_errors
def unassign(
    clinician: ClinicianArgument,
    client: ClientArgument,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """End a clinician's care of a client (audited care.unassign).

    The clinician's next request no longer sees the client; its records stay.
    """
    from ipsrt.reports import accounts

    with open_store(db) as store:
        accounts.unassign(store, clinician, client, now=utc_now(), actor=operator())
    if json_out:
        print_json({"clinician": clinician, "client": client, "assigned": False})
        return
    stdout.print(f"{shown(client)} is no longer in the care of {shown(clinician)}.")
