"""Cole-Kripke codes: the exact decision at D = 1, many rows at once, runs and nights.

Source of the expected states: the rule of Cole et al. 1992 (D < 1 sleep,
D >= 1 wake) evaluated in exact rational arithmetic in the test itself
(:class:`fractions.Fraction`), as ``docs/sleep.md`` ("Cole-Kripke: the
decision at the threshold") states it.
"""

from __future__ import annotations

import datetime as dt
import functools
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from ipsrt.rhythm.batch_sleep import cole_kripke_many, nights_many
from ipsrt.rhythm.cole_kripke_codes import CK_SETTINGS, codes_to_states, sleep_codes
from ipsrt.rhythm.nightly_sleep import free_mask, nights
from ipsrt.rhythm.sleep_scoring import cole_kripke, cole_kripke_minutes
from ipsrt.rhythm.sleep_timing import DEFAULT_MAX_GAP_MINUTES as MAX_GAP
from ipsrt.rhythm.sleep_timing import DEFAULT_MIN_BOUT_MINUTES as MIN_BOUT
from ipsrt.rhythm.webster import rescore_positions, webster_rescore
from tests.helpers.awd import synthetic_counts

WEIGHTS = (106, 54, 58, 76, 230, 74, 67)


@functools.cache
def _all_ties() -> np.ndarray:
    """Whole-count windows (0..119) with sum W_k a_k = 30000 exactly."""
    rng = np.random.default_rng(0)
    g = rng.integers(0, 120, size=(3_000_000, 7)).astype(float)
    return g[(g @ np.asarray(WEIGHTS, dtype=float)) == 30000]


def _tie_windows(count: int) -> np.ndarray:
    assert len(_all_ties()) >= count
    return _all_ties()[:count].copy()


def _exact_states(
    row: np.ndarray, weights: tuple[int, ...] = WEIGHTS, cut: Fraction = Fraction(30000)
) -> np.ndarray:
    """D < 1 of every window t-4..t+2 in rational arithmetic; NaN without a whole window."""
    exact = [
        None if np.isnan(v) else (int(v) if v.is_integer() else Fraction(v)) for v in row.tolist()
    ]
    out = np.full(row.size, np.nan)
    for t in range(4, row.size - 2):
        win = exact[t - 4 : t + 3]
        if any(v is None for v in win):
            continue
        total = sum(v * w for v, w in zip(win, weights, strict=True))  # type: ignore[operator]
        out[t] = 1.0 if total < cut else 0.0
    return out


def _same_as_per_recording(x: np.ndarray) -> None:
    got = cole_kripke_many(x)
    code = sleep_codes(x)
    assert (code[:, -1] == -1).all()
    assert np.array_equal(codes_to_states(code)[:, : x.shape[1]], got, equal_nan=True)
    for i in range(x.shape[0]):
        unrescored = cole_kripke_minutes(x[i], rescoring=False)
        assert np.array_equal(unrescored, _exact_states(x[i]), equal_nan=True), i
        assert np.array_equal(got[i], webster_rescore(unrescored), equal_nan=True), i
        assert np.array_equal(got[i], cole_kripke_minutes(x[i]), equal_nan=True), i


@pytest.mark.parametrize("with_nan", [False, True])
def test_whole_count_ties_at_d_equal_1_are_wake(with_nan: bool) -> None:
    # S = sum W_k a_k = 30000 is D = 0.001 * 30000 / 30 = 1 exactly: wake;
    # the old float arithmetic scored some of these windows sleep.
    x = np.stack([synthetic_counts(4, seed=40 + i) for i in range(4)]).astype(float)
    ties = _tie_windows(40)
    for i, t in enumerate(ties):
        x[i % 4, 100 + 60 * i : 107 + 60 * i] = t
    if with_nan:
        x[1, 3000:3100] = np.nan
    ref = np.stack([cole_kripke_minutes(row, rescoring=False) for row in x])
    assert {ref[i % 4, 104 + 60 * i] for i in range(40)} == {0.0}
    _same_as_per_recording(x)


