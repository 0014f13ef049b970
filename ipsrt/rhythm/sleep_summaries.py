"""The per-subject sleep summary figures, MCTQ chronotype and CPD: one grouped implementation.

Every figure is computed for many subjects at once from the per-night
columns of :class:`ipsrt.rhythm.nightly_sleep.Nights` (or of a per-night
table), grouped by subject id with :func:`numpy.bincount` and
:func:`ipsrt.circular.grouped_mean_sd`; one recording is the case of one
subject. :func:`ipsrt.rhythm.sleep_timing.sleep_summary` and
:func:`ipsrt.rhythm.panel` (one recording) and
:func:`ipsrt.rhythm.panel_many` (many) all go through :func:`summary_rows`.
The rules and formulas are stated in ``docs/sleep.md`` ("Summaries").
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection
from typing import Any, Literal

import numpy as np

from ipsrt import circular
from ipsrt.rhythm.epochs import BoolArray, FloatArray, IntArray
from ipsrt.rhythm.nightly_sleep import Nights, free_mask
from ipsrt.timeutil import MINUTES_PER_DAY

__all__ = [
    "SUMMARY_KEYS",
    "CpdReference",
    "cpd_arrays",
    "mctq",
    "sleep_summary_figures",
    "sleep_summary_of_columns",
    "social_jetlag_arrays",
    "summary_rows",
]

CpdReference = Literal["msf_sc", "mean"] | float

#: the keys of a summary row, in order (plus ``sleep_reason``)
SUMMARY_KEYS = (
    "nights",
    *(f"sleep_{k}_{m}" for k in ("onset", "offset", "midpoint") for m in ("mean", "sd")),
    "sleep_duration_mean",
    "sleep_duration_sd",
    "total_sleep_mean",
    "waso_mean",
    "msw",
    "msf",
    "msf_sc",
    "social_jetlag",
    "social_jetlag_signed",
    "cpd",
)
_MCTQ_KEYS = ("msw", "msf", "msf_sc", "social_jetlag", "social_jetlag_signed")


def _mctq_columns(
    msw: FloatArray, msf: FloatArray, sd_w: FloatArray, sd_f: FloatArray
) -> dict[str, FloatArray]:
    """SD_week, MSF_sc and social jetlag, element by element (see :func:`mctq`)."""
    sd_week = (5 * sd_w + 2 * sd_f) / 7
    msf_sc = np.where(sd_f > sd_w, msf - (sd_f - sd_week) / 2, msf) % MINUTES_PER_DAY
    signed = circular.wrap(msf - msw)
    return {
        "sd_week": sd_week,
        "msf_sc": msf_sc,
        "social_jetlag": np.abs(signed),
        "social_jetlag_signed": signed,
    }


def mctq(*, msw: float, msf: float, sd_w: float, sd_f: float) -> dict[str, float]:
    """MCTQ formulas (see :func:`ipsrt.rhythm.sleep_timing.mctq_chronotype`)."""
    cols = _mctq_columns(*(np.array([v], dtype=np.float64) for v in (msw, msf, sd_w, sd_f)))
    return {k: float(v[0]) for k, v in cols.items()}


def _group_mean(g: IntArray, values: FloatArray, s: int, *, skip_nan: bool) -> FloatArray:
    """Mean of *values* per group (NaN for an empty group); NaN values left out if *skip_nan*."""
    if skip_nan:
        ok = ~np.isnan(values)
        g, values = g[ok], values[ok]
    n = np.bincount(g, minlength=s)
    out = np.full(s, np.nan)
    return np.divide(np.bincount(g, weights=values, minlength=s), n, out=out, where=n > 0)


def _social_jetlag(
    g: IntArray,
    free: BoolArray,
    mid: FloatArray,
    dur: FloatArray,
    s: int,
    msw_msf: tuple[FloatArray, FloatArray] | None = None,
) -> dict[str, FloatArray]:
    """MSW, MSF, SD_w, SD_f, the MCTQ figures and the night counts, per group.

    *msw_msf*: the circular means of the work and free midpoints when the
    caller has them already.
    """
    work = ~free
    if msw_msf is None:
        means = circular.grouped_mean_sd(g + free * s, mid, 2 * s)[0]
        msw_msf = means[:s], means[s:]
    msw, msf = msw_msf
    sd_w = _group_mean(g[work], dur[work], s, skip_nan=True)
    sd_f = _group_mean(g[free], dur[free], s, skip_nan=True)
    n_free = np.bincount(g[free], minlength=s).astype(np.float64)
    n_work = np.bincount(g, minlength=s) - n_free
    cols = {"msw": msw, "msf": msf, "sd_w": sd_w, "sd_f": sd_f}
    cols |= _mctq_columns(msw, msf, sd_w, sd_f)
    both = (n_work > 0) & (n_free > 0)
    out = {k: np.where(both, v, np.nan) for k, v in cols.items()}
    return out | {"n_work": n_work, "n_free": n_free}


def social_jetlag_arrays(free: BoolArray, mid: FloatArray, dur: FloatArray) -> dict[str, float]:
    """MSW, MSF, MSF_sc and social jetlag from free-night flags, midpoints, durations.

    NaN (all but the counts) without at least one work and one free night.
    """
    g = np.zeros(free.size, dtype=np.int64)
    return {k: float(v[0]) for k, v in _social_jetlag(g, free, mid, dur, 1).items()}


def _cpd(g: IntArray, night: IntArray, mid: FloatArray, ref: FloatArray, s: int) -> FloatArray:
    """CPD per group of nights sorted by group, then night; *ref* per group."""
    out = np.full(s, np.nan)
    if g.size < 2:
        return out
    consecutive = (g[1:] == g[:-1]) & (np.diff(night) == 1)
    irregularity = circular.wrap(np.diff(mid))
    mistiming = circular.wrap(ref[g[1:]] - mid[1:])
    terms = np.hypot(mistiming, irregularity)
    use = consecutive & np.isfinite(terms)
    k = np.bincount(g[1:][use], minlength=s)
    np.divide(np.bincount(g[1:][use], weights=terms[use], minlength=s), k, out=out, where=k > 0)
    out[~np.isfinite(ref)] = np.nan
    return out


def cpd_arrays(night: IntArray, mid: FloatArray, ref: float) -> float:
    """CPD of midpoints *mid* on nights sorted by day number *night*, reference *ref*."""
    g = np.zeros(night.size, dtype=np.int64)
    return float(_cpd(g, night, mid, np.array([ref], dtype=np.float64), 1)[0])


def summary_rows(
    t: Nights,
    subjects: int,
    *,
    free_weekdays: Collection[int] = (5, 6),
    free_dates: Collection[dt.date] = (),
    cpd_reference: CpdReference = "msf_sc",
) -> list[dict[str, Any]]:
    """The flat summary dict of every subject ``0 .. subjects - 1`` of nights *t*.

    *t* sorted by subject, then night (as :func:`ipsrt.rhythm.nightly_sleep.nights_of_codes`
    gives it). Keys :data:`SUMMARY_KEYS` and ``sleep_reason``.
    """
    return _summary_rows(
        t.subject,
        t.night,
        (t.onset_local, t.offset_local, t.midpoint_local),
        t.duration_min,
        t.sleep_min,
        t.waso_min,
        subjects,
        free_mask(t.night, free_weekdays, free_dates),
        cpd_reference,
    )


def sleep_summary_figures(
    t: Nights,
    *,
    free_weekdays: Collection[int] = (5, 6),
    free_dates: Collection[dt.date] = (),
    cpd_reference: CpdReference = "msf_sc",
) -> dict[str, Any]:
    """The flat dict of :func:`ipsrt.rhythm.sleep_timing.sleep_summary` of one recording."""
    return summary_rows(
        t, 1, free_weekdays=free_weekdays, free_dates=free_dates, cpd_reference=cpd_reference
    )[0]


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
    cpd_reference: CpdReference = "msf_sc",
) -> dict[str, Any]:
    """:func:`sleep_summary_figures` of the columns of a per-night table sorted by night."""
    return _summary_rows(
        np.zeros(night.size, dtype=np.int64),
        night,
        (onset_local, offset_local, midpoint_local),
        duration_min,
        sleep_min,
        waso_min,
        1,
        free_mask(night, free_weekdays, free_dates),
        cpd_reference,
    )[0]


def _summary_rows(
    g: IntArray,
    night: IntArray,
    clock: tuple[FloatArray, FloatArray, FloatArray],
    dur: FloatArray,
    sleep_min: FloatArray,
    waso_min: FloatArray,
    s: int,
    free: BoolArray,
    cpd_reference: CpdReference,
) -> list[dict[str, Any]]:
    cnt = np.bincount(g, minlength=s)
    nan = np.nan
    # five groups of bins, each summed in night order: onset, offset,
    # midpoint, midpoint of the work nights, of the free nights
    bins = np.concatenate((g, g + s, g + 2 * s, g + (3 + free) * s))
    cmean, csd, _ = circular.grouped_mean_sd(bins, np.concatenate((*clock, clock[2])), 5 * s)
    cmean, csd = cmean.reshape(5, s), np.where(cnt >= 2, csd.reshape(5, s)[:3], nan)
    cols: dict[str, FloatArray] = {"nights": cnt.astype(np.float64)}
    for j, key in enumerate(("onset", "offset", "midpoint")):
        cols[f"sleep_{key}_mean"] = cmean[j]
        cols[f"sleep_{key}_sd"] = csd[j]
    dmean = _group_mean(g, dur, s, skip_nan=False)
    dev = dur - dmean[g]
    dsd = np.full(s, nan)
    np.divide(np.bincount(g, weights=dev * dev, minlength=s), cnt - 1, out=dsd, where=cnt >= 2)
    cols["sleep_duration_mean"] = dmean
    cols["sleep_duration_sd"] = np.sqrt(dsd)
    cols["total_sleep_mean"] = _group_mean(g, sleep_min, s, skip_nan=True)
    cols["waso_mean"] = _group_mean(g, waso_min, s, skip_nan=True)
    sjl = _social_jetlag(g, free, clock[2], dur, s, (cmean[3], cmean[4]))
    for key in _MCTQ_KEYS:
        cols[key] = sjl[key]
    if isinstance(cpd_reference, str):
        ref = sjl["msf_sc"] if cpd_reference == "msf_sc" else cmean[2]
    else:
        ref = np.full(s, float(cpd_reference))
    cols["cpd"] = _cpd(g, night, clock[2], ref, s)
    table = [cols[k].tolist() for k in SUMMARY_KEYS]
    out: list[dict[str, Any]] = []
    for n_i, row in zip(cnt.tolist(), zip(*table, strict=True), strict=True):
        d: dict[str, Any] = dict(zip(SUMMARY_KEYS, row, strict=True))
        d["sleep_reason"] = "; ".join(_reasons(n_i, d))
        out.append(d)
    return out


def _reasons(n: int, d: dict[str, Any]) -> list[str]:
    """Why the NaN figures of one subject with *n* nights are NaN."""
    reasons: list[str] = []
    if n == 0:
        reasons.append("all: no night with a sleep episode")
    elif n < 2:
        reasons.append("sleep_*_sd: fewer than 2 nights")
    if n and not math.isfinite(d["social_jetlag"]):
        reasons.append("msw/msf/msf_sc/social_jetlag: need at least 1 work and 1 free night")
    if n and not math.isfinite(d["cpd"]):
        reasons.append("cpd: needs 2 consecutive nights and a finite reference")
    return reasons
