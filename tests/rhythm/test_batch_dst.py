"""panel_many across DST changes: the batch's own path, equal to panel subject by subject.

Sources of the expected values:

* :func:`ipsrt.rhythm.panel` of each subject's Series, which across a UTC-offset
  change takes the reference formulas (``nonparametric_figures``, bins of each
  constant-offset segment on its local clock; SRI pairs by clock reading),
  held to the same 1e-12 relative as ``test_batch.py``
  (``tests.helpers.panels``; onsets, night counts and reasons exactly);
* analytic signals that are functions of the local clock only (every local
  day the same, whatever its length): IS = 1 (the weighted IS of
  ``docs/rhythm.md`` keeps a perfect repeat at 1 with 23- and 25-h days), the
  cosinor of :math:`100 + 50\\cos(2\\pi(h - 15)/24)` (mesor 100, amplitude 50,
  peak at 15:00 = 900 min, R² = 1), L5/M10 onsets at 00:30 and 10:00 (the
  windows centred on the trough at 03:00 and the peak at 15:00, the first of
  the two tied windows), SRI = 100 and one sleep onset clock time (23:04)
  every night for a night that is the same on the local clock every day.

``test_a_batch_ignoring_dst_fails_these_checks`` runs the same checks on a
batch that treats every local day as 1440 minutes and requires them to fail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import ipsrt.rhythm.batch as batch_mod
from ipsrt.rhythm import panel, panel_many
from ipsrt.rhythm.local_days import LocalDays
from tests.helpers.awd import synthetic_counts
from tests.helpers.panels import assert_same_panel

#: (zone, first local midnight, days): around spring and autumn changes, across
#: both, starting and ending on a change day
SPRING_AUTUMN = [
    ("Europe/Berlin", "2025-03-26", 9.0),  # 2025-03-30: 02:00 -> 03:00
    ("Europe/Berlin", "2025-10-22", 9.0),  # 2025-10-26: 03:00 -> 02:00
    ("America/New_York", "2025-03-05", 9.0),  # 2025-03-09
    ("America/New_York", "2025-10-29", 9.0),  # 2025-11-02
    ("Europe/Berlin", "2025-03-30", 8.0),  # starts on the 23-h day
    ("Europe/Berlin", "2025-10-19", 8.0),  # ends on the 25-h day (23:00 local)
    ("America/New_York", "2025-03-02", 7.2),  # ends on the 23-h day (05:48 local)
    ("America/New_York", "2025-11-02", 8.5),  # starts on the 25-h day
    ("Europe/Berlin", "2025-10-20", 70.0),  # ten weeks from autumn into winter
]


def _varied(days: float, seed: int, n_subjects: int = 5) -> np.ndarray:
    """Rhythmic and noisy subjects, with gaps (some across 01:30-03:30, where the clock changes)."""
    x = np.stack(
        [
            synthetic_counts(days, seed=seed + i, jitter_minutes=15 + 10 * i)
            for i in range(n_subjects)
        ]
    ).astype(float)
    n = x.shape[1]
    rng = np.random.default_rng(seed)
    for i in range(1, n_subjects):
        if i % 4 == 1:  # a missing stretch across 01:30-03:30 of every 3rd day, and a long one
            for day in range(0, int(days), 3):
                x[i, day * 1440 + 90 : day * 1440 + 210] = np.nan
            x[i, n // 3 : n // 3 + 2000] = np.nan
        elif i % 4 == 2:  # noise, scattered missing minutes
            x[i] = rng.poisson(35, n)
            x[i, rng.random(n) < 0.002] = np.nan
        elif i % 4 == 3:  # sparse
            x[i] = np.where(rng.random(n) < 0.05, rng.integers(1, 30, n), 0)
    return x


def _check(x: np.ndarray, tz: str, start: str, epoch_s: int = 60, **kw: Any) -> pd.DataFrame:
    df = panel_many(x, tz=tz, start=start, epoch_s=epoch_s, **kw)
    idx = pd.date_range(start, periods=x.shape[1], freq=f"{epoch_s}s", tz=tz)
    for i in range(x.shape[0]):
        ref = panel(pd.Series(x[i], idx), **kw)
        assert_same_panel(ref, df.iloc[i].to_dict(), f"{tz} {start} subject {i}")
    return df


@pytest.fixture
def no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """panel_many must not hand a subject to the per-recording panel."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("panel_many fell back to the per-recording panel")

    monkeypatch.setattr(batch_mod, "_per_subject", refuse)
    monkeypatch.setattr(batch_mod, "panel", refuse)


