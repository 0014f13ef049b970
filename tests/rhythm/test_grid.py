"""The day grid and the batched MASDA against straightforward reference code."""

from __future__ import annotations

import numpy as np
import pytest

from ipsrt.rhythm import grid, level_stats
from ipsrt.rhythm.masda import _offsets_for_seeds, _runs_of_ones, masda_array
from tests.helpers.awd import synthetic_counts

SIZES = [1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 18, 20, 24, 30, 32, 36, 40, 45, 48, 60]


def _days_with_nan(days: int, seed: int) -> np.ndarray:
    x = synthetic_counts(days, seed=seed).astype(float)
    x[1500:1620] = np.nan
    x[4000] = np.nan
    return x.reshape(days, 1440)


def _ref_is_iv(bins: np.ndarray, per_day: int) -> tuple[float, float]:
    """van Someren IS (w_h = n_h p / n) and IV on valid successive pairs, by loops."""
    flat = bins.reshape(-1)
    valid = [(i, v) for i, v in enumerate(flat) if not np.isnan(v)]
    n = len(valid)
    mean = sum(v for _, v in valid) / n
    ss = sum((v - mean) ** 2 for _, v in valid)
    groups: dict[int, list[float]] = {}
    for i, v in valid:
        groups.setdefault(i % per_day, []).append(v)
    p = len(groups)
    num = sum(len(g) * p / n * (sum(g) / len(g) - mean) ** 2 for g in groups.values()) / p
    is_ = num / (ss / n)
    d2 = [
        (flat[i + 1] - flat[i]) ** 2
        for i in range(flat.size - 1)
        if not (np.isnan(flat[i]) or np.isnan(flat[i + 1]))
    ]
    return is_, (sum(d2) / len(d2)) / (ss / n)


def test_levels_are_reshaped_sums_with_nan_propagation() -> None:
    g = _days_with_nan(4, seed=5)
    lv = grid.levels_array(g, SIZES)
    for k in SIZES:
        ref = g.reshape(-1, k).sum(axis=1).reshape(4, -1)  # NaN in a bin -> NaN
        assert np.allclose(lv.level(k), ref, rtol=1e-15, atol=0, equal_nan=True), k


