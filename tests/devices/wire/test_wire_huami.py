"""Huami auth, fetch control, fetch assembly and samples (``docs/devices.md``, "Huami …")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import ProtocolError
from devices.wire.huami import (
    AUTH,
    FETCH_CONTROL,
    FETCH_DATA,
    AckMode,
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
    parse_auth_key,
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
    encode_samples,
    packetize,
    parse_samples,
    sample_minutes,
)
from ipsrt.enums import DeviceState

KEY = bytes(range(16))
flags = st.sampled_from([0x00, 0x08]) | st.integers(0, 255)
block = st.binary(min_size=16, max_size=16)
minutes_dt = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)
).map(lambda d: d.replace(second=0, microsecond=0))
seconds_dt = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)
).map(lambda d: d.replace(microsecond=0))
statuses = st.integers(0, 255).map(Status)


def test_uuids() -> None:
    assert AUTH == "00000009-0000-3512-2118-0009af100700"
    assert FETCH_CONTROL == "00000004-0000-3512-2118-0009af100700"
    assert FETCH_DATA == "00000005-0000-3512-2118-0009af100700"


def test_auth_frames_examples() -> None:
    assert bytes(AuthRequestRandom(0x08)) == bytes.fromhex("0208")
    assert bytes(AuthRequestRandom(0x00, encrypted=True)) == bytes.fromhex("8200020100")
    # FIPS-197 Appendix C.1 (AES-128) known answer.
    random = bytes.fromhex("00112233445566778899aabbccddeeff")
    expected = bytes.fromhex("69c4e0d86a7b0430d8cdb78070b4c55a")
    assert encrypt_challenge(KEY, random) == expected
    assert (
        bytes(AuthSendEncrypted.answer(KEY, random, flags=0, encrypted=True))
        == b"\x83\x00" + expected
    )
    reply = parse_auth_response(bytes.fromhex("100201") + random)
    assert reply.op == AuthOp.REQUEST_RANDOM
    assert reply.ok
    assert reply.random == random
    assert not parse_auth_response(bytes.fromhex("100304")).ok
    assert "key=<16 bytes>" in repr(AuthSetKey(KEY))
    assert parse_auth_key("0x000102030405060708090A0B0C0D0E0F") == KEY
    with pytest.raises(ProtocolError):
        parse_auth_key("abc")


def test_fetch_control_examples() -> None:
    since = dt.datetime(2026, 3, 2, 22, 15)
    req = FetchStartRequest(FetchDataType.ACTIVITY, since, 4)
    assert bytes(req) == bytes.fromhex("0101ea070302160f0004")
    assert parse_fetch_command(bytes(req)) == req
    reply = parse_fetch_response(bytes.fromhex("100101a0000000ea07030216100004"))
    assert reply == FetchStartReply(Status.SUCCESS, 160, dt.datetime(2026, 3, 2, 22, 16), 4)
    assert parse_fetch_response(bytes.fromhex("100201")) == FetchComplete(Status.SUCCESS)
    assert parse_fetch_response(bytes.fromhex("10020178563412")) == FetchComplete(
        Status.SUCCESS, 0x12345678
    )
    assert parse_fetch_command(b"\x02") == FetchDataRequest()
    assert parse_fetch_command(b"\x03") == FetchAck()
    assert FetchAck().drops_data
    assert parse_fetch_command(b"\x03\x09") == FetchAck(AckMode.KEEP)
    assert not FetchAck(AckMode.KEEP).drops_data
    assert FetchAck(AckMode.DROP).drops_data
    with pytest.raises(ProtocolError):
        parse_fetch_response(bytes.fromhex("1001010000"))
    with pytest.raises(ProtocolError):
        parse_fetch_command(bytes.fromhex("0101ea070d02161000ff"))  # month 13


# ---------------------------------------------------------------- round trips

auth_requests = st.one_of(
    st.builds(AuthSetKey, block, flags),
    st.builds(AuthRequestRandom, flags, st.booleans()),
    st.builds(AuthSendEncrypted, block, flags, st.booleans()),
)
auth_responses = st.builds(
    AuthResponse, st.integers(0, 0x7F).map(AuthOp), statuses, st.binary(max_size=32), st.booleans()
)
fetch_commands = st.one_of(
    st.builds(
        FetchStartRequest,
        st.integers(0, 255).map(FetchDataType),
        minutes_dt,
        st.integers(-128, 127),
        st.just(False),
    ),
    st.builds(
        FetchStartRequest,
        st.integers(0, 255).map(FetchDataType),
        seconds_dt,
        st.integers(-128, 127),
        st.just(True),
    ),
    st.just(FetchDataRequest()),
    st.builds(FetchAck, st.none() | st.integers(0, 255).map(AckMode)),
)
fetch_replies = st.one_of(
    st.builds(FetchStartReply, statuses),
    st.builds(FetchStartReply, statuses, st.integers(0, 2**32 - 1)),
    st.builds(
        FetchStartReply, statuses, st.integers(0, 2**32 - 1), seconds_dt, st.integers(-128, 127)
    ),
    st.builds(FetchComplete, statuses, st.none() | st.integers(0, 2**32 - 1)),
    st.builds(FetchResponse, st.integers(3, 255), statuses, st.binary(max_size=20)),
)
samples4 = st.builds(HuamiSample, *(st.integers(0, 255) for _ in range(4)))
samples8 = st.builds(
    HuamiSample, *(st.integers(0, 255) for _ in range(4)), block.map(lambda b: b[:4])
)


@given(auth_requests)
def test_auth_request_round_trip(frame: Any) -> None:
    assert parse_auth_request(bytes(frame)) == frame


@given(auth_responses)
def test_auth_response_round_trip(frame: AuthResponse) -> None:
    assert parse_auth_response(bytes(frame)) == frame


@given(fetch_commands)
def test_fetch_command_round_trip(frame: Any) -> None:
    assert parse_fetch_command(bytes(frame)) == frame
    assert bytes(parse_fetch_command(bytes(frame))) == bytes(frame)


@given(fetch_replies)
def test_fetch_reply_round_trip(frame: Any) -> None:
    assert parse_fetch_response(bytes(frame)) == frame


@given(st.integers(0, 255), st.binary(max_size=40))
def test_data_packet_round_trip(counter: int, payload: bytes) -> None:
    packet = DataPacket(counter, payload)
    assert DataPacket.from_bytes(bytes(packet)) == packet


@given(st.lists(samples4, max_size=50) | st.lists(samples8, max_size=50))
def test_samples_round_trip(samples: list[HuamiSample]) -> None:
    size = 8 if samples and samples[0].extended is not None else 4
    payload = encode_samples(samples)
    assert parse_samples(payload, size) == samples
    assert encode_samples(parse_samples(payload, size)) == payload


def test_sample_fields() -> None:
    s = HuamiSample.from_bytes(bytes([0x19, 40, 12, 255]))
    assert (s.kind, s.heart_rate) == (9, None)
    assert HuamiSample.from_bytes(bytes([1, 0, 0, 0])).heart_rate is None
    assert HuamiSample.from_bytes(bytes([1, 0, 0, 61])).heart_rate == 61
    assert sample_minutes(dt.datetime(2026, 1, 1, 23, 59), 2)[1] == dt.datetime(2026, 1, 2)
    with pytest.raises(ProtocolError):
        parse_samples(b"\x00" * 6)


# ----------------------------------- kind → state (docs/devices.md, "Huami samples …")


@pytest.mark.parametrize(
    ("kinds", "previous", "expected"),
    [
        (
            [9, 0, 10, 11, 12],
            None,
            ["sleep_light", "sleep_light", "sleep_light", "sleep_deep", "awake"],
        ),
        ([0, 10, 1], None, ["unknown", "unknown", "awake"]),
        ([0], DeviceState.SLEEP_DEEP, ["sleep_deep"]),
        (
            [3, 6, 0x19, 0x7B, 2, 4, 5],
            None,
            ["not_worn", "not_worn", "sleep_light", "sleep_deep", "awake", "awake", "unknown"],
        ),
    ],
)
def test_device_states(kinds: list[int], previous: DeviceState | None, expected: list[str]) -> None:
    assert [s.label for s in device_states(kinds, previous)] == expected


# ------------------------------------------------------------ fetch assembler

PAYLOAD = bytes(range(256)) * 3  # 768 bytes → 192 four-byte samples


def _assemble(
    packets: list[bytes], complete: FetchComplete, expected: int | None = len(PAYLOAD)
) -> bytes:
    asm = FetchAssembler(expected)
    for p in packets:
        asm.add(p)
    return asm.finish(complete)


def test_assembler_happy_path_with_wrap_and_crc() -> None:
    packets = packetize(PAYLOAD, 2)  # 384 packets: the counter wraps at 256
    assert packets[256][0] == 0
    assert _assemble(packets, FetchComplete(Status.SUCCESS, crc32(PAYLOAD))) == PAYLOAD
    assert _assemble(packets, FetchComplete(Status.SUCCESS), None) == PAYLOAD


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda ps: ps[:5] + ps[6:], "gap or reorder"),
        (lambda ps: [*ps[:5], ps[4], *ps[5:]], "duplicate"),
        (lambda ps: [*ps[:5], ps[6], ps[5], *ps[7:]], "gap or reorder"),
        (lambda ps: ps[1:], "gap or reorder"),
        (lambda ps: ps[:-1], "announced"),
    ],
    ids=["gap", "duplicate", "reorder", "missing-first", "truncated"],
)
def test_assembler_rejects_corruption(mutate: Any, match: str) -> None:
    packets = mutate(packetize(PAYLOAD, 20))
    asm = FetchAssembler(len(PAYLOAD))

    def run() -> None:
        for p in packets:
            asm.add(p)
        asm.finish(FetchComplete(Status.SUCCESS))

    with pytest.raises(ProtocolError, match=match):
        run()
    assert not asm.valid
    with pytest.raises(ProtocolError):  # stays invalid: nothing can be committed
        asm.finish(FetchComplete(Status.SUCCESS))


def test_assembler_rejects_bad_crc_status_and_excess() -> None:
    packets = packetize(PAYLOAD, 20)
    with pytest.raises(ProtocolError, match="CRC32"):
        _assemble(packets, FetchComplete(Status.SUCCESS, crc32(PAYLOAD) ^ 1))
    with pytest.raises(ProtocolError, match="status 4"):
        _assemble(packets, FetchComplete(Status.FAILURE))
    with pytest.raises(ProtocolError, match="announced"):
        _assemble(packets, FetchComplete(Status.SUCCESS), expected=100)


@given(st.binary(max_size=600), st.integers(1, 40), st.data())
def test_assembler_detects_any_single_fault(
    payload: bytes, chunk: int, data: st.DataObject
) -> None:
    packets = packetize(payload, chunk)
    assert (
        _assemble(packets, FetchComplete(Status.SUCCESS, crc32(payload)), len(payload)) == payload
    )
    if len(packets) < 2:
        return
    i = data.draw(st.integers(0, len(packets) - 2))
    fault = data.draw(st.sampled_from(["drop", "dup", "swap"]))
    bad = list(packets)
    if fault == "drop":
        del bad[i]
    elif fault == "dup":
        bad.insert(i, bad[i])
    else:
        bad[i], bad[i + 1] = bad[i + 1], bad[i]
    with pytest.raises(ProtocolError):
        _assemble(bad, FetchComplete(Status.SUCCESS, crc32(payload)), None)
