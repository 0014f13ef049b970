"""Dashboard sessions on a :class:`~ipsrt.store.Store` (``store.web_sessions``).

Persistence only: the rules (token format, timeouts) live in
:mod:`ipsrt.reports.web_sessions`. Rows are keyed by the SHA-256 of the
browser's token, never the token itself.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session

from ipsrt.models import User, WebSession
from ipsrt.timeutil import require_utc

if TYPE_CHECKING:
    from ipsrt.store.store import Store

__all__ = ["WebSessionRecords", "revoke_user_sessions"]


def revoke_user_sessions(session: Session, user_id: int, *, now: dt.datetime) -> None:
    """End every live session of *user_id* inside the caller's transaction.

    Called in the same transaction as a password change or an account being
    disabled, so no old session outlives the change.
    """
    session.execute(
        sa.update(WebSession)
        .where(WebSession.user_id == user_id)  # type: ignore[arg-type]
        .where(WebSession.revoked_at.is_(None))  # type: ignore[union-attr]
        .values(revoked_at=require_utc(now))
    )


class WebSessionRecords:
    """Create, read, touch and revoke server-side login sessions."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def create(self, token_hash: str, user_id: int, *, now: dt.datetime) -> None:
        """Store a new live session for *user_id*."""
        now = require_utc(now)
        with self._store.write_session() as session:
            session.add(
                WebSession(token_hash=token_hash, user_id=user_id, created_at=now, last_seen_at=now)
            )

    def get(self, token_hash: str) -> tuple[WebSession, User] | None:
        """The session row and its user, or ``None``."""
        with self._store.session() as session:
            row = session.get(WebSession, token_hash)
            if row is None:
                return None
            user = session.get(User, row.user_id)
            return None if user is None else (row, user)

    def touch(self, token_hash: str, *, now: dt.datetime) -> None:
        """Record activity on a live session (for the idle timeout)."""
        with self._store.write_session() as session:
            session.execute(
                sa.update(WebSession)
                .where(WebSession.token_hash == token_hash)  # type: ignore[arg-type]
                .where(WebSession.revoked_at.is_(None))  # type: ignore[union-attr]
                .values(last_seen_at=require_utc(now))
            )

    def revoke(self, token_hash: str, *, now: dt.datetime) -> None:
        """End one session (logout); a revoked session never comes back."""
        with self._store.write_session() as session:
            session.execute(
                sa.update(WebSession)
                .where(WebSession.token_hash == token_hash)  # type: ignore[arg-type]
                .where(WebSession.revoked_at.is_(None))  # type: ignore[union-attr]
                .values(revoked_at=require_utc(now))
            )
