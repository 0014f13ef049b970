"""Validation, resampling and clock-aligned binning of activity-count series.

Every rhythm metric starts from :func:`prepare`, which turns a pandas Series
indexed by a timezone-aware, regular :class:`~pandas.DatetimeIndex` into plain
NumPy arrays:

* **values**: counts per working epoch as ``float64``; NaN means missing or
  masked.
* **wall**: the local wall-clock reading of each epoch, in seconds since
  1970-01-01 *local*, in the zone of the index (or ``tz=``). Time-of-day
  groups (the hour of the day, the minute of the day) are read from it, so
  bins follow the local clock across DST changes.
* **segments**: runs of epochs with a constant UTC offset. A recording without
  a DST change is one segment; each change starts a new one.

Resampling rules (default mode)
-------------------------------
* Epochs shorter than 60 s that divide 60 s (e.g. 15 s, 30 s) are summed into
  60-s epochs aligned to the minute; a minute with any missing sub-epoch, or
  only partly covered by the recording, is NaN.
* Epochs of whole minutes that divide one hour (60 s, 2 min, 5 min, ...) are
  kept as they are.
* Any other epoch length is refused with :class:`~ipsrt.errors.InvalidInputError`.

In ``compat="pyactigraphy"`` mode nothing is resampled (pyActigraphy works at
the native epoch) and the wall clock is the reading at the first epoch plus the
elapsed time, exactly what pyActigraphy sees in a device file without a zone.

Gaps in the index (missing timestamps whose steps are whole multiples of the
smallest step) are filled with NaN; steps that are not multiples are refused.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ipsrt.errors import InvalidInputError
from ipsrt.timeutil import zone

__all__ = [
    "DAY_S",
    "Binned",
    "Prepared",
    "bin_clock",
    "bin_from_start",
    "prepare",
    "utc_offset_runs",
    "utc_offsets",
]

DAY_S = 86_400
_UNITS_PER_S = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Int8Array = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Prepared:
    """A validated recording as arrays (see the module docstring)."""

    values: FloatArray
    epoch_s: int
    utc: IntArray
    wall: IntArray
    seg_starts: IntArray
    """Index of the first epoch of each constant-offset segment (first is 0)."""

    @property
    def n(self) -> int:
        return int(self.values.size)

    @property
    def per_day(self) -> int:
        """Epochs per 24 h."""
        return DAY_S // self.epoch_s

    @property
    def valid_days(self) -> float:
        """Valid (non-NaN) recording time in days of 24 h."""
        return float(np.count_nonzero(~np.isnan(self.values)) * self.epoch_s / DAY_S)


@dataclass(frozen=True)
class Binned:
    """Bins in real-time order with their local time-of-day group."""

    values: FloatArray
    tod: IntArray
    """Time-of-day group of each bin, ``0 .. per_day - 1``."""
    utc: IntArray
    """UTC start of each bin in seconds since the Unix epoch."""
    per_day: int


def _tz_name(index: pd.DatetimeIndex, tz: str | dt.tzinfo | None) -> str | dt.tzinfo:
    if tz is None:
        if index.tz is None:
            raise InvalidInputError(
                "the count series needs a timezone-aware DatetimeIndex (or pass tz=)"
            )
        return index.tz
    if isinstance(tz, str):
        return zone(tz)
    return tz


def prepare(
    counts: pd.Series,
    *,
    tz: str | dt.tzinfo | None = None,
    compat: bool = False,
    resample: bool = True,
    allow_negative: bool = False,
) -> Prepared:
    """Validate *counts* and return :class:`Prepared` arrays.

    The steps: :func:`_checked_values` (the Series, its index and values),
    :func:`_epoch_grid` (the epoch and the complete UTC grid, gaps filled
    with NaN), then either the compat clock or :func:`_working_epochs` (the
    default resampling) and :func:`utc_offsets` for the local wall clock.

    Raises :class:`~ipsrt.errors.InvalidInputError` for a non-Series, a naive
    or non-datetime index, fewer than two epochs, unsorted or duplicated
    timestamps, an irregular grid, an unsupported epoch, non-numeric, infinite
    or negative values.
    """
    index, raw = _checked_values(counts, allow_negative)
    zone_ = _tz_name(index, tz)
    raw, utc, epoch_s = _epoch_grid(index, raw)
    if compat:
        # the reading at the first epoch plus the elapsed time: no DST jump
        wall = utc + utc_offsets(utc[:1], zone_)[0]
        return Prepared(raw, epoch_s, utc, wall, np.zeros(1, dtype=np.int64))
    if resample:
        raw, utc, epoch_s = _working_epochs(raw, utc, epoch_s)
    off = utc_offsets(utc, zone_)
    seg = np.flatnonzero(off[1:] != off[:-1]) + 1
    return Prepared(raw, epoch_s, utc, utc + off, np.concatenate(([0], seg)).astype(np.int64))


def _checked_values(counts: pd.Series, allow_negative: bool) -> tuple[pd.DatetimeIndex, FloatArray]:
    """The index and the float64 values of *counts*, after the type and value checks."""
    if not isinstance(counts, pd.Series):
        raise InvalidInputError("counts must be a pandas Series indexed by time")
    index = counts.index
    if not isinstance(index, pd.DatetimeIndex):
        raise InvalidInputError("counts must be indexed by a DatetimeIndex")
    if index.tz is None:
        raise InvalidInputError("the count series needs a timezone-aware DatetimeIndex")
    if len(counts) < 2:
        raise InvalidInputError("counts must hold at least two epochs")
    try:
        raw = counts.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError("counts must be numeric") from exc
    if np.isinf(raw).any():
        raise InvalidInputError("counts contain infinite values")
    if not allow_negative and (raw < 0).any():
        raise InvalidInputError("counts must not be negative")
    return index, raw


def _epoch_grid(index: pd.DatetimeIndex, raw: FloatArray) -> tuple[FloatArray, IntArray, int]:
    """Values on the complete regular grid (gaps NaN), its UTC seconds and the epoch (s).

    A tz-aware index stores UTC instants (in its unit): no conversion needed.
    """
    per_s = _UNITS_PER_S.get(str(index.unit))
    if per_s is None:  # pragma: no cover - pandas has only these units
        index, per_s = index.as_unit("ns"), 1_000_000_000
    utc_raw = index.asi8
    steps = np.diff(utc_raw)
    step = int(steps[0])
    regular = step > 0 and not (steps != step).any()
    if not regular:
        if (steps <= 0).any():
            raise InvalidInputError(
                "timestamps must be strictly increasing (sorted, no duplicates)"
            )
        step = int(steps.min())
    if step % per_s:
        raise InvalidInputError("the epoch must be a whole number of seconds")
    if not regular and (steps % step).any():
        raise InvalidInputError("irregular timestamps: steps are not multiples of the epoch")
    epoch_s = step // per_s
    if not regular:
        pos = (utc_raw - utc_raw[0]) // step
        full = np.full(int(pos[-1]) + 1, np.nan)
        full[pos] = raw
        raw = full
    if DAY_S % epoch_s:
        raise InvalidInputError(f"a {epoch_s} s epoch does not divide 24 h")
    first_s = int(utc_raw[0]) // per_s
    utc = np.arange(first_s, first_s + raw.size * epoch_s, epoch_s, dtype=np.int64)
    return raw, utc, epoch_s


def _working_epochs(
    raw: FloatArray, utc: IntArray, epoch_s: int
) -> tuple[FloatArray, IntArray, int]:
    """The default resampling: sub-minute epochs summed to minutes; other epochs checked."""
    if epoch_s < 60:
        if 60 % epoch_s:
            raise InvalidInputError(f"a {epoch_s} s epoch does not divide one minute")
        return _to_minutes(raw, utc, epoch_s)
    if epoch_s % 60 or 3600 % epoch_s:
        raise InvalidInputError(
            f"a {epoch_s} s epoch is not supported: use epochs that divide 60 s, "
            "or whole minutes that divide one hour"
        )
    return raw, utc, epoch_s


def utc_offsets(instants: npt.ArrayLike, tz: str | dt.tzinfo, *, unit: str = "s") -> IntArray:
    """UTC offset in whole seconds of each instant in the zone *tz*.

    *instants*: integers since the Unix epoch (UTC) in *unit* (``"s"`` or
    ``"ns"``, any order). The offset is the local wall-clock reading minus the
    UTC reading of the instant, by a vectorised conversion
    (:meth:`pandas.DatetimeIndex.tz_convert`, which reads the zone's
    transitions): exact for every instant, whatever the zone does between
    them (a 30-min DST shift, a historical offset in seconds, two changes
    within an hour). Nothing is sampled or interpolated:

    * instants are looked up in the conversion of **every** whole minute of
      their blocks of 2**16 minutes (about 45 days), made once per zone and
      block and kept run-length encoded (:func:`_minute_offsets`), as long as
      they span at most two blocks, or at most ``_TABLE_BLOCKS`` (about two
      years) with at least ``_INSTANTS_PER_BLOCK`` instants per block (a
      recording's epochs or its nights: the tables cost a few ms per block
      once): an instant on a whole minute takes that minute's offset, one
      within a minute the offset of its start, unless the offset at the
      minute's end differs (a change inside that minute, as with historical
      offsets in seconds): that instant is converted on its own. (A zone
      that changed its offset and back within one minute would be missed;
      the tz database has none.)
    * other instants are converted one by one in the same way (a handful
      through :class:`zoneinfo.ZoneInfo` directly, more through pandas).

    Examples
    --------
    >>> utc_offsets([1_711_846_799, 1_711_846_800], "Europe/Berlin").tolist()
    [3600, 7200]
    """
    zi = zone(tz) if isinstance(tz, str) else tz
    t = np.asarray(instants, dtype=np.int64).ravel()
    per_s = _UNITS_PER_S[unit]
    if isinstance(zi, dt.timezone):  # a fixed offset
        return np.full(t.size, _offset_at(0, zi), dtype=np.int64)
    if t.size <= _FEW_INSTANTS:
        return _convert_few(t, zi, unit)
    minutes, rest = np.divmod(t, 60 * per_s)
    inside = rest != 0
    # the minute after an instant within a minute is looked up too
    first, last = int(minutes.min()) >> _BLOCK_BITS, int(minutes.max() + 1) >> _BLOCK_BITS
    blocks = last - first + 1
    if blocks <= 2 or (blocks <= _TABLE_BLOCKS and t.size >= _INSTANTS_PER_BLOCK * blocks):
        try:
            starts, values = _minute_runs(zi, first, last)
        except TypeError:  # an unhashable tzinfo: convert directly
            return _convert(t, zi, unit)
        run = np.searchsorted(starts, minutes, side="right") - 1
        out = values[run]
        if inside.any():
            nxt = np.minimum(run + 1, starts.size - 1)
            cut = np.flatnonzero(inside & (run + 1 < starts.size) & (starts[nxt] == minutes + 1))
            if cut.size:  # a change within the minute: those instants on their own
                out[cut] = _convert_few(t[cut], zi, unit)
        return out
    return _convert_few(t, zi, unit)


def utc_offset_runs(
    utc0: int, n: int, step_s: int, tz: str | dt.tzinfo
) -> tuple[IntArray, IntArray]:
    """The runs of equal UTC offset of the *n* instants ``utc0 + j * step_s`` (UTC seconds).

    Returns the index *j* of the first instant of each run (0 first) and its
    offset in seconds: exactly what :func:`utc_offsets` of every instant
    gives, run-length encoded, without converting every instant. For a grid
    of whole UTC minutes the zone's changes are read from the conversion of
    every whole minute of each block of 2**16 minutes (:func:`_minute_offsets`,
    kept from call to call): a change at minute *r* can only start a run at
    the first instant at or after *r*, so the offsets of those candidate
    instants (and of the first) decide the runs. Other grids convert every
    instant.

    Examples
    --------
    >>> first, off = utc_offset_runs(1_711_843_200, 4, 3600, "Europe/Berlin")
    >>> first.tolist(), off.tolist()
    ([0, 1], [3600, 7200])
    """
    zi = zone(tz) if isinstance(tz, str) else tz
    if n <= 0:
        raise InvalidInputError("a grid needs at least one instant")
    if isinstance(zi, dt.timezone):
        return np.zeros(1, dtype=np.int64), np.full(1, _offset_at(0, zi), dtype=np.int64)
    cand: IntArray | None = None
    if utc0 % 60 == 0 and step_s % 60 == 0 and n > _FEW_INSTANTS:
        m0, k = utc0 // 60, step_s // 60
        m_last = m0 + (n - 1) * k
        try:
            found = [np.zeros(1, dtype=np.int64)]
            for block in range(m0 >> _BLOCK_BITS, (m_last >> _BLOCK_BITS) + 1):
                starts = (block << _BLOCK_BITS) + _minute_offsets(zi, block)[0]
                starts = starts[(starts > m0) & (starts <= m_last)]
                found.append(-((m0 - starts) // k))  # the first instant at or after each start
            cand = np.unique(np.concatenate(found))
        except TypeError:  # an unhashable tzinfo: convert every instant
            cand = None
    if cand is None:
        cand = np.arange(n, dtype=np.int64)
    off = utc_offsets(utc0 + cand * step_s, zi)
    keep = np.concatenate(([True], off[1:] != off[:-1]))
    return cand[keep], off[keep]


#: up to this many instants :func:`utc_offsets` asks the zone one by one
_FEW_INSTANTS = 24
#: whole minutes per block of :func:`_minute_offsets` (2**16: about 45.5 days)
_BLOCK_BITS = 16
#: :func:`utc_offsets` looks instants spanning more than two blocks up in the
#: blocks' tables when they span at most this many blocks, with at least
#: ``_INSTANTS_PER_BLOCK`` instants per block (else one pandas conversion)
_TABLE_BLOCKS = 16
_INSTANTS_PER_BLOCK = 64


def _offset_at(t: int, tz: dt.tzinfo) -> int:
    """UTC offset (s) at the UTC second *t*, by the zone's own conversion of that instant."""
    delta = dt.datetime.fromtimestamp(t, tz).utcoffset()
    return 0 if delta is None else int(delta.total_seconds())


