"""``ipsrt devices scan|add|list`` and ``ipsrt collect``: wearables and the collector.

The ``devices`` package is imported inside the commands only (the CLI is the
composition root; ``ipsrt`` never imports ``devices`` at module level); so
are the store and ``asyncio``, to keep ``ipsrt --help`` fast.

``--emulated`` runs everything against an in-process world of emulated
wearables (bumble, no radio; :mod:`devices.emulated.session`). Emulated data
never mixes with real data: ``ipsrt collect --emulated`` writes into a new
throwaway demo database unless ``--db`` names one on the command line, and in
a clinic database emulated devices are marked and their minutes never count
in metrics, alerts or exports.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from ipsrt import DATABASE_URL_ENV_VAR
from ipsrt.cli.common import (
    DbOption,
    JsonOption,
    fail,
    handle_errors,
    open_store,
    print_json,
    stdout,
    utc_now,
)

if TYPE_CHECKING:
    import asyncio

    from devices.collector import DeviceReport
    from ipsrt.store import Store

devices_app = typer.Typer(help="Wearables: find, register and list them.", no_args_is_help=True)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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
        from devices.emulated.session import emulated_addresses, emulated_world

        world = await emulated_world("UTC", dt.date(2026, 1, 5), emulated_addresses(1))
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
    import asyncio

    rows = asyncio.run(_scan(emulated, timeout))
    if json_output:
        print_json(rows)
        return
    table = Table("address", "name", "rssi", "family")
    for row in rows:
        table.add_row(row["address"], row["name"] or "", str(row["rssi"]), row["family"] or "?")
    stdout.print(table)


# -- add / list -------------------------------------------------------------------


#: Largest key file read: a Huami key file is one line of 32 hex digits.
MAX_KEY_FILE_BYTES = 4096


def _read_key(path: Path) -> str:
    """The Huami auth key in *path* as 32 hex digits; one line naming the file if not."""
    import stat

    from devices.errors import ProtocolError
    from devices.wire.huami import parse_auth_key

    too_big = f"--key-file {path} is larger than {MAX_KEY_FILE_BYTES} bytes: not a key file"
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise fail(f"--key-file {path} is not a regular file")
        if info.st_size > MAX_KEY_FILE_BYTES:
            raise fail(too_big)
        with path.open("rb") as handle:
            raw = handle.read(MAX_KEY_FILE_BYTES + 1)  # bounded even if the file grew
    except OSError as exc:
        raise fail(f"cannot read --key-file {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_KEY_FILE_BYTES:
        raise fail(too_big)
    try:
        text = raw.decode("utf-8").strip().splitlines()
    except UnicodeDecodeError:
        raise fail(f"--key-file {path} is not text: expected 32 hex digits (16 bytes)") from None
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
    from ipsrt.enums import DeviceFamily

    takes_key = family in set(DeviceFamily) and DeviceFamily(family).takes_key
    if takes_key and key_file is None:
        raise fail(f"a {family} device needs --key-file (see docs/devices.md)")
    if key_file is not None and not takes_key:
        raise fail(f"--key-file is only for huami devices: a {family} device takes no key")
    secret = _read_key(key_file) if key_file is not None else None
    with open_store(db) as store:
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
    with open_store(db) as store:
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


async def _cancel_on_signals(task: asyncio.Task[Any]) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, task.cancel)


async def _collect_emulated(
    store: Store, client_code: str, *, once: bool, window: dt.timedelta
) -> dict[int, DeviceReport]:
    from devices.emulated.session import collect_emulated

    return await collect_emulated(
        store,
        client_code,
        now=utc_now(),
        once=once,
        window=window,
        progress=_progress,
        on_task=_cancel_on_signals,
    )


async def _collect_real(store: Store, *, once: bool) -> dict[int, DeviceReport]:
    import asyncio

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


#: Client code and zone of the throwaway demo database of ``collect --emulated``.
DEMO_CLIENT, DEMO_ZONE = "DEMO", "UTC"


def _throwaway_store(client_code: str) -> Store:
    """A new demo database in a temporary folder, with one client (kept for inspection)."""
    import tempfile

    from ipsrt.store import Store

    folder = Path(tempfile.mkdtemp(prefix="ipsrt-emulated-"))
    from ipsrt.reports.summaries import install

    store = install(Store.initialise(f"sqlite:///{folder / 'demo.sqlite3'}"))
    store.mark_demo(now=utc_now())
    store.add_client(client_code, DEMO_ZONE, now=utc_now())
    _progress(
        f"emulated data goes to a throwaway demo database: {store.url} "
        "(your tracker database is not touched; pass --db to choose one)"
    )
    return store


ExplicitDbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL. With --emulated only a URL given here is used (not "
        f"{DATABASE_URL_ENV_VAR}); without it a throwaway demo database is made.",
    ),
]


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
        typer.Option(
            "--client",
            help="With --emulated: the client the emulated devices belong to "
            f"(default {DEMO_CLIENT} in the throwaway database).",
        ),
    ] = None,
    window: Annotated[
        int, typer.Option("--window", min=1, help="Minutes a live device is listened to per round.")
    ] = 15,
    json_output: JsonOption = False,
    db: ExplicitDbOption = None,
) -> None:
    """Sync registered wearables into the database (Ctrl-C stops cleanly)."""
    import asyncio

    if not emulated:
        with open_store(db) as store:
            reports = asyncio.run(_collect_real(store, once=once))
        _summary(reports, json_output)
        return
    if db is None:
        store = _throwaway_store(client or DEMO_CLIENT)
    else:
        if client is None:
            raise fail("--emulated --db URL needs --client CODE (the emulated devices' owner)")
        store = open_store(db)
        if store.purpose != "demo":
            _progress(
                "note: this is a clinic database; the emulated devices are marked and never "
                "count in metrics, alerts or exports"
            )
    with store:
        reports = asyncio.run(
            _collect_emulated(
                store, client or DEMO_CLIENT, once=once, window=dt.timedelta(minutes=window)
            )
        )
    _summary(reports, json_output)
