"""The collector: syncs every registered wearable into the store, concurrently.

One task per device. Each task connects with
``bleak_retry_connector.establish_connection`` through the bleak backend it
was given (the OS backend in the field, ``EmulatedClientBackend`` in tests
and the demo), runs its family's :class:`~devices.profiles.base.Profile`, and
for every :class:`~devices.profiles.base.SyncResult`:

1. ``store.upsert_minute_samples(frame, now=clock(), cursors={(device, type):
   cursor})``: samples and cursor in one transaction, run on the collector's
   store thread (:class:`~devices.store_writer.StoreWriter`) while the event
   loop keeps serving every other link; the device's task awaits it;
2. only then ``await result.ack()``: a band may drop acknowledged data, so
   nothing is acknowledged before it is durably stored (``docs/devices.md``,
   "Collecting from wearables"). Gadgetbridge's Huami fetch likewise asks
   the band to keep its data when processing failed (``sendAck`` in
   ``service/devices/huami/operations/fetch/AbstractFetchOperation.java``,
   https://github.com/Freeyourgadget/Gadgetbridge), and PostgreSQL explains
   why a client must not act on a commit before it is durable
   (https://www.postgresql.org/docs/current/wal-async-commit.html);
3. records the device's battery, last-seen time and clock offset (same thread).

Every store call of a run (cursor reads, upserts, device status) goes
through that one thread, so a device's writes keep their order and a
cancelled run never leaves a write half-done: a write already running
finishes, and if it commits after its task was cancelled, the device simply
is not acknowledged and sends the same data again, which the idempotent
upsert counts as duplicates (see :mod:`devices.store_writer`).

Failures stay with their device: a lost link, a timeout or a corrupt
transfer (:class:`~devices.errors.ProtocolError`) is logged, the link is
closed in ``finally``, and the device is retried after
:func:`devices.backoff.backoff_for` (injected ``sleep``; nothing here reads
the wall clock). Each :class:`DeviceReport` keeps the last
:data:`KEPT_ERRORS` error lines and counts every error (by exception class),
so a device that fails for weeks under :meth:`Collector.run_forever` does not
grow the collector's memory. :meth:`Collector.run_once` syncs every device
once (with a few retries) and returns a report per device;
:meth:`Collector.run_forever` runs until cancelled, then disconnects all.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import random
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from bleak import BleakClient, BleakScanner
from bleak_retry_connector import BleakNotFoundError, establish_connection

from devices.backoff import DEFAULT_POLICY, BackoffPolicy, RandomSource, backoff_for
from devices.profiles import DEFAULT_PROFILES, ProfileFactory
from devices.profiles.base import Clock, DeviceContext, Profile, Sleep, SyncResult
from devices.store_writer import StoreWriter, runs_off_loop_safely
from ipsrt.models import Client, Device
from ipsrt.store import Store
from ipsrt.store.samples import UpsertResult

__all__ = ["KEPT_ERRORS", "Collector", "DeviceReport", "record_device_status"]

log = logging.getLogger(__name__)

#: Error lines a :class:`DeviceReport` keeps (the newest); older ones are only counted.
KEPT_ERRORS = 20


@dataclasses.dataclass
class DeviceReport:
    """What syncing one device did (summed over rounds and reconnects)."""

    device_id: int
    family: str
    address: str
    result: UpsertResult = dataclasses.field(default_factory=UpsertResult)
    rounds: int = 0
    connects: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)
    """The last :data:`KEPT_ERRORS` errors, oldest first, as ``"Class: message"``."""
    error_count: int = 0
    """Every error since the report began, kept or not."""
    error_kinds: dict[str, int] = dataclasses.field(default_factory=dict)
    """Exception class name -> how many errors of that class."""
    battery: int | None = None
    clock_offset_s: float | None = None
    synced: bool = False

    def record_error(self, exc: BaseException) -> str:
        """Count *exc*, keep its line among the last :data:`KEPT_ERRORS`; return the line."""
        line = _describe(exc)
        self.errors.append(line)
        del self.errors[:-KEPT_ERRORS]
        self.error_count += 1
        kind = type(exc).__name__
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1
        return line

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "device_id": self.device_id,
            "family": self.family,
            "address": self.address,
            **dataclasses.asdict(self.result),
            "rounds": self.rounds,
            "connects": self.connects,
            "errors": list(self.errors),
            "error_count": self.error_count,
            "error_kinds": dict(self.error_kinds),
            "battery": self.battery,
            "clock_offset_s": self.clock_offset_s,
            "synced": self.synced,
        }


def record_device_status(
    store: Store,
    device_id: int,
    *,
    seen_at: dt.datetime,
    battery: int | None = None,
    clock_offset_s: float | None = None,
) -> None:
    """Store a device's last-seen time, and its battery and clock offset when known."""
    with store.write_session() as session:
        device = session.get(Device, device_id)
        if device is None:
            return
        device.last_seen = seen_at
        if battery is not None:
            device.battery = battery
        if clock_offset_s is not None:
            device.last_clock_offset_s = clock_offset_s


