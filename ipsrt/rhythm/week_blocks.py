r"""The 7-day block figures of the fast path, and the average days they rest on.

Part of :mod:`ipsrt.rhythm.nonparametric_many`: ISp/IVp (IS and IV of the
main bins of every 7-day block) and the average day of every block (for
L5p, M10p, RAp), as the reference
(:func:`ipsrt.rhythm.nonparametric_figures.nonparametric_figures`) forms
the blocks with :func:`~ipsrt.rhythm.nonparametric_figures.week_blocks`:
7 days of real (UTC) time from the first bin or epoch, an incomplete last
block dropped (default mode); compat mode: pyActigraphy's label slices.

Without a UTC-offset change a block is 7 rows of local days (from the row
of the first bin). Across a change (a recording laid out by
:class:`ipsrt.rhythm.local_days.LocalDays`) 7 days of real time are not 7
rows: after a 23-h day a block starts one clock hour later, after a 25-h day
one hour earlier again. So each block is the span of layout cells between
its first and its last bin (or epoch), as the reference's block boundaries
in UTC time give them (:func:`block_is_iv_local`,
:func:`block_average_days_local`); the pairs of bins on both sides of a
change inside a block are its seams (:mod:`ipsrt.rhythm.bin_gaps`).
"""

from __future__ import annotations

import functools

import numpy as np

from ipsrt.rhythm.bin_gaps import Seams
from ipsrt.rhythm.epochs import DAY_S, FloatArray, IntArray
from ipsrt.rhythm.is_iv_totals import is_iv_at_sizes
from ipsrt.rhythm.local_days import LocalDays
from ipsrt.rhythm.nonparametric import Params
from ipsrt.rhythm.nonparametric_figures import week_blocks

__all__ = [
    "average_days_between",
    "block_average_days",
    "block_average_days_local",
    "block_is_iv",
    "block_is_iv_local",
]

_WEEK_S = 7 * DAY_S


def average_days_between(days: FloatArray, lo: int, hi: int) -> tuple[FloatArray, IntArray]:
    """Per subject and column: sum and count of the valid epochs ``lo .. hi - 1`` of the rows.

    The days are added in time order, as ``np.bincount`` over the epochs
    adds them in the reference, so the sums are the same to the last bit.
    """
    per_day = days.shape[-1]
    r0, r1 = lo // per_day, -(-hi // per_day)
    chunk = days[:, r0:r1]
    if lo != r0 * per_day or hi != r1 * per_day:
        flat = chunk.reshape(days.shape[0], -1).copy()
        flat[:, : lo - r0 * per_day] = np.nan
        flat[:, hi - r0 * per_day :] = np.nan
        chunk = flat.reshape(chunk.shape)
    nan = np.isnan(chunk)
    if not nan.any():
        cnt = np.full((chunk.shape[0], per_day), chunk.shape[1], dtype=np.int64)
        return chunk.sum(axis=1), cnt
    sums = np.where(nan, 0.0, chunk).sum(axis=1)
    cnt = (chunk.shape[1] - nan.sum(axis=1)).astype(np.int64)
    return sums, cnt


