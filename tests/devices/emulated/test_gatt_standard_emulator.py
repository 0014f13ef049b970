"""The standard SIG band emulator, through bleak and the emulated backend."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from bleak import BleakClient
from bleak.exc import BleakError

from devices.emulated import EmulatedClientBackend, FaultPlan, VirtualClock, World
from devices.emulated.gatt_standard import HeartRateOptions, StandardBand
from devices.emulated.scenario import Scenario
from devices.wire.gatt import (
    CurrentTime,
    HeartRateMeasurement,
    LocalTimeInformation,
    SensorContact,
    sig_uuid,
)

ZONE = "Europe/Berlin"
BAND = "C0:00:00:00:00:01"
HR = sig_uuid(0x2A37)
CT = sig_uuid(0x2A2B)
LTI = sig_uuid(0x2A0F)


def scenario() -> Scenario:
    return Scenario.generate(seed=11, days=1, zone=ZONE, start_date=dt.date(2026, 6, 1))


async def receive_day(band_kwargs: dict[str, object]) -> tuple[StandardBand, list[bytes]]:
    s = scenario()
    async with World(clock=VirtualClock(s.start)) as world:
        band = await world.add(StandardBand(s, address=BAND, **band_kwargs))  # type: ignore[arg-type]
        received: list[bytes] = []
        async with BleakClient(BAND, backend=EmulatedClientBackend) as client:
            await client.start_notify(HR, lambda _c, data: received.append(bytes(data)))
            await world.advance(s.end - s.start)
            await client.stop_notify(HR)
        return band, received


@pytest.mark.asyncio
async def test_a_day_of_heart_rate_notifications_equals_the_scenario() -> None:
    s = scenario()
    band, received = await receive_day({})
    records = [HeartRateMeasurement.from_bytes(p) for p in received]
    assert [r.heart_rate for r in records] == [m.heart_rate for m in s.minutes]
    assert len(records) == 1440
    first = records[0]
    assert first.uint16_value
    assert first.sensor_contact is SensorContact.CONTACT
    assert first.energy_expended is not None
    assert first.rr_intervals == (round(60 * 1024 / first.heart_rate),) * 2
    energies = [r.energy_expended or 0 for r in records]
    assert energies == sorted(energies)
    assert records == band.measurements


@pytest.mark.asyncio
async def test_minimal_flags() -> None:
    options = HeartRateOptions(
        uint16_value=False, sensor_contact=False, energy_expended=False, rr_intervals=False
    )
    _band, received = await receive_day({"hr_options": options})
    assert {len(p) for p in received} == {2}
    assert {p[0] for p in received} == {0}


@pytest.mark.asyncio
async def test_seeded_drop_duplicate_reorder_are_reproducible() -> None:
    plan = FaultPlan(seed=3, drop_rate=0.05, duplicate_rate=0.05, reorder_rate=0.05)
    _b1, first = await receive_day({"faults": plan})
    _b2, second = await receive_day({"faults": plan})
    assert first == second
    s = scenario()
    sent = [HeartRateMeasurement.from_bytes(p).heart_rate for p in first]
    assert sent != [m.heart_rate for m in s.minutes]
    assert 1300 < len(first) < 1600


@pytest.mark.asyncio
async def test_write_current_time_and_read_it_back() -> None:
    s = scenario()
    async with World(clock=VirtualClock(s.start)) as world:
        band = await world.add(
            StandardBand(s, address=BAND, faults=FaultPlan(clock_offset=dt.timedelta(hours=3)))
        )
        async with BleakClient(BAND, backend=EmulatedClientBackend) as client:
            # The band starts 3 h fast: local midnight + 3 h.
            read = CurrentTime.from_bytes(bytes(await client.read_gatt_char(CT)))
            assert read.to_datetime() == dt.datetime(2026, 6, 1, 3, 0)
            target = dt.datetime(2026, 6, 1, 0, 0, 5)
            await client.write_gatt_char(CT, bytes(CurrentTime.from_datetime(target)), True)
            back = CurrentTime.from_bytes(bytes(await client.read_gatt_char(CT)))
            assert back.to_datetime() == target
            assert back.day_of_week == 1  # Monday
            # Local Time Information: keep the wall clock, change the zone.
            lti = LocalTimeInformation.from_offsets(dt.timedelta(hours=-5), dt.timedelta(0))
            await client.write_gatt_char(LTI, bytes(lti), True)
            assert LocalTimeInformation.from_bytes(
                bytes(await client.read_gatt_char(LTI))
            ).utc_offset == dt.timedelta(hours=-5)
            assert CurrentTime.from_bytes(bytes(await client.read_gatt_char(CT))).to_datetime() == (
                target
            )
            with pytest.raises(BleakError):
                await client.write_gatt_char(CT, b"\x00" * 3, True)
            assert len(band.cts.writes) == 2


@pytest.mark.asyncio
async def test_clock_reset_and_drift_faults() -> None:
    s = scenario()
    reset_at = s.start + dt.timedelta(hours=2)
    plan = FaultPlan(clock_drift_ppm=1000.0, clock_reset_at=reset_at)
    async with World(clock=VirtualClock(s.start)) as world:
        band = await world.add(StandardBand(s, address=BAND, faults=plan))
        clock = band.device_clock
        assert clock is not None
        await world.advance(dt.timedelta(hours=1))
        assert clock.offset() == dt.timedelta(seconds=3.6)  # 1000 ppm of an hour
        await world.advance(dt.timedelta(hours=2))
        assert clock.utc() == dt.datetime(2000, 1, 1, 1, 0, 3, 600000, tzinfo=dt.UTC)
        async with BleakClient(BAND, backend=EmulatedClientBackend) as client:
            read = CurrentTime.from_bytes(bytes(await client.read_gatt_char(CT)))
            winter = ZoneInfo(ZONE).utcoffset(dt.datetime(2000, 1, 1))
            assert winter == dt.timedelta(hours=1)
            assert read.to_datetime() == dt.datetime(2000, 1, 1, 2, 0, 3)
