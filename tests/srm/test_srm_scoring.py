"""SRM scoring by the project's rules (docs/srm.md: the rules and worked examples 1 and 2)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipsrt.errors import InvalidInputError
from ipsrt.srm import (
    SRM17,
    EntriesError,
    UnknownActivityError,
    mark_hits,
    multiweek_mean,
    rolling_scores,
    score_activities,
    score_weeks,
)

MONDAY = dt.date(2024, 1, 1)  # a Monday


def hm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def week(times, activity="out_of_bed", start=MONDAY, **extra):
    days = [start + dt.timedelta(days=i) for i in range(len(times))]
    mins = [np.nan if t is None else (hm(t) if isinstance(t, str) else t) for t in times]
    frame = pd.DataFrame(
        {
            "date": days,
            "activity": activity,
            "minutes": mins,
            "status": ["not_done" if t is None else "done" for t in times],
        }
    )
    for k, v in extra.items():
        frame[k] = v
    return frame


# Worked example 1 of docs/srm.md.
EX1 = ["06:00", "05:50", "08:01", "07:55", "05:45", "05:50", "05:50"]
# Worked example 2 of docs/srm.md: the rule "hits among all occurrences" gives 7.
EX2 = ["07:00", "07:00", "07:05", "07:00", "07:40", "07:00", "07:00"]


def test_worked_example_1_scores_5_hits():
    acts = score_activities(week(EX1))
    row = acts[acts["activity"] == "out_of_bed"].iloc[0]
    assert row["occurrences"] == 7
    assert row["sd_min"] == pytest.approx(62.15, abs=0.01)  # sample SD: docs/srm.md, 62.15
    assert row["outliers"] == 1  # 08:01 dropped, 07:55 kept
    assert row["habitual_min"] == pytest.approx(hm("06:11") + 0.667, abs=0.01)
    assert row["hits"] == 5
    assert score_weeks(week(EX1))["srm"].iloc[0] == 5.0


def test_worked_example_2_scores_7_hits_under_project_rules():
    acts = score_activities(week(EX2))
    row = acts[acts["activity"] == "out_of_bed"].iloc[0]
    assert row["outliers"] == 1  # 07:40 is an outlier for H ...
    assert row["habitual_min"] == pytest.approx(420.83, abs=0.01)
    assert row["hits"] == 7  # ... but still a hit (39 min from H)
    assert score_weeks(week(EX2))["srm"].iloc[0] == 7.0


def test_hit_window_is_inclusive_at_45_minutes():
    # H = 420 exactly (no outliers: 3 occurrences never produce one); 465 is 45 min away.
    entries = week([420, 420, 420, 420, 465, 420, 420])
    assert score_activities(entries)["hits"].iloc[0] == 7
    assert score_activities(week([420] * 6 + [466]))["hits"].iloc[0] == 6


def test_bedtimes_around_midnight_unwrap_to_evening():
    # Bedtime of the evening of D written after midnight on date D (docs/srm.md, rule 1).
    times = ["23:30", "23:45", "00:15", "23:50", "00:30", "23:40", "01:10"]
    row = score_activities(week(times, activity="bed")).query("activity == 'bed'").iloc[0]
    # Circular mean is 00:06 (docs/architecture.md, "Clock times"); arithmetic mean would be 13:49.
    assert min(row["mean_min"], 1440 - row["mean_min"]) < 10
    assert row["hits"] == 6  # 01:10 is more than 45 min from H
    assert row["outliers"] == 1


def test_exactly_three_occurrences_qualify_with_tiny_sd():
    entries = week(["07:00", None, "07:01", None, "07:00", None, None])
    entries = pd.concat([entries, week(["12:00"] * 7, activity="dinner")])
    weeks = score_weeks(entries)
    acts = score_activities(entries).set_index("activity")
    assert acts.loc["out_of_bed", "qualifies"]
    assert acts.loc["out_of_bed", "hits"] == 3
    assert acts.loc["out_of_bed", "not_done"] == 4
    assert weeks["srm"].iloc[0] == 5.0  # (3 + 7) / 2
    assert weeks["ali"].iloc[0] == 10


def test_two_occurrences_do_not_qualify_and_score_is_nan_not_zero():
    entries = week(["07:00", "07:00", None, None, None, None, None])
    weeks = score_weeks(entries)
    assert math.isnan(weeks["srm"].iloc[0])
    assert weeks["reason"].iloc[0] == "no_qualifying_activity"


def test_insufficient_diary_week_is_not_scored():
    entries = week(["07:00", "07:00", "07:00"])  # three diary days
    weeks = score_weeks(entries)
    assert weeks["diary_days"].iloc[0] == 3
    assert math.isnan(weeks["srm"].iloc[0])
    assert weeks["reason"].iloc[0] == "insufficient_diary"
    # not_done rows count as diary days.
    entries = week(["07:00", "07:00", "07:00", None])
    assert score_weeks(entries)["srm"].iloc[0] == 3.0


def test_dst_week_scores_like_any_other():
    # Europe/Berlin springs forward on Sunday 2024-03-31; entries are local clock times.
    start = dt.date(2024, 3, 25)
    dst = score_weeks(week(EX1, start=start))
    assert dst["week_start"].iloc[0] == start
    assert dst["srm"].iloc[0] == 5.0


def test_week_start_option_and_multiweek_mean():
    two = pd.concat(
        [
            week(EX1),
            week(EX2, start=MONDAY + dt.timedelta(days=7)),
            week(["07:00"] * 2, start=MONDAY + dt.timedelta(days=14)),
        ]
    )
    weeks = score_weeks(two)
    assert list(weeks["srm"].iloc[:2]) == [5.0, 7.0]
    assert math.isnan(weeks["srm"].iloc[2])
    summary = multiweek_mean(weeks)
    assert summary["srm_mean"].iloc[0] == 6.0
    assert summary["weeks_scored"].iloc[0] == 2
    sunday = score_weeks(week(EX1), week_start="sunday")
    assert sunday["week_start"].tolist() == [dt.date(2023, 12, 31), dt.date(2024, 1, 7)]


def test_people_code_and_target_adherence_are_reported_separately():
    entries = week(EX2, people=[0, 1, 2, 3, 2, 2, 2], target=hm("07:30"))
    weeks = score_weeks(entries)
    assert weeks["mean_people"].iloc[0] == pytest.approx(12 / 7)
    # |t - 07:30| <= 45 for all seven occurrences.
    assert weeks["target_adherence"].iloc[0] == 1.0
    entries = week(["23:50"] * 4 + ["00:50"] * 3, activity="bed", target=hm("00:10"))
    assert score_weeks(entries)["target_adherence"].iloc[0] == 1.0  # circular difference


def test_srm17_week_and_item_set_validation():
    acts = ["breakfast", "lunch", "tv_news"]
    entries = pd.concat([week(EX1, activity=a) for a in acts])
    weeks = score_weeks(entries, items="srm17")
    assert weeks["srm"].iloc[0] == 5.0
    assert weeks["item_set"].iloc[0] == "srm17"
    assert len(score_activities(entries, items=SRM17)) == 17
    with pytest.raises(UnknownActivityError, match="breakfast"):
        score_weeks(entries)  # not an SRM-5 item


def test_several_clients_are_scored_apart():
    a = week(EX1).assign(client="a")
    b = week(EX2).assign(client="b")
    weeks = score_weeks(pd.concat([b, a]))
    assert weeks.set_index("client")["srm"].to_dict() == {"a": 5.0, "b": 7.0}


def test_rolling_scores_window_ends_on_each_day():
    entries = pd.concat([week(EX1), week(EX2, start=MONDAY + dt.timedelta(days=7))])
    roll = rolling_scores(entries)
    assert len(roll) == 14
    assert roll["date"].iloc[6] == dt.date(2024, 1, 7)
    assert roll["srm"].iloc[6] == 5.0
    assert roll["srm"].iloc[13] == 7.0
    assert roll["reason"].iloc[2] == "insufficient_diary"
    # A window in the middle scores like a week made of those days.
    mid = entries.iloc[3:10]
    assert (
        roll["srm"].iloc[9]
        == score_weeks(mid.assign(date=[MONDAY + dt.timedelta(days=i) for i in range(7)]))[
            "srm"
        ].iloc[0]
    )


def test_mark_hits_flags_occurrences():
    hits = mark_hits(week(EX1))
    assert hits["hit"].tolist() == [True, True, False, False, True, True, True]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (week(["07:00"]).drop(columns="date"), "missing column 'date'"),
        (week(["07:00"]).assign(minutes=1500), "outside 0..1439"),
        (week(["07:00"]).assign(status="maybe"), "status"),
        (week(["07:00"]).assign(people=4), "people code"),
        (week(["07:00"]).assign(activity="lunch"), "unknown activity"),
        (pd.concat([week(["07:00"]), week(["08:00"])]), "second entry"),
        (week(["07:00"]).assign(date="2024-02-30"), "invalid date"),
        (
            pd.concat(
                [
                    week(["07:00"]).assign(source="diary"),
                    week(["08:00"], start=dt.date(2024, 1, 2)).assign(source="estimated"),
                ]
            ),
            "mix sources",
        ),
    ],
)
def test_bad_entries_raise_one_line_errors(frame, message):
    with pytest.raises(InvalidInputError, match=message) as info:
        score_weeks(frame)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, EntriesError | UnknownActivityError)


def test_empty_entries_give_empty_tables():
    empty = pd.DataFrame(columns=["date", "activity", "minutes", "status"])
    assert score_weeks(empty).empty
    assert rolling_scores(empty).empty


# --- properties -------------------------------------------------------------

# Times of one activity within a 10-hour span, so the circular unwrap is unambiguous.
times_st = st.lists(st.integers(0, 600), min_size=3, max_size=7)


def _hits(times, base):
    entries = week([(base + t) % 1440 for t in times])
    return int(score_activities(entries)["hits"].iloc[0])


@settings(max_examples=60, deadline=None)
@given(times_st, st.integers(0, 1439), st.integers(0, 1439))
def test_common_shift_modulo_1440_keeps_hits(times, base, shift):
    assert _hits(times, base) == _hits(times, base + shift)


@settings(max_examples=40, deadline=None)
@given(times_st, st.randoms(use_true_random=False))
def test_row_order_changes_nothing(times, rnd):
    entries = pd.concat([week(times), week([t + 600 for t in times], activity="dinner")])
    shuffled = entries.sample(frac=1, random_state=rnd.randint(0, 2**31)).reset_index(drop=True)
    pd.testing.assert_frame_equal(score_activities(entries), score_activities(shuffled))
    pd.testing.assert_frame_equal(score_weeks(entries), score_weeks(shuffled))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 300), min_size=3, max_size=6))
def test_occurrence_at_habitual_time_adds_a_hit_when_h_is_unchanged(times):
    row = score_activities(week(times)).iloc[0]
    longer = score_activities(week([*times, float(row["habitual_min"])])).iloc[0]
    # With the same retained set, H is unchanged and every old hit stays a hit.
    if abs(longer["habitual_min"] - row["habitual_min"]) < 1e-6:
        assert longer["hits"] == row["hits"] + 1


def test_occurrence_at_habitual_time_can_lower_hits_under_section_1_5():
    # Found by Hypothesis: the rules of docs/srm.md are not monotone. Adding
    # 01:43.4 (= H) shrinks the SD, 00:00 becomes an outlier, H moves to 02:04.1
    # and both 01:19 occurrences fall out of the 45 min window.
    times = [0, 79, 79, 170, 189]
    row = score_activities(week(times)).iloc[0]
    assert row["habitual_min"] == pytest.approx(103.4)
    assert row["hits"] == 2
    longer = score_activities(week([*times, 103.4])).iloc[0]
    assert longer["outliers"] == 1
    assert longer["hits"] == 1


def test_target_adherence_counts_exactly_45_minutes_as_on_target():
    # docs/srm.md: like a hit, an occurrence within 45 min of its target, inclusive.
    entries = week(["07:00", "07:45", "06:15", "07:46", "06:14"], target=hm("07:00"))
    assert score_weeks(entries)["target_adherence"].iloc[0] == pytest.approx(3 / 5)


def test_weekly_hits_are_those_of_the_qualifying_activities():
    # bed qualifies (4 occurrences, 4 hits); dinner does not (2 occurrences, 2 hits).
    entries = pd.concat(
        [
            week(["23:00"] * 4, activity="bed"),
            week(["18:00"] * 2, activity="dinner"),
        ],
        ignore_index=True,
    )
    row = score_weeks(entries).iloc[0]
    assert (row["qualifying"], row["hits"], row["hits_all"]) == (1, 4, 6)
    assert row["srm"] == row["hits"] / row["qualifying"]


def test_times_spread_evenly_round_the_clock_have_no_habitual_time():
    # The circular mean of 00:00, 06:00, 12:00, 18:00 is undefined (ipsrt.circular).
    acts = score_activities(week(["00:00", "06:00", "12:00", "18:00"]))
    assert np.isnan(acts["habitual_min"].iloc[0])
    assert acts["hits"].iloc[0] == 0
