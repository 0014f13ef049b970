"""Read the minutes of one device from a Gadgetbridge exported database.

Gadgetbridge (https://gadgetbridge.org) keeps what it fetched from a band in
an SQLite database whose tables greenDAO names after its entities
(``MiBandActivitySample`` → ``MI_BAND_ACTIVITY_SAMPLE``, ``rawKind`` →
``RAW_KIND``; entities in ``GBDaoGenerator.java`` of
https://codeberg.org/Freeyourgadget/Gadgetbridge). "Export DB" copies that
file; ``docs/importing.md`` ("Gadgetbridge") says how a client gets it and
what is imported. This reader takes four sample tables, keyed by
``TIMESTAMP`` (Unix seconds) and ``DEVICE_ID`` (``DEVICE._id``):

``MI_BAND_ACTIVITY_SAMPLE``, ``HUAMI_EXTENDED_ACTIVITY_SAMPLE`` (Huami bands)
    one row per minute stamped at its start; ``RAW_KIND`` is the band's own
    byte, mapped with the live Huami profile's rule
    (:func:`devices.wire.huami_fetch.device_states`: low nibble, kinds 0 and
    10 repeat the previous state). The extended table's ``SLEEP``,
    ``DEEP_SLEEP`` and ``REM_SLEEP`` columns do not change the state (the live
    profile does not use them either; ``docs/importing.md`` says why).
``BANGLE_JSACTIVITY_SAMPLE`` (Bangle.js)
    one row per 10-minute block stamped at the block's **end**: its steps are
    spread over the 10 minutes before the stamp (:func:`totals_per_minute`),
    its heart rate, intensity and kind cover each of them.
``PINE_TIME_ACTIVITY_SAMPLE`` (PineTime / InfiniTime)
    rows at irregular seconds (a step count change, a heart-rate reading);
    each row's steps (counted since the watch's previous notification) and
    kind belong to the minute of its stamp.

Bangle.js and PineTime ``RAW_KIND`` is Gadgetbridge's activity-kind code,
mapped with :data:`devices.wire.activity_kinds.STATES_BY_KIND_CODE` (the table
the live Bangle.js profile maps kind names with). ``HEART_RATE`` outside
10-250 bpm is no reading (Gadgetbridge's own validity range); a negative
``RAW_INTENSITY`` is "not measured". ``RAW_INTENSITY`` is stored as the live
profiles store it, in the device's raw units.

The file is opened read-only and immutable (``file:…?mode=ro&immutable=1``:
no journal, WAL or lock file is created), ``PRAGMA quick_check`` must answer
``ok`` and the tables' columns are checked with ``PRAGMA table_info`` before
any sample is read. Every problem is one :class:`ImportFormatError` line.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from devices.errors import ImportFormatError
from devices.importers.agd import SQLITE_MAGIC
from devices.importers.band_minutes import (
    MAX_STEPS_PER_MINUTE,
    ExportedMinutes,
    Progress,
    mean_per_minute,
    minute_frame,
    states_per_minute,
    totals_per_minute,
)
from devices.wire.activity_kinds import STATES_BY_KIND_CODE
from devices.wire.huami_fetch import device_states
from ipsrt.enums import DeviceState

__all__ = ["HEART_RATE_RANGE", "SAMPLE_TABLES", "SOURCE", "read_gadgetbridge"]

SOURCE: Final = "gadgetbridge"
#: Sample tables read → device family.
SAMPLE_TABLES: Final[dict[str, str]] = {
    "MI_BAND_ACTIVITY_SAMPLE": "huami",
    "HUAMI_EXTENDED_ACTIVITY_SAMPLE": "huami",
    "BANGLE_JSACTIVITY_SAMPLE": "bangle",
    "PINE_TIME_ACTIVITY_SAMPLE": "pinetime",
}
_NEEDED: Final[dict[str, tuple[str, ...]]] = {
    "huami": ("TIMESTAMP", "DEVICE_ID", "RAW_INTENSITY", "STEPS", "RAW_KIND", "HEART_RATE"),
    "bangle": ("TIMESTAMP", "DEVICE_ID", "RAW_INTENSITY", "STEPS", "RAW_KIND", "HEART_RATE"),
    "pinetime": ("TIMESTAMP", "DEVICE_ID", "STEPS", "RAW_KIND", "HEART_RATE"),
}
_DEVICE_COLUMNS: Final = ("_id", "NAME", "IDENTIFIER")
#: Heart rates Gadgetbridge accepts as a reading (its ``HeartRateUtils``).
HEART_RATE_RANGE: Final = (10, 250)
#: Largest step count one row may carry (the store keeps 16-bit counts).
_MAX_STEPS: Final = MAX_STEPS_PER_MINUTE
#: Latest plausible stamp: 2100-01-01T00:00:00Z.
_MAX_TIMESTAMP: Final = 4_102_444_800
_BANGLE_BLOCK_S: Final = 600
_CHUNK_ROWS: Final = 65_536
#: Label of each DeviceState value, indexable by the state's integer.
_LABELS: Final = np.array([s.label for s in sorted(DeviceState)], dtype=object)
_NS: Final = 1_000_000_000
#: Ties between kinds in one minute (PineTime rows, overlapping Bangle.js
#: blocks): the more specific state wins.
_STATE_PRIORITY: Final = tuple(
    s.label
    for s in (
        DeviceState.NOT_WORN,
        DeviceState.SLEEP_DEEP,
        DeviceState.SLEEP_REM,
        DeviceState.SLEEP_LIGHT,
        DeviceState.AWAKE,
        DeviceState.UNKNOWN,
    )
)


@dataclass(frozen=True)
class _Device:
    """A ``DEVICE`` row with samples in one table."""

    row_id: int
    name: str
    identifier: str
    alias: str | None
    table: str
    rows: int

    @property
    def shown(self) -> str:
        """``alias-or-name (MAC)`` on one line, for messages."""
        return " ".join(f"{self.alias or self.name} ({self.identifier})".split())


@dataclass(frozen=True)
class _Rows:
    """The sample rows of one device as int64 columns, in time order."""

    ts: npt.NDArray[np.int64]
    steps: npt.NDArray[np.int64]
    kind: npt.NDArray[np.int64]
    heart_rate: npt.NDArray[np.int64]
    intensity: npt.NDArray[np.int64]


def read_gadgetbridge(
    path: Path, *, device: str | None = None, progress: Progress | None = None
) -> ExportedMinutes:
    """The minutes of one device in a Gadgetbridge database export.

    Parameters
    ----------
    path
        The exported database file (Gadgetbridge names it ``Gadgetbridge``).
    device
        The device's name, alias or Bluetooth address (case-insensitive);
        needed only when several devices have samples.
    progress
        Called with (rows read, rows of the device).

    Raises
    ------
    ImportFormatError
        One line: not an SQLite file, a failed integrity check, an unknown
        layout, no or an ambiguous device, or a value no band writes.
    """
    path = Path(path)
    name = path.name
    _check_header(path)
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise ImportFormatError(
            f"{name}: a write-ahead log ({wal.name}) lies beside it; export the database "
            "again from Gadgetbridge"
        )
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        connection = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise ImportFormatError(f"{name}: cannot open as SQLite: {_one_line(exc)}") from exc
    try:
        return _read(connection, name, device, progress)
    except sqlite3.Error as exc:
        raise ImportFormatError(f"{name}: unreadable SQLite database: {_one_line(exc)}") from exc
    finally:
        connection.close()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _first_problem(check: list[str]) -> str:
    """The first line of a quick_check answer, without SQLite's database banner."""
    lines = [ln for text in check for ln in text.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith("*** in database")] or ["no answer"]
    return " ".join(lines[0].split())[:200]


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise ImportFormatError(f"{path.name}: cannot read: {_one_line(exc)}") from exc
    if head != SQLITE_MAGIC:
        raise ImportFormatError(f"{path.name}: not an SQLite database (Gadgetbridge export)")


