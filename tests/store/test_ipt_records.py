"""The IPT tables (migration 0006) and their records on a Store, on SQLite and PostgreSQL.

Schema rules (named CHECK constraints, the one-open-course index), the
upgrade from 0005 keeping existing data, and the audited writes of
``store.courses``, ``store.inventory``, ``store.life_events`` and
``store.relapse_plans`` (docs/clinicians.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from ipsrt.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from ipsrt.store import Store, migrate
from ipsrt.store.ipt_tables import (
    InventoryRevisionRow,
    LifeEventRow,
    SessionNote,
    TherapySession,
    TreatmentCourse,
)

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 3, 2)
ACTOR = "cli:test"
IPT_TABLES = {
    "treatment_course",
    "therapy_session",
    "session_note",
    "inventory_revision",
    "life_event",
    "relapse_plan_revision",
}


def test_upgrade_from_0005_keeps_data_and_adds_the_ipt_tables(database_url: str) -> None:
    with Store(database_url, check_schema=False, create=True) as store:
        migrate.upgrade(store.engine, "0005")
        assert not IPT_TABLES & set(sa.inspect(store.engine).get_table_names())
        store.add_client("C001", "Europe/Berlin", now=NOW)
        store.upgrade()
        assert migrate.current_revision(store.engine) == "0006"
        assert set(sa.inspect(store.engine).get_table_names()) >= IPT_TABLES
        assert [c.code for c in store.clients()] == ["C001"]
        store.courses.start("C001", DAY, 16, now=NOW, actor=ACTOR)
        migrate.downgrade(store.engine, "0005")
        assert not IPT_TABLES & set(sa.inspect(store.engine).get_table_names())
        assert [c.code for c in store.clients()] == ["C001"]


@pytest.fixture
def course_store(store: Store) -> Store:
    store.add_client("C001", "Europe/Berlin", now=NOW)
    store.courses.start("C001", DAY, 16, now=NOW, actor=ACTOR)
    return store


def _client_id(store: Store) -> int:
    client_id = store.client("C001").id
    assert client_id is not None
    return client_id


def _course_id(store: Store) -> int:
    course = store.courses.latest("C001")
    assert course is not None
    assert course.id is not None
    return course.id


def _course(store: Store, **kw: object) -> TreatmentCourse:
    values: dict[str, object] = {
        "client_id": _client_id(store),
        "started_on": DAY,
        "status": "ended",
        "ended_on": DAY,
        "created_at": NOW,
        "created_by": ACTOR,
    }
    return TreatmentCourse(**{**values, **kw})  # type: ignore[arg-type]


BAD_ROWS: list[tuple[str, Callable[[Store], object]]] = [
    ("planned_range", lambda s: _course(s, planned_sessions=7)),
    ("status_known", lambda s: _course(s, status="paused", ended_on=None)),
    ("primary_area_known", lambda s: _course(s, primary_area="anger")),
    ("secondary_after_primary", lambda s: _course(s, secondary_area="grief")),
    (
        "secondary_after_primary",
        lambda s: _course(s, primary_area="grief", secondary_area="grief"),
    ),
    ("ended_consistent", lambda s: _course(s, ended_on=None)),
    ("maintenance_dated", lambda s: _course(s, status="maintenance", ended_on=None)),
    ("dates_order", lambda s: _course(s, ended_on=DAY - dt.timedelta(days=1))),
    (
        "number_positive",
        lambda s: TherapySession(
            course_id=_course_id(s), number=0, held_on=DAY, recorded_at=NOW, recorded_by=ACTOR
        ),
    ),
    (
        "phase_known",
        lambda s: TherapySession(
            course_id=_course_id(s),
            number=9,
            held_on=DAY,
            phase_override="closing",
            recorded_at=NOW,
            recorded_by=ACTOR,
        ),
    ),
    (
        "scores_range",
        lambda s: InventoryRevisionRow(
            client_id=_client_id(s),
            person_id=1,
            effective_on=DAY,
            label="A",
            closeness=4,
            support=0,
            conflict=0,
            recorded_at=NOW,
            recorded_by=ACTOR,
        ),
    ),
    (
        "removed_has_no_label",
        lambda s: InventoryRevisionRow(
            client_id=_client_id(s),
            person_id=1,
            effective_on=DAY,
            removed=True,
            label="A",
            recorded_at=NOW,
            recorded_by=ACTOR,
        ),
    ),
    (
        "disruption_range",
        lambda s: LifeEventRow(
            client_id=_client_id(s),
            starts_on=DAY,
            ends_on=DAY,
            kind="loss",
            disruption=4,
            entered_by_role="client",
            entered_by="x",
            created_at=NOW,
        ),
    ),
    (
        "dates_order",
        lambda s: LifeEventRow(
            client_id=_client_id(s),
            starts_on=DAY,
            ends_on=DAY - dt.timedelta(days=1),
            kind="loss",
            disruption=1,
            entered_by_role="client",
            entered_by="x",
            created_at=NOW,
        ),
    ),
    (
        "kind_known",
        lambda s: LifeEventRow(
            client_id=_client_id(s),
            starts_on=DAY,
            ends_on=DAY,
            kind="party",
            disruption=1,
            entered_by_role="client",
            entered_by="x",
            created_at=NOW,
        ),
    ),
    (
        "entered_by_role_known",
        lambda s: LifeEventRow(
            client_id=_client_id(s),
            starts_on=DAY,
            ends_on=DAY,
            kind="loss",
            disruption=1,
            entered_by_role="admin",
            entered_by="x",
            created_at=NOW,
        ),
    ),
]


@pytest.mark.parametrize(("constraint", "make"), BAD_ROWS, ids=[c for c, _ in BAD_ROWS])
def test_the_schema_refuses_bad_rows(
    course_store: Store, constraint: str, make: Callable[[Store], object]
) -> None:
    row = make(course_store)
    with pytest.raises(sa.exc.IntegrityError, match=constraint), course_store.write_session() as s:
        s.add(row)


def test_a_clear_text_note_is_refused_by_the_schema(course_store: Store) -> None:
    course_store.courses.add_session(
        "C001", DAY, attended=True, phase_override=None, now=NOW, actor=ACTOR
    )
    (session,) = course_store.courses.sessions(_course_id(course_store))
    note = SessionNote(session_id=session.id, sealed_text="clear words", author="x", written_at=NOW)
    with (
        pytest.raises(sa.exc.IntegrityError, match="sealed_only"),
        course_store.write_session() as s,
    ):
        s.add(note)


def test_one_course_under_way_per_client(course_store: Store) -> None:
    with pytest.raises(AlreadyExistsError, match="already has a course under way"):
        course_store.courses.start("C001", DAY, 12, now=NOW, actor=ACTOR)
    # The schema refuses it too (a concurrent start).
    row = _course(course_store, status="active", ended_on=None)
    with pytest.raises(sa.exc.IntegrityError), course_store.write_session() as s:
        s.add(row)
    course_store.courses.change_status("C001", "ended", DAY, now=NOW, actor=ACTOR)
    second = course_store.courses.start(
        "C001", DAY + dt.timedelta(days=90), 12, now=NOW, actor=ACTOR
    )
    assert course_store.courses.latest("C001") == second


def test_sessions_are_numbered_in_date_order_and_audited(course_store: Store) -> None:
    add = course_store.courses.add_session
    add("C001", DAY, attended=True, phase_override=None, now=NOW, actor=ACTOR)
    add(
        "C001",
        DAY + dt.timedelta(days=7),
        attended=False,
        phase_override="middle",
        now=NOW,
        actor=ACTOR,
    )
    with pytest.raises(InvalidInputError, match="not after the last recorded session"):
        add(
            "C001",
            DAY + dt.timedelta(days=7),
            attended=True,
            phase_override=None,
            now=NOW,
            actor=ACTOR,
        )
    with pytest.raises(InvalidInputError, match="before the course start"):
        add(
            "C001",
            DAY - dt.timedelta(days=1),
            attended=True,
            phase_override=None,
            now=NOW,
            actor=ACTOR,
        )
    rows = course_store.courses.sessions(_course_id(course_store))
    assert [(r.number, r.attended, r.phase_override) for r in rows] == [
        (1, True, None),
        (2, False, "middle"),
    ]
    events = [e for e in course_store.audit_events() if e.action == "course.session.add"]
    assert [(e.actor, e.subject, e.detail["number"]) for e in events] == [
        (ACTOR, "C001", 1),
        (ACTOR, "C001", 2),
    ]


def test_a_course_needs_to_be_started(store: Store) -> None:
    store.add_client("C002", "UTC", now=NOW)
    with pytest.raises(NotFoundError, match="ipsrt course start"):
        store.courses.add_session(
            "C002", DAY, attended=True, phase_override=None, now=NOW, actor=ACTOR
        )


def test_areas_and_status_are_audited_without_goal_text(course_store: Store) -> None:
    course_store.courses.set_areas(
        "C001",
        primary="role_transitions",
        primary_goals="CANARY-GOAL",
        secondary=None,
        secondary_goals="",
        now=NOW,
        actor=ACTOR,
    )
    course_store.courses.change_status(
        "C001", "maintenance", DAY + dt.timedelta(days=120), now=NOW, actor=ACTOR
    )
    course = course_store.courses.latest("C001")
    assert course is not None
    assert (course.primary_area, course.status) == ("role_transitions", "maintenance")
    assert "CANARY-GOAL" not in repr([e.detail for e in course_store.audit_events()])
    with pytest.raises(InvalidInputError, match="already in maintenance"):
        course_store.courses.change_status("C001", "maintenance", DAY, now=NOW, actor=ACTOR)


def test_inventory_revisions_and_removal(course_store: Store) -> None:
    fields = {
        "label": "Partner",
        "relationship": "partner",
        "closeness": 1,
        "support": 3,
        "conflict": 1,
        "changes": "",
        "rhythm_roles": [{"anchor": "dinner", "role": "cooks"}],
    }
    first = course_store.inventory.record("C001", None, DAY, fields, now=NOW, actor=ACTOR)
    course_store.inventory.record(
        "C001", None, DAY, {**fields, "label": "Boss"}, now=NOW, actor=ACTOR
    )
    course_store.inventory.record("C001", first.person_id, DAY, None, now=NOW, actor=ACTOR)
    revisions = course_store.inventory.revisions("C001")
    assert [(r.person_id, r.removed) for r in revisions] == [(1, False), (2, False), (1, True)]
    assert revisions[0].rhythm_roles == [{"anchor": "dinner", "role": "cooks"}]
    with pytest.raises(NotFoundError, match="no inventory person 7"):
        course_store.inventory.record("C001", 7, DAY, None, now=NOW, actor=ACTOR)
    actions = [e.action for e in course_store.audit_events() if e.action.startswith("inventory")]
    assert actions == ["inventory.add", "inventory.add", "inventory.remove"]


def test_life_events_by_overlap_and_plans_by_revision(course_store: Store) -> None:
    for start, end in ((DAY, DAY), (DAY + dt.timedelta(days=10), DAY + dt.timedelta(days=20))):
        course_store.life_events.add(
            "C001",
            starts_on=start,
            ends_on=end,
            kind="travel",
            disruption=2,
            description="trip",
            entered_by_role="client",
            now=NOW,
            actor="client1",
        )
    found = course_store.life_events.events(
        "C001", DAY + dt.timedelta(days=15), DAY + dt.timedelta(days=30)
    )
    assert [e.starts_on for e in found] == [DAY + dt.timedelta(days=10)]
    assert len(course_store.life_events.events("C001")) == 2
    assert course_store.relapse_plans.current("C001") is None
    course_store.relapse_plans.save("C001", {"steps": ["a"]}, now=NOW, actor=ACTOR)
    course_store.relapse_plans.save("C001", {"steps": ["b"]}, now=NOW, actor=ACTOR)
    current = course_store.relapse_plans.current("C001")
    assert current is not None
    assert (current.revision, current.content) == (2, {"steps": ["b"]})
    assert len(course_store.relapse_plans.revisions("C001")) == 2
