"""The bumble-backed bleak backend, driven through unchanged bleak code."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect

import pytest
from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bleak_retry_connector import establish_connection

from devices.emulated import (
    EmulatedClientBackend,
    EmulatedDeviceDetails,
    EmulatedScannerBackend,
    FaultPlan,
    VirtualClock,
    World,
)
from devices.emulated.gatt_standard import StandardBand
from devices.emulated.infinitime import InfiniTimeWatch
from devices.emulated.scenario import Scenario
from devices.wire.gatt import sig_uuid

ZONE = "Europe/Berlin"
START = dt.date(2026, 3, 2)
BAND = "C0:00:00:00:00:01"
WATCH = "C1:00:00:00:00:01"


def scenario(days: int = 1) -> Scenario:
    return Scenario.generate(seed=7, days=days, zone=ZONE, start_date=START)


def world_for(s: Scenario) -> World:
    return World(clock=VirtualClock(s.start))


@pytest.mark.asyncio
async def test_bleak_conformance() -> None:
    """Canary: the parts of bleak 3.1 the backend relies on (fails loudly on upgrade)."""
    client_params = inspect.signature(BaseBleakClient.__init__).parameters
    assert {"address_or_ble_device", "disconnected_callback", "timeout", "kwargs"} <= set(
        client_params
    )
    abstract = set(BaseBleakClient.__abstractmethods__)
    assert abstract == {
        "mtu_size",
        "connect",
        "disconnect",
        "pair",
        "unpair",
        "is_connected",
        "read_gatt_char",
        "read_gatt_descriptor",
        "write_gatt_char",
        "write_gatt_descriptor",
        "start_notify",
        "stop_notify",
    }, "bleak changed BaseBleakClient's abstract contract"
    assert not EmulatedClientBackend.__abstractmethods__
    assert set(BaseBleakScanner.__abstractmethods__) == {"start", "stop"}
    assert not EmulatedScannerBackend.__abstractmethods__
    # Private state the backend writes or reads.
    backend = EmulatedClientBackend(
        BAND, disconnected_callback=None, timeout=1.0, world=World(install=False)
    )
    assert hasattr(backend, "_disconnected_callback")
    assert hasattr(backend, "_timeout")
    assert backend.services is None
    for name in ("seen_devices", "_ad_callbacks", "_service_uuids"):
        scanner = EmulatedScannerBackend(None, None, world=World(install=False))
        assert hasattr(scanner, name), name
    for method in ("create_or_update_device", "call_detection_callbacks", "is_allowed_uuid"):
        assert callable(getattr(BaseBleakScanner, method)), method
    # BleakClient / BleakScanner pass backend kwargs through and keep them in _backend.
    client = BleakClient(BAND, backend=EmulatedClientBackend, world=World(install=False))
    assert isinstance(client._backend, EmulatedClientBackend)
    assert client.backend_id == "EmulatedClientBackend"
    scanner_facade = BleakScanner(backend=EmulatedScannerBackend, world=World(install=False))
    assert isinstance(scanner_facade._backend, EmulatedScannerBackend)
    # Characteristic / AdvertisementData constructors used by the backend.
    assert list(inspect.signature(BleakGATTCharacteristic.__init__).parameters)[1:] == [
        "obj",
        "handle",
        "uuid",
        "properties",
        "max_write_without_response_size",
        "service",
    ]
    assert AdvertisementData._fields == (
        "local_name",
        "manufacturer_data",
        "service_data",
        "service_uuids",
        "tx_power",
        "rssi",
        "platform_data",
    )
    assert BLEDevice.__slots__ == ("address", "name", "details")


@pytest.mark.asyncio
async def test_connect_discover_read_battery_and_dis() -> None:
    s = scenario()
    async with world_for(s) as world:
        await world.add(StandardBand(s, address=BAND))
        async with BleakClient(BAND, backend=EmulatedClientBackend) as client:
            assert client.is_connected
            assert client.mtu_size == 247
            assert client.name == "IPSRT Band"
            uuids = {service.uuid for service in client.services}
            assert {sig_uuid(u) for u in (0x180D, 0x180F, 0x180A, 0x1805)} <= uuids
            hr = client.services.get_characteristic(sig_uuid(0x2A37))
            assert hr is not None
            assert hr.properties == ["notify"]
            assert [d.uuid for d in hr.descriptors] == [sig_uuid(0x2902)]
            assert await client.read_gatt_char(sig_uuid(0x2A19)) == bytearray([87])
            assert (await client.read_gatt_char(sig_uuid(0x2A29))).decode() == "IPSRT Emulated"
            assert (await client.read_gatt_char(sig_uuid(0x2A26))).decode() == "1.0.0"
            cccd = hr.descriptors[0]
            assert await client.read_gatt_descriptor(cccd.handle) == bytearray(b"\x00\x00")
        assert not client.is_connected
        with pytest.raises(BleakError):
            await client.read_gatt_char(sig_uuid(0x2A19))


@pytest.mark.asyncio
async def test_unknown_address_is_not_found() -> None:
    async with World():
        client = BleakClient("C9:99:99:99:99:99", backend=EmulatedClientBackend, timeout=1)
        with pytest.raises(BleakDeviceNotFoundError):
            await client.connect()


def test_no_world_is_a_clear_error() -> None:
    with pytest.raises(BleakError, match="no emulated World"):
        BleakClient(BAND, backend=EmulatedClientBackend)


@pytest.mark.asyncio
async def test_scanner_finds_advertised_emulators() -> None:
    s = scenario()
    async with world_for(s) as world:
        await world.add(StandardBand(s, address=BAND, rssi=-48))
        await world.add(InfiniTimeWatch(s, address=WATCH))
        seen: dict[str, AdvertisementData] = {}
        async with BleakScanner(
            lambda d, adv: seen.__setitem__(d.address, adv), backend=EmulatedScannerBackend
        ):
            for _ in range(200):
                if len(seen) == 2:
                    break
                await asyncio.sleep(0.005)
        assert seen[BAND].local_name == "IPSRT Band"
        assert seen[BAND].rssi == -48
        assert seen[BAND].service_uuids == [sig_uuid(0x180D), sig_uuid(0x180F)]
        assert seen[WATCH].local_name == "InfiniTime"
        device = await BleakScanner.find_device_by_name(
            "InfiniTime", timeout=2, backend=EmulatedScannerBackend
        )
        assert device is not None
        assert device.address == WATCH
        assert isinstance(device.details, EmulatedDeviceDetails)
        only_hr = await BleakScanner.discover(
            timeout=0.05,
            backend=EmulatedScannerBackend,
            service_uuids=[sig_uuid(0x180F)],
        )
        assert {d.address for d in only_hr} == {BAND}
        assert not world.central.scanning


@pytest.mark.asyncio
async def test_peripheral_disconnect_fault_calls_disconnected_callback() -> None:
    s = scenario()
    async with world_for(s) as world:
        band = await world.add(
            StandardBand(s, address=BAND, faults=FaultPlan(disconnect_after_notifications=5))
        )
        lost = asyncio.Event()
        received: list[bytearray] = []
        client = BleakClient(
            BAND, backend=EmulatedClientBackend, disconnected_callback=lambda _c: lost.set()
        )
        await client.connect()
        await client.start_notify(sig_uuid(0x2A37), lambda _c, data: received.append(data))
        await world.advance(dt.timedelta(minutes=30))
        await asyncio.wait_for(lost.wait(), 1)
        assert not client.is_connected
        assert len(received) == 5
        assert band.notifications_sent == 5
        await client.disconnect()  # a no-op now
        # The band advertises again and a fresh connect works.
        await client.connect()
        assert client.is_connected
        solicited = asyncio.Event()
        client._backend.set_disconnected_callback(solicited.set)
        await client.disconnect()
        await world.settle()
        assert not solicited.is_set(), "a solicited disconnect must not call back"


@pytest.mark.asyncio
async def test_200_connect_cycles_leak_nothing() -> None:
    s = scenario()
    async with world_for(s) as world:
        await world.add(StandardBand(s, address=BAND))
        async with BleakClient(BAND, backend=EmulatedClientBackend):
            pass
        await world.settle(20)
        before = asyncio.all_tasks()
        for _ in range(200):
            client = BleakClient(BAND, backend=EmulatedClientBackend)
            await client.connect()
            await client.read_gatt_char(sig_uuid(0x2A19))
            await client.disconnect()
        await world.settle(20)
        assert world.central_connections() == 0
        leaked = asyncio.all_tasks() - before
        assert not leaked, leaked


@pytest.mark.asyncio
async def test_establish_connection_works_with_the_backend() -> None:
    s = scenario()
    async with world_for(s) as world:
        await world.add(StandardBand(s, address=BAND))
        device = BLEDevice(BAND, "IPSRT Band", EmulatedDeviceDetails(world, BAND))
        client = await establish_connection(
            BleakClient, device, "band", backend=EmulatedClientBackend, max_attempts=2
        )
        try:
            assert client.is_connected
            assert await client.read_gatt_char(sig_uuid(0x2A19)) == bytearray([87])
        finally:
            await client.disconnect()
