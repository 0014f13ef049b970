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

Every problem raises :class:`DiaryError` with one line naming the file line.
Nothing is returned unless the whole file is valid.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import numpy as np
import pandas as pd

from ipsrt.errors import InvalidInputError, InvalidTimeError
from ipsrt.mood import MOOD_MAX, MOOD_MIN
from ipsrt.srm.items import ItemSet, UnknownActivityError, item_set
from ipsrt.timeutil import parse_clock

__all__ = ["Diary", "DiaryError", "Replacement", "read_diary_csv"]

REQUIRED = ("date", "activity", "time", "people")
OPTIONAL = ("mood", "target", "note")
NOT_DONE = frozenset({"not_done", "not done", "notdone", "-", "n/a"})


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
        Rows that a later row replaced (only with ``confirm_replace=True``).
    item_set
        Name of the item set used (``"srm5"`` or ``"srm17"``).
    """

    entries: pd.DataFrame
    mood: pd.DataFrame
    replaced: tuple[Replacement, ...]
    item_set: str


def _rows(source: str | os.PathLike[str] | IO[str]) -> Iterator[tuple[int, dict[str, str]]]:
    if isinstance(source, str | os.PathLike):
        try:
            with open(source, encoding="utf-8-sig", newline="") as fh:
                text = fh.read()
        except OSError as exc:
            raise DiaryError(
                f"cannot read diary file {os.fspath(source)!r}: {exc.strerror}"
            ) from exc
        except UnicodeDecodeError as exc:
            raise DiaryError("diary file is not UTF-8 text") from exc
    else:
        text = source.read()
        if isinstance(text, bytes):
            raise DiaryError("diary buffer must be text, not bytes")
        text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
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
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                raise DiaryError(
                    f"expected {len(names)} fields, found {len(row)}", line=reader.line_num
                )
            yield reader.line_num, {k: v.strip() for k, v in zip(names, row, strict=True)}
    except csv.Error as exc:
        raise DiaryError(f"malformed CSV ({exc})", line=reader.line_num) from exc


def _int_in(text: str, lo: int, hi: int, what: str, line: int) -> int:
    try:
        value = int(text.removeprefix("+"))
    except ValueError:
        raise DiaryError(f"{what} {text!r} is not a whole number {lo}..{hi}", line=line) from None
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


def read_diary_csv(
    path_or_buffer: str | os.PathLike[str] | IO[str],
    *,
    items: str | ItemSet = "srm5",
    confirm_replace: bool = False,
) -> Diary:
    """Read and validate an SRM diary CSV file.

    Parameters
    ----------
    path_or_buffer
        File path or open text buffer.
    items
        Item set the activities belong to (``"srm5"`` default, ``"srm17"``).
    confirm_replace
        A second row for the same (date, activity), or a different mood for
        the same date, is an error unless this is true; then the later row
        wins and :attr:`Diary.replaced` lists the rows it replaced.

    Raises
    ------
    DiaryError
        With one line naming the file line, for unknown activities, bad dates,
        times such as ``25:00``, people codes outside 0..3, moods outside
        -5..+5, malformed CSV or duplicate rows.
    """
    items_ = item_set(items)
    entries: dict[tuple[dt.date, str], dict[str, object]] = {}
    moods: dict[dt.date, tuple[int, int]] = {}
    replaced: list[Replacement] = []
    for line, row in _rows(path_or_buffer):
        try:
            date = dt.date.fromisoformat(row["date"])
        except ValueError:
            raise DiaryError(
                f"invalid date {row['date']!r}: expected YYYY-MM-DD", line=line
            ) from None
        try:
            activity = items_.resolve(row["activity"])
        except UnknownActivityError as exc:
            raise DiaryError(str(exc), line=line) from None
        time = row["time"]
        done = time.lower() not in NOT_DONE
        if not time:
            raise DiaryError("empty time: write HH:MM or not_done", line=line)
        minutes = float(_clock(time, "time", line)) if done else np.nan
        people = (
            float(_int_in(row["people"], 0, 3, "people code", line)) if row["people"] else np.nan
        )
        target = row.get("target", "")
        target_min = float(_clock(target, "target time", line)) if target else np.nan
        if row.get("mood"):
            mood = _int_in(row["mood"], MOOD_MIN, MOOD_MAX, "mood", line)
            if date in moods and moods[date][0] != mood:
                if not confirm_replace:
                    raise DiaryError(
                        f"mood for {date} differs from line {moods[date][1]} "
                        "(use confirm_replace to keep the later one)",
                        line=line,
                    )
                replaced.append(Replacement(date, "mood", moods[date][1], line))
            moods[date] = (mood, line)
        key = (date, activity)
        if key in entries:
            if not confirm_replace:
                raise DiaryError(
                    f"second entry for {date} {activity} (first on line {entries[key]['line']}; "
                    "use confirm_replace to keep the later one)",
                    line=line,
                )
            replaced.append(Replacement(date, activity, int(str(entries[key]["line"])), line))
            del entries[key]
        entries[key] = {
            "date": date,
            "activity": activity,
            "minutes": minutes,
            "status": "done" if done else "not_done",
            "people": people if done else np.nan,
            "target": target_min,
            "line": line,
        }
    cols = ["date", "activity", "minutes", "status", "people", "target", "line"]
    frame = pd.DataFrame(list(entries.values()), columns=cols)
    frame = frame.sort_values("line", kind="stable").reset_index(drop=True)
    frame = frame.astype({"minutes": float, "people": float, "target": float, "line": np.int64})
    mood_frame = pd.DataFrame(
        [(d, m, ln) for d, (m, ln) in sorted(moods.items())], columns=["date", "mood", "line"]
    ).astype({"mood": np.int64, "line": np.int64})
    return Diary(entries=frame, mood=mood_frame, replaced=tuple(replaced), item_set=items_.name)
