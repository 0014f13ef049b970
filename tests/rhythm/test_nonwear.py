"""Tests for ipsrt.rhythm.nonwear (analytic signals: runs of known length)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ipsrt.errors import InvalidInputError
from ipsrt.rhythm.nonwear import DEFAULT_NONWEAR_MINUTES, apply_nonwear, detect_nonwear


def series(values, *, freq="min", start="2024-01-01 00:00", tz="UTC") -> pd.Series:
    idx = pd.date_range(start, periods=len(values), freq=freq, tz=tz)
    return pd.Series(np.asarray(values, dtype=float), index=idx)


def test_default_is_two_hours() -> None:
    assert DEFAULT_NONWEAR_MINUTES == 120


@pytest.mark.parametrize(("zeros", "masked"), [(119, 0), (120, 120), (300, 300)])
def test_zero_runs_at_least_min_minutes_are_nonwear(zeros: int, masked: int) -> None:
    counts = series([10.0] * 30 + [0.0] * zeros + [10.0] * 30)
    mask = detect_nonwear(counts)
    assert mask.dtype == bool
    assert int(mask.sum()) == masked
    if masked:
        assert mask.iloc[30 : 30 + zeros].all()


def test_heart_rate_means_worn_even_in_a_long_still_sleep() -> None:
    counts = series([10.0] * 30 + [0.0] * 480 + [10.0] * 30)
    hr = pd.Series(52.0, index=counts.index)
    assert not detect_nonwear(counts, heart_rate=hr).any()


def test_heart_rate_gap_splits_or_allows_a_run() -> None:
    counts = series([0.0] * 300)
    hr = pd.Series(np.nan, index=counts.index)
    hr.iloc[100] = 60.0  # one pulse reading splits 300 min into 100 + 199
    assert int(detect_nonwear(counts, heart_rate=hr).sum()) == 199
    hr.iloc[100] = 0.0  # zero is "no reading"
    assert detect_nonwear(counts, heart_rate=hr).all()


def test_heart_rate_on_another_zone_is_matched_in_utc() -> None:
    counts = series([0.0] * 200)
    hr = pd.Series(60.0, index=counts.index.tz_convert("Asia/Tokyo"))
    assert not detect_nonwear(counts, heart_rate=hr).any()


def test_missing_counts_join_a_run() -> None:
    values = np.zeros(150)
    values[50:80] = np.nan
    assert detect_nonwear(series(values)).all()


def test_min_minutes_is_real_time_for_sub_minute_epochs() -> None:
    counts = series([0.0] * 119 * 2 + [5.0] * 10, freq="30s")  # 119 min of zeros
    assert not detect_nonwear(counts).any()
    assert detect_nonwear(counts, min_minutes=60).sum() == 238


def test_activity_threshold() -> None:
    counts = series([2.0] * 130)
    assert not detect_nonwear(counts).any()
    assert detect_nonwear(counts, activity_threshold=2).all()


def test_apply_nonwear_sets_nan() -> None:
    counts = series([10.0] * 10 + [0.0] * 130 + [10.0] * 10)
    out = apply_nonwear(counts, detect_nonwear(counts))
    assert np.isnan(out.iloc[10:140]).all()
    assert (out.iloc[:10] == 10).all()


def test_dst_change_inside_a_run_counts_real_minutes() -> None:
    # 2024-03-31 01:00-04:00 Europe/Berlin wall clock is only 2 h of real time
    idx = pd.date_range("2024-03-31 00:00", "2024-03-31 06:00", freq="min", tz="Europe/Berlin")
    counts = pd.Series(5.0, index=idx)
    wall = idx.tz_localize(None)
    counts[(wall >= "2024-03-31 01:00") & (wall < "2024-03-31 04:00")] = 0.0
    assert int(detect_nonwear(counts).sum()) == 120


@pytest.mark.parametrize("bad", [0, -5, float("nan")])
def test_bad_min_minutes(bad: float) -> None:
    with pytest.raises(InvalidInputError, match="min_minutes"):
        detect_nonwear(series([0.0] * 10), min_minutes=bad)


def test_naive_inputs_are_refused() -> None:
    counts = series([0.0] * 10)
    with pytest.raises(InvalidInputError, match="naive"):
        detect_nonwear(counts.tz_localize(None))
    with pytest.raises(InvalidInputError, match="naive"):
        detect_nonwear(counts, heart_rate=pd.Series(60.0, index=counts.index.tz_localize(None)))
