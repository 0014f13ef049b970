"""Every wire format against golden vectors from public sources, field by field.

The vectors (bytes, expected fields, source) are data in
:mod:`tests.devices.wire.vectors`, :mod:`~tests.devices.wire.vectors_bangle` and
:mod:`~tests.devices.wire.vectors_huami`; ``docs/devices.md`` ("Golden vectors
and fuzzing") says how they were collected. Each one
is decoded with the parser and compared field by field, and, unless marked
decode-only, rebuilt from its fields with the builder and compared byte for
byte, so a bug shared by a parser and a builder (or an emulator using the
builder) cannot pass.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from devices.errors import ProtocolError
from devices.wire import bangle_messages, huami
from devices.wire.bangle import LineReassembler, encode_gb, encode_set_time, parse_phone_line
from devices.wire.bangle_messages import encode_watch_line, parse_watch_message
from devices.wire.gatt import (
    BatteryLevel,
    CurrentTime,
    DeviceInfoString,
    HeartRateMeasurement,
    LocalTimeInformation,
)
from devices.wire.huami import (
    AuthResponse,
    AuthSendEncrypted,
    encrypt_challenge,
    parse_auth_request,
    parse_auth_response,
    parse_fetch_command,
    parse_fetch_response,
)
from devices.wire.huami_fetch import (
    DataPacket,
    FetchAssembler,
    HuamiSample,
    crc32,
    device_states,
    parse_samples,
)
from devices.wire.infinitime import RawMotion, StepCount
from tests.devices.wire import vectors as v
from tests.devices.wire import vectors_bangle as vb
from tests.devices.wire import vectors_huami as vh
from tests.devices.wire.vectors import Vector


def resolve(record: object, path: str) -> Any:
    """Follow ``a.b`` attributes; a part ending in ``()`` is called."""
    value: Any = record
    for part in path.split("."):
        value = getattr(value, part[:-2])() if part.endswith("()") else getattr(value, part)
    return value


def assert_fields(record: object, vector: Vector) -> None:
    for path, expected in vector.fields.items():
        got = resolve(record, path)
        assert got == expected, f"{vector.name}: {path} = {got!r}, expected {expected!r}"
        if isinstance(expected, float) and not isinstance(expected, bool):
            assert isinstance(got, float), f"{vector.name}: {path} should be a float"


def constructor_fields(cls: type, vector: Vector) -> dict[str, Any]:
    """The vector's values of ``cls``'s dataclass fields (all of them must be given)."""
    names = [f.name for f in dataclasses.fields(cls)]
    missing = [n for n in names if n not in vector.fields]
    assert not missing, f"{vector.name}: fields {missing} are needed to build {cls.__name__}"
    return {n: vector.fields[n] for n in names}


def ids(vectors: list[Vector]) -> list[str]:
    return [vector.name for vector in vectors]


# -------------------------------------------------------- fixed-layout records

#: (vectors, parser, record class) of the formats that have one record type.
SIMPLE_FORMATS: dict[str, tuple[list[Vector], Callable[[bytes], Any], type]] = {
    "heart-rate": (v.HEART_RATE, HeartRateMeasurement.from_bytes, HeartRateMeasurement),
    "battery": (v.BATTERY_LEVEL, BatteryLevel.from_bytes, BatteryLevel),
    "dis-string": (v.DEVICE_INFO_STRING, DeviceInfoString.from_bytes, DeviceInfoString),
    "current-time": (v.CURRENT_TIME, CurrentTime.from_bytes, CurrentTime),
    "local-time": (v.LOCAL_TIME_INFORMATION, LocalTimeInformation.from_bytes, LocalTimeInformation),
    "step-count": (v.STEP_COUNT, StepCount.from_bytes, StepCount),
    "raw-motion": (v.RAW_MOTION, RawMotion.from_bytes, RawMotion),
    "huami-data-packet": (vh.HUAMI_DATA_PACKETS, DataPacket.from_bytes, DataPacket),
    "huami-sample": (vh.HUAMI_SAMPLES, HuamiSample.from_bytes, HuamiSample),
}
SIMPLE_CASES = [
    pytest.param(fmt, vector, id=f"{fmt}:{vector.name}")
    for fmt, (vectors, _parse, _cls) in SIMPLE_FORMATS.items()
    for vector in vectors
]
INVALID_CASES = [
    pytest.param(parse, vector, id=f"{fmt}:{vector.name}")
    for fmt, parse, vectors in (
        ("heart-rate", HeartRateMeasurement.from_bytes, v.HEART_RATE_INVALID),
        ("battery", BatteryLevel.from_bytes, v.BATTERY_LEVEL_INVALID),
        ("dis-string", DeviceInfoString.from_bytes, v.DEVICE_INFO_STRING_INVALID),
        ("current-time", CurrentTime.from_bytes, v.CURRENT_TIME_INVALID),
        ("local-time", LocalTimeInformation.from_bytes, v.LOCAL_TIME_INFORMATION_INVALID),
        ("step-count", StepCount.from_bytes, v.STEP_COUNT_INVALID),
        ("raw-motion", RawMotion.from_bytes, v.RAW_MOTION_INVALID),
    )
    for vector in vectors
]


@pytest.mark.parametrize(("fmt", "vector"), SIMPLE_CASES)
def test_simple_format_decodes_field_by_field(fmt: str, vector: Vector) -> None:
    _vectors, parse, cls = SIMPLE_FORMATS[fmt]
    record = parse(vector.wire)
    assert type(record) is cls
    assert_fields(record, vector)


@pytest.mark.parametrize(("fmt", "vector"), SIMPLE_CASES)
def test_simple_format_builds_the_golden_bytes(fmt: str, vector: Vector) -> None:
    _vectors, _parse, cls = SIMPLE_FORMATS[fmt]
    assert bytes(cls(**constructor_fields(cls, vector))) == vector.wire


@pytest.mark.parametrize(("parse", "vector"), INVALID_CASES)
def test_invalid_vectors_are_refused(parse: Callable[[bytes], Any], vector: Vector) -> None:
    with pytest.raises(ProtocolError):
        parse(vector.wire)


def test_current_time_from_the_wall_clock_matches_gadgetbridge() -> None:
    """``CurrentTime.from_datetime`` (what the emulators send) against HuamiSupportTest."""
    golden = v.CURRENT_TIME[0]
    assert bytes(CurrentTime.from_datetime(dt.datetime(2022, 12, 15, 20, 38, 53))) == golden.wire


def test_local_time_from_offsets_matches_the_layout() -> None:
    built = LocalTimeInformation.from_offsets(dt.timedelta(hours=1), dt.timedelta(hours=1))
    assert bytes(built) == v.LOCAL_TIME_INFORMATION[1].wire


# ------------------------------------------------------------------- Bangle.js


@pytest.mark.parametrize("vector", vb.BANGLE_WATCH_LINES, ids=ids(vb.BANGLE_WATCH_LINES))
def test_bangle_watch_line_decodes_field_by_field(vector: Vector) -> None:
    result = LineReassembler().feed(vector.wire)
    assert result.garbage == []
    assert len(result.messages) == 1
    assert_fields(parse_watch_message(result.messages[0]), vector)


@pytest.mark.parametrize(
    "vector",
    [x for x in vb.BANGLE_WATCH_LINES if x.builds],
    ids=[x.name for x in vb.BANGLE_WATCH_LINES if x.builds],
)
def test_bangle_watch_line_builds_the_golden_bytes(vector: Vector) -> None:
    cls = getattr(bangle_messages, vector.fields["__class__.__name__"])
    record = cls(**constructor_fields(cls, vector))
    assert encode_watch_line(record) == vector.wire


@pytest.mark.parametrize("vector", vb.BANGLE_PHONE_LINES, ids=ids(vb.BANGLE_PHONE_LINES))
def test_bangle_phone_line_decodes_field_by_field(vector: Vector) -> None:
    assert vector.wire.endswith(b"\n")
    assert_fields(parse_phone_line(vector.wire[:-1]), vector)


@pytest.mark.parametrize(
    "vector",
    [x for x in vb.BANGLE_PHONE_LINES if x.builds],
    ids=[x.name for x in vb.BANGLE_PHONE_LINES if x.builds],
)
def test_bangle_phone_line_builds_the_golden_bytes(vector: Vector) -> None:
    if vector.fields["kind"] == "gb":
        message: Mapping[str, Any] = vector.fields["message"]
        assert encode_gb(message) == vector.wire
        request = {
            "actfetch": bangle_messages.ActFetchRequest,
            "act": bangle_messages.RealtimeRequest,
        }
        record = request[message["t"]].from_json(message)
        assert encode_gb(record.to_json()) == vector.wire
    else:
        assert encode_set_time(vector.fields["unix_s"], vector.fields["tz_hours"]) == vector.wire


@pytest.mark.parametrize("stream", vb.BANGLE_STREAMS, ids=[s.name for s in vb.BANGLE_STREAMS])
def test_bangle_line_reassembly(stream: vb.NotificationStream) -> None:
    reassembler = LineReassembler()
    messages: list[dict[str, Any]] = []
    flow: list[int] = []
    reasons: list[str] = []
    for notification in stream.notifications:
        result = reassembler.feed(notification)
        messages += result.messages
        flow += result.flow
        reasons += [reason for _line, reason in result.garbage]
    assert tuple(messages) == stream.messages
    assert tuple(flow) == stream.flow
    assert tuple(reasons) == stream.garbage_reasons
    assert reassembler.paused is stream.paused
    assert reassembler.pending == 0


# ------------------------------------------------------------------------ Huami

#: (vectors, parser, module holding the record classes).
HUAMI_FRAMES = {
    "auth-request": (vh.HUAMI_AUTH_REQUESTS, parse_auth_request),
    "auth-response": (vh.HUAMI_AUTH_RESPONSES, parse_auth_response),
    "fetch-command": (vh.HUAMI_FETCH_COMMANDS, parse_fetch_command),
    "fetch-response": (vh.HUAMI_FETCH_RESPONSES, parse_fetch_response),
}
HUAMI_CASES = [
    pytest.param(kind, vector, id=f"{kind}:{vector.name}")
    for kind, (vectors, _parse) in HUAMI_FRAMES.items()
    for vector in vectors
]


@pytest.mark.parametrize(("kind", "vector"), HUAMI_CASES)
def test_huami_frame_decodes_field_by_field(kind: str, vector: Vector) -> None:
    _vectors, parse = HUAMI_FRAMES[kind]
    assert_fields(parse(vector.wire), vector)


@pytest.mark.parametrize(("kind", "vector"), HUAMI_CASES)
def test_huami_frame_builds_the_golden_bytes(kind: str, vector: Vector) -> None:
    name = vector.fields.get("__class__.__name__", "AuthResponse")
    cls = getattr(huami, name)
    assert bytes(cls(**constructor_fields(cls, vector))) == vector.wire


@pytest.mark.parametrize(
    ("key", "plain", "cipher", "source"),
    vh.AES_128_ECB,
    ids=["fips197-c1", "fips197-b", "sp800-38a"],
)
def test_auth_challenge_is_aes_128_ecb(
    key: bytes, plain: bytes, cipher: bytes, source: str
) -> None:
    assert encrypt_challenge(key, plain) == cipher, source


def test_auth_exchange_with_the_fips_197_block() -> None:
    challenge = parse_auth_response(vh.HUAMI_AUTH_RESPONSES[0].wire)
    answer = AuthSendEncrypted.answer(vh.FIPS_KEY, challenge.random)
    assert bytes(answer) == vh.HUAMI_AUTH_REQUESTS[4].wire
    assert AuthResponse.from_bytes(vh.HUAMI_AUTH_RESPONSES[2].wire).ok


def test_start_replies_of_gadgetbridge_are_one_instant() -> None:
    """BLETypeConversionsTest: 23:28 at UTC+1 and 00:28 at UTC+2 are the same instant."""
    instants = set()
    for vector in vh.HUAMI_FETCH_RESPONSES[:2]:
        reply = parse_fetch_response(vector.wire)
        assert isinstance(reply, huami.FetchStartReply)
        assert reply.start is not None
        instants.add(reply.start - reply.tz_quarters * dt.timedelta(minutes=15))
    assert instants == {dt.datetime(2017, 10, 28, 22, 28)}


def test_captured_packet_splits_into_the_captured_samples() -> None:
    packet = DataPacket.from_bytes(vh.HUAMI_DATA_PACKETS[0].wire)
    samples = parse_samples(packet.payload, sample_size=8)
    assert [bytes(s) for s in samples] == [vh.HUAMI_SAMPLES[0].wire, vh.HUAMI_SAMPLES[1].wire]


def test_raw_kinds_map_to_states_as_gadgetbridge_does() -> None:
    raw_kinds, labels, source = vh.HUAMI_KIND_SEQUENCE
    assert [state.label for state in device_states(raw_kinds)] == list(labels), source


def test_fetch_assembly_checks_the_catalogue_crc32() -> None:
    packets, announced, completion, payload, source = vh.HUAMI_CRC_FETCH
    assert crc32(b"123456789") == 0xCBF43926, source
    assembler = FetchAssembler(announced)
    for packet in packets:
        assembler.add(packet)
    complete = parse_fetch_response(completion)
    assert isinstance(complete, huami.FetchComplete)
    assert assembler.finish(complete) == payload
    corrupt = FetchAssembler(announced)
    for packet in packets:
        corrupt.add(packet)
    with pytest.raises(ProtocolError, match="CRC32"):
        corrupt.finish(huami.FetchComplete(huami.Status.SUCCESS, 0xCBF43927))


def test_half_bpm_record_gives_whole_heart_rates_per_minute() -> None:
    """The store keeps whole bpm: the profile rounds the watch's 62.5 (halves to even)."""
    from devices.profiles.bangle import block_rows

    line = next(x for x in vb.BANGLE_WATCH_LINES if x.name == "act-record-half-bpm")
    record = parse_watch_message(LineReassembler().feed(line.wire).messages[0])
    assert isinstance(record, bangle_messages.ActRecord)
    assert {row["heart_rate"] for row in block_rows(record).values()} == {62}
