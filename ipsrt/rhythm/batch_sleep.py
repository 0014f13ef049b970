r"""Sleep figures of :func:`ipsrt.rhythm.batch.panel_many`, across subjects at once.

Default mode (1-min epochs, see :mod:`ipsrt.rhythm.batch`):

* **Cole-Kripke**: :math:`D_t = P\sum_k W_k A_{t+k}/30` of every row by
  :func:`ipsrt.rhythm.cole_kripke_codes.sleep_codes` (one ``np.correlate``
  over the rows laid end to end, :math:`D_t < 1` decided exactly; the same
  function gives :func:`ipsrt.rhythm.sleep_scoring.cole_kripke_minutes`, so
  the states are those of one recording epoch for epoch), then Webster's
  rules on all subjects at once, as int8 codes (1 sleep, 0 wake,
  -1 missing): the rows are joined with one missing epoch between them, and
  a missing epoch ends every run and blocks rules (d)/(e), so no rule
  reaches across subjects;
* **SRI**: the pairs of epochs one local clock day apart, as runs of
  ``(t, t + shift)`` (:attr:`ipsrt.rhythm.local_days.LocalDays.day_apart_runs`:
  one run ``(t, t + 1440)`` without an offset change; across a change the
  shift is 1380 or 1500 min, and the clock times a 23-h day skips have no
  partner), counted per row on the codes;
* **sleep summary**: the episodes and main sleep of every (subject, night)
  by :func:`ipsrt.rhythm.nightly_sleep.nights_of_codes` on the joined rows
  that Webster's rules returned (runs of equal codes, found once; episodes
  never join two rows; nights and clock times in the zone, whose offset
  may change), and the summary figures of every subject by
  :func:`ipsrt.rhythm.sleep_summaries.summary_rows` (grouped sums): the
  functions that one recording goes through, with many rows.

Compat mode: MASDA per subject (:func:`ipsrt.rhythm.masda.masda_array`) and
pyActigraphy's SRI on all subjects at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from ipsrt.rhythm import nonparametric as npm
from ipsrt.rhythm.cole_kripke_codes import Int8Array, codes_to_states, sleep_codes
from ipsrt.rhythm.epochs import DAY_S, BoolArray, FloatArray, IntArray
from ipsrt.rhythm.local_days import LocalDays
from ipsrt.rhythm.masda import masda_array
from ipsrt.rhythm.nightly_sleep import Nights, nights_of_codes, state_codes
from ipsrt.rhythm.sleep_summaries import summary_rows
from ipsrt.rhythm.sleep_timing import DEFAULT_MAX_GAP_MINUTES, DEFAULT_MIN_BOUT_MINUTES

__all__ = ["add_sleep", "cole_kripke_many", "nights_many"]

_NS = 1_000_000_000


def cole_kripke_many(a: FloatArray) -> FloatArray:
    """Default Cole-Kripke ("mean", rescored) of every row of 1-min totals *a* (S, n)."""
    return codes_to_states(sleep_codes(a)[:, : a.shape[1]])


def add_sleep(
    x: FloatArray,
    epoch_s: int,
    prm: npm.Params,
    rows: list[dict[str, Any]],
    local: LocalDays | None,
    tz: dt.tzinfo,
    with_summary: bool,
) -> None:
    """Add SRI, ``sleep_source`` and (default mode) the sleep summary to *rows*.

    *local*: the layout of the 1-min epochs in default mode (for its UTC
    start, offsets and SRI pairs; None in compat mode); *tz*: the zone.
    """
    if prm.compat is not None or local is None:
        _add_masda_sri(x, epoch_s, rows)
        return
    code = sleep_codes(x)
    s, n = x.shape
    states = code[:, :n]
    nan = states < 0
    valid = (n - _row_counts(nan)) * 60 / DAY_S
    pairs = np.zeros(s, dtype=np.int64)
    same = np.zeros(s, dtype=np.int64)
    for lo, hi, shift in local.day_apart_runs:
        one, two = nan[:, lo:hi], nan[:, lo + shift : hi + shift]
        pairs += (hi - lo) - _row_counts(one | two)
        # equal codes of two valid epochs (both missing: equal codes, not a pair)
        same += _row_counts(states[:, lo:hi] == states[:, lo + shift : hi + shift])
        same -= _row_counts(one & two)
    zone_ = dt.timezone(dt.timedelta(seconds=int(local.offset[0]))) if local.one_offset else tz
    summ = summary_rows(_nights_joined(code, local.utc0, zone_), s) if with_summary else None
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


def nights_many(states: FloatArray, utc0: int, off: int | dt.tzinfo) -> Nights:
    """Main sleep per (subject, night) of every row, as :func:`ipsrt.rhythm.nightly_sleep.nights`.

    *utc0*: UTC second of the first epoch (1-min epochs); *off*: the one UTC
    offset (s), or the zone. Sorted by (subject, night).
    """
    s, n = states.shape
    code = np.full((s, n + 1), -1, dtype=np.int8)
    code[:, :n] = state_codes(states)
    tz = off if isinstance(off, dt.tzinfo) else dt.timezone(dt.timedelta(seconds=off))
    return _nights_joined(code, utc0, tz)


def _nights_joined(code: Int8Array, utc0: int, tz: dt.tzinfo) -> Nights:
    """:func:`nights_many` of the state codes *code* (S, n + 1), the last column -1."""
    return nights_of_codes(
        code.reshape(-1),
        code.shape[1],
        utc0 * _NS,
        60 * _NS,
        tz,
        min_bout=DEFAULT_MIN_BOUT_MINUTES,
        max_gap=DEFAULT_MAX_GAP_MINUTES,
    )
