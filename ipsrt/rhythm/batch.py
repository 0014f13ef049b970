r"""The panel of many aligned recordings at once (:func:`panel_many`).

Every figure of :func:`ipsrt.rhythm.panel` is computed with array operations
across subjects: the cohort is one tensor ``X`` of shape (subjects, days,
epochs of the day) and

* IS/IV at all 22 bin sizes: every bin size is summed from a smaller one by
  strided slices of the last axis (2 from 1, 6 from 3, ...); in default mode,
  and in compat mode for whole days without a missing epoch, the rows are
  local days and a few totals per size and subject give IS and IV
  (:func:`ipsrt.rhythm.whole_days.whole_day_levels`; missing bins corrected
  from their sparse list); compat mode otherwise reduces the level matrix of
  pyActigraphy's layout (:func:`ipsrt.rhythm.level_stats.level_stats_columns`);
* L5/M10: the average day of every subject (sum and count of valid epochs per
  time of day), made cyclic, and window sums from one cumulative sum along
  the profile axis, :math:`W_s = C_{s+w} - C_s`;
* 7-day blocks: the same on the tensor reshaped to (subjects x blocks, 7,
  ...);
* cosinor: the 3x3 normal equations of :math:`Y = M + \beta\cos\omega t +
  \gamma\sin\omega t` built from the profiles against the one shared design
  (:math:`\cos\omega t_c, \sin\omega t_c` per time of day *c*) and solved for
  all subjects in one batched ``np.linalg.solve``;
* Cole-Kripke, SRI and the sleep summary: :mod:`ipsrt.rhythm.batch_sleep`.

Preconditions (checked; when one fails for a reason other than bad values,
each subject goes through :func:`ipsrt.rhythm.panel` instead, with the same
result):

* ``counts`` is a float array of shape (subjects, epochs) or (subjects, days,
  epochs of the day), NaN = missing, no negative or infinite values;
* all subjects share the start ``start`` (a **local midnight** in ``tz``),
  the epoch ``epoch_s`` and the length;
* default mode: 60-s epochs, or shorter epochs dividing 60 s (summed into
  minutes, as :func:`ipsrt.rhythm.epochs.prepare`), and **no UTC-offset
  change** from the start to the end of the recording;
* compat mode: an epoch dividing 60 s (the wall clock runs on without DST
  jumps, as in :func:`~ipsrt.rhythm.panel`, so DST does not matter).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import numpy as np
import pandas as pd

from ipsrt.errors import InvalidInputError
from ipsrt.rhythm import batch_sleep, grid, level_stats, whole_days
from ipsrt.rhythm import nonparametric as npm
from ipsrt.rhythm.cosinor import (
    COSINOR_KEYS,
    cosinor_nan_reasons,
    cosinor_profiles,
    valid_sum_of_squares,
)
from ipsrt.rhythm.epochs import DAY_S, FloatArray, IntArray, utc_offsets
from ipsrt.rhythm.panel import panel
from ipsrt.timeutil import zone

__all__ = ["panel_many"]

#: working-set size per chunk of subjects (see :func:`panel_many`): memory
#: stays bounded, and the large temporaries live in a workspace reused from
#: chunk to chunk (8-16 MB measured best: smaller chunks pay the per-call
#: overhead of NumPy more often, larger ones fall out of the cache)
CHUNK_BYTES = 12_000_000
_BLOCK_KEYS = ("ISp", "IVp", "L5p", "M10p", "RAp")
_COSINOR_KEYS = COSINOR_KEYS


def panel_many(
    counts: np.ndarray,
    *,
    tz: str | dt.tzinfo,
    start: dt.datetime | pd.Timestamp | str,
    epoch_s: int = 60,
    compat: Literal["pyactigraphy"] | None = None,
    min_days: float | None = None,
    blocks: bool = True,
    sleep_summary: bool = True,
) -> pd.DataFrame:
    """:func:`ipsrt.rhythm.panel` of many aligned recordings, one row per subject.

    Parameters
    ----------
    counts : numpy.ndarray
        (subjects, epochs) or (subjects, days, epochs of the day); NaN =
        missing. See the module docstring for the preconditions.
    tz : str or tzinfo
        Zone of the local clock, shared by all subjects.
    start : datetime, Timestamp or str
        The first epoch, a local midnight in *tz* (naive = local time).
    epoch_s : int
        Epoch length in seconds.
    compat, min_days, blocks, sleep_summary
        As for :func:`ipsrt.rhythm.panel` (Cole-Kripke states in default
        mode, MASDA in compat mode; no ``sleep=``, no extended cosinor).

    Returns
    -------
    pandas.DataFrame
        One row per subject (index 0..S-1), columns the keys of ``panel``;
        values equal ``panel`` of each subject's Series to rounding (1e-12
        relative), integer and epoch outputs exactly.
    """
    x, start_ts, zi = _check(counts, tz, start, epoch_s)
    prm = npm.params_for(compat, min_days=min_days)
    fast = _fast_path_ok(x, start_ts, zi, epoch_s, prm.compat is not None)
    if not fast:
        return _per_subject(x, start_ts, epoch_s, prm.compat, min_days, blocks, sleep_summary)
    if prm.compat is None and epoch_s < 60:
        x, epoch_s = _to_minutes(x, epoch_s)
    delta = start_ts.utcoffset()
    off = int(delta.total_seconds()) if delta is not None else 0
    utc0 = int(start_ts.timestamp())
    rows: list[dict[str, Any]] = []
    # Subjects go through in chunks of about CHUNK_BYTES of level matrices,
    # so that the working arrays stay in cache and memory stays bounded.
    per_subject = x.shape[1] * 8 * 4
    step = max(1, CHUNK_BYTES // per_subject)
    ws = grid.Workspace()  # the large temporaries, reused by every chunk
    for a in range(0, x.shape[0], step):
        xc = x[a : a + step]
        part = _figures(xc, epoch_s, prm, blocks, ws)
        batch_sleep.add_sleep(xc, epoch_s, prm, part, utc0, off, zi, sleep_summary)
        rows.extend(part)
    for r in rows:
        r["reasons"] = r.pop("_reasons")
    return pd.DataFrame(rows)


def _check(
    counts: np.ndarray, tz: str | dt.tzinfo, start: object, epoch_s: int
) -> tuple[FloatArray, pd.Timestamp, dt.tzinfo]:
    x = np.asarray(counts, dtype=np.float64)
    if x.ndim == 3:
        if x.shape[2] * epoch_s != DAY_S:
            raise InvalidInputError(
                f"a 3-D array needs {DAY_S // max(epoch_s, 1)} epochs per day, got {x.shape[2]}"
            )
        x = x.reshape(x.shape[0], -1)
    if x.ndim != 2 or x.shape[0] == 0:
        raise InvalidInputError(
            "counts must be a (subjects, epochs) or (subjects, days, epochs) array"
        )
    if x.shape[1] < 2:
        raise InvalidInputError("counts must hold at least two epochs")
    if epoch_s <= 0 or DAY_S % epoch_s:
        raise InvalidInputError(f"a {epoch_s} s epoch does not divide 24 h")
    lo, hi = float(np.fmin.reduce(x, axis=None)), float(np.fmax.reduce(x, axis=None))
    if hi == np.inf or lo == -np.inf:
        raise InvalidInputError("counts contain infinite values")
    if lo < 0:
        raise InvalidInputError("counts must not be negative")
    zi = zone(tz) if isinstance(tz, str) else tz
    ts = pd.Timestamp(start)
    ts = ts.tz_localize(zi) if ts.tzinfo is None else ts.tz_convert(zi)
    if ts != ts.normalize():
        raise InvalidInputError(f"start {ts} is not a local midnight in {tz}")
    return x, ts, zi


def _fast_path_ok(
    x: FloatArray, start: pd.Timestamp, zi: dt.tzinfo, epoch_s: int, compat: bool
) -> bool:
    if compat:
        return 60 % epoch_s == 0
    if epoch_s > 60 or 60 % epoch_s:
        return False
    t0 = int(start.timestamp())
    t_end = t0 + x.shape[1] * epoch_s
    off = utc_offsets(np.arange(t0, t_end + 1, epoch_s, dtype=np.int64), zi)
    return bool((off == off[0]).all())


def _per_subject(
    x: FloatArray,
    start: pd.Timestamp,
    epoch_s: int,
    compat: npm.Compat,
    min_days: float | None,
    blocks: bool,
    with_summary: bool,
) -> pd.DataFrame:
    idx = pd.date_range(start, periods=x.shape[1], freq=pd.Timedelta(seconds=epoch_s))
    return pd.DataFrame(
        [
            panel(
                pd.Series(row, idx),
                compat=compat,
                min_days=min_days,
                blocks=blocks,
                sleep_summary=with_summary,
            )
            for row in x
        ]
    )


def _to_minutes(x: FloatArray, epoch_s: int) -> tuple[FloatArray, int]:
    k = 60 // epoch_s
    tail = (-x.shape[1]) % k
    if tail:
        x = np.concatenate((x, np.full((x.shape[0], tail), np.nan)), axis=1)
    return x.reshape(x.shape[0], -1, k).sum(axis=2), 60


def _days(x: FloatArray, per_day: int, fill: float) -> FloatArray:
    """(S, n) -> (S, R, per_day), the last day padded with *fill*."""
    s, n = x.shape
    rows = -(-n // per_day)
    if rows * per_day == n:
        return x.reshape(s, rows, per_day)
    out = np.full((s, rows * per_day), fill)
    out[:, :n] = x
    return out.reshape(s, rows, per_day)


def _figures(
    x: FloatArray, epoch_s: int, prm: npm.Params, blocks: bool, ws: grid.Workspace
) -> list[dict[str, Any]]:
    """Every non-parametric figure and the cosinor, one dict per subject.

    *ws*: the caller's workspace, kept from chunk to chunk (see
    :class:`ipsrt.rhythm.grid.Workspace`).
    """
    s, n = x.shape
    per_day = DAY_S // epoch_s
    compat = prm.compat is not None
    nan_x = np.isnan(x)
    n_valid = n - np.count_nonzero(nan_x, axis=1)
    valid_days = n_valid * epoch_s / DAY_S
    short = valid_days < prm.min_days
    q = x
    if prm.binarize:
        q = np.where(x > prm.threshold, 1.0, 0.0)
        q[nan_x] = np.nan
    qg = _days(q, per_day, np.nan)
    epoch_min = epoch_s / 60
    sizes = [max(1, m * 60 // epoch_s) for m in npm.ISM_BIN_MINUTES if compat or not m % epoch_min]
    main = round(prm.bin_minutes * 60) // epoch_s
    # no NaN epoch and whole days: no NaN bin (compat: none after the end)
    nan_free = n == qg.shape[1] * per_day and int(n_valid.sum()) == s * n
    sums: FloatArray | None = None
    if nan_free or not compat:
        # local days from midnight: per-level totals (compat mode with gaps
        # keeps the level matrix, for the layout of pyActigraphy's resampling)
        need = whole_days.workspace_size([*sizes, main], per_day, s, qg.shape[1])
        work = ws.array("whole_days", (need,))
        wd = whole_days.whole_day_levels(qg, [*sizes, main], prm.ddof, work, ws, keep=(main,))
        ks, st, hourly = wd.sizes, wd.stats, wd.binned[main]
        sums, cnt = wd.profile, wd.counts
    else:
        if compat:
            lv = grid.levels_array(_days(q, per_day, 0.0), [*sizes, main], n, ws)
        else:
            lv = grid.levels_array(qg, [*sizes, main], ws=ws)
        # the hourly bins with their NaN (the blocks need them), then the
        # stats, which may zero the missing bins of the matrix in place
        ks, hourly = lv.sizes, lv.level(main).copy()
        st, sum_col, cnt_col = level_stats.level_stats_columns(lv, prm.ddof, compat, overwrite=True)
        if lv.sizes[0] == 1:
            # the bins of size 1 are the epochs, NaN outside the recording in
            # both layouts: their column sums and counts are the average day
            sums, cnt = sum_col[:, :per_day], cnt_col[:, :per_day].astype(np.int64)
    im = [ks.index(k) for k in sizes]
    ism, ivm = st.is_[:, im].mean(axis=1), st.iv[:, im].mean(axis=1)
    h = ks.index(main)
    if sums is None:
        sums, cnt = _profile(qg, n, 0, n)
    sq = valid_sum_of_squares(x)
    if prm.binarize:
        cos = cosinor_profiles(
            *_profile(_days(x, per_day, np.nan), n, 0, n), epoch_s, sum_squares=sq
        )
    else:
        cos = cosinor_profiles(sums, cnt, epoch_s, sum_squares=sq)
    blk: dict[str, FloatArray] | None = None
    if blocks:
        blk = _block_is_iv(qg, hourly, n, main, prm, nan_free)
        b_sums, b_cnt = _block_profiles(qg, n, compat, nan_free)
        # the average day and the block average days in one L5/M10 pass
        lo5, hi10 = _lmx_both(
            np.concatenate((sums, b_sums.reshape(-1, per_day))),
            np.concatenate((cnt, b_cnt.reshape(-1, per_day))),
            epoch_s,
            compat,
        )
        a, z = lo5[0][s:].reshape(s, -1), hi10[0][s:].reshape(s, -1)
        with np.errstate(invalid="ignore", divide="ignore"):
            ra = (z - a) / (z + a)
        ra[(z + a) == 0] = np.nan
        blk.update(L5p=a, M10p=z, RAp=ra)
        lo5 = (lo5[0][:s], lo5[1][:s], lo5[2][:s])
        hi10 = (hi10[0][:s], hi10[1][:s], hi10[2][:s])
    else:
        lo5, hi10 = _lmx_both(sums, cnt, epoch_s, compat)
    # Python floats once per array (tolist), not element by element
    blk_rows = {k: v.tolist() for k, v in blk.items()} if blk is not None else None
    out: list[dict[str, Any]] = []
    for i in range(s):
        r: dict[str, Any] = {"compat": prm.compat, "epoch_s": epoch_s}
        r["valid_days"] = float(valid_days[i])
        why: dict[str, str] = {}
        if short[i]:
            msg = f"{valid_days[i]:.2f} valid days, fewer than the minimum of {prm.min_days:g}"
            for k in ("IS", "IV", "ISm", "IVm", "L5", "M10", "RA", "L5_onset", "M10_onset"):
                r[k], why[k] = np.nan, msg
            for k in _BLOCK_KEYS:
                r[k] = ()
            cmsg = f"{valid_days[i]:.2f} valid days, fewer than {prm.min_days:g}"
            for k in _COSINOR_KEYS:
                r[k], why[k] = np.nan, cmsg
            r["_reasons"] = why
            out.append(r)
            continue
        _is_iv(r, why, st, i, h, prm.ddof)
        for key, v in (("ISm", ism[i]), ("IVm", ivm[i])):
            r[key] = float(v)
            if np.isnan(v):
                why[key] = f"{key[:2]} is NaN at one or more bin sizes"
        for key, (val, onset, reason) in (("L5", lo5), ("M10", hi10)):
            r[key], r[f"{key}_onset"] = float(val[i]), float(onset[i])
            if reason[i]:
                why[key] = why[f"{key}_onset"] = reason[i]
        r["RA"], ra_why = npm._ra(r["L5"], r["M10"])
        if ra_why:
            why["RA"] = ra_why
        for k in _BLOCK_KEYS:
            r[k] = tuple(blk_rows[k][i]) if blk_rows is not None else ()
        for k, v in zip(_COSINOR_KEYS, cos[i], strict=True):
            r[k] = float(v)
        why.update(cosinor_nan_reasons(cos[i]))
        r["_reasons"] = why
        out.append(r)
    return out


def _is_iv(
    r: dict[str, Any], why: dict[str, str], st: level_stats.LevelStats, i: int, h: int, ddof: int
) -> None:
    """Hourly IS/IV and the reasons of :func:`ipsrt.rhythm.nonparametric._is_core`/_iv_core."""
    n, ss, p, pairs = st.n[i, h], st.ss[i, h], st.p[i, h], st.pairs[i, h]
    r["IS"], r["IV"] = float(st.is_[i, h]), float(st.iv[i, h])
    if n <= max(ddof, 1):
        why["IS"] = "too few valid bins"
    elif ss == 0.0:
        why["IS"] = "activity has zero variance"
    elif p <= ddof:
        why["IS"] = "too few time-of-day bins"
    if n <= max(ddof, 1) or pairs == 0:
        why["IV"] = "too few valid consecutive bins"
    elif ss == 0.0:
        why["IV"] = "activity has zero variance"


def _profile(g: FloatArray, n: int, lo: int, hi: int) -> tuple[FloatArray, IntArray]:
    """Per subject and time of day: sum and count of valid epochs ``lo .. hi - 1``."""
    per_day = g.shape[-1]
    r0, r1 = lo // per_day, -(-hi // per_day)
    chunk = g[:, r0:r1]
    if lo != r0 * per_day or hi != r1 * per_day:
        flat = chunk.reshape(g.shape[0], -1).copy()
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


def _lmx_both(
    sums: FloatArray,
    cnt: IntArray,
    epoch_s: int,
    compat: bool,
    which: tuple[tuple[float, bool], ...] = ((5, True), (10, False)),
) -> list[tuple[FloatArray, FloatArray, list[str]]]:
    """L5/M10 of every row, as :func:`ipsrt.rhythm.nonparametric._lmx_profile`.

    For every (hours, lowest) of *which*: values, onsets and reasons, from
    one cyclic cumulative sum of the average days *sums* / *cnt*.

    The window sums come from :func:`ipsrt.rhythm.nonparametric.cyclic_window_sums`.
    """
    k = sums.shape[0]
    ws = [round(hours * 3600 / epoch_s) for hours, _ in which]
    with np.errstate(invalid="ignore", divide="ignore"):
        prof = sums / cnt
    wins = npm.cyclic_window_sums(prof, *ws)
    any_nan = bool((cnt == 0).any())
    none = np.asarray(~cnt.any(axis=1), dtype=bool)
    gaps = np.asarray((cnt == 0).any(axis=1) & (not compat), dtype=bool)
    rows = np.arange(k)
    out: list[tuple[FloatArray, FloatArray, list[str]]] = []
    for (_, lowest), w, win in zip(which, ws, wins, strict=True):
        all_nan = np.isnan(win).all(axis=1) if any_nan else np.zeros(k, dtype=bool)
        bad = none | gaps | all_nan
        safe = np.where(bad[:, None], 0.0, win) if bad.any() else win
        # fmin/fmax skip NaN as nanmin/nanmax (no row is all NaN here)
        best = np.fmin.reduce(safe, axis=1) if lowest else np.fmax.reduce(safe, axis=1)
        tol = 1e-9 * np.maximum(1.0, np.abs(best))
        # |safe - best| without abs: safe >= best (L5) or safe <= best (M10)
        gap = np.subtract(safe, best[:, None]) if lowest else np.subtract(best[:, None], safe)
        hit = gap <= tol[:, None]
        i = hit.argmax(axis=1)
        value = safe[rows, i] / w
        if not compat:
            value = value / (epoch_s / 60.0)
        onset = i * epoch_s / 60.0
        reasons = [""] * k
        for j in np.flatnonzero(bad).tolist():
            reasons[j] = (
                "no valid epochs"
                if none[j]
                else "the average day has times of day without valid data"
                if gaps[j]
                else "no valid window"
            )
        value[bad] = np.nan
        onset = np.where(bad, np.nan, onset)
        out.append((value, onset, reasons))
    return out


def _block_counts(n: int, main: int, epoch_s: int, compat: bool) -> tuple[int, int]:
    """Whole 7-day blocks of the main bins and of the epochs (as ``np_summary._week_blocks``)."""
    nbins = -(-n // main)
    if compat:
        return (nbins - 1) * main * epoch_s // (7 * DAY_S), (n - 1) * epoch_s // (7 * DAY_S)
    return nbins * main * epoch_s // (7 * DAY_S), n * epoch_s // (7 * DAY_S)


def _block_is_iv(
    qg: FloatArray, hourly: FloatArray, n: int, main: int, prm: npm.Params, nan_free: bool
) -> dict[str, FloatArray]:
    """ISp/IVp of every subject: (S, blocks) arrays."""
    s, rows, per_day = qg.shape
    compat = prm.compat is not None
    nb_h = _block_counts(n, main, DAY_S // per_day, compat)[0]
    if not nb_h:
        return {"ISp": np.zeros((s, 0)), "IVp": np.zeros((s, 0))}
    bins_day = hourly.shape[-1]
    if compat:
        # rows 7b .. 7b+6 of the hourly bins and the first bin of the next
        # block (pyActigraphy's label slice includes both ends)
        padded = np.full((s, 7 * nb_h + 1, bins_day), np.nan)
        take = min(rows, 7 * nb_h + 1)
        padded[:, :take] = hourly[:, :take]
        idx = 7 * np.arange(nb_h)[:, None] + np.arange(8)
        m = padded[:, idx]  # (S, nb, 8, bins)
        m[:, :, 7, 1:] = np.nan
        m = m.reshape(s * nb_h, 8, bins_day)
    else:
        m = hourly[:, : 7 * nb_h].reshape(s * nb_h, 7, bins_day)
    one = np.array([bins_day], dtype=np.int64)
    lv = grid.Levels(m, (main,), np.zeros(1, dtype=np.int64), one)
    st = level_stats.level_stats_columns(lv, prm.ddof, compat, nan_free=nan_free and not compat)[0]
    return {"ISp": st.is_.reshape(s, nb_h), "IVp": st.iv.reshape(s, nb_h)}


def _block_profiles(
    qg: FloatArray, n: int, compat: bool, nan_free: bool
) -> tuple[FloatArray, IntArray]:
    """Sum and count per time of day of every 7-day block: (S, blocks, epochs of the day)."""
    s, _, per_day = qg.shape
    nb_e = _block_counts(n, 1, DAY_S // per_day, compat)[1]
    if nan_free and not compat:
        # whole days without a gap: each block is 7 rows, summed in order
        sums = qg[:, : 7 * nb_e].reshape(s, nb_e, 7, per_day).sum(axis=2)
        return sums, np.full((s, nb_e, per_day), 7, dtype=np.int64)
    sums = np.empty((s, nb_e, per_day))
    cnt = np.empty((s, nb_e, per_day), dtype=np.int64)
    for b in range(nb_e):
        hi = min((b + 1) * 7 * per_day + (1 if compat else 0), n)
        sums[:, b], cnt[:, b] = _profile(qg, n, b * 7 * per_day, hi)
    return sums, cnt
