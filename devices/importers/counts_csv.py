"""Read a generic ``timestamp,counts`` CSV; see ``docs/importers.md`` ("CSV").

The file is parsed in chunks of rows, so besides the recording itself only
one chunk of text is held at a time. Each row is line ``index + 2`` of the
file (line 1 is the header; blank lines count; a quoted field spanning lines
would shift the numbers, and no export of this form writes one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from devices.errors import ImportFormatError
from devices.importers.recording import Recording, count_values, counts_on_grid
from ipsrt.errors import InvalidTimeError
from ipsrt.timeutil import local_clock_to_utc

__all__ = ["looks_like_counts_csv", "read_counts_csv"]

_NS_PER_SECOND = 1_000_000_000
_CHUNK_ROWS = 1 << 18
_OFFSET = r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"


def looks_like_counts_csv(first_line: str) -> bool:
    """Whether a header line names a ``timestamp`` and a ``counts`` column."""
    header = first_line.lower()
    return "timestamp" in header and "counts" in header


def read_counts_csv(path: str | Path, tz: str | None) -> Recording:
    """Read a CSV with a header, an ISO 8601 ``timestamp`` and a ``counts`` column.

    Naive timestamps are wall-clock readings in *tz* (UTC when ``None``): one
    in a spring-forward gap is refused, one in the repeated autumn hour is
    the earlier instant (:func:`ipsrt.timeutil.local_clock_to_utc`). Stamps
    with an offset are converted to *tz*; a file uses one kind or the other.
    Counts follow :func:`~devices.importers.recording.count_values` (an empty
    cell is missing). The epoch is the shortest step, which must be whole
    seconds and divide every other step.
    """
    stamps: list[np.ndarray] = []
    values: list[np.ndarray] = []
    lines: list[np.ndarray] = []
    aware: bool | None = None
    for chunk in _chunks(path):
        line = chunk.index.to_numpy(dtype=np.int64) + 2
        text = chunk["timestamp"].str.strip()
        with_offset = text.str.contains(_OFFSET, regex=True).to_numpy(dtype=bool)
        aware = bool(with_offset[0]) if aware is None else aware
        mixed = with_offset != aware
        if mixed.any():
            i = int(np.argmax(mixed))
            raise ImportFormatError(
                f"CSV line {line[i]}: timestamp {text.iloc[i][:40]!r} "
                f"{'lacks' if aware else 'has'} a UTC offset, unlike the first row"
            )
        stamps.append(_utc_ns(text, line, aware=aware, tz=tz))
        values.append(count_values(chunk["counts"].tolist(), line, where="CSV line", missing=("",)))
        lines.append(line)
    if not stamps:
        raise ImportFormatError("CSV needs a header with 'timestamp' and 'counts' and some rows")
    ns, counts, line = np.concatenate(stamps), np.concatenate(values), np.concatenate(lines)
    if ns.size < 2:
        raise ImportFormatError("CSV needs at least two epochs")
    steps = np.diff(ns)
    if (steps <= 0).any():
        i = int(np.argmax(steps <= 0)) + 1
        raise ImportFormatError(
            f"CSV line {line[i]}: timestamp is not after the one on line {line[i - 1]}"
        )
    step = int(steps.min())
    if step % _NS_PER_SECOND or (steps % step).any():
        raise ImportFormatError("CSV timestamps are not on a regular grid of whole seconds")
    grid = counts_on_grid((ns - ns[0]) // step, counts, what="CSV")
    epoch_s = step // _NS_PER_SECOND
    first = pd.Timestamp(int(ns[0]), unit="ns", tz="UTC").tz_convert(tz or "UTC")
    index = pd.date_range(first, periods=grid.size, freq=f"{epoch_s}s")  # real time
    return Recording(
        counts=pd.Series(grid, index=index, name="counts"),
        epoch=dt.timedelta(seconds=epoch_s),
        start=index[0],
        format="csv",
    )


def _chunks(path: str | Path) -> Iterator[pd.DataFrame]:
    """The ``timestamp`` and ``counts`` columns as text, in chunks of rows (blank rows dropped)."""
    try:
        reader = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            chunksize=_CHUNK_ROWS,
            encoding="utf-8-sig",
        )
        with reader:
            for frame in reader:
                cols = {str(c).strip().lower(): c for c in frame.columns}
                if "timestamp" not in cols or "counts" not in cols:
                    raise ImportFormatError("CSV needs a header with 'timestamp' and 'counts'")
                chunk = frame[[cols["timestamp"], cols["counts"]]].fillna("")
                chunk.columns = pd.Index(["timestamp", "counts"])
                blank = (chunk["timestamp"].str.strip() == "") & (chunk["counts"].str.strip() == "")
                if not blank.all():
                    yield chunk[~blank]
    except UnicodeDecodeError as exc:
        raise ImportFormatError("CSV is not UTF-8 text") from exc
    except (ValueError, pd.errors.ParserError) as exc:
        if isinstance(exc, ImportFormatError):
            raise
        raise ImportFormatError(f"unreadable CSV: {str(exc).splitlines()[0]}") from exc


def _is_timestamp(text: str, aware: bool) -> bool:
    try:
        stamp = pd.to_datetime(text, format="ISO8601", utc=aware)
    except (ValueError, OverflowError):
        return False
    return not pd.isna(stamp) and 1678 <= stamp.year <= 2261


def _utc_ns(text: pd.Series, line: np.ndarray, *, aware: bool, tz: str | None) -> np.ndarray:
    """Nanoseconds since 1970 UTC of each timestamp (module and function docstrings)."""
    try:
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=aware)
        year = parsed.dt.year
        bad = (parsed.isna() | (year < 1678) | (year > 2261)).to_numpy(dtype=bool)
    except (ValueError, OverflowError):  # out of bounds: find the row one by one
        parsed, bad = None, np.array([not _is_timestamp(t, aware) for t in text], dtype=bool)
    if bad.any() or parsed is None:
        i = int(np.argmax(bad))
        raise ImportFormatError(
            f"CSV line {line[i]}: {text.iloc[i][:40]!r} is not an ISO 8601 timestamp "
            "in the years 1678-2261"
        )
    index = pd.DatetimeIndex(parsed).as_unit("ns")
    if aware:
        return index.as_unit("ns").asi8
    if tz is None:
        return index.as_unit("ns").asi8  # wall clock kept on a UTC index
    earlier = np.ones(len(index), dtype=bool)
    try:
        local = index.tz_localize(tz, ambiguous=earlier, nonexistent="NaT")
    except (TypeError, ValueError, KeyError) as exc:
        raise ImportFormatError(f"invalid time zone {tz!r}") from exc
    gap = local.isna()
    if gap.any():
        i = int(np.argmax(gap))
        wall = index[i]
        try:  # the one rule for a clock reading in a gap, and its message
            local_clock_to_utc(wall.date(), wall.hour * 60 + wall.minute, tz)
        except InvalidTimeError as exc:
            raise ImportFormatError(f"CSV line {line[i]}: {exc}") from None
        raise ImportFormatError(f"CSV line {line[i]}: {wall} does not exist in {tz}")
    return local.as_unit("ns").asi8
