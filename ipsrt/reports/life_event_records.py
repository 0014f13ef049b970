"""Stored life events as the domain's :class:`~ipsrt.ipt.life_events.LifeEvent`, for system use.

:func:`stored_life_events` reads without a viewer: the alert run reads
alerts against a client's events (:mod:`ipsrt.alerts.life_events`) and the
client view draws them after its own authorization. Pages and commands go
through :mod:`ipsrt.reports.life_events`, which authorizes.
"""

from __future__ import annotations

import datetime as dt

from ipsrt.enums import LifeEventKind
from ipsrt.ipt.life_events import LifeEvent
from ipsrt.store import Store
from ipsrt.store.ipt_tables import LifeEventRow

__all__ = ["event_from_row", "stored_life_events"]


def event_from_row(row: LifeEventRow) -> LifeEvent:
    """The domain value of a stored event row."""
    return LifeEvent(
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        kind=LifeEventKind(row.kind),
        disruption=row.disruption,
        description=row.description,
        id=row.id,
        entered_by=row.entered_by_role,
    )


def stored_life_events(
    store: Store, client_code: str, start: dt.date | None = None, end: dt.date | None = None
) -> list[LifeEvent]:
    """The client's events sharing a day with [*start*, *end*] (system use; no authorization)."""
    return [event_from_row(row) for row in store.life_events.events(client_code, start, end)]
