"""Benchmark of ipsrt.rhythm against pyActigraphy 1.2.2 (run: ``pytest tests/bench -s``).

What is timed (CPU time, ``time.process_time``, best of ``IPSRT_BENCH_REPEAT``
passes over the whole cohort; per subject-day = time / (subjects x days)):

* ``panel(s)``: the full default-mode panel of one recording at a time (the
  per-recording API, pandas Series in): validation, IS/IV/ISm/IVm/L5/M10/RA,
  7-day blocks, cosinor, Cole-Kripke, SRI and the sleep summary;
* ``panel(s, sleep_summary=False)``;
* the set pyActigraphy is timed on: IS+IV+RA+L5+M10 and SRI through MASDA in
  compat mode (``prepare`` + ``summary(blocks=False)`` + ``masda_array`` +
  ``sri_pyactigraphy_core``), plus ``cole_kripke(s)`` (CK, "mean" setting);
* pyActigraphy 1.2.2 on the same synthetic subjects (a subset,
  ``IPSRT_BENCH_PYACT_SUBJECTS``, default 20), in a subprocess of the
  interpreter named by ``IPSRT_PYACT_PYTHON`` or ``/work/pyact-venv/bin/python``
  (``tests/data/pyactigraphy/generate.py --bench``, wall-clock time), reported
  per subject-day, and the ratio. Skipped when no such interpreter exists.

Peak memory (tracemalloc) of one ``panel`` call is printed for 7, 28 and
112 days. Nothing here asserts on time. ``IPSRT_BENCH_SUBJECTS`` /
``IPSRT_BENCH_DAYS`` change the cohort (200 x 14).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ipsrt.rhythm import cole_kripke, panel
from ipsrt.rhythm.epochs import prepare
from ipsrt.rhythm.masda import masda_array
from ipsrt.rhythm.nonparametric import params_for, summary
from ipsrt.rhythm.sri import sri_pyactigraphy_core
from tests.helpers.awd import synthetic_counts

ROOT = Path(__file__).resolve().parents[2]
SUBJECTS = int(os.environ.get("IPSRT_BENCH_SUBJECTS", "200"))
DAYS = float(os.environ.get("IPSRT_BENCH_DAYS", "14"))
REPEAT = int(os.environ.get("IPSRT_BENCH_REPEAT", "3"))


def _subjects(n: int, days: float) -> list[pd.Series]:
    idx = pd.date_range("2025-01-06", periods=round(days * 1440), freq="min", tz="Europe/Berlin")
    return [pd.Series(synthetic_counts(days, seed=1000 + i).astype(float), idx) for i in range(n)]


def _pyact_python() -> str | None:
    env = os.environ.get("IPSRT_PYACT_PYTHON")
    for cand in (env, "/work/pyact-venv/bin/python"):
        if cand and Path(cand).exists():
            return cand
    return None


def _cpu(fn: Callable[[pd.Series], object], items: Sequence[pd.Series]) -> float:
    """Best CPU time of REPEAT passes of *fn* over *items*."""
    best = float("inf")
    for _ in range(max(1, REPEAT)):
        t0 = time.process_time()
        for x in items:
            fn(x)
        best = min(best, time.process_time() - t0)
    return best


def _pyact_like(s: pd.Series) -> None:
    # IS+IV+RA+L5+M10 (no ISm/blocks) and SRI through MASDA, compat mode, + CK
    p = prepare(s, compat=True)
    summary(p, params_for("pyactigraphy"), blocks=False)
    rest, _ = masda_array(p.values, p.epoch_s)
    if rest is not None:
        sri_pyactigraphy_core(rest, p.wall, p.epoch_s)
    cole_kripke(s)


def test_panel_speed_and_ratio_to_pyactigraphy() -> None:
    data = _subjects(SUBJECTS, DAYS)
    sd = SUBJECTS * DAYS
    panel(data[0])  # warm-up
    _pyact_like(data[0])
    t_full = _cpu(panel, data)
    t_core = _cpu(lambda s: panel(s, sleep_summary=False), data)
    t_set = _cpu(_pyact_like, data)
    us = 1e6 / sd
    print(f"\n[bench_rhythm] {SUBJECTS} subjects x {DAYS:g} days = {sd:g} subject-days")
    print(f"  ours, panel(s) full, per recording:       {t_full * us:8.1f} us per subject-day")
    print(f"  ours, panel(s, sleep_summary=False):      {t_core * us:8.1f} us per subject-day")
    print(f"  ours, IS+IV+RA+L5+M10+SRI(MASDA)+CK:      {t_set * us:8.1f} us per subject-day")
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
    per_py = per_metrics + per_ck
    print(
        f"  pyActigraphy 1.2.2 ({n_py} subjects): IS+IV+RA+L5+M10+SRI {per_metrics * 1e6:9.1f} us"
        f" + CK {per_ck * 1e6:8.1f} us = {per_py * 1e6:9.1f} us per subject-day"
    )
    print(f"  ratio pyActigraphy / ours (IS+IV+RA+L5+M10+SRI+CK): {per_py / (t_set / sd):7.1f}x")
    print(f"  ratio pyActigraphy / ours full panel:               {per_py / (t_full / sd):7.1f}x")


def test_panel_memory_is_linear() -> None:
    peaks = []
    for days in (7.0, 28.0, 112.0):
        s = _subjects(1, days)[0]
        panel(s)
        tracemalloc.start()
        panel(s)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peaks.append(peak)
        print(
            f"\n[bench_rhythm] peak memory for {days:g} days: {peak / 1e6:.2f} MB "
            f"({peak / days / 1e3:.0f} kB per day)"
        )
    assert all(np.isfinite(peaks))
