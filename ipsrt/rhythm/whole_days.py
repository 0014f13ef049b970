r"""IS and IV at every bin size for recordings of whole days without a gap.

:func:`ipsrt.rhythm.level_stats.level_stats_columns` works on all bin sizes side
by side in one (days x bins) matrix, which handles missing bins and both row
layouts. When every subject of a batch has whole local days and no missing
epoch (the common case of a clean cohort), the same figures need far less:
per bin size *k* (epochs) only four totals per subject,

.. math::

    T = \sum_i x_i,\quad Q = \sum_i x_i^2,\quad
    P = \sum_{i} x_i x_{i+1},\quad F = x_1^2 + x_n^2,

over the *n* bins in time order (days one after the other), and the
time-of-day profile :math:`S_c = \sum_r x_{rc}` (*R* days), from which, with
:math:`\bar x = T/n` and *b* bins per day (:math:`n = Rb`):

.. math::

    SS = Q - \bar x T,\quad
    IS = \frac{\sum_c (S_c/R - \bar x)^2 / (b - ddof)}{SS / (n - ddof)},\quad
    IV = \frac{(2Q - F - 2P) / (n - 1)}{SS / (n - ddof)}

since :math:`\sum_{i=1}^{n-1} (x_{i+1} - x_i)^2 = 2Q - F - 2P`. Without a
gap every time of day holds *R* bins, so the weights :math:`w_h = n_h p / n`
of the default IS are 1 and the profile's own mean (pyActigraphy's IS) is
:math:`\bar x`: both modes are the same formula here (van Someren et al.
1999; see :mod:`ipsrt.rhythm.nonparametric` for the definitions).

The bins of size *k* are summed from the largest size already computed that
divides *k* (as :func:`ipsrt.rhythm.grid.levels_array`), each kept as a
contiguous (subjects, days x bins) array, and *Q*, *P* are dot products
along its rows, one day at a time (``np.vecdot`` over rows of at most one
day, which BLAS runs on one thread). The profile of every size is binned
the same way from the epochs' profile. With whole-number counts every total
is exact; otherwise the figures agree with the matrix path to rounding.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ipsrt.rhythm.epochs import FloatArray, IntArray
from ipsrt.rhythm.level_stats import LevelStats

__all__ = ["WholeDayLevels", "whole_day_levels"]


@dataclass(frozen=True)
class WholeDayLevels:
    """What :func:`whole_day_levels` gives the batch panel."""

    sizes: tuple[int, ...]
    """Bin sizes (epochs), ascending; the columns of the stats arrays."""
    stats: LevelStats
    """(S, len(sizes)) arrays."""
    profile: FloatArray
    """(S, epochs of the day): the sum over the days of every epoch of the day."""
    binned: dict[int, FloatArray]
    """Per bin size, the (S, days, bins of the day) bins."""


@functools.lru_cache(maxsize=32)
def _plan(
    sizes: tuple[int, ...], per_day: int
) -> tuple[tuple[tuple[int, int, int], ...], IntArray]:
    """Per size (ascending): (size, source size, ratio); and the bins per day of each."""
    done = {1}
    steps = []
    for k in sizes:
        if per_day % k:
            raise ValueError(f"a bin of {k} epochs does not divide the day")
        src = max(j for j in done if k % j == 0)
        steps.append((k, src, k // src))
        done.add(k)
    bins = np.array([per_day // k for k in sizes], dtype=np.int64)
    bins.flags.writeable = False
    return tuple(steps), bins


def _coarser(src: FloatArray, r: int, out: FloatArray | None = None) -> FloatArray:
    """Sums of *r* successive values along the last axis (its length divisible by *r*)."""
    out = np.add(src[..., 0::r], src[..., 1::r], out=out)
    for j in range(2, r):
        out += src[..., j::r]
    return out


def workspace_size(sizes: list[int], per_day: int, subjects: int, days: int) -> int:
    """Float64 values of the *work* buffer :func:`whole_day_levels` needs."""
    return subjects * days * sum(per_day // k for k in set(sizes) if k != 1)


def whole_day_levels(
    values: FloatArray, sizes: list[int], ddof: int, work: FloatArray | None = None
) -> WholeDayLevels:
    """IS, IV and their counts at every bin size of (S, R, P) whole days without NaN.

    Parameters
    ----------
    values : numpy.ndarray
        (subjects, days, epochs of the day), no NaN; every subject's days
        in time order.
    sizes : list of int
        Bin sizes in epochs, each dividing the day.
    ddof : int
        Delta degrees of freedom of the variances (0 or 1).
    work : numpy.ndarray, optional
        A float64 buffer of at least :func:`workspace_size` values that
        holds the binned values (and is what ``binned`` refers to): a caller
        that runs many batches passes the same buffer each time, so that the
        binned arrays are not mapped afresh from the system batch after batch.

    Returns
    -------
    WholeDayLevels
        The stats equal :func:`ipsrt.rhythm.level_stats.level_stats_full` of the
        same data (to rounding; exactly for whole numbers).
    """
    s, rows, per_day = values.shape
    ks = tuple(sorted(set(sizes)))
    steps, nb = _plan(ks, per_day)
    flat: dict[int, FloatArray] = {1: values.reshape(s, rows * per_day)}
    prof: dict[int, FloatArray] = {1: values.sum(axis=1)}
    q = np.empty((len(ks), s))
    p = np.empty((len(ks), s))
    f = np.empty((len(ks), s))
    if work is None:
        work = np.empty(workspace_size(list(ks), per_day, s, rows))
    at = 0
    for i, (k, src, r) in enumerate(steps):
        if k not in flat:
            size = s * rows * per_day // k
            dest = work[at : at + size].reshape(s, -1)
            at += size
            flat[k] = _coarser(flat[src], r, dest)
            prof[k] = _coarser(prof[src], r)
        days = flat[k].reshape(s, rows, -1)
        # one day per dot product: short rows keep BLAS single-threaded
        q[i] = np.vecdot(days, days).sum(axis=1)
        cross = np.vecdot(days[..., 1:], days[..., :-1]).sum(axis=1)
        if rows > 1:
            cross += np.vecdot(days[:, 1:, 0], days[:, :-1, -1])
        p[i] = cross
        f[i] = days[:, 0, 0] ** 2 + days[:, -1, -1] ** 2
    profiles = np.concatenate([prof[k] for k in ks], axis=1)
    offs = np.concatenate(([0], np.cumsum(nb)[:-1]))
    tot = np.add.reduceat(profiles, offs, axis=1)
    n = np.broadcast_to((rows * nb).astype(np.float64), tot.shape)
    b = np.broadcast_to(nb.astype(np.float64), tot.shape)
    sq, pr, fl = q.T, p.T, f.T
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = tot / n
        ss = sq - mean * tot
        dev = profiles / rows - np.repeat(mean, nb, axis=1)
        dev *= dev
        num = np.add.reduceat(dev, offs, axis=1) / (b - ddof)
        var = ss / (n - ddof)
        is_ = num / var
        iv = ((2.0 * sq - fl - 2.0 * pr) / (n - 1.0)) / var
    bad = (n <= max(ddof, 1)) | (ss == 0.0)
    is_[bad | (b <= ddof)] = np.nan
    iv[bad | (n < 2)] = np.nan
    stats = LevelStats(is_, iv, n.copy(), ss, b.copy(), n - 1.0)
    binned = {k: flat[k].reshape(s, rows, -1) for k in ks}
    return WholeDayLevels(ks, stats, prof[1], binned)
