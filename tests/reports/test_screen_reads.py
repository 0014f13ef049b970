"""Screen reads: a client's selected minutes in bins of local clock time, and the actogram.

Expected values are worked out by hand from the constructed input below
(``docs/architecture.md``, "Screen reads"): every minute's activity count is
its local clock hour, the local hours 00-05 are labelled ``sleep_light``, the
local half hour 12:00-12:29 ``not_worn`` and the rest ``awake``. Europe/Berlin
skips 02:00-02:59 on 2025-03-30 and repeats it on 2025-10-26.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from conftest import NOW

from ipsrt.errors import InvalidInputError
from ipsrt.reports.timeline import actogram
from ipsrt.reports.wearable import BIN_COLUMNS, activity_bins
from ipsrt.store import Store
from ipsrt.timeutil import local_midnight

TZ = "Europe/Berlin"
SPRING = dt.date(2025, 3, 30)  # 23 hours
AUTUMN = dt.date(2025, 10, 26)  # 25 hours


def clock_minutes(device_id: int, first: dt.date, last: dt.date, *, activity=None) -> pd.DataFrame:
    """Every minute of local dates first..last, labelled by local clock time."""
    ts = pd.date_range(
        local_midnight(first, TZ),
        local_midnight(last + dt.timedelta(days=1), TZ),
        freq="min",
        inclusive="left",
    )
    local = ts.tz_convert(TZ)
    hour = local.hour.to_numpy()
    state = np.where(hour < 6, "sleep_light", "awake").astype(object)
    state[(hour == 12) & (local.minute.to_numpy() < 30)] = "not_worn"
    return pd.DataFrame(
        {
            "device_id": device_id,
            "ts": ts,
            "activity": hour.astype(float) if activity is None else float(activity),
            "state": state,
        }
    )


@pytest.fixture
def berlin(store: Store) -> Store:
    store.add_client("C001", TZ, now=NOW)
    band = store.add_device("C001", "huami", "C8:0F:10:00:00:01", now=NOW)
    # An emulated device in a clinic database: its minutes never count (rule 1).
    fake = store.add_device("C001", "huami", "C8:0F:10:00:00:02", now=NOW, emulated=True)
    for first, last in ((SPRING - dt.timedelta(days=1), SPRING), (AUTUMN, AUTUMN)):
        store.upsert_minute_samples(clock_minutes(band.id or 0, first, last), now=NOW)
        store.upsert_minute_samples(clock_minutes(fake.id or 0, first, last, activity=999), now=NOW)
    return store


def normal_day(hours: range = range(24)) -> tuple[list, list, list]:
    mean = [float(h) for h in hours]
    worn = [30 if h == 12 else 60 for h in hours]
    sleep = [60 if h < 6 else 0 for h in hours]
    return mean, worn, sleep


def test_hourly_bins_of_a_normal_and_a_23_hour_day(berlin: Store) -> None:
    bins = activity_bins(berlin, "C001", SPRING - dt.timedelta(days=1), SPRING, bin_minutes=60)
    assert tuple(bins.columns) == BIN_COLUMNS
    assert list(bins["bin_start"][:3]) == [0, 60, 120]
    saturday = bins[bins["date"] == SPRING - dt.timedelta(days=1)]
    mean, worn, sleep = normal_day()
    assert list(saturday["mean_activity"]) == mean
    assert list(saturday["worn_minutes"]) == worn
    assert list(saturday["sleep_minutes"]) == sleep
    sunday = bins[bins["date"] == SPRING]
    # 02:00-02:59 does not exist that day: an empty bin, not a shifted grid.
    expected_mean = [np.nan if h == 2 else m for h, m in enumerate(mean)]
    np.testing.assert_array_equal(sunday["mean_activity"].to_numpy(), expected_mean)
    assert list(sunday["worn_minutes"]) == [0 if h == 2 else w for h, w in enumerate(worn)]
    assert list(sunday["sleep_minutes"]) == [0 if h == 2 else s for h, s in enumerate(sleep)]
    assert sunday["worn_minutes"].sum() == 23 * 60 - 30


def test_the_repeated_autumn_hour_is_merged_into_its_clock_bins(berlin: Store) -> None:
    bins = activity_bins(berlin, "C001", AUTUMN, AUTUMN, bin_minutes=30)
    assert len(bins) == 48
    by_half_hour = bins.set_index("bin_start")
    assert by_half_hour.loc[120, "worn_minutes"] == 60  # 02:00-02:29 twice
    assert by_half_hour.loc[150, "sleep_minutes"] == 60
    assert by_half_hour.loc[120, "mean_activity"] == 2.0
    assert by_half_hour.loc[720, "worn_minutes"] == 0  # 12:00-12:29 not worn
    assert np.isnan(by_half_hour.loc[720, "mean_activity"])
    assert by_half_hour.loc[750, "worn_minutes"] == 30
    assert bins["worn_minutes"].sum() == 25 * 60 - 30
    assert bins["sleep_minutes"].sum() == 7 * 60


def test_actogram_is_compact_json(berlin: Store) -> None:
    gram = actogram(berlin, "C001", SPRING - dt.timedelta(days=1), SPRING, bin_minutes=60)
    assert gram["days"] == ["2025-03-29", "2025-03-30"]
    assert gram["bin_minutes"] == 60
    mean, worn, sleep = normal_day()
    assert gram["activity"][0] == mean
    assert gram["activity"][1][2] is None
    assert gram["activity"][1][3] == 3.0
    assert gram["worn"][0] == worn
    assert gram["sleep"][1] == [0 if h == 2 else s for h, s in enumerate(sleep)]
    text = json.dumps(gram, allow_nan=False)  # NaN would fail here
    assert json.loads(text) == gram


def test_days_without_minutes_and_bad_bins(berlin: Store) -> None:
    empty = actogram(berlin, "C001", dt.date(2025, 6, 1), dt.date(2025, 6, 2), bin_minutes=720)
    assert empty["activity"] == [[None, None], [None, None]]
    assert empty["worn"] == [[0, 0], [0, 0]]
    with pytest.raises(InvalidInputError, match="does not divide a day"):
        activity_bins(berlin, "C001", SPRING, SPRING, bin_minutes=7)
    with pytest.raises(InvalidInputError, match="multiple of 10"):
        actogram(berlin, "C001", SPRING, SPRING, bin_minutes=5)
    with pytest.raises(InvalidInputError, match="before start"):
        activity_bins(berlin, "C001", SPRING, SPRING - dt.timedelta(days=1))
