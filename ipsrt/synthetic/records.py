"""What a synthetic client writes down: SRM-5 diary, daily moods, weekly PHQ-9 and ASRM (pure).

The diary's anchors follow the client's planned nights: out of bed 5-10
minutes after the planned wake-up, to bed 10-15 minutes before the planned
sleep onset (written on the date of the evening it belongs to, as the diary
format says: ``docs/srm.md``), first contact about 25 minutes after getting
up, start of activity and dinner at the profile's habit with bounded jitter.
Moods are -5..+5 with energy, irritability and anxiety 0..10; PHQ-9 and
ASRM answers are drawn to agree with the week's moods (item 9 of the PHQ-9
is always 0). Everything is drawn from the client's generator in a fixed
order, so the same seed gives the same records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ipsrt.srm.diary import Diary
from ipsrt.synthetic.profiles import EVENT_DAYS_BEFORE_END, Habits, NightPlan, Profile
from ipsrt.timeutil import minute_of_day

__all__ = ["ClientRecords", "client_records", "diary_days", "event_day"]

I64 = npt.NDArray[np.int64]
_DAY = 1440
_RATINGS = ("energy", "irritability", "anxiety")


def event_day(last_day: dt.date) -> dt.date:
    """The destabilising client's life event (:data:`EVENT_DAYS_BEFORE_END` days before the end)."""
    return last_day - dt.timedelta(days=EVENT_DAYS_BEFORE_END)


@dataclass(frozen=True)
class ClientRecords:
    """A client's diary (moods included), mood ratings by date, and scale responses
    (``answered_on``, ``instrument`` ``phq9``/``asrm``, ``answers`` tuples)."""

    diary: Diary
    ratings: dict[dt.date, dict[str, int]]
    scales: pd.DataFrame


