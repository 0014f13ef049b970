r"""IS and IV of every bin size from a level matrix (:class:`ipsrt.rhythm.grid.Levels`).

Per level, with valid bins :math:`x_i` (n of them), time-of-day groups h
(:math:`n_h` valid bins, mean :math:`\bar x_h`, p groups with data):

* IS = [sum_h w_h (xbar_h - xbar)^2 / (p - ddof)] / [sum_i (x_i - xbar)^2 / (n - ddof)],
  w_h = n_h p / n (default, van Someren et al. 1999), or the profile taken
  about its own mean with w_h = 1 (pyActigraphy 1.2.2);
* IV = mean over valid successive pairs of (x_i - x_{i-1})^2 divided by the
  same variance.

Every reduction runs along the rows (days) of the matrix for all levels at
once; the levels are then told apart by ``np.add.reduceat`` over their
column ranges. See :mod:`ipsrt.rhythm.nonparametric` for the definitions
and references.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ipsrt.rhythm.epochs import FloatArray, IntArray
from ipsrt.rhythm.grid import Levels, Workspace, _scratch

__all__ = [
    "LevelStats",
    "figures",
    "is_numerator",
    "level_stats",
    "level_stats_columns",
    "level_stats_full",
]


def _segment_sums(a: FloatArray, offsets: IntArray, widths: IntArray) -> FloatArray:
    """Sums of ``a[..., o : o + w]`` for each (o, w) (w >= 1), along the last axis."""
    tiled = offsets[0] == 0 and offsets[-1] + widths[-1] == a.shape[-1]
    if tiled and (offsets[1:] == offsets[:-1] + widths[:-1]).all():
        # the segments tile the axis: one reduceat over their starts
        return np.add.reduceat(a, offsets, axis=-1)
    idx = np.empty(2 * offsets.size, dtype=np.int64)
    idx[0::2] = offsets
    idx[1::2] = offsets + widths
    if idx[-1] >= a.shape[-1]:
        a = np.concatenate((a, np.zeros((*a.shape[:-1], 1))), axis=-1)
    return np.add.reduceat(a, idx, axis=-1)[..., 0::2]


@dataclass(frozen=True)
class LevelStats:
    """IS and IV of every level, with the counts behind them (for the reasons)."""

    is_: FloatArray
    iv: FloatArray
    n: FloatArray
    """Valid bins."""
    ss: FloatArray
    """Sum of squared deviations from the mean."""
    p: FloatArray
    """Times of day with data."""
    pairs: FloatArray
    """Valid successive pairs."""


def level_stats(lv: Levels, ddof: int, compat: bool) -> tuple[FloatArray, FloatArray]:
    r"""IS and IV of every level (NaN where undefined), as :func:`ipsrt.rhythm.nonparametric`.

    Per level, with valid bins :math:`x_i` (n of them), time-of-day groups h
    (:math:`n_h` valid bins, mean :math:`\bar x_h`, p groups with data):

    * IS = [sum_h w_h (xbar_h - xbar)^2 / (p - ddof)] / [sum_i (x_i - xbar)^2 / (n - ddof)],
      w_h = n_h p / n (default), or the profile taken about its own mean with
      w_h = 1 (compat);
    * IV = mean over valid successive pairs of (x_i - x_{i-1})^2 divided by
      the same variance.

    ``lv.matrix`` may carry leading axes (``(..., R, C)``, e.g. subjects x
    days x bins): every reduction runs along the last two axes, so each
    leading index gives what its own ``(R, C)`` matrix gives.
    """
    st = level_stats_full(lv, ddof, compat)
    return st.is_, st.iv


def level_stats_full(lv: Levels, ddof: int, compat: bool) -> LevelStats:
    """:func:`level_stats` with the counts behind each value."""
    return level_stats_columns(lv, ddof, compat)[0]


def level_stats_columns(
    lv: Levels,
    ddof: int,
    compat: bool,
    *,
    nan_free: bool = False,
    ws: Workspace | None = None,
    overwrite: bool = False,
) -> tuple[LevelStats, FloatArray, FloatArray]:
    """:func:`level_stats_full`, plus the sum and the number of valid bins of every column.

    Both ``(..., C)``, over the rows (days): for the level of size 1 they are
    the time-of-day profile of the epochs. *nan_free*: the caller knows that
    ``lv.matrix`` holds no NaN (it is not searched). *overwrite*: the
    missing bins of ``lv.matrix`` may be set to 0 in place (else they are
    zeroed in a copy, in the buffer ``"zeroed"`` of *ws*).
    """
    B = lv.matrix
    rows = B.shape[-2]
    miss = np.zeros(0, dtype=np.int64) if nan_free else np.flatnonzero(np.isnan(B))
    if miss.size == 0 and bool((lv.bins >= 2).all()):
        sum_col = B.sum(axis=-2)
        cnt_col = np.full(sum_col.shape, rows, dtype=np.float64)
        return _stats_without_gaps(lv, ddof, sum_col), sum_col, cnt_col
    return _stats_with_gaps(lv, ddof, compat, miss, ws, overwrite)


def _stats_with_gaps(
    lv: Levels,
    ddof: int,
    compat: bool,
    miss: IntArray,
    ws: Workspace | None,
    overwrite: bool,
) -> tuple[LevelStats, FloatArray, FloatArray]:
    r""":func:`level_stats_columns` of a matrix with missing bins at the flat indices *miss*.

    Missing bins are 0 in the sums (:math:`z`) and left out of every count,
    which the sparse list of missing bins gives per column (bincount). The
    sum of squares about the mean is :math:`\sum z^2 - \bar x \sum z` over
    the valid bins; the squared differences of the successive pairs inside
    rows are :math:`z_c^2 + z_{c+1}^2 - 2 z_c z_{c+1}` summed over all pairs
    (three column sums over the rows), less, for every pair with one
    missing bin, the square of its valid bin (0 when both are missing).
    """
    B = lv.matrix
    rows, width = B.shape[-2], B.shape[-1]
    lead = B.shape[:-2]
    offs, nbin = lv.offsets, lv.bins
    ends = offs + nbin - 1
    if rows > 1:
        # the pairs across row ends, from the bins with their NaN
        E = B[..., 1:, offs] - B[..., :-1, ends]
        enan = np.isnan(E)
        end_sq = np.where(enan, 0.0, E * E).sum(axis=-2)
        end_pairs = (~enan).sum(axis=-2)
    if overwrite and B.flags.c_contiguous:
        Bz = B
    else:
        Bz = _scratch(ws, "zeroed", B.shape)
        np.copyto(Bz, B)
    flat = Bz.reshape(-1)
    flat[miss] = 0.0
    col = miss % width
    cell = miss // width  # (lead..., row) of each missing bin
    grp = (cell // rows) * width  # first column of its (lead...) block
    ncol = math.prod(lead) * width
    nan_cnt = np.bincount(grp + col, minlength=ncol).reshape(*lead, width)
    cnt_col = (rows - nan_cnt).astype(np.float64)
    sum_col = Bz.sum(axis=-2)
    sq_col = np.einsum("...rc,...rc->...c", Bz, Bz)
    cross = np.einsum("...rc,...rc->...c", Bz[..., 1:], Bz[..., :-1])
    # pairs (c, c + 1) of a row with a missing bin: the valid one's square
    # is taken back out (a missing neighbour is 0 already); pair index c of
    # the block is grp // width * (width - 1) + c
    pair_base = (grp // width) * (width - 1)
    right = col < width - 1
    left = col > 0
    npair = math.prod(lead) * (width - 1)
    z_right = flat[miss[right] + 1]
    z_left = flat[miss[left] - 1]
    corr = np.bincount(pair_base[right] + col[right], weights=z_right * z_right, minlength=npair)
    corr += np.bincount(pair_base[left] + col[left] - 1, weights=z_left * z_left, minlength=npair)
    # pairs with both bins missing, counted once per pair
    is_nan = np.zeros(flat.size + 1, dtype=bool)
    is_nan[miss] = True
    both = right & is_nan[miss + 1]
    both_cnt = np.bincount(pair_base[both] + col[both], minlength=npair)
    d2 = sq_col[..., 1:] + sq_col[..., :-1] - 2.0 * cross - corr.reshape(*lead, width - 1)
    bad_pairs = nan_cnt[..., 1:] + nan_cnt[..., :-1] - both_cnt.reshape(*lead, width - 1)
    n = _segment_sums(cnt_col, offs, nbin)
    tot = _segment_sums(sum_col, offs, nbin)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = tot / n
        ss = _segment_sums(sq_col, offs, nbin) - mean * tot
        num, p = is_numerator(sum_col, cnt_col, mean, n, offs, nbin, ddof, compat)
        sq = _within(d2, offs, nbin)
        pairs = _within((rows - bad_pairs).astype(np.float64), offs, nbin)
        if rows > 1:
            sq = sq + end_sq
            pairs = pairs + end_pairs
    return figures(num, ss, n, p, sq, pairs, ddof), sum_col, cnt_col


def figures(
    num: FloatArray,
    ss: FloatArray,
    n: FloatArray,
    p: FloatArray,
    d2: FloatArray,
    pairs: FloatArray,
    ddof: int,
) -> LevelStats:
    """IS = num / (ss / (n - ddof)), IV = (d2 / pairs) / (ss / (n - ddof)), NaN where undefined.

    Undefined: at most ``max(ddof, 1)`` valid bins or no variance (both),
    at most *ddof* times of day with data (IS), no pair of valid bins (IV).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        var = ss / (n - ddof)
        is_ = num / var
        iv = (d2 / pairs) / var
    bad = (n <= max(ddof, 1)) | (ss == 0.0)
    is_[bad | (p <= ddof)] = np.nan
    iv[bad | (pairs == 0)] = np.nan
    return LevelStats(is_, iv, n, ss, p, pairs)


