"""The commands issue 12 adds: mood add, scales add, clients edit/archive/unarchive,
unassign, audit list, and the audited init; each with --json and one-line errors."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys

import pytest
import sqlalchemy as sa

from ipsrt.cli import main
from ipsrt.cli.common import operator
from ipsrt.store import Store

PASSWORD = "a long and private passphrase"
#: A date a few days back: plausible in every zone whatever the day the tests run.
RECENT = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=3)).isoformat()


@pytest.fixture
def clinic(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database with clients C001 (Berlin) and C002, and clinician dr.lee caring for C001."""
    assert main(["--db", database_url, "init"]) == 0
    for code, tz in (("C001", "Europe/Berlin"), ("C002", "Australia/Lord_Howe")):
        assert main(["--db", database_url, "clients", "add", "--code", code, "--tz", tz]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    login = ["users", "add", "dr.lee", "--role", "clinician", "--password-stdin"]
    assert main(["--db", database_url, *login]) == 0
    assert main(["--db", database_url, "assign", "dr.lee", "C001"]) == 0
    return database_url


def run(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--db", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def audit_rows(url: str) -> list[tuple[str, str, str | None]]:
    """(actor, action, subject) of every audit event, oldest first."""
    with Store(url) as store:
        return [(e.actor, e.action, e.subject) for e in store.audit_events()]


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    return lines[0]


# -- init -----------------------------------------------------------------------------


def test_init_is_audited_with_the_os_user(database_url: str, capsys) -> None:
    code, out, _ = run(capsys, database_url, "init", "--json")
    assert code == 0
    assert set(json.loads(out)) == {"database", "schema"}
    assert audit_rows(database_url) == [(operator(), "store.init", None)]
    assert operator().startswith("cli:")


# -- mood add -------------------------------------------------------------------------


def test_mood_add_stores_audits_and_prints_json(clinic: str, capsys) -> None:
    code, out, _ = run(
        capsys, clinic, "mood", "add", "--client", "C001", "--date", RECENT, "--mood", "-2",
        "--energy", "3", "--anxiety", "10", "--json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out) == {
        "client": "C001", "date": RECENT, "mood": -2, "energy": 3, "irritability": None,
        "anxiety": 10, "result": "added",
    }  # fmt: skip
    with Store(clinic) as store:
        moods = store.clinical.mood_frame("C001", None, None)
    assert moods["mood"].tolist() == [-2]
    assert moods["anxiety"].tolist() == [10]
    assert audit_rows(clinic)[-1] == (operator(), "mood.add", "C001")
    # The same rating again changes nothing and writes no audit event.
    before = audit_rows(clinic)
    code, out, _ = run(
        capsys, clinic, "mood", "add", "--client", "C001", "--date", RECENT, "--mood", "-2",
        "--energy", "3", "--anxiety", "10",
    )  # fmt: skip
    assert code == 0
    assert "unchanged" in out
    assert audit_rows(clinic) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mood", "6"], "mood 6 outside -5..5"),
        (["--mood", "1", "--energy", "11"], "energy 11 outside 0..10"),
        (["--mood", "1", "--date", "0001-01-01"], "mood date 0001-01-01 is not plausible"),
        (["--mood", "1", "--date", "9999-12-31"], "mood date 9999-12-31 is not plausible"),
        (["--mood", "1", "--date", "2026-02-30"], "invalid --date '2026-02-30'"),
        (["--mood", "1", "--client", "NOPE"], "unknown client 'NOPE'"),
    ],
)
def test_mood_add_refuses_bad_input_in_one_line(
    clinic: str, capsys, args: list[str], message: str
) -> None:
    options = {"--client": "C001", "--date": RECENT}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        options[flag] = value
    before = audit_rows(clinic)
    code, _, err = run(capsys, clinic, "mood", "add", *[w for kv in options.items() for w in kv])
    assert code == 1
    assert message in one_error_line(err)
    assert audit_rows(clinic) == before


def test_mood_add_replaces_only_with_confirm_replace(clinic: str, capsys) -> None:
    base = ["mood", "add", "--client", "C001", "--date", RECENT]
    assert run(capsys, clinic, *base, "--mood", "1")[0] == 0
    code, _, err = run(capsys, clinic, *base, "--mood", "3")
    assert code == 1
    assert "--confirm-replace" in one_error_line(err)
    code, out, _ = run(capsys, clinic, *base, "--mood", "3", "--confirm-replace", "--json")
    assert code == 0
    assert json.loads(out)["result"] == "replaced"


