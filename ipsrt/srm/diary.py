"""Reading and validating SRM diary files (CSV).

Format (header required; column order free; names case-insensitive)::

    date,activity,time,people,mood,target
    2024-03-04,out_of_bed,07:05,0,1,07:00
    2024-03-04,bed,00:20,0,,23:30
    2024-03-05,first_contact,not_done,,,

* ``date``: ISO diary date ``YYYY-MM-DD``. A bedtime after midnight is written
  on the date of the evening it belongs to (``00:20`` above is the evening of
  4 March).
* ``activity``: item key, label or alias of the chosen item set, any case.
* ``time``: ``HH:MM`` (00:00..23:59) or ``not_done`` (also ``not done``, ``-``).
* ``people``: 0..3 or empty; ``target``: ``HH:MM`` or empty (both optional
  values); ``mood``: optional column, -5..+5, one value per date (it may be
  repeated on several rows of the date but must agree); ``note``: optional,
  ignored by scoring.

* Dates must be plausible (:func:`ipsrt.timeutil.check_plausible_date`:
  1990-01-01 to the day after *today*, the current date in the client's zone,
  which the caller passes in).

Every problem raises :class:`DiaryError` with one line naming the file line.
Nothing is returned unless the whole file is valid. The file is read as a
stream: memory grows with the number of distinct (date, activity) keys, not
with the file; files over ``max_bytes`` are refused before they are read
(``docs/srm.md``, "Diary CSV").
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import itertools
import math
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import pandas as pd

from ipsrt.errors import InvalidInputError, InvalidTimeError
from ipsrt.mood import MOOD_MAX, MOOD_MIN
from ipsrt.srm.items import ItemSet, item_set
from ipsrt.timeutil import check_plausible_date, parse_clock

__all__ = ["MAX_DIARY_BYTES", "Diary", "DiaryError", "Replacement", "read_diary_csv"]

REQUIRED = ("date", "activity", "time", "people")
OPTIONAL = ("mood", "target", "note")
NOT_DONE = frozenset({"not_done", "not done", "notdone", "-", "n/a"})

#: Default size cap of a diary file: a year of SRM-17 entries with notes is
#: well under 1 MB, so 64 MiB leaves room for anything real.
MAX_DIARY_BYTES = 64 * 1024 * 1024
_MiB = 1024 * 1024
#: Longest line read: a real row is under a hundred characters, so a longer
#: line is refused after this much of it has been read, never held whole.
_LINE_PIECE = _MiB
#: Distinct lines, and distinct (column, text) fields, whose parsed values are
#: remembered (each cleared when full).
_ROW_CACHE = 4096
_FIELD_CACHE = 16384


class DiaryError(InvalidInputError):
    """A diary file is malformed; the message names the offending line."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class Replacement:
    """A row superseded by a later row for the same date and activity (or mood)."""

    date: dt.date
    activity: str
    replaced_line: int
    kept_line: int


@dataclass(frozen=True)
class Diary:
    """A validated diary file.

    Attributes
    ----------
    entries
        ``date``, ``activity``, ``minutes`` (NaN when not done), ``status``,
        ``people``, ``target``, ``line``: the :mod:`ipsrt.srm.scoring` format.
    mood
        ``date``, ``mood``, ``line``: one row per date that has a mood.
    replaced
        With ``confirm_replace=True``: for each (date, activity) or mood date
        that a later row replaced, the last replacement (one per key, so it
        stays small however often a line repeats).
    item_set
        Name of the item set used (``"srm5"`` or ``"srm17"``).
    replaced_rows
        How many rows a later row replaced, in all.
    """

    entries: pd.DataFrame
    mood: pd.DataFrame
    replaced: tuple[Replacement, ...]
    item_set: str
    replaced_rows: int = 0


#: A parsed data row: (date, activity key), (minutes, status, people, target), mood.
_Row = tuple[tuple[dt.date, str], tuple[float, str, float, float], int | None]