def _convert(t: IntArray, zi: dt.tzinfo, unit: str) -> IntArray:
    """Offsets (s) of the instants *t* (in *unit*) by one pandas conversion."""
    at = pd.DatetimeIndex(t.view(f"M8[{unit}]")).tz_localize("UTC")
    wall = at.tz_convert(zi).tz_localize(None).asi8
    return np.asarray((wall - t) // _UNITS_PER_S[unit], dtype=np.int64)


@functools.lru_cache(maxsize=256)
def _minute_offsets(zi: dt.tzinfo, block: int) -> tuple[IntArray, IntArray]:
    """Offsets of every whole UTC minute of *block*, run-length encoded.

    Returns (first minute of each run within the block, its offset in s): the
    conversion of all 2**16 minutes, kept as the runs of equal offsets.
    """
    size = 1 << _BLOCK_BITS
    off = _convert((block * size + np.arange(size, dtype=np.int64)) * 60, zi, "s")
    starts = np.concatenate(([0], np.flatnonzero(off[1:] != off[:-1]) + 1)).astype(np.int64)
    values = off[starts]
    starts.flags.writeable = False
    values.flags.writeable = False
    return starts, values


def _convert_few(t: IntArray, zi: dt.tzinfo, unit: str) -> IntArray:
    """Offsets (s) of the instants *t* (in *unit*): a handful one by one, more through pandas."""
    if t.size > _FEW_INSTANTS:
        return _convert(t, zi, unit)
    # the same conversion instant by instant: cheaper than pandas' set-up
    per_s = _UNITS_PER_S[unit]
    return np.array([_offset_at(v // per_s, zi) for v in t.tolist()], dtype=np.int64)


@functools.lru_cache(maxsize=64)
def _minute_runs(zi: dt.tzinfo, first: int, last: int) -> tuple[IntArray, IntArray]:
    """The runs of equal offset of every whole UTC minute of blocks *first* .. *last*.

    Returns (first minute of each run, since the Unix epoch; its offset in s),
    the blocks' :func:`_minute_offsets` joined (a run going on into the next
    block is one run).
    """
    parts = [_minute_offsets(zi, block) for block in range(first, last + 1)]
    starts = np.concatenate(
        [(b << _BLOCK_BITS) + p[0] for b, p in zip(range(first, last + 1), parts, strict=True)]
    )
    values = np.concatenate([p[1] for p in parts])
    keep = np.concatenate(([True], values[1:] != values[:-1]))
    starts, values = starts[keep], values[keep]
    starts.flags.writeable = False
    values.flags.writeable = False
    return starts, values


def _to_minutes(raw: FloatArray, utc: IntArray, epoch_s: int) -> tuple[FloatArray, IntArray, int]:
    k = 60 // epoch_s
    lead = int((utc[0] % 60) // epoch_s)
    tail = (-(lead + raw.size)) % k
    padded = np.concatenate((np.full(lead, np.nan), raw, np.full(tail, np.nan)))
    sums = padded.reshape(-1, k).sum(axis=1)
    start = utc[0] - lead * epoch_s
    return sums, start + 60 * np.arange(sums.size, dtype=np.int64), 60


def bin_clock(p: Prepared, bin_s: int) -> Binned:
    """Sum epochs into bins of *bin_s* seconds aligned to local clock time.

    A bin with any missing epoch, or only partly covered by the recording (at
    its ends or across a UTC-offset change), is NaN. Bins shorter than the
    epoch are not possible; *bin_s* must be a multiple of the epoch.
    """
    if bin_s % p.epoch_s or DAY_S % bin_s:
        raise InvalidInputError(
            f"bin of {bin_s} s must be a multiple of the {p.epoch_s} s epoch and divide 24 h"
        )
    k = bin_s // p.epoch_s
    per_day = DAY_S // bin_s
    bounds = np.append(p.seg_starts, p.n)
    vals: list[FloatArray] = []
    tods: list[IntArray] = []
    utcs: list[IntArray] = []
    for a, b in itertools.pairwise(bounds.tolist()):
        wall0 = int(p.wall[a])
        lead = int((wall0 % bin_s) // p.epoch_s)
        seg = p.values[a:b]
        tail = (-(lead + seg.size)) % k
        if lead or tail:
            seg = np.concatenate((np.full(lead, np.nan), seg, np.full(tail, np.nan)))
        sums = seg.reshape(-1, k).sum(axis=1)
        j = np.arange(sums.size, dtype=np.int64)
        first_bin = (wall0 - lead * p.epoch_s) // bin_s
        vals.append(sums)
        tods.append((first_bin + j) % per_day)
        utcs.append(int(p.utc[a]) - lead * p.epoch_s + j * bin_s)
    if len(vals) == 1:
        return Binned(vals[0], tods[0], utcs[0], per_day)
    return Binned(np.concatenate(vals), np.concatenate(tods), np.concatenate(utcs), per_day)


def bin_from_start(p: Prepared, bin_s: int) -> Binned:
    """Bins of *bin_s* seconds starting at the first epoch (pyActigraphy's ``origin='start'``).

    As in pandas ``resample(...).sum()`` followed by pyActigraphy's mask rule:
    each epoch goes to the bin its start falls in, the last bin may be partial
    (summed over the epochs it has), and a bin holding any NaN epoch is NaN. A
    *bin_s* not longer than the epoch returns the epochs unchanged.
    """
    if bin_s <= p.epoch_s:
        tod = ((p.wall % DAY_S) // p.epoch_s).astype(np.int64)
        return Binned(p.values, tod, p.utc, DAY_S // p.epoch_s)
    j = np.arange(p.n, dtype=np.int64)
    idx = (j * p.epoch_s) // bin_s
    nb = int(idx[-1]) + 1
    if bin_s % p.epoch_s == 0:
        k = bin_s // p.epoch_s
        tail = nb * k - p.n
        padded = np.concatenate((p.values, np.zeros(tail))) if tail else p.values
        sums = padded.reshape(nb, k).sum(axis=1)
    else:
        nan = np.isnan(p.values)
        sums = np.bincount(idx, weights=np.where(nan, 0.0, p.values), minlength=nb)
        sums[np.bincount(idx, weights=nan, minlength=nb) > 0] = np.nan
    starts = int(p.wall[0]) + np.arange(nb, dtype=np.int64) * bin_s
    tod = ((starts % DAY_S) // bin_s).astype(np.int64)
    return Binned(sums, tod, int(p.utc[0]) + np.arange(nb, dtype=np.int64) * bin_s, DAY_S // bin_s)
