"""An emulated PineTime running InfiniTime (``docs/devices.md``, "InfiniTime motion service").

- Advertises as ``"InfiniTime"``.
- Heart Rate 0x180D / 0x2A37 (read, notify): always 2 bytes, flags 0 + uint8.
- Battery 0x180F, Device Information 0x180A (firmware ``"1.14.0"``).
- Current Time 0x1805: 0x2A2B and 0x2A0F, read and write (shared
  :class:`~devices.emulated.gatt_standard.CurrentTimeServer`).
- Motion ``00030000-78fc-48fe-8e23-433b3a1942d0``: step count ``00030001``
  (read, notify; uint32 steps **today**, reset at the watch's local
  midnight) and raw motion ``00030002`` (read, notify; 3 x int16, 1 g = 1024).
- No history: only today's count is visible (yesterday's is kept, as the
  firmware does, but not exposed).

The counter follows the watch's own clock: a clock offset, a reset to 2000 or
a DST jump (fault plan) moves the reset away from the client's midnight, which
is exactly what the collector must cope with.
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

from bumble import gatt
from bumble.device import Connection

from devices.emulated.faults import DeviceClock, FaultPlan
from devices.emulated.gatt_standard import CurrentTimeServer, DeviceInfo
from devices.emulated.scenario import MINUTE, DeviceState, Scenario
from devices.emulated.world import Peripheral, make_characteristic
from devices.wire.gatt import BatteryLevel, HeartRateMeasurement
from devices.wire.infinitime import MOTION_SERVICE, ONE_G, RAW_MOTION, STEP_COUNT
from devices.wire.infinitime import RawMotion as RawMotionValue
from devices.wire.infinitime import StepCount as StepCountValue

__all__ = ["InfiniTimeWatch"]


class InfiniTimeWatch(Peripheral):
    """A PineTime replaying ``scenario``; HR and steps are notified each minute tick.

    Attributes:
        steps_today: the watch's step counter (since its local midnight).
        steps_yesterday: the counter's value at the last local midnight.
        step_notifications: ``(true instant, value)`` of every step notification.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        address: str = "C1:00:00:00:00:01",
        name: str = "InfiniTime",
        rssi: int = -62,
        faults: FaultPlan | None = None,
        battery: int = 64,
        notify_raw_motion: bool = False,
    ) -> None:
        super().__init__(
            address=address, name=name, rssi=rssi, faults=faults, zone=ZoneInfo(scenario.zone)
        )
        self.scenario = scenario
        self.battery = battery
        self.notify_raw_motion = notify_raw_motion
        self.steps_today = 0
        self.steps_yesterday = 0
        self._counter_date: dt.date | None = None
        self._motion = RawMotionValue(0, 0, -ONE_G)
        self.step_notifications: list[tuple[dt.datetime, int]] = []
        self.cts = CurrentTimeServer(self._device_clock)
        self.info = DeviceInfo(
            manufacturer="PINE64",
            model="PineTime",
            serial="0",
            hardware="1.0a",
            firmware="1.14.0",
            software="InfiniTime",
        )

    def _device_clock(self) -> DeviceClock:
        if self.device_clock is None:
            raise RuntimeError("the watch is not part of a World yet")
        return self.device_clock

    # -- GATT ----------------------------------------------------------------
    def build_services(self) -> list[gatt.Service]:
        """HRS (2-byte value), BAS, DIS, CTS and the Motion service."""
        self.hr_measurement = make_characteristic("2A37", read=self._read_heart_rate, notify=True)
        self.step_count = make_characteristic(
            STEP_COUNT, read=lambda _c: bytes(StepCountValue(self.steps_today)), notify=True
        )
        self.raw_motion = make_characteristic(
            RAW_MOTION, read=lambda _c: bytes(self._motion), notify=True
        )
        battery = make_characteristic(
            "2A19", read=lambda _c: bytes(BatteryLevel(self.battery)), notify=True
        )
        return [
            gatt.Service("180D", [self.hr_measurement]),
            gatt.Service("180F", [battery]),
            self.info.service(),
            self.cts.service(),
            gatt.Service(MOTION_SERVICE, [self.step_count, self.raw_motion]),
        ]

    def _read_heart_rate(self, _connection: Connection) -> bytes:
        try:
            minute = self.scenario.at(self.clock.now() - MINUTE)
        except KeyError:
            return bytes(HeartRateMeasurement(heart_rate=0))
        return bytes(HeartRateMeasurement(heart_rate=min(255, minute.heart_rate)))

    # -- behaviour -------------------------------------------------------------
    def on_connect(self, connection: Connection) -> None:
        """Start counting from the watch's local midnight on first contact."""
        self._ensure_counter()

    def _ensure_counter(self) -> None:
        if self._counter_date is not None:
            return
        clock = self._device_clock()
        local = clock.local()
        since_midnight = local - dt.datetime.combine(local.date(), dt.time(0))
        now = self.clock.now()
        self.steps_today = self.scenario.steps_between(now - since_midnight, now)
        self._counter_date = local.date()

    async def on_tick(self, now: dt.datetime) -> None:
        """Count the minute that just ended; reset at the watch's local midnight."""
        self._ensure_counter()
        try:
            minute = self.scenario.at(now - MINUTE)
        except KeyError:
            return
        before = self.steps_today
        self.steps_today += minute.steps
        local_date = self._device_clock().local().date()
        if local_date != self._counter_date:
            self.steps_yesterday = self.steps_today
            self.steps_today = 0
            self._counter_date = local_date
        self._motion = _motion_for(minute.activity, minute.state, now)
        if self.connection is None:
            return
        if minute.state is not DeviceState.NOT_WORN:
            await self.notify(
                self.hr_measurement,
                bytes(HeartRateMeasurement(heart_rate=min(255, minute.heart_rate))),
            )
        if self.steps_today != before:
            self.step_notifications.append((now, self.steps_today))
            await self.notify(self.step_count, bytes(StepCountValue(self.steps_today)))
        if self.notify_raw_motion:
            await self.notify(self.raw_motion, bytes(self._motion))


def _motion_for(activity: int, state: DeviceState, now: dt.datetime) -> RawMotionValue:
    """A deterministic wrist acceleration whose wobble grows with ``activity``."""
    phase = now.timestamp() / 60.0
    swing = 0 if state is DeviceState.NOT_WORN else activity * 4
    x = round(swing * math.sin(phase))
    y = round(swing * math.cos(phase))
    return RawMotionValue(x, y, -ONE_G)
