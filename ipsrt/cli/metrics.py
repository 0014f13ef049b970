"""``ipsrt metrics``: the rhythm panel of actigraphy files or of stored data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from ipsrt.cli.common import (
    DbOption,
    JsonOption,
    fail,
    handle_errors,
    max_size_option,
    new_table,
    open_store,
    parse_date,
    print_json,
    shown,
    utc_now,
)
from ipsrt.cli.common import stdout as console

FORMATS = ("auto", "awd", "agd", "rpx", "csv")
CLOCK_KEYS = frozenset({"L5_onset", "M10_onset", "cosinor_acrophase"})
SUMMARY_KEYS = (
    "IS",
    "IV",
    "RA",
    "L5",
    "M10",
    "L5_onset",
    "M10_onset",
    "ISm",
    "IVm",
    "SRI",
    "cosinor_mesor",
    "cosinor_amplitude",
    "cosinor_acrophase",
    "valid_days",
)


def _print_table(title: str, figures: dict[str, Any]) -> None:
    """The figures as a two-column table (cells fold, text escaped) under *title*."""
    table = new_table("figure", "value")
    table.title = shown(title)
    table.title_justify = "left"
    for key in SUMMARY_KEYS:
        value = figures.get(key)
        if value is None:
            text = "n/a"
        elif key in CLOCK_KEYS:
            minutes = round(float(value)) % 1440
            text = f"{minutes // 60:02d}:{minutes % 60:02d}"
        else:
            text = f"{value:.4g}" if isinstance(value, float) else str(value)
        reason = figures.get("reasons", {}).get(key)
        table.add_row(key, shown(f"{text}  ({reason})" if reason and value is None else text))
    console.print(table)


def _default_max_mb() -> int:
    """The actigraphy readers' size cap in MB (imported only when needed or shown)."""
    from devices.importers import MAX_FILE_BYTES

    return MAX_FILE_BYTES >> 20


def _panel_of_file(
    path: Path,
    fmt: str,
    compat: str | None,
    tz: str | None,
    date_order: str | None,
    max_mb: int,
) -> dict[str, Any]:
    from devices.errors import DeviceError
    from devices.importers import read_actigraphy
    from ipsrt.plain import json_ready
    from ipsrt.rhythm import panel

    try:
        recording = read_actigraphy(
            path,
            format=fmt,  # type: ignore[arg-type]
            tz=tz,
            date_order=date_order,  # type: ignore[arg-type]
            max_bytes=max_mb * 1024 * 1024,
        )
    except DeviceError as exc:
        raise fail(f"{path}: {exc}") from None
    except OSError as exc:
        raise fail(f"{path}: {exc.strerror or exc}") from None
    figures = panel(recording.counts, compat="pyactigraphy" if compat else None)
    return {"file": str(path), "format": recording.format, **json_ready(figures)}


@handle_errors
def metrics(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Actigraphy files (AWD, AGD, RPX or CSV).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="File format, or auto.")] = "auto",
    compat: Annotated[
        str | None,
        typer.Option("--compat", help="'pyactigraphy' reproduces pyActigraphy 1.2.2 defaults."),
    ] = None,
    tz: Annotated[
        str | None, typer.Option("--tz", help="IANA zone of the device clock (files).")
    ] = None,
    date_order: Annotated[
        str | None,
        typer.Option(
            "--date-order",
            help="RPX files whose dates cannot tell: day-first or month-first.",
        ),
    ] = None,
    *,
    max_size: Annotated[int, max_size_option(_default_max_mb, "file")],
    client: Annotated[
        str | None, typer.Option("--client", help="Stored data of this client instead.")
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="First local date (YYYY-MM-DD).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last local date (YYYY-MM-DD).")
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Rhythm metrics (IS, IV, RA, L5, M10, SRI, cosinor, sleep) of files or a client."""
    if fmt not in FORMATS:
        raise fail(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if compat not in (None, "pyactigraphy"):
        raise fail(f"unknown compat mode {compat!r}: the only one is 'pyactigraphy'")
    if client is not None:
        if files:
            raise fail("give files or --client, not both")
        results = [_panel_of_client(client, date_from, date_to, compat, db)]
    elif not files:
        raise fail("give one or more files, or --client CODE --from DATE --to DATE")
    else:
        from rich.progress import track

        paths = track(files, description="metrics", transient=True, disable=len(files) < 3)
        results = [_panel_of_file(path, fmt, compat, tz, date_order, max_size) for path in paths]
    if json_out:
        print_json(results[0] if len(results) == 1 else results)
        return
    for result in results:
        _print_table(result.get("file") or result.get("client", ""), result)


def _required_date(text: str | None, option: str) -> dt.date:
    date = parse_date(text, option)
    if date is None:
        raise fail(f"{option} DATE is needed with --client")
    return date


def _panel_of_client(
    code: str, date_from: str | None, date_to: str | None, compat: str | None, db: str | None
) -> dict[str, Any]:
    from ipsrt.plain import json_ready
    from ipsrt.reports.metrics import client_panel

    first, last = _required_date(date_from, "--from"), _required_date(date_to, "--to")
    with open_store(db) as store:
        figures = client_panel(
            store, code, first, last, compat="pyactigraphy" if compat else None, now=utc_now()
        )
    return json_ready(figures)
