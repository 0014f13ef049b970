"""gatt-standard profile end to end: emulated band → bleak → collector → store."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from devices.emulated import FaultPlan, VirtualClock, World
from devices.emulated.gatt_standard import StandardBand
from devices.profiles.gatt_standard import GattStandardProfile
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
BAND = "C0:00:00:00:00:01"


async def _listen_once(store: Store, band: StandardBand, world: World, hours: int) -> dict:
    (device_id,) = [d.id for d in store.devices()]
    col = collector(
        store, world, profiles=with_options(gatt_standard={"window": dt.timedelta(hours=hours)})
    )
    profile = col.profile_for(store.devices()[0])
    assert isinstance(profile, GattStandardProfile)
    task = asyncio.create_task(col.run_once())
    await wait_until(lambda: profile.listening)
    await world.advance(dt.timedelta(hours=hours))
    reports = await task
    return {"reports": reports, "device_id": device_id}


async def test_mean_heart_rate_per_minute_equals_ground_truth(store: Store) -> None:
    s = scenario()
    (device_id,) = setup_store(store, [("gatt-standard", BAND, None)])
    async with World(clock=VirtualClock(s.start)) as world:
        band = await world.add(StandardBand(s, address=BAND))
        out = await _listen_once(store, band, world, hours=6)
        assert world.central_connections() == 0
    report = out["reports"][device_id]
    assert report.errors == []
    window = [m for m in s.minutes if m.ts < s.start + dt.timedelta(hours=6)]
    got = stored_rows(stored(store, device_id, s.start, s.end), ["heart_rate"])
    assert got == truth_frame(window, {"heart_rate": lambda m: m.heart_rate})
    assert report.result.inserted == len(window) == 360
    device = store.devices()[0]
    assert device.battery == 87
    assert device.last_clock_offset_s == 0.0
    assert device.last_seen is not None


@pytest.mark.parametrize(
    ("faults", "expected_offset"),
    [
        (FaultPlan(clock_offset=dt.timedelta(hours=3)), 3 * 3600.0),
        (FaultPlan(clock_offset=-dt.timedelta(hours=3)), -3 * 3600.0),
        (FaultPlan(clock_reset_at=dt.datetime(2026, 3, 27, tzinfo=dt.UTC)), None),
    ],
    ids=["plus-3h", "minus-3h", "reset-to-2000"],
)
async def test_clock_is_measured_then_set(
    store: Store, faults: FaultPlan, expected_offset: float | None
) -> None:
    s = scenario()
    (device_id,) = setup_store(store, [("gatt-standard", BAND, None)])
    async with World(clock=VirtualClock(s.start)) as world:
        band = await world.add(StandardBand(s, address=BAND, faults=faults))
        await _listen_once(store, band, world, hours=1)
        assert band.device_clock is not None
        assert abs(band.device_clock.offset().total_seconds()) < 1
    offset = store.devices()[0].last_clock_offset_s
    if expected_offset is None:  # reset to 2000-01-01 before the scenario started
        assert offset is not None
        assert offset < -26 * 365 * 86400
    else:
        assert offset == expected_offset
    # Live data is stamped by the host clock: a wrong band clock moves nothing.
    got = stored_rows(stored(store, device_id, s.start, s.end), ["heart_rate"])
    window = [m for m in s.minutes if m.ts < s.start + dt.timedelta(hours=1)]
    assert got == truth_frame(window, {"heart_rate": lambda m: m.heart_rate})
