"""The syntax of a wearable's Bluetooth address, per platform: one pure rule.

A Bluetooth device address is 48 bits, written as six bytes in hexadecimal
separated by colons, most significant first (Bluetooth Core Specification
5.4, Vol 6 Part B §1.3; BlueZ's ``bdaddr_t`` text form), e.g.
``AA:BB:CC:DD:EE:FF``. macOS never shows that address to an application:
CoreBluetooth names a peripheral by a UUID of its own (``CBPeer.identifier``,
an ``NSUUID``, 8-4-4-4-12 hexadecimal digits), which is what bleak reports
as ``BLEDevice.address`` there (docs/devices.md, "Bluetooth addresses").

:func:`bluetooth_address` is the rule: it returns the normalised address
(upper case) or raises :class:`~ipsrt.errors.InvalidInputError` with one
line. The store applies it in :meth:`ipsrt.store.Store.add_device` to every
wireless family (any platform's form: a database may be filled on one
machine and read on another); the command line also passes its platform,
so ``ipsrt devices add`` on Linux refuses a UUID that BlueZ could never
connect to.
"""

from __future__ import annotations

import re

from ipsrt.display import printable
from ipsrt.errors import InvalidInputError

__all__ = ["MAC_EXAMPLE", "bluetooth_address"]

MAC_EXAMPLE = "AA:BB:CC:DD:EE:FF"
_MAC = re.compile(r"[0-9A-F]{2}(?::[0-9A-F]{2}){5}")
_UUID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")
#: Characters of a refused address repeated in the error message.
_ECHOED = 40


def bluetooth_address(text: str, *, platform: str | None = None) -> str:
    """*text* as a normalised Bluetooth address, or :class:`InvalidInputError`.

    Parameters
    ----------
    text
        The address as typed or scanned; surrounding spaces are ignored.
    platform
        ``sys.platform`` of the machine that will connect: ``"darwin"``
        accepts only a CoreBluetooth UUID, any other value only a MAC;
        ``None`` (the store) accepts either.

    Returns
    -------
    str
        The address in upper case (``aa:bb:cc:dd:ee:ff`` → ``AA:BB:CC:DD:EE:FF``).
    """
    if not isinstance(text, str):
        raise InvalidInputError("a Bluetooth address must be text")
    address = text.strip().upper()
    is_mac = _MAC.fullmatch(address) is not None
    is_uuid = _UUID.fullmatch(address) is not None
    if platform is None and (is_mac or is_uuid):
        return address
    if platform == "darwin" and is_uuid:
        return address
    if platform not in (None, "darwin") and is_mac:
        return address
    shown = printable(text[:_ECHOED]) + ("…" if len(text) > _ECHOED else "")
    if platform is None:
        expected = f"a MAC such as {MAC_EXAMPLE} or a CoreBluetooth UUID"
    elif platform == "darwin":
        expected = "the CoreBluetooth UUID macOS shows (8-4-4-4-12 hex digits, see 'devices scan')"
    else:
        expected = f"a MAC such as {MAC_EXAMPLE}"
    raise InvalidInputError(f"invalid Bluetooth address '{shown}': expected {expected}")
