"""Benchmark of the synthetic cohort (issue 15), run with ``make bench``.

Prints figures measured in this run, on this machine, beside their targets
and a baseline measured in the same run:

* generating six clients x eight weeks (target < 2 s), against the emulated
  wearables' per-minute generator (``devices.emulated.scenario.Scenario``)
  for the same client-days;
* generating one client-year (target < 3 s, so 1,000 client-years take
  under an hour on one core), against the same baseline for a year;
* loading six clients x eight weeks into SQLite with ``load_cohort`` (target:
  a few seconds, < 10 s), split into the writes and the daily summaries,
  against plain ``sqlite3`` ``executemany`` of the same minute rows into a
  bare table.

No assertion here is about time: the figures are printed for the reader.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
import time
from pathlib import Path

from devices.emulated.scenario import Scenario
from ipsrt.reports.demo_data import load_cohort
from ipsrt.reports.summaries import install, refresh
from ipsrt.store import Store
from ipsrt.synthetic import COHORT_PROFILES, cohort_minutes_table, generate_cohort

LAST_DAY = dt.date(2026, 4, 20)


def _timed(action: object) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()  # type: ignore[operator]
    return time.perf_counter() - start, result


def _scenario_days(days: int, clients: int) -> float:
    start = time.perf_counter()
    for i, spec in enumerate(COHORT_PROFILES[:clients]):
        Scenario.generate(seed=i, days=days, zone=spec.timezone, start_date=dt.date(2026, 1, 1))
    return time.perf_counter() - start


def test_generation() -> None:
    ours, cohort = _timed(lambda: generate_cohort(seed=1, last_day=LAST_DAY))
    base = _scenario_days(56, 6)
    rows = len(cohort_minutes_table(cohort))  # type: ignore[arg-type]
    print(f"\n[cohort] six clients x eight weeks = {rows:,} minutes")
    print(
        f"[cohort] generate_cohort: {ours:.2f} s (target < 2 s); baseline Scenario.generate "
        f"for the same client-days {base:.2f} s; ratio baseline/ours {base / ours:.1f}"
    )
    year, _ = _timed(
        lambda: generate_cohort(seed=1, last_day=LAST_DAY, weeks=52, specs=COHORT_PROFILES[:1])
    )
    base_year = _scenario_days(364, 1)
    print(
        f"[cohort] one client-year (52 weeks): {year:.2f} s (target < 3 s); baseline "
        f"Scenario.generate for a year {base_year:.2f} s; ratio baseline/ours "
        f"{base_year / year:.1f}; 1,000 client-years ~ {year * 1000 / 60:.0f} min on one core"
    )


def test_load_into_sqlite() -> None:
    cohort = generate_cohort(seed=1, last_day=LAST_DAY)
    now = cohort.now + dt.timedelta(minutes=5)
    table = cohort_minutes_table(cohort)
    with tempfile.TemporaryDirectory() as folder:
        bare = sqlite3.connect(Path(folder) / "bare.sqlite3")
        bare.execute("PRAGMA journal_mode=WAL")
        bare.execute(
            "CREATE TABLE m (device_id INT, ts INT, steps INT, activity INT, heart_rate INT, "
            "state INT, quality INT, PRIMARY KEY (device_id, ts))"
        )
        codes = {c: i for i, c in enumerate(table["client"].cat.categories, start=1)}
        rows = list(
            zip(
                table["client"].map(codes).astype(int).tolist(),
                (table["ts"].dt.as_unit("s").array.asi8).tolist(),
                table["steps"].astype(object).where(table["steps"].notna(), None).tolist(),
                table["activity"].astype(object).where(table["activity"].notna(), None).tolist(),
                table["heart_rate"]
                .astype(object)
                .where(table["heart_rate"].notna(), None)
                .tolist(),
                table["state"].cat.codes.astype(int).tolist(),
                [0] * len(table),
                strict=True,
            )
        )
        start = time.perf_counter()
        with bare:
            bare.executemany("INSERT INTO m VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        baseline = time.perf_counter() - start
        bare.close()

        store = install(Store.initialise(f"sqlite:///{folder}/demo.sqlite3"))
        summariser, store.summariser = store.summariser, None
        writes, _ = _timed(lambda: load_cohort(store, cohort, now=now))
        store.summariser = summariser
        summaries, _ = _timed(lambda: refresh(store))
        again, _ = _timed(lambda: load_cohort(store, cohort, now=now))
        store.close()
    total = writes + summaries
    print(f"\n[cohort] load_cohort, six clients x eight weeks ({len(table):,} minutes), SQLite")
    print(
        f"[cohort] total {total:.2f} s (target < 10 s): writes {writes:.2f} s, daily summaries "
        f"{summaries:.2f} s; baseline sqlite3 executemany of the minute rows {baseline:.2f} s; "
        f"ratio writes/baseline {writes / baseline:.1f}"
    )
    print(f"[cohort] loading again (nothing to write): {again:.2f} s")
