"""Benchmark of the clinician's caseload page (``docs/dashboard.md``, "Clinician pages").

Run by hand (not part of ``make test``)::

    pytest tests/bench/bench_caseload_view.py -s -p no:xdist

The caseload page reads summaries only, so the store here holds what the
summary update would have written, inserted directly: ``IPSRT_BENCH_CLIENTS``
clients (default 200) with ``IPSRT_BENCH_DAYS`` (default 365) ``client_day``
rows each (with their screen bins), their ``client_week`` rows, one device
and a few open alerts, all marked as built by the current summary definition
(so nothing is recomputed). Devices have no minutes: the last-minute look-up
is an index probe either way. PostgreSQL figures need
``IPSRT_TEST_POSTGRES_URL``.

Target: the rows of every client in under 0.5 s; the baseline, measured in
the same run, is the four-week caseload table
(:func:`ipsrt.reports.caseload.caseload`) of the same clients. Nothing here
asserts a time.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from urllib.parse import quote

import numpy as np
import pytest
import sqlalchemy as sa

from ipsrt.alerts import Alert, Severity
from ipsrt.daily import SUMMARY_VERSION, week_of
from ipsrt.models import ClientDay, ClientSummary, ClientWeek
from ipsrt.reports.caseload import caseload
from ipsrt.reports.caseload_view import caseload_rows
from ipsrt.reports.summaries import install
from ipsrt.store import Store
from tests.bench.bench_reads import best_of

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Pacific/Auckland")
CASELOAD_VIEW_SECONDS = 0.5


def bench_size() -> tuple[int, int]:
    return (
        int(os.environ.get("IPSRT_BENCH_CLIENTS", "200")),
        int(os.environ.get("IPSRT_BENCH_DAYS", "365")),
    )


def fill(store: Store, clients: int, days: int) -> Store:
    """Clients with a year of day and week summaries, written as the summary update would."""
    rng = np.random.default_rng(20260601)
    last = NOW.date()
    first = last - dt.timedelta(days=days - 1)
    bins = json.dumps([round(float(v), 1) for v in rng.random(144) * 500])
    worn = json.dumps([10] * 144)
    sleep = json.dumps([10] * 42 + [0] * 102)
    alerts = []
    for k in range(clients):
        code = f"V{k:04d}"
        store.add_client(code, ZONES[k % len(ZONES)], now=NOW)
        store.add_device(
            code, "huami", f"C8:0F:20:{k >> 16 & 255:02X}:{k >> 8 & 255:02X}:{k & 255:02X}", now=NOW
        )
        if k % 5 == 0:
            alerts.append(
                Alert(code, "sleep_change", last, last, Severity.WARNING, "bench", {"k": k})
            )
    ids = {c.code: int(c.id) for c in store.clients() if c.id is not None}
    day_rows, week_rows = [], []
    for cid in ids.values():
        for i in range(days):
            day = first + dt.timedelta(days=i)
            day_rows.append(
                {
                    "client_id": cid,
                    "day": day,
                    "day_minutes": 1440,
                    "recorded_min": 1440,
                    "wear_min": 1400,
                    "activity_hourly": json.dumps([100.0] * 24),
                    "bin_activity_sum": bins,
                    "bin_worn": worn,
                    "bin_sleep": sleep,
                    "sleep_midpoint_min": float(rng.normal(180, 30)),
                    "sleep_duration_min": float(rng.normal(450, 40)),
                    "diary_items": 0,
                }
            )
        monday = week_of(first, 0)
        while monday <= last:
            week_rows.append(
                {
                    "client_id": cid,
                    "week_start": monday,
                    "days_with_data": 7,
                    "srm": float(rng.uniform(2, 5)),
                    "srm_estimated": float(rng.uniform(2, 3)),
                    "sri": float(rng.uniform(60, 90)),
                }
            )
            monday += dt.timedelta(days=7)
    with store.engine.begin() as conn:
        conn.execute(sa.insert(ClientDay.__table__), day_rows)  # type: ignore[attr-defined]
        conn.execute(sa.insert(ClientWeek.__table__), week_rows)  # type: ignore[attr-defined]
        conn.execute(
            sa.insert(ClientSummary.__table__),  # type: ignore[attr-defined]
            [{"client_id": c, "version": 1, "definition": SUMMARY_VERSION} for c in ids.values()],
        )
    store.alerts.upsert(alerts, now=NOW)
    return install(store)


def figure(store: Store, backend: str) -> None:
    codes = [c.code for c in store.clients()]
    seconds, rows = best_of(3, lambda: caseload_rows(store, codes, now=NOW))
    assert len(rows) == len(codes)
    baseline, _table = best_of(3, lambda: caseload(store, codes, now=NOW))
    clients, days = bench_size()
    line = (
        f"[caseload page] {backend}, {clients} clients x {days} days of summaries: "
        f"{seconds:.3f} s; target < {CASELOAD_VIEW_SECONDS:.3f} s "
        f"({'met' if seconds < CASELOAD_VIEW_SECONDS else 'MISSED'}); baseline (four-week "
        f"caseload table) {baseline:.3f} s, ratio {baseline / seconds:.2f}x"
    )
    print(line)


@pytest.fixture
def sqlite_summary_store(tmp_path) -> Iterator[Store]:
    clients, days = bench_size()
    with Store.initialise(f"sqlite:///{tmp_path / 'caseload.sqlite3'}") as store:
        yield fill(store, clients, days)


@pytest.fixture
def postgres_summary_store() -> Iterator[Store]:
    base = os.environ.get("IPSRT_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("IPSRT_TEST_POSTGRES_URL not set: PostgreSQL figures not measured")
    schema = f"bench_caseload_view_{int(time.time())}"
    admin = sa.create_engine(sa.make_url(base).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = f"{base}{'&' if '?' in base else '?'}options={quote(f'-csearch_path={schema}')}"
    clients, days = bench_size()
    try:
        with Store.initialise(url) as store:
            yield fill(store, clients, days)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def test_caseload_view_sqlite(sqlite_summary_store: Store) -> None:
    figure(sqlite_summary_store, "SQLite")


def test_caseload_view_postgres(postgres_summary_store: Store) -> None:
    figure(postgres_summary_store, "PostgreSQL")