def is_numerator(
    sum_col: FloatArray,
    cnt_col: FloatArray,
    mean: FloatArray,
    n: FloatArray,
    offs: IntArray,
    nbin: IntArray,
    ddof: int,
    compat: bool,
) -> tuple[FloatArray, FloatArray]:
    r"""Numerator of IS per level, and *p*, from the columns' sums and valid counts.

    With the profile :math:`\bar x_h = S_h / n_h` over the *p* times of day
    with data: :math:`\sum_h w_h (\bar x_h - \bar x)^2 / (p - ddof)`,
    :math:`w_h = n_h p / n` (default), or :math:`\sum_h (\bar x_h - \bar{\bar x})^2
    / (p - ddof)` about the profile's own mean (compat). Columns as
    :func:`level_stats_columns` (``(..., C)``, levels side by side);
    *mean* and *n* per level. Call under ``np.errstate(invalid="ignore",
    divide="ignore")``.
    """
    has = cnt_col > 0
    p = _segment_sums(has.astype(np.float64), offs, nbin)
    if compat:
        # pyActigraphy: the profile about its own mean, every time of day alike
        prof = np.where(has, sum_col / np.where(has, cnt_col, 1.0), 0.0)
        pd_ = prof - np.repeat(_segment_sums(prof, offs, nbin) / p, nbin, axis=-1)
        pd_[~has] = 0.0
        return _segment_sums(pd_ * pd_, offs, nbin) / (p - ddof), p
    # n_h (xbar_h - xbar)^2 = (S_h - n_h xbar)^2 / n_h, 0 where n_h = 0
    dev = sum_col - cnt_col * np.repeat(mean, nbin, axis=-1)
    dev *= dev
    np.divide(dev, cnt_col, out=dev, where=has)
    return _segment_sums(dev, offs, nbin) * (p / n) / (p - ddof), p


