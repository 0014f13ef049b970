"""The batch Cole-Kripke codes: ties at D = 1, negative counts, NaN-free rows, runs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from ipsrt.rhythm.batch_sleep import cole_kripke_many, nights_many
from ipsrt.rhythm.ck_codes import ck_codes_joined, codes_to_states
from ipsrt.rhythm.sleep_episodes import free_mask, nights
from ipsrt.rhythm.sleep_scoring import cole_kripke_minutes
from ipsrt.rhythm.sleep_timing import DEFAULT_MAX_GAP_MINUTES as MAX_GAP
from ipsrt.rhythm.sleep_timing import DEFAULT_MIN_BOUT_MINUTES as MIN_BOUT
from ipsrt.rhythm.webster import rescore_positions, webster_rescore
from tests.helpers.awd import synthetic_counts

WEIGHTS = np.array((106, 54, 58, 76, 230, 74, 67), dtype=float)


def _tie_windows(count: int) -> np.ndarray:
    """Whole-count windows with sum W_k a_k = 30000 exactly (D = 1 up to rounding)."""
    rng = np.random.default_rng(0)
    g = rng.integers(0, 120, size=(3_000_000, 7)).astype(float)
    ties = g[(g @ WEIGHTS) == 30000]
    assert len(ties) >= count
    return ties[:count]


def _same_as_per_recording(x: np.ndarray) -> None:
    got = cole_kripke_many(x)
    code = ck_codes_joined(x)
    assert (code[:, -1] == -1).all()
    assert np.array_equal(codes_to_states(code)[:, : x.shape[1]], got, equal_nan=True)
    for i in range(x.shape[0]):
        # the per-recording arithmetic (window_dot, then Webster's rules)
        ref = webster_rescore(cole_kripke_minutes(x[i], rescoring=False))
        ref[np.isnan(x[i])] = np.nan
        assert np.array_equal(got[i], ref, equal_nan=True), i
        assert np.array_equal(got[i], cole_kripke_minutes(x[i]), equal_nan=True), i


@pytest.mark.parametrize("with_nan", [False, True])
def test_windows_at_the_threshold_get_the_per_recording_decision(with_nan: bool) -> None:
    x = np.stack([synthetic_counts(4, seed=40 + i) for i in range(4)]).astype(float)
    for i, t in enumerate(_tie_windows(40)):
        x[i % 4, 100 + 60 * i : 107 + 60 * i] = t
    if with_nan:
        x[1, 3000:3100] = np.nan
    ref = np.stack([cole_kripke_minutes(row, rescoring=False) for row in x])
    centres = [(i % 4, 104 + 60 * i) for i in range(40)]
    # the rounding of D decides both ways at these ties
    assert {ref[r, c] for r, c in centres} == {0.0, 1.0}
    _same_as_per_recording(x)


def test_negative_counts_take_the_per_recording_arithmetic() -> None:
    x = np.stack([synthetic_counts(3, seed=7 + i) for i in range(3)]).astype(float)
    x[0, 500:520] = -40.0
    x[2, 900:950] = np.nan
    _same_as_per_recording(x)


def test_short_all_missing_and_fractional_rows() -> None:
    rng = np.random.default_rng(3)
    _same_as_per_recording(np.full((2, 30), np.nan))
    _same_as_per_recording(rng.random((3, 6)) * 10)
    _same_as_per_recording(rng.random((3, 7)) * 10)
    _same_as_per_recording(rng.random((3, 2000)) * rng.choice([1.0, 300.0], size=(3, 2000)))


def test_rescore_positions_are_webster_rescore() -> None:
    rng = np.random.default_rng(11)
    for _ in range(200):
        s = rng.choice([0.0, 1.0, np.nan], size=int(rng.integers(1, 300)), p=[0.4, 0.5, 0.1])
        code = (s == 1).view(np.int8) - np.isnan(s).view(np.int8)
        for compat in (None, "pyactigraphy"):
            idx = rescore_positions(code, compat=compat)
            out = s.copy()
            out[idx[s[idx] == 1]] = 0.0
            assert np.array_equal(out, webster_rescore(s, compat=compat), equal_nan=True)


def test_nights_many_takes_sleep_in_the_first_epoch_and_other_values_as_wake() -> None:
    rng = np.random.default_rng(5)
    states = np.repeat((rng.random((3, 400)) < 0.8).astype(float), 10, axis=1)
    states[:, 0] = 1.0
    states[1, 200:300] = np.nan
    states[2, 10:20] = 0.5
    utc0, off = 1_736_118_000, 3600
    t = nights_many(states, utc0, off)
    tz = dt.timezone(dt.timedelta(seconds=off))
    for i, row in enumerate(states):
        one = nights(row, utc0 * 10**9, 60 * 10**9, tz, min_bout=MIN_BOUT, max_gap=MAX_GAP)
        mine = t["subject"] == i
        assert mine.sum() == len(one) > 0
        for key in ("night", "onset_local", "offset_local", "midpoint_local", "duration_min"):
            assert np.array_equal(t[key][mine], getattr(one, key)), key
        for key in ("sleep_min", "waso_min", "missing_min", "n_episodes", "other_sleep_min"):
            assert np.array_equal(t[key][mine], getattr(one, key)), key


def test_free_mask_lookup_matches_isin() -> None:
    night = np.arange(19_000, 19_030)
    for days in ((5, 6), (), (0,), [6], (5, 6, 7), (5.0,), {1, 2}, (True,), (np.int64(5),)):
        weekday = (night + 4) % 7
        want = np.isin(weekday, list(days))
        assert np.array_equal(free_mask(night, days, ()), want), days
    holiday = dt.date(1970, 1, 1) + dt.timedelta(days=19_011)  # a Wednesday
    assert not free_mask(night, (5, 6), ())[10]
    assert free_mask(night, (5, 6), (holiday,))[10]