@contextlib.contextmanager
def _pieces(
    source: str | os.PathLike[str] | IO[str], max_bytes: int | None
) -> Iterator[Iterator[str]]:
    """The text of *source* in pieces of at most one line, refused when over *max_bytes*."""
    if not isinstance(source, str | os.PathLike):
        yield _capped(iter(functools.partial(source.readline, _LINE_PIECE), ""), max_bytes)
        return
    try:
        fh = open(source, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise DiaryError(f"cannot read diary file {os.fspath(source)!r}: {exc.strerror}") from exc
    with fh:
        info = os.fstat(fh.fileno())
        regular = stat.S_ISREG(info.st_mode)
        if regular and max_bytes is not None and info.st_size > max_bytes:
            raise DiaryError(_too_large(_size(info.st_size), max_bytes))
        pieces = iter(functools.partial(fh.readline, _LINE_PIECE), "")
        yield pieces if regular else _capped(pieces, max_bytes)


def _too_large(size: str, max_bytes: int) -> str:
    return f"diary file is {size}, over the {_size(max_bytes)} limit (raise it with --max-size MB)"


def _size(n: int) -> str:
    """A file size in whole MB (MiB, rounded up), or in bytes below one."""
    return f"{-(-n // _MiB)} MB" if n >= _MiB else f"{n} bytes"


def _capped(pieces: Iterator[str], max_bytes: int | None) -> Iterator[str]:
    """*pieces* of a stream whose size is unknown in advance, counted against *max_bytes*."""
    total = 0
    for piece in pieces:
        if isinstance(piece, bytes):
            raise DiaryError("diary buffer must be text, not bytes")
        total += len(piece)
        if max_bytes is not None and total > max_bytes:
            raise DiaryError(_too_large("larger", max_bytes))
        yield piece


def _header(header: list[str] | None) -> list[str]:
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    if header is None or not any(h.strip() for h in header):
        raise DiaryError("diary file is empty: expected a header " + ",".join(REQUIRED))
    names = [h.strip().lower() for h in header]
    unknown = [h for h in names if h not in REQUIRED + OPTIONAL]
    if unknown:
        raise DiaryError(
            f"unknown column {unknown[0]!r}; expected {', '.join(REQUIRED + OPTIONAL)}", line=1
        )
    missing = [h for h in REQUIRED if h not in names]
    if missing:
        raise DiaryError(f"missing column {missing[0]!r}", line=1)
    if len(set(names)) != len(names):
        raise DiaryError("a column appears twice", line=1)
    return names


def _record(piece: str, rest: Iterator[str], line: int) -> tuple[list[str], int]:
    """The fields of the CSV record that starts with the line *piece*, and how many lines
    it spans: a line without quotes is split at commas (what :mod:`csv` does with it);
    one with quotes goes through :mod:`csv`, which may read more lines from *rest*."""
    if '"' not in piece:
        if len(piece) >= _LINE_PIECE and piece[-1] not in "\r\n":
            raise DiaryError(f"longer than {_LINE_PIECE >> 20} MB", line=line)
        return piece.rstrip("\r\n").split(","), 1
    reader = csv.reader(itertools.chain((piece,), rest))
    try:
        return next(reader, []), reader.line_num
    except csv.Error as exc:
        raise DiaryError(f"malformed CSV ({exc})", line=line) from exc


def _int_in(text: str, lo: int, hi: int, what: str, line: int) -> int:
    digits = text[1:] if text[0] in "+-" else text
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 3):
        raise DiaryError(f"{what} {text!r} is not a whole number {lo}..{hi}", line=line)
    value = int(text)
    if not lo <= value <= hi:
        raise DiaryError(f"{what} {value} outside {lo}..{hi}", line=line)
    return value


def _clock(text: str, what: str, line: int) -> int:
    try:
        return parse_clock(text)
    except InvalidTimeError:
        raise DiaryError(
            f"invalid {what} {text!r}: expected HH:MM, 00:00 to 23:59", line=line
        ) from None


