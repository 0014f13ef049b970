"""``ipsrt devices scan|add|list`` and ``ipsrt collect``: wearables and the collector.

The ``devices`` package is imported inside the commands only (the CLI is the
composition root; ``ipsrt`` never imports ``devices`` at module level).

``--emulated`` runs everything against an in-process world of emulated
wearables (bumble, no radio): one per family with an emulator
(``gatt-standard`` C0:00:00:00:00:01, ``infinitime`` C1:00:00:00:00:01,
``huami`` C3:00:00:00:00:01 with the emulator's test key, ``banglejs``
C2:00:00:00:00:01), each replaying a
generated two-day scenario in the client's zone on a virtual clock. ``ipsrt
collect --emulated --client CODE`` registers those demo devices for the
client when they are missing, lets a day of history accumulate, then syncs.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from ipsrt.cli.common import (
    DbOption,
    JsonOption,
    database_url,
    fail,
    handle_errors,
    print_json,
    stdout,
    utc_now,
)
from ipsrt.store import Store

if TYPE_CHECKING:
    from devices.collector import DeviceReport
    from devices.emulated import World

devices_app = typer.Typer(help="Wearables: find, register and list them.", no_args_is_help=True)

#: Emulated demo devices: family → (address, display name).
EMULATED_DEVICES: dict[str, tuple[str, str]] = {
    "gatt-standard": ("C0:00:00:00:00:01", "IPSRT Band"),
    "infinitime": ("C1:00:00:00:00:01", "InfiniTime"),
    "huami": ("C3:00:00:00:00:01", "Mi Smart Band 4"),
    "banglejs": ("C2:00:00:00:00:01", "Bangle.js 1a2b"),
}


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- emulated world ---------------------------------------------------------------


async def _emulated_world(zone: str, start_date: dt.date) -> World:
    from devices.emulated import VirtualClock, World
    from devices.emulated.bangle import BangleWatch
    from devices.emulated.gatt_standard import StandardBand
    from devices.emulated.huami import HuamiBand
    from devices.emulated.infinitime import InfiniTimeWatch
    from devices.emulated.scenario import Scenario

    scenario = Scenario.generate(seed=1, days=2, zone=zone, start_date=start_date)
    world = World(clock=VirtualClock(scenario.start))
    await world.__aenter__()
    await world.add(StandardBand(scenario, address=EMULATED_DEVICES["gatt-standard"][0]))
    await world.add(InfiniTimeWatch(scenario, address=EMULATED_DEVICES["infinitime"][0]))
    await world.add(HuamiBand(scenario, address=EMULATED_DEVICES["huami"][0]))
    await world.add(BangleWatch(scenario, address=EMULATED_DEVICES["banglejs"][0]))
    return world


def _guess_family(name: str | None, uuids: list[str]) -> str | None:
    lowered = [u.lower() for u in uuids]
    if any(u.startswith("0000fee0") for u in lowered):
        return "huami"
    if name == "InfiniTime" or any("78fc-48fe-8e23-433b3a1942d0" in u for u in lowered):
        return "infinitime"
    if any(u.startswith("6e400001") for u in lowered):
        return "banglejs"
    if any(u.startswith("0000180d") for u in lowered):
        return "gatt-standard"
    return None


async def _scan(emulated: bool, seconds: float) -> list[dict[str, Any]]:
    from bleak import BleakScanner

    world = None
    kwargs: dict[str, Any] = {}
    if emulated:
        from devices.emulated import EmulatedScannerBackend

        world = await _emulated_world("UTC", dt.date(2026, 1, 5))
        kwargs["backend"] = EmulatedScannerBackend
    try:
        found = await BleakScanner.discover(timeout=seconds, return_adv=True, **kwargs)
    finally:
        if world is not None:
            await world.__aexit__(None, None, None)
    rows = []
    for device, adv in sorted(found.values(), key=lambda pair: pair[0].address):
        rows.append(
            {
                "address": device.address,
                "name": adv.local_name or device.name,
                "rssi": adv.rssi,
                "family": _guess_family(adv.local_name, list(adv.service_uuids)),
                "service_uuids": list(adv.service_uuids),
            }
        )
    return rows


@devices_app.command("scan")
@handle_errors
def scan(
    emulated: Annotated[
        bool, typer.Option("--emulated", help="Scan a world of emulated wearables.")
    ] = False,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds to scan.")] = 5.0,
    json_output: JsonOption = False,
) -> None:
    """List advertising wearables with the family they look like."""
    rows = asyncio.run(_scan(emulated, timeout))
    if json_output:
        print_json(rows)
        return
    table = Table("address", "name", "rssi", "family")
    for row in rows:
        table.add_row(row["address"], row["name"] or "", str(row["rssi"]), row["family"] or "?")
    stdout.print(table)


# -- add / list -------------------------------------------------------------------


def _read_key(path: Path) -> str:
    from devices.errors import ProtocolError
    from devices.wire.huami import parse_auth_key

    try:
        text = path.read_text(encoding="utf-8").strip().splitlines()
    except OSError as exc:
        raise fail(f"cannot read key file {path}: {exc.strerror}") from None
    try:
        return parse_auth_key(text[0] if text else "").hex()
    except ProtocolError:
        raise fail(f"key file {path}: expected 32 hex digits (16 bytes)") from None


@devices_app.command("add")
@handle_errors
def add(
    family: Annotated[
        str, typer.Option("--family", help="gatt-standard, infinitime, huami, banglejs.")
    ],
    address: Annotated[str, typer.Option("--address", help="Bluetooth address of the device.")],
    client: Annotated[str, typer.Option("--client", help="Code of the client who wears it.")],
    key_file: Annotated[
        Path | None,
        typer.Option("--key-file", help="Huami: file holding the 16-byte auth key as hex."),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    db: DbOption = None,
) -> None:
    """Register a wearable for a client (a Huami key is stored, never printed)."""
    if family == "huami" and key_file is None:
        raise fail("a huami device needs --key-file (see docs/devices.md)")
    secret = _read_key(key_file) if key_file is not None else None
    with Store(database_url(db)) as store:
        device = store.add_device(
            client, family, address.upper(), now=utc_now(), name=name, secret=secret
        )
        stdout.print(
            f"Added {device.family} device {device.address} (id {device.id}) for {client}."
        )


@devices_app.command("list")
@handle_errors
def list_devices(json_output: JsonOption = False, db: DbOption = None) -> None:
    """Registered devices: battery, last sync, clock offset (never the secret)."""
    with Store(database_url(db)) as store:
        codes = {c.id: c.code for c in store.clients(include_archived=True)}
        rows: list[dict[str, Any]] = [
            {
                "id": d.id,
                "client": codes.get(d.client_id),
                "family": d.family,
                "address": d.address,
                "name": d.name,
                "battery": d.battery,
                "last_seen": d.last_seen,
                "clock_offset_s": d.last_clock_offset_s,
                "has_key": d.secret is not None,
            }
            for d in store.devices()
        ]
    if json_output:
        print_json(rows)
        return
    table = Table("id", "client", "family", "address", "battery", "last sync", "clock offset")
    for row in rows:
        offset = row["clock_offset_s"]
        table.add_row(
            str(row["id"]),
            str(row["client"]),
            row["family"],
            row["address"],
            "" if row["battery"] is None else f"{row['battery']} %",
            "" if row["last_seen"] is None else row["last_seen"].isoformat(timespec="seconds"),
            "" if offset is None else f"{offset:+.0f} s",
        )
    stdout.print(table)


# -- collect ------------------------------------------------------------------------


def _ensure_emulated_devices(store: Store, client_code: str) -> list[int]:
    from devices.emulated.huami import TEST_KEY

    store.client(client_code)
    existing = {(d.family, d.address): d for d in store.devices()}
    ids = []
    for family, (address, name) in EMULATED_DEVICES.items():
        device = existing.get((family, address))
        if device is None:
            secret = TEST_KEY.hex() if family == "huami" else None
            device = store.add_device(
                client_code, family, address, now=utc_now(), name=name, secret=secret
            )
            _progress(f"registered emulated {family} device {address} for {client_code}")
        assert device.id is not None
        ids.append(device.id)
    return ids


async def _demo_sleep(seconds: float) -> None:
    """Backoff in the emulated demo: the virtual world does not need real waits."""
    await asyncio.sleep(min(seconds, 0.05))


async def _cancel_on_signals(task: asyncio.Task[Any]) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, task.cancel)


async def _collect_emulated(
    store: Store, client_code: str, *, once: bool, window: dt.timedelta
) -> dict[int, DeviceReport]:
    from devices.collector import Collector
    from devices.emulated import EmulatedClientBackend, EmulatedScannerBackend
    from devices.profiles import DEFAULT_PROFILES
    from devices.profiles.base import Clock, DeviceContext, Profile, Sleep
    from devices.profiles.gatt_standard import GattStandardProfile
    from devices.profiles.infinitime import InfiniTimeProfile

    ids = _ensure_emulated_devices(store, client_code)
    zone = store.client(client_code).timezone
    world = await _emulated_world(zone, utc_now().date() - dt.timedelta(days=2))
    try:
        await world.advance(dt.timedelta(days=1))

        def live(cls: type[GattStandardProfile]) -> Any:
            def make(device: DeviceContext, clock: Clock, sleep: Sleep) -> Profile:
                return cls(device, clock=clock, sleep=sleep, window=window)

            return make

        profiles = dict(DEFAULT_PROFILES)
        profiles["gatt-standard"] = live(GattStandardProfile)
        profiles["infinitime"] = live(InfiniTimeProfile)
        collector = Collector(
            store,
            backend_client_cls=EmulatedClientBackend,
            scanner_cls=EmulatedScannerBackend,
            clock=world.clock.now,
            profiles=profiles,
            sleep=_demo_sleep,
            connect_attempts=1,
            history_interval=1.0,
            devices=ids,
            on_progress=_progress,
        )
        run = collector.run_once() if once else collector.run_forever()
        task: asyncio.Task[dict[int, DeviceReport]] = asyncio.create_task(run)
        await _cancel_on_signals(task)
        # Drive the virtual clock a minute at a time: with --once until every
        # device has synced (a live device listens one window), otherwise for
        # the rest of the scenario (or until Ctrl-C).
        end = world.clock.now() + dt.timedelta(days=1) - dt.timedelta(minutes=1)
        while not task.done() and world.clock.now() < end:
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


async def _collect_real(store: Store, *, once: bool) -> dict[int, DeviceReport]:
    from devices.collector import Collector

    collector = Collector(store, clock=utc_now, on_progress=_progress)
    task = asyncio.create_task(collector.run_once() if once else collector.run_forever())
    await _cancel_on_signals(task)
    try:
        return await task
    except asyncio.CancelledError:
        return {}


def _summary(reports: dict[int, DeviceReport], json_output: bool) -> None:
    rows = [report.as_dict() for report in reports.values()]
    if json_output:
        print_json(rows)
        return
    table = Table(
        "device", "family", "inserted", "duplicate", "conflicting", "quarantined", "errors"
    )
    for row in rows:
        table.add_row(
            str(row["device_id"]),
            row["family"],
            str(row["inserted"]),
            str(row["duplicate"]),
            str(row["conflicting"]),
            str(row["quarantined"]),
            str(len(row["errors"])),
        )
    stdout.print(table)


@handle_errors
def collect(
    emulated: Annotated[
        bool, typer.Option("--emulated", help="Collect from in-process emulated wearables.")
    ] = False,
    once: Annotated[
        bool, typer.Option("--once", help="Sync every device once, then exit.")
    ] = False,
    client: Annotated[
        str | None,
        typer.Option("--client", help="With --emulated: the client the demo devices belong to."),
    ] = None,
    window: Annotated[
        int, typer.Option("--window", min=1, help="Minutes a live device is listened to per round.")
    ] = 15,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Sync registered wearables into the database (Ctrl-C stops cleanly)."""
    if emulated and client is None:
        raise fail("--emulated needs --client CODE (the demo devices are registered for it)")
    with Store(database_url(db)) as store:
        if emulated:
            assert client is not None
            coro = _collect_emulated(store, client, once=once, window=dt.timedelta(minutes=window))
        else:
            coro = _collect_real(store, once=once)
        reports = asyncio.run(coro)
    _summary(reports, json_output)
