"""The zip checks every export reader relies on (docs/importing.md, "Archives").

Archives are built byte by byte here (:func:`zip_bytes`, after the layout of
PKWARE's APPNOTE.TXT, https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT:
local headers, central directory, end record) so that a test can declare
sizes, flags and names that :mod:`zipfile`'s writer would never produce.
Rejections of the directory are checked to happen before any member is opened
(``ZipFile.open`` replaced by a function that fails the test) and, where
memory is the point, with a bound on what Python allocated (``tracemalloc``).
"""

from __future__ import annotations

import io
import stat
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from devices.errors import ImportFormatError
from devices.importers.archives import ArchiveLimits, count_members, is_zip, open_archive

MiB = 1024 * 1024
STORED, DEFLATED = 0, 8


@dataclass
class Member:
    """One member as the directory declares it; None means 'the true value'."""

    name: str
    stream: bytes = b""  # the bytes stored in the file (already compressed if DEFLATED)
    method: int = STORED
    size: int | None = None  # declared uncompressed size
    crc: int | None = None
    compressed: int | None = None  # declared compressed size
    flags: int = 0
    system: int = 3  # Unix
    mode: int = stat.S_IFREG | 0o644


def zip_bytes(members: list[Member], *, declared_count: int | None = None) -> bytes:
    """A zip archive holding *members* exactly as declared (module docstring)."""
    out = io.BytesIO()
    central = io.BytesIO()
    for m in members:
        name = m.name.encode("utf-8")
        size = len(m.stream) if m.size is None else m.size
        crc = zlib.crc32(m.stream) if m.crc is None else m.crc
        compressed = len(m.stream) if m.compressed is None else m.compressed
        flags = m.flags | 0x800  # names in UTF-8
        extra = b""
        size_field = size
        if size >= 0xFFFFFFFF:  # zip64: the real size in an extra field
            extra, size_field = struct.pack("<HHQ", 1, 8, size), 0xFFFFFFFF
        offset = out.tell()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 45, flags, m.method, 0, 0x21,
                              crc, compressed, min(size, 0xFFFFFFFF), len(name), 0))  # fmt: skip
        out.write(name + m.stream)
        central.write(struct.pack("<4s6H3L5HLL", b"PK\x01\x02", (m.system << 8) | 45, 45,
                                  flags, m.method, 0, 0x21, crc, compressed, size_field,
                                  len(name), len(extra), 0, 0, 0, m.mode << 16,
                                  offset))  # fmt: skip
        central.write(name + extra)
    count = len(members) if declared_count is None else declared_count
    directory = central.getvalue()
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), out.tell(), 0)
    return out.getvalue() + directory + end


