"""A collection session against emulated wearables: the world, the devices, the collector.

:func:`collect_emulated` registers one emulated device of each family for a
client (marked ``emulated`` in the store, so that a clinic database never
counts their minutes), builds an in-process world of emulated wearables
(bumble, no radio) replaying a generated two-day scenario in the client's
zone on a virtual clock, lets a day of history accumulate, then runs the real
collector against it through the bleak backend of :mod:`devices.emulated`.

Each client gets its own addresses (the last two bytes are the client's id),
so two clients' emulated devices are never confused: the session collects
only devices of the named client, and refuses (changing nothing) when one of
the client's emulated addresses is already registered for someone else.
Retired devices are not collected.

The world's virtual clock continues where the client's emulated devices
were last seen (or starts at the real time if that is later), so a repeated
run fetches what "happened" since the previous one instead of replaying the
same days behind the stored cursors.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from devices.collector import Collector, DeviceReport
from devices.emulated.backend import EmulatedClientBackend, EmulatedScannerBackend
from devices.emulated.bangle import BangleWatch
from devices.emulated.gatt_standard import StandardBand
from devices.emulated.huami import TEST_KEY, HuamiBand
from devices.emulated.infinitime import InfiniTimeWatch
from devices.emulated.scenario import Scenario
from devices.emulated.world import VirtualClock, World
from devices.profiles import DEFAULT_PROFILES
from devices.profiles.base import Clock, DeviceContext, Profile, Sleep
from devices.profiles.gatt_standard import GattStandardProfile
from devices.profiles.infinitime import InfiniTimeProfile
from ipsrt.errors import AlreadyExistsError
from ipsrt.models import Device
from ipsrt.store import Store

__all__ = [
    "EMULATED_FAMILIES",
    "HISTORY_FAMILIES",
    "PERIPHERALS",
    "Replay",
    "collect_emulated",
    "collect_in_world",
    "collect_replays",
    "emulated_addresses",
    "emulated_world",
    "virtual_start",
    "world_of",
]

#: Family -> (first address byte, display name) of the emulated demo devices.
EMULATED_FAMILIES: dict[str, tuple[int, str]] = {
    "gatt-standard": (0xC0, "IPSRT Band"),
    "infinitime": (0xC1, "InfiniTime"),
    "huami": (0xC3, "Mi Smart Band 4"),
    "banglejs": (0xC2, "Bangle.js 1a2b"),
}

Progress = Callable[[str], None]


def emulated_addresses(client_id: int) -> dict[str, str]:
    """Family -> Bluetooth address of a client's emulated devices (unique per client)."""
    hi, lo = divmod(client_id % 65536, 256)
    return {
        family: f"{first:02X}:00:00:00:{hi:02X}:{lo:02X}"
        for family, (first, _name) in EMULATED_FAMILIES.items()
    }


#: The emulated wearable of each family.
PERIPHERALS: dict[str, Callable[..., Any]] = {
    "gatt-standard": StandardBand,
    "infinitime": InfiniTimeWatch,
    "huami": HuamiBand,
    "banglejs": BangleWatch,
}


async def emulated_world(
    zone: str, start_date: dt.date, addresses: dict[str, str], *, days: int = 2
) -> World:
    """An entered world with one emulated wearable per family at *addresses*.

    The world's clock starts at the local midnight of *start_date*; the
    scenario lasts *days* days.
    """
    scenario = Scenario.generate(seed=1, days=days, zone=zone, start_date=start_date)
    return await world_of([(family, address, scenario) for family, address in addresses.items()])


async def world_of(wearables: Sequence[tuple[str, str, Scenario]]) -> World:
    """An entered world with a wearable of *family* at *address* replaying each *scenario*.

    The clock starts at the earliest scenario start.
    """
    world = World(clock=VirtualClock(min(scenario.start for _f, _a, scenario in wearables)))
    await world.__aenter__()
    for family, address, scenario in wearables:
        await world.add(PERIPHERALS[family](scenario, address=address))
    return world


