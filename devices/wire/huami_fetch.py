"""Huami history transfer: data packets, the fetch assembler and minute samples.

As Gadgetbridge implements it (``AbstractFetchOperation``,
``FetchActivityOperation``, ``MiBand2SampleProvider``); described in
``docs/devices.md`` ("Huami fetch control", "Huami samples and sleep kinds"):

- each 0005 notification is one counter byte (0, 1, 2 …, wrapping at 8 bits)
  followed by payload; a gap in the counter means the fetch is corrupt;
- the completion ``10 02 01`` may carry a CRC32 of the whole payload;
- the payload is consecutive per-minute samples of 4 bytes (kind, intensity,
  steps, heart rate) or 8 bytes on newer models;
- the device classifies sleep; only the low nibble of the raw kind counts and
  kinds 0 and 10 inherit the previous valid kind.

:class:`FetchAssembler` is pure and stateful only in memory: a corrupt fetch
raises :class:`~devices.errors.ProtocolError` and stays invalid, so the caller
commits nothing and does not ack (``docs/devices.md``, "Collecting from
wearables").
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Self

from devices.errors import ProtocolError
from devices.wire._common import check_range, expect_length
from devices.wire.huami import FetchComplete, Status
from ipsrt.enums import DeviceState

__all__ = [
    "RAW_KIND_STATES",
    "DataPacket",
    "FetchAssembler",
    "HuamiSample",
    "crc32",
    "device_states",
    "encode_samples",
    "packetize",
    "parse_samples",
    "sample_minutes",
]

#: Largest notification payload after the counter byte (ATT value max 512).
MAX_PACKET_PAYLOAD: Final = 511
SAMPLE_SIZES: Final = (4, 8)
_MINUTE: Final = dt.timedelta(minutes=1)

#: Low nibble of the raw kind → device state; ``None`` = inherit the previous
#: valid kind (Gadgetbridge ``MiBand2SampleProvider``). Codes not listed
#: (5, 7, 8, 13, 14, 15) are undocumented and map to UNKNOWN.
RAW_KIND_STATES: Final[dict[int, DeviceState | None]] = {
    0: None,  # no change
    1: DeviceState.AWAKE,  # activity
    2: DeviceState.AWAKE,  # running
    3: DeviceState.NOT_WORN,  # non-wear
    4: DeviceState.AWAKE,  # bike
    6: DeviceState.NOT_WORN,  # charging: Gadgetbridge treats it as not worn
    9: DeviceState.SLEEP_LIGHT,
    10: None,  # ignore
    11: DeviceState.SLEEP_DEEP,
    12: DeviceState.AWAKE,  # wake-up
}


def crc32(payload: bytes) -> int:
    """CRC-32 (IEEE 802.3, as :func:`zlib.crc32`) of the assembled payload."""
    return zlib.crc32(payload) & 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class DataPacket:
    """One 0005 notification: ``<counter> <payload>`` (fetch step 5)."""

    counter: int
    payload: bytes = b""

    def __post_init__(self) -> None:
        check_range("counter", self.counter, 0, 255)
        if len(self.payload) > MAX_PACKET_PAYLOAD:
            raise ProtocolError(f"data packet payload over {MAX_PACKET_PAYLOAD} bytes")

    @classmethod
    def from_bytes(cls, payload: bytes) -> Self:
        """Parse a notification of 1-512 bytes."""
        expect_length(payload, 1, MAX_PACKET_PAYLOAD + 1, "data packet")
        return cls(payload[0], bytes(payload[1:]))

    def __bytes__(self) -> bytes:
        return bytes([self.counter]) + bytes(self.payload)


def packetize(payload: bytes, chunk: int, first_counter: int = 0) -> list[bytes]:
    """Split ``payload`` into counter-prefixed packets of ``chunk`` payload bytes (band side)."""
    if not 1 <= chunk <= MAX_PACKET_PAYLOAD:
        raise ValueError(f"chunk must be within 1..{MAX_PACKET_PAYLOAD}")
    return [
        bytes(DataPacket((first_counter + n) & 0xFF, payload[i : i + chunk]))
        for n, i in enumerate(range(0, len(payload), chunk))
    ]


class FetchAssembler:
    """Validate and concatenate the data packets of one fetch (pure).

    Parameters
    ----------
    expected_bytes
        The count announced in the start reply, or ``None`` not to check it.
        Read as a byte count (Gadgetbridge's comment says "bytes/packets" and
        does not check it; ``docs/devices.md``, "Huami fetch control"); pass
        ``None`` for a band where that is not so.
    max_bytes
        Hard cap on the buffered payload (a band cannot make the collector
        hold unbounded memory).

    Notes
    -----
    The first packet must carry counter 0 and each next one the previous
    plus one modulo 256. A duplicate, a gap or a reordering makes the fetch
    invalid: :meth:`add` raises :class:`ProtocolError` and every later call
    raises again, so nothing of the fetch is committed or acked (Gadgetbridge
    invalidates the whole fetch the same way).
    """

    def __init__(self, expected_bytes: int | None = None, *, max_bytes: int = 1 << 24) -> None:
        if expected_bytes is not None:
            check_range("expected_bytes", expected_bytes, 0, 0xFFFFFFFF)
        self.expected_bytes = expected_bytes
        self.max_bytes = max_bytes
        self._buffer = bytearray()
        self._next = 0
        self.packets = 0
        self.error: str | None = None

    @property
    def valid(self) -> bool:
        """Whether no corruption has been seen so far."""
        return self.error is None

    @property
    def received(self) -> int:
        """Payload bytes buffered so far."""
        return len(self._buffer)

    def _fail(self, reason: str) -> ProtocolError:
        if self.error is None:
            self.error = reason
            self._buffer.clear()
        return ProtocolError(f"huami fetch invalid: {self.error}")

    def add(self, packet: bytes | DataPacket) -> None:
        """Accept the next notification; raise :class:`ProtocolError` if the fetch is corrupt."""
        if self.error is not None:
            raise self._fail(self.error)
        if not isinstance(packet, DataPacket):
            try:
                packet = DataPacket.from_bytes(packet)
            except ProtocolError as exc:
                raise self._fail(str(exc)) from exc
        if packet.counter != self._next:
            previous = (self._next - 1) & 0xFF
            kind = "duplicate" if self.packets and packet.counter == previous else "gap or reorder"
            raise self._fail(f"counter {kind}: expected {self._next}, got {packet.counter}")
        if len(self._buffer) + len(packet.payload) > self.max_bytes:
            raise self._fail(f"more than {self.max_bytes} bytes")
        if self.expected_bytes is not None and (
            len(self._buffer) + len(packet.payload) > self.expected_bytes
        ):
            raise self._fail(f"more than the {self.expected_bytes} bytes announced")
        self._buffer += packet.payload
        self._next = (self._next + 1) & 0xFF
        self.packets += 1

    def finish(self, complete: FetchComplete) -> bytes:
        """Check the completion (status, announced length, CRC32) and return the payload."""
        if self.error is not None:
            raise self._fail(self.error)
        if complete.status != Status.SUCCESS:
            raise self._fail(f"band reported status {int(complete.status)}")
        if self.expected_bytes is not None and len(self._buffer) != self.expected_bytes:
            raise self._fail(f"received {len(self._buffer)} bytes, {self.expected_bytes} announced")
        payload = bytes(self._buffer)
        if complete.crc32 is not None and crc32(payload) != complete.crc32:
            raise self._fail(
                f"CRC32 mismatch: computed {crc32(payload):08x}, band sent {complete.crc32:08x}"
            )
        return payload


@dataclass(frozen=True, slots=True)
class HuamiSample:
    """One per-minute sample (``FetchActivityOperation.createSample``).

    ``extended`` holds bytes 4-7 of 8-byte models (unknown, sleep, deep
    sleep, REM in Gadgetbridge; their meaning is not documented further, so
    they are kept raw and not used for the state).
    """

    raw_kind: int
    intensity: int
    steps: int
    heart_rate_raw: int
    extended: bytes | None = None

    def __post_init__(self) -> None:
        for name in ("raw_kind", "intensity", "steps", "heart_rate_raw"):
            check_range(name, getattr(self, name), 0, 255)
        if self.extended is not None and len(self.extended) != 4:
            raise ProtocolError("extended sample part must be 4 bytes")

    @property
    def kind(self) -> int:
        """The low nibble of the raw kind, the only part that counts."""
        return self.raw_kind & 0x0F

    @property
    def heart_rate(self) -> int | None:
        """Beats per minute, or ``None`` for the "no reading" values 0 and 255."""
        return None if self.heart_rate_raw in (0, 255) else self.heart_rate_raw

    @classmethod
    def from_bytes(cls, payload: bytes) -> Self:
        """Parse 4 or 8 bytes."""
        expect_length(payload, 4, 8, "huami sample")
        if len(payload) not in SAMPLE_SIZES:
            raise ProtocolError(f"huami sample: {len(payload)} bytes (4 or 8 expected)")
        extended = bytes(payload[4:8]) if len(payload) == 8 else None
        return cls(payload[0], payload[1], payload[2], payload[3], extended)

    def __bytes__(self) -> bytes:
        head = bytes([self.raw_kind, self.intensity, self.steps, self.heart_rate_raw])
        return head + (self.extended or b"")


def parse_samples(payload: bytes, sample_size: int = 4) -> list[HuamiSample]:
    """Split an assembled activity payload into samples of ``sample_size`` bytes."""
    if sample_size not in SAMPLE_SIZES:
        raise ValueError("sample_size must be 4 or 8")
    if len(payload) % sample_size:
        raise ProtocolError(
            f"activity payload of {len(payload)} bytes is not a multiple of {sample_size}"
        )
    return [
        HuamiSample.from_bytes(payload[i : i + sample_size])
        for i in range(0, len(payload), sample_size)
    ]


def encode_samples(samples: Iterable[HuamiSample]) -> bytes:
    """Concatenate samples (they must all have the same size)."""
    parts = [bytes(s) for s in samples]
    if len({len(p) for p in parts}) > 1:
        raise ProtocolError("samples of mixed sizes")
    return b"".join(parts)


def sample_minutes(start: dt.datetime, count: int) -> list[dt.datetime]:
    """The minute of each sample: consecutive minutes from the reply's start time."""
    start = start.replace(second=0, microsecond=0)
    return [start + n * _MINUTE for n in range(count)]


def device_states(
    raw_kinds: Sequence[int] | Iterable[int], previous: DeviceState | None = None
) -> list[DeviceState]:
    """Map raw kinds to device states with the inheritance rule (module docstring).

    Parameters
    ----------
    raw_kinds
        Raw kind bytes in time order (only the low nibble is used).
    previous
        The last valid state before these samples (e.g. from the previous
        fetch); kinds 0 and 10 with no valid kind before them are UNKNOWN.
    """
    out: list[DeviceState] = []
    last = previous
    for raw in raw_kinds:
        kind = raw & 0x0F
        state = RAW_KIND_STATES.get(kind, DeviceState.UNKNOWN)
        if state is None:
            out.append(last if last is not None else DeviceState.UNKNOWN)
            continue
        out.append(state)
        last = state
    return out
