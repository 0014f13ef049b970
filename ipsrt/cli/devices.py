"""``ipsrt devices scan|add|list|remove`` and ``ipsrt collect``: wearables and the collector.

The ``devices`` package is imported inside the commands only (the CLI is the
composition root; ``ipsrt`` never imports ``devices`` at module level); so
are the store and ``asyncio``, to keep ``ipsrt --help`` fast.

``--emulated`` runs everything against an in-process world of emulated
wearables (bumble, no radio; :mod:`devices.emulated.session`). Emulated data
never mixes with real data: ``ipsrt collect --emulated`` writes into a new
throwaway demo database unless ``--db`` names one on the command line, and in
a clinic database emulated devices are marked and their minutes never count
in metrics, alerts or exports.

Exit status: 0 done (every device synced), 1 an error or at least one device
that could not sync (one line per device on stderr saying why), 2 a usage
error (docs/devices.md, "Messages and exit codes").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ipsrt import DATABASE_URL_ENV_VAR
from ipsrt.cli.common import (
    DbOption,
    JsonOption,
    fail,
    handle_errors,
    new_table,
    open_store,
    operator,
    print_json,
    print_table,
    shown,
    stdout,
    utc_now,
)
from ipsrt.display import printable

if TYPE_CHECKING:
    import asyncio

    from devices.collector import DeviceReport
    from ipsrt.store import Store

devices_app = typer.Typer(
    help="Wearables: find, register, list and retire them.", no_args_is_help=True
)


def _progress(message: str) -> None:
    print(printable(message), file=sys.stderr, flush=True)


def _print_rows(headers: list[str], rows: list[list[str]]) -> None:
    table = new_table(*headers)
    for row in rows:
        table.add_row(*(shown(value) for value in row))
    print_table(table)


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
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, max=300.0, help="Seconds to scan (0.1-300).")
    ] = 5.0,
    json_output: JsonOption = False,
) -> None:
    """List advertising wearables with the family they look like."""
    import asyncio

    from devices.sync_failures import sync_failure

    try:
        rows = asyncio.run(_scan(emulated, timeout))
    except Exception as exc:  # noqa: BLE001 - every scan failure is one line
        raise fail(f"cannot scan: {sync_failure(exc).line()}") from None
    if json_output:
        print_json(rows)
        return
    _print_rows(
        ["address", "name", "rssi", "family"],
        [[r["address"], r["name"] or "", str(r["rssi"]), r["family"] or "?"] for r in rows],
    )


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
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Register a wearable for a client (a Huami key is stored, never printed).

    The address is a MAC (AA:BB:CC:DD:EE:FF) on Linux and Windows, the
    CoreBluetooth UUID that 'devices scan' shows on macOS.
    """
    from ipsrt.addresses import bluetooth_address
    from ipsrt.enums import DeviceFamily

    takes_key = family in set(DeviceFamily) and DeviceFamily(family).takes_key
    if takes_key and key_file is None:
        raise fail(f"a {family} device needs --key-file (see docs/devices.md)")
    if key_file is not None and not takes_key:
        raise fail(f"--key-file is only for huami devices: a {family} device takes no key")
    if family != "import":
        address = bluetooth_address(address, platform=sys.platform)
    secret = _read_key(key_file) if key_file is not None else None
    with open_store(db) as store:
        device = store.add_device(
            client, family, address, now=utc_now(), name=name, secret=secret, actor=operator()
        )
    if json_output:
        print_json(_device_row(device, client, None))
        return
    stdout.print(
        f"Added {shown(device.family)} device {shown(device.address)} (id {device.id}) "
        f"for {shown(client)}."
    )


def _device_row(device: Any, client: str | None, zone: str | None) -> dict[str, Any]:
    """One device for --json and the table: never its secret (``has_key`` only)."""
    return {
        "id": device.id,
        "client": client,
        "zone": zone,
        "family": device.family,
        "address": device.address,
        "name": device.name,
        "emulated": device.emulated,
        "battery": device.battery,
        "last_seen": device.last_seen,
        "clock_offset_s": device.last_clock_offset_s,
        "has_key": device.secret is not None,
        "retired_at": device.retired_at,
    }


def _when(value: dt.datetime | None) -> str:
    return "" if value is None else value.isoformat(timespec="seconds")


