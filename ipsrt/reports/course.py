"""A client's IPSRT treatment course: where it stands, and the clinician's changes to it.

Every function takes the :class:`~ipsrt.reports.access.Viewer` and
authorizes through :func:`ipsrt.reports.access.resolve_client` (a malformed,
unknown or forbidden client code all give the same
:class:`~ipsrt.reports.access.AccessDenied`):

* :func:`course_view` (``VIEW_COURSE``): the assigned clinician and the
  client themself. The client sees the phase, the session dates, the problem
  areas and the goals (IPT agrees the formulation and goals with the client),
  never whether a session has a private note;
* :func:`start_course`, :func:`record_session`, :func:`set_problem_areas`,
  :func:`move_to_maintenance`, :func:`end_course` (``WRITE_COURSE``): the
  assigned clinician only.

Phases are derived by :mod:`ipsrt.ipt.course` (docs/clinicians.md,
"Phases"); dates pass :func:`ipsrt.timeutil.check_plausible_date` in the
client's zone. Results are plain frozen dataclasses a page or a command
renders as they are.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from ipsrt.enums import CourseStatus, ProblemArea, Role, TherapyPhase
from ipsrt.errors import InvalidInputError
from ipsrt.ipt.course import (
    DEFAULT_PLANNED_SESSIONS,
    GOALS_LIMIT,
    SessionRecord,
    SessionView,
    check_planned_sessions,
    course_summary,
    parse_phase,
    parse_problem_area,
    phase_plan,
)
from ipsrt.models import Client
from ipsrt.reports.access import Action, Viewer, resolve_client
from ipsrt.reports.today import client_today
from ipsrt.store import Store
from ipsrt.store.ipt_tables import TherapySession, TreatmentCourse
from ipsrt.timeutil import check_plausible_date

__all__ = [
    "CourseView",
    "SessionRow",
    "course_view",
    "end_course",
    "move_to_maintenance",
    "record_session",
    "set_problem_areas",
    "start_course",
]


@dataclasses.dataclass(frozen=True)
class SessionRow(SessionView):
    """One appointment as a page shows it (:class:`ipsrt.ipt.course.SessionView` and its note).

    ``appointment`` is its order in the course (what notes are addressed
    by); ``session_number`` counts held sessions (a missed appointment shows
    the one that was due). ``note`` is ``"none"``, ``"private"`` or
    ``"shared"`` for a clinician; a client sees ``"shared"`` or ``"none"``.
    """

    note: str


@dataclasses.dataclass(frozen=True)
class CourseView:
    """Where a client's course stands (the latest course; one under way first)."""

    client_code: str
    started_on: dt.date
    planned_sessions: int
    status: CourseStatus
    #: The last session of the initial phase and the first of termination, by the plan.
    initial_last: int
    termination_first: int
    held: int
    missed: int
    current_phase: TherapyPhase
    next_session_number: int
    next_phase: TherapyPhase | None
    next_due_on: dt.date | None
    acute_complete: bool
    maintenance_sessions: int
    maintenance_from: dt.date | None
    ended_on: dt.date | None
    primary_area: ProblemArea | None
    primary_goals: str
    secondary_area: ProblemArea | None
    secondary_goals: str
    sessions: tuple[SessionRow, ...]


def _records(rows: list[TherapySession]) -> list[SessionRecord]:
    return [
        SessionRecord(
            r.number,
            r.held_on,
            r.attended,
            None if r.phase_override is None else TherapyPhase(r.phase_override),
        )
        for r in rows
    ]


def _view(store: Store, viewer: Viewer, client: Client, course: TreatmentCourse) -> CourseView:
    assert course.id is not None
    rows = store.courses.sessions(course.id)
    summary = course_summary(
        course.started_on,
        _records(rows),
        planned=course.planned_sessions,
        status=CourseStatus(course.status),
        maintenance_from=course.maintenance_from,
    )
    flags = store.notes.flags([int(r.id) for r in rows if r.id is not None])
    by_number = {r.number: flags.get(int(r.id or 0)) for r in rows}
    plan = phase_plan(course.planned_sessions)

    def note(appointment: int) -> str:
        shared = by_number.get(appointment)
        if shared is None or (viewer.role is not Role.CLINICIAN and not shared):
            return "none"
        return "shared" if shared else "private"

    return CourseView(
        client_code=client.code,
        started_on=course.started_on,
        planned_sessions=course.planned_sessions,
        status=summary.status,
        initial_last=plan.initial_last,
        termination_first=plan.termination_first,
        held=summary.held,
        missed=summary.missed,
        current_phase=summary.current_phase,
        next_session_number=summary.next_session_number,
        next_phase=summary.next_phase,
        next_due_on=summary.next_due_on,
        acute_complete=summary.acute_complete,
        maintenance_sessions=summary.maintenance_sessions,
        maintenance_from=course.maintenance_from,
        ended_on=course.ended_on,
        primary_area=None if course.primary_area is None else ProblemArea(course.primary_area),
        primary_goals=course.primary_goals,
        secondary_area=(
            None if course.secondary_area is None else ProblemArea(course.secondary_area)
        ),
        secondary_goals=course.secondary_goals,
        sessions=tuple(
            SessionRow(**dataclasses.asdict(v), note=note(v.appointment)) for v in summary.sessions
        ),
    )


