"""Scenario.from_minutes replays given minutes exactly (the demo's cohort clients)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from devices.emulated.scenario import Scenario

ZONE = "Europe/Berlin"
DAY = dt.date(2026, 3, 28)  # the spring DST change is on 29 March: a 23-hour day follows


def _rows(scenario: Scenario) -> list[tuple[dt.datetime, float, float, float, str]]:
    return [
        (m.ts, float(m.steps), float(m.heart_rate), float(m.activity), m.state.value)
        for m in scenario.minutes
    ]


def test_a_generated_scenario_replayed_from_its_minutes_is_the_same() -> None:
    generated = Scenario.generate(seed=3, days=2, zone=ZONE, start_date=DAY)
    replayed = Scenario.from_minutes(_rows(generated), zone=ZONE, start_date=DAY, days=2)
    assert replayed.minutes == generated.minutes
    assert len(replayed.minutes) == 24 * 60 + 23 * 60

    # Sleep windows are the runs of sleep minutes: the generated nights that start and
    # end inside the two days come back as they were.
    def inside(windows):
        return [w for w in windows if w.onset > replayed.start and w.offset < replayed.end]

    assert inside(replayed.sleeps) == inside(generated.sleeps)
    assert len(inside(replayed.sleeps)) == 1


def test_missing_readings_become_the_wire_no_reading_and_activity_is_clipped() -> None:
    generated = Scenario.generate(seed=3, days=1, zone="UTC", start_date=DAY)
    rows = _rows(generated)
    ts = rows[0][0]
    rows[0] = (ts, math.nan, math.nan, 900.0, "not_worn")
    replayed = Scenario.from_minutes(rows, zone="UTC", start_date=DAY, days=1)
    first = replayed.minutes[0]
    assert (first.steps, first.heart_rate, first.activity, first.state.value) == (
        0,
        0,
        255,
        "not_worn",
    )


def test_a_gap_or_a_short_series_is_refused() -> None:
    rows = _rows(Scenario.generate(seed=3, days=1, zone="UTC", start_date=DAY))
    with pytest.raises(ValueError, match="was expected"):
        Scenario.from_minutes(rows[:10] + rows[11:], zone="UTC", start_date=DAY, days=1)
    with pytest.raises(ValueError, match="must cover"):
        Scenario.from_minutes(rows[:-1], zone="UTC", start_date=DAY, days=1)
