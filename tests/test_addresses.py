"""The Bluetooth address rule (``ipsrt.addresses``) and the store applying it.

Forms: Bluetooth Core Specification 5.4, Vol 6 Part B §1.3 (48-bit device
address, written as six colon-separated hex bytes) and Apple's
``CBPeer.identifier`` (an ``NSUUID``, 8-4-4-4-12 hex digits), as stated in
docs/devices.md, "Bluetooth addresses".
"""

from __future__ import annotations

import datetime as dt

import pytest

from ipsrt.addresses import bluetooth_address
from ipsrt.errors import InvalidInputError
from ipsrt.store import Store

UUID = "8A2F1C3E-5B7D-4E9F-A1B2-C3D4E5F60718"
NOW = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)


@pytest.mark.parametrize("platform", [None, "linux", "win32"])
def test_a_mac_is_normalised_to_upper_case(platform: str | None) -> None:
    assert bluetooth_address(" aa:bb:cc:dd:ee:0f ", platform=platform) == "AA:BB:CC:DD:EE:0F"


def test_a_corebluetooth_uuid_is_accepted_on_macos_and_in_the_store_only() -> None:
    assert bluetooth_address(UUID.lower(), platform="darwin") == UUID
    assert bluetooth_address(UUID) == UUID
    with pytest.raises(InvalidInputError, match="expected a MAC"):
        bluetooth_address(UUID, platform="linux")
    with pytest.raises(InvalidInputError, match="CoreBluetooth UUID"):
        bluetooth_address("AA:BB:CC:DD:EE:FF", platform="darwin")


@pytest.mark.parametrize(
    "text",
    [
        "ZZ",
        "GG:BB:CC:DD:EE:FF",
        "AA:BB:CC:DD:EE",
        "AA:BB:CC:DD:EE:FF:00",
        "AA-BB-CC-DD-EE-FF",
        "AABBCCDDEEFF",
        "'; DROP TABLE device; --",
        "AA:BB:CC:DD:EE:FF\nAA:BB:CC:DD:EE:FE",
        "",
        "\x1b[2J" + "A" * 200,
    ],
)
def test_anything_else_is_refused_in_one_line(text: str) -> None:
    for platform in (None, "linux", "darwin"):
        with pytest.raises(InvalidInputError) as caught:
            bluetooth_address(text, platform=platform)
        message = str(caught.value)
        assert "\n" not in message
        assert "\x1b" not in message
        assert len(message) < 200


def test_the_store_refuses_a_malformed_address_and_keeps_import_sources(store: Store) -> None:
    store.add_client("C001", "UTC", now=NOW)
    with pytest.raises(InvalidInputError, match="invalid Bluetooth address 'ZZ'"):
        store.add_device("C001", "gatt-standard", "ZZ", now=NOW)
    assert store.devices() == []
    device = store.add_device("C001", "huami", "c8:0f:10:00:00:01", now=NOW)
    assert device.address == "C8:0F:10:00:00:01"
    assert store.add_device("C001", "import", "subject.awd", now=NOW).address == "subject.awd"
