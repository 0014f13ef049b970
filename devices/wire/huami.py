"""Huami (Mi Band 2-6, Amazfit pre-Zepp OS): UUIDs, auth and fetch control frames.

As Gadgetbridge implements it (``HuamiService``, ``InitOperation``,
``AbstractFetchOperation``); described in ``docs/devices.md`` ("Huami UUIDs
and auth", "Huami fetch control"):

- services 0xFEE0 (main) and 0xFEE1 (auth) plus HRS 0x180D; characteristics
  are ``0000XXXX-0000-3512-2118-0009af100700``;
- auth on 0009: set key ``01 <flags> <key16>``; request a random
  number ``02 <flags>`` (``82 <flags> 02 01 00`` on encrypted firmware);
  answer ``03|83 <flags> AES-128-ECB(key, random)``; every reply is
  ``10 <op> <status> [payload]`` with status 01 = OK, 04 = failure;
- fetch control on 0004: ``01 <type> <since>`` with ``since`` = local
  date-time to the minute, or to the second plus weekday and fractions, then
  ``00`` and a tz byte (sint8, 15-minute units); reply
  ``10 01 01 <uint32 count> <start 7 bytes> <tz>``;
  ``02`` starts the data; completion ``10 02 01 [crc32]``; ack ``03``,
  ``03 09`` (keep on band) or ``03 01`` (mark synced, drop).

Data packets, the fetch assembler and per-minute samples are in
:mod:`devices.wire.huami_fetch`.
"""

from __future__ import annotations

import binascii
import datetime as dt
import enum
import struct
from dataclasses import dataclass
from typing import Final, Self

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from devices.errors import ProtocolError
from devices.wire._common import OpenIntEnum, check_range, expect_length, unpack

__all__ = [
    "AUTH",
    "FETCH_CONTROL",
    "FETCH_DATA",
    "AckMode",
    "AuthOp",
    "AuthRequestRandom",
    "AuthResponse",
    "AuthSendEncrypted",
    "AuthSetKey",
    "FetchAck",
    "FetchComplete",
    "FetchDataRequest",
    "FetchDataType",
    "FetchResponse",
    "FetchStartReply",
    "FetchStartRequest",
    "Status",
    "encrypt_challenge",
    "huami_uuid",
    "parse_auth_key",
    "parse_auth_request",
    "parse_auth_response",
    "parse_fetch_command",
    "parse_fetch_response",
]


def huami_uuid(short: int) -> str:
    """Return ``0000XXXX-0000-3512-2118-0009af100700``."""
    return f"0000{short:04x}-0000-3512-2118-0009af100700"


MAIN_SERVICE: Final = "0000fee0-0000-1000-8000-00805f9b34fb"
AUTH_SERVICE: Final = "0000fee1-0000-1000-8000-00805f9b34fb"
AUTH: Final = huami_uuid(0x0009)
FETCH_CONTROL: Final = huami_uuid(0x0004)
FETCH_DATA: Final = huami_uuid(0x0005)
BATTERY_INFO: Final = huami_uuid(0x0006)
REALTIME_STEPS: Final = huami_uuid(0x0007)

RESPONSE: Final = 0x10
ENCRYPTED_BIT: Final = 0x80
KEY_LENGTH: Final = 16

_U32: Final = struct.Struct("<I")
_DATE_MIN: Final = struct.Struct("<HBBBB")
_DATE_SEC: Final = struct.Struct("<HBBBBB")
_TZ: Final = struct.Struct("<b")


class Status(OpenIntEnum):
    """Status byte of a ``10 <op> <status>`` reply."""

    SUCCESS = 0x01
    FAILURE = 0x04


# ------------------------------------------------------------------------- auth


class AuthOp(OpenIntEnum):
    """Auth opcodes without the encrypted-firmware bit 0x80."""

    SET_KEY = 0x01
    REQUEST_RANDOM = 0x02
    SEND_ENCRYPTED = 0x03


