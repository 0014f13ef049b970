"""An emulated Bangle.js 2 with the Android Integration and health apps.

Protocol: ``docs/devices.md``, "Bangle.js transport" and "Bangle.js messages".

- Nordic UART: the phone writes REPL lines to ``6e400002-…`` (split to the
  MTU; reassembled here on ``\\n``), the watch notifies on ``6e400003-…``
  chunks of at most ``notify_chunk`` bytes.
- ``\\x10GB({"t":"actfetch","ts":N})``: answers ``actfetch`` start, one
  ``act`` record per stored 10-minute block whose ``ts`` (block **end**, ms)
  is ``N`` or later (the record at ``N`` is sent again, as the watch app
  does), then ``actfetch`` end with the count. Blocks are
  aligned on the watch's local 10-minute boundaries; only complete blocks are
  stored. Block fields: ``stp`` = sum of steps, ``hrm`` = rounded mean heart
  rate of worn minutes (0 if none), ``mov`` = 8 × min(255, mean activity)
  (the health file stores movement ÷ 8), ``act`` = the majority state
  mapped by :data:`STATE_ACTIVITY` (awake minutes are ``WALKING`` when the
  block has steps, else ``UNKNOWN``, as the firmware has no "awake at rest").
- ``setTime(s)`` / ``E.setTimeZone(h)`` set the watch clock and zone; record
  timestamps follow the watch clock, so a wrong clock shifts them.
- ``\\x10GB({"t":"act","hrm":b,"stp":b,"int":s})``: real-time ``act`` with
  ``rt:1`` every ``int`` seconds of scenario time (rounded to tick steps).
- Flow control: with ``xoff_every`` set, the watch emits XOFF before every
  that many history notifications and XON after it; writes that arrive
  while XOFF holds are counted in ``writes_while_paused``.
"""

from __future__ import annotations

import collections
import datetime as dt
from typing import Any, Final
from zoneinfo import ZoneInfo

from bumble import gatt
from bumble.device import Connection

from devices.emulated.faults import DeviceClock, FaultPlan
from devices.emulated.scenario import MINUTE, DeviceState, MinuteTruth, Scenario
from devices.emulated.world import Peripheral, make_characteristic
from devices.errors import ProtocolError
from devices.wire.bangle import NUS_RX, NUS_SERVICE, NUS_TX, XOFF, XON, parse_phone_line
from devices.wire.bangle_messages import (
    ActFetchEnd,
    ActFetchRequest,
    ActFetchStart,
    ActRealtime,
    ActRecord,
    RealtimeRequest,
    WatchMessage,
    encode_watch_line,
)

__all__ = ["STATE_ACTIVITY", "BangleWatch"]

BLOCK: Final = dt.timedelta(minutes=10)
MAX_INPUT: Final = 8192

#: Scenario state → firmware activity name; AWAKE depends on steps.
STATE_ACTIVITY: Final[dict[DeviceState, str]] = {
    DeviceState.SLEEP_LIGHT: "LIGHT_SLEEP",
    DeviceState.SLEEP_REM: "LIGHT_SLEEP",
    DeviceState.SLEEP_DEEP: "DEEP_SLEEP",
    DeviceState.NOT_WORN: "NOT_WORN",
    DeviceState.UNKNOWN: "UNKNOWN",
}


def _ms(instant: dt.datetime) -> int:
    return int(instant.timestamp() * 1000)


