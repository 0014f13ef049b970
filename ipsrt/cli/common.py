"""Shared pieces of the command line: the --db option, error handling, output."""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from collections.abc import Callable
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from ipsrt.errors import IpsrtError
from ipsrt.store import Store
from ipsrt.store.engine import ENV_VAR, resolve_url

P = ParamSpec("P")
R = TypeVar("R")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar=ENV_VAR,
        show_envvar=True,
        help="Database URL (sqlite:///PATH or postgresql://USER@HOST/DB); "
        "default: a SQLite file in the user data directory.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]

stdout = Console(highlight=False, soft_wrap=True)


def database_url(db: str | None) -> str:
    """The URL from --db, the environment or the default."""
    return resolve_url(db)


def utc_now() -> dt.datetime:
    """The clock, read at the edge (commands), never inside the domain code."""
    return dt.datetime.now(dt.UTC)


def fail(message: str) -> typer.Exit:
    """Print one line on stderr and return the exit to raise."""
    first_line = " ".join(str(message).split())
    print(f"error: {first_line}", file=sys.stderr)
    return typer.Exit(code=1)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the core's errors into one line on stderr and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except IpsrtError as exc:
            raise fail(str(exc)) from None
        except SQLAlchemyError as exc:
            origin = getattr(exc, "orig", None) or exc
            lines = str(origin).strip().splitlines() or [type(origin).__name__]
            raise fail(f"database error: {lines[0]}") from None

    return wrapper


def parse_date(text: str | None, option: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` option value (None when not given), or a one-line error."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise fail(f"invalid {option} {text!r}: expected YYYY-MM-DD") from None


def print_json(data: Any) -> None:
    """Write *data* as JSON on stdout (dates and datetimes as ISO 8601)."""

    def default(value: Any) -> Any:
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        raise TypeError(f"cannot serialise {type(value).__name__}")

    sys.stdout.write(json.dumps(data, default=default, indent=2, allow_nan=True) + "\n")


def open_tracker(db: str | None) -> Store:
    """The Store of --db whose writes keep the daily summaries up to date."""
    from ipsrt.reports.summaries import open_store

    return open_store(database_url(db))
