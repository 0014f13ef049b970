"""dashboard: web_session (revocable logins) and anchor_target (agreed anchor times)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 13:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ipsrt.models

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.Column("revoked_at", ipsrt.models.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_web_session_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_web_session")),
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_session_user_id"), ["user_id"], unique=False)
    op.create_table(
        "anchor_target",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("activity", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("target_minute", sa.Integer(), nullable=False),
        sa.Column("set_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.Column("set_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.CheckConstraint(
            "target_minute BETWEEN 0 AND 1439", name=op.f("ck_anchor_target_target_range")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_anchor_target_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "activity", name=op.f("pk_anchor_target")),
    )


def downgrade() -> None:
    op.drop_table("anchor_target")
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_user_id"))
    op.drop_table("web_session")
