"""All non-parametric figures of one recording at once (:func:`summary`).

The figures and their formulas are those of :mod:`ipsrt.rhythm.nonparametric`;
this module computes them together. A recording with one UTC offset (and
every compat-mode recording) goes through one :class:`ipsrt.rhythm.grid.DayGrid`:
every bin size, the hourly bins, the average day and the 7-day blocks come
from that one matrix. A recording across a DST change is binned per segment,
once per bin size (:func:`ipsrt.rhythm.epochs.bin_clock`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ipsrt.rhythm import grid, level_stats
from ipsrt.rhythm.epochs import DAY_S, Binned, FloatArray, IntArray, Prepared
from ipsrt.rhythm.nonparametric import (
    _WEEK_S,
    ISM_BIN_MINUTES,
    Params,
    _binarized,
    _bins,
    _is_core,
    _iv_core,
    _lmx_profile,
    _ra,
)

__all__ = ["summary"]


def _week_blocks(utc: IntArray, prm: Params, step_s: int) -> list[tuple[int, int]]:
    """Index ranges ``[lo, hi)`` of consecutive 7-day blocks, last incomplete one dropped."""
    t0 = int(utc[0])
    if prm.compat:
        nb = (int(utc[-1]) - t0) // _WEEK_S
        edges = [(t0 + b * _WEEK_S, t0 + (b + 1) * _WEEK_S) for b in range(nb)]
        return [
            (int(np.searchsorted(utc, lo, "left")), int(np.searchsorted(utc, hi, "right")))
            for lo, hi in edges
        ]
    nb = (int(utc[-1]) + step_s - t0) // _WEEK_S
    return [
        (
            int(np.searchsorted(utc, t0 + b * _WEEK_S, "left")),
            int(np.searchsorted(utc, t0 + (b + 1) * _WEEK_S, "left")),
        )
        for b in range(nb)
    ]


def summary(
    p: Prepared, prm: Params, *, blocks: bool = True
) -> tuple[dict[str, float | tuple[float, ...]], dict[str, str]]:
    """All non-parametric figures of a prepared recording, and reasons for NaNs.

    Keys: ``IS, IV, ISm, IVm, L5, M10, RA, L5_onset, M10_onset`` and, with
    *blocks*, ``ISp, IVp, L5p, M10p, RAp`` (tuples, one value per 7-day block).
    """
    out: dict[str, float | tuple[float, ...]] = {}
    why: dict[str, str] = {}
    keys = ["IS", "IV", "ISm", "IVm", "L5", "M10", "RA", "L5_onset", "M10_onset"]
    if p.valid_days < prm.min_days:
        short = f"{p.valid_days:.2f} valid days, fewer than the minimum of {prm.min_days:g}"
        for k in keys:
            out[k], why[k] = np.nan, short
        if blocks:
            for k in ("ISp", "IVp", "L5p", "M10p", "RAp"):
                out[k] = ()
        return out, why
    q = _binarized(p, prm)
    g = _grid_for(q, prm)
    ism: list[float] = []
    ivm: list[float] = []
    profile: ProfileFn
    if g is not None:
        hourly, profile = _grid_figures(q, prm, g, ism, ivm)
    else:
        hourly, profile = _segment_figures(q, prm, ism, ivm)
    for key, (val, reason) in (("IS", _is_core(hourly, prm)), ("IV", _iv_core(hourly, prm))):
        out[key] = val
        if reason:
            why[key] = reason
    for key, vals in (("ISm", ism), ("IVm", ivm)):
        out[key] = float(np.mean(vals)) if vals else np.nan
        if np.isnan(out[key]):
            why[key] = f"{key[:2]} is NaN at one or more bin sizes"
    sums, cnt = profile(0, q.n)
    lo, lo_why = _lmx_profile(sums, cnt, q.epoch_s, 5, True, prm)
    hi, hi_why = _lmx_profile(sums, cnt, q.epoch_s, 10, False, prm)
    out.update(L5=lo.value, L5_onset=lo.onset, M10=hi.value, M10_onset=hi.onset)
    for k, r in (("L5", lo_why), ("L5_onset", lo_why), ("M10", hi_why), ("M10_onset", hi_why)):
        if r:
            why[k] = r
    out["RA"], ra_why = _ra(lo.value, hi.value)
    if ra_why:
        why["RA"] = ra_why
    if blocks:
        _block_figures(q, hourly, prm, out, profile)
    return out, why


ProfileFn = Callable[[int, int], tuple[FloatArray, IntArray]]


def _bin_epochs(prm: Params, epoch_s: int, minutes: float) -> int | None:
    """Bin of *minutes* in epochs for the grid, or None when only the slow path can do it."""
    bin_s = round(minutes * 60)
    if prm.compat and bin_s <= epoch_s:
        return 1
    if bin_s % epoch_s or DAY_S % bin_s:
        return None
    return bin_s // epoch_s


def _grid_for(q: Prepared, prm: Params) -> grid.DayGrid | None:
    if _bin_epochs(prm, q.epoch_s, prm.bin_minutes) is None:
        return None
    if prm.compat and any(_bin_epochs(prm, q.epoch_s, m) is None for m in ISM_BIN_MINUTES):
        return None
    return grid.build(q, compat=prm.compat is not None)


def _grid_figures(
    q: Prepared, prm: Params, g: grid.DayGrid, ism: list[float], ivm: list[float]
) -> tuple[Binned, ProfileFn]:
    """Hourly bins, ISm/IVm and the profile function from one :class:`grid.DayGrid`."""
    epoch_min = q.epoch_s / 60
    ks = [
        _bin_epochs(prm, q.epoch_s, m) for m in ISM_BIN_MINUTES if prm.compat or not m % epoch_min
    ]
    main = _bin_epochs(prm, q.epoch_s, prm.bin_minutes)
    assert main is not None
    sizes = [k for k in ks if k is not None]
    lv = grid.levels(g, [*sizes, main])
    is_all, iv_all = level_stats.level_stats(lv, prm.ddof, prm.compat is not None)
    for k in sizes:
        i = lv.sizes.index(k)
        ism.append(float(is_all[i]))
        ivm.append(float(iv_all[i]))
    return grid.binned(g, lv, main), lambda lo, hi: grid.profile(g, lo, hi)


def _segment_figures(
    q: Prepared, prm: Params, ism: list[float], ivm: list[float]
) -> tuple[Binned, ProfileFn]:
    """The same by resampling once per bin size (recordings across a DST change)."""
    epoch_min = q.epoch_s / 60
    for m in ISM_BIN_MINUTES:
        if not prm.compat and (m % epoch_min):
            continue
        b = _bins(q, prm, m)
        ism.append(_is_core(b, prm)[0])
        ivm.append(_iv_core(b, prm)[0])
    per_day = DAY_S // q.epoch_s

    def profile(lo: int, hi: int) -> tuple[FloatArray, IntArray]:
        v = q.values[lo:hi]
        ok = ~np.isnan(v)
        tod = ((q.wall[lo:hi][ok] % DAY_S) // q.epoch_s).astype(np.int64)
        cnt = np.bincount(tod, minlength=per_day).astype(np.int64)
        sums = np.bincount(tod, weights=v[ok], minlength=per_day).astype(np.float64)
        return sums, cnt

    return _bins(q, prm, prm.bin_minutes), profile


def _block_figures(
    q: Prepared,
    hourly: Binned,
    prm: Params,
    out: dict[str, float | tuple[float, ...]],
    profile: ProfileFn,
) -> None:
    isp, ivp, l5p, m10p, rap = [], [], [], [], []
    for lo, hi in _week_blocks(hourly.utc, prm, round(prm.bin_minutes * 60)):
        b = Binned(hourly.values[lo:hi], hourly.tod[lo:hi], hourly.utc[lo:hi], hourly.per_day)
        isp.append(_is_core(b, prm)[0])
        ivp.append(_iv_core(b, prm)[0])
    for lo, hi in _week_blocks(q.utc, prm, q.epoch_s):
        sums, cnt = profile(lo, hi)
        a = _lmx_profile(sums, cnt, q.epoch_s, 5, True, prm)[0].value
        z = _lmx_profile(sums, cnt, q.epoch_s, 10, False, prm)[0].value
        l5p.append(a)
        m10p.append(z)
        rap.append(_ra(a, z)[0])
    out.update(ISp=tuple(isp), IVp=tuple(ivp), L5p=tuple(l5p), M10p=tuple(m10p), RAp=tuple(rap))
