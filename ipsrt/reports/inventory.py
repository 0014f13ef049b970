"""A client's interpersonal inventory: read it on any date; add, change or remove a person.

:func:`inventory_view` (``VIEW_INVENTORY``: the client themself and the
assigned clinician) and :func:`add_person`, :func:`change_person`,
:func:`remove_person` (``WRITE_INVENTORY``: the assigned clinician only)
take the :class:`~ipsrt.reports.access.Viewer` and authorize through
:func:`ipsrt.reports.access.resolve_client`. The client reads the
inventory but does not edit it: it is built together in session, and a
client who wants to record something that happened adds a life event
(docs/clinicians.md, "Who sees what").

Every change is a dated revision (:mod:`ipsrt.ipt.inventory`); nothing is
overwritten, so the inventory of any past date can be shown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from ipsrt.ipt.inventory import (
    InventoryPerson,
    InventoryRevision,
    RhythmRole,
    inventory_as_of,
    make_person,
)
from ipsrt.models import Client
from ipsrt.reports.access import Action, Viewer, resolve_client
from ipsrt.reports.today import client_today
from ipsrt.store import Store
from ipsrt.store.ipt_tables import InventoryRevisionRow
from ipsrt.timeutil import check_plausible_date

__all__ = [
    "InventoryView",
    "PersonRow",
    "add_person",
    "change_person",
    "inventory_view",
    "remove_person",
]


@dataclasses.dataclass(frozen=True, kw_only=True)
class PersonRow(InventoryPerson):
    """One person of the inventory on the view's date (``person_id`` addresses changes)."""

    person_id: int


@dataclasses.dataclass(frozen=True)
class InventoryView:
    """The inventory on ``as_of``, inner circle first, and the dates it changed."""

    client_code: str
    as_of: dt.date
    people: tuple[PersonRow, ...]
    revision_dates: tuple[dt.date, ...]


def _revision(row: InventoryRevisionRow) -> InventoryRevision:
    person = None
    if not row.removed:
        person = InventoryPerson(
            label=row.label or "",
            relationship=row.relationship or "",
            closeness=int(row.closeness or 1),
            support=int(row.support or 0),
            conflict=int(row.conflict or 0),
            changes=row.changes or "",
            rhythm_roles=tuple(RhythmRole(r["anchor"], r["role"]) for r in row.rhythm_roles),
        )
    return InventoryRevision(row.person_id, row.effective_on, person, int(row.id or 0))


def _view(store: Store, client: Client, as_of: dt.date) -> InventoryView:
    revisions = [_revision(r) for r in store.inventory.revisions(client.code)]
    people = inventory_as_of(revisions, as_of)
    return InventoryView(
        client_code=client.code,
        as_of=as_of,
        people=tuple(PersonRow(**vars(p), person_id=pid) for pid, p in people.items()),
        revision_dates=tuple(sorted({r.effective_on for r in revisions})),
    )


def inventory_view(
    store: Store,
    viewer: Viewer | None,
    client_code: object,
    *,
    as_of: dt.date | None = None,
    now: dt.datetime,
) -> InventoryView:
    """The inventory on *as_of* (default: the client's local today)."""
    client = resolve_client(store, viewer, Action.VIEW_INVENTORY, client_code)
    return _view(store, client, as_of or client_today(client, now))


def _fields(person: InventoryPerson) -> dict[str, object]:
    return {
        "label": person.label,
        "relationship": person.relationship,
        "closeness": person.closeness,
        "support": person.support,
        "conflict": person.conflict,
        "changes": person.changes,
        "rhythm_roles": [r.as_dict() for r in person.rhythm_roles],
    }


def _write(
    store: Store,
    viewer: Viewer | None,
    client_code: object,
    person_id: int | None,
    person: InventoryPerson | None,
    effective_on: dt.date | None,
    now: dt.datetime,
) -> InventoryView:
    client = resolve_client(store, viewer, Action.WRITE_INVENTORY, client_code)
    assert viewer is not None
    today = client_today(client, now)
    day = check_plausible_date(effective_on or today, today=today, what="inventory date")
    fields = None if person is None else _fields(person)
    store.inventory.record(client.code, person_id, day, fields, now=now, actor=viewer.login)
    return _view(store, client, max(day, today))


def add_person(
    store: Store,
    viewer: Viewer | None,
    client_code: object,
    label: str,
    relationship: str,
    *,
    closeness: int,
    support: int,
    conflict: int,
    changes: str = "",
    rhythm_roles: tuple[RhythmRole, ...] = (),
    effective_on: dt.date | None = None,
    now: dt.datetime,
) -> InventoryView:
    """Add a person from *effective_on* (default today); the inventory as it stands after."""
    person = make_person(label, relationship, closeness, support, conflict, changes, rhythm_roles)
    return _write(store, viewer, client_code, None, person, effective_on, now)


def change_person(
    store: Store,
    viewer: Viewer | None,
    client_code: object,
    person_id: int,
    label: str,
    relationship: str,
    *,
    closeness: int,
    support: int,
    conflict: int,
    changes: str = "",
    rhythm_roles: tuple[RhythmRole, ...] = (),
    effective_on: dt.date | None = None,
    now: dt.datetime,
) -> InventoryView:
    """Record how person *person_id* stands from *effective_on* (a new revision)."""
    person = make_person(label, relationship, closeness, support, conflict, changes, rhythm_roles)
    return _write(store, viewer, client_code, person_id, person, effective_on, now)


def remove_person(
    store: Store,
    viewer: Viewer | None,
    client_code: object,
    person_id: int,
    *,
    effective_on: dt.date | None = None,
    now: dt.datetime,
) -> InventoryView:
    """Remove person *person_id* from *effective_on* (a revision; the history stays)."""
    return _write(store, viewer, client_code, person_id, None, effective_on, now)
