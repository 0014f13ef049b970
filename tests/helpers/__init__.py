"""Test helpers: deterministic synthetic recordings and writers for device file formats.

These modules use only the standard library and NumPy so that scripts running
in the separate pyActigraphy virtualenv (``tests/data/pyactigraphy/generate.py``)
can import them too.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

REFERENCE_JSON = (
    Path(__file__).resolve().parents[1] / "data" / "pyactigraphy" / "reference_values.json"
)


def pyact_reference() -> dict[str, Any]:
    """The pyActigraphy reference values (``tests/data/pyactigraphy``)."""
    return json.loads(REFERENCE_JSON.read_text())["recordings"]  # type: ignore[no-any-return]


def reference_series(spec: dict[str, Any]) -> Any:
    """Rebuild a reference recording as a tz-aware count Series (masked epochs NaN)."""
    import numpy as np
    import pandas as pd

    from tests.helpers.awd import synthetic_counts

    start = dt.datetime.fromisoformat(spec["start"])
    counts = synthetic_counts(
        spec["days"],
        seed=spec["seed"],
        epoch_seconds=spec["epoch_s"],
        start_hour=start.hour + start.minute / 60,
    ).astype(float)
    for a, b in spec.get("mask", []):
        counts[a:b] = np.nan
    tz = spec.get("tz", "UTC")
    first = pd.Timestamp(start).tz_localize(tz).tz_convert("UTC")
    index = pd.date_range(first, periods=counts.size, freq=f"{spec['epoch_s']}s")
    return pd.Series(counts, index=index.tz_convert(tz))
