"""Sleep episodes, the main sleep of each night and the summary figures, on plain arrays.

This is the NumPy core behind :func:`ipsrt.rhythm.sleep_timing.sleep_episodes`,
:func:`~ipsrt.rhythm.sleep_timing.sleep_timing` and
:func:`~ipsrt.rhythm.sleep_timing.sleep_summary` (which wrap it in pandas
objects), and what :func:`ipsrt.rhythm.panel` calls directly so that a
recording is never converted between pandas and NumPy more than once. The
rules are stated in ``docs/sleep.md`` ("Sleep timing").

Instants are integer nanoseconds since the Unix epoch, UTC; nights are day
numbers (days since 1970-01-01, a Thursday); clock times are minutes after
local midnight. Circular means, SDs and differences are those of
:mod:`ipsrt.circular`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from ipsrt import circular
from ipsrt.rhythm.epochs import utc_offsets
from ipsrt.timeutil import MINUTES_PER_DAY

__all__ = [
    "EPOCH_DATE",
    "Episodes",
    "Nights",
    "cpd_arrays",
    "episodes",
    "free_mask",
    "local_clock_minutes",
    "mctq",
    "nights",
    "sleep_summary_figures",
    "sleep_summary_of_columns",
    "social_jetlag_arrays",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
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


def episodes(a: FloatArray, epoch_min: float, min_bout: float, max_gap: float) -> Episodes:
    """Kept sleep runs (>= *min_bout* min) joined across gaps of <= *max_gap* min."""
    is_sleep = a == 1.0
    edges = np.diff(np.concatenate(([0], is_sleep.view(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    keep = (ends - starts) * epoch_min >= max(min_bout, epoch_min)
    starts, ends = starts[keep], ends[keep]
    if starts.size == 0:
        e = np.zeros(0, dtype=np.int64)
        f = np.zeros(0)
        return Episodes(e, e, f, f, f)
    gaps = (starts[1:] - ends[:-1]) * epoch_min
    first = np.concatenate(([True], gaps > max_gap))
    ep_start = starts[first]
    ep_end = np.concatenate((ends[np.flatnonzero(first)[1:] - 1], [ends[-1]]))
    cum_sleep = np.concatenate(([0], np.cumsum(is_sleep)))
    cum_wake = np.concatenate(([0], np.cumsum(a == 0.0)))
    cum_missing = np.concatenate(([0], np.cumsum(np.isnan(a))))
    return Episodes(
        ep_start.astype(np.int64),
        ep_end.astype(np.int64),
        (cum_sleep[ep_end] - cum_sleep[ep_start]) * epoch_min,
        (cum_wake[ep_end] - cum_wake[ep_start]) * epoch_min,
        (cum_missing[ep_end] - cum_missing[ep_start]) * epoch_min,
    )


@dataclass(frozen=True)
class Nights:
    """One main sleep per night, sorted by night (see ``NIGHT_COLUMNS``)."""

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
    epoch_min = epoch_ns / (60 * _NS)
    ep = episodes(a, epoch_min, min_bout, max_gap)
    onset = utc0_ns + ep.start * epoch_ns
    offset = utc0_ns + ep.end * epoch_ns
    duration = (offset - onset) / (60 * _NS)
    on_off = utc_offsets(onset, tz, unit="ns")
    night = (onset // _NS + on_off - 43_200) // 86_400
    order = np.lexsort((np.arange(night.size), -duration, night))
    first = np.ones(order.size, dtype=bool)
    first[1:] = night[order][1:] != night[order][:-1]
    main = order[first]
    nights_u, n_ep = np.unique(night, return_counts=True)
    total_sleep = np.bincount(np.searchsorted(nights_u, night), weights=ep.sleep_min)
    mon, moff = onset[main], offset[main]
    mid = mon + (moff - mon) // 2
    off_all = utc_offsets(np.concatenate((moff, mid)), tz, unit="ns")
    k = main.size
    return Nights(
        night=night[main],
        onset_ns=mon,
        offset_ns=moff,
        midpoint_ns=mid,
        onset_local=local_clock_minutes(mon, on_off[main]),
        offset_local=local_clock_minutes(moff, off_all[:k]),
        midpoint_local=local_clock_minutes(mid, off_all[k:]),
        duration_min=duration[main],
        sleep_min=ep.sleep_min[main],
        waso_min=ep.waso_min[main],
        missing_min=ep.missing_min[main],
        n_episodes=n_ep.astype(np.int64),
        other_sleep_min=total_sleep - ep.sleep_min[main],
    )


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


def mctq(*, msw: float, msf: float, sd_w: float, sd_f: float) -> dict[str, float]:
    """MCTQ formulas (see :func:`ipsrt.rhythm.sleep_timing.mctq_chronotype`)."""
    sd_week = (5 * sd_w + 2 * sd_f) / 7
    msf_sc = msf - (sd_f - sd_week) / 2 if sd_f > sd_w else msf
    signed = float(circular.wrap(msf - msw))
    return {
        "sd_week": float(sd_week),
        "msf_sc": float(msf_sc % MINUTES_PER_DAY),
        "social_jetlag": abs(signed),
        "social_jetlag_signed": signed,
    }


def social_jetlag_arrays(
    free: npt.NDArray[np.bool_], mid: FloatArray, dur: FloatArray
) -> dict[str, float]:
    """MSW, MSF, MSF_sc and social jetlag from free-night flags, midpoints, durations."""
    result = {"n_work": float((~free).sum()), "n_free": float(free.sum())}
    nan = float("nan")
    if not free.any() or free.all():
        keys = ("msw", "msf", "sd_w", "sd_f", "sd_week", "msf_sc")
        return (
            result | dict.fromkeys(keys, nan) | {"social_jetlag": nan, "social_jetlag_signed": nan}
        )
    msw = circular.mean_minutes(mid[~free])
    msf = circular.mean_minutes(mid[free])
    sd_w, sd_f = float(np.nanmean(dur[~free])), float(np.nanmean(dur[free]))
    base = {"msw": msw, "msf": msf, "sd_w": sd_w, "sd_f": sd_f}
    return result | base | mctq(msw=msw, msf=msf, sd_w=sd_w, sd_f=sd_f)


def cpd_arrays(night: IntArray, mid: FloatArray, ref: float) -> float:
    """CPD of midpoints *mid* on nights sorted by day number *night*, reference *ref*."""
    if not np.isfinite(ref) or night.size < 2:
        return float("nan")
    consecutive = np.diff(night) == 1
    irregularity = circular.wrap(np.diff(mid))
    mistiming = circular.wrap(ref - mid[1:])
    terms = np.hypot(mistiming, irregularity)[consecutive]
    terms = terms[np.isfinite(terms)]
    return float(terms.mean()) if terms.size else float("nan")


def sleep_summary_figures(
    t: Nights,
    *,
    free_weekdays: Collection[int] = (5, 6),
    free_dates: Collection[dt.date] = (),
    cpd_reference: Literal["msf_sc", "mean"] | float = "msf_sc",
) -> dict[str, float | str]:
    """The flat dict of :func:`ipsrt.rhythm.sleep_timing.sleep_summary` of nights *t*."""
    return sleep_summary_of_columns(
        t.night,
        t.onset_local,
        t.offset_local,
        t.midpoint_local,
        t.duration_min,
        t.sleep_min,
        t.waso_min,
        free_weekdays=free_weekdays,
        free_dates=free_dates,
        cpd_reference=cpd_reference,
    )


def sleep_summary_of_columns(
    night: IntArray,
    onset_local: FloatArray,
    offset_local: FloatArray,
    midpoint_local: FloatArray,
    duration_min: FloatArray,
    sleep_min: FloatArray,
    waso_min: FloatArray,
    *,
    free_weekdays: Collection[int] = (5, 6),
    free_dates: Collection[dt.date] = (),
    cpd_reference: Literal["msf_sc", "mean"] | float = "msf_sc",
) -> dict[str, float | str]:
    """:func:`sleep_summary_figures` of the columns of a per-night table sorted by night."""
    n = int(night.size)
    reasons: list[str] = []
    nan = float("nan")
    out: dict[str, float | str] = {"nights": float(n)}
    for key, values in (
        ("sleep_onset", onset_local),
        ("sleep_offset", offset_local),
        ("sleep_midpoint", midpoint_local),
    ):
        out[f"{key}_mean"] = circular.mean_minutes(values) if n else nan
        out[f"{key}_sd"] = circular.sd_minutes(values) if n >= 2 else nan
    dur = duration_min
    out["sleep_duration_mean"] = float(dur.mean()) if n else nan
    out["sleep_duration_sd"] = float(dur.std(ddof=1)) if n >= 2 else nan
    out["total_sleep_mean"] = float(np.nanmean(sleep_min)) if n else nan
    out["waso_mean"] = float(np.nanmean(waso_min)) if n else nan
    if n == 0:
        reasons.append("all: no night with a sleep episode")
    elif n < 2:
        reasons.append("sleep_*_sd: fewer than 2 nights")
    free = free_mask(night, free_weekdays, free_dates)
    sjl = social_jetlag_arrays(free, midpoint_local, dur)
    for key in ("msw", "msf", "msf_sc", "social_jetlag", "social_jetlag_signed"):
        out[key] = sjl[key]
    if n and not np.isfinite(sjl["social_jetlag"]):
        reasons.append("msw/msf/msf_sc/social_jetlag: need at least 1 work and 1 free night")
    if isinstance(cpd_reference, str):
        ref = sjl["msf_sc"] if cpd_reference == "msf_sc" else circular.mean_minutes(midpoint_local)
    else:
        ref = float(cpd_reference)
    out["cpd"] = cpd_arrays(night, midpoint_local, ref)
    if n and not np.isfinite(out["cpd"]):
        reasons.append("cpd: needs 2 consecutive nights and a finite reference")
    out["sleep_reason"] = "; ".join(reasons)
    return out