def encrypt_challenge(key: bytes, random: bytes) -> bytes:
    """AES-128-ECB of the band's 16-byte random number under the 16-byte key (FIPS 197).

    ECB is what the band expects; it encrypts a single block here.
    """
    if len(key) != KEY_LENGTH or len(random) != KEY_LENGTH:
        raise ProtocolError("auth key and random number must both be 16 bytes")
    encryptor = Cipher(algorithms.AES(bytes(key)), modes.ECB()).encryptor()  # noqa: S305
    return encryptor.update(bytes(random)) + encryptor.finalize()


def parse_auth_key(text: str) -> bytes:
    """Parse a Huami auth key given as 32 hex digits (an optional ``0x`` prefix allowed)."""
    cleaned = text.strip().lower().removeprefix("0x")
    if len(cleaned) != 2 * KEY_LENGTH:
        raise ProtocolError("a Huami auth key is 32 hex digits")
    try:
        return binascii.unhexlify(cleaned)
    except (binascii.Error, ValueError) as exc:
        raise ProtocolError("a Huami auth key is 32 hex digits") from exc


@dataclass(frozen=True, slots=True)
class AuthSetKey:
    """``01 <flags> <key>``: store a new key (older bands; needs a tap)."""

    key: bytes
    flags: int = 0x00

    def __post_init__(self) -> None:
        check_range("flags", self.flags, 0, 255)
        if len(self.key) != KEY_LENGTH:
            raise ProtocolError("auth key must be 16 bytes")

    def __bytes__(self) -> bytes:
        return bytes([AuthOp.SET_KEY, self.flags]) + bytes(self.key)

    def __repr__(self) -> str:  # never show the secret
        return f"AuthSetKey(key=<{len(self.key)} bytes>, flags=0x{self.flags:02x})"


@dataclass(frozen=True, slots=True)
class AuthRequestRandom:
    """``02 <flags>``, or ``82 <flags> 02 01 00`` on encrypted firmware."""

    flags: int = 0x00
    encrypted: bool = False

    def __post_init__(self) -> None:
        check_range("flags", self.flags, 0, 255)

    def __bytes__(self) -> bytes:
        if self.encrypted:
            return bytes([AuthOp.REQUEST_RANDOM | ENCRYPTED_BIT, self.flags, 0x02, 0x01, 0x00])
        return bytes([AuthOp.REQUEST_RANDOM, self.flags])


@dataclass(frozen=True, slots=True)
class AuthSendEncrypted:
    """``03|83 <flags> <AES-128-ECB(key, random)>``."""

    ciphertext: bytes
    flags: int = 0x00
    encrypted: bool = False

    def __post_init__(self) -> None:
        check_range("flags", self.flags, 0, 255)
        if len(self.ciphertext) != KEY_LENGTH:
            raise ProtocolError("encrypted challenge must be 16 bytes")

    def __bytes__(self) -> bytes:
        op = AuthOp.SEND_ENCRYPTED | (ENCRYPTED_BIT if self.encrypted else 0)
        return bytes([op, self.flags]) + bytes(self.ciphertext)

    @classmethod
    def answer(cls, key: bytes, random: bytes, *, flags: int = 0, encrypted: bool = False) -> Self:
        """Build the reply to a random number with :func:`encrypt_challenge`."""
        return cls(encrypt_challenge(key, random), flags, encrypted)


AuthRequest = AuthSetKey | AuthRequestRandom | AuthSendEncrypted


