r"""Circular statistics of clock times on the 1440-minute day: the one implementation.

A clock time :math:`t` (minutes after local midnight) is the angle
:math:`\theta = 2\pi t / 1440`. For times :math:`t_1..t_n`, with
:math:`S = \sum \sin\theta_i`, :math:`C = \sum \cos\theta_i` and the mean
resultant length :math:`\bar R = \sqrt{S^2 + C^2} / n`:

* circular mean :math:`\bar t = \frac{1440}{2\pi}\operatorname{atan2}(S, C) \bmod 1440`;
* circular standard deviation :math:`s = \frac{1440}{2\pi}\sqrt{-2\ln\bar R}`
  (Fisher 1993, eq. 2.12), which for tightly clustered times equals the
  population standard deviation of the unwrapped times to first order.

Degenerate cases, the same everywhere in the project: NaN inputs are ignored;
with no values both figures are NaN; when :math:`\sqrt{S^2 + C^2} < 10^{-9} n`
(times spread evenly round the clock) the mean is undefined and NaN, and the
SD is that of :math:`\bar R = 0`, i.e. infinite. A mean that rounds to 1440
is reported as 0.

Every function exists once, in a scalar form and a grouped form computed from
the same sums (:func:`mean_from_sums`, :func:`sd_from_sums`), so a batch of
groups gives exactly what the scalar form gives group by group.

References
----------
Fisher, N. I. (1993). *Statistical Analysis of Circular Data*. Cambridge
University Press, sections 2.2-2.3.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "HALF_DAY",
    "MINUTES_PER_DAY",
    "distance",
    "grouped_mean_sd",
    "mean_from_sums",
    "mean_minutes",
    "sd_from_sums",
    "sd_minutes",
    "unwrap",
    "wrap",
]

MINUTES_PER_DAY = 1440
HALF_DAY = MINUTES_PER_DAY // 2
_RADIANS_PER_MINUTE = 2.0 * np.pi / MINUTES_PER_DAY
_DEGENERATE = 1e-9  # |resultant| below this times n: no direction

FloatArray = npt.NDArray[np.float64]


def _finite(values: npt.ArrayLike) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64).ravel()
    return arr[np.isfinite(arr)]


def mean_from_sums(s: npt.ArrayLike, c: npt.ArrayLike, n: npt.ArrayLike) -> FloatArray:
    """Circular mean (minutes) from the sums of sines *s*, cosines *c* and the count *n*.

    NaN where *n* is 0 or the resultant is shorter than ``1e-9 * n``.
    """
    s_ = np.asarray(s, dtype=np.float64)
    c_ = np.asarray(c, dtype=np.float64)
    n_ = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        mean = np.mod(np.arctan2(s_, c_) / _RADIANS_PER_MINUTE, MINUTES_PER_DAY)
        mean = np.where(MINUTES_PER_DAY - mean < 1e-9, 0.0, mean)
        undefined = (n_ <= 0) | (np.hypot(s_, c_) < _DEGENERATE * n_)
    return np.asarray(np.where(undefined, np.nan, mean), dtype=np.float64)


def sd_from_sums(s: npt.ArrayLike, c: npt.ArrayLike, n: npt.ArrayLike) -> FloatArray:
    r"""Circular SD (minutes) from the sums: :math:`\frac{1440}{2\pi}\sqrt{-2\ln\bar R}`.

    NaN where *n* is 0; :math:`\bar R` is clipped to 1 against rounding.
    """
    s_ = np.asarray(s, dtype=np.float64)
    c_ = np.asarray(c, dtype=np.float64)
    n_ = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.minimum(np.hypot(s_, c_) / n_, 1.0)
        sd = np.sqrt(-2.0 * np.log(r)) / _RADIANS_PER_MINUTE + 0.0
    return np.asarray(np.where(n_ > 0, sd, np.nan), dtype=np.float64)


def _sums(values: npt.ArrayLike) -> tuple[float, float, int]:
    arr = _finite(values)
    theta = arr * _RADIANS_PER_MINUTE
    return float(np.sin(theta).sum()), float(np.cos(theta).sum()), int(arr.size)


def mean_minutes(values: npt.ArrayLike) -> float:
    """Circular mean of clock times in minutes after midnight (see the module formulas)."""
    return float(mean_from_sums(*_sums(values)))


def sd_minutes(values: npt.ArrayLike) -> float:
    """Circular standard deviation of clock times, in minutes (see the module formulas)."""
    return float(sd_from_sums(*_sums(values)))


def grouped_mean_sd(
    groups: npt.ArrayLike, values: npt.ArrayLike, n_groups: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Circular mean, SD and count of *values* per group id ``0 <= g < n_groups``.

    NaN values are left out of their group. Group by group the figures equal
    :func:`mean_minutes` and :func:`sd_minutes` of that group's values up to
    the order of summation.
    """
    g = np.asarray(groups, dtype=np.int64)
    v = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(v)
    g, theta = g[ok], v[ok] * _RADIANS_PER_MINUTE
    s = np.bincount(g, weights=np.sin(theta), minlength=n_groups)
    c = np.bincount(g, weights=np.cos(theta), minlength=n_groups)
    n = np.bincount(g, minlength=n_groups).astype(np.float64)
    return mean_from_sums(s, c, n), sd_from_sums(s, c, n), n


def wrap(delta: npt.ArrayLike) -> FloatArray:
    """A difference of clock times mapped to the shorter way round, in ``[-720, 720)``."""
    d = np.asarray(delta, dtype=np.float64)
    return np.asarray(np.mod(d + HALF_DAY, MINUTES_PER_DAY) - HALF_DAY, dtype=np.float64)


def distance(a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    """Absolute circular difference of clock times, in ``[0, 720]``: 23:50 to 00:10 is 20."""
    return np.abs(wrap(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))


def unwrap(values: npt.ArrayLike, centre: npt.ArrayLike | None = None) -> FloatArray:
    """Map clock times onto a line around *centre* (default: their circular mean).

    Each time ``t`` becomes the representative of ``t + 1440 k`` in
    ``[centre - 720, centre + 720)``, so ordinary arithmetic is valid for
    times that straddle midnight: 23:50 and 00:10 around 0 become -10 and 10.
    NaN times, and every time when the centre is undefined (NaN), give NaN.
    *centre* may be an array broadcast against *values*.
    """
    arr = np.asarray(values, dtype=np.float64)
    ctr = mean_minutes(arr) if centre is None else np.asarray(centre, dtype=np.float64)
    # A whole number of days is subtracted, so a whole-minute time stays exact.
    days = np.floor((arr - ctr + HALF_DAY) / MINUTES_PER_DAY)
    return np.asarray(arr - MINUTES_PER_DAY * days, dtype=np.float64)
