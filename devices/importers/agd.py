"""Read ActiGraph ``.agd`` files (SQLite databases); see ``docs/importers.md`` ("AGD")."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from devices.errors import ImportFormatError
from devices.importers.recording import (
    Recording,
    counts_in_range,
    counts_on_grid,
    make_recording,
)

__all__ = ["SQLITE_MAGIC", "datetime_from_ticks", "read_agd"]

#: first 16 bytes of every SQLite 3 database file (https://www.sqlite.org/fileformat.html)
SQLITE_MAGIC = b"SQLite format 3\x00"
_TICKS_AT_1970 = 621_355_968_000_000_000  # .NET ticks (100 ns since 0001-01-01) at 1970-01-01
_TICKS_PER_SECOND = 10_000_000
_MAX_TICKS = 3_155_378_975_999_999_999  # DateTime.MaxValue.Ticks (9999-12-31 23:59:59.9999999)
#: Longest epoch accepted (a day); ActiGraph epochs are seconds to minutes.
_MAX_EPOCH_SECONDS = 86_400


def datetime_from_ticks(ticks: int, *, what: str = "timestamp") -> dt.datetime:
    """The naive wall-clock time of a .NET ``DateTime.Ticks`` value (100-ns units).

    Ticks outside ``DateTime``'s range (0001-01-01 to 9999-12-31) raise
    :class:`ImportFormatError` naming *what*.
    """
    if not 0 <= ticks <= _MAX_TICKS:
        raise ImportFormatError(f"AGD {what} {ticks} is not a .NET DateTime tick count")
    micros = (ticks - _TICKS_AT_1970) // 10
    return dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=micros)  # noqa: DTZ001


def _agd_numbers(rows: Sequence[tuple[object, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """The ticks and axis counts of the ``data`` rows, each checked (``docs/importers.md``)."""
    for epoch, (stamp, *values) in enumerate(rows, start=1):
        if type(stamp) is not int or not 0 <= stamp <= _MAX_TICKS:
            raise ImportFormatError(f"AGD epoch {epoch}: dataTimestamp {stamp!r:.30} is not ticks")
        bad = [v for v in values if type(v) not in (int, float)]
        if bad:
            raise ImportFormatError(f"AGD epoch {epoch}: axis value {bad[0]!r:.30} is not a count")
    ticks = np.asarray([r[0] for r in rows], dtype=np.int64)
    axes = np.asarray([r[1:] for r in rows], dtype=np.float64)
    epochs = np.repeat(np.arange(1, len(rows) + 1), axes.shape[1])
    counts_in_range(axes.ravel(), epochs, where="AGD epoch")
    return ticks, axes


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
    if not 0 < epoch_s <= _MAX_EPOCH_SECONDS or not rows:
        raise ImportFormatError("AGD file has no epochs or a bad epoch length")
    ticks, axes = _agd_numbers(rows)
    magnitude = np.sqrt((axes**2).sum(axis=1))
    positions = (ticks - ticks[0]) // (_TICKS_PER_SECOND * epoch_s)
    return make_recording(
        counts_on_grid(positions, magnitude, what="AGD"),
        datetime_from_ticks(int(ticks[0]), what="first dataTimestamp"),
        epoch_s,
        tz,
        format="agd",
        start=datetime_from_ticks(ticks0, what="startdatetime"),
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
