"""Daily and weekly summaries of one client-week: what every screen and alert reads.

A summary is computed for one **client week** at a time (seven local dates
from the client's week start), from the minutes on the client's local
one-minute grid over the week plus a fixed context (:data:`CONTEXT_BEFORE_DAYS`
before, :data:`CONTEXT_AFTER_DAYS` after), the SRM-5 diary entries, moods and
rating-scale responses of its dates. A week's summary depends on nothing
else, so updating only the weeks whose inputs changed gives exactly what a
full rebuild gives (``docs/architecture.md``, "Daily summaries").

Three outputs (:func:`summarise_week`):

* one row per date (:data:`DAY_COLUMNS`): wear and steps, the hourly activity
  profile, the main sleep of the night that starts on the date, reported and
  estimated SRM anchors, mood and scales, completeness;
* one row for the week (:data:`WEEK_COLUMNS`): SRM-5 of the diary and of the
  estimated anchors, IS, IV, RA, L5, M10, SRI, mean sleep and the circular SD
  of the sleep midpoints;
* the sleep episodes of the week's nights (:data:`EPISODE_COLUMNS`).

Every figure is computed by the project's one implementation of it: the
rhythm figures by :mod:`ipsrt.rhythm`, sleep by
:func:`ipsrt.rhythm.sleep_timing.sleep_timing`, SRM by
:func:`ipsrt.srm.score_weeks`, anchors by
:func:`ipsrt.srm.estimated.estimate_anchors`, circular statistics by
:mod:`ipsrt.circular`. Pure: frames in, frames out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd

from ipsrt import circular
from ipsrt.enums import SleepSource
from ipsrt.errors import InvalidInputError
from ipsrt.minutes import MINUTE_COLUMNS
from ipsrt.rhythm.clock_bins import clock_bins, local_days
from ipsrt.rhythm.nonparametric import (
    interdaily_stability,
    intradaily_variability,
    l5,
    m10,
    ra_of,
)
from ipsrt.rhythm.sleep_timing import NIGHT_COLUMNS, sleep_episodes, sleep_timing
from ipsrt.rhythm.sri import sleep_regularity_index
from ipsrt.srm import score_weeks
from ipsrt.srm.estimated import estimate_anchors
from ipsrt.timeutil import WEEKDAYS, local_midnight, nights_of

__all__ = [
    "ANCHORS",
    "CONTEXT_AFTER_DAYS",
    "CONTEXT_BEFORE_DAYS",
    "DAY_COLUMNS",
    "EPISODE_COLUMNS",
    "SCREEN_BIN_MINUTES",
    "SUMMARY_VERSION",
    "WEEK_COLUMNS",
    "WeekSummary",
    "summarise_week",
    "week_bounds",
    "week_of",
    "weeks_reading",
]

#: Bumped whenever a definition below changes (``ipsrt summaries rebuild`` then applies it).
SUMMARY_VERSION = "2"
#: Days of minutes read before the week's first date and after its last one.
CONTEXT_BEFORE_DAYS = 1
CONTEXT_AFTER_DAYS = 1
#: Bin length of the activity, wear and sleep bins kept for screens (actograms).
SCREEN_BIN_MINUTES = 10
#: The SRM-5 anchors, in the form's order.
ANCHORS = ("out_of_bed", "first_contact", "start_activity", "dinner", "bed")
_ESTIMATED = ("out_of_bed", "start_activity", "bed")

DAY_COLUMNS = (
    "date",
    "day_minutes",
    "recorded_min",
    "wear_min",
    "steps",
    "activity_hourly",
    "bin_activity_sum",
    "bin_worn",
    "bin_sleep",
    "sleep_onset_utc",
    "sleep_offset_utc",
    "sleep_onset_min",
    "sleep_offset_min",
    "sleep_midpoint_min",
    "sleep_duration_min",
    "sleep_min",
    "sleep_source",
    *(f"reported_{a}_min" for a in ANCHORS),
    *(f"estimated_{a}_min" for a in _ESTIMATED),
    "diary_items",
    "mood",
    "energy",
    "irritability",
    "anxiety",
    "phq9_total",
    "phq9_item9",
    "asrm_total",
    "wear_fraction",
)
WEEK_COLUMNS = (
    "week_start",
    "days_with_data",
    "srm",
    "srm_estimated",
    "IS",
    "IV",
    "RA",
    "L5",
    "M10",
    "SRI",
    "sleep_duration_mean_min",
    "sleep_midpoint_sd_min",
)
EPISODE_COLUMNS = ("night", "start_utc", "end_utc", "source", "is_main")
_DAY = dt.timedelta(days=1)
_EPOCH = dt.date(1970, 1, 1)
_DEVICE_LABELS = ("sleep", "sleep_light", "sleep_deep", "sleep_rem", "awake")


@dataclasses.dataclass(frozen=True)
class WeekSummary:
    """The summaries of one client-week (see the module docstring)."""

    days: pd.DataFrame
    week: dict[str, Any]
    episodes: pd.DataFrame


def week_of(date: dt.date, week_start: int) -> dt.date:
    """First date of the client week (weeks start on weekday *week_start*, 0 = Monday)."""
    return date - dt.timedelta(days=(date.weekday() - week_start) % 7)


def weeks_reading(date: dt.date, week_start: int) -> list[dt.date]:
    """First dates of the client weeks whose summaries read records of *date*.

    A week starting on F reads dates F - :data:`CONTEXT_BEFORE_DAYS` ..
    F + 6 + :data:`CONTEXT_AFTER_DAYS`, so a change on *date* concerns the
    weeks with F in [date - 6 - after, date + before]: one or two weeks.
    """
    low = date - (6 + CONTEXT_AFTER_DAYS) * _DAY
    high = date + CONTEXT_BEFORE_DAYS * _DAY
    first = week_of(low, week_start)
    if first < low:
        first += 7 * _DAY
    out = []
    while first <= high:
        out.append(first)
        first += 7 * _DAY
    return out


def week_bounds(first: dt.date, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """UTC span of the minutes a week's summary reads: its dates plus the context days."""
    start = local_midnight(first - CONTEXT_BEFORE_DAYS * _DAY, tz)
    end = local_midnight(first + (7 + CONTEXT_AFTER_DAYS) * _DAY, tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _span(minutes: pd.DataFrame, first: dt.date, end: dt.date, tz: str) -> pd.DataFrame:
    """Rows of local dates *first* <= date < *end*."""
    index = pd.DatetimeIndex(minutes.index)
    keep = (index >= local_midnight(first, tz)) & (index < local_midnight(end, tz))
    return minutes.loc[keep]


def _json(values: np.ndarray, digits: int | None = None) -> str:
    """A JSON list of numbers (null for NaN), rounded to *digits* when given."""
    out = np.round(values, digits) if digits is not None else values
    if out.dtype.kind in "iu":
        return json.dumps(out.tolist())
    return json.dumps([None if v != v else v for v in out.astype(np.float64).tolist()])


def _day_figures(minutes: pd.DataFrame, sleep: pd.Series, dates: list[dt.date]) -> dict[str, Any]:
    """Per date: minutes of the local day, recorded and worn, steps, the hourly profile and
    the screen bins (:data:`SCREEN_BIN_MINUTES`)."""
    n = len(dates)
    day, _clock = local_days(pd.DatetimeIndex(minutes.index))
    pos = day - (dates[0] - _EPOCH).days
    inside = (pos >= 0) & (pos < n)
    pos = pos[inside]
    counts = minutes["counts"].astype("float64")
    steps = minutes["steps"].to_numpy(dtype=np.float64)[inside]
    recorded = minutes["device_id"].notna().to_numpy()[inside]
    worn = ~np.isnan(counts.to_numpy()[inside])
    has_steps = ~np.isnan(steps)
    step_sum = np.bincount(pos[has_steps], weights=steps[has_steps], minlength=n)
    hourly = clock_bins(counts, sleep, dates[0], n, 60).mean_activity
    screen = clock_bins(counts, sleep, dates[0], n, SCREEN_BIN_MINUTES)
    return {
        "day_minutes": np.bincount(pos, minlength=n),
        "recorded_min": np.bincount(pos[recorded], minlength=n),
        "wear_min": np.bincount(pos[worn], minlength=n),
        "steps": np.where(np.bincount(pos[has_steps], minlength=n) > 0, step_sum, np.nan),
        "activity_hourly": [_json(row, 2) for row in hourly],
        "bin_activity_sum": [_json(row, 3) for row in screen.activity_sum],
        "bin_worn": [_json(row) for row in screen.worn],
        "bin_sleep": [_json(row) for row in screen.sleep],
    }


def _sleep_sources(
    minutes: pd.DataFrame, onsets: pd.DatetimeIndex, offsets: pd.DatetimeIndex
) -> list[str]:
    """``device`` for a sleep span with any minute the device labelled, else ``detected``."""
    labelled = minutes["state"].isin(_DEVICE_LABELS).to_numpy()
    before = np.concatenate([[0], np.cumsum(labelled)])
    index = pd.DatetimeIndex(minutes.index).tz_convert("UTC").as_unit("s").asi8
    lo = np.searchsorted(index, onsets.tz_convert("UTC").as_unit("s").asi8, side="left")
    hi = np.searchsorted(index, offsets.tz_convert("UTC").as_unit("s").asi8, side="right")
    return [
        SleepSource.DEVICE.value if before[b] > before[a] else SleepSource.DETECTED.value
        for a, b in zip(lo, hi, strict=True)
    ]


def _anchor_table(
    entries: pd.DataFrame, dates: list[dt.date], names: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """Clock minute of each done activity by date (NaN: not done or not entered)."""
    out = {name: np.full(len(dates), np.nan) for name in names}
    if entries.empty:
        return out
    position = {d: i for i, d in enumerate(dates)}
    done = entries["status"].to_numpy() == "done"
    for date, activity, minutes in zip(
        entries["date"].to_numpy()[done],
        entries["activity"].to_numpy()[done],
        entries["minutes"].to_numpy(dtype=np.float64)[done],
        strict=True,
    ):
        i = position.get(date)
        if i is not None and activity in out:
            out[activity][i] = minutes
    return out


def _by_date(
    frame: pd.DataFrame, column: str, dates: list[dt.date], how: str = "last"
) -> np.ndarray:
    """*column* by date (the last row, or the highest value with ``how="max"``)."""
    out = np.full(len(dates), np.nan)
    if frame.empty:
        return out
    position = {d: i for i, d in enumerate(dates)}
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    for date, value in zip(frame["date"].to_numpy(), values, strict=True):
        i = position.get(date)
        if i is None or np.isnan(value):
            continue
        out[i] = value if how == "last" or np.isnan(out[i]) else max(out[i], value)
    return out


def _rhythm_figures(minutes: pd.DataFrame, sleep: pd.Series, tz: str) -> dict[str, float]:
    counts = minutes["counts"].astype("float64")
    if counts.notna().sum() == 0:
        return dict.fromkeys(("IS", "IV", "RA", "L5", "M10", "SRI"), np.nan)
    low, high = l5(counts, tz=tz).value, m10(counts, tz=tz).value
    return {
        "IS": interdaily_stability(counts, tz=tz),
        "IV": intradaily_variability(counts, tz=tz),
        "RA": ra_of(low, high)[0],
        "L5": low,
        "M10": high,
        "SRI": sleep_regularity_index(sleep, tz=tz) if sleep.notna().any() else np.nan,
    }


def _episodes(
    sleep: pd.Series, nights: pd.DataFrame, minutes: pd.DataFrame, tz: str, dates: list[dt.date]
) -> pd.DataFrame:
    found = sleep_episodes(sleep) if sleep.notna().any() else pd.DataFrame()
    if found.empty:
        return pd.DataFrame(columns=list(EPISODE_COLUMNS))
    night = nights_of(pd.DatetimeIndex(found["onset"]), tz)
    keep = np.isin(night, np.array(dates, dtype=object))
    found, night = found.loc[keep], night[keep]
    main = set(pd.DatetimeIndex(nights["onset_utc"]).as_unit("s").asi8) if len(nights) else set()
    onset = pd.DatetimeIndex(found["onset"]).tz_convert("UTC")
    offset = pd.DatetimeIndex(found["offset"]).tz_convert("UTC")
    return pd.DataFrame(
        {
            "night": pd.Series(list(night), dtype=object),
            "start_utc": onset,
            "end_utc": offset,
            "source": _sleep_sources(minutes, onset, offset),
            "is_main": [int(t) in main for t in onset.as_unit("s").asi8],
        },
        columns=list(EPISODE_COLUMNS),
    ).reset_index(drop=True)


def summarise_week(
    minutes: pd.DataFrame,
    sleep: pd.Series,
    entries: pd.DataFrame,
    moods: pd.DataFrame,
    scales: pd.DataFrame,
    *,
    first: dt.date,
    tz: str,
    week_start: int,
) -> WeekSummary:
    """The summaries of the client week starting on *first*.

    Parameters
    ----------
    minutes
        The client's minutes that count on the local one-minute grid over
        :func:`week_bounds` (columns :data:`ipsrt.minutes.MINUTE_COLUMNS`, as
        :func:`ipsrt.minutes.local_minute_grid` returns them).
    sleep
        Sleep (1), wake (0) or missing (NaN) on the same grid
        (:func:`ipsrt.minutes.sleep_states`).
    entries
        SRM-5 entries of the week's dates (the :func:`ipsrt.srm.score_weeks` format).
    moods
        Daily moods (``date``, ``mood``, ``energy``, ``irritability``, ``anxiety``).
    scales
        Rating-scale responses (``date``, ``instrument``, ``total``, ``item9``);
        several on one date: the highest total (and item 9) counts.
    first, tz, week_start
        The week's first date (a *week_start* weekday), the client's zone.

    Returns
    -------
    WeekSummary
        Seven rows of :data:`DAY_COLUMNS`, the week's :data:`WEEK_COLUMNS` and
        the episodes (:data:`EPISODE_COLUMNS`) of the nights of its dates.
    """
    if first.weekday() != week_start:
        raise InvalidInputError(f"week of {first}: a client week starts on {WEEKDAYS[week_start]}")
    missing = [c for c in MINUTE_COLUMNS if c not in minutes.columns]
    if missing:
        raise InvalidInputError(f"minutes lack column(s) {', '.join(missing)}")
    dates = [first + i * _DAY for i in range(7)]
    # The day columns are gathered first and framed once (adding them one by one costs
    # more than computing them).
    cols: dict[str, Any] = {"date": pd.Series(dates, dtype=object)}
    cols.update(_day_figures(minutes, sleep, dates))
    has_data = minutes["counts"].notna().any() or minutes["state"].notna().any()
    nights = sleep_timing(sleep, tz) if has_data else pd.DataFrame(columns=list(NIGHT_COLUMNS))
    nights = nights.set_index("night") if len(nights) else nights
    main = (
        nights.reindex(dates)
        if len(nights)
        else pd.DataFrame(index=dates, columns=list(NIGHT_COLUMNS[1:]))
    )
    onsets = pd.DatetimeIndex(main["onset_utc"]).tz_convert("UTC") if len(nights) else None
    offsets = pd.DatetimeIndex(main["offset_utc"]).tz_convert("UTC") if len(nights) else None
    cols["sleep_onset_utc"] = pd.NaT if onsets is None else onsets
    cols["sleep_offset_utc"] = pd.NaT if offsets is None else offsets
    for key, column in (
        ("sleep_onset_min", "onset_local"),
        ("sleep_offset_min", "offset_local"),
        ("sleep_midpoint_min", "midpoint_local"),
        ("sleep_duration_min", "duration_min"),
        ("sleep_min", "sleep_min"),
    ):
        cols[key] = pd.to_numeric(main[column], errors="coerce").to_numpy(dtype=np.float64)
    sources = np.full(7, None, dtype=object)
    if onsets is not None and offsets is not None:
        has_night = ~onsets.isna()
        if has_night.any():
            sources[has_night] = _sleep_sources(minutes, onsets[has_night], offsets[has_night])
    cols["sleep_source"] = sources
    reported = _anchor_table(entries, dates, ANCHORS)
    for name in ANCHORS:
        cols[f"reported_{name}_min"] = reported[name]
    estimated = _estimated(nights, minutes, tz, dates)
    estimated_table = _anchor_table(estimated, dates, _ESTIMATED)
    for name in _ESTIMATED:
        cols[f"estimated_{name}_min"] = estimated_table[name]
    cols["diary_items"] = _diary_items(entries, dates)
    for column in ("mood", "energy", "irritability", "anxiety"):
        cols[column] = _by_date(moods, column, dates)
    phq = scales[scales["instrument"] == "phq9"] if len(scales) else scales
    asrm = scales[scales["instrument"] == "asrm"] if len(scales) else scales
    cols["phq9_total"] = _by_date(phq, "total", dates, "max")
    cols["phq9_item9"] = _by_date(phq, "item9", dates, "max")
    cols["asrm_total"] = _by_date(asrm, "total", dates, "max")
    wear, day_minutes = cols["wear_min"], cols["day_minutes"]
    cols["wear_fraction"] = wear / np.where(day_minutes > 0, day_minutes, np.nan)
    days = pd.DataFrame({key: cols[key] for key in DAY_COLUMNS})
    duration = cols["sleep_duration_min"]
    week_minutes = _span(minutes, first, first + 7 * _DAY, tz)
    srm, srm_estimated = _srm_pair(entries, estimated, week_start)
    week = {
        "week_start": first,
        "days_with_data": int((wear > 0).sum()),
        "srm": srm,
        "srm_estimated": srm_estimated,
        **_rhythm_figures(week_minutes, sleep.loc[week_minutes.index], tz),
        "sleep_duration_mean_min": float(np.nanmean(duration))
        if (~np.isnan(duration)).any()
        else np.nan,
        "sleep_midpoint_sd_min": circular.sd_minutes(cols["sleep_midpoint_min"]),
    }
    return WeekSummary(
        days=days,
        week=week,
        episodes=_episodes(
            sleep, nights.reset_index() if len(nights) else nights, minutes, tz, dates
        ),
    )


def _diary_items(entries: pd.DataFrame, dates: list[dt.date]) -> list[int]:
    """SRM-5 anchors entered (done or not) per date."""
    if not len(entries):
        return [0] * len(dates)
    anchor = entries["activity"].isin(ANCHORS).to_numpy()
    column = entries["date"]
    if column.dtype != object:
        return [int(((column == d).to_numpy() & anchor).sum()) for d in dates]
    on = column.to_numpy()[anchor]
    return [int((on == d).sum()) for d in dates]


def _estimated(
    nights: pd.DataFrame, minutes: pd.DataFrame, tz: str, dates: list[dt.date]
) -> pd.DataFrame:
    if nights.empty:
        return pd.DataFrame(columns=["date", "activity", "minutes", "status"])
    steps = minutes["steps"].dropna()
    steps.index = pd.DatetimeIndex(steps.index).tz_convert("UTC")
    entries = estimate_anchors(nights.reset_index(), steps, tz)
    return entries[entries["date"].isin(dates)].reset_index(drop=True)


def _srm_pair(
    entries: pd.DataFrame, estimated: pd.DataFrame, week_start: int
) -> tuple[float, float]:
    """SRM-5 of the diary and of the estimated anchors (one scoring call, two "clients")."""
    parts = [
        frame[[c for c in frame.columns if c != "source"]].assign(client=name)
        for name, frame in (("reported", entries), ("estimated", estimated))
        if not frame.empty
    ]
    if not parts:
        return np.nan, np.nan
    weeks = score_weeks(
        pd.concat(parts, ignore_index=True), items="srm5", week_start=WEEKDAYS[week_start]
    )
    srm = dict(zip(weeks["client"], weeks["srm"].astype(float), strict=True))
    return srm.get("reported", np.nan), srm.get("estimated", np.nan)
