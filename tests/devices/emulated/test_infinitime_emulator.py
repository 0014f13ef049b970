"""The PineTime/InfiniTime emulator: 2-byte HR, Motion service, midnight step reset."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from bleak import BleakClient

from devices.emulated import EmulatedClientBackend, FaultPlan, VirtualClock, World
from devices.emulated.infinitime import InfiniTimeWatch
from devices.emulated.scenario import MINUTE, Scenario
from devices.wire.gatt import sig_uuid
from devices.wire.infinitime import MOTION_SERVICE, RAW_MOTION, STEP_COUNT, RawMotion, StepCount

ZONE = "Europe/Berlin"
WATCH = "C1:00:00:00:00:01"
TZ = ZoneInfo(ZONE)


def scenario(days: int = 2) -> Scenario:
    return Scenario.generate(seed=5, days=days, zone=ZONE, start_date=dt.date(2026, 3, 28))


def expected_steps(s: Scenario, tick: dt.datetime, shift: dt.timedelta = dt.timedelta(0)) -> int:
    """Steps since the watch's local midnight at ``tick`` (watch local = client local + shift)."""
    local = tick.astimezone(TZ) + shift
    if local.time() == dt.time(0):
        return 0
    midnight = dt.datetime.combine(local.date(), dt.time(0), tzinfo=TZ)
    return s.steps_between(midnight.astimezone(dt.UTC) - shift, tick)


async def run_watch(
    s: Scenario, faults: FaultPlan | None = None
) -> tuple[InfiniTimeWatch, list[tuple[dt.datetime, int]], list[bytes]]:
    async with World(clock=VirtualClock(s.start)) as world:
        watch = await world.add(InfiniTimeWatch(s, address=WATCH, faults=faults))
        steps: list[tuple[dt.datetime, int]] = []
        heart: list[bytes] = []
        async with BleakClient(WATCH, backend=EmulatedClientBackend) as client:
            assert client.services.get_service(MOTION_SERVICE) is not None
            await client.start_notify(
                STEP_COUNT,
                lambda _c, data: steps.append(
                    (world.clock.now(), StepCount.from_bytes(bytes(data)).steps)
                ),
            )
            await client.start_notify(sig_uuid(0x2A37), lambda _c, d: heart.append(bytes(d)))
            await world.advance(s.end - s.start)
            assert StepCount.from_bytes(bytes(await client.read_gatt_char(STEP_COUNT))).steps == (
                watch.steps_today
            )
            motion = RawMotion.from_bytes(bytes(await client.read_gatt_char(RAW_MOTION)))
            assert motion.z == -1024
        return watch, steps, heart


@pytest.mark.asyncio
async def test_heart_rate_is_two_bytes_flags_zero() -> None:
    s = scenario(days=1)
    _watch, _steps, heart = await run_watch(s)
    assert len(heart) == len(s.minutes)
    assert all(len(p) == 2 and p[0] == 0 for p in heart)
    assert [p[1] for p in heart] == [m.heart_rate for m in s.minutes]


@pytest.mark.asyncio
async def test_step_counter_follows_scenario_and_resets_at_local_midnight() -> None:
    s = scenario()  # 2026-03-28..29: includes the spring DST change (23 h day)
    watch, steps, _heart = await run_watch(s)
    assert steps == watch.step_notifications
    assert steps, "no step notifications"
    for tick, value in steps:
        assert value == expected_steps(s, tick), tick
    midnight = dt.datetime(2026, 3, 29, tzinfo=TZ).astimezone(dt.UTC)
    assert (midnight, 0) in steps
    day_one = s.steps_between(s.start, midnight)
    # The last tick is the next local midnight: yesterday is day two (a 23 h day).
    assert watch.steps_yesterday == s.steps_between(midnight, s.end)
    assert watch.steps_today == 0
    before_midnight = [v for t, v in steps if t < midnight]
    assert before_midnight[-1] == day_one


@pytest.mark.asyncio
async def test_clock_offset_moves_the_reset() -> None:
    s = scenario()
    shift = dt.timedelta(hours=3)
    _watch, steps, _heart = await run_watch(s, FaultPlan(clock_offset=shift))
    for tick, value in steps:
        assert value == expected_steps(s, tick, shift), tick
    reset = dt.datetime(2026, 3, 28, 21, 0, tzinfo=TZ).astimezone(dt.UTC)
    assert (reset, 0) in steps


@pytest.mark.asyncio
async def test_dst_fault_jumps_the_watch_clock_at_night() -> None:
    s = scenario()
    jump_at = dt.datetime(2026, 3, 28, 2, 0, tzinfo=TZ).astimezone(dt.UTC)
    _watch, steps, _heart = await run_watch(s, FaultPlan(dst_change_at=jump_at))
    # After the jump the watch runs an hour ahead: it resets at 23:00 client time.
    reset = dt.datetime(2026, 3, 28, 23, 0, tzinfo=TZ).astimezone(dt.UTC)
    assert (reset, 0) in steps
    for tick, value in steps:
        if tick > jump_at:
            assert value == expected_steps(s, tick, dt.timedelta(hours=1)), tick


@pytest.mark.asyncio
async def test_disconnect_at_checkpoint_and_counting_while_away() -> None:
    s = scenario(days=1)
    async with World(clock=VirtualClock(s.start)) as world:
        watch = await world.add(
            InfiniTimeWatch(s, address=WATCH, faults=FaultPlan(disconnect_at={"sync": 2}))
        )
        async with BleakClient(WATCH, backend=EmulatedClientBackend) as client:
            assert await watch.checkpoint("sync")
            assert not await watch.checkpoint("sync")
            await world.settle()
            assert not client.is_connected
        await world.advance(dt.timedelta(hours=12))
        assert watch.steps_today == expected_steps(s, world.clock.now())
        async with BleakClient(WATCH, backend=EmulatedClientBackend) as client:
            value = await client.read_gatt_char(STEP_COUNT)
            assert StepCount.from_bytes(bytes(value)).steps == watch.steps_today
        assert world.clock.now() - s.start == 12 * 60 * MINUTE
