"""SRM scores of a client's stored diary, and of the anchors estimated from the wearable."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ipsrt.reports.diary import srm_entries
from ipsrt.reports.nights import estimated_entries
from ipsrt.srm import score_weeks
from ipsrt.srm.estimated import anchor_agreement
from ipsrt.store import Store
from ipsrt.timeutil import WEEKDAYS

__all__ = ["client_weeks", "estimated_weeks"]


def _week_start(store: Store, client_code: str, week_start: str | None) -> str:
    return week_start or WEEKDAYS[store.client(client_code).week_start]


def client_weeks(
    store: Store,
    client_code: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    items: str = "srm5",
    week_start: str | None = None,
) -> pd.DataFrame:
    """Weekly SRM scores of the client's stored entries (default: the client's week start)."""
    ws = _week_start(store, client_code, week_start)
    entries = srm_entries(store, client_code, start, end, items=items)
    return score_weeks(entries, items=items, week_start=ws)


def estimated_weeks(
    store: Store,
    client_code: str,
    start: dt.date,
    end: dt.date,
    *,
    week_start: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weekly SRM-5 of the estimated anchors, and their agreement with the diary.

    Estimated anchors are scored apart from the diary and never merged with it.
    """
    ws = _week_start(store, client_code, week_start)
    estimated = estimated_entries(store, client_code, start, end)
    diary = srm_entries(store, client_code, start, end, items="srm5")
    weeks = score_weeks(estimated, items="srm5", week_start=ws).assign(client=client_code)
    return weeks, anchor_agreement(diary, estimated)
