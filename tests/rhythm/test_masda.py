"""MASDA against pyActigraphy 1.2.2 Roenneberg(), epoch for epoch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ipsrt.rhythm import masda
from tests.helpers import pyact_reference, reference_series


def _from_runs(runs: list[list[int]], n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    for a, b in runs:
        out[a:b] = True
    return out


@pytest.mark.parametrize("name", sorted(pyact_reference()))
def test_masda_epoch_for_epoch(name: str) -> None:
    # Source: tests/data/pyactigraphy/reference_values.json, Roenneberg() runs
    rec = pyact_reference()[name]
    s = reference_series(rec["spec"])
    rest = masda(s).to_numpy()
    ref = rec["values"]
    assert np.array_equal(rest == 1, _from_runs(ref["masda_rest_runs"], s.size))
    assert np.array_equal(np.isnan(rest), _from_runs(ref["masda_nan_runs"], s.size))


def test_no_rest_gives_all_nan() -> None:
    idx = pd.date_range("2025-01-06", periods=3 * 1440, freq="min", tz="UTC")
    rest = masda(pd.Series(100.0, idx))
    assert rest.isna().all()