def parse_auth_request(payload: bytes) -> AuthRequest:
    """Parse a phone → band write on 0009 (the emulator's side of the auth exchange)."""
    expect_length(payload, 2, 18, "auth request")
    op, flags = payload[0] & ~ENCRYPTED_BIT, payload[1]
    encrypted = bool(payload[0] & ENCRYPTED_BIT)
    if op == AuthOp.SET_KEY and not encrypted and len(payload) == 2 + KEY_LENGTH:
        return AuthSetKey(bytes(payload[2:]), flags)
    if op == AuthOp.REQUEST_RANDOM:
        if encrypted and bytes(payload[2:]) == b"\x02\x01\x00":
            return AuthRequestRandom(flags, True)
        if not encrypted and len(payload) == 2:
            return AuthRequestRandom(flags, False)
    if op == AuthOp.SEND_ENCRYPTED and len(payload) == 2 + KEY_LENGTH:
        return AuthSendEncrypted(bytes(payload[2:]), flags, encrypted)
    raise ProtocolError(f"auth request: unknown frame {bytes(payload[:3]).hex()}…")


@dataclass(frozen=True, slots=True)
class AuthResponse:
    """``10 <op> <status> [payload]`` on 0009.

    ``op`` excludes bit 0x80, kept in ``encrypted``; for a successful
    ``REQUEST_RANDOM`` the payload is the 16-byte random number.
    """

    op: AuthOp
    status: Status
    payload: bytes = b""
    encrypted: bool = False

    def __post_init__(self) -> None:
        check_range("op", int(self.op), 0, 0x7F)
        check_range("status", int(self.status), 0, 255)
        if len(self.payload) > 32:
            raise ProtocolError("auth response payload too long")

    @property
    def ok(self) -> bool:
        """Whether the status is SUCCESS."""
        return self.status == Status.SUCCESS

    @property
    def random(self) -> bytes:
        """The 16-byte challenge of a successful REQUEST_RANDOM reply."""
        if self.op != AuthOp.REQUEST_RANDOM or not self.ok or len(self.payload) != KEY_LENGTH:
            raise ProtocolError("auth response carries no 16-byte random number")
        return self.payload

    @classmethod
    def from_bytes(cls, payload: bytes) -> Self:
        """Parse a band → phone notification on 0009."""
        expect_length(payload, 3, 35, "auth response")
        if payload[0] != RESPONSE:
            raise ProtocolError(f"auth response must start with 0x10, got 0x{payload[0]:02x}")
        return cls(
            AuthOp(payload[1] & 0x7F),
            Status(payload[2]),
            bytes(payload[3:]),
            bool(payload[1] & ENCRYPTED_BIT),
        )

    def __bytes__(self) -> bytes:
        op = int(self.op) | (ENCRYPTED_BIT if self.encrypted else 0)
        return bytes([RESPONSE, op, int(self.status)]) + bytes(self.payload)


def parse_auth_response(payload: bytes) -> AuthResponse:
    """Parse ``10 <op> <status> [payload]``."""
    return AuthResponse.from_bytes(payload)


# ---------------------------------------------------------------- fetch control


class FetchDataType(OpenIntEnum):
    """History types of ``01 <type> <since>``."""

    ACTIVITY = 0x01
    MANUAL_HEART_RATE = 0x02
    WORKOUT_SUMMARY = 0x05
    SPO2_NORMAL = 0x25
    SPO2_SLEEP = 0x26
    RESTING_HEART_RATE = 0x3A


class FetchCommand(enum.IntEnum):
    """Phone → band opcodes on 0004."""

    START = 0x01
    DATA = 0x02
    ACK = 0x03


class AckMode(OpenIntEnum):
    """Second byte of the 2021-protocol ack (fetch step 7)."""

    DROP = 0x01
    KEEP = 0x09


def _date_time(local: dt.datetime, seconds: bool) -> bytes:
    """``<year uint16> <month> <day> <hour> <minute> [<second>]`` (band local time)."""
    if seconds:
        return _DATE_SEC.pack(
            local.year, local.month, local.day, local.hour, local.minute, local.second
        )
    return _DATE_MIN.pack(local.year, local.month, local.day, local.hour, local.minute)


