r"""Sleep figures of :func:`ipsrt.rhythm.batch.panel_many`, across subjects at once.

Default mode (1-min epochs, one UTC offset, see :mod:`ipsrt.rhythm.batch`):

* **Cole-Kripke**: :math:`D_t = P\sum_k W_k A_{t+k}/30` by
  :func:`ipsrt.rhythm.sleep_scoring.window_dot` along the time axis of the
  (subjects, epochs) array, then Webster's rules on all subjects in one call
  of :func:`~ipsrt.rhythm.webster.webster_rescore`: the rows are joined with
  one missing epoch between them, and a missing epoch ends every run and
  blocks rules (d)/(e), so no rule reaches across subjects;
* **SRI**: pairs ``(t, t + 1440)`` (one local day: no offset change inside),
  counted per row;
* **sleep summary**: runs of sleep found once on the joined rows that
  Webster's rules returned (run-length encoding), episodes joined only inside
  a subject (their sleep minutes from the lengths of their runs, missing
  minutes by position, the rest wake), the main sleep of every
  (subject, night) by one ``np.lexsort``, and every summary figure of
  :func:`ipsrt.rhythm.sleep_episodes.summary_arrays` as grouped sums
  (``np.bincount`` over subject ids).

Compat mode: MASDA per subject (:func:`ipsrt.rhythm.masda.masda_array`) and
pyActigraphy's SRI on all subjects at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import numpy.typing as npt

from ipsrt.rhythm import nonparametric as npm
from ipsrt.rhythm import sleep_episodes as core
from ipsrt.rhythm.epochs import DAY_S, FloatArray, IntArray
from ipsrt.rhythm.masda import masda_array
from ipsrt.rhythm.sleep_scoring import CK_SETTINGS, MEAN_DIVISOR, window_dot
from ipsrt.rhythm.sleep_timing import DEFAULT_MAX_GAP_MINUTES, DEFAULT_MIN_BOUT_MINUTES
from ipsrt.rhythm.webster import webster_rescore
from ipsrt.timeutil import MINUTES_PER_DAY

__all__ = ["add_sleep", "cole_kripke_many", "nights_many", "summary_many"]

_NS = 1_000_000_000
_TWO_PI = 2.0 * np.pi
BoolArray = npt.NDArray[np.bool_]


def cole_kripke_many(a: FloatArray) -> FloatArray:
    """Default Cole-Kripke ("mean", rescored) of every row of 1-min totals *a* (S, n)."""
    return _cole_kripke_joined(a)[:, : a.shape[1]]


def _cole_kripke_joined(a: FloatArray) -> FloatArray:
    """:func:`cole_kripke_many` as (S, n + 1), the last column NaN (the rows joined)."""
    st = CK_SETTINGS["mean"]
    d = window_dot(a / MEAN_DIVISOR, st.weights, 4, 2)
    d *= st.scale  # st.scale * d, in place
    s, n = a.shape
    joined = np.empty((s, n + 1))
    joined[:, n] = np.nan
    score = joined[:, :n]
    np.less(d, 1.0, out=score)
    score[np.isnan(d)] = np.nan
    out = webster_rescore(joined.reshape(-1)).reshape(s, n + 1)
    out[:, :n][np.isnan(a)] = np.nan
    return out


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
    joined = _cole_kripke_joined(x)
    s, n = x.shape
    states = joined[:, :n]
    nan = np.isnan(states)
    valid = (n - np.count_nonzero(nan, axis=1)) * 60 / DAY_S
    m = max(n - 1440, 0)
    pairs = m - np.count_nonzero(nan[:, :m] | nan[:, 1440:], axis=1)
    same = np.count_nonzero(states[:, :m] == states[:, 1440:], axis=1)  # NaN == x is False
    summ = summary_many(_nights_joined(joined, utc0, off), s) if with_summary else None
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
    """Main sleep per (subject, night) of every row, as :func:`ipsrt.rhythm.sleep_episodes.nights`.

    *utc0*: UTC second of the first epoch; *off*: the one UTC offset (s).
    Returns columns sorted by (subject, night), with ``subject``.
    """
    s, n = states.shape
    joined = np.full((s, n + 1), np.nan)
    joined[:, :n] = states
    return _nights_joined(joined, utc0, off)


def _nights_joined(joined: FloatArray, utc0: int, off: int) -> dict[str, np.ndarray]:
    """:func:`nights_many` of the states *joined* (S, n + 1), the last column NaN."""
    width = joined.shape[1]
    a = joined.reshape(-1)
    is_sleep = a == 1.0
    edges = np.diff(is_sleep.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    all_starts = np.flatnonzero(edges == 1)
    all_ends = np.flatnonzero(edges == -1)
    keep = (all_ends - all_starts) >= max(DEFAULT_MIN_BOUT_MINUTES, 1.0)
    starts, ends = all_starts[keep], all_ends[keep]
    subj = starts // width
    first = np.ones(starts.size, dtype=bool)
    first[1:] = ((starts[1:] - ends[:-1]) > DEFAULT_MAX_GAP_MINUTES) | (subj[1:] != subj[:-1])
    ep_start = starts[first]
    last = np.concatenate((np.flatnonzero(first)[1:] - 1, [starts.size - 1])).astype(np.int64)
    ep_end = ends[last] if starts.size else ends
    sid = ep_start // width
    # an episode starts and ends on runs of sleep: its sleep is the length of
    # the runs inside; missing epochs by position, the rest is wake
    run_cum = np.concatenate(([0], np.cumsum(all_ends - all_starts)))
    sleep_n = (
        run_cum[np.searchsorted(all_starts, ep_end)]
        - run_cum[np.searchsorted(all_starts, ep_start)]
    )
    missing_at = np.flatnonzero(np.isnan(a))
    missing_n = np.searchsorted(missing_at, ep_end) - np.searchsorted(missing_at, ep_start)
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
    mid = mon + (moff - mon) // 2
    offs = np.full(main.size, off, dtype=np.int64)
    return {
        "subject": sid[main],
        "night": night[main],
        "onset_local": core._local_minutes(mon, offs),
        "offset_local": core._local_minutes(moff, offs),
        "midpoint_local": core._local_minutes(mid, offs),
        "duration_min": duration[main],
        "sleep_min": sleep_min[main],
        "waso_min": waso_min[main],
        "missing_min": missing_min[main],
        "n_episodes": n_ep.astype(np.int64),
        "other_sleep_min": total_sleep - sleep_min[main],
    }


def _circ(
    g: IntArray, values: FloatArray, s: int, mask: BoolArray | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per group: circular mean and SD (as :func:`core.circ_mean`/``circ_sd``) and count."""
    if mask is not None:
        g, values = g[mask], values[mask]
    theta = values * (_TWO_PI / MINUTES_PER_DAY)
    sn = np.bincount(g, weights=np.sin(theta), minlength=s)
    cs = np.bincount(g, weights=np.cos(theta), minlength=s)
    cnt = np.bincount(g, minlength=s).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        res = np.arctan2(sn, cs)
        mean = (res * (MINUTES_PER_DAY / _TWO_PI)) % MINUTES_PER_DAY
        mean[(cnt == 0) | (np.hypot(sn, cs) < 1e-9 * cnt)] = np.nan
        sm, cm = sn / cnt, cs / cnt
        r = np.minimum((sm**2.0 + cm**2.0) ** 0.5, 1.0)
        sd = ((-2 * np.log(r)) ** 0.5 + 0.0) * (MINUTES_PER_DAY / _TWO_PI)
    sd[cnt == 0] = np.nan
    return mean, sd, cnt


