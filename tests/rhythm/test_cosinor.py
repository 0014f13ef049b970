"""Cosinor and extended cosinor: analytic signals, statsmodels/scipy on the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ipsrt.rhythm import cosinor, extended_cosinor, panel, panel_many
from tests.helpers.awd import synthetic_counts


def series(values: np.ndarray, tz: str = "UTC") -> pd.Series:
    idx = pd.date_range("2025-01-06", periods=len(values), freq="min", tz=tz)
    return pd.Series(values, idx)


def test_cosinor_recovers_a_known_cosine() -> None:
    # Analytic: Y = 100 + 40 cos(2π (t - 15 h)/24 h): peak at 15:00 local.
    t = np.arange(5 * 1440) / 60.0
    y = 100 + 40 * np.cos(2 * np.pi * (t - 15) / 24)
    fit = cosinor(series(y))
    assert fit.mesor == pytest.approx(100)
    assert fit.amplitude == pytest.approx(40)
    assert fit.acrophase == pytest.approx(15 * 60)
    assert fit.acrophase_deg == pytest.approx(-225.0)  # Halberg: -360 * 15/24


def test_acrophase_is_local_clock_time_and_wraps_midnight() -> None:
    t = np.arange(4 * 1440) / 60.0
    y = 50 + 10 * np.cos(2 * np.pi * (t - 23.5) / 24)
    assert cosinor(series(y)).acrophase == pytest.approx(23.5 * 60)
    # the same instants viewed from New York (UTC-5): peak at 18:30 local
    s = series(y).tz_convert("America/New_York")
    assert cosinor(s).acrophase == pytest.approx(18.5 * 60)


def test_cosinor_skips_nan() -> None:
    t = np.arange(4 * 1440) / 60.0
    y = 100 + 40 * np.cos(2 * np.pi * (t - 15) / 24)
    y[1000:1500] = np.nan
    assert cosinor(series(y)).amplitude == pytest.approx(40)


def test_extended_cosinor_fits_a_square_wave_better() -> None:
    # Analytic: a square-ish log-activity curve; the anti-logistic fit beats
    # the cosine (pseudo-F > 0), its up/down mesor crossings bracket the peak.
    t = np.arange(4 * 1440) / 60.0
    c = np.cos(2 * np.pi * (t - 14) / 24)
    y = np.expm1(1 + 4 / (1 + np.exp(-8 * (c + 0.2))))
    fit = extended_cosinor(series(y))
    assert fit.acrotime == pytest.approx(14, abs=0.05)
    assert fit.alpha == pytest.approx(-0.2, abs=0.02)
    assert fit.beta == pytest.approx(8, rel=0.05)
    assert fit.up_mesor < fit.acrotime < fit.down_mesor
    assert fit.f_pseudo > 100
    assert -1 <= fit.alpha <= 1


# --- R² and the zero-amplitude F-test ------------------------------------------------------


def _hourly(values: np.ndarray) -> pd.Series:
    idx = pd.date_range("2025-01-06", periods=len(values), freq="h", tz="UTC")
    return pd.Series(values, idx)


def test_r2_and_f_test_of_an_analytic_signal() -> None:
    # Analytic: y = 10 + A cos(ωt - 2) + B cos(2ωt) sampled hourly over whole
    # days. The second harmonic is orthogonal to the first, so SS_model =
    # n A²/2, SS_res = n B²/2: R² = A²/(A² + B²), F = (n - 3) A² / (2 B²) and
    # p = (B²/(A² + B²))^((n - 3)/2) (Nelson et al. 1979; Cornelissen 2014).
    n, a, b = 48, 1.0, 2.0
    t = np.arange(n, dtype=float)
    w = 2 * np.pi / 24
    y = 10 + a * np.cos(w * t - 2) + b * np.cos(2 * w * t)
    fit = cosinor(_hourly(y))
    assert fit.n == n
    assert fit.r2 == pytest.approx(a**2 / (a**2 + b**2), rel=1e-12)
    assert fit.f_stat == pytest.approx((n - 3) * a**2 / (2 * b**2), rel=1e-12)
    assert fit.p_value == pytest.approx((b**2 / (a**2 + b**2)) ** ((n - 3) / 2), rel=1e-10)


def test_r2_and_p_match_statsmodels_ols_and_scipy_f() -> None:
    # Source: statsmodels OLS of y on (1, cos ωt, sin ωt) (rsquared, fvalue,
    # f_pvalue) and scipy.stats.f.sf(F, 2, n - 3), computed here on the same data.
    sm = pytest.importorskip("statsmodels.api")
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(2)
    n = 5 * 24
    t = np.arange(n, dtype=float)
    w = 2 * np.pi / 24
    for amp in (0.0, 0.3, 3.0):
        y = 5 + amp * np.cos(w * (t - 15)) + rng.normal(size=n)
        ols = sm.OLS(y, np.column_stack((np.ones(n), np.cos(w * t), np.sin(w * t)))).fit()
        fit = cosinor(_hourly(y))
        assert fit.r2 == pytest.approx(ols.rsquared, rel=1e-9)
        assert fit.f_stat == pytest.approx(ols.fvalue, rel=1e-9)
        assert fit.p_value == pytest.approx(ols.f_pvalue, rel=1e-9)
        assert fit.p_value == pytest.approx(stats.f.sf(fit.f_stat, 2, n - 3), rel=1e-9)


def test_panel_and_panel_many_report_the_same_r2_and_p() -> None:
    # the per-recording panel (profile path) against cosinor() (residual path)
    # and the batched panel_many, which must give the very same values
    x = np.stack([synthetic_counts(4, seed=70 + i).astype(float) for i in range(3)])
    x[1, 100:400] = np.nan
    x[2] = np.random.default_rng(1).poisson(40, x.shape[1])  # no rhythm: p far from 0
    idx = pd.date_range("2025-01-06", periods=x.shape[1], freq="min", tz="Europe/Berlin")
    many = panel_many(x, tz="Europe/Berlin", start="2025-01-06")
    for i, row in enumerate(x):
        one = panel(pd.Series(row, idx))
        fit = cosinor(pd.Series(row, idx))
        assert one["cosinor_r2"] == pytest.approx(fit.r2, rel=1e-9)
        assert one["cosinor_p"] == pytest.approx(fit.p_value, rel=1e-6, abs=1e-300)
        assert many.loc[i, "cosinor_r2"] == one["cosinor_r2"]
        assert many.loc[i, "cosinor_p"] == one["cosinor_p"]
    assert 0.01 < many.loc[2, "cosinor_p"] < 0.99


def test_zero_variance_and_three_values_have_no_test() -> None:
    flat = cosinor(_hourly(np.full(48, 7.0)))
    assert flat.mesor == pytest.approx(7.0)
    assert np.isnan(flat.r2)
    assert np.isnan(flat.p_value)
    three = cosinor(_hourly(np.array([1.0, np.nan, 2.0, 5.0] + [np.nan] * 20)))
    assert three.n == 3
    assert np.isnan(three.p_value)
    idx = pd.date_range("2025-01-06", periods=4 * 1440, freq="min", tz="UTC")
    out = panel(pd.Series(0.0, idx))
    assert np.isnan(out["cosinor_r2"])
    assert np.isnan(out["cosinor_p"])
    assert out["reasons"]["cosinor_r2"] == "activity has zero variance"


# --- extended cosinor: clock times -----------------------------------------------------------


def test_extended_cosinor_times_are_clock_times_across_midnight() -> None:
    # Analytic: a square-ish curve peaking at 00:30 with a wide active phase;
    # the upward MESOR crossing falls before midnight (phi - half < 0 h).
    t = np.arange(4 * 1440) / 60.0
    c = np.cos(2 * np.pi * (t - 0.5) / 24)
    y = np.expm1(1 + 4 / (1 + np.exp(-8 * (c + 0.5))))
    fit = extended_cosinor(series(y))
    half = 24 * np.arccos(fit.alpha) / (2 * np.pi)
    for value in (fit.acrotime, fit.up_mesor, fit.down_mesor):
        assert 0 <= value < 24
    assert fit.acrotime == pytest.approx(0.5, abs=0.05)
    assert fit.up_mesor == pytest.approx((0.5 - half) % 24, abs=1e-9)
    assert fit.down_mesor == pytest.approx((0.5 + half) % 24, abs=0.05)
    assert fit.up_mesor > 12  # the evening before: 0.5 - half is negative
