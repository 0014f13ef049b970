r"""Non-parametric rest-activity metrics: IS, IV, L5, M10, RA and their variants.

This module is the **reference**: every figure computed straight from its
formula (``docs/rhythm.md``), one recording at a time, plain enough to be
checked line by line (:mod:`ipsrt.rhythm.nonparametric_figures` assembles
the panel's figures from it). :mod:`ipsrt.rhythm.nonparametric_many`
computes the same figures for many recordings at once (the fast path of
:func:`ipsrt.rhythm.panel` and :func:`ipsrt.rhythm.panel_many`); property
tests hold it to this module (``tests/rhythm/test_nonparametric_many.py``).

Two modes:

* **default** (``compat=None``): van Someren et al. (1999) formulas on raw
  counts, ``ddof=0``, bins aligned to local clock hours (the zone of the index
  or ``tz=``), bins with any missing epoch dropped, at least ``min_days``
  valid days. L5/M10 are mean counts per minute on the local-clock average
  day at the working epoch.
* ``compat="pyactigraphy"``: pyActigraphy 1.2.2 defaults exactly: binarise at
  ``> 4``, bins from the recording start, pandas ``var`` (``ddof=1``) with the
  profile variance taken about the profile mean, L5/M10 as the fraction of
  active epochs at the native epoch, ISm/IVm over the 22 divisors of 1440
  from 1 to 60 min, 7-day blocks whose slices include both ends and drop an
  incomplete last block.

Every function returns NaN when the figure cannot be computed;
:func:`ipsrt.rhythm.nonparametric_figures.nonparametric_figures` gives every
figure of the panel with the reason of each NaN.

References
----------
Van Someren, E. J. W., Swaab, D. F., Colenda, C. C., Cohen, W., McCall, W. V.
& Rosenquist, P. B. (1999). Bright light therapy: improved sensitivity to its
effects on rest-activity rhythms in Alzheimer patients by application of
nonparametric methods. *Chronobiology International* 16, 505-518.
https://doi.org/10.3109/07420529908998724

Gonçalves, B. S. B., Cavalcanti, P. R. A., Tavares, G. R., Campos, T. F. &
Araujo, J. F. (2014). Nonparametric methods in actigraphy: an update. *Sleep
Science* 7, 158-164. https://doi.org/10.1016/j.slsci.2014.09.013

Hammad, G. et al. (2021). pyActigraphy: open-source python package for
actigraphy data visualization and analysis. *PLoS Comput Biol* 17, e1009514.
https://doi.org/10.1371/journal.pcbi.1009514
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from ipsrt.errors import InvalidInputError
from ipsrt.rhythm.epochs import (
    DAY_S,
    Binned,
    FloatArray,
    IntArray,
    Prepared,
    bin_clock,
    bin_from_start,
    prepare,
)

__all__ = [
    "ISM_BIN_MINUTES",
    "LMX",
    "Params",
    "active_counts",
    "average_day",
    "bins_for",
    "interdaily_stability",
    "intradaily_variability",
    "is_of_bins",
    "is_undefined",
    "iv_of_bins",
    "iv_undefined",
    "l5",
    "lmx_window",
    "m10",
    "params_for",
    "ra_of",
    "relative_amplitude",
    "too_few_days",
]

Compat = Literal["pyactigraphy"] | None
#: the 22 divisors of 1440 from 1 to 60 min used for ISm/IVm
ISM_BIN_MINUTES = (1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 18, 20, 24, 30, 32, 36, 40, 45, 48, 60)


class LMX(NamedTuple):
    """Value of L5/M10 and the onset of its window in minutes after local midnight."""

    value: float
    onset: float


@dataclass(frozen=True)
class Params:
    """Explicit parameters of the non-parametric metrics (see :func:`params_for`)."""

    bin_minutes: float = 60.0
    binarize: bool = False
    threshold: float = 4.0
    ddof: int = 0
    min_days: float = 2.0
    compat: Compat = None


def params_for(compat: Compat = None, **overrides: object) -> Params:
    """Mode defaults, then *overrides* (``None`` values are ignored)."""
    if compat not in (None, "pyactigraphy"):
        raise InvalidInputError(f"unknown compat mode {compat!r}: use None or 'pyactigraphy'")
    base = (
        Params(binarize=True, threshold=4.0, ddof=1, min_days=0.0, compat="pyactigraphy")
        if compat
        else Params()
    )
    given = {k: v for k, v in overrides.items() if v is not None}
    return replace(base, **given)  # type: ignore[arg-type]


#: why a figure is NaN (the fast path gives the same reasons)
WHY_FEW_BINS = "too few valid bins"
WHY_NO_VARIANCE = "activity has zero variance"
WHY_FEW_TIMES_OF_DAY = "too few time-of-day bins"
WHY_FEW_PAIRS = "too few valid consecutive bins"
WHY_NO_EPOCHS = "no valid epochs"
WHY_DAY_HAS_GAPS = "the average day has times of day without valid data"
WHY_NO_WINDOW = "no valid window"


def too_few_days(valid_days: float, min_days: float) -> str:
    """The reason of every figure of a recording with fewer than *min_days* valid days."""
    return f"{valid_days:.2f} valid days, fewer than the minimum of {min_days:g}"


def is_undefined(n: float, ss: float, p: float, ddof: int) -> str | None:
    """Why IS of *n* valid bins, sum of squares *ss*, *p* times of day is undefined, or None."""
    if n <= max(ddof, 1):
        return WHY_FEW_BINS
    if ss == 0.0:
        return WHY_NO_VARIANCE
    if p <= ddof:
        return WHY_FEW_TIMES_OF_DAY
    return None


def iv_undefined(n: float, ss: float, pairs: float, ddof: int) -> str | None:
    """Why IV of *n* valid bins, sum of squares *ss*, *pairs* valid pairs is undefined, or None."""
    if n <= max(ddof, 1) or pairs == 0:
        return WHY_FEW_PAIRS
    if ss == 0.0:
        return WHY_NO_VARIANCE
    return None


def active_counts(p: Prepared, prm: Params) -> Prepared:
    """1 where the count is above the threshold, else 0 (NaN kept), when *prm* binarises."""
    if not prm.binarize:
        return p
    v = np.where(p.values > prm.threshold, 1.0, 0.0)
    v[np.isnan(p.values)] = np.nan
    return replace(p, values=v)


def bins_for(p: Prepared, prm: Params, minutes: float) -> Binned:
    """Bins of *minutes*: on the local clock (default) or from the first epoch (compat)."""
    bin_s = round(minutes * 60)
    return bin_from_start(p, bin_s) if prm.compat else bin_clock(p, bin_s)


def is_of_bins(b: Binned, prm: Params) -> tuple[float, str | None]:
    """IS of the bins *b* as :func:`interdaily_stability` defines it, and why it is NaN."""
    ok = ~np.isnan(b.values)
    x = b.values[ok]
    n = x.size
    mean = x.mean() if n else np.nan
    ss = float(((x - mean) ** 2).sum())
    n_h = np.bincount(b.tod[ok], minlength=b.per_day)  # valid bins per time of day
    sum_h = np.bincount(b.tod[ok], weights=x, minlength=b.per_day)
    has = n_h > 0
    p = int(has.sum())
    why = is_undefined(n, ss, p, prm.ddof)
    if why:
        return np.nan, why
    mean_h = sum_h[has] / n_h[has]
    if prm.compat:
        # pyActigraphy: the profile about its own mean, every time of day alike
        num = float(((mean_h - mean_h.mean()) ** 2).sum()) / (p - prm.ddof)
    else:
        w_h = n_h[has] * p / n
        num = float((w_h * (mean_h - mean) ** 2).sum()) / (p - prm.ddof)
    return num / (ss / (n - prm.ddof)), None


def iv_of_bins(b: Binned, prm: Params) -> tuple[float, str | None]:
    """IV of the bins *b* as :func:`intradaily_variability` defines it, and why it is NaN."""
    x = b.values
    valid = x[~np.isnan(x)]
    n = valid.size
    ss = float(((valid - valid.mean()) ** 2).sum()) if n else 0.0
    d = np.diff(x)
    d = d[~np.isnan(d)]  # successive pairs of two valid bins
    why = iv_undefined(n, ss, d.size, prm.ddof)
    if why:
        return np.nan, why
    return float((d**2).mean()) / (ss / (n - prm.ddof)), None


def average_day(values: FloatArray, wall: IntArray, epoch_s: int) -> tuple[FloatArray, IntArray]:
    """Per time of day (epochs from local midnight): sum and number of the valid values."""
    per_day = DAY_S // epoch_s
    ok = ~np.isnan(values)
    tod = ((wall[ok] % DAY_S) // epoch_s).astype(np.int64)
    cnt = np.bincount(tod, minlength=per_day).astype(np.int64)
    sums = np.bincount(tod, weights=values[ok], minlength=per_day).astype(np.float64)
    return sums, cnt


def lmx_window(
    sums: FloatArray, cnt: IntArray, epoch_s: int, hours: float, lowest: bool, compat: bool
) -> tuple[LMX, str | None]:
    """L5 (*lowest*) or M10 of the average day *sums* / *cnt*, as :func:`l5` defines it.

    Window *s* holds the profile values ``s .. s + w - 1`` taken cyclically
    (NaN, a time of day without data in compat mode, counts as 0; a window
    without any value is NaN); the onset is the first window within 1e-9
    (relative, at least 1e-9 absolute) of the lowest (highest) sum.
    """
    w = round(hours * 3600 / epoch_s)
    if not cnt.any():
        return LMX(np.nan, np.nan), WHY_NO_EPOCHS
    if (cnt == 0).any() and not compat:
        return LMX(np.nan, np.nan), WHY_DAY_HAS_GAPS
    prof = np.full(sums.size, np.nan)
    np.divide(sums, cnt, out=prof, where=cnt > 0)
    windows = sliding_window_view(np.concatenate((prof, prof[: w - 1])), w)
    has_value = ~np.isnan(windows).all(axis=1)
    if not has_value.any():
        return LMX(np.nan, np.nan), WHY_NO_WINDOW
    win = np.where(np.isnan(windows), 0.0, windows).sum(axis=1)
    best = win[has_value].min() if lowest else win[has_value].max()
    near = has_value & (np.abs(win - best) <= 1e-9 * max(1.0, abs(best)))
    s = int(np.flatnonzero(near)[0])
    value = float(win[s]) / w
    if not compat:
        value /= epoch_s / 60.0  # counts per minute
    return LMX(value, s * epoch_s / 60.0), None


def ra_of(l5_value: float, m10_value: float) -> tuple[float, str | None]:
    """RA = (M10 - L5) / (M10 + L5), or NaN and why."""
    if np.isnan(l5_value) or np.isnan(m10_value):
        return np.nan, "L5 or M10 is NaN"
    if m10_value + l5_value == 0:
        return np.nan, "L5 and M10 are both zero"
    return (m10_value - l5_value) / (m10_value + l5_value), None


def _run(
    counts: pd.Series, compat: Compat, tz: str | dt.tzinfo | None, **kw: object
) -> tuple[Prepared, Params]:
    prm = params_for(compat, **kw)
    if prm.bin_minutes <= 0:
        raise InvalidInputError("bin_minutes must be positive")
    return prepare(counts, tz=tz, compat=prm.compat is not None), prm


def interdaily_stability(
    counts: pd.Series,
    *,
    bin_minutes: float = 60.0,
    binarize: bool | None = None,
    threshold: float | None = None,
    ddof: int | None = None,
    min_days: float | None = None,
    tz: str | dt.tzinfo | None = None,
    compat: Compat = None,
) -> float:
    r"""Interdaily stability (IS): how closely each day follows the average day.

    .. math::

        IS = \frac{\sum_{h=1}^{p}w_h(\bar x_h-\bar x)^2/(p-\delta)}
                  {\sum_{i=1}^{n}(x_i-\bar x)^2/(n-\delta)},\qquad w_h = \frac{n_h\,p}{n}

    with bins :math:`x_i` (``bin_minutes``, default 1 h), time-of-day means
    :math:`\bar x_h`, grand mean :math:`\bar x` and ``ddof`` :math:`\delta`
    (0 by default, the textbook formula). Only valid bins count in *n*;
    *p* is the number of time-of-day bins with data and :math:`n_h` the
    valid bins at time of day *h*; :math:`w_h = 1` for complete days, so this
    is van Someren's formula; with missing bins or DST days the weights keep
    a perfect repeat at exactly 1. In
    ``compat="pyactigraphy"`` mode the numerator is ``var(ddof=1)`` of the
    profile about its own mean, on binarised counts, with bins from the start.

    Parameters
    ----------
    counts : pandas.Series
        Activity counts on a timezone-aware regular index; NaN = missing.
    bin_minutes, binarize, threshold, ddof, min_days
        Bin length; binarise (1 if count > threshold); ddof; minimum valid
        days (default 2, 0 in compat mode). ``None`` takes the mode default.
    tz : str or tzinfo, optional
        Zone for the local clock (default: the index's zone).
    compat : {None, "pyactigraphy"}

    Returns
    -------
    float
        IS in [0, 1] (ddof=0), NaN when it cannot be computed.

    References
    ----------
    van Someren et al. (1999), https://doi.org/10.3109/07420529908998724

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> idx = pd.date_range("2025-01-06", periods=8 * 60, freq="min", tz="UTC")
    >>> day = np.repeat([0.0, 10, 10, 0], 60)
    >>> interdaily_stability(pd.Series(np.tile(day, 2), idx), bin_minutes=60, min_days=0)
    1.0
    """
    p, prm = _run(
        counts, compat, tz, bin_minutes=bin_minutes, binarize=binarize,
        threshold=threshold, ddof=ddof, min_days=min_days,
    )  # fmt: skip
    if p.valid_days < prm.min_days:
        return np.nan
    return is_of_bins(bins_for(active_counts(p, prm), prm, prm.bin_minutes), prm)[0]


def intradaily_variability(
    counts: pd.Series,
    *,
    bin_minutes: float = 60.0,
    binarize: bool | None = None,
    threshold: float | None = None,
    ddof: int | None = None,
    min_days: float | None = None,
    tz: str | dt.tzinfo | None = None,
    compat: Compat = None,
) -> float:
    r"""Intradaily variability (IV): fragmentation of the rhythm.

    .. math::

        IV = \frac{\frac{1}{m}\sum_{(i-1,i)\ \mathrm{valid}}(x_i-x_{i-1})^2}
                  {\sum_{i=1}^{n}(x_i-\bar x)^2/(n-\delta)}

    where *m* counts successive pairs of bins that are both valid. Without
    missing bins and with :math:`\delta=0` this is van Someren's
    :math:`n\sum(x_i-x_{i-1})^2/((n-1)\sum(x_i-\bar x)^2)`; with
    :math:`\delta=1` it is pyActigraphy's ``diff().pow(2).mean()/var()``.
    Parameters as for :func:`interdaily_stability`.

    Returns
    -------
    float
        IV (about 0 for a smooth rhythm, about 2 for white noise), or NaN.

    References
    ----------
    van Someren et al. (1999), https://doi.org/10.3109/07420529908998724
    """
    p, prm = _run(
        counts, compat, tz, bin_minutes=bin_minutes, binarize=binarize,
        threshold=threshold, ddof=ddof, min_days=min_days,
    )  # fmt: skip
    if p.valid_days < prm.min_days:
        return np.nan
    return iv_of_bins(bins_for(active_counts(p, prm), prm, prm.bin_minutes), prm)[0]


def _lmx_public(
    counts: pd.Series,
    hours: float,
    lowest: bool,
    compat: Compat,
    tz: str | dt.tzinfo | None,
    binarize: bool | None,
    threshold: float | None,
    min_days: float | None,
) -> LMX:
    p, prm = _run(counts, compat, tz, binarize=binarize, threshold=threshold, min_days=min_days)
    if p.valid_days < prm.min_days:
        return LMX(np.nan, np.nan)
    q = active_counts(p, prm)
    sums, cnt = average_day(q.values, q.wall, q.epoch_s)
    return lmx_window(sums, cnt, q.epoch_s, hours, lowest, prm.compat is not None)[0]


def l5(
    counts: pd.Series,
    *,
    binarize: bool | None = None,
    threshold: float | None = None,
    min_days: float | None = None,
    tz: str | dt.tzinfo | None = None,
    compat: Compat = None,
) -> LMX:
    r"""L5: mean activity of the least active 5 h of the average day, and its onset.

    .. math::

        L5 = \min_{s}\ \frac{1}{w}\sum_{j=s}^{s+w-1}\bar x_{j \bmod M}

    over the cyclic average-day profile :math:`\bar x_j` at the working epoch
    (*M* epochs a day, window *w* = 5 h), so windows may cross midnight. The
    onset is *s* in minutes after local midnight (the first of tied windows).
    Default: counts per minute, every time of day must have data.
    Compat: fraction of epochs with count > 4 (per epoch), as pyActigraphy.

    References
    ----------
    Witting, W. et al. (1990). *Biol Psychiatry* 27, 563-572.
    https://doi.org/10.1016/0006-3223(90)90523-5;
    van Someren et al. (1999), https://doi.org/10.3109/07420529908998724
    """
    return _lmx_public(counts, 5, True, compat, tz, binarize, threshold, min_days)


def m10(
    counts: pd.Series,
    *,
    binarize: bool | None = None,
    threshold: float | None = None,
    min_days: float | None = None,
    tz: str | dt.tzinfo | None = None,
    compat: Compat = None,
) -> LMX:
    r"""M10: mean activity of the most active 10 h of the average day, and its onset.

    .. math::

        M10 = \max_{s}\ \frac{1}{w}\sum_{j=s}^{s+w-1}\bar x_{j \bmod M},\quad w = 10\,h

    See :func:`l5` for the profile and units.

    References
    ----------
    van Someren et al. (1999), https://doi.org/10.3109/07420529908998724
    """
    return _lmx_public(counts, 10, False, compat, tz, binarize, threshold, min_days)


def relative_amplitude(
    counts: pd.Series,
    *,
    binarize: bool | None = None,
    threshold: float | None = None,
    min_days: float | None = None,
    tz: str | dt.tzinfo | None = None,
    compat: Compat = None,
) -> float:
    r"""Relative amplitude :math:`RA = (M10 - L5)/(M10 + L5)`, in [0, 1].

    NaN when L5 or M10 is NaN or both are zero.

    References
    ----------
    van Someren et al. (1999), https://doi.org/10.3109/07420529908998724
    """
    kw = {"binarize": binarize, "threshold": threshold, "min_days": min_days}
    lo = l5(counts, tz=tz, compat=compat, **kw)  # type: ignore[arg-type]
    hi = m10(counts, tz=tz, compat=compat, **kw)  # type: ignore[arg-type]
    return ra_of(lo.value, hi.value)[0]
