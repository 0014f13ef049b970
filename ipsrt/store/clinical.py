"""Clinical records on a :class:`~ipsrt.store.Store` (``store.clinical``): SRM diary entries,
daily moods and PHQ-9/ASRM responses.

Persistence only: rows arrive validated by the application services
(:mod:`ipsrt.reports.diary`, which uses :func:`ipsrt.srm.diary_rows.diary_rows`
and :mod:`ipsrt.mood`). Every write is one transaction that commits whole or
not at all, is audited in the same transaction, and takes ``now`` from the
caller. Reads return data frames in the formats the pure modules take.

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
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ipsrt.errors import AlreadyExistsError, InvalidInputError
from ipsrt.models import MoodEntry, ScaleResponse, SrmEntry
from ipsrt.timeutil import require_utc

if TYPE_CHECKING:
    from ipsrt.store.store import Store

__all__ = [
    "ENTRY_COLUMNS",
    "MOOD_COLUMNS",
    "SCALE_COLUMNS",
    "ClinicalRecords",
    "DiaryConflictError",
    "DiaryCounts",
]

ENTRY_COLUMNS = ("client", "date", "activity", "minutes", "status", "people", "target")
MOOD_COLUMNS = ("client", "date", "mood", "energy", "irritability", "anxiety", "note")
SCALE_COLUMNS = ("client", "date", "instrument", "version", "answers", "total", "item9")
INSTRUMENTS = ("phq9", "asrm")
_ENTRY_FIELDS = ("clock_minute", "not_done", "people", "target_minute")
_MOOD_RATINGS = ("energy", "irritability", "anxiety")
_REPLACED_IN_AUDIT = 50


class DiaryConflictError(AlreadyExistsError):
    """A diary entry or mood differs from the stored one and replacing was not confirmed."""


@dataclasses.dataclass(frozen=True)
class DiaryCounts:
    """What :meth:`ClinicalRecords.save_diary` did with the diary's entries and moods."""

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


def _clock_or_none(minutes: int | None) -> str:
    return "none" if minutes is None else _clock(minutes)


def _change(old: SrmEntry, row: Mapping[str, Any]) -> str:
    if old.clock_minute == row["clock_minute"] and old.not_done == row["not_done"]:
        return (
            f"people {old.people} -> {row['people']}, target "
            f"{_clock_or_none(old.target_minute)} -> {_clock_or_none(row['target_minute'])}"
        )
    return f"{_clock(old.clock_minute)} -> {_clock(row['clock_minute'])}"


@dataclasses.dataclass
class _Merge:
    """Counts, conflicts and replaced keys collected while merging one diary."""

    counts: dict[str, int]
    conflicts: list[str] = dataclasses.field(default_factory=list)
    replaced: list[dict[str, str]] = dataclasses.field(default_factory=list)


def _date_filter(column: Any, start: dt.date | None, end: dt.date | None) -> list[Any]:
    out = []
    if start is not None:
        out.append(col(column) >= start)
    if end is not None:
        out.append(col(column) <= end)
    return out


def _floats(values: Any) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


