"""Read ActiGraph ``.agd`` files (SQLite databases); see ``docs/importers.md`` ("AGD")."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import numpy as np

from devices.errors import ImportFormatError
from devices.importers.recording import Recording, counts_on_grid, make_recording

__all__ = ["SQLITE_MAGIC", "datetime_from_ticks", "read_agd"]

#: first 16 bytes of every SQLite 3 database file (https://www.sqlite.org/fileformat.html)
SQLITE_MAGIC = b"SQLite format 3\x00"
_TICKS_AT_1970 = 621_355_968_000_000_000  # .NET ticks (100 ns since 0001-01-01) at 1970-01-01
_TICKS_PER_SECOND = 10_000_000


def datetime_from_ticks(ticks: int) -> dt.datetime:
    """The naive wall-clock time of a .NET ``DateTime.Ticks`` value (100-ns units)."""
    micros = (ticks - _TICKS_AT_1970) // 10
    return dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=micros)  # noqa: DTZ001


def read_agd(path: Path, tz: str | None) -> Recording:
    """Read an AGD file, opened read-only after ``PRAGMA quick_check``.

    The counts are the vector magnitude of the axes present (``axis1..3``),
    as pyActigraphy does; epochs missing from ``data`` are NaN.
    """
    settings, rows = _agd_tables(path)
    try:
        epoch_s = int(settings["epochlength"])
        ticks0 = int(settings["startdatetime"])
    except (KeyError, ValueError) as exc:
        raise ImportFormatError("AGD settings lack startdatetime or epochlength") from exc
    if epoch_s <= 0 or not rows:
        raise ImportFormatError("AGD file has no epochs or a bad epoch length")
    try:
        ticks = np.asarray([r[0] for r in rows], dtype=np.int64)
        axes = np.asarray([r[1:] for r in rows], dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ImportFormatError("AGD data rows hold something other than numbers") from exc
    magnitude = np.sqrt((axes**2).sum(axis=1))
    positions = (ticks - ticks[0]) // (_TICKS_PER_SECOND * epoch_s)
    return make_recording(
        counts_on_grid(positions, magnitude, what="AGD"),
        datetime_from_ticks(int(ticks[0])),
        epoch_s,
        tz,
        format="agd",
        start=datetime_from_ticks(ticks0),
        device=settings.get("devicename"),
        serial=settings.get("deviceserial"),
        subject=settings.get("subjectname"),
        metadata=settings,
    )


def _agd_tables(path: Path) -> tuple[dict[str, str], list[tuple[int, ...]]]:
    """The ``settings`` table (names lower-cased) and the ``data`` rows (timestamp, axes)."""
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ImportFormatError(f"cannot open AGD {path.name}: {exc}") from exc
    try:
        check = con.execute("PRAGMA quick_check").fetchone()
        if not check or check[0] != "ok":
            raise ImportFormatError(f"AGD {path.name} is damaged: {check[0] if check else '?'}")
        settings = {str(k).lower(): str(v) for k, v in con.execute(
            "SELECT settingName, settingValue FROM settings"
        )}  # fmt: skip
        cols = [r[1] for r in con.execute("PRAGMA table_info(data)")]
        axes = [a for a in ("axis1", "axis2", "axis3") if a in cols]
        if "dataTimestamp" not in cols or not axes:
            raise ImportFormatError("AGD data table lacks dataTimestamp or axis columns")
        rows = con.execute(
            f"SELECT dataTimestamp, {', '.join(axes)} FROM data ORDER BY dataTimestamp"  # noqa: S608
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise ImportFormatError(f"not a readable AGD file: {exc}") from exc
    finally:
        con.close()
    return settings, rows
