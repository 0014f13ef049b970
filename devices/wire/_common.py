"""Small helpers shared by the wire-format modules.

Nothing here does I/O: the helpers check lengths, wrap :mod:`struct` errors
into :class:`~devices.errors.ProtocolError` and give enums that accept codes
a newer firmware may send (the idea of ``bumble.utils.OpenIntEnum`` in
google/bumble; ``docs/devices.md``, "Conventions").
"""

from __future__ import annotations

import enum
import struct
from typing import Any, Self

from devices.errors import ProtocolError

__all__ = ["OpenIntEnum", "check_range", "expect_length", "unpack"]


class OpenIntEnum(enum.IntEnum):
    """An :class:`enum.IntEnum` that turns unknown codes into pseudo-members.

    ``Kind(200)`` gives a member named ``UNKNOWN_200`` with value 200 instead of
    raising :class:`ValueError`, so a code a newer firmware adds never crashes a
    parser and still round-trips to the same byte.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}"
        member._value_ = value
        return member

    @classmethod
    def coerce(cls, value: int) -> Self:
        """Return the member for ``value``, a pseudo-member if it is unknown."""
        return cls(value)


def expect_length(payload: bytes, minimum: int, maximum: int | None, what: str) -> None:
    """Raise :class:`ProtocolError` unless ``minimum <= len(payload) <= maximum``."""
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise ProtocolError(f"{what}: expected bytes, got {type(payload).__name__}")
    size = len(payload)
    if size < minimum:
        raise ProtocolError(f"{what}: {size} bytes, need at least {minimum}")
    if maximum is not None and size > maximum:
        raise ProtocolError(f"{what}: {size} bytes, at most {maximum} allowed")


def unpack(fmt: struct.Struct, payload: bytes, offset: int, what: str) -> tuple[Any, ...]:
    """Unpack ``fmt`` at ``offset``; a short buffer raises :class:`ProtocolError`."""
    try:
        return fmt.unpack_from(payload, offset)
    except struct.error as exc:
        raise ProtocolError(f"{what}: truncated at byte {offset}") from exc


def check_range(name: str, value: int, low: int, high: int) -> None:
    """Raise :class:`ProtocolError` unless ``low <= value <= high`` (and it is an int)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProtocolError(f"{name} must be an int, got {type(value).__name__}")
    if not low <= value <= high:
        raise ProtocolError(f"{name}={value} outside {low}..{high}")
