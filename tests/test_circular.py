"""Circular statistics of clock times (ipsrt.circular): scalar and grouped forms agree."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipsrt.circular import (
    distance,
    grouped_mean_sd,
    mean_minutes,
    sd_minutes,
    unwrap,
    wrap,
)


def hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


METRICS_MD_BEDTIMES = ["23:30", "23:45", "00:15", "23:50", "00:30", "23:40", "01:10"]


def test_circular_mean_of_bedtimes_from_metrics_md() -> None:
    # docs/architecture.md "Clock times": arithmetic mean 13:49 (nonsense), circular 00:06.
    minutes = [hm(t) for t in METRICS_MD_BEDTIMES]
    assert round(np.mean(minutes)) == hm("13:49")
    assert round(mean_minutes(minutes)) == 6


def test_unwrap_around_midnight() -> None:
    # docs/srm.md scoring rules: 23:50 and 00:10 average to 00:00.
    unwrapped = unwrap([hm("23:50"), hm("00:10")])
    assert sorted(unwrapped.tolist()) == pytest.approx([-10.0, 10.0], abs=1e-9)
    assert np.mean(unwrapped) == pytest.approx(0.0, abs=1e-9)
    assert unwrap([10.0, 1430.0], centre=720.0).tolist() == [10.0, 1430.0]


def test_circular_sd_matches_linear_sd_for_tight_cluster() -> None:
    # Analytic: for small spread, sqrt(-2 ln R) ~ population SD of the unwrapped angles.
    minutes = np.array([hm("23:55"), hm("00:05"), hm("00:00"), hm("23:58"), hm("00:02")])
    linear = np.std(unwrap(minutes))
    assert sd_minutes(minutes) == pytest.approx(linear, rel=1e-3)


def test_circular_statistics_of_empty_and_uniform_input() -> None:
    assert np.isnan(mean_minutes([]))
    assert np.isnan(sd_minutes([np.nan]))
    assert np.isnan(mean_minutes([0, 360, 720, 1080]))


@given(
    st.lists(st.integers(0, 1439), min_size=1, max_size=30),
    st.integers(-1440, 1440),
)
def test_circular_mean_moves_with_a_shift(values: list[int], shift: int) -> None:
    base = mean_minutes(values)
    moved = mean_minutes([(v + shift) % 1440 for v in values])
    if np.isnan(base):
        return
    difference = (moved - base - shift) % 1440
    assert min(difference, 1440 - difference) == pytest.approx(0.0, abs=1e-6)


@given(st.lists(st.integers(0, 1439), min_size=1, max_size=30))
def test_unwrapped_values_stay_within_half_a_day_of_centre(values: list[int]) -> None:
    centre = mean_minutes(values)
    unwrapped = unwrap(values, centre)
    if np.isnan(centre):
        assert np.isnan(unwrapped).all()
        return
    assert (np.abs(unwrapped - centre) <= 720 + 1e-9).all()
    gap = (unwrapped - np.asarray(values)) % 1440
    assert np.allclose(np.minimum(gap, 1440 - gap), 0.0, atol=1e-6)


def test_fisher_sd_formula_on_two_points() -> None:
    # Analytic: two times 6 h apart have R = cos(pi/4), s = 1440/(2 pi) sqrt(-2 ln R).
    expected = 1440 / (2 * np.pi) * np.sqrt(-2 * np.log(np.cos(np.pi / 4)))
    assert sd_minutes([0.0, 360.0]) == pytest.approx(expected, rel=1e-12)
    assert mean_minutes([0.0, 360.0]) == pytest.approx(180.0, abs=1e-9)


def test_mean_of_midnight_is_zero_not_1440() -> None:
    assert mean_minutes([1440.0 - 1e-12]) == 0.0
    assert mean_minutes([1439.0, 1.0]) == pytest.approx(0.0, abs=1e-9)


def test_wrap_and_distance() -> None:
    assert wrap([20.0, -20.0, 720.0, -720.0, 1430.0]).tolist() == [
        20.0,
        -20.0,
        -720.0,
        -720.0,
        -10.0,
    ]
    assert distance(hm("23:50"), hm("00:10")).item() == 20.0


@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.floats(0, 1439.99, allow_nan=False)),
        min_size=1,
        max_size=60,
    )
)
def test_grouped_form_equals_scalar_form(pairs: list[tuple[int, float]]) -> None:
    groups = np.array([g for g, _ in pairs])
    values = np.array([v for _, v in pairs])
    mean, sd, count = grouped_mean_sd(groups, values, 5)
    for g in range(5):
        one = values[groups == g]
        assert count[g] == one.size
        for got, want in ((mean[g], mean_minutes(one)), (sd[g], sd_minutes(one))):
            if np.isnan(want) or np.isinf(want):
                assert np.isnan(got) == np.isnan(want)
            else:
                gap = abs(got - want) % 1440
                assert min(gap, 1440 - gap) == pytest.approx(0.0, abs=1e-6)
