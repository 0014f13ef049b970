"""Bluetooth SIG standard GATT characteristics used by the collector.

Pure and symmetric: every record is a frozen dataclass with ``from_bytes`` and
``__bytes__``; bad bytes raise :class:`~devices.errors.ProtocolError`. Layouts
are those of the Bluetooth SIG GATT Specification Supplement (GSS) v8, described
in ``docs/devices.md`` ("Heart Rate Measurement", "Battery Level and Device
Information", "Current Time and Local Time Information"); all multi-byte
fields are little-endian.

- Heart Rate Measurement 0x2A37 (GSS §3.113): :class:`HeartRateMeasurement`.
- Battery Level 0x2A19 (GSS §3.27): :class:`BatteryLevel`.
- Device Information strings 0x2A24-0x2A29 (DIS 1.1): :class:`DeviceInfoString`.
- Current Time 0x2A2B (GSS §3.62): :class:`CurrentTime`.
- Local Time Information 0x2A0F (GSS §3.135): :class:`LocalTimeInformation`.
"""

from __future__ import annotations

import datetime as dt
import enum
import struct
from dataclasses import dataclass
from typing import Final, Self

from devices.errors import ProtocolError
from devices.wire._common import OpenIntEnum, check_range, expect_length, unpack

__all__ = [
    "BATTERY_LEVEL",
    "CURRENT_TIME",
    "DIS_STRINGS",
    "HEART_RATE_MEASUREMENT",
    "LOCAL_TIME_INFORMATION",
    "AdjustReason",
    "BatteryLevel",
    "CurrentTime",
    "DeviceInfoString",
    "DstOffset",
    "HeartRateFlags",
    "HeartRateMeasurement",
    "LocalTimeInformation",
    "SensorContact",
    "parse_battery_level",
    "parse_current_time",
    "parse_device_info_string",
    "parse_heart_rate",
    "parse_local_time_information",
    "sig_uuid",
]


def sig_uuid(short: int) -> str:
    """Return the 128-bit string form of a 16-bit SIG UUID (``0x2A37`` → ``00002a37-…``)."""
    return f"{short:08x}-0000-1000-8000-00805f9b34fb"


HEART_RATE_SERVICE: Final = sig_uuid(0x180D)
HEART_RATE_MEASUREMENT: Final = sig_uuid(0x2A37)
HEART_RATE_CONTROL_POINT: Final = sig_uuid(0x2A39)
BATTERY_SERVICE: Final = sig_uuid(0x180F)
BATTERY_LEVEL: Final = sig_uuid(0x2A19)
DEVICE_INFORMATION_SERVICE: Final = sig_uuid(0x180A)
CURRENT_TIME_SERVICE: Final = sig_uuid(0x1805)
CURRENT_TIME: Final = sig_uuid(0x2A2B)
LOCAL_TIME_INFORMATION: Final = sig_uuid(0x2A0F)

#: Device Information string characteristics: UUID → field name.
DIS_STRINGS: Final[dict[str, str]] = {
    sig_uuid(0x2A29): "manufacturer",
    sig_uuid(0x2A24): "model",
    sig_uuid(0x2A25): "serial",
    sig_uuid(0x2A27): "hardware_revision",
    sig_uuid(0x2A26): "firmware_revision",
    sig_uuid(0x2A28): "software_revision",
}

_U8: Final = struct.Struct("<B")
_U16: Final = struct.Struct("<H")
_CURRENT_TIME: Final = struct.Struct("<HBBBBBBBB")
_LOCAL_TIME: Final = struct.Struct("<bB")

#: Largest attribute value (ATT, Core spec Vol 3 Part F §3.2.9).
MAX_ATTRIBUTE_LENGTH: Final = 512


# --------------------------------------------------------------------- heart rate


class HeartRateFlags(enum.IntFlag):
    """Flags byte of Heart Rate Measurement (GSS §3.113.1)."""

    VALUE_UINT16 = 0x01
    SENSOR_CONTACT_DETECTED = 0x02
    SENSOR_CONTACT_SUPPORTED = 0x04
    ENERGY_EXPENDED = 0x08
    RR_INTERVALS = 0x10


class SensorContact(OpenIntEnum):
    """Sensor contact status, flags bits 2:1: 0 or 1 = not supported."""

    NOT_SUPPORTED = 0
    NOT_SUPPORTED_1 = 1
    NO_CONTACT = 2
    CONTACT = 3