class ClinicalRecords:
    """SRM entries, moods and scale responses of the clients of one Store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- diary --------------------------------------------------------------------

    def save_diary(
        self,
        client_code: str,
        item_set: str,
        entries: Sequence[Mapping[str, Any]],
        moods: Sequence[tuple[dt.date, int]],
        *,
        now: dt.datetime,
        confirm_replace: bool = False,
        actor: str = "cli",
        ratings: Mapping[dt.date, Mapping[str, int | None]] | None = None,
        action: str = "diary.import",
    ) -> DiaryCounts:
        """Store validated diary rows for one client, all or nothing.

        Parameters
        ----------
        client_code, item_set
            Whose diary, and the canonical name of its item set.
        entries, moods
            Rows of :class:`ipsrt.srm.diary_rows.DiaryRows` (already validated).
        now
            Time of the import (recorded on new rows and in the audit event).
        confirm_replace
            Replace stored entries or moods that differ; without it such a
            difference raises :class:`DiaryConflictError` and nothing is written.
        actor
            Who imports (for the audit event).
        ratings
            Optional 0..10 ``energy``, ``irritability`` and ``anxiety`` of a
            mood's date (already validated). For a date listed here the three
            ratings are stored with the mood and compared with the stored ones
            (``None`` clears one); for other dates they are left as stored.
        action
            The audit event's action (``diary.import`` for a file, the
            dashboard's own name for a day saved on its form).

        Returns
        -------
        DiaryCounts
            New, unchanged and replaced entries and moods. An import that
            changes nothing writes nothing, not even an audit event.
        """
        now = require_utc(now)
        client = self._store.client(client_code)
        assert client.id is not None
        merge = _Merge(dict.fromkeys(DiaryCounts().as_dict(), 0))
        try:
            with self._store.write_session() as session:
                dates = [e["diary_date"] for e in entries] + [d for d, _ in moods]
                stored, stored_mood = self._stored(session, client.id, item_set, dates)
                for row in entries:
                    self._merge_entry(session, merge, stored, row, client.id, item_set, now)
                for date, mood in moods:
                    rated = None if ratings is None else ratings.get(date)
                    self._merge_mood(
                        session, merge, stored_mood.get(date), (date, mood, rated), client.id, now
                    )
                if merge.conflicts and not confirm_replace:
                    more = (
                        f" and {len(merge.conflicts) - 1} more" if len(merge.conflicts) > 1 else ""
                    )
                    raise DiaryConflictError(
                        f"client {client_code!r} already has a different entry for "
                        f"{merge.conflicts[0]}{more}; nothing was imported "
                        "(use --confirm-replace to replace stored values)"
                    )
                result = DiaryCounts(**merge.counts)
                if result.changed:
                    session.flush()
                    conn = session.connection()
                    self._store.summaries.mark_dates(conn, client.id, dates)
                    self._store.summarise(conn)
                    detail: dict[str, Any] = {"item_set": item_set, **result.as_dict()}
                    if merge.replaced:
                        detail["replaced"] = merge.replaced[:_REPLACED_IN_AUDIT]
                    self._store.audit(
                        session,
                        now=now,
                        actor=actor,
                        action=action,
                        subject=client_code,
                        detail=detail,
                    )
        except IntegrityError as exc:
            # Only a concurrent import of the same dates can get here (PostgreSQL).
            raise DiaryConflictError(
                f"diary for client {client_code!r} changed while importing; nothing was "
                "imported, try again"
            ) from exc
        return result

    @staticmethod
    def _stored(
        session: Session, client_id: int, item_set: str, dates: list[dt.date]
    ) -> tuple[dict[tuple[dt.date, str], SrmEntry], dict[dt.date, MoodEntry]]:
        if not dates:
            return {}, {}
        lo, hi = min(dates), max(dates)
        query = select(SrmEntry).where(
            SrmEntry.client_id == client_id,
            SrmEntry.item_set == item_set,
            col(SrmEntry.diary_date).between(lo, hi),
        )
        mood_query = select(MoodEntry).where(
            MoodEntry.client_id == client_id, col(MoodEntry.diary_date).between(lo, hi)
        )
        return (
            {(e.diary_date, e.activity): e for e in session.exec(query)},
            {m.diary_date: m for m in session.exec(mood_query)},
        )

    @staticmethod
    def _merge_entry(
        session: Session,
        merge: _Merge,
        stored: dict[tuple[dt.date, str], SrmEntry],
        row: Mapping[str, Any],
        client_id: int,
        item_set: str,
        now: dt.datetime,
    ) -> None:
        old = stored.get((row["diary_date"], row["activity"]))
        if old is None:
            session.add(SrmEntry(client_id=client_id, item_set=item_set, recorded_at=now, **row))
            merge.counts["entries_new"] += 1
        elif all(getattr(old, f) == row[f] for f in _ENTRY_FIELDS):
            merge.counts["entries_unchanged"] += 1
        else:
            merge.conflicts.append(
                f"{row['diary_date']} {row['activity']} (stored {_change(old, row)})"
            )
            merge.replaced.append({"date": str(row["diary_date"]), "activity": row["activity"]})
            for f in _ENTRY_FIELDS:
                setattr(old, f, row[f])
            old.recorded_at = now
            merge.counts["entries_replaced"] += 1

    @staticmethod
    def _merge_mood(
        session: Session,
        merge: _Merge,
        old: MoodEntry | None,
        new: tuple[dt.date, int, Mapping[str, int | None] | None],
        client_id: int,
        now: dt.datetime,
    ) -> None:
        date, mood, rated = new
        values: dict[str, int | None] = {"mood": mood}
        if rated is not None:
            values |= {f: rated.get(f) for f in _MOOD_RATINGS}
        if old is None:
            added = MoodEntry(client_id=client_id, diary_date=date, mood=mood, recorded_at=now)
            for f, v in values.items():
                setattr(added, f, v)
            session.add(added)
            merge.counts["moods_new"] += 1
        elif all(getattr(old, f) == v for f, v in values.items()):
            merge.counts["moods_unchanged"] += 1
        else:
            merge.conflicts.append(f"{date} mood (stored {old.mood:+d} -> {mood:+d})")
            merge.replaced.append({"date": str(date), "activity": "mood"})
            for f, v in values.items():
                setattr(old, f, v)
            old.recorded_at = now
            merge.counts["moods_replaced"] += 1

    def srm_entries(
        self,
        client_code: str,
        start: dt.date | None = None,
        end: dt.date | None = None,
        *,
        item_set: str,
        activity_order: Sequence[str] = (),
        conn: sa.Connection | None = None,
    ) -> pd.DataFrame:
        """A client's stored entries of one item set, dates *start*..*end* inclusive.

        Columns :data:`ENTRY_COLUMNS`, the entries format of
        :func:`ipsrt.srm.score_weeks` (``minutes``, ``people``, ``target``
        floats, NaN when absent; ``date`` holds ``datetime.date``). Ordered by
        date, then by *activity_order* (the form's order), then by name. With
        *conn*, reads inside that connection's transaction.
        """
        with self._store.session(conn) as session:
            client_id = self._store.client_id(session, client_code)
            query = select(SrmEntry).where(
                SrmEntry.client_id == client_id,
                SrmEntry.item_set == item_set,
                *_date_filter(SrmEntry.diary_date, start, end),
            )
            rows = list(session.exec(query))
        order = {key: i for i, key in enumerate(activity_order)}
        rows.sort(key=lambda e: (e.diary_date, order.get(e.activity, len(order)), e.activity))
        return pd.DataFrame(
            {
                "client": pd.Series([client_code] * len(rows), dtype=object),
                "date": pd.Series([e.diary_date for e in rows], dtype=object),
                "activity": pd.Series([e.activity for e in rows], dtype=object),
                "minutes": _floats(e.clock_minute for e in rows),
                "status": pd.Series(
                    ["not_done" if e.not_done else "done" for e in rows], dtype=object
                ),
                "people": _floats(e.people for e in rows),
                "target": _floats(e.target_minute for e in rows),
            },
            columns=list(ENTRY_COLUMNS),
        )

    def mood_frame(
        self,
        client_code: str,
        start: dt.date | None = None,
        end: dt.date | None = None,
        *,
        conn: sa.Connection | None = None,
    ) -> pd.DataFrame:
        """A client's daily moods (dates *start*..*end*, inclusive), one row per date.

        Columns :data:`MOOD_COLUMNS`; ratings are floats (NaN when absent).
        """
        with self._store.session(conn) as session:
            client_id = self._store.client_id(session, client_code)
            query = (
                select(MoodEntry)
                .where(
                    MoodEntry.client_id == client_id,
                    *_date_filter(MoodEntry.diary_date, start, end),
                )
                .order_by(col(MoodEntry.diary_date))
            )
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

    # -- rating scales ------------------------------------------------------------

    def save_scale_response(
        self,
        client_code: str,
        instrument: str,
        version: str,
        answers: Sequence[int],
        *,
        answered_on: dt.date,
        now: dt.datetime,
        actor: str = "cli",
    ) -> ScaleResponse:
        """Store one validated PHQ-9 or ASRM response; audited as ``scale.record``.

        Several responses on one date are kept; totals are computed on read.
        """
        now = require_utc(now)
        if instrument not in INSTRUMENTS:
            raise InvalidInputError(f"unknown instrument {instrument!r}")
        if not isinstance(answered_on, dt.date) or isinstance(answered_on, dt.datetime):
            raise InvalidInputError(f"answered_on {answered_on!r} is not a date")
        client = self._store.client(client_code)
        assert client.id is not None
        values: dict[str, Any] = {f"item{i}": int(v) for i, v in enumerate(answers, start=1)}
        response = ScaleResponse(
            client_id=client.id,
            instrument=instrument,
            version=version,
            answered_on=answered_on,
            recorded_at=now,
            **values,
        )
        with self._store.write_session() as session:
            session.add(response)
            self._store.audit(
                session,
                now=now,
                actor=actor,
                action="scale.record",
                subject=client_code,
                detail={"instrument": instrument, "answered_on": answered_on.isoformat()},
            )
            session.flush()
            conn = session.connection()
            self._store.summaries.mark_dates(conn, client.id, [answered_on])
            self._store.summarise(conn)
        return response

    def scale_frame(
        self,
        client_code: str,
        start: dt.date | None = None,
        end: dt.date | None = None,
        *,
        instrument: str | None = None,
        conn: sa.Connection | None = None,
    ) -> pd.DataFrame:
        """A client's scale responses, oldest first, with totals computed on read.

        Columns :data:`SCALE_COLUMNS`: ``answers`` a tuple, ``total`` and
        ``item9`` (PHQ-9 item 9; NaN for ASRM).
        """
        with self._store.session(conn) as session:
            client_id = self._store.client_id(session, client_code)
            query = select(ScaleResponse).where(
                ScaleResponse.client_id == client_id,
                *_date_filter(ScaleResponse.answered_on, start, end),
            )
            if instrument is not None:
                query = query.where(ScaleResponse.instrument == instrument)
            query = query.order_by(col(ScaleResponse.answered_on), col(ScaleResponse.id))
            rows = list(session.exec(query))
        records = []
        for r in rows:
            answers = tuple(
                int(v) for v in (getattr(r, f"item{i}") for i in range(1, 10)) if v is not None
            )
            item9 = r.item9 if r.instrument == "phq9" and r.item9 is not None else None
            records.append(
                {
                    "client": client_code,
                    "date": r.answered_on,
                    "instrument": r.instrument,
                    "version": r.version,
                    "answers": answers,
                    "total": sum(answers),
                    "item9": np.nan if item9 is None else float(item9),
                }
            )
        return pd.DataFrame(records, columns=list(SCALE_COLUMNS))
