"""Fault injection knobs shared by every emulated wearable.

A :class:`FaultPlan` is plain, frozen data: it says *what* goes wrong (drop a
notification, cut the link after the 40th packet, reset the watch clock to
2000-01-01 ...). The runtime pieces that apply it are small and seeded:

- :class:`NotificationFaults` turns one outgoing notification into zero, one
  or two packets (drop / duplicate) and can hold one back to swap it with the
  next (reorder). Its RNG is ``random.Random(plan.seed)``, so a failing test
  replays exactly.
- :class:`DeviceClock` is the wearable's own clock: it follows the scenario
  clock (never the wall clock) with an offset and a drift, can be set over
  BLE (Current Time writes), can be reset to 2000-01-01 at a given instant,
  and maps device UTC to the device's local time, including a DST jump in the
  night.

Emulators (``devices.emulated.world.Peripheral`` subclasses) get both from
their base class; see :meth:`Peripheral.notify` and :meth:`Peripheral.checkpoint`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable, Mapping
from zoneinfo import ZoneInfo

__all__ = [
    "CLOCK_RESET_VALUE",
    "DeviceClock",
    "FaultPlan",
    "NotificationFaults",
]

#: The instant a wearable falls back to after a clock reset (Gadgetbridge #91).
CLOCK_RESET_VALUE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class FaultPlan:
    """What goes wrong on one emulated wearable. The default plan is fault-free.

    Attributes:
        seed: seed of the RNG used for drop / duplicate / reorder decisions.
        drop_rate: probability that a notification is silently lost.
        duplicate_rate: probability that a notification is delivered twice.
        reorder_rate: probability that a notification is held back and sent
            after the next one.
        disconnect_after_notifications: the peripheral drops the link right
            after sending this many notifications (counted per connection,
            after drop/duplicate are applied); ``None`` never.
        disconnect_at: named transfer points mapped to the 1-based occurrence
            at which the peripheral drops the link, e.g.
            ``{"huami.fetch.chunk": 3}``. Emulators mark points with
            ``await self.checkpoint("huami.fetch.chunk")``; counts are per
            peripheral (they survive reconnects, so a retry gets further).
        clock_offset: initial device clock error (device minus true UTC),
            e.g. ``timedelta(hours=3)`` or ``-timedelta(hours=3)``.
        clock_drift_ppm: device clock rate error in parts per million
            (+1000 ppm gains 86.4 s a day).
        clock_reset_at: true (scenario) instant at which the device clock
            resets to 2000-01-01T00:00 and keeps running from there.
        dst_change_at: true instant at which the device's local clock jumps
            by ``dst_change`` (a DST change the client's zone does not have,
            or one the device applies at the wrong time).
        dst_change: size of that jump (+1 h springs forward).
    """

    seed: int = 0
    drop_rate: float = 0.0
    duplicate_rate: float = 0.0
    reorder_rate: float = 0.0
    disconnect_after_notifications: int | None = None
    disconnect_at: Mapping[str, int] = dataclasses.field(default_factory=dict)
    clock_offset: dt.timedelta = dt.timedelta(0)
    clock_drift_ppm: float = 0.0
    clock_reset_at: dt.datetime | None = None
    dst_change_at: dt.datetime | None = None
    dst_change: dt.timedelta = dt.timedelta(hours=1)

    def __post_init__(self) -> None:
        for name in ("drop_rate", "duplicate_rate", "reorder_rate"):
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {rate}")
        if self.disconnect_after_notifications is not None and (
            self.disconnect_after_notifications < 1
        ):
            raise ValueError("disconnect_after_notifications must be >= 1")
        for name in ("clock_reset_at", "dst_change_at"):
            when = getattr(self, name)
            if when is not None and when.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware")


class NotificationFaults:
    """Applies a plan's drop / duplicate / reorder knobs to a packet stream.

    ``process(value)`` returns the packets to send now, in order. A packet held
    back for reordering is released after the next one, or by ``flush()``.
    """

    def __init__(self, plan: FaultPlan) -> None:
        self._plan = plan
        self._rng = random.Random(plan.seed)  # noqa: S311 - test determinism, not crypto
        self._held: bytes | None = None

    def process(self, value: bytes) -> list[bytes]:
        """The packets to put on the air for one notification ``value``."""
        plan = self._plan
        if plan.drop_rate and self._rng.random() < plan.drop_rate:
            return []
        out = [value]
        if plan.duplicate_rate and self._rng.random() < plan.duplicate_rate:
            out.append(value)
        if self._held is not None:
            out.append(self._held)
            self._held = None
        elif plan.reorder_rate and self._rng.random() < plan.reorder_rate:
            self._held = out.pop(0)
        return out

    def flush(self) -> list[bytes]:
        """Release a held-back packet (at the end of a burst)."""
        held, self._held = self._held, None
        return [] if held is None else [held]

    def reset(self) -> None:
        """Forget a held-back packet (the link went down)."""
        self._held = None


class DeviceClock:
    """A wearable's clock, driven by the scenario clock ``true_now``.

    Device UTC is ``anchor_device + (true - anchor_true) * (1 + drift)``; the
    anchors move when the clock is set (``set_utc``) or reset. Local time is
    device UTC converted with the device's zone: an IANA ``ZoneInfo`` (real DST
    rules) or the fixed offset last written over BLE (``set_local_offset``),
    plus the plan's DST jump once ``dst_change_at`` has passed.
    """

    def __init__(
        self,
        true_now: Callable[[], dt.datetime],
        zone: dt.tzinfo,
        plan: FaultPlan | None = None,
    ) -> None:
        plan = plan or FaultPlan()
        self._true_now = true_now
        self._plan = plan
        self._rate = 1.0 + plan.clock_drift_ppm * 1e-6
        start = true_now()
        self._anchor_true = start
        self._anchor_device = start + plan.clock_offset
        self._zone: dt.tzinfo = zone
        self._reset_pending = plan.clock_reset_at is not None

    def _apply_reset(self, true: dt.datetime) -> None:
        reset_at = self._plan.clock_reset_at
        if self._reset_pending and reset_at is not None and true >= reset_at:
            self._reset_pending = False
            self._anchor_true = reset_at
            self._anchor_device = CLOCK_RESET_VALUE

    def utc(self) -> dt.datetime:
        """The device's idea of the current UTC instant (aware)."""
        true = self._true_now()
        self._apply_reset(true)
        elapsed = (true - self._anchor_true) * self._rate
        return self._anchor_device + elapsed

    def offset(self) -> dt.timedelta:
        """Device clock minus true time, right now."""
        return self.utc() - self._true_now()

    def set_utc(self, value: dt.datetime) -> None:
        """Set the clock (a Current Time write); drift keeps accumulating."""
        if value.utcoffset() is None:
            raise ValueError("set_utc needs an aware datetime")
        true = self._true_now()
        self._apply_reset(true)
        self._anchor_true = true
        self._anchor_device = value.astimezone(dt.UTC)

    def set_local_offset(self, offset: dt.timedelta) -> None:
        """Use a fixed UTC offset from now on (a Local Time Information write)."""
        self._zone = dt.timezone(offset)

    @property
    def zone(self) -> dt.tzinfo:
        """The zone the device converts its UTC clock with."""
        return self._zone

    def utc_offset(self) -> dt.timedelta:
        """Local minus UTC on the device right now, including the DST fault."""
        device_utc = self.utc()
        offset = device_utc.astimezone(self._zone).utcoffset() or dt.timedelta(0)
        change_at = self._plan.dst_change_at
        if change_at is not None and self._true_now() >= change_at:
            offset += self._plan.dst_change
        return offset

    def local(self) -> dt.datetime:
        """The device's wall-clock reading, as a naive datetime."""
        return (self.utc() + self.utc_offset()).replace(tzinfo=None)


def zone_of(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (a tiny helper so emulators need one import)."""
    return ZoneInfo(name)
