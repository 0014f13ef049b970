"""``ipsrt summaries``: rebuild the daily summaries from the stored records."""

from __future__ import annotations

from typing import Annotated

import typer

from ipsrt.cli.common import DbOption, JsonOption, handle_errors, open_store, print_json, stdout

summaries_app = typer.Typer(
    help="Daily summaries (kept up to date by every write; rebuild after an upgrade).",
    no_args_is_help=True,
)


@summaries_app.command("rebuild")
@handle_errors
def summaries_rebuild(
    client: Annotated[str | None, typer.Option("--client", help="Only this client.")] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Recompute the daily and weekly summaries and sleep episodes from the records."""
    from rich.progress import Progress

    from ipsrt.reports.summaries import rebuild

    with open_store(db) as store:
        codes = [client] if client else [c.code for c in store.clients(include_archived=True)]
        with Progress(transient=True, disable=json_out) as progress:
            task = progress.add_task("Rebuilding summaries", total=len(codes))
            weeks = rebuild(store, codes, progress=lambda code, _weeks: progress.advance(task))
    if json_out:
        print_json({"clients": len(weeks), "weeks": weeks})
    else:
        stdout.print(
            f"Rebuilt the summaries of {len(weeks)} client(s), "
            f"{sum(weeks.values())} week(s) with records."
        )
