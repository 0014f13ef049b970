"""Fuzz every wire parser: on arbitrary bytes only ProtocolError may escape.

This suite runs 1,000 examples per parser so the whole wire suite stays fast,
with payloads up to 600 bytes (ATT values are at most 512); a CI run may raise
the count (``docs/devices.md``, "Golden vectors and fuzzing").
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.errors import ProtocolError
from devices.wire import gatt, huami, huami_fetch, infinitime
from devices.wire.bangle import LineReassembler, parse_phone_line
from devices.wire.bangle_messages import ActRecord, Status, parse_watch_message
from devices.wire.huami import FetchComplete
from devices.wire.huami import Status as HuamiStatus

FUZZ = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _current_time(payload: bytes) -> object:
    ct = gatt.parse_current_time(payload)
    return ct.to_datetime()


def _watch_json(payload: bytes) -> object:
    return ActRecord.from_bytes(payload), Status.from_bytes(payload)


def _samples(payload: bytes) -> object:
    return huami_fetch.parse_samples(payload, 8 if len(payload) % 8 == 0 else 4)


PARSERS: dict[str, Callable[[bytes], object]] = {
    "heart_rate": gatt.parse_heart_rate,
    "battery": gatt.parse_battery_level,
    "dis_string": gatt.parse_device_info_string,
    "current_time": _current_time,
    "local_time": gatt.parse_local_time_information,
    "step_count": infinitime.parse_step_count,
    "raw_motion": infinitime.parse_raw_motion,
    "bangle_phone_line": parse_phone_line,
    "bangle_message_line": _watch_json,
    "huami_auth_request": huami.parse_auth_request,
    "huami_auth_response": huami.parse_auth_response,
    "huami_fetch_command": huami.parse_fetch_command,
    "huami_fetch_response": huami.parse_fetch_response,
    "huami_data_packet": huami_fetch.DataPacket.from_bytes,
    "huami_sample": huami_fetch.HuamiSample.from_bytes,
    "huami_samples": _samples,
}


def _only_protocol_errors(parser: Callable[[bytes], object], payload: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        parser(payload)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_parser_fuzz(name: str) -> None:
    parser = PARSERS[name]

    @FUZZ
    @given(st.binary(max_size=600))
    def run(payload: bytes) -> None:
        _only_protocol_errors(parser, payload)

    run()


@pytest.mark.parametrize("name", ["huami_fetch_command", "huami_fetch_response", "heart_rate"])
def test_parser_fuzz_structured(name: str) -> None:
    """Mutations of valid-looking prefixes reach deeper branches than random bytes."""
    prefix = {
        "huami_fetch_command": b"\x01\x01",
        "huami_fetch_response": b"\x10\x01\x01",
        "heart_rate": b"\x1f",
    }[name]
    parser = PARSERS[name]

    @FUZZ
    @given(st.binary(max_size=20))
    def run(tail: bytes) -> None:
        _only_protocol_errors(parser, prefix + tail)

    run()


@FUZZ
@given(st.lists(st.binary(max_size=80), max_size=12))
def test_line_reassembler_never_raises(chunks: list[bytes]) -> None:
    r = LineReassembler(max_line=256)
    for chunk in chunks:
        result = r.feed(chunk)
        assert all(isinstance(m, dict) and "t" in m for m in result.messages)
        assert r.pending <= 256


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


@FUZZ
@given(
    st.sampled_from(["act", "actfetch", "status", "ver", "other"]),
    st.dictionaries(
        st.sampled_from(
            ["ts", "stp", "hrm", "mov", "act", "rt", "state", "count", "bat", "chg", "fw", "hw"]
        ),
        json_values,
        max_size=7,
    ),
)
def test_watch_message_fuzz(t: str, fields: dict[str, Any]) -> None:
    obj = {**fields, "t": t}
    json.dumps(obj)
    with contextlib.suppress(ProtocolError):
        parse_watch_message(obj)


@FUZZ
@given(
    st.lists(st.binary(min_size=0, max_size=30), max_size=20), st.none() | st.integers(0, 2**32 - 1)
)
def test_fetch_assembler_fuzz(packets: list[bytes], crc: int | None) -> None:
    asm = huami_fetch.FetchAssembler(None, max_bytes=256)
    try:
        for p in packets:
            asm.add(p)
        asm.finish(FetchComplete(HuamiStatus.SUCCESS, crc))
    except ProtocolError:
        assert not asm.valid
