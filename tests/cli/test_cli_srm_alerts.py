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
        "resolved": 0,
        "reopened": 0,
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
    assert "acknowledged" in out
    code, out, _ = run(capsys, "--db", db, "alerts", "list", "--client", "C001", "--json")
    (listed,) = json.loads(out)
    assert (listed["status"], listed["acknowledged_by"], listed["resolved_at"]) == (
        "acknowledged",
        "dr",
        None,
    )
    code, _, err = run(capsys, "--db", db, "alerts", "ack", "999", "--by", "dr")
    assert (code, err) == (1, "error: unknown alert 999\n")
    code, _, err = run(capsys, "--db", db, "alerts", "list", "--state", "closed")
    assert code == 2
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    code, _, err = run(capsys, "--db", db, "alerts", "run", "--client", "NOPE")
    assert (code, err) == (1, "error: unknown client 'NOPE'\n")
    with Store(db) as store:
        actions = [e.action for e in store.audit_events()]
        # the acknowledgement, then the refused one of the unknown alert 999
        assert actions[-2:] == ["alert.acknowledge", "denied:client.alert.acknowledge"]
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


# -- bounds, refusals, resolved alerts, presentation (issue 12) ---------------------------


def _events(db: str) -> list[tuple[str, str, dict]]:
    with Store(db) as store:
        return [(e.actor, e.action, dict(e.detail or {})) for e in store.audit_events()]


@pytest.mark.parametrize("days", ["0", "-5", "3661", "1000000", "99999999999999999999999"])
def test_alerts_run_lookback_out_of_range_is_one_line(capsys, db, days):
    before = _events(db)
    code, out, err = run(capsys, "--db", db, "alerts", "run", "--lookback", days)
    assert (code, out) == (1, "")
    assert err == f"error: --lookback {days}: use 1 to 3660 days\n"
    assert _events(db) == before
    with Store(db) as store:
        assert store.alerts.find() == []


@pytest.fixture
def mood_alert(capsys, db, tmp_path) -> int:
    """One open mood_extreme alert of C001 (moods -4, -3), and C002 with dr2 assigned."""
    recent = tmp_path / "recent.csv"
    recent.write_text(HEADER + "2026-05-28,out_of_bed,07:00,0,-4\n2026-05-29,bed,23:00,0,-3\n")
    run(capsys, "--db", db, "import", "diary", str(recent), "--client", "C001")
    run(capsys, "--db", db, "alerts", "run")
    with Store(db) as store:
        store.add_client("C002", "Europe/Berlin", now=NOW)
        for login in ("dr", "old", "dr2"):
            add_user(store, login, "a long enough password", "clinician", now=NOW)
        store.accounts.assign("old", "C001", now=NOW)
        store.accounts.set_active("old", False, now=NOW)
        store.accounts.assign("dr2", "C002", now=NOW)
        (alert,) = store.alerts.find()
        assert alert.id is not None
        return alert.id


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--by", "dr"], "not allowed: client.alert.acknowledge"),  # not assigned
        (["--by", "old"], "user 'old' is inactive"),
        (["--by", "dr2"], "not allowed: client.alert.acknowledge"),  # another client's
        (["--by", "dr2", "--client", "C002"], "no such alert"),  # not C002's alert
        (["--by", "nobody"], "unknown user 'nobody'"),
    ],
)
def test_a_refused_acknowledgement_is_audited_and_changes_nothing_else(
    capsys, db, mood_alert, argv, message
):
    from ipsrt.cli.common import operator

    before = _events(db)
    code, out, err = run(capsys, "--db", db, "alerts", "ack", str(mood_alert), *argv)
    assert (code, out, err) == (1, "", f"error: {message}\n")
    after = _events(db)
    assert after[:-1] == before
    actor, action, detail = after[-1]
    assert (actor, action) == (argv[1], "denied:client.alert.acknowledge")
    assert detail == {"alert_id": mood_alert, "reason": message, "os_user": operator()}
    with Store(db) as store:
        (alert,) = store.alerts.find()
    assert (alert.state, alert.acknowledged_by, alert.acknowledged_at) == ("open", None, None)


