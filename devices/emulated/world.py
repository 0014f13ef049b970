"""The virtual radio world: one bumble ``LocalLink``, one central, many wearables.

Everything in a test that "is Bluetooth" lives in a :class:`World`:

- a bumble :class:`~bumble.link.LocalLink` joining in-process virtual
  controllers (no radio, no ``/dev/vhci``);
- ``world.central``: a bumble ``Device`` used by the bleak backend
  (:mod:`devices.emulated.backend`) as its host stack;
- any number of :class:`Peripheral` emulators, each with its own virtual
  controller, GATT server, address, advertising name and fault plan;
- ``world.clock``: a :class:`VirtualClock` the test drives. Emulators read it,
  never the wall clock, so a day of per-minute notifications runs in well
  under a second (``await world.advance(timedelta(days=1))``).

Adding a peripheral (the contract for emulator authors)::

    class MyBand(Peripheral):
        def build_services(self) -> list[gatt.Service]:
            self.level = make_characteristic(
                "2A19", read=lambda conn: bytes([self.battery]), notify=True)
            self.cmd = make_characteristic(
                "6e400002-b5a3-f393-e0a9-e50e24dcca9e",
                write=self.on_command, write_without_response=True)
            return [gatt.Service("180F", [self.level]), ...]

        def advertised_service_uuids(self) -> list[str]:
            return ["180F"]                       # goes into the advertisement

        def on_connect(self, connection) -> None: ...     # link up (sync hook)
        def on_disconnect(self, reason: int) -> None: ... # link down, any side

        def on_command(self, connection, value: bytes) -> None:
            self.spawn(self.answer(value))        # long work: a tracked task

        async def answer(self, value: bytes) -> None:
            for chunk in chunks:
                if not await self.checkpoint("my.transfer.chunk"):
                    return                        # a fault dropped the link
                await self.notify(self.level, chunk)   # faults applied here

        async def on_tick(self, now: datetime) -> None: ...  # scenario clock moved

    async with World(clock=VirtualClock(start)) as world:
        band = await world.add(MyBand(address="C0:00:00:00:00:01", name="MyBand"))

Reads and writes arrive through the callables given to
:func:`make_characteristic` (bumble ``CharacteristicValue``); a write
callable may be ``async``. ``self.clock`` is the scenario clock,
``self.device_clock`` the wearable's own (offset, drift, resets) clock.

The world installs itself for the duration of its ``async with`` block (a
``ContextVar``, see :func:`current_world`), so ``BleakClient(address,
backend=EmulatedClientBackend)`` finds it; passing ``world=`` explicitly, or
a ``BLEDevice`` from the emulated scanner, works too.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from types import TracebackType
from typing import Any, Self, TypeVar

from bumble import core as bumble_core
from bumble import gatt, hci
from bumble.controller import Controller
from bumble.core import AdvertisingData
from bumble.device import Advertisement, Connection, Device
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from devices.emulated.faults import DeviceClock, FaultPlan, NotificationFaults

__all__ = [
    "EmulatedDeviceDetails",
    "Peripheral",
    "VirtualClock",
    "World",
    "current_world",
    "make_characteristic",
]

_LOGGER = logging.getLogger(__name__)
_CURRENT: contextvars.ContextVar[World | None] = contextvars.ContextVar(
    "devices_emulated_world", default=None
)
#: HCI reason a peripheral gives when it drops the link itself.
REMOTE_USER_TERMINATED = hci.HCI_REMOTE_USER_TERMINATED_CONNECTION_ERROR


def current_world() -> World | None:
    """The world installed by the innermost running ``async with World()``."""
    return _CURRENT.get()


class VirtualClock:
    """The scenario clock: an aware UTC instant that only the test moves."""

    def __init__(self, start: dt.datetime) -> None:
        if start.utcoffset() is None:
            raise ValueError("VirtualClock needs an aware start instant")
        self._now = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        """The current scenario instant (UTC)."""
        return self._now

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Move forward by ``delta`` (never backwards) and return the new instant."""
        if delta < dt.timedelta(0):
            raise ValueError("the scenario clock never runs backwards")
        self._now += delta
        return self._now


@dataclasses.dataclass(frozen=True)
class EmulatedDeviceDetails:
    """``BLEDevice.details`` of a device found by the emulated scanner."""

    world: World
    address: str


