"""Clinical records on a :class:`~ipsrt.store.Store`: SRM diary, daily mood, PHQ-9/ASRM.

Functions here take a Store and keep its conventions: every write is one
transaction (``store.write_session()``) that commits whole or not at all, is
audited in the same transaction, and takes ``now`` from the caller. Reads
return data frames in the formats the pure modules take (``ipsrt.srm``,
``ipsrt.mood``, ``ipsrt.alerts``). Alert persistence lives in
:mod:`ipsrt.store.alerts_store` and is re-exported here.

Diary import rules (``docs/srm.md``, "Using it from the command line"):

* an entry is keyed by (client, diary date, item set, activity); a mood by
  (client, date);
* an entry or mood equal to the stored one is *unchanged*; re-importing a
  file changes nothing and writes no audit event;
* a differing entry or mood is a conflict: an error naming the first one,
  unless ``confirm_replace=True``, when the new value replaces the stored one
  and is counted and listed in the audit event.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from ipsrt.errors import AlreadyExistsError, InvalidInputError
from ipsrt.models import AuditEvent, MoodEntry, ScaleResponse, SrmEntry
from ipsrt.mood import score_asrm, score_phq9, validate_mood
from ipsrt.srm.diary import Diary
from ipsrt.srm.items import item_set as resolve_item_set
from ipsrt.store.alerts_store import StoredAlert, acknowledge_alert, list_alerts, upsert_alerts
from ipsrt.store.store import Store
from ipsrt.timeutil import require_utc

__all__ = [
    "DiaryConflictError",
    "DiaryCounts",
    "StoredAlert",
    "acknowledge_alert",
    "list_alerts",
    "mood_frame",
    "save_diary",
    "save_scale_response",
    "scale_frame",
    "srm_entries",
    "upsert_alerts",
]

ENTRY_COLUMNS = ("client", "date", "activity", "minutes", "status", "people", "target")
MOOD_COLUMNS = ("client", "date", "mood", "energy", "irritability", "anxiety", "note")
SCALE_COLUMNS = ("client", "date", "instrument", "version", "answers", "total", "item9")
INSTRUMENTS = {"phq9": "phq9", "phq_9": "phq9", "asrm": "asrm"}
_REPLACED_IN_AUDIT = 50


class DiaryConflictError(AlreadyExistsError):
    """A diary entry or mood differs from the stored one and replacing was not confirmed."""


@dataclasses.dataclass(frozen=True)
class DiaryCounts:
    """What :func:`save_diary` did with the diary's entries and moods."""

    entries_new: int = 0
    entries_unchanged: int = 0
    entries_replaced: int = 0
    moods_new: int = 0
    moods_unchanged: int = 0
    moods_replaced: int = 0

    @property
    def changed(self) -> bool:
        """Whether anything was written."""
        return bool(self.entries_new + self.entries_replaced + self.moods_new + self.moods_replaced)

    def as_dict(self) -> dict[str, int]:
        """The counts as a plain dict (for JSON and the audit event)."""
        return dataclasses.asdict(self)


def _clock(minutes: int | None) -> str:
    return "not_done" if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


def _opt_int(value: Any) -> int | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else int(number)


def _dates(values: pd.Series) -> list[dt.date]:
    try:
        parsed = pd.to_datetime(values, errors="raise")
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"diary: invalid date ({exc})") from exc
    if parsed.isna().any():
        raise InvalidInputError("diary: missing date")
    return [ts.date() for ts in parsed]


def _diary_rows(diary: Diary) -> list[dict[str, Any]]:
    """Validated rows ready for :class:`SrmEntry` (a bad row raises before any write)."""
    items = resolve_item_set(diary.item_set)
    frame = diary.entries
    missing = {"date", "activity", "minutes"} - set(frame.columns)
    if missing:
        raise InvalidInputError(f"diary entries lack column(s) {', '.join(sorted(missing))}")
    rows: list[dict[str, Any]] = []
    seen: set[tuple[dt.date, str]] = set()
    lines = frame["line"].tolist() if "line" in frame.columns else [None] * len(frame)
    status = frame["status"].tolist() if "status" in frame.columns else [None] * len(frame)
    people = frame["people"].tolist() if "people" in frame.columns else [None] * len(frame)
    target = frame["target"].tolist() if "target" in frame.columns else [None] * len(frame)
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


