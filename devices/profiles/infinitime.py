"""Profile of a PineTime running InfiniTime (``docs/devices.md``): live HR and steps.

InfiniTime has no history on BLE: the collector stays connected. On
top of :class:`~devices.profiles.gatt_standard.GattStandardProfile` (heart
rate, battery, clock), this profile subscribes to the Motion service's step
count (``00030001-…``, steps **today**, reset at the watch's local midnight)
and turns the cumulative count into per-minute deltas with
:class:`devices.wire.infinitime.StepDeltaTracker` (midnight reset, restart,
stale-count rules). The tracker needs the **watch's** wall-clock time; every
round reads the watch clock after setting it, and observations are placed on
the watch's clock with that offset.

Minute rule: a delta revealed by a count received at ``t`` is stored in the
minute containing ``t - 1 s`` (as for heart rate). Minutes after the
connection's first count reading that saw no step change store ``steps = 0``.
Steps the watch counted while nobody was connected land in the first minute
after the reconnect (the rules never double-count or go negative). The steps
of the minute that ends at the watch's midnight are lost: the watch resets
before anyone can read them (InfiniTime behaviour, not a collector choice).

Activity: when the watch offers raw motion (``00030002-…``), the profile
subscribes to it and stamps each sample with its receipt instant on the
injected host clock; a sample belongs to the minute containing the instant
one second before receipt (the heart-rate rule). The ``activity`` of a
complete minute is :func:`devices.wire.infinitime.activity_counts` of that
minute's samples (mean ENMO above a 50 mg dead band); minutes without a
motion sample have no activity (NaN), samples of an incomplete minute wait
for the next round (in memory, not in the cursor).

The cursor is JSON: the last stored minute and the step baseline, committed
with the samples, so a restarted collector continues the deltas.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from bleak import BleakClient

from devices.profiles.base import (
    MINUTE,
    NotificationQueue,
    SyncResult,
    has_characteristic,
    make_frame,
    minute_before,
    read_device_local,
)
from devices.profiles.gatt_standard import GattStandardProfile, LiveRows
from devices.wire.gatt import CURRENT_TIME
from devices.wire.infinitime import (
    RAW_MOTION,
    STEP_COUNT,
    MotionSample,
    StepBaseline,
    StepDeltaTracker,
    activity_counts,
    parse_raw_motion,
    parse_step_count,
)

__all__ = ["InfiniTimeProfile"]

log = logging.getLogger(__name__)


def _floor(instant: dt.datetime) -> dt.datetime:
    return instant.replace(second=0, microsecond=0)


class InfiniTimeProfile(GattStandardProfile):
    """Live heart rate and step deltas of an InfiniTime watch."""

    family = "infinitime"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._steps = NotificationQueue(self.clock)
        self._tracker = StepDeltaTracker()
        self._watch_offset = dt.timedelta(0)
        self._steps_known_from: dt.datetime | None = None
        self._step_minutes: dict[dt.datetime, int] = {}
        self._raw_motion = NotificationQueue(self.clock)
        self._motion_samples: list[MotionSample] = []

    def _watch_local(self, instant: dt.datetime) -> dt.datetime:
        """The watch's wall-clock reading at host instant ``instant`` (naive)."""
        return (instant.astimezone(dt.UTC) + self._watch_offset).replace(tzinfo=None)

    async def _measure_watch_offset(self, client: BleakClient) -> None:
        if not client.services.get_characteristic(CURRENT_TIME):
            return
        local, _ = await read_device_local(client)
        if local is not None:
            self._watch_offset = local - self.clock().replace(tzinfo=None, microsecond=0)

    async def _attach(self, client: BleakClient) -> None:
        if self._client is client:
            return
        await super()._attach(client)
        await client.start_notify(STEP_COUNT, self._steps.callback)
        if has_characteristic(client, RAW_MOTION):
            await client.start_notify(RAW_MOTION, self._raw_motion.callback)
        now = self.clock()
        count = parse_step_count(bytes(await client.read_gatt_char(STEP_COUNT))).steps
        self._feed(now, count)
        self._steps_known_from = now

    def _feed(self, received: dt.datetime, count: int) -> None:
        delta = self._tracker.feed(count, self._watch_local(received))
        if delta is not None:
            minute = minute_before(received)
            self._step_minutes[minute] = self._step_minutes.get(minute, 0) + delta.steps

    def _take_motion(self) -> None:
        for received, motion in self._parsed(self._raw_motion, parse_raw_motion, "raw motion"):
            # Stamped one second before receipt, so the sample lands in the
            # minute of minute_before(received) (the heart-rate rule).
            at = received.astimezone(dt.UTC) - dt.timedelta(seconds=1)
            self._motion_samples.append(MotionSample(at, motion))

    def _complete_activity(self, now: dt.datetime) -> dict[dt.datetime, int]:
        """Activity counts of the minutes that ended by ``now``; later samples stay pending."""
        done = [s for s in self._motion_samples if _floor(s.at) + MINUTE <= now]
        self._motion_samples = [s for s in self._motion_samples if _floor(s.at) + MINUTE > now]
        return {a.minute: a.count for a in activity_counts(done)}

    def streams(self) -> dict[str, NotificationQueue]:
        """Heart rate, step count and raw motion (silent when not subscribed)."""
        return {
            **super().streams(),
            "step count": self._steps,
            "raw motion": self._raw_motion,
        }

    def _take_steps(self) -> None:
        for received, reading in self._parsed(self._steps, parse_step_count, "step count"):
            self._feed(received, reading.steps)

    def pending_minutes(self) -> int:
        """Minutes with heart rate, steps or motion received that no round has returned yet."""
        super().pending_minutes()
        self._take_motion()
        self._take_steps()
        minutes = set(self._hr_minutes) | set(self._step_minutes)
        minutes |= {_floor(s.at) for s in self._motion_samples}
        return len(minutes)

    def _collect(self, now: dt.datetime) -> LiveRows:
        self._take_motion()
        self._take_steps()
        rows = super()._collect(now)
        for minute in [m for m in self._step_minutes if m + MINUTE <= now]:
            rows.setdefault(minute, {})["steps"] = self._step_minutes.pop(minute)
        for minute, count in self._complete_activity(now).items():
            rows.setdefault(minute, {})["activity"] = count
        known = self._steps_known_from
        if known is not None:
            for minute, row in rows.items():
                if minute >= minute_before(known) + MINUTE or minute >= known:
                    row.setdefault("steps", 0)
        return rows

    def _cursor(self, rows: LiveRows, previous: str | None) -> dict[str, Any]:
        state = super()._cursor(rows, previous)
        baseline = self._tracker.baseline
        if baseline is not None:
            state["steps"] = {"at": baseline.at.isoformat(), "count": baseline.count}
        return state

    def _restore(self, cursor: str | None) -> None:
        if self._tracker.baseline is not None or not cursor:
            return
        try:
            saved = json.loads(cursor).get("steps")
            if saved:
                self._tracker.baseline = StepBaseline(
                    dt.datetime.fromisoformat(saved["at"]), int(saved["count"])
                )
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("device %s: unreadable cursor ignored", self.device.device_id)

    async def sync(self, client: BleakClient, cursor: str | None) -> SyncResult:
        """Set the clock, read the watch offset, listen one window, return complete minutes."""
        self._restore(cursor)
        offset, battery = await self._clock_and_battery(client)
        await self._measure_watch_offset(client)
        await self._attach(client)
        await self._listen(client)
        rows = self._collect(self.clock())
        state = self._cursor(rows, cursor)
        return SyncResult(
            frame=make_frame(self.device.device_id, rows),
            data_type=self.data_type,
            cursor=json.dumps(state, sort_keys=True) if state else cursor,
            battery=battery,
            clock_offset_s=offset,
        )
