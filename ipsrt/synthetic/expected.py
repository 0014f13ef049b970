"""The alerts a synthetic client's design implies: the project's rules on its planned days (pure).

The daily table is built from the *plan*, not from the minutes: the planned
nights (durations as real elapsed minutes, clock times in the client's
zone), only those a recording could report as complete (``docs/sleep.md``,
"Complete nights": inside the recording, not touched by non-wear, with at
least 90 minutes recorded after the wake-up), the diary's weekly SRM-5
(:func:`ipsrt.srm.score_weeks`, weeks whose seven days have passed), the
moods and PHQ-9 item 9. The rules are :data:`ipsrt.alerts.DEFAULT_RULES`
(the one implementation) without the data-gap rule, which depends on when
one looks rather than on the design. A store that received the cohort must
raise exactly these alerts (``tests/reports/test_demo_data.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd

from ipsrt.alerts import DEFAULT_RULES, DataGapRule, evaluate
from ipsrt.srm import score_weeks
from ipsrt.timeutil import minute_of_day

__all__ = ["EARLY_WARNING_RULES", "ExpectedAlert", "complete_nights", "expected_alerts"]

I64 = npt.NDArray[np.int64]
#: The rules the design is checked against: every default rule but the data gap.
EARLY_WARNING_RULES = tuple(r for r in DEFAULT_RULES if not isinstance(r, DataGapRule))
#: Recorded minutes needed after a wake-up before a night is complete (60 + 30).
_AFTER_WAKE = 90


@dataclass(frozen=True, order=True)
class ExpectedAlert:
    """An alert the design implies: rule id and window (local dates, inclusive)."""

    rule_id: str
    window_start: dt.date
    window_end: dt.date


def complete_nights(
    onset: I64, offset: I64, *, start: int, end: int, not_worn: tuple[I64, I64]
) -> npt.NDArray[np.bool_]:
    """Which planned nights (UTC minutes) a recording of ``[start, end)`` reports whole."""
    inside = (onset >= start) & (offset + _AFTER_WAKE <= end)
    gap_start, gap_end = not_worn
    touched = np.zeros(len(onset), dtype=bool)
    for a, b in zip(gap_start.tolist(), gap_end.tolist(), strict=True):
        touched |= (a < offset + _AFTER_WAKE) & (b > onset)
    return inside & ~touched


def _utc(minutes: I64) -> pd.DatetimeIndex:
    return pd.to_datetime(np.asarray(minutes) * 60, unit="s", utc=True)


def expected_alerts(
    *,
    code: str,
    zone: str,
    nights: npt.NDArray[np.datetime64],
    onset: I64,
    offset: I64,
    complete: npt.NDArray[np.bool_],
    entries: pd.DataFrame,
    moods: pd.DataFrame,
    scales: pd.DataFrame,
    now: dt.datetime,
) -> tuple[ExpectedAlert, ...]:
    """The early-warning alerts of one client's planned days, as of *now*.

    Parameters
    ----------
    nights, onset, offset, complete
        The planned nights (dates; UTC minutes since the epoch) and which are complete.
    entries, moods, scales
        The diary entries (``ipsrt.srm`` format), ``date``/``mood`` and the
        scale responses (``answered_on``, ``instrument``, ``answers``).
    now
        Timezone-aware; the table ends on its local date in *zone*.
    """
    local_now = now.astimezone(ZoneInfo(zone))
    first = pd.Timestamp(nights[0]).date() + dt.timedelta(days=1)
    dates = pd.date_range(first, local_now.date(), freq="D").date
    night = pd.Index(pd.to_datetime(nights).date)
    ok = complete
    duration = pd.Series(np.where(ok, offset - onset, np.nan), index=night, dtype=np.float64)
    onset_min = pd.Series(
        np.where(ok, minute_of_day(_utc(onset), zone), np.nan), index=night, dtype=np.float64
    )
    offset_min = pd.Series(
        np.where(ok, minute_of_day(_utc(offset), zone), np.nan), index=night, dtype=np.float64
    )
    before = [d - dt.timedelta(days=1) for d in dates]
    weeks = score_weeks(entries.assign(client=code), week_start="monday")
    srm: dict[dt.date, float] = {}
    for week_start, value in zip(weeks["week_start"], weeks["srm"], strict=True):
        first_day = pd.Timestamp(week_start).date()
        if first_day + dt.timedelta(days=6) > local_now.date():
            continue
        for i in range(7):
            srm[first_day + dt.timedelta(days=i)] = float(value)
    phq = scales[scales["instrument"] == "phq9"]
    item9 = pd.Series(
        [a[8] for a in phq["answers"]], index=list(phq["answered_on"]), dtype=np.float64
    )
    table = pd.DataFrame(
        {
            "client": code,
            "date": pd.Series(list(dates), dtype=object),
            "sleep_duration_min": duration.reindex(before).to_numpy(),
            "sleep_onset_min": onset_min.reindex(list(dates)).to_numpy(),
            "out_of_bed_min": offset_min.reindex(before).to_numpy(),
            "srm_week": pd.Series(srm, dtype=np.float64).reindex(list(dates)).to_numpy(),
            "mood": pd.Series(moods["mood"].to_numpy(dtype=np.float64), index=list(moods["date"]))
            .reindex(list(dates))
            .to_numpy(),
            "phq9_item9": item9.groupby(level=0).max().reindex(list(dates)).to_numpy(),
        }
    )
    alerts = evaluate(table, rules=EARLY_WARNING_RULES, now=local_now, client=code)
    return tuple(sorted(ExpectedAlert(a.rule_id, a.window_start, a.window_end) for a in alerts))
