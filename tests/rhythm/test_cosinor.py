"""Cosinor and extended cosinor on analytic signals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ipsrt.rhythm import cosinor, extended_cosinor


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
    assert -3 <= fit.acrotime <= 27
