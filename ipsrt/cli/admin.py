"""Commands that set a tracker up: database, clients, users and care assignments."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from ipsrt.cli.common import (
    DbOption,
    JsonOption,
    database_url,
    fail,
    handle_errors,
    open_store,
    print_json,
    stdout,
    utc_now,
)
from ipsrt.enums import Role

# The store, the services and ipsrt.timeutil (pandas) are imported inside the
# commands, so that ``ipsrt --help`` does not load them (docs/architecture.md).

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
clients_app = typer.Typer(help="Clients (pseudonymous codes, time zones).", no_args_is_help=True)
users_app = typer.Typer(help="Logins and roles.", no_args_is_help=True)


@handle_errors
def init(db: DbOption = None) -> None:
    """Create the database if needed and bring its schema up to date."""
    from ipsrt.cli.keys import secure_database
    from ipsrt.store import Store
    from ipsrt.store import migrate as migrations

    with Store.initialise(database_url(db)) as store:
        stdout.print(f"Database ready at {store.url} (schema {migrations.head_revision()}).")
        secure_database(store)
        stdout.print(
            "Next: 'ipsrt clients add --code CODE --tz ZONE', "
            "'ipsrt users add LOGIN --role clinician', 'ipsrt assign LOGIN CODE'."
        )


@db_app.command("upgrade")
@handle_errors
def db_upgrade(db: DbOption = None) -> None:
    """Apply pending schema migrations."""
    from ipsrt.cli.keys import secure_database
    from ipsrt.store import migrate as migrations

    with open_store(db, check_schema=False) as store:
        before = migrations.current_revision(store.engine)
        store.upgrade()
        after = migrations.current_revision(store.engine)
        stdout.print(f"Schema {before or 'empty'} -> {after} at {store.url}.")
        secure_database(store)


@clients_app.command("add")
@handle_errors
def clients_add(
    code: Annotated[str, typer.Option("--code", help="Pseudonymous client code.")],
    tz: Annotated[str, typer.Option("--tz", help="IANA time zone, e.g. Europe/Berlin.")],
    name: Annotated[str | None, typer.Option("--name", help="Display name (optional).")] = None,
    week_start: Annotated[
        str, typer.Option("--week-start", help="First day of the SRM week.")
    ] = "monday",
    db: DbOption = None,
) -> None:
    """Register a client."""
    from ipsrt.timeutil import WEEKDAYS

    if week_start.lower() not in WEEKDAYS:
        raise fail(f"invalid week start {week_start!r}: expected a weekday name")
    with open_store(db) as store:
        client = store.add_client(
            code,
            tz,
            now=utc_now(),
            display_name=name,
            week_start=WEEKDAYS.index(week_start.lower()),
        )
        stdout.print(f"Added client {client.code} ({client.timezone}).")


@clients_app.command("list")
@handle_errors
def clients_list(
    archived: Annotated[bool, typer.Option("--archived", help="Include archived.")] = False,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List clients."""
    from ipsrt.timeutil import WEEKDAYS

    with open_store(db) as store:
        clients = store.clients(include_archived=archived)
    rows = [
        {
            "code": c.code,
            "name": c.display_name,
            "timezone": c.timezone,
            "week_start": WEEKDAYS[c.week_start],
            "created_at": c.created_at,
            "archived_at": c.archived_at,
        }
        for c in clients
    ]
    if json_out:
        print_json(rows)
        return
    table = Table("code", "name", "time zone", "week start", "created (UTC)")
    for row in rows:
        table.add_row(
            str(row["code"]),
            str(row["name"] or ""),
            str(row["timezone"]),
            str(row["week_start"]),
            f"{row['created_at']:%Y-%m-%d %H:%M}",
        )
    stdout.print(table)


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


@users_app.command("add")
@handle_errors
def users_add(
    login: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[Role, typer.Option("--role", help="What the user may do.")],
    client: Annotated[
        str | None, typer.Option("--client", help="Client code (role client only).")
    ] = None,
    password_stdin: PasswordStdin = False,
    db: DbOption = None,
) -> None:
    """Create a login. The password is prompted for (never an argument)."""
    from ipsrt.reports import accounts

    with open_store(db) as store:
        store.client(client) if client is not None else None
        password = _read_password(password_stdin)
        user = accounts.add_user(store, login, password, role, now=utc_now(), client_code=client)
        stdout.print(f"Added {user.role} {user.login}.")


@users_app.command("list")
@handle_errors
def users_list(json_out: JsonOption = False, db: DbOption = None) -> None:
    """List logins and roles (never password hashes)."""
    with open_store(db) as store:
        codes = {c.id: c.code for c in store.clients(include_archived=True)}
        rows = [
            {
                "login": u.login,
                "role": u.role,
                "client": codes.get(u.client_id) if u.client_id else None,
                "active": u.active,
                "created_at": u.created_at,
            }
            for u in store.accounts.users()
        ]
    if json_out:
        print_json(rows)
        return
    table = Table("login", "role", "client", "active", "created (UTC)")
    for row in rows:
        table.add_row(
            str(row["login"]),
            str(row["role"]),
            str(row["client"] or ""),
            "yes" if row["active"] else "no",
            f"{row['created_at']:%Y-%m-%d %H:%M}",
        )
    stdout.print(table)


@users_app.command("set-password")
@handle_errors
def users_set_password(
    login: Annotated[str, typer.Argument(help="Login name.")],
    password_stdin: PasswordStdin = False,
    db: DbOption = None,
) -> None:
    """Replace a user's password (prompted, never an argument)."""
    from ipsrt.reports import accounts

    with open_store(db) as store:
        store.accounts.user(login)
        accounts.set_password(store, login, _read_password(password_stdin), now=utc_now())
        stdout.print(f"Password changed for {login}.")


@handle_errors
def assign(
    clinician: Annotated[str, typer.Argument(help="Clinician's login.")],
    client: Annotated[str, typer.Argument(help="Client code.")],
    db: DbOption = None,
) -> None:
    """Put a client in a clinician's care."""
    with open_store(db) as store:
        store.accounts.assign(clinician, client, now=utc_now())
        stdout.print(f"{client} is now in the care of {clinician}.")


def _set_active(login: str, active: bool, db: str | None) -> None:
    from ipsrt.reports import accounts

    with open_store(db) as store:
        accounts.set_active(store, login, active, now=utc_now())
    stdout.print(
        f"Disabled {login}; its sessions have ended." if not active else f"Enabled {login}."
    )


@users_app.command("disable")
@handle_errors
def users_disable(
    login: Annotated[str, typer.Argument(help="Login name.")],
    db: DbOption = None,
) -> None:
    """Disable a login: it cannot sign in, and its dashboard sessions end at once."""
    _set_active(login, False, db)


@users_app.command("enable")
@handle_errors
def users_enable(
    login: Annotated[str, typer.Argument(help="Login name.")],
    db: DbOption = None,
) -> None:
    """Enable a disabled login again (it signs in afresh)."""
    _set_active(login, True, db)


@users_app.command("unassign")
@handle_errors
def users_unassign(
    clinician: Annotated[str, typer.Argument(help="Clinician's login.")],
    client: Annotated[str, typer.Argument(help="Client code.")],
    db: DbOption = None,
) -> None:
    """End a clinician's care of a client (their next request no longer sees it)."""
    from ipsrt.reports import accounts

    with open_store(db) as store:
        accounts.unassign(store, clinician, client, now=utc_now())
        stdout.print(f"{client} is no longer in the care of {clinician}.")
