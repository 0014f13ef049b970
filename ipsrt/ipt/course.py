"""An IPSRT treatment course: phases of its sessions and where the course stands.

The acute course has a planned number of sessions (default 16) in three
phases (docs/clinicians.md, "Phases"):

* **initial**: the first ``max(3, round(N / 4))`` sessions of a plan of *N*
  (1-4 of 16, 1-3 of 12);
* **termination**: the last ``max(3, round(N / 4))`` (13-16 of 16, 10-12 of 12);
* **middle**: the sessions between (5-12 of 16, 4-9 of 12);
* **maintenance**: any session beyond the plan, and every session once the
  course has moved to maintenance.

Sessions are counted as *held*: a missed appointment does not advance the
course (it is shown as the session that was due). A clinician may set a
session's phase; the override wins for that session, and a phase set ahead
of the derived one carries forward (later sessions never fall back to an
earlier phase than the last override) until the derivation catches up.

Everything here is pure: dates are passed in, the clock is never read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from ipsrt.enums import CourseStatus, ProblemArea, TherapyPhase
from ipsrt.errors import InvalidInputError

__all__ = [
    "DEFAULT_PLANNED_SESSIONS",
    "GOALS_LIMIT",
    "MAINTENANCE_INTERVAL_DAYS",
    "PLANNED_SESSIONS_RANGE",
    "CourseSummary",
    "PhasePlan",
    "SessionRecord",
    "SessionView",
    "check_planned_sessions",
    "course_summary",
    "parse_phase",
    "parse_problem_area",
    "phase_of_session",
    "phase_plan",
    "session_views",
]

#: IPT's usual acute course: 16 weekly sessions.
DEFAULT_PLANNED_SESSIONS = 16
#: Plans the tracker accepts: at least one session of each phase beside 3 + 3.
PLANNED_SESSIONS_RANGE = range(8, 61)
#: The shortest initial and termination phases.
MIN_EDGE_PHASE = 3
#: Days between maintenance sessions the summary expects ("monthly").
MAINTENANCE_INTERVAL_DAYS = 28
#: Characters the goals of one problem area may hold.
GOALS_LIMIT = 2000

_ORDER = {
    TherapyPhase.INITIAL: 0,
    TherapyPhase.MIDDLE: 1,
    TherapyPhase.TERMINATION: 2,
    TherapyPhase.MAINTENANCE: 3,
}


def check_planned_sessions(planned: int) -> int:
    """*planned* when it is a whole number in 8..60, else a one-line error."""
    if (
        isinstance(planned, bool)
        or not isinstance(planned, int)
        or planned not in PLANNED_SESSIONS_RANGE
    ):
        raise InvalidInputError(
            f"planned sessions {planned!r} outside {PLANNED_SESSIONS_RANGE.start}.."
            f"{PLANNED_SESSIONS_RANGE.stop - 1}"
        )
    return planned


def parse_phase(value: str) -> TherapyPhase:
    """A :class:`TherapyPhase` from its name, or a one-line error naming the choices."""
    try:
        return TherapyPhase(value)
    except ValueError:
        names = ", ".join(p.value for p in TherapyPhase)
        raise InvalidInputError(f"unknown phase {value!r}: expected one of {names}") from None


def parse_problem_area(value: str) -> ProblemArea:
    """A :class:`ProblemArea` from its name (``-`` or ``_``), or a one-line error."""
    try:
        return ProblemArea(value.strip().lower().replace("-", "_").replace(" ", "_"))
    except (ValueError, AttributeError):
        names = ", ".join(a.value for a in ProblemArea)
        raise InvalidInputError(
            f"unknown problem area {value!r}: expected one of {names}"
        ) from None


@dataclasses.dataclass(frozen=True)
class PhasePlan:
    """The session numbers of each acute phase for a plan of *planned* sessions."""

    planned: int
    initial_last: int
    termination_first: int

    def derived(self, number: int) -> TherapyPhase:
        """The phase of held session *number* (1-based) by its number alone."""
        if number < 1:
            raise InvalidInputError(f"session number {number} below 1")
        if number <= self.initial_last:
            return TherapyPhase.INITIAL
        if number < self.termination_first:
            return TherapyPhase.MIDDLE
        if number <= self.planned:
            return TherapyPhase.TERMINATION
        return TherapyPhase.MAINTENANCE


def phase_plan(planned: int = DEFAULT_PLANNED_SESSIONS) -> PhasePlan:
    """Phase boundaries: initial and termination each ``max(3, round(N / 4))`` sessions.

    Rounding is half up (14 sessions: 4 + 6 + 4). 16 gives 1-4, 5-12, 13-16;
    12 gives 1-3, 4-9, 10-12.
    """
    check_planned_sessions(planned)
    edge = max(MIN_EDGE_PHASE, (planned + 2) // 4)
    return PhasePlan(planned, edge, planned - edge + 1)


def phase_of_session(
    number: int,
    planned: int = DEFAULT_PLANNED_SESSIONS,
    *,
    override: TherapyPhase | None = None,
) -> TherapyPhase:
    """The phase of held session *number* of a plan: the override if given, else derived."""
    return override if override is not None else phase_plan(planned).derived(number)


@dataclasses.dataclass(frozen=True)
class SessionRecord:
    """A stored appointment of a course: its order, date, whether held, any phase set."""

    appointment: int
    held_on: dt.date
    attended: bool
    phase_override: TherapyPhase | None = None


@dataclasses.dataclass(frozen=True)
class SessionView:
    """An appointment with its session number and phase, ready to show.

    ``session_number`` counts held sessions (a missed appointment shows the
    number that was due); ``phase_overridden`` says the clinician set it.
    """

    appointment: int
    session_number: int
    held_on: dt.date
    attended: bool
    phase: TherapyPhase
    phase_overridden: bool


def session_views(
    sessions: Sequence[SessionRecord],
    planned: int = DEFAULT_PLANNED_SESSIONS,
    *,
    maintenance_from: dt.date | None = None,
) -> list[SessionView]:
    """Every appointment in order with its session number and phase (module docstring).

    A session on or after *maintenance_from* (the day the course moved to
    maintenance) is in maintenance unless overridden.
    """
    plan = phase_plan(planned)
    held = 0
    floor = TherapyPhase.INITIAL
    views = []
    for record in sorted(sessions, key=lambda s: s.appointment):
        number = held + 1
        if maintenance_from is not None and record.held_on >= maintenance_from:
            derived = TherapyPhase.MAINTENANCE
        else:
            derived = plan.derived(number)
        if record.phase_override is not None:
            phase = record.phase_override
            if _ORDER[phase] > _ORDER[floor]:
                floor = phase
        else:
            phase = derived if _ORDER[derived] >= _ORDER[floor] else floor
        views.append(
            SessionView(
                appointment=record.appointment,
                session_number=number,
                held_on=record.held_on,
                attended=record.attended,
                phase=phase,
                phase_overridden=record.phase_override is not None,
            )
        )
        if record.attended:
            held += 1
    return views


@dataclasses.dataclass(frozen=True)
class CourseSummary:
    """Where a course stands, for a page or a command (plain values).

    ``current_phase`` is the phase of the last held session (initial before
    any); ``next_session_number`` and ``next_phase`` the next one to hold;
    ``next_due_on`` the expected date of the next session (a week after the
    last appointment in the acute course, :data:`MAINTENANCE_INTERVAL_DAYS`
    in maintenance; None once ended).
    """

    started_on: dt.date
    planned_sessions: int
    status: CourseStatus
    held: int
    missed: int
    current_phase: TherapyPhase
    next_session_number: int
    next_phase: TherapyPhase | None
    acute_complete: bool
    maintenance_sessions: int
    last_session_on: dt.date | None
    next_due_on: dt.date | None
    sessions: tuple[SessionView, ...]


def course_summary(
    started_on: dt.date,
    sessions: Sequence[SessionRecord],
    *,
    planned: int = DEFAULT_PLANNED_SESSIONS,
    status: CourseStatus = CourseStatus.ACTIVE,
    maintenance_from: dt.date | None = None,
    maintenance_interval_days: int = MAINTENANCE_INTERVAL_DAYS,
) -> CourseSummary:
    """Sessions held and missed, the current and next phase, whether the acute course is done."""
    views = session_views(sessions, planned, maintenance_from=maintenance_from)
    held_views = [v for v in views if v.attended]
    held = len(held_views)
    current = held_views[-1].phase if held_views else TherapyPhase.INITIAL
    in_maintenance = status is CourseStatus.MAINTENANCE or maintenance_from is not None
    if status is CourseStatus.ENDED:
        next_phase: TherapyPhase | None = None
    elif in_maintenance:
        next_phase = TherapyPhase.MAINTENANCE
    else:
        derived = phase_plan(planned).derived(held + 1)
        next_phase = derived if _ORDER[derived] >= _ORDER[current] else current
    last = views[-1].held_on if views else None
    if status is CourseStatus.ENDED:
        due = None
    elif last is None:
        due = started_on
    else:
        step = maintenance_interval_days if in_maintenance else 7
        due = last + dt.timedelta(days=step)
    return CourseSummary(
        started_on=started_on,
        planned_sessions=planned,
        status=status,
        held=held,
        missed=len(views) - held,
        current_phase=current,
        next_session_number=held + 1,
        next_phase=next_phase,
        acute_complete=held >= planned or maintenance_from is not None,
        maintenance_sessions=sum(v.phase is TherapyPhase.MAINTENANCE for v in held_views),
        last_session_on=last,
        next_due_on=due,
        sessions=tuple(views),
    )
