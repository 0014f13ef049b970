"""Benchmark of BLE collection (issue 5), run with ``make bench``.

Prints figures and ratios measured in this run, on this machine:

* a 30-day Huami history (43,200 minutes) through the whole path: emulated
  band → bumble link → bleak backend → ``HuamiProfile`` → collector → SQLite
  store, in samples parsed and stored per second, and its ratio to parsing
  the same bytes alone (``FetchAssembler`` + ``parse_samples`` +
  ``device_states`` on the same 0005 packets);
* CPU time (``time.process_time``) per connected device for live data: one
  simulated hour of per-minute heart-rate notifications from the standard
  band, for 1 and for 4 bands. The emulators and the in-process BLE stack
  run in the same process, so this is an upper bound of the collector's
  share.

* 16 standard bands listened to for one simulated hour by one ``run_once``
  on a full database (30 days of minutes per band already stored): minutes
  still pending when ``run_once`` returns (target 0) and the longest
  event-loop stall (target < 20 ms), measured by a heartbeat task that
  sleeps 1 ms and records how late it woke up. Baseline: the same run with
  the store calls on the event loop (``Collector(write_in_thread=False)``);
  the ratio is baseline stall / stall.

No assertion here is about time: the figures are printed for the reader.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from devices.emulated import VirtualClock, World
from devices.emulated.gatt_standard import StandardBand
from devices.emulated.huami import HuamiBand
from devices.emulated.scenario import Scenario
from devices.profiles.gatt_standard import GattStandardProfile
from devices.profiles.huami import RoundGuard
from devices.wire.huami import FetchComplete, Status
from devices.wire.huami_fetch import (
    FetchAssembler,
    crc32,
    device_states,
    packetize,
    parse_samples,
)
from ipsrt.store import Store
from tests.devices.test_profiles_common import (
    KEY_HEX,
    ZONE,
    collector,
    setup_store,
    wait_until,
    with_options,
)

DAYS = 30
PER_ROUND = 1440
CHUNK = 16


def _scenario() -> Scenario:
    return Scenario.generate(seed=11, days=DAYS, zone=ZONE, start_date=dt.date(2026, 1, 5))


def _parse_only(band: HuamiBand, s: Scenario) -> tuple[int, float]:
    """Seconds to validate and parse the same packets the band streams."""
    rounds = []
    for i in range(0, len(s.minutes), PER_ROUND):
        payload = b"".join(bytes(band.sample_for(m)) for m in s.minutes[i : i + PER_ROUND])
        rounds.append((packetize(payload, CHUNK), len(payload), crc32(payload)))
    parsed = 0
    started = time.perf_counter()
    for packets, size, checksum in rounds:
        assembler = FetchAssembler(size)
        for packet in packets:
            assembler.add(packet)
        samples = parse_samples(assembler.finish(FetchComplete(Status.SUCCESS, checksum)))
        device_states([x.raw_kind for x in samples], None)
        parsed += len(samples)
    return parsed, time.perf_counter() - started


def test_history_30_days_through_the_whole_path(tmp_path: Path) -> None:
    s = _scenario()
    assert len(s.minutes) == 43_200
    with Store.initialise(f"sqlite:///{tmp_path / 'bench.sqlite3'}") as store:
        (device_id,) = setup_store(store, [("huami", "C3:00:00:00:00:01", KEY_HEX)])

        async def run() -> tuple[int, float, HuamiBand]:
            async with World(clock=VirtualClock(s.end)) as world:
                band = await world.add(
                    HuamiBand(s, address="C3:00:00:00:00:01", minutes_per_round=PER_ROUND)
                )
                profiles = with_options(huami={"guard": RoundGuard(max_rounds=DAYS + 5)})
                col = collector(store, world, profiles=profiles)
                started = time.perf_counter()
                reports = await col.run_once()
                elapsed = time.perf_counter() - started
                return reports[device_id].result.inserted, elapsed, band

        stored, elapsed, band = asyncio.run(run())
    parsed, parse_s = _parse_only(band, s)
    assert stored == parsed == len(s.minutes)
    full_rate = stored / elapsed
    parse_rate = parsed / parse_s
    print(
        f"\nhuami 30-day history: {stored} minutes in {elapsed:.2f} s = {full_rate:,.0f} "
        f"samples/s through band→bleak→profile→store; parse only {parse_rate:,.0f} samples/s "
        f"({parse_s * 1000:.0f} ms); ratio full/parse = {full_rate / parse_rate:.3f}"
    )


@pytest.mark.parametrize("bands", [1, 4])
def test_live_heart_rate_cpu_per_device(tmp_path: Path, bands: int) -> None:
    s = Scenario.generate(seed=3, days=1, zone=ZONE, start_date=dt.date(2026, 1, 5))
    hour = dt.timedelta(hours=1)
    addresses = [f"C0:00:00:00:00:{i + 1:02X}" for i in range(bands)]
    with Store.initialise(f"sqlite:///{tmp_path / 'bench.sqlite3'}") as store:
        ids = setup_store(store, [("gatt-standard", a, None) for a in addresses])

        async def run() -> tuple[float, float, int]:
            async with World(clock=VirtualClock(s.start + hour)) as world:
                for address in addresses:
                    await world.add(StandardBand(s, address=address))
                col = collector(store, world, profiles=with_options(gatt_standard={"window": hour}))
                profiles = [col.profile_for(d) for d in store.devices()]
                task = asyncio.create_task(col.run_once())
                await wait_until(lambda: all(p.listening for p in profiles))  # type: ignore[attr-defined]
                cpu, wall = time.process_time(), time.perf_counter()
                await world.advance(hour)
                reports = await task
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                return cpu, wall, sum(reports[i].result.inserted for i in ids)

        cpu, wall, inserted = asyncio.run(run())
    print(
        f"\nlive heart rate, {bands} standard band(s), one simulated hour: "
        f"{inserted} minutes stored, CPU {cpu * 1000:.0f} ms total = "
        f"{cpu / bands * 1000:.0f} ms per device-hour "
        f"({cpu / bands / 3600 * 100:.4f} % of one core per device in real time; "
        f"wall {wall:.2f} s; includes emulator and in-process BLE stack)"
    )


BANDS = 16
FULL_DAYS = 30
HEARTBEAT = 0.001
REPEATS = 3


def _history(device_id: int, end: dt.datetime) -> pd.DataFrame:
    """``FULL_DAYS`` of plausible minutes before ``end`` (fills the database)."""
    count = FULL_DAYS * 1440
    rng = np.random.default_rng(device_id)
    return pd.DataFrame(
        {
            "device_id": device_id,
            "ts": pd.date_range(end - dt.timedelta(days=FULL_DAYS), periods=count, freq="min"),
            "steps": rng.integers(0, 120, count).astype("float64"),
            "activity": rng.random(count) * 80,
            "heart_rate": rng.integers(45, 140, count).astype("float64"),
            "state": rng.choice(["awake", "sleep_light", "sleep_deep"], count),
        }
    )


def _full_database(path: Path, addresses: list[str], end: dt.datetime) -> list[int]:
    with Store.initialise(f"sqlite:///{path}") as store:
        ids = setup_store(store, [("gatt-standard", a, None) for a in addresses])
        for device_id in ids:
            store.upsert_minute_samples(_history(device_id, end), now=end)
    return ids


async def _heartbeat(gaps: list[tuple[float, float]]) -> None:
    """Sleep ``HEARTBEAT`` s again and again; record ``(wake-up, lateness)`` of each wake-up."""
    loop = asyncio.get_running_loop()
    while True:
        asked = loop.time()
        await asyncio.sleep(HEARTBEAT)
        woke = loop.time()
        gaps.append((woke, woke - asked - HEARTBEAT))


def _live_run(url: str, addresses: list[str], start: dt.datetime, in_thread: bool) -> dict:
    """One ``run_once`` of the 16 bands over one simulated hour; its figures."""
    s = Scenario.generate(seed=3, days=1, zone=ZONE, start_date=start.date())
    hour = dt.timedelta(hours=1)
    upserts: list[tuple[float, float, bool]] = []
    loop_thread = threading.get_ident()
    with Store(url) as store:
        real_upsert = store.upsert_minute_samples

        def timed_upsert(*args: object, **kwargs: object) -> object:
            began = time.monotonic()  # the event loop's clock
            result = real_upsert(*args, **kwargs)  # type: ignore[arg-type]
            upserts.append((began, time.monotonic(), threading.get_ident() == loop_thread))
            return result

        store.upsert_minute_samples = timed_upsert  # type: ignore[method-assign]

        async def run() -> dict:
            async with World(clock=VirtualClock(start)) as world:
                for address in addresses:
                    await world.add(StandardBand(s, address=address))
                col = collector(
                    store,
                    world,
                    profiles=with_options(gatt_standard={"window": hour}),
                    write_in_thread=in_thread,
                )
                profiles = [col.profile_for(d) for d in store.devices()]
                task = asyncio.create_task(col.run_once())
                await wait_until(lambda: all(p.listening for p in profiles))  # type: ignore[attr-defined]
                gaps: list[tuple[float, float]] = []
                beat = asyncio.create_task(_heartbeat(gaps))
                await world.advance(hour)
                reports = await task
                beat.cancel()
                live = [p for p in profiles if isinstance(p, GattStandardProfile)]
                pending = sum(p.pending_minutes() for p in live)
                await world.settle(20)
                late = sum(p.pending_minutes() for p in live)
                return {
                    "inserted": sum(r.result.inserted for r in reports.values()),
                    "pending": pending,
                    "late": late,
                    "gaps": gaps,
                }

        figures = asyncio.run(run())
    first_write = min(began for began, _, _ in upserts)
    last_write = max(end for _, end, _ in upserts)
    gaps = figures.pop("gaps")
    # A wake-up late by ``late`` was held up during (woke - late - HEARTBEAT, woke).
    held = [(woke - late - HEARTBEAT, woke, late) for woke, late in gaps]
    figures["stall"] = max(late for _, _, late in held)
    figures["stall_before_writes"] = max(
        (late for since, _, late in held if since < first_write), default=0.0
    )
    figures["stall_writing"] = max(
        (late for since, woke, late in held if woke > first_write and since < last_write),
        default=0.0,
    )
    figures["upsert_max"] = max(end - began for began, end, _ in upserts)
    figures["upserts_on_loop"] = sum(on_loop for _, _, on_loop in upserts)
    return figures


def test_sixteen_live_bands_pending_minutes_and_loop_stall(tmp_path: Path) -> None:
    start = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)
    addresses = [f"C0:00:00:00:01:{i + 1:02X}" for i in range(BANDS)]
    full = tmp_path / "full.sqlite3"
    _full_database(full, addresses, start)
    runs: dict[bool, list[dict]] = {False: [], True: []}
    for repeat in range(REPEATS):
        for in_thread in (False, True):
            copy = tmp_path / f"run-{in_thread}-{repeat}.sqlite3"
            shutil.copy(full, copy)
            runs[in_thread].append(_live_run(f"sqlite:///{copy}", addresses, start, in_thread))
    base, new = (_medians(runs[mode]) for mode in (False, True))
    expected = BANDS * 60
    print(
        f"\n{BANDS} standard bands, one simulated hour, database of {FULL_DAYS} days per band "
        f"(medians of {REPEATS} runs; stall = how late a 1 ms heartbeat woke up):"
    )
    for label, r in (("writes on the loop (baseline)", base), ("writes on the store thread", new)):
        print(
            f"  {label}: {r['inserted']:.0f}/{expected} minutes stored, "
            f"{expected - r['inserted']:.0f} pending at return (target 0; "
            f"{r['late']:.0f} landed after it), longest loop stall while the upserts run "
            f"{r['stall_writing'] * 1000:.1f} ms (target < 20 ms); longest stall before the "
            f"first upsert (emulators and BLE stack alone) {r['stall_before_writes'] * 1000:.1f} ms"
            f"; longest upsert {r['upsert_max'] * 1000:.1f} ms; "
            f"{r['upserts_on_loop']:.0f} upserts on the loop thread"
        )
    print(
        "  ratio longest stall while writing, baseline/store thread = "
        f"{base['stall_writing'] / new['stall_writing']:.1f}"
    )
    assert all(r["upserts_on_loop"] == 0 for r in runs[True])
    assert all(r["upserts_on_loop"] == BANDS for r in runs[False])


def _medians(runs: list[dict]) -> dict[str, float]:
    return {key: float(np.median([r[key] for r in runs])) for key in runs[0]}
