"""Turn stored minute samples into the inputs of the rhythm metrics (pure).

The store keeps what each device said per UTC minute; the rhythm metrics want
one regular series of activity counts on the client's local clock, with NaN
where nothing trustworthy was recorded.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ipsrt.errors import InvalidInputError
from ipsrt.timeutil import local_midnight, zone

__all__ = ["activity_counts", "local_day_bounds"]


def local_day_bounds(first: dt.date, last: dt.date, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants of local midnight starting *first* and ending *last* (inclusive days)."""
    if last < first:
        raise InvalidInputError(f"--to {last} is before --from {first}")
    return local_midnight(first, tz), local_midnight(last + dt.timedelta(days=1), tz)


def activity_counts(
    samples: pd.DataFrame, start: dt.datetime, end: dt.datetime, tz: str
) -> tuple[pd.Series, pd.Series]:
    """Per-minute activity counts and device states on a full local minute grid.

    Parameters
    ----------
    samples
        Output of :meth:`ipsrt.store.Store.minute_frame` (UTC minute index).
    start, end
        The window (``start <= t < end``), timezone-aware.
    tz
        The client's IANA zone; the result's index is in this zone.

    Returns
    -------
    counts, states
        ``counts`` is the device's activity value where it reports one, else
        its steps; NaN where the minute is missing, quarantined (quality flag
        set) or marked ``not_worn``. Where several devices recorded a minute
        the largest count is kept. ``states`` holds the device state label of
        the same minute (the first device's, by id) or NaN.
    """
    grid = pd.date_range(
        pd.Timestamp(start).tz_convert("UTC"),
        pd.Timestamp(end).tz_convert("UTC"),
        freq="min",
        inclusive="left",
    )
    if samples.empty:
        empty = pd.Series(np.nan, index=grid, dtype="float64")
        return empty.tz_convert(zone(tz)), empty.astype(object).tz_convert(zone(tz))
    usable = samples[(samples["quality"] == 0) & (samples["state"] != "not_worn")]
    value = usable["activity"].astype("float64")
    value = value.where(value.notna(), usable["steps"].astype("float64"))
    counts = value.groupby(level=0).max().reindex(grid)
    states = samples["state"].astype(object).groupby(level=0).first().reindex(grid)
    counts.index = counts.index.tz_convert(zone(tz))
    states.index = counts.index
    return counts.rename("counts"), states.rename("state")
