"""Shared pieces of the command line: the --db option, error handling, output.

This module is imported by every command module when ``ipsrt --help`` is
built, so it imports only the standard library, Typer and Rich: the store
(SQLAlchemy, pandas) is imported inside the functions that use it.
"""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Generic, ParamSpec, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from ipsrt import DATABASE_URL_ENV_VAR
from ipsrt.display import printable
from ipsrt.errors import IpsrtError

if TYPE_CHECKING:
    from ipsrt.store import Store

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar=DATABASE_URL_ENV_VAR,
        show_envvar=True,
        help="Database URL (sqlite:///PATH or postgresql://USER@HOST/DB); "
        "default: a SQLite file in the user data directory.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]

stdout = Console(highlight=False, soft_wrap=True)


def database_url(db: str | None) -> str:
    """The URL from --db, the environment or the default."""
    from ipsrt.store.engine import resolve_url

    return resolve_url(db)


def open_store(db: str | None, *, check_schema: bool = True) -> Store:
    """The :class:`~ipsrt.store.Store` at the URL from --db, the environment or the default.

    The store (SQLAlchemy, pandas) is imported here, when a command needs it.
    """
    from ipsrt.store import Store

    store = Store(database_url(db), check_schema=check_schema)
    if check_schema:
        store.summariser = functools.partial(_update_summaries, store)
    return store


def _update_summaries(store: Store, conn: Any) -> None:
    """The store's summariser, imported at the first write that needs it
    (:func:`ipsrt.reports.summaries.update_pending`)."""
    from ipsrt.reports.summaries import update_pending

    update_pending(store, conn)


def utc_now() -> dt.datetime:
    """The clock, read at the edge (commands), never inside the domain code."""
    return dt.datetime.now(dt.UTC)


def operator() -> str:
    """The audit actor of a command: ``cli:`` and the operating-system user running it."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (containers)
        user = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return f"cli:{printable(user)[:100]}"


def shown(value: object) -> str:
    """*value* as table or message text: control characters escaped, Rich markup inert."""
    return escape(printable("" if value is None else str(value)))


#: The longest word a table keeps on one line; a longer one folds.
WHOLE_WORD_WIDTH = 32


class FoldingTable(Table):
    """A Rich table whose columns are never narrower than their longest word.

    Codes, time zones and ISO dates are one word each: each column's
    minimum width grows to the longest word added to it (up to
    :data:`WHOLE_WORD_WIDTH`), so such values stay whole on a narrow terminal
    (the table may then be wider than the terminal, which wraps the line;
    nothing is cut). Longer words fold onto more lines, never an ellipsis.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The rows as given, for :func:`print_table`'s one-block-per-row form.
        self.texts: list[list[str]] = []

    def add_row(self, *renderables: Any, **kwargs: Any) -> None:
        """Add a row of strings; each column's minimum width follows its longest word."""
        super().add_row(*renderables, **kwargs)
        self.texts.append([str(cell) for cell in renderables])
        for column, cell in zip(self.columns, renderables, strict=False):
            if isinstance(cell, str):
                longest = max((len(word) for word in cell.split()), default=0)
                width = min(max(column.min_width or 0, longest), WHOLE_WORD_WIDTH)
                column.min_width = width or None


def new_table(*columns: str) -> FoldingTable:
    """A table whose cells fold onto more lines instead of being cut with an ellipsis.

    Words (codes, zones, dates) stay whole (:class:`FoldingTable`). Put every
    cell through :func:`shown`, and print it with :func:`print_table`.
    """
    table = FoldingTable(box=box.SIMPLE_HEAD)
    for name in columns:
        table.add_column(name, overflow="fold")
    return table


def print_table(table: FoldingTable) -> None:
    """Print *table* when it fits the terminal's width, else one block per row.

    Values are never cut: a table too wide for the terminal would fold codes,
    addresses, zones and dates across columns, so each row is printed as
    ``header: value`` lines instead, wrapped at the terminal's width.
    """
    natural = Measurement.get(stdout, stdout.options.update_width(10_000), table).maximum
    if natural <= stdout.width:
        stdout.print(table)
        return
    headers = [escape(str(column.header)) for column in table.columns]
    for number, row in enumerate(table.texts):
        if number:
            stdout.print()
        for header, value in zip(headers, row, strict=False):
            stdout.print(f"{header}: {value}", soft_wrap=False, overflow="fold")


def fail(message: str) -> typer.Exit:
    """Print one line on stderr (control characters escaped) and return the exit to raise."""
    first_line = printable(" ".join(str(message).split()))
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
        except Exception as exc:
            if not is_database_error(exc):
                raise
            origin = getattr(exc, "orig", None) or exc
            lines = str(origin).strip().splitlines() or [type(origin).__name__]
            raise fail(f"database error: {lines[0]}") from None

    return wrapper


def is_database_error(exc: BaseException) -> bool:
    """Whether *exc* is an SQLAlchemy error, without importing SQLAlchemy.

    An SQLAlchemy exception can only exist once ``sqlalchemy.exc`` is loaded,
    so a command that never touched the database never imports it here.
    """
    errors = sys.modules.get("sqlalchemy.exc")
    return errors is not None and isinstance(exc, errors.SQLAlchemyError)


class DeferredDefault(Generic[T]):
    """An option default read from a heavy module only when it is needed.

    Pass it as ``typer.Option(default_factory=DeferredDefault(read))``: Click
    calls it when the option is left out, and shows ``str()`` of it in that
    command's own ``--help``. Neither happens while ``ipsrt --help`` lists the
    commands, so *read* (which imports the module holding the default) does
    not slow the start-up. A plain function as ``default_factory`` would be
    shown as "(dynamic)"; this object shows the value.
    """

    def __init__(self, read: Callable[[], T]) -> None:
        self._read = read

    def __call__(self) -> T:
        return self._read()

    def __str__(self) -> str:
        return str(self._read())


def max_size_option(default_mb: Callable[[], int], what: str) -> Any:
    """The ``--max-size MB`` option of a command that reads a file: its size cap in MiB.

    *default_mb* reads the reader's own default (see :class:`DeferredDefault`).
    """
    return typer.Option(
        "--max-size",
        min=1,
        default_factory=DeferredDefault(default_mb),
        help=f"Largest {what} accepted, in MB (MiB); a larger file is refused unread.",
    )


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
