"""Why a device could not sync (``devices.sync_failures``) and how the collector acts on it.

Exceptions are the ones bleak, dbus-fast and this package raise (``bleak.exc``;
dbus-fast raises ``FileNotFoundError`` when the system bus socket is missing,
as on this project's CI machines, which have no Bluetooth at all).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakDBusError,
    BleakDeviceNotFoundError,
    BleakError,
)

from devices.emulated import EmulatedScannerBackend, VirtualClock, World
from devices.emulated.gatt_standard import StandardBand
from devices.errors import ProtocolError
from devices.sync_failures import FailureKind, sync_failure
from ipsrt.store import Store
from tests.devices.test_profiles_common import collector, scenario, setup_store

ADAPTER, DENIED = FailureKind.ADAPTER_MISSING, FailureKind.PERMISSION_DENIED


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (FileNotFoundError(2, "No such file or directory"), ADAPTER),
        (ConnectionRefusedError(111, "Connection refused"), ADAPTER),
        (BleakError("No Bluetooth adapters found."), ADAPTER),
        (
            BleakBluetoothNotAvailableError("off", BleakBluetoothNotAvailableReason.POWERED_OFF),
            ADAPTER,
        ),
        (
            BleakBluetoothNotAvailableError(
                "denied", BleakBluetoothNotAvailableReason.DENIED_BY_USER
            ),
            DENIED,
        ),
        (PermissionError(13, "Permission denied"), DENIED),
        (BleakDBusError("org.freedesktop.DBus.Error.AccessDenied", []), DENIED),
        (BleakDeviceNotFoundError("AA:BB:CC:DD:EE:FF"), FailureKind.NOT_FOUND),
        (TimeoutError(), FailureKind.NOT_FOUND),
        (ProtocolError("CRC mismatch"), FailureKind.PROTOCOL_ERROR),
        (ValueError("odd"), FailureKind.FAILED),
    ],
)
def test_each_cause_has_its_kind(exc: BaseException, kind: FailureKind) -> None:
    failure = sync_failure(exc)
    assert failure.kind is kind
    assert failure.adapter_level is (kind in (ADAPTER, DENIED))
    assert "\n" not in failure.line()


class NoAdapterScanner(EmulatedScannerBackend):
    """The scanner of a machine without Bluetooth: starting it fails as dbus-fast does."""

    starts = 0

    async def start(self) -> None:
        type(self).starts += 1
        raise FileNotFoundError(2, "No such file or directory")


@pytest.fixture
def sqlite_store(tmp_path) -> Iterator[Store]:
    with Store.initialise(f"sqlite:///{tmp_path / 'ipsrt.sqlite3'}") as opened:
        yield opened


@pytest.mark.asyncio
async def test_an_adapter_failure_stops_every_device_at_once(sqlite_store: Store) -> None:
    """The old collector retried each device 5 times with 5-40 s backoffs (about 90 s)."""
    setup_store(
        sqlite_store,
        [("gatt-standard", "C0:00:00:00:00:01", None), ("infinitime", "C1:00:00:00:00:01", None)],
    )
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    s = scenario(days=1)
    async with World(clock=VirtualClock(s.start)) as world:
        col = collector(sqlite_store, world, sleep=sleep)
        col.scanner_cls = NoAdapterScanner
        NoAdapterScanner.starts = 0
        reports = await col.run_once()
    assert NoAdapterScanner.starts == 1
    assert waits == []
    assert [r.failure.kind for r in reports.values() if r.failure] == [ADAPTER, ADAPTER]
    assert not any(r.synced for r in reports.values())
    assert col.adapter_failure is not None


@pytest.mark.asyncio
async def test_an_absent_device_is_retried_on_the_schedule_then_reported(
    sqlite_store: Store,
) -> None:
    """Out of range: retried ``once_attempts`` times on the injected backoff, one failure kept."""
    (device_id,) = setup_store(sqlite_store, [("gatt-standard", "C0:00:00:00:00:09", None)])
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    s = scenario(days=1)
    async with World(clock=VirtualClock(s.start)) as world:
        await world.add(StandardBand(s, address="C0:00:00:00:00:01"))
        col = collector(sqlite_store, world, sleep=sleep, once_attempts=3, scan_timeout=0.05)
        reports = await col.run_once()
    report = reports[device_id]
    assert report.failure is not None
    assert report.failure.kind is FailureKind.NOT_FOUND
    assert report.error_count == 3
    assert len(waits) == 2
    assert col.adapter_failure is None


@pytest.mark.asyncio
async def test_retired_devices_are_not_collected(sqlite_store: Store) -> None:
    kept, retired = setup_store(
        sqlite_store,
        [
            ("gatt-standard", "C0:00:00:00:00:01", None),
            ("gatt-standard", "C0:00:00:00:00:02", None),
        ],
    )
    sqlite_store.retire_device(retired, now=dt.datetime(2026, 3, 28, tzinfo=dt.UTC))
    s = scenario(days=1)
    async with World(clock=VirtualClock(s.start)) as world:
        assert [d.id for d in collector(sqlite_store, world).devices()] == [kept]
