"""whole_day_levels: the IS/IV of every bin size without a gap, against the matrix path.

Source of the expected values: :func:`ipsrt.rhythm.level_stats.level_stats_full`
on :func:`ipsrt.rhythm.grid.levels_array` of the same days (the general
path, itself checked against pyActigraphy and the metrics.md worked
examples in test_grid.py / test_nonparametric.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from ipsrt.rhythm import grid, level_stats
from ipsrt.rhythm.nonparametric import ISM_BIN_MINUTES
from ipsrt.rhythm.whole_days import whole_day_levels, workspace_size
from tests.helpers.awd import synthetic_counts

SIZES = [*ISM_BIN_MINUTES, 60]


def _cohort(days: int, subjects: int = 4) -> np.ndarray:
    x = np.stack([synthetic_counts(days, seed=50 + i) for i in range(subjects)]).astype(float)
    return x.reshape(subjects, days, 1440)


def _reference(x: np.ndarray, ddof: int, compat: bool) -> level_stats.LevelStats:
    return level_stats.level_stats_full(grid.levels_array(x, SIZES), ddof, compat)


@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("compat", [False, True])
def test_whole_numbers_equal_the_matrix_path_exactly(ddof: int, compat: bool) -> None:
    x = _cohort(9)
    got = whole_day_levels(x, SIZES, ddof)
    ref = _reference(x, ddof, compat)
    assert got.sizes == tuple(sorted(set(SIZES)))
    # whole numbers: every total is exact, only the final divisions round
    np.testing.assert_allclose(got.stats.is_, ref.is_, rtol=1e-13, atol=0)
    np.testing.assert_allclose(got.stats.iv, ref.iv, rtol=1e-13, atol=0)
    np.testing.assert_array_equal(got.stats.n, ref.n)
    np.testing.assert_array_equal(got.stats.p, ref.p)
    np.testing.assert_array_equal(got.stats.pairs, ref.pairs)
    np.testing.assert_allclose(got.stats.ss, ref.ss, rtol=1e-13, atol=0)


def test_real_values_agree_to_rounding() -> None:
    x = np.random.default_rng(3).gamma(0.7, 90.0, size=(3, 8, 1440))
    got = whole_day_levels(x, SIZES, 1)
    ref = _reference(x, 1, False)
    np.testing.assert_allclose(got.stats.is_, ref.is_, rtol=1e-11, atol=0)
    np.testing.assert_allclose(got.stats.iv, ref.iv, rtol=1e-11, atol=0)


def test_profile_and_binned_values() -> None:
    x = _cohort(3, subjects=2)
    got = whole_day_levels(x, SIZES, 1)
    np.testing.assert_array_equal(got.profile, x.sum(axis=1))
    hourly = x.reshape(2, 3, 24, 60).sum(axis=-1)
    np.testing.assert_array_equal(got.binned[60], hourly)
    np.testing.assert_array_equal(got.binned[1], x)


def test_a_reused_workspace_gives_the_same_figures() -> None:
    x = _cohort(7)
    need = workspace_size(SIZES, 1440, 4, 7)
    work = np.full(need + 100, np.nan)
    a = whole_day_levels(x, SIZES, 1, work)
    b = whole_day_levels(x, SIZES, 1)
    np.testing.assert_array_equal(a.stats.is_, b.stats.is_)
    np.testing.assert_array_equal(a.stats.iv, b.stats.iv)


def test_flat_and_single_day_cases_are_nan_with_the_matrix_path() -> None:
    # a flat recording has no variance: IS and IV undefined at every size
    flat = np.full((1, 3, 1440), 5.0)
    got = whole_day_levels(flat, SIZES, 1)
    assert np.isnan(got.stats.is_).all()
    assert np.isnan(got.stats.iv).all()
    # one day: IS undefined only where the matrix path says so
    one = _cohort(1, subjects=1)
    got1, ref1 = whole_day_levels(one, SIZES, 1), _reference(one, 1, False)
    np.testing.assert_array_equal(np.isnan(got1.stats.is_), np.isnan(ref1.is_))
    np.testing.assert_allclose(got1.stats.iv, ref1.iv, rtol=1e-13)


@pytest.mark.parametrize("ddof", [0, 1])
def test_gaps_equal_the_matrix_path(ddof: int) -> None:
    # scattered and adjacent missing epochs, missing first and last bins, a
    # whole missing day, a subject without any data, fractional values
    rng = np.random.default_rng(21)
    x = rng.gamma(0.8, 60.0, size=(4, 5, 1440))
    x[rng.random(x.shape) < 0.01] = np.nan
    x[0, 0, :3] = np.nan
    x[0, -1, -5:] = np.nan
    x[1, 2] = np.nan
    x[2, 1, 100:400] = np.nan
    x[3] = np.nan
    before = x.copy()
    got = whole_day_levels(x, SIZES, ddof)
    ref = _reference(x, ddof, False)
    np.testing.assert_array_equal(x, before)  # the input is left alone
    np.testing.assert_array_equal(got.stats.n, ref.n)
    np.testing.assert_array_equal(got.stats.p, ref.p)
    np.testing.assert_array_equal(got.stats.pairs, ref.pairs)
    np.testing.assert_allclose(got.stats.is_, ref.is_, rtol=1e-10, atol=0)
    np.testing.assert_allclose(got.stats.iv, ref.iv, rtol=1e-10, atol=0)
    assert np.isnan(got.stats.is_[3]).all()
    # the average day: sums and counts of the valid epochs
    miss = np.isnan(x)
    np.testing.assert_allclose(got.profile, np.where(miss, 0.0, x).sum(axis=1), rtol=1e-12)
    np.testing.assert_array_equal(got.counts, 5 - miss.sum(axis=1))
    # the bins handed back keep their missing values
    hourly = x.reshape(4, 5, 24, 60).sum(axis=-1)
    np.testing.assert_allclose(got.binned[60], hourly, rtol=1e-12, equal_nan=True)


def test_a_size_that_does_not_divide_the_day_is_refused() -> None:
    with pytest.raises(ValueError, match="does not divide"):
        whole_day_levels(_cohort(2, subjects=1), [7], 1)
