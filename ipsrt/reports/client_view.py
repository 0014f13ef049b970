"""What the clinician's client page shows, read from the daily summaries and the diary.

* **Actogram** (:func:`actogram_data`): activity, wear and sleep per local
  date in clock-time bins (:func:`ipsrt.reports.timeline.actogram`), in bins of
  :func:`actogram_bin_minutes` so that a year stays small.
* **Anchor raster** (:func:`anchor_raster`): each day's SRM-5 anchor times as
  reported in the diary and as estimated from the wearable
  (:func:`ipsrt.reports.nights.estimated_entries`), each with its week's
  habitual time and whether it was a hit, by the SRM rules of
  :mod:`ipsrt.srm.scoring` (:func:`~ipsrt.srm.scoring.score_activities`,
  :func:`~ipsrt.srm.scoring.mark_hits`, window :data:`~ipsrt.srm.scoring.HIT_WINDOW_MIN`),
  scored per source and never mixed; the targets come from
  :func:`ipsrt.reports.targets.anchor_targets`.
* **Sleep timeline**: :func:`ipsrt.reports.nights.main_sleeps`.
* **Weekly trends** (:func:`weekly_trends`): IS, IV, RA, SRI and SRM-5 per client week.
* **Mood and rhythm** (:func:`mood_linkage`): daily mood with last night's
  sleep and the sleep midpoint's deviation from habit, and their lagged
  Spearman correlations (:func:`ipsrt.linkage.lagged_spearman`).
* **Alerts** (:func:`client_alerts`): open ones, then those acknowledged or resolved recently.
* **Life events** (:func:`timeline_events`): the events every time-based
  figure marks, for this page and for *My rhythm*.

Dates end at the client's *local* today (:func:`client_span`). No
authorization happens here: the dashboard authorizes before it calls.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from ipsrt.errors import InvalidInputError
from ipsrt.ipt.life_events import LifeEvent, events_overlapping
from ipsrt.linkage import lagged_spearman, midpoint_deviation
from ipsrt.reports.diary import srm_entries
from ipsrt.reports.life_events import stored_life_events
from ipsrt.reports.nights import estimated_entries
from ipsrt.reports.summaries import client_days, refresh
from ipsrt.reports.timeline import actogram
from ipsrt.srm.scoring import HIT_WINDOW_MIN, mark_hits, score_activities
from ipsrt.store import Store
from ipsrt.store.alerts_store import StoredAlert
from ipsrt.timeutil import WEEKDAYS, require_utc, zone

__all__ = [
    "ANCHOR_RASTER_COLUMNS",
    "HIT_WINDOW_MIN",
    "MOOD_COLUMNS",
    "RECENT_ALERT_DAYS",
    "TREND_COLUMNS",
    "MoodLinkage",
    "actogram_bin_minutes",
    "actogram_data",
    "anchor_raster",
    "client_alerts",
    "client_span",
    "mood_linkage",
    "timeline_events",
    "weekly_trends",
]

#: Columns of :func:`anchor_raster`.
ANCHOR_RASTER_COLUMNS = (
    "date",
    "activity",
    "minutes",
    "source",
    "week_start",
    "habitual_min",
    "hit",
)
#: Columns of :func:`weekly_trends`.
TREND_COLUMNS = ("week_start", "days_with_data", "IS", "IV", "RA", "SRI", "srm", "srm_estimated")
#: Columns of :attr:`MoodLinkage.daily`.
MOOD_COLUMNS = ("date", "mood", "sleep_duration_min", "midpoint_deviation_min")
#: Acknowledged alerts whose window ended within this many days are still listed.
RECENT_ALERT_DAYS = 28
#: The longest span a page asks for (ten years).
MAX_SPAN_DAYS = 3660
_DAY = dt.timedelta(days=1)


def client_span(
    store: Store, client_code: str, *, now: dt.datetime, days: int
) -> tuple[dt.date, dt.date]:
    """The *days* local dates ending on the client's local today at *now* (UTC).

    The end is the date in the client's own zone, not the UTC date: near
    midnight UTC a client in Auckland is already on the next date and one in
    Honolulu still on the previous one.
    """
    now = require_utc(now)
    if not 1 <= days <= MAX_SPAN_DAYS:
        raise InvalidInputError(f"span of {days} days: use 1..{MAX_SPAN_DAYS}")
    today = now.astimezone(zone(store.client(client_code).timezone)).date()
    return today - (days - 1) * _DAY, today


def actogram_bin_minutes(days: int) -> int:
    """Bin width for an actogram of *days* dates: 10 min up to 92 days, 20 up to 184, else 30.

    Keeps the figure's JSON under about 1.5 MB for a year (48 bins a day
    instead of 144).
    """
    if days <= 92:
        return 10
    if days <= 184:
        return 20
    return 30


def actogram_data(store: Store, client_code: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    """:func:`ipsrt.reports.timeline.actogram` of *start*..*end* in :func:`actogram_bin_minutes`."""
    days = (end - start).days + 1
    return actogram(store, client_code, start, end, bin_minutes=actogram_bin_minutes(days))


def _scored(entries: pd.DataFrame, source: str, week_start: str) -> pd.DataFrame:
    """Done anchors of one source with their week's habitual time and hit flag."""
    if entries.empty:
        return pd.DataFrame(columns=list(ANCHOR_RASTER_COLUMNS))
    hits = mark_hits(entries, items="srm5", week_start=week_start)
    habits = score_activities(entries, items="srm5", week_start=week_start)
    merged = hits.merge(
        habits[["week_start", "activity", "habitual_min"]],
        on=["week_start", "activity"],
        how="left",
    )
    merged["habitual_min"] = merged["habitual_min"].where(merged["qualifies"], np.nan)
    merged["hit"] = merged["hit"] & merged["qualifies"]
    merged["source"] = source
    return merged[list(ANCHOR_RASTER_COLUMNS)]


