"""collect_replays: several clients' emulated wearables replay given minutes through the
real collector and the bumble-backed BLE path (the demo's last days)."""

from __future__ import annotations

import asyncio
import datetime as dt

import numpy as np

from devices.emulated.scenario import Scenario
from devices.emulated.session import Replay, collect_replays, emulated_addresses
from ipsrt.store import Store

NOW = dt.datetime(2026, 5, 13, 12, 0, tzinfo=dt.UTC)
FIRST = dt.date(2026, 5, 11)  # two days before NOW's date: history up to NOW


def test_history_and_live_wearables_of_two_clients_deliver_their_own_minutes(
    store: Store,
) -> None:
    store.mark_demo(now=NOW)
    store.add_client("C1", "Europe/Berlin", now=NOW)
    store.add_client("C2", "America/New_York", now=NOW)
    one = Scenario.generate(seed=11, days=3, zone="Europe/Berlin", start_date=FIRST)
    two = Scenario.generate(seed=12, days=3, zone="America/New_York", start_date=FIRST)
    reports = asyncio.run(
        collect_replays(
            store,
            [Replay("C1", "huami", one, NOW), Replay("C2", "gatt-standard", two, NOW)],
            now=NOW,
            window=dt.timedelta(minutes=5),
            progress=lambda _line: None,
        )
    )
    assert len(reports) == 2
    assert all(r.error_count == 0 for r in reports.values()), reports
    (huami,) = store.devices("C1")
    (band,) = store.devices("C2")
    assert band.family == "gatt-standard"
    assert (huami.family, huami.emulated) == ("huami", True)
    assert huami.address == emulated_addresses(store.client("C1").id)["huami"]
    # The Huami band's history: every minute from its scenario's start to NOW, as replayed.
    stored = store.minute_frame("C1", one.start, NOW)
    truth = [m for m in one.minutes if m.ts < NOW]
    assert len(stored) == len(truth)
    assert stored["steps"].to_numpy(float).tolist() == [float(m.steps) for m in truth]
    # Huami's raw kinds have no REM: the band reports REM minutes as light sleep.
    projected = [{"sleep_rem": "sleep_light"}.get(m.state.value, m.state.value) for m in truth]
    assert stored["state"].astype(str).tolist() == projected
    # The live band: only minutes heard from NOW on (the 5-minute window, plus the
    # virtual minutes that pass while it connects), with the replayed heart rate.
    live = store.minute_frame("C2", two.start, NOW + dt.timedelta(hours=1))
    assert 1 <= len(live) <= 20
    assert live.index.min() >= NOW - dt.timedelta(minutes=1)
    expected = [float(two.at(ts.to_pydatetime()).heart_rate) for ts in live.index]
    assert np.array_equal(live["heart_rate"].to_numpy(float), expected)