@dataclass(frozen=True, slots=True)
class HeartRateMeasurement:
    """Heart Rate Measurement 0x2A37 (GSS §3.113).

    Parameters
    ----------
    heart_rate
        Beats per minute, 0-65535 (0-255 unless ``uint16_value``).
    sensor_contact
        Flags bits 2:1.
    energy_expended
        Kilojoules since the last reset, or ``None`` when flags bit3 is clear.
    rr_intervals
        RR intervals in units of 1/1024 s, oldest first, or ``None`` when
        flags bit4 is clear (``()`` means the bit is set with no interval).
    uint16_value
        Whether the value is sent as uint16 (flags bit0), kept so that parsing
        then building gives back the same bytes.
    reserved
        Flags bits 7:5 (reserved by the SIG), kept for the same reason.
    """

    heart_rate: int
    sensor_contact: SensorContact = SensorContact.NOT_SUPPORTED
    energy_expended: int | None = None
    rr_intervals: tuple[int, ...] | None = None
    uint16_value: bool = False
    reserved: int = 0

    def __post_init__(self) -> None:
        check_range("heart_rate", self.heart_rate, 0, 0xFFFF if self.uint16_value else 0xFF)
        check_range("sensor_contact", int(self.sensor_contact), 0, 3)
        if self.energy_expended is not None:
            check_range("energy_expended", self.energy_expended, 0, 0xFFFF)
        for rr in self.rr_intervals or ():
            check_range("rr_interval", rr, 0, 0xFFFF)
        check_range("reserved", self.reserved, 0, 7)

    @property
    def flags(self) -> HeartRateFlags:
        """The flags byte this record encodes to."""
        value = (int(self.sensor_contact) << 1) | (self.reserved << 5)
        if self.uint16_value:
            value |= HeartRateFlags.VALUE_UINT16
        if self.energy_expended is not None:
            value |= HeartRateFlags.ENERGY_EXPENDED
        if self.rr_intervals is not None:
            value |= HeartRateFlags.RR_INTERVALS
        return HeartRateFlags(value)

    @property
    def rr_intervals_ms(self) -> tuple[float, ...]:
        """RR intervals in milliseconds (raw × 1000/1024)."""
        return tuple(rr * 1000 / 1024 for rr in self.rr_intervals or ())

    @property
    def contact_detected(self) -> bool | None:
        """``True``/``False`` when the sensor reports contact, ``None`` if unsupported."""
        if self.sensor_contact == SensorContact.CONTACT:
            return True
        if self.sensor_contact == SensorContact.NO_CONTACT:
            return False
        return None

    @classmethod
    def from_bytes(cls, payload: bytes) -> Self:
        """Parse a 0x2A37 notification; raise :class:`ProtocolError` on bad bytes."""
        expect_length(payload, 2, MAX_ATTRIBUTE_LENGTH, "heart rate measurement")
        flags = payload[0]
        offset = 1
        wide = bool(flags & HeartRateFlags.VALUE_UINT16)
        if wide:
            (heart_rate,) = unpack(_U16, payload, offset, "heart rate value")
            offset += 2
        else:
            heart_rate = payload[offset]
            offset += 1
        energy = None
        if flags & HeartRateFlags.ENERGY_EXPENDED:
            (energy,) = unpack(_U16, payload, offset, "energy expended")
            offset += 2
        rr: tuple[int, ...] | None = None
        if flags & HeartRateFlags.RR_INTERVALS:
            rest = payload[offset:]
            if len(rest) % 2:
                raise ProtocolError("heart rate measurement: odd number of RR-interval bytes")
            rr = tuple(v for (v,) in _U16.iter_unpack(rest))
            offset = len(payload)
        if offset != len(payload):
            raise ProtocolError(
                f"heart rate measurement: {len(payload) - offset} trailing bytes "
                f"for flags 0x{flags:02x}"
            )
        return cls(
            heart_rate=heart_rate,
            sensor_contact=SensorContact((flags >> 1) & 0x03),
            energy_expended=energy,
            rr_intervals=rr,
            uint16_value=wide,
            reserved=flags >> 5,
        )

    def __bytes__(self) -> bytes:
        out = bytearray(_U8.pack(int(self.flags)))
        out += _U16.pack(self.heart_rate) if self.uint16_value else _U8.pack(self.heart_rate)
        if self.energy_expended is not None:
            out += _U16.pack(self.energy_expended)
        for rr in self.rr_intervals or ():
            out += _U16.pack(rr)
        return bytes(out)


def parse_heart_rate(payload: bytes) -> HeartRateMeasurement:
    """Parse Heart Rate Measurement 0x2A37; see :class:`HeartRateMeasurement`."""
    return HeartRateMeasurement.from_bytes(payload)


# ------------------------------------------------------------- battery and DIS


