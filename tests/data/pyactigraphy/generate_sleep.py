"""Regenerate the pyActigraphy 1.2.2 sleep/wake reference epochs (sleep_*.json).

Run with the pyActigraphy virtualenv (see README.md), from the repository root::

    <pyact-venv>/bin/python tests/data/pyactigraphy/generate_sleep.py

It reads the stored input recordings ``inputs/sleep_60s_8d.npz`` and
``inputs/sleep_30s_3d.npz`` (``tests/helpers/stored_inputs.py``; how they
were made: ``make_inputs.py``), writes each as an Actiwatch AWD file with the
project's writer (``tests/helpers/awd.py``) to a temporary directory, reads
it back with ``pyActigraphy.io.read_raw_awd`` and stores, next to this
script, the input counts and pyActigraphy's 0/1 epochs as strings of ``0``
and ``1`` (1 = sleep, as pyActigraphy returns them):

* ``sleep_ck_mean_sadeh.json``: 8 days at 60-s epochs; ``CK(settings="mean")``
  and ``Sadeh()`` (default arguments otherwise);
* ``sleep_ck_30s.json``: 3 days at 30-s epochs; ``CK()`` with its default
  settings ``"30sec_max_non_overlap"`` (it needs epochs of 30 s or less).

The 60-s recording carries hand-placed stretches that exercise every Webster
rescoring rule and a Cole-Kripke window whose weighted sum lands exactly on
the threshold (``make_inputs.py::edge_cases``).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.helpers.awd import write_awd  # noqa: E402
from tests.helpers.stored_inputs import (  # noqa: E402
    INPUT_DIR,
    StoredRecording,
    file_sha256,
    load_input,
)

COMMAND = "<pyact-venv>/bin/python tests/data/pyactigraphy/generate_sleep.py"


def main() -> None:
    import pyActigraphy  # only in the pyActigraphy virtualenv

    version = pyActigraphy.__version__
    with tempfile.TemporaryDirectory() as tmp:
        sleep60 = load_input("sleep_60s_8d")
        raw = _read_awd(pyActigraphy, sleep60, Path(tmp) / "sleep60.AWD")
        _dump(
            "sleep_ck_mean_sadeh.json",
            "sleep_60s_8d.npz",
            sleep60,
            version=version,
            scores={"ck_mean": raw.CK(settings="mean"), "sadeh": raw.Sadeh()},
        )
        sleep30 = load_input("sleep_30s_3d")
        raw30 = _read_awd(pyActigraphy, sleep30, Path(tmp) / "sleep30.AWD")
        _dump(
            "sleep_ck_30s.json",
            "sleep_30s_3d.npz",
            sleep30,
            version=version,
            scores={"ck_default": raw30.CK()},
        )


def _read_awd(pyactigraphy: Any, recording: StoredRecording, path: Path) -> Any:
    """pyActigraphy's reading of *recording* written as an AWD file at *path*."""
    write_awd(path, recording.counts, start=recording.start, epoch_seconds=recording.epoch_s)
    return pyactigraphy.io.read_raw_awd(str(path))


def _dump(
    name: str, input_name: str, recording: StoredRecording, *, version: str, scores: dict
) -> None:
    out: dict[str, object] = {
        "source": f"pyActigraphy {version}, read_raw_awd on an AWD written by tests/helpers/awd.py",
        "command": COMMAND,
        "start_local": recording.start.isoformat(),
        "epoch_s": recording.epoch_s,
        "input": input_name,
        "input_sha256": file_sha256(INPUT_DIR / input_name),
        "counts": [int(c) for c in recording.counts],
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
