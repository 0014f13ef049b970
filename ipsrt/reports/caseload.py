"""A clinician's caseload: one row per client, read from the daily summaries.

Every figure is read from rows the summary update already wrote
(:mod:`ipsrt.reports.summaries`), never from a year of minutes, so the
table costs a few queries whatever the history's length
(``docs/architecture.md``, "Daily summaries"). Which clients a person may see
is decided by the caller.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ipsrt import circular
from ipsrt.daily import week_of
from ipsrt.reports.summaries import refresh
from ipsrt.reports.wearable import split_devices
from ipsrt.store import Store
from ipsrt.timeutil import require_utc, zone

__all__ = ["CASELOAD_COLUMNS", "CASELOAD_WEEKS", "caseload"]

#: Complete client weeks the caseload summarises.
CASELOAD_WEEKS = 4
CASELOAD_COLUMNS = (
    "client",
    "weeks_from",
    "weeks_to",
    "srm_mean",
    "srm_estimated_mean",
    "is_mean",
    "iv_mean",
    "sri_mean",
    "sleep_midpoint_sd_min",
    "sleep_duration_mean_min",
    "wear_fraction",
    "diary_days",
    "mood_last",
    "open_alerts",
    "last_data_utc",
)


def _mean(values: pd.Series) -> float:
    finite = pd.to_numeric(values, errors="coerce").dropna()
    return float(finite.mean()) if len(finite) else np.nan


def caseload(
    store: Store, client_codes: Sequence[str] | None = None, *, now: dt.datetime
) -> pd.DataFrame:
    """Figures of the last :data:`CASELOAD_WEEKS` complete client weeks, one row per client.

    Columns :data:`CASELOAD_COLUMNS`: the weeks covered (first and last
    date), the mean weekly SRM-5 of the diary and of the estimated anchors,
    the mean weekly IS, IV and SRI, the circular SD of the nights' sleep
    midpoints and their mean sleep, the share of minutes worn, the days with
    any diary entry, the latest mood, the open alerts (neither acknowledged nor
    resolved) and the latest minute of
    a counted device. Weeks are the client's own (its week start) and end
    before the week containing the client's local date of *now*.
    """
    now = require_utc(now)
    refresh(store)
    clients = (
        store.clients()
        if client_codes is None
        else [store.client(code) for code in dict.fromkeys(client_codes)]
    )
    ids = [int(c.id) for c in clients if c.id is not None]
    spans = {}
    for client in clients:
        today = now.astimezone(zone(client.timezone)).date()
        last = week_of(today, client.week_start) - dt.timedelta(days=1)
        spans[client.id] = (last - dt.timedelta(days=7 * CASELOAD_WEEKS - 1), last)
    lo = min((s[0] for s in spans.values()), default=now.date())
    hi = max((s[1] for s in spans.values()), default=now.date())
    days = store.summaries.days(ids, lo, hi)
    weeks = store.summaries.weeks(ids, lo, hi)
    open_alerts = Counter(a.client for a in store.alerts.find(state="open"))
    demo = store.purpose == "demo"
    devices: dict[int, list[tuple[int, bool]]] = {}
    for device in store.devices():
        if device.id is not None:
            devices.setdefault(device.client_id, []).append((int(device.id), device.emulated))
    rows = []
    for client in clients:
        first, last = spans[client.id]
        d = days[(days["client_id"] == client.id) & days["day"].between(first, last)]
        w = weeks[(weeks["client_id"] == client.id) & weeks["week_start"].between(first, last)]
        counted, _excluded = split_devices(devices.get(int(client.id or 0), []), demo=demo)
        moods = d["mood"].dropna()
        minutes = d["day_minutes"].sum()
        rows.append(
            {
                "client": client.code,
                "weeks_from": first,
                "weeks_to": last,
                "srm_mean": _mean(w["srm"]),
                "srm_estimated_mean": _mean(w["srm_estimated"]),
                "is_mean": _mean(w["IS"]),
                "iv_mean": _mean(w["IV"]),
                "sri_mean": _mean(w["SRI"]),
                "sleep_midpoint_sd_min": circular.sd_minutes(
                    pd.to_numeric(d["sleep_midpoint_min"]).to_numpy(dtype=np.float64)
                ),
                "sleep_duration_mean_min": _mean(d["sleep_duration_min"]),
                "wear_fraction": float(d["wear_min"].sum() / minutes) if minutes else np.nan,
                "diary_days": int((d["diary_items"] > 0).sum() + 0),
                "mood_last": float(moods.iloc[-1]) if len(moods) else np.nan,
                "open_alerts": open_alerts.get(client.code, 0),
                "last_data_utc": store.last_minute(counted, now),
            }
        )
    return pd.DataFrame(rows, columns=list(CASELOAD_COLUMNS))