def course_view(store: Store, viewer: Viewer | None, client_code: object) -> CourseView | None:
    """The client's latest course as it stands, or None when no course was ever started."""
    client = resolve_client(store, viewer, Action.VIEW_COURSE, client_code)
    assert viewer is not None
    course = store.courses.latest(client.code)
    return None if course is None else _view(store, viewer, client, course)


def _plausible(client: Client, day: dt.date, now: dt.datetime, what: str) -> dt.date:
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise InvalidInputError(f"{what} {day!r} is not a date")
    return check_plausible_date(day, today=client_today(client, now), what=what)


def _latest_view(store: Store, viewer: Viewer, client: Client) -> CourseView:
    course = store.courses.latest(client.code)
    assert course is not None
    return _view(store, viewer, client, course)


def start_course(
    store: Store,
    viewer: Viewer | None,
    client_code: object,
    started_on: dt.date,
    *,
    planned_sessions: int = DEFAULT_PLANNED_SESSIONS,
    now: dt.datetime,
) -> CourseView:
    """Start a course for the client (refused while another is under way)."""
    client = resolve_client(store, viewer, Action.WRITE_COURSE, client_code)
    assert viewer is not None
    day = _plausible(client, started_on, now, "course start date")
    check_planned_sessions(planned_sessions)
    store.courses.start(client.code, day, planned_sessions, now=now, actor=viewer.login)
    return _latest_view(store, viewer, client)


def record_session(
    store: Store,
    viewer: Viewer | None,
    client_code: object,
    held_on: dt.date,
    *,
    attended: bool = True,
    phase: str | None = None,
    now: dt.datetime,
) -> CourseView:
    """Record the next appointment (held or missed), optionally setting its phase."""
    client = resolve_client(store, viewer, Action.WRITE_COURSE, client_code)
    assert viewer is not None
    day = _plausible(client, held_on, now, "session date")
    override = None if phase is None else parse_phase(phase).value
    store.courses.add_session(
        client.code,
        day,
        attended=bool(attended),
        phase_override=override,
        now=now,
        actor=viewer.login,
    )
    return _latest_view(store, viewer, client)


def _goals(text: str, what: str) -> str:
    if not isinstance(text, str):
        raise InvalidInputError(f"{what}: expected text")
    value = text.strip()
    if len(value) > GOALS_LIMIT or "\x00" in value:
        raise InvalidInputError(f"{what}: at most {GOALS_LIMIT} characters")
    return value


def set_problem_areas(
    store: Store,
    viewer: Viewer | None,
    client_code: object,
    primary: str,
    *,
    goals: str = "",
    secondary: str | None = None,
    secondary_goals: str = "",
    now: dt.datetime,
) -> CourseView:
    """Choose the primary (and optionally a secondary) problem area with their goals."""
    client = resolve_client(store, viewer, Action.WRITE_COURSE, client_code)
    assert viewer is not None
    first = parse_problem_area(primary)
    second = None if secondary in (None, "") else parse_problem_area(str(secondary))
    if second is first:
        raise InvalidInputError("the secondary problem area must differ from the primary one")
    if second is None and secondary_goals.strip():
        raise InvalidInputError("secondary goals need a secondary problem area")
    store.courses.set_areas(
        client.code,
        primary=first.value,
        primary_goals=_goals(goals, "goals"),
        secondary=None if second is None else second.value,
        secondary_goals=_goals(secondary_goals, "secondary goals"),
        now=now,
        actor=viewer.login,
    )
    return _latest_view(store, viewer, client)


def _change_status(
    store: Store,
    viewer: Viewer | None,
    client_code: object,
    status: CourseStatus,
    on: dt.date,
    now: dt.datetime,
) -> CourseView:
    client = resolve_client(store, viewer, Action.WRITE_COURSE, client_code)
    assert viewer is not None
    what = "course end date" if status is CourseStatus.ENDED else "maintenance start date"
    day = _plausible(client, on, now, what)
    store.courses.change_status(client.code, status.value, day, now=now, actor=viewer.login)
    return _latest_view(store, viewer, client)


def move_to_maintenance(
    store: Store, viewer: Viewer | None, client_code: object, on: dt.date, *, now: dt.datetime
) -> CourseView:
    """Move the course to maintenance from local date *on* (sessions from then on)."""
    return _change_status(store, viewer, client_code, CourseStatus.MAINTENANCE, on, now)


def end_course(
    store: Store, viewer: Viewer | None, client_code: object, on: dt.date, *, now: dt.datetime
) -> CourseView:
    """End the course on local date *on* (a new one may start afterwards)."""
    return _change_status(store, viewer, client_code, CourseStatus.ENDED, on, now)
