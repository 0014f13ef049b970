"""Huami profile end to end: auth, fetch rounds, ack after commit, transfer faults."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from devices.emulated import FaultPlan, VirtualClock, World
from devices.emulated.faults import CLOCK_RESET_VALUE
from devices.emulated.huami import HuamiBand
from devices.emulated.scenario import DeviceState, MinuteTruth, Scenario
from devices.profiles.huami import RoundGuard, next_round
from ipsrt.store import Store
from tests.devices.test_profiles_common import (
    KEY_HEX,
    collector,
    scenario,
    setup_store,
    stored,
    stored_rows,
    truth_frame,
)

BAND = "C3:00:00:00:00:01"
COLUMNS = {
    "steps": lambda m: m.steps,
    "activity": lambda m: min(255, m.activity),
    "heart_rate": lambda m: None if m.state is DeviceState.NOT_WORN else m.heart_rate,
    # REM has no 4-byte kind: the band sends light sleep (emulator docstring).
    "state": lambda m: "sleep_light" if m.state is DeviceState.SLEEP_REM else m.state.value,
}


@pytest.fixture
def sqlite_store(tmp_path) -> Iterator[Store]:
    """A SQLite-only store for the slow fault tests (the end-to-end tests run both backends)."""
    with Store.initialise(f"sqlite:///{tmp_path / 'ipsrt.sqlite3'}") as opened:
        yield opened


def truth(s: Scenario, until: dt.datetime) -> dict:
    minutes: list[MinuteTruth] = [m for m in s.minutes if m.ts + dt.timedelta(minutes=1) <= until]
    return truth_frame(minutes, COLUMNS)


async def _sync(store: Store, band: HuamiBand, s: Scenario, **kwargs) -> dict:
    async with World(clock=VirtualClock(s.start)) as world:
        await world.add(band)
        await world.advance(s.end - s.start)
        reports = await collector(store, world, **kwargs).run_once()
        assert world.central_connections() == 0
    return reports


@pytest.mark.asyncio
async def test_history_equals_ground_truth_and_is_acked(store: Store) -> None:
    s = scenario(days=2)
    (device_id,) = setup_store(store, [("huami", BAND, KEY_HEX)])
    band = HuamiBand(s, address=BAND, minutes_per_round=1440)
    reports = await _sync(store, band, s)
    report = reports[device_id]
    assert report.errors == []
    got = stored_rows(stored(store, device_id, s.start, s.end), list(COLUMNS))
    assert got == truth(s, s.end)
    assert report.result.inserted == len(s.minutes)
    assert report.result.quarantined == 0
    assert band.synced_until == s.end  # every round acked after its commit
    assert len(band.acks) >= 2
    cursor = store.cursor(device_id, "activity")
    assert cursor is not None
    assert s.end.isoformat() in cursor


@pytest.mark.parametrize(
    ("faults", "band_options"),
    [
        (FaultPlan(disconnect_at={"huami.fetch.chunk": 40}), {}),
        (FaultPlan(seed=3, drop_rate=0.01), {}),
        (FaultPlan(seed=4, duplicate_rate=0.01), {}),
        (FaultPlan(seed=5, reorder_rate=0.01), {}),
        (FaultPlan(disconnect_after_notifications=100), {}),
        (FaultPlan(), {"corrupt_crc": True}),
    ],
    ids=[
        "disconnect-mid-transfer",
        "drop",
        "duplicate",
        "reorder",
        "disconnect-after-100",
        "bad-crc",
    ],
)
@pytest.mark.asyncio
async def test_faults_lose_duplicate_and_corrupt_nothing(
    sqlite_store: Store, faults: FaultPlan, band_options: dict
) -> None:
    s = scenario(days=1)
    (device_id,) = setup_store(sqlite_store, [("huami", BAND, KEY_HEX)])
    band = HuamiBand(s, address=BAND, faults=faults, minutes_per_round=360, **band_options)
    attempts = 3 if band_options.get("corrupt_crc") else 200
    reports = await _sync(sqlite_store, band, s, once_attempts=attempts)
    report = reports[device_id]
    got = stored_rows(stored(sqlite_store, device_id, s.start, s.end), list(COLUMNS))
    if band_options.get("corrupt_crc"):
        # Every transfer is rejected: nothing committed, nothing acked.
        assert got == {}
        assert band.synced_until == s.start
        assert band.acks == []
        assert all("CRC32 mismatch" in e for e in report.errors)
        return
    assert report.errors, "the fault should have been seen"
    assert got == truth(s, s.end)  # 0 lost, 0 corrupted
    assert report.result.inserted == len(s.minutes)
    assert report.result.conflicting == 0
    assert report.result.quarantined == 0


@pytest.mark.asyncio
async def test_first_sync_looks_back_a_bounded_window(store: Store) -> None:
    s = scenario(days=3)
    (device_id,) = setup_store(store, [("huami", BAND, KEY_HEX)])
    band = HuamiBand(s, address=BAND)
    from tests.devices.test_profiles_common import with_options

    await _sync(store, band, s, profiles=with_options(huami={"lookback": dt.timedelta(days=1)}))
    got = stored(store, device_id, s.start, s.end)
    assert got.index.min() == s.end - dt.timedelta(days=1)
    assert band.fetches[0][0] == s.end - dt.timedelta(days=1)


@pytest.mark.asyncio
async def test_wrong_key_is_refused_and_never_shown(store: Store, caplog) -> None:
    s = scenario(days=1)
    wrong = "ffeeddccbbaa99887766554433221100"
    (device_id,) = setup_store(store, [("huami", BAND, wrong)])
    reports = await _sync(store, HuamiBand(s, address=BAND), s, once_attempts=2)
    report = reports[device_id]
    assert report.errors
    assert all("rejected the auth key" in e for e in report.errors)
    assert wrong not in caplog.text
    assert wrong not in repr(report.as_dict())
    assert wrong not in repr(store.devices()[0])


def test_loop_guards() -> None:
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    guard = RoundGuard(max_rounds=3)
    since = now - dt.timedelta(days=2)
    assert next_round(since, since + dt.timedelta(days=1), 1, now, guard)
    assert not next_round(since, since + dt.timedelta(seconds=30), 1, now, guard)  # < 1 min
    assert not next_round(since, since + dt.timedelta(days=1), 3, now, guard)  # N rounds
    assert not next_round(since, now + dt.timedelta(minutes=1), 1, now, guard)  # caught up


@pytest.mark.parametrize(
    "faults",
    [
        FaultPlan(clock_offset=dt.timedelta(hours=3)),
        FaultPlan(clock_offset=-dt.timedelta(hours=3)),
    ],
    ids=["plus-3h", "minus-3h"],
)
@pytest.mark.asyncio
async def test_wrong_band_clock_history_is_mapped_back_to_utc(
    sqlite_store: Store, faults: FaultPlan
) -> None:
    # The band's clock was off by ±3 h the whole time it recorded: its fetch
    # replies stamp the history on that clock. The profile reads Current Time
    # before setting it and subtracts the measured offset.
    s = scenario(days=1)
    (device_id,) = setup_store(sqlite_store, [("huami", BAND, KEY_HEX)])
    band = HuamiBand(s, address=BAND, faults=faults)
    reports = await _sync(sqlite_store, band, s)
    report = reports[device_id]
    assert report.errors == []
    first = s.minutes[0]
    assert band.band_time(first) == first.ts + faults.clock_offset  # stamped wrongly
    got = stored_rows(stored(sqlite_store, device_id, s.start, s.end), list(COLUMNS))
    assert got == truth(s, s.end)
    assert report.result.inserted == len(s.minutes)
    assert report.result.quarantined == 0
    assert band.synced_until == s.end
    assert sqlite_store.devices()[0].last_clock_offset_s == faults.clock_offset.total_seconds()


@pytest.mark.asyncio
async def test_band_clock_reset_to_2000_before_recording_is_mapped_back(
    sqlite_store: Store,
) -> None:
    # The band's clock fell back to 2000-01-01 00:00 UTC (battery ran flat)
    # just before the day was recorded: the whole history is stamped in
    # January 2000. The offset read over Current Time is constant since the
    # reset, so subtracting it maps every minute back to true UTC: nothing is
    # quarantined as "before 2000-01-02".
    s = scenario(days=1)
    (device_id,) = setup_store(sqlite_store, [("huami", BAND, KEY_HEX)])
    band = HuamiBand(s, address=BAND, faults=FaultPlan(clock_reset_at=s.start))
    reports = await _sync(sqlite_store, band, s)
    report = reports[device_id]
    assert report.errors == []
    assert band.band_time(s.minutes[0]) == CLOCK_RESET_VALUE
    got = stored_rows(stored(sqlite_store, device_id, s.start, s.end), list(COLUMNS))
    assert got == truth(s, s.end)
    assert report.result.inserted == len(s.minutes)
    assert report.result.quarantined == 0
    assert band.synced_until == s.end
    # Measured at s.end: the band reads 2000-01-01 plus the day it ran since the reset.
    expected_offset = (CLOCK_RESET_VALUE - s.start).total_seconds()
    assert sqlite_store.devices()[0].last_clock_offset_s == expected_offset
