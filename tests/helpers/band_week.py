"""The known synthetic minutes every export writer and import test starts from.

One client's band minutes, built from a fixed rule (no randomness) so that a
test can state exactly what an import must yield:

- nights: asleep from 23:00 to 07:00 local time, in a repeating 90-minute
  cycle of 30 min light, 20 min deep, 25 min light, 15 min REM, with a
  5-minute awakening at 03:00; across a DST change the night is an hour
  shorter (spring) or longer (autumn) in real time;
- days: steps in each awake minute from a fixed pattern (0 to 120), heart
  rate 55 + a fixed pattern while asleep, 70 + a pattern while awake;
- one non-wear gap: 14:00-16:00 local on the third day (no steps, no heart
  rate, state ``not_worn``).

``band_week("Europe/Berlin", date(2026, 3, 26))`` crosses the spring change
of 29 March 2026; ``band_week("Pacific/Auckland", date(2026, 4, 1))`` crosses
Auckland's autumn change of 5 April 2026.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

__all__ = ["AUCKLAND_WEEK", "BERLIN_WEEK", "band_week"]

BERLIN_WEEK = ("Europe/Berlin", dt.date(2026, 3, 26))
AUCKLAND_WEEK = ("Pacific/Auckland", dt.date(2026, 4, 1))

_CYCLE = ["sleep_light"] * 30 + ["sleep_deep"] * 20 + ["sleep_light"] * 25 + ["sleep_rem"] * 15


def band_week(tz: str, first_day: dt.date, days: int = 7) -> pd.DataFrame:
    """Minutes from local midnight of *first_day* for *days* local days.

    Columns ``ts`` (UTC minute starts, strictly increasing), ``steps``,
    ``heart_rate`` (float64, NaN where not worn), ``state`` (a DeviceState
    label: ``sleep_light``, ``sleep_deep``, ``sleep_rem``, ``awake``,
    ``not_worn``).
    """
    start = pd.Timestamp(first_day).tz_localize(tz)
    end = pd.Timestamp(first_day + dt.timedelta(days=days)).tz_localize(tz)
    ts = pd.date_range(start.tz_convert("UTC"), end.tz_convert("UTC"), freq="min", inclusive="left")
    local = ts.tz_convert(tz)
    minute_of_day = (local.hour * 60 + local.minute).to_numpy()
    asleep = (minute_of_day >= 23 * 60) | (minute_of_day < 7 * 60)
    # Minutes since the night's 23:00 onset (local clock; wraps at midnight).
    into_night = np.where(minute_of_day >= 23 * 60, minute_of_day - 23 * 60, minute_of_day + 60)
    state = np.where(asleep, np.array(_CYCLE, dtype=object)[into_night % len(_CYCLE)], "awake")
    state = np.where(asleep & (minute_of_day >= 180) & (minute_of_day < 185), "awake", state)
    n = np.arange(len(ts))
    steps = np.where(asleep, 0.0, ((n * 37) % 121).astype(np.float64))
    steps = np.where(state == "awake", steps, 0.0)
    heart = np.where(asleep, 55.0 + (n % 7), 70.0 + (n * 13) % 31)
    day = np.asarray((local.normalize() - start.normalize()).days)
    off = (day == 2) & (minute_of_day >= 14 * 60) & (minute_of_day < 16 * 60)
    state = np.where(off, "not_worn", state)
    steps = np.where(off, np.nan, steps)
    heart = np.where(off, np.nan, heart)
    return pd.DataFrame(
        {"ts": ts, "steps": steps, "heart_rate": heart, "state": state.astype(object)}
    )