def _stats_without_gaps(lv: Levels, ddof: int, sum_col: FloatArray) -> LevelStats:
    r""":func:`level_stats_full` of a level matrix without a missing bin (every level >= 2 bins).

    With *R* rows and :math:`b` bins per row in a level, every column holds
    *R* values, so :math:`n = Rb`, *p* = *b*, the weights :math:`w_h` are 1
    and the profile's own mean is the grand mean (both modes agree). Per
    level, from the column sums :math:`S_c`, the column sums of squares
    :math:`Q_c = \sum_r x_{rc}^2` and the products :math:`P_c = \sum_r
    x_{rc} x_{r,c+1}`:

    .. math::

        SS = \sum_c Q_c - \bar x \sum_c S_c, \quad
        IS = \frac{\sum_c (S_c/R - \bar x)^2 / (b - ddof)}{SS / (n - ddof)},

        \sum (x_{i+1} - x_i)^2 = 2\sum_c Q_c - Q_{first} - Q_{last}
        - 2\sum_{c < last} P_c + \sum_{r} (x_{r+1,first} - x_{r,last})^2

    over the :math:`R(b-1) + R - 1` successive pairs (inside rows, then
    across row ends), exact for whole-number values.
    """
    B = lv.matrix
    rows = B.shape[-2]
    offs, nbin = lv.offsets, lv.bins
    ends = offs + nbin - 1
    tot = np.add.reduceat(sum_col, offs, axis=-1)
    lead = tot.shape
    n = np.broadcast_to((rows * nbin).astype(np.float64), lead)
    p = np.broadcast_to(nbin.astype(np.float64), lead)
    sq_col = np.einsum("...rc,...rc->...c", B, B)
    sq = np.add.reduceat(sq_col, offs, axis=-1)
    cross = np.einsum("...rc,...rc->...c", B[..., 1:], B[..., :-1])
    cross[..., offs[1:] - 1] = 0.0  # pairs across two levels
    d2 = 2.0 * (sq - np.add.reduceat(cross, offs, axis=-1)) - sq_col[..., offs] - sq_col[..., ends]
    pairs = np.broadcast_to((rows * (nbin - 1) + rows - 1).astype(np.float64), lead)
    if rows > 1:
        e = B[..., 1:, offs] - B[..., :-1, ends]
        d2 += np.einsum("...rc,...rc->...c", e, e)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = tot / n
        ss = sq - mean * tot
        dev = sum_col / rows - np.repeat(mean, nbin, axis=-1)
        dev *= dev
        num = np.add.reduceat(dev, offs, axis=-1) / (p - ddof)
    return figures(num, ss, n.copy(), p.copy(), d2, pairs.copy(), ddof)


