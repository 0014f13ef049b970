"""Benchmark of the store's reads for screens (issue "Daily summaries and fast reads").

Run by hand (not part of ``make test``)::

    pytest tests/bench/bench_reads.py -s -p no:xdist

``IPSRT_BENCH_CLIENTS`` and ``IPSRT_BENCH_DAYS`` (default 100 and 365) size the
synthetic store; PostgreSQL figures need ``IPSRT_TEST_POSTGRES_URL``. The
SQLite store is cached under the temp directory, keyed by its parameters, so
reruns skip the generation. Each figure is printed by :func:`report` beside its
target and a baseline measured in the same run; nothing here asserts a time.

Structure: one session fixture per backend (:func:`sqlite_store`,
:func:`postgres_store`) built by :func:`build_read_store`, one test function per
figure: minute reads, the actogram, the caseload, alert runs (all clients, and
after one client's sync), the summary update after a one-day sync, and (from
the other bench files, measured here too so one run shows every target of the
issue) ``panel_many`` across daylight-saving changes and ``ipsrt --help``.
Building the store includes the daily summaries (``ipsrt summaries rebuild``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from ipsrt.reports.alerts import run_alerts
from ipsrt.reports.caseload import caseload
from ipsrt.reports.metrics import client_panel
from ipsrt.reports.summaries import install, rebuild, update_pending
from ipsrt.reports.timeline import actogram
from ipsrt.reports.wearable import client_minutes
from ipsrt.store import Store

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 5, 31, tzinfo=dt.UTC)  # the synthetic minutes end here
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC")
CHUNK_DAYS = 30
SEED = 20260601
SCREEN_SECONDS, SCREEN_BYTES, FRAME_SECONDS = 0.3, 1_500_000, 0.3


def bench_size() -> tuple[int, int]:
    """Clients and days from ``IPSRT_BENCH_CLIENTS`` / ``IPSRT_BENCH_DAYS``."""
    return (
        int(os.environ.get("IPSRT_BENCH_CLIENTS", "100")),
        int(os.environ.get("IPSRT_BENCH_DAYS", "365")),
    )


def report(name: str, seconds: float, target: float | None, baseline: float | None) -> None:
    """One figure: time, target and the ratio to a baseline measured in the same run."""
    parts = [f"[reads] {name}: {seconds:.3f} s"]
    if target is not None:
        parts.append(f"target < {target:.3f} s ({'met' if seconds < target else 'MISSED'})")
    if baseline is not None:
        parts.append(f"baseline {baseline:.3f} s, ratio {baseline / seconds:.2f}x")
    print("; ".join(parts))


def best_of(runs: int, action: Callable[[], Any]) -> tuple[float, Any]:
    """The shortest of *runs* timings of *action*, and its last result."""
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def client_code(k: int) -> str:
    return f"B{k:04d}"


def synthetic_minutes(
    device_id: int, zone: str, start: pd.Timestamp, minutes: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Minute samples with a daily rhythm in local time, sleep labels and gaps."""
    ts = pd.date_range(start, periods=minutes, freq="min")
    local = ts.tz_convert(zone)
    hour = local.hour.to_numpy() + local.minute.to_numpy() / 60
    asleep = (hour >= 23.25) | (hour < 7.0)
    level = 25 + 20 * np.sin((hour - 10) / 24 * 2 * np.pi)
    activity = np.where(asleep, rng.poisson(1.0, minutes), rng.poisson(level))
    steps = np.where(asleep, 0, rng.poisson(level / 3)).astype(float)
    heart = np.where(asleep, rng.integers(48, 62, minutes), rng.integers(60, 120, minutes))
    state = np.where(
        asleep, np.where(rng.random(minutes) < 0.3, "sleep_deep", "sleep_light"), "awake"
    ).astype(object)
    # Gaps: whole hours not worn (~3 %) and missing minutes (~2 %).
    off = np.repeat(rng.random(minutes // 60 + 1) < 0.03, 60)[:minutes]
    state[off] = "not_worn"
    keep = rng.random(minutes) >= 0.02
    return pd.DataFrame(
        {
            "device_id": device_id,
            "ts": ts[keep],
            "steps": steps[keep],
            "activity": activity[keep].astype(float),
            "heart_rate": heart[keep],
            "state": state[keep],
        }
    )


def build_read_store(url: str, clients: int = 100, days: int = 365, seed: int = SEED) -> Store:
    """A store of *clients* clients in a few zones with *days* days of minutes each.

    One device per client; minutes end at :data:`END`; written through
    ``Store.upsert_minute_samples`` in chunks of :data:`CHUNK_DAYS` days.
    """
    store = Store.initialise(url)
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(END) - pd.Timedelta(days=days)
    for k in range(clients):
        zone = ZONES[k % len(ZONES)]
        store.add_client(client_code(k), zone, now=NOW)
        device = store.add_device(
            client_code(k),
            "huami",
            f"C8:0F:10:{k >> 16 & 255:02X}:{k >> 8 & 255:02X}:{k & 255:02X}",
            now=NOW,
        )
        assert device.id is not None
        for first in range(0, days, CHUNK_DAYS):
            span = min(CHUNK_DAYS, days - first) * 1440
            chunk_start = start + pd.Timedelta(days=first)
            frame = synthetic_minutes(device.id, zone, chunk_start, span, rng)
            store.upsert_minute_samples(frame, now=NOW)
    started = time.perf_counter()
    rebuild(store, progress=lambda code, weeks: None)
    print(
        f"\n[reads] daily summaries of {clients} clients in {time.perf_counter() - started:.0f} s"
    )
    return install(store)


def store_is_built(store: Store, clients: int) -> bool:
    """True when *store* holds at least *clients* clients, each with daily summaries.

    A store whose build stopped while summarising (every minute written, some
    clients summarised: :func:`build_read_store` summarises only after the last
    minute) has the rest of its summaries built here, and counts as built.
    """
    ids = [c.id for c in store.clients() if c.id is not None]
    states = store.summaries.states(ids)
    if len(ids) >= clients and states and len(states) < clients:
        missing = [c.code for c in store.clients() if c.id not in states]
        print(f"\n[reads] summarising the {len(missing)} clients a stopped build left")
        rebuild(store, missing, progress=lambda code, weeks: None)
        states = store.summaries.states(ids)
    return len(ids) >= clients and len(states) >= clients


def cached_sqlite_store(clients: int, days: int, folder: Path | None = None) -> Store:
    """The SQLite store of :func:`build_read_store`, kept under *folder* (default: the temp
    directory's ``ipsrt-bench``) and keyed by its size, so reruns skip the generation."""
    folder = folder or Path(tempfile.gettempdir()) / "ipsrt-bench"
    folder.mkdir(exist_ok=True)
    path = folder / f"reads-{clients}x{days}-{SEED}.sqlite3"
    url = f"sqlite:///{path}"
    if path.exists():
        store = install(Store.initialise(url))  # a store of older code is migrated
        if store_is_built(store, clients):
            print(f"\n[reads] reusing {path}")
            return store
        store.close()
        for leftover in folder.glob(f"{path.name}*"):
            leftover.unlink()
    started = time.perf_counter()
    store = build_read_store(url, clients, days)
    print(
        f"\n[reads] built {path} ({clients} x {days} days) in {time.perf_counter() - started:.0f} s"
    )
    return store


def postgres_schema_url(base: str, schema: str) -> str:
    """*base* with every connection's ``search_path`` set to *schema*."""
    return f"{base}{'&' if '?' in base else '?'}options={quote(f'-csearch_path={schema}')}"


def cached_postgres_store(base: str, clients: int, days: int) -> Store:
    """The PostgreSQL store of :func:`build_read_store` in its own schema of the database at
    *base*, keyed by its size (kept between runs like :func:`cached_sqlite_store`)."""
    schema = f"bench_reads_{clients}x{days}_{SEED}"
    admin = sa.create_engine(sa.make_url(base).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    admin.dispose()
    url = postgres_schema_url(base, schema)
    store = install(Store.initialise(url))
    if not store_is_built(store, clients):
        store.close()
        admin = sa.create_engine(sa.make_url(base).set(drivername="postgresql+psycopg"))
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        admin.dispose()
        store = build_read_store(url, clients, days)
    return store


@pytest.fixture(scope="session")
def sqlite_store() -> Iterator[Store]:
    store = cached_sqlite_store(*bench_size())
    yield store
    store.close()


@pytest.fixture(scope="session")
def postgres_store() -> Iterator[Store]:
    base = os.environ.get("IPSRT_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("IPSRT_TEST_POSTGRES_URL not set: PostgreSQL figures not measured")
    store = cached_postgres_store(base, *bench_size())
    yield store
    store.close()


def year_window(days: int) -> tuple[dt.datetime, dt.datetime]:
    return (END - dt.timedelta(days=days)), END


def raw_fetch(store: Store, device_id: int, start_s: int, end_s: int) -> float:
    """Baseline: the driver's fetchall of the same rows, nothing else."""
    sql = (
        "SELECT ts, device_id, steps, activity, heart_rate, state, quality FROM minute_sample "
        "WHERE device_id = {p} AND ts >= {p} AND ts < {p} ORDER BY ts"
    )
    if store.engine.dialect.name == "sqlite":
        conn = sqlite3.connect(store.engine.url.database or "")
        try:
            seconds, rows = best_of(
                3, lambda: conn.execute(sql.format(p="?"), (device_id, start_s, end_s)).fetchall()
            )
        finally:
            conn.close()
    else:
        with store.engine.connect() as sa_conn:
            psycopg_conn = sa_conn.connection.driver_connection

            def fetch() -> list[Any]:
                with psycopg_conn.cursor() as cursor:  # type: ignore[union-attr]
                    cursor.execute(sql.format(p="%s"), (device_id, start_s, end_s))
                    return cursor.fetchall()

            seconds, rows = best_of(3, fetch)
    assert rows
    return seconds


def minute_frame_figure(store: Store, backend: str) -> None:
    _clients, days = bench_size()
    start, end = year_window(days)
    code = client_code(0)
    device_id = store.devices(code)[0].id
    assert device_id is not None
    baseline = raw_fetch(store, device_id, int(start.timestamp()), int(end.timestamp()))
    seconds, frame = best_of(3, lambda: store.minute_frame(code, start, end))
    report(
        f"{backend} Store.minute_frame, one client x {days} days ({len(frame):,} rows) "
        "vs raw driver fetchall",
        seconds,
        FRAME_SECONDS,
        baseline,
    )


def screen_figure(store: Store, backend: str) -> None:
    _clients, days = bench_size()
    last = END.date() - dt.timedelta(days=1)
    first = last - dt.timedelta(days=days - 1)
    code = client_code(0)  # Europe/Berlin
    device_id = store.devices(code)[0].id
    assert device_id is not None
    start, end = year_window(days)
    baseline = raw_fetch(store, device_id, int(start.timestamp()), int(end.timestamp()))
    seconds, gram = best_of(3, lambda: actogram(store, code, first, last, bin_minutes=10))
    size = len(json.dumps(gram, separators=(",", ":"), allow_nan=False).encode())
    report(
        f"{backend} actogram, one client x {days} days in 10-minute bins vs raw driver fetchall",
        seconds,
        SCREEN_SECONDS,
        baseline,
    )
    print(
        f"[reads] {backend} actogram JSON: {size:,} bytes; target < {SCREEN_BYTES:,} "
        f"({'met' if size < SCREEN_BYTES else 'MISSED'})"
    )


def test_minute_frame_sqlite(sqlite_store: Store) -> None:
    minute_frame_figure(sqlite_store, "SQLite")


def test_minute_frame_postgres(postgres_store: Store) -> None:
    minute_frame_figure(postgres_store, "PostgreSQL")


def test_screen_read_sqlite(sqlite_store: Store) -> None:
    screen_figure(sqlite_store, "SQLite")


def test_screen_read_postgres(postgres_store: Store) -> None:
    screen_figure(postgres_store, "PostgreSQL")


# -- summaries, caseload and alert runs --------------------------------------------------

CASELOAD_SECONDS, ALERTS_SECONDS, ALERTS_ONE_SECONDS, UPDATE_SECONDS = 0.5, 3.0, 0.5, 0.1
BASELINE_SAMPLE = 5  # clients whose per-client path is timed for the baselines


def caseload_figure(store: Store, backend: str) -> None:
    clients, _days = bench_size()
    seconds, table = best_of(3, lambda: caseload(store, now=NOW))
    assert len(table) >= clients
    codes = [client_code(k) for k in range(min(BASELINE_SAMPLE, clients))]
    last = END.date() - dt.timedelta(days=1)
    start = time.perf_counter()
    for code in codes:
        client_panel(store, code, last - dt.timedelta(days=27), last)
    per_client = (time.perf_counter() - start) / len(codes)
    report(
        f"{backend} caseload of {len(table)} clients (4 weeks of SRM, IS/IV, midpoint SD, "
        f"open alerts) vs the per-client panel from minutes ({len(codes)} timed, x{len(table)})",
        seconds,
        CASELOAD_SECONDS,
        per_client * len(table),
    )


def alerts_figure(store: Store, backend: str) -> None:
    clients, _days = bench_size()
    full, summary = best_of(2, lambda: run_alerts(store, now=NOW))
    codes = [client_code(k) for k in range(min(BASELINE_SAMPLE, clients))]
    start = time.perf_counter()
    for code in codes:
        tz = store.client(code).timezone
        client_minutes(store, code, NOW - dt.timedelta(days=56), NOW)
        assert tz
    per_client = (time.perf_counter() - start) / len(codes)
    report(
        f"{backend} alerts run, {summary.clients} clients, every one evaluated "
        f"vs reading each client's 56 days of minutes ({len(codes)} timed, x{summary.clients})",
        full,
        ALERTS_SECONDS,
        per_client * summary.clients,
    )
    run_alerts(store, now=NOW, incremental=True)
    code = client_code(1)
    device_id = store.devices(code)[0].id
    assert device_id is not None
    rng = np.random.default_rng(int(time.time()))
    day = pd.Timestamp(END) + pd.Timedelta(days=int(rng.integers(0, 300)))
    frame = synthetic_minutes(device_id, store.client(code).timezone, day, 1440, rng)
    store.upsert_minute_samples(frame, now=day.to_pydatetime() + dt.timedelta(days=1))
    later = NOW + dt.timedelta(minutes=5)
    start = time.perf_counter()
    one = run_alerts(store, now=later, incremental=True)
    seconds = time.perf_counter() - start
    report(
        f"{backend} alerts run after one client's sync ({one.clients - one.skipped} of "
        f"{one.clients} evaluated) vs the full run",
        seconds,
        ALERTS_ONE_SECONDS,
        full,
    )


def summary_update_figure(store: Store, backend: str) -> None:
    """A fresh client with eight weeks of minutes, then one-day syncs: the summary update
    alone (pending dates to rows), vs the same day's upsert without it."""
    code = f"S{int(time.time() * 1000) % 10**9:09d}"
    store.add_client(code, "Europe/Berlin", now=NOW)
    device = store.add_device(
        code, "huami", "C8:0F:1F:" + ":".join(code[-6:][i : i + 2] for i in (0, 2, 4)), now=NOW
    )
    assert device.id is not None
    rng = np.random.default_rng(7)
    first = pd.Timestamp("2026-04-06", tz="Europe/Berlin").tz_convert("UTC")  # a Monday
    store.upsert_minute_samples(
        synthetic_minutes(device.id, "Europe/Berlin", first, 56 * 1440, rng), now=NOW
    )
    summariser, store.summariser = store.summariser, None
    try:
        steps = ((57, None), (58, "a Wednesday: one week"), (62, "a Sunday: two weeks"))
        for offset, what in steps:  # the first one warms up
            day = first + pd.Timedelta(days=offset)
            frame = synthetic_minutes(device.id, "Europe/Berlin", day, 1440, rng)
            start = time.perf_counter()
            store.upsert_minute_samples(frame, now=NOW)
            upsert = time.perf_counter() - start
            start = time.perf_counter()
            with store.write_connection() as conn:
                update_pending(store, conn)
            if what is None:
                continue
            report(
                f"{backend} summary update after a one-day sync ({what}) "
                "vs that day's upsert without it",
                time.perf_counter() - start,
                UPDATE_SECONDS,
                upsert,
            )
    finally:
        store.summariser = summariser


def test_caseload_sqlite(sqlite_store: Store) -> None:
    caseload_figure(sqlite_store, "SQLite")


def test_caseload_postgres(postgres_store: Store) -> None:
    caseload_figure(postgres_store, "PostgreSQL")


def test_alert_runs_sqlite(sqlite_store: Store) -> None:
    alerts_figure(sqlite_store, "SQLite")


def test_alert_runs_postgres(postgres_store: Store) -> None:
    alerts_figure(postgres_store, "PostgreSQL")


def test_summary_update_sqlite(sqlite_store: Store) -> None:
    summary_update_figure(sqlite_store, "SQLite")


def test_summary_update_postgres(postgres_store: Store) -> None:
    summary_update_figure(postgres_store, "PostgreSQL")


def test_help_start_up() -> None:
    from tests.bench.bench_startup import measure_help

    seconds, baseline, rss_mb = measure_help()
    report(f"ipsrt --help ({rss_mb:.0f} MB) vs python -c pass", seconds, 0.5, baseline)


def test_panel_many_across_dst() -> None:
    """``panel_many`` on year-long Europe/Berlin recordings, within 1.2x of the same in UTC
    (the 16-band collector figures are printed by ``bench_collect.py``)."""
    from tests.bench.bench_rhythm import measure_panel_many_dst

    berlin, utc = measure_panel_many_dst(20, 365)
    report(
        "panel_many, 20 year-long Europe/Berlin recordings (CPU) vs the same in UTC; "
        "target = 1.2 x UTC",
        berlin,
        1.2 * utc,
        utc,
    )
