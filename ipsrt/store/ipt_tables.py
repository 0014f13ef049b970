"""Tables of the IPT side of IPSRT: courses, sessions, notes, inventory, life events, plans.

Migration 0006 creates them (docs/clinicians.md; docs/architecture.md, "Data
model"). Rules live in the schema as named CHECK constraints, like the rest
of :mod:`ipsrt.models`; the domain (:mod:`ipsrt.ipt`) checks values before
they arrive. Nothing here is ever deleted by the tracker: a course ends, an
inventory person is removed by a revision, a plan is replaced by a newer
revision.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ipsrt.enums import CourseStatus, LifeEventKind, ProblemArea, TherapyPhase
from ipsrt.models import utc_column, values_in

__all__ = [
    "InventoryRevisionRow",
    "LifeEventRow",
    "RelapsePlanRevision",
    "SessionNote",
    "TherapySession",
    "TreatmentCourse",
]

#: The prefix every stored session note starts with (ipsrt.store.secret_box).
SEALED_LIKE = "sealed:v1:%"


def _area_known(column: str) -> str:
    return f"{column} IS NULL OR {values_in(column, ProblemArea)}"


class TreatmentCourse(SQLModel, table=True):
    """One client's IPSRT course: plan, status, problem areas and goals.

    A client has at most one course that has not ended (a partial unique
    index); ``maintenance_from`` is the first day of maintenance.
    """

    __tablename__ = "treatment_course"
    __table_args__ = (
        sa.CheckConstraint("planned_sessions BETWEEN 8 AND 60", name="planned_range"),
        sa.CheckConstraint(values_in("status", CourseStatus), name="status_known"),
        sa.CheckConstraint(_area_known("primary_area"), name="primary_area_known"),
        sa.CheckConstraint(_area_known("secondary_area"), name="secondary_area_known"),
        sa.CheckConstraint(
            "secondary_area IS NULL"
            " OR (primary_area IS NOT NULL AND secondary_area <> primary_area)",
            name="secondary_after_primary",
        ),
        sa.CheckConstraint("(status = 'ended') = (ended_on IS NOT NULL)", name="ended_consistent"),
        sa.CheckConstraint(
            "status <> 'maintenance' OR maintenance_from IS NOT NULL", name="maintenance_dated"
        ),
        sa.CheckConstraint(
            "(ended_on IS NULL OR ended_on >= started_on)"
            " AND (maintenance_from IS NULL OR maintenance_from >= started_on)",
            name="dates_order",
        ),
        sa.CheckConstraint(
            "length(primary_goals) <= 2000 AND length(secondary_goals) <= 2000",
            name="goals_length",
        ),
        sa.Index(
            "uq_treatment_course_open_client",
            "client_id",
            unique=True,
            sqlite_where=sa.text("status <> 'ended'"),
            postgresql_where=sa.text("status <> 'ended'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", ondelete="RESTRICT", index=True)
    started_on: dt.date
    planned_sessions: int = Field(default=16)
    status: str = Field(default="active", max_length=16)
    maintenance_from: dt.date | None = None
    ended_on: dt.date | None = None
    primary_area: str | None = Field(default=None, max_length=32)
    primary_goals: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    secondary_area: str | None = Field(default=None, max_length=32)
    secondary_goals: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    created_at: dt.datetime = utc_column()
    created_by: str = Field(max_length=128)


class TherapySession(SQLModel, table=True):
    """One appointment of a course: its order (``number``), date, held or missed, phase set."""

    __tablename__ = "therapy_session"
    __table_args__ = (
        sa.CheckConstraint("number >= 1", name="number_positive"),
        sa.CheckConstraint(
            f"phase_override IS NULL OR {values_in('phase_override', TherapyPhase)}",
            name="phase_known",
        ),
        sa.UniqueConstraint("course_id", "number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="treatment_course.id", ondelete="RESTRICT")
    number: int
    held_on: dt.date
    attended: bool = Field(default=True)
    phase_override: str | None = Field(default=None, max_length=16)
    recorded_at: dt.datetime = utc_column()
    recorded_by: str = Field(max_length=128)


class SessionNote(SQLModel, table=True):
    """A clinician's note on one session, stored only sealed (the schema refuses clear text)."""

    __tablename__ = "session_note"
    __table_args__ = (
        sa.CheckConstraint(f"sealed_text LIKE '{SEALED_LIKE}'", name="sealed_only"),
        sa.UniqueConstraint("session_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="therapy_session.id", ondelete="RESTRICT")
    sealed_text: str = Field(sa_column=sa.Column(sa.Text, nullable=False), repr=False)
    shared: bool = Field(default=False)
    author: str = Field(max_length=128)
    written_at: dt.datetime = utc_column()


class InventoryRevisionRow(SQLModel, table=True):
    """A dated revision of one person of a client's interpersonal inventory.

    ``person_id`` numbers the client's people (1, 2, ...); a removal is a
    revision with ``removed`` set and no description.
    """

    __tablename__ = "inventory_revision"
    __table_args__ = (
        sa.CheckConstraint("person_id >= 1", name="person_positive"),
        sa.CheckConstraint("removed = (label IS NULL)", name="removed_has_no_label"),
        sa.CheckConstraint(
            "removed OR (closeness BETWEEN 1 AND 3 AND support BETWEEN 0 AND 3"
            " AND conflict BETWEEN 0 AND 3)",
            name="scores_range",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", ondelete="RESTRICT", index=True)
    person_id: int
    effective_on: dt.date
    removed: bool = Field(default=False)
    label: str | None = Field(default=None, max_length=60)
    relationship: str | None = Field(default=None, max_length=60)
    closeness: int | None = None
    support: int | None = None
    conflict: int | None = None
    changes: str | None = Field(default=None, max_length=500)
    rhythm_roles: list[dict[str, str]] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    recorded_at: dt.datetime = utc_column()
    recorded_by: str = Field(max_length=128)


class LifeEventRow(SQLModel, table=True):
    """A life event on a client's time line: local dates, kind, disruption, who entered it."""

    __tablename__ = "life_event"
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="dates_order"),
        sa.CheckConstraint(values_in("kind", LifeEventKind), name="kind_known"),
        sa.CheckConstraint("disruption BETWEEN 0 AND 3", name="disruption_range"),
        sa.CheckConstraint(
            "entered_by_role IN ('client', 'clinician')", name="entered_by_role_known"
        ),
        sa.CheckConstraint("length(description) <= 200", name="description_length"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", ondelete="RESTRICT", index=True)
    starts_on: dt.date
    ends_on: dt.date
    kind: str = Field(max_length=16)
    disruption: int
    description: str = Field(default="", max_length=200)
    entered_by_role: str = Field(max_length=16)
    entered_by: str = Field(max_length=128)
    created_at: dt.datetime = utc_column()


class RelapsePlanRevision(SQLModel, table=True):
    """One saved version of a client's relapse-prevention plan; the highest revision is current."""

    __tablename__ = "relapse_plan_revision"
    __table_args__ = (
        sa.CheckConstraint("revision >= 1", name="revision_positive"),
        sa.UniqueConstraint("client_id", "revision"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", ondelete="RESTRICT")
    revision: int
    content: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(sa.JSON))
    made_at: dt.datetime = utc_column()
    made_by: str = Field(max_length=128)
