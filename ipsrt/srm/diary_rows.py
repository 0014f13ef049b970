"""A diary's entries and moods as validated rows, ready to be stored (pure).

The store keeps SRM entries keyed by (client, diary date, item set, activity)
and moods keyed by (client, date). :func:`diary_rows` checks every entry of a
:class:`~ipsrt.srm.diary.Diary` (or of any frame in the entries format of
:func:`ipsrt.srm.score_weeks`) before anything is written: activity of the
item set, a clock time 00:00-23:59 exactly when the activity was done, people
code 0..3, target 00:00-23:59, one entry per date and activity, one mood per
date within -5..+5. A bad row raises one line naming it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ipsrt.errors import InvalidInputError
from ipsrt.mood import validate_mood
from ipsrt.srm.diary import Diary
from ipsrt.srm.entries import days_to_dates, to_days
from ipsrt.srm.items import item_set as resolve_item_set

__all__ = ["ENTRY_FIELDS", "DiaryRows", "diary_rows"]

#: The stored fields of an entry besides its key (date, activity).
ENTRY_FIELDS = ("clock_minute", "not_done", "people", "target_minute")


@dataclass(frozen=True)
class DiaryRows:
    """Validated rows: ``entries`` are dicts with ``diary_date``, ``activity`` and
    :data:`ENTRY_FIELDS`; ``moods`` are (date, mood) pairs; ``item_set`` is the
    item set's canonical name."""

    item_set: str
    entries: list[dict[str, Any]]
    moods: list[tuple[dt.date, int]]


def _opt_int(value: Any) -> int | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else int(number)


def _dates(values: pd.Series) -> list[dt.date]:
    return list(days_to_dates(to_days(values)))


def _column(frame: pd.DataFrame, name: str) -> list[Any]:
    return frame[name].tolist() if name in frame.columns else [None] * len(frame)


def _entry_rows(frame: pd.DataFrame, set_name: str) -> list[dict[str, Any]]:
    items = resolve_item_set(set_name)
    missing = {"date", "activity", "minutes"} - set(frame.columns)
    if missing:
        raise InvalidInputError(f"diary entries lack column(s) {', '.join(sorted(missing))}")
    lines, status = _column(frame, "line"), _column(frame, "status")
    people, target = _column(frame, "people"), _column(frame, "target")
    rows: list[dict[str, Any]] = []
    seen: set[tuple[dt.date, str]] = set()
    for i, (date, activity, minutes) in enumerate(
        zip(_dates(frame["date"]), frame["activity"], frame["minutes"], strict=True)
    ):
        where = f"line {lines[i]}" if lines[i] is not None else f"entry {i}"
        key = items.resolve(str(activity))
        clock = _opt_int(minutes)
        not_done = clock is None if status[i] is None else status[i] == "not_done"
        if not_done != (clock is None) or (clock is not None and not 0 <= clock <= 1439):
            raise InvalidInputError(f"{where}: {date} {key}: time {minutes!r} outside 00:00-23:59")
        who = None if not_done else _opt_int(people[i])
        if who is not None and not 0 <= who <= 3:
            raise InvalidInputError(f"{where}: {date} {key}: people code {who} outside 0..3")
        aim = _opt_int(target[i])
        if aim is not None and not 0 <= aim <= 1439:
            raise InvalidInputError(f"{where}: {date} {key}: target {aim} outside 00:00-23:59")
        if (date, key) in seen:
            raise InvalidInputError(f"{where}: second entry for {date} {key}")
        seen.add((date, key))
        rows.append(
            {"diary_date": date, "activity": key, "clock_minute": clock, "not_done": not_done}
            | {"people": who, "target_minute": aim}
        )
    return rows


def _mood_rows(frame: pd.DataFrame) -> list[tuple[dt.date, int]]:
    if frame.empty:
        return []
    moods = [validate_mood(m) for m in frame["mood"].tolist()]
    dates = _dates(frame["date"])
    if len(set(dates)) != len(dates):
        raise InvalidInputError("diary: more than one mood for a date")
    return list(zip(dates, moods, strict=True))


def diary_rows(diary: Diary) -> DiaryRows:
    """Every entry and mood of *diary* validated (see the module docstring), or one error."""
    set_name = resolve_item_set(diary.item_set).name
    return DiaryRows(set_name, _entry_rows(diary.entries, set_name), _mood_rows(diary.mood))
