"""Benchmark of the store's hot path (issue 2), run with ``make bench``.

Prints figures and ratios measured in this run, on this machine:

* upsert of one client-year of minute samples (525,600 rows) against a
  baseline: plain ``sqlite3`` ``executemany`` of the same tuples into a bare
  table (targets: at least 0.5 of the baseline and at least 200,000 rows/s);
* re-upserting the same year, all duplicates (target: at least as fast);
* reading the year back as a DataFrame (target: under 1 s);
* the PostgreSQL COPY path when ``IPSRT_TEST_POSTGRES_URL`` is set (target:
  at least 100,000 rows/s);
* the SIGKILL crash harness, 100 runs.

No assertion here is about time: the figures are printed for the reader.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ipsrt.store import Store
from ipsrt.store.samples import STORED_COLUMNS, _records, prepare_samples
from tests.store.crash_harness import TOTAL, crash_once, prepare

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
YEAR = 525_600


def year_frame(device_id: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    ts = pd.date_range("2025-01-01T00:00:00Z", periods=YEAR, freq="min")
    steps = rng.integers(0, 150, YEAR).astype("float64")
    steps[rng.random(YEAR) < 0.02] = np.nan
    return pd.DataFrame(
        {
            "device_id": device_id,
            "ts": ts,
            "steps": steps,
            "activity": rng.random(YEAR) * 80,
            "heart_rate": rng.integers(45, 140, YEAR),
            "state": rng.choice(["awake", "sleep_light", "sleep_deep", "not_worn"], YEAR),
        }
    )


def best_of(runs: int, setup: Callable[[], Any], action: Callable[[Any], Any]) -> float:
    times = []
    for _ in range(runs):
        state = setup()
        start = time.perf_counter()
        action(state)
        times.append(time.perf_counter() - start)
    return min(times)


def fresh_store(url: str) -> tuple[Store, int]:
    store = Store.initialise(url)
    store.add_client("C001", "UTC", now=NOW)
    device = store.add_device("C001", "huami", "C8:0F:10:00:00:01", now=NOW)
    assert device.id is not None
    return store, device.id


def test_sqlite_year_upsert_against_bare_executemany(tmp_path) -> None:
    frame = year_frame(1)
    tuples = list(_records(prepare_samples(frame, {1: 1}, now=NOW).rows))
    counter = iter(range(1_000))

    def bare_setup() -> sqlite3.Connection:
        path = tmp_path / f"bare{next(counter)}.sqlite3"
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute(f"CREATE TABLE bare ({', '.join(STORED_COLUMNS)})")
        return conn

    def bare_insert(conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN")
        conn.executemany(
            f"INSERT INTO bare VALUES ({', '.join('?' * len(STORED_COLUMNS))})", tuples
        )
        conn.execute("COMMIT")

    def store_setup() -> tuple[Store, int]:
        return fresh_store(f"sqlite:///{tmp_path / f'store{next(counter)}.sqlite3'}")

    def store_insert(state: tuple[Store, int]) -> None:
        result = state[0].upsert_minute_samples(frame.assign(device_id=state[1]), now=NOW)
        assert result.inserted == YEAR

    baseline = best_of(3, bare_setup, bare_insert)
    ours = best_of(3, store_setup, store_insert)

    store, device_id = store_setup()
    store.upsert_minute_samples(frame.assign(device_id=device_id), now=NOW)
    again = best_of(
        3,
        lambda: None,
        lambda _: store.upsert_minute_samples(frame.assign(device_id=device_id), now=NOW),
    )
    start = frame["ts"].iloc[0].to_pydatetime()
    read = best_of(3, lambda: None, lambda _: store.minute_frame("C001", start, NOW))
    assert len(store.minute_frame("C001", start, NOW)) == YEAR
    store.close()

    print(f"\n[store] one client-year = {YEAR:,} minute rows, SQLite (WAL, synchronous=FULL)")
    print(
        f"[store] baseline: sqlite3 executemany of the same tuples into a bare table: "
        f"{baseline:.3f} s ({YEAR / baseline:,.0f} rows/s)"
    )
    print(
        f"[store] Store.upsert_minute_samples from a DataFrame: {ours:.3f} s "
        f"({YEAR / ours:,.0f} rows/s); ratio to baseline {baseline / ours:.2f} "
        f"(target >= 0.5 and >= 200,000 rows/s)"
    )
    print(
        f"[store] re-upsert of the same year (all duplicates): {again:.3f} s "
        f"({YEAR / again:,.0f} rows/s); ratio to first upsert {ours / again:.2f} "
        f"(target >= 1)"
    )
    print(f"[store] minute_frame for the year: {read:.3f} s (target < 1 s)")


def test_postgres_copy_path() -> None:
    base = os.environ.get("IPSRT_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("IPSRT_TEST_POSTGRES_URL not set: PostgreSQL figures not measured")
    import uuid
    from urllib.parse import quote

    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(sa.make_url(base).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = f"{base}{'&' if '?' in base else '?'}options={quote(f'-csearch_path={schema}')}"
    try:
        store, device_id = fresh_store(url)
        frame = year_frame(device_id)
        start = time.perf_counter()
        result = store.upsert_minute_samples(frame, now=NOW)
        first = time.perf_counter() - start
        assert result.inserted == YEAR
        start = time.perf_counter()
        store.upsert_minute_samples(frame, now=NOW)
        again = time.perf_counter() - start
        start = time.perf_counter()
        stored = store.minute_frame("C001", frame["ts"].iloc[0].to_pydatetime(), NOW)
        read = time.perf_counter() - start
        assert len(stored) == YEAR
        store.close()
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
    print(
        f"\n[store] PostgreSQL COPY -> temp table -> INSERT ON CONFLICT: {first:.3f} s "
        f"({YEAR / first:,.0f} rows/s; target >= 100,000 rows/s)"
    )
    print(f"[store] PostgreSQL re-upsert (all duplicates): {again:.3f} s; read back {read:.3f} s")


def test_crash_harness_100_runs(tmp_path) -> None:
    rng = random.Random(100)
    started = time.perf_counter()
    acknowledged = []
    for run in range(100):
        path = tmp_path / f"crash{run}.sqlite3"
        url = f"sqlite:///{path}"
        result = crash_once(url, str(path), prepare(url), rng)
        assert result.integrity == "ok"
        assert result.rows_after_resume == result.distinct_after_resume == TOTAL
        acknowledged.append(result.acknowledged)
    print(
        f"\n[store] crash harness: 100 SIGKILLs, 0 acknowledged samples lost, integrity ok, "
        f"{TOTAL:,} rows after each resume; batches acknowledged before the kill: "
        f"min {min(acknowledged)}, median {int(np.median(acknowledged))}, "
        f"max {max(acknowledged)}; {time.perf_counter() - started:.0f} s"
    )
