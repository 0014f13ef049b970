"""``ipsrt course ...`` and ``ipsrt events add|list`` in-process, on both backends.

Expected phases: the 16-session plan of docs/clinicians.md ("Phases").
"""

from __future__ import annotations

import json

import pytest
from conftest import NOW

import ipsrt.cli.course
from ipsrt.cli import main
from ipsrt.store import Store


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(store: Store, database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    store.add_client("C001", "Europe/Berlin", now=NOW)
    monkeypatch.setattr(ipsrt.cli.course, "utc_now", lambda: NOW)
    monkeypatch.setattr(ipsrt.cli.course, "operator", lambda: "cli:tester")
    return database_url


def test_a_course_from_start_to_maintenance(capsys, db: str, store: Store) -> None:
    assert (
        run(capsys, "course", "start", "--client", "C001", "--date", "2026-02-02", "--db", db)[0]
        == 0
    )
    for week in range(1, 6):
        day = f"2026-02-{2 + 7 * (week - 1):02d}" if week < 5 else "2026-03-02"
        args = ["course", "session", "add", "--client", "C001", "--date", day, "--db", db]
        if week == 2:
            args.append("--missed")
        assert run(capsys, *args)[0] == 0
    code, out, err = run(
        capsys, "course", "area", "--client", "C001", "--primary", "grief",
        "--goals", "mourn and rebuild", "--secondary", "role-disputes", "--db", db,
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "Primary problem area: grief" in out
    code, out, _ = run(capsys, "course", "show", "--client", "C001", "--json", "--db", db)
    view = json.loads(out)
    assert (view["held"], view["missed"], view["current_phase"]) == (4, 1, "initial")
    assert (view["next_session_number"], view["next_phase"]) == (5, "middle")
    assert [s["session_number"] for s in view["sessions"]] == [1, 2, 2, 3, 4]
    assert view["secondary_area"] == "role_disputes"
    code, out, _ = run(
        capsys, "course", "maintenance", "--client", "C001", "--date", "2026-05-04", "--db", db
    )
    assert code == 0
    assert "maintenance" in out
    actions = [e.action for e in store.audit_events() if e.action.startswith("course.")]
    assert actions == ["course.start", *["course.session.add"] * 5, "course.area",
                       "course.maintenance"]  # fmt: skip
    assert {e.actor for e in store.audit_events() if e.action.startswith("course.")} == {
        "cli:tester"
    }


def test_one_line_errors_and_nothing_changed(capsys, db: str, store: Store) -> None:
    cases = [
        (["course", "session", "add", "--client", "C001", "--date", "2026-02-02"],
         "ipsrt course start"),
        (["course", "start", "--client", "C404"], "unknown client 'C404'"),
        (["course", "start", "--client", "C001", "--date", "1890-01-01"], "not plausible"),
        (["course", "start", "--client", "C001", "--planned", "4"], "planned sessions 4"),
        (["course", "start", "--client", "C001", "--date", "2026-13-01"], "--date"),
        (["events", "add", "--client", "C001", "--date", "2026-05-01", "--kind", "party",
          "--disruption", "1"], "unknown life event kind"),
        (["events", "add", "--client", "C001", "--date", "2026-05-01", "--kind", "loss",
          "--disruption", "5"], "disruption 5"),
        (["events", "add", "--client", "C001", "--date", "2026-05-03", "--until", "2026-05-01",
          "--kind", "loss", "--disruption", "1"], "ends"),
        (["events", "add", "--client", "C001", "--date", "2026-08-01", "--kind", "loss",
          "--disruption", "1"], "not plausible"),
    ]  # fmt: skip
    before = len(store.audit_events())
    for argv, message in cases:
        code, _, err = run(capsys, *argv, "--db", db)
        assert code == 1, argv
        assert err.count("\n") == 1, err
        assert message in err, (argv, err)
    assert len(store.audit_events()) == before
    assert store.courses.latest("C001") is None


def test_course_area_before_a_course_and_a_second_start(capsys, db: str) -> None:
    code, _, err = run(
        capsys, "course", "area", "--client", "C001", "--primary", "grief", "--db", db
    )
    assert code == 1
    assert "no course under way" in err
    assert run(capsys, "course", "start", "--client", "C001", "--db", db)[0] == 0
    code, _, err = run(capsys, "course", "start", "--client", "C001", "--db", db)
    assert code == 1
    assert "already has a course under way" in err
    assert run(capsys, "course", "end", "--client", "C001", "--db", db)[0] == 0
    assert run(capsys, "course", "start", "--client", "C001", "--planned", "12", "--db", db)[0] == 0
    code, out, _ = run(capsys, "course", "show", "--client", "C001", "--db", db)
    assert "initial 1-3, middle 4-9, termination 10-12" in out


def test_events_add_and_list(capsys, db: str) -> None:
    code, out, _ = run(
        capsys, "events", "add", "--client", "C001", "--date", "2026-05-20", "--until",
        "2026-05-24", "--kind", "travel", "--disruption", "2", "--description",
        "Flight to [red]NYC[/red]\x1b[2J", "--db", db,
    )  # fmt: skip
    assert code == 0
    assert "\x1b" not in out
    code, out, _ = run(capsys, "events", "list", "--client", "C001", "--json", "--db", db)
    (event,) = json.loads(out)
    assert (event["kind"], event["starts_on"], event["ends_on"]) == (
        "travel",
        "2026-05-20",
        "2026-05-24",
    )
    assert event["entered_by"] == "clinician"
    code, out, _ = run(
        capsys, "events", "list", "--client", "C001", "--from", "2026-05-25", "--db", db
    )
    assert "No life events." in out
    code, out, _ = run(capsys, "events", "list", "--client", "C001", "--db", db)
    assert "\x1b" not in out
    assert "travel" in out
