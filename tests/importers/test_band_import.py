"""Storing a reader's minutes: all or nothing, idempotent, under one import device per source.

Inputs are the known band week (tests.helpers.band_week); expected values follow
from it and from the import rules in docs/importing.md, "What lands in the database".
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import NOW

from ipsrt.errors import InvalidInputError, NotFoundError
from ipsrt.reports.band_import import day_coverage, import_address, import_band_minutes
from ipsrt.store import Store
from tests.helpers.band_week import AUCKLAND_WEEK, BERLIN_WEEK, band_week

LATER = NOW + dt.timedelta(days=400)  # the week is in 2026-03/04; NOW is 2026-06-01


def _week(tz: str, first: dt.date) -> pd.DataFrame:
    frame = band_week(tz, first)
    return frame.assign(activity=np.nan)[["ts", "steps", "heart_rate", "activity", "state"]]


def _import(store: Store, client: str, minutes: pd.DataFrame, key: str = "C8:0F:10:00:00:01"):
    return import_band_minutes(
        store,
        client,
        source="gadgetbridge",
        device_key=key,
        device_name="Mi Band 5",
        minutes=minutes,
        records=len(minutes),
        notes=("3 heart-rate readings of 255 skipped",),
        file_name="Gadgetbridge.db",
        now=LATER,
        actor="cli:tester",
    )


@pytest.fixture
def berlin(store: Store) -> str:
    store.add_client("C001", BERLIN_WEEK[0], now=NOW)
    store.add_client("C002", AUCKLAND_WEEK[0], now=NOW)
    return "C001"


def _stored(store: Store, client: str, week: pd.DataFrame) -> pd.DataFrame:
    start, end = week["ts"].iloc[0].to_pydatetime(), week["ts"].iloc[-1].to_pydatetime()
    return store.minute_frame(client, start, end + dt.timedelta(minutes=1))


def test_every_minute_is_stored_once_under_one_import_device(store: Store, berlin: str) -> None:
    week = _week(*BERLIN_WEEK)
    summary = _import(store, berlin, week)
    assert (summary.minutes, summary.inserted, summary.duplicate) == (len(week), len(week), 0)
    assert summary.device == "gadgetbridge:C8:0F:10:00:00:01"
    assert summary.device_created
    (device,) = store.devices(berlin)
    assert (device.family, device.address, device.name) == ("import", summary.device, "Mi Band 5")
    stored = _stored(store, berlin, week)
    assert stored.index.equals(pd.DatetimeIndex(week["ts"]))
    assert np.array_equal(stored["steps"].to_numpy(float), week["steps"].to_numpy(), equal_nan=True)
    assert np.array_equal(
        stored["heart_rate"].to_numpy(float), week["heart_rate"].to_numpy(), equal_nan=True
    )
    assert stored["state"].astype(str).tolist() == week["state"].tolist()
    (audit,) = [e for e in store.audit_events() if e.action == "device.import"]
    assert audit.detail["inserted"] == len(week)
    assert (audit.detail["file"], audit.actor) == ("Gadgetbridge.db", "cli:tester")


def test_a_second_import_of_the_same_file_adds_nothing_and_says_so(
    store: Store, berlin: str
) -> None:
    week = _week(*BERLIN_WEEK)
    _import(store, berlin, week)
    again = _import(store, berlin, week)
    assert (again.inserted, again.duplicate, again.conflicting) == (0, len(week), 0)
    assert again.already_imported
    assert not again.device_created
    assert len(store.devices(berlin)) == 1


def test_changed_minutes_keep_the_stored_values_and_count_as_conflicts(
    store: Store, berlin: str
) -> None:
    week = _week(*BERLIN_WEEK)
    _import(store, berlin, week.iloc[:100])
    changed = week.iloc[:200].copy()
    changed.loc[:9, "heart_rate"] = 99.0
    summary = _import(store, berlin, changed)
    conflicts = int((week["heart_rate"].iloc[:10] != 99.0).sum())
    assert (summary.inserted, summary.conflicting) == (100, conflicts)
    assert summary.duplicate == 100 - conflicts
    assert not summary.already_imported
    stored = _stored(store, berlin, week.iloc[:10])
    assert stored["heart_rate"].to_numpy(float).tolist() == week["heart_rate"].iloc[:10].tolist()


def test_a_frame_that_cannot_be_stored_writes_nothing_not_even_the_device(
    store: Store, berlin: str
) -> None:
    week = _week(*BERLIN_WEEK)
    broken = week.copy()
    broken.loc[5000, "state"] = "dancing"
    before = len(store.audit_events())
    with pytest.raises(InvalidInputError):
        _import(store, berlin, broken)
    assert store.devices(berlin) == []
    assert len(store.audit_events()) == before


def test_a_source_device_of_another_client_is_refused(store: Store, berlin: str) -> None:
    week = _week(*BERLIN_WEEK)
    _import(store, berlin, week.iloc[:10])
    with pytest.raises(InvalidInputError, match="belongs to another client"):
        _import(store, "C002", week.iloc[:10])
    assert store.devices("C002") == []
    with pytest.raises(NotFoundError):
        _import(store, "C404", week.iloc[:10])


def test_import_addresses_are_printable_and_fit() -> None:
    assert import_address("apple-health", "Ann's\nWatch") == "apple-health:Ann's Watch"
    long = import_address("omh", "x" * 300)
    assert long.startswith("omh:sha256:")
    assert len(long) == len("omh:sha256:") + 32
    with pytest.raises(InvalidInputError, match="unknown import source"):
        import_address("myspace", "x")


def test_day_coverage_counts_local_days_across_dst() -> None:
    # Berlin week from local midnight 2026-03-26 for 7 days: 29 March has 23 hours.
    week = band_week(*BERLIN_WEEK)
    full = day_coverage(week["ts"], "Europe/Berlin")
    assert (full.first_day, full.last_day) == (dt.date(2026, 3, 26), dt.date(2026, 4, 1))
    assert (full.days_without_data, full.days_partial) == (0, 0)
    # Drop 28 March entirely and one hour of 30 March.
    local = week["ts"].dt.tz_convert("Europe/Berlin")
    keep = (local.dt.date != dt.date(2026, 3, 28)) & ~(
        (local.dt.date == dt.date(2026, 3, 30)) & (local.dt.hour == 9)
    )
    gappy = day_coverage(week["ts"][keep], "Europe/Berlin")
    assert (gappy.days_without_data, gappy.days_partial) == (1, 1)
    # Auckland's autumn change: 5 April 2026 has 25 hours, all present.
    auckland = band_week(*AUCKLAND_WEEK)
    assert day_coverage(auckland["ts"], "Pacific/Auckland").days_partial == 0
    assert day_coverage(pd.Series([], dtype="datetime64[ns, UTC]"), "UTC").first_day is None