def block_is_iv(
    hourly: FloatArray, n: int, lead: int, main: int, epoch_s: int, prm: Params
) -> dict[str, FloatArray]:
    """ISp/IVp of every subject: (S, blocks) arrays, from the (S, days, bins) main bins.

    Blocks of 7 days of bins from the first bin that overlaps the recording;
    compat mode (pyActigraphy's label slices): ``floor((last - first) / 7 d)``
    blocks of bins from the first epoch, each with the first bin of the next.
    """
    s, _, bins_day = hourly.shape
    compat = prm.compat is not None
    flat = hourly.reshape(s, -1)
    j0 = lead // main
    nbins = -(-(lead + n) // main) - j0
    week = 7 * bins_day
    # compat: the span from the first to the last bin; default: all the bins
    nb = ((nbins - 1) if compat else nbins) * main * epoch_s // _WEEK_S
    if not nb:
        return {"ISp": np.zeros((s, 0)), "IVp": np.zeros((s, 0))}
    if compat:
        # bins 7b .. 7b+6 days and the first bin of the next block
        m = np.full((s, nb, 8 * bins_day), np.nan)
        for b in range(nb):
            m[:, b, : week + 1] = flat[:, b * week : (b + 1) * week + 1]
        m = m.reshape(s * nb, 8, bins_day)
    else:
        m = flat[:, j0 : j0 + nb * week].reshape(s * nb, 7, bins_day)
    st = is_iv_at_sizes(m, [1], prm.ddof, compat=compat).stats
    return {"ISp": st.is_.reshape(s, nb), "IVp": st.iv.reshape(s, nb)}


def block_average_days(
    days: FloatArray, n: int, lead: int, epoch_s: int, compat: bool, whole_days: bool
) -> tuple[FloatArray, IntArray]:
    """Sum and count per column of every 7-day block of epochs: (S, blocks, epochs of the day).

    Blocks of 7 days from the first epoch; compat mode: ``floor((last -
    first) / 7 d)`` blocks, each with the first epoch of the next.
    *whole_days*: the rows are whole days from midnight without a missing epoch.
    """
    s, _, per_day = days.shape
    week = 7 * per_day
    nb = (n - 1) * epoch_s // _WEEK_S if compat else n * epoch_s // _WEEK_S
    sums = np.empty((s, nb, per_day))
    cnt = np.empty((s, nb, per_day), dtype=np.int64)
    if nb and whole_days and not compat:
        # whole days without a gap: each block is 7 rows, added in time order
        sums[:] = days[:, : 7 * nb].reshape(s, nb, 7, per_day).sum(axis=2)
        cnt[:] = 7
        return sums, cnt
    for b in range(nb):
        hi = min(lead + (b + 1) * week + (1 if compat else 0), lead + n)
        sums[:, b], cnt[:, b] = average_days_between(days, lead + b * week, hi)
    return sums, cnt


def block_is_iv_local(
    hourly: FloatArray, ld: LocalDays, main: int, prm: Params
) -> dict[str, FloatArray]:
    """ISp/IVp of every subject from the (S, rows, bins of the day) main bins of a layout *ld*.

    Default mode. The blocks of the reference's bins (:meth:`LocalDays.bins`)
    by their UTC start. A block of 7 x 24 h of bins of one segment is 7 rows
    of the bins from its first one (its columns a rotation of the times of
    day, which IS and IV do not see); a block with a change inside is copied
    with its columns (times of day) into rows of its own, NaN around it,
    with the seams of the change.
    """
    s, _, per_day = hourly.shape
    flat = hourly.reshape(s, -1)
    nb, plain, at, cut, seam_a, seam_b = _bin_block_plan(ld, main, per_day)
    isp, ivp = np.empty((s, nb)), np.empty((s, nb))
    if plain:
        m = flat[:, at].reshape(s * len(plain), 7, per_day)
        st = is_iv_at_sizes(m, [1], prm.ddof).stats
        isp[:, plain], ivp[:, plain] = st.is_.reshape(s, -1), st.iv.reshape(s, -1)
    if cut:
        is_, iv = _cut_blocks_is_iv(flat, [c[1] for c in cut], seam_a, seam_b, per_day, prm)
        isp[:, [c[0] for c in cut]], ivp[:, [c[0] for c in cut]] = is_, iv
    return {"ISp": isp, "IVp": ivp}


@functools.lru_cache(maxsize=8)
def _bin_block_plan(
    ld: LocalDays, main: int, per_day: int
) -> tuple[int, list[int], IntArray, list[tuple[int, tuple[int, int]]], IntArray, IntArray]:
    """The blocks of :func:`block_is_iv_local`: their number, the plain ones and the bins
    they take, the cut ones (index, span of bins) and the seams in bins (kept per layout)."""
    idx, utc = ld.bins(main)
    ranges = week_blocks(utc, main * ld.epoch_s, False)
    week = 7 * per_day
    spans = [(int(idx[lo]), int(idx[hi - 1]) + 1) if hi > lo else (0, 0) for lo, hi in ranges]
    seam_a, seam_b = (c // main for c in ld.seams())
    plain = [
        j
        for j, ((a, b), (lo, hi)) in enumerate(zip(spans, ranges, strict=True))
        if b - a == week and hi - lo == week and not ((seam_a >= a) & (seam_b < b)).any()
    ]
    at = np.array([spans[j][0] for j in plain], dtype=np.int64)[:, None] + np.arange(week)
    cut = [(j, spans[j]) for j in range(len(spans)) if j not in set(plain)]
    return len(spans), plain, at, cut, seam_a, seam_b


def _cut_blocks_is_iv(
    flat: FloatArray,
    spans: list[tuple[int, int]],
    seam_a: IntArray,
    seam_b: IntArray,
    per_day: int,
    prm: Params,
) -> tuple[FloatArray, FloatArray]:
    """(S, blocks) IS and IV of the bins ``a .. b - 1`` of *flat* for each span, with its seams."""
    s, nb = flat.shape[0], len(spans)
    first_rows = [a // per_day for a, _ in spans]
    rows = max(-(-b // per_day) - r for (_, b), r in zip(spans, first_rows, strict=True))
    m = np.full((s, nb, max(rows, 1) * per_day), np.nan)
    for j, ((a, b), r) in enumerate(zip(spans, first_rows, strict=True)):
        m[:, j, a - r * per_day : b - r * per_day] = flat[:, a:b]
    seams = _cut_block_seams(
        tuple(spans), tuple(seam_a.tolist()), tuple(seam_b.tolist()), per_day, s
    )
    st = is_iv_at_sizes(m.reshape(s * nb, -1, per_day), [1], prm.ddof, seams=seams).stats
    return st.is_.reshape(s, nb), st.iv.reshape(s, nb)


@functools.lru_cache(maxsize=8)
def _cut_block_seams(
    spans: tuple[tuple[int, int], ...],
    seam_a: tuple[int, ...],
    seam_b: tuple[int, ...],
    per_day: int,
    s: int,
) -> Seams | None:
    """The seams of :func:`_cut_blocks_is_iv` for *s* subjects (kept, with the pairs they find)."""
    nb = len(spans)
    rows_of, before, after = [], [], []
    for j, (a, b) in enumerate(spans):
        r0 = (a // per_day) * per_day
        for sa, sb in zip(seam_a, seam_b, strict=True):
            if a <= sa and sb < b:
                rows_of.append(np.arange(s) * nb + j)
                before.append(np.full(s, sa - r0))
                after.append(np.full(s, sb - r0))
    if not rows_of:
        return None
    return Seams(np.concatenate(before), np.concatenate(after), np.concatenate(rows_of))


def block_average_days_local(
    days: FloatArray, ld: LocalDays, gaps: bool = True
) -> tuple[FloatArray, IntArray]:
    """Sum and count per column of every 7-day block of epochs of the layout *ld* (default mode).

    Block *b* holds the epochs of the UTC week ``[b, b + 1) x 7 d`` from the
    first epoch: the cells from the first one's to the last one's. A block
    without a change inside is 7 x 24 h of cells from its first one: 7 rows
    added in time order (as the reference adds them), whose columns are the
    times of day rotated by the first one's. *gaps* False: no epoch is missing.
    """
    s, _, per_day = days.shape
    flat = days.reshape(s, -1)
    week = _WEEK_S // ld.epoch_s
    nb = ld.n // week
    sums = np.empty((s, nb, per_day))
    cnt = np.empty((s, nb, per_day), dtype=np.int64)
    if not nb:
        return sums, cnt
    ends = np.arange(nb + 1, dtype=np.int64) * week
    lo = ld.cells(ends[:-1]).tolist()
    hi = (ld.cells(ends[1:] - 1) + 1).tolist()
    b = 0
    while b < nb:
        if hi[b] - lo[b] != week:  # a change inside
            sums[:, b], cnt[:, b] = average_days_between(days, lo[b], hi[b])
            b += 1
            continue
        e = b + 1  # blocks b .. e - 1: whole weeks of cells one after the other
        while e < nb and hi[e] - lo[e] == week and lo[e] == hi[e - 1]:
            e += 1
        run = flat[:, lo[b] : hi[e - 1]].reshape(s, e - b, 7, per_day)
        nan = np.isnan(run) if gaps else None
        shift = lo[b] % per_day  # column c holds the time of day c + shift
        if nan is not None and nan.any():
            part = np.where(nan, 0.0, run).sum(axis=2)
            _rolled_into(cnt[:, b:e], 7 - nan.sum(axis=2), shift)
        else:
            cnt[:, b:e] = 7
            if not shift:
                run.sum(axis=2, out=sums[:, b:e])
                b = e
                continue
            part = run.sum(axis=2)
        _rolled_into(sums[:, b:e], part, shift)
        b = e
    return sums, cnt


def _rolled_into(out: np.ndarray, a: np.ndarray, shift: int) -> None:
    """``out[...] = np.roll(a, shift, axis=-1)``, without the temporary."""
    n = a.shape[-1]
    out[..., shift:] = a[..., : n - shift]
    out[..., :shift] = a[..., n - shift :]