def _register(
    store: Store,
    client_code: str,
    now: dt.datetime,
    progress: Progress,
    actor: str,
    families: Sequence[str] = tuple(EMULATED_FAMILIES),
) -> list[Device]:
    """The client's emulated devices of *families* (registered first if missing), retired
    ones left out.

    Raises :class:`AlreadyExistsError` (nothing registered) when one of the
    client's emulated addresses belongs to another client's device.
    """
    client = store.client(client_code)
    assert client.id is not None
    addresses = {
        family: address
        for family, address in emulated_addresses(client.id).items()
        if family in families
    }
    registered = {(d.family, d.address): d for d in store.devices()}
    owners = {c.id: c.code for c in store.clients(include_archived=True)}
    for family, address in addresses.items():
        other = registered.get((family, address))
        if other is not None and other.client_id != client.id:
            raise AlreadyExistsError(
                f"the emulated {family} address {address} of {client_code} is already "
                f"registered for client {owners.get(other.client_id, '?')} (device {other.id}); "
                "nothing was registered or collected"
            )
        if other is not None and not other.emulated:
            raise AlreadyExistsError(
                f"the emulated {family} address {address} is registered as a real device "
                f"of {client_code} (device {other.id}); nothing was registered or collected"
            )
    devices = []
    for family, address in addresses.items():
        device = registered.get((family, address))
        if device is None:
            device = store.add_device(
                client_code,
                family,
                address,
                now=now,
                name=EMULATED_FAMILIES[family][1],
                secret=TEST_KEY.hex() if family == "huami" else None,
                emulated=True,
                actor=actor,
            )
            progress(f"registered emulated {family} device {address} for {client_code}")
        if device.retired_at is not None:
            progress(f"device {device.id} ({family}) is retired: not collected")
            continue
        devices.append(device)
    return devices


def virtual_start(devices: list[Device], now: dt.datetime) -> dt.datetime:
    """When the emulated world's collection starts: after the devices were last seen.

    The virtual clock is also what the collector stamps ``last_seen`` with,
    so starting a minute after the latest ``last_seen`` (or at *now* if that
    is later) makes every run continue the previous one: history devices
    fetch from their stored cursor onwards and live devices listen to new
    minutes (a run that restarted the same virtual days found every cursor
    "in the future" and fetched nothing).
    """
    seen = [d.last_seen for d in devices if d.last_seen is not None]
    start = max([now, *(t + dt.timedelta(minutes=1) for t in seen)])
    return start.replace(second=0, microsecond=0)


async def _demo_sleep(seconds: float) -> None:
    """Backoff in the emulated world: the virtual clock does not need real waits."""
    await asyncio.sleep(min(seconds, 0.05))


def _live(cls: type[GattStandardProfile], window: dt.timedelta) -> Any:
    def make(device: DeviceContext, clock: Clock, sleep: Sleep) -> Profile:
        return cls(device, clock=clock, sleep=sleep, window=window)

    return make


async def collect_emulated(
    store: Store,
    client_code: str,
    *,
    now: dt.datetime,
    once: bool,
    window: dt.timedelta,
    progress: Progress,
    on_task: Callable[[asyncio.Task[dict[int, DeviceReport]]], Awaitable[None]] | None = None,
    actor: str = "cli",
) -> dict[int, DeviceReport]:
    """Register the client's emulated devices and collect from them.

    With *once*, every device syncs once (a live device is listened to for
    *window*); otherwise the collector runs until the scenario ends or the
    task is cancelled (*on_task* receives the task, e.g. to cancel it on a
    signal). Returns the per-device reports.
    """
    devices = _register(store, client_code, now, progress, actor)
    client = store.client(client_code)
    assert client.id is not None
    ids = [d.id for d in devices if d.id is not None and d.client_id == client.id]
    if not ids:
        return {}
    collect_at = virtual_start(devices, now)
    # The scenario runs from the local midnight of the day before collect_at
    # for three days: at least a day of history, and at least a day to collect.
    first_day = collect_at.astimezone(ZoneInfo(client.timezone)).date() - dt.timedelta(days=1)
    world = await emulated_world(client.timezone, first_day, emulated_addresses(client.id), days=3)
    return await collect_in_world(
        store,
        world,
        ids,
        collect_at=collect_at,
        once=once,
        window=window,
        progress=progress,
        on_task=on_task,
    )


#: Longest real time a collection with the clock held may take.
HELD_CLOCK_LIMIT_S = 300.0
#: Families whose bands keep a history the collector fetches (the others are heard live).
HISTORY_FAMILIES = frozenset({"huami", "banglejs"})


