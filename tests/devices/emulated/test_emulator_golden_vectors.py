"""The emulators' output on the air equals the public golden vectors.

The emulated wearables build their bytes with :mod:`devices.wire`, so these
tests read, subscribe and write through bleak and the emulated backend and
compare what arrives with the golden bytes of ``tests/devices/wire/vectors*.py``
(public captures, test suites and layouts; ``docs/devices.md``, "Golden
vectors and fuzzing"), for field values the emulator is set up to send.
Expected bytes are typed in, never encoded by the project.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import zlib
from collections.abc import Callable

import pytest
from bleak import BleakClient

from devices.emulated import EmulatedClientBackend, VirtualClock, World
from devices.emulated.bangle import BangleWatch
from devices.emulated.gatt_standard import DeviceInfo, HeartRateOptions, StandardBand
from devices.emulated.huami import HuamiBand
from devices.emulated.infinitime import InfiniTimeWatch
from devices.emulated.scenario import DeviceState, MinuteTruth, Scenario
from devices.wire.bangle import NUS_RX, NUS_TX
from devices.wire.gatt import sig_uuid
from devices.wire.huami import AUTH, FETCH_CONTROL, FETCH_DATA
from devices.wire.infinitime import RAW_MOTION, STEP_COUNT
from tests.devices.wire import vectors as v
from tests.devices.wire import vectors_bangle as vb
from tests.devices.wire import vectors_huami as vh

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
WAIT = 5.0


def scenario_of(zone: str, *minutes: MinuteTruth) -> Scenario:
    """A scenario holding exactly ``minutes`` (consecutive UTC minutes)."""
    return Scenario(
        seed=0, zone=zone, start_date=minutes[0].ts.date(), days=1, minutes=minutes, sleeps=()
    )


def awake(ts: dt.datetime, *, steps: int, heart_rate: int, activity: int) -> MinuteTruth:
    return MinuteTruth(ts, steps, heart_rate, activity, DeviceState.AWAKE)


class Inbox:
    """Notifications of one characteristic, in arrival order."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    def callback(self) -> Callable[[object, bytearray], None]:
        return lambda _c, data: self.queue.put_nowait(bytes(data))

    async def next(self) -> bytes:
        return await asyncio.wait_for(self.queue.get(), WAIT)


# -------------------------------------------------------------- standard GATT


@pytest.mark.asyncio
async def test_standard_band_reads_give_the_golden_bytes() -> None:
    """Battery 100 %, firmware "1.6.0", and the clock at 2022-12-15 20:38:53 in Paris."""
    s = Scenario.generate(seed=3, days=1, zone="Europe/Paris", start_date=dt.date(2022, 12, 15))
    instant = dt.datetime(2022, 12, 15, 19, 38, 53, tzinfo=UTC)  # 20:38:53 CET
    async with World(clock=VirtualClock(instant)) as world:
        await world.add(
            StandardBand(
                s, address="C0:00:00:00:00:01", battery=100, info=DeviceInfo(firmware="1.6.0")
            )
        )
        async with BleakClient("C0:00:00:00:00:01", backend=EmulatedClientBackend) as client:
            battery = bytes(await client.read_gatt_char(sig_uuid(0x2A19)))
            firmware = bytes(await client.read_gatt_char(sig_uuid(0x2A26)))
            current = bytes(await client.read_gatt_char(sig_uuid(0x2A2B)))
            local = bytes(await client.read_gatt_char(sig_uuid(0x2A0F)))
    assert battery == v.BATTERY_LEVEL[0].wire  # Nordic: 64 = 100 %
    assert firmware == v.DEVICE_INFO_STRING[0].wire  # InfiniTime doc/ble.md example
    assert current == v.CURRENT_TIME[0].wire  # Gadgetbridge HuamiSupportTest
    assert local == v.LOCAL_TIME_INFORMATION[0].wire  # UTC+1, standard time


@pytest.mark.asyncio
@pytest.mark.parametrize("family", ["standard", "infinitime"])
async def test_uint8_heart_rate_notification_is_the_golden_bytes(family: str) -> None:
    """85 bpm, no optional field: Nordic's 'simple' vector, InfiniTime's only form."""
    start = dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    s = scenario_of("Europe/Berlin", awake(start, steps=0, heart_rate=85, activity=10))
    address = "C1:00:00:00:00:09"
    minimal = HeartRateOptions(
        uint16_value=False, sensor_contact=False, energy_expended=False, rr_intervals=False
    )
    inbox = Inbox()
    async with World(clock=VirtualClock(start)) as world:
        if family == "standard":
            await world.add(StandardBand(s, address=address, hr_options=minimal))
        else:
            await world.add(InfiniTimeWatch(s, address=address))
        async with BleakClient(address, backend=EmulatedClientBackend) as client:
            await client.start_notify(sig_uuid(0x2A37), inbox.callback())
            await world.advance(MINUTE)
            assert await inbox.next() == v.HEART_RATE[0].wire


@pytest.mark.asyncio
async def test_infinitime_motion_reads_are_the_golden_bytes() -> None:
    start = dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    s = scenario_of("Europe/Berlin", awake(start, steps=0, heart_rate=70, activity=0))
    async with World(clock=VirtualClock(start)) as world:
        watch = await world.add(InfiniTimeWatch(s, address="C1:00:00:00:00:01"))
        async with BleakClient("C1:00:00:00:00:01", backend=EmulatedClientBackend) as client:
            watch.steps_today = 0x12345678
            steps = bytes(await client.read_gatt_char(STEP_COUNT))
            motion = bytes(await client.read_gatt_char(RAW_MOTION))
    assert steps == v.STEP_COUNT[0].wire
    assert motion == v.RAW_MOTION[0].wire  # at rest before the first tick: (0, 0, -1 g)


