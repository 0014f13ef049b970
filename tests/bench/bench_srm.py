"""Benchmark: SRM scoring and alert evaluation for 1,000 client-years of synthetic data.

Run with ``make bench`` (or ``pytest tests/bench/bench_srm.py -s``). Prints time
per client-year and the ratio against a naive per-week Python loop measured in
the same run. No timing assertions.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd

from ipsrt.alerts import evaluate
from ipsrt.srm import SRM5, score_weeks

CLIENTS = 1000
DAYS = 364
BASE = {"out_of_bed": 420, "first_contact": 480, "start_activity": 540, "dinner": 1140, "bed": 1410}


def _entries(clients: int, rng: np.random.Generator) -> pd.DataFrame:
    n = clients * DAYS * len(BASE)
    client = np.repeat([f"c{i:04d}" for i in range(clients)], DAYS * len(BASE))
    day = np.tile(np.repeat(np.arange(DAYS), len(BASE)), clients)
    act = np.tile(list(BASE), clients * DAYS)
    base = np.tile(list(BASE.values()), clients * DAYS)
    minutes = np.mod(base + np.round(rng.normal(0, 40, n)), 1440)
    done = rng.random(n) > 0.15
    return pd.DataFrame(
        {
            "client": client,
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(day, unit="D"),
            "activity": act,
            "minutes": np.where(done, minutes, np.nan),
            "status": np.where(done, "done", "not_done"),
            "people": rng.integers(0, 4, n),
        }
    )


def _naive_week(times: list[float]) -> int:
    centre = (
        np.degrees(
            np.arctan2(
                np.sin(np.radians(np.array(times) / 4)).sum(),
                np.cos(np.radians(np.array(times) / 4)).sum(),
            )
        )
        * 4
    )
    tu = [t - 1440 * np.floor((t - centre + 720) / 1440) for t in times]
    mean, sd = float(np.mean(tu)), float(np.std(tu, ddof=1))
    kept = [t for t in tu if abs(t - mean) <= 1.5 * sd]
    h = float(np.mean(kept))
    return sum(abs(t - h) <= 45 for t in tu)


def _naive(entries: pd.DataFrame) -> list[float]:
    """Baseline: a Python loop over client-weeks and activities."""
    scores = []
    done = entries[entries["status"] == "done"]
    week = (done["date"] - pd.Timestamp("2024-01-01")).dt.days // 7
    for (_, _), g in done.groupby([done["client"], week]):
        hits, q = 0, 0
        for act in SRM5.keys:
            times = g.loc[g["activity"] == act, "minutes"].tolist()
            if len(times) >= 3:
                hits += _naive_week(times)
                q += 1
        scores.append(hits / q if q else float("nan"))
    return scores


def test_bench_score_weeks() -> None:
    rng = np.random.default_rng(7)
    entries = _entries(CLIENTS, rng)
    t0 = time.perf_counter()
    weeks = score_weeks(entries)
    fast = time.perf_counter() - t0
    sample = entries[entries["client"].isin([f"c{i:04d}" for i in range(50)])]
    t0 = time.perf_counter()
    naive_scores = _naive(sample)
    naive = (time.perf_counter() - t0) / 50 * CLIENTS
    ours = weeks[weeks["client"].isin(sample["client"].unique())]["srm"].to_numpy()
    assert np.allclose(ours, naive_scores, equal_nan=True)
    print(
        f"\nscore_weeks: {CLIENTS} client-years in {fast:.2f} s = "
        f"{fast / CLIENTS * 1e3:.2f} ms per client-year; naive per-week loop "
        f"(50 clients, scaled) {naive / CLIENTS * 1e3:.1f} ms per client-year; "
        f"speed-up x{naive / fast:.0f}"
    )


def test_bench_alerts() -> None:
    rng = np.random.default_rng(11)
    dates = pd.date_range("2024-01-01", periods=DAYS).date
    frames = []
    for i in range(CLIENTS):
        frames.append(
            pd.DataFrame(
                {
                    "client": f"c{i:04d}",
                    "date": dates,
                    "sleep_duration_min": rng.normal(450, 60, DAYS),
                    "bedtime_min": np.mod(rng.normal(1410, 45, DAYS), 1440),
                    "out_of_bed_min": rng.normal(420, 45, DAYS),
                    "srm_week": np.repeat(rng.normal(4.5, 1, DAYS // 7 + 1), 7)[:DAYS],
                    "mood": np.clip(np.round(rng.normal(0, 1.5, DAYS)), -5, 5),
                }
            )
        )
    daily = pd.concat(frames, ignore_index=True)
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    t0 = time.perf_counter()
    alerts = evaluate(daily, now=now)
    took = time.perf_counter() - t0
    print(
        f"\nalerts.evaluate: {CLIENTS} client-years in {took:.2f} s = "
        f"{took / CLIENTS * 1e3:.2f} ms per client-year; {len(alerts)} alerts"
    )
