r"""A wearable's minutes from planned sleep and non-wear (pure, vectorised numpy).

Every minute of ``[start, end)`` (UTC minutes since the epoch) gets the
device's readings:

* **Sleep** (inside a planned sleep ``[onset, offset)``): stages in cycles of
  85-100 min (drawn per night), deep sleep early in the night
  (:math:`\max(0, 45 - 12c)` min from the 15th minute of cycle :math:`c`),
  REM at the end of each cycle and longer later in the night
  (:math:`\min(30, 8 + 6c)` min), light sleep otherwise, and a brief
  awakening (3 min) at a quarter of the cycle boundaries after the first;
  the first and last minutes are always asleep. The alternation of NREM and
  REM in cycles of about 90 minutes and the front-loading of slow-wave sleep
  follow Carskadon & Dement (2011), *Normal human sleep: an overview*, in
  Principles and Practice of Sleep Medicine, 5th ed. (``docs/demo.md``).
  No steps; activity 0-4 in light sleep, 0 otherwise; heart rate below
  rest (deep -8, light -4, REM +1).
* **Wake**: walking bouts start with a probability that follows the hours
  since waking (peaks about 1 h, 5.5 h and 10.5 h after waking: getting to
  work, midday, the way home) and last a geometric number of minutes (mean
  10); 90-140 steps a walking minute, 0-12 steps in 30 % of the other
  minutes. Activity (device units 0-255) is the steps plus 5-40; heart rate
  is rest + 10 + 0.3 x steps + noise.
* **Not worn** (inside a non-wear interval): state ``not_worn`` and no
  readings at all.

Units: steps per minute, beats per minute, activity in device units; states
are :class:`ipsrt.enums.DeviceState` codes. No per-minute Python loop: one
client-year (525,600 minutes) is a handful of numpy passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ipsrt.enums import DeviceState

__all__ = ["MinuteSignals", "minute_signals"]

I64 = npt.NDArray[np.int64]
_CYCLES_DRAWN = 16


@dataclass(frozen=True)
class MinuteSignals:
    """One client's minutes: ``ts`` (UTC minutes since the epoch), ``state`` codes,
    and ``steps``, ``heart_rate``, ``activity`` with ``worn`` False where not worn."""

    ts: I64
    state: npt.NDArray[np.int8]
    steps: npt.NDArray[np.int16]
    heart_rate: npt.NDArray[np.int16]
    activity: npt.NDArray[np.int16]
    worn: npt.NDArray[np.bool_]


def _inside(t: I64, starts: I64, ends: I64) -> tuple[npt.NDArray[np.bool_], I64]:
    """Whether each minute lies in one of the sorted, disjoint ``[starts, ends)``; its index."""
    k = np.searchsorted(starts, t, side="right") - 1
    kk = np.clip(k, 0, max(len(starts) - 1, 0))
    inside = (k >= 0) & (t < ends[kk]) if len(starts) else np.zeros(len(t), dtype=bool)
    return inside, kk


def _sleep_stages(
    rng: np.random.Generator,
    t: I64,
    asleep: npt.NDArray[np.bool_],
    idx: I64,
    onset: I64,
    offset: I64,
) -> npt.NDArray[np.int8]:
    n_nights = len(onset)
    cycle = rng.integers(85, 101, size=max(n_nights, 1))
    wakes = rng.random((max(n_nights, 1), _CYCLES_DRAWN)) < 0.25
    into = t - onset[idx]
    length = (offset - onset)[idx]
    c = cycle[idx]
    number, phase = into // c, into % c
    deep = (phase >= 15) & (phase < 15 + np.maximum(0, 45 - 12 * number))
    rem = phase >= c - np.minimum(30, 8 + 6 * number)
    woke = (
        (number >= 1)
        & (phase < 3)
        & wakes[idx, np.minimum(number, _CYCLES_DRAWN - 1)]
        & (into < length - 40)
    )
    state = np.full(len(t), int(DeviceState.SLEEP_LIGHT), dtype=np.int8)
    state[rem] = int(DeviceState.SLEEP_REM)
    state[deep] = int(DeviceState.SLEEP_DEEP)
    state[woke] = int(DeviceState.AWAKE)
    return np.where(asleep, state, np.int8(DeviceState.AWAKE)).astype(np.int8)


def _walk_probability(
    hours_awake: npt.NDArray[np.float64], level: float
) -> npt.NDArray[np.float64]:
    peaks = (
        0.025 * np.exp(-(((hours_awake - 1.0) / 0.6) ** 2))
        + 0.018 * np.exp(-(((hours_awake - 5.5) / 0.7) ** 2))
        + 0.022 * np.exp(-(((hours_awake - 10.5) / 1.0) ** 2))
    )
    return level * (0.005 + peaks)


def minute_signals(
    rng: np.random.Generator,
    *,
    start: int,
    end: int,
    onset: I64,
    offset: I64,
    not_worn: tuple[I64, I64],
    rest_heart_rate: float,
    activity_level: float,
) -> MinuteSignals:
    """The minutes of ``[start, end)`` (see the module docstring).

    Parameters
    ----------
    rng
        The client's generator (consumed in a fixed order: same state, same minutes).
    start, end
        UTC minutes since 1970-01-01.
    onset, offset
        Planned sleeps, sorted and disjoint, UTC minutes since the epoch.
    not_worn
        Sorted, disjoint non-wear intervals ``(starts, ends)``, UTC minutes.
    rest_heart_rate, activity_level
        The client's resting heart rate (bpm) and a factor on walking.
    """
    t = np.arange(start, end, dtype=np.int64)
    n = len(t)
    asleep, idx = _inside(t, onset, offset)
    state = _sleep_stages(rng, t, asleep, idx, onset, offset)
    awake_minute = state == int(DeviceState.AWAKE)
    woke = np.searchsorted(offset, t, side="right") - 1
    hours = np.where(woke >= 0, (t - offset[np.clip(woke, 0, None)]) / 60.0, 10.0)
    p = np.where(asleep, 0.0, _walk_probability(hours, activity_level))
    starts = rng.random(n) < p
    bout_end = np.where(starts, np.arange(n) + rng.geometric(0.1, size=n), 0)
    walking = (np.maximum.accumulate(bout_end) > np.arange(n)) & ~asleep
    stride = np.clip(np.rint(rng.normal(112.0, 12.0, size=n)), 90, 140)
    fidget = np.where(rng.random(n) < 0.3, rng.integers(0, 13, size=n), 0)
    steps = np.where(walking, stride, np.where(asleep, 0, fidget)).astype(np.int64)
    noise = rng.integers(5, 41, size=n)
    light = state == int(DeviceState.SLEEP_LIGHT)
    activity = np.where(
        asleep & ~awake_minute,
        np.where(light, rng.integers(0, 5, size=n), 0),
        np.minimum(255, steps + noise),
    )
    offsets = np.zeros(len(DeviceState), dtype=np.float64)
    offsets[[DeviceState.SLEEP_LIGHT, DeviceState.SLEEP_DEEP, DeviceState.SLEEP_REM]] = (-4, -8, 1)
    offsets[DeviceState.AWAKE] = 10.0
    heart = (
        rest_heart_rate
        + offsets[state]
        + np.where(asleep & ~awake_minute, 0.0, 0.3 * steps)
        + rng.normal(0.0, 2.5, size=n)
    )
    heart = np.clip(np.rint(heart), 38, 190)
    off, _ = _inside(t, not_worn[0], not_worn[1])
    state = np.where(off, np.int8(DeviceState.NOT_WORN), state).astype(np.int8)
    zero = np.int64(0)
    return MinuteSignals(
        ts=t,
        state=state,
        steps=np.where(off, zero, steps).astype(np.int16),
        heart_rate=np.where(off, zero, heart).astype(np.int16),
        activity=np.where(off, zero, activity).astype(np.int16),
        worn=~off,
    )
