"""The alert rules: thresholds as data, each check a pure function of one client's days.

The daily table has one row per date (``date``) and, when available:
``sleep_duration_min`` (main sleep that ended on the morning of the date;
only complete nights have one, ``docs/sleep.md``, "Complete nights"),
``bedtime_min`` (or ``sleep_onset_min``) and ``out_of_bed_min`` (local clock
minutes of the date's anchors: the bedtime of the evening of the date, the
rise of its morning), ``srm_week`` (SRM of the diary week containing the
date), ``mood`` (-5..+5), ``phq9_item9`` (0..3, on the date of a PHQ-9
response) and ``last_wearable_data_utc`` (aware timestamp of the latest
wearable sample; the latest value in the table counts).

Thresholds follow ``docs/srm.md``, "Alert rules" (suggestions from the
literature, not validated cut-offs); every alert is worded as a prompt for a
conversation, never as a diagnosis.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ipsrt import circular
from ipsrt.alerts.model import (
    Alert,
    AlertInputError,
    DailyView,
    Severity,
    nanmedian_rows,
    num,
    runs,
    trailing,
)
from ipsrt.timeutil import WEEKDAYS, week_start_days

__all__ = [
    "DEFAULT_RULES",
    "AnchorDriftRule",
    "DataGapRule",
    "LowSrmRule",
    "MoodExtremeRule",
    "Phq9Item9Rule",
    "ShortSleepRunRule",
    "SleepChangeRule",
]

_DAY = 1440.0


def _moods(values: np.ndarray) -> str:
    return ", ".join(f"{m:+.0f}" for m in values)


def _h(minutes: float) -> str:
    return f"{abs(minutes) / 60:.1f} h"


@dataclass(frozen=True)
class SleepChangeRule:
    """(a) Sleep duration changed by >= ``threshold_min`` vs the previous night or the median.

    The median is over the ``median_days`` calendar days before the night
    (at least ``min_median_nights`` values). One alert per night; window =
    that date.
    """

    id: str = "sleep_change"
    description: str = "Sleep duration changed by 3 h or more"
    severity: Severity = Severity.WARNING
    threshold_min: float = 180.0
    median_days: int = 14
    min_median_nights: int = 7

    def check(self, view: DailyView, now: dt.datetime) -> list[Alert]:
        """Alerts for one client."""
        dur = view.col("sleep_duration_min")
        prev = np.concatenate([[np.nan], dur[:-1]])
        median = nanmedian_rows(trailing(dur, self.median_days), self.min_median_nights)
        d_prev, d_med = dur - prev, dur - median
        with np.errstate(invalid="ignore"):
            fire = (np.abs(d_prev) >= self.threshold_min) | (np.abs(d_med) >= self.threshold_min)
        out = []
        for i in np.flatnonzero(fire):
            big_prev = abs(d_prev[i]) >= self.threshold_min
            change = d_prev[i] if big_prev else d_med[i]
            word = "shorter" if change < 0 else "longer"
            ref = (
                "the night before"
                if big_prev
                else f"the usual of the past {self.median_days} nights"
            )
            out.append(
                view.alert(
                    self,
                    int(i),
                    int(i),
                    f"Sleep was {_h(change)} {word} than {ref}; worth checking in",
                    {
                        "sleep_duration_min": num(dur[i]),
                        "previous_night_min": num(prev[i]),
                        "change_vs_previous_min": num(d_prev[i]),
                        "median_min": num(median[i]),
                        "change_vs_median_min": num(d_med[i]),
                        "threshold_min": self.threshold_min,
                    },
                )
            )
        return out


@dataclass(frozen=True)
class ShortSleepRunRule:
    """(b) >= ``min_nights`` consecutive nights >= ``shortfall_min`` below baseline.

    Baseline: the median sleep duration of the ``baseline_days`` calendar
    days before the run's first night (so the run itself is excluded), with
    at least ``min_baseline_nights`` values; the same baseline judges every
    night of the run. Window = the run; it grows while the run continues.
    """

    id: str = "short_sleep_run"
    description: str = "Two or more nights in a row 2 h shorter than usual"
    severity: Severity = Severity.WARNING
    shortfall_min: float = 120.0
    min_nights: int = 2
    baseline_days: int = 28
    min_baseline_nights: int = 7

    def check(self, view: DailyView, now: dt.datetime) -> list[Alert]:
        """Alerts for one client."""
        dur = view.col("sleep_duration_min")
        base = nanmedian_rows(trailing(dur, self.baseline_days), self.min_baseline_nights)
        with np.errstate(invalid="ignore"):
            short = dur <= base - self.shortfall_min
        out = []
        i, n = 0, len(dur)
        while i < n:
            if not short[i]:
                i += 1
                continue
            limit = base[i] - self.shortfall_min
            j = i
            while j + 1 < n and dur[j + 1] <= limit:
                j += 1
            if j - i + 1 >= self.min_nights:
                out.append(
                    view.alert(
                        self,
                        i,
                        j,
                        f"{j - i + 1} nights in a row were at least {_h(self.shortfall_min)} "
                        f"shorter than usual ({_h(base[i])}); worth checking in",
                        {
                            "baseline_min": num(base[i]),
                            "nights_min": [num(x) for x in dur[i : j + 1]],
                            "shortfall_min": self.shortfall_min,
                        },
                    )
                )
            i = j + 1
        return out


def _week_starts(view: DailyView, week_start: str) -> np.ndarray:
    return week_start_days(view.day, WEEKDAYS.index(week_start))


@dataclass(frozen=True)
class AnchorDriftRule:
    """(c) Bedtime or out-of-bed >= ``threshold_min`` from habitual on >= ``min_days`` days a week.

    Habitual: the circular mean of the anchor over the ``baseline_days``
    calendar days before the week starts (at least ``min_baseline_days``
    values). The deviation is circular, so 23:30 vs 00:30 is 60 min. Window =
    the week (up to the last day with data); the alert fires on the day the
    count reaches ``min_days``.
    """

    id: str = "anchor_drift"
    description: str = "Bedtime or rise time 2 h off its habitual time on 3 days in a week"
    severity: Severity = Severity.WARNING
    threshold_min: float = 120.0
    min_days: int = 3
    baseline_days: int = 28
    min_baseline_days: int = 7
    week_start: str = "monday"

    def check(self, view: DailyView, now: dt.datetime) -> list[Alert]:
        """Alerts for one client."""
        if self.week_start not in WEEKDAYS:
            raise AlertInputError(f"invalid week start {self.week_start!r}")
        bed_col = "bedtime_min" if view.has("bedtime_min") else "sleep_onset_min"
        anchors = {"bedtime": view.col(bed_col), "out_of_bed": view.col("out_of_bed_min")}
        wk = _week_starts(view, self.week_start)
        pos = (wk - view.first).astype(np.int64)  # grid position of each day's week start
        off = np.zeros(len(view), dtype=bool)
        devs: dict[str, np.ndarray] = {}
        for name, t in anchors.items():
            ok = np.isfinite(t)
            theta = np.where(ok, t, 0.0) * 2 * np.pi / _DAY
            cs = np.concatenate([[0.0], np.cumsum(np.where(ok, np.sin(theta), 0.0))])
            cc = np.concatenate([[0.0], np.cumsum(np.where(ok, np.cos(theta), 0.0))])
            cn = np.concatenate([[0], np.cumsum(ok)])
            hi = np.clip(pos, 0, len(view))
            lo = np.clip(pos - self.baseline_days, 0, len(view))
            s, c, k = cs[hi] - cs[lo], cc[hi] - cc[lo], cn[hi] - cn[lo]
            # The circular mean of the window from its running sums (ipsrt.circular).
            habitual = np.where(
                k >= self.min_baseline_days, circular.mean_from_sums(s, c, k), np.nan
            )
            dev = circular.wrap(t - habitual)
            devs[name] = dev
            with np.errstate(invalid="ignore"):
                off |= np.abs(dev) >= self.threshold_min
        out = []
        for week in np.unique(wk):
            idx = np.flatnonzero((wk == week) & off)
            if len(idx) < self.min_days:
                continue
            last = int(np.flatnonzero(wk == week).max())
            days = [
                {"date": view.date(int(i)).isoformat()}
                | {f"{name}_dev_min": num(devs[name][i]) for name in anchors}
                for i in idx
            ]
            out.append(
                view.alert(
                    self,
                    int(np.flatnonzero(wk == week).min()),
                    last,
                    f"Bedtime or rise time was {_h(self.threshold_min)} or more from its usual "
                    f"time on {len(idx)} days this week; worth talking through the routine",
                    {"days": days, "threshold_min": self.threshold_min},
                )
            )
        return out


@dataclass(frozen=True)
class LowSrmRule:
    """(d) Weekly SRM below ``absolute`` or >= ``drop`` points below the client's baseline.

    The weekly value is the last ``srm_week`` value in the week. Baseline:
    the mean of the scored weeks among the ``baseline_weeks`` calendar weeks
    before (at least ``min_baseline_weeks`` of them). Window = the week.
    """

    id: str = "low_srm"
    description: str = "Weekly SRM below 3.5 or 1 point below the client's baseline"
    severity: Severity = Severity.WARNING
    absolute: float = 3.5
    drop: float = 1.0
    baseline_weeks: int = 4
    min_baseline_weeks: int = 2
    week_start: str = "monday"

    def check(self, view: DailyView, now: dt.datetime) -> list[Alert]:
        """Alerts for one client."""
        if not view.has("srm_week"):
            return []
        wk = _week_starts(view, self.week_start)
        weekly = pd.Series(view.col("srm_week")).groupby(wk).last()
        weekly = weekly.reindex(range(int(wk.min()), int(wk.max()) + 1, 7))
        base = (
            weekly.shift(1).rolling(self.baseline_weeks, min_periods=self.min_baseline_weeks).mean()
        )
        out = []
        for week, srm in weekly.items():
            b = float(base[week])
            low, dropped = srm < self.absolute, np.isfinite(b) and srm <= b - self.drop
            if not (low or dropped):
                continue
            members = np.flatnonzero(wk == week)
            why = (
                f"below {self.absolute}" if low else f"{b - srm:.1f} points below the usual {b:.1f}"
            )
            out.append(
                view.alert(
                    self,
                    int(members.min()),
                    int(members.max()),
                    f"This week's social rhythm score was {srm:.1f} ({why}); "
                    "worth reviewing the week's routine together",
                    {"srm": num(srm), "baseline": num(b), "absolute": self.absolute},
                )
            )
        return out


@dataclass(frozen=True)
class MoodExtremeRule:
    """(e) Mood >= ``high`` or <= ``low`` on >= ``min_days`` consecutive days.

    One alert per run (window = the run, growing while it lasts); high and
    low runs are reported separately.
    """

    id: str = "mood_extreme"
    description: str = "Mood at +3 or above, or -3 or below, two days in a row"
    severity: Severity = Severity.WARNING
    high: float = 3.0
    low: float = -3.0
    min_days: int = 2

    def check(self, view: DailyView, now: dt.datetime) -> list[Alert]:
        """Alerts for one client."""
        mood = view.col("mood")
        out = []
        with np.errstate(invalid="ignore"):
            flags = (("high", mood >= self.high), ("low", mood <= self.low))
        for direction, flag in flags:
            for a, b in runs(flag):
                if b - a + 1 < self.min_days:
                    continue
                out.append(
                    view.alert(
                        self,
                        a,
                        b,
                        f"Mood was rated {direction} ({_moods(mood[a : b + 1])}) "
                        f"on {b - a + 1} days in a row; worth checking in",
                        {"direction": direction, "moods": [num(m) for m in mood[a : b + 1]]},
                    )
                )
        return out


@dataclass(frozen=True)
class Phq9Item9Rule:
    """(f) PHQ-9 item 9 above 0: urgent, follow the clinic's safety workflow."""

    id: str = "phq9_item9"
    description: str = "PHQ-9 item 9 (thoughts of death or self-harm) answered above 0"
    severity: Severity = Severity.URGENT
    min_answer: int = 1

    def check(self, view: DailyView, now: dt.datetime) -> list[Alert]:
        """Alerts for one client."""
        item9 = view.col("phq9_item9")
        with np.errstate(invalid="ignore"):
            idx = np.flatnonzero(item9 >= self.min_answer)
        return [
            view.alert(
                self,
                int(i),
                int(i),
                "The PHQ-9 answer about thoughts of death or self-harm was above 'not at all'; "
                "please contact the client today and follow the safety procedure",
                {"phq9_item9": int(item9[i])},
            )
            for i in idx
        ]


