"""retired devices and resolved alerts

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 16:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ipsrt.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (not batch migrations): on SQLite a batch migration
    # would recreate the tables and drop their guard triggers.
    op.add_column("device", sa.Column("retired_at", ipsrt.models.UtcDateTime(), nullable=True))
    op.add_column("alert", sa.Column("resolved_at", ipsrt.models.UtcDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("alert", "resolved_at")
    op.drop_column("device", "retired_at")
