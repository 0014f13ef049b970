"""``ipsrt clients``: register, list, edit, archive and unarchive clients."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ipsrt.cli.common import (
    DbOption,
    JsonOption,
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

if TYPE_CHECKING:
    from ipsrt.models import Client

# The store and ipsrt.timeutil (pandas) are imported inside the commands, so
# that ``ipsrt --help`` does not load them (docs/architecture.md).

clients_app = typer.Typer(help="Clients (pseudonymous codes, time zones).", no_args_is_help=True)

CodeArgument = Annotated[str, typer.Argument(help="Client code.")]


def _week_start(text: str) -> int:
    """A weekday name as 0 (Monday) .. 6 (Sunday), or a one-line error."""
    from ipsrt.timeutil import WEEKDAYS

    if text.lower() not in WEEKDAYS:
        raise fail(f"invalid --week-start {text!r}: expected a weekday name")
    return WEEKDAYS.index(text.lower())


def client_row(client: Client) -> dict[str, Any]:
    """A client as a JSON-ready dict (the fields ``clients list`` shows)."""
    from ipsrt.timeutil import WEEKDAYS

    return {
        "code": client.code,
        "name": client.display_name,
        "timezone": client.timezone,
        "week_start": WEEKDAYS[client.week_start],
        "created_at": client.created_at,
        "archived_at": client.archived_at,
    }


@clients_app.command("add")
@handle_errors
def clients_add(
    code: Annotated[str, typer.Option("--code", help="Pseudonymous client code.")],
    tz: Annotated[str, typer.Option("--tz", help="IANA time zone, e.g. Europe/Berlin.")],
    name: Annotated[str | None, typer.Option("--name", help="Display name (optional).")] = None,
    week_start: Annotated[
        str, typer.Option("--week-start", help="First day of the SRM week.")
    ] = "monday",
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Register a client (audited client.add)."""
    start = _week_start(week_start)
    with open_store(db) as store:
        client = store.add_client(
            code, tz, now=utc_now(), display_name=name, week_start=start, actor=operator()
        )
    if json_out:
        print_json(client_row(client))
        return
    stdout.print(f"Added client {shown(client.code)} ({shown(client.timezone)}).")


@clients_app.command("list")
@handle_errors
def clients_list(
    archived: Annotated[bool, typer.Option("--archived", help="Include archived.")] = False,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List clients (archived ones with --archived)."""
    with open_store(db) as store:
        rows = [client_row(c) for c in store.clients(include_archived=archived)]
    if json_out:
        print_json(rows)
        return
    headers = ["code", "name", "time zone", "week start", "created (UTC)"]
    headers += ["archived (UTC)"] if archived else []
    table = new_table(*headers)
    for row in rows:
        cells = [row["code"], row["name"], row["timezone"], row["week_start"]]
        cells.append(f"{row['created_at']:%Y-%m-%d %H:%M}")
        if archived:
            cells.append("" if row["archived_at"] is None else f"{row['archived_at']:%Y-%m-%d}")
        table.add_row(*(shown(c) for c in cells))
    print_table(table)


def _report_change(
    code: str, changes: dict[str, tuple[Any, Any]], json_out: bool, db: str | None
) -> None:
    """Print what changed (or that nothing did) and the client as it is now."""
    with open_store(db) as store:
        client = store.client(code)
    if json_out:
        changed = {k: {"old": a, "new": b} for k, (a, b) in changes.items()}
        print_json({"client": client_row(client), "changed": changed})
        return
    if not changes:
        stdout.print(f"Client {shown(code)} unchanged.")
        return
    for key, (old, new) in changes.items():
        stdout.print(f"{shown(code)}: {key.replace('_', ' ')} {shown(old)} -> {shown(new)}")


@clients_app.command("edit")
@handle_errors
def clients_edit(
    code: CodeArgument,
    name: Annotated[
        str | None, typer.Option("--name", help="New display name ('' clears it).")
    ] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="New IANA time zone.")] = None,
    week_start: Annotated[
        str | None, typer.Option("--week-start", help="New first day of the SRM week.")
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Change a client's name, time zone or week start (audited client.edit).

    A new zone or week start rebuilds the client's summaries on the next read,
    under the new local dates; no record is changed.
    """
    from ipsrt.timeutil import WEEKDAYS

    changes: dict[str, Any] = {}
    if name is not None:
        changes["display_name"] = name or None
    if tz is not None:
        changes["timezone"] = tz
    if week_start is not None:
        changes["week_start"] = _week_start(week_start)
    if not changes:
        raise fail("nothing to change: give --name, --tz or --week-start")
    with open_store(db) as store:
        diff = store.edit_client(code, changes, now=utc_now(), actor=operator())
    if "week_start" in diff:
        old, new = diff["week_start"]
        diff["week_start"] = (WEEKDAYS[old], WEEKDAYS[new])
    _report_change(code, diff, json_out, db)


def _set_archived(code: str, archived: bool, json_out: bool, db: str | None) -> None:
    with open_store(db) as store:
        diff = store.edit_client(code, {"archived": archived}, now=utc_now(), actor=operator())
    if json_out:
        _report_change(code, diff, json_out, db)
    elif not diff:
        stdout.print(f"Client {shown(code)} was already {'archived' if archived else 'active'}.")
    elif archived:
        stdout.print(
            f"Archived {shown(code)}: it has left every caseload and the alert runs; "
            "its records are kept ('ipsrt clients unarchive' brings it back)."
        )
    else:
        stdout.print(f"Unarchived {shown(code)}: it is back in its clinicians' caseloads.")


@clients_app.command("archive")
@handle_errors
def clients_archive(code: CodeArgument, json_out: JsonOption = False, db: DbOption = None) -> None:
    """Archive a client: off caseloads and alert runs, every record kept (client.archive)."""
    _set_archived(code, True, json_out, db)


@clients_app.command("unarchive")
@handle_errors
def clients_unarchive(
    code: CodeArgument, json_out: JsonOption = False, db: DbOption = None
) -> None:
    """Bring an archived client back (audited client.unarchive)."""
    _set_archived(code, False, json_out, db)