def diary_days(
    profile: Profile, rng: np.random.Generator, days: list[dt.date]
) -> npt.NDArray[np.bool_]:
    """Which *days* have a diary: from the first Monday on, all, or for the half-diary
    client 4 days of one Monday-week and 3 of the next, alternately (a 3-day week
    cannot be scored, a 4-day week scores at most 4, so the weekly SRM never jumps
    between weeks).

    The diary starts with the first whole Monday-week: a part week before it
    would be scored on its few days alone (a weekend-heavy part week of the
    social-jet-lag client scores low for no reason a clinician would see).
    """
    started = np.array([d >= _first_monday(days) for d in days], dtype=bool)
    keep = started.copy()
    if profile is not Profile.HALF_DIARY:
        return keep
    keep[:] = False
    week = np.array([(d - dt.timedelta(days=d.weekday())).toordinal() // 7 for d in days])
    for w in np.unique(week[started]):
        members = np.flatnonzero((week == w) & started)
        want = min(len(members), 4 if w % 2 == 0 else 3)
        keep[np.sort(rng.permutation(members)[:want])] = True
    return keep


def _moods(
    profile: Profile, rng: np.random.Generator, days: list[dt.date], last_day: dt.date
) -> tuple[I64, dict[str, I64]]:
    n = len(days)
    noise = rng.integers(-1, 2, size=n)
    base = {Profile.HALF_DIARY: -1, Profile.SOCIAL_JET_LAG: 0}.get(profile, 1)
    mood = np.clip(base + noise, -2, 2).astype(np.int64)
    ratings = {name: rng.integers(-1, 2, size=n) for name in _RATINGS}
    energy = 5 + ratings["energy"]
    irritability = 2 + ratings["irritability"]
    anxiety = 3 + ratings["anxiety"]
    if profile is Profile.DESTABILISING:
        k = np.array([(d - event_day(last_day)).days for d in days], dtype=np.int64)
        disrupted, rising = (k >= 0) & (k < 10), k >= 10
        mood = np.where(disrupted, np.clip(mood, 0, 1), mood)
        mood = np.where(rising, np.minimum(4, 2 + (k - 9) // 2), mood)
        energy = energy + np.where(rising, 3, 0)
        irritability = irritability + np.where(disrupted, 3, np.where(rising, 2, 0))
        anxiety = anxiety + np.where(disrupted, 2, 0)
    return mood, {"energy": energy, "irritability": irritability, "anxiety": anxiety}


def _scales(
    profile: Profile,
    rng: np.random.Generator,
    days: list[dt.date],
    mood: I64,
    last_day: dt.date,
) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    for end in range(6, len(days), 7):
        week_mood = float(np.mean(mood[end - 6 : end + 1]))
        low = 0.45 if week_mood < 0 else 0.2
        phq = (rng.random(9) < low).astype(int)
        phq[8] = 0  # thoughts of death or self-harm: never, in this cohort
        asrm = (rng.random(5) < 0.15).astype(int)
        if profile is Profile.DESTABILISING:
            k = (days[end] - event_day(last_day)).days
            if k >= 0:
                phq[2] = 2  # trouble sleeping
            if k >= 10:
                asrm = np.array([2, 3, 2, 2, 1]) + (rng.random(5) < 0.5).astype(int)
        answered = days[end]
        rows.append({"answered_on": answered, "instrument": "phq9", "answers": tuple(phq.tolist())})
        rows.append(
            {"answered_on": answered, "instrument": "asrm", "answers": tuple(asrm.tolist())}
        )
    return pd.DataFrame(rows, columns=["answered_on", "instrument", "answers"])


def _clock(utc_minutes: I64, zone: str) -> I64:
    instants = pd.to_datetime(utc_minutes * 60, unit="s", utc=True)
    return minute_of_day(instants, zone).astype(np.int64)


def _bounded(rng: np.random.Generator, bound: int, n: int) -> I64:
    return rng.integers(-bound, bound + 1, size=n).astype(np.int64)


def _first_monday(days: list[dt.date]) -> dt.date:
    """The first Monday among *days* (the first day when none is)."""
    return next((d for d in days if d.weekday() == 0), days[0])


def client_records(
    profile: Profile,
    habits: Habits,
    rng: np.random.Generator,
    *,
    plan: NightPlan,
    onset_utc: I64,
    offset_utc: I64,
    zone: str,
    first_day: dt.date,
    last_day: dt.date,
) -> ClientRecords:
    """The diary, moods and scales of days *first_day* .. *last_day* (plan starts the night before).

    ``onset_utc``/``offset_utc`` are the plan's sleeps as UTC minutes since the epoch.
    """
    days = [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    n = len(days)
    # Night i of the plan is the night before day i (the plan starts a night early).
    out_of_bed = _clock(offset_utc[:n] + rng.integers(5, 11, size=n), zone)
    bed = _clock(onset_utc[1 : n + 1] - rng.integers(10, 16, size=n), zone)
    contact = (out_of_bed + habits.contact_after_wake + _bounded(rng, 3, n)) % _DAY
    start = (
        habits.start_activity + plan.morning_shift[:n] + _bounded(rng, habits.jitter, n)
    ) % _DAY
    dinner = (habits.dinner + _bounded(rng, habits.jitter, n)) % _DAY
    keep = diary_days(profile, rng, days)
    mood, ratings = _moods(profile, rng, days, last_day)
    scales = _scales(profile, rng, days, mood, last_day)
    kept = np.flatnonzero(keep)
    anchors = {
        "out_of_bed": out_of_bed,
        "first_contact": contact,
        "start_activity": start,
        "dinner": dinner,
        "bed": bed,
    }
    entries = pd.DataFrame(
        {
            "date": np.repeat(np.array(days, dtype=object)[kept], len(anchors)),
            "activity": np.tile(list(anchors), len(kept)),
            "minutes": np.stack([a[kept] for a in anchors.values()], axis=1)
            .reshape(-1)
            .astype(np.float64),
            "status": "done",
            "people": np.tile([0.0, 1.0, 2.0, 1.0, 0.0], len(kept)),
        }
    )
    moods = pd.DataFrame(
        {"date": np.array(days, dtype=object)[kept], "mood": mood[kept].astype(np.int64)}
    )
    by_day = {
        days[i]: {name: int(np.clip(ratings[name][i], 0, 10)) for name in _RATINGS} for i in kept
    }
    return ClientRecords(
        diary=Diary(entries=entries, mood=moods, replaced=(), item_set="srm5"),
        ratings=by_day,
        scales=scales,
    )