class _RowParser:
    """Checks one data row on its own (no other row needed).

    Each field's text is parsed once: the value of a (column, text) pair is
    remembered (up to :data:`_FIELD_CACHE` pairs), since a diary repeats the
    same dates, activities and clock times on many lines.
    """

    def __init__(self, names: list[str], items: ItemSet, today: dt.date) -> None:
        self.width = len(names)
        self.at = {
            name: names.index(name) if name in names else None for name in REQUIRED + OPTIONAL
        }
        self.items, self.today = items, today
        self.memo: dict[tuple[str, str], object] = {}

    def row(self, cells: list[str], line: int) -> _Row | None:
        """The parsed row; ``None`` for a blank row."""
        if not "".join(cells).strip():
            return None
        if len(cells) != self.width:
            raise DiaryError(f"expected {self.width} fields, found {len(cells)}", line=line)
        field = self.field
        key = (field("date", cells, line), field("activity", cells, line))
        time, people = field("time", cells, line), field("people", cells, line)
        done = not math.isnan(time)
        values = (time, "done" if done else "not_done", people if done else np.nan)
        return key, (*values, field("target", cells, line)), field("mood", cells, line)

    def field(self, column: str, cells: list[str], line: int) -> Any:
        at = self.at[column]
        text = "" if at is None else cells[at]
        try:
            return self.memo[column, text]
        except KeyError:
            value = self.parse(column, text.strip(), line)
        if len(self.memo) >= _FIELD_CACHE:
            self.memo.clear()
        self.memo[column, text] = value
        return value

    def parse(self, column: str, text: str, line: int) -> Any:
        """The value of one field (stripped *text*), or a :class:`DiaryError` naming *line*."""
        if column == "date":
            try:
                date = dt.date.fromisoformat(text)
            except ValueError:
                raise DiaryError(f"invalid date {text!r}: expected YYYY-MM-DD", line=line) from None
            try:
                return check_plausible_date(date, today=self.today, what="date")
            except InvalidInputError as exc:
                raise DiaryError(str(exc), line=line) from None
        if column == "activity":
            try:
                return self.items.resolve(text)
            except InvalidInputError as exc:
                raise DiaryError(str(exc), line=line) from None
        if column == "time" and not text:
            raise DiaryError("empty time: write HH:MM or not_done", line=line)
        if column == "time":
            return np.nan if text.lower() in NOT_DONE else float(_clock(text, "time", line))
        if column == "target":
            return float(_clock(text, "target time", line)) if text else np.nan
        if column == "people":
            return float(_int_in(text, 0, 3, "people code", line)) if text else np.nan
        if column == "mood":
            return _int_in(text, MOOD_MIN, MOOD_MAX, "mood", line) if text else None
        return None  # note


