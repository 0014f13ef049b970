"""The one minute-selection rule (ipsrt.minutes; docs/architecture.md "Which minutes count")."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ipsrt.enums import Quality
from ipsrt.errors import InvalidInputError
from ipsrt.minutes import MINUTE_COLUMNS, local_minute_grid, select_minutes
from ipsrt.reports.metrics import local_day_bounds

T0 = pd.Timestamp("2026-05-04T00:00:00Z")


def samples(rows: list[tuple[int, int, int | None, float, int | None, str, int]]) -> pd.DataFrame:
    """Rows of (minute, device, steps, activity, heart rate, state, quality)."""
    index = (
        pd.DatetimeIndex([T0 + pd.Timedelta(minutes=m) for m, *_ in rows], name="ts").tz_convert(
            "UTC"
        )
        if rows
        else pd.DatetimeIndex([], tz="UTC", name="ts")
    )
    return pd.DataFrame(
        {
            "device_id": [r[1] for r in rows],
            "steps": pd.array([r[2] for r in rows], dtype="Int64"),
            "activity": [r[3] for r in rows],
            "heart_rate": pd.array([r[4] for r in rows], dtype="Int64"),
            "state": pd.Categorical([r[5] for r in rows]),
            "quality": [r[6] for r in rows],
        },
        index=index,
    )


HR, STEPS = int(Quality.HEART_RATE_IMPLAUSIBLE), int(Quality.STEPS_IMPLAUSIBLE)
FUTURE = int(Quality.TIME_IN_FUTURE)
NAN = float("nan")


def test_each_clause_of_the_rule() -> None:
    raw = samples(
        [
            (0, 1, 5, NAN, 60, "awake", 0),  # rule 5: no activity -> steps
            (1, 1, 6, 60.0, 250, "awake", HR),  # rule 3: only the heart rate goes
            (2, 1, 900, 70.0, 61, "awake", STEPS),  # rule 3: only the steps go
            (3, 1, 8, 80.0, 62, "not_worn", 0),  # rule 4: nothing measured
            (4, 1, 9, 90.0, 63, "awake", FUTURE),  # rule 2: the whole row goes
            (5, 2, 3, 30.0, 64, "sleep_light", 0),  # rule 1: an excluded device
        ]
    )
    got = select_minutes(raw, excluded_devices=frozenset({2}))
    assert list(got.columns) == list(MINUTE_COLUMNS)
    assert got.index.tolist() == [T0 + pd.Timedelta(minutes=m) for m in (0, 1, 2, 3)]
    assert got["counts"].tolist()[:3] == [5.0, 60.0, 70.0]
    assert np.isnan(got["counts"].iloc[3])
    assert got["steps"].tolist()[:2] == [5.0, 6.0]
    assert np.isnan(got["steps"].iloc[2])
    assert np.isnan(got["steps"].iloc[3])
    assert got["heart_rate"].iloc[0] == 60.0
    assert got["heart_rate"].iloc[2] == 61.0
    assert np.isnan(got["heart_rate"].iloc[1])
    assert np.isnan(got["heart_rate"].iloc[3])
    assert got["state"].tolist() == ["awake", "awake", "awake", "not_worn"]


@pytest.mark.parametrize(
    ("rows", "winner"),
    [
        # worn over not worn, whatever the device ids
        ([(0, 1, 5, 50.0, 60, "not_worn", 0), (0, 2, 7, 70.0, 61, "awake", 0)], 2),
        # a count over none (device 1 sent only a heart rate)
        ([(0, 1, None, NAN, 60, "awake", 0), (0, 2, 7, 70.0, None, "unknown", 0)], 2),
        # a label over unknown
        ([(0, 1, 5, 50.0, 60, "unknown", 0), (0, 2, 7, 70.0, 61, "sleep_deep", 0)], 2),
        # then the device registered first
        ([(0, 3, 5, 50.0, 60, "awake", 0), (0, 2, 7, 70.0, 61, "awake", 0)], 2),
    ],
)
def test_overlapping_devices_use_one_whole_row(rows: list, winner: int) -> None:
    got = select_minutes(samples(rows))
    assert len(got) == 1
    assert int(got["device_id"].iloc[0]) == winner
    row = next(r for r in rows if r[1] == winner)
    assert got["counts"].iloc[0] == (row[3] if not np.isnan(row[3]) else row[2])
    assert got["state"].iloc[0] == row[5]


def test_bad_frames_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="lack column"):
        select_minutes(pd.DataFrame({"device_id": [1]}))
    naive = samples([(0, 1, 5, 5.0, 60, "awake", 0)]).tz_localize(None)
    with pytest.raises(InvalidInputError, match="timezone-aware"):
        select_minutes(naive)


@pytest.mark.parametrize(
    ("day", "minutes"), [("2026-03-29", 1380), ("2026-10-25", 1500), ("2026-06-01", 1440)]
)
def test_local_days_have_their_real_length(day: str, minutes: int) -> None:
    # Europe/Berlin: 23 h on the spring change, 25 h on the autumn one.
    date = dt.date.fromisoformat(day)
    start, end = local_day_bounds(date, date, "Europe/Berlin")
    grid = local_minute_grid(select_minutes(samples([])), start, end, "Europe/Berlin")
    assert len(grid) == minutes
    assert grid["counts"].isna().all()
    assert str(grid.index.tz) == "Europe/Berlin"
