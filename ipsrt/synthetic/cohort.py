"""Six synthetic clients over ``weeks`` weeks ending on ``last_day``, deterministic from a seed.

``generate_cohort(seed=..., last_day=...)`` returns a :class:`SyntheticCohort`:
per client the wearable minutes, the planned nights, an SRM-5 diary with
moods, weekly PHQ-9 and ASRM answers, life events, an IPSRT course and the
early-warning alerts the design implies (:mod:`ipsrt.synthetic.expected`).
Every client draws from its own ``numpy.random.Generator`` seeded with
``(seed, client number)`` in a fixed order, so the same seed gives
byte-identical frames. The profiles and the phenomena they model are in
``docs/demo.md``, "The synthetic cohort".

The minutes run from 18:00 local time on the day before the first day (so
the first night is whole) to local midnight after ``last_day``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ipsrt.enums import DeviceState, LifeEventKind, ProblemArea
from ipsrt.errors import InvalidInputError
from ipsrt.ipt.course import DEFAULT_PLANNED_SESSIONS
from ipsrt.ipt.life_events import LifeEvent, make_life_event
from ipsrt.srm.diary import Diary
from ipsrt.synthetic.expected import ExpectedAlert, complete_nights, expected_alerts
from ipsrt.synthetic.minute_signals import minute_signals
from ipsrt.synthetic.profiles import NightPlan, Profile, habits_of, night_plan
from ipsrt.synthetic.records import client_records, event_day
from ipsrt.timeutil import zone as check_zone

__all__ = [
    "COHORT_PROFILES",
    "MINUTE_COLUMNS",
    "ClientSpec",
    "ExpectedAlert",
    "SyntheticClient",
    "SyntheticCohort",
    "SyntheticCourse",
    "cohort_minutes_table",
    "generate_client",
    "generate_cohort",
]

I64 = npt.NDArray[np.int64]
MINUTE_COLUMNS = ("ts", "steps", "heart_rate", "activity", "state")
_STATE_LABELS = [s.label for s in DeviceState]


@dataclass(frozen=True)
class ClientSpec:
    """Who a synthetic client is: code, name, zone, profile and physiology, course."""

    code: str
    display_name: str
    timezone: str
    profile: Profile
    description: str
    rest_heart_rate: float
    activity_level: float
    course_offset_days: int
    problem_area: ProblemArea
    goals: str


COHORT_PROFILES: tuple[ClientSpec, ...] = (
    ClientSpec(
        "SYN-REG",
        "Robin (regular sleeper)",
        "Europe/Berlin",
        Profile.REGULAR,
        "Sleeps 23:00-07:00 within a quarter of an hour every night.",
        58,
        1.0,
        0,
        ProblemArea.ROLE_TRANSITIONS,
        "Settle into the new job without losing the routine",
    ),
    ClientSpec(
        "SYN-SHIFT",
        "Sam (night-shift worker)",
        "America/New_York",
        Profile.SHIFT_WORKER,
        "Permanent night shifts, asleep 08:15-15:45 on work days and days off alike.",
        64,
        0.9,
        1,
        ProblemArea.INTERPERSONAL_DEFICITS,
        "Keep in touch with friends who live on day time",
    ),
    ClientSpec(
        "SYN-SJL",
        "Kim (social jet lag)",
        "Australia/Sydney",
        Profile.SOCIAL_JET_LAG,
        "Sleeps two hours later on Friday and Saturday nights than on work nights.",
        62,
        1.1,
        2,
        ProblemArea.ROLE_DISPUTES,
        "Renegotiate weekend plans with a partner",
    ),
    ClientSpec(
        "SYN-DEST",
        "Alex (destabilising)",
        "Europe/London",
        Profile.DESTABILISING,
        "After a dispute at work, ten nights of short, late sleep, then mood rises.",
        60,
        1.0,
        3,
        ProblemArea.ROLE_DISPUTES,
        "Resolve the conflict with the line manager",
    ),
    ClientSpec(
        "SYN-HALF",
        "Jo (half-filled diary)",
        "Asia/Tokyo",
        Profile.HALF_DIARY,
        "Regular sleep; fills in the diary on about half of the days.",
        66,
        0.8,
        4,
        ProblemArea.GRIEF,
        "Mourn a parent and rebuild the weekly routine",
    ),
    ClientSpec(
        "SYN-GAPS",
        "Lee (non-wear gaps)",
        "America/Sao_Paulo",
        Profile.NON_WEAR,
        "Regular sleep; takes the band off for hours every third day and once for a day.",
        61,
        1.0,
        5,
        ProblemArea.ROLE_TRANSITIONS,
        "Adjust to retirement",
    ),
)


@dataclass(frozen=True)
class SyntheticCourse:
    """An IPSRT course: start, planned sessions, sessions held (date, attended), problem area."""

    started_on: dt.date
    planned_sessions: int
    sessions: tuple[tuple[dt.date, bool], ...]
    primary_area: ProblemArea
    goals: str


@dataclass(frozen=True)
class SyntheticClient:
    """One synthetic client and everything it recorded.

    ``minutes``: columns :data:`MINUTE_COLUMNS` (``ts`` UTC minute starts;
    nullable ``Int16`` readings, missing where not worn; ``state`` a
    categorical of :class:`ipsrt.enums.DeviceState` labels). ``nights``: the
    planned sleeps (``night``, ``onset_utc``, ``offset_utc``,
    ``duration_min``, ``complete``). ``diary``: an SRM-5 :class:`Diary`
    with its moods, as :func:`ipsrt.reports.diary.import_diary` takes it;
    ``ratings``: energy, irritability and anxiety by diary date;
    ``scales``: ``answered_on``, ``instrument`` and ``answers``.
    """

    spec: ClientSpec
    minutes: pd.DataFrame
    nights: pd.DataFrame
    diary: Diary
    ratings: dict[dt.date, dict[str, int]]
    scales: pd.DataFrame
    life_events: tuple[LifeEvent, ...]
    course: SyntheticCourse
    expected_alerts: tuple[ExpectedAlert, ...]

    @property
    def code(self) -> str:
        """The client's pseudonymous code."""
        return self.spec.code

    @property
    def timezone(self) -> str:
        """The client's IANA zone."""
        return self.spec.timezone


