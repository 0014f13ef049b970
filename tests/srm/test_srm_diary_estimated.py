"""Diary CSV validation and estimated anchors (docs/srm.md; docs/architecture.md "Time")."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from ipsrt.srm import score_weeks
from ipsrt.srm.diary import DiaryError, read_diary_csv
from ipsrt.srm.estimated import anchor_agreement, estimate_anchors

TODAY = dt.date(2026, 6, 1)  # the clock the callers pass in (the file's dates are 2024)

GOOD = """date,activity,time,people,mood,target
2024-03-04,out_of_bed,07:05,0,1,07:00
2024-03-04,Bed,00:20,0,,23:30
2024-03-05,first contact,not_done,,-2,
2024-03-05,GET UP,06:55,2,-2,
"""


def test_reads_valid_diary_with_aliases_and_mood():
    diary = read_diary_csv(io.StringIO(GOOD), today=TODAY)
    e = diary.entries
    assert e["activity"].tolist() == ["out_of_bed", "bed", "first_contact", "out_of_bed"]
    assert e["minutes"].iloc[1] == 20  # after midnight, still the evening of 4 March
    assert e["date"].iloc[1] == dt.date(2024, 3, 4)
    assert e["status"].iloc[2] == "not_done"
    assert np.isnan(e["minutes"].iloc[2])
    assert e["target"].iloc[0] == 420
    assert diary.mood["mood"].tolist() == [1, -2]
    assert diary.replaced == ()
    assert score_weeks(e)["reason"].iloc[0] == "insufficient_diary"


def test_reads_from_path(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(GOOD, encoding="utf-8")
    assert len(read_diary_csv(path, today=TODAY).entries) == 4


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2024-03-06,lunch,12:00,0", "line 2: unknown activity 'lunch'"),
        ("2024-03-06,dinner,25:00,0", "line 2: invalid time '25:00'"),
        ("2024-02-30,dinner,19:00,0", "line 2: invalid date '2024-02-30'"),
        ("2024-03-06,dinner,19:00,4", "line 2: people code 4 outside 0..3"),
        ("2024-03-06,dinner,19:00,x", "line 2: people code 'x'"),
        ("2024-03-06,dinner,,0", "line 2: empty time"),
        ("2024-03-06,dinner,19:00", "line 2: expected 4 fields"),
    ],
)
def test_bad_rows_name_their_line(row, message):
    with pytest.raises(DiaryError) as info:
        read_diary_csv(io.StringIO("date,activity,time,people\n" + row + "\n"), today=TODAY)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_bad_mood_and_header():
    with pytest.raises(DiaryError, match=r"line 3: mood 6 outside -5\.\.5"):
        read_diary_csv(
            io.StringIO(
                "date,activity,time,people,mood\n2024-03-06,bed,23:00,0,1\n2024-03-07,bed,23:00,0,6\n"
            ),
            today=TODAY,
        )
    with pytest.raises(DiaryError, match="missing column 'people'"):
        read_diary_csv(io.StringIO("date,activity,time\n"), today=TODAY)
    with pytest.raises(DiaryError, match="unknown column 'tme'"):
        read_diary_csv(io.StringIO("date,activity,tme,people\n"), today=TODAY)
    with pytest.raises(DiaryError, match="empty"):
        read_diary_csv(io.StringIO(""), today=TODAY)


def test_srm17_activities_need_srm17():
    text = "date,activity,time,people\n2024-03-06,breakfast,08:00,1\n"
    with pytest.raises(DiaryError, match="unknown activity"):
        read_diary_csv(io.StringIO(text), today=TODAY)
    assert (
        read_diary_csv(io.StringIO(text), items="srm17", today=TODAY).entries["activity"].iloc[0]
        == "breakfast"
    )


def test_duplicate_needs_confirmation_then_later_row_wins():
    text = "date,activity,time,people\n2024-03-06,bed,23:00,0\n2024-03-06,bed,23:30,1\n"
    with pytest.raises(DiaryError, match="line 3: second entry for 2024-03-06 bed"):
        read_diary_csv(io.StringIO(text), today=TODAY)
    diary = read_diary_csv(io.StringIO(text), confirm_replace=True, today=TODAY)
    assert diary.entries["minutes"].tolist() == [1410.0]
    assert diary.replaced[0].replaced_line == 2
    assert diary.replaced[0].kept_line == 3


# --- estimated anchors --------------------------------------------------------

TZ = "Europe/Berlin"


def _sleep(nights, onset="23:00", hours=8.0):
    rows = []
    for night in nights:
        on = pd.Timestamp(f"{night} {onset}").tz_localize(TZ)
        rows.append(
            {
                "night": night,
                "onset_utc": on.tz_convert("UTC"),
                "offset_utc": (on + pd.Timedelta(hours=hours)).tz_convert("UTC"),
            }
        )
    return pd.DataFrame(rows)


def test_estimated_anchors_follow_night_rules_across_dst():
    # Spring forward in Berlin on 2024-03-31 at 02:00: an 8 h sleep from 23:00 ends at 08:00.
    nights = [dt.date(2024, 3, 30), dt.date(2024, 3, 31)]
    sleep = _sleep(nights)
    idx = pd.date_range("2024-03-30", "2024-04-02", freq="min", tz="UTC")
    steps = pd.Series(0.0, index=idx)
    wake = sleep["offset_utc"].iloc[0]
    steps[wake + pd.Timedelta(minutes=30) : wake + pd.Timedelta(minutes=39)] = 10.0  # exactly 100
    est = estimate_anchors(sleep, steps, TZ)
    got = {(r.date, r.activity): r.minutes for r in est.itertuples()}
    assert got[(dt.date(2024, 3, 30), "bed")] == 23 * 60
    assert got[(dt.date(2024, 3, 31), "out_of_bed")] == 8 * 60  # 8 h later, after the change
    assert got[(dt.date(2024, 3, 31), "start_activity")] == 8 * 60 + 30
    assert (dt.date(2024, 4, 1), "start_activity") not in got  # no active window
    assert set(est["source"]) == {"estimated"}


def test_start_activity_needs_min_steps_in_window():
    sleep = _sleep([dt.date(2024, 1, 10)])
    wake = sleep["offset_utc"].iloc[0]
    steps = pd.Series([99.0], index=pd.DatetimeIndex([wake + pd.Timedelta(minutes=5)]))
    est = estimate_anchors(sleep, steps, TZ)
    assert "start_activity" not in set(est["activity"])
    est = estimate_anchors(sleep, steps, TZ, min_steps=99)
    row = est[est["activity"] == "start_activity"].iloc[0]
    assert row["minutes"] == 7 * 60 + 5


def test_anchor_agreement_uses_circular_difference():
    diary = pd.DataFrame(
        {
            "date": [dt.date(2024, 1, 1)] * 2,
            "activity": ["bed", "out_of_bed"],
            "minutes": [1430.0, 420.0],
            "status": "done",
        }
    )
    est = diary.assign(minutes=[10.0, 450.0], source="estimated")
    agree = anchor_agreement(diary, est).set_index("activity")
    assert agree.loc["bed", "median_abs_diff_min"] == 20
    assert agree.loc["out_of_bed", "median_diff_min"] == 30
    assert agree.loc["bed", "n_pairs"] == 1


def test_estimated_and_diary_are_never_merged():
    diary = pd.DataFrame(
        {"date": [dt.date(2024, 1, 1)], "activity": ["bed"], "minutes": [1430.0], "source": "diary"}
    )
    est = diary.assign(date=[dt.date(2024, 1, 2)], source="estimated")
    with pytest.raises(Exception, match="mix sources"):
        score_weeks(pd.concat([diary, est]))