@dataclass(frozen=True)
class DataGapRule:
    """(g) No wearable data for >= ``hours`` as of ``now``.

    Uses the latest ``last_wearable_data_utc`` in the table; a client who
    never had wearable data gets no alert. Window: the UTC date of the last
    data to the date of ``now``; the start stays fixed until data arrives.
    """

    id: str = "data_gap"
    description: str = "No wearable data for 48 h"
    severity: Severity = Severity.INFO
    hours: float = 48.0

    def check(self, view: DailyView, now: dt.datetime) -> list[Alert]:
        """Alerts for one client."""
        if not view.has("last_wearable_data_utc"):
            return []
        stamps = pd.DatetimeIndex(view.raw("last_wearable_data_utc").dropna())
        if stamps.tz is None:
            raise AlertInputError("last_wearable_data_utc must be timezone-aware")
        last = stamps.max().to_pydatetime()
        gap_h = (now - last).total_seconds() / 3600
        if gap_h < self.hours:
            return []
        start = last.astimezone(dt.UTC).date()
        return [
            Alert(
                client=view.client,
                rule_id=self.id,
                window_start=start,
                window_end=max(start, now.astimezone(dt.UTC).date()),
                severity=self.severity,
                message=f"No wearable data for {gap_h / 24:.1f} days; worth checking "
                "that the band is worn and syncing",
                evidence={"last_data_utc": last.isoformat(), "gap_hours": round(gap_h, 1)},
            )
        ]


DEFAULT_RULES = (
    SleepChangeRule(),
    ShortSleepRunRule(),
    AnchorDriftRule(),
    LowSrmRule(),
    MoodExtremeRule(),
    Phq9Item9Rule(),
    DataGapRule(),
)
