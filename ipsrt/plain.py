"""Plain, JSON-ready values from NumPy, pandas and date objects: one converter for every output."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["json_ready"]


def json_ready(value: Any) -> Any:
    """*value* with NaN/inf and pandas' missing markers as None, NumPy scalars as Python
    numbers, tuples and arrays as lists and dates as ISO 8601 text (recursively)."""
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, np.ndarray) and value.dtype.kind in "iub":
        return value.tolist()
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        # Whole arrays at C speed (an actogram holds ~50,000 values a year).
        plain = value.astype(object)
        plain[~np.isfinite(value)] = None
        return plain.tolist()
    if isinstance(value, list | tuple | np.ndarray):
        return [json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if value is not None and type(value).__name__ in {"NAType", "NaTType"}:
        return None
    return value
