"""Session notes: the clinician's free text per session, sealed at rest, every access audited.

* :func:`write_note` (``WRITE_NOTES``): the assigned clinician only;
* :func:`read_note`: the assigned clinician reads any note
  (``READ_NOTES``); the client reads a note only when it is marked shared
  (``READ_SHARED_NOTES``), and gets the same :class:`AccessDenied` for a
  private note as for no note; admins and researchers never.

Every write and read, allowed or refused, leaves an audit row (``note.write``,
``note.read``, ``denied:note.read``...) naming the session, never the text.
Notes are never exported and never offered on the command line
(docs/clinicians.md, "Session notes"). Without the key (or with a wrong
one) reading and writing a note fail with a one-line
:class:`~ipsrt.errors.SecretKeyError`; nothing else needs the key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from ipsrt.enums import Role
from ipsrt.errors import InvalidInputError
from ipsrt.reports.access import (
    AccessDenied,
    Action,
    Viewer,
    audit_access,
    authorize,
    resolve_client,
)
from ipsrt.store import Store
from ipsrt.store.session_notes import NOTE_LIMIT

__all__ = ["NoteView", "NoteWritten", "read_note", "write_note"]


@dataclasses.dataclass(frozen=True)
class NoteView:
    """A note in clear for someone allowed to read it (keep it out of logs: ``repr`` hides it)."""

    appointment: int
    text: str = dataclasses.field(repr=False)
    shared: bool
    author: str
    written_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class NoteWritten:
    """What a write stored (never the text)."""

    appointment: int
    shared: bool
    characters: int
    written_at: dt.datetime


def _refusal(
    store: Store,
    viewer: Viewer | None,
    action: str,
    client_code: object,
    appointment: object,
    now: dt.datetime,
) -> AccessDenied:
    """Audit a refused note access (``denied:note.read``...) and give the error to raise."""
    audit_access(
        store,
        viewer,
        action,
        now=now,
        subject=client_code[:64] if isinstance(client_code, str) else None,
        allowed=False,
        detail={"session": appointment if isinstance(appointment, int) else None},
    )
    return AccessDenied("no such note")


def write_note(
    store: Store,
    viewer: Viewer | None,
    client_code: object,
    appointment: int,
    text: str,
    *,
    shared: bool = False,
    now: dt.datetime,
) -> NoteWritten:
    """Write (or replace) the note of appointment *appointment* of the client's course."""
    try:
        client = resolve_client(store, viewer, Action.WRITE_NOTES, client_code)
    except AccessDenied:
        raise _refusal(store, viewer, "note.write", client_code, appointment, now) from None
    assert viewer is not None
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError("the note is empty")
    if len(text) > NOTE_LIMIT or "\x00" in text:
        raise InvalidInputError(f"the note is longer than {NOTE_LIMIT} characters")
    session = store.courses.session_of(client.code, appointment)
    assert session.id is not None
    store.notes.write(
        session.id, text, shared=bool(shared), subject=client.code, now=now, actor=viewer.login
    )
    return NoteWritten(appointment, bool(shared), len(text), now)


def read_note(
    store: Store,
    viewer: Viewer | None,
    client_code: object,
    appointment: int,
    *,
    now: dt.datetime,
) -> NoteView | None:
    """The note of appointment *appointment* (None: the clinician finds none), audited."""

    def refuse() -> AccessDenied:
        return _refusal(store, viewer, "note.read", client_code, appointment, now)

    try:
        client = resolve_client(store, viewer, Action.READ_SHARED_NOTES, client_code)
    except AccessDenied:
        raise refuse() from None
    assert viewer is not None
    assert client.id is not None
    session = store.courses.session_of(client.code, appointment)
    assert session.id is not None
    try:
        authorize(viewer, Action.READ_NOTES, client.id)
    except AccessDenied:
        # The client: only a shared note, and the same answer for private and missing.
        if viewer.role is not Role.CLIENT or not store.notes.flags([session.id]).get(session.id):
            raise refuse() from None
    opened = store.notes.read(session.id, subject=client.code, now=now, actor=viewer.login)
    if opened is None:
        return None
    return NoteView(appointment, opened.text, opened.shared, opened.author, opened.written_at)
