"""The Bangle.js emulator through bleak (emulated backend): actfetch, setTime, real time."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from bleak import BleakClient

from devices.emulated import EmulatedClientBackend, VirtualClock, World
from devices.emulated.bangle import BangleWatch
from devices.emulated.scenario import Scenario
from devices.wire.bangle import (
    NUS_RX,
    NUS_TX,
    XOFF,
    XON,
    LineReassembler,
    encode_gb,
    encode_set_time,
    split_to_mtu,
)
from devices.wire.bangle_messages import (
    ActFetchEnd,
    ActFetchRequest,
    ActFetchStart,
    ActRealtime,
    ActRecord,
    RealtimeRequest,
    parse_watch_message,
)

ZONE = "Europe/Berlin"
WATCH = "C2:00:00:00:00:01"


def scenario() -> Scenario:
    return Scenario.generate(seed=7, days=1, zone=ZONE, start_date=dt.date(2026, 3, 28))


class Session:
    def __init__(self, client: BleakClient) -> None:
        self.client = client
        self.reassembler = LineReassembler()
        self.messages: list[Any] = []
        self.flow: list[int] = []
        self.garbage: list[tuple[bytes, str]] = []
        self.event = asyncio.Event()

    def on_notify(self, _c: Any, data: bytearray) -> None:
        result = self.reassembler.feed(bytes(data))
        self.flow += result.flow
        self.garbage += result.garbage
        for obj in result.messages:
            self.messages.append(parse_watch_message(obj))
            self.event.set()

    async def write(self, line: bytes) -> None:
        for chunk in split_to_mtu(line, 23):
            await self.client.write_gatt_char(NUS_RX, chunk, response=False)

    async def wait_for(self, kind: type) -> Any:
        async def loop() -> Any:
            while True:
                for m in self.messages:
                    if isinstance(m, kind):
                        return m
                self.event.clear()
                await self.event.wait()

        return await asyncio.wait_for(loop(), 5.0)


async def _run(
    watch_kwargs: dict[str, Any], body: Any, hours: int = 6
) -> tuple[Scenario, BangleWatch, Any]:
    s = scenario()
    async with World(clock=VirtualClock(s.start)) as world:
        watch = await world.add(BangleWatch(s, address=WATCH, **watch_kwargs))
        await world.advance(dt.timedelta(hours=hours))
        async with BleakClient(WATCH, backend=EmulatedClientBackend) as client:
            session = Session(client)
            await client.start_notify(NUS_TX, session.on_notify)
            result = await body(session, world, watch)
    return s, watch, result


@pytest.mark.asyncio
async def test_actfetch_delivers_ten_minute_records() -> None:
    async def body(session: Session, _world: World, _watch: BangleWatch) -> Any:
        await session.write(encode_gb(ActFetchRequest(0).to_json()))
        await session.wait_for(ActFetchEnd)
        return list(session.messages)

    s, watch, messages = await _run({}, body)
    assert isinstance(messages[0], ActFetchStart)
    assert messages[-1] == ActFetchEnd(36)  # 6 h of complete 10-minute blocks
    records = messages[1:-1]
    assert len(records) == 36
    for i, record in enumerate(records):
        assert isinstance(record, ActRecord)
        block = s.minutes[10 * i : 10 * i + 10]
        # ts is the END of the block (docs/devices.md, "Bangle.js messages").
        assert record.ts == int((block[0].ts + dt.timedelta(minutes=10)).timestamp() * 1000)
        assert record.steps == sum(m.steps for m in block)
    assert watch.bad_lines == []


@pytest.mark.asyncio
async def test_history_messages_received_in_order_with_xon_xoff() -> None:
    received: dict[str, Any] = {}

    async def body(session: Session, _world: World, watch: BangleWatch) -> Any:
        since = watch.blocks()[29].ts
        await session.write(encode_gb(ActFetchRequest(since).to_json()))
        await session.wait_for(ActFetchEnd)
        received["messages"] = list(session.messages)
        received["flow"] = list(session.flow)
        received["garbage"] = list(session.garbage)
        # Records with ts >= since, so block 29 comes again (BangleApps
        # apps/android/lib.js, "actfetch": sampleTs >= event.ts).
        received["blocks"] = watch.blocks()[29:]
        return None

    await _run({"xoff_every": 2}, body)
    messages = received["messages"]
    assert isinstance(messages[0], ActFetchStart)
    assert messages[1:-1] == received["blocks"]
    assert messages[-1] == ActFetchEnd(7)
    assert received["flow"] == [XOFF, XON] * 4  # before records 0, 2, 4 and 6
    assert received["garbage"] == []


@pytest.mark.asyncio
async def test_set_time_and_realtime() -> None:
    async def body(session: Session, world: World, watch: BangleWatch) -> Any:
        wrong = world.clock.now() + dt.timedelta(hours=3)
        await session.write(encode_set_time(int(wrong.timestamp()), 2))
        await asyncio.sleep(0.05)
        offset = watch.device_clock.offset() if watch.device_clock else None
        await session.write(encode_gb(RealtimeRequest(True, True, 60).to_json()))
        await asyncio.sleep(0.05)
        await world.advance(dt.timedelta(minutes=3))
        rt = await session.wait_for(ActRealtime)
        return offset, rt, watch.commands

    _s, _watch, (offset, rt, commands) = await _run({}, body, hours=1)
    assert abs(offset - dt.timedelta(hours=3)) < dt.timedelta(seconds=2)
    assert isinstance(rt, ActRealtime)
    assert [c.kind for c in commands] == ["set_time", "gb"]