def _stop_if_cancelled() -> None:
    """Honour a cancellation that a library swallowed (CPython gh-86296).

    On Python 3.11 ``asyncio.wait_for`` (used inside the BLE stack) can lose a
    cancellation that arrives as its awaited value does; the task still
    counts the request (``Task.cancelling()``), so each round checks it and a
    stopped collector (Ctrl-C, SIGTERM) stops at the next round at the latest.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "no detail"
    return f"{type(exc).__name__}: {text}"


class Collector:
    """Syncs every registered device of the store; see the module docstring.

    Parameters
    ----------
    store
        Where samples, cursors and device status go.
    backend_client_cls, scanner_cls
        bleak backends (``None``: the OS backend).
    clock
        The host clock (aware UTC), e.g. ``ipsrt.cli.common.utc_now`` or a
        ``VirtualClock.now``.
    sleep
        ``asyncio.sleep`` or a test's replacement (backoff and history polling).
    profiles
        Family → profile factory (default: every family this package knows).
    policy, rng
        Reconnect backoff and its jitter source.
    connect_timeout, scan_timeout
        Real seconds for one connect and for finding the device.
    connect_attempts
        Inner attempts of ``establish_connection`` (it sleeps in real time
        between them, so tests pass 1 and let the outer backoff retry).
    once_attempts
        How many failed connections :meth:`run_once` accepts per device.
    history_interval
        Seconds between two catch-ups of a history device in :meth:`run_forever`.
    client_kwargs
        Extra keyword arguments for the ``BleakClient`` (e.g. ``world=``).
    devices
        Restrict to these device ids (default: every device of a known family).
    write_in_thread
        Run the store calls on the collector's store thread (default: yes,
        unless the store shares one connection between threads, see
        :func:`devices.store_writer.runs_off_loop_safely`); ``False`` writes
        on the event loop (the benchmark's baseline).
    """

    def __init__(
        self,
        store: Store,
        *,
        backend_client_cls: type[Any] | None = None,
        scanner_cls: type[Any] | None = None,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        profiles: Mapping[str, ProfileFactory] | None = None,
        policy: BackoffPolicy = DEFAULT_POLICY,
        rng: RandomSource | None = None,
        connect_timeout: float = 10.0,
        scan_timeout: float = 10.0,
        connect_attempts: int = 4,
        once_attempts: int = 5,
        history_interval: float = 900.0,
        client_kwargs: Mapping[str, Any] | None = None,
        devices: list[int] | None = None,
        on_progress: Callable[[str], None] | None = None,
        write_in_thread: bool | None = None,
    ) -> None:
        self.store = store
        self.backend_client_cls = backend_client_cls
        self.scanner_cls = scanner_cls
        self.clock = clock
        self.sleep = sleep
        self.profiles = dict(DEFAULT_PROFILES if profiles is None else profiles)
        self.policy = policy
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self.connect_timeout = connect_timeout
        self.scan_timeout = scan_timeout
        self.connect_attempts = connect_attempts
        self.once_attempts = once_attempts
        self.history_interval = history_interval
        self.client_kwargs = dict(client_kwargs or {})
        self.device_ids = devices
        self.on_progress = on_progress or (lambda _message: None)
        self._profiles: dict[int, Profile] = {}
        # One connection attempt at a time per adapter: BlueZ and bumble both
        # refuse a second LE connect while one is pending. Sessions still run
        # concurrently once connected.
        self._connect_lock = asyncio.Lock()
        self.open_clients = 0
        if write_in_thread is None:
            write_in_thread = runs_off_loop_safely(store)
        self.writer = StoreWriter(in_thread=write_in_thread)

    # -- devices -----------------------------------------------------------------
    def devices(self) -> list[Device]:
        """The registered devices this collector syncs."""
        found = [d for d in self.store.devices() if d.family in self.profiles]
        if self.device_ids is not None:
            found = [d for d in found if d.id in self.device_ids]
        return found

    def profile_for(self, device: Device) -> Profile:
        """The device's profile (kept across reconnects: live state, step baselines)."""
        assert device.id is not None
        profile = self._profiles.get(device.id)
        if profile is None:
            with self.store.session() as session:
                client = session.get(Client, device.client_id)
            zone = ZoneInfo(client.timezone if client is not None else "UTC")
            secret = self.store.secrets.reveal(device)  # opened here, kept in memory only
            context = DeviceContext(device.id, device.address, zone, secret)
            profile = self.profiles[device.family](context, self.clock, self.sleep)
            self._profiles[device.id] = profile
        return profile

    # -- running -----------------------------------------------------------------
    async def run_once(self) -> dict[int, DeviceReport]:
        """Sync every device once (history: until caught up; live: one window)."""
        devices = self.devices()
        for device in devices:
            self.profile_for(device)  # store reads here, before any write is under way
        try:
            reports = await asyncio.gather(*(self._run_device(d, once=True) for d in devices))
        finally:
            self.writer.close()
        return {report.device_id: report for report in reports}

    async def run_forever(self) -> dict[int, DeviceReport]:
        """Sync every device until cancelled; returns the reports when cancelled."""
        devices = self.devices()
        for device in devices:
            self.profile_for(device)
        reports = {d.id: self._new_report(d) for d in devices if d.id is not None}
        tasks = [
            asyncio.create_task(self._run_device(d, once=False, report=reports[d.id]))
            for d in devices
            if d.id is not None
        ]
        try:
            await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self.writer.close()
        return reports

    @staticmethod
    def _new_report(device: Device) -> DeviceReport:
        assert device.id is not None
        return DeviceReport(device.id, device.family, device.address)

    async def _run_device(
        self, device: Device, *, once: bool, report: DeviceReport | None = None
    ) -> DeviceReport:
        report = report or self._new_report(device)
        profile = self.profile_for(device)
        failures = 0
        while True:
            _stop_if_cancelled()
            try:
                await self._session(device, profile, report, once=once)
                failures = 0
                report.synced = True
                if once:
                    return report
                _stop_if_cancelled()
                await self.sleep(self.history_interval)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - one device's failure stays its own
                failures += 1
                line = report.record_error(exc)
                log.warning("device %s (%s): %s", device.id, device.family, line)
                self.on_progress(f"device {device.id} ({device.family}): {line}")
                if once and failures >= self.once_attempts:
                    return report
                await self.sleep(backoff_for(exc, failures, rng=self.rng, policy=self.policy))

    async def _connect(self, device: Device) -> BleakClient:
        async with self._connect_lock:
            return await self._connect_unlocked(device)

    async def _connect_unlocked(self, device: Device) -> BleakClient:
        scanner_kwargs: dict[str, Any] = {}
        if self.scanner_cls is not None:
            scanner_kwargs["backend"] = self.scanner_cls
        ble_device = await BleakScanner.find_device_by_address(
            device.address, timeout=self.scan_timeout, **scanner_kwargs
        )
        if ble_device is None:
            raise BleakNotFoundError(f"device {device.id}: {device.address} not found")
        kwargs = dict(self.client_kwargs)
        if self.backend_client_cls is not None:
            kwargs["backend"] = self.backend_client_cls
        client: BleakClient = await establish_connection(
            BleakClient,
            ble_device,
            device.name or device.address,
            max_attempts=self.connect_attempts,
            timeout=self.connect_timeout,
            **kwargs,
        )
        self.open_clients += 1
        return client

    async def _disconnect(self, client: BleakClient, device: Device) -> None:
        try:
            async with asyncio.timeout(self.connect_timeout):
                await client.disconnect()
        except Exception as exc:  # noqa: BLE001 - the link may already be gone
            log.debug("device %s: disconnect: %s", device.id, _describe(exc))
        finally:
            self.open_clients -= 1

    async def _session(
        self, device: Device, profile: Profile, report: DeviceReport, *, once: bool
    ) -> None:
        """One connection: sync rounds until caught up (or forever for live devices)."""
        assert device.id is not None
        client = await self._connect(device)
        report.connects += 1
        try:
            cursor = await self.writer.call(self.store.cursor, device.id, profile.data_type)
            while True:
                _stop_if_cancelled()
                result = await profile.sync(client, cursor)
                await self._commit(device, result, report)
                await result.ack()  # only after the commit returned
                cursor = result.cursor if result.cursor is not None else cursor
                if result.more:
                    continue
                if once or not profile.live:
                    return
        finally:
            await self._disconnect(client, device)

    def write_round(self, device_id: int, result: SyncResult, now: dt.datetime) -> UpsertResult:
        """Store one round: samples and cursor in one transaction, then the device status.

        Runs on the store thread (:attr:`writer`); returns when committed.
        """
        cursors = {} if result.cursor is None else {(device_id, result.data_type): result.cursor}
        # One transaction: the samples (possibly none) and the new cursor.
        counts = self.store.upsert_minute_samples(result.frame, now=now, cursors=cursors)
        record_device_status(
            self.store,
            device_id,
            seen_at=now,
            battery=result.battery,
            clock_offset_s=result.clock_offset_s,
        )
        return counts

    async def _commit(self, device: Device, result: SyncResult, report: DeviceReport) -> None:
        assert device.id is not None
        counts = await self.writer.call(self.write_round, device.id, result, self.clock())
        report.result = report.result + counts
        report.rounds += 1
        report.battery = result.battery if result.battery is not None else report.battery
        if result.clock_offset_s is not None:
            report.clock_offset_s = result.clock_offset_s
        self.on_progress(
            f"device {device.id} ({device.family}): {len(result.frame)} minutes, "
            f"{counts.inserted} new"
        )
