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

No assertion here is about time: the figures are printed for the reader.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

import pytest

from devices.emulated import VirtualClock, World
from devices.emulated.gatt_standard import StandardBand
from devices.emulated.huami import HuamiBand
from devices.emulated.scenario import Scenario
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
