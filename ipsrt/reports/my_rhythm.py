"""What a client's *My rhythm* page shows, read from the daily summaries only.

* **Weekly SRM trend** (:func:`srm_trend`): the SRM-5 of the diary and of
  the anchors estimated from the wearable, per client week
  (``client_week.srm`` / ``srm_estimated``, :mod:`ipsrt.daily`).
* **Anchors against targets** (:func:`anchor_times`): each SRM-5 anchor's
  reported clock times over the last :data:`ANCHOR_DAYS` local days with
  the client's target time for it (:mod:`ipsrt.reports.targets`).
* **Sleep per night** (:func:`sleep_nights`): main sleep onset, offset and
  duration (:func:`ipsrt.reports.nights.main_sleeps`).
* **A short summary in plain words** (:func:`rhythm_summary_text`, pure).
* **Life events** of the weeks shown, which every figure marks
  (:func:`ipsrt.reports.client_view.timeline_events`).

Dates end at the client's local today (:func:`ipsrt.reports.today.client_today`).
No authorization happens here: the dashboard authorizes before it calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ipsrt import circular
from ipsrt.daily import week_of
from ipsrt.errors import InvalidInputError
from ipsrt.ipt.life_events import LifeEvent
from ipsrt.models import Client
from ipsrt.reports.client_view import timeline_events
from ipsrt.reports.nights import SLEEP_DAY_COLUMNS, main_sleep_rows, main_sleeps
from ipsrt.reports.summaries import client_days, refresh
from ipsrt.reports.targets import anchor_targets
from ipsrt.reports.today import client_today
from ipsrt.srm import SRM5
from ipsrt.srm.scoring import HIT_WINDOW_MIN
from ipsrt.store import Store

__all__ = [
    "ANCHOR_COLUMNS",
    "ANCHOR_DAYS",
    "MAX_DAYS",
    "SLEEP_DAYS",
    "SLEEP_NIGHT_COLUMNS",
    "TREND_COLUMNS",
    "TREND_WEEKS",
    "MyRhythm",
    "anchor_times",
    "my_rhythm",
    "rhythm_summary_text",
    "sleep_nights",
    "srm_trend",
]

#: Weeks of the SRM trend, the current one included.
TREND_WEEKS = 12
#: Local days of reported anchor times, today included.
ANCHOR_DAYS = 28
#: Nights of sleep shown, the night before today included.
SLEEP_DAYS = 28
#: Nights the summary's average sleep covers.
SUMMARY_NIGHTS = 7
#: Below this difference two weekly SRM scores count as "about as regular".
SRM_SAME = 0.5

TREND_COLUMNS = ("week_start", "srm", "srm_estimated", "complete")
ANCHOR_COLUMNS = ("date", "activity", "label", "minutes", "target")
SLEEP_NIGHT_COLUMNS = ("night", "onset_min", "offset_min", "duration_min")
#: The longest period of anchor times and nights a page may ask for (a year).
MAX_DAYS = 366
_DAY = dt.timedelta(days=1)


def _check_days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidInputError(f"period of {days!r} days: use 1 to {MAX_DAYS}")
    return days


@dataclass(frozen=True)
class MyRhythm:
    """Everything the *My rhythm* page shows for one client, as of its local ``today``."""

    today: dt.date
    days: int
    weeks: pd.DataFrame
    anchors: pd.DataFrame
    sleep: pd.DataFrame
    targets: dict[str, int]
    summary: str
    #: The client's life events from the first week of :attr:`weeks` (or the
    #: first night, if earlier) to ``today``, by start date.
    events: tuple[LifeEvent, ...] = ()


def _trend_frame(weeks: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """:data:`TREND_COLUMNS` of stored week rows."""
    starts = list(weeks["week_start"])
    return pd.DataFrame(
        {
            "week_start": pd.Series(starts, dtype=object),
            "srm": weeks["srm"].to_numpy(dtype=np.float64),
            "srm_estimated": weeks["srm_estimated"].to_numpy(dtype=np.float64),
            "complete": [w + 6 * _DAY <= today for w in starts],
        },
        columns=list(TREND_COLUMNS),
    )


def _trend_start(client: Client, today: dt.date) -> dt.date:
    """The first day of the :data:`TREND_WEEKS` client weeks ending with the one of *today*."""
    return week_of(today, client.week_start) - (TREND_WEEKS - 1) * 7 * _DAY


def _trend_weeks(store: Store, client: Client, today: dt.date) -> pd.DataFrame:
    """The stored week rows of :func:`srm_trend` (summaries already refreshed)."""
    assert client.id is not None
    first = _trend_start(client, today)
    return _trend_frame(store.summaries.weeks([client.id], first, today), today)


def srm_trend(store: Store, client_code: str, today: dt.date) -> pd.DataFrame:
    """Weekly SRM-5 of the diary and of the estimated anchors (columns :data:`TREND_COLUMNS`).

    The :data:`TREND_WEEKS` client weeks ending with the one holding *today*,
    oldest first, weeks without a summary absent; ``complete`` is false for
    a week whose last day is after *today* (its score covers fewer days).
    """
    client = store.client(client_code)
    refresh(store)
    return _trend_weeks(store, client, today)


#: The ``client_day`` columns of the reported anchor times, in SRM-5 form order.
_REPORTED_COLUMNS = tuple(f"reported_{key}_min" for key in SRM5.keys)


def _anchor_rows(days: pd.DataFrame, targets: Mapping[str, int]) -> pd.DataFrame:
    """:data:`ANCHOR_COLUMNS` of day rows (``day`` and the reported anchor columns):
    one row per date and anchor done, by date then form order."""
    minutes = days[list(_REPORTED_COLUMNS)].to_numpy(dtype=np.float64)
    at, which = np.nonzero(~np.isnan(minutes))  # row-major: by date, then form order
    keys = np.array(SRM5.keys, dtype=object)
    labels = np.array([SRM5.label_of(k) for k in SRM5.keys], dtype=object)
    aims = np.array([float(targets.get(k, np.nan)) for k in SRM5.keys], dtype=np.float64)
    return pd.DataFrame(
        {
            "date": pd.Series(days["day"].to_numpy(dtype=object)[at], dtype=object),
            "activity": pd.Series(keys[which], dtype=str),
            "label": pd.Series(labels[which], dtype=str),
            "minutes": minutes[at, which],
            "target": aims[which],
        },
        columns=list(ANCHOR_COLUMNS),
    )


def anchor_times(
    store: Store,
    client_code: str,
    today: dt.date,
    targets: Mapping[str, int],
    *,
    days: int = ANCHOR_DAYS,
) -> pd.DataFrame:
    """Reported SRM-5 anchor times of the *days* local days ending *today*.

    Columns :data:`ANCHOR_COLUMNS`, one row per date and anchor done (form
    order within a date): ``minutes`` the local clock minute, ``target`` the
    anchor's target minute from *targets* (NaN without one).
    """
    rows = client_days(store, client_code, today - (_check_days(days) - 1) * _DAY, today)
    return _anchor_rows(rows, targets)


def _night_rows(nights: pd.DataFrame) -> pd.DataFrame:
    """:data:`SLEEP_NIGHT_COLUMNS` of :func:`ipsrt.reports.nights.main_sleeps` rows."""
    return pd.DataFrame(
        {
            "night": pd.Series(list(nights["night"]), dtype=object),
            "onset_min": nights["onset_local"].to_numpy(dtype=np.float64),
            "offset_min": nights["offset_local"].to_numpy(dtype=np.float64),
            "duration_min": nights["duration_min"].to_numpy(dtype=np.float64),
        },
        columns=list(SLEEP_NIGHT_COLUMNS),
    )


def sleep_nights(
    store: Store, client_code: str, today: dt.date, *, days: int = SLEEP_DAYS
) -> pd.DataFrame:
    """Main sleep of the *days* nights ending with the night before *today*.

    Columns :data:`SLEEP_NIGHT_COLUMNS`: ``night`` the local date the night
    starts on, ``onset_min`` / ``offset_min`` local clock minutes, ``duration_min``.
    Nights without a main sleep have no row.
    """
    first = today - (_check_days(days) - 1) * _DAY
    return _night_rows(main_sleeps(store, client_code, first, today - _DAY))


def my_rhythm(
    store: Store, client_code: str, now: dt.datetime, *, days: int = ANCHOR_DAYS
) -> MyRhythm:
    """The client's *My rhythm* figures and summary as of *now* (UTC).

    Anchor times and nights cover the *days* local days ending today
    (1..:data:`MAX_DAYS`); the SRM trend always covers :data:`TREND_WEEKS` weeks.
    The same frames as :func:`srm_trend`, :func:`anchor_times` and
    :func:`sleep_nights`, from one read of the day rows the period needs
    (the nights' rows start a day earlier than the anchors').
    """
    client = store.client(client_code)
    assert client.id is not None
    today = client_today(client, now)
    first = today - (_check_days(days) - 1) * _DAY
    targets = anchor_targets(store, client_code)
    refresh(store)
    weeks = _trend_weeks(store, client, today)
    rows = store.summaries.days(
        [client.id], first - _DAY, today, columns=[*_REPORTED_COLUMNS, *SLEEP_DAY_COLUMNS]
    )
    in_period = (rows["day"] >= first).to_numpy(dtype=bool)
    anchors = _anchor_rows(rows[in_period], targets)
    sleep = _night_rows(main_sleep_rows(rows[(rows["day"] < today).to_numpy(dtype=bool)]))
    summary = rhythm_summary_text(weeks, anchors, sleep, today=today)
    events = timeline_events(
        store, client_code, min(_trend_start(client, today), first - _DAY), today
    )
    return MyRhythm(today, days, weeks, anchors, sleep, dict(targets), summary, tuple(events))


# -- the summary in plain words (pure) ----------------------------------------------------


def _hours(minutes: float) -> str:
    whole = round(minutes)
    return f"{whole // 60} h {whole % 60:02d} min"


def _regularity_sentence(weeks: pd.DataFrame) -> str:
    full = weeks[weeks["complete"].astype(bool)]
    for column, source in (("srm", ""), ("srm_estimated", " (estimated from your wearable)")):
        scored = full[full[column].notna()]
        if scored.empty:
            continue
        last = float(scored[column].iloc[-1])
        start = scored["week_start"].iloc[-1]
        if len(scored) < 2 or scored["week_start"].iloc[-2] != start - 7 * _DAY:
            return (
                f"Your routine in the week from {start:%d %b} scored {last:.1f} of 7 "
                f"for regularity{source}."
            )
        before = float(scored[column].iloc[-2])
        if abs(last - before) < SRM_SAME:
            how = "about as regular as"
        elif last > before:
            how = "more regular than"
        else:
            how = "less regular than"
        return (
            f"Your routine in the week from {start:%d %b} was {how} the week before "
            f"({last:.1f} against {before:.1f} of 7{source})."
        )
    return "There is not yet a full week of entries to score how regular your routine is."


def _anchor_sentence(anchors: pd.DataFrame) -> str | None:
    spreads = {
        label: circular.sd_minutes(group["minutes"].to_numpy(dtype=np.float64))
        for label, group in anchors.groupby("label", sort=False)
        if group["minutes"].notna().sum() >= 3
    }
    spreads = {k: v for k, v in spreads.items() if np.isfinite(v)}
    if not spreads:
        return None
    label = max(spreads, key=lambda k: spreads[k])
    return (
        f"'{label}' moved the most: it was usually within about "
        f"{round(spreads[label])} minutes of its average time."
    )


def _target_sentence(anchors: pd.DataFrame) -> str | None:
    aimed = anchors[anchors["target"].notna() & anchors["minutes"].notna()]
    if aimed.empty:
        return None
    off = circular.distance(
        aimed["minutes"].to_numpy(dtype=np.float64), aimed["target"].to_numpy(dtype=np.float64)
    )
    within = int(np.sum(off <= HIT_WINDOW_MIN))
    return (
        f"{within} of {len(aimed)} times with a target were within {HIT_WINDOW_MIN} minutes of it."
    )


def _sleep_sentence(sleep: pd.DataFrame, today: dt.date) -> str:
    first = today - SUMMARY_NIGHTS * _DAY
    recent = np.array([first <= n < today for n in sleep["night"]], dtype=bool)
    durations = sleep["duration_min"].to_numpy(dtype=np.float64)[recent]
    durations = durations[~np.isnan(durations)]
    if durations.size == 0:
        return f"No night's sleep was recorded in the last {SUMMARY_NIGHTS} nights."
    nights = "night" if durations.size == 1 else "nights"
    return (
        f"You slept {_hours(float(durations.mean()))} a night on average "
        f"({durations.size} {nights} recorded in the last {SUMMARY_NIGHTS})."
    )


def rhythm_summary_text(
    weeks: pd.DataFrame, anchors: pd.DataFrame, sleep: pd.DataFrame, *, today: dt.date
) -> str:
    r"""A short summary in plain words (three or four sentences) of a client's rhythm.

    Parameters
    ----------
    weeks
        The SRM trend (:data:`TREND_COLUMNS`).
    anchors
        Reported anchor times (:data:`ANCHOR_COLUMNS`).
    sleep
        Main sleep per night (:data:`SLEEP_NIGHT_COLUMNS`).
    today
        The client's local date.

    Notes
    -----
    1. **Regularity**: the two latest complete weeks' diary SRM-5
       (0..7; the estimated SRM when no diary week is scored) compared; a
       difference below :data:`SRM_SAME` is "about as regular".
    2. **The anchor that moved most**: the anchor with the largest circular
       standard deviation of its reported times (:func:`ipsrt.circular.sd_minutes`,
       at least 3 times); left out when no anchor has 3.
    3. **Targets**: how many reported times with a target lie within
       :data:`ipsrt.srm.scoring.HIT_WINDOW_MIN` minutes of it (circular
       distance); left out without targets.
    4. **Sleep**: the mean main-sleep duration of the nights of the
       :data:`SUMMARY_NIGHTS` dates before *today*.
    """
    sentences = [
        _regularity_sentence(weeks),
        _anchor_sentence(anchors),
        _target_sentence(anchors),
        _sleep_sentence(sleep, today),
    ]
    return " ".join(s for s in sentences if s)