@dataclass(frozen=True, slots=True)
class BatteryLevel:
    """Battery Level 0x2A19 (GSS §3.27): one uint8, 0-100 %."""

    percent: int

    def __post_init__(self) -> None:
        check_range("battery percent", self.percent, 0, 100)

    @classmethod
    def from_bytes(cls, payload: bytes) -> Self:
        """Parse one byte; values above 100 raise :class:`ProtocolError`."""
        expect_length(payload, 1, 1, "battery level")
        return cls(payload[0])

    def __bytes__(self) -> bytes:
        return _U8.pack(self.percent)


def parse_battery_level(payload: bytes) -> BatteryLevel:
    """Parse Battery Level 0x2A19."""
    return BatteryLevel.from_bytes(payload)


@dataclass(frozen=True, slots=True)
class DeviceInfoString:
    """A Device Information string characteristic (DIS 1.1 §3), strict UTF-8.

    The value is kept exactly (no stripping of NUL padding or spaces), so
    parsing then building gives back the same bytes.
    """

    value: str

    def __post_init__(self) -> None:
        if not isinstance(self.value, str):
            raise ProtocolError("device information value must be a str")
        if len(self.value.encode("utf-8", "surrogatepass")) > MAX_ATTRIBUTE_LENGTH:
            raise ProtocolError("device information string longer than 512 bytes")

    @classmethod
    def from_bytes(cls, payload: bytes) -> Self:
        """Decode strictly as UTF-8; invalid sequences raise :class:`ProtocolError`."""
        expect_length(payload, 0, MAX_ATTRIBUTE_LENGTH, "device information string")
        try:
            text = bytes(payload).decode("utf-8", "strict")
        except UnicodeDecodeError as exc:
            raise ProtocolError(f"device information string: invalid UTF-8 ({exc.reason})") from exc
        return cls(text)

    def __bytes__(self) -> bytes:
        try:
            return self.value.encode("utf-8", "strict")
        except UnicodeEncodeError as exc:
            raise ProtocolError("device information string: unencodable text") from exc


def parse_device_info_string(payload: bytes) -> DeviceInfoString:
    """Parse a Device Information string."""
    return DeviceInfoString.from_bytes(payload)


# ------------------------------------------------------------------ current time


class AdjustReason(enum.IntFlag):
    """Adjust Reason bits of Current Time; bits 7:4 are reserved."""

    NONE = 0x00
    MANUAL = 0x01
    EXTERNAL_REFERENCE = 0x02
    TIME_ZONE_CHANGE = 0x04
    DST_CHANGE = 0x08


