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
* ``open_alerts``, ``open_urgent``, ``open_warning``, ``highest_severity``: of
  the alerts that need attention (open: neither acknowledged nor resolved);
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
import numpy.typing as npt
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
    """*value* as a float; NaN for None, NaT, NaN or anything that is not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


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


def _battery(devices: list[Device], counted: list[int]) -> float:
    seen = [d for d in devices if d.id in counted and d.battery is not None]
    if not seen:
        return np.nan
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    latest = max(seen, key=lambda d: (d.last_seen or epoch, d.id or 0))
    return float(latest.battery) if latest.battery is not None else np.nan


def _midpoints(
    days: pd.DataFrame, today: Mapping[int, dt.date], position: Mapping[int, int]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Circular mean midpoint per client of the last 7 nights, and of the 7 nights before."""
    ages = np.array(
        [(today[int(c)] - d).days for c, d in zip(days["client_id"], days["day"], strict=True)],
        dtype=np.int64,
    )
    rows = np.array([position[int(c)] for c in days["client_id"]], dtype=np.int64)
    values = pd.to_numeric(days["sleep_midpoint_min"], errors="coerce").to_numpy(np.float64)
    keep = (ages >= 1) & (ages <= 14)
    groups = 2 * rows[keep] + (ages[keep] > 7)
    means, _sd, _n = circular.grouped_mean_sd(groups, values[keep], 2 * len(position))
    return means[0::2], means[1::2]


def caseload_rows(store: Store, client_codes: Sequence[str], *, now: dt.datetime) -> pd.DataFrame:
    """The caseload page's rows for *client_codes*, most in need of attention first.

    Columns :data:`CASELOAD_VIEW_COLUMNS` (see the module docstring); order
    by :func:`attention_order`. An unknown code raises
    :class:`~ipsrt.errors.NotFoundError`. A few queries whatever the number
    of clients (the last minute is one index probe per device, in one query).
    """
    now = require_utc(now)
    refresh(store)
    wanted = list(dict.fromkeys(client_codes))
    known = {c.code: c for c in store.clients(include_archived=True)}
    for code in wanted:
        if code not in known:
            store.client(code)  # raises the store's NotFoundError
    clients = [known[code] for code in wanted]
    if not clients:
        return pd.DataFrame(columns=list(CASELOAD_VIEW_COLUMNS))
    ids = [int(c.id or 0) for c in clients]
    position = {cid: i for i, cid in enumerate(ids)}
    pairs = list(zip(clients, ids, strict=True))
    today = {cid: now.astimezone(zone(c.timezone)).date() for c, cid in pairs}
    week = {cid: week_of(today[cid], c.week_start) - _WEEK for c, cid in pairs}
    lo = min(min(week.values()) - _WEEK, min(today.values()) - 14 * _DAY)
    hi = max(today.values())
    days = store.summaries.days(ids, lo, hi, columns=["sleep_midpoint_min"])
    midpoint, previous = _midpoints(days, today, position)
    weeks = store.summaries.weeks(ids, lo, hi)
    by_week = {
        (int(c), w): (_number(srm), _number(est), _number(sri))
        for c, w, srm, est, sri in zip(
            weeks["client_id"],
            weeks["week_start"],
            weeks["srm"],
            weeks["srm_estimated"],
            weeks["SRI"],
            strict=True,
        )
    }
    codes = set(wanted)
    by_severity = Counter(
        (a.client, a.severity) for a in store.alerts.find(state="open") if a.client in codes
    )
    demo = store.purpose == "demo"
    devices: dict[int, list[Device]] = {}
    for device in store.devices():
        if device.client_id in position:
            devices.setdefault(device.client_id, []).append(device)
    counted = {
        cid: split_devices(
            [(int(d.id), d.emulated) for d in devices.get(cid, []) if d.id is not None], demo=demo
        )[0]
        for cid in ids
    }
    latest = store.last_minutes([d for ds in counted.values() for d in ds], now)
    missing = (np.nan, np.nan, np.nan)
    rows = []
    for client, cid in pairs:
        mine = devices.get(cid, [])
        seen = [latest[d] for d in counted[cid] if d in latest]
        last = max(seen) if seen else None
        this = by_week.get((cid, week[cid]), missing)
        before = by_week.get((cid, week[cid] - _WEEK), missing)
        sri = [v for v in (this[2], before[2]) if not np.isnan(v)]
        mid, prev = float(midpoint[position[cid]]), float(previous[position[cid]])
        counts = {s: by_severity.get((client.code, s), 0) for s in _SEVERITIES}
        row: dict[str, Any] = {
            "client": client.code,
            "week_start": week[cid],
            "srm": this[0],
            "srm_change": this[0] - before[0],
            "srm_estimated": this[1],
            "srm_estimated_change": this[1] - before[1],
            "sri_14d": float(np.mean(sri)) if sri else np.nan,
            "midpoint_min": mid,
            "midpoint_previous_min": prev,
            "midpoint_shift_min": float(circular.wrap(mid - prev)),
            "open_alerts": sum(counts.values()),
            "open_urgent": counts["urgent"],
            "open_warning": counts["warning"],
            "highest_severity": next((s for s in _SEVERITIES if counts[s]), None),
            "last_data_utc": last,
            "data_age_h": (now - last.to_pydatetime()).total_seconds() / 3600
            if last is not None
            else np.nan,
            "battery": _battery(mine, counted[cid]),
        }
        row["attention_tier"], row["attention_reasons"] = attention_tier(row)
        rows.append(row)
    return attention_order(pd.DataFrame(rows, columns=list(CASELOAD_VIEW_COLUMNS)))
