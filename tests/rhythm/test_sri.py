"""Sleep Regularity Index: the docs/sleep.md worked example, missing data, DST, compat."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ipsrt.errors import InvalidInputError
from ipsrt.rhythm import sleep_regularity_index, sri_from_counts_pyactigraphy
from tests.helpers import pyact_reference, reference_series


def two_nights() -> pd.Series:
    # Day 1 sleep 23:00-07:00, day 2 23:00-08:00, 1-min epochs, noon to noon.
    idx = pd.date_range("2025-01-06 12:00", periods=2880, freq="min", tz="UTC")
    s = np.zeros(2880)
    s[660:1140] = 1
    s[2100:2640] = 1
    return pd.Series(s, idx)


def test_worked_example_91_7() -> None:
    # Source: docs/sleep.md, "Sleep Regularity Index" worked example (Phillips
    # et al. 2017 formula): 1380 of 1440 pairs match, SRI = 91.7
    value = sleep_regularity_index(two_nights(), min_days=0)
    assert value == pytest.approx(200 * 1380 / 1440 - 100)
    assert round(value, 1) == 91.7


def test_identical_days_give_100_and_alternating_give_minus_100() -> None:
    idx = pd.date_range("2025-01-06", periods=5 * 1440, freq="min", tz="UTC")
    day = np.r_[np.ones(420), np.zeros(1020)]
    assert sleep_regularity_index(pd.Series(np.tile(day, 5), idx)) == 100.0
    flip = np.concatenate([day if i % 2 == 0 else 1 - day for i in range(5)])
    assert sleep_regularity_index(pd.Series(flip, idx)) == -100.0


def test_missing_is_never_counted_as_wake() -> None:
    idx = pd.date_range("2025-01-06", periods=4 * 1440, freq="min", tz="UTC")
    day = np.r_[np.ones(420), np.zeros(1020)]
    x = np.tile(day, 4)
    x[1440 : 1440 + 300] = np.nan  # a missing night stretch, not wake
    assert sleep_regularity_index(pd.Series(x, idx)) == 100.0


def test_too_few_days_is_nan_and_bad_states_raise() -> None:
    assert np.isnan(sleep_regularity_index(two_nights().iloc[:2000]))  # under 2 valid days
    bad = two_nights() * 2
    with pytest.raises(InvalidInputError):
        sleep_regularity_index(bad, min_days=0)


@pytest.mark.parametrize("start", ["2025-03-29", "2025-10-25"])
def test_dst_pairs_by_local_clock(start: str) -> None:
    # Sleep 23:00-07:00 local every night across a 23-h / 25-h day: SRI = 100.
    first = pd.Timestamp(start, tz="Europe/Berlin").tz_convert("UTC")
    idx = pd.date_range(first, periods=3 * 1440, freq="min").tz_convert("Europe/Berlin")
    m = idx.hour * 60 + idx.minute
    s = pd.Series(((m >= 1380) | (m < 420)).astype(float), idx)
    assert sleep_regularity_index(s, min_days=0) == 100.0


def test_compat_per_time_of_day_average_and_nan_propagation() -> None:
    # pyActigraphy averages per time of day, then over the day; a NaN spoils it.
    assert sleep_regularity_index(two_nights(), compat="pyactigraphy") == pytest.approx(
        200 * 1380 / 1440 - 100
    )
    s = two_nights()
    s.iloc[5] = np.nan
    assert np.isnan(sleep_regularity_index(s, compat="pyactigraphy"))


@pytest.mark.parametrize("name", sorted(pyact_reference()))
def test_sri_matches_pyactigraphy(name: str) -> None:
    # Source: tests/data/pyactigraphy/reference_values.json (generate.py)
    rec = pyact_reference()[name]
    expected = rec["values"]["SRI"]
    got = sri_from_counts_pyactigraphy(reference_series(rec["spec"]))
    assert got == pytest.approx(expected, rel=1e-9, abs=0)