@pytest.mark.usefixtures("no_fallback")
@pytest.mark.parametrize(("tz", "start", "days"), SPRING_AUTUMN)
def test_random_recordings_across_a_change_equal_panel(tz: str, start: str, days: float) -> None:
    _check(_varied(days, seed=sum(map(ord, tz + start))), tz, start)


@pytest.mark.usefixtures("no_fallback")
def test_one_recording_across_both_changes_equals_panel() -> None:
    # 2025-03-27 .. 2025-11-05: the 23-h and the 25-h day in one recording,
    # 7-day blocks shifted by an hour after each
    for tz in ("Europe/Berlin", "America/New_York"):
        _check(_varied(223.0, seed=11, n_subjects=2), tz, "2025-03-27")


@pytest.mark.usefixtures("no_fallback")
def test_cohorts_without_a_missing_epoch_equal_panel() -> None:
    # no NaN at all: the batch holds the cells a change leaves empty as 0
    # (known positions) instead of NaN, a path of its own
    for tz, start, days in [*SPRING_AUTUMN[:4], ("Europe/Berlin", "2025-03-27", 223.0)]:
        x = _varied(days, seed=21, n_subjects=4)[[0, 2, 3]]
        x[1] = np.random.default_rng(2).poisson(35, x.shape[1])
        if days > 100:
            # flat noise over 223 days has RA ~ 1e-3, whose last digits differ
            # from the reference's by 2e-12 without any DST too (UTC): not here
            x = x[[0, 2]]
        assert not np.isnan(x).any()
        _check(x, tz, start)
        _check(x[:1], tz, start)


@pytest.mark.usefixtures("no_fallback")
def test_thirty_second_epochs_and_options_across_a_change() -> None:
    x = np.repeat(_varied(9.0, seed=5, n_subjects=3), 2, axis=1) / 2.0
    _check(x, "Europe/Berlin", "2025-03-26", epoch_s=30)
    _check(x[:, : 8 * 2880], "America/New_York", "2025-10-29", epoch_s=30, blocks=False)
    _check(_varied(9.0, seed=6, n_subjects=2), "Europe/Berlin", "2025-10-22", min_days=8.5)


@pytest.mark.usefixtures("no_fallback")
def test_half_hour_change_and_a_skipped_day() -> None:
    # Lord Howe moves its clock by 30 min (bins of 45 or 48 min are cut by the
    # change); Samoa skipped 2011-12-30 (a day with no cell filled)
    _check(_varied(10.0, seed=7, n_subjects=2), "Australia/Lord_Howe", "2025-04-01")
    _check(_varied(10.0, seed=8, n_subjects=2), "Australia/Lord_Howe", "2025-09-30")
    _check(_varied(10.0, seed=9, n_subjects=2), "Pacific/Apia", "2011-12-25")


def _local_hours(tz: str, start: str, n: int) -> np.ndarray:
    idx = pd.date_range(start, periods=n, freq="min", tz=tz)
    return np.asarray(idx.hour + idx.minute / 60.0, dtype=float)


def _cosine(tz: str, start: str, days: float) -> np.ndarray:
    h = _local_hours(tz, start, round(days * 1440))
    return 100.0 + 50.0 * np.cos(2 * np.pi * (h - 15.0) / 24.0)


def _nights(tz: str, start: str, days: float) -> np.ndarray:
    """Active 07:00-23:00 local (a cosine), still (0) 23:00-07:00; missing up to the first noon."""
    h = _local_hours(tz, start, round(days * 1440))
    x = np.where((h >= 7) & (h < 23), 100.0 + 50.0 * np.cos(2 * np.pi * (h - 15) / 24), 0.0)
    x[: 12 * 60] = np.nan  # no night cut by the start: every night starts at 23:xx
    return x


