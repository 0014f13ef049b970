"""Sleep episodes and the main sleep of each night, on plain arrays, for one or many rows.

This is the NumPy core behind :func:`ipsrt.rhythm.sleep_timing.sleep_episodes`
and :func:`~ipsrt.rhythm.sleep_timing.sleep_timing` (which wrap it in pandas
objects), and what :func:`ipsrt.rhythm.panel` and
:func:`ipsrt.rhythm.panel_many` call directly, so that a recording is never
converted between pandas and NumPy more than once and many recordings go
through the same code as one. The rules are stated in ``docs/sleep.md``
("Sleep timing"); the summary figures are :mod:`ipsrt.rhythm.sleep_summaries`.

Instants are integer nanoseconds since the Unix epoch, UTC; nights are day
numbers (days since 1970-01-01, a Thursday); clock times are minutes after
local midnight.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ipsrt.rhythm.epochs import FloatArray, Int8Array, IntArray, utc_offsets

__all__ = [
    "EPOCH_DATE",
    "Episodes",
    "Nights",
    "complete_episodes",
    "episodes",
    "episodes_of_codes",
    "free_mask",
    "local_clock_minutes",
    "nights",
    "nights_of_codes",
    "state_codes",
]

EPOCH_DATE = dt.date(1970, 1, 1)
_NS = 1_000_000_000


@dataclass(frozen=True)
class Episodes:
    """Episodes as epoch index ranges ``[start, end)`` and their minutes."""

    start: IntArray
    end: IntArray
    sleep_min: FloatArray
    waso_min: FloatArray
    missing_min: FloatArray


def state_codes(a: FloatArray) -> Int8Array:
    """int8 codes of sleep states *a*: 1 sleep (1.0), -1 missing (NaN), 0 anything else."""
    return np.asarray(a == 1.0).view(np.int8) - np.isnan(a).view(np.int8)


def episodes(a: FloatArray, epoch_min: float, min_bout: float, max_gap: float) -> Episodes:
    """Kept sleep runs (>= *min_bout* min) of states *a* joined across gaps of <= *max_gap* min."""
    return episodes_of_codes(state_codes(a), epoch_min, min_bout, max_gap, max(a.size, 1))


def episodes_of_codes(
    code: Int8Array, epoch_min: float, min_bout: float, max_gap: float, width: int
) -> Episodes:
    """:func:`episodes` of the codes *code* (1 sleep, -1 missing, else wake), rows of *width*.

    *code* is 1-D: rows of *width* epochs laid end to end; an episode never
    joins runs of two rows. Computed on the runs of equal codes (run-length
    encoding), not epoch by epoch: the minutes of an episode are differences
    of cumulative sums over its runs.
    """
    n = code.size
    run_start = np.concatenate(([0], np.flatnonzero(code[1:] != code[:-1]) + 1)).astype(np.int64)
    bounds = np.append(run_start, n)
    run_len = np.diff(bounds)
    run_val = code[run_start] if n else code[:0]
    sleep_runs = np.flatnonzero(run_val == 1)
    kept = sleep_runs[run_len[sleep_runs] * epoch_min >= max(min_bout, epoch_min)]
    if kept.size == 0:
        e = np.zeros(0, dtype=np.int64)
        f = np.zeros(0)
        return Episodes(e, e, f, f, f)
    starts = run_start[kept]
    ends = starts + run_len[kept]
    first = np.ones(kept.size, dtype=bool)
    first[1:] = ((starts[1:] - ends[:-1]) * epoch_min > max_gap) | (
        starts[1:] // width != starts[:-1] // width
    )
    heads = np.flatnonzero(first)
    last = np.append(heads[1:] - 1, kept.size - 1)
    # an episode is the runs from its first kept sleep run to its last one
    r0, r1 = kept[heads], kept[last] + 1
    ep_start, ep_end = bounds[r0], bounds[r1]
    before = np.zeros((2, run_start.size + 1), dtype=np.int64)
    np.cumsum(np.where(run_val == 1, run_len, 0), out=before[0, 1:])
    np.cumsum(np.where(run_val == -1, run_len, 0), out=before[1, 1:])
    sleep_n = before[0, r1] - before[0, r0]
    missing_n = before[1, r1] - before[1, r0]
    return Episodes(
        ep_start,
        ep_end,
        sleep_n * epoch_min,
        (ep_end - ep_start - sleep_n - missing_n) * epoch_min,
        missing_n * epoch_min,
    )


@dataclass(frozen=True)
class Nights:
    """One main sleep per (subject, night), sorted by subject then night (``NIGHT_COLUMNS``)."""

    subject: IntArray
    """Row of the input (0 for one recording)."""
    night: IntArray
    """Day number of the night (days since 1970-01-01)."""
    onset_ns: IntArray
    offset_ns: IntArray
    midpoint_ns: IntArray
    onset_local: FloatArray
    offset_local: FloatArray
    midpoint_local: FloatArray
    duration_min: FloatArray
    sleep_min: FloatArray
    waso_min: FloatArray
    missing_min: FloatArray
    n_episodes: IntArray
    other_sleep_min: FloatArray

    def __len__(self) -> int:
        return int(self.night.size)


def local_clock_minutes(instants_ns: IntArray, off: IntArray) -> FloatArray:
    """Local clock time in minutes after midnight of instants (ns, UTC) at UTC offsets *off* (s).

    The whole local minute plus the fraction of it that has passed (*off* in
    whole seconds, so historical offsets such as +0:19:32 work too).
    """
    local_s = instants_ns // _NS + off
    whole = (local_s % 86_400) // 60
    frac = ((local_s % 60) * _NS + instants_ns % _NS) / (60 * _NS)
    return np.asarray(whole + frac, dtype=np.float64)


def nights(
    a: FloatArray,
    utc0_ns: int,
    epoch_ns: int,
    tz: dt.tzinfo,
    *,
    min_bout: float,
    max_gap: float,
) -> Nights:
    """Per-night main sleep of the 0/1 series *a* on the grid ``utc0_ns + i * epoch_ns``."""
    code = state_codes(a)
    return nights_of_codes(
        code, max(a.size, 1), utc0_ns, epoch_ns, tz, min_bout=min_bout, max_gap=max_gap
    )


def nights_of_codes(
    code: Int8Array,
    width: int,
    utc0_ns: int,
    epoch_ns: int,
    tz: dt.tzinfo,
    *,
    min_bout: float,
    max_gap: float,
) -> Nights:
    """:func:`nights` of every row of the codes *code*: rows of *width* epochs end to end.

    Every row is on the grid ``utc0_ns + i * epoch_ns``; codes as
    :func:`episodes_of_codes`. The night of an episode is the local date of
    its onset shifted back 12 h; the main sleep of a (row, night) is its
    longest episode (ties: the earliest). Only complete nights are returned
    (:func:`complete_episodes`): a night with an episode whose wake-up the row
    has not shown yet (e.g. the last night of a recording that ends during
    sleep) has no row, since its sleep could still grow.
    """
    epoch_min = epoch_ns / (60 * _NS)
    ep = episodes_of_codes(code, epoch_min, min_bout, max_gap, width)
    done = complete_episodes(code, width, ep, epoch_min, min_bout=min_bout, max_gap=max_gap)
    sid = ep.start // width
    onset = utc0_ns + (ep.start - sid * width) * epoch_ns
    offset = utc0_ns + (ep.end - sid * width) * epoch_ns
    mid = onset + (offset - onset) // 2
    duration = (offset - onset) / (60 * _NS)
    k = onset.size
    # the zone read once for the onsets, offsets and midpoints of all episodes
    off = utc_offsets(np.concatenate((onset, offset, mid)), tz, unit="ns")
    night = (onset // _NS + off[:k] - 43_200) // 86_400
    order = np.lexsort((np.arange(k), -duration, night, sid))
    head = np.ones(k, dtype=bool)
    head[1:] = (sid[order][1:] != sid[order][:-1]) | (night[order][1:] != night[order][:-1])
    main = order[head]
    group = np.cumsum(head) - 1  # the (row, night) of each sorted episode
    total_sleep = np.bincount(group, weights=ep.sleep_min[order], minlength=main.size)
    n_episodes = np.bincount(group, minlength=main.size).astype(np.int64)
    unfinished = np.bincount(group, weights=~done[order], minlength=main.size)
    kept = unfinished == 0  # a night is complete when every episode of it is
    main, total_sleep, n_episodes = main[kept], total_sleep[kept], n_episodes[kept]
    return Nights(
        subject=sid[main],
        night=night[main],
        onset_ns=onset[main],
        offset_ns=offset[main],
        midpoint_ns=mid[main],
        onset_local=local_clock_minutes(onset[main], off[:k][main]),
        offset_local=local_clock_minutes(offset[main], off[k : 2 * k][main]),
        midpoint_local=local_clock_minutes(mid[main], off[2 * k :][main]),
        duration_min=duration[main],
        sleep_min=ep.sleep_min[main],
        waso_min=ep.waso_min[main],
        missing_min=ep.missing_min[main],
        n_episodes=n_episodes,
        other_sleep_min=total_sleep - ep.sleep_min[main],
    )


def complete_episodes(
    code: Int8Array,
    width: int,
    ep: Episodes,
    epoch_min: float,
    *,
    min_bout: float,
    max_gap: float,
) -> npt.NDArray[np.bool_]:
    """Whether each episode of *ep* (found in *code*, rows of *width*) is complete.

    An episode is complete when, in its own row,

    1. **the wake-up was seen**: the first recorded (not missing) epoch after
       its last sleep epoch comes within *max_gap* minutes of it, and
    2. **data after it exists**: the row's recorded epochs go on for at least
       *max_gap* + *min_bout* minutes after that end.

    Then no later data can change the episode: a sleep run that would join
    it must start within *max_gap* of its end and be *min_bout* long, and
    both lie inside data already recorded. A recording that ends during
    sleep (or within 90 min, with the defaults, of the wake-up), or an
    episode ended by a long stretch of missing data, is not complete
    (``docs/sleep.md``, "Complete nights").
    """
    if ep.start.size == 0:
        return np.zeros(0, dtype=bool)
    row_end = (ep.start // width + 1) * width
    # Found from the runs of missing epochs (usually few), not epoch by epoch.
    missing = np.flatnonzero(code == -1)
    if missing.size == 0:
        first_after, last = ep.end, row_end - 1
    else:
        heads = np.flatnonzero(np.diff(missing, prepend=-2) != 1)
        run_first = missing[heads]
        run_last = missing[np.append(heads[1:] - 1, missing.size - 1)]

        def run_holding(i: IntArray) -> tuple[npt.NDArray[np.bool_], IntArray]:
            """Whether each epoch of *i* is missing, and the index of its missing run."""
            k = np.maximum(np.searchsorted(run_first, i, side="right") - 1, 0)
            return (run_first[k] <= i) & (i <= run_last[k]), k

        held, k = run_holding(ep.end)
        first_after = np.where(ep.end >= row_end, row_end, np.where(held, run_last[k] + 1, ep.end))
        held, k = run_holding(row_end - 1)
        # the episode holds recorded sleep epochs, so its row has a last recorded epoch
        last = np.where(held, run_first[k] - 1, row_end - 1)
    seen = (first_after < row_end) & ((first_after - ep.end) * epoch_min <= max_gap)
    after = (last + 1 - ep.end) * epoch_min >= max_gap + max(min_bout, epoch_min)
    return np.asarray(seen & after, dtype=bool)


def free_mask(
    night: IntArray, free_weekdays: Collection[int], free_dates: Collection[dt.date]
) -> npt.NDArray[np.bool_]:
    """True for each night (day number) whose next day is a free day."""
    after = night + 1
    weekday = (after + 3) % 7  # 1970-01-01 was a Thursday (weekday 3)
    days = list(free_weekdays)
    if weekday.dtype.kind == "i" and all(type(d) is int and 0 <= d < 7 for d in days):
        table = np.zeros(7, dtype=bool)  # np.isin by a look-up table
        table[days] = True
        free = table[weekday]
    else:
        free = np.isin(weekday, days)
    if free_dates:
        holidays = [(d - EPOCH_DATE).days for d in free_dates]
        free |= np.isin(after, holidays)
    return np.asarray(free, dtype=bool)
