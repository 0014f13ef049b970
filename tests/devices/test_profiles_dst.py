"""A DST change during the night (``docs/devices.md``, "Clock handling"): the local clock jumps.

The scenario spans the night of 28-29 March 2026 in Europe/Berlin, which has
the real spring-forward (02:00 CET → 03:00 CEST, 01:00 UTC). On top of it the
device applies a DST jump of its own at the wrong time (``FaultPlan
.dst_change_at``, ``dst_change`` = +1 h or −1 h): its local clock leaps while
the host clock does not. Listening from 18:00 local for 12 h, the stored UTC
minutes must be every minute of the window exactly once, in order (monotonic,
no duplicated and no missing hour), with the scenario's values.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pandas as pd
import pytest

from devices.emulated import FaultPlan, VirtualClock, World
from devices.emulated.gatt_standard import StandardBand
from devices.emulated.infinitime import InfiniTimeWatch
from devices.emulated.scenario import DeviceState
from ipsrt.store import Store
from tests.devices.test_profiles_common import (
    collector,
    scenario,
    setup_store,
    stored,
    stored_rows,
    truth_frame,
    wait_until,
    with_options,
)

pytestmark = pytest.mark.asyncio

HOURS = 12
START_AFTER = 18
#: The device's own (wrong) jump: 23:30 local CET on 28 March, before the real one.
JUMP_AT = dt.datetime(2026, 3, 28, 22, 30, tzinfo=dt.UTC)


async def _listen(store: Store, emulator: Any, family: str, s: Any) -> None:
    async with World(clock=VirtualClock(s.start)) as world:
        await world.add(emulator)
        await world.advance(dt.timedelta(hours=START_AFTER))
        window = {"window": dt.timedelta(hours=HOURS)}
        col = collector(store, world, profiles=with_options(**{family: window}))
        profile = col.profile_for(store.devices()[0])
        task = asyncio.create_task(col.run_once())
        await wait_until(lambda: profile.listening)  # type: ignore[attr-defined]
        await world.advance(dt.timedelta(hours=HOURS))
        reports = await task
        assert all(not r.errors for r in reports.values())
        assert world.central_connections() == 0


def _check_minutes(frame: pd.DataFrame, start: dt.datetime, end: dt.datetime) -> None:
    index = [ts.to_pydatetime() for ts in frame.index]
    assert index == sorted(index)  # monotonic
    assert len(index) == len(set(index))  # no duplicated minute (or hour)
    minutes = int((end - start) / dt.timedelta(minutes=1))
    assert index == [start + dt.timedelta(minutes=i) for i in range(minutes)]  # none missing


@pytest.mark.parametrize("jump", [dt.timedelta(hours=1), -dt.timedelta(hours=1)], ids=str)
@pytest.mark.parametrize("family", ["gatt-standard", "infinitime"])
async def test_a_device_dst_jump_at_night_keeps_utc_minutes_exact(
    store: Store, family: str, jump: dt.timedelta
) -> None:
    s = scenario(days=2, start=dt.date(2026, 3, 28))
    address = "C0:00:00:00:00:01" if family == "gatt-standard" else "C1:00:00:00:00:01"
    (device_id,) = setup_store(store, [(family, address, None)])
    faults = FaultPlan(dst_change_at=JUMP_AT, dst_change=jump)
    emulator: Any
    if family == "gatt-standard":
        emulator = StandardBand(s, address=address, faults=faults)
    else:
        emulator = InfiniTimeWatch(s, address=address, faults=faults)
    await _listen(store, emulator, family.replace("-", "_"), s)

    # The fault was real: the device's local clock ended one jump away from the
    # offset written at connect time (CET, +1 h, fixed by Local Time Information).
    assert emulator.device_clock.utc_offset() == dt.timedelta(hours=1) + jump
    start = s.start + dt.timedelta(hours=START_AFTER)
    end = start + dt.timedelta(hours=HOURS)
    assert start < JUMP_AT < dt.datetime(2026, 3, 29, 1, tzinfo=dt.UTC) < end
    frame = stored(store, device_id, start, end)
    _check_minutes(frame, start, end)
    window = [m for m in s.minutes if start <= m.ts < end]
    columns = ["heart_rate"] if family == "gatt-standard" else ["steps", "heart_rate"]
    fns = {
        "heart_rate": lambda m: None if m.state is DeviceState.NOT_WORN else m.heart_rate,
        "steps": lambda m: m.steps,
    }
    got = stored_rows(frame, columns)
    assert got == truth_frame(window, {c: fns[c] for c in columns})
