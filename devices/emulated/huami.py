"""An emulated Huami band (Mi Band 3-6 / Amazfit, pre-Zepp OS; ``docs/devices.md``, "Huami").

- Services FEE1 (auth characteristic 0009) and FEE0 (fetch control 0004,
  activity data 0005), plus HRS 0x180D (0x2A37 notify, 0x2A39 control point).
- Auth with a fixed key (:data:`TEST_KEY` unless given): the band
  answers ``02``/``82`` with ``10 02 01 <16 random bytes>`` (seeded RNG, so a
  test replays exactly, or the ``challenges`` given) and ``03``/``83`` with ``10 03 01`` when the
  ciphertext equals AES-128-ECB(key, random), ``10 03 04`` otherwise.
  Fetch commands before auth get ``10 01 04``.
- Current Time 0x1805 (shared
  :class:`~devices.emulated.gatt_standard.CurrentTimeServer`) over the band's
  :class:`~devices.emulated.faults.DeviceClock` (fault plan offset, drift,
  reset to 2000).
- History: the band stores one sample per completed scenario
  minute, stamped with its own clock when recorded (:meth:`HuamiBand.band_time`).
  ``01 01 <since>`` selects the stored minutes whose band time is at
  or after ``since`` (band-local, interpreted with the tz byte sent), at most
  ``minutes_per_round`` of them, and replies ``10 01 01 <count> <start> <tz>``
  where count is in **bytes** (the reading of ``docs/devices.md``, "Huami
  fetch control") and start is the band-local
  time of the first sample. ``02`` streams the payload on 0005 as counter +
  ``chunk`` bytes (counter wrapping at 8 bits), through the fault plan, then
  sends ``10 02 01 [crc32]`` on 0004. Faults (drop, duplicate, reorder)
  apply to 0005 only; control replies on 0009/0004 bypass them.
- Ack semantics (fetch step 7): the served minutes are
  dropped from the band only on ``03`` or ``03 01``; ``03 09`` keeps them; a
  disconnect or a new ``01`` before the ack keeps them too.

Samples use the 4-byte layout (kind, intensity, steps, heart rate) by default
or the 8-byte one; scenario states map to raw kinds with :data:`STATE_KINDS`.
REM has no 4-byte kind and is sent as light sleep (9), a choice of this
emulator; heart rate is sent
as 255 ("no reading") while not worn.
"""

from __future__ import annotations

import collections
import datetime as dt
import random
from collections.abc import Iterable
from typing import Final
from zoneinfo import ZoneInfo

from bumble import gatt
from bumble.device import Connection

from devices.emulated.faults import DeviceClock, FaultPlan
from devices.emulated.gatt_standard import CurrentTimeServer
from devices.emulated.scenario import MINUTE, DeviceState, MinuteTruth, Scenario
from devices.emulated.world import Peripheral, make_characteristic
from devices.errors import ProtocolError
from devices.wire.gatt import HeartRateMeasurement
from devices.wire.huami import (
    AUTH,
    FETCH_CONTROL,
    FETCH_DATA,
    AuthOp,
    AuthRequestRandom,
    AuthResponse,
    AuthSendEncrypted,
    AuthSetKey,
    FetchAck,
    FetchComplete,
    FetchDataRequest,
    FetchDataType,
    FetchResponse,
    FetchStartReply,
    FetchStartRequest,
    Status,
    encrypt_challenge,
    parse_auth_request,
    parse_fetch_command,
)
from devices.wire.huami_fetch import HuamiSample, crc32, packetize

__all__ = ["STATE_KINDS", "TEST_KEY", "HuamiBand"]

#: The fixed auth key of the emulator (never a real band's key).
TEST_KEY: Final = bytes.fromhex("00112233445566778899aabbccddeeff")

