"""Reconnect policy of the collector: retry delays as data plus one pure function.

The collector connects with bleak-retry-connector, which makes its own short
inner retries, then backs off *outside* it with jitter: 5 s doubling to a
5-minute cap; an adapter or proxy that is out of connection slots is given at
least 4 s, the wait bleak-retry-connector itself uses for that error
(``BLEAK_OUT_OF_SLOTS_BACKOFF_TIME``,
https://github.com/Bluetooth-Devices/bleak-retry-connector). The policy is
described in ``docs/devices.md`` ("Collecting from wearables").
:func:`backoff_for` is pure: the random source is passed in, and nothing here
sleeps or reads a clock (the collector injects ``sleep``).
"""

from __future__ import annotations

import dataclasses
import random
from typing import Final, Protocol

from bleak_retry_connector import BleakOutOfConnectionSlotsError

__all__ = ["DEFAULT_POLICY", "BackoffPolicy", "RandomSource", "backoff_for"]


class RandomSource(Protocol):
    """The part of :class:`random.Random` the policy needs."""

    def random(self) -> float:
        """A float in ``[0, 1)``."""
        ...


@dataclasses.dataclass(frozen=True)
class BackoffPolicy:
    """Delays before reconnect attempt ``n`` (1-based) after a failure.

    The base delay is ``initial * factor ** (n - 1)`` capped at ``cap``; jitter
    then scales it by a factor drawn uniformly from ``[1 - jitter, 1 + jitter]``
    (the cap still holds). Errors of a class listed in ``minimums`` never wait
    less than the minimum given there (out of connection slots: 4 s).
    """

    initial: float = 5.0
    factor: float = 2.0
    cap: float = 300.0
    jitter: float = 0.2
    out_of_slots_minimum: float = 4.0

    def __post_init__(self) -> None:
        if self.initial < 0 or self.cap < self.initial:
            raise ValueError("need 0 <= initial <= cap")
        if self.factor < 1:
            raise ValueError("factor must be >= 1")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be within [0, 1)")


DEFAULT_POLICY: Final = BackoffPolicy()


def backoff_for(
    exc: BaseException,
    attempt: int,
    *,
    rng: RandomSource,
    policy: BackoffPolicy = DEFAULT_POLICY,
) -> float:
    """Seconds to wait before reconnect attempt ``attempt + 1`` after ``exc`` (pure).

    Parameters
    ----------
    exc
        The error that ended the previous attempt.
    attempt
        How many attempts have failed in a row (1 after the first failure).
    rng
        Source of jitter (``random.Random(seed)`` in tests).
    policy
        The delays; :data:`DEFAULT_POLICY` is the policy of ``docs/devices.md``.
    """
    if attempt < 1:
        raise ValueError("attempt is 1-based")
    exponent = min(attempt - 1, 64)  # 2**64 * 5 s is far past any cap
    base = min(policy.cap, policy.initial * policy.factor**exponent)
    spread = 1.0 + policy.jitter * (2.0 * rng.random() - 1.0)
    delay = min(policy.cap, base * spread)
    if isinstance(exc, BleakOutOfConnectionSlotsError):
        delay = max(delay, policy.out_of_slots_minimum)
    return delay


def seeded(seed: int) -> random.Random:
    """A seeded random source for jitter (tests and reproducible runs)."""
    return random.Random(seed)  # noqa: S311 - jitter, not cryptography