def make_characteristic(
    uuid: str,
    *,
    read: Callable[[Connection], bytes] | None = None,
    write: (
        Callable[[Connection, bytes], None] | Callable[[Connection, bytes], Awaitable[None]] | None
    ) = None,
    value: bytes | None = None,
    notify: bool = False,
    indicate: bool = False,
    write_without_response: bool = False,
) -> gatt.Characteristic[bytes]:
    """A bumble GATT characteristic whose properties follow the callables given.

    ``read`` makes it readable (dynamic value), ``value`` readable with a
    static value; ``write`` makes it writable with response, and also without
    response when ``write_without_response``; ``notify``/``indicate`` add those
    properties (bumble adds the CCCD descriptor itself).
    """
    props = gatt.Characteristic.Properties(0)
    perms = gatt.Characteristic.Permissions(0)
    if read is not None or value is not None:
        props |= gatt.Characteristic.Properties.READ
        perms |= gatt.Characteristic.Permissions.READABLE
    if write is not None:
        props |= gatt.Characteristic.Properties.WRITE
        perms |= gatt.Characteristic.Permissions.WRITEABLE
        if write_without_response:
            props |= gatt.Characteristic.Properties.WRITE_WITHOUT_RESPONSE
    if notify:
        props |= gatt.Characteristic.Properties.NOTIFY
    if indicate:
        props |= gatt.Characteristic.Properties.INDICATE
    attr_value: Any = value if value is not None else b""
    if read is not None or write is not None:
        attr_value = gatt.CharacteristicValue(read=read, write=write)
    return gatt.Characteristic(uuid, props, perms, attr_value)