#: Scenario state → raw kind byte (inverse of the kind table in ``docs/devices.md``).
STATE_KINDS: Final[dict[DeviceState, int]] = {
    DeviceState.AWAKE: 1,
    DeviceState.SLEEP_LIGHT: 9,
    DeviceState.SLEEP_DEEP: 11,
    DeviceState.SLEEP_REM: 9,
    DeviceState.NOT_WORN: 3,
    DeviceState.UNKNOWN: 10,
}
_QUARTER: Final = dt.timedelta(minutes=15)


class HuamiBand(Peripheral):
    """A Huami band replaying ``scenario``.

    Args:
        scenario: the ground truth.
        key: the auth key the band knows.
        flags: auth flags byte expected (0x00 Mi Band 3+, 0x08 Mi Band 2).
        sample_size: 4 or 8 bytes per minute.
        send_crc: append a CRC32 to the completion (newer firmware).
        corrupt_crc: send a wrong CRC32 (a fault for tests).
        chunk: payload bytes per 0005 notification (after the counter byte).
        minutes_per_round: most minutes served by one fetch.
        accept_set_key: whether ``01 <flags> <key>`` is accepted (older bands).
        challenges: random numbers to send, in order, before the seeded RNG takes
            over (a test replaying a published exchange, e.g. FIPS-197 C.1).

    Attributes:
        synced_until: UTC instant before which the band has dropped its data.
        acks: every ack frame received, in order.
        fetches: ``(since, served minutes)`` of each start request.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        key: bytes = TEST_KEY,
        address: str = "C3:00:00:00:00:01",
        name: str = "Mi Smart Band 4",
        rssi: int = -61,
        faults: FaultPlan | None = None,
        flags: int = 0x00,
        sample_size: int = 4,
        send_crc: bool = True,
        corrupt_crc: bool = False,
        chunk: int = 16,
        minutes_per_round: int = 1440,
        accept_set_key: bool = False,
        challenges: Iterable[bytes] = (),
    ) -> None:
        super().__init__(
            address=address, name=name, rssi=rssi, faults=faults, zone=ZoneInfo(scenario.zone)
        )
        if sample_size not in (4, 8):
            raise ValueError("sample_size must be 4 or 8")
        self.scenario = scenario
        self.key = bytes(key)
        self.flags = flags
        self.sample_size = sample_size
        self.send_crc = send_crc
        self.corrupt_crc = corrupt_crc
        self.chunk = chunk
        self.minutes_per_round = minutes_per_round
        self.accept_set_key = accept_set_key
        self.synced_until = scenario.start
        self.acks: list[FetchAck] = []
        self.fetches: list[tuple[dt.datetime, int]] = []
        self.realtime_hr = False
        self._rng = random.Random(self.faults.seed)  # noqa: S311 - test determinism
        self._challenges = collections.deque(bytes(c) for c in challenges)
        if any(len(c) != 16 for c in self._challenges):
            raise ValueError("challenges must be 16 bytes each")
        self._challenge: bytes | None = None
        self._authenticated = False
        self._pending: tuple[list[MinuteTruth], dt.datetime, int] | None = None
        self._served_end: dt.datetime | None = None
        #: Band UTC at the start of each recorded minute (its own clock, faults included).
        self.band_stamps: dict[dt.datetime, dt.datetime] = {}
        self.cts = CurrentTimeServer(self._clock)

    # -- GATT ----------------------------------------------------------------
    def build_services(self) -> list[gatt.Service]:
        """FEE1 (auth), FEE0 (fetch control + data), HRS and CTS."""
        self.auth = make_characteristic(
            AUTH, write=self._on_auth, write_without_response=True, notify=True
        )
        self.fetch_control = make_characteristic(
            FETCH_CONTROL, write=self._on_fetch, write_without_response=True, notify=True
        )
        self.fetch_data = make_characteristic(FETCH_DATA, notify=True)
        self.hr_measurement = make_characteristic("2A37", notify=True)
        self.hr_control = make_characteristic("2A39", write=self._on_hr_control)
        return [
            gatt.Service("FEE1", [self.auth]),
            gatt.Service("FEE0", [self.fetch_control, self.fetch_data]),
            gatt.Service("180D", [self.hr_measurement, self.hr_control]),
            self.cts.service(),
        ]

    def advertised_service_uuids(self) -> list[str]:
        """Huami bands advertise FEE0."""
        return ["FEE0"]

    def _clock(self) -> DeviceClock:
        if self.device_clock is None:
            raise RuntimeError("the band is not part of a World yet")
        return self.device_clock

    # -- connection ----------------------------------------------------------
    def on_connect(self, connection: Connection) -> None:
        """A new link starts unauthenticated."""
        self._authenticated = False
        self._challenge = None

    def on_disconnect(self, reason: int) -> None:
        """A transfer cut by a disconnect is not acked: the band keeps the data."""
        self._authenticated = False
        self._pending = None
        self._served_end = None
        self.realtime_hr = False

    @property
    def authenticated(self) -> bool:
        """Whether the current link passed the AES challenge."""
        return self._authenticated

    # -- auth ------------------------------------------------------------------
    def _on_auth(self, _connection: Connection, value: bytes) -> None:
        try:
            request = parse_auth_request(bytes(value))
        except ProtocolError:
            self._reply_auth(AuthResponse(AuthOp(value[0] & 0x7F if value else 0), Status.FAILURE))
            return
        if isinstance(request, AuthSetKey):
            ok = self.accept_set_key and request.flags == self.flags
            if ok:
                self.key = request.key
            self._reply_auth(AuthResponse(AuthOp.SET_KEY, Status.SUCCESS if ok else Status.FAILURE))
        elif isinstance(request, AuthRequestRandom):
            self._challenge = (
                self._challenges.popleft() if self._challenges else self._rng.randbytes(16)
            )
            self._reply_auth(
                AuthResponse(
                    AuthOp.REQUEST_RANDOM, Status.SUCCESS, self._challenge, request.encrypted
                )
            )
        elif isinstance(request, AuthSendEncrypted):
            expected = (
                None if self._challenge is None else encrypt_challenge(self.key, self._challenge)
            )
            self._challenge = None
            self._authenticated = expected is not None and request.ciphertext == expected
            status = Status.SUCCESS if self._authenticated else Status.FAILURE
            self._reply_auth(AuthResponse(AuthOp.SEND_ENCRYPTED, status, b"", request.encrypted))

    def _reply_auth(self, response: AuthResponse) -> None:
        self.spawn(self._notify_control(self.auth, bytes(response)))

    async def _notify_control(
        self, characteristic: gatt.Characteristic[bytes], value: bytes
    ) -> None:
        """Notify on a control channel (0009, 0004) without the fault plan.

        Drops, duplicates and reorders apply to the data channel 0005 only,
        the transfer the assembler must validate; a lost control reply is a
        timeout, a different failure the collector handles separately.
        """
        if self.connection is not None:
            await self.device.notify_subscribers(characteristic, value)

    # -- fetch -----------------------------------------------------------------
    def stored_minutes(self) -> list[MinuteTruth]:
        """Minutes the band still holds: completed, not yet dropped by an ack."""
        now = self.clock.now()
        return [
            m for m in self.scenario.minutes if self.synced_until <= m.ts and m.ts + MINUTE <= now
        ]

    def _on_fetch(self, _connection: Connection, value: bytes) -> None:
        try:
            command = parse_fetch_command(bytes(value))
        except ProtocolError:
            self._reply_fetch(FetchResponse(value[0] if value else 0, Status.FAILURE))
            return
        if not self._authenticated:
            self._reply_fetch(FetchResponse(int(bytes(value)[0]), Status.FAILURE))
            return
        if isinstance(command, FetchStartRequest):
            self._start(command)
        elif isinstance(command, FetchDataRequest):
            if self._pending is None:
                self._reply_fetch(FetchComplete(Status.FAILURE))
            else:
                self.spawn(self._stream(*self._pending))
        elif isinstance(command, FetchAck):
            self.acks.append(command)
            if command.drops_data and self._served_end is not None:
                self.synced_until = max(self.synced_until, self._served_end)
            self._served_end = None
            self._pending = None

    def _start(self, request: FetchStartRequest) -> None:
        self._served_end = None
        if request.data_type != FetchDataType.ACTIVITY:
            self._pending = None
            self._reply_fetch(FetchStartReply(Status.SUCCESS, 0))
            return
        since = request.since.replace(tzinfo=dt.timezone(request.tz_quarters * _QUARTER))
        minutes = [m for m in self.stored_minutes() if self.band_time(m) >= since]
        minutes = minutes[: self.minutes_per_round]
        self.fetches.append((since, len(minutes)))
        if not minutes:
            self._pending = None
            self._reply_fetch(FetchStartReply(Status.SUCCESS, 0))
            return
        band_utc = self.band_time(minutes[0]).replace(microsecond=0)
        tz = band_utc.astimezone(self._clock().zone).utcoffset() or dt.timedelta(0)
        start_local = (band_utc + tz).replace(tzinfo=None)
        quarters = int(tz / _QUARTER)
        self._pending = (minutes, start_local, quarters)
        self._reply_fetch(
            FetchStartReply(Status.SUCCESS, len(minutes) * self.sample_size, start_local, quarters)
        )

    def band_time(self, minute: MinuteTruth) -> dt.datetime:
        """The band-clock UTC instant the band stamped ``minute`` with when recording it.

        Recorded at each minute tick (:meth:`on_tick`) from the band's
        :class:`~devices.emulated.faults.DeviceClock`, so a clock that was off,
        drifting or reset while recording stamps the history wrongly, as a
        real band's would. Minutes recorded without a tick (a world advanced
        in steps longer than a minute) use the clock's current offset.
        """
        stamp = self.band_stamps.get(minute.ts)
        return stamp if stamp is not None else minute.ts + self._clock().offset()

    def sample_for(self, minute: MinuteTruth) -> HuamiSample:
        """The raw sample the band stores for a scenario minute."""
        worn = minute.state is not DeviceState.NOT_WORN
        return HuamiSample(
            raw_kind=STATE_KINDS[minute.state],
            intensity=min(255, minute.activity),
            steps=min(255, minute.steps),
            heart_rate_raw=min(254, max(1, minute.heart_rate)) if worn else 255,
            extended=bytes(4) if self.sample_size == 8 else None,
        )

    async def _stream(self, minutes: list[MinuteTruth], _start: dt.datetime, _tz: int) -> None:
        payload = b"".join(bytes(self.sample_for(m)) for m in minutes)
        for packet in packetize(payload, self.chunk):
            if not await self.checkpoint("huami.fetch.chunk"):
                return
            await self.notify(self.fetch_data, packet)
        if self.connection is None:
            return
        checksum = crc32(payload) ^ (1 if self.corrupt_crc else 0)
        self._served_end = minutes[-1].ts + MINUTE
        await self._notify_control(
            self.fetch_control,
            bytes(FetchComplete(Status.SUCCESS, checksum if self.send_crc else None)),
        )

    def _reply_fetch(self, reply: FetchStartReply | FetchComplete | FetchResponse) -> None:
        self.spawn(self._notify_control(self.fetch_control, bytes(reply)))

    # -- heart rate ------------------------------------------------------------
    def _on_hr_control(self, _connection: Connection, value: bytes) -> None:
        """``15 01 01`` (continuous on) / ``15 01 00`` (off): the last byte switches."""
        self.realtime_hr = bool(value) and value[-1] == 1

    async def on_tick(self, now: dt.datetime) -> None:
        """Stamp the minute that just ended; notify its heart rate while real-time HR is on."""
        self.band_stamps.setdefault(now - MINUTE, self._clock().utc() - MINUTE)
        if not self.realtime_hr or self.connection is None:
            return
        try:
            minute = self.scenario.at(now - MINUTE)
        except KeyError:
            return
        if minute.state is not DeviceState.NOT_WORN:
            await self.notify(
                self.hr_measurement, bytes(HeartRateMeasurement(min(255, minute.heart_rate)))
            )