@dataclass(frozen=True)
class SyntheticCohort:
    """The cohort: its seed, local dates ``first_day`` .. ``last_day``, clients, and
    ``now``, the instant after every client's last minute (expected alerts are as of it)."""

    seed: int
    first_day: dt.date
    last_day: dt.date
    now: dt.datetime
    clients: tuple[SyntheticClient, ...]

    def client(self, code: str) -> SyntheticClient:
        """The client with *code* (``KeyError`` when there is none)."""
        for c in self.clients:
            if c.code == code:
                return c
        raise KeyError(code)

    @property
    def days(self) -> int:
        """Local days from ``first_day`` to ``last_day`` inclusive."""
        return (self.last_day - self.first_day).days + 1


def _utc_minutes(days: npt.NDArray[np.datetime64], wall: I64, zone: str) -> I64:
    """UTC minutes since the epoch of wall-clock *wall* minutes after local midnight of *days*
    (a time in a spring gap moves forward, an autumn overlap takes the earlier instant)."""
    naive = pd.DatetimeIndex(days.astype("datetime64[m]") + wall.astype("timedelta64[m]"))
    local = naive.tz_localize(
        zone, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
    )
    return np.asarray(local.tz_convert("UTC").as_unit("s").asi8 // 60, dtype=np.int64)


def _not_worn(
    profile: Profile, rng: np.random.Generator, onset: I64, offset: I64
) -> tuple[I64, I64]:
    """Non-wear intervals: every third day 1-3 h in the day, and one day and a half
    (from 2.5 h after a wake-up to 7 h before the next-but-one bedtime: one night lost)."""
    if profile is not Profile.NON_WEAR:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    days = len(onset) - 1
    long_day = days // 2 - 4
    starts, ends = [], []
    for i in range(days):
        lo, hi = int(offset[i]) + 180, int(onset[i + 1]) - 180
        if i == long_day:
            starts.append(int(offset[i]) + 150)
            ends.append(int(onset[i + 2]) - 420)
        elif i % 3 == 1 and i != long_day + 1:
            length = int(rng.integers(60, 181))
            first = lo + int(rng.integers(0, max(hi - lo - length, 0) + 1))
            starts.append(first)
            ends.append(first + length)
    return np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)