def zeros_deflated(mib: int, *, chunk: int = MiB, crc: bool = True) -> tuple[bytes, int]:
    """A raw deflate stream of *mib* MiB of zeros, and its CRC-32 (0 unless *crc*).

    One chunk of zeros is compressed once, ended with a full flush so that it
    refers to nothing before it, and repeated; a final empty block ends it.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    compressor.compress(b"\0" * chunk)
    compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(b"\0" * chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    check = 0
    zeros = b"\0" * chunk
    for _ in range(mib * MiB // chunk if crc else 0):
        check = zlib.crc32(zeros, check)
    return block * (mib * MiB // chunk) + compressor.flush(), check


def _write(tmp_path: Path, data: bytes, name: str = "a.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.fixture
def no_member_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a member was opened before the directory was refused")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)


def _refused(path: Path, match: str, limits: ArchiveLimits | None = None) -> str:
    limits = limits or ArchiveLimits()
    with pytest.raises(ImportFormatError, match=match) as info, open_archive(path, limits):
        pass
    message = str(info.value)
    assert "\n" not in message
    return message


def _read_member(path: Path, member: str, *, chunk: int = -1) -> None:
    with open_archive(path) as archive, archive.open(member) as fh:
        while fh.read(chunk):
            pass


def _peak_bytes(action: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        action()
    except ImportFormatError:
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def test_a_plain_archive_reads(tmp_path: Path) -> None:
    stream = zlib.compressobj(6, zlib.DEFLATED, -15)
    text = b"hello " * 1000
    packed = stream.compress(text) + stream.flush()
    path = _write(tmp_path, zip_bytes([
        Member("dir/", mode=stat.S_IFDIR | 0o755),
        Member("dir/a.txt", b"abc"),
        Member("dir/b.txt", packed, method=DEFLATED, size=len(text), crc=zlib.crc32(text)),
    ]))  # fmt: skip
    assert is_zip(path)
    with open_archive(path) as archive:
        assert archive.names() == ["dir/a.txt", "dir/b.txt"]
        assert archive.read("dir/a.txt") == b"abc"
        assert archive.size("dir/b.txt") == len(text)
        assert archive.read("dir/b.txt") == text


@pytest.mark.parametrize(
    "name", ["../x", "a/../../x", "/etc/passwd", "a\\..\\x", "C:/x", "C:x", "../\nx"]
)
def test_path_traversal_is_refused(tmp_path: Path, name: str, no_member_opened: None) -> None:
    path = _write(tmp_path, zip_bytes([Member("ok.txt", b"1"), Member(name, b"2")]))
    _refused(path, "has an unsafe path")


def test_symbolic_link_is_refused(tmp_path: Path, no_member_opened: None) -> None:
    link = Member("link", b"/etc/passwd", mode=stat.S_IFLNK | 0o777)
    _refused(_write(tmp_path, zip_bytes([link])), "'link' is a symbolic link")


def test_encrypted_member_is_refused(tmp_path: Path, no_member_opened: None) -> None:
    secret = Member("secret.json", b"\x00" * 24, flags=0x1)
    _refused(_write(tmp_path, zip_bytes([secret])), "'secret.json' is encrypted")


def test_duplicate_member_is_refused(tmp_path: Path, no_member_opened: None) -> None:
    # Fails on the checks before this change: a second "a.json" shadowed the first.
    twice = zip_bytes([Member("a.json", b"[]"), Member("a.json", b"[1]")])
    _refused(_write(tmp_path, twice), "'a.json' appears twice")


def test_more_than_10000_members_refused_without_reading_the_directory_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fails on the checks before this change: zipfile built 10,001 member
    # objects (about 4 MB here) before the count was looked at.
    path = _write(tmp_path, zip_bytes([Member(f"m{i:05}.json") for i in range(10_001)]))

    def no_zipfile(*args: object, **kwargs: object) -> None:
        raise AssertionError("zipfile parsed the directory")

    monkeypatch.setattr(zipfile, "ZipFile", no_zipfile)
    message = _refused(path, "more than 10,000 members")
    assert message.startswith("a.zip ")
    assert _peak_bytes(lambda: open_archive(path).__enter__()) < 2 * MiB


def test_member_count_is_walked_not_trusted(tmp_path: Path) -> None:
    # The end record claims 3 entries; the directory holds 10,001.
    data = zip_bytes([Member(f"m{i}") for i in range(10_001)], declared_count=3)
    _refused(_write(tmp_path, data), "more than 10,000 members")
    with _write(tmp_path, data).open("rb") as fh:
        assert count_members(fh, limit=10_000) == 10_001
        assert count_members(fh, limit=50) == 51


def test_10000_members_are_allowed(tmp_path: Path) -> None:
    path = _write(tmp_path, zip_bytes([Member(f"m{i:05}.json") for i in range(10_000)]))
    with open_archive(path) as archive:
        assert len(archive.names()) == 10_000


def test_total_over_a_lowered_limit_is_refused(tmp_path: Path, no_member_opened: None) -> None:
    path = _write(tmp_path, zip_bytes([Member("a", b"x" * 600), Member("b", b"y" * 600)]))
    _refused(path, r"expands to more than .* GB", ArchiveLimits(max_total=1000))
    with open_archive(path, ArchiveLimits(max_total=1200)) as archive:
        assert archive.names() == ["a", "b"]


def test_total_over_the_default_4_gib_is_refused(tmp_path: Path, no_member_opened: None) -> None:
    # One member whose directory entry (zip64) declares 4 GiB + 1 byte; the
    # stream is 4097 MiB of deflated zeros (4 MB on disk). Its CRC is left 0:
    # nothing is ever decompressed, which the fixture checks.
    stream, _ = zeros_deflated(4097, crc=False)
    member = Member("huge.json", stream, method=DEFLATED, size=4 * 1024**3 + 1, crc=0)
    path = _write(tmp_path, zip_bytes([member]))
    _refused(path, "expands to more than 4 GB")


def test_zip_bomb_refused_before_decompressing(tmp_path: Path, no_member_opened: None) -> None:
    # 200 MiB of zeros deflated to about 200 KB: more than 100:1.
    stream, crc = zeros_deflated(200)
    bomb = Member("bomb.json", stream, method=DEFLATED, size=200 * MiB, crc=crc)
    path = _write(tmp_path, zip_bytes([bomb]))
    _refused(path, "'bomb.json' expands more than 100:1")
    assert _peak_bytes(lambda: open_archive(path).__enter__()) < MiB


def test_zip_bomb_of_small_members_refused(tmp_path: Path, no_member_opened: None) -> None:
    # 300 members of 512 KiB of zeros each, none held to the ratio alone.
    stream, crc = zeros_deflated_half()
    members = [
        Member(f"p{i}.json", stream, method=DEFLATED, size=512 * 1024, crc=crc) for i in range(300)
    ]
    _refused(_write(tmp_path, zip_bytes(members)), r"^a.zip expands more than 100:1")


def zeros_deflated_half() -> tuple[bytes, int]:
    """512 KiB of zeros, deflated (one chunk)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = b"\0" * (512 * 1024)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data)


