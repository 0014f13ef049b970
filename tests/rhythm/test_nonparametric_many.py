"""The fast path (nonparametric_many) against the reference (nonparametric_figures).

Source of the expected values: :func:`ipsrt.rhythm.nonparametric_figures.nonparametric_figures`,
every figure straight from the formulas of ``docs/rhythm.md`` (itself checked
against analytic signals and worked examples in ``test_nonparametric.py`` and
against pyActigraphy 1.2.2 in ``test_panel.py``). Hypothesis draws the
recordings: several subjects sharing a start and a length, whole-number
counts of several shapes, NaN runs, whole missing days, missing first and
last epochs, several epoch lengths and starts, both modes. Every figure must
agree to 1e-9 relative, onsets, block counts and reasons exactly.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipsrt.rhythm.epochs import DAY_S, prepare
from ipsrt.rhythm.nonparametric import params_for
from ipsrt.rhythm.nonparametric_figures import nonparametric_figures
from ipsrt.rhythm.nonparametric_many import fast_path_applies, nonparametric_many

REL = 1e-9
#: working epochs the fast path takes: default mode (30 s is summed into minutes)
DEFAULT_EPOCHS = (30, 60, 120, 300)
COMPAT_EPOCHS = (15, 30, 60)
ZONES = ("UTC", "Europe/Berlin", "America/New_York")


def _counts(rng: np.random.Generator, kind: str, n: int, per_day: int) -> np.ndarray:
    """Whole-number counts of one of several shapes."""
    t = np.arange(n) % per_day / per_day
    if kind == "rhythm":
        mean = 200 * np.clip(np.sin(2 * np.pi * (t - 0.3)), 0, None) + 5
        return rng.poisson(mean).astype(float)
    if kind == "noise":
        return rng.integers(0, 1000, n).astype(float)
    if kind == "sparse":
        return np.where(rng.random(n) < 0.05, rng.integers(1, 30, n), 0).astype(float)
    if kind == "binary":
        return rng.integers(0, 2, n).astype(float) * 5  # around the compat threshold of 4
    if kind == "high_flat":
        return 3000 + rng.integers(0, 3, n).astype(float)  # large mean, tiny variance
    return np.full(n, 7.0)  # constant: IS/IV undefined


@st.composite
def cohorts(draw: st.DrawFn, compat: bool) -> dict[str, Any]:
    epoch_s = draw(st.sampled_from(COMPAT_EPOCHS if compat else DEFAULT_EPOCHS))
    per_day = DAY_S // epoch_s
    days = draw(st.floats(1.0, 16.0))
    n = max(2, int(days * per_day))
    start_epoch = draw(st.integers(0, per_day - 1))
    subjects = []
    for i in range(draw(st.integers(1, 3))):
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        kind = draw(
            st.sampled_from(["rhythm", "rhythm", "noise", "sparse", "binary", "high_flat", "flat"])
        )
        x = _counts(rng, kind, n, per_day)
        for _ in range(draw(st.integers(0, 4))):  # NaN runs
            a = draw(st.integers(0, n - 1))
            x[a : a + draw(st.integers(1, per_day // 3))] = np.nan
        if draw(st.booleans()):  # a whole missing local day
            d = draw(st.integers(0, n // per_day))
            x[d * per_day : (d + 1) * per_day] = np.nan
        x[: draw(st.integers(0, 3))] = np.nan  # missing first epochs
        x[n - draw(st.integers(0, 3)) :] = np.nan  # missing last epochs
        if draw(st.integers(0, 9)) == 0 and i:
            x[:] = np.nan  # a subject without any data
        subjects.append(x)
    return {
        "epoch_s": epoch_s,
        "start": pd.Timestamp("2025-01-06") + pd.Timedelta(seconds=start_epoch * epoch_s),
        "tz": draw(st.sampled_from(ZONES)),
        "x": np.stack(subjects),
        "min_days": draw(st.sampled_from([None, 0.0, 1.0])),
    }


def _same(ref: Any, got: Any) -> bool:
    if isinstance(ref, tuple):
        return len(ref) == len(got) and all(_same(a, b) for a, b in zip(ref, got, strict=True))
    if math.isnan(ref) or math.isnan(got):
        return math.isnan(ref) and math.isnan(got)
    return bool(got == pytest.approx(ref, rel=REL, abs=0))


def _check(c: dict[str, Any], compat: str | None) -> None:
    prm = params_for(compat, min_days=c["min_days"])
    idx = pd.date_range(
        c["start"].tz_localize(c["tz"]), periods=c["x"].shape[1], freq=f"{c['epoch_s']}s"
    )
    prepared = [prepare(pd.Series(row, idx), compat=compat is not None) for row in c["x"]]
    p0 = prepared[0]
    assert fast_path_applies(p0.epoch_s, p0.seg_starts.size == 1, prm)
    first_tod = int((p0.wall[0] % DAY_S) // p0.epoch_s)
    values = np.stack([p.values for p in prepared])
    many = nonparametric_many(values, epoch_s=p0.epoch_s, first_tod=first_tod, prm=prm)
    for i, (got, got_why) in enumerate(many.figures_and_reasons()):
        ref, ref_why = nonparametric_figures(prepared[i], prm)
        assert set(got) == set(ref)
        for key, want in ref.items():
            if key.endswith("_onset"):
                assert (np.isnan(want) and np.isnan(got[key])) or got[key] == want, (i, key)
            else:
                assert _same(want, got[key]), (i, key, want, got[key])
        assert got_why == ref_why, i


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts(compat=False))
def test_default_mode_fast_path_equals_reference(c: dict[str, Any]) -> None:
    _check(c, None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts(compat=True))
def test_compat_mode_fast_path_equals_reference(c: dict[str, Any]) -> None:
    _check(c, "pyactigraphy")


def test_fast_path_refuses_what_the_reference_must_do() -> None:
    # a UTC-offset change (default mode) and an epoch that does not divide
    # the 3-min bin (compat mode): the panel takes the reference for these
    assert not fast_path_applies(60, False, params_for(None))
    assert fast_path_applies(60, False, params_for("pyactigraphy"))
    assert not fast_path_applies(120, True, params_for("pyactigraphy"))
    with pytest.raises(ValueError, match="does not take"):
        nonparametric_many(
            np.ones((1, 10)), epoch_s=120, first_tod=0, prm=params_for("pyactigraphy")
        )


def test_a_small_l5_among_loud_days_keeps_its_digits() -> None:
    # Analytic case: 7 days of 9999 counts a minute, 6 h of rest from noon
    # at 0 but for one count of 1. L5 = 1 / 7 / 300 counts per minute,
    # about 1e-10 of the day's total: a window sum taken as a difference of
    # cumulative sums (about 7e6 at noon) would keep only a few of its digits.
    day = np.full(1440, 9999.0)
    day[720:1080] = 0.0
    x = np.tile(day, 7)
    x[2 * 1440 + 800] = 1.0
    idx = pd.date_range("2025-01-06", periods=x.size, freq="min", tz="UTC")
    p = prepare(pd.Series(x, idx))
    prm = params_for(None)
    got = nonparametric_many(x[None, :], epoch_s=60, first_tod=0, prm=prm)
    fig = got.figures_and_reasons()[0][0]
    ref = nonparametric_figures(p, prm)[0]
    assert ref["L5"] == pytest.approx(1 / 7 / 300, rel=1e-12)
    assert fig["L5"] == pytest.approx(ref["L5"], rel=1e-12, abs=0)
    assert fig["L5_onset"] == ref["L5_onset"]
