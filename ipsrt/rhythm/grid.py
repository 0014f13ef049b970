r"""One (days x epochs-of-day) matrix per recording, and every binning from it.

The non-parametric metrics need the counts binned at 22 bin sizes (ISm/IVm),
hourly (IS/IV), per time of day (the average day of L5/M10, cosinor) and per
7-day block. Instead of resampling the series once per figure, :func:`build`
lays the epochs of a prepared recording out once as a matrix ``G`` of *R*
rows (days) by *M* columns (epochs of a day), NaN where there is no data,
and every bin size *k* (epochs) that divides *M* is a reshaped sum of it:

.. math::

    G^{(k)}_{r,c} = \sum_{j=0}^{k-1} G_{r,\,ck+j}

computed from the largest bin size already computed that divides *k*
(2 from 1, 4 from 2, 6 from 3, ...), so that all 22 sizes cost about three
passes over the data. A bin holding a NaN epoch is NaN because NaN
propagates through the sums, which is exactly the rule of
:func:`ipsrt.rhythm.epochs.bin_clock` and pyActigraphy's mask rule.

All sizes are kept side by side in one ``R x C`` matrix (C = sum of the
bins per day), so the sums behind IS and IV of every size come from a
handful of NumPy reductions over that matrix: column sums give the
time-of-day profile of each size, ``np.add.reduceat`` over column ranges
gives per-size totals.

Row layout:

* default mode: column 0 is local midnight (only for recordings with one UTC
  offset; the caller falls back to the per-segment code across DST changes);
  cells before the first and after the last epoch are NaN, so a bin only
  partly inside the recording is NaN;
* compat mode (pyActigraphy's ``resample(origin='start')``): column 0 is the
  first epoch; cells after the last epoch are 0 inside the last bin (which
  pandas sums over the epochs it has) and bins wholly after the end are NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ipsrt.rhythm.epochs import DAY_S, Binned, FloatArray, IntArray, Prepared

__all__ = [
    "DayGrid",
    "LevelStats",
    "Levels",
    "Workspace",
    "binned",
    "build",
    "level_stats",
    "level_stats_columns",
    "level_stats_full",
    "levels",
    "levels_array",
    "profile",
]

BoolArray = npt.NDArray[np.bool_]


class Workspace:
    """Scratch arrays kept from one call to the next, by name (grown when too small).

    A caller that runs the same computation on batch after batch passes one
    workspace to every call, so that the large temporaries are written into
    memory already mapped instead of being mapped (and faulted in) afresh
    each time. What a function returns may be a view of the workspace: it is
    valid until the next call that uses the same workspace.
    """

    def __init__(self) -> None:
        self._buffers: dict[str, FloatArray] = {}

    def array(self, name: str, shape: tuple[int, ...]) -> FloatArray:
        """An uninitialised float64 array of *shape* in the buffer called *name*."""
        size = math.prod(shape)
        buf = self._buffers.get(name)
        if buf is None or buf.size < size:
            buf = self._buffers[name] = np.empty(size)
        return buf[:size].reshape(shape)


def _scratch(ws: Workspace | None, name: str, shape: tuple[int, ...]) -> FloatArray:
    return np.empty(shape) if ws is None else ws.array(name, shape)


@dataclass(frozen=True)
class DayGrid:
    """A recording laid out as days x epochs of the day (see the module docstring)."""

    values: FloatArray
    """(R, M) epoch values, NaN = missing or outside the recording."""
    first: int
    """Flat index of the first epoch."""
    n: int
    """Number of epochs."""
    rot: int
    """Time of day (in epochs) of column 0: 0 in default mode."""
    epoch_s: int
    start_from_first: bool
    """Compat layout (rows start at the first epoch)."""
    utc0: int
    """UTC second of the first epoch."""

    @property
    def per_day(self) -> int:
        return int(self.values.shape[1])


def build(p: Prepared, *, compat: bool) -> DayGrid | None:
    """Lay *p* out as a :class:`DayGrid`; None when the layout does not apply.

    Default mode needs a single UTC offset (no DST change inside the
    recording).
    """
    per_day = DAY_S // p.epoch_s
    if compat:
        first = 0
        rot = int((p.wall[0] % DAY_S) // p.epoch_s)
    else:
        if p.seg_starts.size != 1:
            return None
        first = int((p.wall[0] % DAY_S) // p.epoch_s)
        rot = 0
    rows = -(-(first + p.n) // per_day)
    flat = np.empty(rows * per_day)
    flat[:first] = np.nan
    flat[first : first + p.n] = p.values
    flat[first + p.n :] = 0.0 if compat else np.nan
    return DayGrid(flat.reshape(rows, per_day), first, p.n, rot, p.epoch_s, compat, int(p.utc[0]))


@dataclass(frozen=True)
class Levels:
    """Bins of several sizes side by side: ``matrix[:, offsets[i] : offsets[i] + bins[i]]``."""

    matrix: FloatArray
    sizes: tuple[int, ...]
    """Bin size of each level, in epochs."""
    offsets: IntArray
    bins: IntArray
    """Bins per day of each level."""

    def level(self, k: int) -> FloatArray:
        i = self.sizes.index(k)
        o = int(self.offsets[i])
        return self.matrix[..., o : o + int(self.bins[i])]


def levels(g: DayGrid, sizes: list[int]) -> Levels:
    """Sum *g* into bins of every size in *sizes* (epochs; each divides the day)."""
    return levels_array(g.values, sizes, g.n if g.start_from_first else None)


def levels_array(
    values: FloatArray,
    sizes: list[int],
    compat_n: int | None = None,
    ws: Workspace | None = None,
) -> Levels:
    """:func:`levels` of a ``(..., R, M)`` array of days (leading axes: e.g. subjects).

    *compat_n*: the number of epochs of a compat-layout grid (rows from the
    first epoch), whose bins after the one holding the last epoch are NaN.
    *ws*: the matrix is written into its buffer ``"levels"``.
    """
    ks = sorted(set(sizes))
    lead, (rows, per_day) = values.shape[:-2], values.shape[-2:]
    bins = np.array([per_day // k for k in ks], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(bins)[:-1])).astype(np.int64)
    done: dict[int, FloatArray] = {1: values.reshape(*lead, -1)}
    flats: list[FloatArray] = []
    for k in ks:
        if k not in done:
            d = max(j for j in done if k % j == 0)
            src, r = done[d], k // d
            dest = src[..., 0::r] + src[..., 1::r]
            for j in range(2, r):
                dest += src[..., j::r]
            done[k] = dest
        flats.append(done[k].reshape(*lead, rows, -1))
    out = _scratch(ws, "levels", (*lead, rows, int(bins.sum())))
    np.concatenate(flats, axis=-1, out=out)
    if compat_n is not None:
        # pandas makes no bin after the one holding the last epoch
        for k, o, nb in zip(ks, offsets.tolist(), bins.tolist(), strict=True):
            r0, c0 = divmod(-(-compat_n // k), nb)
            if r0 < rows:
                out[..., r0, o + c0 : o + nb] = np.nan
                out[..., r0 + 1 :, o : o + nb] = np.nan
    return Levels(out, tuple(ks), offsets, bins)


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
    lv: Levels, ddof: int, compat: bool, *, nan_free: bool = False, ws: Workspace | None = None
) -> tuple[LevelStats, FloatArray, FloatArray]:
    """:func:`level_stats_full`, plus the sum and the number of valid bins of every column.

    Both ``(..., C)``, over the rows (days): for the level of size 1 they are
    the time-of-day profile of the epochs. *nan_free*: the caller knows that
    ``lv.matrix`` holds no NaN (it is not searched). *ws*: where the two
    temporaries of the matrix's size go (buffers ``"zeroed"``, ``"diffs"``).
    """
    B = lv.matrix
    rows = B.shape[-2]
    nan = None if nan_free else np.isnan(B)
    if nan is None or not nan.any():
        sum_col = B.sum(axis=-2)
        cnt_col = np.full(sum_col.shape, rows, dtype=np.float64)
        if bool((lv.bins >= 2).all()):
            return _stats_without_gaps(lv, ddof, sum_col), sum_col, cnt_col
        nan = np.zeros(B.shape, dtype=bool)  # a level of one bin per row: below
    # Missing bins count as 0 in the sums (Bz) and are left out of every
    # count; the sums of squares about the mean come from sum x^2 - mean *
    # sum x over the valid bins, the successive differences from the pairs
    # of valid bins, so only two arrays of the matrix's size are made.
    Bz = _scratch(ws, "zeroed", B.shape)
    np.copyto(Bz, B)
    Bz[nan] = 0.0
    offs, nbin = lv.offsets, lv.bins
    cnt_col = _valid_per_column(nan, rows, True)
    sum_col = Bz.sum(axis=-2)
    n = _segment_sums(cnt_col, offs, nbin)
    tot = _segment_sums(sum_col, offs, nbin)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = tot / n
        ss = _segment_sums(np.einsum("...rc,...rc->...c", Bz, Bz), offs, nbin) - mean * tot
        num, p = is_numerator(sum_col, cnt_col, mean, n, offs, nbin, ddof, compat)
        var = ss / (n - ddof)
        is_ = num / var
        # successive differences: pairs of valid bins inside rows, then
        # across row ends
        pair_nan = nan[..., 1:] | nan[..., :-1]
        D = _scratch(ws, "diffs", pair_nan.shape)
        np.subtract(Bz[..., 1:], Bz[..., :-1], out=D)
        D[pair_nan] = 0.0
        sq = _within(np.einsum("...rc,...rc->...c", D, D), offs, nbin)
        pairs = _within(_valid_per_column(pair_nan, rows, True), offs, nbin)
        if rows > 1:
            ends = offs + nbin - 1
            E = B[..., 1:, offs] - B[..., :-1, ends]
            enan = np.isnan(E)
            sq = sq + np.where(enan, 0.0, E * E).sum(axis=-2)
            pairs = pairs + (~enan).sum(axis=-2)
        iv = (sq / pairs) / var
    bad = (n <= max(ddof, 1)) | (ss == 0.0)
    is_[bad | (p <= ddof)] = np.nan
    iv[bad | (pairs == 0)] = np.nan
    return LevelStats(is_, iv, n, ss, p, pairs), sum_col, cnt_col


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
    prof = np.where(has, sum_col / np.where(has, cnt_col, 1.0), 0.0)
    p = _segment_sums(has.astype(np.float64), offs, nbin)
    if compat:
        # pyActigraphy: the profile about its own mean, every time of day alike
        pd_ = prof - np.repeat(_segment_sums(prof, offs, nbin) / p, nbin, axis=-1)
        pd_[~has] = 0.0
        return _segment_sums(pd_ * pd_, offs, nbin) / (p - ddof), p
    pd_ = prof - np.repeat(mean, nbin, axis=-1)
    pd_[~has] = 0.0
    w = cnt_col * np.repeat(p / n, nbin, axis=-1)
    return _segment_sums(w * pd_ * pd_, offs, nbin) / (p - ddof), p


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
        var = ss / (n - ddof)
        is_ = num / var
        iv = (d2 / pairs) / var
    bad = (n <= max(ddof, 1)) | (ss == 0.0)
    is_[bad | (p <= ddof)] = np.nan
    iv[bad | (pairs == 0)] = np.nan
    return LevelStats(is_, iv, n.copy(), ss, p.copy(), pairs.copy())


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


def binned(g: DayGrid, lv: Levels, k: int) -> Binned:
    """The bins of size *k* as :class:`Binned`, in time order, as the resamplers return them.

    Default mode: the bins that overlap the recording (as
    :func:`~ipsrt.rhythm.epochs.bin_clock`); compat mode: the bins from the
    first epoch (as :func:`~ipsrt.rhythm.epochs.bin_from_start`).
    """
    flat = lv.level(k).reshape(-1)
    per = g.per_day // k
    bin_s = k * g.epoch_s
    if g.start_from_first:
        nb = -(-g.n // k)
        j = np.arange(nb, dtype=np.int64)
        tod = (g.rot * g.epoch_s // bin_s + j) % per
        return Binned(flat[:nb].copy(), tod, g.utc0 + j * bin_s, per)
    j0 = g.first // k
    j1 = (g.first + g.n - 1) // k + 1
    j = np.arange(j0, j1, dtype=np.int64)
    lead = g.first - j0 * k
    utc = g.utc0 - lead * g.epoch_s + (j - j0) * bin_s
    return Binned(flat[j0:j1].copy(), j % per, utc, per)


def profile(g: DayGrid, lo: int = 0, hi: int | None = None) -> tuple[FloatArray, IntArray]:
    """Per time of day (in epochs, local midnight first): sum and count of valid epochs.

    Over the epochs ``lo .. hi - 1`` of the recording (default: all). Sums
    run over the days in time order, as ``np.bincount`` over the epochs does.
    """
    hi = g.n if hi is None else hi
    per_day = g.per_day
    a, b = g.first + lo, g.first + hi
    r0, r1 = a // per_day, -(-b // per_day)
    chunk = g.values[r0:r1]
    if a != r0 * per_day or b != r1 * per_day or g.start_from_first:
        flat = chunk.reshape(-1).copy()
        flat[: a - r0 * per_day] = np.nan
        flat[b - r0 * per_day :] = np.nan
        chunk = flat.reshape(chunk.shape)
    nan = np.isnan(chunk)
    sums = np.where(nan, 0.0, chunk).sum(axis=0)
    cnt = (chunk.shape[0] - nan.sum(axis=0)).astype(np.int64)
    if g.rot:
        sums, cnt = np.roll(sums, g.rot), np.roll(cnt, g.rot)
    return sums, cnt
