"""Bangle.js (Espruino) Gadgetbridge protocol over the Nordic UART Service.

Transport as described in ``docs/devices.md`` ("Bangle.js transport"), from
Gadgetbridge's ``BangleJSDeviceSupport``, EspruinoDocs ``info/Gadgetbridge.md``
and BangleApps ``apps/android``:

- NUS service ``6e400001-…``; the phone writes to ``6e400002-…`` (RX of the
  watch) and the watch notifies on ``6e400003-…`` (TX).
- Phone → watch: JavaScript for the REPL, each line prefixed with DLE (0x10)
  so the watch does not echo it: ``\\x10GB({json})\\n``; the clock is set with
  ``setTime(unix_s)`` plus ``E.setTimeZone(hours)``. Writes are split to the
  MTU (:func:`split_to_mtu`).
- Watch → phone: newline-separated JSON lines written with ``println`` (CRLF),
  each preceded by an empty line; only lines starting with ``{`` that have a
  ``"t"`` key are messages. The watch may insert XON (0x11) / XOFF (0x13)
  anywhere; they are stripped and reported (:class:`LineReassembler`).

The message records are in :mod:`devices.wire.bangle_messages`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from devices.errors import ProtocolError

__all__ = [
    "NUS_RX",
    "NUS_SERVICE",
    "NUS_TX",
    "XOFF",
    "XON",
    "FeedResult",
    "LineReassembler",
    "PhoneCommand",
    "encode_gb",
    "encode_set_time",
    "parse_phone_line",
    "split_to_mtu",
]

NUS_SERVICE: Final = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
#: Phone → watch (write).
NUS_RX: Final = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
#: Watch → phone (notify).
NUS_TX: Final = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"

DLE: Final = 0x10
XON: Final = 0x11
XOFF: Final = 0x13
_FLOW_BYTES: Final = bytes([XON, XOFF])

#: ATT header bytes taken from each write (opcode + handle), so a write carries MTU − 3.
ATT_HEADER: Final = 3
MIN_MTU: Final = 23


def _js_json(message: Mapping[str, Any]) -> str:
    try:
        # ASCII only: U+2028/U+2029 are line terminators in older JavaScript.
        return json.dumps(message, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"message not encodable as JSON: {exc}") from exc


def encode_gb(message: Mapping[str, Any]) -> bytes:
    """Encode a phone → watch message as ``\\x10GB({json})\\n``.

    ``message`` must have a string ``"t"`` key, e.g. ``{"t": "actfetch", "ts": 0}``.
    """
    if not isinstance(message.get("t"), str):
        raise ProtocolError('a Gadgetbridge message needs a string "t" key')
    return b"\x10GB(" + _js_json(message).encode("ascii") + b")\n"


def _js_number(value: float) -> str:
    if not math.isfinite(value):
        raise ProtocolError("time zone must be finite")
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def encode_set_time(unix_s: int, tz_hours: float) -> bytes:
    """Encode ``\\x10setTime(unix_s);E.setTimeZone(hours);\\n``.

    ``tz_hours`` is the watch's UTC offset in hours (−12 … +14, fractions
    such as 5.5 allowed); Espruino uses it to show local time and to stamp
    health records.
    """
    if not isinstance(unix_s, int) or not 0 <= unix_s < 2**32:
        raise ProtocolError(f"setTime needs 0 <= unix_s < 2**32, got {unix_s!r}")
    if not -12 <= tz_hours <= 14:
        raise ProtocolError(f"time zone {tz_hours} h outside -12..14")
    return f"\x10setTime({unix_s});E.setTimeZone({_js_number(tz_hours)});\n".encode("ascii")


def split_to_mtu(data: bytes, mtu: int = MIN_MTU) -> list[bytes]:
    """Split ``data`` into writes of at most ``mtu − 3`` bytes (the ATT write header is 3)."""
    if mtu < MIN_MTU:
        raise ValueError(f"ATT MTU is at least {MIN_MTU}, got {mtu}")
    size = mtu - ATT_HEADER
    return [data[i : i + size] for i in range(0, len(data), size)]


# -------------------------------------------------------- phone → watch parsing


@dataclass(frozen=True, slots=True)
class PhoneCommand:
    """One phone → watch line, as the emulated watch understands it.

    ``kind`` is ``"gb"`` (``message`` holds the JSON object), ``"set_time"``
    (``unix_s`` and possibly ``tz_hours``), ``"set_tz"`` (``tz_hours`` only)
    or ``"other"`` (JavaScript the emulator ignores).
    """

    kind: str
    message: Mapping[str, Any] | None = None
    unix_s: float | None = None
    tz_hours: float | None = None


_GB_LINE: Final = re.compile(r"^GB\((\{.*\})\)\s*;?\s*$", re.DOTALL)
_SET_TIME: Final = re.compile(r"setTime\(\s*(-?\d+(?:\.\d+)?)\s*\)")
_SET_TZ: Final = re.compile(r"E\.setTimeZone\(\s*(-?\d+(?:\.\d+)?)\s*\)")
MAX_LINE: Final = 4096


def parse_phone_line(line: bytes) -> PhoneCommand:
    """Parse one phone → watch REPL line (without its ``\\n``); used by the emulator.

    A leading DLE is dropped. Raises :class:`ProtocolError` on non-ASCII text,
    over-long lines and ``GB(...)`` calls whose argument is not a JSON object
    with a string ``"t"``.
    """
    if len(line) > MAX_LINE:
        raise ProtocolError(f"phone line longer than {MAX_LINE} bytes")
    try:
        text = bytes(line).decode("ascii").strip()
    except UnicodeDecodeError as exc:
        raise ProtocolError("phone line is not ASCII") from exc
    text = text.removeprefix(chr(DLE)).strip()
    gb = _GB_LINE.match(text)
    if gb:
        try:
            message = json.loads(gb.group(1))
        except (ValueError, RecursionError) as exc:
            raise ProtocolError("GB(...) argument is not JSON") from exc
        if not isinstance(message, dict) or not isinstance(message.get("t"), str):
            raise ProtocolError('GB(...) argument must be an object with a string "t"')
        return PhoneCommand("gb", message=message)
    time_match = _SET_TIME.search(text)
    tz_match = _SET_TZ.search(text)
    tz = float(tz_match.group(1)) if tz_match else None
    if time_match:
        return PhoneCommand("set_time", unix_s=float(time_match.group(1)), tz_hours=tz)
    if tz_match:
        return PhoneCommand("set_tz", tz_hours=tz)
    return PhoneCommand("other")


# ------------------------------------------------------ watch → phone reassembly


@dataclass(slots=True)
class FeedResult:
    """What one :meth:`LineReassembler.feed` call produced.

    Attributes
    ----------
    messages
        JSON objects with a ``"t"`` key, in arrival order.
    garbage
        Non-empty lines that are not messages (console output, broken JSON,
        over-long lines), with the reason, for logging; never raised.
    flow
        The XON/XOFF bytes seen in this chunk, in order.
    paused
        Whether the watch asked the phone to stop writing (last flow byte
        seen so far was XOFF).
    """

    messages: list[dict[str, Any]] = field(default_factory=list)
    garbage: list[tuple[bytes, str]] = field(default_factory=list)
    flow: list[int] = field(default_factory=list)
    paused: bool = False


class LineReassembler:
    """Incremental watch → phone line reassembly (pure, no I/O).

    Feed it every NUS notification in order; it strips XON/XOFF, splits on
    ``\\n``, drops one trailing ``\\r`` (println's CRLF), skips blank lines and
    yields only lines that start with ``{`` and decode to a JSON object with a
    ``"t"`` key. Anything else is reported as garbage; nothing raises.

    The buffer is bounded: a line longer than ``max_line`` bytes is discarded
    up to its newline and reported once.

    Text is decoded as UTF-8, falling back to Latin-1: Espruino strings are
    8-bit and may reach the phone as raw bytes (Gadgetbridge decodes
    ISO-8859-1).
    """

    def __init__(self, max_line: int = MAX_LINE) -> None:
        if max_line < 2:
            raise ValueError("max_line must be >= 2")
        self.max_line = max_line
        self._buffer = bytearray()
        self._discarding = False
        self.paused = False

    @property
    def pending(self) -> int:
        """Bytes of an incomplete line held in the buffer."""
        return len(self._buffer)

    def feed(self, chunk: bytes) -> FeedResult:
        """Process one notification; return the complete lines it finished."""
        result = FeedResult()
        data = bytes(chunk)
        if XON in data or XOFF in data:
            for byte in data:
                if byte in _FLOW_BYTES:
                    result.flow.append(byte)
                    self.paused = byte == XOFF
            data = data.translate(None, _FLOW_BYTES)
        start = 0
        while True:
            newline = data.find(b"\n", start)
            if newline < 0:
                self._append(data[start:], result)
                break
            self._append(data[start:newline], result)
            if self._discarding:
                self._discarding = False
            else:
                self._emit(bytes(self._buffer), result)
            self._buffer.clear()
            start = newline + 1
        result.paused = self.paused
        return result

    def _append(self, piece: bytes, result: FeedResult) -> None:
        if self._discarding or not piece:
            return
        if len(self._buffer) + len(piece) > self.max_line:
            result.garbage.append((bytes(self._buffer[:64]), f"line over {self.max_line} bytes"))
            self._buffer.clear()
            self._discarding = True
            return
        self._buffer += piece

    @staticmethod
    def _emit(line: bytes, result: FeedResult) -> None:
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line.strip():
            return
        if not line.startswith(b"{"):
            result.garbage.append((line, "not a JSON line"))
            return
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            text = line.decode("latin-1")
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError):
            result.garbage.append((line, "invalid JSON"))
            return
        if not isinstance(obj, dict) or "t" not in obj:
            result.garbage.append((line, 'no "t" key'))
            return
        result.messages.append(obj)
