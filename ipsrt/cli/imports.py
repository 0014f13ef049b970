"""``ipsrt import``: bring files into the database (all or nothing per file)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ipsrt.cli.common import (
    DbOption,
    JsonOption,
    handle_errors,
    max_size_option,
    open_store,
    print_json,
    stdout,
    utc_now,
)

import_app = typer.Typer(help="Import files (SRM diaries).", no_args_is_help=True)


def _default_max_mb() -> int:
    """The diary reader's size cap in MB (imported only when the option is left out or shown)."""
    from ipsrt.srm.diary import MAX_DIARY_BYTES

    return MAX_DIARY_BYTES >> 20


@import_app.command("diary")
@handle_errors
def import_diary(
    file: Annotated[Path, typer.Argument(help="Diary CSV (date,activity,time,people[,mood,...]).")],
    client: Annotated[str, typer.Option("--client", help="Client code the diary belongs to.")],
    items: Annotated[str, typer.Option("--items", help="Item set: srm5 or srm17.")] = "srm5",
    confirm_replace: Annotated[
        bool,
        typer.Option(
            "--confirm-replace",
            help="Replace stored entries or moods that differ (and let a later line of the "
            "file replace an earlier one for the same date and activity).",
        ),
    ] = False,
    *,
    max_size: Annotated[int, max_size_option(_default_max_mb, "diary file")],
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import an SRM diary CSV for a client: every line is stored, or none is."""
    from ipsrt.reports.diary import import_diary as save_diary_rows
    from ipsrt.srm.diary import read_diary_csv
    from ipsrt.timeutil import diary_date

    now = utc_now()
    with open_store(db) as store:
        today = diary_date([now], store.client(client).timezone)[0]
        diary = read_diary_csv(
            file,
            today=today,
            items=items,
            confirm_replace=confirm_replace,
            max_bytes=max_size * 1024 * 1024,
        )
        counts = save_diary_rows(store, client, diary, now=now, confirm_replace=confirm_replace)
    if json_out:
        print_json({"client": client, "item_set": diary.item_set, **counts.as_dict()})
        return
    stdout.print(
        f"Diary for {client} ({diary.item_set}): "
        f"{counts.entries_new} new, {counts.entries_unchanged} unchanged, "
        f"{counts.entries_replaced} replaced entries; "
        f"{counts.moods_new} new, {counts.moods_unchanged} unchanged, "
        f"{counts.moods_replaced} replaced moods."
    )
