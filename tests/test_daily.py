"""Daily and weekly summaries of one client-week (ipsrt.daily), on analytic inputs.

Expected values are worked out by hand in each test from the constructed
signal (a square wave of activity, fixed sleep times), from the SRM worked
example 2 of docs/srm.md, and from the DST rule of docs/architecture.md
("a 23:00-07:00 night lasts 7 h across the spring change").
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from ipsrt.daily import (
    DAY_COLUMNS,
    WEEK_COLUMNS,
    summarise_week,
    week_bounds,
    week_of,
    weeks_reading,
)
from ipsrt.errors import InvalidInputError
from ipsrt.minutes import local_minute_grid, select_minutes, sleep_states

MONDAY = dt.date(2024, 1, 1)


def grid(first: dt.date, tz: str, *, labelled: bool = True) -> pd.DataFrame:
    """A week (plus context) asleep 23:00-07:00 local; awake: 10 steps and 100 counts a minute."""
    start, end = week_bounds(first, tz)
    utc = pd.date_range(start, end, freq="min", inclusive="left")
    local = utc.tz_convert(tz)
    clock = local.hour * 60 + local.minute
    asleep = (clock >= 23 * 60) | (clock < 7 * 60)
    samples = pd.DataFrame(
        {
            "device_id": 1,
            "steps": pd.array(np.where(asleep, 0, 10), dtype="Int64"),
            "activity": np.where(asleep, 0.0, 100.0),
            "heart_rate": pd.array(np.where(asleep, 55, 80), dtype="Int64"),
            "state": np.where(asleep, "sleep_light", "awake") if labelled else "unknown",
            "quality": 0,
        },
        index=utc,
    )
    return local_minute_grid(select_minutes(samples), start, end, tz)


def empty_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    entries = pd.DataFrame(columns=["date", "activity", "minutes", "status", "people", "target"])
    moods = pd.DataFrame(columns=["date", "mood", "energy", "irritability", "anxiety"])
    scales = pd.DataFrame(columns=["date", "instrument", "total", "item9"])
    return entries, moods, scales


def test_a_regular_week_in_utc() -> None:
    minutes = grid(MONDAY, "UTC")
    dates = [MONDAY + dt.timedelta(days=i) for i in range(7)]
    # docs/srm.md, worked example 2: these seven out-of-bed times score 7 hits.
    entries = pd.DataFrame(
        {
            "date": dates,
            "activity": "out_of_bed",
            "minutes": [420.0, 420, 425, 420, 460, 420, 420],
            "status": "done",
            "people": np.nan,
            "target": np.nan,
        }
    )
    moods = pd.DataFrame(
        {"date": [dates[2]], "mood": [-2.0], "energy": [3.0], "irritability": [np.nan],
         "anxiety": [np.nan]}
    )  # fmt: skip
    scales = pd.DataFrame(
        {
            "date": [dates[4], dates[4], dates[5]],
            "instrument": ["phq9", "phq9", "asrm"],
            "total": [6, 9, 4],
            "item9": [0.0, 1.0, np.nan],
        }
    )
    week = summarise_week(
        minutes, sleep_states(minutes), entries, moods, scales,
        first=MONDAY, tz="UTC", week_start=0,
    )  # fmt: skip
    days = week.days
    assert list(days.columns) == list(DAY_COLUMNS)
    assert days["date"].tolist() == dates
    assert days["day_minutes"].tolist() == [1440] * 7
    assert days["wear_min"].tolist() == [1440] * 7
    assert days["steps"].tolist() == [960 * 10.0] * 7  # 16 waking hours, 10 steps a minute
    hourly = json.loads(days["activity_hourly"].iloc[0])
    assert hourly == [0.0] * 7 + [100.0] * 16 + [0.0]
    assert days["sleep_onset_min"].tolist() == [23 * 60.0] * 7
    assert days["sleep_offset_min"].tolist() == [7 * 60.0] * 7
    assert days["sleep_midpoint_min"].tolist() == [3 * 60.0] * 7
    assert days["sleep_duration_min"].tolist() == [480.0] * 7
    assert days["sleep_source"].tolist() == ["device"] * 7
    assert days["reported_out_of_bed_min"].tolist() == [420.0, 420, 425, 420, 460, 420, 420]
    assert days["reported_bed_min"].isna().all()
    assert days["diary_items"].tolist() == [1] * 7
    # Estimated anchors: rise at the offset, bed at the onset, the day starts with the
    # first 10-minute window of >= 100 steps after waking (07:00-07:10 has exactly 100).
    assert days["estimated_out_of_bed_min"].tolist() == [420.0] * 7
    assert days["estimated_start_activity_min"].tolist() == [420.0] * 7
    assert days["estimated_bed_min"].tolist() == [1380.0] * 7
    assert days["mood"].tolist()[2] == -2
    assert days["energy"].tolist()[2] == 3
    assert days["mood"].isna().sum() == 6
    # Two PHQ-9 responses on one date: the higher total and item 9 count.
    assert days["phq9_total"].tolist()[4] == 9
    assert days["phq9_item9"].tolist()[4] == 1
    assert days["asrm_total"].tolist()[5] == 4
    assert days["wear_fraction"].tolist() == [1.0] * 7

    w = week.week
    assert list(w) == list(WEEK_COLUMNS)
    assert w["days_with_data"] == 7
    assert w["srm"] == 7.0  # worked example 2
    assert w["srm_estimated"] == 7.0  # three activities, each at the same time every day
    # A perfect daily repeat: IS = 1, SRI = 100 (Phillips et al. 2017), L5 = 0 so RA = 1.
    assert w["IS"] == pytest.approx(1.0, abs=1e-12)
    assert w["SRI"] == pytest.approx(100.0)
    assert (w["L5"], w["M10"], w["RA"]) == (0.0, 100.0, 1.0)
    # IV of the hourly square wave: 14 jumps of 100 among 167 successive pairs over the
    # variance of a 16-of-24-hours 0/100 signal, 100^2 * (2/3) * (1/3).
    iv = (14 * 100**2 / 167) / (100**2 * (2 / 3) * (1 / 3))
    assert w["IV"] == pytest.approx(iv, rel=1e-12)
    assert w["sleep_duration_mean_min"] == 480.0
    assert w["sleep_midpoint_sd_min"] == pytest.approx(0.0, abs=1e-6)

    episodes = week.episodes
    assert episodes["night"].tolist() == dates
    assert episodes["is_main"].all()
    assert (episodes["source"] == "device").all()
    assert (episodes["end_utc"] - episodes["start_utc"]).eq(pd.Timedelta(hours=8)).all()


def test_the_spring_change_in_berlin() -> None:
    # The week of Monday 25 March 2024; clocks go forward on Sunday 31 March.
    first = dt.date(2024, 3, 25)
    minutes = grid(first, "Europe/Berlin")
    week = summarise_week(
        minutes, sleep_states(minutes), *empty_frames(),
        first=first, tz="Europe/Berlin", week_start=0,
    )  # fmt: skip
    days = week.days.set_index("date")
    assert days.loc[dt.date(2024, 3, 31), "day_minutes"] == 23 * 60
    assert days.loc[dt.date(2024, 3, 30), "day_minutes"] == 24 * 60
    # The night of 30 March runs 23:00-07:00 local but lasts 7 h.
    assert days.loc[dt.date(2024, 3, 30), "sleep_duration_min"] == 420
    assert days.loc[dt.date(2024, 3, 29), "sleep_duration_min"] == 480
    assert set(days["sleep_onset_min"]) == {1380.0}
    # The missing hour 02:00-03:00 is asleep anyway: the hourly profile has no gap.
    hourly = json.loads(days.loc[dt.date(2024, 3, 31), "activity_hourly"])
    assert hourly[2] is None
    assert hourly[3] == 0.0


def test_unlabelled_minutes_are_scored_and_marked_detected() -> None:
    minutes = grid(MONDAY, "UTC", labelled=False)
    week = summarise_week(
        minutes, sleep_states(minutes), *empty_frames(), first=MONDAY, tz="UTC", week_start=0
    )
    sources = set(week.days["sleep_source"].dropna())
    assert sources == {"detected"}
    assert set(week.episodes["source"]) == {"detected"}


def test_a_week_without_minutes_keeps_its_diary() -> None:
    start, end = week_bounds(MONDAY, "UTC")
    minutes = local_minute_grid(select_minutes(_no_samples()), start, end, "UTC")
    entries, moods, scales = empty_frames()
    moods = pd.DataFrame({"date": [MONDAY], "mood": [4.0], "energy": [np.nan],
                          "irritability": [np.nan], "anxiety": [np.nan]})  # fmt: skip
    week = summarise_week(
        minutes, sleep_states(minutes), entries, moods, scales, first=MONDAY, tz="UTC", week_start=0
    )
    assert week.days["wear_min"].tolist() == [0] * 7
    assert week.days["steps"].isna().all()
    assert week.days["sleep_duration_min"].isna().all()
    assert week.days["mood"].tolist()[0] == 4
    assert week.week["days_with_data"] == 0
    assert np.isnan(week.week["IS"])
    assert week.episodes.empty


def _no_samples() -> pd.DataFrame:
    """An empty stored-samples frame (the columns select_minutes reads)."""
    return pd.DataFrame(
        {c: pd.Series(dtype="float64") for c in ("steps", "activity", "heart_rate")}
        | {
            "device_id": pd.Series(dtype="int64"),
            "state": pd.Series(dtype=object),
            "quality": pd.Series(dtype="int64"),
        },
        index=pd.DatetimeIndex([], tz="UTC"),
    )


def test_a_week_must_start_on_the_clients_week_start() -> None:
    minutes = grid(MONDAY, "UTC")
    with pytest.raises(InvalidInputError, match="starts on sunday"):
        summarise_week(
            minutes, sleep_states(minutes), *empty_frames(), first=MONDAY, tz="UTC", week_start=6
        )


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        # A week starting on F reads F-1 .. F+7, so a date concerns weeks with F in [D-7, D+1].
        (dt.date(2024, 1, 1), [dt.date(2023, 12, 25), dt.date(2024, 1, 1)]),  # Monday
        (dt.date(2024, 1, 3), [dt.date(2024, 1, 1)]),  # Wednesday: its own week only
        (dt.date(2024, 1, 7), [dt.date(2024, 1, 1), dt.date(2024, 1, 8)]),  # Sunday
    ],
)
def test_weeks_reading_a_date(date: dt.date, expected: list[dt.date]) -> None:
    assert weeks_reading(date, 0) == expected
    assert week_of(date, 0) in expected


def test_weeks_reading_every_date_of_a_year_covers_every_week_that_reads_it() -> None:
    for week_start in range(7):
        for offset in range(400):
            date = dt.date(2024, 1, 1) + dt.timedelta(days=offset)
            found = weeks_reading(date, week_start)
            for first in found:
                assert first.weekday() == week_start
                assert first - dt.timedelta(days=1) <= date <= first + dt.timedelta(days=7)
            # ... and no other week reads it.
            before = found[0] - dt.timedelta(days=7)
            after = found[-1] + dt.timedelta(days=7)
            assert not before - dt.timedelta(days=1) <= date <= before + dt.timedelta(days=7)
            assert not after - dt.timedelta(days=1) <= date <= after + dt.timedelta(days=7)
