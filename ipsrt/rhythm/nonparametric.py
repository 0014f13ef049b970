r"""Non-parametric rest-activity metrics: IS, IV, L5, M10, RA and their variants.

Two modes share one code path:

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

Every function returns NaN when the figure cannot be computed; use
:func:`summary` (as :func:`ipsrt.rhythm.panel` does) to get the reason too.

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
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

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
    "interdaily_stability",
    "intradaily_variability",
    "l5",
    "m10",
    "relative_amplitude",
    "summary",
]

Compat = Literal["pyactigraphy"] | None
#: the 22 divisors of 1440 from 1 to 60 min used for ISm/IVm
ISM_BIN_MINUTES = (1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 18, 20, 24, 30, 32, 36, 40, 45, 48, 60)
_WEEK_S = 7 * DAY_S


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


def _binarized(p: Prepared, prm: Params) -> Prepared:
    if not prm.binarize:
        return p
    v = np.where(p.values > prm.threshold, 1.0, 0.0)
    v[np.isnan(p.values)] = np.nan
    return replace(p, values=v)


def _bins(p: Prepared, prm: Params, minutes: float) -> Binned:
    bin_s = round(minutes * 60)
    return bin_from_start(p, bin_s) if prm.compat else bin_clock(p, bin_s)


def _is_core(b: Binned, prm: Params) -> tuple[float, str | None]:
    x = b.values
    ok = ~np.isnan(x)
    xv = x[ok]
    n = xv.size
    if n <= max(prm.ddof, 1):
        return np.nan, "too few valid bins"
    tod = b.tod[ok]
    cnt = np.bincount(tod, minlength=b.per_day)
    prof = np.bincount(tod, weights=xv, minlength=b.per_day)[cnt > 0] / cnt[cnt > 0]
    mean = xv.mean()
    ss = float(((xv - mean) ** 2).sum())
    if ss == 0.0:
        return np.nan, "activity has zero variance"
    p = prof.size
    if p <= prm.ddof:
        return np.nan, "too few time-of-day bins"
    if prm.compat:
        num = float(((prof - prof.mean()) ** 2).sum()) / (p - prm.ddof)
    else:
        # Weight each time of day by its share of bins (w_h = n_h p / n; all 1
        # without missing data or DST), so a perfect repeat gives exactly 1.
        w = cnt[cnt > 0] * p / n
        num = float((w * (prof - mean) ** 2).sum()) / (p - prm.ddof)
    return num / (ss / (n - prm.ddof)), None


def _iv_core(b: Binned, prm: Params) -> tuple[float, str | None]:
    x = b.values
    xv = x[~np.isnan(x)]
    n = xv.size
    d = np.diff(x)
    d = d[~np.isnan(d)]
    if n <= max(prm.ddof, 1) or d.size == 0:
        return np.nan, "too few valid consecutive bins"
    ss = float(((xv - xv.mean()) ** 2).sum())
    if ss == 0.0:
        return np.nan, "activity has zero variance"
    return float((d**2).mean()) / (ss / (n - prm.ddof)), None


def _lmx_core(
    values: FloatArray, wall: IntArray, epoch_s: int, hours: float, lowest: bool, prm: Params
) -> tuple[LMX, str | None]:
    per_day = DAY_S // epoch_s
    ok = ~np.isnan(values)
    tod = ((wall[ok] % DAY_S) // epoch_s).astype(np.int64)
    cnt = np.bincount(tod, minlength=per_day).astype(np.int64)
    sums = np.bincount(tod, weights=values[ok], minlength=per_day).astype(np.float64)
    return _lmx_profile(sums, cnt, epoch_s, hours, lowest, prm)


def _lmx_profile(
    sums: FloatArray, cnt: IntArray, epoch_s: int, hours: float, lowest: bool, prm: Params
) -> tuple[LMX, str | None]:
    """L5/M10 from the per-time-of-day sums and counts of valid epochs (cyclic)."""
    w = round(hours * 3600 / epoch_s)
    if not cnt.any():
        return LMX(np.nan, np.nan), "no valid epochs"
    with np.errstate(invalid="ignore", divide="ignore"):
        prof = sums / cnt
    missing = cnt == 0
    if missing.any() and not prm.compat:
        return LMX(np.nan, np.nan), "the average day has times of day without valid data"
    win = cyclic_window_sums(prof[None, :], w)[0][0]
    if np.isnan(prof).any():
        if np.isnan(win).all():
            return LMX(np.nan, np.nan), "no valid window"
        best = np.nanmin(win) if lowest else np.nanmax(win)
    else:
        best = win.min() if lowest else win.max()
    tol = 1e-9 * max(1.0, abs(best))
    hit = np.abs(win - best) <= tol
    i = int(np.flatnonzero(hit)[0])
    value = float(win[i]) / w
    if not prm.compat:
        value /= epoch_s / 60.0  # counts per minute
    return LMX(value, i * epoch_s / 60.0), None


def cyclic_window_sums(prof: FloatArray, *ws: int) -> list[FloatArray]:
    r"""Cyclic sums of *w* successive values of every row of *prof* (K, P), per *w* of *ws*.

    .. math:: W_{k,s} = \sum_{j=0}^{w-1} p_{k,(s+j) \bmod P}, \quad s = 0 .. P-1

    from one cumulative sum :math:`C` along each row (:math:`C_0 = 0`):
    :math:`W_s = C_{s+w} - C_s` when the window does not wrap, else
    :math:`(C_P - C_s) + C_{s+w-P}`. NaN values count as 0, and a window
    without any valid value is NaN. ``1 <= w <= P``. One cumulative sum
    serves every *w*.
    """
    k, per_day = prof.shape
    nan = np.isnan(prof)
    any_nan = bool(nan.any())
    cs = np.empty((k, per_day + 1))
    cs[:, 0] = 0.0
    np.cumsum(np.where(nan, 0.0, prof) if any_nan else prof, axis=1, out=cs[:, 1:])
    wins = [_wrap_windows(cs, w) for w in ws]
    if any_nan:
        nv = np.zeros((k, per_day + 1), dtype=np.int64)
        np.cumsum(~nan, axis=1, out=nv[:, 1:])
        for w, win in zip(ws, wins, strict=True):
            win[_wrap_windows(nv, w) == 0] = np.nan
    return wins


def _wrap_windows(cs: npt.NDArray[Any], w: int) -> npt.NDArray[Any]:
    per_day = cs.shape[1] - 1
    split = per_day - w + 1
    win = np.empty((cs.shape[0], per_day), dtype=cs.dtype)
    np.subtract(cs[:, w:], cs[:, :split], out=win[:, :split])
    if split < per_day:
        tail = win[:, split:]
        np.subtract(cs[:, per_day:], cs[:, split:per_day], out=tail)
        tail += cs[:, 1:w]
    return win


def _ra(l5v: float, m10v: float) -> tuple[float, str | None]:
    if np.isnan(l5v) or np.isnan(m10v):
        return np.nan, "L5 or M10 is NaN"
    if m10v + l5v == 0:
        return np.nan, "L5 and M10 are both zero"
    return (m10v - l5v) / (m10v + l5v), None


def summary(
    p: Prepared, prm: Params, *, blocks: bool = True
) -> tuple[dict[str, float | tuple[float, ...]], dict[str, str]]:
    """All non-parametric figures of a prepared recording, and reasons for NaNs.

    See :func:`ipsrt.rhythm.np_summary.summary`.
    """
    from ipsrt.rhythm.np_summary import summary as run

    return run(p, prm, blocks=blocks)


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
    return _is_core(_bins(_binarized(p, prm), prm, prm.bin_minutes), prm)[0]


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
    return _iv_core(_bins(_binarized(p, prm), prm, prm.bin_minutes), prm)[0]


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
    q = _binarized(p, prm)
    return _lmx_core(q.values, q.wall, q.epoch_s, hours, lowest, prm)[0]


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
    return _ra(lo.value, hi.value)[0]
