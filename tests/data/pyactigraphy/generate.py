"""Regenerate the pyActigraphy 1.2.2 reference values in this directory.

Run with the pyActigraphy virtualenv's Python (see README.md), from anywhere::

    /work/pyact-venv/bin/python tests/data/pyactigraphy/generate.py

It writes each synthetic recording as an AWD file (``tests/helpers/awd.py``)
into a temporary directory, reads it with ``pyActigraphy.io.read_raw_awd``,
computes the metrics at pyActigraphy's defaults and writes
``reference_values.json`` next to this script. The recordings themselves are
not stored: the tests rebuild them from the seeds and parameters saved in the
JSON.

With ``--bench N DAYS`` it instead times pyActigraphy on N synthetic subjects
of DAYS days (IS+IV+RA+L5+M10+SRI, plus CK) and prints one JSON line; the
benchmark ``tests/bench/bench_rhythm.py`` calls it that way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.helpers.awd import synthetic_counts, write_awd  # noqa: E402

warnings.filterwarnings("ignore")

import pyActigraphy  # noqa: E402
from pyActigraphy.metrics.metrics import _lmx  # noqa: E402

#: name -> how the recording is made (also read by the tests)
RECORDINGS: dict[str, dict[str, object]] = {
    "regular_14d": {"days": 14, "seed": 11, "start": "2025-01-06T00:00", "epoch_s": 60},
    "offset_start_10d": {"days": 10.5, "seed": 12, "start": "2025-02-03T10:37", "epoch_s": 60},
    "masked_8d": {
        "days": 8,
        "seed": 13,
        "start": "2025-01-13T00:00",
        "epoch_s": 60,
        # [start, stop) epoch ranges that are masked (NaN in the project's Series)
        "mask": [[2 * 1440 + 600, 2 * 1440 + 780], [5 * 1440 + 100, 5 * 1440 + 190]],
    },
    "dst_spring_9d": {
        "days": 9,
        "seed": 14,
        "start": "2025-03-26T00:00",
        "epoch_s": 60,
        "tz": "Europe/Berlin",
    },
    "epoch30_8d": {"days": 8, "seed": 15, "start": "2025-01-20T00:00", "epoch_s": 30},
    "short_3d": {"days": 3, "seed": 16, "start": "2025-01-27T08:00", "epoch_s": 60},
}


def make_counts(spec: dict[str, object]) -> np.ndarray:
    return synthetic_counts(
        float(spec["days"]),  # type: ignore[arg-type]
        seed=int(spec["seed"]),  # type: ignore[call-overload]
        epoch_seconds=int(spec["epoch_s"]),  # type: ignore[call-overload]
        start_hour=dt.datetime.fromisoformat(str(spec["start"])).hour
        + dt.datetime.fromisoformat(str(spec["start"])).minute / 60,
    )


def _runs(mask: np.ndarray) -> list[list[int]]:
    t = np.concatenate(([0], mask.astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(t))
    return [[int(a), int(b)] for a, b in zip(edges[0::2], edges[1::2], strict=True)]


def _f(x: object) -> float | None:
    v = float(x)  # type: ignore[arg-type]
    return None if np.isnan(v) else v


def _read(counts: np.ndarray, spec: dict[str, object], folder: Path, name: str):
    path = write_awd(
        folder / f"{name}.AWD",
        counts,
        start=dt.datetime.fromisoformat(str(spec["start"])),
        epoch_seconds=int(spec["epoch_s"]),  # type: ignore[call-overload]
        name=name,
    )
    raw = pyActigraphy.io.read_raw_awd(str(path))
    if "mask" in spec:
        mask = pd.Series(1, index=raw.raw_data.index, dtype=int)
        for a, b in spec["mask"]:  # type: ignore[attr-defined]
            mask.iloc[a:b] = 0
        raw.mask = mask
        raw.mask_inactivity = True
    return raw


def reference_values(raw) -> dict[str, object]:
    bin_data = raw.binarized_data(4)
    l5_on, l5 = _lmx(bin_data, "5H", lowest=True)
    m10_on, m10 = _lmx(bin_data, "10H", lowest=False)
    values: dict[str, object] = {
        "IS": _f(raw.IS()),
        "IV": _f(raw.IV()),
        "RA": _f(raw.RA()),
        "L5": _f(raw.L5()),
        "M10": _f(raw.M10()),
        "L5_onset_min": l5_on.total_seconds() / 60,
        "M10_onset_min": m10_on.total_seconds() / 60,
        "L5_check": _f(l5),
        "M10_check": _f(m10),
        "ISm": _f(raw.ISm()),
        "IVm": _f(raw.IVm()),
        "ISp": [_f(v) for v in raw.ISp()],
        "IVp": [_f(v) for v in raw.IVp()],
        "L5p": [_f(v) for v in raw.L5p()],
        "M10p": [_f(v) for v in raw.M10p()],
        "RAp": [_f(v) for v in raw.RAp()],
    }
    try:
        rest = raw.Roenneberg()
        values["SRI"] = _f(raw.SleepRegularityIndex())
        arr = rest.to_numpy(dtype=float)
        values["masda_rest_runs"] = _runs(arr == 1)
        values["masda_nan_runs"] = _runs(np.isnan(arr))
    except Exception as exc:  # noqa: BLE001 - record pyActigraphy's failure as data
        values["SRI"] = None
        values["masda_error"] = f"{type(exc).__name__}: {exc}"
    for key, kwargs in (("ck", {}), ("ck_mean", {"settings": "mean"})):
        try:
            ck = raw.CK(**kwargs).to_numpy(dtype=float)
            values[f"{key}_sleep_runs"] = _runs(ck == 1)
            values[f"{key}_nan_runs"] = _runs(np.isnan(ck))
        except Exception as exc:  # noqa: BLE001 - e.g. 30-s settings on 60-s data
            values[f"{key}_error"] = f"{type(exc).__name__}: {exc}"
    return values


def generate() -> None:
    out: dict[str, object] = {
        "source": "pyActigraphy 1.2.2 defaults, computed by tests/data/pyactigraphy/generate.py",
        "versions": {
            "pyActigraphy": pyActigraphy.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "python": sys.version.split()[0],
        },
        "recordings": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in RECORDINGS.items():
            raw = _read(make_counts(spec), spec, Path(tmp), name)
            out["recordings"][name] = {"spec": spec, "values": reference_values(raw)}  # type: ignore[index]
    target = HERE / "reference_values.json"
    target.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {target}")


def bench(n_subjects: int, days: float) -> None:
    """Time pyActigraphy on synthetic subjects; prints one JSON line."""
    with tempfile.TemporaryDirectory() as tmp:
        raws = []
        for i in range(n_subjects):
            spec = {"days": days, "seed": 1000 + i, "start": "2025-01-06T00:00", "epoch_s": 60}
            raws.append(_read(make_counts(spec), spec, Path(tmp), f"s{i}"))
        raws[0].CK(settings="mean")  # numba/jit warm-up, not timed
        with contextlib.suppress(IndexError, ValueError):
            raws[0].SleepRegularityIndex()
        t0 = time.perf_counter()
        for raw in raws:
            raw.IS()
            raw.IV()
            raw.RA()
            raw.L5()
            raw.M10()
            with contextlib.suppress(IndexError, ValueError):  # MASDA fails on some data
                raw.SleepRegularityIndex()
        t1 = time.perf_counter()
        for raw in raws:
            raw.CK(settings="mean")
        t2 = time.perf_counter()
    print(json.dumps({"metrics_s": t1 - t0, "ck_s": t2 - t1, "subjects": n_subjects, "days": days}))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--bench":
        bench(int(sys.argv[2]), float(sys.argv[3]))
    else:
        generate()