@devices_app.command("list")
@handle_errors
def list_devices(json_output: JsonOption = False, db: DbOption = None) -> None:
    """Registered devices: battery, last sync, clock offset, retired (never the secret)."""
    with open_store(db) as store:
        clients = {c.id: c for c in store.clients(include_archived=True)}
        rows = []
        for d in store.devices():
            owner = clients.get(d.client_id)
            code, zone = (None, None) if owner is None else (owner.code, owner.timezone)
            rows.append(_device_row(d, code, zone))
    if json_output:
        print_json(rows)
        return
    _print_rows(
        ["id", "client", "zone", "family", "address", "battery", "last sync", "clock", "retired"],
        [
            [
                str(row["id"]),
                str(row["client"]),
                str(row["zone"]),
                row["family"] + (" (emulated)" if row["emulated"] else ""),
                row["address"],
                "" if row["battery"] is None else f"{row['battery']} %",
                _when(row["last_seen"]),
                "" if row["clock_offset_s"] is None else f"{row['clock_offset_s']:+.0f} s",
                _when(row["retired_at"]),
            ]
            for row in rows
        ],
    )


@devices_app.command("remove")
@handle_errors
def remove(
    device_id: Annotated[int, typer.Argument(help="Id of the device (see 'devices list').")],
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Retire a device: its data stay, it is never synced again (audited)."""
    with open_store(db) as store:
        device = store.retire_device(device_id, now=utc_now(), actor=operator())
        clients = {c.id: c for c in store.clients(include_archived=True)}
    owner = clients.get(device.client_id)
    row = _device_row(
        device,
        None if owner is None else owner.code,
        None if owner is None else owner.timezone,
    )
    if json_output:
        print_json(row)
        return
    stdout.print(
        f"Retired {shown(device.family)} device {shown(device.address)} (id {device.id}) "
        f"of {shown(row['client'])}; its data are kept."
    )


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
        actor=operator(),
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
    headers = ["device", "family", "inserted", "duplicate", "conflicting", "quarantined"]
    _print_rows(
        [*headers, "errors"],
        [
            [str(row[h if h != "device" else "device_id"]) for h in headers]
            + [str(row["error_count"])]
            for row in rows
        ],
    )


def _not_synced(reports: dict[int, DeviceReport]) -> list[DeviceReport]:
    """Devices that tried and never synced (a device cancelled mid-window did not fail)."""
    return [r for r in reports.values() if not r.synced and r.failure is not None]


def _audit_collect(
    store: Store,
    *,
    mode: str,
    client: str | None,
    reports: dict[int, DeviceReport] | None = None,
    refused: str | None = None,
) -> None:
    """One audit event per collect run: ``collect.run``, or ``collect.failed`` when a
    device could not sync or the run was refused; per device what it stored."""
    failed = [] if reports is None else _not_synced(reports)
    detail: dict[str, Any] = {"mode": mode}
    if reports is not None:
        detail["devices"] = {
            str(r.device_id): {
                "family": r.family,
                "inserted": r.result.inserted,
                "duplicate": r.result.duplicate,
                "errors": r.error_count,
                "synced": r.synced,
                **({} if r.failure is None else {"failure": r.failure.kind.value}),
            }
            for r in reports.values()
        }
    if refused is not None:
        detail["refused"] = refused
    action = "collect.failed" if failed or refused is not None else "collect.run"
    with store.write_session() as session:
        store.audit(
            session, now=utc_now(), actor=operator(), action=action, subject=client, detail=detail
        )


def _finish(
    store: Store,
    reports: dict[int, DeviceReport],
    json_output: bool,
    *,
    mode: str,
    client: str | None,
) -> None:
    """Audit the run, print the summary and one line per device that could not sync."""
    _audit_collect(store, mode=mode, client=client, reports=reports)
    _summary(reports, json_output)
    failed = _not_synced(reports)
    for report in failed:
        assert report.failure is not None
        print(
            printable(
                f"error: device {report.device_id} ({report.family} {report.address}) "
                f"could not sync: {report.failure.line()}"
            ),
            file=sys.stderr,
        )
    if not reports:
        _progress("no devices to collect (see 'ipsrt devices add')")
    if failed:
        raise typer.Exit(code=1)


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
            _finish(store, reports, json_output, mode="bluetooth", client=None)
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
    from ipsrt.errors import IpsrtError

    code = client or DEMO_CLIENT
    with store:
        try:
            reports = asyncio.run(
                _collect_emulated(store, code, once=once, window=dt.timedelta(minutes=window))
            )
        except IpsrtError as exc:
            _audit_collect(store, mode="emulated", client=code, refused=str(exc))
            raise
        _finish(store, reports, json_output, mode="emulated", client=code)
