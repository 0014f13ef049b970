"""Tests for ipsrt.rhythm.sleep_timing.

Reference sources: the worked examples of docs/sleep.md, "Summaries" (MCTQ,
Roenneberg et al. 2003 / Wittmann et al. 2006: SD_week 7.57 h, MSF_sc 04:47,
SJL 2.0 h; CPD, Fischer et al. 2016: 1.46 h), the DST rule of docs/sleep.md,
"Sleep timing" (durations in real elapsed time: 23:00-07:00 lasts 420 min
across spring-forward and 540 across fall-back), and analytic sleep series
built from local wall-clock intervals.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ipsrt.errors import InvalidInputError
from ipsrt.rhythm.sleep_scoring import cole_kripke, sleep_wake
from ipsrt.rhythm.sleep_timing import (
    NIGHT_COLUMNS,
    composite_phase_deviation,
    free_nights,
    mctq_chronotype,
    midpoint_variability,
    sleep_episodes,
    sleep_summary,
    sleep_timing,
    social_jetlag,
)


def sleep_series(
    tz: str, start: str, end: str, intervals: list[tuple[str, str]], freq: str = "min"
) -> pd.Series:
    """0/1 series on a UTC grid; 1 inside the given local wall-clock intervals."""
    idx = pd.date_range(pd.Timestamp(start, tz=tz), pd.Timestamp(end, tz=tz), freq=freq)
    wall = idx.tz_localize(None)
    values = np.zeros(len(idx))
    for a, b in intervals:
        values[(wall >= pd.Timestamp(a)) & (wall < pd.Timestamp(b))] = 1.0
    return pd.Series(values, index=idx.tz_convert("UTC"))


# --- episodes ------------------------------------------------------------------------------


def test_gaps_up_to_max_gap_are_bridged_and_short_runs_do_not_start_episodes() -> None:
    s = sleep_series(
        "UTC",
        "2024-01-01 18:00",
        "2024-01-02 12:00",
        [
            ("2024-01-01 20:00", "2024-01-01 20:10"),  # 10-min doze on the sofa
            ("2024-01-01 23:00", "2024-01-02 02:00"),
            ("2024-01-02 02:45", "2024-01-02 07:00"),  # 45-min awakening bridged
        ],
    )
    ep = sleep_episodes(s)
    assert len(ep) == 1
    row = ep.iloc[0]
    assert row.onset == pd.Timestamp("2024-01-01 23:00", tz="UTC")
    assert row.offset == pd.Timestamp("2024-01-02 07:00", tz="UTC")
    assert (row.duration_min, row.sleep_min, row.waso_min) == (480.0, 435.0, 45.0)
    split = sleep_episodes(s, max_gap_minutes=30)
    assert len(split) == 2
    with_doze = sleep_episodes(s, min_bout_minutes=5)
    assert len(with_doze) == 2
    assert with_doze.iloc[0].duration_min == 10


def test_missing_epochs_inside_an_episode_are_reported() -> None:
    s = sleep_series(
        "UTC", "2024-01-01 18:00", "2024-01-02 12:00", [("2024-01-01 23:00", "2024-01-02 07:00")]
    )
    s[(s.index >= "2024-01-02 03:00") & (s.index < "2024-01-02 03:20")] = np.nan
    row = sleep_episodes(s).iloc[0]
    assert (row.duration_min, row.sleep_min, row.missing_min) == (480.0, 460.0, 20.0)


def test_no_sleep_gives_empty_tables() -> None:
    s = pd.Series(0.0, index=pd.date_range("2024-01-01", periods=3000, freq="min", tz="UTC"))
    assert sleep_episodes(s).empty
    nights = sleep_timing(s, "Europe/Berlin")
    assert nights.empty
    assert list(nights.columns) == list(NIGHT_COLUMNS)


# --- DST ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "night", "expected"),
    [
        ("Europe/Berlin", "2024-03-30", 420.0),
        ("Europe/Berlin", "2024-10-26", 540.0),
        ("Europe/Berlin", "2024-06-15", 480.0),
        ("America/New_York", "2024-03-09", 420.0),
        ("America/New_York", "2024-11-02", 540.0),
    ],
)
def test_23_to_07_night_lasts_real_minutes_across_dst(tz: str, night: str, expected: float) -> None:
    d = dt.date.fromisoformat(night)
    nxt = d + dt.timedelta(days=1)
    s = sleep_series(tz, f"{d} 12:00", f"{nxt} 12:00", [(f"{d} 23:00", f"{nxt} 07:00")])
    n = sleep_timing(s, tz)
    assert len(n) == 1
    row = n.iloc[0]
    assert row.night == d
    assert row.duration_min == expected
    assert row.sleep_min == expected
    assert row.waso_min == 0
    assert row.onset_local == 23 * 60
    assert row.offset_local == 7 * 60
    # midpoint: half the real duration after onset, read on the local clock
    mid_local = (row.midpoint_utc).tz_convert(tz)
    assert mid_local.hour * 60 + mid_local.minute == row.midpoint_local


# --- nights and main sleep --------------------------------------------------------------------


def test_noon_to_noon_nights_and_main_sleep() -> None:
    s = sleep_series(
        "Europe/Berlin",
        "2024-05-06 12:00",
        "2024-05-09 12:00",
        [
            ("2024-05-06 14:00", "2024-05-06 15:00"),  # nap: night of 05-06
            ("2024-05-06 23:30", "2024-05-07 06:30"),  # main sleep of 05-06
            ("2024-05-08 00:30", "2024-05-08 08:00"),  # after midnight: night of 05-07
            ("2024-05-08 13:00", "2024-05-08 13:45"),  # nap: night of 05-08 only
        ],
    )
    n = sleep_timing(s, "Europe/Berlin").set_index("night")
    assert list(n.index) == [dt.date(2024, 5, 6), dt.date(2024, 5, 7), dt.date(2024, 5, 8)]
    first = n.loc[dt.date(2024, 5, 6)]
    assert first.onset_local == 23 * 60 + 30
    assert first.n_episodes == 2
    assert first.other_sleep_min == 60
    assert n.loc[dt.date(2024, 5, 7)].onset_local == 30
    assert n.loc[dt.date(2024, 5, 7)].midpoint_local == 4 * 60 + 15
    assert n.loc[dt.date(2024, 5, 8)].duration_min == 45  # a nap is the only episode
    assert (n.time_in_bed_min == n.duration_min).all()


def test_midpoint_variability_is_circular_across_midnight() -> None:
    nights = pd.DataFrame(
        {"night": [dt.date(2024, 1, d) for d in (1, 2)], "midpoint_local": [1430.0, 10.0]}
    )
    assert midpoint_variability(nights) == pytest.approx(10.0, abs=0.05)
    assert np.isnan(midpoint_variability(nights.iloc[:1]))


# --- MCTQ ----------------------------------------------------------------------------------------


def test_mctq_worked_example() -> None:
    r = mctq_chronotype(msw=3.5 * 60, msf=5.5 * 60, sd_w=7 * 60, sd_f=9 * 60)
    assert r["sd_week"] / 60 == pytest.approx(7.57, abs=0.005)
    assert r["msf_sc"] == pytest.approx(4 * 60 + 47, abs=0.5)  # 04:47
    assert r["social_jetlag"] == 120.0
    assert r["social_jetlag_signed"] == 120.0


def test_msf_sc_is_msf_when_free_sleep_is_not_longer() -> None:
    r = mctq_chronotype(msw=1410, msf=30, sd_w=480, sd_f=450)
    assert r["msf_sc"] == 30
    assert r["social_jetlag"] == 60
    assert r["social_jetlag_signed"] == 60


def test_free_nights_precede_free_days() -> None:
    week = [dt.date(2024, 5, 6) + dt.timedelta(days=i) for i in range(7)]  # Mon..Sun
    assert free_nights(week).tolist() == [False, False, False, False, True, True, False]
    holiday = free_nights(week, free_dates=[dt.date(2024, 5, 9)])  # Thursday off
    assert holiday.tolist() == [False, False, True, False, True, True, False]
    with pytest.raises(InvalidInputError, match="free_weekdays"):
        free_nights(week, free_weekdays=[7])


def _nights(midpoints: dict[dt.date, tuple[float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "night": list(midpoints),
            "midpoint_local": [m for m, _ in midpoints.values()],
            "duration_min": [d for _, d in midpoints.values()],
        }
    )


def test_social_jetlag_from_nights() -> None:
    week = [dt.date(2024, 5, 6) + dt.timedelta(days=i) for i in range(7)]
    table = _nights(
        {d: ((330.0, 540.0) if d.weekday() in (4, 5) else (210.0, 420.0)) for d in week}
    )
    r = social_jetlag(table)
    assert (r["n_work"], r["n_free"]) == (5, 2)
    assert r["msw"] == pytest.approx(210)
    assert r["msf"] == pytest.approx(330)
    assert r["msf_sc"] == pytest.approx(4 * 60 + 47, abs=0.5)
    assert r["social_jetlag"] == pytest.approx(120)
    only_work = social_jetlag(table.iloc[:4])
    assert np.isnan(only_work["social_jetlag"])
    assert np.isnan(only_work["msf_sc"])


# --- CPD -----------------------------------------------------------------------------------------


def test_cpd_worked_example() -> None:
    table = _nights({dt.date(2024, 1, d): (m, 480.0) for d, m in ((1, 210), (2, 270), (3, 180))})
    assert composite_phase_deviation(table, reference=240.0) / 60 == pytest.approx(1.46, abs=0.005)


def test_cpd_skips_nights_without_a_previous_night_and_wraps_midnight() -> None:
    table = _nights(
        {
            dt.date(2024, 1, 1): (1410.0, 480.0),
            dt.date(2024, 1, 2): (30.0, 480.0),  # 60 min after 23:30, not -1380 min
            dt.date(2024, 1, 4): (600.0, 480.0),  # after a missing night: no term
        }
    )
    expected = np.hypot(0 - 30, 60)
    assert composite_phase_deviation(table, reference=0.0) == pytest.approx(expected)
    assert np.isfinite(composite_phase_deviation(table, reference="mean"))
    assert np.isnan(composite_phase_deviation(table.iloc[:1], reference=0.0))
    assert np.isnan(composite_phase_deviation(table))  # no free night: no MSF_sc
    with pytest.raises(InvalidInputError, match="reference"):
        composite_phase_deviation(table, reference="median")  # type: ignore[arg-type]


# --- summary and the whole pipeline ----------------------------------------------------------


def _two_weeks(tz: str = "Europe/Berlin") -> pd.Series:
    start = dt.date(2024, 5, 6)  # a Monday
    intervals = []
    for i in range(14):
        d = start + dt.timedelta(days=i)
        nxt = d + dt.timedelta(days=1)
        if d.weekday() in (4, 5):  # Friday and Saturday nights: late and long
            intervals.append((f"{d} 23:59", f"{nxt} 09:00"))
        else:
            intervals.append((f"{d} 23:00", f"{nxt} 06:30"))
    return sleep_series(tz, f"{start} 12:00", f"{start + dt.timedelta(days=14)} 12:00", intervals)


def test_sleep_summary_keys_and_values() -> None:
    nights = sleep_timing(_two_weeks(), "Europe/Berlin")
    assert len(nights) == 14
    out = sleep_summary(nights)
    for key in (
        "nights",
        "sleep_onset_mean",
        "sleep_offset_mean",
        "sleep_midpoint_mean",
        "sleep_midpoint_sd",
        "sleep_duration_mean",
        "waso_mean",
        "social_jetlag",
        "msf_sc",
        "cpd",
        "sleep_reason",
    ):
        assert key in out
    assert out["nights"] == 14
    assert out["sleep_reason"] == ""
    # work mid-sleep 02:45, free mid-sleep 04:29.5 -> SJL 104.5 min
    assert out["social_jetlag"] == pytest.approx(104.5)
    assert out["msw"] == pytest.approx(165)
    assert out["msf"] == pytest.approx(269.5)
    onset = float(out["sleep_onset_mean"])
    assert 1380 < onset < 1440  # circular mean stays before midnight
    assert out["waso_mean"] == 0


def test_sleep_summary_single_night_gives_nan_with_reasons() -> None:
    s = sleep_series(
        "UTC", "2024-05-06 12:00", "2024-05-07 12:00", [("2024-05-06 23:00", "2024-05-07 07:00")]
    )
    out = sleep_summary(sleep_timing(s, "UTC"))  # a recording under 2 days
    assert out["nights"] == 1
    assert out["sleep_duration_mean"] == 480
    assert np.isnan(out["sleep_midpoint_sd"])
    assert np.isnan(out["cpd"])
    assert np.isnan(out["social_jetlag"])
    reason = str(out["sleep_reason"])
    assert "fewer than 2 nights" in reason
    assert "social_jetlag" in reason
    assert "cpd" in reason


def test_all_zero_counts_are_nonwear_and_give_no_nights() -> None:
    idx = pd.date_range("2024-05-06 12:00", periods=3 * 1440, freq="min", tz="UTC")
    counts = pd.Series(0.0, index=idx)
    scored = sleep_wake(counts)
    assert scored.isna().all()
    nights = sleep_timing(scored, "Europe/Berlin")
    out = sleep_summary(nights)
    assert out["nights"] == 0
    assert np.isnan(out["sleep_midpoint_mean"])
    assert "no night" in str(out["sleep_reason"])
    # without non-wear detection Cole-Kripke calls it all sleep, one long episode; it
    # runs to the end of the recording, so its wake-up is never seen and no night is
    # complete (docs/sleep.md, "Complete nights")
    assert len(sleep_episodes(cole_kripke(counts))) == 1
    assert len(sleep_timing(cole_kripke(counts), "UTC")) == 0


def test_sleep_timing_from_scored_counts() -> None:
    rng = np.random.default_rng(7)
    idx = pd.date_range("2024-05-06 12:00", periods=4 * 1440, freq="min", tz="Europe/Berlin")
    wall = idx.tz_localize(None)
    hour = wall.hour + wall.minute / 60
    asleep = (hour >= 23) | (hour < 7)
    counts = np.where(asleep, 0.0, rng.poisson(1000, len(idx)).astype(float))
    hr = pd.Series(60.0, index=idx)
    nights = sleep_timing(sleep_wake(pd.Series(counts, index=idx), heart_rate=hr), "Europe/Berlin")
    assert len(nights) == 4
    # Cole-Kripke scores sleep once t-4..t-1 are quiet (23:04), then Webster rule
    # (c) turns the next 4 min to wake; the t+1, t+2 weights end sleep just before 07:00
    assert (nights.onset_local == 23 * 60 + 8).all()
    assert nights.offset_local.between(6 * 60 + 55, 7 * 60).all()


def test_bad_sleep_input_is_refused() -> None:
    idx = pd.date_range("2024-01-01", periods=10, freq="min", tz="UTC")
    with pytest.raises(InvalidInputError, match="0 \\(wake\\), 1"):
        sleep_episodes(pd.Series(2.0, index=idx))
    with pytest.raises(InvalidInputError, match="naive"):
        sleep_timing(pd.Series(1.0, index=idx.tz_localize(None)), "UTC")
    with pytest.raises(InvalidInputError):
        sleep_timing(pd.Series(1.0, index=idx), "CET-ish")
    with pytest.raises(InvalidInputError, match="lacks"):
        sleep_summary(pd.DataFrame({"night": []}))


def _night_then_wake(awake_after: int, *, missing_after: int = 0) -> pd.Series:
    """Awake 20:00-23:00, asleep 23:00-07:00 (UTC), then *missing_after* missing
    minutes and *awake_after* awake minutes, where the recording ends."""
    idx = pd.date_range("2024-05-06 20:00", periods=180 + 480, freq="min", tz="UTC")
    s = pd.Series(0.0, index=idx)
    s.iloc[180:] = 1.0
    tail = pd.date_range(
        idx[-1] + pd.Timedelta(minutes=1), periods=missing_after + awake_after, freq="min", tz="UTC"
    )
    values = [np.nan] * missing_after + [0.0] * awake_after
    return pd.concat([s, pd.Series(values, index=tail, dtype=float)])


@pytest.mark.parametrize(
    ("awake_after", "missing_after", "complete"),
    [
        (0, 0, False),  # the recording ends asleep: the wake-up is not seen
        (30, 0, False),  # awake, but a run of sleep starting now would still join
        (89, 0, False),
        (90, 0, True),  # max_gap 60 + min_bout 30: nothing later can change it
        (600, 0, True),
        (600, 61, False),  # ended by 61 missing minutes: the wake-up was not seen
        (600, 60, True),  # a gap the episode rule bridges too
    ],
)
def test_a_night_is_complete_once_its_wake_up_and_data_after_it_are_seen(
    awake_after: int, missing_after: int, complete: bool
) -> None:
    # docs/sleep.md, "Complete nights", on an analytic 0/1 series: the episode is
    # 23:00-07:00 in every case; only what the recording shows after it differs.
    sleep = _night_then_wake(awake_after, missing_after=missing_after)
    (episode,) = sleep_episodes(sleep).itertuples()
    assert episode.duration_min == 480.0
    nights = sleep_timing(sleep, "UTC")
    assert len(nights) == (1 if complete else 0)
    if complete:
        assert nights.loc[0, "duration_min"] == 480.0
        assert str(nights.loc[0, "night"]) == "2024-05-06"


def test_a_truncated_last_night_is_left_out_and_earlier_nights_kept() -> None:
    # Three 8-h nights (23:00-07:00 UTC), the recording cut at 02:00 in the third:
    # only the two complete nights are returned, the third is not a 3-h night.
    idx = pd.date_range(
        "2024-05-06 12:00", "2024-05-09 02:00", freq="min", tz="UTC", inclusive="left"
    )
    clock = idx.hour * 60 + idx.minute
    sleep = pd.Series(np.where((clock >= 23 * 60) | (clock < 7 * 60), 1.0, 0.0), index=idx)
    nights = sleep_timing(sleep, "UTC")
    assert [str(n) for n in nights["night"]] == ["2024-05-06", "2024-05-07"]
    assert nights["duration_min"].tolist() == [480.0, 480.0]


def _complete_by_definition(code: np.ndarray, width: int, start: int, end: int) -> bool:
    """docs/sleep.md, "Complete nights", read literally, epoch by epoch (1-min epochs)."""
    row_end = (start // width + 1) * width
    after = [i for i in range(end, row_end) if code[i] != -1]
    if not after:
        return False
    return after[0] - end <= 60 and after[-1] + 1 - end >= 60 + 30


@pytest.mark.parametrize("seed", range(6))
def test_complete_episodes_agrees_with_the_rule_read_epoch_by_epoch(seed: int) -> None:
    from ipsrt.rhythm.nightly_sleep import complete_episodes, episodes_of_codes

    rng = np.random.default_rng(seed)
    width, rows = 3 * 1440, 4
    # runs of sleep, wake and missing of random lengths, rows laid end to end
    kinds = rng.choice(np.array([1, 0, -1], dtype=np.int8), size=400, p=[0.45, 0.4, 0.15])
    code = np.repeat(kinds, rng.integers(1, 240, size=400))[: width * rows]
    code = np.resize(code, width * rows).astype(np.int8)
    ep = episodes_of_codes(code, 1.0, 30.0, 60.0, width)
    assert ep.start.size > 20
    got = complete_episodes(code, width, ep, 1.0, min_bout=30.0, max_gap=60.0)
    want = [
        _complete_by_definition(code, width, a, b) for a, b in zip(ep.start, ep.end, strict=True)
    ]
    assert got.tolist() == want
    assert 0 < sum(want) < len(want)