# -- scales add -----------------------------------------------------------------------


def test_phq9_item9_is_urgent_and_raises_the_clinician_alert(clinic: str, capsys) -> None:
    code, out, _ = run(
        capsys, clinic, "scales", "add", "phq9", "--client", "C001", "--date", RECENT,
        "--answers", "1,1,1,1,1,1,1,1,2",
    )  # fmt: skip
    assert code == 0
    # Kroenke et al. 2001 (doi:10.1046/j.1525-1497.2001.016009606.x): 10..14 is moderate.
    assert "PHQ-9 10/27 (moderate)" in out
    assert "URGENT" in out
    with Store(clinic) as store:
        alerts = store.alerts.find(state="open")
    assert [(a.client, a.rule, a.severity) for a in alerts] == [("C001", "phq9_item9", "urgent")]
    assert (operator(), "scale.record", "C001") in audit_rows(clinic)


def test_phq9_without_item9_raises_no_alert_and_json_has_the_score(clinic: str, capsys) -> None:
    code, out, _ = run(
        capsys, clinic, "scales", "add", "phq9", "--client", "C001", "--date", RECENT,
        "--answers", "3,3,3,3,3,3,3,2,0", "--json",
    )  # fmt: skip
    assert code == 0
    # 23 lies in the 20..27 "severe" band (Kroenke et al. 2001).
    assert json.loads(out) == {
        "client": "C001", "date": RECENT, "scale": "phq9", "answers": [3, 3, 3, 3, 3, 3, 3, 2, 0],
        "total": 23, "severity": "severe", "item9": 0, "urgent": False,
    }  # fmt: skip
    with Store(clinic) as store:
        assert store.alerts.find(state="open") == []


def test_asrm_positive_screen(clinic: str, capsys) -> None:
    code, out, _ = run(
        capsys, clinic, "scales", "add", "asrm", "--client", "C002", "--date", RECENT,
        "--answers", "2,1,1,1,1", "--json",
    )  # fmt: skip
    assert code == 0
    # Altman et al. 1997 (doi:10.1016/S0006-3223(96)00548-3): a total of 6 or more screens positive.
    assert json.loads(out)["total"] == 6
    assert json.loads(out)["positive"] is True


@pytest.mark.parametrize(
    ("scale", "answers", "message"),
    [
        ("phq9", "1,1,1", "PHQ-9 needs 9 answers"),
        ("phq9", "0,0,0,0,0,0,0,0,4", "PHQ-9 item 9 4 outside 0..3"),
        ("asrm", "1,1,1,1,5", "outside 0..4"),
        ("asrm", "1,x,1,1,1", "invalid --answers"),
        ("phq9", "9" * 400, "invalid --answers"),
    ],
)
def test_scales_add_refuses_bad_answers(
    clinic: str, capsys, scale: str, answers: str, message: str
) -> None:
    before = audit_rows(clinic)
    code, _, err = run(
        capsys, clinic, "scales", "add", scale, "--client", "C001", "--date", RECENT,
        "--answers", answers,
    )  # fmt: skip
    assert code == 1
    assert message in one_error_line(err)
    assert audit_rows(clinic) == before


def test_scales_add_refuses_an_implausible_date(clinic: str, capsys) -> None:
    code, _, err = run(
        capsys, clinic, "scales", "add", "asrm", "--client", "C001", "--date", "1989-12-31",
        "--answers", "0,0,0,0,0",
    )  # fmt: skip
    assert code == 1
    assert "answer date 1989-12-31 is not plausible" in one_error_line(err)


# -- clients edit / archive -------------------------------------------------------------


def test_clients_edit_changes_fields_and_audits(clinic: str, capsys) -> None:
    code, out, _ = run(
        capsys, clinic, "clients", "edit", "C001", "--name", "Ann", "--tz", "America/New_York",
        "--week-start", "sunday", "--json",
    )  # fmt: skip
    assert code == 0
    shown = json.loads(out)
    assert shown["client"]["timezone"] == "America/New_York"
    assert shown["client"]["week_start"] == "sunday"
    assert shown["changed"]["timezone"] == {"old": "Europe/Berlin", "new": "America/New_York"}
    with Store(clinic) as store:
        client = store.client("C001")
        event = store.audit_events()[-1]
    assert (client.display_name, client.timezone, client.week_start) == (
        "Ann",
        "America/New_York",
        6,
    )
    assert (event.actor, event.action, event.subject) == (operator(), "client.edit", "C001")
    assert event.detail["timezone"] == ["Europe/Berlin", "America/New_York"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["C001"], "nothing to change"),
        (["C001", "--tz", "Mars/Olympus"], "Mars/Olympus"),
        (["C001", "--week-start", "funday"], "invalid --week-start 'funday'"),
        (["NOPE", "--name", "x"], "unknown client 'NOPE'"),
        (["C001", "--name", "A" * 300], "display name longer than 200 characters"),
    ],
)
def test_clients_edit_refuses_bad_input(clinic: str, capsys, args: list[str], message: str) -> None:
    before = audit_rows(clinic)
    code, _, err = run(capsys, clinic, "clients", "edit", *args)
    assert code == 1
    assert message in one_error_line(err)
    assert audit_rows(clinic) == before


