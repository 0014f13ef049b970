"""``ipsrt audit list``: read the audit log, newest first, one page at a time."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape

from ipsrt.cli.common import (
    DbOption,
    JsonOption,
    handle_errors,
    new_table,
    open_store,
    parse_date,
    print_json,
    print_table,
    stdout,
    utc_now,
)

# The store and the services are imported inside the command, so that
# ``ipsrt --help`` does not load them (docs/architecture.md).

audit_app = typer.Typer(help="The audit log (who changed what, and when).", no_args_is_help=True)

#: The most events one ``audit list`` prints.
MAX_LIMIT = 500


@audit_app.command("list")
@handle_errors
def audit_list(
    client: Annotated[
        str | None, typer.Option("--client", help="Only events about this client code.")
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option("--actor", help="Only events by this actor (a login, or cli:USER)."),
    ] = None,
    action: Annotated[
        str | None,
        typer.Option("--action", help="Only actions starting with this (e.g. 'user.')."),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only events on or after this UTC date.")
    ] = None,
    limit: Annotated[
        int,
        typer.Option("--limit", min=1, max=MAX_LIMIT, help="At most this many events."),
    ] = 50,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List audit events, newest first (only the events asked for are read).

    Values are shown with control characters escaped and device addresses
    masked, as on the dashboard's audit page.
    """
    from ipsrt.reports.admin import audit_page
    from ipsrt.timeutil import check_plausible_date

    start = parse_date(since, "--since")
    after = None
    if start is not None:
        check_plausible_date(start, today=utc_now().date(), what="--since")
        after = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    with open_store(db) as store:
        if client is not None:
            store.client(client)  # an unknown code: one line
        page = audit_page(
            store, 0, actor=actor, action=action, size=limit, subject=client, since=after
        )
    rows = [
        {"at": r.at, "actor": r.actor, "action": r.action, "subject": r.subject, "detail": r.detail}
        for r in page.rows
    ]
    if json_out:
        print_json({"events": rows, "more": page.has_older})
        return
    if not rows:
        stdout.print("No audit events match.")
        return
    table = new_table("at (UTC)", "actor", "action", "subject", "detail")
    # The rows are already escaped by ipsrt.display.printable (reports.admin.audit_page):
    # only Rich markup is made inert here, so a backslash is not doubled twice.
    for row in rows:
        at = row["at"]
        assert isinstance(at, dt.datetime)
        table.add_row(
            f"{at:%Y-%m-%d %H:%M:%S}",
            *(escape(str(row[k])) for k in ("actor", "action", "subject", "detail")),
        )
    print_table(table)
    if page.has_older:
        stdout.print(
            f"Older events exist: raise --limit (at most {MAX_LIMIT}) or narrow the filters."
        )
