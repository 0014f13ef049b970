"""The six sleepers of the synthetic cohort: when each one sleeps, night by night (pure).

Every plan gives, for each night date D, the planned sleep onset and offset
as local wall-clock minutes after the local midnight that starts D (so
23:00 is 1380, 07:00 the next morning is 1860 and a day sleeper's 08:15 the
next morning is 1935). Jitter is uniform and bounded, so the design's
margins to the alert thresholds hold for every seed (``docs/demo.md``, "The
synthetic cohort", says which margins and why).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "DESTABILISING_DRIFT",
    "EVENT_DAYS_BEFORE_END",
    "Habits",
    "NightPlan",
    "Profile",
    "habits_of",
    "night_plan",
]

I64 = npt.NDArray[np.int64]
_DAY = 1440


class Profile(enum.StrEnum):
    """What a synthetic client's data is designed to show."""

    REGULAR = "regular_sleeper"
    SHIFT_WORKER = "night_shift_worker"
    SOCIAL_JET_LAG = "social_jet_lag"
    DESTABILISING = "destabilising"
    HALF_DIARY = "half_diary"
    NON_WEAR = "non_wear_gaps"


@dataclass(frozen=True)
class Habits:
    """A profile's usual timing: sleep (wall minutes after the night date's midnight) and
    the SRM-5 day anchors (local clock minutes), with the bound of their daily jitter."""

    onset: int
    offset: int
    start_activity: int
    dinner: int
    jitter: int
    #: Minutes between waking and the first contact with another person.
    contact_after_wake: int = 25


_HABITS = {
    Profile.REGULAR: Habits(
        onset=23 * 60, offset=31 * 60, start_activity=9 * 60, dinner=19 * 60, jitter=15
    ),
    # Permanent nights 22:00-06:30, asleep 08:15-15:45 on work days and days off alike.
    Profile.SHIFT_WORKER: Habits(
        onset=32 * 60 + 15,
        offset=39 * 60 + 45,
        start_activity=21 * 60 + 45,
        dinner=19 * 60 + 30,
        jitter=15,
    ),
    Profile.SOCIAL_JET_LAG: Habits(
        onset=23 * 60 + 15,
        offset=31 * 60,
        start_activity=8 * 60 + 30,
        dinner=19 * 60 + 30,
        jitter=5,
    ),
    Profile.DESTABILISING: Habits(
        onset=23 * 60, offset=31 * 60, start_activity=9 * 60, dinner=19 * 60, jitter=15
    ),
    Profile.HALF_DIARY: Habits(
        onset=22 * 60 + 45,
        offset=30 * 60 + 45,
        start_activity=8 * 60 + 30,
        dinner=18 * 60 + 30,
        jitter=15,
    ),
    Profile.NON_WEAR: Habits(
        onset=23 * 60 + 30,
        offset=31 * 60 + 30,
        start_activity=9 * 60 + 30,
        dinner=19 * 60 + 30,
        jitter=15,
    ),
}

#: The destabilising client's life event is this many days before the last day.
EVENT_DAYS_BEFORE_END = 16
#: Nights 0..9 from the event: (minutes later to sleep, minutes earlier awake).
DESTABILISING_DRIFT = (
    (60, 30),
    (120, 60),
    (150, 60),
    (180, 90),
    (180, 90),
    (210, 90),
    (210, 90),
    (180, 60),
    (180, 60),
    (150, 60),
)
#: From the eleventh night on: asleep at 00:30, awake at 06:00 (5.5 h).
_SETTLED_SHORT = (90, 60)
#: Social jet lag: nights before Saturday and Sunday (Friday and Saturday nights).
_LATE_NIGHTS = (4, 5)
_WEEKEND_SHIFT = 120


def habits_of(profile: Profile) -> Habits:
    """The usual timing of *profile*."""
    return _HABITS[profile]


@dataclass(frozen=True)
class NightPlan:
    """Planned nights: ``night`` dates and wall-clock ``onset``/``offset`` minutes after
    the local midnight of each night's date; ``morning_shift`` is the planned delay
    of the next morning's start of activity (social jet lag's weekend mornings)."""

    night: npt.NDArray[np.datetime64]
    onset: I64
    offset: I64
    morning_shift: I64


def _jitter(rng: np.random.Generator, bound: int, n: int) -> I64:
    return rng.integers(-bound, bound + 1, size=n).astype(np.int64)


def night_plan(
    profile: Profile, rng: np.random.Generator, first_night: dt.date, last_day: dt.date
) -> NightPlan:
    """Nights *first_night* .. *last_day* of *profile* (onset, offset and morning shift)."""
    nights = np.arange(
        np.datetime64(first_night, "D"), np.datetime64(last_day, "D") + 1, dtype="datetime64[D]"
    )
    n = len(nights)
    h = _HABITS[profile]
    onset = h.onset + _jitter(rng, h.jitter, n)
    offset = h.offset + _jitter(rng, h.jitter, n)
    shift = np.zeros(n, dtype=np.int64)
    if profile is Profile.SOCIAL_JET_LAG:
        weekday = (nights.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        late = np.isin(weekday, _LATE_NIGHTS)
        onset = onset + np.where(late, _WEEKEND_SHIFT, 0)
        offset = offset + np.where(late, _WEEKEND_SHIFT, 0)
        shift = np.where(late, _WEEKEND_SHIFT, 0).astype(np.int64)
    elif profile is Profile.DESTABILISING:
        event = np.datetime64(last_day - dt.timedelta(days=EVENT_DAYS_BEFORE_END), "D")
        k = (nights - event).astype(np.int64)
        later = np.full(n, _SETTLED_SHORT[0], dtype=np.int64)
        earlier = np.full(n, _SETTLED_SHORT[1], dtype=np.int64)
        drift = np.array(DESTABILISING_DRIFT, dtype=np.int64)
        inside = (k >= 0) & (k < len(drift))
        later[inside], earlier[inside] = drift[k[inside], 0], drift[k[inside], 1]
        before = k < 0
        later[before], earlier[before] = 0, 0
        # Jitter of the disrupted nights is halved: the drift is the design.
        calm = np.where(before, 1, 2)
        onset = h.onset + later + (onset - h.onset) // calm
        offset = h.offset - earlier + (offset - h.offset) // calm
    return NightPlan(nights, onset.astype(np.int64), offset.astype(np.int64), shift)
