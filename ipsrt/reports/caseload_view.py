"""The clinician's caseload page: one row per client, ranked by who needs attention first.

Every figure is read from the daily and weekly summaries
(:mod:`ipsrt.reports.summaries`), the open alerts and the device table, never
from minutes, so the page costs a few queries whatever the history's length
(``docs/dashboard.md``, "Clinician pages"). The caller passes the client codes
the viewer may see (the dashboard authorizes first); nothing here checks.

Columns of :func:`caseload_rows` (:data:`CASELOAD_VIEW_COLUMNS`):

* ``week_start``: first date of the latest complete client week (the week
  before the one holding the client's local date of *now*); ``srm`` and
  ``srm_estimated``: its SRM-5 of the diary and of the estimated anchors;
  ``srm_change`` / ``srm_estimated_change``: minus the week before;
* ``sri_14d``: the Sleep Regularity Index of the last 14 days. SRI is stored
  per client week only, so this is the mean of the SRI of the two latest
  complete weeks (those present);
* ``midpoint_min``: circular mean (:func:`ipsrt.circular.mean_minutes`) of
  the sleep midpoints of the last 7 nights (the nights of the 7 local dates
  before today), ``midpoint_previous_min`` of the 7 nights before those, and
  ``midpoint_shift_min`` the shorter way round from the previous to the last
  (:func:`ipsrt.circular.wrap`, positive: later);
* ``open_alerts``, ``open_urgent``, ``open_warning``, ``highest_severity``;
* ``last_data_utc``: the latest stored minute of a counted device,
  ``data_age_h`` the hours from it to *now* (NaN: never), ``battery``: the
  battery level last reported by the client's most recently seen counted device;
* ``attention_tier`` and ``attention_reasons`` from :func:`attention_tier`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ipsrt import circular
from ipsrt.alerts import DataGapRule
from ipsrt.daily import week_of
from ipsrt.models import Device
from ipsrt.reports.summaries import refresh
from ipsrt.reports.wearable import split_devices
from ipsrt.store import Store
from ipsrt.timeutil import require_utc, zone

__all__ = [
    "CASELOAD_VIEW_COLUMNS",
    "MIDPOINT_SHIFT_MIN",
    "SRM_FALL",
    "STALE_DATA_HOURS",
    "attention_order",
    "attention_tier",
    "caseload_rows",
]

#: A fall of the weekly SRM-5 by at least this much (hits per week) counts as falling.
SRM_FALL = 1.0
#: A shift of the 7-night mean sleep midpoint by at least this many minutes counts.
MIDPOINT_SHIFT_MIN = 60.0
#: Data older than this (hours) is stale: the same threshold as the data-gap alert.
STALE_DATA_HOURS = DataGapRule().hours

CASELOAD_VIEW_COLUMNS = (
    "client",
    "week_start",
    "srm",
    "srm_change",
    "srm_estimated",
    "srm_estimated_change",
    "sri_14d",
    "midpoint_min",
    "midpoint_previous_min",
    "midpoint_shift_min",
    "open_alerts",
    "open_urgent",
    "open_warning",
    "highest_severity",
    "last_data_utc",
    "data_age_h",
    "battery",
    "attention_tier",
    "attention_reasons",
)
_DAY = dt.timedelta(days=1)
_WEEK = dt.timedelta(days=7)
_SEVERITIES = ("urgent", "warning", "info")


def _number(value: Any) -> float:
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return float(number) if pd.notna(number) else np.nan


def attention_tier(row: Mapping[str, Any]) -> tuple[int, tuple[str, ...]]:
    """The attention tier of one caseload row (0 first) and the reasons for it.

    The rule (``docs/dashboard.md``, "Clinician pages"):

    * tier 0: at least one open **urgent** alert;
    * tier 1: otherwise at least one open **warning**;
    * tier 2: otherwise at least one concern: the weekly SRM-5 (diary or
      estimated) fell by :data:`SRM_FALL` or more, the mean sleep midpoint
      moved by :data:`MIDPOINT_SHIFT_MIN` minutes or more either way, or the
      data is stale (no counted minute for :data:`STALE_DATA_HOURS` hours, or
      none ever);
    * tier 3: nothing to flag.

    Reasons name every concern found (``urgent_alert``, ``warning_alert``,
    ``srm_falling``, ``midpoint_shift``, ``stale_data``), whatever the tier.
    """
    reasons: list[str] = []
    if row.get("open_urgent", 0):
        reasons.append("urgent_alert")
    if row.get("open_warning", 0):
        reasons.append("warning_alert")
    changes = (_number(row.get("srm_change")), _number(row.get("srm_estimated_change")))
    if any(c <= -SRM_FALL for c in changes if not np.isnan(c)):
        reasons.append("srm_falling")
    shift = _number(row.get("midpoint_shift_min"))
    if not np.isnan(shift) and abs(shift) >= MIDPOINT_SHIFT_MIN:
        reasons.append("midpoint_shift")
    age = _number(row.get("data_age_h"))
    if np.isnan(age) or age >= STALE_DATA_HOURS:
        reasons.append("stale_data")
    if "urgent_alert" in reasons:
        tier = 0
    elif "warning_alert" in reasons:
        tier = 1
    elif reasons:
        tier = 2
    else:
        tier = 3
    return tier, tuple(reasons)


def attention_order(rows: pd.DataFrame) -> pd.DataFrame:
    """Caseload rows sorted by who needs attention first; the index is reset.

    Sort keys, in order: ``attention_tier`` (ascending), open urgent alerts,
    open warnings and the number of reasons (each descending), then the
    client code, so equal rows keep a stable, alphabetical order. Pure: the
    rows must already carry ``attention_tier`` and ``attention_reasons``
    (:func:`attention_tier`).
    """
    if rows.empty:
        return rows.reset_index(drop=True)
    keys = pd.DataFrame(
        {
            "tier": rows["attention_tier"].astype(int),
            "urgent": -rows["open_urgent"].astype(int),
            "warning": -rows["open_warning"].astype(int),
            "reasons": -rows["attention_reasons"].map(len).astype(int),
            "client": rows["client"].astype(str),
        },
        index=rows.index,
    )
    order = keys.sort_values(list(keys.columns), kind="stable").index
    return rows.loc[order].reset_index(drop=True)


def _mean_of(values: pd.Series) -> float:
    finite = pd.to_numeric(values, errors="coerce").dropna()
    return float(finite.mean()) if len(finite) else np.nan


def _battery(devices: list[Device], counted: list[int]) -> float:
    seen = [d for d in devices if d.id in counted and d.battery is not None]
    if not seen:
        return np.nan
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    latest = max(seen, key=lambda d: (d.last_seen or epoch, d.id or 0))
    return float(latest.battery) if latest.battery is not None else np.nan


def caseload_rows(store: Store, client_codes: Sequence[str], *, now: dt.datetime) -> pd.DataFrame:
    """The caseload page's rows for *client_codes*, most in need of attention first.

    Columns :data:`CASELOAD_VIEW_COLUMNS` (see the module docstring); order
    by :func:`attention_order`. An unknown code raises
    :class:`~ipsrt.errors.NotFoundError`.
    """
    now = require_utc(now)
    refresh(store)
    clients = [store.client(code) for code in dict.fromkeys(client_codes)]
    if not clients:
        return pd.DataFrame(columns=list(CASELOAD_VIEW_COLUMNS))
    ids = [int(c.id) for c in clients if c.id is not None]
    today = {c.id: now.astimezone(zone(c.timezone)).date() for c in clients}
    weeks_of = {c.id: week_of(today[c.id], c.week_start) - _WEEK for c in clients}
    lo = min(min(weeks_of.values()) - _WEEK, min(today.values()) - 14 * _DAY)
    hi = max(today.values())
    days = store.summaries.days(ids, lo, hi, columns=["sleep_midpoint_min"])
    weeks = store.summaries.weeks(ids, lo, hi)
    wanted = {c.code for c in clients}
    open_alerts = [a for a in store.alerts.find(state="open") if a.client in wanted]
    by_severity = Counter((a.client, a.severity) for a in open_alerts)
    demo = store.purpose == "demo"
    devices: dict[int, list[Device]] = {}
    for device in store.devices():
        if device.client_id in today:
            devices.setdefault(device.client_id, []).append(device)
    rows = []
    for client in clients:
        cid = int(client.id or 0)
        mine = devices.get(cid, [])
        counted, _excluded = split_devices(
            [(int(d.id), d.emulated) for d in mine if d.id is not None], demo=demo
        )
        last = store.last_minute(counted, now)
        week = weeks_of[client.id]
        w = weeks[weeks["client_id"] == cid].set_index("week_start")
        this = w.loc[week] if week in w.index else pd.Series(dtype=object)
        before = w.loc[week - _WEEK] if week - _WEEK in w.index else pd.Series(dtype=object)
        d = days[days["client_id"] == cid].set_index("day")["sleep_midpoint_min"]
        d = pd.to_numeric(d, errors="coerce")
        t = today[client.id]
        recent = d[(d.index >= t - 7 * _DAY) & (d.index < t)]
        earlier = d[(d.index >= t - 14 * _DAY) & (d.index < t - 7 * _DAY)]
        midpoint = circular.mean_minutes(recent.to_numpy(dtype=np.float64))
        previous = circular.mean_minutes(earlier.to_numpy(dtype=np.float64))
        counts = {s: by_severity.get((client.code, s), 0) for s in _SEVERITIES}
        row: dict[str, Any] = {
            "client": client.code,
            "week_start": week,
            "srm": _number(this.get("srm")),
            "srm_change": _number(this.get("srm")) - _number(before.get("srm")),
            "srm_estimated": _number(this.get("srm_estimated")),
            "srm_estimated_change": _number(this.get("srm_estimated"))
            - _number(before.get("srm_estimated")),
            "sri_14d": _mean_of(pd.Series([this.get("SRI"), before.get("SRI")])),
            "midpoint_min": midpoint,
            "midpoint_previous_min": previous,
            "midpoint_shift_min": float(circular.wrap(midpoint - previous)),
            "open_alerts": sum(counts.values()),
            "open_urgent": counts["urgent"],
            "open_warning": counts["warning"],
            "highest_severity": next((s for s in _SEVERITIES if counts[s]), None),
            "last_data_utc": last,
            "data_age_h": (now - last.to_pydatetime()).total_seconds() / 3600
            if last is not None
            else np.nan,
            "battery": _battery(mine, counted),
        }
        row["attention_tier"], row["attention_reasons"] = attention_tier(row)
        rows.append(row)
    return attention_order(pd.DataFrame(rows, columns=list(CASELOAD_VIEW_COLUMNS)))