def _mood_rows(diary: Diary) -> list[tuple[dt.date, int]]:
    frame = diary.mood
    if frame.empty:
        return []
    moods = [validate_mood(m) for m in frame["mood"].tolist()]
    dates = _dates(frame["date"])
    if len(set(dates)) != len(dates):
        raise InvalidInputError("diary: more than one mood for a date")
    return list(zip(dates, moods, strict=True))


_ENTRY_FIELDS = ("clock_minute", "not_done", "people", "target_minute")


def save_diary(
    store: Store,
    client_code: str,
    diary: Diary,
    *,
    now: dt.datetime,
    confirm_replace: bool = False,
    actor: str = "cli",
) -> DiaryCounts:
    """Store a validated diary's SRM entries and moods for one client, all or nothing.

    Parameters
    ----------
    store, client_code
        Where, and whose diary.
    diary
        From :func:`ipsrt.srm.diary.read_diary_csv` (entries of one item set
        and one mood per date).
    now
        Time of the import (recorded on new rows and in the audit event).
    confirm_replace
        Replace stored entries or moods that differ from the diary's; without
        it such a difference raises :class:`DiaryConflictError` and nothing
        is written.
    actor
        Who imports (for the audit event ``diary.import``).

    Returns
    -------
    DiaryCounts
        New, unchanged and replaced entries and moods. An import that changes
        nothing writes nothing, not even an audit event.
    """
    now = require_utc(now)
    client = store.client(client_code)
    assert client.id is not None
    entries = _diary_rows(diary)
    moods = _mood_rows(diary)
    set_name = resolve_item_set(diary.item_set).name
    counts = dict.fromkeys(DiaryCounts().as_dict(), 0)
    replaced: list[dict[str, str]] = []
    try:
        with store.write_session() as session:
            dates = [e["diary_date"] for e in entries] + [d for d, _ in moods]
            stored: dict[tuple[dt.date, str], SrmEntry] = {}
            stored_mood: dict[dt.date, MoodEntry] = {}
            if dates:
                lo, hi = min(dates), max(dates)
                query = select(SrmEntry).where(
                    SrmEntry.client_id == client.id,
                    SrmEntry.item_set == set_name,
                    col(SrmEntry.diary_date).between(lo, hi),
                )
                stored = {(e.diary_date, e.activity): e for e in session.exec(query)}
                mood_query = select(MoodEntry).where(
                    MoodEntry.client_id == client.id, col(MoodEntry.diary_date).between(lo, hi)
                )
                stored_mood = {m.diary_date: m for m in session.exec(mood_query)}
            conflicts: list[str] = []
            for row in entries:
                old = stored.get((row["diary_date"], row["activity"]))
                if old is None:
                    session.add(
                        SrmEntry(client_id=client.id, item_set=set_name, recorded_at=now, **row)
                    )
                    counts["entries_new"] += 1
                    continue
                if all(getattr(old, f) == row[f] for f in _ENTRY_FIELDS):
                    counts["entries_unchanged"] += 1
                    continue
                what = f"{row['diary_date']} {row['activity']}"
                change = f"{_clock(old.clock_minute)} -> {_clock(row['clock_minute'])}"
                if old.clock_minute == row["clock_minute"] and old.not_done == row["not_done"]:
                    change = (
                        f"people {old.people} -> {row['people']}, "
                        f"target {_clock_or_none(old.target_minute)} -> "
                        f"{_clock_or_none(row['target_minute'])}"
                    )
                conflicts.append(f"{what} (stored {change})")
                replaced.append({"date": str(row["diary_date"]), "activity": row["activity"]})
                for f in _ENTRY_FIELDS:
                    setattr(old, f, row[f])
                old.recorded_at = now
                counts["entries_replaced"] += 1
            for date, mood in moods:
                old_mood = stored_mood.get(date)
                if old_mood is None:
                    session.add(
                        MoodEntry(client_id=client.id, diary_date=date, mood=mood, recorded_at=now)
                    )
                    counts["moods_new"] += 1
                elif old_mood.mood == mood:
                    counts["moods_unchanged"] += 1
                else:
                    conflicts.append(f"{date} mood (stored {old_mood.mood:+d} -> {mood:+d})")
                    replaced.append({"date": str(date), "activity": "mood"})
                    old_mood.mood = mood
                    old_mood.recorded_at = now
                    counts["moods_replaced"] += 1
            if conflicts and not confirm_replace:
                more = f" and {len(conflicts) - 1} more" if len(conflicts) > 1 else ""
                raise DiaryConflictError(
                    f"client {client_code!r} already has a different entry for "
                    f"{conflicts[0]}{more}; nothing was imported "
                    "(use confirm_replace to replace stored values)"
                )
            result = DiaryCounts(**counts)
            if result.changed:
                detail: dict[str, Any] = {"item_set": set_name, **result.as_dict()}
                if replaced:
                    detail["replaced"] = replaced[:_REPLACED_IN_AUDIT]
                session.add(
                    AuditEvent(
                        at=now,
                        actor=actor,
                        action="diary.import",
                        subject=client_code,
                        detail=detail,
                    )
                )
    except IntegrityError as exc:
        # Only a concurrent import of the same dates can get here (PostgreSQL).
        raise DiaryConflictError(
            f"diary for client {client_code!r} changed while importing; nothing was imported, "
            "try again"
        ) from exc
    return result


