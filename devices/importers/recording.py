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
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from devices.errors import ImportFormatError

__all__ = [
    "MAX_COUNT",
    "MAX_EPOCHS",
    "Recording",
    "count_values",
    "counts_in_range",
    "counts_on_grid",
    "epoch_index",
    "looks_like_clock",
    "make_recording",
    "seconds_of_day",
]

#: Longest timeline a reader builds (epochs, gaps included): 2^25 epochs are
#: 1.06 years at 1-s epochs, 32 years at 30-s epochs, and 256 MiB of float64.
MAX_EPOCHS = 1 << 25

#: Largest activity count accepted for one epoch. Counts of the devices these
#: formats come from stay in the thousands to tens of thousands per epoch
#: (``docs/importers.md``, "Counts"); ten million is far beyond any of them and
#: still exact in a float64, so a larger value means a corrupt file.
MAX_COUNT = 10_000_000
#: Longest count text read (a count within MAX_COUNT with a few decimals is shorter).
_MAX_COUNT_CHARS = 24
_COUNT_FORMS = {
    "integer": r"-?[0-9]+",
    "decimal point": r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)",
    "decimal point or comma": r"-?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)",
}

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
    try:
        if tz is None:
            first = pd.Timestamp(start).tz_localize("UTC")
            return pd.date_range(first, periods=n, freq=f"{epoch_s}s")
        try:
            first = pd.Timestamp(start).tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
        except (TypeError, ValueError, KeyError) as exc:
            raise ImportFormatError(f"invalid time zone {tz!r}") from exc
        utc = pd.date_range(first.tz_convert("UTC"), periods=n, freq=f"{epoch_s}s")
        return utc.tz_convert(tz)
    except (OverflowError, pd.errors.OutOfBoundsDatetime) as exc:
        raise ImportFormatError(
            f"recording from {start:%Y-%m-%d} ({n} epochs of {epoch_s} s) lies outside "
            "the years 1678-2261 a timeline can hold"
        ) from exc


def count_values(
    cells: Sequence[str],
    places: Sequence[object] | np.ndarray,
    *,
    where: str,
    form: str = "decimal point",
    missing: Collection[str] = (),
) -> np.ndarray:
    """The activity counts written in *cells* (float64; NaN for a *missing* marker).

    Parameters
    ----------
    cells
        The count text of each epoch, in file order (surrounding spaces ignored).
    places
        Where each cell is, for the error (a line or epoch number).
    where
        What *places* number, e.g. ``"AWD line"`` or ``"RPX epoch"``.
    form
        ``"integer"``, ``"decimal point"`` or ``"decimal point or comma"``:
        plain ASCII digits, no sign, exponent or digit grouping.
    missing
        The format's documented missing-value markers (exact text).

    Raises
    ------
    ImportFormatError
        Naming the first cell that is not a count in *form*, is negative, or
        is above :data:`MAX_COUNT` (``docs/importers.md``, "Counts").
    """
    text = pd.Series(list(cells), dtype=object).astype(str).str.strip()
    absent = text.isin(list(missing)) if missing else pd.Series(False, index=text.index)
    formed = text.str.fullmatch(_COUNT_FORMS[form]).to_numpy(dtype=bool)
    long = formed & (text.str.len() > _MAX_COUNT_CHARS).to_numpy(dtype=bool)
    bad = ~(formed | absent.to_numpy(dtype=bool))
    if bad.any():
        i = int(np.argmax(bad))
        raise ImportFormatError(
            f"{where} {places[i]}: {text.iloc[i][:30]!r} is not a count ({_form_hint(form)})"
        )
    if long.any():
        i = int(np.argmax(long))
        raise ImportFormatError(
            f"{where} {places[i]}: count {text.iloc[i][:12]}... has {len(text.iloc[i])} "
            f"characters; counts are 0 to {MAX_COUNT:,}"
        )
    values = pd.to_numeric(text.where(~absent).str.replace(",", ".", regex=False))
    numbers = values.to_numpy(dtype=np.float64)
    counts_in_range(numbers, places, where=where)
    return numbers


def counts_in_range(
    numbers: np.ndarray, places: Sequence[object] | np.ndarray, *, where: str
) -> None:
    """Raise :class:`ImportFormatError` for the first count that is negative, infinite
    or above :data:`MAX_COUNT` (NaN, missing, passes), naming its place as
    :func:`count_values` does."""
    bad = ~np.isnan(numbers) & ~((numbers >= 0) & (numbers <= MAX_COUNT))
    if bad.any():
        i = int(np.argmax(bad))
        limit = "negative" if numbers[i] < 0 else f"above {MAX_COUNT:,}"
        raise ImportFormatError(
            f"{where} {places[i]}: count {numbers[i]:.15g} is {limit}; "
            f"counts are 0 to {MAX_COUNT:,}"
        )


def _form_hint(form: str) -> str:
    what = "a whole number" if form == "integer" else "a number"
    comma = ", decimal point or comma" if "comma" in form else ""
    return f"expected {what} from 0 to {MAX_COUNT:,}{comma}"


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
