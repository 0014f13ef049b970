r"""IS and IV at every bin size from per-level totals, for recordings laid out in local days.

:func:`ipsrt.rhythm.level_stats.level_stats_columns` works on all bin sizes
side by side in one (days x bins) matrix, which handles both row layouts.
When the rows are consecutive local days from midnight (the default layout)
the same figures need far less. Without a missing epoch,
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

With missing bins (NaN: a bin that holds a missing epoch), the bins are
taken with 0 for the missing ones (:math:`z_i`), so that *T*, *Q*, *P*, *F*
and the profile sums come out of the same computation; *n*, the profile's
counts, the number of successive pairs of valid bins and their squared
differences are then corrected from the sparse list of missing bins: in
:math:`\sum_i (z_{i+1} - z_i)^2` over all pairs, a missing bin (0) leaves
the square of each valid neighbour once, which is taken back out, and the
pairs it breaks are not counted (a pair of two missing bins once). IS then
weighs the times of day by their valid counts (:math:`w_h = n_h p / n`,
:func:`ipsrt.rhythm.level_stats.is_numerator`): the default mode.

The bins of size *k* are summed from the largest size already computed that
divides *k* (as :func:`ipsrt.rhythm.grid.levels_array`), each kept as a
contiguous (subjects, days x bins) array, and *Q*, *P* are dot products
along its rows, one day at a time (``np.vecdot`` over rows of at most one
day, which BLAS runs on one thread). The profile of every size is binned
the same way from the epochs' profile (with gaps: summed over the days).
With whole-number counts every total is exact; otherwise the figures agree
with the matrix path to rounding.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ipsrt.rhythm.epochs import FloatArray, IntArray
from ipsrt.rhythm.grid import Workspace
from ipsrt.rhythm.level_stats import LevelStats, figures, is_numerator

__all__ = ["WholeDayLevels", "whole_day_levels"]


@dataclass(frozen=True)
class WholeDayLevels:
    """What :func:`whole_day_levels` gives the batch panel."""

    sizes: tuple[int, ...]
    """Bin sizes (epochs), ascending; the columns of the stats arrays."""
    stats: LevelStats
    """(S, len(sizes)) arrays."""
    profile: FloatArray
    """(S, epochs of the day): the sum over the days of every epoch of the day (valid ones)."""
    counts: IntArray
    """(S, epochs of the day): the number of valid epochs summed in ``profile``."""
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
    values: FloatArray,
    sizes: list[int],
    ddof: int,
    work: FloatArray | None = None,
    ws: Workspace | None = None,
    keep: tuple[int, ...] | None = None,
) -> WholeDayLevels:
    """IS, IV and their counts at every bin size of (S, R, P) local days.

    Parameters
    ----------
    values : numpy.ndarray
        (subjects, days, epochs of the day), NaN = missing; every subject's
        days in time order from local midnight (the default layout: a bin
        holding a missing epoch is missing). Not modified.
    sizes : list of int
        Bin sizes in epochs, each dividing the day.
    ddof : int
        Delta degrees of freedom of the variances (0 or 1).
    work : numpy.ndarray, optional
        A float64 buffer of at least :func:`workspace_size` values for the
        binned values: a caller that runs many batches passes the same
        buffer each time, so that they are not mapped afresh from the system
        batch after batch.
    ws : Workspace, optional
        Where a copy of *values* goes when it has missing epochs.
    keep : tuple of int, optional
        The sizes whose bins ``binned`` holds (default: all).

    Returns
    -------
    WholeDayLevels
        The stats equal :func:`ipsrt.rhythm.level_stats.level_stats_full` of
        the same data in the default mode (to rounding; exactly for whole
        numbers); without a missing epoch also in compat mode (both modes
        are one formula there).
    """
    s, rows, per_day = values.shape
    ks = tuple(sorted(set(sizes)))
    steps, nb = _plan(ks, per_day)
    if work is None:
        work = np.empty(workspace_size(list(ks), per_day, s, rows))
    flat, coarse = _binned_flat(values, steps, work)
    keep = ks if keep is None else keep
    gaps = bool(np.isnan(values).any())
    binned = {k: flat[k].reshape(s, rows, -1) for k in keep}
    offs = np.concatenate(([0], np.cumsum(nb)[:-1]))
    if gaps:
        # the missing bins become 0 in the binned values (level 1 in a copy),
        # and what they took out is counted from their sparse positions
        binned = {k: v.copy() for k, v in binned.items()}
        fine = np.empty(values.size) if ws is None else ws.array("whole_days_fine", (values.size,))
        np.copyto(fine, values.reshape(-1))
        flat[1] = fine.reshape(s, -1)
        gap = _zero_missing(flat, fine, coarse, ks, nb, offs, rows)
    q = np.empty((len(ks), s))
    p = np.empty((len(ks), s))
    f = np.empty((len(ks), s))
    for i, k in enumerate(ks):
        days = flat[k].reshape(s, rows, -1)
        # one day per dot product: short rows keep BLAS single-threaded
        q[i] = np.vecdot(days, days).sum(axis=1)
        cross = np.vecdot(days[..., 1:], days[..., :-1]).sum(axis=1)
        if rows > 1:
            cross += np.vecdot(days[:, 1:, 0], days[:, :-1, -1])
        p[i] = cross
        f[i] = days[:, 0, 0] ** 2 + days[:, -1, -1] ** 2
    n_all = np.broadcast_to((rows * nb).astype(np.float64), (s, len(ks)))
    sq, pr, fl = q.T, p.T, f.T
    if gaps:
        profiles = np.concatenate([flat[k].reshape(s, rows, -1).sum(axis=1) for k in ks], axis=1)
        counts = rows - gap.per_column
        n = n_all - gap.missing
        pairs = (n_all - 1.0) - gap.broken_pairs
        d2 = 2.0 * sq - fl - 2.0 * pr - gap.neighbour_sq
    else:
        prof = {1: values.sum(axis=1)}
        for k, src, r in steps:
            if k not in prof:
                prof[k] = _coarser(prof[src], r)
        profiles = np.concatenate([prof[k] for k in ks], axis=1)
        counts = np.full(profiles.shape, float(rows))
        n, pairs, d2 = n_all.copy(), n_all - 1.0, 2.0 * sq - fl - 2.0 * pr
    with np.errstate(invalid="ignore", divide="ignore"):
        tot = np.add.reduceat(profiles, offs, axis=1)
        mean = tot / n
        ss = sq - mean * tot
        num, b = is_numerator(profiles, counts, mean, n, offs, nb, ddof, not gaps)
    stats = figures(num, ss, n, b, d2, pairs, ddof)
    if 1 in ks:
        one = slice(int(offs[ks.index(1)]), int(offs[ks.index(1)] + nb[ks.index(1)]))
        profile, cnt = profiles[:, one].copy(), counts[:, one].astype(np.int64)
    else:
        miss = np.isnan(values)
        profile = np.where(miss, 0.0, values).sum(axis=1)
        cnt = (rows - miss.sum(axis=1)).astype(np.int64)
    return WholeDayLevels(ks, stats, profile, cnt, binned)


def _binned_flat(
    values: FloatArray, steps: tuple[tuple[int, int, int], ...], work: FloatArray
) -> tuple[dict[int, FloatArray], FloatArray]:
    """Every bin size as a contiguous (S, days x bins) array (NaN propagates).

    The sizes other than 1 (a view of *values*) lie one after the other, in
    ascending order, in the part of *work* returned second.
    """
    s, rows, per_day = values.shape
    flat: dict[int, FloatArray] = {1: values.reshape(s, rows * per_day)}
    at = 0
    for k, src, r in steps:
        if k not in flat:
            size = s * rows * per_day // k
            flat[k] = _coarser(flat[src], r, work[at : at + size].reshape(s, -1))
            at += size
    return flat, work[:at]


@dataclass(frozen=True)
class _Gaps:
    """What the missing bins take out, per (subject, size) or per column."""

    missing: FloatArray
    """(S, L) missing bins."""
    broken_pairs: FloatArray
    """(S, L) successive pairs with a missing bin."""
    neighbour_sq: FloatArray
    """(S, L) squares of the valid neighbours of missing bins."""
    per_column: FloatArray
    """(S, C) missing bins of every column (time of day of every size)."""


def _zero_missing(
    flat: dict[int, FloatArray],
    fine: FloatArray,
    coarse: FloatArray,
    ks: tuple[int, ...],
    nb: IntArray,
    offs: IntArray,
    rows: int,
) -> _Gaps:
    r"""Set the missing bins of every size to 0, in place, and count what they take out.

    In time order a missing bin *i* (now 0) breaks the pairs with its
    neighbours, and :math:`\sum (z_{i+1} - z_i)^2` over all pairs holds
    the square of each valid neighbour once per such pair: both are taken
    back out (a pair of two missing bins counts once).
    """
    s = flat[1].shape[0]
    nsz = len(ks)
    missing = np.zeros(nsz * s)
    broken = np.zeros(nsz * s)
    nsq = np.zeros(nsz * s)
    per_col = np.zeros(s * int(nb.sum()))
    coarse_ks = [k for k in ks if k != 1]
    lengths = np.array([flat[k].size for k in coarse_ks], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    for buf, group, group_starts in (
        (fine, [1] if 1 in ks else [], np.zeros(1, dtype=np.int64)),
        (coarse, coarse_ks, starts),
    ):
        if not group or buf.size == 0:
            continue
        at = np.flatnonzero(np.isnan(buf))
        if at.size == 0:
            continue
        buf[at] = 0.0
        g = np.searchsorted(group_starts, at, side="right") - 1
        size_i = np.array([ks.index(k) for k in group], dtype=np.int64)[g]
        per_subject = rows * nb[size_i]  # bins of one subject at that size
        local = at - group_starts[g]
        subj, t = np.divmod(local, per_subject)
        key = size_i * s + subj
        left, right = t > 0, t < per_subject - 1
        z_left, z_right = buf[at[left] - 1], buf[at[right] + 1]
        is_missing = np.zeros(buf.size + 1, dtype=bool)
        is_missing[at] = True
        both = right & is_missing[at + 1]
        m = nsz * s
        missing += np.bincount(key, minlength=m)
        broken += np.bincount(key, weights=left.astype(np.float64) + right, minlength=m)
        broken -= np.bincount(key[both], minlength=m)
        nsq += np.bincount(key[left], weights=z_left * z_left, minlength=m)
        nsq += np.bincount(key[right], weights=z_right * z_right, minlength=m)
        col = subj * int(nb.sum()) + offs[size_i] + t % nb[size_i]
        per_col += np.bincount(col, minlength=per_col.size)
    return _Gaps(
        missing.reshape(nsz, s).T,
        broken.reshape(nsz, s).T,
        nsq.reshape(nsz, s).T,
        per_col.reshape(s, -1),
    )
