r"""IS and IV at every bin size of many recordings at once, from a few totals per size.

Part of the fast path (:mod:`ipsrt.rhythm.nonparametric_many`); the
definitions are those of :mod:`ipsrt.rhythm.nonparametric` (van Someren et
al. 1999, doi:10.3109/07420529908998724), which the property tests hold this
module to.

Input: recordings laid out as (subjects, days, epochs of the day), NaN =
missing. A bin of *k* epochs is the sum of *k* successive epochs of a row,
NaN when one of them is missing. Every bin size is summed from the largest
size already computed that divides it (2 from 1, 6 from 3, ...), kept as one
contiguous (subjects, days x bins) array. Per size and subject, over the *n*
bins in time order, only four totals and the time-of-day profile are needed:

.. math::

    T = \sum_i x_i,\quad Q = \sum_i x_i^2,\quad
    P = \sum_i x_i x_{i+1},\quad F = x_1^2 + x_n^2,\quad
    S_c = \sum_r x_{rc}

(*r* the days, *c* the bins of the day), from which, with
:math:`\bar x = T/n`:

.. math::

    SS = Q - \bar x T,\qquad
    \sum_{i=1}^{n-1} (x_{i+1} - x_i)^2 = 2Q - F - 2P,

IS from the profile :math:`\bar x_c = S_c / n_c` and IV from the sum of
squared differences over the successive pairs. *Q* and *P* are dot products
along the rows, one day at a time (``np.vecdot``; rows of at most one day
keep BLAS on one thread).

* **Conditioning.** :math:`SS = Q - \bar x T` cancels when the mean is
  large against the spread (:math:`Q \approx n\bar x^2 \gg SS`). A subject
  for which some size has :math:`SS < 10^{-4} Q` is computed again with its
  epochs shifted by a whole number near its mean (IS and IV do not change
  when every bin is shifted by the same amount), so that *Q*, *P* and
  :math:`\bar x T` are of the size of the variance. Counts rarely come near
  that (their spread is about their mean), so the shift costs nothing in the
  common case. With whole-number counts every total is a whole number and
  exact.
* **Missing bins** (with a missing epoch) are taken as 0 in the totals, and
  what they take out is corrected from their sparse list; across a
  UTC-offset change the pairs of bins on both sides of the change (*seams*)
  are added back: :mod:`ipsrt.rhythm.bin_gaps`.
* **pyActigraphy's resampling** (``length``): the rows start at the first
  epoch, the bin holding the last epoch sums the epochs it has and no bin
  follows it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from ipsrt.rhythm.bin_gaps import EmptyCells, Seams, seam_pairs, zero_missing_bins
from ipsrt.rhythm.epochs import BoolArray, FloatArray, IntArray
from ipsrt.rhythm.workspace import Workspace

__all__ = ["IsIvStats", "IsIvTotals", "is_iv_at_sizes", "workspace_size"]


@dataclass(frozen=True)
class IsIvStats:
    """IS and IV of every (subject, size), with the counts behind them (for the reasons)."""

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


@dataclass(frozen=True)
class IsIvTotals:
    """What :func:`is_iv_at_sizes` returns."""

    sizes: tuple[int, ...]
    """Bin sizes (epochs), ascending; the columns of the stats arrays."""
    stats: IsIvStats
    """(S, len(sizes)) arrays."""
    profile: FloatArray
    """(S, epochs of the day): the sum over the days of the valid epochs of each column."""
    counts: IntArray
    """(S, epochs of the day): the number of valid epochs summed in ``profile``."""
    binned: dict[int, FloatArray]
    """Per size of ``keep``, the (S, days, bins of the day) bins (NaN = missing)."""


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
    """Float64 values of the *work* buffer :func:`is_iv_at_sizes` needs."""
    return subjects * days * sum(per_day // k for k in set(sizes) if k != 1)


def is_iv_at_sizes(
    days: FloatArray,
    sizes: list[int],
    ddof: int,
    *,
    compat: bool = False,
    length: int | None = None,
    keep: tuple[int, ...] = (),
    work: FloatArray | None = None,
    ws: Workspace | None = None,
    seams: Seams | None = None,
    empty: EmptyCells | None = None,
) -> IsIvTotals:
    """IS, IV and their counts at every bin size of (S, R, P) days.

    Parameters
    ----------
    days : numpy.ndarray
        (subjects, days, epochs of the day), NaN = missing or outside the
        recording. Not modified.
    sizes : list of int
        Bin sizes in epochs, each dividing the day.
    ddof : int
        Delta degrees of freedom of the variances (0 or 1).
    compat : bool
        IS with the profile about its own mean (pyActigraphy) instead of the
        weights :math:`w_h = n_h p / n` (the two agree without a missing bin).
    length : int, optional
        pyActigraphy's resampling: the rows start at the first epoch and the
        recording has *length* epochs; the bin holding the last one sums the
        epochs it has (the cells after it, NaN in *days*, count as 0) and
        the bins after it do not exist.
    keep : tuple of int
        The sizes whose bins ``binned`` holds.
    work : numpy.ndarray, optional
        A float64 buffer of at least :func:`workspace_size` values for the
        binned values (a caller running many batches passes the same one).
    ws : Workspace, optional
        Where a copy of the epochs goes when one is needed.
    seams : Seams, optional
        Cells taken as successive across empty cells (UTC-offset changes,
        :mod:`ipsrt.rhythm.bin_gaps`).
    empty : EmptyCells, optional
        Cells of every row that hold no epoch and are 0 in *days*, which then
        has no NaN; the bins touching them are missing.

    Returns
    -------
    IsIvTotals
    """
    s, rows, per_day = days.shape
    ks = tuple(sorted(set(sizes)))
    if work is None:
        work = np.empty(workspace_size(list(ks), per_day, s, rows))
    out, lost = _totals(
        days, ks, ddof, compat, length, keep, work, ws, seams, empty, shifted=False
    )  # fmt: skip
    if lost.any():
        # digits lost to a mean large against the spread: those subjects again,
        # shifted by a whole number near their mean
        again, _ = _totals(
            days[lost], ks, ddof, compat, length, keep, None, None, _rows_of(seams, lost),
            empty, shifted=True,
        )  # fmt: skip
        stats = IsIvStats(
            *(_spliced(getattr(out.stats, f.name), getattr(again.stats, f.name), lost)
              for f in fields(IsIvStats))
        )  # fmt: skip
        binned = {k: _spliced(v, again.binned[k], lost) for k, v in out.binned.items()}
        out = IsIvTotals(ks, stats, out.profile, out.counts, binned)
    return out


#: a subject is taken again with the shift when, at some size, the sum of
#: squares about the mean is below this fraction of the sum of squares
#: (Q - xbar T would then have lost more than 4 of its 16 digits)
_LOST_DIGITS = 1e-4


def _rows_of(seams: Seams | None, rows: BoolArray) -> Seams | None:
    """The seams of the subjects *rows* (a mask), numbered among them."""
    if seams is None or seams.rows is None:
        return seams
    keep = rows[seams.rows]
    renumber = np.cumsum(rows) - 1
    return Seams(seams.before[keep], seams.after[keep], renumber[seams.rows[keep]])


def _spliced(a: FloatArray, b: FloatArray, rows: BoolArray) -> FloatArray:
    out = a.copy()
    out[rows] = b
    return out


def _totals(
    days: FloatArray,
    ks: tuple[int, ...],
    ddof: int,
    compat: bool,
    length: int | None,
    keep: tuple[int, ...],
    work: FloatArray | None,
    ws: Workspace | None,
    seams: Seams | None,
    empty: EmptyCells | None,
    *,
    shifted: bool,
) -> tuple[IsIvTotals, BoolArray]:
    """:func:`is_iv_at_sizes` in one pass, and the subjects whose sums lost digits.

    *shifted*: every subject's epochs are first shifted by a whole number
    near their mean (in a copy).
    """
    s, rows, per_day = days.shape
    steps, nb = _plan(ks, per_day)
    if work is None:
        work = np.empty(workspace_size(list(ks), per_day, s, rows))
    offs = np.concatenate(([0], np.cumsum(nb)[:-1]))
    tail = length is not None and length < rows * per_day
    # the epochs are copied (into the workspace) only when they must change
    shape = (s, rows * per_day)
    buffer = (lambda: np.empty(shape)) if ws is None else (lambda: ws.array("fine", shape))
    empty_cols = None if empty is None else empty.per_column(per_day)
    profile, counts, shift, missing, fine = _epochs(
        days, buffer, shifted or tail, shifted, empty_cols
    )  # fmt: skip
    if tail:
        fine[:, length:] = -shift[:, None]  # 0 before the shift: the last bin's missing tail
    flat = _binned_flat(fine, steps, work)
    if tail:
        assert length is not None
        for k in ks:  # no bin after the one holding the last epoch
            flat[k][:, -(-length // k) :] = np.nan
    if shifted:
        binned = {k: flat[k].reshape(s, rows, -1) + k * shift[:, None, None] for k in keep}
    else:
        binned = {k: flat[k].reshape(s, rows, -1).copy() for k in keep}
    joined = seam_pairs(flat, ks, seams, empty) if seams is not None else None
    gaps = bool(missing.size) or tail
    gap, held = zero_missing_bins(flat, work, ks, nb, offs, rows) if gaps else (None, None)
    if empty is not None:  # no NaN: the bins touching empty cells are missing
        for k in keep:
            binned[k].reshape(s, -1)[:, empty.bins(k)] = np.nan
        known, held = zero_missing_bins(flat, work, ks, nb, offs, rows, empty)
    sq, pr, fl = _products(flat, ks, s, rows)
    n_all = np.broadcast_to((rows * nb).astype(np.float64), (s, len(ks)))
    if gap is not None:
        profiles = np.concatenate([flat[k].reshape(s, rows, -1).sum(axis=1) for k in ks], axis=1)
        col_counts = rows - gap.per_column
        if profile is None or counts is None:
            profile, counts = _average_day(days, profiles, col_counts, ks, offs, nb)
        n = n_all - gap.missing
        pairs = (n_all - 1.0) - gap.broken_pairs
        d2 = 2.0 * sq - fl - 2.0 * pr - gap.neighbour_sq
    else:
        # every column holds one bin a day: the profiles of all sizes from the epochs'
        assert profile is not None
        assert counts is not None
        prof = {1: profile - rows * shift[:, None] if shifted else profile}
        for k, src, r in steps:
            if k not in prof:
                prof[k] = _coarser(prof[src], r)
        profiles = np.concatenate([prof[k] for k in ks], axis=1)
        col_counts = np.full(profiles.shape, float(rows))
        n, pairs, d2 = n_all.copy(), n_all - 1.0, 2.0 * sq - fl - 2.0 * pr
        if held is not None:  # the empty cells' bins
            profiles, col_counts = profiles - held, col_counts - known.per_column
            n, pairs = n - known.missing, pairs - known.broken_pairs
            d2 = d2 - known.neighbour_sq
    if joined is not None:
        pairs, d2 = pairs + joined[0], d2 + joined[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        tot = _per_size(profiles, offs)
        mean = tot / n
        ss = sq - mean * tot
        # without a missing bin both IS formulas are one: the cheaper one
        cheap = compat or not (gaps or empty)
        num, p = _is_numerator(profiles, col_counts, mean, n, offs, nb, ddof, cheap)
    lost = np.asarray(~shifted & (ss < _LOST_DIGITS * sq).any(axis=1), dtype=bool)
    stats = _is_iv(num, ss, n, p, d2, pairs, ddof)
    return IsIvTotals(ks, stats, profile, counts, binned), lost


def _epochs(
    days: FloatArray,
    buffer: Callable[[], FloatArray],
    copy: bool,
    shifted: bool,
    empty_cols: IntArray | None,
) -> tuple[FloatArray | None, IntArray | None, FloatArray, IntArray, FloatArray]:
    """The average day of *days* and its epochs as (S, R x P), copied when they must change.

    Returns the profile (sum over the days of the valid epochs of each column,
    in time order as ``np.bincount`` over the epochs adds them), its counts,
    the shift of each subject (a whole number near its mean with *shifted*,
    else 0), the flat indices of the missing epochs and the epochs: less the
    shift and NaN where missing, in a *buffer* when *copy* or *shifted* or an
    epoch is missing, else *days* itself. Without *shifted* and with a
    missing epoch the profile and its counts are None (the caller takes them
    from the zeroed epochs). *empty_cols*: the empty cells (0) of each column.
    """
    s, rows, per_day = days.shape
    src = days.reshape(s, -1)
    nan = np.isnan(src)
    missing = np.flatnonzero(nan) if nan.any() else np.zeros(0, dtype=np.int64)
    full = np.full((s, per_day), rows, dtype=np.int64)
    if empty_cols is not None:
        full -= empty_cols
    if not (copy or shifted or missing.size):
        return days.sum(axis=1), full, np.zeros(s), missing, src
    out = buffer()
    if missing.size and not shifted:
        np.copyto(out, src)  # the average day comes later, from the zeroed epochs
        return None, None, np.zeros(s), missing, out
    if missing.size == 0:
        profile, counts = days.sum(axis=1), full
    else:
        np.copyto(out, src)
        out.reshape(-1)[missing] = 0.0
        profile = out.reshape(s, rows, per_day).sum(axis=1)
        subject, cell = np.divmod(missing, rows * per_day)
        nan_cnt = np.bincount(subject * per_day + cell % per_day, minlength=s * per_day)
        counts = rows - nan_cnt.reshape(s, per_day)
        src = out
    shift = np.zeros(s)
    if shifted:
        valid = counts.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            shift = np.where(valid > 0, np.round(profile.sum(axis=1) / valid), 0.0)
    np.subtract(src, shift[:, None], out=out)
    if missing.size:
        out.reshape(-1)[missing] = np.nan
    return profile, counts, shift, missing, out


def _average_day(
    days: FloatArray,
    profiles: FloatArray,
    col_counts: FloatArray,
    ks: tuple[int, ...],
    offs: IntArray,
    nb: IntArray,
) -> tuple[FloatArray, IntArray]:
    """The sums and counts of the valid epochs per column: the columns of size 1, else anew."""
    if 1 in ks:
        one = slice(int(offs[ks.index(1)]), int(offs[ks.index(1)] + nb[ks.index(1)]))
        return profiles[:, one].copy(), col_counts[:, one].astype(np.int64)
    miss = np.isnan(days)
    return np.where(miss, 0.0, days).sum(axis=1), (days.shape[1] - miss.sum(axis=1))


def _binned_flat(
    fine: FloatArray, steps: tuple[tuple[int, int, int], ...], work: FloatArray
) -> dict[int, FloatArray]:
    """Every bin size as a contiguous (S, days x bins) array (NaN propagates).

    Size 1 is *fine*; the others lie one after the other, in ascending
    order, at the start of *work*.
    """
    s, cells = fine.shape
    flat: dict[int, FloatArray] = {1: fine}
    at = 0
    for k, src, r in steps:
        if k not in flat:
            size = s * cells // k
            flat[k] = _coarser(flat[src], r, work[at : at + size].reshape(s, -1))
            at += size
    return flat


def _products(
    flat: dict[int, FloatArray], ks: tuple[int, ...], s: int, rows: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(S, sizes) arrays of Q, P and F (missing bins taken as 0)."""
    q = np.empty((len(ks), s))
    p = np.empty((len(ks), s))
    f = np.empty((len(ks), s))
    for i, k in enumerate(ks):
        d = flat[k].reshape(s, rows, -1)
        # one day per dot product: short rows keep BLAS single-threaded
        q[i] = np.vecdot(d, d).sum(axis=1)
        cross = np.vecdot(d[..., 1:], d[..., :-1]).sum(axis=1)
        if rows > 1:
            cross += np.vecdot(d[:, 1:, 0], d[:, :-1, -1])
        p[i] = cross
        f[i] = d[:, 0, 0] ** 2 + d[:, -1, -1] ** 2
    return q.T, p.T, f.T


