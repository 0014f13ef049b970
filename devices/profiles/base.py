"""What every device profile shares: the ``Profile`` contract and small helpers.

A profile knows one device family's protocol. The collector owns the
connection and the store; a profile only talks to a connected
:class:`bleak.BleakClient` and returns a :class:`SyncResult`:

- ``frame``: minute samples in the store's frame format (``device_id``,
  ``ts`` aware UTC whole minutes, ``steps``, ``activity``, ``heart_rate``,
  ``state``; see :func:`ipsrt.store.samples.prepare_samples`);
- ``cursor``: the new sync position for ``data_type`` (committed by the
  collector in the same transaction as the frame);
- ``battery``, ``clock_offset_s`` (device clock minus host clock, measured
  before the profile set the device's clock);
- ``ack``: a coroutine function the collector awaits **only after** the
  store committed (a Huami band drops acknowledged data; ``docs/devices.md``,
  "Collecting from wearables");
- ``more``: the profile wants another round now (history catching up).

Profiles never read the wall clock: ``clock`` and ``sleep`` are injected.
"""

from __future__ import annotations

import abc
import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pandas as pd
from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic

from devices.errors import DeviceError, ProtocolError
from devices.wire.gatt import (
    BATTERY_LEVEL,
    CURRENT_TIME,
    LOCAL_TIME_INFORMATION,
    CurrentTime,
    LocalTimeInformation,
    parse_battery_level,
)

__all__ = [
    "FRAME_COLUMNS",
    "MINUTE",
    "Clock",
    "DeviceContext",
    "NotificationQueue",
    "Profile",
    "ProfileTimeoutError",
    "Sleep",
    "SyncResult",
    "has_characteristic",
    "make_frame",
    "minute_before",
    "no_ack",
    "read_battery",
    "sync_clock_cts",
]

log = logging.getLogger(__name__)

MINUTE = dt.timedelta(minutes=1)
FRAME_COLUMNS = ("device_id", "ts", "steps", "activity", "heart_rate", "state")

Clock = Callable[[], dt.datetime]
Sleep = Callable[[float], Awaitable[None]]


class ProfileTimeoutError(DeviceError, TimeoutError):
    """A device did not answer in time (the collector retries later)."""


async def no_ack() -> None:
    """The ack of a result that needs none (live data)."""


@dataclasses.dataclass(frozen=True)
class DeviceContext:
    """What a profile knows about the device it syncs (never printed with its secret)."""

    device_id: int
    address: str
    zone: ZoneInfo
    secret: str | None = dataclasses.field(default=None, repr=False)


@dataclasses.dataclass(frozen=True)
class SyncResult:
    """The outcome of one sync round; see the module docstring."""

    frame: pd.DataFrame
    data_type: str
    cursor: str | None
    battery: int | None = None
    clock_offset_s: float | None = None
    more: bool = False
    ack: Callable[[], Awaitable[None]] = no_ack


class Profile(abc.ABC):
    """One device family's sync protocol over a connected ``BleakClient``.

    Parameters
    ----------
    device
        The device being synced (id, address, the client's zone, its secret).
    clock
        Returns the current aware UTC instant (the host clock, injected).
    sleep
        ``asyncio.sleep`` or a test's replacement.
    reply_timeout
        Real seconds to wait for any single answer of the device.
    """

    family: ClassVar[str]
    data_type: ClassVar[str]
    #: Live-only families keep the link and sync in windows; history families
    #: connect, catch up, disconnect.
    live: ClassVar[bool] = False

    def __init__(
        self,
        device: DeviceContext,
        *,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        reply_timeout: float = 10.0,
    ) -> None:
        self.device = device
        self.clock = clock
        self.sleep = sleep
        self.reply_timeout = reply_timeout

    @abc.abstractmethod
    async def sync(self, client: BleakClient, cursor: str | None) -> SyncResult:
        """Run one round against the connected ``client`` from ``cursor``."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(device_id={self.device.device_id})"


def make_frame(device_id: int, rows: Mapping[dt.datetime, Mapping[str, Any]]) -> pd.DataFrame:
    """A store sample frame from ``{utc minute: {column: value}}`` (sorted by minute)."""
    minutes = sorted(rows)
    data: dict[str, Any] = {
        "device_id": pd.Series([device_id] * len(minutes), dtype="int64"),
        "ts": pd.Series(
            pd.DatetimeIndex(minutes, tz="UTC") if minutes else [], dtype="datetime64[ns, UTC]"
        ),
    }
    for column in ("steps", "activity", "heart_rate"):
        values = [rows[m].get(column) for m in minutes]
        data[column] = pd.Series(values, dtype="Float64")
    states = [rows[m].get("state") for m in minutes]
    data["state"] = pd.Series(states, dtype="object")
    return pd.DataFrame(data)


def minute_before(received: dt.datetime) -> dt.datetime:
    """The UTC minute a live value received at ``received`` belongs to.

    A notification describes the time up to its arrival, so it is stored in
    the minute containing the instant one second before receipt: a value
    received at 12:34:20 belongs to 12:34, one received at 12:35:00 (the
    end of a minute) to 12:34.
    """
    return (received.astimezone(dt.UTC) - dt.timedelta(seconds=1)).replace(second=0, microsecond=0)


def has_characteristic(client: BleakClient, uuid: str) -> bool:
    """Whether the connected device offers the characteristic ``uuid``."""
    return client.services.get_characteristic(uuid) is not None


async def read_battery(client: BleakClient) -> int | None:
    """Battery Level 0x2A19 in percent, or ``None`` without a battery service."""
    if not has_characteristic(client, BATTERY_LEVEL):
        return None
    return parse_battery_level(bytes(await client.read_gatt_char(BATTERY_LEVEL))).percent


def _zone_offsets(now: dt.datetime, zone: ZoneInfo) -> tuple[dt.timedelta, dt.timedelta]:
    local = now.astimezone(zone)
    dst = local.dst() or dt.timedelta(0)
    return (local.utcoffset() or dt.timedelta(0)) - dst, dst


async def read_device_local(client: BleakClient) -> tuple[dt.datetime | None, dt.timedelta | None]:
    """The device's wall clock (Current Time 0x2A2B) and its UTC offset (0x2A0F), if known."""
    current = CurrentTime.from_bytes(bytes(await client.read_gatt_char(CURRENT_TIME)))
    local = current.to_datetime() if current.is_known else None
    offset: dt.timedelta | None = None
    if has_characteristic(client, LOCAL_TIME_INFORMATION):
        info = LocalTimeInformation.from_bytes(
            bytes(await client.read_gatt_char(LOCAL_TIME_INFORMATION))
        )
        offset = info.utc_offset
    return local, offset


