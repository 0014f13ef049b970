"""Device sync profiles, one per family, and the registry the collector uses.

See :mod:`devices.profiles.base` for the contract. A factory takes the
device context, the clock and the sleep function and returns a profile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from devices.profiles.bangle import BangleProfile
from devices.profiles.base import Clock, DeviceContext, Profile, Sleep, SyncResult
from devices.profiles.gatt_standard import GattStandardProfile
from devices.profiles.huami import HuamiProfile
from devices.profiles.infinitime import InfiniTimeProfile

__all__ = [
    "DEFAULT_PROFILES",
    "DeviceContext",
    "GattStandardProfile",
    "HuamiProfile",
    "InfiniTimeProfile",
    "Profile",
    "ProfileFactory",
    "SyncResult",
]

ProfileFactory = Callable[[DeviceContext, Clock, Sleep], Profile]


def _factory(cls: type[Profile]) -> ProfileFactory:
    def make(device: DeviceContext, clock: Clock, sleep: Sleep) -> Profile:
        return cls(device, clock=clock, sleep=sleep)

    return make


DEFAULT_PROFILES: Final[dict[str, ProfileFactory]] = {
    GattStandardProfile.family: _factory(GattStandardProfile),
    InfiniTimeProfile.family: _factory(InfiniTimeProfile),
    HuamiProfile.family: _factory(HuamiProfile),
    BangleProfile.family: _factory(BangleProfile),
}