def _per_size(a: FloatArray, offsets: IntArray) -> FloatArray:
    """Sums of the columns of each size (the sizes side by side, starting at *offsets*)."""
    return np.add.reduceat(a, offsets, axis=-1)


def _is_numerator(
    sum_col: FloatArray,
    cnt_col: FloatArray,
    mean: FloatArray,
    n: FloatArray,
    offs: IntArray,
    nbin: IntArray,
    ddof: int,
    about_profile_mean: bool,
) -> tuple[FloatArray, FloatArray]:
    r"""Numerator of IS per size, and *p*, from the columns' sums and valid counts.

    With the profile :math:`\bar x_h = S_h / n_h` over the *p* times of day
    with data: :math:`\sum_h w_h (\bar x_h - \bar x)^2 / (p - ddof)`,
    :math:`w_h = n_h p / n`, or (*about_profile_mean*, pyActigraphy)
    :math:`\sum_h (\bar x_h - \bar{\bar x})^2 / (p - ddof)` about the
    profile's own mean. Columns ``(S, C)``, the sizes side by side; *mean*
    and *n* per size. Call under ``np.errstate(invalid="ignore",
    divide="ignore")``.
    """
    has = cnt_col > 0
    p = _per_size(has.astype(np.float64), offs)
    if about_profile_mean:
        prof = np.where(has, sum_col / np.where(has, cnt_col, 1.0), 0.0)
        dev = prof - np.repeat(_per_size(prof, offs) / p, nbin, axis=-1)
        dev[~has] = 0.0
        return _per_size(dev * dev, offs) / (p - ddof), p
    # n_h (xbar_h - xbar)^2 = (S_h - n_h xbar)^2 / n_h, 0 where n_h = 0
    dev = sum_col - cnt_col * np.repeat(mean, nbin, axis=-1)
    dev *= dev
    np.divide(dev, cnt_col, out=dev, where=has)
    return _per_size(dev, offs) * (p / n) / (p - ddof), p


def _is_iv(
    num: FloatArray,
    ss: FloatArray,
    n: FloatArray,
    p: FloatArray,
    d2: FloatArray,
    pairs: FloatArray,
    ddof: int,
) -> IsIvStats:
    """IS = num / (ss / (n - ddof)), IV = (d2 / pairs) / (ss / (n - ddof)), NaN where undefined.

    Undefined as in :func:`ipsrt.rhythm.nonparametric.is_undefined` and
    :func:`~ipsrt.rhythm.nonparametric.iv_undefined`: at most
    ``max(ddof, 1)`` valid bins or no variance (both), at most *ddof* times
    of day with data (IS), no pair of valid bins (IV).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        var = ss / (n - ddof)
        is_ = num / var
        iv = (d2 / pairs) / var
    bad = (n <= max(ddof, 1)) | (ss == 0.0)
    is_[bad | (p <= ddof)] = np.nan
    iv[bad | (pairs == 0)] = np.nan
    return IsIvStats(is_, iv, n, ss, p, pairs)
