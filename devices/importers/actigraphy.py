"""Read a research actigraphy export into a :class:`Recording` of activity counts.

The format is detected from the content, never from the file name:

``awd``
    CamNtech / Philips Actiwatch text file (:mod:`devices.importers.awd`).
``agd``
    ActiGraph SQLite database (:mod:`devices.importers.agd`).
``rpx``
    Philips Respironics Actiware CSV export (:mod:`devices.importers.rpx`).
``csv``
    Generic CSV with ``timestamp`` and ``counts`` columns
    (:mod:`devices.importers.counts_csv`).

Clocks, gaps, counts and each format's accepted forms: ``docs/importers.md``.
Any malformed, truncated, oversized, non-UTF-8 or foreign file raises
:class:`devices.errors.ImportFormatError` with one line of explanation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from devices.errors import ImportFormatError
from devices.importers.agd import SQLITE_MAGIC, read_agd
from devices.importers.awd import looks_like_awd, read_awd_text
from devices.importers.counts_csv import looks_like_counts_csv, read_counts_csv
from devices.importers.recording import Recording
from devices.importers.rpx import DATE_ORDERS, RPX_SECTIONS, DateOrder, read_rpx_text
from ipsrt.errors import InvalidTimezoneError
from ipsrt.timeutil import zone

__all__ = ["FORMATS", "MAX_FILE_BYTES", "Format", "detect_format", "read_actigraphy"]

Format = Literal["auto", "awd", "agd", "rpx", "csv"]
FORMATS = ("awd", "agd", "rpx", "csv")
#: Default size cap: a month of 1-s epochs as CSV is under 100 MB, and AWD and
#: RPX exports are a few MB; ``max_bytes`` (``--max-size``) raises it.
MAX_FILE_BYTES = 256 * 1024 * 1024
_MiB = 1024 * 1024
_HEAD_BYTES = 8192


def detect_format(head: bytes) -> str:
    """Name of the format of a file that starts with *head* (up to a few kB)."""
    if head.startswith(SQLITE_MAGIC):
        return "agd"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if "Actiware" in text[:400] or any(s in text for s in RPX_SECTIONS):
        return "rpx"
    lines = text.splitlines()
    if looks_like_awd(lines):
        return "awd"
    if lines and looks_like_counts_csv(lines[0]):
        return "csv"
    raise ImportFormatError("unknown actigraphy format: expected AWD, AGD, RPX or CSV")


def read_actigraphy(
    path: str | Path,
    format: Format = "auto",
    *,
    tz: str | None = None,
    date_order: DateOrder | None = None,
    max_bytes: int | None = MAX_FILE_BYTES,
) -> Recording:
    """Read an actigraphy export; see the module docstring.

    Parameters
    ----------
    path
        The file.
    format
        One of :data:`FORMATS`, or ``"auto"`` to detect it from the content.
    tz
        IANA zone of the device clock; ``None`` keeps wall-clock times on a
        UTC index (``docs/importers.md``, "Clocks").
    date_order
        ``"day-first"`` or ``"month-first"``: the order of ``A/B/YYYY`` dates in
        an RPX file when its content does not decide it (other formats ignore it).
    max_bytes
        Size cap, checked before the file is read (``None``: no cap).
    """
    target = Path(path)
    try:
        size = target.stat().st_size
        with target.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError as exc:
        raise ImportFormatError(f"cannot read {target.name}: {exc.strerror}") from exc
    if max_bytes is not None and size > max_bytes:
        raise ImportFormatError(
            f"{target.name} is {_size(size)}, over the {_size(max_bytes)} limit "
            "(raise it with --max-size MB)"
        )
    if size == 0:
        raise ImportFormatError(f"{target.name} is empty")
    if tz is not None:
        try:
            zone(tz)
        except InvalidTimezoneError as exc:
            raise ImportFormatError(str(exc)) from None
    if date_order is not None and date_order not in DATE_ORDERS:
        raise ImportFormatError(f"date order {date_order!r}: use day-first or month-first")
    kind = detect_format(head) if format == "auto" else format
    if kind not in FORMATS:
        raise ImportFormatError(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")
    if kind == "agd":
        return read_agd(target, tz)
    if kind == "csv":
        return read_counts_csv(target, tz)
    text = _utf8_text(target)
    if kind == "awd":
        return read_awd_text(text, tz)
    return read_rpx_text(text, tz, date_order)


def _size(n: int) -> str:
    """A file size in whole MB (MiB, rounded up), or in bytes below one."""
    return f"{-(-n // _MiB)} MB" if n >= _MiB else f"{n} bytes"


def _utf8_text(path: Path) -> str:
    """The text of a file that must be UTF-8 (a byte-order mark is dropped)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportFormatError(
            f"{path.name} line {line}: byte 0x{data[exc.start]:02x} is not UTF-8 text"
        ) from None
