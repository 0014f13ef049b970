"""InfiniTime profile end to end: live HR, step deltas across the watch's midnight, clock."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from devices.emulated import FaultPlan, VirtualClock, World
from devices.emulated.infinitime import InfiniTimeWatch
from devices.profiles.infinitime import InfiniTimeProfile
from devices.wire.infinitime import MotionSample, activity_counts, parse_raw_motion
from ipsrt.store import Store
from tests.devices.test_profiles_common import (
    collector,
    scenario,
    setup_store,
    stored,
    stored_rows,
    truth_frame,
    wait_until,
    with_options,
)

pytestmark = pytest.mark.asyncio
WATCH = "C1:00:00:00:00:01"


async def _listen(store: Store, watch: InfiniTimeWatch, s, hours: int, start_after: int) -> None:
    async with World(clock=VirtualClock(s.start)) as world:
        await world.add(watch)
        await world.advance(dt.timedelta(hours=start_after))
        col = collector(
            store, world, profiles=with_options(infinitime={"window": dt.timedelta(hours=hours)})
        )
        profile = col.profile_for(store.devices()[0])
        assert isinstance(profile, InfiniTimeProfile)
        task = asyncio.create_task(col.run_once())
        await wait_until(lambda: profile.listening)
        await world.advance(dt.timedelta(hours=hours))
        reports = await task
        assert all(not r.errors for r in reports.values())
        assert world.central_connections() == 0


@pytest.mark.parametrize(
    "faults",
    [
        FaultPlan(),
        FaultPlan(clock_offset=dt.timedelta(hours=3)),
        FaultPlan(clock_offset=-dt.timedelta(hours=3)),
    ],
    ids=["exact", "plus-3h", "minus-3h"],
)
async def test_steps_and_heart_rate_across_midnight_equal_ground_truth(
    store: Store, faults: FaultPlan
) -> None:
    # Listen from 18:00 local to 06:00 the next day: the watch resets at midnight.
    s = scenario(days=2, start=dt.date(2026, 6, 10))
    (device_id,) = setup_store(store, [("infinitime", WATCH, None)])
    watch = InfiniTimeWatch(s, address=WATCH, faults=faults)
    await _listen(store, watch, s, hours=12, start_after=18)
    start = s.start + dt.timedelta(hours=18)
    end = start + dt.timedelta(hours=12)
    window = [m for m in s.minutes if start <= m.ts < end]
    got = stored_rows(stored(store, device_id, start, end), ["steps", "heart_rate"])
    expected = truth_frame(
        window, {"steps": lambda m: m.steps, "heart_rate": lambda m: m.heart_rate}
    )
    assert got == expected
    assert sum(m.steps for m in window) > 0
    offset = store.devices()[0].last_clock_offset_s
    assert offset == faults.clock_offset.total_seconds()
    cursor = store.cursor(device_id, "live")
    assert cursor is not None
    assert '"steps"' in cursor


async def test_activity_counts_from_raw_motion(store: Store) -> None:
    # Raw motion for the first hour of the window, none for the second: the
    # stored activity of each minute is activity_counts of the samples the
    # watch sent for it, and minutes without samples have no activity.
    s = scenario(days=1, start=dt.date(2026, 6, 10))
    (device_id,) = setup_store(store, [("infinitime", WATCH, None)])
    watch = InfiniTimeWatch(s, address=WATCH, notify_raw_motion=True)
    sent: list[MotionSample] = []
    notify = watch.notify

    async def recording_notify(characteristic, value: bytes) -> int:
        if characteristic is watch.raw_motion:
            # on_tick(now) sends the motion of the minute that just ended.
            minute = watch.clock.now() - dt.timedelta(minutes=1)
            sent.append(MotionSample(minute, parse_raw_motion(value)))
        return await notify(characteristic, value)

    watch.notify = recording_notify  # type: ignore[method-assign]
    start = s.start + dt.timedelta(hours=18)
    end = start + dt.timedelta(hours=2)
    async with World(clock=VirtualClock(s.start)) as world:
        await world.add(watch)
        await world.advance(start - s.start)
        col = collector(
            store, world, profiles=with_options(infinitime={"window": dt.timedelta(hours=2)})
        )
        profile = col.profile_for(store.devices()[0])
        assert isinstance(profile, InfiniTimeProfile)
        task = asyncio.create_task(col.run_once())
        await wait_until(lambda: profile.listening)
        await world.advance(dt.timedelta(hours=1))
        watch.notify_raw_motion = False
        await world.advance(dt.timedelta(hours=1))
        reports = await task
        assert all(not r.errors for r in reports.values())

    expected = {a.minute: a.count for a in activity_counts(sent)}
    assert len(expected) == 60
    assert all(start <= m < start + dt.timedelta(hours=1) for m in expected)
    assert any(count > 0 for count in expected.values())
    got = stored_rows(stored(store, device_id, start, end), ["activity", "heart_rate"])
    window = [m for m in s.minutes if start <= m.ts < end]
    assert {ts: row["heart_rate"] for ts, row in got.items()} == {
        m.ts: m.heart_rate for m in window
    }
    assert {ts: row["activity"] for ts, row in got.items()} == {
        m.ts: expected.get(m.ts) for m in window
    }
