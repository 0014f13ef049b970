r"""The non-parametric figures of many recordings at once: the fast path.

:func:`nonparametric_many` gives, for every row of a (subjects, epochs)
array, the figures that :func:`ipsrt.rhythm.nonparametric_figures.nonparametric_figures`
(the reference, straight from the formulas of :mod:`ipsrt.rhythm.nonparametric`)
gives one recording at a time: IS, IV, ISm, IVm, L5, M10, RA, their onsets
and the 7-day block figures, with the same reasons for every NaN. It is the
only fast implementation: :func:`ipsrt.rhythm.panel_many` runs it on a
cohort, :func:`ipsrt.rhythm.panel` on a batch of one, wherever
:func:`fast_path_applies`; the property tests
(``tests/rhythm/test_nonparametric_many.py``) hold it to the reference.

The steps, each a function below:

1. **layout** (:func:`_day_rows`): the (binarised) counts as (subjects,
   days, epochs of the day); default mode: rows are local days from midnight
   (NaN before the first and after the last epoch); compat mode: rows from
   the first epoch (pyActigraphy's ``resample(origin='start')``), the time
   of day of column 0 being that of the first epoch;
2. **IS/IV of every bin size** (:func:`ipsrt.rhythm.is_iv_totals.is_iv_at_sizes`):
   a few totals per size and subject, ISm/IVm their means;
3. **the average day** (sum and count of the valid epochs per time of day),
   and the same per 7-day block (:func:`_block_average_days`); IS/IV of the
   hourly bins of every block (:func:`_block_is_iv`);
4. **L5/M10** of all those average days at once (:func:`_l5_m10`): the
   window sums of the cyclic profile from one cumulative sum,
   :math:`W_s = C_{s+w} - C_s`, pick the onset (the first window within
   1e-9 of the best) and give the value; a window small against the day's
   total (a quiet night among loud days) is summed afresh, as the reference
   sums it, since a difference of two large cumulative sums keeps only a few
   of its digits;
5. **the figures and their reasons** per subject (:meth:`ManyFigures.figures_and_reasons`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from ipsrt.rhythm.bin_gaps import EmptyCells, Seams
from ipsrt.rhythm.epochs import DAY_S, BoolArray, FloatArray, IntArray
from ipsrt.rhythm.is_iv_totals import IsIvStats, is_iv_at_sizes, workspace_size
from ipsrt.rhythm.local_days import LocalDays
from ipsrt.rhythm.nonparametric import (
    ISM_BIN_MINUTES,
    WHY_DAY_HAS_GAPS,
    WHY_NO_EPOCHS,
    WHY_NO_WINDOW,
    Params,
    is_undefined,
    iv_undefined,
    ra_of,
    too_few_days,
)
from ipsrt.rhythm.nonparametric_figures import BLOCK_KEYS, SCALAR_KEYS, WHY_ISM, WHY_IVM
from ipsrt.rhythm.week_blocks import (
    average_days_between,
    block_average_days,
    block_average_days_local,
    block_is_iv,
    block_is_iv_local,
)
from ipsrt.rhythm.workspace import Workspace

__all__ = ["ManyFigures", "fast_path_applies", "nonparametric_many"]

_WEEK_S = 7 * DAY_S


def _bin_epochs(minutes: float, epoch_s: int, compat: bool) -> int | None:
    """A bin of *minutes* in epochs, or None when it is not a whole number dividing the day."""
    bin_s = round(minutes * 60)
    if compat and bin_s <= epoch_s:
        return 1  # pyActigraphy: bins not longer than the epoch are the epochs
    if bin_s % epoch_s or DAY_S % bin_s:
        return None
    return bin_s // epoch_s


def _bin_sizes(epoch_s: int, prm: Params) -> tuple[list[int], int] | None:
    """The bin sizes of ISm/IVm and of IS/IV in epochs; None when one cannot be laid out."""
    compat = prm.compat is not None
    epoch_min = epoch_s / 60
    ism = [_bin_epochs(m, epoch_s, compat) for m in ISM_BIN_MINUTES if compat or not m % epoch_min]
    main = _bin_epochs(prm.bin_minutes, epoch_s, compat)
    if main is None or any(k is None for k in ism):
        return None
    return [k for k in ism if k is not None], main


def fast_path_applies(epoch_s: int, one_utc_offset: bool, prm: Params) -> bool:
    """Whether :func:`nonparametric_many` computes the figures of such recordings.

    It needs every bin size to be a whole number of epochs dividing the day
    and, in default mode, a single UTC offset over the recording (the rows
    are local days of 24 h) unless the caller lays the recording out across
    the changes (*one_utc_offset* True with a
    :class:`~ipsrt.rhythm.local_days.LocalDays` passed to
    :func:`nonparametric_many`). Otherwise the reference,
    :func:`ipsrt.rhythm.nonparametric_figures.nonparametric_figures`, does.
    """
    if prm.compat is None and not one_utc_offset:
        return False
    return _bin_sizes(epoch_s, prm) is not None


@dataclass(frozen=True)
class ManyFigures:
    """The figures of every subject, as arrays (see :func:`nonparametric_many`)."""

    prm: Params
    valid_days: FloatArray
    """(S,) valid epochs x epoch / 24 h."""
    stats: IsIvStats
    """(S, 1) IS/IV of the main bins, with the counts behind them."""
    ism: FloatArray
    ivm: FloatArray
    l5: tuple[FloatArray, FloatArray, list[str]]
    """Values, onsets (minutes after local midnight) and reasons ("" = none)."""
    m10: tuple[FloatArray, FloatArray, list[str]]
    """As ``l5``."""
    blocks: dict[str, FloatArray] | None
    """(S, blocks) arrays of ISp, IVp, L5p, M10p, RAp (None without blocks)."""
    counts_profile: tuple[FloatArray, IntArray]
    """(S, epochs of the day) sums and counts of the valid raw counts per time of
    day from local midnight (the cosinor's input)."""

    def figures_and_reasons(self) -> list[tuple[dict[str, Any], dict[str, str]]]:
        """Per subject, the figures and reasons of :func:`nonparametric_figures`."""
        prm = self.prm
        blk = {k: v.tolist() for k, v in self.blocks.items()} if self.blocks is not None else None
        out: list[tuple[dict[str, Any], dict[str, str]]] = []
        for i, days in enumerate(self.valid_days.tolist()):
            r: dict[str, Any] = {}
            why: dict[str, str] = {}
            if days < prm.min_days:
                short = too_few_days(days, prm.min_days)
                for k in SCALAR_KEYS:
                    r[k], why[k] = np.nan, short
                if blk is not None:
                    r.update(dict.fromkeys(BLOCK_KEYS, ()))
                out.append((r, why))
                continue
            st = self.stats
            n, ss, p, pairs = (float(a[i, 0]) for a in (st.n, st.ss, st.p, st.pairs))
            r["IS"], r["IV"] = float(st.is_[i, 0]), float(st.iv[i, 0])
            for key, reason in (
                ("IS", is_undefined(n, ss, p, prm.ddof)),
                ("IV", iv_undefined(n, ss, pairs, prm.ddof)),
            ):
                if reason:
                    why[key] = reason
            for key, v, reason in (("ISm", self.ism[i], WHY_ISM), ("IVm", self.ivm[i], WHY_IVM)):
                r[key] = float(v)
                if np.isnan(v):
                    why[key] = reason
            for key, (val, onset, reasons) in (("L5", self.l5), ("M10", self.m10)):
                r[key], r[f"{key}_onset"] = float(val[i]), float(onset[i])
                if reasons[i]:
                    why[key] = why[f"{key}_onset"] = reasons[i]
            r["RA"], ra_why = ra_of(r["L5"], r["M10"])
            if ra_why:
                why["RA"] = ra_why
            if blk is not None:
                for k in BLOCK_KEYS:
                    r[k] = tuple(blk[k][i])
            out.append((r, why))
        return out


def nonparametric_many(
    x: FloatArray,
    *,
    epoch_s: int,
    first_tod: int,
    prm: Params,
    blocks: bool = True,
    ws: Workspace | None = None,
    local: LocalDays | None = None,
) -> ManyFigures:
    """The non-parametric figures of every row of *x*, as the reference gives them.

    Parameters
    ----------
    x : numpy.ndarray
        (subjects, epochs) counts, NaN = missing; the subjects share the
        start, the epoch and the length.
    epoch_s : int
        Epoch length in seconds (:func:`fast_path_applies` must hold).
    first_tod : int
        Time of day of the first epoch, in epochs after local midnight.
    prm : Params
        Mode and parameters (:func:`ipsrt.rhythm.nonparametric.params_for`).
    blocks : bool
        Also the 7-day block figures.
    ws : Workspace, optional
        Scratch buffers reused from call to call (see
        :class:`ipsrt.rhythm.workspace.Workspace`).
    local : LocalDays, optional
        Default mode: where the epochs go in rows of local days across
        UTC-offset changes (:mod:`ipsrt.rhythm.local_days`); its first cell
        must be *first_tod*. Without it the rows are days of 24 h.
    """
    sizes = _bin_sizes(epoch_s, prm)
    if sizes is None:
        raise ValueError(f"the fast path does not take {epoch_s} s epochs in this mode")
    ism_sizes, main = sizes
    ws = Workspace() if ws is None else ws
    s, n = x.shape
    per_day = DAY_S // epoch_s
    compat = prm.compat is not None
    nan_x = np.isnan(x)
    valid_days = (n - np.count_nonzero(nan_x, axis=1)) * epoch_s / DAY_S
    q = _active(x, nan_x, prm)
    lead = 0 if compat else first_tod
    rot = first_tod if compat else 0
    if local is not None and (compat or int(local.cell[0]) != first_tod):
        raise ValueError("a local-day layout is for default mode, from the first epoch's cell")
    seams: Seams | None = None
    empty: EmptyCells | None = None
    gaps = bool(nan_x.any())
    if local is None or local.one_offset:
        days = _day_rows(q, per_day, lead)
    else:
        # without a missing epoch the empty cells are 0, at positions known
        # in advance (is_iv_at_sizes then needs no search for NaN)
        buf = ws.array("local_days", (s, local.rows * per_day))
        days = local.lay_out(q, buf, np.nan if gaps else 0.0)
        seams = local.seam_cells
        empty = None if gaps else local.empty
    need = workspace_size([*ism_sizes, main], per_day, s, days.shape[1])
    tot = is_iv_at_sizes(
        days,
        [*ism_sizes, main],
        prm.ddof,
        compat=compat,
        length=n if compat else None,
        keep=(main,),
        work=ws.array("levels", (need,)),
        ws=ws,
        seams=seams,
        empty=empty,
    )
    if empty is not None:
        assert local is not None
        local.fill_empty(buf, np.nan)  # for the block average days
    im = [tot.sizes.index(k) for k in ism_sizes]
    h = tot.sizes.index(main)
    stats = IsIvStats(*(getattr(tot.stats, f.name)[:, h : h + 1] for f in fields(IsIvStats)))
    sums, cnt = np.roll(tot.profile, rot, axis=1), np.roll(tot.counts, rot, axis=1)
    if prm.binarize:  # compat mode: one offset
        rows = _day_rows(x, per_day, lead)
        counts_profile = _rolled(*average_days_between(rows, 0, lead + n), rot)
    else:
        counts_profile = (sums, cnt)
    blk: dict[str, FloatArray] | None = None
    block_days: tuple[FloatArray, IntArray] | None = None
    if blocks and seams is not None:
        assert local is not None
        blk = block_is_iv_local(tot.binned[main], local, main, prm)
        block_days = block_average_days_local(days, local, gaps)
    elif blocks:
        blk = block_is_iv(tot.binned[main], n, lead, main, epoch_s, prm)
        whole_days = lead == 0 and n % per_day == 0 and not nan_x.any()
        block_days = _rolled(*block_average_days(days, n, lead, epoch_s, compat, whole_days), rot)
    lo5, hi10, block_lmx = _l5_m10(sums, cnt, block_days, epoch_s, compat, ws)
    if blk is not None:
        blk.update(block_lmx)
    return ManyFigures(
        prm,
        valid_days,
        stats,
        tot.stats.is_[:, im].mean(axis=1),
        tot.stats.iv[:, im].mean(axis=1),
        lo5,
        hi10,
        blk,
        counts_profile,
    )


def _active(x: FloatArray, nan_x: BoolArray, prm: Params) -> FloatArray:
    """The counts, or 1 where above the threshold and else 0 (NaN kept) when *prm* binarises."""
    if not prm.binarize:
        return x
    q = np.where(x > prm.threshold, 1.0, 0.0)
    q[nan_x] = np.nan
    return q


def _day_rows(x: FloatArray, per_day: int, lead: int) -> FloatArray:
    """(S, n) -> (S, days, per_day): *lead* NaN before the first epoch, NaN after the last."""
    s, n = x.shape
    rows = -(-(lead + n) // per_day)
    if lead == 0 and rows * per_day == n:
        return x.reshape(s, rows, per_day)
    out = np.full((s, rows * per_day), np.nan)
    out[:, lead : lead + n] = x
    return out.reshape(s, rows, per_day)


def _rolled(sums: FloatArray, cnt: IntArray, rot: int) -> tuple[FloatArray, IntArray]:
    """Profiles whose column 0 is the time of day *rot*, rolled to start at midnight."""
    if not rot:
        return sums, cnt
    return np.roll(sums, rot, axis=-1), np.roll(cnt, rot, axis=-1)


Lmx = tuple[FloatArray, FloatArray, list[str]]


def _l5_m10(
    sums: FloatArray,
    cnt: IntArray,
    block_days: tuple[FloatArray, IntArray] | None,
    epoch_s: int,
    compat: bool,
    ws: Workspace,
) -> tuple[Lmx, Lmx, dict[str, FloatArray]]:
    """L5 and M10 of the (S, P) average days and of the (S, blocks, P) block average days.

    All rows in one :func:`_lmx_many`; the blocks' L5p, M10p and RAp as
    (S, blocks) arrays (empty without *block_days*).
    """
    if block_days is None:
        lo5, hi10 = _lmx_many(sums, cnt, epoch_s, compat, ws)
        return lo5, hi10, {}
    s, per_day = sums.shape
    b_sums, b_cnt = block_days
    both = _lmx_many(
        np.concatenate((sums, b_sums.reshape(-1, per_day))),
        np.concatenate((cnt, b_cnt.reshape(-1, per_day))),
        epoch_s,
        compat,
        ws,
    )
    lo5, hi10 = both[0], both[1]
    a, z = lo5[0][s:].reshape(s, -1), hi10[0][s:].reshape(s, -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ra = (z - a) / (z + a)  # as ra_of: NaN when either is NaN or both are 0
    ra[(z + a) == 0] = np.nan
    lo5 = (lo5[0][:s], lo5[1][:s], lo5[2][:s])  # the recordings' own average days
    hi10 = (hi10[0][:s], hi10[1][:s], hi10[2][:s])
    return lo5, hi10, {"L5p": a, "M10p": z, "RAp": ra}


def _lmx_many(
    sums: FloatArray, cnt: IntArray, epoch_s: int, compat: bool, ws: Workspace
) -> list[tuple[FloatArray, FloatArray, list[str]]]:
    """L5 and M10 of every row of the average days *sums* / *cnt*: values, onsets, reasons.

    As :func:`ipsrt.rhythm.nonparametric.lmx_window` row by row: the onset
    is the first window within 1e-9 (relative, at least 1e-9 absolute) of the
    best, among window sums taken from one cumulative sum; the value is that
    window's sum (:func:`_window_sums`).
    """
    k, per_day = sums.shape
    with np.errstate(invalid="ignore", divide="ignore"):
        prof = sums / cnt
    nan = np.isnan(prof)
    any_nan = bool(nan.any())
    has_data = cnt > 0
    none = np.asarray(~has_data.any(axis=1), dtype=bool)
    gaps = np.asarray(~has_data.all(axis=1) & (not compat), dtype=bool)
    zeroed = np.where(nan, 0.0, prof) if any_nan else prof
    # window sums from one cumulative sum (in buffers kept from call to call)
    cs = _row_cumsum(zeroed, ws.array("profile_cumsum", (k, per_day + 1)))
    valid_cs = _row_cumsum(~nan, np.empty((k, per_day + 1), dtype=np.int64)) if any_nan else None
    out: list[tuple[FloatArray, FloatArray, list[str]]] = []
    for hours, lowest in ((5, True), (10, False)):
        w = round(hours * 3600 / epoch_s)
        win = _wrapped_differences(cs, w, ws.array("window_sums", (k, per_day)))
        if valid_cs is not None:
            win[_wrapped_differences(valid_cs, w, np.empty((k, per_day), np.int64)) == 0] = np.nan
        all_nan = np.isnan(win).all(axis=1) if any_nan else np.zeros(k, dtype=bool)
        bad = none | gaps | all_nan
        safe = np.where(bad[:, None], 0.0, win) if bad.any() else win
        # fmin/fmax skip NaN as nanmin/nanmax (no row is all NaN here)
        best = np.fmin.reduce(safe, axis=1) if lowest else np.fmax.reduce(safe, axis=1)
        tol = 1e-9 * np.maximum(1.0, np.abs(best))
        # |safe - best| without abs: safe >= best (L5) or safe <= best (M10)
        gap = ws.array("window_gaps", (k, per_day))
        if lowest:
            np.subtract(safe, best[:, None], out=gap)
        else:
            np.subtract(best[:, None], safe, out=gap)
        onset = (gap <= tol[:, None]).argmax(axis=1)
        value = _window_sums(zeroed, cs, onset, w) / w
        if not compat:
            value /= epoch_s / 60.0  # counts per minute
        reasons = [""] * k
        for j in np.flatnonzero(bad).tolist():
            reasons[j] = (
                WHY_NO_EPOCHS if none[j] else WHY_DAY_HAS_GAPS if gaps[j] else WHY_NO_WINDOW
            )
        value[bad] = np.nan
        minutes = np.where(bad, np.nan, onset * epoch_s / 60.0)
        out.append((value, minutes, reasons))
    return out


#: a window sum below this fraction of its row's total is summed afresh: a
#: difference of two cumulative sums of P terms is exact only to about
#: P x 1e-16 of the total (at most 1.6e-10 of such a window for P = 1440)
_SMALL_WINDOW = 1e-3


def _window_sums(zeroed: FloatArray, cs: FloatArray, onset: IntArray, w: int) -> FloatArray:
    """The sum of the cyclic window of *w* values from *onset* of every row of *zeroed*.

    From the cumulative sums *cs* (:func:`_wrapped_differences`), except for
    the windows small against their row's total, which are summed afresh as
    the reference sums them (one contiguous run of *w* values).
    """
    k, per_day = zeroed.shape
    rows = np.arange(k)
    end = onset + w
    inside = np.minimum(end, per_day)
    sums = cs[rows, inside] - cs[rows, onset] + cs[rows, np.maximum(end - per_day, 0)]
    small = np.flatnonzero(sums < _SMALL_WINDOW * cs[:, -1])
    if small.size:
        sub = zeroed[small]
        cyclic = np.concatenate((sub, sub[:, : w - 1]), axis=1)
        windows = sliding_window_view(cyclic, w, axis=1)[np.arange(small.size), onset[small]]
        sums[small] = windows.sum(axis=1)
    return sums


def _row_cumsum(a: FloatArray | BoolArray, out: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Cumulative sums along the rows of *a* (K, P) into *out* (K, P + 1), 0 first."""
    out[:, 0] = 0
    np.cumsum(a, axis=1, out=out[:, 1:])
    return out


def _wrapped_differences(cs: npt.NDArray[Any], w: int, win: npt.NDArray[Any]) -> npt.NDArray[Any]:
    r"""Cyclic sums of *w* successive values of every row, from its cumulative sums *cs*.

    .. math:: W_{k,s} = \sum_{j=0}^{w-1} p_{k,(s+j) \bmod P} = C_{s+w} - C_s

    when the window does not wrap, else :math:`(C_P - C_s) + C_{s+w-P}`
    (``1 <= w <= P``), into *win* (K, P).
    """
    per_day = cs.shape[1] - 1
    split = per_day - w + 1
    np.subtract(cs[:, w:], cs[:, :split], out=win[:, :split])
    if split < per_day:
        tail = win[:, split:]
        np.subtract(cs[:, per_day:], cs[:, split:per_day], out=tail)
        tail += cs[:, 1:w]
    return win
