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
gives per-size totals (:mod:`ipsrt.rhythm.level_stats`).

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
    "Levels",
    "Workspace",
    "binned",
    "build",
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
