"""InfiniTime motion records, step deltas and activity counts (``docs/devices.md``)."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import ProtocolError
from devices.wire.infinitime import (
    MOTION_SERVICE,
    RAW_MOTION,
    STEP_COUNT,
    DeltaRule,
    MotionSample,
    RawMotion,
    StepCount,
    StepDeltaTracker,
    activity_counts,
    parse_raw_motion,
    parse_step_count,
    step_delta,
)

T0 = dt.datetime(2026, 3, 2, 9, 0)


def test_uuids() -> None:
    assert MOTION_SERVICE == "00030000-78fc-48fe-8e23-433b3a1942d0"
    assert STEP_COUNT == "00030001-78fc-48fe-8e23-433b3a1942d0"
    assert RAW_MOTION == "00030002-78fc-48fe-8e23-433b3a1942d0"


def test_examples() -> None:
    assert parse_step_count(bytes.fromhex("10270000")) == StepCount(10000)
    motion = parse_raw_motion(bytes.fromhex("0000000000fc"))  # z = -1024 = -1 g
    assert motion == RawMotion(0, 0, -1024)
    assert motion.magnitude_g == 1.0
    for bad in (b"", b"\x00" * 3, b"\x00" * 5):
        with pytest.raises(ProtocolError):
            parse_step_count(bad)
    with pytest.raises(ProtocolError):
        parse_raw_motion(b"\x00" * 7)


@given(st.integers(0, 2**32 - 1))
def test_step_count_round_trip(steps: int) -> None:
    assert StepCount.from_bytes(bytes(StepCount(steps))) == StepCount(steps)


@given(st.builds(RawMotion, *(st.integers(-32768, 32767) for _ in range(3))))
def test_raw_motion_round_trip(record: RawMotion) -> None:
    assert RawMotion.from_bytes(bytes(record)) == record


# ----------------------------------------------------------------- step deltas


def _feed(observations: list[tuple[dt.datetime, int]]) -> dict[dt.datetime, int]:
    return StepDeltaTracker().per_minute(observations)


def test_same_day_deltas_and_first_value_is_baseline() -> None:
    obs = [
        (T0, 500),
        (T0 + dt.timedelta(minutes=1), 520),
        (T0 + dt.timedelta(minutes=1, seconds=30), 530),
    ]
    assert _feed(obs) == {T0 + dt.timedelta(minutes=1): 30}


def test_midnight_reset_counts_steps_after_midnight() -> None:
    late = dt.datetime(2026, 3, 2, 23, 59)
    obs = [
        (late, 9000),
        (late + dt.timedelta(seconds=30), 9010),
        (dt.datetime(2026, 3, 3, 0, 1), 12),
    ]
    tracker = StepDeltaTracker()
    deltas = [tracker.feed(c, t) for t, c in obs]
    assert deltas[0] is None
    assert deltas[1] is not None
    assert deltas[1].steps == 10
    reset = deltas[2]
    assert reset is not None
    assert (reset.steps, reset.rule, reset.gap) == (12, DeltaRule.MIDNIGHT_RESET, False)
    assert reset.since == dt.datetime(2026, 3, 3)


def test_stale_count_right_after_midnight_is_not_a_reset() -> None:
    """The watch reported yesterday's count after our midnight (clock skew): held back."""
    tracker = StepDeltaTracker()
    tracker.feed(9000, dt.datetime(2026, 3, 2, 23, 58))
    stale = tracker.feed(9005, dt.datetime(2026, 3, 3, 0, 0, 20))
    assert stale is not None
    assert (stale.steps, stale.rule) == (5, DeltaRule.STALE_BEFORE_RESET)
    reset = tracker.feed(3, dt.datetime(2026, 3, 3, 0, 1))
    assert reset is not None
    assert (reset.steps, reset.rule) == (3, DeltaRule.MIDNIGHT_RESET)


def test_reconnect_across_midnight_with_higher_count() -> None:
    """Gone at 20:00 with 5000, back next day 18:00 with 8000: 8000 steps today, not 3000."""
    tracker = StepDeltaTracker()
    tracker.feed(5000, dt.datetime(2026, 3, 2, 20, 0))
    delta = tracker.feed(8000, dt.datetime(2026, 3, 3, 18, 0))
    assert delta is not None
    assert (delta.steps, delta.rule, delta.gap) == (8000, DeltaRule.MIDNIGHT_RESET, True)
    assert delta.since == dt.datetime(2026, 3, 3)


def test_restart_mid_day_and_clock_set_back() -> None:
    tracker = StepDeltaTracker()
    tracker.feed(4000, T0)
    restart = tracker.feed(15, T0 + dt.timedelta(minutes=3))
    assert restart is not None
    assert (restart.steps, restart.rule) == (15, DeltaRule.RESTART)
    assert tracker.feed(50, T0 - dt.timedelta(hours=1)) is None  # clock set back: re-baseline


@given(
    st.lists(
        st.tuples(st.integers(1, 6 * 3600), st.integers(0, 30000)),
        max_size=60,
    )
)
def test_deltas_never_negative_and_bounded(steps: list[tuple[int, int]]) -> None:
    at = dt.datetime(2026, 3, 2, 21, 0)
    baseline = None
    for seconds, count in steps:
        at += dt.timedelta(seconds=seconds)
        baseline, delta = step_delta(baseline, count, at)
        if delta is not None:
            assert 0 < delta.steps <= count
            assert delta.since <= at
            assert delta.minute == at.replace(second=0, microsecond=0)


# ------------------------------------------------------------- activity counts


def test_activity_counts_still_and_moving() -> None:
    still = [
        MotionSample(T0 + dt.timedelta(seconds=s), RawMotion(0, 0, 1024)) for s in range(0, 60, 10)
    ]
    # 1.5 g along x: excess 500 mg, minus 50 mg dead band = 450.
    moving = [
        MotionSample(T0 + dt.timedelta(minutes=1, seconds=s), RawMotion(1536, 0, 0))
        for s in range(0, 60, 20)
    ]
    counts = activity_counts(still + moving)
    assert [(c.minute, c.count, c.samples) for c in counts] == [
        (T0, 0, 6),
        (T0 + dt.timedelta(minutes=1), 450, 3),
    ]


def test_activity_counts_rate_independent() -> None:
    def minute(n: int) -> list[MotionSample]:
        return [
            MotionSample(T0 + dt.timedelta(seconds=60 * i / n), RawMotion(0, 2048, 0))
            for i in range(n)
        ]

    assert activity_counts(minute(3))[0].count == activity_counts(minute(30))[0].count == 950


@given(
    st.lists(
        st.builds(RawMotion, *(st.integers(-32768, 32767) for _ in range(3))),
        min_size=1,
        max_size=30,
    )
)
def test_activity_counts_bounded(motions: list[RawMotion]) -> None:
    counts = activity_counts([MotionSample(T0, m) for m in motions])
    assert len(counts) == 1
    assert 0 <= counts[0].count <= math.ceil(math.sqrt(3) * 32768 / 1024 * 1000)