def _decode_time(payload: bytes, offset: int, seconds: bool, what: str) -> dt.datetime:
    fields = unpack(_DATE_SEC if seconds else _DATE_MIN, payload, offset, what)
    try:
        return dt.datetime(*fields)  # noqa: DTZ001 - band wall clock, zone is a separate byte
    except (ValueError, TypeError) as exc:
        raise ProtocolError(f"{what}: impossible date {fields}") from exc


def _check_local(name: str, value: dt.datetime, seconds: bool) -> None:
    if value.tzinfo is not None:
        raise ProtocolError(f"{name} must be a naive local datetime")
    if value.microsecond or (not seconds and value.second):
        raise ProtocolError(f"{name} has more precision than the wire format")
    check_range(f"{name}.year", value.year, 1, 0xFFFF)


@dataclass(frozen=True, slots=True)
class FetchStartRequest:
    """``01 <type> <since>``: fetch history recorded since ``since`` (band local time).

    ``<since>`` is ``<year uint16> <month> <day> <hour> <minute> 00 <tz>`` (10-byte
    frame) or, ``with_seconds``, ``<year uint16> <month> <day> <hour> <minute>
    <second> <weekday 1-7> <fractions 00> 00 <tz>`` (13-byte frame); ``tz`` is
    the UTC offset in 15-minute steps (sint8). See ``docs/devices.md``,
    "Huami fetch control".
    """

    data_type: FetchDataType
    since: dt.datetime
    tz_quarters: int
    with_seconds: bool = False

    def __post_init__(self) -> None:
        check_range("data_type", int(self.data_type), 0, 255)
        check_range("tz_quarters", self.tz_quarters, -128, 127)
        _check_local("since", self.since, self.with_seconds)

    def __bytes__(self) -> bytes:
        head = bytes([FetchCommand.START, int(self.data_type)])
        since = _date_time(self.since, self.with_seconds)
        if self.with_seconds:
            since += bytes([self.since.isoweekday(), 0])
        return head + since + b"\x00" + _TZ.pack(self.tz_quarters)


@dataclass(frozen=True, slots=True)
class FetchDataRequest:
    """``02``: start sending data on 0005 (fetch step 4)."""

    def __bytes__(self) -> bytes:
        return bytes([FetchCommand.DATA])


@dataclass(frozen=True, slots=True)
class FetchAck:
    """``03`` (legacy: data dropped) or ``03 <mode>`` (2021: 09 keep, 01 drop)."""

    mode: AckMode | None = None

    def __post_init__(self) -> None:
        if self.mode is not None:
            check_range("mode", int(self.mode), 0, 255)

    @property
    def drops_data(self) -> bool:
        """Whether the band may delete the acknowledged data (fetch step 7)."""
        return self.mode is None or self.mode == AckMode.DROP

    def __bytes__(self) -> bytes:
        if self.mode is None:
            return bytes([FetchCommand.ACK])
        return bytes([FetchCommand.ACK, int(self.mode)])


FetchCommandFrame = FetchStartRequest | FetchDataRequest | FetchAck


def parse_fetch_command(payload: bytes) -> FetchCommandFrame:
    """Parse a phone → band write on 0004 (the emulator's side of the fetch)."""
    expect_length(payload, 1, 13, "fetch command")
    op = payload[0]
    if op == FetchCommand.START and len(payload) in (10, 13):
        seconds = len(payload) == 13
        since = _decode_time(payload, 2, seconds, "fetch since")
        pad, tz = payload[-2], _TZ.unpack_from(payload, len(payload) - 1)[0]
        if pad != 0:
            raise ProtocolError("fetch since: byte before the time zone must be 00")
        if seconds and (payload[9] != since.isoweekday() or payload[10] != 0):
            raise ProtocolError("fetch since: weekday or fractions byte does not match the date")
        return FetchStartRequest(FetchDataType(payload[1]), since, tz, seconds)
    if op == FetchCommand.DATA and len(payload) == 1:
        return FetchDataRequest()
    if op == FetchCommand.ACK and len(payload) <= 2:
        return FetchAck(AckMode(payload[1]) if len(payload) == 2 else None)
    raise ProtocolError(f"fetch command: unknown frame {bytes(payload[:3]).hex()}")


