"""Life events on a client's time line: read them, add one (the client or their clinician).

:func:`life_events` (``VIEW_LIFE_EVENTS``) and :func:`add_life_event`
(``WRITE_LIFE_EVENTS``) take the :class:`~ipsrt.reports.access.Viewer` and
authorize through :func:`ipsrt.reports.access.resolve_client`: the client
themself and their assigned clinician may do both; admins and researchers
neither. Events come back as :class:`ipsrt.ipt.life_events.LifeEvent`, the
value the figures draw as markers (docs/clinicians.md, "Life events").

:func:`stored_life_events` (from :mod:`ipsrt.reports.life_event_records`)
reads without a viewer, for system processes only (an alert run reading
alerts against events); a page or a command never calls it.
"""

from __future__ import annotations

import datetime as dt

from ipsrt.ipt.life_events import LifeEvent, make_life_event
from ipsrt.reports.access import Action, Viewer, resolve_client
from ipsrt.reports.life_event_records import event_from_row, stored_life_events
from ipsrt.reports.today import client_today
from ipsrt.store import Store
from ipsrt.timeutil import check_plausible_date

__all__ = ["add_life_event", "life_events", "stored_life_events"]


def life_events(
    store: Store,
    viewer: Viewer | None,
    client_code: object,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[LifeEvent]:
    """The client's life events sharing a day with [*start*, *end*] (None: open), by date."""
    client = resolve_client(store, viewer, Action.VIEW_LIFE_EVENTS, client_code)
    return stored_life_events(store, client.code, start, end)


def add_life_event(
    store: Store,
    viewer: Viewer | None,
    client_code: object,
    starts_on: dt.date,
    kind: str,
    disruption: int,
    description: str = "",
    *,
    ends_on: dt.date | None = None,
    now: dt.datetime,
) -> LifeEvent:
    """Record a life event (one day, or *starts_on* .. *ends_on*); who entered it is kept.

    The client's alerts are evaluated again at once, from the event's first
    day on, so an alert the event explains shows it (:mod:`ipsrt.alerts.life_events`).

    Raises
    ------
    InvalidInputError
        For an unknown kind, a disruption outside 0..3, an end before the
        start, a description that is not one short line, or a date outside
        1990-01-01 .. tomorrow in the client's zone (nothing is stored).
    """
    client = resolve_client(store, viewer, Action.WRITE_LIFE_EVENTS, client_code)
    assert viewer is not None
    today = client_today(client, now)
    check_plausible_date(starts_on, today=today, what="life event start")
    if ends_on is not None:
        check_plausible_date(ends_on, today=today, what="life event end")
    event = make_life_event(starts_on, kind, disruption, description, ends_on=ends_on)
    row = store.life_events.add(
        client.code,
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        kind=event.kind.value,
        disruption=event.disruption,
        description=event.description,
        entered_by_role=viewer.role.value,
        now=now,
        actor=viewer.login,
    )
    # The alert run reads life events (ipsrt.alerts.life_events): re-read this
    # client's alerts from the event's first day on. Imported here because the
    # alert run imports this module.
    from ipsrt.reports.alerts import DEFAULT_LOOKBACK_DAYS, MAX_LOOKBACK_DAYS, run_alerts

    lookback = min(
        max(DEFAULT_LOOKBACK_DAYS, (today - event.starts_on).days + 1), MAX_LOOKBACK_DAYS
    )
    run_alerts(
        store, now=now, client_codes=[client.code], lookback_days=lookback, actor=viewer.login
    )
    return event_from_row(row)
