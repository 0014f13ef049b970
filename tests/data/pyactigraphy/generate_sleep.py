"""Regenerate the pyActigraphy 1.2.2 sleep/wake reference epochs (sleep_*.json).

Run with the pyActigraphy virtualenv, from the repository root::

    /work/pyact-venv/bin/python tests/data/pyactigraphy/generate_sleep.py

It writes seeded synthetic recordings as Actiwatch AWD files (with the
project's writer, ``tests/helpers/awd.py``) to a temporary directory, reads
them back with ``pyActigraphy.io.read_raw_awd`` and stores, next to this
script, the input counts and pyActigraphy's 0/1 epochs as strings of ``0`` and
``1`` (1 = sleep, as pyActigraphy returns them):

* ``sleep_ck_mean_sadeh.json``: 8 days at 60-s epochs; ``CK(settings="mean")``
  and ``Sadeh()`` (default arguments otherwise);
* ``sleep_ck_30s.json``: 3 days at 30-s epochs; ``CK()`` with its default
  settings ``"30sec_max_non_overlap"`` (it needs epochs of 30 s or less).

The recordings also carry hand-placed stretches that exercise every Webster
rescoring rule and Cole-Kripke windows whose weighted sum lands exactly on the
threshold (see ``_edge_cases``).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.helpers.awd import synthetic_counts, write_awd  # noqa: E402

START = dt.datetime(2024, 3, 4, 12, 0)  # naive local wall clock, as AWD stores it


def _edge_cases(counts: np.ndarray, offset: int) -> None:
    """Overwrite a stretch from *offset* with patterns that hit rules and ties."""
    pattern: list[int] = []
    wake = [200] * 5
    for wake_len, sleep_len in [(4, 1), (4, 2), (10, 2), (10, 3), (15, 3), (15, 5), (25, 8)]:
        pattern += [150] * wake_len + [0] * sleep_len
        pattern += wake
    # rule (d)/(e): short sleep between long wake runs, with a short wake inside
    pattern += [150] * 12 + [0] * 3 + [150] * 1 + [0] * 2 + [150] * 12
    pattern += [150] * 22 + [0] * 9 + [150] * 22
    # a CK "mean" window whose weighted sum is exactly 30000 (D == 1 exactly)
    pattern += [0] * 10 + _tie_window() + [0] * 10
    counts[offset : offset + len(pattern)] = pattern


def _tie_window() -> list[int]:
    """Seven counts whose 1-min CK "mean" weighted sum is exactly 30000 (D == 1)."""
    weights = (106, 54, 58, 76, 230, 74, 67)
    for centre in range(0, 131):
        rest = 30000 - 230 * centre
        for prev in range(0, 200):
            last = rest - 76 * prev
            if last >= 0 and last % 74 == 0:
                window = [0, 0, 0, prev, centre, last // 74, 0]
                assert sum(w * c for w, c in zip(weights, window, strict=True)) == 30000
                return window
    raise RuntimeError("no tie window")


def main() -> None:
    import pyActigraphy  # only in the pyActigraphy virtualenv

    version = pyActigraphy.__version__
    with tempfile.TemporaryDirectory() as tmp:
        counts = synthetic_counts(8, seed=20240304, epoch_seconds=60, start_hour=12.0)
        _edge_cases(counts, 3 * 1440 + 6 * 60)  # day 4, 18:00 local
        path = write_awd(Path(tmp) / "sleep60.AWD", counts, start=START, epoch_seconds=60)
        raw = pyActigraphy.io.read_raw_awd(str(path))
        ck = raw.CK(settings="mean")
        sadeh = raw.Sadeh()
        _dump(
            "sleep_ck_mean_sadeh.json",
            version=version,
            epoch_s=60,
            counts=counts,
            scores={"ck_mean": ck, "sadeh": sadeh},
        )

        counts30 = synthetic_counts(3, seed=20240305, epoch_seconds=30, start_hour=12.0)
        path30 = write_awd(Path(tmp) / "sleep30.AWD", counts30, start=START, epoch_seconds=30)
        raw30 = pyActigraphy.io.read_raw_awd(str(path30))
        _dump(
            "sleep_ck_30s.json",
            version=version,
            epoch_s=30,
            counts=counts30,
            scores={"ck_default": raw30.CK()},
        )


def _dump(name: str, *, version: str, epoch_s: int, counts: np.ndarray, scores: dict) -> None:
    out: dict[str, object] = {
        "source": f"pyActigraphy {version}, read_raw_awd on an AWD written by tests/helpers/awd.py",
        "command": "/work/pyact-venv/bin/python tests/data/pyactigraphy/generate_sleep.py",
        "start_local": START.isoformat(),
        "epoch_s": epoch_s,
        "counts": [int(c) for c in counts],
    }
    for key, series in scores.items():
        values = np.asarray(series.to_numpy(), dtype=float)
        if np.isnan(values).any() or not np.isin(values, (0.0, 1.0)).all():
            raise RuntimeError(f"{key}: expected only 0/1 epochs")
        out[key] = "".join("1" if v else "0" for v in values)
        out[f"{key}_start"] = str(series.index[0])
        out[f"{key}_epochs"] = int(values.size)
    (HERE / name).write_text(json.dumps(out, indent=0) + "\n")
    print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
