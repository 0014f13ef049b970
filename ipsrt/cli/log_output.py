"""Where log records go on the command line: one setup, one line per record on stderr.

``ipsrt`` (no ``-v``) shows the project's own warnings and errors
(``ipsrt``, ``devices``, ``dashboard`` loggers) and nothing from libraries:
a bumble controller's ``!!! no connection for handle`` or a bleak retry is
noise to a clinic admin. ``-v`` adds the project's information lines and the
libraries' warnings; ``-vv`` shows every record of every logger, with
tracebacks. Each record is one line, ``level: message`` (``level [logger]:
message`` with ``-v``), control characters escaped (docs/devices.md,
"Messages and exit codes").

Standard library only (imported while ``ipsrt --help`` is built).
"""

from __future__ import annotations

import logging
import sys

from ipsrt.display import printable

__all__ = ["PROJECT_LOGGERS", "configure_logging"]

#: Logger name prefixes of this project.
PROJECT_LOGGERS = ("ipsrt", "devices", "dashboard")


def _is_project(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in PROJECT_LOGGERS)


class _OneLineToStderr(logging.Handler):
    """Writes each record as one line on the *current* ``sys.stderr``."""

    def __init__(self, verbosity: int) -> None:
        super().__init__(logging.DEBUG)
        self.verbosity = verbosity
        self.project_level = logging.WARNING if verbosity == 0 else logging.INFO
        if verbosity >= 2:
            self.project_level = logging.DEBUG
        self.library_level = {0: logging.CRITICAL + 1, 1: logging.WARNING}.get(
            verbosity, logging.DEBUG
        )

    def filter(self, record: logging.LogRecord) -> bool:
        wanted = self.project_level if _is_project(record.name) else self.library_level
        return record.levelno >= wanted

    def format(self, record: logging.LogRecord) -> str:
        message = printable(" ".join(record.getMessage().split()))
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            message += f" ({type(exc).__name__}: {printable(' '.join(str(exc).split()))})"
        level = record.levelname.lower()
        head = level if self.verbosity == 0 else f"{level} [{record.name}]"
        line = f"{head}: {message}"
        if self.verbosity >= 2 and record.exc_info:
            line += "\n" + logging.Formatter().formatException(record.exc_info)
        return line

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = sys.stderr
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:  # noqa: BLE001 - logging must never break a command
            self.handleError(record)


def configure_logging(verbosity: int) -> None:
    """Route every log record through one stderr handler at *verbosity* (0, 1 = -v, 2 = -vv).

    Called once per command by the ``ipsrt`` callback; calling it again
    replaces the handler it installed (other handlers, e.g. a test's, stay).
    Installing a root handler also stops a library's module-level
    ``logging.warning()`` from adding Python's default ``WARNING:name:``
    handler (``logging.basicConfig`` does nothing once the root has one).
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _OneLineToStderr):
            root.removeHandler(handler)
    handler = _OneLineToStderr(max(0, verbosity))
    root.addHandler(handler)
    wanted = min(handler.project_level, handler.library_level)
    if root.level == logging.NOTSET or root.level > wanted:
        root.setLevel(wanted)
