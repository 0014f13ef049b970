"""Diary, mood, scale and alert persistence (ipsrt.store.clinical), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import NOW

from ipsrt.alerts import Alert, Severity
from ipsrt.errors import InvalidInputError, NotFoundError
from ipsrt.mood import PHQ9_VERSION, MoodError
from ipsrt.reports.access import AccessDenied
from ipsrt.reports.accounts import add_user
from ipsrt.reports.alerts import acknowledge
from ipsrt.reports.diary import import_diary, record_scale, scale_responses, srm_entries
from ipsrt.srm import score_weeks
from ipsrt.srm.diary import Diary, DiaryError, read_diary_csv
from ipsrt.store import Store
from ipsrt.store.alerts_store import AlertStateError
from ipsrt.store.clinical import DiaryConflictError, DiaryCounts

LATER = NOW + dt.timedelta(hours=1)
HEADER = "date,activity,time,people,mood,target\n"
WEEK = (
    HEADER
    + "".join(
        f"2026-05-{day:02d},out_of_bed,07:{day:02d},0,{mood},07:00\n"
        f"2026-05-{day:02d},bed,23:{30 + day},1,,\n"
        for day, mood in zip(range(4, 11), [0, 1, 1, 0, -1, 0, 2], strict=True)
    )
    + "2026-05-05,dinner,not_done,,,\n"
)


def diary(text: str, **kw) -> Diary:
    return read_diary_csv(io.StringIO(text), **kw, today=NOW.date())


def count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def audits(store: Store, action: str) -> list:
    return [e for e in store.audit_events() if e.action == action]


@pytest.fixture
def client(store: Store) -> str:
    store.add_client("C001", "Europe/Berlin", now=NOW)
    return "C001"


def test_import_stores_entries_and_moods_and_reads_back_for_scoring(store, client):
    counts = import_diary(store, client, diary(WEEK), now=NOW)
    assert counts == DiaryCounts(entries_new=15, moods_new=7)
    entries = srm_entries(store, client)
    assert list(entries.columns) == [
        "client",
        "date",
        "activity",
        "minutes",
        "status",
        "people",
        "target",
    ]
    assert len(entries) == 15
    assert entries["date"].iloc[0] == dt.date(2026, 5, 4)
    assert entries.loc[entries["status"] == "not_done", "activity"].tolist() == ["dinner"]
    # Stored entries score exactly like the file they came from.
    expected = score_weeks(diary(WEEK).entries.drop(columns="line"))
    got = score_weeks(entries)
    pd.testing.assert_series_equal(got["srm"], expected["srm"])
    assert got["client"].tolist() == ["C001"]
    # Date filters are inclusive.
    assert len(srm_entries(store, client, dt.date(2026, 5, 5), dt.date(2026, 5, 5))) == 3
    assert srm_entries(store, client, items="srm17").empty
    moods = store.clinical.mood_frame(client)
    assert moods["mood"].tolist() == [0.0, 1.0, 1.0, 0.0, -1.0, 0.0, 2.0]
    assert np.isnan(moods["energy"]).all()
    (event,) = audits(store, "diary.import")
    assert event.subject == client
    assert event.detail["entries_new"] == 15
    assert event.detail["item_set"] == "srm5"


def test_reimport_is_idempotent(store, client):
    import_diary(store, client, diary(WEEK), now=NOW)
    again = import_diary(store, client, diary(WEEK), now=LATER)
    assert again == DiaryCounts(entries_unchanged=15, moods_unchanged=7)
    assert not again.changed
    assert count(store, "srm_entry") == 15
    assert count(store, "mood_entry") == 7
    assert len(audits(store, "diary.import")) == 1  # nothing changed, nothing audited
    with store.engine.connect() as conn:
        recorded = {r[0] for r in conn.execute(sa.text("SELECT recorded_at FROM srm_entry"))}
    assert len(recorded) == 1


def test_bad_line_in_the_middle_stores_nothing(store, client):
    lines = WEEK.splitlines()
    lines.insert(6, "2026-05-06,first_contact,25:00,0,,")
    with pytest.raises(DiaryError, match=r"^line 7: invalid time '25:00': expected HH:MM"):
        import_diary(store, client, diary("\n".join(lines) + "\n"), now=NOW)
    assert count(store, "srm_entry") == 0
    assert count(store, "mood_entry") == 0
    # A Diary built in code with a bad row is refused before anything is written.
    good = diary(WEEK)
    bad = good.entries.copy()
    bad.loc[5, "minutes"] = 1500.0
    with pytest.raises(InvalidInputError, match=r"line 7: .* outside 00:00-23:59"):
        import_diary(store, client, Diary(bad, good.mood, (), "srm5"), now=NOW)
    moods = good.mood.copy()
    moods.loc[3, "mood"] = 7
    with pytest.raises(MoodError, match=r"mood 7 outside -5\.\.5"):
        import_diary(store, client, Diary(good.entries, moods, (), "srm5"), now=NOW)
    assert count(store, "srm_entry") == 0
    assert count(store, "mood_entry") == 0
    assert audits(store, "diary.import") == []


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2026-05-04,out_of_bed,07:00,0,6,", "line 2: mood 6 outside -5..5"),
        ("2026-05-04,walk the dog,07:00,0,,", "line 2: unknown activity 'walk the dog'"),
        ("2026-05-04,out_of_bed,25:00,0,,", "line 2: invalid time '25:00'"),
        ("2026-05-04,out_of_bed,07:00,4,,", "line 2: people code 4 outside 0..3"),
    ],
)
def test_bad_values_name_the_line(row, message):
    with pytest.raises(DiaryError) as info:
        diary(HEADER + row + "\n")
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_conflict_is_an_error_unless_confirmed(store, client):
    import_diary(store, client, diary(WEEK), now=NOW)
    changed = WEEK.replace("2026-05-06,out_of_bed,07:06", "2026-05-06,out_of_bed,09:15")
    changed = changed.replace("2026-05-09,out_of_bed,07:09,0,0", "2026-05-09,out_of_bed,07:09,0,-3")
    changed += "2026-05-11,out_of_bed,07:00,0,,\n"  # new: must not be stored on conflict
    with pytest.raises(DiaryConflictError) as info:
        import_diary(store, client, diary(changed), now=LATER)
    message = str(info.value)
    assert "2026-05-06 out_of_bed (stored 07:06 -> 09:15) and 1 more" in message
    assert "nothing was imported" in message
    assert count(store, "srm_entry") == 15
    assert srm_entries(store, client, dt.date(2026, 5, 6), dt.date(2026, 5, 6))[
        "minutes"
    ].tolist() == [426.0, 1416.0]
    counts = import_diary(store, client, diary(changed), now=LATER, confirm_replace=True)
    assert counts == DiaryCounts(
        entries_new=1, entries_unchanged=14, entries_replaced=1, moods_unchanged=6, moods_replaced=1
    )
    day = srm_entries(store, client, dt.date(2026, 5, 6), dt.date(2026, 5, 6))
    assert day["minutes"].tolist() == [555.0, 1416.0]
    assert store.clinical.mood_frame(client, dt.date(2026, 5, 9), dt.date(2026, 5, 9))[
        "mood"
    ].tolist() == [-3.0]
    last = audits(store, "diary.import")[-1]
    assert last.at == LATER
    assert last.detail["entries_replaced"] == 1
    assert last.detail["moods_replaced"] == 1
    assert {"date": "2026-05-06", "activity": "out_of_bed"} in last.detail["replaced"]
    assert {"date": "2026-05-09", "activity": "mood"} in last.detail["replaced"]


def test_duplicate_rows_in_one_file(store, client):
    text = HEADER + "2026-05-04,out_of_bed,07:00,0,,\n2026-05-04,get up,07:30,0,,\n"
    with pytest.raises(DiaryError, match="line 3: second entry for 2026-05-04 out_of_bed"):
        diary(text)
    counts = import_diary(store, client, diary(text, confirm_replace=True), now=NOW)
    assert counts.entries_new == 1
    assert srm_entries(store, client)["minutes"].tolist() == [450.0]


def test_item_sets_are_kept_apart_and_unknown_client_refused(store, client):
    srm17 = HEADER + "2026-05-04,breakfast,07:30,1,,\n2026-05-04,out_of_bed,06:00,0,,\n"
    import_diary(store, client, diary(WEEK), now=NOW)
    counts = import_diary(store, client, diary(srm17, items="srm17"), now=NOW)
    assert counts.entries_new == 2  # out_of_bed of SRM-17 does not collide with SRM-5
    assert srm_entries(store, client, items="srm17")["activity"].tolist() == [
        "out_of_bed",
        "breakfast",
    ]
    with pytest.raises(NotFoundError, match="unknown client 'NOPE'"):
        import_diary(store, "NOPE", diary(WEEK), now=NOW)


def test_scale_responses(store, client):
    phq = record_scale(
        store,
        client,
        "PHQ-9",
        [1, 2, 0, 1, 0, 0, 1, 0, 2],
        answered_on=dt.date(2026, 5, 20),
        now=NOW,
    )
    assert phq.version == PHQ9_VERSION
    record_scale(store, client, "asrm", [1, 1, 2, 0, 3], answered_on=dt.date(2026, 5, 21), now=NOW)
    with pytest.raises(MoodError, match=r"PHQ-9 item 3 4 outside 0\.\.3"):
        record_scale(
            store,
            client,
            "phq9",
            [0, 0, 4, 0, 0, 0, 0, 0, 0],
            answered_on=dt.date(2026, 5, 22),
            now=NOW,
        )
    with pytest.raises(InvalidInputError, match="unknown instrument 'gad7'"):
        record_scale(store, client, "gad7", [0] * 7, answered_on=dt.date(2026, 5, 22), now=NOW)
    frame = scale_responses(store, client)
    assert frame["instrument"].tolist() == ["phq9", "asrm"]
    assert frame["total"].tolist() == [7, 7]
    assert frame["item9"].iloc[0] == 2.0
    assert np.isnan(frame["item9"].iloc[1])
    assert len(scale_responses(store, client, instrument="asrm")) == 1
    assert len(audits(store, "scale.record")) == 2


def _alert(day: int, end: int | None = None, **kw) -> Alert:
    start = dt.date(2026, 5, day)
    return Alert(
        client=kw.pop("client", "C001"),
        rule_id=kw.pop("rule_id", "mood_extreme"),
        window_start=start,
        window_end=dt.date(2026, 5, end or day),
        severity=Severity.WARNING,
        message=kw.pop("message", "Mood was rated high; worth checking in"),
        evidence=kw.pop("evidence", {"moods": [4.0, 4.0], "baseline": np.float64(np.nan)}),
    )


def test_upsert_is_idempotent_and_grows_without_reopening(store, client):
    add_user(store, "dr", "a long enough password", "clinician", now=NOW)
    assert store.alerts.upsert([_alert(10, 11), _alert(12, rule_id="phq9_item9")], now=NOW) == (
        2,
        0,
    )
    assert store.alerts.upsert([_alert(10, 11), _alert(12, rule_id="phq9_item9")], now=LATER) == (
        0,
        0,
    )
    (mood,) = store.alerts.find(client_code=client, state="open")[:1]
    assert mood.rule in {"mood_extreme", "phq9_item9"}
    mood = next(a for a in store.alerts.find() if a.rule == "mood_extreme")
    assert mood.evidence == {"moods": [4.0, 4.0], "baseline": None}
    store.accounts.assign("dr", client, now=NOW)
    acked = acknowledge(store, mood.id, by_login="dr", now=LATER)
    assert acked.state == "acknowledged"
    assert acked.acknowledged_by == "dr"
    grown = _alert(10, 12, evidence={"moods": [4.0, 4.0, 5.0]}, message="3 days")
    assert store.alerts.upsert([grown], now=LATER) == (0, 1)
    (row,) = [a for a in store.alerts.find() if a.rule == "mood_extreme"]
    assert row.window_end == dt.date(2026, 5, 12)
    assert row.message == "3 days"
    assert row.state == "acknowledged"
    assert row.acknowledged_at == LATER
    assert count(store, "alert") == 2
    assert [a.rule for a in store.alerts.find(state="acknowledged")] == ["mood_extreme"]
    with pytest.raises(NotFoundError, match="unknown client 'C999'"):
        store.alerts.upsert([_alert(10), _alert(10, client="C999")], now=NOW)
    assert count(store, "alert") == 2
    with pytest.raises(InvalidInputError, match="unknown alert state 'closed'"):
        store.alerts.find(state="closed")


def test_acknowledge_is_audited_and_only_once(store, client):
    add_user(store, "dr", "a long enough password", "clinician", now=NOW)
    add_user(store, "res", "a long enough password", "researcher", now=NOW)
    store.accounts.assign("dr", client, now=NOW)
    store.alerts.upsert([_alert(10)], now=NOW)
    (alert,) = store.alerts.find()
    with pytest.raises(AccessDenied, match=r"not allowed: client\.alert\.acknowledge"):
        acknowledge(store, alert.id, by_login="res", now=LATER)
    with pytest.raises(NotFoundError, match="unknown alert 999"):
        acknowledge(store, 999, by_login="dr", now=LATER)
    acknowledge(store, alert.id, by_login="dr", now=LATER)
    (event,) = audits(store, "alert.acknowledge")
    assert (event.actor, event.subject, event.at) == ("dr", client, LATER)
    assert event.detail == {
        "alert_id": alert.id,
        "rule": "mood_extreme",
        "window_start": "2026-05-10",
    }
    with pytest.raises(AlertStateError, match="already acknowledged by dr at 2026-06-01 13:00 UTC"):
        acknowledge(store, alert.id, by_login="dr", now=LATER + dt.timedelta(hours=1))
    assert len(audits(store, "alert.acknowledge")) == 1
    assert store.alerts.find()[0].acknowledged_at == LATER