def _clock_or_none(minutes: int | None) -> str:
    return "none" if minutes is None else _clock(minutes)


def _date_filter(column: Any, start: dt.date | None, end: dt.date | None) -> list[Any]:
    out = []
    if start is not None:
        out.append(col(column) >= start)
    if end is not None:
        out.append(col(column) <= end)
    return out


def srm_entries(
    store: Store,
    client_code: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    item_set: str = "srm5",
) -> pd.DataFrame:
    """A client's stored diary entries (dates *start*..*end*, inclusive) for one item set.

    Columns ``client, date, activity, minutes, status, people, target``: the
    entries format of :func:`ipsrt.srm.score_weeks` (``minutes``, ``people``
    and ``target`` are floats, NaN when absent; ``date`` holds
    ``datetime.date``). Ordered by date, then form order of the items.
    """
    items = resolve_item_set(item_set)
    client = store.client(client_code)
    query = select(SrmEntry).where(
        SrmEntry.client_id == client.id,
        SrmEntry.item_set == items.name,
        *_date_filter(SrmEntry.diary_date, start, end),
    )
    with store.session() as session:
        rows = list(session.exec(query))
    order = {key: i for i, key in enumerate(items.keys)}
    rows.sort(key=lambda e: (e.diary_date, order.get(e.activity, len(order))))
    return pd.DataFrame(
        {
            "client": pd.Series([client_code] * len(rows), dtype=object),
            "date": pd.Series([e.diary_date for e in rows], dtype=object),
            "activity": pd.Series([e.activity for e in rows], dtype=object),
            "minutes": _floats(e.clock_minute for e in rows),
            "status": pd.Series(["not_done" if e.not_done else "done" for e in rows], dtype=object),
            "people": _floats(e.people for e in rows),
            "target": _floats(e.target_minute for e in rows),
        },
        columns=list(ENTRY_COLUMNS),
    )