def _minutes_frame(
    spec: ClientSpec,
    rng: np.random.Generator,
    start: int,
    end: int,
    onset: I64,
    offset: I64,
    gaps: tuple[I64, I64],
) -> pd.DataFrame:
    s = minute_signals(
        rng,
        start=start,
        end=end,
        onset=onset,
        offset=offset,
        not_worn=gaps,
        rest_heart_rate=spec.rest_heart_rate,
        activity_level=spec.activity_level,
    )
    missing = ~s.worn

    def reading(values: npt.NDArray[np.int16]) -> pd.arrays.IntegerArray:
        return pd.arrays.IntegerArray(values, missing.copy())

    return pd.DataFrame(
        {
            "ts": pd.to_datetime(s.ts * 60, unit="s", utc=True),
            "steps": reading(s.steps),
            "heart_rate": reading(s.heart_rate),
            "activity": reading(s.activity),
            "state": pd.Categorical.from_codes(s.state.astype(np.int64), _STATE_LABELS),
        }
    )


def _life_events(spec: ClientSpec, first_day: dt.date, last_day: dt.date) -> tuple[LifeEvent, ...]:
    if spec.profile is Profile.DESTABILISING:
        return (
            make_life_event(
                event_day(last_day),
                LifeEventKind.DISPUTE.value,
                3,
                "Serious dispute with the line manager; moved to another team",
            ),
        )
    if spec.profile is Profile.SHIFT_WORKER:
        return (
            make_life_event(
                first_day - dt.timedelta(days=120),
                LifeEventKind.SHIFT_WORK.value,
                1,
                "Started permanent night shifts; same sleep times on days off",
            ),
        )
    if spec.profile is Profile.HALF_DIARY:
        return (
            make_life_event(
                first_day + dt.timedelta(days=20),
                LifeEventKind.OTHER.value,
                1,
                "Started an evening class on Wednesdays",
            ),
        )
    return ()


def _course(spec: ClientSpec, first_day: dt.date, last_day: dt.date) -> SyntheticCourse:
    start = first_day + dt.timedelta(days=spec.course_offset_days)
    held: list[tuple[dt.date, bool]] = []
    day = start
    while day <= last_day and len(held) < DEFAULT_PLANNED_SESSIONS:
        missed = spec.profile is Profile.HALF_DIARY and len(held) == 3
        held.append((day, not missed))
        day += dt.timedelta(days=7)
    return SyntheticCourse(
        start, DEFAULT_PLANNED_SESSIONS, tuple(held), spec.problem_area, spec.goals
    )


def _checked(seed: int, weeks: int, specs: tuple[ClientSpec, ...]) -> None:
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 4 <= weeks <= 520:
        raise InvalidInputError(f"weeks {weeks!r} outside 4..520")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise InvalidInputError(f"seed {seed!r}: expected a whole number >= 0")
    for spec in specs:
        check_zone(spec.timezone)


def _end_of(last_day: dt.date, specs: tuple[ClientSpec, ...]) -> dt.datetime:
    """The instant after every client's last minute (local midnight after *last_day*)."""
    day = np.array([np.datetime64(last_day, "D")])
    ends = [int(_utc_minutes(day, np.array([1440]), s.timezone)[0]) for s in specs]
    return dt.datetime.fromtimestamp(max(ends) * 60, tz=dt.UTC)


