"""IS, IV, L5, M10, RA: analytic signals, the worked example of docs/rhythm.md, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ipsrt.errors import InvalidInputError
from ipsrt.rhythm import (
    interdaily_stability,
    intradaily_variability,
    l5,
    m10,
    relative_amplitude,
)
from tests.helpers.awd import synthetic_counts


def minutes(values: np.ndarray, start: str = "2025-01-06", tz: str = "UTC") -> pd.Series:
    idx = pd.date_range(start, periods=len(values), freq="min", tz=tz)
    return pd.Series(np.asarray(values, dtype=float), idx)


def toy() -> pd.Series:
    # docs/rhythm.md worked example: x = [0, 10, 10, 0, 0, 8, 12, 0], p = 4 bins a day (6-h bins)
    x = np.array([0, 10, 10, 0, 0, 8, 12, 0], float)
    return minutes(np.repeat(x / 360, 360))


def test_toy_example_textbook_values() -> None:
    # Source: the worked example of docs/rhythm.md, IS = 0.981, IV = 2.33 (delta = 0)
    s = toy()
    assert interdaily_stability(s, bin_minutes=360, min_days=0) == pytest.approx(
        102 * 8 / (4 * 208)
    )
    assert intradaily_variability(s, bin_minutes=360, min_days=0) == pytest.approx(
        8 * 424 / (7 * 208)
    )
    assert round(interdaily_stability(s, bin_minutes=360, min_days=0), 3) == 0.981
    assert round(intradaily_variability(s, bin_minutes=360, min_days=0), 2) == 2.33


def test_toy_example_ddof1_values() -> None:
    # Source: the worked example of docs/rhythm.md, delta = 1 (pyActigraphy's var): 1.144, 2.04
    s = toy()
    assert round(interdaily_stability(s, bin_minutes=360, min_days=0, ddof=1), 3) == 1.144
    assert round(intradaily_variability(s, bin_minutes=360, min_days=0, ddof=1), 2) == 2.04


def test_repeating_day_gives_is_one_and_small_iv() -> None:
    # Analytic: an identical smooth day every day gives IS = 1; a sine gives IV near 0.
    t = np.arange(7 * 1440)
    day = 100 + 80 * np.sin(2 * np.pi * t / 1440)
    s = minutes(day)
    assert interdaily_stability(s) == pytest.approx(1.0, abs=1e-12)
    assert intradaily_variability(s) < 0.1


def test_white_noise_gives_is_one_over_days_and_iv_two() -> None:
    # Analytic: i.i.d. hourly noise has E[IS] ~ 1/N days and E[IV] ~ 2.
    rng = np.random.default_rng(7)
    days = 50
    hourly = rng.normal(100, 10, days * 24)
    s = minutes(np.repeat(hourly / 60, 60))
    assert interdaily_stability(s) == pytest.approx(1 / days, abs=0.01)
    assert intradaily_variability(s) == pytest.approx(2.0, abs=0.15)


def test_l5_m10_of_a_square_day() -> None:
    # Analytic: 8 h at 0 (00:00-08:00) and 16 h at 50 counts/min.
    day = np.r_[np.zeros(480), np.full(960, 50.0)]
    s = minutes(np.tile(day, 3))
    lo, hi = l5(s), m10(s)
    assert lo.value == 0.0
    assert lo.onset == 0.0
    assert hi.value == 50.0
    assert 480 <= hi.onset <= 1440 - 600 + 1e-9
    assert relative_amplitude(s) == 1.0


def test_l5_window_crosses_midnight() -> None:
    # Rest 22:00-03:00: the L5 window must start at 22:00 (1320 min).
    day = np.full(1440, 40.0)
    day[1320:] = 0
    day[:180] = 0
    s = minutes(np.tile(day, 3))
    assert l5(s).onset == 1320.0
    assert l5(s).value == 0.0


def test_l5_clock_aligned_in_local_time() -> None:
    # The same counts indexed in New York: onset is read on the local clock.
    day = np.full(1440, 40.0)
    day[60:360] = 0  # 01:00-06:00 local
    utc_start = pd.Timestamp("2025-01-06 00:00", tz="America/New_York")
    idx = pd.date_range(utc_start, periods=3 * 1440, freq="min")
    s = pd.Series(np.tile(day, 3), idx)
    assert l5(s).onset == 60.0
    assert l5(s.tz_convert("UTC"), tz="America/New_York").onset == 60.0


def test_fewer_than_min_days_is_nan() -> None:
    s = minutes(synthetic_counts(1.5, seed=1))
    assert np.isnan(interdaily_stability(s))
    assert np.isnan(l5(s).value)
    assert not np.isnan(interdaily_stability(s, min_days=1))


def test_nan_runs_drop_bins_not_data() -> None:
    # Masking a NaN run changes IS a little; the figure stays finite and the
    # masked hours are not counted as zero activity.
    c = synthetic_counts(10, seed=2).astype(float)
    s = minutes(c)
    masked = c.copy()
    masked[3 * 1440 + 600 : 3 * 1440 + 900] = np.nan
    s2 = minutes(masked)
    zeroed = c.copy()
    zeroed[3 * 1440 + 600 : 3 * 1440 + 900] = 0
    is_nan, is_zero = interdaily_stability(s2), interdaily_stability(minutes(zeroed))
    assert np.isfinite(is_nan)
    assert abs(is_nan - interdaily_stability(s)) < abs(is_zero - interdaily_stability(s))


def test_gaps_in_index_become_nan() -> None:
    c = synthetic_counts(4, seed=3).astype(float)
    s = minutes(c)
    holed = s.drop(s.index[2000:2300])
    expected = s.copy()
    expected.iloc[2000:2300] = np.nan
    assert interdaily_stability(holed) == pytest.approx(interdaily_stability(expected))


def test_30s_epochs_are_summed_into_minutes() -> None:
    c = synthetic_counts(4, seed=4).astype(float)
    idx = pd.date_range("2025-01-06", periods=2 * c.size, freq="30s", tz="UTC")
    half = pd.Series(np.repeat(c / 2, 2), idx)
    assert interdaily_stability(half) == pytest.approx(interdaily_stability(minutes(c)))
    assert l5(half) == pytest.approx(l5(minutes(c)))


def test_5min_epochs_kept_and_l5_in_counts_per_minute() -> None:
    day = np.r_[np.zeros(96), np.full(192, 250.0)]  # 5-min epochs: 0 then 250/5 min
    idx = pd.date_range("2025-01-06", periods=3 * 288, freq="5min", tz="UTC")
    s = pd.Series(np.tile(day, 3), idx)
    assert m10(s).value == pytest.approx(50.0)


@pytest.mark.parametrize("freq", ["45s", "7min", "90s"])
def test_unsupported_epochs_raise(freq: str) -> None:
    idx = pd.date_range("2025-01-06", periods=5000, freq=freq, tz="UTC")
    with pytest.raises(InvalidInputError):
        interdaily_stability(pd.Series(1.0, idx))


def test_bad_input_raises() -> None:
    naive = pd.Series(1.0, pd.date_range("2025-01-06", periods=10, freq="min"))
    with pytest.raises(InvalidInputError, match="timezone-aware"):
        interdaily_stability(naive)
    with pytest.raises(InvalidInputError):
        interdaily_stability(minutes(np.array([1.0, -2.0, 3.0])))
    with pytest.raises(InvalidInputError):
        interdaily_stability(minutes(np.array([1.0])))
    with pytest.raises(InvalidInputError):
        interdaily_stability(minutes(np.ones(10)), compat="nope")  # type: ignore[arg-type]


def test_constant_activity_is_nan() -> None:
    assert np.isnan(interdaily_stability(minutes(np.full(3 * 1440, 5.0))))


@pytest.mark.parametrize(
    ("start", "hours"),
    [("2025-03-29", 71), ("2025-10-25", 73)],  # Europe/Berlin 23-h and 25-h days
)
def test_dst_days_follow_the_local_clock(start: str, hours: int) -> None:
    # A rhythm tied to the local clock stays perfectly regular (IS = 1) across
    # the 23-h and 25-h days: bins follow the wall clock, so the skipped or
    # repeated hour just has one observation fewer or more.
    first = pd.Timestamp(start, tz="Europe/Berlin")
    idx = pd.date_range(first.tz_convert("UTC"), periods=hours * 60, freq="min").tz_convert(
        "Europe/Berlin"
    )
    assert len(idx) == hours * 60
    local_min = idx.hour * 60 + idx.minute
    s = pd.Series(np.where((local_min >= 60) & (local_min < 420), 0.0, 30.0 + idx.hour), idx)
    assert interdaily_stability(s) == pytest.approx(1.0)
    assert l5(s).onset == 60.0
    assert np.isfinite(intradaily_variability(s))