def _floats(values: Any) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def mood_frame(
    store: Store,
    client_code: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """A client's daily moods (dates *start*..*end*, inclusive), one row per date.

    Columns ``client, date, mood, energy, irritability, anxiety, note``; the
    ratings are floats (NaN when absent), as :func:`ipsrt.mood.validate_mood_frame`
    returns them.
    """
    client = store.client(client_code)
    query = (
        select(MoodEntry)
        .where(MoodEntry.client_id == client.id, *_date_filter(MoodEntry.diary_date, start, end))
        .order_by(col(MoodEntry.diary_date))
    )
    with store.session() as session:
        rows = list(session.exec(query))
    return pd.DataFrame(
        {
            "client": pd.Series([client_code] * len(rows), dtype=object),
            "date": pd.Series([m.diary_date for m in rows], dtype=object),
            "mood": _floats(m.mood for m in rows),
            "energy": _floats(m.energy for m in rows),
            "irritability": _floats(m.irritability for m in rows),
            "anxiety": _floats(m.anxiety for m in rows),
            "note": pd.Series([m.note for m in rows], dtype=object),
        },
        columns=list(MOOD_COLUMNS),
    )


def _instrument(name: str) -> str:
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else ""
    if key not in INSTRUMENTS:
        raise InvalidInputError(f"unknown instrument {name!r}: expected 'phq9' or 'asrm'")
    return INSTRUMENTS[key]


def save_scale_response(
    store: Store,
    client_code: str,
    instrument: str,
    answers: Sequence[int] | Mapping[str, int],
    *,
    answered_on: dt.date,
    now: dt.datetime,
    actor: str = "cli",
) -> ScaleResponse:
    """Store one PHQ-9 (nine answers 0..3) or ASRM (five answers 0..4) response.

    The answers are validated and versioned by :func:`ipsrt.mood.score_phq9` /
    :func:`ipsrt.mood.score_asrm` (a bad answer raises
    :class:`ipsrt.mood.MoodError` and stores nothing); totals are computed on
    read. Audited as ``scale.record``. Several responses on one date are kept.
    """
    now = require_utc(now)
    kind = _instrument(instrument)
    if not isinstance(answered_on, dt.date) or isinstance(answered_on, dt.datetime):
        raise InvalidInputError(f"answered_on {answered_on!r} is not a date")
    if kind == "phq9":
        phq = score_phq9(answers if not isinstance(answers, Mapping) else list(answers.values()))
        items, version = list(phq.answers), phq.version
    else:
        asrm = score_asrm(answers)
        items, version = list(asrm.answers.values()), asrm.version
    client = store.client(client_code)
    assert client.id is not None
    values: dict[str, Any] = {f"item{i}": v for i, v in enumerate(items, start=1)}
    response = ScaleResponse(
        client_id=client.id,
        instrument=kind,
        version=version,
        answered_on=answered_on,
        recorded_at=now,
        **values,
    )
    with store.write_session() as session:
        session.add(response)
        session.add(
            AuditEvent(
                at=now,
                actor=actor,
                action="scale.record",
                subject=client_code,
                detail={"instrument": kind, "answered_on": answered_on.isoformat()},
            )
        )
    return response


def scale_frame(
    store: Store,
    client_code: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    instrument: str | None = None,
) -> pd.DataFrame:
    """A client's scale responses, oldest first, with totals computed on read.

    Columns ``client, date, instrument, version, answers`` (tuple), ``total``
    and ``item9`` (PHQ-9 item 9; NaN for ASRM).
    """
    client = store.client(client_code)
    query = select(ScaleResponse).where(
        ScaleResponse.client_id == client.id,
        *_date_filter(ScaleResponse.answered_on, start, end),
    )
    if instrument is not None:
        query = query.where(ScaleResponse.instrument == _instrument(instrument))
    query = query.order_by(col(ScaleResponse.answered_on), col(ScaleResponse.id))
    with store.session() as session:
        rows = list(session.exec(query))
    records = []
    for r in rows:
        answers = tuple(
            int(v) for v in (getattr(r, f"item{i}") for i in range(1, 10)) if v is not None
        )
        records.append(
            {
                "client": client_code,
                "date": r.answered_on,
                "instrument": r.instrument,
                "version": r.version,
                "answers": answers,
                "total": sum(answers),
                "item9": float(r.item9)
                if r.instrument == "phq9" and r.item9 is not None
                else np.nan,
            }
        )
    return pd.DataFrame(records, columns=list(SCALE_COLUMNS))