# ------------------------------------------------------------------- Bangle.js


@pytest.mark.asyncio
async def test_bangle_actfetch_answer_is_the_golden_stream() -> None:
    """One 10-minute block; Gadgetbridge's request with ts = that block's end gets it again."""
    start = dt.datetime(2022, 12, 15, 19, 50, tzinfo=UTC)  # 20:50 in Berlin: a block start
    minutes = [awake(start + i * MINUTE, steps=10, heart_rate=60, activity=20) for i in range(10)]
    s = scenario_of("Europe/Berlin", *minutes)
    tx = bytearray()
    done = asyncio.Event()

    def on_tx(_c: object, data: bytearray) -> None:
        tx.extend(data)
        if b'"end"' in tx and tx.endswith(b"\r\n"):
            done.set()

    async with World(clock=VirtualClock(start)) as world:
        watch = await world.add(BangleWatch(s, address="C2:00:00:00:00:01"))
        await world.advance(10 * MINUTE)
        async with BleakClient("C2:00:00:00:00:01", backend=EmulatedClientBackend) as client:
            await client.start_notify(NUS_TX, on_tx)
            request = b'\x10GB({"t":"actfetch","ts":1671134400000})\n'  # 2022-12-15 20:00Z
            for i in range(0, len(request), 20):
                await client.write_gatt_char(NUS_RX, request[i : i + 20], response=False)
            await asyncio.wait_for(done.wait(), WAIT)
    assert bytes(tx) == (
        b'\r\n{"t":"actfetch","state":"start"}\r\n'
        b'\r\n{"t":"act","ts":1671134400000,"stp":100,"hrm":60,"mov":160,"act":"WALKING"}\r\n'
        b'\r\n{"t":"actfetch","state":"end","count":1}\r\n'
    )
    assert watch.bad_lines == []


@pytest.mark.asyncio
async def test_bangle_accepts_gadgetbridges_set_time_line() -> None:
    start = dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    s = scenario_of("Europe/Berlin", awake(start, steps=0, heart_rate=60, activity=0))
    line = vb.BANGLE_PHONE_LINES[2].wire
    async with World(clock=VirtualClock(start)) as world:
        watch = await world.add(BangleWatch(s, address="C2:00:00:00:00:02"))
        async with BleakClient("C2:00:00:00:00:02", backend=EmulatedClientBackend) as client:
            for i in range(0, len(line), 20):
                await client.write_gatt_char(NUS_RX, line[i : i + 20], response=False)
            await asyncio.sleep(0.05)
        clock = watch.device_clock
        assert clock is not None
        assert clock.utc() == dt.datetime.fromtimestamp(1671133133, UTC)
        assert clock.utc_offset() == dt.timedelta(hours=1)
    assert [c.kind for c in watch.commands] == ["set_time"]


# ----------------------------------------------------------------------- Huami


async def _authenticate(client: BleakClient, auth: Inbox) -> None:
    await client.write_gatt_char(AUTH, vh.HUAMI_AUTH_REQUESTS[0].wire, response=False)
    assert await auth.next() == vh.HUAMI_AUTH_RESPONSES[0].wire  # 10 02 01 <FIPS plaintext>
    await client.write_gatt_char(AUTH, vh.HUAMI_AUTH_REQUESTS[4].wire, response=False)
    assert await auth.next() == vh.HUAMI_AUTH_RESPONSES[2].wire  # 10 03 01


@pytest.mark.asyncio
async def test_huami_auth_and_fetch_are_the_golden_frames() -> None:
    """FIPS-197 C.1 challenge, then a fetch stamped 2017-10-29 00:28 (UTC+2) as in Gadgetbridge."""
    start = dt.datetime(2017, 10, 28, 22, 28, tzinfo=UTC)
    s = scenario_of(
        "Europe/Berlin",
        awake(start, steps=15, heart_rate=76, activity=64),
        MinuteTruth(start + MINUTE, 0, 55, 3, DeviceState.SLEEP_LIGHT),
    )
    auth, control, data = Inbox(), Inbox(), Inbox()
    async with World(clock=VirtualClock(start)) as world:
        await world.add(
            HuamiBand(s, address="C3:00:00:00:00:01", key=vh.FIPS_KEY, challenges=[vh.FIPS_PLAIN])
        )
        await world.advance(2 * MINUTE)
        async with BleakClient("C3:00:00:00:00:01", backend=EmulatedClientBackend) as client:
            await client.start_notify(AUTH, auth.callback())
            await client.start_notify(FETCH_CONTROL, control.callback())
            await client.start_notify(FETCH_DATA, data.callback())
            await _authenticate(client, auth)
            request = vh.HUAMI_FETCH_COMMANDS[1].wire  # since 2017-10-29 00:28, tz +8
            await client.write_gatt_char(FETCH_CONTROL, request)
            reply = await control.next()
            await client.write_gatt_char(FETCH_CONTROL, bytes.fromhex("02"))
            complete = await control.next()
            packet = await data.next()
    samples = bytes.fromhex("01400f4c" + "09030037")  # kind, intensity, steps, bpm
    assert reply == bytes.fromhex("100101" + "08000000" + "e1070a1d001c0008")
    assert packet == b"\x00" + samples
    assert complete == bytes.fromhex("100201") + zlib.crc32(samples).to_bytes(4, "little")
