"""Daily summaries: kept up to date inside every write, rebuilt on request, read by screens.

:func:`install` gives a Store its summariser (:func:`update_pending`): every
write transaction that stores minutes, diary entries, moods or scale
responses marks the client's local dates pending, then calls it on the same
connection, so the summaries of exactly the weeks that read those dates
(:func:`ipsrt.daily.weeks_reading`) are recomputed before the commit.
:func:`rebuild` recomputes a client's summaries from scratch;
:func:`refresh` catches up on anything a Store without a summariser marked.
The figures come from :func:`ipsrt.daily.summarise_week`, on the minutes
that count (:mod:`ipsrt.minutes`), so summaries, metrics and alerts agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import partial

import pandas as pd
import sqlalchemy as sa

from ipsrt.daily import (
    SUMMARY_VERSION,
    WeekSummary,
    summarise_week,
    week_bounds,
    weeks_reading,
)
from ipsrt.minutes import sleep_states
from ipsrt.reports.wearable import minutes_on_grid, split_devices
from ipsrt.srm.items import SRM5
from ipsrt.store import Store
from ipsrt.store.minute_frames import read_minute_frame
from ipsrt.store.summaries import ClientFacts
from ipsrt.timeutil import local_midnight

__all__ = ["ALGORITHM", "install", "open_store", "rebuild", "refresh", "update_pending"]

#: How the written sleep episodes were found (``sleep_episode.algorithm``, ``algorithm_version``).
ALGORITHM = ("ipsrt.daily", SUMMARY_VERSION)
_DAY = dt.timedelta(days=1)
_NOON = dt.timedelta(hours=12)


def install(store: Store) -> Store:
    """Give *store* its summariser (idempotent); returns *store*."""
    store.summariser = partial(update_pending, store)
    return store


def open_store(url: str) -> Store:
    """A Store whose writes keep the daily summaries up to date."""
    return install(Store(url))


def _week(
    store: Store, conn: sa.Connection, facts: ClientFacts, first: dt.date
) -> WeekSummary | None:
    """The summaries of one client week read on *conn*, or None when it has no input."""
    tz = facts.timezone
    start, end = week_bounds(first, tz)
    counted, excluded = split_devices(facts.devices, demo=facts.demo)
    samples = read_minute_frame(conn, counted, int(start.timestamp()), int(end.timestamp()))
    minutes = minutes_on_grid(samples, excluded, start, end, tz)
    last = first + 6 * _DAY
    entries = store.clinical.srm_entries(
        facts.code, first, last, item_set="srm5", activity_order=SRM5.keys, conn=conn
    )
    moods = store.clinical.mood_frame(facts.code, first, last, conn=conn)
    scales = store.clinical.scale_frame(facts.code, first, last, conn=conn)
    if minutes["device_id"].isna().all() and entries.empty and moods.empty and scales.empty:
        return None
    return summarise_week(
        minutes,
        sleep_states(minutes),
        entries,
        moods,
        scales,
        first=first,
        tz=tz,
        week_start=facts.week_start,
    )


def _write_week(store: Store, conn: sa.Connection, facts: ClientFacts, first: dt.date) -> bool:
    """Replace one client week's rows; whether the week has any input."""
    summary = _week(store, conn, facts, first)
    tz = facts.timezone
    nights = (local_midnight(first, tz) + _NOON, local_midnight(first + 7 * _DAY, tz) + _NOON)
    store.summaries.replace_week(
        conn,
        facts.id,
        first,
        (nights[0].astimezone(dt.UTC), nights[1].astimezone(dt.UTC)),
        None if summary is None else summary.days,
        None if summary is None else summary.week,
        None if summary is None else summary.episodes,
        ALGORITHM,
    )
    return summary is not None


def _rebuild_client(store: Store, conn: sa.Connection, client_id: int) -> int:
    """Recompute one client's summaries on *conn*; returns the number of weeks with input."""
    facts = store.summaries.client_facts(conn, client_id)
    store.summaries.clear_client(conn, client_id)
    span = store.summaries.record_span(conn, facts)
    weeks = 0
    if span is not None:
        first = weeks_reading(span[0], facts.week_start)[0]
        last = weeks_reading(span[1], facts.week_start)[-1]
        while first <= last:
            weeks += _write_week(store, conn, facts, first)
            first += 7 * _DAY
    store.summaries.bump(conn, client_id, SUMMARY_VERSION)
    return weeks


def update_pending(store: Store, conn: sa.Connection) -> None:
    """The summariser: recompute the weeks that read the pending dates, on *conn*.

    A client whose summaries were never built (or were built by another
    definition) is rebuilt whole, so its rows never mix two definitions.
    """
    pending = store.summaries.pending(conn)
    if not pending:
        return
    stale = set(store.summaries.stale_clients(conn, SUMMARY_VERSION))
    for client_id, dates in pending.items():
        if client_id in stale:
            _rebuild_client(store, conn, client_id)
            continue
        facts = store.summaries.client_facts(conn, client_id)
        for first in sorted({w for d in dates for w in weeks_reading(d, facts.week_start)}):
            _write_week(store, conn, facts, first)
        store.summaries.clear_pending(conn, client_id)
        store.summaries.bump(conn, client_id, SUMMARY_VERSION)


def refresh(store: Store) -> None:
    """Bring every summary up to date: pending dates, then never-built or outdated clients.

    Screens call it before reading summaries. When nothing is pending (the
    usual case with a summariser installed) it only reads: two small queries,
    no write lock.
    """
    if not store.summaries.needs_update(SUMMARY_VERSION):
        return
    with store.write_connection() as conn:
        update_pending(store, conn)
        stale = store.summaries.stale_clients(conn, SUMMARY_VERSION)
    for client_id in stale:
        with store.write_connection() as conn:
            _rebuild_client(store, conn, client_id)


def rebuild(
    store: Store,
    client_codes: Sequence[str] | None = None,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Recompute the summaries of *client_codes* (default: every client) from their records.

    One transaction per client. Returns the number of weeks with input per
    client code; *progress* is called with each code and its weeks when done.
    """
    clients = (
        store.clients(include_archived=True)
        if client_codes is None
        else [store.client(c) for c in dict.fromkeys(client_codes)]
    )
    done: dict[str, int] = {}
    for client in clients:
        assert client.id is not None
        with store.write_connection() as conn:
            done[client.code] = _rebuild_client(store, conn, client.id)
        if progress is not None:
            progress(client.code, done[client.code])
    return done


def client_days(store: Store, client_code: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """A client's day rows for *start*..*end* (after :func:`refresh`)."""
    client = store.client(client_code)
    assert client.id is not None
    refresh(store)
    return store.summaries.days([client.id], start, end)
