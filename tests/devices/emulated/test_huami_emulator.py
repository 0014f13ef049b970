"""The Huami emulator through bleak (emulated backend): auth, fetch, ack, faults."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from bleak import BleakClient

from devices.emulated import EmulatedClientBackend, FaultPlan, VirtualClock, World
from devices.emulated.huami import TEST_KEY, HuamiBand
from devices.emulated.scenario import MINUTE, DeviceState, Scenario
from devices.errors import ProtocolError
from devices.wire.huami import (
    AUTH,
    FETCH_CONTROL,
    FETCH_DATA,
    AckMode,
    AuthRequestRandom,
    AuthResponse,
    AuthSendEncrypted,
    FetchAck,
    FetchComplete,
    FetchDataRequest,
    FetchDataType,
    FetchStartReply,
    FetchStartRequest,
    parse_fetch_response,
)
from devices.wire.huami_fetch import FetchAssembler, device_states, parse_samples, sample_minutes

ZONE = "Europe/Berlin"
BAND = "C3:00:00:00:00:01"
WAIT = 5.0


def scenario(days: int = 1) -> Scenario:
    return Scenario.generate(seed=11, days=days, zone=ZONE, start_date=dt.date(2026, 3, 28))


class Link:
    """Notification queues per characteristic and a couple of protocol helpers."""

    def __init__(self, client: BleakClient) -> None:
        self.client = client
        self.queues: dict[str, asyncio.Queue[bytes]] = {}

    async def subscribe(self, uuid: str) -> None:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        self.queues[uuid] = queue
        await self.client.start_notify(uuid, lambda _c, data: queue.put_nowait(bytes(data)))

    async def next(self, uuid: str) -> bytes:
        return await asyncio.wait_for(self.queues[uuid].get(), WAIT)

    async def authenticate(self, key: bytes, *, encrypted: bool = False) -> AuthResponse:
        await self.client.write_gatt_char(
            AUTH, bytes(AuthRequestRandom(0, encrypted)), response=False
        )
        challenge = AuthResponse.from_bytes(await self.next(AUTH))
        assert challenge.encrypted is encrypted
        answer = AuthSendEncrypted.answer(key, challenge.random, encrypted=encrypted)
        await self.client.write_gatt_char(AUTH, bytes(answer), response=False)
        return AuthResponse.from_bytes(await self.next(AUTH))

    async def fetch(
        self, since: dt.datetime, tz_quarters: int
    ) -> tuple[FetchStartReply, FetchAssembler, Any]:
        """One round: start, stream, completion; the result is the payload or the error."""
        request = FetchStartRequest(FetchDataType.ACTIVITY, since, tz_quarters)
        await self.client.write_gatt_char(FETCH_CONTROL, bytes(request))
        reply = parse_fetch_response(await self.next(FETCH_CONTROL))
        assert isinstance(reply, FetchStartReply)
        assembler = FetchAssembler(reply.count)
        if not reply.count:
            return reply, assembler, b""
        await self.client.write_gatt_char(FETCH_CONTROL, bytes(FetchDataRequest()))
        complete = parse_fetch_response(await self.next(FETCH_CONTROL))
        assert isinstance(complete, FetchComplete)
        await asyncio.sleep(0.01)
        queue = self.queues[FETCH_DATA]
        result: Any
        try:
            while not queue.empty():
                assembler.add(queue.get_nowait())
            result = assembler.finish(complete)
        except ProtocolError as exc:
            result = exc
        while not queue.empty():
            queue.get_nowait()
        return reply, assembler, result


async def _session(band: HuamiBand, world: World, body: Any) -> Any:
    async with BleakClient(BAND, backend=EmulatedClientBackend) as client:
        link = Link(client)
        for uuid in (AUTH, FETCH_CONTROL, FETCH_DATA):
            await link.subscribe(uuid)
        return await body(link)


def _expected(s: Scenario, n: int) -> list[tuple[int, int, int | None, str]]:
    rows = []
    for m in s.minutes[:n]:
        state = "sleep_light" if m.state is DeviceState.SLEEP_REM else m.state.value
        hr = m.heart_rate if m.state is not DeviceState.NOT_WORN else None
        rows.append((m.steps, m.activity, hr, state))
    return rows


@pytest.mark.asyncio
@pytest.mark.parametrize("encrypted", [False, True])
async def test_auth_right_and_wrong_key(encrypted: bool) -> None:
    s = scenario()
    async with World(clock=VirtualClock(s.start)) as world:
        band = await world.add(HuamiBand(s, address=BAND))

        async def body(link: Link) -> None:
            wrong = await link.authenticate(bytes(16), encrypted=encrypted)
            assert not wrong.ok
            assert not band.authenticated
            # Fetch commands are refused before auth.
            await link.client.write_gatt_char(FETCH_CONTROL, bytes(FetchDataRequest()))
            refused = parse_fetch_response(await link.next(FETCH_CONTROL))
            assert refused.status != 1
            right = await link.authenticate(TEST_KEY, encrypted=encrypted)
            assert right.ok
            assert band.authenticated

        await _session(band, world, body)


@pytest.mark.asyncio
@pytest.mark.parametrize("send_crc", [True, False])
async def test_fetch_delivers_scenario_minutes_and_ack_drops(send_crc: bool) -> None:
    s = scenario()
    async with World(clock=VirtualClock(s.start)) as world:
        band = await world.add(HuamiBand(s, address=BAND, send_crc=send_crc, minutes_per_round=600))
        await world.advance(dt.timedelta(hours=16))
        local_start = s.start.astimezone(band.zone).replace(tzinfo=None)

        async def body(link: Link) -> list[Any]:
            assert (await link.authenticate(TEST_KEY)).ok
            rounds = []
            since = local_start
            for _ in range(5):
                reply, _asm, payload = await link.fetch(since, 4)
                if not reply.count:
                    break
                assert isinstance(payload, bytes)
                rounds.append((reply, payload))
                await link.client.write_gatt_char(FETCH_CONTROL, bytes(FetchAck(AckMode.DROP)))
                assert reply.start is not None
                since = reply.start + len(payload) // 4 * MINUTE
            return rounds

        rounds = await _session(band, world, body)
    assert [len(p) // 4 for _, p in rounds] == [600, 360]  # 16 h served 600 minutes per round
    samples = [x for _, p in rounds for x in parse_samples(p)]
    states = device_states([x.raw_kind for x in samples])
    got = [
        (x.steps, x.intensity, x.heart_rate, st.label)
        for x, st in zip(samples, states, strict=True)
    ]
    assert got == _expected(s, 16 * 60)
    # Start times: band-local (CET, tz byte 4) and consecutive minutes.
    first = rounds[0][0]
    assert first.start == dt.datetime(2026, 3, 28)
    assert first.tz_quarters == 4
    utc = [
        t.replace(tzinfo=dt.timezone(first.tz_quarters * dt.timedelta(minutes=15)))
        for t in sample_minutes(first.start, 600)
    ]
    assert [u.astimezone(dt.UTC) for u in utc] == [m.ts for m in s.minutes[:600]]
    assert band.synced_until == s.start + 16 * 60 * MINUTE
    assert band.stored_minutes() == []


@pytest.mark.asyncio
async def test_keep_ack_and_disconnect_keep_data_then_resume() -> None:
    s = scenario()
    async with World(clock=VirtualClock(s.start)) as world:
        band = await world.add(HuamiBand(s, address=BAND))
        await world.advance(dt.timedelta(hours=2))
        since = s.start.astimezone(band.zone).replace(tzinfo=None)

        async def keep(link: Link) -> None:
            assert (await link.authenticate(TEST_KEY)).ok
            reply, _a, payload = await link.fetch(since, 4)
            assert reply.count == 120 * 4
            assert len(payload) == 480
            await link.client.write_gatt_char(FETCH_CONTROL, bytes(FetchAck(AckMode.KEEP)))
            reply, _a, payload = await link.fetch(since, 4)  # no ack: the link drops
            assert len(payload) == 480

        await _session(band, world, keep)
        await world.settle()
        assert band.synced_until == s.start
        assert len(band.stored_minutes()) == 120

        async def resume(link: Link) -> None:
            assert (await link.authenticate(TEST_KEY)).ok
            reply, _a, payload = await link.fetch(since + 60 * MINUTE, 4)  # resume from `since`
            assert reply.start == since + 60 * MINUTE
            assert len(payload) == 60 * 4
            await link.client.write_gatt_char(FETCH_CONTROL, bytes(FetchAck()))  # legacy `03`

        await _session(band, world, resume)
    assert band.synced_until == s.start + 120 * MINUTE


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("faults", "corrupt_crc"),
    [
        (FaultPlan(seed=3, drop_rate=0.05), False),
        (FaultPlan(seed=3, duplicate_rate=0.05), False),
        (FaultPlan(seed=3, reorder_rate=0.05), False),
        (FaultPlan(), True),
    ],
    ids=["drop", "duplicate", "reorder", "bad-crc"],
)
async def test_faults_make_the_assembler_reject(faults: FaultPlan, corrupt_crc: bool) -> None:
    s = scenario()
    async with World(clock=VirtualClock(s.start)) as world:
        band = await world.add(HuamiBand(s, address=BAND, faults=faults, corrupt_crc=corrupt_crc))
        await world.advance(dt.timedelta(hours=3))
        since = s.start.astimezone(band.zone).replace(tzinfo=None)

        async def body(link: Link) -> Any:
            assert (await link.authenticate(TEST_KEY)).ok
            _reply, assembler, result = await link.fetch(since, 4)
            assert not assembler.valid
            return result

        result = await _session(band, world, body)
    assert isinstance(result, ProtocolError)
    assert band.synced_until == s.start  # nothing acked, nothing dropped