def generate_client(
    spec: ClientSpec,
    *,
    seed: int,
    number: int,
    last_day: dt.date,
    weeks: int = 8,
    now: dt.datetime | None = None,
) -> SyntheticClient:
    """One client of a cohort: *spec* drawn from the generator seeded with ``(seed, number)``.

    The cohort's *number*-th client (1-based) is the same whether it is made here or by
    :func:`generate_cohort`, so a large data set can be generated (and written) one
    client at a time. *now* (default: the end of the client's last day) is the instant
    its expected alerts are evaluated at.
    """
    _checked(seed, weeks, (spec,))
    first_day = last_day - dt.timedelta(days=7 * weeks - 1)
    at = _end_of(last_day, (spec,)) if now is None else now
    rng = np.random.default_rng([seed, number])
    habits = habits_of(spec.profile)
    plan: NightPlan = night_plan(spec.profile, rng, first_day - dt.timedelta(days=1), last_day)
    onset = _utc_minutes(plan.night, plan.onset, spec.timezone)
    offset = _utc_minutes(plan.night, plan.offset, spec.timezone)
    start = int(_utc_minutes(plan.night[:1], np.array([18 * 60]), spec.timezone)[0])
    end = int(_utc_minutes(plan.night[-1:], np.array([24 * 60]), spec.timezone)[0])
    gaps = _not_worn(spec.profile, rng, onset, offset)
    minutes = _minutes_frame(spec, rng, start, end, onset, offset, gaps)
    records = client_records(
        spec.profile,
        habits,
        rng,
        plan=plan,
        onset_utc=onset,
        offset_utc=offset,
        zone=spec.timezone,
        first_day=first_day,
        last_day=last_day,
    )
    complete = complete_nights(onset, offset, start=start, end=end, not_worn=gaps)
    nights = pd.DataFrame(
        {
            "night": pd.to_datetime(plan.night).date,
            "onset_utc": pd.to_datetime(onset * 60, unit="s", utc=True),
            "offset_utc": pd.to_datetime(offset * 60, unit="s", utc=True),
            "duration_min": offset - onset,
            "complete": complete,
        }
    )
    expected = expected_alerts(
        code=spec.code,
        zone=spec.timezone,
        nights=plan.night,
        onset=onset,
        offset=offset,
        complete=complete,
        entries=records.diary.entries,
        moods=records.diary.mood,
        scales=records.scales,
        now=at,
    )
    return SyntheticClient(
        spec=spec,
        minutes=minutes,
        nights=nights,
        diary=records.diary,
        ratings=records.ratings,
        scales=records.scales,
        life_events=_life_events(spec, first_day, last_day),
        course=_course(spec, first_day, last_day),
        expected_alerts=expected,
    )


def generate_cohort(
    *,
    seed: int,
    last_day: dt.date,
    weeks: int = 8,
    specs: tuple[ClientSpec, ...] = COHORT_PROFILES,
) -> SyntheticCohort:
    """The synthetic cohort of *specs* (default the six profiles) for *weeks* weeks to *last_day*.

    Deterministic: the same arguments give byte-identical frames. ``weeks`` must be
    4..520: with fewer, the destabilising client's event (16 days before the end) would
    have fewer baseline nights before it than the alert rules need (7).
    """
    _checked(seed, weeks, specs)
    first_day = last_day - dt.timedelta(days=7 * weeks - 1)
    now = _end_of(last_day, specs)
    clients = tuple(
        generate_client(spec, seed=seed, number=i, last_day=last_day, weeks=weeks, now=now)
        for i, spec in enumerate(specs, start=1)
    )
    return SyntheticCohort(seed, first_day, last_day, now, clients)


def cohort_minutes_table(cohort: SyntheticCohort) -> pd.DataFrame:
    """Every client's minutes in long format: ``client`` (categorical code) and
    :data:`MINUTE_COLUMNS`, ordered by client then ``ts`` (ready for Parquet
    partitioned by ``client``)."""
    codes = [c.code for c in cohort.clients]
    frames = [
        c.minutes.assign(client=pd.Categorical([c.code] * len(c.minutes), categories=codes))
        for c in cohort.clients
    ]
    if not frames:
        return pd.DataFrame(columns=["client", *MINUTE_COLUMNS])
    table = pd.concat(frames, ignore_index=True)
    return table[["client", *MINUTE_COLUMNS]]
