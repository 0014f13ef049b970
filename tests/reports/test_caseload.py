"""The caseload table read from the daily summaries, on SQLite and PostgreSQL.

Expected values are worked out from the constructed nights (tests/reports/test_alerts.py,
``night_minutes``: asleep 23:00-07:00 in Berlin for 21 nights, 23:00-04:00 on the last)
with the circular SD of docs/architecture.md (Fisher 1993, eq. 2.12).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from conftest import NOW

from ipsrt.reports.alerts import run_alerts
from ipsrt.reports.caseload import CASELOAD_COLUMNS, caseload
from ipsrt.reports.summaries import install
from ipsrt.store import Store
from tests.reports.test_alerts import TZ, night_minutes


def test_caseload_of_two_clients(store: Store) -> None:
    install(store)
    store.add_client("C001", TZ, now=NOW)
    store.add_client("C002", "America/New_York", now=NOW)  # no records at all
    device = store.add_device("C001", "huami", "C8:0F:10:00:00:01", now=NOW)
    assert device.id is not None
    store.upsert_minute_samples(night_minutes(device.id), now=NOW)
    run_alerts(store, now=NOW)  # the short last night opens one alert

    table = caseload(store, now=NOW).set_index("client")
    assert list(table.reset_index().columns) == list(CASELOAD_COLUMNS)
    row = table.loc["C001"]
    # NOW is Monday 1 June 2026: the four complete Monday weeks are 4-31 May.
    assert (row["weeks_from"], row["weeks_to"]) == (dt.date(2026, 5, 4), dt.date(2026, 5, 31))
    # Nights of 10-31 May: 21 of 8 h (midpoint 03:00) and the last of 5 h (midpoint 01:30).
    assert row["sleep_duration_mean_min"] == pytest.approx((21 * 480 + 300) / 22)
    theta = 2 * math.pi * np.array([180.0] * 21 + [90.0]) / 1440
    r = math.hypot(np.sin(theta).sum(), np.cos(theta).sum()) / 22
    assert row["sleep_midpoint_sd_min"] == pytest.approx(
        math.sqrt(-2 * math.log(r)) * 1440 / (2 * math.pi), rel=1e-9
    )
    # Worn from noon on 10 May to the end of the window: 21.5 of 28 days.
    assert row["wear_fraction"] == pytest.approx(21.5 / 28)
    assert row["open_alerts"] == 1
    assert row["last_data_utc"].isoformat() == "2026-06-01T08:59:00+00:00"
    assert np.isnan(row["srm_mean"])  # no diary
    assert row["srm_estimated_mean"] > 0
    empty = table.loc["C002"]
    assert (empty["open_alerts"], empty["diary_days"]) == (0, 0)
    assert empty["last_data_utc"] is pd.NaT
    assert np.isnan(empty["sleep_duration_mean_min"])
    # One client asked for: one row.
    assert caseload(store, ["C002"], now=NOW)["client"].tolist() == ["C002"]
