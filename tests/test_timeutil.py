"""The time model: local dates and clock minutes, nights, DST, circular statistics."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipsrt.errors import InvalidTimeError, InvalidTimezoneError
from ipsrt.timeutil import (
    circular_mean_minutes,
    circular_sd_minutes,
    diary_date,
    elapsed_minutes,
    local_clock_to_utc,
    minute_of_day,
    night_of,
    nights_of,
    parse_clock,
    unwrap_minutes,
    zone,
)

UTC = dt.UTC


def hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


# -- DST: a 23:00-07:00 night lasts 7 h across spring-forward and 9 h across fall-back --

DST_NIGHTS = [
    # zone, evening date of the change night, expected minutes
    ("Europe/Berlin", dt.date(2026, 3, 28), 7 * 60),
    ("Europe/Berlin", dt.date(2026, 10, 24), 9 * 60),
    ("America/New_York", dt.date(2026, 3, 7), 7 * 60),
    ("America/New_York", dt.date(2026, 10, 31), 9 * 60),
    ("Europe/Berlin", dt.date(2026, 6, 13), 8 * 60),
]


@pytest.mark.parametrize(("tz", "evening", "expected"), DST_NIGHTS)
def test_night_across_dst_change(tz: str, evening: dt.date, expected: int) -> None:
    bed = local_clock_to_utc(evening, hm("23:00"), tz)
    up = local_clock_to_utc(evening + dt.timedelta(days=1), hm("07:00"), tz)
    assert elapsed_minutes(bed, up) == expected
    assert night_of(bed, tz) == evening
    assert night_of(up - dt.timedelta(minutes=1), tz) == evening


def test_spring_gap_is_refused_or_shifted() -> None:
    gap_day = dt.date(2026, 3, 29)  # Europe/Berlin: 02:00 -> 03:00
    with pytest.raises(InvalidTimeError, match="does not exist"):
        local_clock_to_utc(gap_day, hm("02:30"), "Europe/Berlin")
    shifted = local_clock_to_utc(gap_day, hm("02:30"), "Europe/Berlin", nonexistent="shift_forward")
    assert shifted.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") == "03:30"


def test_autumn_overlap_picks_earlier_or_later() -> None:
    overlap_day = dt.date(2026, 10, 25)  # Europe/Berlin: 03:00 -> 02:00
    earlier = local_clock_to_utc(overlap_day, hm("02:30"), "Europe/Berlin")
    later = local_clock_to_utc(overlap_day, hm("02:30"), "Europe/Berlin", ambiguous="later")
    assert elapsed_minutes(earlier, later) == 60
    assert earlier == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    with pytest.raises(InvalidTimeError, match="occurs twice"):
        local_clock_to_utc(overlap_day, hm("02:30"), "Europe/Berlin", ambiguous="raise")


def test_minute_of_day_and_diary_date_follow_the_wall_clock() -> None:
    instants = pd.DatetimeIndex(
        ["2026-03-29T00:59:00Z", "2026-03-29T01:00:00Z", "2026-06-30T22:30:00Z"]
    )
    assert minute_of_day(instants, "Europe/Berlin").tolist() == [
        hm("01:59"),
        hm("03:00"),
        hm("00:30"),
    ]
    assert diary_date(instants, "Europe/Berlin").tolist() == [
        dt.date(2026, 3, 29),
        dt.date(2026, 3, 29),
        dt.date(2026, 7, 1),
    ]


@pytest.mark.parametrize(
    ("local", "night"),
    [
        ("2026-06-10 12:00", "2026-06-10"),  # noon starts the night of that date
        ("2026-06-10 11:59", "2026-06-09"),
        ("2026-06-10 23:30", "2026-06-10"),
        ("2026-06-11 01:30", "2026-06-10"),  # after midnight: still the evening before
        ("2026-06-11 07:00", "2026-06-10"),
    ],
)
def test_noon_to_noon_night_assignment(local: str, night: str) -> None:
    tz = "America/New_York"
    onset = pd.Timestamp(local, tz=tz).to_pydatetime()
    assert night_of(onset, tz) == dt.date.fromisoformat(night)
    assert nights_of([onset], tz).tolist() == [dt.date.fromisoformat(night)]


def test_nights_of_keeps_noon_boundary_on_dst_days() -> None:
    tz = "Europe/Berlin"
    onsets = [
        pd.Timestamp("2026-03-29 11:59", tz=tz),
        pd.Timestamp("2026-03-29 12:00", tz=tz),
        pd.Timestamp("2026-10-25 11:59", tz=tz),
        pd.Timestamp("2026-10-25 12:00", tz=tz),
    ]
    assert nights_of(onsets, tz).tolist() == [
        dt.date(2026, 3, 28),
        dt.date(2026, 3, 29),
        dt.date(2026, 10, 24),
        dt.date(2026, 10, 25),
    ]


def test_naive_instants_are_refused() -> None:
    with pytest.raises(InvalidTimeError, match="naive"):
        night_of(dt.datetime(2026, 1, 1, 23, 0), "UTC")
    with pytest.raises(InvalidTimeError, match="naive"):
        minute_of_day(pd.DatetimeIndex(["2026-01-01 10:00"]), "UTC")


@pytest.mark.parametrize("name", ["Mars/Olympus", "", " Europe/Berlin", "../etc/passwd", "CET\x00"])
def test_unknown_zones_are_refused(name: str) -> None:
    with pytest.raises(InvalidTimezoneError):
        zone(name)


@pytest.mark.parametrize("text", ["25:00", "24:00", "7:60", "07-30", "", "0730", "aa:bb"])
def test_bad_clock_times(text: str) -> None:
    with pytest.raises(InvalidTimeError):
        parse_clock(text)


def test_parse_clock() -> None:
    assert parse_clock("07:05") == 425
    assert parse_clock("0:00") == 0
    assert parse_clock("23:59") == 1439


# -- circular statistics --------------------------------------------------------------

METRICS_MD_BEDTIMES = ["23:30", "23:45", "00:15", "23:50", "00:30", "23:40", "01:10"]


def test_circular_mean_of_bedtimes_from_metrics_md() -> None:
    # reference/metrics.md "Time conventions": arithmetic mean 13:49 (nonsense), circular 00:06.
    minutes = [hm(t) for t in METRICS_MD_BEDTIMES]
    assert round(np.mean(minutes)) == hm("13:49")
    assert round(circular_mean_minutes(minutes)) == 6


def test_unwrap_around_midnight() -> None:
    # metrics.md §1.5 rule 6: 23:50 and 00:10 average to 00:00.
    unwrapped = unwrap_minutes([hm("23:50"), hm("00:10")])
    assert sorted(unwrapped.tolist()) == pytest.approx([-10.0, 10.0], abs=1e-9)
    assert np.mean(unwrapped) == pytest.approx(0.0, abs=1e-9)
    assert unwrap_minutes([10.0, 1430.0], centre=720.0).tolist() == [10.0, 1430.0]


def test_circular_sd_matches_linear_sd_for_tight_cluster() -> None:
    # Analytic: for small spread, sqrt(-2 ln R) ~ population SD of the unwrapped angles.
    minutes = np.array([hm("23:55"), hm("00:05"), hm("00:00"), hm("23:58"), hm("00:02")])
    linear = np.std(unwrap_minutes(minutes))
    assert circular_sd_minutes(minutes) == pytest.approx(linear, rel=1e-3)


def test_circular_statistics_of_empty_and_uniform_input() -> None:
    assert np.isnan(circular_mean_minutes([]))
    assert np.isnan(circular_sd_minutes([np.nan]))
    assert np.isnan(circular_mean_minutes([0, 360, 720, 1080]))


@given(
    st.lists(st.integers(0, 1439), min_size=1, max_size=30),
    st.integers(-1440, 1440),
)
def test_circular_mean_moves_with_a_shift(values: list[int], shift: int) -> None:
    base = circular_mean_minutes(values)
    moved = circular_mean_minutes([(v + shift) % 1440 for v in values])
    if np.isnan(base):
        return
    difference = (moved - base - shift) % 1440
    assert min(difference, 1440 - difference) == pytest.approx(0.0, abs=1e-6)


@given(st.lists(st.integers(0, 1439), min_size=1, max_size=30))
def test_unwrapped_values_stay_within_half_a_day_of_centre(values: list[int]) -> None:
    centre = circular_mean_minutes(values)
    unwrapped = unwrap_minutes(values, centre)
    if np.isnan(centre):
        assert np.isnan(unwrapped).all()
        return
    assert (np.abs(unwrapped - centre) <= 720 + 1e-9).all()
    gap = (unwrapped - np.asarray(values)) % 1440
    assert np.allclose(np.minimum(gap, 1440 - gap), 0.0, atol=1e-6)
