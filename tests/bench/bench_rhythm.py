"""Benchmark of ipsrt.rhythm against pyActigraphy 1.2.2 (run: ``pytest tests/bench -s``).

Prints cost per subject-day of the panel (and of Cole-Kripke), peak memory for
two sizes (tracemalloc) and, when a pyActigraphy interpreter is found
(``IPSRT_PYACT_PYTHON`` or ``/work/pyact-venv/bin/python``), pyActigraphy's
time for IS+IV+RA+L5+M10+SRI(+CK) on the same synthetic subjects, measured in
the same run by a subprocess, and the ratio. Nothing here asserts on time.

``IPSRT_BENCH_SUBJECTS`` / ``IPSRT_BENCH_DAYS`` change the size (200 x 14).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ipsrt.rhythm import panel
from ipsrt.rhythm.epochs import prepare
from ipsrt.rhythm.masda import masda_array
from ipsrt.rhythm.nonparametric import params_for, summary
from ipsrt.rhythm.sri import sri_pyactigraphy_core
from tests.helpers.awd import synthetic_counts

ROOT = Path(__file__).resolve().parents[2]
SUBJECTS = int(os.environ.get("IPSRT_BENCH_SUBJECTS", "200"))
DAYS = float(os.environ.get("IPSRT_BENCH_DAYS", "14"))


def _subjects(n: int, days: float) -> list[pd.Series]:
    idx = pd.date_range("2025-01-06", periods=round(days * 1440), freq="min", tz="Europe/Berlin")
    return [pd.Series(synthetic_counts(days, seed=1000 + i).astype(float), idx) for i in range(n)]


def _pyact_python() -> str | None:
    env = os.environ.get("IPSRT_PYACT_PYTHON")
    for cand in (env, "/work/pyact-venv/bin/python"):
        if cand and Path(cand).exists():
            return cand
    return None


def _time(fn, items) -> float:
    t0 = time.perf_counter()
    for x in items:
        fn(x)
    return time.perf_counter() - t0


def _ck():
    try:
        from ipsrt.rhythm.sleep_scoring import cole_kripke
    except ImportError:
        return None
    return cole_kripke


def _pyact_like(s: pd.Series) -> None:
    # IS+IV+RA+L5+M10 (no ISm/blocks) and SRI through MASDA, compat mode
    p = prepare(s, compat=True)
    summary(p, params_for("pyactigraphy"), blocks=False)
    rest, _ = masda_array(p.values, p.epoch_s)
    if rest is not None:
        sri_pyactigraphy_core(rest, p.wall, p.epoch_s)


def test_panel_speed_and_ratio_to_pyactigraphy() -> None:
    data = _subjects(SUBJECTS, DAYS)
    sd = SUBJECTS * DAYS
    panel(data[0])  # warm-up
    t_core = _time(lambda s: panel(s, sleep=None, sleep_summary=False, blocks=True), data)
    t_full = _time(panel, data)
    t_compat = _time(_pyact_like, data)
    ck = _ck()
    t_ck = _time(ck, data) if ck else float("nan")
    print(f"\n[bench_rhythm] {SUBJECTS} subjects x {DAYS:g} days = {sd:g} subject-days")
    print(f"  panel without sleep summary: {t_core / sd * 1e6:9.1f} us per subject-day")
    print(f"  panel, full (CK + sleep summary): {t_full / sd * 1e6:9.1f} us per subject-day")
    print(f"  compat IS+IV+RA+L5+M10+SRI(MASDA): {t_compat / sd * 1e6:9.1f} us per subject-day")
    if ck:
        print(f"  Cole-Kripke alone: {t_ck / sd * 1e6:9.1f} us per subject-day")
    else:
        print("  Cole-Kripke: ipsrt.rhythm.sleep_scoring not available")
    py = _pyact_python()
    if py is None:
        print("  pyActigraphy: not found (set IPSRT_PYACT_PYTHON); comparison skipped")
        return
    n_py = max(1, min(SUBJECTS, int(os.environ.get("IPSRT_BENCH_PYACT_SUBJECTS", "20"))))
    proc = subprocess.run(
        [py, str(ROOT / "tests/data/pyactigraphy/generate.py"), "--bench", str(n_py), str(DAYS)],
        capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        print(f"  pyActigraphy run failed: {proc.stderr.strip().splitlines()[-1:]}")
        return
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    py_sd = n_py * DAYS
    per_metrics = res["metrics_s"] / py_sd
    per_ck = res["ck_s"] / py_sd
    ours = (t_compat + (t_ck if ck else 0.0)) / sd
    print(
        f"  pyActigraphy ({n_py} subjects): IS+IV+RA+L5+M10+SRI {per_metrics * 1e6:9.1f} us,"
        f" CK {per_ck * 1e6:9.1f} us per subject-day"
    )
    ratio = (per_metrics + per_ck) / ours
    print(f"  ratio pyActigraphy / ipsrt (IS+IV+RA+L5+M10+SRI+CK): {ratio:6.1f}x")
    print(
        f"  ratio pyActigraphy / ipsrt panel (default mode, full): "
        f"{(per_metrics + per_ck) / (t_full / sd):6.1f}x"
    )


def test_panel_memory_is_linear() -> None:
    for days in (7.0, 28.0):
        s = _subjects(1, days)[0]
        panel(s)
        tracemalloc.start()
        panel(s)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"\n[bench_rhythm] peak memory for {days:g} days: {peak / 1e6:.2f} MB "
            f"({peak / days / 1e3:.0f} kB per day)"
        )
    assert np.isfinite(peak)
