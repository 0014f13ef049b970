"""Test helpers: stored reference recordings, synthetic recordings and file writers.

These modules use only the standard library and NumPy (pandas where a
function builds a Series, imported inside it) so that the scripts running in
the separate pyActigraphy virtualenv (``tests/data/pyactigraphy/generate.py``)
can import them too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers.stored_inputs import load_input

REFERENCE_JSON = (
    Path(__file__).resolve().parents[1] / "data" / "pyactigraphy" / "reference_values.json"
)


def pyact_reference() -> dict[str, Any]:
    """The pyActigraphy reference values (``tests/data/pyactigraphy``), by recording name.

    Each entry has ``spec`` (``input``: the stored input file in
    ``tests/data/pyactigraphy/inputs``, and its ``input_sha256``) and ``values``.
    """
    return json.loads(REFERENCE_JSON.read_text())["recordings"]  # type: ignore[no-any-return]


def reference_series(spec: dict[str, Any]) -> Any:
    """The stored input of a reference recording as a tz-aware count Series.

    *spec* is a ``spec`` entry of :func:`pyact_reference`. Masked epochs are
    NaN; without a zone the wall clock is kept on a UTC index; with one, the
    first epoch is placed in it and later epochs follow in real time, as the
    project's readers do (``docs/importers.md``).
    """
    import numpy as np
    import pandas as pd

    recording = load_input(spec["input"])
    counts = recording.counts.astype(float)
    for a, b in recording.mask:
        counts[a:b] = np.nan
    tz = recording.tz or "UTC"
    first = pd.Timestamp(recording.start).tz_localize(tz).tz_convert("UTC")
    index = pd.date_range(first, periods=counts.size, freq=f"{recording.epoch_s}s")
    return pd.Series(counts, index=index.tz_convert(tz))
