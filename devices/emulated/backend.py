"""A bleak backend whose radio is a bumble host on a virtual controller.

``BleakClient(address, backend=EmulatedClientBackend)`` and
``BleakScanner(backend=EmulatedScannerBackend)`` run the project's unchanged
bleak code against the emulated wearables of a :class:`~devices.emulated.world.World`.
The world is found, in this order, from the ``world=`` keyword (passed through
bleak's ``**kwargs``), from a ``BLEDevice`` produced by the emulated scanner
(its ``details``), or from :func:`~devices.emulated.world.current_world`.

The contract implemented is bleak 3.1's ``BaseBleakClient`` /
``BaseBleakScanner`` (``bleak/backends/client.py``, ``scanner.py``); the
attributes of bleak this module relies on are pinned by
``tests/devices/emulated/test_backend.py::test_bleak_conformance``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid as uuid_mod
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

from bleak.args import SizedBuffer
from bleak.assigned_numbers import CharacteristicPropertyName
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bumble import core as bumble_core
from bumble import hci
from bumble.core import AdvertisingData
from bumble.device import Advertisement, Connection, Peer
from bumble.gatt_client import CharacteristicProxy

from devices.emulated.world import EmulatedDeviceDetails, World, current_world

__all__ = ["EmulatedClientBackend", "EmulatedScannerBackend", "bleak_uuid"]

_LOGGER = logging.getLogger(__name__)
#: ATT MTU the central asks for after connecting (BlueZ/CoreBluetooth do likewise).
DEFAULT_MTU = 247
_PROPERTY_NAMES: dict[int, CharacteristicPropertyName] = {
    0x01: "broadcast",
    0x02: "read",
    0x04: "write-without-response",
    0x08: "write",
    0x10: "notify",
    0x20: "indicate",
    0x40: "authenticated-signed-writes",
    0x80: "extended-properties",
}
_T = TypeVar("_T")


def bleak_uuid(uuid: bumble_core.UUID) -> str:
    """bleak's normalised form (lower-case 128-bit) of a bumble UUID."""
    return str(uuid_mod.UUID(bytes=bytes(reversed(uuid.to_bytes(force_128=True)))))


def _resolve_world(address_or_device: BLEDevice | str, world: World | None) -> World:
    if world is not None:
        return world
    if isinstance(address_or_device, BLEDevice) and isinstance(
        address_or_device.details, EmulatedDeviceDetails
    ):
        return address_or_device.details.world
    installed = current_world()
    if installed is None:
        raise BleakError(
            "no emulated World: pass world=..., a BLEDevice from the emulated scanner, "
            "or run inside `async with World()`"
        )
    return installed


