"""No lost data under crashes: SIGKILL an ingest child 20 times (docs/architecture.md)."""

from __future__ import annotations

import random

import pytest
from crash_harness import TOTAL, crash_once, prepare


@pytest.mark.slow
def test_sigkill_during_ingest_loses_no_acknowledged_sample(tmp_path) -> None:
    rng = random.Random(20261122)
    for run in range(20):
        path = tmp_path / f"run{run}.sqlite3"
        url = f"sqlite:///{path}"
        device_id = prepare(url)
        result = crash_once(url, str(path), device_id, rng)
        assert result.integrity == "ok"
        assert result.rows_after_crash >= result.acknowledged * 100
        assert result.rows_after_resume == result.distinct_after_resume == TOTAL
