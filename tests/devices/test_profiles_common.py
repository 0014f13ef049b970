"""Shared helpers of the profile and collector tests (not a test module)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from devices.collector import Collector
from devices.emulated import EmulatedClientBackend, EmulatedScannerBackend, World
from devices.emulated.scenario import DeviceState, MinuteTruth, Scenario
from devices.profiles import DEFAULT_PROFILES, ProfileFactory
from devices.profiles.base import Clock, DeviceContext, Profile, Sleep
from ipsrt.store import Store

ZONE = "Europe/Berlin"
NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
KEY_HEX = "00112233445566778899aabbccddeeff"


def scenario(days: int = 1, start: dt.date = dt.date(2026, 3, 28), seed: int = 5) -> Scenario:
    return Scenario.generate(seed=seed, days=days, zone=ZONE, start_date=start)


async def fast_sleep(seconds: float) -> None:
    """Backoff and polling without real waiting (a tiny real pause keeps the loop fair)."""
    await asyncio.sleep(min(seconds, 0.001))


def setup_store(store: Store, devices: list[tuple[str, str, str | None]]) -> list[int]:
    """Client ``c1`` in Berlin and ``(family, address, secret)`` devices; returns their ids."""
    store.add_client("c1", ZONE, now=NOW)
    ids = []
    for family, address, secret in devices:
        device = store.add_device("c1", family, address, now=NOW, secret=secret)
        assert device.id is not None
        ids.append(device.id)
    return ids


def with_options(**options: Any) -> dict[str, ProfileFactory]:
    """Profile factories with keyword options per family (``{"huami": {...}}``)."""
    out = dict(DEFAULT_PROFILES)
    for family, kwargs in options.items():
        cls = type(DEFAULT_PROFILES[family.replace("_", "-")](_DUMMY, _clock, fast_sleep))

        def make(
            device: DeviceContext, clock: Clock, sleep: Sleep, cls: Any = cls, kw: Any = kwargs
        ) -> Profile:
            return cls(device, clock=clock, sleep=sleep, **kw)

        out[family.replace("_", "-")] = make
    return out


def _clock() -> dt.datetime:
    return NOW


_DUMMY = DeviceContext(0, "00:00:00:00:00:00", __import__("zoneinfo").ZoneInfo("UTC"), None)


def collector(store: Store, world: World, **kwargs: Any) -> Collector:
    kwargs.setdefault("sleep", fast_sleep)
    kwargs.setdefault("connect_attempts", 1)
    kwargs.setdefault("scan_timeout", 2.0)
    kwargs.setdefault("connect_timeout", 5.0)
    return Collector(
        store,
        backend_client_cls=EmulatedClientBackend,
        scanner_cls=EmulatedScannerBackend,
        clock=world.clock.now,
        **kwargs,
    )


async def wait_until(predicate: Callable[[], bool], limit: float = 10.0) -> None:
    """Poll ``predicate`` (state of the code under test has no event to wait on)."""
    async with asyncio.timeout(limit):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.002)


def stored(store: Store, device_id: int, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    frame = store.minute_frame("c1", start, end, device_id=device_id)
    return frame


def truth_frame(
    minutes: list[MinuteTruth], columns: Mapping[str, Callable[[MinuteTruth], Any]]
) -> dict[dt.datetime, dict[str, Any]]:
    return {m.ts: {name: fn(m) for name, fn in columns.items()} for m in minutes}


def stored_rows(frame: pd.DataFrame, columns: list[str]) -> dict[dt.datetime, dict[str, Any]]:
    out: dict[dt.datetime, dict[str, Any]] = {}
    for ts, row in frame.iterrows():
        values = {}
        for c in columns:
            v = row[c]
            values[c] = None if pd.isna(v) else (v if isinstance(v, str) else int(v))
        out[ts.to_pydatetime()] = values
    return out


HUAMI_STATE = {
    DeviceState.SLEEP_REM: "sleep_light",  # no 4-byte kind for REM (emulator docstring)
}
