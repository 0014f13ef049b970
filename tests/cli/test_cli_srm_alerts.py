"""``ipsrt srm``, ``ipsrt import diary`` and ``ipsrt alerts`` run in-process on both backends."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import NOW

import ipsrt.cli.alerts
import ipsrt.cli.imports
from ipsrt.cli import main
from ipsrt.reports.accounts import add_user
from ipsrt.reports.diary import srm_entries
from ipsrt.store import Store

HEADER = "date,activity,time,people,mood\n"
# Week of Monday 2026-05-04: out_of_bed 07:00 +-10 min on six days, one 09:00 (a miss).
GOOD = (
    HEADER
    + "".join(
        f"2026-05-{d:02d},out_of_bed,{t},0,{m}\n"
        for d, t, m in [
            (4, "07:00", 0),
            (5, "07:10", 1),
            (6, "06:50", 0),
            (7, "07:05", 0),
            (8, "09:00", 4),
            (9, "07:00", 4),
            (10, "07:00", 0),
        ]
    )
    + "2026-05-11,out_of_bed,07:00,0,0\n"
)  # a second week with one day: not scored


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def diary_file(tmp_path):
    path = tmp_path / "diary.csv"
    path.write_text(GOOD, encoding="utf-8")
    return path


@pytest.fixture
def db(store: Store, database_url: str, monkeypatch) -> str:
    store.add_client("C001", "Europe/Berlin", now=NOW)
    monkeypatch.setattr(ipsrt.cli.alerts, "utc_now", lambda: NOW)
    monkeypatch.setattr(ipsrt.cli.imports, "utc_now", lambda: NOW)
    return database_url


def test_score_file_json_without_a_database(capsys, diary_file, tmp_path, monkeypatch):
    monkeypatch.setenv("IPSRT_DATABASE_URL", f"sqlite:///{tmp_path / 'absent' / 'no.sqlite3'}")
    code, out, err = run(capsys, "srm", "score", str(diary_file), "--json")
    assert (code, err) == (0, "")
    weeks = json.loads(out)
    assert [w["week_start"] for w in weeks] == ["2026-05-04", "2026-05-11"]
    assert weeks[0]["srm"] == 6.0
    assert weeks[0]["hits"] == 6
    assert weeks[0]["reason"] is None
    assert weeks[1]["srm"] is None
    assert weeks[1]["reason"] == "insufficient_diary"
    assert weeks[1]["target_adherence"] is None
    assert not (tmp_path / "absent").exists()
    code, out, _ = run(capsys, "srm", "score", str(diary_file))
    assert code == 0
    assert "insufficient" in out
    assert "6.00" in out
    assert "2026-05-11" in out


def test_score_file_errors_are_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "2026-05-04,out_of_bed,07:00,0,0\n2026-05-05,out_of_bed,25:00,0,0\n")
    code, out, err = run(capsys, "srm", "score", str(bad))
    assert (code, out) == (1, "")
    assert err == "error: line 3: invalid time '25:00': expected HH:MM, 00:00 to 23:59\n"
    code, _, err = run(capsys, "srm", "score", str(tmp_path / "missing.csv"))
    assert code == 1
    assert err.startswith("error: cannot read diary file")
    assert err.count("\n") == 1
    code, _, err = run(capsys, "srm", "score")
    assert (code, err) == (1, "error: give either a diary FILE or --client CODE\n")
    code, _, err = run(capsys, "srm", "score", str(bad), "--items", "srm9")
    assert code == 1
    assert err.startswith("error: unknown SRM item set 'srm9'")


def test_import_then_score_stored_entries(capsys, db, diary_file):
    code, out, err = run(capsys, "--db", db, "import", "diary", str(diary_file), "--client", "C001")
    assert (code, err) == (0, "")
    assert "8 new, 0 unchanged, 0 replaced entries; 8 new" in out
    code, out, _ = run(
        capsys, "--db", db, "import", "diary", str(diary_file), "--client", "C001", "--json"
    )
    assert code == 0
    assert json.loads(out)["entries_unchanged"] == 8
    assert json.loads(out)["entries_new"] == 0
    code, out, _ = run(
        capsys, "--db", db, "srm", "score", "--client", "C001", "--from", "2026-05-04", "--json"
    )
    weeks = json.loads(out)
    assert code == 0
    assert weeks[0]["client"] == "C001"
    assert weeks[0]["srm"] == 6.0
    code, out, _ = run(
        capsys, "--db", db, "srm", "score", "--client", "C001", "--to", "2026-05-03", "--json"
    )
    assert (code, json.loads(out)) == (0, [])
    code, _, err = run(capsys, "--db", db, "srm", "score", "--client", "C001", "--from", "May")
    assert (code, err) == (1, "error: invalid --from 'May': expected YYYY-MM-DD\n")


def test_import_conflict_and_confirm_replace(capsys, db, diary_file, tmp_path):
    run(capsys, "--db", db, "import", "diary", str(diary_file), "--client", "C001")
    changed = tmp_path / "changed.csv"
    changed.write_text(GOOD.replace("2026-05-08,out_of_bed,09:00", "2026-05-08,out_of_bed,07:00"))
    code, out, err = run(capsys, "--db", db, "import", "diary", str(changed), "--client", "C001")
    assert (code, out) == (1, "")
    assert err.startswith("error: client 'C001' already has a different entry for 2026-05-08")
    assert err.count("\n") == 1
    code, out, _ = run(
        capsys,
        "--db",
        db,
        "import",
        "diary",
        str(changed),
        "--client",
        "C001",
        "--confirm-replace",
    )
    assert code == 0
    assert "7 unchanged, 1 replaced entries" in out
    with Store(db) as store:
        minutes = srm_entries(store, "C001", dt.date(2026, 5, 8), dt.date(2026, 5, 8))["minutes"]
    assert minutes.tolist() == [420.0]


def test_import_bad_file_and_unknown_client(capsys, db, tmp_path, diary_file):
    bad = tmp_path / "bad.csv"
    lines = GOOD.splitlines()
    lines.insert(4, "2026-05-06,dinner,19:00,0,9")
    bad.write_text("\n".join(lines) + "\n")
    code, _, err = run(capsys, "--db", db, "import", "diary", str(bad), "--client", "C001")
    assert (code, err) == (1, "error: line 5: mood 9 outside -5..5\n")
    code, _, err = run(capsys, "--db", db, "import", "diary", str(diary_file), "--client", "X")
    assert (code, err) == (1, "error: unknown client 'X'\n")
    with Store(db) as store:
        assert srm_entries(store, "C001").empty


def test_alerts_run_list_ack(capsys, db, diary_file, tmp_path):
    with Store(db) as store:
        add_user(store, "dr", "a long enough password", "clinician", now=NOW)
    recent = tmp_path / "recent.csv"
    recent.write_text(HEADER + "2026-05-28,out_of_bed,07:00,0,-4\n2026-05-29,bed,23:00,0,-3\n")
    run(capsys, "--db", db, "import", "diary", str(recent), "--client", "C001")
    code, out, err = run(capsys, "--db", db, "alerts", "run", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "clients": 1,
        "evaluated": 1,
        "new": 1,
        "updated": 0,
        "failed": {},
        "unchanged": 0,
        "skipped": 0,
    }
    # Nothing changed since: the client is not evaluated again ...
    code, out, _ = run(capsys, "--db", db, "alerts", "run", "--client", "C001")
    assert code == 0
    assert "Checked 0 of 1 client(s) (1 unchanged since the last run)" in out
    # ... unless asked; then the stored alert is found unchanged.
    code, out, _ = run(capsys, "--db", db, "alerts", "run", "--client", "C001", "--all")
    assert code == 0
    assert "0 new, 0 updated, 1 unchanged" in out
    code, out, _ = run(capsys, "--db", db, "alerts", "list", "--state", "open", "--json")
    (alert,) = json.loads(out)
    assert code == 0
    assert (alert["client"], alert["rule"], alert["window_start"], alert["window_end"]) == (
        "C001",
        "mood_extreme",
        "2026-05-28",
        "2026-05-29",
    )
    assert alert["evidence"] == {"direction": "low", "moods": [-4.0, -3.0]}
    # The same rule as the dashboard: only a clinician C001 is assigned to may acknowledge.
    code, _, err = run(capsys, "--db", db, "alerts", "ack", str(alert["id"]), "--by", "dr")
    assert (code, err) == (1, "error: not allowed: client.alert.acknowledge\n")
    with Store(db) as store:
        store.accounts.assign("dr", "C001", now=NOW)
    code, out, _ = run(capsys, "--db", db, "alerts", "ack", str(alert["id"]), "--by", "dr")
    assert code == 0
    assert "acknowledged by dr" in out
    code, _, err = run(capsys, "--db", db, "alerts", "ack", str(alert["id"]), "--by", "dr")
    assert code == 1
    assert (
        err
        == f"error: alert {alert['id']} was already acknowledged by dr at 2026-06-01 12:00 UTC\n"
    )
    code, out, _ = run(capsys, "--db", db, "alerts", "list", "--state", "open", "--json")
    assert json.loads(out) == []
    code, out, _ = run(capsys, "--db", db, "alerts", "list", "--client", "C001")
    assert code == 0
    assert "acknowled" in out
    assert "acknowledged by dr" in out
    code, _, err = run(capsys, "--db", db, "alerts", "ack", "999", "--by", "dr")
    assert (code, err) == (1, "error: unknown alert 999\n")
    code, _, err = run(capsys, "--db", db, "alerts", "list", "--state", "closed")
    assert code == 2
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    code, _, err = run(capsys, "--db", db, "alerts", "run", "--client", "NOPE")
    assert (code, err) == (1, "error: unknown client 'NOPE'\n")
    with Store(db) as store:
        assert [e.action for e in store.audit_events()][-1] == "alert.acknowledge"
        assert store.alerts.find()[0].state == "acknowledged"


def test_summaries_rebuild(capsys, db, diary_file):
    run(capsys, "--db", db, "import", "diary", str(diary_file), "--client", "C001")
    with Store(db) as store:
        client_id = store.client("C001").id
        assert client_id is not None
        imported = store.summaries.weeks([client_id], dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    # Week of 4 May: out_of_bed 07:00 +-10 min on six days and 09:00 once: 6 hits (docs/srm.md).
    assert imported.set_index("week_start").loc[dt.date(2026, 5, 4), "srm"] == 6.0
    code, out, err = run(capsys, "--db", db, "summaries", "rebuild", "--json")
    assert (code, err) == (0, "")
    # Diary entries of 4-11 May fall in the client weeks of 4 and 11 May.
    assert json.loads(out) == {"clients": 1, "weeks": {"C001": 2}}
    with Store(db) as store:
        rebuilt = store.summaries.weeks([client_id], dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    assert rebuilt.equals(imported)
    code, _out, err = run(capsys, "--db", db, "summaries", "rebuild", "--client", "NOPE")
    assert (code, err) == (1, "error: unknown client 'NOPE'\n")