def test_directory_claiming_more_compressed_bytes_than_the_file(
    tmp_path: Path, no_member_opened: None
) -> None:
    # Fails on the checks before this change: a bomb could declare a large
    # compressed size to pass the ratio check (here 200 MiB expanding from a
    # claimed 3 MiB, 67:1, in a file of 200 KB).
    stream, crc = zeros_deflated(200)
    liar = Member("liar.json", stream, method=DEFLATED, size=200 * MiB, crc=crc, compressed=3 * MiB)
    _refused(_write(tmp_path, zip_bytes([liar])), "claims more compressed bytes than the file")


def test_directory_understating_a_size_stops_the_stream(tmp_path: Path) -> None:
    # The directory says 1000 bytes; the stream would give 200 MiB. Reading
    # stops at the declared size and the CRC (of the whole) does not match.
    stream, crc = zeros_deflated(200)
    liar = Member("liar.json", stream, method=DEFLATED, size=1000, crc=crc)
    path = _write(tmp_path, zip_bytes([liar]))

    def read() -> None:
        with open_archive(path) as archive:
            archive.read("liar.json")

    with pytest.raises(ImportFormatError, match=r"^a.zip: member 'liar.json' is corrupt \(Bad CRC"):
        read()
    # Fails before this change: zipfile, asked for the whole member, inflated
    # all 200 MiB in one call before cutting at the declared 1000 bytes.
    assert _peak_bytes(read) < 4 * MiB


def test_directory_overstating_a_size_is_refused_on_read(tmp_path: Path) -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    text = b"[1, 2, 3]"
    stream = compressor.compress(text) + compressor.flush()
    path = _write(tmp_path, zip_bytes([Member("x.json", stream, method=DEFLATED, size=5000)]))
    with pytest.raises(ImportFormatError, match=r"'x\.json' is corrupt") as info:
        _read_member(path, "x.json")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("method", [STORED, DEFLATED])
def test_corrupt_member_is_refused_on_read(tmp_path: Path, method: int) -> None:
    text = b'[{"dateTime": "03/26/26 10:00:00", "value": "12"}]' * 20
    if method == DEFLATED:
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        stream = compressor.compress(text) + compressor.flush()
    else:
        stream = text
    flipped = bytearray(stream)
    flipped[len(stream) // 2] ^= 0x01
    member = Member("s.json", bytes(flipped), method=method, size=len(text), crc=zlib.crc32(text))
    path = _write(tmp_path, zip_bytes([member]))
    with pytest.raises(ImportFormatError, match=r"'s\.json' is corrupt") as info:
        _read_member(path, "s.json", chunk=64)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04", b"not a zip at all", b"PK\x05\x06"])
def test_not_a_zip_is_one_line(tmp_path: Path, content: bytes) -> None:
    path = _write(tmp_path, content)
    _refused(path, "a.zip is not a readable zip archive")
