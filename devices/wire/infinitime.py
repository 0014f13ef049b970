"""PineTime running InfiniTime: motion service records and derived minute data.

Layouts from InfiniTime's ``doc/ble.md`` and ``doc/MotionService.md``
(InfiniTimeOrg/InfiniTime), described in ``docs/devices.md`` ("InfiniTime
motion service", "InfiniTime step deltas and activity counts"):

- custom UUID base ``xxxxxxxx-78fc-48fe-8e23-433b3a1942d0``; the motion
  service is ``00030000-…`` with step count ``00030001-…`` (uint32 LE, steps
  **today**, reset at the watch's local midnight) and raw motion ``00030002-…``
  (3 × int16 LE, "binary milli-g": 1 g = 1024);
- the firmware keeps no history on BLE, so the collector turns successive
  cumulative counts into deltas itself (:func:`step_delta`,
  :class:`StepDeltaTracker`) and may derive activity counts from raw motion
  (:func:`activity_counts`).

Everything here is pure: times are passed in, never read from a clock.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Self

from devices.wire._common import check_range, expect_length, unpack

__all__ = [
    "MOTION_SERVICE",
    "RAW_MOTION",
    "STEP_COUNT",
    "ActivityCount",
    "DeltaRule",
    "MotionSample",
    "RawMotion",
    "StepBaseline",
    "StepCount",
    "StepDelta",
    "StepDeltaTracker",
    "activity_counts",
    "infinitime_uuid",
    "parse_raw_motion",
    "parse_step_count",
    "step_delta",
]


def infinitime_uuid(service: int, characteristic: int = 0) -> str:
    """Return ``SSSSCCCC-78fc-48fe-8e23-433b3a1942d0`` (InfiniTime ``doc/ble.md``)."""
    return f"{service:04x}{characteristic:04x}-78fc-48fe-8e23-433b3a1942d0"


MOTION_SERVICE: Final = infinitime_uuid(0x0003)
STEP_COUNT: Final = infinitime_uuid(0x0003, 0x0001)
RAW_MOTION: Final = infinitime_uuid(0x0003, 0x0002)

#: Raw-motion units per g ("binary milli-g").
ONE_G: Final = 1024

_U32: Final = struct.Struct("<I")
_XYZ: Final = struct.Struct("<hhh")
_MINUTE: Final = dt.timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class StepCount:
    """Step count characteristic ``00030001-…``: steps since local midnight."""

    steps: int

    def __post_init__(self) -> None:
        check_range("steps", self.steps, 0, 0xFFFFFFFF)

    @classmethod
    def from_bytes(cls, payload: bytes) -> Self:
        """Parse exactly 4 bytes (uint32 LE)."""
        expect_length(payload, 4, 4, "step count")
        (steps,) = unpack(_U32, payload, 0, "step count")
        return cls(steps)

    def __bytes__(self) -> bytes:
        return _U32.pack(self.steps)


def parse_step_count(payload: bytes) -> StepCount:
    """Parse the InfiniTime step count (uint32 LE)."""
    return StepCount.from_bytes(payload)


@dataclass(frozen=True, slots=True)
class RawMotion:
    """Raw motion characteristic ``00030002-…``: X, Y, Z in 1/1024 g."""

    x: int
    y: int
    z: int

    def __post_init__(self) -> None:
        for name in ("x", "y", "z"):
            check_range(name, getattr(self, name), -32768, 32767)

    @classmethod
    def from_bytes(cls, payload: bytes) -> Self:
        """Parse exactly 6 bytes (3 × int16 LE)."""
        expect_length(payload, 6, 6, "raw motion")
        x, y, z = unpack(_XYZ, payload, 0, "raw motion")
        return cls(x, y, z)

    def __bytes__(self) -> bytes:
        return _XYZ.pack(self.x, self.y, self.z)

    @property
    def magnitude_g(self) -> float:
        """Euclidean norm of the acceleration in g."""
        return math.sqrt(self.x * self.x + self.y * self.y + self.z * self.z) / ONE_G


def parse_raw_motion(payload: bytes) -> RawMotion:
    """Parse the InfiniTime raw motion value (3 × int16 LE)."""
    return RawMotion.from_bytes(payload)


# ------------------------------------------------------------------- step deltas


class DeltaRule(enum.Enum):
    """Which rule of :func:`step_delta` produced a delta (kept as provenance)."""

    SAME_DAY = "same_day"
    MIDNIGHT_RESET = "midnight_reset"
    RESTART = "restart"
    STALE_BEFORE_RESET = "stale_before_reset"


@dataclass(frozen=True, slots=True)
class StepBaseline:
    """The last cumulative count seen and the watch-local time it was seen."""

    at: dt.datetime
    count: int


@dataclass(frozen=True, slots=True)
class StepDelta:
    """Steps known to have happened in ``(since, minute + 1 min)``.

    ``minute`` is the watch-local minute (floored) of the observation that
    revealed the steps; the collector stores them in that minute. ``since`` is
    the earliest time they can have happened, so ``gap`` says whether they may
    belong to earlier minutes (a reconnect or a missed notification).
    """

    minute: dt.datetime
    steps: int
    since: dt.datetime
    rule: DeltaRule
    gap: bool


def _midnight(at: dt.datetime) -> dt.datetime:
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def step_delta(
    baseline: StepBaseline | None,
    count: int,
    at: dt.datetime,
    *,
    max_gap: dt.timedelta = dt.timedelta(minutes=2),
    stale_window: dt.timedelta = dt.timedelta(minutes=5),
) -> tuple[StepBaseline, StepDelta | None]:
    """Turn one cumulative step count into a delta (pure; ``docs/devices.md``).

    Parameters
    ----------
    baseline
        The previous observation, or ``None`` before the first one.
    count
        The cumulative count the watch reported (steps since its local midnight).
    at
        Watch-local wall-clock time of the observation (naive): host time plus
        the measured clock offset and the watch's UTC offset. The watch resets
        at *its* midnight, so the day boundary must be the watch's.
    max_gap
        A delta spanning more than this since the previous observation is
        flagged ``gap`` (its steps may belong to earlier minutes).
    stale_window
        Right after midnight, a count not lower than the baseline, with the
        baseline taken within this window before, is a count the watch sent
        before resetting (Gadgetbridge's ``PineTimeJFSupport`` holds back the
        first value of a day for the same reason).

    Returns
    -------
    tuple
        The new baseline and the delta, or ``None`` when no steps can be placed.

    Notes
    -----
    Rules, in order (``b`` is the baseline):

    0. No baseline, or ``at`` earlier than ``b.at`` (clock set back): the
       count becomes the baseline and yields nothing, since the steps it
       holds cannot be placed in time.
    1. Same watch date, ``count >= b.count``: delta ``count − b.count``
       (``SAME_DAY``); zero deltas yield nothing.
    2. Same date, ``count < b.count``: the watch restarted (the counter lives
       in RAM): delta ``count`` (``RESTART``); steps between ``b`` and the
       restart are lost.
    3. Later date, ``count >= b.count`` and both ``b.at`` and ``at`` within
       ``stale_window`` of the midnight between them: the watch has not reset
       yet, so rule 1 applies (``STALE_BEFORE_RESET``) and the baseline keeps
       ``b``'s date so the coming reset is still seen.
    4. Later date otherwise: the midnight reset happened, delta ``count``
       (``MIDNIGHT_RESET``), known to lie after the watch's midnight; steps
       of the previous day after ``b`` (a reconnect across midnight) are lost
       and never turned into negative or double-counted deltas.

    A delta is never negative.
    """
    check_range("count", count, 0, 0xFFFFFFFF)
    minute = at.replace(second=0, microsecond=0)
    if baseline is None or at < baseline.at:
        return StepBaseline(at, count), None
    day_changed = at.date() > baseline.at.date()
    if not day_changed:
        if count >= baseline.count:
            steps, rule, since = count - baseline.count, DeltaRule.SAME_DAY, baseline.at
        else:
            steps, rule, since = count, DeltaRule.RESTART, baseline.at
        new = StepBaseline(at, count)
    else:
        midnight = _midnight(at)
        stale = (
            count >= baseline.count
            and at - midnight <= stale_window
            and midnight - baseline.at <= stale_window
        )
        if stale:
            steps, rule, since = count - baseline.count, DeltaRule.STALE_BEFORE_RESET, baseline.at
            # Keep the old date so the real reset is recognised (rule 4).
            new = StepBaseline(midnight - dt.timedelta(microseconds=1), count)
        else:
            steps, rule, since = count, DeltaRule.MIDNIGHT_RESET, max(baseline.at, midnight)
            new = StepBaseline(at, count)
    if steps == 0:
        return new, None
    gap = at - since > max_gap
    return new, StepDelta(minute=minute, steps=steps, since=since, rule=rule, gap=gap)


class StepDeltaTracker:
    """Stateful convenience wrapper around :func:`step_delta`.

    Keeps the baseline between notifications of one device; create one per
    device and keep it across reconnects (the rules handle the gaps).
    """

    def __init__(
        self,
        baseline: StepBaseline | None = None,
        *,
        max_gap: dt.timedelta = dt.timedelta(minutes=2),
        stale_window: dt.timedelta = dt.timedelta(minutes=5),
    ) -> None:
        self.baseline = baseline
        self._max_gap = max_gap
        self._stale_window = stale_window

    def feed(self, count: int, at: dt.datetime) -> StepDelta | None:
        """Apply one observation; return the delta it reveals, if any."""
        self.baseline, delta = step_delta(
            self.baseline, count, at, max_gap=self._max_gap, stale_window=self._stale_window
        )
        return delta

    def per_minute(self, observations: Iterable[tuple[dt.datetime, int]]) -> dict[dt.datetime, int]:
        """Feed ``(at, count)`` pairs in order and sum the deltas per minute."""
        out: dict[dt.datetime, int] = {}
        for at, count in observations:
            delta = self.feed(count, at)
            if delta is not None:
                out[delta.minute] = out.get(delta.minute, 0) + delta.steps
        return out


# --------------------------------------------------------------- activity counts


@dataclass(frozen=True, slots=True)
class MotionSample:
    """One raw motion notification with its (watch-local or UTC) receive time."""

    at: dt.datetime
    motion: RawMotion


@dataclass(frozen=True, slots=True)
class ActivityCount:
    """Activity of one minute: ``count`` in milli-g, from ``samples`` samples."""

    minute: dt.datetime
    count: int
    samples: int


def activity_counts(
    samples: Iterable[MotionSample], *, dead_band_mg: float = 50.0
) -> list[ActivityCount]:
    """Per-minute activity counts from raw motion samples (pure).

    Parameters
    ----------
    samples
        Raw motion notifications with their times, in any order.
    dead_band_mg
        Deviations from 1 g up to this many milli-g count as stillness.

    Returns
    -------
    list of ActivityCount
        One entry per minute that has at least one sample, sorted by minute.

    Notes
    -----
    For each sample the deviation of the acceleration magnitude from gravity is
    :math:`e = \\max(0, |\\,\\lVert a \\rVert - 1\\,g\\,| - d)` in milli-g, with
    :math:`d` the dead band; a minute's count is the **mean** of :math:`e` over
    its samples, rounded.

    This is ENMO (Euclidean norm minus one; van Hees et al. 2013, PLoS ONE
    8(4): e61691, doi:10.1371/journal.pone.0061691) with the absolute value
    (so free fall and deceleration count too) and a dead band playing the role
    of the sensor-noise threshold of count-based actigraphy. The mean rather
    than the sum is used because the notification rate of raw motion is
    not documented and may vary: counts then do not depend on
    how many notifications arrived, and ``samples`` says how well-supported
    each minute is. Orientation changes at rest cost nothing since only the
    magnitude is used.
    """
    if dead_band_mg < 0:
        raise ValueError("dead_band_mg must be >= 0")
    sums: dict[dt.datetime, float] = {}
    counts: dict[dt.datetime, int] = {}
    for sample in samples:
        minute = sample.at.replace(second=0, microsecond=0)
        excess_mg = abs(sample.motion.magnitude_g - 1.0) * 1000.0
        sums[minute] = sums.get(minute, 0.0) + max(0.0, excess_mg - dead_band_mg)
        counts[minute] = counts.get(minute, 0) + 1
    return [
        ActivityCount(minute=m, count=round(sums[m] / counts[m]), samples=counts[m])
        for m in sorted(sums)
    ]
