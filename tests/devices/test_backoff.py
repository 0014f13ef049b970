"""The reconnect policy of docs/devices.md ("Collecting from wearables").

Table-driven, no sleeping, no clock.
"""

from __future__ import annotations

import pytest
from bleak.exc import BleakError
from bleak_retry_connector import BleakOutOfConnectionSlotsError

from devices.backoff import BackoffPolicy, backoff_for


class Fixed:
    """A random source that always returns one value."""

    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


NO_JITTER = BackoffPolicy(jitter=0.0)


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(1, 5.0), (2, 10.0), (3, 20.0), (4, 40.0), (5, 80.0), (6, 160.0), (7, 300.0), (50, 300.0)],
)
def test_doubling_from_5_s_to_a_5_minute_cap(attempt: int, expected: float) -> None:
    assert backoff_for(BleakError("x"), attempt, rng=Fixed(0.5), policy=NO_JITTER) == expected


@pytest.mark.parametrize(
    ("draw", "attempt", "expected"),
    [
        (0.0, 1, 4.0),  # 5 s * 0.8
        (0.5, 1, 5.0),
        (0.999999, 1, pytest.approx(6.0, rel=1e-5)),
        (0.0, 7, 240.0),  # 300 * 0.8
        (0.999999, 7, 300.0),  # jitter never exceeds the cap
    ],
)
def test_jitter_stays_within_20_percent_and_under_the_cap(
    draw: float, attempt: int, expected: float
) -> None:
    assert backoff_for(BleakError("x"), attempt, rng=Fixed(draw)) == expected


@pytest.mark.parametrize("attempt", [1, 2, 5, 9])
def test_out_of_slots_waits_at_least_4_s(attempt: int) -> None:
    tiny = BackoffPolicy(initial=0.1, cap=0.5)
    exc = BleakOutOfConnectionSlotsError("no slots")
    assert backoff_for(exc, attempt, rng=Fixed(0.0), policy=tiny) >= 4.0
    assert backoff_for(BleakError("x"), attempt, rng=Fixed(0.0), policy=tiny) < 4.0


def test_attempt_is_one_based() -> None:
    with pytest.raises(ValueError, match="1-based"):
        backoff_for(BleakError("x"), 0, rng=Fixed(0.5))


@pytest.mark.parametrize(
    "kwargs", [{"initial": -1.0}, {"factor": 0.5}, {"jitter": 1.0}, {"initial": 10.0, "cap": 5.0}]
)
def test_invalid_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        BackoffPolicy(**kwargs)
