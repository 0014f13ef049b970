"""Nights and estimated SRM anchors of a client, read from the daily summaries.

Both come from :func:`ipsrt.daily.summarise_week` (main sleep by
:func:`ipsrt.rhythm.sleep_timing.sleep_timing`, anchors by
:func:`ipsrt.srm.estimated.estimate_anchors`) on the minutes that count, so
the alerts, ``ipsrt srm score --estimated`` and the screens all see the same
nights.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ipsrt.daily import DAY_COLUMNS
from ipsrt.reports.summaries import client_days
from ipsrt.srm.estimated import ESTIMATED
from ipsrt.store import Store

__all__ = [
    "ESTIMATED_COLUMNS",
    "SLEEP_COLUMNS",
    "SLEEP_DAY_COLUMNS",
    "estimated_entries",
    "main_sleep_rows",
    "main_sleeps",
]

ESTIMATED_COLUMNS = ("client", "date", "activity", "minutes", "status", "source")
_DAY = dt.timedelta(days=1)


#: Columns of :func:`main_sleeps`.
SLEEP_COLUMNS = (
    "night",
    "onset_utc",
    "offset_utc",
    "onset_local",
    "offset_local",
    "midpoint_local",
    "duration_min",
    "sleep_min",
    "source",
)
#: The ``client_day`` columns :func:`main_sleep_rows` reads (besides ``day``).
SLEEP_DAY_COLUMNS = tuple(c for c in DAY_COLUMNS if c.startswith("sleep_"))
_ANCHOR_COLUMNS = {
    "out_of_bed": "estimated_out_of_bed_min",
    "start_activity": "estimated_start_activity_min",
    "bed": "estimated_bed_min",
}


def main_sleeps(store: Store, client_code: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Main sleep per night for nights ``start - 1 .. end`` (columns :data:`SLEEP_COLUMNS`).

    Read from the daily summaries (:mod:`ipsrt.daily`): sleep is the device's
    label where present, else Cole-Kripke scoring
    (:func:`ipsrt.minutes.sleep_states`), on the minutes that count. Nights
    without a main sleep have no row.
    """
    return main_sleep_rows(client_days(store, client_code, start - _DAY, end))


def main_sleep_rows(days: pd.DataFrame) -> pd.DataFrame:
    """:func:`main_sleeps` of day rows already read (``day`` and the columns
    :data:`SLEEP_DAY_COLUMNS`, as :meth:`ipsrt.store.summaries.SummaryRecords.days`
    returns them): one row per day with a main sleep, the night starting on that date."""
    days = days[days["sleep_duration_min"].notna()]
    return pd.DataFrame(
        {
            "night": list(days["day"]),
            "onset_utc": days["sleep_onset_utc"].to_numpy(),
            "offset_utc": days["sleep_offset_utc"].to_numpy(),
            "onset_local": days["sleep_onset_min"].to_numpy(dtype=float),
            "offset_local": days["sleep_offset_min"].to_numpy(dtype=float),
            "midpoint_local": days["sleep_midpoint_min"].to_numpy(dtype=float),
            "duration_min": days["sleep_duration_min"].to_numpy(dtype=float),
            "sleep_min": days["sleep_min"].to_numpy(dtype=float),
            "source": days["sleep_source"].to_numpy(),
        },
        columns=list(SLEEP_COLUMNS),
    )


def estimated_entries(store: Store, client_code: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Estimated SRM anchors for local dates *start*..*end* from the wearable minutes.

    Entries in the :func:`ipsrt.srm.score_weeks` format with ``source =
    "estimated"`` (:func:`ipsrt.srm.estimated.estimate_anchors`, kept in the
    daily summaries); empty when no minute counts. Never merged with the diary.
    """
    days = client_days(store, client_code, start, end)
    parts = [
        pd.DataFrame({"date": list(days["day"]), "activity": activity, "minutes": days[column]})
        for activity, column in _ANCHOR_COLUMNS.items()
    ]
    entries = (
        pd.concat(parts, ignore_index=True)
        if len(days)
        else pd.DataFrame(columns=["date", "activity", "minutes"])
    )
    entries = entries[entries["minutes"].notna()]
    order = {a: i for i, a in enumerate(_ANCHOR_COLUMNS)}
    entries = entries.assign(_order=entries["activity"].map(order)).sort_values(
        ["date", "_order"], kind="stable"
    )
    return pd.DataFrame(
        {
            "client": client_code,
            "date": entries["date"].to_numpy(),
            "activity": entries["activity"].to_numpy(),
            "minutes": entries["minutes"].to_numpy(dtype=float),
            "status": "done",
            "source": ESTIMATED,
        },
        columns=list(ESTIMATED_COLUMNS),
    )
