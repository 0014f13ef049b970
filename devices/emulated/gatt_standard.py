"""An emulated band that speaks only Bluetooth SIG standard GATT (``docs/devices.md``).

- Heart Rate 0x180D: Measurement 0x2A37 notified once per scenario minute
  (the minute that just ended), with configurable flags: uint16 value,
  sensor contact, cumulative Energy Expended (kJ) and RR intervals (1/1024 s);
  Body Sensor Location 0x2A38 (wrist).
- Battery 0x180F / 0x2A19 (read, notify).
- Device Information 0x180A strings.
- Current Time 0x1805: Current Time 0x2A2B (read, write, notify) and Local
  Time Information 0x2A0F (read, write), both backed by the band's
  :class:`~devices.emulated.faults.DeviceClock` (offset, drift, resets).

:class:`CurrentTimeServer` is shared with the other emulators (InfiniTime).
Bytes are built with :mod:`devices.wire.gatt`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from bumble import gatt
from bumble.att import ATT_Error, ErrorCode
from bumble.device import Connection

from devices.emulated.faults import DeviceClock, FaultPlan
from devices.emulated.scenario import MINUTE, DeviceState, MinuteTruth, Scenario
from devices.emulated.world import Peripheral, make_characteristic
from devices.errors import ProtocolError
from devices.wire.gatt import (
    BatteryLevel,
    CurrentTime,
    HeartRateMeasurement,
    LocalTimeInformation,
    SensorContact,
)

__all__ = ["CurrentTimeServer", "DeviceInfo", "HeartRateOptions", "StandardBand"]

#: ATT error answered to a malformed Current Time / Local Time write.
_VALUE_NOT_ALLOWED = ErrorCode.VALUE_NOT_ALLOWED


@dataclasses.dataclass(frozen=True)
class DeviceInfo:
    """Device Information Service strings (0x2A29, 0x2A24, 0x2A25, 0x2A27, 0x2A26, 0x2A28)."""

    manufacturer: str = "IPSRT Emulated"
    model: str = "Standard Band"
    serial: str = "EMU-0001"
    hardware: str = "1.0"
    firmware: str = "1.0.0"
    software: str = "1.0.0"

    def service(self) -> gatt.Service:
        """The 0x180A service with one read-only string per field."""
        fields = (
            ("2A29", self.manufacturer),
            ("2A24", self.model),
            ("2A25", self.serial),
            ("2A27", self.hardware),
            ("2A26", self.firmware),
            ("2A28", self.software),
        )
        return gatt.Service(
            "180A", [make_characteristic(uuid, value=text.encode()) for uuid, text in fields]
        )


class CurrentTimeServer:
    """Current Time Service 0x1805 over a device clock.

    The device keeps a wall clock: writing Current Time sets it (local time);
    writing Local Time Information changes the zone but keeps the wall
    reading, as watches do. Fractions and adjust reason are ignored.
    ``writes`` records every accepted write for assertions.
    """

    def __init__(self, clock: Callable[[], DeviceClock]) -> None:
        self._clock = clock
        self.writes: list[CurrentTime | LocalTimeInformation] = []
        self.current_time = make_characteristic(
            "2A2B", read=self._read_current, write=self._write_current, notify=True
        )
        self.local_time = make_characteristic(
            "2A0F", read=self._read_local, write=self._write_local
        )

    def service(self) -> gatt.Service:
        """The 0x1805 service."""
        return gatt.Service("1805", [self.current_time, self.local_time])

    def _read_current(self, _connection: Connection) -> bytes:
        return bytes(CurrentTime.from_datetime(self._clock().local().replace(microsecond=0)))

    def _write_current(self, _connection: Connection, value: bytes) -> None:
        try:
            written = CurrentTime.from_bytes(value)
            local = written.to_datetime().replace(microsecond=0)
        except ProtocolError as exc:
            raise ATT_Error(_VALUE_NOT_ALLOWED) from exc
        clock = self._clock()
        clock.set_utc((local - clock.utc_offset()).replace(tzinfo=dt.UTC))
        self.writes.append(written)

    def _read_local(self, _connection: Connection) -> bytes:
        offset = self._clock().utc_offset()
        return bytes(LocalTimeInformation.from_offsets(offset, dt.timedelta(0)))

    def _write_local(self, _connection: Connection, value: bytes) -> None:
        try:
            info = LocalTimeInformation.from_bytes(value)
        except ProtocolError as exc:
            raise ATT_Error(_VALUE_NOT_ALLOWED) from exc
        offset = info.utc_offset
        if offset is None:
            raise ATT_Error(_VALUE_NOT_ALLOWED)
        clock = self._clock()
        wall = clock.local()
        clock.set_local_offset(offset)
        clock.set_utc((wall - clock.utc_offset()).replace(tzinfo=dt.UTC))
        self.writes.append(info)


@dataclasses.dataclass(frozen=True)
class HeartRateOptions:
    """Which optional 0x2A37 fields the band sends (flags bits 0, 1-2, 3, 4)."""

    uint16_value: bool = True
    sensor_contact: bool = True
    energy_expended: bool = True
    rr_intervals: bool = True


def rr_intervals_for(heart_rate: int, beats: int = 2) -> tuple[int, ...]:
    """``beats`` RR intervals (1/1024 s) of a steady ``heart_rate``."""
    if heart_rate <= 0:
        return ()
    return tuple([round(60 * 1024 / heart_rate)] * beats)


class StandardBand(Peripheral):
    """A band with HRS, BAS, DIS and CTS replaying ``scenario`` (one HR per minute).

    ``measurements`` records every measurement handed to :meth:`notify`, in
    order, so tests can compare what the central received with what was sent.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        address: str = "C0:00:00:00:00:01",
        name: str = "IPSRT Band",
        rssi: int = -55,
        faults: FaultPlan | None = None,
        hr_options: HeartRateOptions | None = None,
        info: DeviceInfo | None = None,
        battery: int = 87,
    ) -> None:
        super().__init__(
            address=address, name=name, rssi=rssi, faults=faults, zone=ZoneInfo(scenario.zone)
        )
        self.scenario = scenario
        self.hr_options = hr_options or HeartRateOptions()
        self.info = info or DeviceInfo()
        self.battery = battery
        self.energy_kj = 0
        self.measurements: list[HeartRateMeasurement] = []
        self.cts = CurrentTimeServer(self._device_clock)

    def _device_clock(self) -> DeviceClock:
        if self.device_clock is None:
            raise RuntimeError("the band is not part of a World yet")
        return self.device_clock

    def build_services(self) -> list[gatt.Service]:
        """HRS, BAS, DIS and CTS."""
        self.hr_measurement = make_characteristic("2A37", notify=True)
        self.battery_level = make_characteristic(
            "2A19", read=lambda _c: bytes(BatteryLevel(self.battery)), notify=True
        )
        return [
            gatt.Service("180D", [self.hr_measurement, make_characteristic("2A38", value=b"\x02")]),
            gatt.Service("180F", [self.battery_level]),
            self.info.service(),
            self.cts.service(),
        ]

    def advertised_service_uuids(self) -> list[str]:
        """Heart Rate and Battery, as most bands advertise."""
        return ["180D", "180F"]

    def measurement_for(self, minute: MinuteTruth) -> HeartRateMeasurement:
        """The 0x2A37 record the band sends for one scenario minute."""
        options = self.hr_options
        worn = minute.state is not DeviceState.NOT_WORN
        contact = SensorContact.NOT_SUPPORTED
        if options.sensor_contact:
            contact = SensorContact.CONTACT if worn else SensorContact.NO_CONTACT
        self.energy_kj = min(0xFFFF, self.energy_kj + max(1, minute.activity // 20))
        return HeartRateMeasurement(
            heart_rate=minute.heart_rate if worn else 0,
            sensor_contact=contact,
            energy_expended=self.energy_kj if options.energy_expended else None,
            rr_intervals=rr_intervals_for(minute.heart_rate) if options.rr_intervals else None,
            uint16_value=options.uint16_value,
        )

    async def on_tick(self, now: dt.datetime) -> None:
        """Notify the measurement of the minute that just ended (if in the scenario)."""
        if self.connection is None:
            return
        try:
            minute = self.scenario.at(now - MINUTE)
        except KeyError:
            return
        measurement = self.measurement_for(minute)
        self.measurements.append(measurement)
        await self.notify(self.hr_measurement, bytes(measurement))

    async def set_battery(self, percent: int) -> None:
        """Change the battery level and notify it."""
        self.battery = percent
        await self.notify(self.battery_level, bytes(BatteryLevel(percent)))

    def describe(self) -> dict[str, Any]:
        """A small summary for debugging output."""
        return {"name": self.name, "address": self.address, "battery": self.battery}
