"""The collector: all families at once, isolation of a stuck device, commit-before-ack,
crash points, forced reconnect cycles, bounded error reports and cancellation."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from bleak.backends.scanner import BaseBleakScanner

from devices.collector import KEPT_ERRORS, Collector, DeviceReport
from devices.emulated import FaultPlan, VirtualClock, World
from devices.emulated.gatt_standard import StandardBand
from devices.emulated.huami import HuamiBand
from devices.emulated.infinitime import InfiniTimeWatch
from devices.profiles.base import SyncResult
from ipsrt.store import Store
from tests.devices.test_profiles_common import (
    KEY_HEX,
    collector,
    scenario,
    setup_store,
    stored,
    wait_until,
    with_options,
)

pytestmark = pytest.mark.asyncio


@pytest.fixture
def sqlite_store(tmp_path) -> Iterator[Store]:
    """A SQLite-only store for the slow fault tests (the end-to-end tests run both backends)."""
    with Store.initialise(f"sqlite:///{tmp_path / 'ipsrt.sqlite3'}") as opened:
        yield opened


class SilentHuami(HuamiBand):
    """Authenticates, then never answers a fetch (a stuck device)."""

    def _on_fetch(self, _connection: Any, value: bytes) -> None:
        return None


async def test_all_families_concurrently_and_a_stuck_device_stays_alone(store: Store) -> None:
    s = scenario(days=1)
    ids = setup_store(
        store,
        [
            ("gatt-standard", "C0:00:00:00:00:01", None),
            ("infinitime", "C1:00:00:00:00:01", None),
            ("huami", "C3:00:00:00:00:01", KEY_HEX),
            ("huami", "C3:00:00:00:00:02", KEY_HEX),
        ],
    )
    async with World(clock=VirtualClock(s.start)) as world:
        await world.add(StandardBand(s, address="C0:00:00:00:00:01"))
        await world.add(InfiniTimeWatch(s, address="C1:00:00:00:00:01"))
        await world.add(HuamiBand(s, address="C3:00:00:00:00:01"))
        await world.add(SilentHuami(s, address="C3:00:00:00:00:02", name="Stuck"))
        await world.advance(dt.timedelta(hours=12))
        window = dt.timedelta(hours=1)
        col = collector(
            store,
            world,
            once_attempts=2,
            profiles=with_options(
                gatt_standard={"window": window},
                infinitime={"window": window},
                huami={"reply_timeout": 0.3},
            ),
        )
        live = [col.profile_for(d) for d in store.devices()[:2]]
        task = asyncio.create_task(col.run_once())
        await wait_until(lambda: all(p.listening for p in live))  # type: ignore[attr-defined]
        await world.advance(window)
        reports = await task
        assert world.central_connections() == 0
        assert col.open_clients == 0
    gatt, infinitime, huami, stuck = (reports[i] for i in ids)
    assert gatt.synced
    assert gatt.result.inserted == 60
    assert infinitime.synced
    assert infinitime.result.inserted == 60
    assert huami.synced
    assert 12 * 60 <= huami.result.inserted <= 13 * 60
    assert not stuck.synced
    assert len(stuck.errors) == 2
    assert all("ProfileTimeoutError" in e for e in stuck.errors)


async def _huami_world(store: Store, s, col_kwargs: dict[str, Any], patch=None):
    async with World(clock=VirtualClock(s.start)) as world:
        band = await world.add(HuamiBand(s, address="C3:00:00:00:00:01", minutes_per_round=360))
        await world.advance(s.end - s.start)
        col = collector(store, world, **col_kwargs)
        if patch is not None:
            patch(col)
        try:
            reports = await col.run_once()
        except asyncio.CancelledError:
            reports = None
        assert world.central_connections() == 0
        return band, reports, world


@pytest.mark.parametrize("point", ["before-commit", "after-commit-before-ack"])
async def test_a_collector_killed_mid_sync_loses_and_duplicates_nothing(
    store: Store, point: str
) -> None:
    s = scenario(days=1)
    (device_id,) = setup_store(store, [("huami", "C3:00:00:00:00:01", KEY_HEX)])
    async with World(clock=VirtualClock(s.start)) as world:
        band = await world.add(HuamiBand(s, address="C3:00:00:00:00:01", minutes_per_round=360))
        await world.advance(s.end - s.start)
        first = collector(store, world)
        original = first.write_round

        def crashing_write(device_id: int, result: SyncResult, now: dt.datetime) -> Any:
            if point == "after-commit-before-ack":
                original(device_id, result, now)
            raise asyncio.CancelledError  # the process dies here (on the store thread)

        first.write_round = crashing_write  # type: ignore[method-assign]
        with pytest.raises(asyncio.CancelledError):
            await first.run_once()
        await world.settle()
        assert band.acks == []  # never acked before (or without) a commit
        committed = len(stored(store, device_id, s.start, s.end))
        assert committed == (360 if point == "after-commit-before-ack" else 0)
        assert band.synced_until == s.start  # the band still holds everything
        reports = await collector(store, world).run_once()
        assert world.central_connections() == 0
    frame = stored(store, device_id, s.start, s.end)
    assert len(frame) == len(s.minutes)
    assert not frame.index.duplicated().any()
    assert reports[device_id].result.conflicting == 0
    assert band.synced_until == s.end


async def test_200_forced_reconnect_cycles_leak_nothing(sqlite_store: Store) -> None:
    s = scenario(days=1)
    (device_id,) = setup_store(sqlite_store, [("huami", "C3:00:00:00:00:01", KEY_HEX)])
    async with World(clock=VirtualClock(s.start)) as world:
        faults = FaultPlan(disconnect_after_notifications=1)
        await world.add(HuamiBand(s, address="C3:00:00:00:00:01", faults=faults))
        await world.advance(dt.timedelta(hours=2))
        tasks_before = len(asyncio.all_tasks())
        col = collector(sqlite_store, world, once_attempts=200)
        reports = await col.run_once()
        await world.settle()
        assert reports[device_id].connects == 200
        assert reports[device_id].error_count == 200
        assert len(reports[device_id].errors) == KEPT_ERRORS
        assert col.open_clients == 0
        assert world.central_connections() == 0
        assert len(asyncio.all_tasks()) <= tasks_before
    assert stored(sqlite_store, device_id, s.start, s.end).empty


async def test_run_forever_is_cancelled_cleanly(store: Store) -> None:
    s = scenario(days=1)
    (device_id,) = setup_store(store, [("huami", "C3:00:00:00:00:01", KEY_HEX)])
    async with World(clock=VirtualClock(s.start)) as world:
        await world.add(HuamiBand(s, address="C3:00:00:00:00:01"))
        await world.advance(dt.timedelta(hours=3))
        col = collector(store, world, history_interval=3600.0, sleep=asyncio.sleep)
        task = asyncio.create_task(col.run_forever())
        await wait_until(lambda: len(stored(store, device_id, s.start, s.end)) == 180)
        await asyncio.sleep(0.05)
        task.cancel()
        reports = await task
        assert reports[device_id].synced
        assert col.open_clients == 0
        assert world.central_connections() == 0


async def test_a_cancellation_a_library_swallowed_still_stops_the_collector(store: Store) -> None:
    # On Python 3.11 asyncio.wait_for inside the BLE stack can lose a cancellation
    # (CPython gh-86296). Here a profile's sync loses it on purpose; the collector
    # must still stop instead of sleeping for an hour and syncing again.
    s = scenario(days=1)
    (device_id,) = setup_store(store, [("huami", "C3:00:00:00:00:01", KEY_HEX)])
    async with World(clock=VirtualClock(s.start)) as world:
        await world.add(HuamiBand(s, address="C3:00:00:00:00:01"))
        await world.advance(dt.timedelta(hours=3))
        col = collector(store, world, history_interval=3600.0, sleep=asyncio.sleep)
        swallowed: list[bool] = []
        real_profile_for = col.profile_for

        def profile_for(device: Any) -> Any:
            profile = real_profile_for(device)
            real_sync = profile.sync

            async def sync(client: Any, cursor: Any) -> SyncResult:
                if not swallowed:
                    outer[0].cancel()  # Ctrl-C while a round is under way
                    try:
                        await asyncio.sleep(0.05)  # the cancellation lands here ...
                    except asyncio.CancelledError:
                        swallowed.append(True)  # ... and is lost, as in the library
                return await real_sync(client, cursor)

            profile.sync = sync  # type: ignore[method-assign]
            return profile

        col.profile_for = profile_for  # type: ignore[method-assign]
        outer = [asyncio.create_task(col.run_forever())]
        # A liveness bound, not a speed figure: without the fix the device
        # sleeps an hour and the task never ends by itself.
        done, _pending = await asyncio.wait(outer, timeout=30)
        if not done:
            outer[0].cancel()
            await asyncio.wait(outer)
        assert done == {outer[0]}
        reports = outer[0].result()
        assert swallowed == [True]
        assert col.open_clients == 0
        assert world.central_connections() == 0
        assert device_id in reports


class NothingInRange(BaseBleakScanner):
    """bleak scanner backend that never sees a device: every connect fails at once."""

    def __init__(self, detection_callback: Any, service_uuids: Any, *args: Any, **kwargs: Any):
        super().__init__(detection_callback, service_uuids)

    async def start(self) -> None:
        self.seen_devices = {}

    async def stop(self) -> None:
        return None


async def test_run_forever_keeps_the_last_errors_and_counts_all(sqlite_store: Store) -> None:
    # A device that stays unreachable for days: the report must not grow with it.
    (device_id,) = setup_store(sqlite_store, [("huami", "C3:00:00:00:00:01", KEY_HEX)])
    cycles = 50 * KEPT_ERRORS + 7
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == cycles:
            raise asyncio.CancelledError  # the operator stops the collector
        await asyncio.sleep(0)

    col = Collector(
        sqlite_store,
        scanner_cls=NothingInRange,
        clock=lambda: dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        sleep=sleep,
        scan_timeout=0.0,
    )
    report = (await col.run_forever())[device_id]
    assert len(report.errors) == KEPT_ERRORS  # the old collector kept all of them
    assert report.error_count == cycles
    assert report.error_kinds == {"BleakNotFoundError": cycles}
    assert all("C3:00:00:00:00:01 not found" in line for line in report.errors)
    assert report.as_dict()["error_count"] == cycles
    assert len(report.as_dict()["errors"]) == KEPT_ERRORS
    assert col.open_clients == 0
    assert not report.synced


async def test_a_report_keeps_the_newest_errors_in_order() -> None:
    report = DeviceReport(1, "huami", "C3:00:00:00:00:01")
    for i in range(KEPT_ERRORS + 5):
        report.record_error(TimeoutError(f"round {i}"))
    report.record_error(ValueError("bad\n  packet"))
    assert report.errors[0] == "TimeoutError: round 6"
    assert report.errors[-2] == f"TimeoutError: round {KEPT_ERRORS + 4}"
    assert report.errors[-1] == "ValueError: bad packet"
    assert report.error_kinds == {"TimeoutError": KEPT_ERRORS + 5, "ValueError": 1}