def summary_many(t: dict[str, np.ndarray], s: int) -> list[dict[str, Any]]:
    """:func:`ipsrt.rhythm.sleep_episodes.summary_arrays` of every subject (default options)."""
    g = t["subject"]
    night, mid, dur = t["night"], t["midpoint_local"], t["duration_min"]
    cnt = np.bincount(g, minlength=s)
    nan = np.nan
    cols: dict[str, FloatArray] = {"nights": cnt.astype(np.float64)}
    for key in ("onset", "offset", "midpoint"):
        m, sd, _ = _circ(g, t[f"{key}_local"], s)
        cols[f"sleep_{key}_mean"] = m
        cols[f"sleep_{key}_sd"] = np.where(cnt >= 2, sd, nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        dmean = np.bincount(g, weights=dur, minlength=s) / cnt
        dev = dur - dmean[g]
        dsd = np.sqrt(np.bincount(g, weights=dev * dev, minlength=s) / (cnt - 1))
        cols["sleep_duration_mean"] = dmean
        cols["sleep_duration_sd"] = np.where(cnt >= 2, dsd, nan)
        cols["total_sleep_mean"] = np.bincount(g, weights=t["sleep_min"], minlength=s) / cnt
        cols["waso_mean"] = np.bincount(g, weights=t["waso_min"], minlength=s) / cnt
    free = core.free_mask(night, (5, 6), ())
    n_free = np.bincount(g, weights=free, minlength=s)
    both = (n_free > 0) & (n_free < cnt)
    msw = _circ(g, mid, s, ~free)[0]
    msf = _circ(g, mid, s, free)[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        sd_w = np.bincount(g[~free], weights=dur[~free], minlength=s) / (cnt - n_free)
        sd_f = np.bincount(g[free], weights=dur[free], minlength=s) / n_free
    sd_week = (5 * sd_w + 2 * sd_f) / 7
    msf_sc = np.where(sd_f > sd_w, msf - (sd_f - sd_week) / 2, msf) % MINUTES_PER_DAY
    signed = core.wrap(msf - msw)
    for key, v in (
        ("msw", msw),
        ("msf", msf),
        ("msf_sc", msf_sc),
        ("social_jetlag", np.abs(signed)),
        ("social_jetlag_signed", signed),
    ):
        cols[key] = np.where(both, v, nan)
    cols["cpd"] = _cpd(g, night, mid, cols["msf_sc"], cnt, s)
    keys = [
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
    ]
    out: list[dict[str, Any]] = []
    for i in range(s):
        d: dict[str, Any] = {k: float(cols[k][i]) for k in keys}
        reasons: list[str] = []
        if cnt[i] == 0:
            reasons.append("all: no night with a sleep episode")
        elif cnt[i] < 2:
            reasons.append("sleep_*_sd: fewer than 2 nights")
        if cnt[i] and not np.isfinite(d["social_jetlag"]):
            reasons.append("msw/msf/msf_sc/social_jetlag: need at least 1 work and 1 free night")
        if cnt[i] and not np.isfinite(d["cpd"]):
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
    irregularity = core.wrap(np.diff(mid))
    mistiming = core.wrap(ref[g[1:]] - mid[1:])
    terms = np.hypot(mistiming, irregularity)
    use = consecutive & np.isfinite(terms)
    gg = g[1:][use]
    k = np.bincount(gg, minlength=s)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.bincount(gg, weights=terms[use], minlength=s) / k
    out[(k == 0) | ~np.isfinite(ref) | (cnt < 2)] = np.nan
    return out
