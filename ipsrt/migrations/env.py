"""Alembic environment: migrations run on the engine handed in by ipsrt.store.migrate."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import ipsrt.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from ipsrt.store.engine import make_engine, resolve_url

config = context.config
engine = config.attributes.get("engine") or make_engine(resolve_url(None))

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=True,
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
