"""What every actigraphy reader returns, and the timeline rules the readers share.

Device clocks are local and have no zone. With ``tz=None`` the wall-clock
times are kept on a UTC index (clock hours stay right, there is no DST); with
an IANA ``tz`` the first epoch is placed in that zone and later epochs follow
in real time (a free-running device clock does not jump at DST). Gaps in a
timeline are NaN. See ``docs/importers.md``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from devices.errors import ImportFormatError

__all__ = [
    "MAX_EPOCHS",
    "Recording",
    "counts_on_grid",
    "epoch_index",
    "looks_like_clock",
    "make_recording",
    "seconds_of_day",
]

#: Longest timeline a reader builds (epochs, gaps included): 2^25 epochs are
#: 1.06 years at 1-s epochs, 32 years at 30-s epochs, and 256 MiB of float64.
MAX_EPOCHS = 1 << 25

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?")


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


def epoch_index(start: dt.datetime, n: int, epoch_s: int, tz: str | None) -> pd.DatetimeIndex:
    """*n* epochs of *epoch_s* seconds from the naive wall-clock *start* (module docstring)."""
    if tz is None:
        first = pd.Timestamp(start).tz_localize("UTC")
        return pd.date_range(first, periods=n, freq=f"{epoch_s}s")
    try:
        first = pd.Timestamp(start).tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    except (TypeError, ValueError, KeyError) as exc:
        raise ImportFormatError(f"invalid time zone {tz!r}") from exc
    utc = pd.date_range(first.tz_convert("UTC"), periods=n, freq=f"{epoch_s}s")
    return utc.tz_convert(tz)


def counts_on_grid(positions: np.ndarray, values: np.ndarray, *, what: str) -> np.ndarray:
    """*values* placed at their epoch *positions* (0 = first epoch) on a full grid.

    Epochs no value falls on are NaN. *positions* must start at 0 and strictly
    increase; the grid may hold at most :data:`MAX_EPOCHS` epochs. *what*
    names the file kind in the one-line error.
    """
    pos = np.asarray(positions, dtype=np.int64)
    if pos.size == 0:
        raise ImportFormatError(f"{what} file has no epochs")
    if (np.diff(pos) <= 0).any():
        raise ImportFormatError(f"{what} timestamps are not increasing epoch by epoch")
    if int(pos[-1]) >= MAX_EPOCHS:
        raise ImportFormatError(f"{what} timeline spans more than {MAX_EPOCHS} epochs")
    grid = np.full(int(pos[-1]) + 1, np.nan)
    grid[pos] = np.asarray(values, dtype=np.float64)
    return grid


def make_recording(
    grid: np.ndarray,
    first: dt.datetime,
    epoch_s: int,
    tz: str | None,
    *,
    format: str,
    start: dt.datetime | None = None,
    device: str | None = None,
    serial: str | None = None,
    subject: str | None = None,
    metadata: Mapping[str, str] | None = None,
) -> Recording:
    """A :class:`Recording` of the counts *grid* whose first epoch is at *first*.

    *start* is the recording start the file states, when it differs from the
    first epoch (AGD); blank *device*, *serial* and *subject* become ``None``.
    """
    index = epoch_index(first, grid.size, epoch_s, tz)
    return Recording(
        counts=pd.Series(np.asarray(grid, dtype=np.float64), index=index, name="counts"),
        epoch=dt.timedelta(seconds=epoch_s),
        start=index[0] if start is None else epoch_index(start, 1, epoch_s, tz)[0],
        format=format,
        device=device or None,
        serial=serial or None,
        subject=subject or None,
        metadata=MappingProxyType(dict(metadata or {})),
    )


def seconds_of_day(text: str) -> int | None:
    """Seconds after midnight of a clock time, or ``None`` if *text* is not one.

    Accepts ``H:MM`` and ``H:MM:SS`` on a 24-hour clock (hours 0-23) and the
    same followed by ``AM`` or ``PM`` (any case, space optional) on a 12-hour
    clock (hours 1-12; 12 AM is midnight, 12 PM is noon).
    """
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    second = int(match[3] or 0)
    if minute > 59 or second > 59:
        return None
    if match[4] is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match[4].upper() == "PM" else 0)
    elif hour > 23:
        return None
    return hour * 3600 + minute * 60 + second


def looks_like_clock(text: str) -> bool:
    """Whether *text* has the shape of a clock time (values not checked)."""
    return _CLOCK.fullmatch(text.strip()) is not None
