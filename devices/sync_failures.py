"""Why a device could not sync, in one line a clinic admin can act on (pure).

:func:`sync_failure` sorts an exception raised while scanning, connecting or
syncing into a :class:`SyncFailure`:

============================  ==========================================  =============
kind                          raised as                                   adapter-level
============================  ==========================================  =============
``adapter missing``           no D-Bus system bus or BlueZ (``OSError``   yes
                              while connecting to the bus), bleak's
                              ``BleakBluetoothNotAvailableError`` (no
                              adapter, powered off), "No Bluetooth
                              adapters found"
``permission denied``         ``PermissionError``, D-Bus ``AccessDenied``  yes
                              / BlueZ ``NotPermitted`` / ``NotAuthorized``,
                              bleak's "denied" reasons (macOS)
``out of range or not found`` the device did not answer a scan or a       no
                              connect in time (``BleakDeviceNotFoundError``,
                              ``BleakNotFoundError``, ``TimeoutError``)
``protocol error``            :class:`~devices.errors.ProtocolError`      no
                              (corrupt or refused transfer)
``failed``                    anything else (the exception's class and     no
                              first line)
============================  ==========================================  =============

An adapter-level failure is the same for every device of the machine and
does not go away by retrying, so the collector stops at once
(``docs/devices.md``, "When a device cannot sync"). The names of BlueZ's
D-Bus errors are those of its API documentation (``doc/org.bluez.Device.rst``,
https://github.com/bluez/bluez), bleak's reasons those of ``bleak.exc``.
"""

from __future__ import annotations

import dataclasses
import enum

from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakDBusError,
    BleakDeviceNotFoundError,
    BleakError,
)
from bleak_retry_connector import BleakNotFoundError

from devices.errors import ProtocolError

__all__ = ["FailureKind", "SyncFailure", "sync_failure"]


class FailureKind(enum.StrEnum):
    """What kind of cause stopped a device from syncing."""

    ADAPTER_MISSING = "adapter missing"
    PERMISSION_DENIED = "permission denied"
    NOT_FOUND = "out of range or not found"
    PROTOCOL_ERROR = "protocol error"
    FAILED = "failed"


@dataclasses.dataclass(frozen=True)
class SyncFailure:
    """A classified failure: its kind and a one-line detail."""

    kind: FailureKind
    detail: str

    @property
    def adapter_level(self) -> bool:
        """Whether every device of this machine fails the same way (retrying cannot help)."""
        return self.kind in (FailureKind.ADAPTER_MISSING, FailureKind.PERMISSION_DENIED)

    def line(self) -> str:
        """``kind (detail)`` on one line."""
        return f"{self.kind.value} ({self.detail})"


_DENIED_REASONS = frozenset(
    {
        BleakBluetoothNotAvailableReason.DENIED_BY_USER,
        BleakBluetoothNotAvailableReason.DENIED_BY_SYSTEM,
        BleakBluetoothNotAvailableReason.DENIED_BY_UNKNOWN,
    }
)
_DENIED_DBUS = ("AccessDenied", "NotPermitted", "NotAuthorized", "AuthenticationFailed")
_NO_ADAPTER_TEXT = ("no bluetooth adapters", "no powered bluetooth adapters", "adapter not found")


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def sync_failure(exc: BaseException) -> SyncFailure:
    """The kind and one-line detail of *exc* (see the module docstring's table)."""
    if isinstance(exc, BleakBluetoothNotAvailableError):
        if exc.reason in _DENIED_REASONS:
            return SyncFailure(FailureKind.PERMISSION_DENIED, _first_line(exc))
        return SyncFailure(FailureKind.ADAPTER_MISSING, _first_line(exc))
    if isinstance(exc, PermissionError):
        return SyncFailure(FailureKind.PERMISSION_DENIED, "the Bluetooth service refused this user")
    if isinstance(exc, BleakDBusError) and any(n in exc.dbus_error for n in _DENIED_DBUS):
        return SyncFailure(FailureKind.PERMISSION_DENIED, _first_line(exc))
    if isinstance(exc, FileNotFoundError | ConnectionRefusedError):
        # dbus-fast cannot reach the system bus socket: no BlueZ on this machine.
        return SyncFailure(
            FailureKind.ADAPTER_MISSING,
            "no Bluetooth service: the D-Bus system bus or bluetoothd is not running",
        )
    if isinstance(exc, BleakError) and any(t in str(exc).lower() for t in _NO_ADAPTER_TEXT):
        return SyncFailure(FailureKind.ADAPTER_MISSING, _first_line(exc))
    if isinstance(exc, BleakDeviceNotFoundError | BleakNotFoundError | TimeoutError):
        return SyncFailure(FailureKind.NOT_FOUND, _first_line(exc))
    if isinstance(exc, ProtocolError):
        return SyncFailure(FailureKind.PROTOCOL_ERROR, _first_line(exc))
    return SyncFailure(FailureKind.FAILED, _first_line(exc))
