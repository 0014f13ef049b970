"""Phases of an IPSRT course and the course summary (docs/clinicians.md, "Phases").

Expected boundaries come from the usual IPT course stated in
docs/clinicians.md: of 16 sessions, initial 1-4, middle 5-12, termination
13-16; of 12, initial 1-3, middle 4-9, termination 10-12 (Markowitz &
Weissman 2004: initial 1-3 or 1-4, termination the last 3-4).
"""

from __future__ import annotations

import datetime as dt

import pytest

from ipsrt.enums import CourseStatus, TherapyPhase
from ipsrt.errors import InvalidInputError
from ipsrt.ipt.course import (
    SessionRecord,
    course_summary,
    phase_of_session,
    phase_plan,
    session_views,
)

INI, MID, TER, MNT = (
    TherapyPhase.INITIAL,
    TherapyPhase.MIDDLE,
    TherapyPhase.TERMINATION,
    TherapyPhase.MAINTENANCE,
)
START = dt.date(2026, 1, 5)


def _weekly(n: int, *, missed: frozenset[int] = frozenset(), overrides=None) -> list[SessionRecord]:
    overrides = overrides or {}
    return [
        SessionRecord(k, START + dt.timedelta(weeks=k - 1), k not in missed, overrides.get(k))
        for k in range(1, n + 1)
    ]


def test_sixteen_session_plan() -> None:
    phases = [phase_of_session(n, 16) for n in range(1, 19)]
    assert phases == [INI] * 4 + [MID] * 8 + [TER] * 4 + [MNT] * 2


def test_twelve_session_plan() -> None:
    phases = [phase_of_session(n, 12) for n in range(1, 14)]
    assert phases == [INI] * 3 + [MID] * 6 + [TER] * 3 + [MNT]


@pytest.mark.parametrize(
    ("planned", "initial_last", "termination_first"),
    [(8, 3, 6), (13, 3, 11), (14, 4, 11), (20, 5, 16), (60, 15, 46)],
)
def test_other_plans_scale_by_a_quarter_at_least_three(
    planned: int, initial_last: int, termination_first: int
) -> None:
    plan = phase_plan(planned)
    assert (plan.initial_last, plan.termination_first) == (initial_last, termination_first)
    assert plan.derived(initial_last + 1) is MID


@pytest.mark.parametrize("planned", [0, 7, 61, True, 16.0])
def test_implausible_plans_are_refused(planned: object) -> None:
    with pytest.raises(InvalidInputError, match="planned sessions"):
        phase_plan(planned)  # type: ignore[arg-type]


def test_override_wins_and_a_forward_override_carries() -> None:
    views = session_views(_weekly(6, overrides={3: MID}), 16)
    assert [v.phase for v in views] == [INI, INI, MID, MID, MID, MID]
    assert [v.phase_overridden for v in views] == [False, False, True, False, False, False]
    # A backward override holds for its own session only.
    views = session_views(_weekly(7, overrides={5: INI}), 16)
    assert [v.phase for v in views] == [INI, INI, INI, INI, INI, MID, MID]


def test_missed_appointments_do_not_advance_the_course() -> None:
    views = session_views(_weekly(6, missed=frozenset({2, 5})), 16)
    assert [v.session_number for v in views] == [1, 2, 2, 3, 4, 4]
    summary = course_summary(START, _weekly(6, missed=frozenset({2, 5})), planned=16)
    assert (summary.held, summary.missed, summary.next_session_number) == (4, 2, 5)
    assert summary.current_phase is INI
    assert summary.next_phase is MID
    assert summary.next_due_on == START + dt.timedelta(weeks=6)


def test_acute_course_complete_then_maintenance() -> None:
    sessions = _weekly(16)
    summary = course_summary(START, sessions, planned=16)
    assert summary.acute_complete
    assert summary.current_phase is TER
    assert summary.next_phase is MNT
    moved = START + dt.timedelta(weeks=17)
    monthly = [
        *sessions,
        SessionRecord(17, moved, True),
        SessionRecord(18, moved + dt.timedelta(days=28), True),
    ]
    summary = course_summary(
        START, monthly, planned=16, status=CourseStatus.MAINTENANCE, maintenance_from=moved
    )
    assert summary.maintenance_sessions == 2
    assert summary.current_phase is MNT
    assert summary.next_due_on == moved + dt.timedelta(days=56)


def test_empty_and_ended_courses() -> None:
    summary = course_summary(START, [], planned=12)
    assert (summary.held, summary.current_phase, summary.next_due_on) == (0, INI, START)
    assert not summary.acute_complete
    ended = course_summary(START, _weekly(3), planned=12, status=CourseStatus.ENDED)
    assert ended.next_phase is None
    assert ended.next_due_on is None
