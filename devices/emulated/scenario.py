"""Deterministic scripted days: the ground truth emulated wearables replay.

``Scenario.generate(seed=..., days=..., zone=..., start_date=...)`` builds one
record per UTC minute from the client's local midnight of ``start_date`` to
the local midnight ``days`` later (so a DST day has 1380 or 1500 minutes):
steps, heart rate, an activity intensity (device units 0-255) and the
device's sleep state. Nights run about 23:00-07:00 local with seeded jitter
(bedtime and rise each ±45 min). The same arguments always give the same
scenario, and the rows a collector stores must equal it.

Emulators consume it with :meth:`Scenario.at` (the minute containing an
instant) and :meth:`Scenario.steps_between` (the step sum of a UTC range).
Pure: no clock reads, no I/O.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import enum
import math
import random
from collections.abc import Iterable
from zoneinfo import ZoneInfo

__all__ = ["DeviceState", "MinuteTruth", "Scenario", "SleepWindow", "local_to_utc"]

MINUTE = dt.timedelta(minutes=1)


class DeviceState(enum.StrEnum):
    """The device-reported state of a minute (same names as the store's)."""

    SLEEP_LIGHT = "sleep_light"
    SLEEP_DEEP = "sleep_deep"
    SLEEP_REM = "sleep_rem"
    AWAKE = "awake"
    NOT_WORN = "not_worn"
    UNKNOWN = "unknown"


@dataclasses.dataclass(frozen=True, slots=True)
class MinuteTruth:
    """One minute of ground truth; ``ts`` is the UTC start of the minute."""

    ts: dt.datetime
    steps: int
    heart_rate: int
    activity: int
    state: DeviceState

    @property
    def asleep(self) -> bool:
        """Whether the state is one of the sleep stages."""
        return self.state in _SLEEP_STATES


_SLEEP_STATES = frozenset({DeviceState.SLEEP_LIGHT, DeviceState.SLEEP_DEEP, DeviceState.SLEEP_REM})


@dataclasses.dataclass(frozen=True, slots=True)
class SleepWindow:
    """One main sleep, UTC onset (inclusive) to offset (exclusive)."""

    onset: dt.datetime
    offset: dt.datetime


def local_to_utc(day: dt.date, minutes_after_midnight: float, zone: ZoneInfo) -> dt.datetime:
    """UTC instant of a local wall-clock time, rounded to the minute.

    Wall times are added to the local midnight as elapsed time, so a time in
    a spring-forward gap lands after the gap and an ambiguous autumn time
    takes its first occurrence (``fold=0``).
    """
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    wall = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(
        minutes=round(minutes_after_midnight)
    )
    utc = wall.replace(tzinfo=zone).astimezone(dt.UTC)
    return max(utc, midnight).replace(second=0, microsecond=0)


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A generated multi-day scenario; build it with :meth:`generate`."""

    seed: int
    zone: str
    start_date: dt.date
    days: int
    minutes: tuple[MinuteTruth, ...]
    sleeps: tuple[SleepWindow, ...]

    @property
    def start(self) -> dt.datetime:
        """UTC instant of the first minute (local midnight of ``start_date``)."""
        return self.minutes[0].ts

    @property
    def end(self) -> dt.datetime:
        """UTC instant just after the last minute."""
        return self.minutes[-1].ts + MINUTE

    def at(self, instant: dt.datetime) -> MinuteTruth:
        """The minute containing ``instant`` (aware); ``KeyError`` outside the scenario."""
        index = self._index(instant)
        if not 0 <= index < len(self.minutes):
            raise KeyError(f"{instant} is outside the scenario")
        return self.minutes[index]

    def _index(self, instant: dt.datetime) -> int:
        if instant.utcoffset() is None:
            raise ValueError("instants must be timezone-aware")
        return math.floor((instant - self.start) / MINUTE)

    def steps_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Sum of steps of the minutes starting in ``[start, end)``, clipped to the scenario."""
        first = max(0, math.ceil((start - self.start) / MINUTE))
        last = min(len(self.minutes), max(0, math.ceil((end - self.start) / MINUTE)))
        return sum(m.steps for m in self.minutes[first:last])

    def local_date(self, instant: dt.datetime) -> dt.date:
        """The client's local date at ``instant``."""
        return instant.astimezone(ZoneInfo(self.zone)).date()

    def in_sleep(self, instant: dt.datetime) -> bool:
        """Whether ``instant`` falls in a main sleep."""
        onsets = [s.onset for s in self.sleeps]
        i = bisect.bisect_right(onsets, instant) - 1
        return i >= 0 and instant < self.sleeps[i].offset

    @classmethod
    def from_minutes(
        cls,
        rows: Iterable[tuple[dt.datetime, float, float, float, str]],
        *,
        zone: str,
        start_date: dt.date,
        days: int,
    ) -> Scenario:
        """A scenario replaying given minutes (e.g. a synthetic cohort client's).

        *rows* are (UTC minute start, steps, heart rate, activity, state label)
        for every minute from the local midnight of *start_date* for *days*
        days, in order with no gap. A missing reading (NaN, not worn) is sent
        as 0, the wire's "no reading"; activity is clipped to a device's 0-255.
        """
        tz = ZoneInfo(zone)
        start = local_to_utc(start_date, 0, tz)
        end = local_to_utc(start_date + dt.timedelta(days=days), 0, tz)
        minutes: list[MinuteTruth] = []
        for ts, steps, heart_rate, activity, state in rows:
            expected = start + len(minutes) * MINUTE
            if ts != expected:
                raise ValueError(f"minute {ts} given where {expected} was expected")
            minutes.append(
                MinuteTruth(
                    ts=ts,
                    steps=_whole(steps),
                    heart_rate=_whole(heart_rate),
                    activity=min(255, _whole(activity)),
                    state=DeviceState(state),
                )
            )
        if not minutes or minutes[-1].ts + MINUTE != end:
            raise ValueError(f"minutes must cover {start} to {end}")
        return cls(
            seed=0,
            zone=zone,
            start_date=start_date,
            days=days,
            minutes=tuple(minutes),
            sleeps=tuple(_sleep_runs(minutes)),
        )

    @classmethod
    def generate(cls, *, seed: int, days: int, zone: str, start_date: dt.date) -> Scenario:
        """Build ``days`` days from local midnight of ``start_date`` in ``zone``."""
        if days < 1:
            raise ValueError("days must be >= 1")
        tz = ZoneInfo(zone)
        rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data
        start = local_to_utc(start_date, 0, tz)
        end = local_to_utc(start_date + dt.timedelta(days=days), 0, tz)
        sleeps = _sleep_windows(rng, start_date, days, tz)
        minutes: list[MinuteTruth] = []
        ts = start
        window = 0
        walking = 0
        while ts < end:
            while window < len(sleeps) and sleeps[window].offset <= ts:
                window += 1
            current = sleeps[window] if window < len(sleeps) else None
            if current is not None and current.onset <= ts:
                into = int((ts - current.onset) / MINUTE)
                minutes.append(_sleep_minute(rng, ts, into))
                walking = 0
            else:
                if walking == 0 and rng.random() < 0.06:
                    walking = rng.randint(3, 25)
                minutes.append(_wake_minute(rng, ts, walking > 0))
                walking = max(0, walking - 1)
            ts += MINUTE
        return cls(
            seed=seed,
            zone=zone,
            start_date=start_date,
            days=days,
            minutes=tuple(minutes),
            sleeps=tuple(sleeps),
        )


def _sleep_runs(minutes: list[MinuteTruth]) -> list[SleepWindow]:
    """Runs of sleep-stage minutes, a wake of up to 30 minutes inside a run kept in it."""
    out: list[SleepWindow] = []
    onset: dt.datetime | None = None
    last_asleep: dt.datetime | None = None
    for minute in minutes:
        if not minute.asleep:
            continue
        if last_asleep is None or minute.ts - last_asleep > 31 * MINUTE:
            if onset is not None and last_asleep is not None:
                out.append(SleepWindow(onset, last_asleep + MINUTE))
            onset = minute.ts
        last_asleep = minute.ts
    if onset is not None and last_asleep is not None:
        out.append(SleepWindow(onset, last_asleep + MINUTE))
    return out


def _whole(value: float) -> int:
    """A reading as a whole number, 0 for a missing one."""
    return 0 if value is None or math.isnan(value) else max(0, round(value))


def _sleep_windows(
    rng: random.Random, start_date: dt.date, days: int, tz: ZoneInfo
) -> list[SleepWindow]:
    """Nights starting the evening before ``start_date`` through the last evening."""
    out: list[SleepWindow] = []
    for n in range(-1, days):
        night = start_date + dt.timedelta(days=n)
        bed = 23 * 60 + rng.uniform(-45, 45)
        rise = 7 * 60 + rng.uniform(-45, 45)
        onset = local_to_utc(night, bed, tz)
        offset = local_to_utc(night + dt.timedelta(days=1), rise, tz)
        out.append(SleepWindow(onset, offset))
    return out


def _sleep_minute(rng: random.Random, ts: dt.datetime, into: int) -> MinuteTruth:
    phase = into % 90
    if phase < 10 and into > 30:
        state = DeviceState.SLEEP_REM
    elif 25 <= phase < 55 and into < 300:
        state = DeviceState.SLEEP_DEEP
    else:
        state = DeviceState.SLEEP_LIGHT
    hr = {DeviceState.SLEEP_DEEP: 50, DeviceState.SLEEP_REM: 60}.get(state, 55)
    return MinuteTruth(
        ts=ts,
        steps=0,
        heart_rate=hr + rng.randint(-3, 3),
        activity=rng.randint(0, 4) if state is DeviceState.SLEEP_LIGHT else 0,
        state=state,
    )


def _wake_minute(rng: random.Random, ts: dt.datetime, walking: bool) -> MinuteTruth:
    steps = rng.randint(60, 125) if walking else (rng.randint(0, 12) if rng.random() < 0.3 else 0)
    activity = min(255, steps + rng.randint(5, 40))
    hr = 64 + steps // 3 + rng.randint(-4, 6)
    return MinuteTruth(
        ts=ts, steps=steps, heart_rate=hr, activity=activity, state=DeviceState.AWAKE
    )
