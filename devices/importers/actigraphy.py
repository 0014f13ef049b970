"""Read research actigraphy exports into a :class:`Recording` of activity counts.

Formats (detected from the content, never from the file name):

``awd``
    CamNtech / Philips Actiwatch text file: a 7-line header (name, start date
    ``DD-Mon-YYYY``, start time ``HH:MM``, epoch code, age, serial whose first
    letter is the model, sex), then one epoch per line (``count``, optionally
    ``, light`` and an ``M`` marker). Layout as read by pyActigraphy 1.2.2.
``agd``
    ActiGraph ``.agd``: an SQLite database with ``settings`` (``startdatetime``
    and ``epochlength`` among others) and ``data`` (``dataTimestamp`` in .NET
    ticks, ``axis1..3``). Opened read-only after ``PRAGMA quick_check``. The
    counts are the vector magnitude of the axes present, as pyActigraphy does.
``rpx``
    Philips Respironics Actiware CSV export (English, French or German): the
    header block gives the epoch length; the "Epoch-by-Epoch Data" table gives
    date, time and activity per epoch. The date order (day or month first) is
    the one that makes the timestamps a regular grid.
``csv``
    Generic CSV with a header: a ``timestamp`` column (ISO 8601; with or without
    offset) and a ``counts`` column.

Device clocks are local and have no zone: with ``tz=None`` the wall-clock times
are kept on a UTC index (clock hours stay right, no DST); with an IANA ``tz``
the first epoch is placed in that zone and later epochs follow in real time
(a free-running device clock does not jump at DST). Gaps in the timeline are
NaN. Any malformed, truncated or foreign file raises
:class:`devices.errors.ImportFormatError` with one line of explanation.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

from devices.errors import ImportFormatError

__all__ = ["FORMATS", "Recording", "detect_format", "read_actigraphy"]

Format = Literal["auto", "awd", "agd", "rpx", "csv"]
FORMATS = ("awd", "agd", "rpx", "csv")

_AWD_EPOCH = {"1": 15, "2": 30, "4": 60, "8": 120, "20": 300, "81": 2, "C1": 5, "C2": 10}
_AWD_MODEL = {
    "D": "Actiwatch-7",
    "I": "Actiwatch-Insomnia",
    "L": "Actiwatch-L",
    "M": "Actiwatch-Mini",
    "P": "Actiwatch-L-Plus",
    "S": "Actiwatch-S",
    "T": "Actiwatch-T",
    "V": "Actiwatch-4",
}
_AWD_DATE = re.compile(r"^\d{1,2}-[A-Za-z]{3}-\d{4}$")
_AWD_TIME = re.compile(r"^\d{1,2}:\d{2}$")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_RPX_SECTION = ("Epoch-by-Epoch Data", "Données période par période", "Daten nach Epochen")
_RPX_COLUMNS = {  # language: (line, date, time, activity, epoch-length label, name, serial)
    "eng": ("Line", "Date", "Time", "Activity", "Epoch Length", "Identity", "Serial Number"),
    "fr": ("Ligne", "Date", "Heure", "Activité", "Longueur de la période", "Identité", "série"),
    "ger": ("Zeile", "Datum", "Zeit", "Aktivität", "Epochenlänge", "Identität", "Seriennummer"),
}
_TICKS_EPOCH = 621_355_968_000_000_000  # .NET ticks at 1970-01-01
_MAX_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Recording:
    """Activity counts of one actigraphy file and what the file says about it."""

    counts: pd.Series
    """Counts per epoch on a timezone-aware regular index; NaN = missing."""
    epoch: dt.timedelta
    start: pd.Timestamp
    format: str
    device: str | None = None
    serial: str | None = None
    subject: str | None = None
    metadata: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def detect_format(head: bytes) -> str:
    """Name of the format of a file that starts with *head* (up to a few kB)."""
    if head.startswith(_SQLITE_MAGIC):
        return "agd"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if "Actiware" in text[:400] or any(s in text for s in _RPX_SECTION):
        return "rpx"
    lines = text.splitlines()
    if len(lines) >= 4 and _AWD_DATE.match(lines[1].strip()) and _AWD_TIME.match(lines[2].strip()):
        return "awd"
    first = lines[0].lower() if lines else ""
    if "timestamp" in first and "counts" in first:
        return "csv"
    raise ImportFormatError("unknown actigraphy format: expected AWD, AGD, RPX or CSV")


def read_actigraphy(
    path: str | Path, format: Format = "auto", *, tz: str | None = None
) -> Recording:
    """Read an actigraphy export; see the module docstring for formats and clocks."""
    target = Path(path)
    try:
        size = target.stat().st_size
        with target.open("rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise ImportFormatError(f"cannot read {target.name}: {exc.strerror}") from exc
    if size > _MAX_BYTES:
        raise ImportFormatError(f"{target.name} is larger than {_MAX_BYTES >> 20} MiB")
    if size == 0:
        raise ImportFormatError(f"{target.name} is empty")
    kind = detect_format(head) if format == "auto" else format
    if kind not in FORMATS:
        raise ImportFormatError(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")
    if kind == "agd":
        return _read_agd(target, tz)
    text = target.read_bytes().decode("utf-8", errors="replace").lstrip("\ufeff")
    if kind == "awd":
        return _read_awd(text, tz)
    if kind == "rpx":
        return _read_rpx(text, tz)
    return _read_csv(text, tz)


def _index(start: dt.datetime, n: int, epoch_s: int, tz: str | None) -> pd.DatetimeIndex:
    if tz is None:
        first = pd.Timestamp(start).tz_localize("UTC")
        return pd.date_range(first, periods=n, freq=f"{epoch_s}s")
    try:
        first = pd.Timestamp(start).tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    except (TypeError, ValueError, KeyError) as exc:
        raise ImportFormatError(f"invalid time zone {tz!r}") from exc
    utc = pd.date_range(first.tz_convert("UTC"), periods=n, freq=f"{epoch_s}s")
    return utc.tz_convert(tz)


def _series(values: np.ndarray, index: pd.DatetimeIndex) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=np.float64), index=index, name="counts")


def _read_awd(text: str, tz: str | None) -> Recording:
    lines = text.splitlines()
    if len(lines) < 8:
        raise ImportFormatError("truncated AWD file: fewer than 7 header lines and one epoch")
    name, date, clock, code, _age, serial, _sex = (s.strip() for s in lines[:7])
    if not _AWD_DATE.match(date) or not _AWD_TIME.match(clock):
        raise ImportFormatError("not an AWD file: lines 2-3 are not a start date and time")
    if code not in _AWD_EPOCH:
        raise ImportFormatError(f"AWD epoch code {code!r} is not known")
    try:
        start = dt.datetime.strptime(f"{date} {clock}", "%d-%b-%Y %H:%M")  # noqa: DTZ007
    except ValueError as exc:
        raise ImportFormatError(f"AWD start {date} {clock} is not a valid date") from exc
    body = [ln for ln in lines[7:] if ln.strip()]
    counts = np.empty(len(body))
    for i, line in enumerate(body):
        token = line.split(",")[0].split()
        if not token or not token[0].isdigit():
            raise ImportFormatError(f"AWD line {i + 8}: {line.strip()[:30]!r} is not a count")
        counts[i] = int(token[0])
    if counts.size == 0:
        raise ImportFormatError("AWD file has no epochs")
    epoch_s = _AWD_EPOCH[code]
    model = _AWD_MODEL.get(serial[:1].upper()) if serial else None
    return Recording(
        counts=_series(counts, _index(start, counts.size, epoch_s, tz)),
        epoch=dt.timedelta(seconds=epoch_s),
        start=_index(start, 1, epoch_s, tz)[0],
        format="awd",
        device=model,
        serial=serial or None,
        subject=name or None,
    )


def _read_agd(path: Path, tz: str | None) -> Recording:
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
    try:
        epoch_s = int(settings["epochlength"])
        ticks0 = int(settings["startdatetime"])
    except (KeyError, ValueError) as exc:
        raise ImportFormatError("AGD settings lack startdatetime or epochlength") from exc
    if epoch_s <= 0 or not rows:
        raise ImportFormatError("AGD file has no epochs or a bad epoch length")
    arr = np.asarray(rows, dtype=np.float64)
    mag = np.sqrt((arr[:, 1:] ** 2).sum(axis=1))
    step = 10_000_000 * epoch_s
    pos = (arr[:, 0].astype(np.int64) - int(arr[0, 0])) // step
    if (np.diff(pos) <= 0).any():
        raise ImportFormatError("AGD timestamps are not increasing epoch by epoch")
    full = np.full(int(pos[-1]) + 1, np.nan)
    full[pos] = mag
    first = _from_ticks(int(arr[0, 0]))
    return Recording(
        counts=_series(full, _index(first, full.size, epoch_s, tz)),
        epoch=dt.timedelta(seconds=epoch_s),
        start=_index(_from_ticks(ticks0), 1, epoch_s, tz)[0],
        format="agd",
        device=settings.get("devicename"),
        serial=settings.get("deviceserial"),
        subject=settings.get("subjectname"),
        metadata=MappingProxyType(settings),
    )


def _from_ticks(ticks: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=(ticks - _TICKS_EPOCH) // 10)  # noqa: DTZ001


def _rpx_fields(rows: list[list[str]], label: str) -> list[str] | None:
    for row in rows:
        if row and label.lower() in row[0].lower():
            return row
    return None


def _read_rpx(text: str, tz: str | None) -> Recording:
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text.replace("\r\r\n", "\n")))]
    sec = next((i for i, r in enumerate(rows) if r and any(s in r[0] for s in _RPX_SECTION)), None)
    if sec is None:
        raise ImportFormatError("RPX file has no epoch-by-epoch section")
    for lang, (c_line, c_date, c_time, c_act, c_epoch, c_name, c_serial) in _RPX_COLUMNS.items():
        hdr = next((i for i in range(sec, len(rows)) if rows[i][:1] == [c_line]), None)
        if hdr is None or c_act not in rows[hdr]:
            continue
        cols = rows[hdr]
        i_date, i_time, i_act = cols.index(c_date), cols.index(c_time), cols.index(c_act)
        data = [r for r in rows[hdr + 1 :] if len(r) > i_act and r[0].strip()]
        epoch_row = _rpx_fields(rows[:sec], c_epoch)
        try:
            epoch_s = int(float(epoch_row[1])) if epoch_row else 0
        except ValueError:
            epoch_s = 0
        if epoch_s <= 0:
            raise ImportFormatError("RPX header has no valid epoch length")
        if not data:
            raise ImportFormatError("RPX file has no epochs")
        stamps = _rpx_times([r[i_date] for r in data], [r[i_time] for r in data], epoch_s)
        values = np.array([_number(r[i_act]) for r in data])
        pos = (stamps - stamps[0]) // np.timedelta64(epoch_s, "s")
        full = np.full(int(pos[-1]) + 1, np.nan)
        full[pos.astype(np.int64)] = values
        start = pd.Timestamp(stamps[0]).to_pydatetime()
        name = _rpx_fields(rows[:sec], c_name)
        serial = _rpx_fields(rows[:sec], c_serial)
        device = _rpx_fields(rows[:sec], "Actiwatch")
        return Recording(
            counts=_series(full, _index(start, full.size, epoch_s, tz)),
            epoch=dt.timedelta(seconds=epoch_s),
            start=_index(start, 1, epoch_s, tz)[0],
            format="rpx",
            device=device[1] if device and len(device) > 1 else None,
            serial=serial[1] if serial and len(serial) > 1 else None,
            subject=name[1] if name and len(name) > 1 else None,
            metadata=MappingProxyType({"language": lang}),
        )
    raise ImportFormatError("RPX epoch table has no Line/Date/Time/Activity header")


def _number(text: str) -> float:
    try:
        v = float(text.replace(",", "."))
    except ValueError:
        return math.nan
    return v if math.isfinite(v) else math.nan


def _rpx_times(dates: list[str], times: list[str], epoch_s: int) -> np.ndarray:
    joined = pd.Series([f"{d} {t}" for d, t in zip(dates, times, strict=True)])
    for fmt in ("%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        parsed = pd.to_datetime(joined, format=fmt, errors="coerce")
        if parsed.isna().any():
            continue
        arr = parsed.to_numpy(dtype="datetime64[s]")
        steps = np.diff(arr).astype(np.int64)
        if steps.size == 0 or ((steps > 0).all() and not (steps % epoch_s).any()):
            return arr
    raise ImportFormatError("RPX dates and times do not form a regular timeline")


def _read_csv(text: str, tz: str | None) -> Recording:
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (ValueError, pd.errors.ParserError) as exc:
        raise ImportFormatError(f"unreadable CSV: {str(exc).splitlines()[0]}") from exc
    cols = {c.strip().lower(): c for c in frame.columns}
    if "timestamp" not in cols or "counts" not in cols or frame.empty:
        raise ImportFormatError("CSV needs a header with 'timestamp' and 'counts' and some rows")
    try:
        stamps = pd.to_datetime(frame[cols["timestamp"]], format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise ImportFormatError("CSV timestamps are not ISO 8601") from exc
    values = pd.to_numeric(frame[cols["counts"]], errors="coerce").to_numpy(dtype=np.float64)
    if stamps.dt.tz is None:
        index = pd.DatetimeIndex(stamps).tz_localize(tz or "UTC")
    else:
        index = pd.DatetimeIndex(stamps).tz_convert(tz or "UTC")
    if len(index) < 2:
        raise ImportFormatError("CSV needs at least two epochs")
    ns = index.as_unit("ns").asi8
    steps = np.diff(ns)
    if (steps <= 0).any():
        raise ImportFormatError("CSV timestamps are not strictly increasing")
    step = int(steps.min())
    if step % 1_000_000_000 or (steps % step).any():
        raise ImportFormatError("CSV timestamps are not on a regular grid of whole seconds")
    pos = (ns - ns[0]) // step
    full = np.full(int(pos[-1]) + 1, np.nan)
    full[pos] = values
    epoch_s = step // 1_000_000_000
    grid = pd.date_range(index[0], periods=full.size, freq=f"{epoch_s}s")
    return Recording(
        counts=_series(full, grid),
        epoch=dt.timedelta(seconds=epoch_s),
        start=grid[0],
        format="csv",
    )
