"""Emulated wearables on bumble, and a bleak backend to reach them without a radio.

- :mod:`devices.emulated.world`: the virtual radio world (LocalLink, central,
  peripherals, scenario clock) and the :class:`Peripheral` base class.
- :mod:`devices.emulated.backend`: ``EmulatedClientBackend`` /
  ``EmulatedScannerBackend`` for ``BleakClient(..., backend=...)``.
- :mod:`devices.emulated.scenario`: deterministic synthetic days (ground truth).
- :mod:`devices.emulated.faults`: fault plans (drops, disconnects, clock faults).
- :mod:`devices.emulated.gatt_standard`, :mod:`devices.emulated.infinitime`:
  emulators of a standard SIG band and of a PineTime running InfiniTime.

See ``docs/devices.md``, "Testing without hardware".
"""

from devices.emulated.backend import EmulatedClientBackend, EmulatedScannerBackend
from devices.emulated.faults import DeviceClock, FaultPlan
from devices.emulated.world import (
    EmulatedDeviceDetails,
    Peripheral,
    VirtualClock,
    World,
    current_world,
    make_characteristic,
)

__all__ = [
    "DeviceClock",
    "EmulatedClientBackend",
    "EmulatedDeviceDetails",
    "EmulatedScannerBackend",
    "FaultPlan",
    "Peripheral",
    "VirtualClock",
    "World",
    "current_world",
    "make_characteristic",
]
