"""A client's diary day and weekly questionnaires (ipsrt.reports.today), on SQLite and PostgreSQL.

The rules tested are stated in ``docs/dashboard.md`` ("Client pages") and in
the module docstring: the editable days are the client's last 7 LOCAL dates;
a day is written through ``store.clinical.save_diary`` so the daily summaries
follow in the same transaction; saving twice changes nothing; target times
come from the anchor targets; questionnaires are weekly; a PHQ-9 item 9 above
0 raises the urgent alert (``Phq9Item9Rule``) before the call returns.

Time-zone facts used: Pacific/Auckland keeps NZST (UTC+12) in June, so
2026-06-01 13:00 UTC is 2026-06-02 01:00 local (IANA tz database).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import NOW

from ipsrt.errors import InvalidInputError
from ipsrt.reports.diary import srm_entries
from ipsrt.reports.targets import set_anchor_target
from ipsrt.reports.today import (
    EDITABLE_DAYS,
    AnchorAnswer,
    DayMood,
    client_today,
    diary_day,
    editable_days,
    save_diary_day,
    save_scales,
    scales_due,
)
from ipsrt.srm import SRM5
from ipsrt.store import Store
from ipsrt.store.clinical import DiaryCounts
from tests.helpers.clients import two_clients

TZ = "Pacific/Auckland"
#: 13:00 UTC on 1 June is 01:00 on 2 June in Auckland: UTC is still "yesterday".
EDGE = dt.datetime(2026, 6, 1, 13, 0, tzinfo=dt.UTC)
LOCAL_TODAY = dt.date(2026, 6, 2)
UTC_TODAY = dt.date(2026, 6, 1)
DAY = dt.timedelta(days=1)
PHQ9_QUIET = [1, 1, 0, 0, 0, 0, 0, 0, 0]
PHQ9_ITEM9 = [0, 0, 0, 0, 0, 0, 0, 0, 1]
ASRM = [0, 1, 0, 0, 0]

ANCHORS = {
    "out_of_bed": AnchorAnswer(7 * 60 + 5, people=0),
    "first_contact": AnchorAnswer(7 * 60 + 30, people=2),
    "start_activity": AnchorAnswer(not_done=True),
    "dinner": AnchorAnswer(18 * 60 + 45, people=3),
    "bed": AnchorAnswer(23 * 60 + 20, people=1),
}
MOOD = DayMood(-1, energy=4, irritability=2, anxiety=6)


@pytest.fixture
def auckland(store: Store) -> Store:
    return two_clients(store, TZ, NOW)


def day_audits(store: Store) -> list:
    return [e for e in store.audit_events() if e.action == "diary.save"]


def test_local_today_and_the_editable_days_at_a_zone_edge(auckland):
    client = auckland.client("C001")
    assert EDGE.date() == UTC_TODAY
    assert client_today(client, EDGE) == LOCAL_TODAY
    days = editable_days(client, EDGE)
    assert len(days) == EDITABLE_DAYS == 7
    assert days[0] == LOCAL_TODAY
    assert days[-1] == LOCAL_TODAY - 6 * DAY


def test_the_seven_day_window_follows_the_local_date_not_utc(auckland):
    # Today in Auckland (tomorrow in UTC) is accepted ...
    save_diary_day(auckland, "C001", LOCAL_TODAY, ANCHORS, MOOD, now=EDGE, actor="client1")
    # ... and so is the oldest local date of the window.
    oldest = LOCAL_TODAY - 6 * DAY
    save_diary_day(auckland, "C001", oldest, ANCHORS, None, now=EDGE, actor="client1")
    # A window computed from the UTC date would accept this one: it is refused.
    too_old = UTC_TODAY - 6 * DAY
    assert too_old == oldest - DAY
    for refused in (too_old, LOCAL_TODAY + DAY):
        with pytest.raises(InvalidInputError, match=r"can no longer be changed") as caught:
            save_diary_day(auckland, "C001", refused, ANCHORS, MOOD, now=EDGE, actor="client1")
        assert "\n" not in str(caught.value)
    stored = srm_entries(auckland, "C001")
    assert sorted(set(stored["date"])) == [oldest, LOCAL_TODAY]


def test_saved_day_reads_back_and_updates_the_summaries_in_the_same_write(auckland):
    counts = save_diary_day(auckland, "C001", LOCAL_TODAY, ANCHORS, MOOD, now=EDGE, actor="client1")
    assert counts == DiaryCounts(entries_new=5, moods_new=1)
    day = diary_day(auckland, "C001", LOCAL_TODAY)
    assert list(day.anchors) == list(SRM5.keys)
    assert day.anchors == ANCHORS
    assert day.mood == MOOD
    # Another client's day is empty.
    other = diary_day(auckland, "C002", LOCAL_TODAY)
    assert not any(a.answered for a in other.anchors.values())
    assert other.mood is None
    # The daily summary of that date was written in the same transaction.
    assert auckland.summaries.pending_count() == 0
    client_id = auckland.client("C001").id
    row = auckland.summaries.days([client_id], LOCAL_TODAY, LOCAL_TODAY).iloc[0]
    assert row["reported_bed_min"] == 23 * 60 + 20
    assert pd.isna(row["reported_start_activity_min"])  # "did not do" has no time
    assert (row["mood"], row["energy"], row["irritability"], row["anxiety"]) == (-1, 4, 2, 6)


def test_saving_the_same_day_twice_changes_nothing(auckland):
    save_diary_day(auckland, "C001", LOCAL_TODAY, ANCHORS, MOOD, now=EDGE, actor="client1")
    again = save_diary_day(
        auckland, "C001", LOCAL_TODAY, ANCHORS, MOOD, now=EDGE + DAY / 24, actor="client1"
    )
    assert again == DiaryCounts(entries_unchanged=5, moods_unchanged=1)
    assert not again.changed
    assert len(day_audits(auckland)) == 1
    assert day_audits(auckland)[0].actor == "client1"


def test_a_correction_replaces_the_stored_answers_and_keeps_unanswered_ones(auckland):
    save_diary_day(auckland, "C001", LOCAL_TODAY, ANCHORS, MOOD, now=EDGE, actor="client1")
    changed = {
        "bed": AnchorAnswer(not_done=True),
        "dinner": AnchorAnswer(19 * 60, people=3),
        "out_of_bed": AnchorAnswer(),  # left unanswered: the stored answer stays
    }
    counts = save_diary_day(
        auckland, "C001", LOCAL_TODAY, changed, DayMood(2), now=EDGE, actor="client1"
    )
    assert counts == DiaryCounts(entries_replaced=2, moods_replaced=1)
    day = diary_day(auckland, "C001", LOCAL_TODAY)
    assert day.anchors["bed"] == AnchorAnswer(not_done=True)
    assert day.anchors["dinner"].minute == 19 * 60
    assert day.anchors["out_of_bed"] == ANCHORS["out_of_bed"]
    # The form's mood replaces the ratings too (a rating left empty is cleared).
    assert day.mood == DayMood(2)
    assert [e.detail["entries_replaced"] for e in day_audits(auckland)] == [0, 2]
    client_id = auckland.client("C001").id
    row = auckland.summaries.days([client_id], LOCAL_TODAY, LOCAL_TODAY).iloc[0]
    assert row["reported_dinner_min"] == 19 * 60
    assert row["mood"] == 2


def test_target_times_are_filled_from_the_anchor_targets(auckland):
    set_anchor_target(auckland, "C001", "bed", 23 * 60, now=EDGE, actor="clin1")
    set_anchor_target(auckland, "C001", "out_of_bed", 7 * 60, now=EDGE, actor="clin1")
    save_diary_day(auckland, "C001", LOCAL_TODAY, ANCHORS, None, now=EDGE, actor="client1")
    stored = srm_entries(auckland, "C001").set_index("activity")["target"]
    assert stored["bed"] == 1380
    assert stored["out_of_bed"] == 420
    assert stored[["first_contact", "start_activity", "dinner"]].isna().all()


@pytest.mark.parametrize(
    ("anchors", "mood", "message"),
    [
        ({"bed": AnchorAnswer(1440)}, None, "time 1440 outside 00:00-23:59"),
        ({"bed": AnchorAnswer(-5)}, None, "time -5 outside 00:00-23:59"),
        ({"bed": AnchorAnswer(1380, people=4)}, None, "people code 4 outside 0..3"),
        ({"bed": AnchorAnswer(1380, not_done=True)}, None, "a time and 'did not do' at once"),
        ({"lunch": AnchorAnswer(720)}, None, "unknown activity 'lunch'"),
        ({}, DayMood(6), "mood 6 outside -5..5"),
        ({}, DayMood(0, energy=11), "energy 11 outside 0..10"),
        ({}, DayMood(0, anxiety=-1), "anxiety -1 outside 0..10"),
    ],
)
def test_bad_answers_are_refused_in_one_line_and_store_nothing(auckland, anchors, mood, message):
    good = {"out_of_bed": AnchorAnswer(420)}
    with pytest.raises(InvalidInputError, match=message) as caught:
        save_diary_day(
            auckland, "C001", LOCAL_TODAY, good | anchors, mood, now=EDGE, actor="client1"
        )
    assert "\n" not in str(caught.value)
    assert srm_entries(auckland, "C001").empty
    assert day_audits(auckland) == []


def test_questionnaires_are_due_weekly_in_local_days(auckland):
    assert scales_due(auckland, "C001", EDGE) == ["phq9", "asrm"]
    assert not save_scales(auckland, "C001", {"phq9": PHQ9_QUIET}, now=EDGE, actor="client1")
    assert scales_due(auckland, "C001", EDGE) == ["asrm"]
    assert scales_due(auckland, "C002", EDGE) == ["phq9", "asrm"]
    # Answered on local 2 June: still not due on local 8 June, due again on 9 June.
    assert scales_due(auckland, "C001", EDGE + 6 * DAY) == ["asrm"]
    assert scales_due(auckland, "C001", EDGE + 7 * DAY) == ["phq9", "asrm"]
    stored = auckland.clinical.scale_frame("C001")
    assert list(stored["date"]) == [LOCAL_TODAY]  # dated the local day, not the UTC one


def test_item_9_raises_the_urgent_alert_at_once(auckland):
    assert save_scales(
        auckland, "C001", {"phq9": PHQ9_ITEM9, "asrm": ASRM}, now=EDGE, actor="client1"
    )
    found = auckland.alerts.find()
    assert [(a.client, a.rule, a.severity, a.window_end) for a in found] == [
        ("C001", "phq9_item9", "urgent", LOCAL_TODAY)
    ]
    assert found[0].state == "open"
    assert scales_due(auckland, "C001", EDGE) == []


def test_no_alert_and_no_message_without_item_9(auckland):
    assert not save_scales(
        auckland, "C001", {"phq9": PHQ9_QUIET, "asrm": ASRM}, now=EDGE, actor="client1"
    )
    assert [a for a in auckland.alerts.find() if a.rule == "phq9_item9"] == []


def test_bad_questionnaire_answers_store_nothing(auckland):
    with pytest.raises(InvalidInputError, match="ASRM needs 5 answers"):
        save_scales(
            auckland, "C001", {"phq9": PHQ9_ITEM9, "asrm": [0, 0]}, now=EDGE, actor="client1"
        )
    with pytest.raises(InvalidInputError, match="unknown questionnaire 'gad7'"):
        save_scales(auckland, "C001", {"gad7": [0]}, now=EDGE, actor="client1")
    assert auckland.clinical.scale_frame("C001").empty
    assert auckland.alerts.find() == []