def test_one_count_less_than_a_tie_is_sleep_and_the_series_api_agrees() -> None:
    tie = _tie_windows(1)[0]
    below = tie.copy()
    below[0] -= 1  # S = 30000 - 106
    idx = pd.date_range("2024-01-01", periods=7, freq="min", tz="UTC")
    assert cole_kripke(pd.Series(tie, idx), rescoring=False).iloc[4] == 0.0
    assert cole_kripke(pd.Series(below, idx), rescoring=False).iloc[4] == 1.0


def test_other_settings_divisors_and_thresholds_are_exact() -> None:
    # K = threshold * divisor / P: whole sums equal to K are wake, K - 1 sleep
    rng = np.random.default_rng(4)
    for name, setting in CK_SETTINGS.items():
        w = np.asarray(setting.weights, dtype=float)
        for divisor, threshold in ((1.0, 1.0), (30.0, 0.5), (100.0, 1.0)):
            cut = Fraction(threshold) * Fraction(divisor) * setting.scale_inverse
            # counts whose window sums scatter around K
            top = max(3, int(2 * float(cut) / w.sum()))
            x = rng.integers(0, top, size=(1, 8000)).astype(float)
            # exact ties: set one epoch of a window so that S = K where it can
            ties = 0
            for t in range(4, 7998, 8):
                win = x[0, t - 4 : t + 3]
                for k in range(7):
                    need = (float(cut) - float(win @ w - win[k] * w[k])) / w[k]
                    if need >= 0 and need == int(need):
                        win[k] = need
                        ties += 1
                        break
            assert ties > 0, (name, divisor, threshold)
            code = sleep_codes(
                x, setting=setting, divisor=divisor, threshold=threshold, rescoring=False
            )
            want = _exact_states(x[0], setting.weights, cut)
            assert np.array_equal(codes_to_states(code[0, :8000]), want, equal_nan=True), name


def test_fractional_counts_are_decided_in_rational_arithmetic() -> None:
    # windows scaled to S within 1e-12 of 30000: the float sum may fall either
    # side; the exact value of the given doubles decides
    rng = np.random.default_rng(9)
    w = np.asarray(WEIGHTS, dtype=float)
    x = rng.random((2, 3000)) * 50
    for t in range(4, 2998, 8):
        for r in range(2):
            win = x[r, t - 4 : t + 3]
            x[r, t - 4 : t + 3] = win * (30000 / float(win @ w)) * (1 + rng.normal() * 1e-15)
    _same_as_per_recording(x)


def test_negative_counts_are_decided_exactly_too() -> None:
    x = np.stack([synthetic_counts(3, seed=7 + i) for i in range(3)]).astype(float)
    x[0, 500:520] = -40.0
    # a tie with a negative count: +134 at W = 106 and -212 at W = 67 keep S = 30000
    x[0, 600:607] = _tie_windows(1)[0] + np.array([134, 0, 0, 0, 0, 0, -212])
    assert x[0, 606] < 0
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
        for compat, reading in ((None, "stretch"), (None, "run"), ("pyactigraphy", "stretch")):
            idx = rescore_positions(code, compat=compat, surrounded=reading)  # type: ignore[arg-type]
            out = s.copy()
            out[idx[s[idx] == 1]] = 0.0
            want = webster_rescore(s, compat=compat, surrounded=reading)  # type: ignore[arg-type]
            assert np.array_equal(out, want, equal_nan=True)


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
        mine = t.subject == i
        assert mine.sum() == len(one) > 0
        for key in ("night", "onset_local", "offset_local", "midpoint_local", "duration_min"):
            assert np.array_equal(getattr(t, key)[mine], getattr(one, key)), key
        for key in ("sleep_min", "waso_min", "missing_min", "n_episodes", "other_sleep_min"):
            assert np.array_equal(getattr(t, key)[mine], getattr(one, key)), key


def test_free_mask_lookup_matches_isin() -> None:
    night = np.arange(19_000, 19_030)
    for days in ((5, 6), (), (0,), [6], (5, 6, 7), (5.0,), {1, 2}, (True,), (np.int64(5),)):
        weekday = (night + 4) % 7
        want = np.isin(weekday, list(days))
        assert np.array_equal(free_mask(night, days, ()), want), days
    holiday = dt.date(1970, 1, 1) + dt.timedelta(days=19_011)  # a Wednesday
    assert not free_mask(night, (5, 6), ())[10]
    assert free_mask(night, (5, 6), (holiday,))[10]
