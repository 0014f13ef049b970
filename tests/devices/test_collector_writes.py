"""The collector's writes off the event loop, and the wait for late live notifications.

``docs/devices.md``, "Collecting from wearables": every store call runs on the
collector's store thread (``devices.store_writer.StoreWriter``), a device is
acknowledged only after its round's commit returned, and a live round returns
once no notification is still expected ("Late notifications").
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from devices.emulated import VirtualClock, World
from devices.emulated.gatt_standard import StandardBand
from devices.emulated.huami import HuamiBand
from devices.emulated.scenario import Scenario
from devices.profiles.base import DeviceContext
from devices.profiles.gatt_standard import GattStandardProfile
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

BANDS = 16


class RecordingStore:
    """Wraps a store's ``upsert_minute_samples``: which thread ran it, what was acked by then."""

    def __init__(self, store: Store, band: HuamiBand | None = None) -> None:
        self.store = store
        self.band = band
        self.loop_thread = threading.get_ident()
        self.threads: list[int] = []
        #: (acks the band had received when this commit began, when it returned)
        self.acks_at_commit: list[tuple[int, int]] = []
        self._upsert = store.upsert_minute_samples
        store.upsert_minute_samples = self.upsert  # type: ignore[method-assign]

    def acks(self) -> int:
        return 0 if self.band is None else len(self.band.acks)

    def upsert(self, *args: Any, **kwargs: Any) -> Any:
        self.threads.append(threading.get_ident())
        before = self.acks()
        result = self._upsert(*args, **kwargs)
        self.acks_at_commit.append((before, self.acks()))
        return result


async def _huami_holding_the_day(world: World, s: Scenario) -> HuamiBand:
    """A Huami band that recorded the scenario's day and serves it in rounds of 360 minutes."""
    band = await world.add(HuamiBand(s, address="C3:00:00:00:00:01", minutes_per_round=360))
    await world.advance(s.end - s.start)
    return band


async def test_sixteen_live_bands_leave_no_minute_pending(store: Store) -> None:
    # Each emulated band notifies the heart rate of a minute when it ends
    # (devices/emulated/gatt_standard.py), so a one-hour window holds exactly
    # 60 complete minutes per band; the notification of the last one is on the
    # air when the window ends. The old fixed three-poll grace returned before
    # some of them landed (they stayed pending for a next round).
    s = scenario(days=1)
    addresses = [f"C0:00:00:00:00:{i + 1:02X}" for i in range(BANDS)]
    ids = setup_store(store, [("gatt-standard", a, None) for a in addresses])
    window = dt.timedelta(hours=1)
    async with World(clock=VirtualClock(s.start + dt.timedelta(hours=8))) as world:
        for address in addresses:
            await world.add(StandardBand(s, address=address))
        col = collector(store, world, profiles=with_options(gatt_standard={"window": window}))
        profiles = [col.profile_for(d) for d in store.devices()]
        task = asyncio.create_task(col.run_once())
        await wait_until(lambda: all(p.listening for p in profiles))  # type: ignore[attr-defined]
        await world.advance(window)
        reports = await task
        await world.settle(20)  # anything still on the air lands now
        pending = sum(p.pending_minutes() for p in profiles)  # type: ignore[attr-defined]
        assert world.central_connections() == 0
    assert pending == 0
    assert [reports[i].result.inserted for i in ids] == [60] * BANDS
    for device_id in ids:
        assert len(stored(store, device_id, s.start, s.end)) == 60


async def test_upserts_run_on_the_store_thread_and_acks_follow_commits(store: Store) -> None:
    s = scenario(days=1)
    (device_id,) = setup_store(store, [("huami", "C3:00:00:00:00:01", KEY_HEX)])
    async with World(clock=VirtualClock(s.start)) as world:
        band = await _huami_holding_the_day(world, s)
        recording = RecordingStore(store, band)
        reports = await collector(store, world).run_once()
        await world.settle()
    assert reports[device_id].result.inserted == len(s.minutes)
    rounds = len(recording.threads)
    assert rounds == len(s.minutes) // 360  # the round reaching "now" ends the loop
    # Off the event loop, always on the same (single) writer thread.
    assert recording.loop_thread not in recording.threads
    assert len(set(recording.threads)) == 1
    # Round k's commit began and ended with exactly k acks sent: no ack before its commit.
    assert recording.acks_at_commit == [(k, k) for k in range(rounds)]
    assert len(band.acks) == rounds


