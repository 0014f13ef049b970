"""What *My rhythm* shows (ipsrt.reports.my_rhythm): the pure summary on hand-made frames,
and the reads from the daily summaries on SQLite and PostgreSQL.

Expected values are worked out by hand from the inputs; the circular standard
deviation is Fisher (1993), eq. 2.12, as stated in :mod:`ipsrt.circular`; the
45-minute window is the SRM hit window (``docs/srm.md``, rule 3). Time-zone
fact: Pacific/Auckland keeps NZST (UTC+12) in June, so 2026-06-01 13:00 UTC
is 2026-06-02 01:00 local (IANA tz database).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import NOW

from ipsrt.errors import InvalidInputError
from ipsrt.reports.my_rhythm import (
    ANCHOR_COLUMNS,
    SLEEP_NIGHT_COLUMNS,
    TREND_COLUMNS,
    anchor_times,
    my_rhythm,
    rhythm_summary_text,
    sleep_nights,
    srm_trend,
)
from ipsrt.reports.targets import set_anchor_target
from ipsrt.reports.today import AnchorAnswer, DayMood, save_diary_day
from ipsrt.store import Store
from ipsrt.timeutil import local_midnight
from tests.helpers.clients import two_clients

TODAY = dt.date(2026, 6, 10)  # a Wednesday
D = dt.timedelta(days=1)


# -- the summary in plain words (pure) --------------------------------------------------


def weeks(srm, estimated=None, complete=None, starts=None) -> pd.DataFrame:
    n = len(srm)
    starts = starts or [dt.date(2026, 5, 25) + 7 * i * D for i in range(n)]
    return pd.DataFrame(
        {
            "week_start": starts,
            "srm": np.asarray(srm, dtype=float),
            "srm_estimated": np.asarray(estimated or [np.nan] * n, dtype=float),
            "complete": complete or [True] * n,
        },
        columns=list(TREND_COLUMNS),
    )


def anchors(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["date", "activity", "minutes", "target"])
    frame.insert(2, "label", frame["activity"].map({"bed": "To bed", "dinner": "Dinner"}))
    return frame[list(ANCHOR_COLUMNS)]


NO_ANCHORS = anchors([])
NO_SLEEP = pd.DataFrame(columns=list(SLEEP_NIGHT_COLUMNS))


def sentences(text: str) -> list[str]:
    return [s if s.endswith(".") else s + "." for s in text.split(". ")] if text else []


@pytest.mark.parametrize(
    ("srm", "how"),
    [
        ([3.0, 4.5], "more regular than the week before (4.5 against 3.0 of 7)"),
        ([4.5, 3.0], "less regular than the week before (3.0 against 4.5 of 7)"),
        ([4.0, 4.4], "about as regular as the week before (4.4 against 4.0 of 7)"),
        ([4.0, 4.5], "more regular than the week before (4.5 against 4.0 of 7)"),  # 0.5: not same
    ],
)
def test_regularity_compares_the_last_two_complete_weeks(srm, how):
    text = rhythm_summary_text(weeks(srm), NO_ANCHORS, NO_SLEEP, today=TODAY)
    assert text.startswith(f"Your routine in the week from 01 Jun was {how}.")


def test_the_running_week_is_left_out_of_the_comparison():
    frame = weeks([3.0, 4.5, 0.5], complete=[True, True, False])
    text = rhythm_summary_text(frame, NO_ANCHORS, NO_SLEEP, today=TODAY)
    assert "week from 01 Jun was more regular" in text


def test_one_scored_week_or_a_gap_gives_that_week_alone():
    gap = weeks([3.0, 4.5], starts=[dt.date(2026, 5, 18), dt.date(2026, 6, 1)])
    for frame in (weeks([np.nan, 4.5]), gap):
        text = rhythm_summary_text(frame, NO_ANCHORS, NO_SLEEP, today=TODAY)
        assert text.startswith(
            "Your routine in the week from 01 Jun scored 4.5 of 7 for regularity."
        )


def test_the_estimated_srm_stands_in_when_no_diary_week_is_scored():
    frame = weeks([np.nan, np.nan], estimated=[2.0, 3.0])
    text = rhythm_summary_text(frame, NO_ANCHORS, NO_SLEEP, today=TODAY)
    assert "(3.0 against 2.0 of 7 (estimated from your wearable))" in text


def test_nothing_yet():
    text = rhythm_summary_text(weeks([]), NO_ANCHORS, NO_SLEEP, today=TODAY)
    assert sentences(text) == [
        "There is not yet a full week of entries to score how regular your routine is.",
        "No night's sleep was recorded in the last 7 nights.",
    ]


def test_the_anchor_that_moved_most_uses_circular_spread():
    # Dinner at 18:00, 19:00, 20:00: R = (1 + 2 cos(pi/12)) / 3 = 0.977284, circular SD
    # = 1440 / (2 pi) * sqrt(-2 ln R) = 49.1 min. Bed at 23:50, 00:10, 23:50 crosses
    # midnight: its circular SD is 9.4 min (a linear SD would be about 830 min).
    rows = [
        (TODAY - 3 * D, "dinner", 1080.0, np.nan),
        (TODAY - 2 * D, "dinner", 1140.0, np.nan),
        (TODAY - D, "dinner", 1200.0, np.nan),
        (TODAY - 3 * D, "bed", 1430.0, np.nan),
        (TODAY - 2 * D, "bed", 10.0, np.nan),
        (TODAY - D, "bed", 1430.0, np.nan),
    ]
    text = rhythm_summary_text(weeks([]), anchors(rows), NO_SLEEP, today=TODAY)
    assert (
        "'Dinner' moved the most: it was usually within about 49 minutes of its average time."
        in text
    )


def test_an_anchor_needs_three_times_to_count():
    rows = [(TODAY - D, "dinner", 1080.0, np.nan), (TODAY, "dinner", 1260.0, np.nan)]
    text = rhythm_summary_text(weeks([]), anchors(rows), NO_SLEEP, today=TODAY)
    assert "moved the most" not in text


def test_times_within_45_minutes_of_their_target():
    # Target 00:00: 23:15 is 45 min off (a hit, inclusive), 00:46 is 46 (not), 23:50 is 10.
    rows = [
        (TODAY - 3 * D, "bed", 1395.0, 0.0),
        (TODAY - 2 * D, "bed", 46.0, 0.0),
        (TODAY - D, "bed", 1430.0, 0.0),
        (TODAY - D, "dinner", 1140.0, np.nan),
    ]
    text = rhythm_summary_text(weeks([]), anchors(rows), NO_SLEEP, today=TODAY)
    assert "2 of 3 times with a target were within 45 minutes of it." in text
    assert len(sentences(text)) == 4


def test_average_sleep_of_the_last_seven_nights():
    sleep = pd.DataFrame(
        {
            "night": [TODAY - 8 * D, TODAY - 7 * D, TODAY - 2 * D, TODAY - D],
            "onset_min": [1380.0] * 4,
            "offset_min": [420.0] * 4,
            "duration_min": [100.0, 420.0, 480.0, np.nan],
        }
    )
    text = rhythm_summary_text(weeks([]), NO_ANCHORS, sleep, today=TODAY)
    # Nights TODAY-7 .. TODAY-1 count: (420 + 480) / 2 = 450 min.
    assert text.endswith(
        "You slept 7 h 30 min a night on average (2 nights recorded in the last 7)."
    )


# -- reads from the daily summaries (SQLite and PostgreSQL) -------------------------------

TZ = "Pacific/Auckland"
EDGE = dt.datetime(2026, 6, 1, 13, 0, tzinfo=dt.UTC)
LOCAL_TODAY = dt.date(2026, 6, 2)  # a Tuesday; the UTC date is 1 June


@pytest.fixture
def auckland(store: Store) -> Store:
    return two_clients(store, TZ, NOW)


def enter_days(store: Store, code: str, days: int, *, bed) -> None:
    """Enter *days* local dates ending at LOCAL_TODAY, each while it was editable."""
    for i in range(days):
        day = LOCAL_TODAY - i * D
        answers = {"out_of_bed": AnchorAnswer(420), "bed": AnchorAnswer(bed(i))}
        save_diary_day(store, code, day, answers, DayMood(0), now=EDGE - i * D, actor="client1")


def test_anchor_times_end_at_the_local_today_with_targets(auckland):
    set_anchor_target(auckland, "C001", "bed", 23 * 60, now=EDGE, actor="clin1")
    enter_days(auckland, "C001", 3, bed=lambda i: 1380 + 10 * i)
    frame = anchor_times(auckland, "C001", LOCAL_TODAY, {"bed": 1380}, days=2)
    assert tuple(frame.columns) == ANCHOR_COLUMNS
    assert list(frame["date"]) == [LOCAL_TODAY - D] * 2 + [LOCAL_TODAY] * 2
    assert list(frame["activity"]) == ["out_of_bed", "bed"] * 2
    assert list(frame["minutes"]) == [420.0, 1390.0, 420.0, 1380.0]
    assert frame["target"].tolist()[1::2] == [1380.0, 1380.0]
    assert frame["target"].isna().tolist()[0::2] == [True, True]
    assert anchor_times(auckland, "C002", LOCAL_TODAY, {}).empty
    with pytest.raises(InvalidInputError, match="period of 0 days"):
        anchor_times(auckland, "C001", LOCAL_TODAY, {}, days=0)


def test_srm_trend_marks_the_running_week(auckland):
    # 14 local days up to Tuesday 2 June: week of 18 May (part), 25 May (whole), 1 June (part).
    enter_days(auckland, "C001", 14, bed=lambda i: (1380 + (i % 2) * 60) % 1440)
    trend = srm_trend(auckland, "C001", LOCAL_TODAY)
    assert tuple(trend.columns) == TREND_COLUMNS
    assert list(trend["week_start"]) == [
        dt.date(2026, 5, 18),
        dt.date(2026, 5, 25),
        LOCAL_TODAY - D,
    ]
    assert list(trend["complete"]) == [True, True, False]
    # Week of 25 May: out of bed always 07:00 (7 hits); bed 4 x 23:00 and 3 x 00:00, no
    # outlier (|t - mean| <= 30 < 1.5 s), habitual time 23:25.7, all within 45 min: 7 hits.
    # SRM = (7 + 7) / 2 (docs/srm.md, rules 1-4).
    assert trend["srm"].iloc[1] == pytest.approx(7.0)
    assert trend["srm_estimated"].isna().all()  # no wearable


def test_sleep_nights_and_the_page_bundle(auckland):
    device = auckland.add_device("C001", "huami", "C8:0F:10:00:00:01", now=NOW)
    # Whole nights only, all stored before now (noon of yesterday .. noon 4 days before).
    start = local_midnight(LOCAL_TODAY - 5 * D, TZ) + dt.timedelta(hours=12)
    end = local_midnight(LOCAL_TODAY - D, TZ) + dt.timedelta(hours=12)
    ts = pd.date_range(start, end, freq="min", inclusive="left")
    hour = ts.tz_convert(TZ).hour.to_numpy()
    asleep = (hour >= 23) | (hour < 7)  # device-labelled sleep 23:00-07:00 local
    auckland.upsert_minute_samples(
        pd.DataFrame(
            {
                "device_id": device.id,
                "ts": ts,
                "activity": np.where(asleep, 0.0, 50.0),
                "state": np.where(asleep, "sleep_light", "awake"),
            }
        ),
        now=EDGE,
    )
    nights = sleep_nights(auckland, "C001", LOCAL_TODAY, days=7)
    assert tuple(nights.columns) == SLEEP_NIGHT_COLUMNS
    assert list(nights["night"]) == [LOCAL_TODAY - i * D for i in (5, 4, 3, 2)]
    assert list(nights["onset_min"]) == [1380.0] * 4
    assert list(nights["offset_min"]) == [420.0] * 4
    assert list(nights["duration_min"]) == [480.0] * 4
    assert sleep_nights(auckland, "C002", LOCAL_TODAY).empty

    bundle = my_rhythm(auckland, "C001", EDGE, days=7)
    assert bundle.today == LOCAL_TODAY
    assert bundle.days == 7
    assert len(bundle.sleep) == 4
    assert bundle.summary.endswith(
        "You slept 8 h 00 min a night on average (4 nights recorded in the last 7)."
    )


def test_the_page_bundle_is_the_three_readers_of_its_period(auckland):
    """my_rhythm reads the day rows once for both spans (anchors: the *days* dates ending
    today; nights: the *days* nights ending the night before): its frames must be the
    ones srm_trend, anchor_times and sleep_nights return on their own."""
    set_anchor_target(auckland, "C001", "bed", 23 * 60, now=EDGE, actor="clin1")
    enter_days(auckland, "C001", 9, bed=lambda i: (1380 + (i % 3) * 20) % 1440)
    device = auckland.add_device("C001", "huami", "C8:0F:10:00:00:02", now=NOW)
    start = local_midnight(LOCAL_TODAY - 8 * D, TZ) + dt.timedelta(hours=12)
    end = local_midnight(LOCAL_TODAY - D, TZ) + dt.timedelta(hours=12)
    ts = pd.date_range(start, end, freq="min", inclusive="left")
    hour = ts.tz_convert(TZ).hour.to_numpy()
    asleep = (hour >= 22) | (hour < 6)
    auckland.upsert_minute_samples(
        pd.DataFrame(
            {
                "device_id": device.id,
                "ts": ts,
                "activity": np.where(asleep, 0.0, 50.0),
                "state": np.where(asleep, "sleep_light", "awake"),
            }
        ),
        now=EDGE,
    )
    for days in (1, 3, 7, 14):
        bundle = my_rhythm(auckland, "C001", EDGE, days=days)
        targets = {"bed": 23 * 60}
        pd.testing.assert_frame_equal(bundle.weeks, srm_trend(auckland, "C001", LOCAL_TODAY))
        pd.testing.assert_frame_equal(
            bundle.anchors, anchor_times(auckland, "C001", LOCAL_TODAY, targets, days=days)
        )
        pd.testing.assert_frame_equal(
            bundle.sleep, sleep_nights(auckland, "C001", LOCAL_TODAY, days=days)
        )
        assert len(bundle.anchors) == 2 * min(days, 9)  # out of bed and bed each day
        assert len(bundle.sleep) == min(days - 1, 7)  # 7 whole nights stored, none last night
