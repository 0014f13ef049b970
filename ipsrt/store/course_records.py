"""Treatment courses and their sessions on a :class:`~ipsrt.store.Store` (``store.courses``).

Persistence only: the services (:mod:`ipsrt.reports.course`) check values
and authorize; phases are derived by :mod:`ipsrt.ipt.course`, never stored
(only a clinician's override is). Every write is one transaction audited in
the same transaction (``course.start``, ``course.session.add``,
``course.area``, ``course.maintenance``, ``course.end``); audit details hold
numbers, dates and area names, never goals text.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ipsrt.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from ipsrt.store.ipt_tables import TherapySession, TreatmentCourse
from ipsrt.timeutil import require_utc

if TYPE_CHECKING:
    from ipsrt.store.store import Store

__all__ = ["CourseRecords"]


class CourseRecords:
    """A client's treatment courses (at most one not ended) and their appointments."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- reads ----------------------------------------------------------------------

    @staticmethod
    def _latest(session: Session, client_id: int, *, open_only: bool) -> TreatmentCourse | None:
        query = select(TreatmentCourse).where(TreatmentCourse.client_id == client_id)
        if open_only:
            query = query.where(TreatmentCourse.status != "ended")
        return session.exec(query.order_by(col(TreatmentCourse.id).desc())).first()

    def latest(self, client_code: str) -> TreatmentCourse | None:
        """The client's course that has not ended, else their last course, else None."""
        with self._store.session() as session:
            client_id = self._store.client_id(session, client_code)
            return self._latest(session, client_id, open_only=True) or self._latest(
                session, client_id, open_only=False
            )

    def sessions(self, course_id: int) -> list[TherapySession]:
        """The course's appointments in order."""
        with self._store.session() as session:
            query = select(TherapySession).where(TherapySession.course_id == course_id)
            return list(session.exec(query.order_by(col(TherapySession.number))))

    def session_of(self, client_code: str, number: int) -> TherapySession:
        """Appointment *number* of the client's latest course, or :class:`NotFoundError`."""
        course = self.latest(client_code)
        with self._store.session() as session:
            found = None
            if course is not None:
                found = session.exec(
                    select(TherapySession).where(
                        TherapySession.course_id == course.id, TherapySession.number == number
                    )
                ).first()
        if found is None:
            raise NotFoundError(f"client {client_code!r} has no session {number}")
        return found

    # -- writes ---------------------------------------------------------------------

    def _open(self, session: Session, client_code: str) -> tuple[int, TreatmentCourse]:
        client_id = self._store.client_id(session, client_code)
        course = self._latest(session, client_id, open_only=True)
        if course is None:
            raise NotFoundError(
                f"client {client_code!r} has no course under way: start one ('ipsrt course start')"
            )
        return client_id, course

    def start(
        self,
        client_code: str,
        started_on: dt.date,
        planned_sessions: int,
        *,
        now: dt.datetime,
        actor: str,
    ) -> TreatmentCourse:
        """Start a course (status active); refused while another has not ended."""
        now = require_utc(now)
        try:
            with self._store.write_session() as session:
                client_id = self._store.client_id(session, client_code)
                if self._latest(session, client_id, open_only=True) is not None:
                    raise AlreadyExistsError(
                        f"client {client_code!r} already has a course under way: end it first "
                        "('ipsrt course end')"
                    )
                course = TreatmentCourse(
                    client_id=client_id,
                    started_on=started_on,
                    planned_sessions=planned_sessions,
                    created_at=now,
                    created_by=actor,
                )
                session.add(course)
                self._store.audit(
                    session,
                    now=now,
                    actor=actor,
                    action="course.start",
                    subject=client_code,
                    detail={"started_on": started_on.isoformat(), "planned": planned_sessions},
                )
        except IntegrityError as exc:  # a concurrent start won the partial unique index
            raise AlreadyExistsError(
                f"client {client_code!r} already has a course under way"
            ) from exc
        return course

    def add_session(
        self,
        client_code: str,
        held_on: dt.date,
        *,
        attended: bool,
        phase_override: str | None,
        now: dt.datetime,
        actor: str,
    ) -> TherapySession:
        """Record the next appointment of the client's course (numbered in order).

        Appointments are recorded in date order: a date before the course
        start or on or before the last recorded appointment is refused.
        """
        now = require_utc(now)
        with self._store.write_session() as session:
            _, course = self._open(session, client_code)
            if held_on < course.started_on:
                raise InvalidInputError(
                    f"session date {held_on} is before the course start {course.started_on}"
                )
            last = session.exec(
                select(TherapySession)
                .where(TherapySession.course_id == course.id)
                .order_by(col(TherapySession.number).desc())
            ).first()
            if last is not None and held_on <= last.held_on:
                raise InvalidInputError(
                    f"session date {held_on} is not after the last recorded session "
                    f"({last.number}, {last.held_on}): sessions are recorded in order"
                )
            assert course.id is not None
            row = TherapySession(
                course_id=course.id,
                number=1 if last is None else last.number + 1,
                held_on=held_on,
                attended=attended,
                phase_override=phase_override,
                recorded_at=now,
                recorded_by=actor,
            )
            session.add(row)
            self._store.audit(
                session,
                now=now,
                actor=actor,
                action="course.session.add",
                subject=client_code,
                detail={
                    "number": row.number,
                    "held_on": held_on.isoformat(),
                    "attended": attended,
                    "phase_override": phase_override,
                },
            )
        return row

    def set_areas(
        self,
        client_code: str,
        *,
        primary: str,
        primary_goals: str,
        secondary: str | None,
        secondary_goals: str,
        now: dt.datetime,
        actor: str,
    ) -> TreatmentCourse:
        """Set the primary (and secondary) problem area and goals of the open course."""
        now = require_utc(now)
        with self._store.write_session() as session:
            _, course = self._open(session, client_code)
            before = (course.primary_area, course.secondary_area)
            goals_changed = (course.primary_goals, course.secondary_goals) != (
                primary_goals,
                secondary_goals,
            )
            course.primary_area, course.primary_goals = primary, primary_goals
            course.secondary_area, course.secondary_goals = secondary, secondary_goals
            session.add(course)
            self._store.audit(
                session,
                now=now,
                actor=actor,
                action="course.area",
                subject=client_code,
                detail={
                    "primary": primary,
                    "secondary": secondary,
                    "before": list(before),
                    "goals_changed": goals_changed,
                },
            )
        return course

    def change_status(
        self, client_code: str, status: str, on: dt.date, *, now: dt.datetime, actor: str
    ) -> TreatmentCourse:
        """Move the open course to ``maintenance`` or ``ended`` from local date *on*."""
        now = require_utc(now)
        with self._store.write_session() as session:
            _, course = self._open(session, client_code)
            if on < course.started_on:
                raise InvalidInputError(f"date {on} is before the course start {course.started_on}")
            if status == "maintenance":
                if course.status == "maintenance":
                    raise InvalidInputError(
                        f"client {client_code!r}'s course is already in maintenance"
                    )
                course.status, course.maintenance_from = "maintenance", on
            elif status == "ended":
                course.status, course.ended_on = "ended", on
            else:
                raise InvalidInputError(f"cannot change a course to {status!r}")
            session.add(course)
            self._store.audit(
                session,
                now=now,
                actor=actor,
                action=f"course.{'end' if status == 'ended' else status}",
                subject=client_code,
                detail={"on": on.isoformat()},
            )
        return course
