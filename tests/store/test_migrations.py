"""Migrations: the models and the migrations agree, on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import ipsrt.models  # noqa: F401  (registers the tables)
from ipsrt.errors import SchemaNotCurrentError
from ipsrt.store import Store, migrate


def _is_sample_device_fk(entry: object) -> bool:
    return (
        isinstance(entry, tuple)
        and entry[0] == "add_fk"
        and entry[1].name == "fk_minute_sample_device_id_device"
    )


def test_models_do_not_drift_from_migrations(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    if store.engine.dialect.name == "postgresql":
        # On PostgreSQL the minute_sample -> device reference is enforced per
        # statement by triggers instead of a row-level foreign key (see the
        # migration); test_sample_device_reference_is_enforced checks it.
        assert [e for e in diff if _is_sample_device_fk(e)], "expected the FK to be replaced"
        diff = [e for e in diff if not _is_sample_device_fk(e)]
    assert diff == [], f"models differ from migrations; write a migration: {diff}"


def test_sample_device_reference_is_enforced(store: Store) -> None:
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    store.add_client("C001", "UTC", now=now)
    device = store.add_device("C001", "import", "file", now=now)
    insert = "INSERT INTO minute_sample (device_id, ts, state, quality) VALUES (:d, 60, 0, 0)"
    with pytest.raises(sa.exc.IntegrityError), store.write_connection() as conn:
        conn.execute(sa.text(insert), {"d": 999})
    with store.write_connection() as conn:
        conn.execute(sa.text(insert), {"d": device.id})
    with pytest.raises(sa.exc.IntegrityError), store.write_connection() as conn:
        conn.execute(sa.text("UPDATE minute_sample SET device_id = 999"))
    with pytest.raises(sa.exc.IntegrityError), store.write_connection() as conn:
        conn.execute(sa.text("DELETE FROM device WHERE id = :d"), {"d": device.id})


def test_every_check_constraint_of_the_models_is_in_the_database(store: Store) -> None:
    # Autogenerate does not compare CHECK constraints, so compare their names here.
    inspector = sa.inspect(store.engine)
    for table in SQLModel.metadata.sorted_tables:
        expected = {
            c.name for c in table.constraints if isinstance(c, sa.CheckConstraint) and c.name
        }
        present = {c["name"] for c in inspector.get_check_constraints(table.name)}
        assert expected <= present, f"{table.name} lacks {expected - present}"


def test_empty_to_head_to_base_to_head(database_url: str) -> None:
    with Store(database_url, check_schema=False, create=True) as store:
        assert migrate.current_revision(store.engine) is None
        store.upgrade()
        assert migrate.current_revision(store.engine) == migrate.head_revision()
        migrate.downgrade(store.engine, "base")
        assert migrate.current_revision(store.engine) is None
        assert "minute_sample" not in sa.inspect(store.engine).get_table_names()
        store.upgrade()
        assert migrate.current_revision(store.engine) == migrate.head_revision()


def test_unmigrated_database_is_refused_with_advice(database_url: str) -> None:
    Store(database_url, check_schema=False, create=True).close()
    with pytest.raises(SchemaNotCurrentError, match="run 'ipsrt init'"):
        Store(database_url)


def test_missing_sqlite_file_is_not_created_by_accident(tmp_path) -> None:
    path = tmp_path / "nowhere" / "db.sqlite3"
    with pytest.raises(SchemaNotCurrentError, match="no database at"):
        Store(f"sqlite:///{path}")
    assert not path.parent.exists()