def _analytic_checks(tz: str, start: str, days: float) -> None:
    x = np.stack([_cosine(tz, start, days), _nights(tz, start, days)])
    df = _check(x, tz, start)
    night = df.iloc[1]
    cos = _check(x[:1], tz, start).iloc[0]  # alone: a cohort without a missing epoch
    assert cos["IS"] == pytest.approx(1.0, rel=1e-12)
    assert cos["ISp"] == pytest.approx((1.0,) * len(cos["ISp"]), rel=1e-12)
    assert cos["cosinor_mesor"] == pytest.approx(100.0, rel=1e-12)
    assert cos["cosinor_amplitude"] == pytest.approx(50.0, rel=1e-12)
    assert cos["cosinor_acrophase"] == pytest.approx(900.0, rel=1e-12)
    assert cos["cosinor_r2"] == pytest.approx(1.0, rel=1e-12)
    assert (cos["L5_onset"], cos["M10_onset"]) == (30.0, 600.0)
    assert night["SRI"] == 100.0
    # Cole-Kripke puts every onset 4 min after the counts stop (its window
    # reaches 4 min back), the same clock time each night: 23:04
    assert night["sleep_onset_mean"] == pytest.approx(23 * 60 + 4, abs=1e-9)
    assert night["sleep_onset_sd"] == pytest.approx(0.0, abs=1e-4)


@pytest.mark.usefixtures("no_fallback")
@pytest.mark.parametrize(
    ("tz", "start", "days"),
    [
        ("Europe/Berlin", "2025-03-24", 15.0),
        ("Europe/Berlin", "2025-10-20", 15.0),
        ("America/New_York", "2025-03-03", 15.0),
        ("America/New_York", "2025-10-27", 15.0),
    ],
)
def test_signals_of_the_local_clock_give_their_known_values(
    tz: str, start: str, days: float
) -> None:
    _analytic_checks(tz, start, days)


def _ignoring_dst(utc0: int, n: int, epoch_s: int, tz: object) -> LocalDays:
    """A wrong layout: every local day 1440 minutes, one offset (what the checks must catch)."""
    per_day = 86_400 // epoch_s
    one = np.zeros(1, dtype=np.int64)
    return LocalDays(epoch_s, per_day, -(-n // per_day), utc0, one, one, np.array([n]), one, one)


@pytest.mark.parametrize(
    "run",
    [
        lambda: _analytic_checks("Europe/Berlin", "2025-03-24", 15.0),
        lambda: _analytic_checks("America/New_York", "2025-10-27", 15.0),
        lambda: _check(_varied(9.0, seed=3), "Europe/Berlin", "2025-03-26"),
        lambda: _check(_varied(9.0, seed=4), "America/New_York", "2025-10-29"),
    ],
)
def test_a_batch_ignoring_dst_fails_these_checks(
    monkeypatch: pytest.MonkeyPatch, run: Callable[[], None]
) -> None:
    monkeypatch.setattr(batch_mod, "local_days", _ignoring_dst)
    with pytest.raises(AssertionError):
        run()


def test_dst_recordings_do_not_go_through_panel(
    monkeypatch: pytest.MonkeyPatch, no_fallback: None
) -> None:
    # the per-recording path raises (fixture): a year in Berlin, 30-s epochs,
    # compat mode and a recording in New York all stay in the batch
    x = np.stack([synthetic_counts(365, seed=i) for i in range(2)]).astype(float)
    assert len(panel_many(x, tz="Europe/Berlin", start="2025-01-01")) == 2
    half = np.repeat(x[:, : 20 * 1440], 2, axis=1) / 2.0
    assert len(panel_many(half, tz="Europe/Berlin", start="2025-03-20", epoch_s=30)) == 2
    assert len(panel_many(x, tz="America/New_York", start="2025-01-01", compat="pyactigraphy")) == 2
