"""the IPT course: treatment courses, sessions, sealed notes, inventory, life events, plans

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 16:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ipsrt.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inventory_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("relationship", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("closeness", sa.Integer(), nullable=True),
        sa.Column("support", sa.Integer(), nullable=True),
        sa.Column("conflict", sa.Integer(), nullable=True),
        sa.Column("changes", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("rhythm_roles", sa.JSON(), nullable=False),
        sa.Column("recorded_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.CheckConstraint("person_id >= 1", name=op.f("ck_inventory_revision_person_positive")),
        sa.CheckConstraint(
            "removed = (label IS NULL)", name=op.f("ck_inventory_revision_removed_has_no_label")
        ),
        sa.CheckConstraint(
            "removed OR (closeness BETWEEN 1 AND 3 AND support BETWEEN 0 AND 3 AND conflict BETWEEN 0 AND 3)",
            name=op.f("ck_inventory_revision_scores_range"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_inventory_revision_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_revision")),
    )
    with op.batch_alter_table("inventory_revision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inventory_revision_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "life_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("disruption", sa.Integer(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("entered_by_role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("entered_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("created_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "entered_by_role IN ('client', 'clinician')",
            name=op.f("ck_life_event_entered_by_role_known"),
        ),
        sa.CheckConstraint(
            "kind IN ('loss', 'dispute', 'role_change', 'travel', 'shift_work', 'illness', 'other')",
            name=op.f("ck_life_event_kind_known"),
        ),
        sa.CheckConstraint(
            "disruption BETWEEN 0 AND 3", name=op.f("ck_life_event_disruption_range")
        ),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_life_event_dates_order")),
        sa.CheckConstraint(
            "length(description) <= 200", name=op.f("ck_life_event_description_length")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_life_event_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_life_event")),
    )
    with op.batch_alter_table("life_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_life_event_client_id"), ["client_id"], unique=False)

    op.create_table(
        "relapse_plan_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=True),
        sa.Column("made_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.Column("made_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.CheckConstraint(
            "revision >= 1", name=op.f("ck_relapse_plan_revision_revision_positive")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_relapse_plan_revision_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relapse_plan_revision")),
        sa.UniqueConstraint(
            "client_id", "revision", name=op.f("uq_relapse_plan_revision_client_id_revision")
        ),
    )
    op.create_table(
        "treatment_course",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("planned_sessions", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("maintenance_from", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("primary_area", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("primary_goals", sa.Text(), nullable=False),
        sa.Column("secondary_area", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("secondary_goals", sa.Text(), nullable=False),
        sa.Column("created_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.CheckConstraint(
            "(status = 'ended') = (ended_on IS NOT NULL)",
            name=op.f("ck_treatment_course_ended_consistent"),
        ),
        sa.CheckConstraint(
            "primary_area IS NULL OR primary_area IN ('grief', 'role_disputes', 'role_transitions', 'interpersonal_deficits')",
            name=op.f("ck_treatment_course_primary_area_known"),
        ),
        sa.CheckConstraint(
            "secondary_area IS NULL OR secondary_area IN ('grief', 'role_disputes', 'role_transitions', 'interpersonal_deficits')",
            name=op.f("ck_treatment_course_secondary_area_known"),
        ),
        sa.CheckConstraint(
            "status <> 'maintenance' OR maintenance_from IS NOT NULL",
            name=op.f("ck_treatment_course_maintenance_dated"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'maintenance', 'ended')",
            name=op.f("ck_treatment_course_status_known"),
        ),
        sa.CheckConstraint(
            "(ended_on IS NULL OR ended_on >= started_on) AND (maintenance_from IS NULL OR maintenance_from >= started_on)",
            name=op.f("ck_treatment_course_dates_order"),
        ),
        sa.CheckConstraint(
            "length(primary_goals) <= 2000 AND length(secondary_goals) <= 2000",
            name=op.f("ck_treatment_course_goals_length"),
        ),
        sa.CheckConstraint(
            "planned_sessions BETWEEN 8 AND 60", name=op.f("ck_treatment_course_planned_range")
        ),
        sa.CheckConstraint(
            "secondary_area IS NULL"
            " OR (primary_area IS NOT NULL AND secondary_area <> primary_area)",
            name=op.f("ck_treatment_course_secondary_after_primary"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_treatment_course_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treatment_course")),
    )
    with op.batch_alter_table("treatment_course", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_treatment_course_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            "uq_treatment_course_open_client",
            ["client_id"],
            unique=True,
            sqlite_where=sa.text("status <> 'ended'"),
            postgresql_where=sa.text("status <> 'ended'"),
        )

    op.create_table(
        "therapy_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.Column("phase_override", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("recorded_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.CheckConstraint(
            "phase_override IS NULL OR phase_override IN ('initial', 'middle', 'termination', 'maintenance')",
            name=op.f("ck_therapy_session_phase_known"),
        ),
        sa.CheckConstraint("number >= 1", name=op.f("ck_therapy_session_number_positive")),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["treatment_course.id"],
            name=op.f("fk_therapy_session_course_id_treatment_course"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_therapy_session")),
        sa.UniqueConstraint(
            "course_id", "number", name=op.f("uq_therapy_session_course_id_number")
        ),
    )
    op.create_table(
        "session_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("sealed_text", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("written_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "sealed_text LIKE 'sealed:v1:%'", name=op.f("ck_session_note_sealed_only")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["therapy_session.id"],
            name=op.f("fk_session_note_session_id_therapy_session"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_note")),
        sa.UniqueConstraint("session_id", name=op.f("uq_session_note_session_id")),
    )


def downgrade() -> None:
    op.drop_table("session_note")
    op.drop_table("therapy_session")
    with op.batch_alter_table("treatment_course", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_treatment_course_open_client",
            sqlite_where=sa.text("status <> 'ended'"),
            postgresql_where=sa.text("status <> 'ended'"),
        )
        batch_op.drop_index(batch_op.f("ix_treatment_course_client_id"))

    op.drop_table("treatment_course")
    op.drop_table("relapse_plan_revision")
    with op.batch_alter_table("life_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_life_event_client_id"))

    op.drop_table("life_event")
    with op.batch_alter_table("inventory_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inventory_revision_client_id"))

    op.drop_table("inventory_revision")