def _fraction_to_us(fractions256: int) -> int:
    return min(999_999, (fractions256 * 1_000_000 + 128) // 256)


def _us_to_fraction(microsecond: int) -> int:
    return min(255, (microsecond * 256 + 500_000) // 1_000_000)


@dataclass(frozen=True, slots=True)
class CurrentTime:
    """Current Time 0x2A2B, 10 bytes (GSS §3.62).

    ``year == 0``, ``month == 0``, ``day == 0`` and ``day_of_week == 0`` mean
    "unknown"; such a record parses but has no :meth:`to_datetime`.
    """

    year: int
    month: int
    day: int
    hours: int
    minutes: int
    seconds: int
    day_of_week: int = 0
    fractions256: int = 0
    adjust_reason: AdjustReason = AdjustReason.NONE

    def __post_init__(self) -> None:
        if self.year != 0:
            check_range("year", self.year, 1582, 9999)
        check_range("month", self.month, 0, 12)
        check_range("day", self.day, 0, 31)
        check_range("hours", self.hours, 0, 23)
        check_range("minutes", self.minutes, 0, 59)
        check_range("seconds", self.seconds, 0, 59)
        check_range("day_of_week", self.day_of_week, 0, 7)
        check_range("fractions256", self.fractions256, 0, 255)
        check_range("adjust_reason", int(self.adjust_reason), 0, 255)

    @classmethod
    def from_bytes(cls, payload: bytes) -> Self:
        """Parse exactly 10 bytes."""
        expect_length(payload, 10, 10, "current time")
        y, mo, d, h, mi, s, dow, frac, reason = unpack(_CURRENT_TIME, payload, 0, "current time")
        return cls(y, mo, d, h, mi, s, dow, frac, AdjustReason(reason))

    def __bytes__(self) -> bytes:
        return _CURRENT_TIME.pack(
            self.year,
            self.month,
            self.day,
            self.hours,
            self.minutes,
            self.seconds,
            self.day_of_week,
            self.fractions256,
            int(self.adjust_reason),
        )

    @property
    def is_known(self) -> bool:
        """Whether year, month and day are all known (nonzero)."""
        return self.year != 0 and self.month != 0 and self.day != 0

    def to_datetime(self) -> dt.datetime:
        """The device's wall-clock time as a naive local datetime.

        Raises
        ------
        ProtocolError
            If the date is unknown (year, month or day 0) or impossible
            (e.g. 31 April).
        """
        if not self.is_known:
            raise ProtocolError("current time: date unknown (year, month or day is 0)")
        try:
            return dt.datetime(  # noqa: DTZ001 - device wall clock, no zone on the wire
                self.year,
                self.month,
                self.day,
                self.hours,
                self.minutes,
                self.seconds,
                _fraction_to_us(self.fractions256),
            )
        except ValueError as exc:
            raise ProtocolError(f"current time: impossible date ({exc})") from exc

    @classmethod
    def from_datetime(
        cls, local: dt.datetime, adjust_reason: AdjustReason = AdjustReason.NONE
    ) -> Self:
        """Build from a naive local datetime (aware values are refused).

        The day of week is 1 = Monday … 7 = Sunday; microseconds are rounded to
        1/256 s.
        """
        if local.tzinfo is not None:
            raise ValueError("CurrentTime.from_datetime needs a naive local datetime")
        return cls(
            local.year,
            local.month,
            local.day,
            local.hour,
            local.minute,
            local.second,
            local.isoweekday(),
            _us_to_fraction(local.microsecond),
            adjust_reason,
        )


def parse_current_time(payload: bytes) -> CurrentTime:
    """Parse Current Time 0x2A2B."""
    return CurrentTime.from_bytes(payload)


# ----------------------------------------------------------- local time information


class DstOffset(OpenIntEnum):
    """DST Offset codes of Local Time Information (GSS §3.76, DST Offset 0x2A2D)."""

    STANDARD = 0
    HALF_HOUR = 2
    DAYLIGHT = 4
    DOUBLE_DAYLIGHT = 8
    UNKNOWN = 255


#: DST offset code → offset (SIG DST Offset 0x2A2D; codes other than these are reserved).
DST_OFFSETS: Final[dict[int, dt.timedelta]] = {
    0: dt.timedelta(0),
    2: dt.timedelta(minutes=30),
    4: dt.timedelta(hours=1),
    8: dt.timedelta(hours=2),
}

TIME_ZONE_UNKNOWN: Final = -128


@dataclass(frozen=True, slots=True)
class LocalTimeInformation:
    """Local Time Information 0x2A0F (GSS §3.135).

    ``time_zone`` is the standard offset from UTC in 15-minute steps (−48 to
    +56, or −128 = unknown); the local time is UTC + time zone + DST offset.
    Reserved DST codes are kept (open enum) but give no :attr:`utc_offset`.
    """

    time_zone: int
    dst_offset: DstOffset = DstOffset.STANDARD

    def __post_init__(self) -> None:
        if self.time_zone != TIME_ZONE_UNKNOWN:
            check_range("time_zone", self.time_zone, -48, 56)
        check_range("dst_offset", int(self.dst_offset), 0, 255)

    @classmethod
    def from_bytes(cls, payload: bytes) -> Self:
        """Parse exactly 2 bytes (sint8 time zone, uint8 DST code)."""
        expect_length(payload, 2, 2, "local time information")
        tz, dst = unpack(_LOCAL_TIME, payload, 0, "local time information")
        return cls(tz, DstOffset(dst))

    def __bytes__(self) -> bytes:
        return _LOCAL_TIME.pack(self.time_zone, int(self.dst_offset))

    @property
    def utc_offset(self) -> dt.timedelta | None:
        """Total offset of local time from UTC, or ``None`` if any part is unknown."""
        dst = DST_OFFSETS.get(int(self.dst_offset))
        if self.time_zone == TIME_ZONE_UNKNOWN or dst is None:
            return None
        return dt.timedelta(minutes=15 * self.time_zone) + dst

    @classmethod
    def from_offsets(cls, standard: dt.timedelta, dst: dt.timedelta) -> Self:
        """Build from a standard UTC offset and a DST offset (whole quarter hours)."""
        quarters, rest = divmod(standard, dt.timedelta(minutes=15))
        if rest:
            raise ValueError(f"standard offset {standard} is not a multiple of 15 minutes")
        codes = {v: k for k, v in DST_OFFSETS.items()}
        if dst not in codes:
            raise ValueError(f"DST offset {dst} has no code")
        return cls(int(quarters), DstOffset(codes[dst]))


def parse_local_time_information(payload: bytes) -> LocalTimeInformation:
    """Parse Local Time Information 0x2A0F."""
    return LocalTimeInformation.from_bytes(payload)