async def sync_clock_cts(client: BleakClient, now: dt.datetime, zone: ZoneInfo) -> float | None:
    """Measure the device clock against ``now``, then set it to ``now`` in ``zone``.

    Reads Current Time 0x2A2B (and Local Time Information 0x2A0F for the
    device's UTC offset; without it the client's zone is assumed), returns
    device UTC minus ``now`` in seconds (``None`` if the device does not know
    its date), then writes Local Time Information (the zone's standard and
    DST offsets at ``now``) and Current Time (``now`` as local wall time),
    in that order (``docs/devices.md``, "Current Time and Local Time
    Information" and "Clock handling").
    """
    local, device_offset = await read_device_local(client)
    offset_s: float | None = None
    if local is not None:
        if device_offset is None:
            device_offset = now.astimezone(zone).utcoffset() or dt.timedelta(0)
        device_utc = (local - device_offset).replace(tzinfo=dt.UTC)
        offset_s = (device_utc - now.replace(microsecond=0)).total_seconds()
    standard, dst = _zone_offsets(now, zone)
    if has_characteristic(client, LOCAL_TIME_INFORMATION):
        try:
            info = LocalTimeInformation.from_offsets(standard, dst)
        except ValueError as exc:
            raise ProtocolError(f"zone {zone.key} has no Local Time Information code") from exc
        await client.write_gatt_char(LOCAL_TIME_INFORMATION, bytes(info), response=True)
    wall = now.astimezone(zone).replace(tzinfo=None)
    await client.write_gatt_char(
        CURRENT_TIME, bytes(CurrentTime.from_datetime(wall)), response=True
    )
    return offset_s


class NotificationQueue:
    """Notifications of one characteristic as ``(receipt instant, bytes)`` pairs.

    ``last_received`` is the latest receipt instant seen (``None`` before the
    first); it survives :meth:`drain` and tells a live profile whether the
    stream is still expected to deliver (:meth:`expects_after`).
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._queue: asyncio.Queue[tuple[dt.datetime, bytes]] = asyncio.Queue()
        self.last_received: dt.datetime | None = None

    def callback(self, _sender: BleakGATTCharacteristic, data: bytearray) -> None:
        """The handler to give ``BleakClient.start_notify``."""
        self.put(self._clock(), bytes(data))

    def put(self, received: dt.datetime, data: bytes) -> None:
        """Queue ``data`` received at ``received`` (the callback's work, for direct use)."""
        if self.last_received is None or received > self.last_received:
            self.last_received = received
        self._queue.put_nowait((received, data))

    def expects_after(self, end: dt.datetime, period: dt.timedelta = MINUTE) -> bool:
        """Whether a notification received at or after ``end`` is still due.

        True when the stream delivered within ``period`` before ``end``
        (``end - period <= last receipt < end``): a stream that notifies at
        least once per ``period`` owes one more at ``end`` (the value of the
        minute that ends there). A stream silent for longer, or one that has
        already delivered at or after ``end``, owes nothing
        (``docs/devices.md``, "Late notifications").
        """
        last = self.last_received
        return last is not None and end - period <= last < end

    async def get(self, wait: float, what: str) -> bytes:
        """The next value; :class:`ProfileTimeoutError` after ``wait`` real seconds."""
        # asyncio.timeout rather than asyncio.wait_for: on Python 3.11 wait_for
        # can swallow a cancellation that arrives as the value does
        # (CPython gh-86296), and the collector would never stop on SIGTERM.
        try:
            async with asyncio.timeout(wait):
                _, value = await self._queue.get()
        except TimeoutError as exc:
            raise ProfileTimeoutError(f"no {what} within {wait:g} s") from exc
        return value

    def drain(self) -> list[tuple[dt.datetime, bytes]]:
        """Every value received so far, oldest first."""
        out: list[tuple[dt.datetime, bytes]] = []
        while not self._queue.empty():
            out.append(self._queue.get_nowait())
        return out

    def clear(self) -> None:
        """Forget pending values."""
        self.drain()


def sorted_unique(values: Iterable[dt.datetime]) -> list[dt.datetime]:
    """Sorted distinct instants."""
    return sorted(set(values))
