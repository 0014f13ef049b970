"""Bangle.js framing and messages (``docs/devices.md``, "Bangle.js transport", "… messages")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import ProtocolError
from devices.wire.bangle import (
    XOFF,
    XON,
    LineReassembler,
    encode_gb,
    encode_set_time,
    parse_phone_line,
    split_to_mtu,
)
from devices.wire.bangle_messages import (
    BLOCK_MS,
    ActFetchEnd,
    ActFetchRequest,
    ActFetchStart,
    ActLive,
    ActRealtime,
    ActRecord,
    RealtimeRequest,
    Status,
    UnknownMessage,
    Version,
    encode_watch_line,
    parse_watch_message,
)
from ipsrt.enums import DeviceState

counts = st.integers(0, 2**31 - 1)
acts = st.none() | st.sampled_from(
    ["UNKNOWN", "NOT_WORN", "WALKING", "EXERCISE", "LIGHT_SLEEP", "DEEP_SLEEP", "NEW"]
)
watch_messages = st.one_of(
    st.just(ActFetchStart()),
    st.builds(ActFetchEnd, counts),
    st.builds(ActRecord, st.integers(BLOCK_MS, 2**53), counts, st.integers(0, 255), counts, acts),
    st.builds(ActLive, counts, st.integers(0, 255), counts, acts),
    st.builds(ActRealtime, counts, st.integers(0, 255)),
    st.builds(Status, st.integers(0, 100), st.none() | st.booleans()),
    st.builds(Version, st.text(max_size=10), st.text(max_size=10)),
    st.builds(
        UnknownMessage,
        st.just("notify"),
        st.fixed_dictionaries(
            {"t": st.just("notify"), "id": st.integers(0, 9), "body": st.text(max_size=20)}
        ),
    ),
)


def test_encode_gb_and_set_time() -> None:
    assert encode_gb({"t": "actfetch", "ts": 0}) == b'\x10GB({"t":"actfetch","ts":0})\n'
    assert encode_gb(RealtimeRequest(True, False, 10).to_json()) == (
        b'\x10GB({"t":"act","hrm":true,"stp":false,"int":10})\n'
    )
    assert encode_set_time(1767225600, 1) == b"\x10setTime(1767225600);E.setTimeZone(1);\n"
    assert encode_set_time(1767225600, 5.5).endswith(b"E.setTimeZone(5.5);\n")
    with pytest.raises(ProtocolError):
        encode_gb({"ts": 0})
    with pytest.raises(ProtocolError):
        encode_set_time(0, 15)


def test_split_to_mtu() -> None:
    line = encode_gb({"t": "actfetch", "ts": 1700000000000})
    chunks = split_to_mtu(line, 23)
    assert all(len(c) <= 20 for c in chunks)
    assert b"".join(chunks) == line
    with pytest.raises(ValueError, match="MTU"):
        split_to_mtu(line, 10)


def test_parse_phone_line() -> None:
    cmd = parse_phone_line(encode_gb({"t": "actfetch", "ts": 5}).rstrip(b"\n"))
    assert cmd.kind == "gb"
    assert cmd.message == {"t": "actfetch", "ts": 5}
    cmd = parse_phone_line(encode_set_time(100, -3.5).rstrip(b"\n"))
    assert (cmd.kind, cmd.unix_s, cmd.tz_hours) == ("set_time", 100, -3.5)
    assert parse_phone_line(b"\x10Bangle.buzz()").kind == "other"
    with pytest.raises(ProtocolError):
        parse_phone_line(b"\x10GB({broken})")


def test_reassembler_split_crlf_blank_garbage_and_flow() -> None:
    r = LineReassembler()
    first = r.feed(b'\r\n{"t":"act","ts":600000,"st')
    assert first.messages == []
    assert r.pending > 0
    second = r.feed(b'p":5,"hrm":60,"mov":8}\r\n\x13>console\r\n')
    assert second.messages == [{"t": "act", "ts": 600000, "stp": 5, "hrm": 60, "mov": 8}]
    assert second.flow == [XOFF]
    assert second.paused
    assert second.garbage == [(b">console", "not a JSON line")]
    third = r.feed(b'\x11{"no_t":1}\n{"t":\n[1]\n')
    assert third.flow == [XON]
    assert not third.paused
    assert [reason for _, reason in third.garbage] == [
        'no "t" key',
        "invalid JSON",
        "not a JSON line",
    ]


def test_reassembler_bounded() -> None:
    r = LineReassembler(max_line=32)
    result = r.feed(b"{" + b"x" * 100)
    assert len(result.garbage) == 1
    assert r.pending == 0
    assert r.feed(b"y" * 100).garbage == []  # still discarding the long line
    assert r.feed(b'\n{"t":"ver","fw":"2v26","hw":"2"}\n').messages[0]["t"] == "ver"


@given(st.lists(watch_messages, max_size=8), st.data())
def test_reassembler_any_split(messages: list[Any], data: st.DataObject) -> None:
    stream = b"".join(encode_watch_line(m) for m in messages)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    r = LineReassembler()
    out: list[dict[str, Any]] = []
    for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        chunk = stream[a:b]
        if data.draw(st.booleans()):
            chunk = bytes([XON]) + chunk  # flow-control bytes may appear anywhere
        out += r.feed(chunk).messages
    assert [parse_watch_message(o) for o in out] == messages


@given(watch_messages)
def test_watch_message_round_trip(message: Any) -> None:
    payload = bytes(message)
    parsed = parse_watch_message(json.loads(payload))
    assert parsed == message
    assert bytes(parsed) == payload
    assert type(message).from_bytes(payload) == message


@given(
    st.builds(ActFetchRequest, st.integers(0, 2**53))
    | st.builds(RealtimeRequest, st.booleans(), st.booleans(), st.integers(1, 3600))
)
def test_phone_message_round_trip(message: Any) -> None:
    line = encode_gb(message.to_json())
    cmd = parse_phone_line(line.rstrip(b"\n"))
    assert cmd.message is not None
    assert type(message).from_json(cmd.message) == message


def test_act_record_semantics() -> None:
    rec = parse_watch_message(
        {
            "t": "act",
            "ts": 1_700_000_400_000,
            "stp": 120,
            "hrm": 70,
            "mov": 800,
            "act": "DEEP_SLEEP",
        }
    )
    assert isinstance(rec, ActRecord)
    assert rec.block_start_ms == 1_700_000_400_000 - 600_000
    assert rec.state is DeviceState.SLEEP_DEEP
    assert ActRecord(600_000, 0, 0, 0, "SOMETHING_NEW").state is DeviceState.UNKNOWN
    assert isinstance(parse_watch_message({"t": "act", "stp": 3, "hrm": 80, "rt": 1}), ActRealtime)
    with pytest.raises(ProtocolError):
        parse_watch_message({"t": "act", "ts": "soon", "stp": 1, "hrm": 1, "mov": 1})
    with pytest.raises(ProtocolError):
        parse_watch_message({"t": "status", "bat": 101})
