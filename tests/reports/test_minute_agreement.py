"""Metrics, alerts and estimated anchors see the same minutes (docs/architecture.md,
"Which minutes count"), on SQLite and PostgreSQL.

The data set is built so that the two rules this project once had disagree:
a second, unlabelled device reports wake-level activity through every night
(taking the larger count across devices would wake the client up), and one
night's heart rate is implausible (dropping every flagged row would lose the
labelled night). Under the one rule, every consumer sees the labelled nights.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import NOW

import ipsrt.reports.summaries
import ipsrt.reports.wearable
from ipsrt.enums import Quality
from ipsrt.reports.alerts import daily_table
from ipsrt.reports.metrics import client_panel
from ipsrt.reports.nights import estimated_entries, main_sleeps
from ipsrt.store import Store
from tests.reports.test_alerts import FIRST_NIGHT, LAST_NIGHT, TZ, night_minutes

BAD_HEART_NIGHT = FIRST_NIGHT + dt.timedelta(days=3)
NIGHTS = [FIRST_NIGHT + dt.timedelta(days=i) for i in range(22)]
DURATIONS = [480.0] * 21 + [300.0]  # the last night is the short one (wake at 04:00)


@pytest.fixture
def stored(store: Store) -> Store:
    store.add_client("C001", TZ, now=NOW)
    labelled = store.add_device("C001", "huami", "C8:0F:10:00:00:01", now=NOW)
    unlabelled = store.add_device("C001", "gatt-standard", "C0:00:00:00:00:09", now=NOW)
    assert labelled.id is not None
    assert unlabelled.id is not None
    a = night_minutes(labelled.id)
    local = pd.DatetimeIndex(a["ts"]).tz_convert(TZ)
    night_of = (local - pd.Timedelta(hours=12)).date
    asleep = (a["state"] != "awake").to_numpy()
    a.loc[(night_of == BAD_HEART_NIGHT) & asleep, "heart_rate"] = 250  # quarantined by the store
    b = a.assign(device_id=unlabelled.id, state="unknown", activity=400.0, steps=60, heart_rate=70)
    store.upsert_minute_samples(pd.concat([a, b]), now=NOW)
    frame = store.minute_frame("C001", a["ts"].iloc[0], a["ts"].iloc[-1])
    flagged = frame["quality"].to_numpy() & int(Quality.HEART_RATE_IMPLAUSIBLE)
    assert flagged.sum() == 480  # the trap is in place
    return store


def test_metrics_alerts_and_estimated_anchors_see_the_same_nights(
    stored: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = ipsrt.reports.wearable.minutes_on_grid

    def spy(samples: pd.DataFrame, excluded: frozenset[int], *args: Any) -> pd.DataFrame:
        calls.append(type(samples).__name__)
        return real(samples, excluded, *args)

    # The metrics read the minutes directly; the summaries behind the alerts,
    # nights and estimated anchors read them while the records are written.
    monkeypatch.setattr(ipsrt.reports.wearable, "minutes_on_grid", spy)
    monkeypatch.setattr(ipsrt.reports.summaries, "minutes_on_grid", spy)

    # Metrics over whole local days holding every night completely.
    figures = client_panel(stored, "C001", FIRST_NIGHT, LAST_NIGHT + dt.timedelta(days=1))
    assert figures["nights"] == 22
    assert figures["sleep_duration_mean"] == pytest.approx(np.mean(DURATIONS), abs=1e-9)
    assert figures["sleep_onset_mean"] == pytest.approx(23 * 60, abs=1e-6)

    # Alerts: the daily table's night durations (date D holds night D-1).
    table = daily_table(
        stored, "C001", start=FIRST_NIGHT + dt.timedelta(days=1), end=NOW.date()
    ).set_index("date")
    assert table["sleep_duration_min"].tolist() == DURATIONS

    # Estimated anchors: bed at the onsets, out of bed at the offsets.
    entries = estimated_entries(stored, "C001", FIRST_NIGHT, NOW.date())
    bed = entries[entries["activity"] == "bed"].set_index("date")["minutes"]
    rise = entries[entries["activity"] == "out_of_bed"].set_index("date")["minutes"]
    assert bed.reindex(NIGHTS).tolist() == [23 * 60] * 22
    assert rise.reindex([n + dt.timedelta(days=1) for n in NIGHTS]).tolist() == [7 * 60] * 21 + [
        4 * 60
    ]

    # The nights behind all three are those of the one entry point.
    nights = main_sleeps(stored, "C001", FIRST_NIGHT, LAST_NIGHT)
    assert nights["duration_min"].tolist()[-22:] == DURATIONS
    assert len(calls) >= 4  # the panel's read and at least three summary weeks
