"""Profile of a Huami band (Mi Band 3-6, Amazfit pre-Zepp OS): history.

Wire formats: ``docs/devices.md``, "Huami UUIDs and auth", "Huami fetch control"
and "Huami samples and sleep kinds".

One :meth:`HuamiProfile.sync` call is one fetch round:

1. on a new connection: subscribe to auth 0009, authenticate with the user's
   key (AES-128-ECB of the band's random number; the key comes from
   the device's stored secret and is never logged, printed or put in an
   exception), subscribe to fetch control 0004 and data 0005;
2. ``01 01 <since>`` with ``since`` = the cursor (first sync: now minus a
   bounded look-back, 100 days by default like Gadgetbridge), written as the
   client's local time and its zone byte;
3. ``02``, then the 0005 packets go through
   :class:`~devices.wire.huami_fetch.FetchAssembler` (counter gaps,
   duplicates, reorders, announced length, CRC32: any fault raises
   :class:`~devices.errors.ProtocolError`, nothing is returned, nothing acked,
   and the next round fetches the same minutes again);
4. samples become rows: consecutive minutes from the start time of the
   reply (band-local time minus its zone byte, minus the measured band clock
   offset when the band exposes Current Time), raw kinds mapped to states
   with the inheritance rule of the kind table (the last valid state travels in the
   cursor);
5. the :class:`~devices.profiles.base.SyncResult` carries the new cursor (the
   minute after the last sample) and an ``ack`` that writes ``03`` (or
   ``03 01`` with ``ack_mode=AckMode.DROP`` on 2021-protocol bands); the
   collector awaits it only after the store committed.

Loop guards (``docs/devices.md``, "Collecting from wearables"): ``more`` is
False when a round advanced the cursor by less than a minute, after
``max_rounds`` rounds on one connection, or when the next position is not in
the past; a cursor in the future is not fetched at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from typing import Any

from bleak import BleakClient
from bleak.exc import BleakError

from devices.errors import DeviceError, ProtocolError
from devices.profiles.base import (
    MINUTE,
    NotificationQueue,
    Profile,
    ProfileTimeoutError,
    SyncResult,
    has_characteristic,
    make_frame,
    sync_clock_cts,
)
from devices.wire.gatt import CURRENT_TIME
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
    Status,
    parse_auth_key,
    parse_fetch_response,
)
from devices.wire.huami_fetch import FetchAssembler, device_states, parse_samples, sample_minutes
from ipsrt.enums import DeviceState

__all__ = ["HuamiAuthError", "HuamiProfile", "RoundGuard", "next_round"]

log = logging.getLogger(__name__)

_QUARTER = dt.timedelta(minutes=15)


class HuamiAuthError(DeviceError):
    """The band refused the key, or no usable key is stored (the key is never shown)."""


@dataclasses.dataclass(frozen=True)
class RoundGuard:
    """Limits of one connection's fetch loop."""

    max_rounds: int = 10
    min_advance: dt.timedelta = MINUTE


def next_round(
    since: dt.datetime, new_next: dt.datetime, rounds: int, now: dt.datetime, guard: RoundGuard
) -> bool:
    """Whether another round should follow one that moved the cursor ``since → new_next`` (pure)."""
    if new_next - since < guard.min_advance:
        return False
    if rounds >= guard.max_rounds:
        log.warning("huami fetch loop stopped after %d rounds", rounds)
        return False
    return new_next < now


def _cursor_state(cursor: str | None) -> tuple[dt.datetime | None, DeviceState | None]:
    if not cursor:
        return None, None
    try:
        data = json.loads(cursor)
        position = dt.datetime.fromisoformat(data["next"]).astimezone(dt.UTC)
        state = DeviceState[data["state"].upper()] if data.get("state") else None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ProtocolError("unreadable huami cursor") from exc
    return position, state


