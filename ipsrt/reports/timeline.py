"""A client's time line for screens, read from the daily summaries (never a year of minutes).

:func:`actogram` returns the activity, wear and sleep of local dates in bins
of local clock time, aggregated from the ten-minute bins each day's summary
keeps (:data:`ipsrt.daily.SCREEN_BIN_MINUTES`; ``docs/architecture.md``,
"Screen reads"), so a year costs one query of 365 rows.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np

from ipsrt.daily import SCREEN_BIN_MINUTES
from ipsrt.errors import InvalidInputError
from ipsrt.plain import json_ready
from ipsrt.reports.summaries import refresh
from ipsrt.rhythm.clock_bins import ClockBins
from ipsrt.store import Store

__all__ = ["actogram"]

_PER_DAY = 1440 // SCREEN_BIN_MINUTES


def _matrix(rows: list[str], days: int, positions: list[int]) -> np.ndarray:
    out = np.zeros((days, _PER_DAY))
    for i, text in zip(positions, rows, strict=True):
        out[i] = np.array(json.loads(text), dtype=np.float64)
    return out


def actogram(
    store: Store, client_code: str, start: dt.date, end: dt.date, *, bin_minutes: int = 10
) -> dict[str, Any]:
    """Activity, wear and sleep of local dates *start*..*end* as a compact JSON-ready dict.

    Keys: ``client``, ``start``, ``end`` (ISO dates), ``bin_minutes``,
    ``days`` (ISO dates, one per row) and three days × bins matrices as lists
    of lists: ``activity`` (mean count of the worn minutes rounded to 0.1,
    null where none), ``worn`` and ``sleep`` (whole minutes). *bin_minutes*
    is a multiple of ten that divides a day; dates without records have no
    worn minute.
    """
    if end < start:
        raise InvalidInputError(f"end date {end} is before start date {start}")
    if bin_minutes % SCREEN_BIN_MINUTES or 1440 % bin_minutes:
        raise InvalidInputError(
            f"bin of {bin_minutes} minutes: use a multiple of {SCREEN_BIN_MINUTES} "
            "that divides a day"
        )
    client = store.client(client_code)
    assert client.id is not None
    refresh(store)
    rows = store.summaries.day_bins(client.id, start, end)
    days = (end - start).days + 1
    positions = [(d - start).days for d in rows["day"]]
    group = bin_minutes // SCREEN_BIN_MINUTES
    shape = (days, 1440 // bin_minutes, group)
    bins = ClockBins(
        activity_sum=_matrix(list(rows["bin_activity_sum"]), days, positions)
        .reshape(shape)
        .sum(axis=2),
        worn=_matrix(list(rows["bin_worn"]), days, positions)
        .reshape(shape)
        .sum(axis=2)
        .astype(np.int64),
        sleep=_matrix(list(rows["bin_sleep"]), days, positions)
        .reshape(shape)
        .sum(axis=2)
        .astype(np.int64),
    )
    return {
        "client": client_code,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "bin_minutes": bin_minutes,
        "days": [(start + dt.timedelta(days=i)).isoformat() for i in range(days)],
        "activity": json_ready(np.round(bins.mean_activity, 1)),
        "worn": json_ready(bins.worn),
        "sleep": json_ready(bins.sleep),
    }
