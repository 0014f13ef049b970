"""Session notes sealed at rest on a :class:`~ipsrt.store.Store` (``store.notes``).

A note is psychotherapy notes: the most sensitive text the tracker holds. It
is stored only sealed (``session_note.sealed_text``; the schema refuses any
value that is not a sealed token) with the key that seals device keys, kept
outside the database (:mod:`ipsrt.store.secret_keys`; docs/security.md,
"Secrets at rest"). So a copy of the database alone does not reveal a
note, and ``ipsrt keys rotate`` re-seals notes in the same transaction as
the device keys (:meth:`DeviceSecrets.also_reseal`).

The key is read only to write or read a note: without it (or with a wrong
one) those two calls fail with a one-line :class:`~ipsrt.errors.SecretKeyError`
and everything else works. Every write and every read (also a failed one)
is audited (``note.write``, ``note.read``) with the session number, never
the text. Authorization is the services' (:mod:`ipsrt.reports.notes`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from ipsrt.errors import SecretKeyError
from ipsrt.store.ipt_tables import SessionNote, TherapySession
from ipsrt.store.secret_box import SecretBox, sealed_key_id
from ipsrt.timeutil import require_utc

if TYPE_CHECKING:
    from ipsrt.store.store import Store

__all__ = ["NOTE_LIMIT", "OpenedNote", "SessionNotes"]

#: Characters a note may hold.
NOTE_LIMIT = 20_000


@dataclasses.dataclass(frozen=True)
class OpenedNote:
    """A note in clear, as read for someone allowed to read it."""

    session_id: int
    text: str = dataclasses.field(repr=False)
    shared: bool
    author: str
    written_at: dt.datetime


def _what(session_id: int) -> str:
    return f"the note of session record {session_id}"


def _lock_notes(session: Session) -> None:
    """PostgreSQL: keep rotation and note writes apart (SQLite's writer lock already does)."""
    if session.connection().dialect.name == "postgresql":
        session.connection().exec_driver_sql("LOCK TABLE session_note IN SHARE ROW EXCLUSIVE MODE")


class SessionNotes:
    """Sealed notes, one per therapy session."""

    name = "session_notes"

    def __init__(self, store: Store) -> None:
        self._store = store

    def _box(self, purpose: str) -> SecretBox:
        return self._store.secrets.box(purpose)

    def flags(self, session_ids: list[int]) -> dict[int, bool]:
        """Which of *session_ids* have a note, and whether it is shared (no key needed)."""
        if not session_ids:
            return {}
        with self._store.session() as session:
            rows = session.exec(
                select(SessionNote.session_id, SessionNote.shared).where(
                    col(SessionNote.session_id).in_(session_ids)
                )
            )
            return {int(sid): bool(shared) for sid, shared in rows}

    def write(
        self,
        session_id: int,
        text: str,
        *,
        shared: bool,
        subject: str,
        now: dt.datetime,
        actor: str,
    ) -> None:
        """Seal *text* as the note of *session_id* (replacing any), audited as ``note.write``."""
        now = require_utc(now)
        box = self._box("store a session note")
        sealed = box.seal(text)
        with self._store.write_session() as session:
            _lock_notes(session)
            row = session.exec(
                select(SessionNote).where(SessionNote.session_id == session_id)
            ).first()
            if row is None:
                row = SessionNote(session_id=session_id, sealed_text=sealed, author=actor)
            row.sealed_text, row.shared, row.author, row.written_at = sealed, shared, actor, now
            session.add(row)
            number = session.get(TherapySession, session_id)
            self._store.audit(
                session,
                now=now,
                actor=actor,
                action="note.write",
                subject=subject,
                detail={
                    "session": None if number is None else number.number,
                    "shared": shared,
                    "characters": len(text),
                },
            )

    def read(
        self, session_id: int, *, subject: str, now: dt.datetime, actor: str
    ) -> OpenedNote | None:
        """The note of *session_id* in clear (None if there is none), audited as ``note.read``.

        A note that cannot be opened (no key, a wrong key, a damaged token)
        raises :class:`SecretKeyError` after auditing the attempt
        (``opened: false``).
        """
        now = require_utc(now)

        def audit(session: Session, **detail: object) -> None:
            number = session.get(TherapySession, session_id)
            self._store.audit(
                session,
                now=now,
                actor=actor,
                action="note.read",
                subject=subject,
                detail={"session": None if number is None else number.number, **detail},
            )

        try:
            with self._store.write_session() as session:
                row = session.exec(
                    select(SessionNote).where(SessionNote.session_id == session_id)
                ).first()
                if row is None:
                    audit(session, found=False)
                    return None
                text = self._box("read a session note").unseal(
                    row.sealed_text, what=_what(session_id)
                )
                audit(session, found=True)
                return OpenedNote(session_id, text, row.shared, row.author, row.written_at)
        except SecretKeyError:
            with self._store.write_session() as session:
                audit(session, opened=False)
            raise

    # -- rotation (ipsrt.store.device_secrets.SealedValues) -------------------------

    def check_open(self, session: Session, box: SecretBox) -> None:
        """Open every stored note with *box*, or raise :class:`SecretKeyError`."""
        for session_id, sealed in session.exec(
            select(SessionNote.session_id, SessionNote.sealed_text)
        ):
            box.unseal(sealed, what=_what(int(session_id)))

    def reseal(self, session: Session, box: SecretBox) -> int:
        """Re-seal every note not sealed under *box*'s first key; how many."""
        _lock_notes(session)
        count = 0
        for row in session.exec(select(SessionNote)):
            if sealed_key_id(row.sealed_text) == box.primary_id:
                continue
            row.sealed_text = box.seal(box.unseal(row.sealed_text, what=_what(row.session_id)))
            session.add(row)
            count += 1
        return count
