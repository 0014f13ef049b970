"""Tests for ipsrt.rhythm.sleep_scoring (Cole-Kripke, Webster, Sadeh, sleep_wake).

Reference sources: the worked examples of docs/sleep.md (Cole-Kripke
D = 1.132, Sadeh PS = 2.54), Webster's rules as listed there, and pyActigraphy
1.2.2 epochs stored in tests/data/pyactigraphy/sleep_*.json by
tests/data/pyactigraphy/generate_sleep.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ipsrt.errors import InvalidInputError
from ipsrt.rhythm.sleep_scoring import (
    CK_SETTINGS,
    cole_kripke,
    minute_counts,
    sadeh,
    sadeh_ps,
    sleep_wake,
    webster_rescore,
)
from tests.helpers.awd import synthetic_counts

DATA = Path(__file__).resolve().parents[1] / "data" / "pyactigraphy"


def series(values, *, start="2024-01-01 00:00", freq="min", tz="UTC") -> pd.Series:
    idx = pd.date_range(start, periods=len(values), freq=freq, tz=tz)
    return pd.Series(np.asarray(values, dtype=float), index=idx)


# --- worked examples (docs/sleep.md, "Sleep/wake scoring") ---------------------------


def test_cole_kripke_worked_example_is_wake() -> None:
    # A(-4..+2) = 0, 0, 5, 2, 3, 0, 0 -> D = 0.001 * (58*5 + 76*2 + 230*3) = 1.132
    # (A given as mean activity per 2-s epoch, so divisor=1)
    out = cole_kripke(series([0, 0, 5, 2, 3, 0, 0]), rescoring=False, divisor=1)
    assert out.iloc[4] == 0.0
    # one count less at the centre gives D = 0.902 -> sleep
    assert cole_kripke(series([0, 0, 5, 2, 2, 0, 0]), rescoring=False, divisor=1).iloc[4] == 1.0


def test_cole_kripke_mean_setting_divides_minute_totals_by_30() -> None:
    # 1-min totals 30 times the worked example are the worked example
    out = cole_kripke(series([0, 0, 150, 60, 90, 0, 0]), rescoring=False)
    assert out.iloc[4] == 0.0
    assert cole_kripke(series([0, 0, 150, 60, 60, 0, 0]), rescoring=False).iloc[4] == 1.0


def test_sadeh_worked_example_ps() -> None:
    window = np.array([0, 0, 0, 10, 60, 20, 0, 0, 0, 0, 0], dtype=float)
    ps = sadeh_ps(window, compat=False)
    assert ps[5] == pytest.approx(2.54, abs=0.005)
    assert sadeh(series(window)).iloc[5] == 1.0


def test_sadeh_compat_quirks_nat_bound_and_next_epoch_log() -> None:
    # NAT: 50 counts is "active" in the paper (50 <= A < 100), not in pyActigraphy
    window = np.array([0, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0], dtype=float)
    text = sadeh_ps(window, compat=False)[5]
    compat = sadeh_ps(window, compat=True)[5]
    # textbook: NAT = 1 and ln(0 + 1) = 0; compat: NAT = 0, log of the next epoch (0)
    assert text - compat == pytest.approx(-1.08)
    # log term uses A(t+1) in compat mode
    window2 = np.array([0] * 6 + [20] + [0] * 5, dtype=float)
    d_text = sadeh_ps(window2, compat=False)
    d_compat = sadeh_ps(window2, compat=True)
    assert d_compat[5] - d_text[5] == pytest.approx(-0.703 * np.log(21))


# --- Webster rescoring ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # (a) >= 4 min wake -> next 1 min of sleep becomes wake
        ([0] * 4 + [1] * 5, [0] * 5 + [1] * 4),
        ([1] * 2 + [0] * 3 + [1] * 5, [1] * 2 + [0] * 3 + [1] * 5),
        # (b) >= 10 min wake -> next 3 min
        ([0] * 10 + [1] * 8, [0] * 13 + [1] * 5),
        # (c) >= 15 min wake -> next 4 min
        ([0] * 15 + [1] * 8, [0] * 19 + [1] * 4),
        # (d) <= 6 min sleep between >= 10 min wake (pyActigraphy's 10, not 15)
        ([1] * 20 + [0] * 10 + [1] * 6 + [0] * 10 + [1] * 20, None),
        # (e) <= 10 min sleep between >= 20 min wake
        ([1] * 20 + [0] * 20 + [1] * 10 + [0] * 20 + [1] * 20, None),
    ],
)
def test_webster_rules(scores: list[int], expected: list[int] | None) -> None:
    out = webster_rescore(scores)
    if expected is None:  # the middle stretch of sleep becomes wake
        arr = np.asarray(scores)
        middle = np.arange(arr.size)
        first_wake = np.flatnonzero(arr == 0)
        inside = (middle > first_wake[0]) & (middle < first_wake[-1])
        assert (out[inside] == 0).all()
        assert out[-1] == 1  # sleep after the second wake run is only cut by (a)-(c)
    else:
        assert out.tolist() == expected


def test_webster_rule_d_needs_ten_minutes_each_side() -> None:
    scores = [1] * 20 + [0] * 9 + [1] * 6 + [0] * 10 + [1] * 20
    out = webster_rescore(scores)
    # 9 min of wake before: (d) does not apply, only (a) cuts the first epoch
    assert out[29] == 0
    assert out[30:35].tolist() == [1] * 5


def test_webster_short_run_textbook_vs_pyactigraphy() -> None:
    # 2 min of sleep after 10 min of wake: rule (b) rescores "the next 3 min"
    scores = [1] * 5 + [0] * 10 + [1] * 2 + [0] * 2 + [1] * 10
    textbook = webster_rescore(scores)
    compat = webster_rescore(scores, compat="pyactigraphy")
    assert textbook[15:17].tolist() == [0, 0]
    assert compat[15:17].tolist() == [0, 1]  # only rule (a) touches a run shorter than 3


def test_webster_rules_d_e_stretch_and_single_run_readings() -> None:
    # Worked example of docs/sleep.md: 10 wake, 2 sleep, 1 wake, 2 sleep, 10 wake.
    # "stretch": the 5 min between the two 10-min wake runs become wake (d);
    # "run": no 2-min run has 10 min of wake on both sides, so only rule (b)
    # (3 min after 10 min of wake) touches the first run.
    scores = [1] * 20 + [0] * 10 + [1, 1, 0, 1, 1] + [0] * 10 + [1] * 20
    stretch = webster_rescore(scores)
    run = webster_rescore(scores, surrounded="run")
    assert stretch[30:35].tolist() == [0] * 5
    assert run[30:35].tolist() == [0, 0, 0, 1, 1]
    # rule (e): 4 sleep, 2 wake, 4 sleep between two 20-min wake runs
    scores_e = [1] * 20 + [0] * 20 + [1] * 4 + [0] * 2 + [1] * 4 + [0] * 20 + [1] * 20
    assert webster_rescore(scores_e)[40:50].tolist() == [0] * 10
    assert webster_rescore(scores_e, surrounded="run")[40:50].tolist() == [0] * 6 + [1] * 4
    # one sleep run of 6 min between 10-min wake runs: both readings agree
    single = [1] * 20 + [0] * 10 + [1] * 6 + [0] * 10 + [1] * 20
    for reading in ("stretch", "run"):
        assert webster_rescore(single, surrounded=reading)[30:36].tolist() == [0] * 6
    # cole_kripke passes the reading on to the rules
    counts = series(synthetic_counts(3, seed=5).astype(float))
    raw = cole_kripke(counts, rescoring=False).to_numpy()
    for reading in ("stretch", "run"):
        got = cole_kripke(counts, surrounded=reading).to_numpy()
        assert np.array_equal(got, webster_rescore(raw, surrounded=reading), equal_nan=True)
    assert not np.array_equal(
        cole_kripke(counts).to_numpy(), cole_kripke(counts, surrounded="run").to_numpy()
    )


def test_webster_reading_options_are_checked() -> None:
    with pytest.raises(InvalidInputError, match="reading"):
        webster_rescore([0, 1], surrounded="block")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="stretch"):
        webster_rescore([0, 1], surrounded="run", compat="pyactigraphy")
    with pytest.raises(InvalidInputError, match="reading"):
        cole_kripke(series(np.zeros(20)), surrounded="runs")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="threshold"):
        cole_kripke(series(np.zeros(20)), threshold=0.0)


def test_webster_missing_epochs_are_not_wake() -> None:
    nan = np.nan
    out = webster_rescore([nan] * 10 + [1] * 5)
    assert np.isnan(out[:10]).all()
    assert (out[10:] == 1).all()
    # a (d) stretch containing a missing epoch is left alone
    scores = [1] * 5 + [0] * 10 + [1, nan, 1] + [0] * 10 + [1] * 5
    out = webster_rescore(scores)
    # epoch 15 follows 10 min of wake (rules a and b); epoch 17 follows a missing
    # epoch, so only (d) could rescore it, and (d) skips stretches with gaps
    assert out[15] == 0
    assert np.isnan(out[16])
    assert out[17] == 1


# --- pyActigraphy reference epochs ---------------------------------------------------------


def _reference(name: str) -> dict:
    return json.loads((DATA / name).read_text())


def _counts(ref: dict) -> pd.Series:
    start = pd.Timestamp(ref["start_local"], tz="Europe/Berlin")
    idx = pd.date_range(start, periods=len(ref["counts"]), freq=f"{ref['epoch_s']}s")
    return pd.Series(ref["counts"], index=idx, dtype=float)


def _bits(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8) - ord("0")


def test_cole_kripke_mean_matches_pyactigraphy_epoch_for_epoch() -> None:
    ref = _reference("sleep_ck_mean_sadeh.json")
    out = cole_kripke(_counts(ref), settings="mean", compat="pyactigraphy")
    expected = _bits(ref["ck_mean"])
    assert out.size == expected.size == ref["ck_mean_epochs"]
    np.testing.assert_array_equal(out.to_numpy(), expected)
    # the recording includes a window with D == 1 exactly, scored wake
    assert 0.2 < expected.mean() < 0.6


def test_sadeh_matches_pyactigraphy_epoch_for_epoch() -> None:
    ref = _reference("sleep_ck_mean_sadeh.json")
    out = sadeh(_counts(ref), compat="pyactigraphy")
    np.testing.assert_array_equal(out.to_numpy(), _bits(ref["sadeh"]))


def test_cole_kripke_default_settings_match_pyactigraphy_on_30s_epochs() -> None:
    ref = _reference("sleep_ck_30s.json")
    out = cole_kripke(_counts(ref), settings="30sec_max_non_overlap", compat="pyactigraphy")
    np.testing.assert_array_equal(out.to_numpy(), _bits(ref["ck_default"]))


def test_textbook_mode_differs_from_compat_only_where_documented() -> None:
    ref = _reference("sleep_ck_mean_sadeh.json")
    counts = _counts(ref)
    text = cole_kripke(counts).to_numpy()
    compat = cole_kripke(counts, compat="pyactigraphy").to_numpy()
    assert np.isnan(text[:4]).all()
    assert np.isnan(text[-2:]).all()
    assert (compat[:4] == 0).all()
    assert (compat[-4:] == 0).all()
    agree = np.nanmean(text[4:-4] == compat[4:-4])
    assert agree > 0.99


# --- edges, missing data and bad input -----------------------------------------------------


def test_missing_input_gives_missing_output_in_both_modes() -> None:
    values = np.zeros(60)
    values[30:33] = np.nan
    for compat in (None, "pyactigraphy"):
        out = cole_kripke(series(values), compat=compat)
        assert np.isnan(out.iloc[30:33]).all()
    text = cole_kripke(series(values))
    # textbook: every epoch whose window t-4..t+2 touches the gap is missing
    assert np.isnan(text.iloc[28:37]).all()
    assert text.iloc[27] == 1
    assert text.iloc[37] == 1
    out = sadeh(series(values))
    assert np.isnan(out.iloc[25:38]).all()


def test_absent_timestamps_become_missing_epochs() -> None:
    s = series(np.zeros(40))
    gappy = s.drop(s.index[10:15])
    out = cole_kripke(gappy)
    assert len(out) == 40
    assert np.isnan(out.iloc[10:15]).all()


def test_all_zero_recording_scores_sleep() -> None:
    out = cole_kripke(series(np.zeros(3 * 1440)))
    assert (out.iloc[4:-2] == 1).all()
    assert (sadeh(series(np.zeros(100))).iloc[5:-5] == 1).all()


def test_short_recording_is_scored() -> None:
    out = cole_kripke(series(np.zeros(600)))  # 10 h, under 2 days
    assert len(out) == 600
    assert out.iloc[10] == 1


def test_thirty_second_epochs_are_summed_to_minutes() -> None:
    s = series([1, 2, 3, 4, np.nan, 6], freq="30s")
    m = minute_counts(s)
    assert m.tolist()[:2] == [3.0, 7.0]
    assert np.isnan(m.iloc[2])
    assert minute_counts(s, compat="pyactigraphy").tolist() == [3.0, 7.0, 6.0]
    assert len(cole_kripke(series(np.zeros(240), freq="30s"))) == 120


@pytest.mark.parametrize("freq", ["90s", "2min", "7s"])
def test_unsupported_epochs_are_refused(freq: str) -> None:
    with pytest.raises(InvalidInputError, match="epoch"):
        cole_kripke(series(np.zeros(100), freq=freq))


def test_max_settings_need_sub_minute_epochs() -> None:
    with pytest.raises(InvalidInputError, match="sub-epoch"):
        cole_kripke(series(np.zeros(100)), settings="30sec_max_non_overlap")
    out = cole_kripke(series(np.zeros(1200), freq="5s"), settings="10sec_max_overlap")
    assert len(out) == 100
    assert set(CK_SETTINGS) == {
        "mean",
        "10sec_max_overlap",
        "10sec_max_non_overlap",
        "30sec_max_non_overlap",
    }


def test_naive_timestamps_are_refused_in_one_line() -> None:
    s = pd.Series(np.zeros(20), index=pd.date_range("2024-01-01", periods=20, freq="min"))
    with pytest.raises(InvalidInputError, match="naive") as info:
        cole_kripke(s)
    assert "\n" not in str(info.value)
    with pytest.raises(InvalidInputError, match="naive"):
        sadeh(s)


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ([1.0, -1.0, 2.0], "non-negative"),
        ([1.0, np.inf, 2.0], "finite"),
        ([1.0], "at least 2"),
    ],
)
def test_bad_values_are_refused(values: list[float], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        cole_kripke(series(values))


def test_irregular_index_and_bad_options_are_refused() -> None:
    idx = pd.DatetimeIndex(
        ["2024-01-01 00:00", "2024-01-01 00:01", "2024-01-01 00:02:30"], tz="UTC"
    )
    with pytest.raises(InvalidInputError, match="irregular"):
        cole_kripke(pd.Series([0.0, 0.0, 0.0], index=idx))
    with pytest.raises(InvalidInputError, match="settings"):
        cole_kripke(series(np.zeros(20)), settings="max")
    with pytest.raises(InvalidInputError, match="compat"):
        cole_kripke(series(np.zeros(20)), compat="ggir")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="divisor"):
        cole_kripke(series(np.zeros(20)), divisor=30, compat="pyactigraphy")
    with pytest.raises(InvalidInputError, match="1-min"):
        sadeh(series(np.zeros(40), freq="30s"), compat="pyactigraphy")


@pytest.mark.parametrize(
    ("tz", "start"),
    [
        ("Europe/Berlin", "2024-03-30 12:00"),  # 23-h local day
        ("Europe/Berlin", "2024-10-26 12:00"),  # 25-h local day
        ("America/New_York", "2024-03-09 12:00"),
        ("America/New_York", "2024-11-02 12:00"),
    ],
)
def test_dst_days_keep_a_regular_utc_grid(tz: str, start: str) -> None:
    s = series(np.zeros(2 * 1440), start=start, tz=tz)
    out = cole_kripke(s)
    assert len(out) == 2 * 1440
    assert str(out.index.tz) == "UTC"
    assert (np.diff(out.index.asi8) == np.diff(out.index.asi8)[0]).all()


# --- consumer bands --------------------------------------------------------------------------


def test_sleep_wake_prefers_device_labels_and_falls_back_to_scoring() -> None:
    counts = series([0.0] * 30 + [300.0] * 30)
    states = pd.Series(
        ["sleep_deep"] * 10 + [None] * 20 + ["awake"] * 10 + [None] * 20,
        index=counts.index,
        dtype=object,
    )
    out = sleep_wake(counts, device_state=states)
    assert (out.iloc[:10] == 1).all()  # labelled sleep
    assert (out.iloc[10:26] == 1).all()  # unlabelled zeros scored sleep by Cole-Kripke
    assert (out.iloc[30:40] == 0).all()  # labelled awake
    assert (out.iloc[40:58] == 0).all()  # unlabelled activity scored wake


def test_sleep_wake_not_worn_and_unknown_are_missing() -> None:
    counts = series([0.0] * 40)
    states = pd.Series(["not_worn"] * 10 + ["unknown"] * 10 + [None] * 20, index=counts.index)
    out = sleep_wake(counts, device_state=states)
    assert np.isnan(out.iloc[:20]).all()
    scored = sleep_wake(counts, device_state=states, score_unknown=True)
    assert np.isnan(scored.iloc[:10]).all()
    assert (scored.iloc[16:20] == 1).all()


def test_sleep_wake_nonwear_is_never_sleep_but_long_sleep_with_hr_is() -> None:
    counts = series([50.0] * 60 + [0.0] * 180 + [50.0] * 60)
    out = sleep_wake(counts)
    assert np.isnan(out.iloc[60:240]).all()  # 3 h of zeros, no heart rate: not worn
    hr = pd.Series(55.0, index=counts.index)
    worn = sleep_wake(counts, heart_rate=hr)
    assert (worn.iloc[70:230] == 1).all()
    off = sleep_wake(counts, nonwear_minutes=None)
    assert (off.iloc[70:230] == 1).all()


def test_sleep_wake_refuses_unknown_states_and_naive_labels() -> None:
    counts = series([0.0] * 20)
    with pytest.raises(InvalidInputError, match="unknown device state"):
        sleep_wake(counts, device_state=pd.Series(["napping"] * 20, index=counts.index))
    naive = pd.Series(["awake"] * 20, index=counts.index.tz_localize(None))
    with pytest.raises(InvalidInputError, match="naive"):
        sleep_wake(counts, device_state=naive)
