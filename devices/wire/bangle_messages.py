"""Bangle.js Gadgetbridge message records (``docs/devices.md``, "Bangle.js messages").

Each record is a frozen dataclass with ``from_json`` (a decoded JSON object,
as yielded by :class:`devices.wire.bangle.LineReassembler`), ``from_bytes``
(one JSON line), ``to_json`` and ``__bytes__`` (compact JSON). Bad fields raise
:class:`~devices.errors.ProtocolError`.

Watch → phone: :class:`ActFetchStart`, :class:`ActFetchEnd`,
:class:`ActRecord` (a 10-minute history record whose ``ts`` is the **end** of
the block), :class:`ActLive` (the unsolicited 10-minute ``health`` event, no
``ts``), :class:`ActRealtime` (``rt:1``), :class:`Status`, :class:`Version`,
and :class:`UnknownMessage` for any other ``t``.

Phone → watch (sent with :func:`devices.wire.bangle.encode_gb`):
:class:`ActFetchRequest` and :class:`RealtimeRequest`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Self

from devices.errors import ProtocolError
from devices.wire._common import check_range
from devices.wire.activity_kinds import STATES_BY_KIND_NAME
from ipsrt.enums import DeviceState

__all__ = [
    "ACT_STATES",
    "BLOCK_MS",
    "ActFetchEnd",
    "ActFetchRequest",
    "ActFetchStart",
    "ActLive",
    "ActRealtime",
    "ActRecord",
    "RealtimeRequest",
    "Status",
    "UnknownMessage",
    "Version",
    "WatchMessage",
    "encode_watch_line",
    "parse_watch_message",
]

#: Length of a health block; history ``ts`` = block start + this.
BLOCK_MS: Final = 600_000
_MAX_TS_MS: Final = 2**53
_MAX_COUNT: Final = 2**31 - 1

#: Firmware activity names (2v26+, BangleApps ``apps/health/lib.js``) → device states:
#: Gadgetbridge's activity kinds by name, the one table shared with the
#: Gadgetbridge database reader (:mod:`devices.wire.activity_kinds`).
ACT_STATES: Final[dict[str, DeviceState]] = STATES_BY_KIND_NAME


def _get_int(obj: Mapping[str, Any], key: str, low: int, high: int) -> int:
    value = obj.get(key)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProtocolError(f"{obj.get('t')!r} message: {key!r} must be an integer")
    check_range(key, value, low, high)
    return value


def _opt_int(obj: Mapping[str, Any], key: str, low: int, high: int) -> int | None:
    return None if obj.get(key) is None else _get_int(obj, key, low, high)


def _check_bpm(value: object) -> float:
    """A heart rate 0-255 bpm as sent: an int, or a float such as 62.5 (integral → int)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProtocolError(f"'hrm' must be a number, got {value!r}")
    if not 0 <= value <= 255:
        raise ProtocolError(f"hrm={value} outside 0..255")
    return int(value) if float(value).is_integer() else float(value)


def _get_bpm(obj: Mapping[str, Any]) -> float:
    return _check_bpm(obj.get("hrm"))