def test_archive_leaves_caseload_keeps_data_and_unarchive_restores(clinic: str, capsys) -> None:
    assert run(capsys, clinic, "mood", "add", "--client", "C001", "--date", RECENT, "--mood", "1")[
        0
    ] == 0  # fmt: skip
    code, out, _ = run(capsys, clinic, "clients", "archive", "C001", "--json")
    assert code == 0
    assert json.loads(out)["client"]["archived_at"] is not None
    with Store(clinic) as store:
        assert store.accounts.assigned_clients("dr.lee") == []
        assert [c.code for c in store.clients()] == ["C002"]
        assert len(store.clinical.mood_frame("C001", None, None)) == 1  # data kept
        assert store.accounts.assignments() == [("dr.lee", "C001")]
    assert audit_rows(clinic)[-1] == (operator(), "client.archive", "C001")
    # Archiving again changes nothing and is not audited again.
    assert "already archived" in run(capsys, clinic, "clients", "archive", "C001")[1]
    assert [a for _, a, _ in audit_rows(clinic)].count("client.archive") == 1
    code, out, _ = run(capsys, clinic, "clients", "list", "--archived", "--json")
    assert [r["code"] for r in json.loads(out)] == ["C001", "C002"]
    assert run(capsys, clinic, "clients", "unarchive", "C001")[0] == 0
    with Store(clinic) as store:
        assert [c.code for c in store.accounts.assigned_clients("dr.lee")] == ["C001"]
    assert audit_rows(clinic)[-1] == (operator(), "client.unarchive", "C001")


# -- unassign, and every change audited with the OS user ------------------------------


def test_unassign_at_top_level_and_reassign(clinic: str, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert run(capsys, clinic, "users", "add", "dr.kim", "--role", "clinician", "--password-stdin")[
        0
    ] == 0  # fmt: skip
    code, out, _ = run(capsys, clinic, "unassign", "dr.lee", "C001", "--json")
    assert code == 0
    assert json.loads(out) == {"clinician": "dr.lee", "client": "C001", "assigned": False}
    assert run(capsys, clinic, "assign", "dr.kim", "C001")[0] == 0
    with Store(clinic) as store:
        assert store.accounts.assignments() == [("dr.kim", "C001")]
    rows = audit_rows(clinic)
    assert rows[-2:] == [(operator(), "care.unassign", "C001"), (operator(), "care.assign", "C001")]
    assert all(actor == operator() for actor, _, _ in rows)
    code, _, err = run(capsys, clinic, "unassign", "dr.lee", "C001")
    assert code == 1
    assert "not assigned" in one_error_line(err)
    # One command: the old spelling under 'users' is gone (a usage error).
    assert run(capsys, clinic, "users", "unassign", "dr.kim", "C001")[0] == 2


# -- audit list -----------------------------------------------------------------------


def test_audit_list_filters_and_json(clinic: str, capsys) -> None:
    assert run(capsys, clinic, "clients", "edit", "C002", "--name", "Bo")[0] == 0
    code, out, _ = run(capsys, clinic, "audit", "list", "--client", "C002", "--json")
    assert code == 0
    events = json.loads(out)["events"]
    assert [(e["action"], e["subject"]) for e in events] == [
        ("client.edit", "C002"),
        ("client.add", "C002"),
    ]
    assert set(events[0]) == {"at", "actor", "action", "subject", "detail"}
    code, out, _ = run(capsys, clinic, "audit", "list", "--limit", "1", "--json")
    assert len(json.loads(out)["events"]) == 1
    assert json.loads(out)["more"] is True
    code, out, _ = run(capsys, clinic, "audit", "list", "--actor", "nobody", "--json")
    assert json.loads(out) == {"events": [], "more": False}
    tomorrow = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)).isoformat()
    code, out, _ = run(capsys, clinic, "audit", "list", "--since", tomorrow, "--json")
    assert json.loads(out)["events"] == []


