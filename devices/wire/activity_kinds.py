"""Gadgetbridge's activity kinds and the device state each one means.

Gadgetbridge names what a wearer was doing with its ``ActivityKind`` enum
(``app/src/main/java/nodomain/freeyourgadget/gadgetbridge/model/ActivityKind.java``
in https://codeberg.org/Freeyourgadget/Gadgetbridge): each kind has a name
and a numeric code. The same table serves two readers here:

- the live Bangle.js profile, whose firmware sends the kind's **name** in the
  ``act`` field of a history record (``devices/wire/bangle_messages.py``);
- the Gadgetbridge database reader, whose Bangle.js and PineTime sample
  tables store the kind's **code** in ``RAW_KIND``
  (``devices/importers/gadgetbridge.py``; Gadgetbridge's Bangle.js support
  looks the firmware name up in the enum and stores its code).

``docs/importing.md`` ("Gadgetbridge") lists the table. Names or codes not
listed map to :attr:`DeviceState.UNKNOWN`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ipsrt.enums import DeviceState

__all__ = ["ACTIVITY_KINDS", "STATES_BY_KIND_CODE", "STATES_BY_KIND_NAME", "ActivityKind"]


@dataclass(frozen=True, slots=True)
class ActivityKind:
    """One Gadgetbridge activity kind: its enum name, its code and its device state."""

    name: str
    code: int
    state: DeviceState


#: The kinds the Bangle.js firmware and Gadgetbridge's Bangle.js and
#: PineTime support write; sleep kinds keep their depth, every kind of
#: movement is awake.
ACTIVITY_KINDS: Final[tuple[ActivityKind, ...]] = (
    ActivityKind("UNKNOWN", 0x0, DeviceState.UNKNOWN),
    ActivityKind("ACTIVITY", 0x1, DeviceState.AWAKE),
    ActivityKind("LIGHT_SLEEP", 0x2, DeviceState.SLEEP_LIGHT),
    ActivityKind("DEEP_SLEEP", 0x4, DeviceState.SLEEP_DEEP),
    ActivityKind("NOT_WORN", 0x8, DeviceState.NOT_WORN),
    ActivityKind("RUNNING", 0x10, DeviceState.AWAKE),
    ActivityKind("WALKING", 0x20, DeviceState.AWAKE),
    ActivityKind("EXERCISE", 0x200, DeviceState.AWAKE),
    ActivityKind("REM_SLEEP", 0x1000000, DeviceState.SLEEP_REM),
    ActivityKind("AWAKE_SLEEP", 0x2000000, DeviceState.AWAKE),
)

#: Kind name (as the Bangle.js firmware sends it) → device state.
STATES_BY_KIND_NAME: Final[dict[str, DeviceState]] = {k.name: k.state for k in ACTIVITY_KINDS}
#: Kind code (as Gadgetbridge stores it in ``RAW_KIND``) → device state.
STATES_BY_KIND_CODE: Final[dict[int, DeviceState]] = {k.code: k.state for k in ACTIVITY_KINDS}
