"""Golden byte vectors of the standard GATT and InfiniTime formats, as data.

Every vector is a byte string seen on (or written to) the air, the field
values a correct parser must find in it, and where both come from. The bytes
were copied from public test suites, captures or documentation examples, or,
where no public example exists (``hand_built=True``), written by hand from the
public field layout named in ``source``, never produced with this project's
encoders. The layouts are described in ``docs/devices.md`` ("Wire formats").
The Bangle.js and Huami vectors are in :mod:`tests.devices.wire.vectors_bangle`
and :mod:`tests.devices.wire.vectors_huami`.

``fields`` maps an attribute path of the parsed record (dots follow
attributes, e.g. ``state.label``) to its expected value. ``builds`` says
whether building the record from its dataclass fields must give ``wire``
back byte for byte (False where the format allows several encodings of the
same values, e.g. extra JSON keys the record does not keep).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BATTERY_LEVEL",
    "BATTERY_LEVEL_INVALID",
    "CURRENT_TIME",
    "CURRENT_TIME_INVALID",
    "DEVICE_INFO_STRING",
    "DEVICE_INFO_STRING_INVALID",
    "HEART_RATE",
    "HEART_RATE_INVALID",
    "LOCAL_TIME_INFORMATION",
    "LOCAL_TIME_INFORMATION_INVALID",
    "RAW_MOTION",
    "RAW_MOTION_INVALID",
    "STEP_COUNT",
    "STEP_COUNT_INVALID",
    "Vector",
]


@dataclass(frozen=True)
class Vector:
    """One golden vector: ``wire`` bytes, expected ``fields`` and their ``source``."""

    name: str
    wire: bytes
    fields: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    hand_built: bool = False
    builds: bool = True


# ------------------------------------------------------------------ sources

NORDIC = (
    "NordicSemiconductor/Android-BLE-Library, ble-common/src/test/java/no/nordicsemi/"
    "android/ble/common/callback/"
)
NORDIC_HR = NORDIC + "hr/HeartRateMeasurementDataCallbackTest.java (commit 48dfb5b0), test "
NORDIC_BATTERY = NORDIC + "battery/BatteryLevelDataCallbackTest.java (commit 2b393ebb), test "
NORDIC_DATE_TIME = NORDIC + "DateTimeDataCallbackTest.java (commit 47ffb895), test "
NORDIC_TIME_ZONE = NORDIC + "TimeZoneDataCallbackTest.java (commit 47ffb895), test "
NORDIC_DST = NORDIC + "DSTOffsetDataCallbackTest.java (commit 2b393ebb), test "
GSS = "Bluetooth SIG, GATT Specification Supplement v8, "
GSS_HR = GSS + "§3.113 Heart Rate Measurement (flags §3.113.1)"
GSS_CURRENT_TIME = (
    GSS + "§3.62 Current Time = Exact Time 256 (Day Date Time §3.72 = Date Time §3.70 "
    "+ Day of Week, then Fractions256) + Adjust Reason"
)
GSS_LOCAL_TIME = GSS + "§3.135 Local Time Information = Time Zone §3.232 + DST Offset §3.76"
GADGETBRIDGE_HUAMI_TIME = (
    "Freeyourgadget/Gadgetbridge (commit a0948ee1), app/src/test/java/nodomain/"
    "freeyourgadget/gadgetbridge/service/devices/huami/HuamiSupportTest.java, "
    "testSetCurrentTimeWithService: the first 10 of the 11 bytes written to 0x2A2B "
    "for 2022-12-15 20:38:53 Europe/Paris (the 11th byte, 04, is a Huami time-zone "
    "extension the GSS layout does not have)"
)
INFINITIME_BLE_DOC = "InfiniTimeOrg/InfiniTime, doc/ble.md (commit 9486ed19)"
INFINITIME_MOTION = (
    "InfiniTimeOrg/InfiniTime, doc/MotionService.md (commit 29334051): step count one "
    "uint32_t, raw motion int16_t[3] X, Y, Z; src/components/ble/MotionService.cpp "
    "(commit 143e34e7) copies them from memory, so the byte order is the nRF52832's "
    "(Arm Cortex-M4, little-endian)"
)

# --------------------------------------------------------------- heart rate

_HR_DEFAULTS: dict[str, Any] = {
    "sensor_contact": 0,
    "energy_expended": None,
    "rr_intervals": None,
    "uint16_value": False,
    "reserved": 0,
}

HEART_RATE = [
    Vector(
        "nordic-simple",
        bytes.fromhex("0055"),
        {**_HR_DEFAULTS, "heart_rate": 85, "contact_detected": None},
        NORDIC_HR + "onHeartRateMeasurementReceived_simple; also the InfiniTime form "
        "(" + INFINITIME_BLE_DOC + ", 'Heart Rate': two bytes, the first always zero)",
    ),
    Vector(
        "nordic-no-contact",
        bytes.fromhex("04ff"),
        {**_HR_DEFAULTS, "heart_rate": 255, "sensor_contact": 2, "contact_detected": False},
        NORDIC_HR + "onHeartRateMeasurementReceived_noContact",
    ),
    Vector(
        "nordic-uint8-energy-rr",
        bytes.fromhex("1e5532002100"),
        {
            **_HR_DEFAULTS,
            "heart_rate": 85,
            "sensor_contact": 3,
            "contact_detected": True,
            "energy_expended": 50,
            "rr_intervals": (33,),
        },
        NORDIC_HR + "onHeartRateMeasurementReceived_uint8",
    ),
    Vector(
        "nordic-uint16-energy-rr",
        bytes.fromhex("1f0101320101000201ffff"),
        {
            **_HR_DEFAULTS,
            "heart_rate": 257,
            "uint16_value": True,
            "sensor_contact": 3,
            "energy_expended": 306,
            "rr_intervals": (1, 258, 65535),
        },
        NORDIC_HR + "onHeartRateMeasurementReceived_uint16",
    ),
    Vector(
        "rr-one-second",
        bytes.fromhex("10480004"),
        {**_HR_DEFAULTS, "heart_rate": 72, "rr_intervals": (1024,), "rr_intervals_ms": (1000.0,)},
        GSS_HR + ": flags 0x10 (RR-Interval present), uint8 72 bpm, one RR of 1024/1024 s",
        hand_built=True,
    ),
    Vector(
        "nordic-rr-flag-without-intervals",
        bytes.fromhex("170101"),
        {
            **_HR_DEFAULTS,
            "heart_rate": 257,
            "uint16_value": True,
            "sensor_contact": 3,
            "rr_intervals": (),
        },
        NORDIC_HR + "onInvalidDataReceived: flags 17 = uint16 value, contact, RR-Interval "
        "present, but no interval follows. Nordic's parser refuses it; this project keeps "
        "the heart rate (the GSS gives the RR field as 0 or n x 2 bytes) and records an "
        "empty RR list, so the bytes round-trip",
    ),
    Vector(
        "reserved-bits-kept",
        bytes.fromhex("e048"),
        {**_HR_DEFAULTS, "heart_rate": 72, "reserved": 7},
        GSS_HR + ": flags bits 7:5 are reserved for future use; a parser keeps them",
        hand_built=True,
    ),
]

HEART_RATE_INVALID = [
    Vector(
        "energy-flagged-but-absent",
        bytes.fromhex("0848"),
        source=GSS_HR + ": flags bit 3 announces a uint16 Energy Expended",
        hand_built=True,
    ),
    Vector(
        "odd-rr-bytes",
        bytes.fromhex("104800"),
        source=GSS_HR + ": RR-Intervals are whole uint16 values",
        hand_built=True,
    ),
    Vector("empty", b"", source=GSS_HR + ": flags and value are mandatory", hand_built=True),
]

# ------------------------------------------------------ battery and strings

BATTERY_LEVEL = [
    Vector(
        "nordic-full",
        bytes.fromhex("64"),
        {"percent": 100},
        NORDIC_BATTERY + "onBatteryLevelChanged_fullBattery",
    ),
    Vector(
        "nordic-low",
        bytes.fromhex("0f"),
        {"percent": 15},
        NORDIC_BATTERY + "onBatteryLevelChanged_lowBattery",
    ),
]

BATTERY_LEVEL_INVALID = [
    Vector(
        "nordic-too-long",
        bytes.fromhex("6400"),
        source=NORDIC_BATTERY + "onInvalidDataReceived_dataTooLong",
    ),
    Vector(
        "nordic-out-of-range",
        bytes.fromhex("65"),
        source=NORDIC_BATTERY + "onInvalidDataReceived_batteryLevelOutOfRange",
    ),
]

DEVICE_INFO_STRING = [
    Vector(
        "infinitime-firmware-version",
        b"1.6.0",
        {"value": "1.6.0"},
        INFINITIME_BLE_DOC + ", 'Firmware Version': a UTF-8 string, example 1.6.0",
    ),
    Vector(
        "utf8-two-byte",
        bytes.fromhex("5ac3bc72696368"),
        {"value": "Z\u00fcrich"},
        "Bluetooth SIG, Device Information Service 1.1, §3: the strings are UTF-8 "
        "(U+00FC is C3 BC)",
        hand_built=True,
    ),
]

DEVICE_INFO_STRING_INVALID = [
    Vector(
        "not-utf8",
        bytes.fromhex("fffe"),
        source="Bluetooth SIG, Device Information Service 1.1, §3: FF and FE never occur in UTF-8",
        hand_built=True,
    ),
]

# -------------------------------------------------------------- current time

CURRENT_TIME = [
    Vector(
        "gadgetbridge-huami-2022-12-15",
        bytes.fromhex("e6070c0f142635040000"),
        {
            "year": 2022,
            "month": 12,
            "day": 15,
            "hours": 20,
            "minutes": 38,
            "seconds": 53,
            "day_of_week": 4,
            "fractions256": 0,
            "adjust_reason": 0,
            "is_known": True,
            "to_datetime()": dt.datetime(2022, 12, 15, 20, 38, 53),
        },
        GADGETBRIDGE_HUAMI_TIME,
    ),
    Vector(
        "nordic-date-time-today",
        bytes.fromhex("e20704110f3300" + "020000"),
        {
            "year": 2018,
            "month": 4,
            "day": 17,
            "hours": 15,
            "minutes": 51,
            "seconds": 0,
            "day_of_week": 2,
            "fractions256": 0,
            "adjust_reason": 0,
            "to_datetime()": dt.datetime(2018, 4, 17, 15, 51),
        },
        NORDIC_DATE_TIME + "onDateTimeReceived_today (bytes 0-6, Date Time); bytes 7-9 "
        "by hand from " + GSS_CURRENT_TIME + ": Tuesday = 2, no fraction, no reason",
    ),
    Vector(
        "nordic-date-not-known",
        bytes.fromhex("00000000121a20" + "000000"),
        {
            "year": 0,
            "month": 0,
            "day": 0,
            "hours": 18,
            "minutes": 26,
            "seconds": 32,
            "day_of_week": 0,
            "fractions256": 0,
            "adjust_reason": 0,
            "is_known": False,
        },
        NORDIC_DATE_TIME + "onDateTimeReceived_dateNotKnown (bytes 0-6); bytes 7-9 by "
        "hand from " + GSS_CURRENT_TIME + ": day of week 0 = unknown",
    ),
    Vector(
        "infinitime-manual-half-second",
        bytes.fromhex("e807021d173b3b048001"),
        {
            "year": 2024,
            "month": 2,
            "day": 29,
            "hours": 23,
            "minutes": 59,
            "seconds": 59,
            "day_of_week": 4,
            "fractions256": 128,
            "adjust_reason": 1,
            "to_datetime()": dt.datetime(2024, 2, 29, 23, 59, 59, 500000),
        },
        INFINITIME_BLE_DOC + ", 'Time': year uint16, month, day, hour, minute, second, "
        "weekday, 1/256 s, then 'Binary 0001' (adjust reason manual), little-endian",
        hand_built=True,
    ),
]

CURRENT_TIME_INVALID = [
    Vector(
        "nordic-date-time-too-short",
        bytes.fromhex("e20704110f33"),
        source=NORDIC_DATE_TIME + "onInvalidDataReceived_dataTooShort",
    ),
    Vector(
        "month-13",
        bytes.fromhex("e6070d0f142635040000"),
        source=GSS_CURRENT_TIME + ": month 1-12, 0 = unknown",
        hand_built=True,
    ),
]

# ---------------------------------------------------- local time information

LOCAL_TIME_INFORMATION = [
    Vector(
        "paris-winter",
        bytes.fromhex("0400"),
        {"time_zone": 4, "dst_offset": 0, "utc_offset": dt.timedelta(hours=1)},
        GSS_LOCAL_TIME + ": UTC+1 = 4 quarter hours, standard time (Gadgetbridge's "
        "HuamiSupportTest sends the same 04 for Europe/Paris in December)",
        hand_built=True,
    ),
    Vector(
        "paris-summer",
        bytes.fromhex("0404"),
        {"time_zone": 4, "dst_offset": 4, "utc_offset": dt.timedelta(hours=2)},
        GSS_LOCAL_TIME + "; DST code 4 = +1 h per " + NORDIC_DST + "onDSTOffsetReceived_daylight",
        hand_built=True,
    ),
    Vector(
        "nordic-quarter-hour",
        bytes.fromhex("0100"),
        {"time_zone": 1, "dst_offset": 0, "utc_offset": dt.timedelta(minutes=15)},
        NORDIC_TIME_ZONE
        + "onTimeZoneReceived_basic (01 = 15 min) and "
        + NORDIC_DST
        + "onDSTOffsetReceived_standard (00)",
    ),
    Vector(
        "nordic-unknown",
        bytes.fromhex("80ff"),
        {"time_zone": -128, "dst_offset": 255, "utc_offset": None},
        NORDIC_TIME_ZONE
        + "onTimeZoneReceived_unknown (-128) and "
        + NORDIC_DST
        + "onDSTOffsetReceived_unknown (255)",
    ),
    Vector(
        "minus-five-half-hour-dst",
        bytes.fromhex("ec02"),
        {"time_zone": -20, "dst_offset": 2, "utc_offset": dt.timedelta(hours=-4, minutes=-30)},
        GSS_LOCAL_TIME
        + ": -20 quarters (sint8 EC); DST code 2 = +0.5 h per "
        + NORDIC_DST
        + "onDSTOffsetReceived_half",
        hand_built=True,
    ),
    Vector(
        "reserved-dst-code-kept",
        bytes.fromhex("0011"),
        {"time_zone": 0, "dst_offset": 17, "utc_offset": None},
        NORDIC_DST + "onDSTOffsetReceived_invalid: 17 is not a DST code. This project keeps "
        "reserved codes (so the bytes round-trip) but gives them no offset",
    ),
]

LOCAL_TIME_INFORMATION_INVALID = [
    Vector(
        "nordic-time-zone-60",
        bytes.fromhex("3c00"),
        source=NORDIC_TIME_ZONE + "onTimeZoneReceived_invalid (60 > +56)",
    ),
    Vector(
        "one-byte",
        bytes.fromhex("04"),
        source=GSS_LOCAL_TIME + ": two bytes",
        hand_built=True,
    ),
]

# ---------------------------------------------------------------- infinitime

STEP_COUNT = [
    Vector(
        "little-endian",
        bytes.fromhex("78563412"),
        {"steps": 0x12345678},
        INFINITIME_MOTION,
        hand_built=True,
    ),
    Vector(
        "ten-thousand",
        bytes.fromhex("10270000"),
        {"steps": 10000},
        INFINITIME_MOTION,
        hand_built=True,
    ),
]

STEP_COUNT_INVALID = [
    Vector("three-bytes", bytes.fromhex("102700"), source=INFINITIME_MOTION, hand_built=True),
]

RAW_MOTION = [
    Vector(
        "flat-on-table",
        bytes.fromhex("0000000000fc"),
        {"x": 0, "y": 0, "z": -1024, "magnitude_g": 1.0},
        INFINITIME_MOTION + "; -1024 = one g (1024 per g, the accelerometer's 'binary "
        "milli-g') is 00 FC",
        hand_built=True,
    ),
    Vector(
        "signed-axes",
        bytes.fromhex("ff7f0180feff"),
        {"x": 32767, "y": -32767, "z": -2},
        INFINITIME_MOTION + "; int16 extremes",
        hand_built=True,
    ),
]

RAW_MOTION_INVALID = [
    Vector("five-bytes", bytes.fromhex("0000000000"), source=INFINITIME_MOTION, hand_built=True),
]
