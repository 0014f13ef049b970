"""Shared fixtures: stores on SQLite and on the real PostgreSQL server.

PostgreSQL tests use the server named by ``IPSRT_TEST_POSTGRES_URL`` (``.ci/run``
starts one and exports it). Each test gets a schema of its own, so tests can
run in parallel. Without the URL the PostgreSQL cases skip, except under
``CI=true``, where they fail: CI must never pass by skipping them.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from ipsrt.store import Store

#: Fixtures of the dashboard tests (the test clinic, apps, a settable clock).
pytest_plugins = ["tests.helpers.dashboard", "tests.helpers.browser"]

POSTGRES_ENV = "IPSRT_TEST_POSTGRES_URL"
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def postgres_url_or_skip() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests")
    pytest.skip(f"{POSTGRES_ENV} not set (PostgreSQL tests run in CI)")


#: The secret key of the PostgreSQL test databases (a PostgreSQL database's key
#: comes from the environment: docs/security.md, "Secrets at rest").
POSTGRES_TEST_SECRET_KEY = "uHmHbHJjJ1r0q3sXv4Y0mSx1ZbFz2Q0l3gk9lN4hXkQ="


@pytest.fixture
def postgres_schema_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A URL whose search_path is a fresh, empty schema (dropped afterwards).

    ``IPSRT_SECRET_KEY`` is set for the test unless a key is already given.
    """
    base = postgres_url_or_skip()
    if not (os.environ.get("IPSRT_SECRET_KEY") or os.environ.get("IPSRT_SECRET_KEY_FILE")):
        monkeypatch.setenv("IPSRT_SECRET_KEY", POSTGRES_TEST_SECRET_KEY)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(sa.make_url(base).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ipsrt.sqlite3'}"
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated store with no records, on each backend."""
    with Store.initialise(database_url) as opened:
        yield opened