def test_acknowledgement_audits_the_clinician_and_the_os_user(capsys, db, mood_alert):
    from ipsrt.cli.common import operator

    with Store(db) as store:
        store.accounts.assign("dr", "C001", now=NOW)
    code, out, err = run(
        capsys, "--db", db, "alerts", "ack", str(mood_alert), "--by", "dr", "--client", "C001"
    )
    assert (code, err) == (0, "")
    assert out == f"Alert {mood_alert} (mood_extreme, C001) acknowledged by dr.\n"
    actor, action, detail = _events(db)[-1]
    assert (actor, action) == ("dr", "alert.acknowledge")
    assert detail["os_user"] == operator()
    assert operator().startswith("cli:")
    # A huge id is an unknown alert, not a database overflow.
    code, out, err = run(capsys, "--db", db, "alerts", "ack", "9" * 30, "--by", "dr", "--json")
    assert (code, out, err) == (1, "", f"error: unknown alert {'9' * 30}\n")


def test_resolved_alerts_are_marked_and_filtered(capsys, db, mood_alert, tmp_path):
    calm = tmp_path / "calm.csv"
    calm.write_text(HEADER + "2026-05-28,out_of_bed,07:00,0,0\n2026-05-29,bed,23:00,0,0\n")
    code, _, err = run(
        capsys, "--db", db, "import", "diary", str(calm), "--client", "C001", "--confirm-replace"
    )
    assert (code, err) == (0, "")
    code, out, err = run(capsys, "--db", db, "alerts", "run")
    assert (code, err) == (0, "")
    assert "0 new, 0 updated, 0 unchanged, 1 resolved, 0 reopened alert(s)" in out
    from ipsrt.cli.common import operator

    actor, action, detail = _events(db)[-1]
    assert (actor, action, detail["alert_id"]) == (operator(), "alert.resolve", mood_alert)
    code, out, _ = run(capsys, "--db", db, "alerts", "list", "--state", "open")
    assert (code, out) == (0, "No alerts.\n")
    code, out, _ = run(capsys, "--db", db, "alerts", "list", "--state", "resolved", "--json")
    (alert,) = json.loads(out)
    assert (alert["id"], alert["status"], alert["state"]) == (mood_alert, "resolved", "open")
    assert alert["resolved_at"] == "2026-06-01T12:00:00+00:00"
    code, out, _ = run(capsys, "--db", db, "alerts", "list")
    assert code == 0
    assert "resolved" in out
    assert "2026-06-01" in out


def test_alert_table_folds_at_80_columns_and_escapes_control_characters(capsys, db):
    from ipsrt.alerts import Alert, Severity

    message = "Sleep was \x1b[2J shorter; " + "a-very-long-word-" * 6 + "end"
    with Store(db) as store:
        store.alerts.upsert(
            [
                Alert(
                    "C001",
                    "sleep_change",
                    dt.date(2026, 5, 30),
                    dt.date(2026, 5, 31),
                    Severity.WARNING,
                    message,
                )
            ],
            now=NOW,
        )
    code, out, err = run(capsys, "--db", db, "alerts", "list")
    assert (code, err) == (0, "")
    assert "\x1b" not in out
    assert "\\x1b[2J" in out  # shown as text
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    text = "".join(line.strip() for line in out.splitlines())
    assert "a-very-long-word-" * 2 in text.replace(" ", "")  # folded, not cut
    assert "2026-05-30" in out
    assert "2026-05-31" in out


@pytest.mark.parametrize("command", [["run"], ["list"]])
def test_every_alerts_command_prints_json(capsys, db, command):
    code, out, err = run(capsys, "--db", db, "alerts", *command, "--json")
    assert (code, err) == (0, "")
    json.loads(out)
