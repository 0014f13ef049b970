"""daily summaries: client_day, client_week, summary_pending, client_summary

Derived tables only; every client is rebuilt by the first summary update
(no client_summary row yet), so no data is migrated here.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 10:12:59
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ipsrt.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "client_day",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("day_minutes", sa.Integer(), nullable=False),
        sa.Column("recorded_min", sa.Integer(), nullable=False),
        sa.Column("wear_min", sa.Integer(), nullable=False),
        sa.Column("steps", sa.Float(), nullable=True),
        sa.Column("activity_hourly", sqlmodel.sql.sqltypes.AutoString(length=800), nullable=False),
        sa.Column("bin_activity_sum", sa.Text(), nullable=False),
        sa.Column("bin_worn", sa.Text(), nullable=False),
        sa.Column("bin_sleep", sa.Text(), nullable=False),
        sa.Column("sleep_onset_utc", ipsrt.models.UtcDateTime(), nullable=True),
        sa.Column("sleep_offset_utc", ipsrt.models.UtcDateTime(), nullable=True),
        sa.Column("sleep_onset_min", sa.Float(), nullable=True),
        sa.Column("sleep_offset_min", sa.Float(), nullable=True),
        sa.Column("sleep_midpoint_min", sa.Float(), nullable=True),
        sa.Column("sleep_duration_min", sa.Float(), nullable=True),
        sa.Column("sleep_min", sa.Float(), nullable=True),
        sa.Column("sleep_source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("reported_out_of_bed_min", sa.Float(), nullable=True),
        sa.Column("reported_first_contact_min", sa.Float(), nullable=True),
        sa.Column("reported_start_activity_min", sa.Float(), nullable=True),
        sa.Column("reported_dinner_min", sa.Float(), nullable=True),
        sa.Column("reported_bed_min", sa.Float(), nullable=True),
        sa.Column("estimated_out_of_bed_min", sa.Float(), nullable=True),
        sa.Column("estimated_start_activity_min", sa.Float(), nullable=True),
        sa.Column("estimated_bed_min", sa.Float(), nullable=True),
        sa.Column("diary_items", sa.Integer(), nullable=False),
        sa.Column("mood", sa.Float(), nullable=True),
        sa.Column("energy", sa.Float(), nullable=True),
        sa.Column("irritability", sa.Float(), nullable=True),
        sa.Column("anxiety", sa.Float(), nullable=True),
        sa.Column("phq9_total", sa.Float(), nullable=True),
        sa.Column("phq9_item9", sa.Float(), nullable=True),
        sa.Column("asrm_total", sa.Float(), nullable=True),
        sa.Column("wear_fraction", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_client_day_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "day", name=op.f("pk_client_day")),
    )
    op.create_table(
        "client_summary",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("alerts_version", sa.Integer(), nullable=True),
        sa.Column("alerts_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("alerts_due_utc", ipsrt.models.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_client_summary_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_summary")),
    )
    op.create_table(
        "client_week",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("days_with_data", sa.Integer(), nullable=False),
        sa.Column("srm", sa.Float(), nullable=True),
        sa.Column("srm_estimated", sa.Float(), nullable=True),
        sa.Column("is_", sa.Float(), nullable=True),
        sa.Column("iv", sa.Float(), nullable=True),
        sa.Column("ra", sa.Float(), nullable=True),
        sa.Column("l5", sa.Float(), nullable=True),
        sa.Column("m10", sa.Float(), nullable=True),
        sa.Column("sri", sa.Float(), nullable=True),
        sa.Column("sleep_duration_mean_min", sa.Float(), nullable=True),
        sa.Column("sleep_midpoint_sd_min", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_client_week_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "week_start", name=op.f("pk_client_week")),
    )
    op.create_table(
        "summary_pending",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_summary_pending_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "day", name=op.f("pk_summary_pending")),
    )


def downgrade() -> None:
    op.drop_table("summary_pending")
    op.drop_table("client_week")
    op.drop_table("client_summary")
    op.drop_table("client_day")
