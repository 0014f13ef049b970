"""Engine factory: one place that turns a database URL into a configured engine.

No module-level engine exists anywhere in the project; every caller builds one
from a URL (``--db``, ``IPSRT_DATABASE_URL`` or the default SQLite file).

SQLite connections get ``journal_mode=WAL``, ``synchronous=FULL``, a busy
timeout and ``foreign_keys=ON``; write transactions start with ``BEGIN
IMMEDIATE`` so a writer never fails half-way with ``SQLITE_BUSY``.
PostgreSQL goes through psycopg 3 with ``synchronous_commit`` left on.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from platformdirs import user_data_path
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from ipsrt import DATABASE_URL_ENV_VAR as ENV_VAR
from ipsrt.errors import DatabaseError

SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "ipsrt_write"

__all__ = [
    "ENV_VAR",
    "default_database_url",
    "make_engine",
    "parse_url",
    "resolve_url",
    "safe_url",
    "sqlite_path",
]


def default_database_url() -> str:
    """The SQLite file in the user's data directory (``platformdirs``)."""
    return f"sqlite:///{user_data_path('ipsrt', appauthor=False) / 'ipsrt.sqlite3'}"


def resolve_url(url: str | None) -> str:
    """The URL to use: the argument, else ``IPSRT_DATABASE_URL``, else the default."""
    if url:
        return url
    return os.environ.get(ENV_VAR) or default_database_url()


def parse_url(url: str) -> URL:
    """Parse and normalise a database URL, or raise :class:`DatabaseError` in one line."""
    try:
        parsed = sa.make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseError(
            f"invalid database URL {url!r}: expected sqlite:///PATH or postgresql://USER@HOST/DB"
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    raise DatabaseError(
        f"unsupported database {backend!r} in {safe_url(parsed)}: use sqlite or postgresql"
    )


def safe_url(url: str | URL) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        parsed = sa.make_url(url) if isinstance(url, str) else url
    except (ArgumentError, ValueError):
        return "<invalid URL>"
    return parsed.render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for in-memory and other databases."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control from the driver; the "begin" hook emits BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: sa.Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """Build an engine for *url* with the project's connection settings.

    ``sqlite://`` (in memory) uses one shared connection so tests see one
    database. The caller owns the engine and disposes of it.
    """
    parsed = parse_url(url) if isinstance(url, str) else url
    try:
        if parsed.get_backend_name() == "sqlite":
            kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
            if sqlite_path(parsed) is None:
                kwargs["poolclass"] = StaticPool
            engine = sa.create_engine(parsed, echo=echo, **kwargs)
            event.listen(engine, "connect", _sqlite_on_connect)
            event.listen(engine, "begin", _sqlite_on_begin)
            return engine
        return sa.create_engine(
            parsed,
            echo=echo,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 10, "application_name": "ipsrt"},
        )
    except (ArgumentError, NoSuchModuleError, TypeError) as exc:
        raise DatabaseError(f"cannot use database URL {safe_url(parsed)}: {exc}") from exc
