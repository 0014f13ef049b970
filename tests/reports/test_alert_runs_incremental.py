"""Incremental alert runs (docs/architecture.md, "Daily summaries"): a client is evaluated
again only when its summaries changed, its settings changed, or time alone could change
its alerts (the next midnight, a data gap reaching its threshold)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import NOW

from ipsrt.reports.alerts import run_alerts
from ipsrt.reports.summaries import install
from ipsrt.store import Store
from tests.reports.test_alerts import TZ, night_minutes


@pytest.fixture
def two_clients(store: Store) -> list[int]:
    install(store)
    devices = []
    for n, code in enumerate(("C001", "C002"), start=1):
        store.add_client(code, TZ, now=NOW)
        device = store.add_device(code, "huami", f"C8:0F:10:00:00:0{n}", now=NOW)
        assert device.id is not None
        devices.append(device.id)
    store.upsert_minute_samples(night_minutes(devices[0]), now=NOW)
    store.upsert_minute_samples(night_minutes(devices[1], short_night=None), now=NOW)
    return devices


def test_only_changed_clients_are_evaluated(store: Store, two_clients: list[int]) -> None:
    first = run_alerts(store, now=NOW, incremental=True)
    assert (first.skipped, first.new) == (0, 1)  # C001's short night
    later = NOW + dt.timedelta(minutes=30)
    assert run_alerts(store, now=later, incremental=True).skipped == 2
    # New minutes for C002 only: C001 stays skipped.
    extra = night_minutes(two_clients[1], short_night=None).tail(60)
    extra["ts"] = extra["ts"] + dt.timedelta(minutes=60)
    store.upsert_minute_samples(extra, now=later)
    again = run_alerts(store, now=later, incremental=True)
    assert (again.clients, again.skipped) == (2, 1)
    # Other settings re-evaluate everyone; so does a full run.
    assert run_alerts(store, now=later, incremental=True, lookback_days=7).skipped == 0
    assert run_alerts(store, now=later).skipped == 0


def test_time_alone_makes_a_client_due(store: Store, two_clients: list[int]) -> None:
    run_alerts(store, now=NOW, incremental=True)
    # The last minute is 08:59 UTC on 1 June, so a 48-hour gap is reached at 08:59 UTC
    # on 3 June; before that, each local midnight makes both clients due.
    midnight = dt.datetime(2026, 6, 1, 22, 0, tzinfo=dt.UTC)  # local midnight in Berlin
    assert run_alerts(store, now=midnight - dt.timedelta(minutes=1), incremental=True).skipped == 2
    assert run_alerts(store, now=midnight, incremental=True).skipped == 0
    gap = dt.datetime(2026, 6, 3, 9, 0, tzinfo=dt.UTC)
    run_alerts(store, now=gap - dt.timedelta(hours=4), incremental=True)
    before = run_alerts(store, now=gap - dt.timedelta(hours=3), incremental=True)
    assert before.skipped == 2
    reached = run_alerts(store, now=gap, incremental=True)
    assert reached.skipped == 0
    gaps = [a for a in store.alerts.find() if a.rule == "data_gap"]
    assert {a.client for a in gaps} == {"C001", "C002"}


def test_incremental_and_full_runs_store_the_same_alerts(
    store: Store, two_clients: list[int]
) -> None:
    for hours in range(0, 96, 7):
        run_alerts(store, now=NOW + dt.timedelta(hours=hours), incremental=True)
    incremental = {(a.client, a.rule, a.window_start, a.window_end) for a in store.alerts.find()}
    for hours in range(0, 96, 7):
        run_alerts(store, now=NOW + dt.timedelta(hours=hours))
    full = {(a.client, a.rule, a.window_start, a.window_end) for a in store.alerts.find()}
    assert incremental == full  # the full runs found nothing the incremental ones missed