def _read(
    connection: sqlite3.Connection, name: str, wanted: str | None, progress: Progress | None
) -> ExportedMinutes:
    present = {
        str(row[0])
        for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    for table in ["sqlite_master", *(t for t in [*SAMPLE_TABLES, "DEVICE"] if t in present)]:
        check = [str(row[0]) for row in connection.execute(f'PRAGMA quick_check("{table}")')]
        if check != ["ok"]:
            raise ImportFormatError(
                f"{name}: fails SQLite's integrity check: {_first_problem(check)}"
            )
    tables = _sample_tables(connection, name, present)
    chosen = _choose_device(_devices(connection, name, tables), name, wanted)
    family = SAMPLE_TABLES[chosen.table]
    rows = _sample_rows(connection, name, chosen, family, progress)
    notes: list[str] = []
    minutes = _minutes(rows, family, chosen.table, notes)
    return ExportedMinutes(
        source=SOURCE,
        device_key=chosen.identifier.upper(),
        device_name=chosen.alias or chosen.name,
        minutes=minutes,
        records=int(rows.ts.size),
        notes=tuple(notes),
    )


def _columns(connection: sqlite3.Connection, table: str) -> set[str]:
    return {str(row[1]) for row in connection.execute(f'PRAGMA table_info("{table}")')}


def _sample_tables(connection: sqlite3.Connection, name: str, present: set[str]) -> list[str]:
    """The known sample tables present, each checked for the columns it needs."""
    tables = [t for t in SAMPLE_TABLES if t in present]
    if not tables:
        raise ImportFormatError(
            f"{name}: no Gadgetbridge sample table ({', '.join(SAMPLE_TABLES)}); "
            "not a Gadgetbridge export of a supported band"
        )
    for table in [*tables, "DEVICE"]:
        needed = _DEVICE_COLUMNS if table == "DEVICE" else _NEEDED[SAMPLE_TABLES[table]]
        missing = [c for c in needed if c not in _columns(connection, table)]
        if table == "DEVICE" and table not in present:
            raise ImportFormatError(f"{name}: no DEVICE table; not a Gadgetbridge export")
        if missing:
            raise ImportFormatError(
                f"{name}: table {table} lacks column(s) {', '.join(missing)}; "
                "unknown Gadgetbridge layout"
            )
    return tables


def _devices(connection: sqlite3.Connection, name: str, tables: Sequence[str]) -> list[_Device]:
    """Every device with samples, in ``DEVICE`` order."""
    has_alias = "ALIAS" in _columns(connection, "DEVICE")
    known: dict[int, tuple[str, str, str | None]] = {}
    alias_column = "ALIAS" if has_alias else "NULL"
    for row_id, dev_name, identifier, alias in connection.execute(
        f'SELECT "_id", NAME, IDENTIFIER, {alias_column} FROM DEVICE ORDER BY "_id"'  # noqa: S608
    ):
        if not isinstance(row_id, int) or not isinstance(identifier, str) or not identifier:
            raise ImportFormatError(f"{name}: DEVICE row {row_id!r} has no identifier")
        known[row_id] = (
            str(dev_name) if dev_name is not None else identifier,
            identifier,
            str(alias) if isinstance(alias, str) and alias.strip() else None,
        )
    found: dict[int, _Device] = {}
    for table in tables:
        for device_id, count in connection.execute(
            f'SELECT DEVICE_ID, COUNT(*) FROM "{table}" GROUP BY DEVICE_ID'  # noqa: S608
        ):
            if device_id not in known:
                raise ImportFormatError(
                    f"{name}: {table} has samples of DEVICE_ID {device_id!r}, "
                    "which the DEVICE table does not list"
                )
            if device_id in found:
                raise ImportFormatError(
                    f"{name}: device {found[device_id].shown} has samples in both "
                    f"{found[device_id].table} and {table}; not supported"
                )
            dev_name, identifier, alias = known[device_id]
            found[device_id] = _Device(device_id, dev_name, identifier, alias, table, int(count))
    return [found[k] for k in sorted(found)]


def _choose_device(devices: list[_Device], name: str, wanted: str | None) -> _Device:
    listed = "; ".join(d.shown for d in devices)
    if not devices:
        raise ImportFormatError(f"{name}: no device has activity samples")
    if wanted is None:
        if len(devices) == 1:
            return devices[0]
        raise ImportFormatError(
            f"{name}: several devices have samples ({listed}); choose one with --device NAME|MAC"
        )
    key = wanted.strip().casefold()
    matches = [
        d
        for d in devices
        if key in {d.name.casefold(), d.identifier.casefold(), (d.alias or "").casefold()}
    ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ImportFormatError(
            f"{name}: no device with samples matches --device {wanted!r} (devices: {listed})"
        )
    raise ImportFormatError(
        f"{name}: several devices match --device {wanted!r} "
        f"({'; '.join(d.shown for d in matches)}); give the MAC"
    )


def _sample_rows(
    connection: sqlite3.Connection,
    name: str,
    device: _Device,
    family: str,
    progress: Progress | None,
) -> _Rows:
    """The device's rows, checked to be integers, read in chunks into int64 columns."""
    table = device.table
    columns = ["TIMESTAMP", "STEPS", "RAW_KIND", "HEART_RATE"]
    if family != "pinetime":
        columns.append("RAW_INTENSITY")
    typed = " AND ".join(f"typeof({c}) = 'integer'" for c in columns)
    bad = connection.execute(
        f'SELECT TIMESTAMP FROM "{table}" WHERE DEVICE_ID = ? AND NOT ({typed}) LIMIT 1',  # noqa: S608
        (device.row_id,),
    ).fetchone()
    if bad is not None:
        raise ImportFormatError(
            f"{name}: {table} row at TIMESTAMP {bad[0]!r} holds a value that is not an integer"
        )
    selected = ", ".join(columns if family != "pinetime" else [*columns, "-1"])
    cursor = connection.execute(
        f'SELECT {selected} FROM "{table}" WHERE DEVICE_ID = ? ORDER BY TIMESTAMP',  # noqa: S608
        (device.row_id,),
    )
    total = device.rows
    if progress is not None:
        progress(0, total)
    parts: list[npt.NDArray[np.int64]] = []
    done = 0
    while chunk := cursor.fetchmany(_CHUNK_ROWS):
        try:
            parts.append(np.array(chunk, dtype=np.int64))
        except OverflowError as exc:
            raise ImportFormatError(f"{name}: {table} holds an integer beyond 64 bits") from exc
        done += len(chunk)
        if progress is not None:
            progress(done, max(total, done))
    data = np.concatenate(parts) if parts else np.empty((0, 5), dtype=np.int64)
    rows = _Rows(data[:, 0], data[:, 1], data[:, 2], data[:, 3], data[:, 4])
    _check_values(rows, name, table)
    return rows


def _check_values(rows: _Rows, name: str, table: str) -> None:
    """Stamps in 1970-2100 and step counts a band can write, else one line naming the row."""
    for what, bad in (
        ("TIMESTAMP outside 1970-2100", (rows.ts <= _BANGLE_BLOCK_S) | (rows.ts > _MAX_TIMESTAMP)),
        (f"STEPS outside 0..{_MAX_STEPS}", (rows.steps < 0) | (rows.steps > _MAX_STEPS)),
    ):
        if bad.any():
            i = int(np.argmax(bad))
            raise ImportFormatError(
                f"{name}: {table} row {i + 1} (TIMESTAMP {int(rows.ts[i])}): {what}"
            )


def _minutes(rows: _Rows, family: str, table: str, notes: list[str]) -> pd.DataFrame:
    """Rows of one family → the minute frame (module docstring)."""
    valid_hr = (rows.heart_rate >= HEART_RATE_RANGE[0]) & (rows.heart_rate <= HEART_RATE_RANGE[1])
    heart_rate = np.where(valid_hr, rows.heart_rate, np.nan)
    intensity = np.where(rows.intensity >= 0, rows.intensity, np.nan).astype(np.float64)
    ts_ns = rows.ts * _NS
    keep = np.ones(rows.ts.size, dtype=bool)
    if family != "pinetime":
        keep = rows.ts % 60 == 0
        off_minute = int((~keep).sum())
        if off_minute:
            notes.append(
                f"{off_minute} {table} rows not on a whole minute (real-time samples) skipped"
            )
    no_reading = int((~valid_hr & keep).sum())
    if no_reading:
        notes.append(
            f"{no_reading} heart-rate values outside {HEART_RATE_RANGE[0]}-"
            f"{HEART_RATE_RANGE[1]} bpm read as no reading"
        )
    ts_ns, steps, kind = ts_ns[keep], rows.steps[keep], rows.kind[keep]
    heart_rate, intensity = heart_rate[keep], intensity[keep]
    if family == "huami":
        states = np.fromiter(device_states(kind.tolist()), dtype=np.int64, count=kind.size)
        labels = list(_LABELS[states])
        start, end = ts_ns, ts_ns + 60 * _NS
        points, point_hr, point_activity = ts_ns, heart_rate, intensity
    else:
        by_code = {code: state.label for code, state in STATES_BY_KIND_CODE.items()}
        labels = [by_code.get(k, DeviceState.UNKNOWN.label) for k in kind.tolist()]
        if family == "bangle":
            start, end = ts_ns - _BANGLE_BLOCK_S * _NS, ts_ns
            # Each block's reading on each of its 10 minutes.
            offsets = np.arange(_BANGLE_BLOCK_S // 60, dtype=np.int64) * 60 * _NS
            points = (start[:, None] + offsets[None, :]).ravel()
            point_hr = np.repeat(heart_rate, offsets.size)
            point_activity = np.repeat(intensity, offsets.size)
        else:
            start = ts_ns // (60 * _NS) * (60 * _NS)
            end = start + 60 * _NS
            points, point_hr, point_activity = ts_ns, heart_rate, intensity
    if ts_ns.size == 0:
        return minute_frame()
    step_start = ts_ns if family == "pinetime" else start
    step_end = ts_ns if family == "pinetime" else end
    return minute_frame(
        steps=totals_per_minute(step_start, step_end, steps, what=table),
        heart_rate=mean_per_minute(points, point_hr),
        activity=mean_per_minute(points, point_activity),
        states=states_per_minute(start, end, labels, priority=_STATE_PRIORITY, what=table),
    )
