"""Profile of a band that speaks only SIG standard GATT (``docs/devices.md``): live data.

Such a band keeps no history on the BLE API, so the collector stays connected
and this profile turns what arrives into minute samples, one window at a time:

- Heart Rate Measurement 0x2A37 notifications: the **mean** of the readings
  received in a minute (rounded to whole bpm) is that minute's heart rate;
  readings of 0 and readings flagged "no skin contact" are ignored. A reading
  belongs to the minute containing the instant one second before its receipt
  (:func:`~devices.profiles.base.minute_before`), stamped with the injected
  host clock.
- Late notifications: when the window has ended, the round waits while a
  subscribed stream that delivered within the last minute has not yet
  delivered at or after the window's end (the value of the minute that ends
  there is then still on the air), at most ``late_timeout`` seconds, and
  returns as soon as nothing is owed (``docs/devices.md``, "Late
  notifications").
- Battery Level 0x2A19 is read every round.
- Clock (``docs/devices.md``, "Clock handling"): every round reads Current Time 0x2A2B (and
  Local Time Information 0x2A0F), records device UTC minus host UTC as the
  clock offset, then sets the band to the host time in the client's zone.

State survives reconnects (the profile object is kept per device by the
collector): readings of a minute that was not complete when a round ended are
kept and stored by the next round. Subscriptions are renewed on every new
connection.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from bleak import BleakClient
from bleak.exc import BleakError

from devices.errors import ProtocolError
from devices.profiles.base import (
    MINUTE,
    NotificationQueue,
    Profile,
    SyncResult,
    has_characteristic,
    make_frame,
    minute_before,
    read_battery,
    sync_clock_cts,
)
from devices.wire.gatt import CURRENT_TIME, HEART_RATE_MEASUREMENT, SensorContact, parse_heart_rate

__all__ = ["GattStandardProfile", "LiveRows"]

_T = TypeVar("_T")
log = logging.getLogger(__name__)

LiveRows = dict[dt.datetime, dict[str, Any]]


@dataclasses.dataclass
class _MinuteHeartRate:
    total: int = 0
    count: int = 0

    def add(self, bpm: int) -> None:
        self.total += bpm
        self.count += 1

    @property
    def mean(self) -> int:
        return round(self.total / self.count)


class GattStandardProfile(Profile):
    """Live heart rate, battery and clock of a SIG standard band.

    Parameters (besides :class:`~devices.profiles.base.Profile`'s)
    ----------------------------------------------------------------
    window
        How long (on the injected clock) one round listens before it returns.
    poll
        Real seconds between checks of the clock while listening.
    late_timeout
        Seconds (counted in ``poll`` sleeps) a round waits at most for late
        notifications after its window.
    """

    family = "gatt-standard"
    data_type = "live"
    live = True

    def __init__(
        self,
        *args: Any,
        window: dt.timedelta = dt.timedelta(minutes=15),
        poll: float = 0.01,
        late_timeout: float = 2.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.window = window
        self.poll = poll
        self.late_timeout = late_timeout
        self._client: BleakClient | None = None
        self._heart_rate = NotificationQueue(self.clock)
        self._hr_minutes: dict[dt.datetime, _MinuteHeartRate] = {}
        self.malformed = 0
        #: True while a round waits for notifications (tests drive the clock then).
        self.listening = False

    # -- connection ------------------------------------------------------------
    async def _attach(self, client: BleakClient) -> None:
        """Subscribe on a new connection (subscriptions die with the link)."""
        if self._client is client:
            return
        self._client = client
        await client.start_notify(HEART_RATE_MEASUREMENT, self._heart_rate.callback)

    async def _clock_and_battery(self, client: BleakClient) -> tuple[float | None, int | None]:
        offset = None
        if has_characteristic(client, CURRENT_TIME):
            offset = await sync_clock_cts(client, self.clock(), self.device.zone)
        return offset, await read_battery(client)

    async def _listen(self, client: BleakClient) -> None:
        """Wait until the window has passed on the injected clock or the link drops."""
        deadline = self.clock() + self.window
        self.listening = True
        try:
            while self.clock() < deadline:
                if not client.is_connected:
                    raise BleakError(f"device {self.device.device_id}: link lost while listening")
                await self.sleep(self.poll)
            await self._await_late(client, self.clock())
        finally:
            self.listening = False

    def streams(self) -> dict[str, NotificationQueue]:
        """The subscribed notification streams, by name."""
        return {"heart rate": self._heart_rate}

    def late_streams(self, end: dt.datetime) -> list[str]:
        """Names of the streams that still owe a notification for a window ending at ``end``."""
        return [name for name, queue in self.streams().items() if queue.expects_after(end)]

    async def _await_late(self, client: BleakClient, end: dt.datetime) -> None:
        """Wait while a stream owes a notification; bounded by ``late_timeout``."""
        waited = 0.0
        while self.late_streams(end) and client.is_connected:
            if waited >= self.late_timeout:
                log.info(
                    "device %s: no late %s after %g s",
                    self.device.device_id,
                    ", ".join(self.late_streams(end)),
                    self.late_timeout,
                )
                return
            await self.sleep(self.poll)
            waited += self.poll

    def pending_minutes(self) -> int:
        """Minutes with readings received that no round has returned yet."""
        self._take_heart_rate()
        return len(self._hr_minutes)

    # -- readings ----------------------------------------------------------------
    def _parsed(
        self, queue: NotificationQueue, parse: Callable[[bytes], _T], what: str
    ) -> Iterator[tuple[dt.datetime, _T]]:
        """The notifications received so far, parsed; malformed ones counted, logged, skipped."""
        for received, payload in queue.drain():
            try:
                value = parse(payload)
            except ProtocolError as exc:
                self.malformed += 1
                log.warning("device %s: malformed %s ignored: %s", self.device.device_id, what, exc)
                continue
            yield received, value

    def _take_heart_rate(self) -> None:
        for received, measurement in self._parsed(self._heart_rate, parse_heart_rate, "heart rate"):
            if (
                measurement.heart_rate == 0
                or measurement.sensor_contact == SensorContact.NO_CONTACT
            ):
                continue
            minute = minute_before(received)
            self._hr_minutes.setdefault(minute, _MinuteHeartRate()).add(measurement.heart_rate)

    def _complete_rows(self, now: dt.datetime) -> LiveRows:
        """Rows of the minutes that ended at or before ``now``; later ones stay pending."""
        rows: LiveRows = {}
        for minute in [m for m in self._hr_minutes if m + MINUTE <= now]:
            rows.setdefault(minute, {})["heart_rate"] = self._hr_minutes.pop(minute).mean
        return rows

    def _collect(self, now: dt.datetime) -> LiveRows:
        """Turn the notifications received so far into complete minute rows."""
        self._take_heart_rate()
        return self._complete_rows(now)

    def _cursor(self, rows: LiveRows, previous: str | None) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(previous) if previous else {}
        if rows:
            state["until"] = (max(rows) + MINUTE).isoformat()
        return state

    async def sync(self, client: BleakClient, cursor: str | None) -> SyncResult:
        """Set the clock, read the battery, listen for one window, return complete minutes."""
        offset, battery = await self._clock_and_battery(client)
        await self._attach(client)
        await self._listen(client)
        rows = self._collect(self.clock())
        state = self._cursor(rows, cursor)
        return SyncResult(
            frame=make_frame(self.device.device_id, rows),
            data_type=self.data_type,
            cursor=json.dumps(state, sort_keys=True) if state else cursor,
            battery=battery,
            clock_offset_s=offset,
        )
