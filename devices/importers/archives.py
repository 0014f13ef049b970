"""Zip archives of exports, checked whole before a byte is extracted.

Exports arrive as zip files (Fitbit's Google Takeout, Apple Health's
``export.zip``, a folder of Garmin FIT files). An archive is untrusted input,
so :func:`open_archive` reads its central directory and refuses it, with one
line naming the member, when any of these holds (``docs/importing.md``,
"Archives"):

- a member name is absolute, has a drive letter or a backslash, or has a
  ``..`` part (path traversal);
- a member is a symbolic link (Unix mode in the external attributes), or is
  encrypted;
- there are more than ``max_members`` members (default 10,000);
- the uncompressed sizes the directory declares add up to more than
  ``max_total`` bytes (default 4 GiB);
- the archive, or one member over 1 MiB, expands more than ``max_ratio``
  times (default 100:1) its compressed size.

Members are then read as streams, never written to disk; a stream stops at
the member's declared size, and :mod:`zipfile` checks each member's CRC at
its end, so a directory that lies about a size or a corrupt member ends in
:class:`~devices.errors.ImportFormatError` too.
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, cast

from devices.errors import ImportFormatError

__all__ = [
    "MAX_ARCHIVE_MEMBERS",
    "MAX_COMPRESSION_RATIO",
    "MAX_UNCOMPRESSED_BYTES",
    "Archive",
    "ArchiveLimits",
    "is_zip",
    "open_archive",
]

MAX_ARCHIVE_MEMBERS = 10_000
MAX_UNCOMPRESSED_BYTES = 4 * 1024**3
MAX_COMPRESSION_RATIO = 100
#: Members smaller than this are not held to the ratio on their own (a small
#: file of repeated text can compress far better than 100:1 and is harmless).
_RATIO_FLOOR_BYTES = 1024 * 1024


def is_zip(path: Path) -> bool:
    """Whether *path* is a file that starts like a zip archive."""
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


@dataclass(frozen=True)
class ArchiveLimits:
    """What an archive may hold (module docstring); the CLI's options change them."""

    max_members: int = MAX_ARCHIVE_MEMBERS
    max_total: int = MAX_UNCOMPRESSED_BYTES
    max_ratio: int = MAX_COMPRESSION_RATIO


@dataclass(frozen=True)
class Archive:
    """An open zip archive whose directory passed every check (module docstring)."""

    name: str
    zip: zipfile.ZipFile

    def names(self) -> list[str]:
        """Member names of regular files, in directory order."""
        return [info.filename for info in self.zip.infolist() if not info.is_dir()]

    def size(self, member: str) -> int:
        """Declared uncompressed size of *member* in bytes."""
        return self.zip.getinfo(member).file_size

    @contextmanager
    def open(self, member: str) -> Iterator[IO[bytes]]:
        """A binary stream of *member*; read errors become one-line import errors."""
        try:
            with self.zip.open(member) as stream:
                yield cast(IO[bytes], _CheckedStream(stream, f"{self.name}:{member}"))
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise ImportFormatError(f"{self.name}: member {member!r} is corrupt ({exc})") from exc

    def read(self, member: str) -> bytes:
        """The whole content of *member*."""
        with self.open(member) as stream:
            return stream.read()


class _CheckedStream:
    """A member stream whose decompression errors become :class:`ImportFormatError`."""

    def __init__(self, stream: IO[bytes], where: str) -> None:
        self._stream = stream
        self._where = where

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise ImportFormatError(f"{self._where} is corrupt ({exc})") from exc

    def readable(self) -> bool:
        return True

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


@contextmanager
def open_archive(path: Path, limits: ArchiveLimits = ArchiveLimits()) -> Iterator[Archive]:
    """Open the zip file *path* after checking its whole directory (module docstring)."""
    try:
        handle = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportFormatError(f"{path.name} is not a readable zip archive ({exc})") from exc
    with handle:
        check_directory(handle, path.name, limits)
        yield Archive(path.name, handle)


def check_directory(handle: zipfile.ZipFile, name: str, limits: ArchiveLimits) -> None:
    """Raise :class:`ImportFormatError` if the directory of *handle* breaks a rule."""
    max_members, max_total, max_ratio = limits.max_members, limits.max_total, limits.max_ratio
    infos = handle.infolist()
    if len(infos) > max_members:
        raise ImportFormatError(
            f"{name} has {len(infos):,} members, over the limit of {max_members:,}"
        )
    total = compressed = 0
    for info in infos:
        member = info.filename
        _check_member_name(name, member)
        mode = info.external_attr >> 16
        if info.create_system == 3 and stat.S_ISLNK(mode):
            raise ImportFormatError(f"{name}: member {member!r} is a symbolic link")
        if info.flag_bits & 0x1:
            raise ImportFormatError(f"{name}: member {member!r} is encrypted")
        total += info.file_size
        compressed += info.compress_size
        if total > max_total:
            raise ImportFormatError(
                f"{name} expands to more than {_gib(max_total)} "
                "(raise the limit with --max-uncompressed GB)"
            )
        if info.file_size > _RATIO_FLOOR_BYTES and info.file_size > max_ratio * max(
            info.compress_size, 1
        ):
            raise ImportFormatError(
                f"{name}: member {member!r} expands more than {max_ratio}:1 (a zip bomb?)"
            )
    if total > _RATIO_FLOOR_BYTES and total > max_ratio * max(compressed, 1):
        raise ImportFormatError(f"{name} expands more than {max_ratio}:1 (a zip bomb?)")


def _check_member_name(archive: str, member: str) -> None:
    unsafe = (
        not member
        or "\\" in member
        or "\x00" in member
        or member.startswith("/")
        or (len(member) > 1 and member[1] == ":")
        or ".." in PurePosixPath(member).parts
    )
    if unsafe:
        raise ImportFormatError(f"{archive}: member {member[:80]!r} has an unsafe path")


def _gib(n: int) -> str:
    return f"{n / 1024**3:g} GB"
