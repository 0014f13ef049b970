"""A client's wearable minutes as every consumer sees them, and what they say about nights.

All readers of stored minutes (``ipsrt metrics --client``, the daily
summaries behind the alert runs, nights and estimated SRM anchors) reduce
them with :func:`minutes_on_grid` (:func:`client_minutes` reads and reduces),
so they all apply the one rule of :mod:`ipsrt.minutes` to the same rows. In a clinic database the
minutes of emulated devices never count; in a demo database (``ipsrt
collect --emulated``, ``ipsrt demo``) they do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ipsrt.errors import InvalidInputError
from ipsrt.minutes import local_minute_grid, select_minutes, sleep_states
from ipsrt.rhythm.clock_bins import clock_bins
from ipsrt.store import Store
from ipsrt.timeutil import local_midnight

__all__ = [
    "BIN_COLUMNS",
    "activity_bins",
    "client_minutes",
    "counted_devices",
    "last_data",
    "minutes_on_grid",
    "split_devices",
]

#: Columns of :func:`activity_bins`.
BIN_COLUMNS = ("date", "bin_start", "mean_activity", "worn_minutes", "sleep_minutes")
_DAY = dt.timedelta(days=1)


def split_devices(
    devices: Iterable[tuple[int, bool]], *, demo: bool
) -> tuple[list[int], frozenset[int]]:
    """Device ids whose minutes count, and those that do not: emulated devices
    (``(id, emulated)`` pairs) count only in a demo database."""
    pairs = list(devices)
    excluded = frozenset(d for d, emulated in pairs if emulated and not demo)
    return [d for d, _ in pairs if d not in excluded], excluded


def counted_devices(store: Store, client_code: str) -> tuple[list[int], frozenset[int]]:
    """The client's device ids whose minutes count, and those that do not (emulated ones
    in a clinic database)."""
    pairs = [(int(d.id), d.emulated) for d in store.devices(client_code) if d.id is not None]
    return split_devices(pairs, demo=store.purpose == "demo")


def minutes_on_grid(
    samples: pd.DataFrame,
    excluded: frozenset[int],
    start: dt.datetime,
    end: dt.datetime,
    tz: str,
) -> pd.DataFrame:
    """Stored samples reduced to the minutes that count, on the local grid ``start <= t < end``."""
    return local_minute_grid(select_minutes(samples, excluded_devices=excluded), start, end, tz)


def client_minutes(
    store: Store, client_code: str, start: dt.datetime, end: dt.datetime
) -> pd.DataFrame:
    """The minutes that count for ``start <= t < end`` on the client's local 1-minute grid.

    Columns :data:`ipsrt.minutes.MINUTE_COLUMNS`; see :mod:`ipsrt.minutes` for the rule.
    """
    client = store.client(client_code)
    _counted, excluded = counted_devices(store, client_code)
    samples = store.minute_frame(client_code, start, end)
    return minutes_on_grid(samples, excluded, start, end, client.timezone)


def last_data(store: Store, client_code: str, before: dt.datetime) -> pd.Timestamp | None:
    """The latest stored minute of the client's counted devices before *before*."""
    counted, _excluded = counted_devices(store, client_code)
    return store.last_minute(counted, before)


def activity_bins(
    store: Store, client_code: str, start: dt.date, end: dt.date, *, bin_minutes: int = 10
) -> pd.DataFrame:
    """The client's selected minutes of local dates *start*..*end* in bins of local clock time.

    One row per local date and bin (``bin_start``: minute of the local day,
    0, *bin_minutes*, ...), columns :data:`BIN_COLUMNS`: ``mean_activity``
    (mean count of the worn minutes, NaN when none), ``worn_minutes`` (minutes
    with an activity count) and ``sleep_minutes`` (asleep by
    :func:`ipsrt.minutes.sleep_states`), binned by
    :func:`ipsrt.rhythm.clock_bins.clock_bins` (``docs/architecture.md``,
    "Screen reads"). Minutes come from :func:`client_minutes`, never raw rows.
    Screens showing long ranges read the ten-minute bins of the daily
    summaries instead (:func:`ipsrt.reports.timeline.actogram`).
    """
    if end < start:
        raise InvalidInputError(f"end date {end} is before start date {start}")
    tz = store.client(client_code).timezone
    minutes = client_minutes(
        store, client_code, local_midnight(start, tz), local_midnight(end + _DAY, tz)
    )
    days = (end - start).days + 1
    bins = clock_bins(minutes["counts"], sleep_states(minutes), start, days, bin_minutes)
    per_day = bins.worn.shape[1]
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    return pd.DataFrame(
        {
            "date": np.repeat(np.array(dates, dtype=object), per_day),
            "bin_start": np.tile(np.arange(per_day) * bin_minutes, days),
            "mean_activity": bins.mean_activity.ravel(),
            "worn_minutes": bins.worn.ravel(),
            "sleep_minutes": bins.sleep.ravel(),
        }
    )
