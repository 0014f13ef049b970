"""``ipsrt srm``: score Social Rhythm Metric diaries (a CSV file or a client's stored entries)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ipsrt.cli.common import (
    DbOption,
    FoldingTable,
    JsonOption,
    fail,
    handle_errors,
    new_table,
    open_store,
    parse_date,
    print_json,
    print_table,
    shown,
    stdout,
    utc_now,
)

if TYPE_CHECKING:
    import pandas as pd

# pandas, the SRM scoring and the store are imported inside the commands, so
# that ``ipsrt --help`` does not load them (docs/architecture.md).

srm_app = typer.Typer(help="Social Rhythm Metric (SRM) diaries.", no_args_is_help=True)

OUTPUT_COLUMNS = (
    "client",
    "week_start",
    "week_end",
    "diary_days",
    "qualifying",
    "ali",
    "not_done",
    "hits",
    "srm",
    "reason",
    "mean_people",
    "target_adherence",
    "item_set",
)

ItemsOption = Annotated[
    str, typer.Option("--items", help="Item set: srm5 (the five IPSRT anchors) or srm17.")
]


def week_rows(weeks: pd.DataFrame) -> list[dict[str, Any]]:
    """Weekly scores as JSON-ready dicts (NaN and missing reasons become null)."""
    import pandas as pd

    from ipsrt.plain import json_ready

    rows = []
    for record in weeks.to_dict("records"):
        row = {c: record.get(c) for c in OUTPUT_COLUMNS if c in record}
        row = {k: (None if v is pd.NA or v is pd.NaT else v) for k, v in row.items()}
        rows.append(json_ready(row))
    return rows


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _weeks_table(rows: list[dict[str, Any]], *, srm_label: str, counts: bool) -> FoldingTable:
    """The weekly scores as a table; *counts* adds the ALI and not-done columns."""
    extra = ("ALI", "not done") if counts else ()
    table = new_table("week start", "days", "activities", "hits", srm_label, *extra, "note")
    for row in rows:
        cells = [str(row[k]) for k in ("week_start", "diary_days", "qualifying", "hits")]
        cells.append(_fmt(row["srm"], 2))
        cells += [str(row["ali"]), str(row["not_done"])] if counts else []
        cells.append((row["reason"] or "").replace("_", " "))
        table.add_row(*(shown(c) for c in cells))
    return table


@srm_app.command("score")
@handle_errors
def srm_score(
    file: Annotated[
        Path | None, typer.Argument(help="Diary CSV to score (no database is used).")
    ] = None,
    client: Annotated[
        str | None, typer.Option("--client", help="Score this client's stored entries instead.")
    ] = None,
    items: ItemsOption = "srm5",
    week_start: Annotated[
        str | None,
        typer.Option(
            "--week-start",
            help="First day of the SRM week (default: monday, or the client's week start).",
        ),
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="First diary date (YYYY-MM-DD), with --client.")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last diary date (YYYY-MM-DD), with --client.")
    ] = None,
    estimated: Annotated[
        bool,
        typer.Option(
            "--estimated",
            help="With --client: score anchors estimated from the wearable instead (labelled "
            "estimated, never merged with the diary) and compare them with the diary.",
        ),
    ] = False,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Score an SRM diary per week: a CSV file, or a client's stored entries."""
    from ipsrt.srm import multiweek_mean, score_weeks
    from ipsrt.srm.diary import read_diary_csv
    from ipsrt.timeutil import WEEKDAYS

    if (file is None) == (client is None):
        raise fail("give either a diary FILE or --client CODE")
    if estimated:
        if client is None:
            raise fail("--estimated goes with --client")
        _score_estimated(client, date_from, date_to, week_start, json_out, db)
        return
    if week_start is not None and week_start.lower() not in WEEKDAYS:
        raise fail(f"invalid week start {week_start!r}: expected a weekday name")
    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    if file is not None:
        if start is not None or end is not None:
            raise fail("--from and --to go with --client; a file is scored whole")
        # No client, so no zone: the UTC date is at most a day off, which the
        # day of slack in check_plausible_date absorbs (docs/srm.md, "Diary CSV").
        diary = read_diary_csv(file, today=utc_now().date(), items=items)
        entries = diary.entries.drop(columns="line")
        weeks = score_weeks(entries, items=diary.item_set, week_start=week_start or "monday")
        weeks = weeks.assign(client=file.name)
    else:
        assert client is not None
        from ipsrt.reports.srm import client_weeks

        with open_store(db) as store:
            weeks = client_weeks(store, client, start, end, items=items, week_start=week_start)
    rows = week_rows(weeks)
    if json_out:
        print_json(rows)
        return
    if not rows:
        stdout.print("No diary entries to score.")
        return
    print_table(_weeks_table(rows, srm_label="SRM", counts=True))
    overall = multiweek_mean(weeks)
    mean = float(overall["srm_mean"].iloc[0]) if len(overall) == 1 else math.nan
    if math.isfinite(mean):
        scored = int(overall["weeks_scored"].iloc[0])
        stdout.print(f"Mean of {scored} scored week(s): {mean:.2f} (SRM 0-7, {items}).")


def _score_estimated(
    client: str,
    date_from: str | None,
    date_to: str | None,
    week_start: str | None,
    json_out: bool,
    db: str | None,
) -> None:
    """Estimated SRM-5 from the wearable and its agreement with the diary."""
    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    if start is None or end is None:
        raise fail("--estimated needs --from DATE and --to DATE")
    from ipsrt.plain import json_ready
    from ipsrt.reports.srm import estimated_weeks

    with open_store(db) as store:
        weeks, agreement = estimated_weeks(store, client, start, end, week_start=week_start)
    rows = [row | {"source": "estimated"} for row in week_rows(weeks)]
    pairs = [json_ready(r) for r in agreement.to_dict("records")]
    if json_out:
        print_json({"source": "estimated", "weeks": rows, "agreement": pairs})
        return
    table = _weeks_table(rows, srm_label="SRM (estimated)", counts=False)
    table.title = "Estimated SRM (from the wearable, not the diary)"
    print_table(table)
    agree = new_table("anchor", "pairs", "median |difference| (min)", "within 45 min")
    agree.title = "Diary vs estimated anchors"
    for pair in pairs:
        share = pair.get("within_45_min")
        agree.add_row(
            shown(pair["activity"]),
            shown(pair["n_pairs"]),
            _fmt(pair["median_abs_diff_min"], 0),
            "" if share is None else f"{100 * share:.0f}%",
        )
    print_table(agree)