class BangleWatch(Peripheral):
    """A Bangle.js 2 replaying ``scenario`` over the Gadgetbridge protocol.

    Attributes:
        commands: every phone line parsed, in order (``PhoneCommand``).
        bad_lines: phone lines that failed to parse.
        writes_while_paused: RX writes received while XOFF was in force.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        address: str = "C2:00:00:00:00:01",
        name: str = "Bangle.js 1a2b",
        rssi: int = -63,
        faults: FaultPlan | None = None,
        notify_chunk: int = 20,
        xoff_every: int | None = None,
    ) -> None:
        super().__init__(
            address=address, name=name, rssi=rssi, faults=faults, zone=ZoneInfo(scenario.zone)
        )
        self.scenario = scenario
        self.notify_chunk = notify_chunk
        self.xoff_every = xoff_every
        self.commands: list[Any] = []
        self.bad_lines: list[bytes] = []
        self.writes_while_paused = 0
        self.paused = False
        self.realtime: RealtimeRequest | None = None
        self._rx = bytearray()
        self._last_rt: dt.datetime | None = None

    def build_services(self) -> list[gatt.Service]:
        """The Nordic UART Service."""
        self.tx = make_characteristic(NUS_TX, notify=True)
        self.rx = make_characteristic(NUS_RX, write=self._on_write, write_without_response=True)
        return [gatt.Service(NUS_SERVICE, [self.rx, self.tx])]

    def advertised_service_uuids(self) -> list[str]:
        """Bangle.js advertises NUS."""
        return [NUS_SERVICE]

    def _clock(self) -> DeviceClock:
        if self.device_clock is None:
            raise RuntimeError("the watch is not part of a World yet")
        return self.device_clock

    def on_disconnect(self, reason: int) -> None:
        """Forget half-received lines and real-time mode."""
        self._rx.clear()
        self.realtime = None
        self.paused = False

    # -- phone → watch -----------------------------------------------------------
    def _on_write(self, _connection: Connection, value: bytes) -> None:
        if self.paused:
            self.writes_while_paused += 1
        self._rx += bytes(value)
        if len(self._rx) > MAX_INPUT:
            self.bad_lines.append(bytes(self._rx[:64]))
            self._rx.clear()
        while (newline := self._rx.find(b"\n")) >= 0:
            line = bytes(self._rx[:newline])
            del self._rx[: newline + 1]
            self._handle_line(line)

    def _handle_line(self, line: bytes) -> None:
        try:
            command = parse_phone_line(line)
        except ProtocolError:
            self.bad_lines.append(line)
            return
        self.commands.append(command)
        clock = self._clock()
        if command.kind in ("set_time", "set_tz") and command.tz_hours is not None:
            clock.set_local_offset(dt.timedelta(hours=command.tz_hours))
        if command.kind == "set_time" and command.unix_s is not None:
            clock.set_utc(dt.datetime.fromtimestamp(command.unix_s, dt.UTC))
        if command.kind != "gb" or command.message is None:
            return
        message = command.message
        try:
            if message.get("t") == "actfetch":
                request = ActFetchRequest.from_json(message)
                self.spawn(self._send_history(request.ts))
            elif message.get("t") == "act":
                rt = RealtimeRequest.from_json(message)
                self.realtime = rt if (rt.heart_rate or rt.steps) else None
                self._last_rt = self.clock.now()
        except ProtocolError:
            self.bad_lines.append(line)

    # -- history -------------------------------------------------------------------
    def blocks(self) -> list[ActRecord]:
        """Every complete 10-minute record the watch holds, oldest first."""
        now = self.clock.now()
        offset = self._clock().offset()
        zone = self._clock().zone
        groups: dict[dt.datetime, list[MinuteTruth]] = {}
        for minute in self.scenario.minutes:
            local = (minute.ts + offset).astimezone(zone)
            start = minute.ts - dt.timedelta(minutes=local.minute % 10)
            groups.setdefault(start, []).append(minute)
        return [
            self.record_for(start, minutes, offset)
            for start, minutes in sorted(groups.items())
            if start + BLOCK <= now
        ]

    @staticmethod
    def record_for(
        start: dt.datetime, minutes: list[MinuteTruth], offset: dt.timedelta = dt.timedelta(0)
    ) -> ActRecord:
        """Aggregate the minutes of one block into the ``act`` record the watch sends."""
        steps = sum(m.steps for m in minutes)
        worn = [m for m in minutes if m.state is not DeviceState.NOT_WORN]
        hrm = round(sum(m.heart_rate for m in worn) / len(worn)) if worn else 0
        movement = 8 * min(255, round(sum(m.activity for m in minutes) / len(minutes)))
        state = collections.Counter(m.state for m in minutes).most_common(1)[0][0]
        if state is DeviceState.AWAKE:
            activity = "WALKING" if steps else "UNKNOWN"
        else:
            activity = STATE_ACTIVITY[state]
        return ActRecord(
            ts=_ms(start + offset + BLOCK),
            steps=steps,
            heart_rate=min(255, hrm),
            movement=movement,
            activity=activity,
        )

    async def send(self, message: WatchMessage) -> None:
        """Send one message as the watch does: empty line, JSON, CRLF, MTU-split."""
        await self._send_bytes(encode_watch_line(message))

    async def _send_bytes(self, data: bytes) -> None:
        for i in range(0, len(data), self.notify_chunk):
            await self.notify(self.tx, data[i : i + self.notify_chunk])

    async def _send_history(self, since_ms: int) -> None:
        # The Android Integration app sends every record with ts >= the request's
        # ts (BangleApps apps/android/lib.js, "actfetch"), so the last record of
        # the previous batch comes again.
        records = [r for r in self.blocks() if r.ts >= since_ms]
        await self.send(ActFetchStart())
        for n, record in enumerate(records):
            if not await self.checkpoint("bangle.actfetch.record"):
                return
            flow = self.xoff_every is not None and n % self.xoff_every == 0
            if flow:
                self.paused = True
                await self._send_bytes(bytes([XOFF]))
            await self.send(record)
            if flow:
                await self._send_bytes(bytes([XON]))
                self.paused = False
        await self.send(ActFetchEnd(len(records)))

    # -- real time ---------------------------------------------------------------
    async def on_tick(self, now: dt.datetime) -> None:
        """Send real-time ``act`` samples while enabled."""
        request = self.realtime
        if request is None or self.connection is None or self._last_rt is None:
            return
        if now - self._last_rt < dt.timedelta(seconds=request.interval_s):
            return
        steps = self.scenario.steps_between(self._last_rt, now)
        self._last_rt = now
        try:
            minute = self.scenario.at(now - MINUTE)
        except KeyError:
            return
        hrm = min(255, minute.heart_rate) if minute.state is not DeviceState.NOT_WORN else 0
        await self.send(ActRealtime(steps=steps if request.steps else 0, heart_rate=hrm))