def read_diary_csv(
    path_or_buffer: str | os.PathLike[str] | IO[str],
    *,
    today: dt.date,
    items: str | ItemSet = "srm5",
    confirm_replace: bool = False,
    max_bytes: int | None = MAX_DIARY_BYTES,
) -> Diary:
    """Read and validate an SRM diary CSV file.

    Parameters
    ----------
    path_or_buffer
        File path or open text buffer.
    today
        The current date in the client's zone: dates after the next day (or
        before 1990) are refused (:func:`ipsrt.timeutil.check_plausible_date`).
    items
        Item set the activities belong to (``"srm5"`` default, ``"srm17"``).
    confirm_replace
        A second row for the same (date, activity), or a different mood for
        the same date, is an error unless this is true (``--confirm-replace``
        on the command line); then the later row wins and
        :attr:`Diary.replaced` lists the replacements.
    max_bytes
        Size cap: a larger file is refused before any of it is read (a stream
        of unknown size once that much has been read); ``None``: no cap.

    Raises
    ------
    DiaryError
        With one line naming the file line, for unknown activities, bad or
        implausible dates, times such as ``25:00``, people codes outside
        0..3, moods outside -5..+5, malformed CSV, duplicate rows, or a file
        over the cap.

    Notes
    -----
    The file is parsed as a stream. A row's own checks depend only on its
    text, so the parsed values of recently seen rows are reused for an
    identical row; what is kept grows with the number of distinct
    (date, activity) keys, which plausible dates bound.
    """
    items_ = item_set(items)
    entries: dict[tuple[dt.date, str], tuple[tuple[float, str, float, float], int]] = {}
    moods: dict[dt.date, tuple[int, int]] = {}
    replaced: dict[tuple[dt.date, str], tuple[int, int]] = {}  # key -> (replaced, kept line)
    replaced_rows = 0
    parsed: dict[str, _Row | None] = {}  # line text -> its values (None: blank)
    with _pieces(path_or_buffer, max_bytes) as pieces:
        try:
            first = next(pieces, None)
            names = _header(None if first is None else _record(first, pieces, 1)[0])
            rows = _RowParser(names, items_, today)
            line = 1
            extra = 0  # lines a quoted record took beyond its first
            for piece in pieces:
                line += 1 + extra
                extra = 0
                found = parsed.get(piece)
                if found is None and piece not in parsed:
                    cells, spanned = _record(piece, pieces, line)
                    found = rows.row(cells, line)
                    if spanned == 1:
                        if len(parsed) >= _ROW_CACHE:
                            parsed.clear()
                        parsed[piece] = found
                    extra = spanned - 1
                if found is None:
                    continue
                key, values, mood = found
                if mood is not None:
                    before = moods.get(key[0])
                    if before is not None and before[0] != mood:
                        if not confirm_replace:
                            raise DiaryError(
                                f"mood for {key[0]} differs from line {before[1]} "
                                "(use --confirm-replace to keep the later one)",
                                line=line,
                            )
                        replaced[key[0], "mood"] = (before[1], line)
                        replaced_rows += 1
                    moods[key[0]] = (mood, line)
                earlier = entries.get(key)
                if earlier is not None:
                    if not confirm_replace:
                        raise DiaryError(
                            f"second entry for {key[0]} {key[1]} (first on line {earlier[1]}; "
                            "use --confirm-replace to keep the later one)",
                            line=line,
                        )
                    replaced[key] = (earlier[1], line)
                    replaced_rows += 1
                entries[key] = (values, line)
        except UnicodeDecodeError as exc:
            raise DiaryError("diary file is not UTF-8 text") from exc
        except OSError as exc:
            raise DiaryError(f"cannot read diary file: {exc.strerror}") from exc
    return _diary(entries, moods, replaced, replaced_rows, items_.name)


def _diary(
    entries: dict[tuple[dt.date, str], tuple[tuple[float, str, float, float], int]],
    moods: dict[dt.date, tuple[int, int]],
    replaced: dict[tuple[dt.date, str], tuple[int, int]],
    replaced_rows: int,
    set_name: str,
) -> Diary:
    cols = ["date", "activity", "minutes", "status", "people", "target", "line"]
    frame = pd.DataFrame(
        [(d, a, *values, line) for (d, a), (values, line) in entries.items()], columns=cols
    )
    frame = frame.sort_values("line", kind="stable").reset_index(drop=True)
    frame = frame.astype({"minutes": float, "people": float, "target": float, "line": np.int64})
    mood_frame = pd.DataFrame(
        [(d, m, ln) for d, (m, ln) in sorted(moods.items())], columns=["date", "mood", "line"]
    ).astype({"mood": np.int64, "line": np.int64})
    kept = tuple(
        sorted(
            (Replacement(d, a, old, new) for (d, a), (old, new) in replaced.items()),
            key=lambda r: (r.kept_line, r.activity),
        )
    )
    return Diary(frame, mood_frame, kept, set_name, replaced_rows)
