"""Scenario ground truth and the fault plan's runtime pieces (pure, no BLE)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from devices.emulated.faults import DeviceClock, FaultPlan, NotificationFaults
from devices.emulated.scenario import DeviceState, Scenario

TZ = ZoneInfo("Europe/Berlin")


def test_scenario_is_deterministic_and_seed_dependent() -> None:
    a = Scenario.generate(seed=1, days=2, zone="Europe/Berlin", start_date=dt.date(2026, 5, 4))
    b = Scenario.generate(seed=1, days=2, zone="Europe/Berlin", start_date=dt.date(2026, 5, 4))
    c = Scenario.generate(seed=2, days=2, zone="Europe/Berlin", start_date=dt.date(2026, 5, 4))
    assert a == b
    assert a.minutes != c.minutes


@pytest.mark.parametrize(
    ("start", "minutes"),
    [
        (dt.date(2026, 3, 29), 23 * 60),
        (dt.date(2026, 10, 25), 25 * 60),
        (dt.date(2026, 6, 1), 1440),
    ],
)
def test_day_length_follows_dst(start: dt.date, minutes: int) -> None:
    s = Scenario.generate(seed=3, days=1, zone="Europe/Berlin", start_date=start)
    assert len(s.minutes) == minutes
    assert s.start == dt.datetime.combine(start, dt.time(0), tzinfo=TZ).astimezone(dt.UTC)


def test_nights_are_about_23_to_07_and_still() -> None:
    s = Scenario.generate(seed=9, days=7, zone="Europe/Berlin", start_date=dt.date(2026, 1, 5))
    for sleep in s.sleeps:
        onset = sleep.onset.astimezone(TZ)
        offset = sleep.offset.astimezone(TZ)
        assert onset.hour in (22, 23) or (onset.hour == 0 and onset.minute <= 45)
        assert offset.hour in (6, 7)
        assert (offset - onset) > dt.timedelta(hours=6)
    for minute in s.minutes:
        assert minute.asleep == s.in_sleep(minute.ts)
        if minute.asleep:
            assert minute.steps == 0
            assert minute.heart_rate < 65
        else:
            assert minute.state is DeviceState.AWAKE
    assert sum(m.steps for m in s.minutes) > 7 * 3000


def test_notification_faults_are_seeded() -> None:
    plan = FaultPlan(seed=4, drop_rate=0.1, duplicate_rate=0.1, reorder_rate=0.1)
    runs = []
    for _ in range(2):
        faults = NotificationFaults(plan)
        out = [p for i in range(500) for p in faults.process(i.to_bytes(2, "little"))]
        runs.append(out + faults.flush())
    assert runs[0] == runs[1]
    values = [int.from_bytes(p, "little") for p in runs[0]]
    assert len(set(values)) < 500  # some dropped
    assert len(values) != len(set(values))  # some duplicated
    assert values != sorted(values)  # some reordered


def test_fault_plan_validates() -> None:
    with pytest.raises(ValueError, match="drop_rate"):
        FaultPlan(drop_rate=1.5)
    with pytest.raises(ValueError, match="aware"):
        FaultPlan(clock_reset_at=dt.datetime(2026, 1, 1))


def test_device_clock_set_and_local_offset() -> None:
    now = [dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)]
    clock = DeviceClock(lambda: now[0], TZ, FaultPlan(clock_offset=-dt.timedelta(hours=3)))
    assert clock.local() == dt.datetime(2026, 7, 1, 11, 0)  # 12Z - 3 h + CEST
    clock.set_utc(now[0])
    assert clock.offset() == dt.timedelta(0)
    clock.set_local_offset(dt.timedelta(hours=-4))
    now[0] += dt.timedelta(hours=1)
    assert clock.local() == dt.datetime(2026, 7, 1, 9, 0)