@pytest.mark.parametrize(
    ("args", "message", "status"),
    [
        (["--since", "0001-01-01"], "--since 0001-01-01 is not plausible", 1),
        (["--since", "yesterday"], "invalid --since 'yesterday'", 1),
        (["--client", "NOPE"], "unknown client 'NOPE'", 1),
        (["--limit", "0"], "--limit", 2),
        (["--limit", "9" * 400], "--limit", 2),
    ],
)
def test_audit_list_refuses_bad_filters(
    clinic: str, capsys, args: list[str], message: str, status: int
) -> None:
    code, _, err = run(capsys, clinic, "audit", "list", *args)
    assert code == status
    assert message in one_error_line(err)


def test_audit_list_reads_one_page_only(clinic: str, monkeypatch, capsys) -> None:
    """The command asks the store for one page (limit + 1 events), never the whole log."""
    seen: list[tuple[int, int]] = []
    original = Store.audit_page

    def spy(self: Store, offset: int, limit: int, **filters: object) -> list:
        seen.append((offset, limit))
        return original(self, offset, limit, **filters)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "audit_page", spy)
    monkeypatch.setattr(Store, "audit_events", lambda self: pytest.fail("whole log read"))
    assert run(capsys, clinic, "audit", "list", "--limit", "3")[0] == 0
    assert seen == [(0, 4)]


# -- presentation -----------------------------------------------------------------------


def test_tables_keep_codes_zones_and_dates_whole_at_80_columns(
    clinic: str, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code = "CLINIC-A-2026-0042"
    name = "A rather long display name that has to wrap somewhere"
    add = ["clients", "add", "--code", code, "--tz", "Australia/Lord_Howe", "--name", name]
    assert run(capsys, clinic, *add)[0] == 0
    assert run(capsys, clinic, "clients", "archive", code)[0] == 0
    out = run(capsys, clinic, "clients", "list", "--archived")[1]
    today = dt.datetime.now(dt.UTC).date().isoformat()
    for whole in (code, "Australia/Lord_Howe", today):
        assert whole in out
    assert "…" not in out
    audit = run(capsys, clinic, "audit", "list", "--client", code)[1]
    assert code in audit
    assert "client.archive" in audit
    assert "…" not in audit


def test_control_characters_in_names_are_escaped(clinic: str, capsys) -> None:
    assert run(capsys, clinic, "clients", "edit", "C001", "--name", "Ann\x1b[2J\x07")[0] == 0
    for argv in (
        ("clients", "list"),
        ("audit", "list"),
        ("clients", "edit", "C001", "--name", "B"),
    ):
        out = run(capsys, clinic, *argv)[1]
        assert "\x1b" not in out
        assert "\x07" not in out
        # The audit detail holds the JSON text of the name (\u001b), escaped in turn.
        assert "\\x1b[2J" in out or "\\\\u001b[2J" in out


def test_flags_show_no_bool_metavar_in_help(capsys) -> None:
    for argv in (["clients", "list"], ["mood", "add"], ["srm", "score"], ["alerts", "run"]):
        code = main([*argv, "--help"])
        out = capsys.readouterr().out
        assert code == 0
        assert "<bool>" not in out
        assert "--json" in out


def test_json_everywhere_in_the_setup_commands(clinic: str, capsys, monkeypatch) -> None:
    """Each command of these modules prints parseable JSON with --json."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n" + PASSWORD + "\n"))
    for argv in (
        ["db", "upgrade", "--json"],
        ["clients", "add", "--code", "C003", "--tz", "UTC", "--json"],
        ["users", "add", "dr.x", "--role", "clinician", "--password-stdin", "--json"],
        ["users", "set-password", "dr.x", "--password-stdin", "--json"],
        ["users", "disable", "dr.x", "--json"],
        ["users", "enable", "dr.x", "--json"],
        ["users", "list", "--json"],
        ["assign", "dr.x", "C003", "--json"],
        ["summaries", "rebuild", "--json"],
    ):
        code, out, err = run(capsys, clinic, *argv)
        assert code == 0, (argv, err)
        json.loads(out)
    events = audit_rows(clinic)
    assert ("cli", "user.disable") not in {(a, b) for a, b, _ in events}
    assert (operator(), "user.disable", "dr.x") in events
    with Store(clinic) as store, store.engine.connect() as conn:
        assert (
            conn.execute(sa.text("SELECT count(*) FROM audit_event WHERE actor = 'cli'")).scalar()
            == 0
        )
