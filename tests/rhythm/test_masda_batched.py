"""The batched MASDA seed offsets against straightforward per-seed reference code.

(Moved unchanged from ``test_grid.py`` when the day grid it also tested was
removed.)
"""

from __future__ import annotations

import numpy as np
import pytest

from ipsrt.rhythm.masda import _offsets_for_seeds, _runs_of_ones, masda_array
from tests.helpers.awd import synthetic_counts


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
