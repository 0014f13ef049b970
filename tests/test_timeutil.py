"""The time model: local dates and clock minutes, nights, DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from ipsrt.errors import InvalidInputError, InvalidTimeError, InvalidTimezoneError
from ipsrt.timeutil import (
    check_plausible_date,
    diary_date,
    elapsed_minutes,
    local_clock_to_utc,
    minute_of_day,
    night_of,
    nights_of,
    parse_clock,
    week_start_days,
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


def test_week_start_days() -> None:
    # 2026-05-20 was a Wednesday; its Monday-week starts 2026-05-18, its
    # Sunday-week 2026-05-17, its Wednesday-week on the day itself.
    day = (dt.date(2026, 5, 20) - dt.date(1970, 1, 1)).days
    for week_start, first in (
        (0, dt.date(2026, 5, 18)),
        (6, dt.date(2026, 5, 17)),
        (2, dt.date(2026, 5, 20)),
    ):
        (got,) = week_start_days([day], week_start)
        assert dt.date(1970, 1, 1) + dt.timedelta(days=int(got)) == first


def test_check_plausible_date_accepts_1990_to_tomorrow_and_refuses_the_rest() -> None:
    # The rule stated in the docstring: [1990-01-01, today + 1 day].
    today = dt.date(2026, 12, 3)
    assert check_plausible_date(dt.date(1990, 1, 1), today=today, what="x") == dt.date(1990, 1, 1)
    assert check_plausible_date(dt.date(2026, 12, 4), today=today, what="x") == dt.date(2026, 12, 4)
    for bad in (
        dt.date(1, 1, 1),
        dt.date(1989, 12, 31),
        dt.date(2026, 12, 5),
        dt.date(9999, 12, 31),
    ):
        with pytest.raises(InvalidInputError, match=r"^--from .* is not plausible"):
            check_plausible_date(bad, today=today, what="--from")
