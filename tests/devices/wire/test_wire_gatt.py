"""SIG GATT records (``docs/devices.md``, "Wire formats"): examples, Hypothesis round trips."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import ProtocolError
from devices.wire.gatt import (
    AdjustReason,
    BatteryLevel,
    CurrentTime,
    DeviceInfoString,
    DstOffset,
    HeartRateFlags,
    HeartRateMeasurement,
    LocalTimeInformation,
    SensorContact,
    parse_battery_level,
    parse_current_time,
    parse_device_info_string,
    parse_heart_rate,
    parse_local_time_information,
)

# ----------------------------------------------------------------- strategies


@st.composite
def heart_rates(draw: st.DrawFn) -> HeartRateMeasurement:
    wide = draw(st.booleans())
    return HeartRateMeasurement(
        heart_rate=draw(st.integers(0, 0xFFFF if wide else 0xFF)),
        sensor_contact=SensorContact(draw(st.integers(0, 3))),
        energy_expended=draw(st.none() | st.integers(0, 0xFFFF)),
        rr_intervals=draw(
            st.none() | st.tuples() | st.lists(st.integers(0, 0xFFFF), max_size=9).map(tuple)
        ),
        uint16_value=wide,
        reserved=draw(st.integers(0, 7)),
    )


current_times = st.builds(
    CurrentTime,
    year=st.sampled_from([0]) | st.integers(1582, 9999),
    month=st.integers(0, 12),
    day=st.integers(0, 31),
    hours=st.integers(0, 23),
    minutes=st.integers(0, 59),
    seconds=st.integers(0, 59),
    day_of_week=st.integers(0, 7),
    fractions256=st.integers(0, 255),
    adjust_reason=st.integers(0, 255).map(AdjustReason),
)
local_times = st.builds(
    LocalTimeInformation,
    time_zone=st.just(-128) | st.integers(-48, 56),
    dst_offset=st.integers(0, 255).map(DstOffset),
)


# ------------------------------------------------------------ table examples


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        # InfiniTime doc/ble.md, "Heart Rate": flags 0 then a uint8 bpm.
        (bytes([0x00, 72]), HeartRateMeasurement(72)),
        # GSS v8 §3.113: flags 0x16 = contact detected (bits 2:1 = 3) + RR present; RR 1/1024 s.
        (
            bytes([0x16, 60, 0x00, 0x04, 0x00, 0x02]),
            HeartRateMeasurement(60, SensorContact.CONTACT, None, (1024, 512)),
        ),
        # uint16 value + energy expended (kJ) + sensor contact supported, no contact.
        (
            bytes([0x0D, 0x2C, 0x01, 0x10, 0x00]),
            HeartRateMeasurement(300, SensorContact.NO_CONTACT, 16, None, uint16_value=True),
        ),
    ],
)
def test_heart_rate_examples(payload: bytes, expected: HeartRateMeasurement) -> None:
    parsed = parse_heart_rate(payload)
    assert parsed == expected
    assert bytes(parsed) == payload


def test_heart_rate_flags_and_units() -> None:
    m = parse_heart_rate(bytes([0x16, 60, 0x00, 0x04, 0x00, 0x02]))
    assert (
        m.flags
        == HeartRateFlags.SENSOR_CONTACT_DETECTED
        | HeartRateFlags.SENSOR_CONTACT_SUPPORTED
        | HeartRateFlags.RR_INTERVALS
    )
    assert m.contact_detected is True
    assert m.rr_intervals_ms == (1000.0, 500.0)  # raw × 1000/1024


@pytest.mark.parametrize(
    "payload",
    [b"", b"\x00", b"\x01\x48", b"\x10\x48\x00", b"\x08\x48\x01", b"\x00\x48\x00"],
    ids=["empty", "no-value", "short-u16", "odd-rr", "short-energy", "trailing"],
)
def test_heart_rate_rejects(payload: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_heart_rate(payload)


def test_battery_and_dis() -> None:
    assert parse_battery_level(b"\x64") == BatteryLevel(100)
    with pytest.raises(ProtocolError):
        parse_battery_level(b"\x65")
    with pytest.raises(ProtocolError):
        parse_battery_level(b"\x01\x02")
    assert parse_device_info_string(b"1.14.0").value == "1.14.0"
    with pytest.raises(ProtocolError):
        parse_device_info_string(b"\xff\xfe")


def test_current_time_example() -> None:
    # 2026-03-29 02:30:05 Sunday (7), 32/256 s, adjust reason manual.
    payload = bytes.fromhex("ea07031d021e0507" + "2001")
    ct = parse_current_time(payload)
    assert ct == CurrentTime(2026, 3, 29, 2, 30, 5, 7, 32, AdjustReason.MANUAL)
    assert ct.to_datetime() == dt.datetime(2026, 3, 29, 2, 30, 5, 125000)
    assert bytes(ct) == payload


@pytest.mark.parametrize(
    "payload", ["0000031d021e05072000", "ea07001d021e05072000", "ea07021e021e05072000"]
)
def test_current_time_unknown_or_impossible_has_no_datetime(payload: str) -> None:
    ct = parse_current_time(bytes.fromhex(payload))
    with pytest.raises(ProtocolError):
        ct.to_datetime()


def test_current_time_rejects_bad_fields() -> None:
    with pytest.raises(ProtocolError):
        parse_current_time(bytes.fromhex("ea070d1d021e05072000"))  # month 13
    with pytest.raises(ProtocolError):
        parse_current_time(bytes(9))
    with pytest.raises(ValueError, match="naive"):
        CurrentTime.from_datetime(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


def test_local_time_information() -> None:
    lti = parse_local_time_information(bytes([4, 4]))  # UTC+1 standard, DST +1 h
    assert lti.utc_offset == dt.timedelta(hours=2)
    assert bytes(
        LocalTimeInformation.from_offsets(dt.timedelta(hours=-5), dt.timedelta(0))
    ) == bytes([0xEC, 0])
    assert parse_local_time_information(bytes([0x80, 0])).utc_offset is None  # -128 unknown
    assert parse_local_time_information(bytes([0, 255])).utc_offset is None
    assert (
        parse_local_time_information(bytes([0, 3])).dst_offset == 3
    )  # open enum keeps reserved codes
    with pytest.raises(ProtocolError):
        parse_local_time_information(bytes([57, 0]))
    with pytest.raises(ProtocolError):
        parse_local_time_information(bytes([0xCF, 0]))  # -49


# --------------------------------------------------------------- round trips


@given(heart_rates())
def test_heart_rate_round_trip(record: HeartRateMeasurement) -> None:
    assert HeartRateMeasurement.from_bytes(bytes(record)) == record


@given(st.binary(min_size=2, max_size=40))
def test_heart_rate_parse_then_build(payload: bytes) -> None:
    try:
        record = parse_heart_rate(payload)
    except ProtocolError:
        return
    assert bytes(record) == payload


@given(st.integers(0, 100))
def test_battery_round_trip(level: int) -> None:
    assert BatteryLevel.from_bytes(bytes(BatteryLevel(level))) == BatteryLevel(level)


@given(st.text(max_size=60))
def test_dis_round_trip(text: str) -> None:
    try:
        record = DeviceInfoString(text)
        payload = bytes(record)
    except ProtocolError:  # lone surrogates cannot be UTF-8
        return
    assert DeviceInfoString.from_bytes(payload) == record
    assert bytes(DeviceInfoString.from_bytes(payload)) == payload


@given(current_times)
def test_current_time_round_trip(record: CurrentTime) -> None:
    assert CurrentTime.from_bytes(bytes(record)) == record


@given(st.datetimes(min_value=dt.datetime(1582, 1, 1), max_value=dt.datetime(9999, 12, 31)))
def test_current_time_datetime_round_trip(value: dt.datetime) -> None:
    record = CurrentTime.from_datetime(value)
    back = CurrentTime.from_bytes(bytes(record)).to_datetime()
    assert abs(back - value) <= dt.timedelta(microseconds=3907)  # 1/256 s (clamped at 255)
    assert CurrentTime.from_datetime(back) == record
    assert record.day_of_week == value.isoweekday()


@given(local_times)
def test_local_time_round_trip(record: LocalTimeInformation) -> None:
    assert LocalTimeInformation.from_bytes(bytes(record)) == record
