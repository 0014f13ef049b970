"""The IPT services as the dashboard will call them: course, inventory, life events, plan.

Authorization is tested by tests/reports/test_ipt_authorization.py; here,
what the services return for allowed viewers (on SQLite and PostgreSQL).
Expected phases and thresholds: docs/clinicians.md ("Phases", "What the plan
changes in the alerts") and docs/srm.md ("Alert rules").
"""

from __future__ import annotations

import datetime as dt

import pytest

from ipsrt.alerts import DEFAULT_RULES, MoodExtremeRule
from ipsrt.enums import TherapyPhase
from ipsrt.errors import InvalidInputError
from ipsrt.ipt.inventory import RhythmRole
from ipsrt.ipt.relapse_plan import make_relapse_plan
from ipsrt.reports import course, inventory, life_events, relapse_plan
from ipsrt.reports.access import Viewer, load_viewer
from ipsrt.store import Store
from tests.helpers.dashboard import NOW

START = dt.date(2026, 3, 2)


def _viewer(store: Store, login: str) -> Viewer:
    user_id = store.accounts.user(login).id
    assert user_id is not None
    viewer = load_viewer(store, user_id)
    assert viewer is not None
    return viewer


@pytest.fixture
def clinic(dash_store: Store) -> Store:
    return dash_store


def test_a_twelve_session_course_as_the_clinician_and_the_client_see_it(clinic: Store) -> None:
    clin, client = _viewer(clinic, "clin1"), _viewer(clinic, "client1")
    assert course.course_view(clinic, client, "C001") is None
    course.start_course(clinic, clin, "C001", START, planned_sessions=12, now=NOW)
    for week in range(4):
        course.record_session(clinic, clin, "C001", START + dt.timedelta(weeks=week), now=NOW)
    view = course.set_problem_areas(
        clinic, clin, "C001", "interpersonal-deficits", goals="two new contacts", now=NOW
    )
    assert (view.initial_last, view.termination_first) == (3, 10)
    assert [s.phase for s in view.sessions] == [TherapyPhase.INITIAL] * 3 + [TherapyPhase.MIDDLE]
    seen = course.course_view(clinic, client, "C001")
    assert seen is not None
    assert (seen.primary_goals, seen.current_phase) == ("two new contacts", TherapyPhase.MIDDLE)
    with pytest.raises(InvalidInputError, match="must differ"):
        course.set_problem_areas(clinic, clin, "C001", "grief", secondary="grief", now=NOW)


def test_life_events_entered_by_client_and_clinician(clinic: Store) -> None:
    clin, client = _viewer(clinic, "clin1"), _viewer(clinic, "client1")
    life_events.add_life_event(clinic, client, "C001", START, "shift_work", 3, "nights", now=NOW)
    life_events.add_life_event(
        clinic, clin, "C001", START + dt.timedelta(days=3), "travel", 2, "trip",
        ends_on=START + dt.timedelta(days=9), now=NOW,
    )  # fmt: skip
    found = life_events.life_events(clinic, client, "C001")
    assert [(e.kind.value, e.entered_by) for e in found] == [
        ("shift_work", "client"), ("travel", "clinician")
    ]  # fmt: skip
    window = life_events.life_events(
        clinic, clin, "C001", START + dt.timedelta(days=8), START + dt.timedelta(days=30)
    )
    assert [e.kind.value for e in window] == ["travel"]
    assert life_events.stored_life_events(clinic, "C001") == found
    events = [e for e in clinic.audit_events() if e.action == "life_event.add"]
    assert [e.actor for e in events] == ["client1", "clin1"]
    assert "nights" not in repr([e.detail for e in events])


def test_inventory_revisions_through_the_services(clinic: Store) -> None:
    clin, client = _viewer(clinic, "clin1"), _viewer(clinic, "client1")
    day1, day2 = dt.date(2026, 4, 1), dt.date(2026, 5, 1)
    inventory.add_person(
        clinic, clin, "C001", "Partner", "partner", closeness=1, support=3, conflict=1,
        rhythm_roles=(RhythmRole("out_of_bed", "wakes me"),), effective_on=day1, now=NOW,
    )  # fmt: skip
    inventory.add_person(
        clinic, clin, "C001", "Mother", "mother", closeness=2, support=2, conflict=2,
        effective_on=day1, now=NOW,
    )  # fmt: skip
    inventory.change_person(
        clinic, clin, "C001", 1, "Partner", "ex-partner", closeness=3, support=0, conflict=3,
        changes="separated", effective_on=day2, now=NOW,
    )  # fmt: skip
    inventory.remove_person(clinic, clin, "C001", 2, effective_on=day2, now=NOW)
    before = inventory.inventory_view(clinic, client, "C001", as_of=day1, now=NOW)
    assert [(p.label, p.closeness) for p in before.people] == [("Partner", 1), ("Mother", 2)]
    assert before.people[0].rhythm_roles == (RhythmRole("out_of_bed", "wakes me"),)
    after = inventory.inventory_view(clinic, client, "C001", now=NOW)
    assert [(p.person_id, p.relationship, p.changes) for p in after.people] == [
        (1, "ex-partner", "separated")
    ]
    assert after.revision_dates == (day1, day2)


def test_the_plan_and_the_rules_it_tightens(clinic: Store) -> None:
    clin, client = _viewer(clinic, "clin1"), _viewer(clinic, "client1")
    assert relapse_plan.relapse_plan_view(clinic, client, "C001") is None
    assert relapse_plan.plan_alert_rules(clinic, "C001") == list(DEFAULT_RULES)
    plan = make_relapse_plan(
        [("I feel I need less sleep", ["sleep_shortening", "mood_rising"])],
        ["Keep bedtime at 23:00", "Call the clinic"],
        [("Sister", "phone")],
    )
    relapse_plan.save_relapse_plan(clinic, clin, "C001", plan, now=NOW)
    seen = relapse_plan.relapse_plan_view(clinic, client, "C001")
    assert seen is not None
    assert (seen.revision, seen.plan, seen.made_by) == (1, plan, "clin1")
    assert {(t.rule_id, t.field, t.after) for t in seen.tightenings} == {
        ("short_sleep_run", "shortfall_min", 90.0),
        ("sleep_change", "threshold_min", 120.0),
        ("mood_extreme", "high", 2.0),
    }
    rules = relapse_plan.plan_alert_rules(clinic, "C001")
    (mood,) = [r for r in rules if isinstance(r, MoodExtremeRule)]
    assert mood.high == 2.0
    assert relapse_plan.plan_alert_rules(clinic, "C002") == list(DEFAULT_RULES)