@dataclass(frozen=True, slots=True)
class FetchStartReply:
    """``10 01 <status> [<uint32 count> [<start y2 m d h mi s> <tz>]]`` (fetch step 3).

    ``count`` is the number of bytes the band will send (0: nothing new);
    ``start`` (band-local, naive) is the time of the first sample.
    """

    status: Status
    count: int | None = None
    start: dt.datetime | None = None
    tz_quarters: int = 0

    def __post_init__(self) -> None:
        check_range("status", int(self.status), 0, 255)
        check_range("tz_quarters", self.tz_quarters, -128, 127)
        if self.count is not None:
            check_range("count", self.count, 0, 0xFFFFFFFF)
        if self.start is not None:
            if self.count is None:
                raise ProtocolError("a start time needs a count")
            _check_local("start", self.start, True)
        elif self.tz_quarters:
            raise ProtocolError("a time zone needs a start time")

    def __bytes__(self) -> bytes:
        out = bytes([RESPONSE, FetchCommand.START, int(self.status)])
        if self.count is not None:
            out += _U32.pack(self.count)
        if self.start is not None:
            out += _date_time(self.start, True) + _TZ.pack(self.tz_quarters)
        return out


@dataclass(frozen=True, slots=True)
class FetchComplete:
    """``10 02 <status> [crc32]`` (fetch step 6): the band has sent everything."""

    status: Status
    crc32: int | None = None

    def __post_init__(self) -> None:
        check_range("status", int(self.status), 0, 255)
        if self.crc32 is not None:
            check_range("crc32", self.crc32, 0, 0xFFFFFFFF)

    def __bytes__(self) -> bytes:
        out = bytes([RESPONSE, FetchCommand.DATA, int(self.status)])
        return out + (b"" if self.crc32 is None else _U32.pack(self.crc32))


@dataclass(frozen=True, slots=True)
class FetchResponse:
    """Any other ``10 <op> <status> …`` reply on 0004, kept raw."""

    op: int
    status: Status
    payload: bytes = b""

    def __post_init__(self) -> None:
        check_range("op", self.op, 0, 255)
        check_range("status", int(self.status), 0, 255)

    def __bytes__(self) -> bytes:
        return bytes([RESPONSE, self.op, int(self.status)]) + bytes(self.payload)


FetchReply = FetchStartReply | FetchComplete | FetchResponse


def parse_fetch_response(payload: bytes) -> FetchReply:
    """Parse a band → phone notification on 0004."""
    expect_length(payload, 3, 512, "fetch response")
    if payload[0] != RESPONSE:
        raise ProtocolError(f"fetch response must start with 0x10, got 0x{payload[0]:02x}")
    op, status = payload[1], Status(payload[2])
    if op == FetchCommand.START:
        if len(payload) == 3:
            return FetchStartReply(status)
        if len(payload) == 7:
            return FetchStartReply(status, _U32.unpack_from(payload, 3)[0])
        if len(payload) == 15:
            (count,) = _U32.unpack_from(payload, 3)
            start = _decode_time(payload, 7, True, "fetch start time")
            (tz,) = _TZ.unpack_from(payload, 14)
            return FetchStartReply(status, count, start, tz)
        raise ProtocolError(f"fetch start reply: {len(payload)} bytes (3, 7 or 15 expected)")
    if op == FetchCommand.DATA:
        if len(payload) == 3:
            return FetchComplete(status)
        if len(payload) == 7:
            return FetchComplete(status, _U32.unpack_from(payload, 3)[0])
        raise ProtocolError(f"fetch completion: {len(payload)} bytes (3 or 7 expected)")
    return FetchResponse(op, status, bytes(payload[3:]))
