"""A client's wearable minutes as every consumer sees them, and what they say about nights.

All readers of stored minutes (``ipsrt metrics --client``, the alert runs,
estimated SRM anchors) call :func:`client_minutes`, so they all apply the one
rule of :mod:`ipsrt.minutes` to the same rows. In a clinic database the
minutes of emulated devices never count; in a demo database (``ipsrt
collect --emulated``, ``ipsrt demo``) they do.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ipsrt.minutes import local_minute_grid, select_minutes, sleep_states
from ipsrt.models import Client
from ipsrt.rhythm.sleep_timing import NIGHT_COLUMNS, sleep_timing
from ipsrt.srm.estimated import estimate_anchors
from ipsrt.store import Store
from ipsrt.timeutil import local_midnight

__all__ = [
    "ESTIMATED_COLUMNS",
    "client_minutes",
    "counted_devices",
    "estimated_entries",
    "last_data",
    "main_sleeps",
]

ESTIMATED_COLUMNS = ("client", "date", "activity", "minutes", "status", "source")
_DAY = dt.timedelta(days=1)


def counted_devices(store: Store, client_code: str) -> tuple[list[int], frozenset[int]]:
    """The client's device ids whose minutes count, and those that do not (emulated ones
    in a clinic database)."""
    devices = store.devices(client_code)
    demo = store.purpose == "demo"
    excluded = frozenset(int(d.id) for d in devices if d.emulated and not demo and d.id)
    counted = [int(d.id) for d in devices if d.id is not None and d.id not in excluded]
    return counted, excluded


def client_minutes(
    store: Store, client_code: str, start: dt.datetime, end: dt.datetime
) -> pd.DataFrame:
    """The minutes that count for ``start <= t < end`` on the client's local 1-minute grid.

    Columns :data:`ipsrt.minutes.MINUTE_COLUMNS`; see :mod:`ipsrt.minutes` for the rule.
    """
    client = store.client(client_code)
    _counted, excluded = counted_devices(store, client_code)
    samples = store.minute_frame(client_code, start, end)
    selected = select_minutes(samples, excluded_devices=excluded)
    return local_minute_grid(selected, start, end, client.timezone)


def _nights(
    store: Store, client: Client, start: dt.date, end: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nights (and the minutes) around dates *start*..*end*, two days of context either side."""
    tz = client.timezone
    minutes = client_minutes(
        store, client.code, local_midnight(start - 2 * _DAY, tz), local_midnight(end + 3 * _DAY, tz)
    )
    if minutes["counts"].isna().all() and minutes["state"].isna().all():
        return pd.DataFrame(columns=list(NIGHT_COLUMNS)), minutes
    return sleep_timing(sleep_states(minutes), tz), minutes


def main_sleeps(store: Store, client_code: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Main sleep per night for nights ``start - 1 .. end`` (columns ``NIGHT_COLUMNS``).

    Sleep is the device's label where present, else Cole-Kripke scoring
    (:func:`ipsrt.minutes.sleep_states`). Empty when no minute counts.
    """
    client = store.client(client_code)
    nights, _minutes = _nights(store, client, start, end)
    if nights.empty:
        return nights
    keep = (nights["night"] >= start - _DAY) & (nights["night"] <= end)
    return nights.loc[keep].reset_index(drop=True)


def estimated_entries(store: Store, client_code: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Estimated SRM anchors for local dates *start*..*end* from the wearable minutes.

    Entries in the :func:`ipsrt.srm.score_weeks` format with ``source =
    "estimated"`` (:func:`ipsrt.srm.estimated.estimate_anchors`); empty when
    no minute counts. Never merged with the diary.
    """
    client = store.client(client_code)
    nights, minutes = _nights(store, client, start, end)
    if nights.empty:
        return pd.DataFrame(columns=list(ESTIMATED_COLUMNS))
    steps = minutes["steps"].dropna()
    steps.index = steps.index.tz_convert("UTC")
    entries = estimate_anchors(nights, steps, client.timezone)
    keep = (entries["date"] >= start) & (entries["date"] <= end)
    return entries.loc[keep].assign(client=client_code).reset_index(drop=True)


def last_data(store: Store, client_code: str, before: dt.datetime) -> pd.Timestamp | None:
    """The latest stored minute of the client's counted devices before *before*."""
    counted, _excluded = counted_devices(store, client_code)
    return store.last_minute(counted, before)