def _valid_per_column(nan: npt.NDArray[np.generic], rows: int, any_nan: bool) -> FloatArray:
    """Valid cells per column of the (..., rows, C) mask *nan* (any array of that shape if none)."""
    if any_nan:
        # count in the narrowest integer that holds *rows* (bool sums run in int64)
        acc = np.uint8 if rows < 2**8 else np.uint16 if rows < 2**16 else np.int64
        missing = np.add.reduce(nan.view(np.uint8), axis=-2, dtype=acc)
        return rows - missing.astype(np.float64)
    shape = (*nan.shape[:-2], nan.shape[-1])
    return np.full(shape, rows, dtype=np.float64)


def _within(d: FloatArray, offsets: IntArray, bins: IntArray) -> FloatArray:
    """Per level, the sum of *d* (a function of successive columns, ``(..., C - 1)``) inside it.

    Level i holds the pairs ``o .. o + b - 2``; *d* is overwritten with 0 at
    the pairs across two levels, so that one ``reduceat`` over the starts
    sums every level.
    """
    if (bins < 2).any():
        return _zero_safe(d, offsets, bins - 1)
    d[..., offsets[1:] - 1] = 0.0
    return np.add.reduceat(d, offsets, axis=-1)


def _zero_safe(a: FloatArray, offsets: IntArray, widths: IntArray) -> FloatArray:
    pos = widths > 0
    if pos.all():
        return _segment_sums(a, offsets, widths)
    out = np.zeros((*a.shape[:-1], offsets.size))
    if pos.any():
        out[..., pos] = _segment_sums(a, offsets[pos], widths[pos])
    return out