class EmulatedClientBackend(BaseBleakClient):
    """bleak client backend over bumble's central ``Device`` of a :class:`World`.

    Keyword Args:
        world: the world to use (else details / :func:`current_world`).
        mtu: the ATT MTU to request after connecting (default 247).
    """

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None,
        timeout: float,
        world: World | None = None,
        mtu: int = DEFAULT_MTU,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout
        )
        self.address = self.address.upper()
        self._world = _resolve_world(address_or_ble_device, world)
        self._mtu_request = mtu
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._subscribers: dict[
            int, tuple[CharacteristicProxy[bytes], Callable[[bytes], None]]
        ] = {}
        self._closing = False

    # -- info --------------------------------------------------------------
    @property
    def name(self) -> str:
        """The peripheral's advertised name (or its address)."""
        peripheral = self._world.peripheral(self.address)
        return peripheral.name if peripheral is not None else self.address.replace(":", "-")

    @property
    def mtu_size(self) -> int:
        """The negotiated ATT MTU (23 until connected)."""
        return self._connection.att_mtu if self._connection is not None else 23

    @property
    def is_connected(self) -> bool:
        """Whether the link is up."""
        return self._connection is not None

    # -- connectivity --------------------------------------------------------
    async def connect(self, pair: bool, **kwargs: Any) -> None:
        """Connect over the LocalLink, negotiate the MTU and discover all services.

        ``timeout`` (keyword) overrides the constructor's; bleak-retry-connector
        passes it and ``dangerous_use_bleak_cache``, which is ignored.
        """
        if self._connection is not None:
            return
        if self._world.peripheral(self.address) is None:
            raise BleakDeviceNotFoundError(
                self.address, f"Device with address {self.address} was not found."
            )
        timeout = float(kwargs.get("timeout", self._timeout))
        central = self._world.central
        try:
            async with asyncio.timeout(timeout):
                connection = await central.connect(
                    hci.Address(self.address), own_address_type=hci.OwnAddressType.RANDOM
                )
        except hci.HCI_Error as exc:
            raise BleakError(f"{self.address}: connect failed: {exc}") from exc
        self._connection = connection
        self._closing = False
        connection.on(connection.EVENT_DISCONNECTION, self._on_disconnection)
        try:
            async with asyncio.timeout(timeout):
                self._peer = Peer(connection)
                if self._mtu_request > connection.att_mtu:
                    await self._peer.request_mtu(self._mtu_request)
                await self._peer.discover_all()
                self.services = self._build_services(self._peer)
                if pair:
                    await self.pair()
        except BaseException:
            await self.disconnect()
            raise

    def _on_disconnection(self, reason: int) -> None:
        solicited = self._closing
        self._forget()
        if not solicited and self._disconnected_callback is not None:
            _LOGGER.debug("%s: unsolicited disconnect, reason %s", self.address, reason)
            self._disconnected_callback()

    def _forget(self) -> None:
        self._connection = None
        self._peer = None
        self._subscribers.clear()
        self.services = None

    async def disconnect(self) -> None:
        """Disconnect (a no-op when not connected); no disconnected callback."""
        connection = self._connection
        if connection is None:
            return
        self._closing = True
        try:
            await connection.disconnect()
        except (hci.HCI_Error, asyncio.CancelledError):
            raise
        except Exception as exc:  # noqa: BLE001 - link died on its own meanwhile
            _LOGGER.debug("%s: disconnect raced the link: %s", self.address, exc)
        finally:
            self._forget()

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Pair with bumble's SMP (Just Works, the emulators' default)."""
        connection = self._require_connection()
        await connection.pair()

    async def unpair(self) -> None:
        """Forget bonding: the emulated world keeps no bonds, so nothing to do."""

    # -- services --------------------------------------------------------------
    def _build_services(self, peer: Peer) -> BleakGATTServiceCollection:
        def mtu() -> int:
            return self.mtu_size - 3

        collection = BleakGATTServiceCollection()
        for service in peer.services:
            bleak_service = BleakGATTService(service, service.handle, bleak_uuid(service.uuid))
            collection.add_service(bleak_service)
            for characteristic in service.characteristics:
                properties = [
                    name for bit, name in _PROPERTY_NAMES.items() if characteristic.properties & bit
                ]
                bleak_characteristic = BleakGATTCharacteristic(
                    characteristic,
                    characteristic.handle,
                    bleak_uuid(characteristic.uuid),
                    properties,
                    mtu,
                    bleak_service,
                )
                collection.add_characteristic(bleak_characteristic)
                for descriptor in characteristic.descriptors:
                    collection.add_descriptor(
                        BleakGATTDescriptor(
                            descriptor,
                            descriptor.handle,
                            bleak_uuid(descriptor.type),
                            bleak_characteristic,
                        )
                    )
        return collection

    # -- I/O -----------------------------------------------------------------
    def _require_connection(self) -> Connection:
        if self._connection is None:
            raise BleakError(f"{self.address}: not connected")
        return self._connection

    def _require_peer(self) -> Peer:
        self._require_connection()
        assert self._peer is not None
        return self._peer

    async def _att(self, what: str, operation: Awaitable[_T]) -> _T:
        try:
            return await operation
        except (BleakError, asyncio.CancelledError, TimeoutError):
            raise
        except Exception as exc:
            raise BleakError(f"{self.address}: {what} failed: {exc}") from exc

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        """Read a characteristic value (long reads included)."""
        peer = self._require_peer()
        value = await self._att("read", peer.read_value(characteristic.handle))
        return bytearray(value)

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        """Read a descriptor value."""
        peer = self._require_peer()
        return bytearray(await self._att("read", peer.read_value(descriptor.handle)))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        """Write with (ATT Write Request) or without (Write Command) response."""
        peer = self._require_peer()
        await self._att(
            "write", peer.write_value(characteristic.handle, bytes(data), with_response=response)
        )

    async def write_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, data: SizedBuffer
    ) -> None:
        """Write a descriptor value (with response)."""
        peer = self._require_peer()
        await self._att("write", peer.write_value(descriptor.handle, bytes(data), True))

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        """Subscribe (notifications preferred over indications) and call back with data."""
        peer = self._require_peer()
        proxy = characteristic.obj
        if not isinstance(proxy, CharacteristicProxy):
            raise BleakError(f"{characteristic} does not come from this backend")

        def subscriber(value: bytes) -> None:
            callback(bytearray(value))

        old = self._subscribers.pop(characteristic.handle, None)
        if old is not None:
            await self._att("unsubscribe", peer.unsubscribe(old[0], old[1]))
        self._subscribers[characteristic.handle] = (proxy, subscriber)
        await self._att("subscribe", peer.subscribe(proxy, subscriber, prefer_notify=True))

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        """Unsubscribe and write 0 to the CCCD."""
        peer = self._require_peer()
        entry = self._subscribers.pop(characteristic.handle, None)
        if entry is None:
            return
        await self._att("unsubscribe", peer.unsubscribe(entry[0], entry[1]))


def _advertisement_data(advertisement: Advertisement, rssi: int) -> AdvertisementData:
    data = advertisement.data
    name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME) or data.get(
        AdvertisingData.SHORTENED_LOCAL_NAME
    )
    uuids: list[str] = []
    for kind in (
        AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
        AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
        AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
        AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
    ):
        for uuid in data.get_all(kind):
            for item in uuid if isinstance(uuid, list) else [uuid]:
                if bleak_uuid(item) not in uuids:
                    uuids.append(bleak_uuid(item))
    manufacturer: dict[int, bytes] = {}
    for company, company_payload in data.get_all(AdvertisingData.MANUFACTURER_SPECIFIC_DATA):
        manufacturer[int(company)] = bytes(company_payload)
    service_data: dict[str, bytes] = {}
    for entry in data.get_all(AdvertisingData.SERVICE_DATA_16_BIT_UUID) + data.get_all(
        AdvertisingData.SERVICE_DATA_128_BIT_UUID
    ):
        service_uuid, payload = entry
        service_data[bleak_uuid(service_uuid)] = bytes(payload)
    tx_power = data.get(AdvertisingData.TX_POWER_LEVEL)
    return AdvertisementData(
        local_name=str(name) if name is not None else None,
        manufacturer_data=manufacturer,
        service_data=service_data,
        service_uuids=uuids,
        tx_power=int(tx_power) if isinstance(tx_power, int) else None,
        rssi=rssi,
        platform_data=(advertisement,),
    )


class EmulatedScannerBackend(BaseBleakScanner):
    """bleak scanner backend reporting the world's advertising peripherals.

    The central scans the LocalLink passively; each advertisement becomes a
    ``BLEDevice`` (``details`` is :class:`EmulatedDeviceDetails`) and an
    ``AdvertisementData`` whose RSSI is the peripheral's configured ``rssi``.
    """

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: Literal["active", "passive"] = "active",
        *,
        world: World | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        world = world if world is not None else current_world()
        if world is None:
            raise BleakError("no emulated World: pass world=... or use `async with World()`")
        self._world = world
        self._remove: Callable[[], Awaitable[None]] | None = None

    async def start(self) -> None:
        """Clear ``seen_devices`` and start listening to advertisements."""
        self.seen_devices = {}
        if self._remove is None:
            self._remove = await self._world.add_advertisement_listener(self._on_advertisement)

    async def stop(self) -> None:
        """Stop listening."""
        remove, self._remove = self._remove, None
        if remove is not None:
            await remove()

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        address = str(advertisement.address).split("/")[0].upper()
        peripheral = self._world.peripheral(address)
        if peripheral is None:
            return
        adv = _advertisement_data(advertisement, peripheral.rssi)
        if not self.is_allowed_uuid(adv.service_uuids):
            return
        device = self.create_or_update_device(
            address, address, adv.local_name, EmulatedDeviceDetails(self._world, address), adv
        )
        self.call_detection_callbacks(device, adv)
