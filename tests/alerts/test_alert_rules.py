"""Alert rules on synthetic daily histories: the exact days they must and must not fire."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ipsrt.alerts import (
    DEFAULT_RULES,
    AlertInputError,
    AnchorDriftRule,
    DataGapRule,
    LowSrmRule,
    MoodExtremeRule,
    Phq9Item9Rule,
    Severity,
    ShortSleepRunRule,
    SleepChangeRule,
    evaluate,
)

START = dt.date(2024, 1, 1)  # Monday
NOW = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)


def days(n):
    return [START + dt.timedelta(days=i) for i in range(n)]


def d(i):
    return START + dt.timedelta(days=i)


def run(rule, **cols):
    n = len(next(iter(cols.values())))
    return evaluate(pd.DataFrame({"date": days(n), **cols}), rules=[rule], now=NOW)


def test_sleep_change_vs_previous_night_and_median():
    dur = [480.0] * 20
    dur[15] = 480 - 210  # 3.5 h shorter than the night before
    alerts = run(SleepChangeRule(), sleep_duration_min=dur)
    # Night 15 (drop) and night 16 (back up by 3.5 h vs the night before) fire.
    assert [a.window_start for a in alerts] == [d(15), d(16)]
    assert alerts[0].message == "Sleep was 3.5 h shorter than the night before; worth checking in"
    assert alerts[0].evidence["change_vs_previous_min"] == -210
    dur = [480.0] * 20
    dur[15] = 480 - 179
    assert run(SleepChangeRule(), sleep_duration_min=dur) == []
    # A gradual drift: never 3 h night to night, but 3 h below the 14-day median.
    dur = [480.0] * 14 + [420.0, 360.0, 300.0, 290.0]
    alerts = run(SleepChangeRule(), sleep_duration_min=dur)
    assert [a.window_start for a in alerts] == [d(16), d(17)]
    assert "usual" in alerts[0].message


def test_short_sleep_run_needs_two_consecutive_nights_and_baseline():
    dur = [480.0] * 30 + [350.0, 480.0, 355.0, 350.0, 340.0, 480.0]
    alerts = run(ShortSleepRunRule(), sleep_duration_min=dur)
    assert len(alerts) == 1
    a = alerts[0]
    assert (a.window_start, a.window_end) == (d(32), d(34))
    assert a.evidence["baseline_min"] == 480
    # Without 7 baseline nights nothing fires.
    assert run(ShortSleepRunRule(), sleep_duration_min=[480.0] * 5 + [300.0] * 3) == []
    # 1 h 59 min short is not short enough.
    assert run(ShortSleepRunRule(), sleep_duration_min=[480.0] * 30 + [361.0] * 3) == []


def test_anchor_drift_three_days_in_a_week_circular():
    bed = [1410.0] * 35  # 23:30
    out = [420.0] * 35
    bed[29], bed[30] = 90.0, 95.0  # 01:30: 2 h later, across midnight (week of day 28)
    out[32] = 560.0  # 09:20: 2 h 20 min later
    alerts = run(AnchorDriftRule(), bedtime_min=bed, out_of_bed_min=out)
    assert len(alerts) == 1
    assert alerts[0].window_start == d(28)
    assert alerts[0].window_end == d(34)
    assert [x["date"] for x in alerts[0].evidence["days"]] == [
        d(i).isoformat() for i in (29, 30, 32)
    ]
    bed[29] = 60.0  # 01:00 is only 1.5 h late: two days left
    assert run(AnchorDriftRule(), bedtime_min=bed, out_of_bed_min=out) == []


def test_low_srm_absolute_and_baseline_drop():
    weekly = [5.0, 5.2, 4.8, 5.0, 3.9, 3.4, np.nan, 6.0]
    srm = [w for w in weekly for _ in range(7)]
    alerts = run(LowSrmRule(), srm_week=srm)
    # Week 4: 3.9 <= baseline 5.0 - 1; week 5: 3.4 < 3.5. Week 7 (6.0) no.
    assert [a.window_start for a in alerts] == [d(28), d(35)]
    assert alerts[0].evidence["baseline"] == 5.0
    assert "3.9" in alerts[0].message


def test_mood_extreme_two_consecutive_days():
    mood = [0, 3, 0, 3, 3, 4, 0, -3, -4, 0, -3, 2, -5]
    alerts = run(MoodExtremeRule(), mood=mood)
    assert [(a.window_start, a.window_end, a.evidence["direction"]) for a in alerts] == [
        (d(3), d(5), "high"),
        (d(7), d(8), "low"),
    ]


def test_phq9_item9_is_urgent_on_the_response_day():
    item9 = [np.nan, 0, np.nan, 1, np.nan, 3]
    alerts = run(Phq9Item9Rule(), phq9_item9=item9)
    assert [a.window_start for a in alerts] == [d(3), d(5)]
    assert all(a.severity is Severity.URGENT for a in alerts)


def test_data_gap_48_hours_as_of_now():
    last = pd.Series([pd.NaT] * 3, dtype="datetime64[ns, UTC]")
    last.iloc[1] = pd.Timestamp("2024-02-28 12:00", tz="UTC")
    daily = pd.DataFrame({"date": days(3), "last_wearable_data_utc": last})
    alerts = evaluate(daily, rules=[DataGapRule()], now=NOW)
    assert len(alerts) == 1
    assert alerts[0].window_start == dt.date(2024, 2, 28)
    assert alerts[0].evidence["gap_hours"] == 48.0
    just_under = NOW - dt.timedelta(minutes=1)
    assert evaluate(daily, rules=[DataGapRule()], now=just_under) == []
    # A client who never had wearable data gets no gap alert.
    assert (
        evaluate(pd.DataFrame({"date": days(3), "mood": 0}), rules=[DataGapRule()], now=NOW) == []
    )


def test_evaluate_is_idempotent_by_dedup_key_and_splits_clients():
    mood = [0, 3, 3, 3]
    daily = pd.concat(
        [pd.DataFrame({"client": c, "date": days(4), "mood": mood}) for c in ("b", "a")]
    )
    first = evaluate(daily, rules=DEFAULT_RULES, now=NOW)
    again = evaluate(daily.iloc[::-1], rules=DEFAULT_RULES, now=NOW)
    assert first == again
    assert [a.dedup_key for a in first] == [
        "mood_extreme|a|2024-01-02",
        "mood_extreme|b|2024-01-02",
    ]
    # The run grows the next day: same key, later window end.
    longer = evaluate(
        pd.DataFrame({"date": days(5), "mood": [*mood, 4]}),
        rules=DEFAULT_RULES,
        now=NOW,
        client="a",
    )
    assert longer[0].dedup_key == first[0].dedup_key
    assert longer[0].window_end == d(4)
    # Rows after `now` are ignored.
    early = dt.datetime.combine(d(1), dt.time(23), tzinfo=dt.UTC)
    assert evaluate(daily, now=early) == []


def test_messages_are_prompts_not_diagnoses():
    dur = [480.0] * 30 + [300.0] * 3
    alerts = evaluate(
        pd.DataFrame({"date": days(33), "sleep_duration_min": dur, "mood": 4}), now=NOW
    )
    assert alerts
    for a in alerts:
        assert "mania" not in a.message.lower()
        assert "episode" not in a.message.lower()


def test_bad_input():
    with pytest.raises(AlertInputError, match="timezone-aware"):
        evaluate(pd.DataFrame({"date": days(2)}), now=dt.datetime(2024, 1, 1))
    with pytest.raises(AlertInputError, match="more than one row"):
        evaluate(pd.DataFrame({"date": [START, START], "mood": [1, 2]}), now=NOW)
