"""Anchor target times on a :class:`~ipsrt.store.Store` (``store.targets``).

Persistence only: the application service :mod:`ipsrt.reports.targets`
checks the activity and the minute before anything arrives here. A target is
keyed by (client, activity); setting one replaces the stored minute, clearing
one deletes the row. Every change is one transaction audited in the same
transaction (``target.set`` / ``target.clear``, actor = the login); a change
that changes nothing writes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlmodel import select

from ipsrt.models import AnchorTarget
from ipsrt.timeutil import require_utc

if TYPE_CHECKING:
    from ipsrt.store.store import Store

__all__ = ["TargetRecords"]


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


class TargetRecords:
    """The target clock times agreed for a client's SRM anchors."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def targets(self, client_code: str) -> dict[str, int]:
        """A client's targets: activity key -> minute after local midnight (0..1439)."""
        with self._store.session() as session:
            client_id = self._store.client_id(session, client_code)
            rows = session.exec(select(AnchorTarget).where(AnchorTarget.client_id == client_id))
            return {row.activity: int(row.target_minute) for row in rows}

    def set_target(
        self,
        client_code: str,
        activity: str,
        minute: int | None,
        *,
        now: dt.datetime,
        actor: str,
    ) -> bool:
        """Set (*minute*) or clear (``None``) one target; whether anything changed.

        Audited as ``target.set`` or ``target.clear`` with the old and new
        clock times, in the same transaction as the change.
        """
        now = require_utc(now)
        with self._store.write_session() as session:
            client_id = self._store.client_id(session, client_code)
            row = session.get(AnchorTarget, (client_id, activity))
            old = None if row is None else int(row.target_minute)
            if old == minute:
                return False
            if minute is None:
                assert row is not None
                session.delete(row)
            elif row is None:
                session.add(
                    AnchorTarget(
                        client_id=client_id,
                        activity=activity,
                        target_minute=minute,
                        set_at=now,
                        set_by=actor,
                    )
                )
            else:
                row.target_minute = minute
                row.set_at = now
                row.set_by = actor
            self._store.audit(
                session,
                now=now,
                actor=actor,
                action="target.set" if minute is not None else "target.clear",
                subject=client_code,
                detail={
                    "activity": activity,
                    "old": None if old is None else _clock(old),
                    "new": None if minute is None else _clock(minute),
                },
            )
        return True