@dataclasses.dataclass(frozen=True)
class Replay:
    """One emulated wearable of *family* for *client_code*, replaying *scenario*,
    collected at the virtual instant *at*."""

    client_code: str
    family: str
    scenario: Scenario
    at: dt.datetime


async def collect_replays(
    store: Store,
    replays: Sequence[Replay],
    *,
    now: dt.datetime,
    window: dt.timedelta,
    progress: Progress,
    actor: str = "cli",
) -> dict[int, DeviceReport]:
    """Register each replay's emulated device (at *now*) and collect from it once.

    Replays are collected in groups of one instant and kind, each in a world
    of its own whose clock runs from the earliest scenario start to the
    group's instant: history bands (Huami, Bangle.js) then hold every minute
    of their scenario up to it and are fetched with the clock standing still
    (a moving virtual clock would make the band's clock offset, read over
    Current Time, stale by the time the samples arrive); live bands (GATT
    standard, InfiniTime) are listened to for *window* from it. The demo
    uses this to let a synthetic cohort's last days arrive over the BLE path.
    """
    groups: dict[tuple[dt.datetime, bool], list[tuple[Device, Replay]]] = {}
    for replay in replays:
        for device in _register(
            store, replay.client_code, now, progress, actor, families=(replay.family,)
        ):
            key = (replay.at, replay.family in HISTORY_FAMILIES)
            groups.setdefault(key, []).append((device, replay))
    reports: dict[int, DeviceReport] = {}
    for (at, history), members in sorted(groups.items(), key=lambda item: item[0]):
        world = await world_of([(r.family, d.address, r.scenario) for d, r in members])
        reports |= await collect_in_world(
            store,
            world,
            [d.id for d, _r in members if d.id is not None],
            collect_at=virtual_start([d for d, _r in members], at),
            once=True,
            window=window,
            progress=progress,
            hold_clock=history,
        )
    return reports


async def collect_in_world(
    store: Store,
    world: World,
    device_ids: Sequence[int],
    *,
    collect_at: dt.datetime,
    once: bool,
    window: dt.timedelta,
    progress: Progress,
    on_task: Callable[[asyncio.Task[dict[int, DeviceReport]]], Awaitable[None]] | None = None,
    hold_clock: bool = False,
) -> dict[int, DeviceReport]:
    """Run the real collector on *device_ids* in an entered *world* from *collect_at*; exits it.

    With *once*, every device syncs once (a live device is listened to for
    *window*); otherwise the collector runs for a virtual day or until the
    task is cancelled. With *hold_clock* (history bands only, *once*) the
    virtual clock stands still while they are fetched, for at most
    :data:`HELD_CLOCK_LIMIT_S` seconds of real time.
    """
    try:
        await world.advance(collect_at - world.clock.now())
        progress(f"emulated world: virtual clock at {collect_at:%Y-%m-%d %H:%M} UTC")
        profiles = dict(DEFAULT_PROFILES)
        profiles["gatt-standard"] = _live(GattStandardProfile, window)
        profiles["infinitime"] = _live(InfiniTimeProfile, window)
        collector = Collector(
            store,
            backend_client_cls=EmulatedClientBackend,
            scanner_cls=EmulatedScannerBackend,
            clock=world.clock.now,
            profiles=profiles,
            sleep=_demo_sleep,
            connect_attempts=1,
            history_interval=1.0,
            devices=list(device_ids),
            on_progress=progress,
        )
        run = collector.run_once() if once else collector.run_forever()
        task: asyncio.Task[dict[int, DeviceReport]] = asyncio.create_task(run)
        if on_task is not None:
            await on_task(task)
        # Drive the virtual clock a minute at a time: with once until every
        # device has synced, otherwise for a virtual day.
        end = collect_at + dt.timedelta(days=1) - dt.timedelta(minutes=1)
        if hold_clock:
            await asyncio.wait({task}, timeout=HELD_CLOCK_LIMIT_S)
        while not hold_clock and not task.done() and world.clock.now() < end:
            await world.advance(dt.timedelta(minutes=1))
            await asyncio.sleep(0.002)
        if not task.done():
            task.cancel()
        try:
            return await task
        except asyncio.CancelledError:
            return {}
    finally:
        await world.__aexit__(None, None, None)
