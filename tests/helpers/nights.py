"""Wearable minutes of regular nights with one short night, for tests of stored data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd


def labelled_nights(
    device_id: int,
    *,
    first_night: dt.date,
    last_night: dt.date,
    short_night: dt.date | None,
    tz: str,
    seed: int = 4,
    short_wake_min: int = 4 * 60,
) -> pd.DataFrame:
    """Device-labelled minutes of the nights *first_night*..*last_night* in zone *tz*.

    Asleep 23:00-07:00 local, except *short_night* (23:00 to *short_wake_min*
    minutes after midnight, default 04:00). Minutes run
    from noon before the first night to 11:00 local the morning after the
    last; awake minutes carry steps and activity, sleep minutes none; heart
    rate throughout.
    """
    start = pd.Timestamp(f"{first_night} 12:00", tz=tz)
    end = pd.Timestamp(f"{last_night + dt.timedelta(days=1)} 11:00", tz=tz)
    local = pd.date_range(start, end, freq="min", inclusive="left")
    clock = local.hour * 60 + local.minute
    night = (local - pd.Timedelta(hours=12)).date
    wake_at = np.where(night == short_night, short_wake_min, 7 * 60)
    asleep = (clock >= 23 * 60) | (clock < wake_at)
    n = len(local)
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "device_id": device_id,
            "ts": local.tz_convert("UTC"),
            "steps": np.where(asleep, 0, rng.integers(0, 40, n)),
            "activity": np.where(asleep, 0.0, 50.0 + rng.random(n) * 100),
            "heart_rate": np.where(asleep, 52, 75),
            "state": np.where(
                asleep, np.where(clock % 90 < 30, "sleep_deep", "sleep_light"), "awake"
            ),
        }
    )