@pytest.mark.parametrize("with_nan", [False, True])
def test_level_stats_match_loop_reference(with_nan: bool) -> None:
    g = _days_with_nan(5, seed=6)
    if not with_nan:
        g = np.nan_to_num(g, nan=3.0)
    lv = grid.levels_array(g, SIZES)
    is_all, iv_all = level_stats.level_stats(lv, 0, False)
    for i, k in enumerate(lv.sizes):
        want_is, want_iv = _ref_is_iv(lv.level(k), 1440 // k)
        assert is_all[i] == pytest.approx(want_is, rel=1e-11), k
        assert iv_all[i] == pytest.approx(want_iv, rel=1e-11), k


@pytest.mark.parametrize("overwrite", [False, True])
def test_scattered_gaps_match_loop_reference(overwrite: bool) -> None:
    # missing bins next to each other, at the ends of days, a whole missing
    # day, and fractional values: every case of the sparse corrections
    rng = np.random.default_rng(12)
    cohort = rng.gamma(0.8, 60.0, size=(2, 4, 1440))
    cohort[rng.random(cohort.shape) < 0.02] = np.nan
    cohort[0, 1, 1430:] = np.nan
    cohort[0, 2, :7] = np.nan
    cohort[1, 2] = np.nan
    lv = grid.levels_array(cohort, SIZES)
    levels = {k: lv.level(k).copy() for k in lv.sizes}
    st = level_stats.level_stats_columns(lv, 0, False, overwrite=overwrite)[0]
    for s in range(2):
        for i, k in enumerate(lv.sizes):
            want_is, want_iv = _ref_is_iv(levels[k][s], 1440 // k)
            assert st.is_[s, i] == pytest.approx(want_is, rel=1e-10), (s, k)
            assert st.iv[s, i] == pytest.approx(want_iv, rel=1e-10), (s, k)
    if not overwrite:
        assert np.array_equal(lv.matrix, np.concatenate(list(levels.values()), -1), equal_nan=True)


def test_leading_axes_give_each_subject_its_own_result() -> None:
    cohort = np.stack([_days_with_nan(3, seed=s) for s in (7, 8, 9)])
    cohort[1] = np.nan_to_num(cohort[1])
    lv = grid.levels_array(cohort, SIZES)
    both = level_stats.level_stats(lv, 1, True)
    for s in range(3):
        one = level_stats.level_stats(grid.levels_array(cohort[s], SIZES), 1, True)
        for a, b in zip(both, one, strict=True):
            assert np.allclose(a[s], b, rtol=1e-12, atol=0, equal_nan=True)


def test_compat_levels_end_like_pandas_resample() -> None:
    # 2.5 days from the first epoch: the last 60-min bin holds 30 epochs and
    # is summed over them; bins after it do not exist (NaN in the grid)
    x = synthetic_counts(2.5 + 30 / 1440, seed=3).astype(float)
    rows = -(-x.size // 1440)
    flat = np.zeros(rows * 1440)
    flat[: x.size] = x
    lv = grid.levels_array(flat.reshape(rows, 1440), [60], x.size)
    got = lv.level(60).reshape(-1)
    nb = -(-x.size // 60)
    ref = [x[j * 60 : (j + 1) * 60].sum() for j in range(nb)]
    assert np.array_equal(got[:nb], ref)
    assert np.isnan(got[nb:]).all()


def _ref_offset(x: np.ndarray, n_succ: int) -> int | None:
    """Pearson correlation with the ideal bout (1^k 0^(m-k)), highest peak, by loops."""
    m = x.size
    r = np.full(m, -np.inf)
    for k in range(1, m):
        ideal = np.r_[np.ones(k), np.zeros(m - k)]
        r[k - 1] = np.corrcoef(x, ideal)[0, 1]
    peaks = [k for k in range(m - n_succ) if r[k] > r[k + 1 : k + 1 + n_succ].max()]
    if not peaks:
        return None
    best = max(r[k] for k in peaks)
    return min(k for k in peaks if r[k] == best)


@pytest.mark.parametrize("seed", [41, 42])
def test_batched_seed_offsets_match_per_seed_reference(seed: int) -> None:
    x = synthetic_counts(4, seed=seed).astype(float)
    trend = np.convolve(x, np.ones(1440) / 1440, mode="same")
    sw = (x <= 0.15 * trend).astype(float)
    seeds = _runs_of_ones(sw, 30)
    assert seeds.size > 3
    got = _offsets_for_seeds(sw, seeds, 720, 31)
    for seed_at, off in zip(seeds.tolist(), got, strict=True):
        window = sw[seed_at : seed_at + 720]
        if window.size < 720 or window.std() == 0:
            continue
        assert off == _ref_offset(window, 31), seed_at


def test_masda_bouts_follow_seed_offsets_sequentially() -> None:
    # Reference: walk the seeds one by one, each bout rewriting the series,
    # recomputing every offset on the current series (pyActigraphy's loop).
    x = synthetic_counts(5, seed=44).astype(float)
    got, _ = masda_array(x, 60)
    assert got is not None
    from ipsrt.rhythm.masda import _centred_mean, _offset_in_window

    trend = _centred_mean(x, 1440, 720)
    sw = (x <= 0.15 * trend).astype(float)
    sw[np.isnan(trend)] = np.nan
    seeds = _runs_of_ones(sw, 30)
    sw[: seeds[0]][sw[: seeds[0]] == 1] = 0.0
    last = None
    for seed_at in seeds.tolist():
        if last is not None and seed_at < last:
            continue
        if last is not None:
            gap = sw[last + 1 : seed_at]
            gap[gap == 1] = 0.0
        off = _offset_in_window(sw[seed_at : seed_at + 720], 31)
        if off is not None:
            sw[seed_at : seed_at + off + 1] = 1.0
            last = seed_at + off
    tail = sw[last + 1 :]
    tail[tail == 1] = 0.0
    assert np.array_equal(got, sw, equal_nan=True)
