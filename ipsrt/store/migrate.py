"""Alembic migrations, applied programmatically (``ipsrt init``, ``ipsrt db upgrade``)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from ipsrt.errors import SchemaNotCurrentError
from ipsrt.store.engine import safe_url

__all__ = ["alembic_config", "current_revision", "head_revision", "require_current", "upgrade"]


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic config pointing at ``ipsrt/migrations`` (and *engine*, if given)."""
    config = Config()
    config.set_main_option("script_location", "ipsrt:migrations")
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest migration the code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to *revision* in one transaction per migration."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Revert migrations down to *revision* (``base`` empties the schema)."""
    command.downgrade(alembic_config(engine), revision)


def require_current(engine: Engine) -> None:
    """Raise :class:`SchemaNotCurrentError` unless the database is at the head migration."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    where = safe_url(engine.url)
    if current is None:
        raise SchemaNotCurrentError(
            f"database {where} is not initialised: run 'ipsrt init' (or 'ipsrt db upgrade')"
        )
    raise SchemaNotCurrentError(
        f"database {where} is at schema {current}, the code needs {head}: run 'ipsrt db upgrade'"
    )
