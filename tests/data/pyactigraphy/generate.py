"""Regenerate the pyActigraphy 1.2.2 reference values in this directory.

Run with the pyActigraphy virtualenv's Python (see README.md), from anywhere::

    <pyact-venv>/bin/python tests/data/pyactigraphy/generate.py

It reads each stored input recording (``inputs/<name>.npz``, see
``tests/helpers/stored_inputs.py``), writes it as an AWD file
(``tests/helpers/awd.py``) into a temporary directory, reads that with
``pyActigraphy.io.read_raw_awd``, computes the metrics at pyActigraphy's
defaults and writes ``reference_values.json`` next to this script; each
recording's ``spec`` names its input file and that file's SHA-256.

With ``--bench N DAYS`` it instead times pyActigraphy on N synthetic subjects
of DAYS days (IS+IV+RA+L5+M10+SRI, plus CK) and prints one JSON line; the
benchmark ``tests/bench/bench_rhythm.py`` calls it that way. Timing needs no
stored input: those subjects come from the seeded generator.
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
from tests.helpers.stored_inputs import INPUT_DIR, file_sha256, load_input  # noqa: E402

warnings.filterwarnings("ignore")

import pyActigraphy  # noqa: E402
from pyActigraphy.metrics.metrics import _lmx  # noqa: E402

#: the stored inputs (``inputs/<name>.npz``) that get reference values
REFERENCE_INPUTS = (
    "regular_14d",
    "offset_start_10d",
    "masked_8d",
    "dst_spring_9d",
    "epoch30_8d",
    "short_3d",
)


def make_counts(spec: dict[str, object]) -> np.ndarray:
    """Synthetic counts for a benchmark subject (``days``, ``seed``, ``start``, ``epoch_s``)."""
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
    """pyActigraphy's reading of *counts* as an AWD file (spec: start, epoch_s, mask)."""
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
        for name in REFERENCE_INPUTS:
            stored = load_input(name)
            raw = _read(stored.counts, stored.spec(), Path(tmp), name)
            spec = {"input": f"{name}.npz", "input_sha256": file_sha256(INPUT_DIR / f"{name}.npz")}
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
