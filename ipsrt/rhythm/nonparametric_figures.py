"""Every non-parametric figure of the panel for one recording, by the reference formulas.

:func:`nonparametric_figures` puts together IS, IV, ISm, IVm, L5, M10, RA,
their onsets and the 7-day block figures from the readable formulas of
:mod:`ipsrt.rhythm.nonparametric`: bins of every size resampled afresh, one
average day per block. :func:`ipsrt.rhythm.panel` uses it for recordings the
fast path (:mod:`ipsrt.rhythm.nonparametric_many`) does not take (a UTC-offset
change in default mode, an epoch that does not divide the bin sizes in compat
mode), and the property tests hold the fast path to it.
"""

from __future__ import annotations

import numpy as np

from ipsrt.rhythm.epochs import DAY_S, Binned, FloatArray, IntArray, Prepared
from ipsrt.rhythm.nonparametric import (
    ISM_BIN_MINUTES,
    LMX,
    Params,
    active_counts,
    average_day,
    bins_for,
    is_of_bins,
    iv_of_bins,
    lmx_window,
    ra_of,
    too_few_days,
)

__all__ = [
    "BLOCK_KEYS",
    "SCALAR_KEYS",
    "WHY_ISM",
    "WHY_IVM",
    "nonparametric_figures",
    "week_blocks",
]

#: the panel's non-parametric figures: one value each, and one value per 7-day block
SCALAR_KEYS = ("IS", "IV", "ISm", "IVm", "L5", "M10", "RA", "L5_onset", "M10_onset")
BLOCK_KEYS = ("ISp", "IVp", "L5p", "M10p", "RAp")
#: why ISm / IVm is NaN
WHY_ISM = "IS is NaN at one or more bin sizes"
WHY_IVM = "IV is NaN at one or more bin sizes"
_WEEK_S = 7 * DAY_S


def week_blocks(utc: IntArray, step_s: int, compat: bool) -> list[tuple[int, int]]:
    """Index ranges ``[lo, hi)`` of the 7-day blocks of the items starting at *utc*.

    Blocks run from the first item; an incomplete last block is dropped.
    Compat mode (pyActigraphy's label slices): ``floor((last - first) / 7 d)``
    blocks, each including the item at its end.
    """
    t0 = int(utc[0])
    if compat:
        nb = (int(utc[-1]) - t0) // _WEEK_S
        ends = np.searchsorted(utc, t0 + _WEEK_S * np.arange(1, nb + 1), "right")
    else:
        nb = (int(utc[-1]) + step_s - t0) // _WEEK_S
        ends = np.searchsorted(utc, t0 + _WEEK_S * np.arange(1, nb + 1), "left")
    starts = np.searchsorted(utc, t0 + _WEEK_S * np.arange(nb), "left")
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _lmx_ra(
    sums: FloatArray, cnt: IntArray, epoch_s: int, compat: bool
) -> tuple[tuple[LMX, str | None], tuple[LMX, str | None], tuple[float, str | None]]:
    lo = lmx_window(sums, cnt, epoch_s, 5, True, compat)
    hi = lmx_window(sums, cnt, epoch_s, 10, False, compat)
    return lo, hi, ra_of(lo[0].value, hi[0].value)


def nonparametric_figures(
    p: Prepared, prm: Params, *, blocks: bool = True
) -> tuple[dict[str, float | tuple[float, ...]], dict[str, str]]:
    """Every non-parametric figure of the panel for one recording, and why each NaN is NaN.

    The reference: each figure straight from its definition (bins of every
    size resampled afresh, one average day per 7-day block).
    :func:`ipsrt.rhythm.nonparametric_many.nonparametric_many` gives the same
    figures for many recordings at once (``tests/rhythm/test_nonparametric_many.py``
    checks that it does).

    Keys: ``IS, IV, ISm, IVm, L5, M10, RA, L5_onset, M10_onset`` and, with
    *blocks*, ``ISp, IVp, L5p, M10p, RAp`` (tuples, one value per 7-day block).
    """
    out: dict[str, float | tuple[float, ...]] = {}
    why: dict[str, str] = {}
    if p.valid_days < prm.min_days:
        short = too_few_days(p.valid_days, prm.min_days)
        for k in SCALAR_KEYS:
            out[k], why[k] = np.nan, short
        if blocks:
            out.update(dict.fromkeys(BLOCK_KEYS, ()))
        return out, why
    q = active_counts(p, prm)
    hourly = bins_for(q, prm, prm.bin_minutes)
    for key, (val, reason) in (("IS", is_of_bins(hourly, prm)), ("IV", iv_of_bins(hourly, prm))):
        out[key] = val
        if reason:
            why[key] = reason
    ism, ivm = _ism_ivm(q, prm)
    for key, val, reason in (("ISm", ism, WHY_ISM), ("IVm", ivm, WHY_IVM)):
        out[key] = val
        if np.isnan(val):
            why[key] = reason
    (lo, lo_why), (hi, hi_why), (ra, ra_why) = _lmx_ra(
        *average_day(q.values, q.wall, q.epoch_s), q.epoch_s, prm.compat is not None
    )
    out.update(L5=lo.value, L5_onset=lo.onset, M10=hi.value, M10_onset=hi.onset, RA=ra)
    for k, r in (("L5", lo_why), ("L5_onset", lo_why), ("M10", hi_why), ("M10_onset", hi_why)):
        if r:
            why[k] = r
    if ra_why:
        why["RA"] = ra_why
    if blocks:
        out.update(_block_figures(q, hourly, prm))
    return out, why


def _ism_ivm(q: Prepared, prm: Params) -> tuple[float, float]:
    """Mean IS and IV over the bin sizes of :data:`ISM_BIN_MINUTES`.

    Default mode skips the sizes that are not a multiple of the epoch.
    """
    epoch_min = q.epoch_s / 60
    is_all, iv_all = [], []
    for m in ISM_BIN_MINUTES:
        if not prm.compat and m % epoch_min:
            continue
        b = bins_for(q, prm, m)
        is_all.append(is_of_bins(b, prm)[0])
        iv_all.append(iv_of_bins(b, prm)[0])
    if not is_all:
        return np.nan, np.nan
    return float(np.mean(is_all)), float(np.mean(iv_all))


def _block_figures(q: Prepared, hourly: Binned, prm: Params) -> dict[str, tuple[float, ...]]:
    """ISp, IVp (blocks of the bins) and L5p, M10p, RAp (blocks of the epochs)."""
    compat = prm.compat is not None
    isp, ivp, l5p, m10p, rap = [], [], [], [], []
    for lo, hi in week_blocks(hourly.utc, round(prm.bin_minutes * 60), compat):
        b = Binned(hourly.values[lo:hi], hourly.tod[lo:hi], hourly.utc[lo:hi], hourly.per_day)
        isp.append(is_of_bins(b, prm)[0])
        ivp.append(iv_of_bins(b, prm)[0])
    for lo, hi in week_blocks(q.utc, q.epoch_s, compat):
        sums, cnt = average_day(q.values[lo:hi], q.wall[lo:hi], q.epoch_s)
        (a, _), (z, _), (ra, _) = _lmx_ra(sums, cnt, q.epoch_s, compat)
        l5p.append(a.value)
        m10p.append(z.value)
        rap.append(ra)
    return {
        "ISp": tuple(isp),
        "IVp": tuple(ivp),
        "L5p": tuple(l5p),
        "M10p": tuple(m10p),
        "RAp": tuple(rap),
    }
