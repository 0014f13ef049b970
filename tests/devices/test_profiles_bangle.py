"""Bangle.js profile end to end: actfetch history → per-minute rows, split lines,
XON/XOFF, garbage lines, a re-sync after a disconnect mid-history."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bleak import BleakClient

from devices.emulated import EmulatedClientBackend, FaultPlan, VirtualClock, World
from devices.emulated.bangle import BangleWatch
from devices.emulated.scenario import MinuteTruth, Scenario
from devices.profiles.bangle import BangleProfile
from devices.profiles.base import DeviceContext
from devices.wire.bangle import XOFF, XON
from devices.wire.bangle_messages import ACT_STATES, ActRecord
from ipsrt.store import Store
from tests.devices.test_profiles_common import (
    ZONE,
    collector,
    fast_sleep,
    scenario,
    setup_store,
    stored,
    stored_rows,
)

WATCH = "C2:00:00:00:00:01"
COLUMNS = ["steps", "activity", "heart_rate", "state"]
BLOCK = dt.timedelta(minutes=10)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    with Store.initialise(f"sqlite:///{tmp_path / 'ipsrt.sqlite3'}") as opened:
        yield opened


def truth(s: Scenario, until: dt.datetime) -> dict[dt.datetime, dict[str, Any]]:
    """The documented rule applied to the scenario, independently of the profile.

    The scenario's minutes are grouped in the watch's 10-minute blocks (Berlin
    offsets are whole hours, so local and UTC blocks coincide), each complete
    block aggregated as the watch does (``BangleWatch.record_for``), then
    expanded: steps ``stp // 10`` per minute plus one on each of the first
    ``stp % 10`` minutes, ``hrm`` (0 → none), ``mov`` and the mapped state
    repeated.
    """
    blocks: dict[dt.datetime, list[MinuteTruth]] = {}
    for m in s.minutes:
        start = m.ts - dt.timedelta(minutes=m.ts.minute % 10)
        blocks.setdefault(start, []).append(m)
    out: dict[dt.datetime, dict[str, Any]] = {}
    for start, minutes in sorted(blocks.items()):
        if start + BLOCK > until:
            continue
        record = BangleWatch.record_for(start, minutes)
        for i in range(10):
            out[start + dt.timedelta(minutes=i)] = {
                "steps": record.steps // 10 + (1 if i < record.steps % 10 else 0),
                "activity": record.movement,
                "heart_rate": record.heart_rate or None,
                "state": ACT_STATES.get(record.activity or "UNKNOWN").label,  # type: ignore[union-attr]
            }
    return out


async def _collect(
    store: Store, watch: BangleWatch, s: Scenario, until: dt.datetime, **kwargs: Any
) -> Any:
    async with World(clock=VirtualClock(s.start)) as world:
        await world.add(watch)
        await world.advance(until - s.start)
        reports = await collector(store, world, **kwargs).run_once()
        assert world.central_connections() == 0
    return reports


@pytest.mark.asyncio
async def test_history_equals_the_rule_applied_to_the_scenario(store: Store) -> None:
    s = scenario(days=2)
    (device_id,) = setup_store(store, [("banglejs", WATCH, None)])
    watch = BangleWatch(s, address=WATCH, notify_chunk=20)
    reports = await _collect(store, watch, s, s.end)
    report = reports[device_id]
    assert report.errors == []
    got = stored_rows(stored(store, device_id, s.start, s.end), COLUMNS)
    expected = truth(s, s.end)
    assert len(expected) == len(s.minutes)
    assert got == expected
    assert sum(r["steps"] for r in got.values()) == sum(m.steps for m in s.minutes)
    assert report.result.inserted == len(s.minutes)
    assert report.result.quarantined == 0
    assert store.cursor(device_id, "activity") == str(int(s.end.timestamp() * 1000))
    # The clock was set (setTime + E.setTimeZone) before the fetch, in Berlin's offset.
    kinds = [c.kind for c in watch.commands]
    assert kinds[:2] == ["set_time", "gb"]
    assert watch.commands[0].tz_hours in (1.0, 2.0)
    assert watch.bad_lines == []


@pytest.mark.asyncio
async def test_split_lines_and_xon_xoff_in_the_stream(sqlite_store: Store) -> None:
    s = scenario(days=1)
    (device_id,) = setup_store(sqlite_store, [("banglejs", WATCH, None)])
    # 7-byte notifications split every JSON line in several places; XOFF/XON
    # wrap every third record.
    watch = BangleWatch(s, address=WATCH, notify_chunk=7, xoff_every=3)
    reports = await _collect(sqlite_store, watch, s, s.end)
    assert reports[device_id].errors == []
    got = stored_rows(stored(sqlite_store, device_id, s.start, s.end), COLUMNS)
    assert got == truth(s, s.end)
    assert watch.writes_while_paused == 0


class PausingWatch(BangleWatch):
    """Sends XOFF right after ``setTime`` and XON a while later."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resumed = False

    def _handle_line(self, line: bytes) -> None:
        super()._handle_line(line)
        if self.commands and self.commands[-1].kind == "set_time":
            self.paused = True
            self.spawn(self._hold())

    async def _hold(self) -> None:
        await self.notify(self.tx, bytes([XOFF]))
        await asyncio.sleep(0.2)  # real time: the phone must wait, not write
        self.resumed = True
        self.paused = False
        await self.notify(self.tx, bytes([XON]))


