"""What a client's stored wearable minutes say about their nights and anchors.

Reads the minute samples of a client and turns them, with the pure functions
of :mod:`ipsrt.rhythm` and :mod:`ipsrt.srm.estimated`, into

* the main sleep of each night (:func:`main_sleeps`), and
* estimated SRM anchors (:func:`estimated_entries`): out of bed (offset of the
  main sleep of the night before), bed (onset of the night's main sleep) and
  start of activity (first 10 minutes with at least 100 steps after waking).

Estimated anchors are always labelled ``source = "estimated"`` and are scored
apart from the diary, never merged with it (``reference/metrics.md`` §6).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ipsrt.enums import Quality
from ipsrt.models import Client
from ipsrt.rhythm.sleep_scoring import sleep_wake
from ipsrt.rhythm.sleep_timing import NIGHT_COLUMNS, sleep_timing
from ipsrt.srm.estimated import estimate_anchors
from ipsrt.store.store import Store
from ipsrt.timeutil import local_midnight

__all__ = ["estimated_entries", "main_sleeps", "usable_minutes"]

_TIME_FLAGS = int(Quality.TIME_BEFORE_MINIMUM | Quality.TIME_IN_FUTURE)
_DAY = dt.timedelta(days=1)


def usable_minutes(minutes: pd.DataFrame) -> pd.DataFrame:
    """One row per minute without time flags; on overlap a labelled row, then the lower device."""
    usable = minutes[(minutes["quality"].to_numpy() & _TIME_FLAGS) == 0]
    if usable.index.has_duplicates:
        unlabelled = (usable["state"] == "unknown").to_numpy()
        order = np.lexsort((usable["device_id"].to_numpy(), unlabelled, usable.index.asi8))
        usable = usable.iloc[order]
        usable = usable[~usable.index.duplicated(keep="first")]
    return usable


def _minutes_around(store: Store, client: Client, start: dt.date, end: dt.date) -> pd.DataFrame:
    tz = client.timezone
    frame = store.minute_frame(
        client.code, local_midnight(start - 2 * _DAY, tz), local_midnight(end + 3 * _DAY, tz)
    )
    return usable_minutes(frame) if not frame.empty else frame


def _nights_of(usable: pd.DataFrame, tz: str) -> pd.DataFrame:
    counts = usable["activity"].astype("float64")
    counts = counts.fillna(usable["steps"].astype("float64"))
    heart = usable["heart_rate"].astype("float64")
    heart[(usable["quality"].to_numpy() & int(Quality.HEART_RATE_IMPLAUSIBLE)) != 0] = np.nan
    sleep = sleep_wake(
        counts, device_state=usable["state"].astype(object), heart_rate=heart, score_unknown=True
    )
    return sleep_timing(sleep, tz)


def main_sleeps(store: Store, client: Client, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Main sleep per night for nights ``start - 1 .. end`` (columns ``NIGHT_COLUMNS``).

    Minutes come from every device of the client (see :func:`usable_minutes`);
    sleep is the device's labels where present, else Cole-Kripke scoring.
    Empty when there are no usable minutes.
    """
    usable = _minutes_around(store, client, start, end)
    if usable.empty:
        return pd.DataFrame(columns=list(NIGHT_COLUMNS))
    nights = _nights_of(usable, client.timezone)
    keep = (nights["night"] >= start - _DAY) & (nights["night"] <= end)
    return nights.loc[keep].reset_index(drop=True)


def estimated_entries(store: Store, client_code: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Estimated SRM anchors for local dates *start*..*end* from the wearable minutes.

    Returns entries in the :func:`ipsrt.srm.score_weeks` format with
    ``source = "estimated"``; empty when the client has no usable minutes.
    """
    client = store.client(client_code)
    usable = _minutes_around(store, client, start, end)
    if usable.empty:
        return pd.DataFrame(columns=["client", "date", "activity", "minutes", "status", "source"])
    nights = _nights_of(usable, client.timezone)
    steps = usable["steps"].astype("float64")
    entries = estimate_anchors(nights, steps, client.timezone)
    keep = (entries["date"] >= start) & (entries["date"] <= end)
    return entries.loc[keep].assign(client=client_code).reset_index(drop=True)
