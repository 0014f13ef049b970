"""Read an Apple Health export (``export.zip`` or ``export.xml``) into minutes.

The Health app's "Export All Health Data" writes ``export.zip`` holding
``apple_health_export/export.xml``: a ``HealthData`` root whose children are
mostly ``Record`` elements (attributes ``type``, ``sourceName``, ``device``,
``unit``, ``startDate``, ``endDate``, ``value``), plus ``Workout``,
``ActivitySummary`` and other elements (``docs/importing.md``,
"Apple Health"). Three record types are read (HealthKit identifiers,
https://developer.apple.com/documentation/healthkit/data_types):

``HKQuantityTypeIdentifierStepCount`` (unit ``count``)
    steps over an interval, spread over its minutes by
    :func:`~devices.importers.band_minutes.totals_per_minute`;
``HKQuantityTypeIdentifierHeartRate`` (unit ``count/min``)
    a reading at ``startDate``, averaged per minute by
    :func:`~devices.importers.band_minutes.mean_per_minute`;
``HKCategoryTypeIdentifierSleepAnalysis``
    labelled intervals (values of ``HKCategoryValueSleepAnalysis``,
    https://developer.apple.com/documentation/healthkit/hkcategoryvaluesleepanalysis):
    ``AsleepCore`` -> ``sleep_light`` (Apple: stages N1 and N2),
    ``AsleepDeep`` -> ``sleep_deep``, ``AsleepREM`` -> ``sleep_rem``,
    ``Awake`` -> ``awake``, ``AsleepUnspecified`` (``Asleep`` before iOS
    16) -> ``sleep_light`` (asleep, stage not measured: the sleep/wake
    metrics need "asleep", light is where most of a night is spent, and no
    deep or REM sleep is invented), ``InBed`` -> ``unknown`` (being in bed
    says nothing about being asleep). A stage beats ``InBed``, and minutes
    with a reading outside every sleep record are ``awake`` when the source
    recorded sleep: :mod:`devices.importers.apple_health_minutes`.

Dates such as ``2024-03-14 10:00:00 +0300`` carry their UTC offset, so they
are instants: no zone is needed and DST changes need no rule.

**One source.** The iPhone and the Watch both count steps, so sources
overlap; only one ``sourceName`` is imported: *source* when given, else the
source with most records of the three types (ties: the first name in
Unicode order). The notes say what the other sources had.

**Safety and memory.** The XML is parsed as a stream by
:func:`lxml.etree.iterparse`, from the zip member itself (never extracted),
without resolving entities, without DTD loading or network access, with
libxml2's size limits on (``huge_tree=False``); a document with an external
DTD, or whose DTD declares any entity, is refused (the Health app declares
none; entities are how "billion laughs" and external-entity attacks work).
Each element, at any depth, is cleared and dropped once read, so the tree
holds no more than the path to the current element. Until the source is
chosen, each step, heart-rate and sleep record of every source is kept as
one packed row of 20 bytes (start, length, value), with one buffer of
:data:`CHUNK_RECORDS` records as text; the minutes are then built four
weeks at a time. Memory beyond the libraries' own is therefore about 20
bytes per record of those three types plus about 110 bytes per minute of
the result at its peak (the result itself takes about 45), whatever the
file's size (``docs/importing.md``, "Apple Health", has measured figures).

Pure apart from reading the file; bad input raises
:class:`~devices.errors.ImportFormatError` with one line naming the file and
the line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

import numpy as np
from lxml import etree  # type: ignore[import-untyped]

from devices.errors import ImportFormatError
from devices.importers.apple_health_dates import instants_in_seconds
from devices.importers.apple_health_minutes import (
    MAX_RECORD_SECONDS,
    RECORD_DTYPE,
    SLEEP_STATES,
    UNKNOWN_SLEEP,
    minutes_of_records,
)
from devices.importers.archives import ArchiveLimits, is_zip, open_archive
from devices.importers.band_minutes import MAX_STEPS_PER_MINUTE, ExportedMinutes, Progress

__all__ = ["CHUNK_RECORDS", "EXPORT_MEMBER", "SLEEP_STATES", "quoted", "read_apple_health"]

EXPORT_MEMBER = "apple_health_export/export.xml"
#: Records buffered as strings before they are packed into arrays.
CHUNK_RECORDS = 10_000

STEPS, HEART, SLEEP = 0, 1, 2
_KINDS = {
    "HKQuantityTypeIdentifierStepCount": STEPS,
    "HKQuantityTypeIdentifierHeartRate": HEART,
    "HKCategoryTypeIdentifierSleepAnalysis": SLEEP,
}
_UNITS = {STEPS: "count", HEART: "count/min"}
_NAMES = {STEPS: "step", HEART: "heart-rate", SLEEP: "sleep"}
_SLEEP_CODES = {name: float(code) for code, name in enumerate(SLEEP_STATES)}
_MAX_VALUE = {STEPS: 1e6, HEART: 1000.0}
_DEVICE_NAME = re.compile(r"name:([^,>]+)")
_HEADER_ELEMENTS = frozenset({"ExportDate", "Me"})


@dataclass
class _SourceRecords:
    """Packed records of one source: chunks of :data:`RECORD_DTYPE` arrays per kind."""

    chunks: dict[int, list[np.ndarray]] = field(default_factory=lambda: {0: [], 1: [], 2: []})
    count: int = 0
    device: str | None = None

    def packed(self, kind: int) -> np.ndarray:
        """The records of *kind* in one array (the chunks are released)."""
        parts = self.chunks[kind]
        self.chunks[kind] = []
        return np.concatenate(parts) if parts else np.zeros(0, dtype=RECORD_DTYPE)


@dataclass
class _Tally:
    """Everything kept while streaming: packed records per source and skip counts."""

    where: str
    sources: dict[str, _SourceRecords] = field(default_factory=dict)
    other_types: int = 0
    other_elements: int = 0


class _Buffer:
    """Records of the three types as read (strings), packed every :data:`CHUNK_RECORDS`."""

    def __init__(self, tally: _Tally) -> None:
        self.tally = tally
        self.rows: list[tuple[int, str, str, str, str | None, int]] = []

    def add(
        self, kind: int, source: str, start: str, end: str, value: str | None, line: int
    ) -> None:
        self.rows.append((kind, source, start, end, value, line))
        if len(self.rows) >= CHUNK_RECORDS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        kinds, sources, starts, ends, values, lines = zip(*self.rows, strict=True)
        self.rows = []
        where = self.tally.where
        line = np.asarray(lines, dtype=np.int64)
        start = instants_in_seconds(starts, line, what="startDate", where=where)
        end = instants_in_seconds(ends, line, what="endDate", where=where)
        length = end - start
        bad = (length < 0) | (length > MAX_RECORD_SECONDS)
        if bad.any():
            i = int(np.argmax(bad))
            problem = "ends before it starts" if length[i] < 0 else "spans more than 2 days"
            raise ImportFormatError(f"{where}: the record at line {line[i]} {problem}")
        kind = np.asarray(kinds, dtype=np.int8)
        value = self._values(kind, values, line)
        names = np.asarray(sources, dtype=object)
        for name in dict.fromkeys(sources):
            records = self.tally.sources[name]
            mine = names == name
            for k in (STEPS, HEART, SLEEP):
                take = mine & (kind == k)
                if not take.any():
                    continue
                packed = np.empty(int(take.sum()), dtype=RECORD_DTYPE)
                packed["start"], packed["length"], packed["value"] = (
                    start[take],
                    length[take],
                    value[take],
                )
                records.chunks[k].append(packed)

    def _values(
        self, kind: np.ndarray, values: tuple[str | None, ...], line: np.ndarray
    ) -> np.ndarray:
        where = self.tally.where
        out = np.empty(len(values), dtype=np.float64)
        sleep = kind == SLEEP
        categories = np.flatnonzero(sleep)
        out[categories] = [_SLEEP_CODES.get(values[j] or "", UNKNOWN_SLEEP) for j in categories]
        numeric = np.flatnonzero(~sleep)
        texts = [values[j] or "" for j in numeric]
        try:
            numbers = np.asarray(texts, dtype=np.str_).astype(np.float64)
        except ValueError:
            numbers = np.array([_number(t) for t in texts])
        out[numeric] = numbers
        limit = np.where(kind == STEPS, _MAX_VALUE[STEPS], _MAX_VALUE[HEART])
        with np.errstate(invalid="ignore"):
            bad = ~sleep & ~((out >= 0) & (out <= limit))
        if bad.any():
            i = int(np.argmax(bad))
            raise ImportFormatError(
                f"{where}: the {_NAMES[int(kind[i])]} record at line {line[i]} has value "
                f"{(values[i] or '')[:40]!r}, not a number from 0 to {limit[i]:g}"
            )
        return out


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return np.nan


@dataclass
class _CountingStream:
    """A binary stream that reports the bytes read so far to *progress*."""

    stream: IO[bytes]
    total: int
    progress: Progress | None
    done: int = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.done += len(data)
        if self.progress is not None:
            self.progress(self.done, self.total)
        return data


def _parse(stream: IO[bytes], tally: _Tally) -> None:
    """Stream *stream* into *tally* (module docstring, "Safety and memory")."""
    events = etree.iterparse(
        stream,
        events=("end",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    buffer = _Buffer(tally)
    checked = False
    where = tally.where
    for _, element in events:
        if not checked:
            _check_document(element, where)
            checked = True
        parent = element.getparent()
        if parent is None:
            continue  # the root's end
        if parent.getparent() is None:  # a child of the root
            if element.tag == "Record":
                _take_record(element, tally, buffer)
            elif element.tag not in _HEADER_ELEMENTS:
                tally.other_elements += 1
        # Every element, at any depth, is emptied at its end and its earlier
        # siblings dropped: the tree holds one path and its last elements.
        element.clear()
        while element.getprevious() is not None:
            del parent[0]
    buffer.flush()


def _take_record(element: etree._Element, tally: _Tally, buffer: _Buffer) -> None:
    """Add a top-level ``Record`` to *buffer* if it is of one of the three types."""
    get = element.get
    kind = _KINDS.get(get("type") or "")
    if kind is None:
        tally.other_types += 1
        return
    source = get("sourceName") or ""
    records = tally.sources.get(source)
    if records is None:
        records = tally.sources[source] = _SourceRecords()
    records.count += 1
    if records.device is None:
        records.device = _device_name(get("device"))
    line = element.sourceline or 0
    if kind != SLEEP and get("unit") != _UNITS[kind]:
        raise ImportFormatError(
            f"{tally.where}: the {_NAMES[kind]} record at line {line} has unit "
            f"{(get('unit') or '')[:40]!r}, not {_UNITS[kind]!r}"
        )
    buffer.add(kind, source, get("startDate") or "", get("endDate") or "", get("value"), line)


def _check_document(first: etree._Element, where: str) -> None:
    """Refuse a document that is not an export or whose DTD declares entities."""
    tree = first.getroottree()
    root = tree.getroot()
    if root.tag != "HealthData":
        raise ImportFormatError(
            f"{where}: not an Apple Health export (root element {str(root.tag)[:40]!r})"
        )
    docinfo = tree.docinfo
    if docinfo.system_url or docinfo.public_id:
        raise ImportFormatError(f"{where}: refers to an external DTD (refused: entity attack)")
    dtd = docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ImportFormatError(f"{where}: the DTD declares XML entities (refused: entity attack)")


def quoted(name: str) -> str:
    """*name* in single quotes, control and line-breaking characters escaped (one line)."""
    shown = "".join(
        c
        if unicodedata.category(c)[0] != "C" and unicodedata.category(c) not in ("Zl", "Zp")
        else c.encode("unicode_escape").decode("ascii")
        for c in name[:80]
    )
    return f"'{shown}'"


def _device_name(device: str | None) -> str:
    found = _DEVICE_NAME.search(device or "")
    return found.group(1).strip() if found else ""


@contextmanager
def _export_stream(path: Path, limits: ArchiveLimits) -> Iterator[tuple[IO[bytes], int, str]]:
    """The ``export.xml`` stream of *path* (zip or plain file), its size and its name."""
    with ExitStack() as stack:
        if is_zip(path):
            archive = stack.enter_context(open_archive(path, limits))
            member = _export_member(archive.names(), path.name)
            stream = stack.enter_context(archive.open(member))
            yield stream, archive.size(member), f"{path.name}:{member}"
            return
        try:
            handle = stack.enter_context(path.open("rb"))
            size = path.stat().st_size
        except OSError as exc:
            raise ImportFormatError(f"{path.name}: cannot be read ({exc.strerror})") from exc
        yield handle, size, path.name


def _export_member(names: list[str], archive: str) -> str:
    if EXPORT_MEMBER in names:
        return EXPORT_MEMBER
    found = [n for n in names if PurePosixPath(n).name == "export.xml"]
    if len(found) != 1:
        problem = "no" if not found else f"{len(found)}"
        raise ImportFormatError(f"{archive}: {problem} export.xml members (expected one)")
    return found[0]


def read_apple_health(
    path: Path,
    *,
    source: str | None = None,
    limits: ArchiveLimits = ArchiveLimits(),  # noqa: B008 (a frozen dataclass: immutable)
    progress: Progress | None = None,
) -> ExportedMinutes:
    """Read the minutes of one source from an Apple Health export (module docstring).

    Parameters
    ----------
    path
        ``export.zip`` (the member ``apple_health_export/export.xml``, or the
        one ``export.xml`` it holds) or a plain ``export.xml``.
    source
        The ``sourceName`` to import (``--source``); by default the source
        with most step, heart-rate and sleep records.
    limits
        What a zip may hold (:class:`~devices.importers.archives.ArchiveLimits`).
    progress
        Called with (bytes read, total bytes) of the XML as it is read.

    Returns
    -------
    ExportedMinutes
        ``source="apple-health"``, ``device_key`` the chosen ``sourceName``,
        ``device_name`` the ``name`` in its records' ``device`` attribute (the
        source name if none), ``records`` the number of its records of the
        three types.
    """
    with _export_stream(path, limits) as (stream, size, where):
        tally = _Tally(where)
        try:
            _parse(_CountingStream(stream, size, progress), tally)  # type: ignore[arg-type]
        except etree.XMLSyntaxError as exc:
            message = " ".join(str(exc.msg or exc).split())
            raise ImportFormatError(f"{where}: not well-formed XML ({message})") from exc
        except etree.LxmlError as exc:
            message = " ".join(str(exc).split())
            raise ImportFormatError(f"{where}: unreadable XML ({message})") from exc
        except OSError as exc:
            raise ImportFormatError(f"{where}: cannot be read ({exc.strerror or exc})") from exc
    if progress is not None:
        progress(size, size)
    chosen = _chosen_source(tally, source)
    return _exported_minutes(tally, chosen)


def _chosen_source(tally: _Tally, source: str | None) -> str:
    counts = sorted(((-r.count, name) for name, r in tally.sources.items()))
    if not counts:
        raise ImportFormatError(f"{tally.where}: no step, heart-rate or sleep records")
    if source is None:
        return counts[0][1]
    if source not in tally.sources:
        listed = ", ".join(f"{quoted(name)} ({-n:,} records)" for n, name in counts)
        raise ImportFormatError(
            f"{tally.where}: no records from source {quoted(source)}; sources: {listed}"
        )
    return source


def _exported_minutes(tally: _Tally, chosen: str) -> ExportedMinutes:
    for name, other in tally.sources.items():
        if name != chosen:
            other.chunks = {STEPS: [], HEART: [], SLEEP: []}  # released: counts are kept
    records = tally.sources[chosen]
    sleep = records.packed(SLEEP)
    unknown = int((sleep["value"] == UNKNOWN_SLEEP).sum())
    frame = minutes_of_records(records.packed(STEPS), records.packed(HEART), sleep)
    too_many = frame["steps"] > MAX_STEPS_PER_MINUTE
    if too_many.any():
        minute = frame["ts"][too_many].iloc[0]
        raise ImportFormatError(f"{tally.where}: more than 65,535 steps in the minute {minute}")
    return ExportedMinutes(
        source="apple-health",
        device_key=chosen,
        device_name=records.device or chosen,
        minutes=frame,
        records=records.count - unknown,
        notes=_notes(tally, chosen, unknown),
    )


def _notes(tally: _Tally, chosen: str, unknown: int) -> tuple[str, ...]:
    notes = []
    others = sorted((name, r.count) for name, r in tally.sources.items() if name != chosen)
    if others:
        listed = ", ".join(f"{quoted(name)} ({n:,})" for name, n in others)
        total = sum(n for _, n in others)
        notes.append(
            f"{total:,} step, heart-rate and sleep records of other sources skipped: {listed}"
        )
    if unknown:
        notes.append(f"{unknown:,} sleep records with an unknown value skipped")
    if tally.other_types:
        notes.append(f"{tally.other_types:,} records of other types skipped")
    if tally.other_elements:
        notes.append(
            f"{tally.other_elements:,} other elements (Workout, ActivitySummary, ...) skipped"
        )
    return tuple(notes)
