"""Lagged Spearman correlations and the mixed model (synthetic signals with a known lag)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ipsrt.linkage import lagged_spearman, midpoint_deviation, mixed_model


def _client(seed, n=90, lag=2, name="c1", offset=0.0):
    rng = np.random.default_rng(seed)
    sleep = 420 + 60 * rng.standard_normal(n + lag)
    mood = offset + np.clip(np.round(-(sleep[:n] - 420) / 40 + 0.3 * rng.standard_normal(n)), -5, 5)
    # mood on day t + lag follows sleep on day t (feature leads)
    dates = pd.date_range("2024-01-01", periods=n + lag)
    return pd.DataFrame(
        {
            "client": name,
            "date": dates,
            "sleep_duration_min": sleep,
            "mood": np.concatenate([np.full(lag, np.nan), mood]),
        }
    )


def test_recovers_lag_plus_two_as_strongest():
    out = lagged_spearman(_client(1), ["sleep_duration_min"])
    best = out.loc[out["rho"].abs().idxmax()]
    assert best["lag"] == 2
    assert best["rho"] < -0.8
    assert set(out["lag"]) == set(range(-7, 8))


def test_missing_days_do_not_shift_pairs_and_min_pairs():
    daily = _client(2).drop(index=[10, 11, 40])  # gaps in the calendar
    out = lagged_spearman(daily, ["sleep_duration_min"])
    assert out.loc[out["rho"].abs().idxmax(), "lag"] == 2
    short = lagged_spearman(_client(3, n=12), ["sleep_duration_min"])
    assert short["rho"].isna().all()
    assert (short["reason"] == "too_few_pairs").all()
    assert (short["n"] < 14).all()


def test_first_and_last_day_used():
    out = lagged_spearman(_client(4), ["sleep_duration_min"], lags=[2])
    row = out.iloc[0]
    assert row["n"] == 90
    assert str(row["first_date"]) == "2024-01-01"
    assert str(row["last_date"]) == "2024-03-30"


def test_mixed_model_finds_negative_slope():
    daily = pd.concat([_client(s, lag=0, name=f"c{s}", offset=s % 3 - 1) for s in range(6)])
    table = mixed_model(daily, "sleep_duration_min").set_index("term")
    row = table.loc["sleep_duration_min"]
    assert row["coef"] == pytest.approx(-1 / 40, rel=0.2)
    assert row["ci_low"] < row["coef"] < row["ci_high"]
    assert row["n_clients"] == 6
    assert row["n_obs"] == 6 * 90
    one = mixed_model(_client(1, lag=0), "sleep_duration_min")
    assert one["coef"].isna().all()
    assert (one["reason"] == "too_few_clients").all()


def test_midpoint_deviation_is_circular():
    idx = pd.date_range("2024-01-01", periods=10)
    mids = pd.Series([1430.0, 10.0] * 4 + [1430.0, 120.0], index=idx)
    dev = midpoint_deviation(mids, window=8, min_days=7)
    assert np.isnan(dev.iloc[6])
    assert dev.iloc[9] == pytest.approx(120.0, abs=0.5)