def anchor_raster(store: Store, client_code: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Reported and estimated SRM-5 anchor times of local dates *start*..*end*.

    One row per done anchor (columns :data:`ANCHOR_RASTER_COLUMNS`):
    ``source`` is ``"reported"`` (diary) or ``"estimated"`` (wearable);
    ``habitual_min`` is the habitual time H of the anchor in its client week
    and source (NaN when the anchor has fewer than three occurrences that
    week), ``hit`` whether the time lies within :data:`HIT_WINDOW_MIN`
    minutes of H (``docs/srm.md``). Whole client weeks are scored so that H
    does not depend on where the span cuts a week.
    """
    client = store.client(client_code)
    week_start = WEEKDAYS[client.week_start]
    first = start - dt.timedelta(days=(start.weekday() - client.week_start) % 7)
    last = end + dt.timedelta(days=(client.week_start - end.weekday() - 1) % 7)
    parts = [
        _scored(srm_entries(store, client_code, first, last, items="srm5"), "reported", week_start),
        _scored(estimated_entries(store, client_code, first, last), "estimated", week_start),
    ]
    frames = [p for p in parts if not p.empty]
    if not frames:
        return pd.DataFrame(columns=list(ANCHOR_RASTER_COLUMNS))
    out = pd.concat(frames, ignore_index=True)
    out = out[(out["date"] >= start) & (out["date"] <= end)]
    out["minutes"] = out["minutes"].astype(float)
    out["habitual_min"] = out["habitual_min"].astype(float)
    out["hit"] = out["hit"].astype(bool)
    return out.sort_values(["date", "source", "activity"], kind="stable").reset_index(drop=True)


def weekly_trends(store: Store, client_code: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """IS, IV, RA, SRI and SRM-5 (diary and estimated) of the client weeks starting in
    *start*..*end*, from the stored week summaries (columns :data:`TREND_COLUMNS`)."""
    client = store.client(client_code)
    assert client.id is not None
    refresh(store)
    weeks = store.summaries.weeks([client.id], start, end)
    return weeks.reindex(columns=list(TREND_COLUMNS)).reset_index(drop=True)


@dataclasses.dataclass(frozen=True)
class MoodLinkage:
    """Daily mood beside two sleep features, and their lagged correlations."""

    #: One row per local date (columns :data:`MOOD_COLUMNS`).
    daily: pd.DataFrame
    #: :func:`ipsrt.linkage.lagged_spearman` of the features with mood (empty without mood).
    correlations: pd.DataFrame
    #: The row of :attr:`correlations` with the largest ``|rho|`` among those
    #: computed, as plain values, or ``None`` when none could be computed.
    best: dict[str, Any] | None


def mood_linkage(
    store: Store, client_code: str, start: dt.date, end: dt.date, *, max_lag: int = 7
) -> MoodLinkage:
    """Mood of local dates *start*..*end* with last night's sleep and midpoint deviation.

    ``sleep_duration_min`` on date D is the main sleep of the night before
    (ending on the morning of D); ``midpoint_deviation_min`` is that night's
    midpoint against the circular mean of the 28 nights before
    (:func:`ipsrt.linkage.midpoint_deviation`). Correlations use lags
    ``-max_lag..max_lag`` (positive: the feature leads the mood) and need at
    least 14 pairs (:func:`ipsrt.linkage.lagged_spearman`).
    """
    days = client_days(store, client_code, start - 29 * _DAY, end).set_index("day")
    dates = [start + i * _DAY for i in range((end - start).days + 1)]
    nights = [d - _DAY for d in dates]
    full = [start - 29 * _DAY + i * _DAY for i in range((end - start).days + 30)]
    midpoints = pd.to_numeric(days["sleep_midpoint_min"], errors="coerce").reindex(full)
    deviation = midpoint_deviation(midpoints.set_axis(pd.to_datetime(full)))
    daily = pd.DataFrame(
        {
            "date": dates,
            "mood": pd.to_numeric(days["mood"], errors="coerce").reindex(dates).to_numpy(),
            "sleep_duration_min": pd.to_numeric(days["sleep_duration_min"], errors="coerce")
            .reindex(nights)
            .to_numpy(),
            "midpoint_deviation_min": deviation.reindex(pd.to_datetime(nights)).to_numpy(),
        },
        columns=list(MOOD_COLUMNS),
    )
    if not daily["mood"].notna().any():
        return MoodLinkage(daily, pd.DataFrame(), None)
    correlations = lagged_spearman(
        daily.assign(client=client_code),
        features=["sleep_duration_min", "midpoint_deviation_min"],
        lags=range(-max_lag, max_lag + 1),
    )
    computed = correlations[correlations["rho"].notna()]
    best = None
    if len(computed):
        row = computed.loc[computed["rho"].abs().idxmax()]
        best = {
            "feature": str(row["feature"]),
            "lag": int(row["lag"]),
            "rho": float(row["rho"]),
            "p_value": float(row["p_value"]),
            "n": int(row["n"]),
        }
    return MoodLinkage(daily, correlations, best)


def client_alerts(
    store: Store, client_code: str, *, now: dt.datetime, recent_days: int = RECENT_ALERT_DAYS
) -> list[StoredAlert]:
    """The client's alerts that need attention (open, not resolved), then those
    acknowledged or resolved whose window ended within *recent_days* days before
    the client's local today; each group most urgent first."""
    _start, today = client_span(store, client_code, now=now, days=1)
    alerts = store.alerts.find(client_code=client_code)
    since = today - recent_days * _DAY
    open_ = [a for a in alerts if a.needs_attention]
    recent = [a for a in alerts if not a.needs_attention and a.window_end >= since]
    return open_ + recent


def timeline_events(
    store: Store, client_code: str, start: dt.date, end: dt.date
) -> list[LifeEvent]:
    """The client's life events sharing a day with *start*..*end*, by start date.

    The figures draw them as markers (:mod:`dashboard.figures.life_event_markers`).
    The pages call this after authorizing ``VIEW_CLIENT`` (which covers the
    same viewers as ``VIEW_LIFE_EVENTS``), so it reads without a viewer.
    """
    return events_overlapping(stored_life_events(store, client_code, start, end), start, end)
