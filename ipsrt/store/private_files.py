"""Files only the tracker's own account may read: the SQLite database and the key file.

* A SQLite database the tracker creates gets a directory of mode 0700 (when
  the tracker creates that directory) and a file of mode 0600, made before
  SQLite opens it. SQLite gives the ``-wal`` and ``-shm`` files it creates
  the main file's mode (whatever the umask), so they are 0600 too.
* :func:`tighten_database_files` takes group and other access away from an
  existing database's files (``ipsrt init`` and ``ipsrt db upgrade`` run it).
* Key files are created and replaced atomically with mode 0600
  (:func:`write_private_file`), and a key file that group or others may
  access is refused (:func:`check_private`).

Modes are POSIX; elsewhere these functions create the files without them.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from ipsrt.errors import DatabaseError, SecretKeyError

__all__ = [
    "PRIVATE_DIR_MODE",
    "PRIVATE_FILE_MODE",
    "check_private",
    "create_database_file",
    "sqlite_side_files",
    "tighten_database_files",
    "write_private_file",
]

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
_POSIX = os.name == "posix"


def sqlite_side_files(path: Path) -> list[Path]:
    """The database file and the WAL, shared-memory and journal files beside it."""
    return [path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))]


def _make_private_dirs(directory: Path) -> None:
    if directory.exists():
        return
    directory.parent.mkdir(parents=True, exist_ok=True)
    directory.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
    if _POSIX:
        os.chmod(directory, PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask


def create_database_file(path: Path) -> None:
    """Create an empty SQLite file of mode 0600 (and its directory, 0700, if missing).

    An empty file is a valid empty SQLite database; SQLite copies its mode to
    the ``-wal`` and ``-shm`` files.
    """
    try:
        _make_private_dirs(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        try:
            if _POSIX:
                os.fchmod(fd, PRIVATE_FILE_MODE)
        finally:
            os.close(fd)
    except FileExistsError:
        return
    except OSError as exc:
        raise DatabaseError(f"cannot create database {path}: {exc.strerror or exc}") from exc


def tighten_database_files(path: Path) -> list[Path]:
    """Remove group and other access from the database's files; the ones changed.

    Covers the database, its ``-wal``, ``-shm`` and ``-journal`` files. The
    directory is left as it is (it may be shared on purpose).
    """
    changed: list[Path] = []
    if not _POSIX:
        return changed
    for file in sqlite_side_files(path):
        try:
            mode = stat.S_IMODE(file.stat().st_mode)
            if mode & 0o077:
                os.chmod(file, mode & 0o700)
                changed.append(file)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise DatabaseError(f"cannot restrict {file}: {exc.strerror or exc}") from exc
    return changed


def check_private(path: Path, mode: int, what: str) -> None:
    """Refuse a file whose *mode* lets group or others read or write it."""
    if _POSIX and stat.S_IMODE(mode) & 0o077:
        raise SecretKeyError(
            f"{what} {path} is accessible by group or others (mode "
            f"{stat.S_IMODE(mode):04o}): run 'chmod 600 {path}'"
        )


def write_private_file(path: Path, text: str, *, replace: bool = True) -> None:
    """Write *text* to *path* with mode 0600, atomically, and make it durable.

    The text goes to a new file in the same directory, is flushed to disk,
    then renamed over *path* (readers see the old file or the new one, never
    a part), and the directory is flushed. With ``replace=False`` an existing
    *path* is kept and :class:`FileExistsError` raised.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    try:
        try:
            if _POSIX:
                os.fchmod(fd, PRIVATE_FILE_MODE)
            os.write(fd, text.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)  # fails if path exists
            os.unlink(temporary)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if _POSIX:
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
