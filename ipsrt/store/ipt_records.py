"""Inventory revisions, life events and relapse plans on a :class:`~ipsrt.store.Store`.

``store.inventory``, ``store.life_events`` and ``store.relapse_plans``.
Persistence only: values arrive checked by :mod:`ipsrt.ipt` through the
services in :mod:`ipsrt.reports`, which also authorize. Nothing is updated
or deleted: an inventory change or removal and a new plan are new revisions.
Every write is one transaction audited in the same transaction; audit
details hold ids, dates and kinds, never free text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from ipsrt.errors import AlreadyExistsError, NotFoundError
from ipsrt.models import Client
from ipsrt.store.ipt_tables import InventoryRevisionRow, LifeEventRow, RelapsePlanRevision
from ipsrt.timeutil import require_utc

if TYPE_CHECKING:
    from ipsrt.store.store import Store

__all__ = ["InventoryRecords", "LifeEventRecords", "RelapsePlanRecords"]


class InventoryRecords:
    """Dated revisions of the people of a client's interpersonal inventory."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def revisions(self, client_code: str) -> list[InventoryRevisionRow]:
        """Every revision of the client's inventory, in the order they were recorded."""
        with self._store.session() as session:
            client_id = self._store.client_id(session, client_code)
            query = select(InventoryRevisionRow).where(InventoryRevisionRow.client_id == client_id)
            return list(session.exec(query.order_by(col(InventoryRevisionRow.id))))

    def record(
        self,
        client_code: str,
        person_id: int | None,
        effective_on: dt.date,
        fields: Mapping[str, Any] | None,
        *,
        now: dt.datetime,
        actor: str,
    ) -> InventoryRevisionRow:
        """Add a revision: a new person (*person_id* None), a change, or a removal (*fields* None).

        *fields* are the person's columns (label, relationship, closeness,
        support, conflict, changes, rhythm_roles). Audited as
        ``inventory.add``, ``inventory.change`` or ``inventory.remove``.
        """
        now = require_utc(now)
        with self._store.write_session() as session:
            client_id = self._store.client_id(session, client_code)
            # Serialise new person numbers per client (PostgreSQL; SQLite's writer lock does).
            session.exec(select(Client.id).where(Client.id == client_id).with_for_update())
            known = session.exec(
                select(func.max(InventoryRevisionRow.person_id)).where(
                    InventoryRevisionRow.client_id == client_id
                )
            ).first()
            if person_id is None:
                person_id, action = int(known or 0) + 1, "inventory.add"
            else:
                exists = session.exec(
                    select(InventoryRevisionRow.id).where(
                        InventoryRevisionRow.client_id == client_id,
                        InventoryRevisionRow.person_id == person_id,
                    )
                ).first()
                if exists is None:
                    raise NotFoundError(
                        f"client {client_code!r} has no inventory person {person_id}"
                    )
                action = "inventory.remove" if fields is None else "inventory.change"
            row = InventoryRevisionRow(
                client_id=client_id,
                person_id=person_id,
                effective_on=effective_on,
                removed=fields is None,
                recorded_at=now,
                recorded_by=actor,
                **dict(fields or {}),
            )
            session.add(row)
            self._store.audit(
                session,
                now=now,
                actor=actor,
                action=action,
                subject=client_code,
                detail={"person": person_id, "effective_on": effective_on.isoformat()},
            )
        return row


class LifeEventRecords:
    """Life events on clients' time lines, entered by clients or their clinicians."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def events(
        self, client_code: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[LifeEventRow]:
        """The client's events sharing a day with [*start*, *end*] (open ends: all), by date."""
        with self._store.session() as session:
            client_id = self._store.client_id(session, client_code)
            query = select(LifeEventRow).where(LifeEventRow.client_id == client_id)
            if start is not None:
                query = query.where(LifeEventRow.ends_on >= start)
            if end is not None:
                query = query.where(LifeEventRow.starts_on <= end)
            order = (col(LifeEventRow.starts_on), col(LifeEventRow.ends_on), col(LifeEventRow.id))
            return list(session.exec(query.order_by(*order)))

    def add(
        self,
        client_code: str,
        *,
        starts_on: dt.date,
        ends_on: dt.date,
        kind: str,
        disruption: int,
        description: str,
        entered_by_role: str,
        now: dt.datetime,
        actor: str,
    ) -> LifeEventRow:
        """Store one event; audited as ``life_event.add`` (kind and dates, not the text)."""
        now = require_utc(now)
        with self._store.write_session() as session:
            row = LifeEventRow(
                client_id=self._store.client_id(session, client_code),
                starts_on=starts_on,
                ends_on=ends_on,
                kind=kind,
                disruption=disruption,
                description=description,
                entered_by_role=entered_by_role,
                entered_by=actor,
                created_at=now,
            )
            session.add(row)
            self._store.audit(
                session,
                now=now,
                actor=actor,
                action="life_event.add",
                subject=client_code,
                detail={
                    "kind": kind,
                    "starts_on": starts_on.isoformat(),
                    "ends_on": ends_on.isoformat(),
                    "role": entered_by_role,
                },
            )
        return row


class RelapsePlanRecords:
    """Revisions of clients' relapse-prevention plans (the highest revision is current)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def current(self, client_code: str) -> RelapsePlanRevision | None:
        """The client's latest plan revision, or None."""
        with self._store.session() as session:
            client_id = self._store.client_id(session, client_code)
            query = select(RelapsePlanRevision).where(RelapsePlanRevision.client_id == client_id)
            return session.exec(query.order_by(col(RelapsePlanRevision.revision).desc())).first()

    def revisions(self, client_code: str) -> list[RelapsePlanRevision]:
        """Every revision of the client's plan, oldest first."""
        with self._store.session() as session:
            client_id = self._store.client_id(session, client_code)
            query = select(RelapsePlanRevision).where(RelapsePlanRevision.client_id == client_id)
            return list(session.exec(query.order_by(col(RelapsePlanRevision.revision))))

    def save(
        self, client_code: str, content: Mapping[str, Any], *, now: dt.datetime, actor: str
    ) -> RelapsePlanRevision:
        """Store *content* as the next revision; audited as ``relapse_plan.save``."""
        now = require_utc(now)
        try:
            with self._store.write_session() as session:
                client_id = self._store.client_id(session, client_code)
                last = session.exec(
                    select(func.max(RelapsePlanRevision.revision)).where(
                        RelapsePlanRevision.client_id == client_id
                    )
                ).first()
                row = RelapsePlanRevision(
                    client_id=client_id,
                    revision=int(last or 0) + 1,
                    content=dict(content),
                    made_at=now,
                    made_by=actor,
                )
                session.add(row)
                self._store.audit(
                    session,
                    now=now,
                    actor=actor,
                    action="relapse_plan.save",
                    subject=client_code,
                    detail={"revision": row.revision},
                )
        except IntegrityError as exc:  # a concurrent save took the same revision number
            raise AlreadyExistsError(
                "the plan was saved by someone else meanwhile: reload"
            ) from exc
        return row