async def test_a_failing_upsert_is_reported_and_nothing_is_acked(store: Store) -> None:
    s = scenario(days=1)
    (device_id,) = setup_store(store, [("huami", "C3:00:00:00:00:01", KEY_HEX)])
    async with World(clock=VirtualClock(s.start)) as world:
        band = await _huami_holding_the_day(world, s)

        def broken(*_args: Any, **_kwargs: Any) -> Any:
            raise OSError("disk full")

        store.upsert_minute_samples = broken  # type: ignore[method-assign]
        reports = await collector(store, world, once_attempts=2).run_once()
        await world.settle()
    report = reports[device_id]
    assert not report.synced
    assert report.errors == ["OSError: disk full"] * 2
    assert band.acks == []
    assert band.synced_until == s.start


async def test_a_cancelled_run_finishes_the_running_write_and_acks_nothing(store: Store) -> None:
    # Cancelled while the store thread is inside the commit: the write cannot
    # be stopped halfway, so it completes (samples and cursor together); the
    # band is not acknowledged and still holds every minute. The next run asks
    # from the committed cursor: nothing lost, nothing stored twice.
    s = scenario(days=1)
    (device_id,) = setup_store(store, [("huami", "C3:00:00:00:00:01", KEY_HEX)])
    async with World(clock=VirtualClock(s.start)) as world:
        band = await _huami_holding_the_day(world, s)
        loop = asyncio.get_running_loop()
        inside = asyncio.Event()
        release = threading.Event()
        finished: list[bool] = []
        upsert = store.upsert_minute_samples

        def slow_upsert(*args: Any, **kwargs: Any) -> Any:
            loop.call_soon_threadsafe(inside.set)
            release.wait(timeout=30)
            result = upsert(*args, **kwargs)
            finished.append(True)
            return result

        store.upsert_minute_samples = slow_upsert  # type: ignore[method-assign]
        task = asyncio.create_task(collector(store, world).run_once())
        await inside.wait()
        task.cancel()
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert finished == [True]  # the run returned only after the write ended
        await world.settle()
        assert band.acks == []
        assert len(stored(store, device_id, s.start, s.end)) == 360
        store.upsert_minute_samples = upsert  # type: ignore[method-assign]
        reports = await collector(store, world).run_once()
        assert world.central_connections() == 0
    assert reports[device_id].result.inserted == len(s.minutes) - 360
    assert reports[device_id].result.conflicting == 0
    assert len(stored(store, device_id, s.start, s.end)) == len(s.minutes)
    assert band.synced_until == s.end


async def test_an_in_memory_store_is_written_on_the_loop() -> None:
    # One connection shared by every thread (StaticPool): two threads would
    # interleave their transactions on it, so the collector keeps it on the loop.
    with Store.initialise("sqlite://") as memory:
        assert collector(memory, World()).writer.in_thread is False


async def test_only_a_stream_active_in_the_last_minute_owes_a_late_notification() -> None:
    # The rule of docs/devices.md, "Late notifications", on hand-made receipts.
    end = dt.datetime(2026, 3, 28, 12, 0, tzinfo=dt.UTC)
    device = DeviceContext(1, "C0:00:00:00:00:01", ZoneInfo("UTC"))
    profile = GattStandardProfile(device, clock=lambda: end)
    assert profile.late_streams(end) == []  # nothing received yet: nothing expected
    for receipt, expected in [
        (end - dt.timedelta(minutes=1, seconds=1), []),  # silent for over a minute
        (end - dt.timedelta(minutes=1), ["heart rate"]),  # the minute's value is due at end
        (end - dt.timedelta(seconds=1), ["heart rate"]),
        (end, []),  # received at the end: the last minute is complete
        (end + dt.timedelta(seconds=3), []),
    ]:
        profile.streams()["heart rate"].put(receipt, b"\x00\x48")
        assert profile.late_streams(end) == expected, receipt
