r"""Sleep figures of :func:`ipsrt.rhythm.batch.panel_many`, across subjects at once.

Default mode (1-min epochs, one UTC offset, see :mod:`ipsrt.rhythm.batch`):

* **Cole-Kripke**: :math:`D_t = P\sum_k W_k A_{t+k}/30` of every row by
  :func:`ipsrt.rhythm.cole_kripke_codes.sleep_codes` (one ``np.correlate``
  over the rows laid end to end, :math:`D_t < 1` decided exactly; the same
  function gives :func:`ipsrt.rhythm.sleep_scoring.cole_kripke_minutes`, so
  the states are those of one recording epoch for epoch), then Webster's
  rules on all subjects at once, as int8 codes (1 sleep, 0 wake,
  -1 missing): the rows are joined with one missing epoch between them, and
  a missing epoch ends every run and blocks rules (d)/(e), so no rule
  reaches across subjects;
* **SRI**: pairs ``(t, t + 1440)`` (one local day: no offset change inside),
  counted per row on the codes;
* **sleep summary**: runs of equal codes found once on the joined rows that
  Webster's rules returned (run-length encoding), episodes of sleep runs
  joined only inside a subject (their sleep and missing minutes from the
  lengths of their runs, the rest wake), the main sleep of every
  (subject, night) by one ``np.lexsort``, and every summary figure of
  :func:`ipsrt.rhythm.nightly_sleep.sleep_summary_of_columns` as grouped
  sums (``np.bincount`` over subject ids; circular means and SDs by
  :func:`ipsrt.circular.grouped_mean_sd`).

Compat mode: MASDA per subject (:func:`ipsrt.rhythm.masda.masda_array`) and
pyActigraphy's SRI on all subjects at once.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import numpy.typing as npt

from ipsrt import circular
from ipsrt.rhythm import nightly_sleep as core
from ipsrt.rhythm import nonparametric as npm
from ipsrt.rhythm.cole_kripke_codes import Int8Array, codes_to_states, sleep_codes
from ipsrt.rhythm.epochs import DAY_S, FloatArray, IntArray
from ipsrt.rhythm.masda import masda_array
from ipsrt.rhythm.sleep_timing import DEFAULT_MAX_GAP_MINUTES, DEFAULT_MIN_BOUT_MINUTES
from ipsrt.timeutil import MINUTES_PER_DAY

__all__ = ["add_sleep", "cole_kripke_many", "nights_many", "sleep_summary_figures_many"]

_NS = 1_000_000_000
BoolArray = npt.NDArray[np.bool_]


def cole_kripke_many(a: FloatArray) -> FloatArray:
    """Default Cole-Kripke ("mean", rescored) of every row of 1-min totals *a* (S, n)."""
    return codes_to_states(sleep_codes(a)[:, : a.shape[1]])


def add_sleep(
    x: FloatArray,
    epoch_s: int,
    prm: npm.Params,
    rows: list[dict[str, Any]],
    utc0: int,
    off: int,
    tz: dt.tzinfo,
    with_summary: bool,
) -> None:
    """Add SRI, ``sleep_source`` and (default mode) the sleep summary to *rows*."""
    if prm.compat is not None:
        _add_masda_sri(x, epoch_s, rows)
        return
    code = sleep_codes(x)
    s, n = x.shape
    states = code[:, :n]
    nan = states < 0
    valid = (n - _row_counts(nan)) * 60 / DAY_S
    m = max(n - 1440, 0)
    one, two = nan[:, :m], nan[:, 1440:]
    pairs = m - _row_counts(one | two)
    # equal codes of two valid epochs (both missing: equal codes, not a pair)
    same = _row_counts(states[:, :m] == states[:, 1440:]) - _row_counts(one & two)
    summ = sleep_summary_figures_many(_nights_joined(code, utc0, off), s) if with_summary else None
    for i, r in enumerate(rows):
        why = r["_reasons"]
        r["sleep_source"] = "cole_kripke"
        if valid[i] < prm.min_days:
            r["SRI"] = np.nan
            why["SRI"] = f"{valid[i]:.2f} valid days of sleep states, fewer than {prm.min_days:g}"
        elif pairs[i] == 0:
            r["SRI"] = np.nan
            why["SRI"] = "no pair of valid epochs 24 h apart"
        else:
            r["SRI"] = -100.0 + 200.0 * int(same[i]) / int(pairs[i])
        if summ is not None:
            note = summ[i].pop("sleep_reason", "")
            r.update(summ[i])
            if note:
                why["sleep_summary"] = str(note)


def _row_counts(mask: BoolArray) -> IntArray:
    """True values per row of the 2-D *mask*."""
    return np.array([np.count_nonzero(row) for row in mask], dtype=np.int64)


def _add_masda_sri(x: FloatArray, epoch_s: int, rows: list[dict[str, Any]]) -> None:
    s, n = x.shape
    per_day = DAY_S // epoch_s
    rest = np.full((s, n), np.nan)
    whys: list[str | None] = [None] * s
    found = np.zeros(s, dtype=bool)
    for i in range(s):
        got, whys[i] = masda_array(x[i], epoch_s)
        if got is not None:
            rest[i], found[i] = got, True
    sri = np.full(s, np.nan)
    if n > per_day and n - per_day >= per_day:
        agree = 1.0 - np.abs(rest[:, per_day:] - rest[:, :-per_day])
        m = n - per_day
        rows_ = -(-m // per_day)
        pad = np.zeros((s, rows_ * per_day))
        pad[:, :m] = agree
        sums = pad.reshape(s, rows_, per_day).sum(axis=1)
        cnt = np.bincount(np.arange(m) % per_day, minlength=per_day)
        sri = 200.0 * np.mean(sums / cnt, axis=1) - 100.0
    sri[~found] = np.nan
    for i, r in enumerate(rows):
        r["sleep_source"] = "masda"
        r["SRI"] = float(sri[i])
        if np.isnan(sri[i]):
            r["_reasons"]["SRI"] = (
                whys[i] or "pyActigraphy SRI is NaN (a NaN state or a time of day seen once)"
            )


def nights_many(states: FloatArray, utc0: int, off: int) -> dict[str, np.ndarray]:
    """Main sleep per (subject, night) of every row, as :func:`ipsrt.rhythm.nightly_sleep.nights`.

    *utc0*: UTC second of the first epoch; *off*: the one UTC offset (s).
    Returns columns sorted by (subject, night), with ``subject``.
    """
    s, n = states.shape
    code = np.full((s, n + 1), -1, dtype=np.int8)
    code[:, :n] = (states == 1.0).view(np.int8) - np.isnan(states).view(np.int8)
    return _nights_joined(code, utc0, off)


def _nights_joined(code: Int8Array, utc0: int, off: int) -> dict[str, np.ndarray]:
    """:func:`nights_many` of the state codes *code* (S, n + 1), the last column -1.

    Codes: 1 sleep, -1 missing, anything else wake.
    """
    width = code.shape[1]
    c = code.reshape(-1)
    # runs of equal codes; the last run is missing (the joined column)
    run_start = np.concatenate(([0], np.flatnonzero(c[1:] != c[:-1]) + 1))
    run_len = np.empty_like(run_start)
    run_len[:-1] = run_start[1:] - run_start[:-1]
    run_len[-1] = c.size - run_start[-1]
    run_val = c[run_start]
    sleep_runs = np.flatnonzero(run_val == 1)
    kept = sleep_runs[run_len[sleep_runs] >= max(DEFAULT_MIN_BOUT_MINUTES, 1.0)]
    starts = run_start[kept]
    ends = starts + run_len[kept]
    subj = starts // width
    first = np.ones(starts.size, dtype=bool)
    first[1:] = ((starts[1:] - ends[:-1]) > DEFAULT_MAX_GAP_MINUTES) | (subj[1:] != subj[:-1])
    heads = np.flatnonzero(first)
    last = np.empty(heads.size, dtype=np.int64)
    last[:-1] = heads[1:] - 1
    last[-1:] = kept.size - 1
    # an episode is the runs from its first sleep run to the run after its last
    r0, r1 = kept[heads], kept[last] + 1
    ep_start, ep_end = run_start[r0], run_start[r1]
    sid = ep_start // width
    # sleep and missing epochs before each run: an episode's are the differences
    before = np.zeros((2, run_start.size + 1), dtype=np.int64)
    np.cumsum(np.where(run_val == 1, run_len, 0), out=before[0, 1:])
    np.cumsum(np.where(run_val == -1, run_len, 0), out=before[1, 1:])
    sleep_n = before[0, r1] - before[0, r0]
    missing_n = before[1, r1] - before[1, r0]
    sleep_min = sleep_n * 1.0
    missing_min = missing_n * 1.0
    waso_min = (ep_end - ep_start - sleep_n - missing_n) * 1.0
    utc0_ns = utc0 * _NS
    onset = utc0_ns + (ep_start - sid * width) * 60 * _NS
    offset = utc0_ns + (ep_end - sid * width) * 60 * _NS
    duration = (offset - onset) / (60 * _NS)
    night = (onset // _NS + off - 43_200) // 86_400
    order = np.lexsort((np.arange(night.size), -duration, night, sid))
    head = np.ones(order.size, dtype=bool)
    key_s, key_n = sid[order], night[order]
    head[1:] = (key_s[1:] != key_s[:-1]) | (key_n[1:] != key_n[:-1])
    main = order[head]
    group = np.cumsum(head) - 1  # group of each sorted episode
    n_ep = np.bincount(group)
    total_sleep = np.bincount(group, weights=sleep_min[order])
    mon, moff = onset[main], offset[main]
    k = main.size
    at = np.concatenate((mon, moff, mon + (moff - mon) // 2))
    local = core.local_clock_minutes(at, np.full(at.size, off, dtype=np.int64))
    return {
        "subject": sid[main],
        "night": night[main],
        "onset_local": local[:k],
        "offset_local": local[k : 2 * k],
        "midpoint_local": local[2 * k :],
        "duration_min": duration[main],
        "sleep_min": sleep_min[main],
        "waso_min": waso_min[main],
        "missing_min": missing_min[main],
        "n_episodes": n_ep.astype(np.int64),
        "other_sleep_min": total_sleep - sleep_min[main],
    }


_SUMMARY_KEYS = (
    "nights",
    *(f"sleep_{k}_{m}" for k in ("onset", "offset", "midpoint") for m in ("mean", "sd")),
    "sleep_duration_mean",
    "sleep_duration_sd",
    "total_sleep_mean",
    "waso_mean",
    "msw",
    "msf",
    "msf_sc",
    "social_jetlag",
    "social_jetlag_signed",
    "cpd",
)


def sleep_summary_figures_many(t: dict[str, np.ndarray], s: int) -> list[dict[str, Any]]:
    """:func:`ipsrt.rhythm.nightly_sleep.sleep_summary_of_columns` of every subject.

    *t*: the columns of :func:`nights_many`; default options (free days
    Saturday and Sunday, CPD about MSF_sc). One dict per subject ``0 .. s - 1``.
    """
    g = t["subject"]
    night, mid, dur = t["night"], t["midpoint_local"], t["duration_min"]
    cnt = np.bincount(g, minlength=s)
    nan = np.nan
    free = core.free_mask(night, (5, 6), ())
    # five groups of bins, each summed in the order of the nights: onset,
    # offset, midpoint, midpoint of work nights, of free nights
    bins = np.concatenate((g, g + s, g + 2 * s, g + (3 + free) * s))
    times = np.concatenate((t["onset_local"], t["offset_local"], mid, mid))
    circ = circular.grouped_mean_sd(bins, times, 5 * s)
    cmean, csd = circ[0].reshape(5, s), np.where(cnt >= 2, circ[1].reshape(5, s), nan)
    cols: dict[str, FloatArray] = {"nights": cnt.astype(np.float64)}
    for j, key in enumerate(("onset", "offset", "midpoint")):
        cols[f"sleep_{key}_mean"] = cmean[j]
        cols[f"sleep_{key}_sd"] = csd[j]
    sums = np.bincount(
        bins, weights=np.concatenate((dur, t["sleep_min"], t["waso_min"], dur)), minlength=5 * s
    ).reshape(5, s)
    n_free = circ[2][4 * s :]
    with np.errstate(invalid="ignore", divide="ignore"):
        dmean = sums[0] / cnt
        dev = dur - dmean[g]
        dsd = np.sqrt(np.bincount(g, weights=dev * dev, minlength=s) / (cnt - 1))
        cols["sleep_duration_mean"] = dmean
        cols["sleep_duration_sd"] = np.where(cnt >= 2, dsd, nan)
        cols["total_sleep_mean"] = sums[1] / cnt
        cols["waso_mean"] = sums[2] / cnt
        sd_w = sums[3] / (cnt - n_free)
        sd_f = sums[4] / n_free
    both = (n_free > 0) & (n_free < cnt)
    msw, msf = cmean[3], cmean[4]
    sd_week = (5 * sd_w + 2 * sd_f) / 7
    msf_sc = np.where(sd_f > sd_w, msf - (sd_f - sd_week) / 2, msf) % MINUTES_PER_DAY
    signed = circular.wrap(msf - msw)
    mctq = np.where(both, np.stack((msw, msf, msf_sc, np.abs(signed), signed)), nan)
    for j, key in enumerate(("msw", "msf", "msf_sc", "social_jetlag", "social_jetlag_signed")):
        cols[key] = mctq[j]
    cols["cpd"] = _cpd(g, night, mid, cols["msf_sc"], cnt, s)
    table = [cols[k].tolist() for k in _SUMMARY_KEYS]
    out: list[dict[str, Any]] = []
    for n_i, row in zip(cnt.tolist(), zip(*table, strict=True), strict=True):
        d: dict[str, Any] = dict(zip(_SUMMARY_KEYS, row, strict=True))
        reasons: list[str] = []
        if n_i == 0:
            reasons.append("all: no night with a sleep episode")
        elif n_i < 2:
            reasons.append("sleep_*_sd: fewer than 2 nights")
        if n_i and not math.isfinite(d["social_jetlag"]):
            reasons.append("msw/msf/msf_sc/social_jetlag: need at least 1 work and 1 free night")
        if n_i and not math.isfinite(d["cpd"]):
            reasons.append("cpd: needs 2 consecutive nights and a finite reference")
        d["sleep_reason"] = "; ".join(reasons)
        out.append(d)
    return out


def _cpd(
    g: IntArray, night: IntArray, mid: FloatArray, ref: FloatArray, cnt: IntArray, s: int
) -> FloatArray:
    """:func:`core.cpd_arrays` per subject (nights sorted by subject, then night)."""
    if g.size < 2:
        return np.full(s, np.nan)
    same = g[1:] == g[:-1]
    consecutive = same & (np.diff(night) == 1)
    irregularity = circular.wrap(np.diff(mid))
    mistiming = circular.wrap(ref[g[1:]] - mid[1:])
    terms = np.hypot(mistiming, irregularity)
    use = consecutive & np.isfinite(terms)
    gg = g[1:][use]
    k = np.bincount(gg, minlength=s)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.bincount(gg, weights=terms[use], minlength=s) / k
    out[(k == 0) | ~np.isfinite(ref) | (cnt < 2)] = np.nan
    return out
