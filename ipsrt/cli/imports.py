"""``ipsrt import``: bring files into the database (all or nothing per file)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from ipsrt.cli.common import (
    DbOption,
    JsonOption,
    fail,
    handle_errors,
    max_size_option,
    open_store,
    operator,
    print_json,
    shown,
    stdout,
    utc_now,
)

import_app = typer.Typer(
    help="Import files: SRM diaries and wearable exports (all or nothing per file).",
    no_args_is_help=True,
)


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


# -- wearable exports ----------------------------------------------------------------

ImportClientOption = Annotated[
    str, typer.Option("--client", help="Client code the export belongs to.")
]
MaxUncompressedOption = Annotated[
    float,
    typer.Option(
        "--max-uncompressed",
        min=0.001,
        max=1_000_000,
        help="Largest total uncompressed size a zip archive may declare, in GB (GiB).",
    ),
]


class _ProgressAfterOneSecond:
    """A Rich progress bar on stderr that appears only once reading has taken a second.

    Readers call it with (done, total) in bytes or records
    (``devices.importers.band_minutes.Progress``).
    """

    def __init__(self, description: str, *, disable: bool) -> None:
        import time

        from rich.console import Console
        from rich.progress import Progress

        self._clock = time.monotonic
        self._started = self._clock()
        self._progress = Progress(transient=True, disable=disable, console=Console(stderr=True))
        self._task = self._progress.add_task(description, total=None)
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self._shown:
            if self._clock() - self._started < 1.0:
                return
            self._progress.start()
            self._shown = True
        self._progress.update(self._task, completed=done, total=total or None)

    def close(self) -> None:
        if self._shown:
            self._progress.stop()


def _archive_limits(max_uncompressed_gb: float) -> Any:
    from devices.importers.archives import ArchiveLimits

    return ArchiveLimits(max_total=int(max_uncompressed_gb * 1024**3))


def _import_export(
    path: Path,
    client: str,
    read: Callable[[str, Callable[[int, int], None]], Any],
    *,
    json_out: bool,
    db: str | None,
) -> None:
    """Read one export with *read* (given the client's zone and a progress callback)
    and store it for *client*, all or nothing; print the summary."""
    from devices.errors import DeviceError
    from ipsrt.reports.band_import import import_band_minutes

    now = utc_now()
    with open_store(db) as store:
        zone_name = store.client(client).timezone  # an unknown client fails before reading
        progress = _ProgressAfterOneSecond(f"Reading {shown(path.name)}", disable=json_out)
        try:
            exported = read(zone_name, progress)
        except DeviceError as exc:
            raise fail(str(exc)) from None
        except OSError as exc:
            raise fail(f"cannot read {path.name}: {exc.strerror or exc}") from None
        finally:
            progress.close()
        summary = import_band_minutes(
            store,
            client,
            source=exported.source,
            device_key=exported.device_key,
            device_name=exported.device_name,
            minutes=exported.minutes,
            records=exported.records,
            notes=exported.notes,
            file_name=path.name,
            now=now,
            actor=operator(),
        )
    if json_out:
        print_json(summary.as_dict())
        return
    _print_import_summary(path, summary)


def _print_import_summary(path: Path, summary: Any) -> None:
    cover = summary.coverage
    new = " (new)" if summary.device_created else ""
    stdout.print(
        f"{shown(summary.source)} export {shown(path.name)} for {shown(summary.client)}, "
        f"import device {shown(summary.device)}{new}:"
    )
    if summary.already_imported:
        stdout.print(
            f"  nothing new: all {summary.minutes:,} minutes were already imported "
            "with the same values."
        )
    stdout.print(
        f"  {summary.records:,} records read, {summary.minutes:,} minutes: "
        f"{summary.inserted:,} inserted, {summary.duplicate:,} duplicates, "
        f"{summary.conflicting:,} conflicts (stored values kept), "
        f"{summary.quarantined:,} quarantined, {summary.rejected:,} rejected"
    )
    if cover.first_day is not None:
        stdout.print(
            f"  local dates {cover.first_day} to {cover.last_day}: "
            f"{cover.days_without_data} day(s) without data, "
            f"{cover.days_partial} partial day(s) in between"
        )
    for note in summary.notes:
        stdout.print(f"  note: {shown(note)}")


@import_app.command("gadgetbridge")
@handle_errors
def import_gadgetbridge(
    file: Annotated[Path, typer.Argument(help="Gadgetbridge's exported database file.")],
    client: ImportClientOption,
    device: Annotated[
        str | None,
        typer.Option("--device", help="Which band (name or MAC) when the file holds several."),
    ] = None,
    *,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import a Gadgetbridge database export (Mi Band/Amazfit, Bangle.js, PineTime)."""
    from devices.importers.gadgetbridge import read_gadgetbridge

    _import_export(
        file,
        client,
        lambda _tz, progress: read_gadgetbridge(file, device=device, progress=progress),
        json_out=json_out,
        db=db,
    )


@import_app.command("fitbit")
@handle_errors
def import_fitbit(
    path: Annotated[Path, typer.Argument(help="Google Takeout folder or zip with Fitbit data.")],
    client: ImportClientOption,
    timestamps: Annotated[
        str,
        typer.Option(
            "--timestamps",
            help="How the export writes intraday times: local (the client's zone) or utc.",
        ),
    ] = "local",
    max_uncompressed: MaxUncompressedOption = 4.0,
    *,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import Fitbit sleep, steps and heart rate from a Google Takeout export."""
    from devices.importers.fitbit import read_fitbit

    if timestamps not in ("local", "utc"):
        raise fail(f"--timestamps {timestamps!r}: use local or utc")
    limits = _archive_limits(max_uncompressed)
    _import_export(
        path,
        client,
        lambda tz, progress: read_fitbit(
            path,
            tz=tz,
            timestamps="utc" if timestamps == "utc" else "local",
            limits=limits,
            progress=progress,
        ),
        json_out=json_out,
        db=db,
    )


@import_app.command("apple-health")
@handle_errors
def import_apple_health(
    path: Annotated[Path, typer.Argument(help="Apple Health export.zip or export.xml.")],
    client: ImportClientOption,
    source: Annotated[
        str | None,
        typer.Option(
            "--source", help="Which source to keep (default: the one with the most records)."
        ),
    ] = None,
    max_uncompressed: MaxUncompressedOption = 4.0,
    *,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import steps, heart rate and sleep stages from an Apple Health export."""
    from devices.importers.apple_health import read_apple_health

    limits = _archive_limits(max_uncompressed)
    _import_export(
        path,
        client,
        lambda _tz, progress: read_apple_health(
            path, source=source, limits=limits, progress=progress
        ),
        json_out=json_out,
        db=db,
    )


@import_app.command("garmin")
@handle_errors
def import_garmin(
    path: Annotated[Path, typer.Argument(help="A FIT file, or a folder or zip of FIT files.")],
    client: ImportClientOption,
    device: Annotated[
        str | None,
        typer.Option("--device", help="Which device (serial number or product) when several."),
    ] = None,
    max_uncompressed: MaxUncompressedOption = 4.0,
    *,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import Garmin monitoring and sleep FIT files."""
    from devices.importers.garmin_fit import read_garmin_fit

    limits = _archive_limits(max_uncompressed)
    _import_export(
        path,
        client,
        lambda _tz, progress: read_garmin_fit(
            path, device=device, limits=limits, progress=progress
        ),
        json_out=json_out,
        db=db,
    )


@import_app.command("omh")
@handle_errors
def import_omh(
    path: Annotated[Path, typer.Argument(help="Open mHealth data points (JSON), or a zip.")],
    client: ImportClientOption,
    max_uncompressed: MaxUncompressedOption = 4.0,
    *,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import Open mHealth sleep-episode, step-count and heart-rate data points."""
    from devices.importers.omh import read_omh

    limits = _archive_limits(max_uncompressed)
    _import_export(
        path,
        client,
        lambda _tz, progress: read_omh(path, limits=limits, progress=progress),
        json_out=json_out,
        db=db,
    )