class Peripheral:
    """Base class of an emulated wearable; see the module docstring for the contract.

    Args:
        address: its static random address, ``"C0:00:00:00:00:01"`` style.
        name: the advertised Complete Local Name.
        rssi: the RSSI the emulated scanner reports for it.
        faults: its fault plan (default: none).
        zone: IANA zone (or tzinfo) of the device's local clock before a Local
            Time write; defaults to UTC.
    """

    def __init__(
        self,
        *,
        address: str,
        name: str,
        rssi: int = -60,
        faults: FaultPlan | None = None,
        zone: dt.tzinfo = dt.UTC,
    ) -> None:
        self.address = address.upper()
        self.name = name
        self.rssi = rssi
        self.faults = faults or FaultPlan()
        self.zone = zone
        self._world: World | None = None
        self._device: Device | None = None
        self._controller: Controller | None = None
        self.device_clock: DeviceClock | None = None
        self.connection: Connection | None = None
        self.notifications_sent = 0
        self._notification_faults = NotificationFaults(self.faults)
        self._checkpoints: dict[str, int] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- to override -------------------------------------------------------
    def build_services(self) -> list[gatt.Service]:
        """The GATT services to host (called once, when added to a world)."""
        raise NotImplementedError

    def advertised_service_uuids(self) -> list[str]:
        """Service UUIDs (16-bit ``"180D"`` or 128-bit strings) to advertise."""
        return []

    def on_connect(self, connection: Connection) -> None:
        """Hook: a central connected (runs synchronously in bumble's event)."""

    def on_disconnect(self, reason: int) -> None:
        """Hook: the link went down, whichever side dropped it."""

    async def on_tick(self, now: dt.datetime) -> None:
        """Hook: the scenario clock moved to ``now`` (see :meth:`World.advance`)."""

    # -- provided ----------------------------------------------------------
    @property
    def world(self) -> World:
        """The world this peripheral lives in (after :meth:`World.add`)."""
        if self._world is None:
            raise RuntimeError(f"{self.name} is not part of a World yet")
        return self._world

    @property
    def device(self) -> Device:
        """The peripheral's bumble ``Device``."""
        if self._device is None:
            raise RuntimeError(f"{self.name} is not part of a World yet")
        return self._device

    @property
    def clock(self) -> VirtualClock:
        """The scenario clock (true time)."""
        return self.world.clock

    @property
    def is_connected(self) -> bool:
        """Whether a central is connected right now."""
        return self.connection is not None

    def advertising_data(self) -> bytes:
        """The advertising payload: flags, name and the advertised service UUIDs."""
        fields: list[tuple[int, bytes]] = [
            (AdvertisingData.FLAGS, bytes([0x06])),
            (AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode()),
        ]
        short = [bumble_core.UUID(u) for u in self.advertised_service_uuids() if len(u) <= 4]
        long = [bumble_core.UUID(u) for u in self.advertised_service_uuids() if len(u) > 4]
        if short:
            fields.append(
                (
                    AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
                    b"".join(u.to_bytes() for u in short),
                )
            )
        if long:
            fields.append(
                (
                    AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                    b"".join(u.to_bytes(force_128=True) for u in long),
                )
            )
        return bytes(AdvertisingData(fields))

    async def notify(self, characteristic: gatt.Characteristic[Any], value: bytes) -> int:
        """Notify subscribers of ``value`` through the fault plan.

        Returns how many packets went on the air (0 when dropped or when no
        central is connected). Honours ``disconnect_after_notifications``.
        """
        if self.connection is None:
            return 0
        sent = 0
        for packet in self._notification_faults.process(value):
            if self.connection is None:
                break
            await self.device.notify_subscribers(characteristic, packet)
            self.world._pending_delivery = True
            sent += 1
            self.notifications_sent += 1
            limit = self.faults.disconnect_after_notifications
            if limit is not None and self.notifications_sent >= limit:
                await self.drop_link()
                break
        return sent

    async def checkpoint(self, point: str) -> bool:
        """Mark a point of a transfer; ``False`` if a fault dropped the link here."""
        count = self._checkpoints.get(point, 0) + 1
        self._checkpoints[point] = count
        if self.faults.disconnect_at.get(point) == count:
            await self.drop_link()
            return False
        return self.connection is not None

    async def drop_link(self) -> None:
        """Disconnect from the peripheral side (the central sees it as unsolicited)."""
        connection = self.connection
        if connection is not None:
            try:
                await connection.disconnect(REMOTE_USER_TERMINATED)
            except Exception:
                _LOGGER.debug("%s: link already down", self.name, exc_info=True)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro`` as a task owned by this peripheral (cancelled on removal)."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- wiring (called by World) -----------------------------------------
    def _on_bumble_connection(self, connection: Connection) -> None:
        self.connection = connection
        self.notifications_sent = 0
        self._notification_faults.reset()
        connection.on(
            connection.EVENT_DISCONNECTION,
            lambda reason: self._on_bumble_disconnection(connection, reason),
        )
        self.on_connect(connection)

    def _on_bumble_disconnection(self, connection: Connection, reason: int) -> None:
        if self.connection is connection:
            self.connection = None
        self._notification_faults.reset()
        self.on_disconnect(reason)

    async def _cancel_tasks(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


AdvertisementListener = Callable[[Advertisement], None]
_P = TypeVar("_P", bound=Peripheral)


class World:
    """One virtual radio world; use as ``async with World(...) as world``.

    Args:
        clock: the scenario clock (default: starts 2026-01-05T00:00Z).
        central_address: address of the central bumble device.
        advertising_interval_ms: advertising interval of every peripheral;
            a connect waits for the next advertisement, so keep it small.
        install: make this world :func:`current_world` inside the block.
    """

    def __init__(
        self,
        *,
        clock: VirtualClock | None = None,
        central_address: str = "F0:00:00:00:00:01",
        advertising_interval_ms: float = 5.0,
        install: bool = True,
    ) -> None:
        self.clock = clock or VirtualClock(dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
        self.link = LocalLink()
        self._central_controller = Controller(
            "central", link=self.link, public_address=central_address
        )
        self.central = Device(
            name="ipsrt-central",
            address=hci.Address(central_address),
            host=Host(self._central_controller, AsyncPipeSink(self._central_controller)),
        )
        self._interval = advertising_interval_ms
        self._install = install
        self._token: contextvars.Token[World | None] | None = None
        self._peripherals: dict[str, Peripheral] = {}
        self._listeners: dict[object, AdvertisementListener] = {}
        self._running = False
        self._pending_delivery = False
        #: loop rounds ``advance`` lets run after a step that notified.
        self.delivery_rounds = 2

    # -- lifecycle ---------------------------------------------------------
    async def __aenter__(self) -> Self:
        await self.central.power_on()
        self.central.on(self.central.EVENT_ADVERTISEMENT, self._on_advertisement)
        self._running = True
        if self._install:
            self._token = _CURRENT.set(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            for peripheral in list(self._peripherals.values()):
                await self.remove(peripheral)
            if self.central.scanning:
                await self.central.stop_scanning()
            await self.central.power_off()
        finally:
            self._running = False
            if self._token is not None:
                try:
                    _CURRENT.reset(self._token)
                except ValueError:  # exited in another context (e.g. a fixture)
                    _CURRENT.set(None)
                self._token = None

    # -- registry ----------------------------------------------------------
    async def add(self, peripheral: _P) -> _P:
        """Give ``peripheral`` a controller on the link, power it on, advertise."""
        if not self._running:
            raise RuntimeError("add peripherals inside `async with World()`")
        if peripheral.address in self._peripherals:
            raise ValueError(f"address {peripheral.address} is already in this world")
        controller = Controller(peripheral.name, link=self.link)
        device = Device(
            name=peripheral.name,
            address=hci.Address(peripheral.address),
            host=Host(controller, AsyncPipeSink(controller)),
        )
        peripheral._world = self
        peripheral._device = device
        peripheral._controller = controller
        peripheral.device_clock = DeviceClock(self.clock.now, peripheral.zone, peripheral.faults)
        device.add_services(peripheral.build_services())
        device.on(device.EVENT_CONNECTION, peripheral._on_bumble_connection)
        await device.power_on()
        await device.start_advertising(
            auto_restart=True,
            advertising_data=peripheral.advertising_data(),
            advertising_interval_min=self._interval,
            advertising_interval_max=self._interval,
        )
        self._peripherals[peripheral.address] = peripheral
        return peripheral

    async def remove(self, peripheral: Peripheral) -> None:
        """Take ``peripheral`` off the air (drops its link, cancels its tasks)."""
        self._peripherals.pop(peripheral.address, None)
        await peripheral._cancel_tasks()
        device = peripheral.device
        await device.stop_advertising()
        if peripheral.connection is not None:
            await peripheral.drop_link()
        await device.power_off()
        if peripheral._controller is not None:
            self.link.remove_controller(peripheral._controller)

    def peripheral(self, address: str) -> Peripheral | None:
        """The peripheral at ``address`` (case-insensitive), if any."""
        return self._peripherals.get(address.upper())

    @property
    def peripherals(self) -> list[Peripheral]:
        """All peripherals, in the order they were added."""
        return list(self._peripherals.values())

    def central_connections(self) -> int:
        """How many links the central holds (leak checks)."""
        return len(self.central.connections)

    # -- time --------------------------------------------------------------
    def steps(self, until: dt.datetime, step: dt.timedelta) -> Iterator[dt.datetime]:
        """The instants an ``advance`` from now to ``until`` ticks at."""
        now = self.clock.now()
        while now + step <= until:
            now += step
            yield now

    async def advance(
        self, delta: dt.timedelta, *, step: dt.timedelta = dt.timedelta(minutes=1)
    ) -> None:
        """Move the scenario clock by ``delta`` in ``step``s, ticking every peripheral.

        At each step every peripheral's :meth:`Peripheral.on_tick` runs in
        turn; if any notified, the loop then runs ``delivery_rounds`` rounds so
        the central's callbacks see them before the clock moves on.
        """
        if step <= dt.timedelta(0):
            raise ValueError("step must be positive")
        until = self.clock.now() + delta
        for instant in list(self.steps(until, step)):
            self.clock.advance(instant - self.clock.now())
            for peripheral in list(self._peripherals.values()):
                await peripheral.on_tick(instant)
            if self._pending_delivery:
                self._pending_delivery = False
                await self.settle(self.delivery_rounds)
        if self.clock.now() < until:
            self.clock.advance(until - self.clock.now())
        await self.settle()

    async def settle(self, rounds: int = 5) -> None:
        """Let the event loop run a few rounds so in-flight PDUs land."""
        for _ in range(rounds):
            await asyncio.sleep(0)

    # -- scanning ----------------------------------------------------------
    async def add_advertisement_listener(
        self, listener: AdvertisementListener
    ) -> Callable[[], Awaitable[None]]:
        """Start central scanning (if needed) and feed ``listener``; returns a remover."""
        token = object()
        self._listeners[token] = listener
        if not self.central.scanning:
            await self.central.start_scanning(active=False, filter_duplicates=False)

        async def remove() -> None:
            self._listeners.pop(token, None)
            if not self._listeners and self.central.scanning and self._running:
                await self.central.stop_scanning()

        return remove

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        for listener in list(self._listeners.values()):
            listener(advertisement)