def _encode_cursor(position: dt.datetime, state: DeviceState | None) -> str:
    payload: dict[str, Any] = {"next": position.isoformat()}
    if state is not None:
        payload["state"] = state.label
    return json.dumps(payload, sort_keys=True)


class HuamiProfile(Profile):
    """Per-minute activity history of a Huami band.

    Parameters (besides :class:`~devices.profiles.base.Profile`'s)
    ----------------------------------------------------------------
    lookback
        How far back the first sync asks for history.
    guard
        Loop guards of one connection.
    ack_mode
        ``None`` sends ``03``; :attr:`AckMode.DROP` sends ``03 01`` (2021 protocol).
    auth_flags, encrypted
        Auth flags byte (0x00 Mi Band 3+, 0x08 Mi Band 2) and the
        encrypted-firmware opcodes (0x82/0x83).
    sample_size
        4 or 8 bytes per minute (``docs/devices.md``, "Huami samples and sleep kinds").
    """

    family = "huami"
    data_type = "activity"

    def __init__(
        self,
        *args: Any,
        lookback: dt.timedelta = dt.timedelta(days=100),
        guard: RoundGuard | None = None,
        ack_mode: AckMode | None = None,
        auth_flags: int = 0x00,
        encrypted: bool = False,
        sample_size: int = 4,
        poll: float = 0.01,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lookback = lookback
        self.guard = guard or RoundGuard()
        self.ack_mode = ack_mode
        self.auth_flags = auth_flags
        self.encrypted = encrypted
        self.sample_size = sample_size
        self.poll = poll
        self._client: BleakClient | None = None
        self._auth = NotificationQueue(self.clock)
        self._control = NotificationQueue(self.clock)
        self._data = NotificationQueue(self.clock)
        self._rounds = 0
        self._band_offset = dt.timedelta(0)
        self._clock_offset_s: float | None = None

    # -- connection ------------------------------------------------------------
    def _key(self) -> bytes:
        try:
            return parse_auth_key(self.device.secret or "")
        except ProtocolError:
            raise HuamiAuthError(
                f"device {self.device.device_id}: no valid Huami auth key stored "
                "(32 hex digits; see docs/devices.md)"
            ) from None

    async def _authenticate(self, client: BleakClient) -> None:
        key = self._key()
        await client.write_gatt_char(
            AUTH, bytes(AuthRequestRandom(self.auth_flags, self.encrypted)), response=False
        )
        challenge = AuthResponse.from_bytes(await self._auth.get(self.reply_timeout, "auth reply"))
        if not challenge.ok:
            raise HuamiAuthError(f"device {self.device.device_id}: band refused the auth request")
        answer = AuthSendEncrypted.answer(
            key, challenge.random, flags=self.auth_flags, encrypted=self.encrypted
        )
        await client.write_gatt_char(AUTH, bytes(answer), response=False)
        result = AuthResponse.from_bytes(await self._auth.get(self.reply_timeout, "auth result"))
        if not result.ok:
            raise HuamiAuthError(f"device {self.device.device_id}: band rejected the auth key")

    async def _attach(self, client: BleakClient) -> None:
        if self._client is client:
            return
        self._client = None
        for queue in (self._auth, self._control, self._data):
            queue.clear()
        await client.start_notify(AUTH, self._auth.callback)
        await self._authenticate(client)
        await client.start_notify(FETCH_CONTROL, self._control.callback)
        await client.start_notify(FETCH_DATA, self._data.callback)
        self._clock_offset_s = None
        self._band_offset = dt.timedelta(0)
        if has_characteristic(client, CURRENT_TIME):
            offset = await sync_clock_cts(client, self.clock(), self.device.zone)
            self._clock_offset_s = offset
            self._band_offset = dt.timedelta(seconds=offset or 0.0)
        self._rounds = 0
        self._client = client

    # -- transfer ----------------------------------------------------------------
    async def _completion(self, client: BleakClient, assembler: FetchAssembler) -> FetchComplete:
        """Feed data packets until the completion arrives; time out on inactivity."""
        idle = 0.0
        while True:
            for _, packet in self._data.drain():
                assembler.add(packet)
                idle = 0.0
            try:
                reply = parse_fetch_response(await self._control.get(self.poll, "completion"))
            except ProfileTimeoutError:
                if not client.is_connected:
                    raise BleakError(
                        f"device {self.device.device_id}: link lost during history transfer"
                    ) from None
                idle += self.poll
                if idle >= self.reply_timeout:
                    raise ProfileTimeoutError(
                        f"device {self.device.device_id}: history transfer stalled"
                    ) from None
                continue
            if not isinstance(reply, FetchComplete):
                raise ProtocolError(f"huami: unexpected reply {bytes(reply).hex()} during transfer")
            for _, packet in self._data.drain():
                assembler.add(packet)
            return reply

    def _since_request(self, since: dt.datetime) -> FetchStartRequest:
        band = (since + self._band_offset).astimezone(self.device.zone)
        quarters = int((band.utcoffset() or dt.timedelta(0)) / _QUARTER)
        local = band.replace(tzinfo=None, second=0, microsecond=0)
        return FetchStartRequest(FetchDataType.ACTIVITY, local, quarters)

    def _ack(self, client: BleakClient) -> Any:
        async def ack() -> None:
            await client.write_gatt_char(FETCH_CONTROL, bytes(FetchAck(self.ack_mode)))

        return ack

    async def sync(self, client: BleakClient, cursor: str | None) -> SyncResult:
        """One fetch round from ``cursor``; see the module docstring."""
        await self._attach(client)
        now = self.clock()
        position, previous_state = _cursor_state(cursor)
        since = position if position is not None else now - self.lookback
        empty = make_frame(self.device.device_id, {})
        if since > now:
            log.warning("device %s: cursor in the future, not fetching", self.device.device_id)
            return SyncResult(empty, self.data_type, cursor, clock_offset_s=self._clock_offset_s)
        self._rounds += 1
        self._data.clear()
        self._control.clear()
        await client.write_gatt_char(FETCH_CONTROL, bytes(self._since_request(since)))
        reply = parse_fetch_response(await self._control.get(self.reply_timeout, "fetch reply"))
        if not isinstance(reply, FetchStartReply) or reply.status != Status.SUCCESS:
            raise ProtocolError(f"huami: fetch refused ({bytes(reply).hex()})")
        if not reply.count or reply.start is None:
            return SyncResult(
                empty,
                self.data_type,
                cursor,
                clock_offset_s=self._clock_offset_s,
                ack=self._ack(client),
            )
        await client.write_gatt_char(FETCH_CONTROL, bytes(FetchDataRequest()))
        assembler = FetchAssembler(reply.count)
        payload = assembler.finish(await self._completion(client, assembler))
        samples = parse_samples(payload, self.sample_size)
        band_utc = reply.start - reply.tz_quarters * _QUARTER
        start = band_utc.replace(tzinfo=dt.UTC) - self._band_offset
        minutes = sample_minutes(start, len(samples))
        states = device_states([s.raw_kind for s in samples], previous_state)
        rows = {
            minute: {
                "steps": sample.steps,
                "activity": sample.intensity,
                "heart_rate": sample.heart_rate,
                "state": state.label,
            }
            for minute, sample, state in zip(minutes, samples, states, strict=True)
        }
        new_next = minutes[-1] + MINUTE
        last_valid = next(
            (
                s
                for raw, s in zip(
                    reversed([x.raw_kind for x in samples]), reversed(states), strict=True
                )
                if raw & 0x0F not in (0, 10)
            ),
            previous_state,
        )
        more = next_round(since, new_next, self._rounds, now, self.guard)
        return SyncResult(
            frame=make_frame(self.device.device_id, rows),
            data_type=self.data_type,
            cursor=_encode_cursor(max(new_next, position or new_next), last_valid),
            clock_offset_s=self._clock_offset_s,
            more=more,
            ack=self._ack(client),
        )
