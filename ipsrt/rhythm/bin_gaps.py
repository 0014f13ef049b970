r"""What missing bins and the seams of UTC-offset changes change in the IS/IV totals.

Part of :mod:`ipsrt.rhythm.is_iv_totals` (IS and IV at every bin size from
a few totals per size). Over the *n* bins of one subject at one size, in
time order, the totals take a missing bin (one with a missing epoch) as 0;
then:

* **missing bins** (:func:`zero_missing_bins`): *n*, the counts :math:`n_c`
  of the time-of-day profile, the number of successive pairs of valid bins
  and the squared differences are corrected from the sparse list of missing
  bins: a missing bin (0) leaves the square of each valid neighbour once in
  :math:`\sum (z_{i+1} - z_i)^2`, which is taken back out, and the pairs it
  breaks are not counted (a pair of two missing bins once);
* **seams** (:func:`seam_pairs`): across a UTC-offset change, the local-day
  layout (:mod:`ipsrt.rhythm.local_days`) has empty (NaN) cells between the
  last epoch before the change and the first after it, where the reference
  has nothing: its bins of the two segments follow each other. So where the
  bin *a* holding the last epoch before a change and the bin *b* holding
  the first after it are not neighbours in the layout (``b - a > 1``), the
  pair (*a*, *b*) is added: one more pair and :math:`(x_b - x_a)^2`, when
  both are valid. (When ``b - a <= 1`` the layout already has the pair, or
  *a* = *b* is a bin that the change cuts, NaN in both.)
* **empty cells** (:class:`EmptyCells`, :func:`zero_missing_bins`): a caller whose only missing
  cells are the layout's empty ones (the same in every row) may hold them as
  0 instead of NaN (:class:`EmptyCells`); the bins touching them are then
  missing bins at positions known in advance: set to 0 and corrected as
  above without searching for NaN, and the values they held are taken out
  of the time-of-day profiles summed from the epochs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ipsrt.rhythm.epochs import BoolArray, FloatArray, IntArray

__all__ = [
    "BinGaps",
    "EmptyCells",
    "Seams",
    "seam_pairs",
    "zero_missing_bins",
]


@dataclass(frozen=True)
class Seams:
    """Cells taken as successive though empty cells lie between them (see the module docstring).

    ``before[j]`` and ``after[j]`` are cells of one row of the input (days x
    epochs of the day, flat); ``rows[j]`` is the row (subject) they belong
    to, or every row when *rows* is None.
    """

    before: IntArray
    after: IntArray
    rows: IntArray | None = None
    _pairs: dict[tuple[int, EmptyCells | None], tuple[IntArray, IntArray, IntArray]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def pairs_at(self, k: int, empty: EmptyCells | None) -> tuple[IntArray, IntArray, IntArray]:
        """The seams at bins of *k* cells: the bins (a, b) to join and their rows (kept).

        A seam is joined where ``b - a > 1`` and neither bin touches an *empty* cell.
        """
        key = (k, empty)  # EmptyCells compare by identity
        got = self._pairs.get(key)
        if got is None:
            a, b = self.before // k, self.after // k
            use = b - a > 1
            if empty is not None:
                known = empty.bins(k)
                use &= ~(_sorted_has(known, a) | _sorted_has(known, b))
            rows = np.zeros(0, dtype=np.int64) if self.rows is None else self.rows[use]
            got = self._pairs[key] = (a[use], b[use], rows)
        return got


#: :meth:`EmptyCells.missing_bins` keeps the bins of a shape up to this many
_KEPT_POSITIONS = 1 << 16


def _sorted_has(known: IntArray, v: IntArray) -> BoolArray:
    """Which of *v* are in the sorted *known* (``np.isin`` without its set-up)."""
    if not known.size:
        return np.zeros(v.size, dtype=bool)
    return np.asarray(known[np.minimum(np.searchsorted(known, v), known.size - 1)] == v)


@dataclass(frozen=True, eq=False)
class EmptyCells:
    """Cells ``start[j] .. end[j] - 1`` of every row (flat) hold no epoch; the input has 0 there."""

    start: IntArray
    end: IntArray
    _bins: dict[int, IntArray] = field(default_factory=dict, compare=False, repr=False)
    _positions: dict[object, _MissingBins] = field(default_factory=dict, compare=False, repr=False)

    def bins(self, k: int) -> IntArray:
        """The bins of *k* cells (positions in a row) that touch an empty cell, sorted."""
        got = self._bins.get(k)
        if got is None:
            ranges = zip(self.start.tolist(), self.end.tolist(), strict=True)
            at = [np.arange(a // k, (e - 1) // k + 1) for a, e in ranges]
            got = self._bins[k] = np.unique(np.concatenate([np.zeros(0, dtype=np.int64), *at]))
        return got

    def missing_bins(
        self,
        group: tuple[int, ...],
        starts: IntArray,
        ks: tuple[int, ...],
        nb: IntArray,
        offs: IntArray,
        s: int,
        rows: int,
    ) -> _MissingBins:
        """Those bins in a buffer of sizes *group* side by side (kept for a few small shapes).

        Size ``group[i]`` starts at ``starts[i]`` and holds *s* subjects of
        ``rows * nb[ks.index(group[i])]`` bins each.
        """
        key = (group, tuple(starts.tolist()), ks, s, rows)
        got = self._positions.get(key)
        if got is None:
            parts = [
                (int(a) + np.arange(s)[:, None] * (rows * int(nb[ks.index(k)])) + self.bins(k))
                for k, a in zip(group, starts, strict=True)
            ]
            at = np.concatenate([np.zeros(0, dtype=np.int64), *(p.ravel() for p in parts)])
            got = _MissingBins.of(at, group, starts, ks, nb, offs, s, rows)
            if at.size <= _KEPT_POSITIONS:  # memory stays small: a few shapes, not too large
                if len(self._positions) >= 4:
                    self._positions.clear()
                self._positions[key] = got
        return got

    def per_column(self, per_day: int) -> IntArray:
        """Empty cells of each column (time of day) of rows of *per_day* cells."""
        return np.bincount(self.bins(1) % per_day, minlength=per_day).astype(np.int64)


def seam_pairs(
    flat: dict[int, FloatArray],
    ks: tuple[int, ...],
    seams: Seams,
    empty: EmptyCells | None = None,
) -> tuple[FloatArray, FloatArray]:
    """(S, sizes) pairs and squared differences the seams add, from bins with NaN still in.

    A bin touching an *empty* cell is missing (not valid) too.
    """
    s = flat[1].shape[0]
    pairs = np.zeros((s, len(ks)))
    d2 = np.zeros((s, len(ks)))
    if seams.rows is None:
        # every size's seams (the same in every row) in one gather
        at = [(i, *seams.pairs_at(k, empty)[:2]) for i, k in enumerate(ks)]
        at = [(i, a, b) for i, a, b in at if a.size]
        if not at:
            return pairs, d2
        va = np.concatenate([flat[ks[i]][:, a] for i, a, _ in at], axis=1)
        vb = np.concatenate([flat[ks[i]][:, b] for i, _, b in at], axis=1)
        ok = ~(np.isnan(va) | np.isnan(vb))
        first = np.cumsum([0] + [a.size for _, a, _ in at[:-1]])
        used = [i for i, _, _ in at]
        pairs[:, used] = np.add.reduceat(ok.astype(np.float64), first, axis=1)
        d2[:, used] = np.add.reduceat(np.where(ok, (vb - va) ** 2, 0.0), first, axis=1)
        return pairs, d2
    for i, k in enumerate(ks):
        a, b, r = seams.pairs_at(k, empty)
        if not a.size:
            continue
        va, vb = flat[k][r, a], flat[k][r, b]
        ok = ~(np.isnan(va) | np.isnan(vb))
        pairs[:, i] = np.bincount(r[ok], minlength=s)
        d2[:, i] = np.bincount(r[ok], weights=(vb[ok] - va[ok]) ** 2, minlength=s)
    return pairs, d2


@dataclass(frozen=True)
class BinGaps:
    """What the missing bins take out, per (subject, size) or per column."""

    missing: FloatArray
    """(S, L) missing bins."""
    broken_pairs: FloatArray
    """(S, L) successive pairs with a missing bin."""
    neighbour_sq: FloatArray
    """(S, L) squares of the valid neighbours of missing bins."""
    per_column: FloatArray
    """(S, C) missing bins of every column (time of day of every size)."""


def zero_missing_bins(
    flat: dict[int, FloatArray],
    work: FloatArray,
    ks: tuple[int, ...],
    nb: IntArray,
    offs: IntArray,
    rows: int,
    empty: EmptyCells | None = None,
) -> tuple[BinGaps, FloatArray | None]:
    """Set the missing bins of every size to 0, in place, and count what they take out.

    *flat*: every size as a contiguous (S, days x bins) array, size 1 on its
    own and the others one after the other at the start of *work*; *nb*
    the bins per day of each size, *offs* where each size's columns start.
    See the module docstring: the broken pairs (a pair of two missing bins
    once) and the squares of the valid neighbours. The missing bins are the
    NaN ones, or with *empty* (and no NaN) the bins touching empty cells,
    whose values are then also returned summed per (subject, column); what
    depends only on their positions is then kept in *empty* from call to call.
    """
    s = flat[1].shape[0]
    nsz = len(ks)
    missing = np.zeros(nsz * s)
    broken = np.zeros(nsz * s)
    nsq = np.zeros(nsz * s)
    per_col = np.zeros(s * int(nb.sum()))
    held = None if empty is None else np.zeros(per_col.size)
    coarse_ks = tuple(k for k in ks if k != 1)
    lengths = np.array([flat[k].size for k in coarse_ks], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    coarse = work[: int(lengths.sum())]
    for buf, group, group_starts in (
        (flat[1].reshape(-1), (1,) if 1 in ks else (), np.zeros(1, dtype=np.int64)),
        (coarse, coarse_ks, starts),
    ):
        if not group or buf.size == 0:
            continue
        if empty is None:
            at = np.flatnonzero(np.isnan(buf))
            if at.size == 0:
                continue
            pos = _MissingBins.of(at, group, group_starts, ks, nb, offs, s, rows)
        else:
            pos = empty.missing_bins(group, group_starts, ks, nb, offs, s, rows)
        if held is not None:
            held += np.bincount(pos.col, weights=buf[pos.at], minlength=held.size)
        buf[pos.at] = 0.0
        z_left, z_right = buf[pos.left_of], buf[pos.right_of]
        m = nsz * s
        missing += pos.missing
        broken += pos.broken
        nsq += np.bincount(pos.key_left, weights=z_left * z_left, minlength=m)
        nsq += np.bincount(pos.key_right, weights=z_right * z_right, minlength=m)
        per_col += pos.per_col
    gaps = BinGaps(
        missing.reshape(nsz, s).T,
        broken.reshape(nsz, s).T,
        nsq.reshape(nsz, s).T,
        per_col.reshape(s, -1),
    )
    return gaps, None if held is None else held.reshape(s, -1)


@dataclass(frozen=True)
class _MissingBins:
    """Missing bins in a buffer of sizes side by side, and what their positions alone give."""

    at: IntArray
    """Their flat positions, sorted."""
    col: IntArray
    """Their (subject, column) in the profiles of all sizes."""
    left_of: IntArray
    """Positions of the left neighbours (within the same subject and size)."""
    right_of: IntArray
    key_left: IntArray
    """(size, subject) of each left neighbour's missing bin, as ``size * S + subject``."""
    key_right: IntArray
    missing: FloatArray
    """Per (size, subject): missing bins, and the pairs they break."""
    broken: FloatArray
    per_col: FloatArray
    """Missing bins per (subject, column)."""

    @staticmethod
    def of(
        at: IntArray,
        group: tuple[int, ...],
        group_starts: IntArray,
        ks: tuple[int, ...],
        nb: IntArray,
        offs: IntArray,
        s: int,
        rows: int,
    ) -> _MissingBins:
        """The missing bins at the sorted positions *at* of sizes *group* from *group_starts*."""
        g = np.searchsorted(group_starts, at, side="right") - 1
        size_i = np.array([ks.index(k) for k in group], dtype=np.int64)[g]
        per_subject = rows * nb[size_i]  # bins of one subject at that size
        subj, t = np.divmod(at - group_starts[g], per_subject)
        col = np.asarray(subj * int(nb.sum()) + offs[size_i] + t % nb[size_i], dtype=np.int64)
        key = size_i * s + subj
        left, right = t > 0, t < per_subject - 1
        # *at* is sorted without repeats: the next bin is missing too when it is next in *at*
        both = right & np.append(at[1:] == at[:-1] + 1, False)
        m = len(ks) * s
        pairs = np.bincount(key, weights=left.astype(np.float64) + right, minlength=m)
        broken = np.asarray(pairs, dtype=np.float64)
        broken -= np.bincount(key[both], minlength=m)
        return _MissingBins(
            at,
            col,
            at[left] - 1,
            at[right] + 1,
            key[left],
            key[right],
            np.bincount(key, minlength=m).astype(np.float64),
            broken,
            np.bincount(col, minlength=s * int(nb.sum())).astype(np.float64),
        )