@pytest.mark.asyncio
async def test_writes_wait_while_xoff_holds(sqlite_store: Store) -> None:
    s = scenario(days=1)
    (device_id,) = setup_store(sqlite_store, [("banglejs", WATCH, None)])
    watch = PausingWatch(s, address=WATCH)
    reports = await _collect(sqlite_store, watch, s, s.start + dt.timedelta(hours=6))
    assert reports[device_id].errors == []
    assert watch.resumed
    assert watch.writes_while_paused == 0
    assert [c.kind for c in watch.commands] == ["set_time", "gb"]
    got = stored_rows(stored(sqlite_store, device_id, s.start, s.end), COLUMNS)
    assert got == truth(s, s.start + dt.timedelta(hours=6))


class NoisyWatch(BangleWatch):
    """Writes console noise and a broken JSON line into the history batch."""

    async def send(self, message: Any) -> None:
        if isinstance(message, ActRecord) and message.ts % 1_800_000 == 0:  # every 30 min
            await self._send_bytes(b'\r\nUncaught Error: oops\r\n{"t":"act","ts":\r\n')
            await self._send_bytes(b'\r\n{"t":"act","ts":"soon","stp":1,"hrm":1,"mov":1}\r\n')
        await super().send(message)


@pytest.mark.asyncio
async def test_a_garbage_line_is_skipped_and_logged(
    sqlite_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    s = scenario(days=1)
    (device_id,) = setup_store(sqlite_store, [("banglejs", WATCH, None)])
    watch = NoisyWatch(s, address=WATCH)
    with caplog.at_level(logging.WARNING, logger="devices.profiles.bangle"):
        reports = await _collect(sqlite_store, watch, s, s.end)
    assert reports[device_id].errors == []
    got = stored_rows(stored(sqlite_store, device_id, s.start, s.end), COLUMNS)
    assert got == truth(s, s.end)
    assert "not a JSON line" in caplog.text
    assert "invalid JSON" in caplog.text
    assert "skipped a bad message" in caplog.text


class LosingWatch(BangleWatch):
    """Loses one record of the first batch (the count no longer matches)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lost = False

    async def send(self, message: Any) -> None:
        if isinstance(message, ActRecord) and not self.lost:
            self.lost = True
            return
        await super().send(message)


@pytest.mark.asyncio
async def test_a_lost_record_rejects_the_batch_then_refetches(sqlite_store: Store) -> None:
    s = scenario(days=1)
    (device_id,) = setup_store(sqlite_store, [("banglejs", WATCH, None)])
    watch = LosingWatch(s, address=WATCH)
    reports = await _collect(sqlite_store, watch, s, s.end)
    report = reports[device_id]
    assert len(report.errors) == 1
    assert "announced" in report.errors[0]
    got = stored_rows(stored(sqlite_store, device_id, s.start, s.end), COLUMNS)
    assert got == truth(s, s.end)


@pytest.mark.asyncio
async def test_resync_after_a_disconnect_mid_history(store: Store) -> None:
    s = scenario(days=2)
    (device_id,) = setup_store(store, [("banglejs", WATCH, None)])
    # The link drops at the 100th record of the second batch.
    faults = FaultPlan(disconnect_at={"bangle.actfetch.record": 144 + 100})
    watch = BangleWatch(s, address=WATCH, faults=faults)
    async with World(clock=VirtualClock(s.start)) as world:
        await world.add(watch)
        await world.advance(dt.timedelta(days=1))
        first = await collector(store, world).run_once()
        assert first[device_id].errors == []
        day = s.start + dt.timedelta(days=1)
        assert store.cursor(device_id, "activity") == str(int(day.timestamp() * 1000))
        await world.advance(s.end - world.clock.now())
        second = await collector(store, world).run_once()
        assert world.central_connections() == 0
    report = second[device_id]
    assert len(report.errors) == 1
    assert "link lost" in report.errors[0]
    assert report.connects == 2
    assert report.result.inserted == len(s.minutes) - 24 * 60
    assert report.result.conflicting == 0
    got = stored_rows(stored(store, device_id, s.start, s.end), COLUMNS)
    assert got == truth(s, s.end)  # 0 lost
    frame = stored(store, device_id, s.start, s.end)
    assert not frame.index.duplicated().any()  # 0 duplicated
    assert store.cursor(device_id, "activity") == str(int(s.end.timestamp() * 1000))


@pytest.mark.asyncio
async def test_cursor_sets_the_request_and_ack_records_completion() -> None:
    s = scenario(days=1)
    from zoneinfo import ZoneInfo

    async with World(clock=VirtualClock(s.start)) as world:
        watch = await world.add(BangleWatch(s, address=WATCH))
        await world.advance(dt.timedelta(hours=3))
        profile = BangleProfile(
            DeviceContext(1, WATCH, ZoneInfo(ZONE)), clock=world.clock.now, sleep=fast_sleep
        )
        async with BleakClient(WATCH, backend=EmulatedClientBackend) as client:
            since = s.start + dt.timedelta(hours=1)
            cursor = str(int(since.timestamp() * 1000))
            result = await profile.sync(client, cursor)
            assert watch.commands[-1].message == {"t": "actfetch", "ts": int(cursor)}
            assert len(result.frame) == 120
            assert result.frame["ts"].min() == since
            assert result.more is False
            await result.ack()
            assert profile.acked == [result.cursor]
            again = await profile.sync(client, result.cursor)
            assert again.frame.empty
            assert again.cursor == result.cursor
