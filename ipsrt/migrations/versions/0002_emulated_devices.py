"""emulated devices and database purpose

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (not a batch migration): on SQLite a batch migration
    # would recreate the device table and drop its guard trigger.
    op.add_column(
        "device",
        sa.Column("emulated", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "store_setting",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_store_setting")),
    )


def downgrade() -> None:
    op.drop_table("store_setting")
    # SQLite 3.35+ drops a column in place, keeping the device table's trigger.
    op.drop_column("device", "emulated")
