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
- there are more than ``max_members`` members (default 10,000), counted by
  walking the central directory a chunk at a time before :mod:`zipfile`
  builds an object per member, so memory stays bounded whatever the count;
- two members have the same name, or a member's compressed data would reach
  past the end of the file (a directory lying about sizes to pass the ratio);
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
from ipsrt.display import printable

__all__ = [
    "MAX_ARCHIVE_MEMBERS",
    "MAX_COMPRESSION_RATIO",
    "MAX_UNCOMPRESSED_BYTES",
    "Archive",
    "ArchiveLimits",
    "check_directory",
    "count_members",
    "is_zip",
    "open_archive",
]

MAX_ARCHIVE_MEMBERS = 10_000
MAX_UNCOMPRESSED_BYTES = 4 * 1024**3
MAX_COMPRESSION_RATIO = 100
#: Members smaller than this are not held to the ratio on their own (a small
#: file of repeated text can compress far better than 100:1 and is harmless).
_RATIO_FLOOR_BYTES = 1024 * 1024
_EOCD_SIZE = 22
_ZIP64_LOCATOR_SIZE = 20
_ZIP64_EOCD_SIZE = 56
_CENTRAL_HEADER_SIZE = 46
_CHUNK = 1024 * 1024


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
                yield cast(
                    IO[bytes], _CheckedStream(stream, f"{self.name}: member {member[:80]!r}")
                )
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise ImportFormatError(
                f"{self.name}: member {member[:80]!r} is corrupt ({printable(str(exc))})"
            ) from exc

    def read(self, member: str) -> bytes:
        """The whole content of *member* (at most its declared size)."""
        with self.open(member) as stream:
            return stream.read()


class _CheckedStream:
    """A member stream whose decompression errors become :class:`ImportFormatError`."""

    def __init__(self, stream: IO[bytes], where: str) -> None:
        self._stream = stream
        self._where = where

    def read(self, size: int = -1) -> bytes:
        """Up to *size* bytes (all when negative), decompressed a chunk at a time.

        :mod:`zipfile` asked for everything at once inflates the whole stream
        in one call before cutting it at the declared size; asking in chunks
        keeps memory at the declared size even when the stream holds more.
        """
        try:
            if size is not None and size >= 0:
                return self._stream.read(size)
            parts = []
            while chunk := self._stream.read(_CHUNK):
                parts.append(chunk)
            return b"".join(parts)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise ImportFormatError(f"{self._where} is corrupt ({printable(str(exc))})") from exc

    def readable(self) -> bool:
        return True

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


@contextmanager
def open_archive(path: Path, limits: ArchiveLimits = ArchiveLimits()) -> Iterator[Archive]:
    """Open the zip file *path* after checking its whole directory (module docstring)."""
    name = printable(path.name)
    try:
        with path.open("rb") as fh:
            members = count_members(fh, limit=limits.max_members)
        if members is not None and members > limits.max_members:
            raise ImportFormatError(
                f"{name} has more than {limits.max_members:,} members, over the limit"
            )
        handle = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        if isinstance(exc, ImportFormatError):
            raise
        raise ImportFormatError(
            f"{name} is not a readable zip archive ({printable(str(exc))})"
        ) from exc
    with handle:
        check_directory(handle, name, limits)
        yield Archive(name, handle)


def count_members(fh: IO[bytes], *, limit: int) -> int | None:
    """Entries in the central directory of the zip file *fh*, counting at most *limit* + 1.

    The directory is read a chunk at a time, never whole, so a directory of
    millions of entries costs no more memory than one of ten. ``None`` when
    the end records are not where they should be (:mod:`zipfile` then says
    why the file is not a zip).
    """
    end = fh.seek(0, 2)
    tail_start = max(0, end - _EOCD_SIZE - 0xFFFF)
    fh.seek(tail_start)
    tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _EOCD_SIZE > len(tail):
        return None
    directory_size = int.from_bytes(tail[at + 12 : at + 16], "little")
    directory_end = tail_start + at
    locator = at - _ZIP64_LOCATOR_SIZE
    if locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        record = directory_end - _ZIP64_LOCATOR_SIZE - _ZIP64_EOCD_SIZE
        if record < 0:
            return None
        fh.seek(record)
        head = fh.read(_ZIP64_EOCD_SIZE)
        if head[:4] != b"PK\x06\x06":
            return None
        directory_size = int.from_bytes(head[40:48], "little")
        directory_end = record
    start = directory_end - directory_size
    if start < 0:
        return None
    fh.seek(start)
    reader = _DirectoryReader(fh, directory_size)
    count = 0
    while reader.left() and count <= limit:
        header = reader.take(_CENTRAL_HEADER_SIZE)
        if header is None or header[:4] != b"PK\x01\x02":
            return None
        rest = sum(int.from_bytes(header[k : k + 2], "little") for k in (28, 30, 32))
        if reader.take(rest) is None:
            return None
        count += 1
    return count


class _DirectoryReader:
    """Bytes of a central directory, read from the file a chunk at a time."""

    def __init__(self, fh: IO[bytes], size: int) -> None:
        self._fh = fh
        self._unread = size
        self._buffer = b""
        self._at = 0

    def left(self) -> int:
        return self._unread + len(self._buffer) - self._at

    def take(self, n: int) -> bytes | None:
        """The next *n* bytes, or None if the directory ends first."""
        while len(self._buffer) - self._at < n:
            if not self._unread:
                return None
            more = self._fh.read(min(_CHUNK, self._unread))
            if not more:
                return None
            self._unread -= len(more)
            self._buffer = self._buffer[self._at :] + more
            self._at = 0
        piece = self._buffer[self._at : self._at + n]
        self._at += n
        return piece


def check_directory(handle: zipfile.ZipFile, name: str, limits: ArchiveLimits) -> None:
    """Raise :class:`ImportFormatError` if the directory of *handle* breaks a rule."""
    max_members, max_total, max_ratio = limits.max_members, limits.max_total, limits.max_ratio
    infos = handle.infolist()
    if len(infos) > max_members:
        raise ImportFormatError(
            f"{name} has {len(infos):,} members, over the limit of {max_members:,}"
        )
    archive_size = handle.fp.seek(0, 2) if handle.fp is not None else 0
    seen: set[str] = set()
    total = compressed = 0
    for info in infos:
        member = info.filename
        _check_member_name(name, member)
        if member in seen:
            raise ImportFormatError(f"{name}: member {member[:80]!r} appears twice")
        seen.add(member)
        if info.header_offset + info.compress_size > archive_size:
            raise ImportFormatError(
                f"{name}: member {member[:80]!r} claims more compressed bytes than the file holds"
            )
        mode = info.external_attr >> 16
        if info.create_system == 3 and stat.S_ISLNK(mode):
            raise ImportFormatError(f"{name}: member {member[:80]!r} is a symbolic link")
        if info.flag_bits & 0x1:
            raise ImportFormatError(f"{name}: member {member[:80]!r} is encrypted")
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
                f"{name}: member {member[:80]!r} expands more than {max_ratio}:1 (a zip bomb?)"
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