def _get_str(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise ProtocolError(f"{obj.get('t')!r} message: {key!r} must be a string")
    return value


def _dump(obj: Mapping[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True).encode("ascii")


class _Message:
    """Shared ``from_bytes`` / ``__bytes__`` over ``from_json`` / ``to_json``."""

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Self:
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_bytes(cls, payload: bytes) -> Self:
        """Parse one JSON line (no CR/LF needed)."""
        try:
            obj = json.loads(bytes(payload).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise ProtocolError("Bangle.js message is not a JSON line") from exc
        if not isinstance(obj, dict):
            raise ProtocolError("Bangle.js message is not a JSON object")
        return cls.from_json(obj)

    def __bytes__(self) -> bytes:
        return _dump(self.to_json())


@dataclass(frozen=True, slots=True)
class ActFetchStart(_Message):
    """``{t:"actfetch", state:"start"}``: start of a history batch."""

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Self:
        if obj.get("t") != "actfetch" or obj.get("state") != "start":
            raise ProtocolError("not an actfetch start")
        return cls()

    def to_json(self) -> dict[str, Any]:
        return {"t": "actfetch", "state": "start"}


@dataclass(frozen=True, slots=True)
class ActFetchEnd(_Message):
    """``{t:"actfetch", state:"end", count:N}``: end of a history batch."""

    count: int

    def __post_init__(self) -> None:
        check_range("count", self.count, 0, _MAX_COUNT)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Self:
        if obj.get("t") != "actfetch" or obj.get("state") != "end":
            raise ProtocolError("not an actfetch end")
        return cls(_get_int(obj, "count", 0, _MAX_COUNT))

    def to_json(self) -> dict[str, Any]:
        return {"t": "actfetch", "state": "end", "count": self.count}


@dataclass(frozen=True, slots=True)
class ActRecord(_Message):
    """A 10-minute history record ``{t:"act", ts, stp, hrm, mov, act}``.

    ``ts`` (ms since the epoch, from the watch's local clock and time zone) is
    the **end** of the block; :attr:`block_start_ms` is ``ts − 600 000``.
    ``hrm`` is the mean of the block's lowest and highest reading in the watch's
    health file, so it can be a half (62.5); whole values are kept as ``int``.
    ``act`` is absent before firmware 2v26 (``None``). Layout and sources:
    ``docs/devices.md``, "Bangle.js messages".
    """

    ts: int
    steps: int
    heart_rate: float
    movement: int
    activity: str | None = None

    def __post_init__(self) -> None:
        check_range("ts", self.ts, BLOCK_MS, _MAX_TS_MS)
        check_range("stp", self.steps, 0, _MAX_COUNT)
        object.__setattr__(self, "heart_rate", _check_bpm(self.heart_rate))
        check_range("mov", self.movement, 0, _MAX_COUNT)

    @property
    def block_start_ms(self) -> int:
        """Start of the 10-minute block in ms since the epoch."""
        return self.ts - BLOCK_MS

    @property
    def state(self) -> DeviceState:
        """The firmware activity mapped to a device state (unknown names → UNKNOWN)."""
        return ACT_STATES.get(self.activity or "UNKNOWN", DeviceState.UNKNOWN)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Self:
        fields = _activity_fields(obj)
        if fields["movement"] is None:
            raise ProtocolError("'mov' must be an integer in a history record")
        return cls(ts=_get_int(obj, "ts", BLOCK_MS, _MAX_TS_MS), **fields)

    def to_json(self) -> dict[str, Any]:
        return _activity_json(self, ts=self.ts)


@dataclass(frozen=True, slots=True)
class ActLive(_Message):
    """The unsolicited 10-minute ``health`` event ``{t:"act", stp, hrm, mov, act}`` (no ``ts``).

    Android Integration versions before ``mov`` was added send only ``stp`` and
    ``hrm``: ``movement`` and ``activity`` are then ``None``.
    """

    steps: int
    heart_rate: float
    movement: int | None = None
    activity: str | None = None

    def __post_init__(self) -> None:
        check_range("stp", self.steps, 0, _MAX_COUNT)
        object.__setattr__(self, "heart_rate", _check_bpm(self.heart_rate))
        if self.movement is not None:
            check_range("mov", self.movement, 0, _MAX_COUNT)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Self:
        return cls(**_activity_fields(obj))

    def to_json(self) -> dict[str, Any]:
        return _activity_json(self)


def _activity_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    """``stp``, ``hrm``, ``mov`` (``None`` if absent) and ``act`` of an ``act`` message, checked."""
    if obj.get("t") != "act":
        raise ProtocolError("not an act message")
    act = obj.get("act")
    if act is not None and not isinstance(act, str):
        raise ProtocolError("'act' must be a string")
    return {
        "steps": _get_int(obj, "stp", 0, _MAX_COUNT),
        "heart_rate": _get_bpm(obj),
        "movement": _opt_int(obj, "mov", 0, _MAX_COUNT),
        "activity": act,
    }


def _activity_json(msg: ActRecord | ActLive, **extra: int) -> dict[str, Any]:
    """The wire form of a 10-minute ``act`` message (``mov``/``act`` only when known)."""
    out: dict[str, Any] = {"t": "act", **extra, "stp": msg.steps, "hrm": msg.heart_rate}
    if msg.movement is not None:
        out["mov"] = msg.movement
    if msg.activity is not None:
        out["act"] = msg.activity
    return out


@dataclass(frozen=True, slots=True)
class ActRealtime(_Message):
    """Real-time sample ``{t:"act", stp:Δsteps, hrm:bpm, rt:1}``."""

    steps: int
    heart_rate: float

    def __post_init__(self) -> None:
        check_range("stp", self.steps, 0, _MAX_COUNT)
        object.__setattr__(self, "heart_rate", _check_bpm(self.heart_rate))

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Self:
        if obj.get("t") != "act" or obj.get("rt") != 1:
            raise ProtocolError("not a real-time act message")
        return cls(_get_int(obj, "stp", 0, _MAX_COUNT), _get_bpm(obj))

    def to_json(self) -> dict[str, Any]:
        return {"t": "act", "stp": self.steps, "hrm": self.heart_rate, "rt": 1}


@dataclass(frozen=True, slots=True)
class Status(_Message):
    """``{t:"status", bat, chg}``: battery percent and charging flag."""

    battery: int
    charging: bool | None = None

    def __post_init__(self) -> None:
        check_range("bat", self.battery, 0, 100)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Self:
        if obj.get("t") != "status":
            raise ProtocolError("not a status message")
        chg = obj.get("chg")
        if chg is not None and chg not in (0, 1, True, False):
            raise ProtocolError("'chg' must be 0/1 or a boolean")
        return cls(_get_int(obj, "bat", 0, 100), None if chg is None else bool(chg))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t": "status", "bat": self.battery}
        if self.charging is not None:
            out["chg"] = int(self.charging)
        return out


@dataclass(frozen=True, slots=True)
class Version(_Message):
    """``{t:"ver", fw, hw}``: firmware and hardware versions."""

    firmware: str
    hardware: str

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Self:
        if obj.get("t") != "ver":
            raise ProtocolError("not a ver message")
        return cls(_get_str(obj, "fw"), _get_str(obj, "hw"))

    def to_json(self) -> dict[str, Any]:
        return {"t": "ver", "fw": self.firmware, "hw": self.hardware}


@dataclass(frozen=True, slots=True)
class UnknownMessage(_Message):
    """Any other message; ``fields`` is the whole JSON object (including ``t``)."""

    t: str
    fields: Mapping[str, Any]

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Self:
        t = obj.get("t")
        if not isinstance(t, str):
            raise ProtocolError('message has no string "t"')
        return cls(t, dict(obj))

    def to_json(self) -> dict[str, Any]:
        return dict(self.fields)


@dataclass(frozen=True, slots=True)
class ActFetchRequest(_Message):
    """Phone → watch ``{t:"actfetch", ts}``: history since ``ts`` ms (0 = all)."""

    ts: int

    def __post_init__(self) -> None:
        check_range("ts", self.ts, 0, _MAX_TS_MS)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Self:
        if obj.get("t") != "actfetch" or "state" in obj:
            raise ProtocolError("not an actfetch request")
        return cls(_get_int(obj, "ts", 0, _MAX_TS_MS))

    def to_json(self) -> dict[str, Any]:
        return {"t": "actfetch", "ts": self.ts}


@dataclass(frozen=True, slots=True)
class RealtimeRequest(_Message):
    """Phone → watch ``{t:"act", hrm:bool, stp:bool, int:s}``: real-time on/off."""

    heart_rate: bool
    steps: bool
    interval_s: int = 10

    def __post_init__(self) -> None:
        check_range("int", self.interval_s, 1, 3600)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Self:
        hrm, stp = obj.get("hrm"), obj.get("stp")
        if obj.get("t") != "act" or not isinstance(hrm, bool) or not isinstance(stp, bool):
            raise ProtocolError("not a real-time request")
        return cls(hrm, stp, _get_int(obj, "int", 1, 3600) if "int" in obj else 10)

    def to_json(self) -> dict[str, Any]:
        return {"t": "act", "hrm": self.heart_rate, "stp": self.steps, "int": self.interval_s}


WatchMessage = (
    ActFetchStart
    | ActFetchEnd
    | ActRecord
    | ActLive
    | ActRealtime
    | Status
    | Version
    | UnknownMessage
)


def parse_watch_message(obj: Mapping[str, Any]) -> WatchMessage:
    """Dispatch a watch → phone JSON object to its record.

    ``act`` with ``rt`` is real-time, with ``ts`` a history record, otherwise
    the live 10-minute event; ``actfetch`` by ``state``. Unknown ``t`` values
    give :class:`UnknownMessage`; known ones with bad fields raise
    :class:`ProtocolError`.
    """
    if not isinstance(obj, Mapping):
        raise ProtocolError("message is not a JSON object")
    t = obj.get("t")
    if t == "act":
        if "rt" in obj:
            return ActRealtime.from_json(obj)
        if "ts" in obj:
            return ActRecord.from_json(obj)
        return ActLive.from_json(obj)
    if t == "actfetch" and obj.get("state") == "start":
        return ActFetchStart.from_json(obj)
    if t == "actfetch" and obj.get("state") == "end":
        return ActFetchEnd.from_json(obj)
    if t == "status":
        return Status.from_json(obj)
    if t == "ver":
        return Version.from_json(obj)
    return UnknownMessage.from_json(obj)


def encode_watch_line(message: WatchMessage) -> bytes:
    """How the watch sends a message: an empty line, then the JSON, CRLF-terminated."""
    return b"\r\n" + bytes(message) + b"\r\n"
