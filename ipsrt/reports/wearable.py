"""A client's wearable minutes as every consumer sees them, and what they say about nights.

All readers of stored minutes (``ipsrt metrics --client``, the alert runs,
estimated SRM anchors) call :func:`client_minutes`, so they all apply the one
rule of :mod:`ipsrt.minutes` to the same rows. In a clinic database the
minutes of emulated devices never count; in a demo database (``ipsrt
collect --emulated``, ``ipsrt demo``) they do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ipsrt.errors import InvalidInputError
from ipsrt.minutes import local_minute_grid, select_minutes, sleep_states
from ipsrt.models import Client
from ipsrt.plain import json_ready
from ipsrt.rhythm.sleep_timing import NIGHT_COLUMNS, sleep_timing
from ipsrt.srm.estimated import estimate_anchors
from ipsrt.store import Store
from ipsrt.timeutil import local_midnight

__all__ = [
    "BIN_COLUMNS",
    "ESTIMATED_COLUMNS",
    "activity_bins",
    "actogram",
    "client_minutes",
    "counted_devices",
    "estimated_entries",
    "last_data",
    "main_sleeps",
]

ESTIMATED_COLUMNS = ("client", "date", "activity", "minutes", "status", "source")
#: Columns of :func:`activity_bins`.
BIN_COLUMNS = ("date", "bin_start", "mean_activity", "worn_minutes", "sleep_minutes")
_DAY = dt.timedelta(days=1)


def counted_devices(store: Store, client_code: str) -> tuple[list[int], frozenset[int]]:
    """The client's device ids whose minutes count, and those that do not (emulated ones
    in a clinic database)."""
    devices = store.devices(client_code)
    demo = store.purpose == "demo"
    excluded = frozenset(int(d.id) for d in devices if d.emulated and not demo and d.id)
    counted = [int(d.id) for d in devices if d.id is not None and d.id not in excluded]
    return counted, excluded


def client_minutes(
    store: Store, client_code: str, start: dt.datetime, end: dt.datetime
) -> pd.DataFrame:
    """The minutes that count for ``start <= t < end`` on the client's local 1-minute grid.

    Columns :data:`ipsrt.minutes.MINUTE_COLUMNS`; see :mod:`ipsrt.minutes` for the rule.
    """
    client = store.client(client_code)
    _counted, excluded = counted_devices(store, client_code)
    samples = store.minute_frame(client_code, start, end)
    selected = select_minutes(samples, excluded_devices=excluded)
    return local_minute_grid(selected, start, end, client.timezone)


def _nights(
    store: Store, client: Client, start: dt.date, end: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nights (and the minutes) around dates *start*..*end*, two days of context either side."""
    tz = client.timezone
    minutes = client_minutes(
        store, client.code, local_midnight(start - 2 * _DAY, tz), local_midnight(end + 3 * _DAY, tz)
    )
    if minutes["counts"].isna().all() and minutes["state"].isna().all():
        return pd.DataFrame(columns=list(NIGHT_COLUMNS)), minutes
    return sleep_timing(sleep_states(minutes), tz), minutes


def main_sleeps(store: Store, client_code: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Main sleep per night for nights ``start - 1 .. end`` (columns ``NIGHT_COLUMNS``).

    Sleep is the device's label where present, else Cole-Kripke scoring
    (:func:`ipsrt.minutes.sleep_states`). Empty when no minute counts.
    """
    client = store.client(client_code)
    nights, _minutes = _nights(store, client, start, end)
    if nights.empty:
        return nights
    keep = (nights["night"] >= start - _DAY) & (nights["night"] <= end)
    return nights.loc[keep].reset_index(drop=True)


def estimated_entries(store: Store, client_code: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Estimated SRM anchors for local dates *start*..*end* from the wearable minutes.

    Entries in the :func:`ipsrt.srm.score_weeks` format with ``source =
    "estimated"`` (:func:`ipsrt.srm.estimated.estimate_anchors`); empty when
    no minute counts. Never merged with the diary.
    """
    client = store.client(client_code)
    nights, minutes = _nights(store, client, start, end)
    if nights.empty:
        return pd.DataFrame(columns=list(ESTIMATED_COLUMNS))
    steps = minutes["steps"].dropna()
    steps.index = steps.index.tz_convert("UTC")
    entries = estimate_anchors(nights, steps, client.timezone)
    keep = (entries["date"] >= start) & (entries["date"] <= end)
    return entries.loc[keep].assign(client=client_code).reset_index(drop=True)


def last_data(store: Store, client_code: str, before: dt.datetime) -> pd.Timestamp | None:
    """The latest stored minute of the client's counted devices before *before*."""
    counted, _excluded = counted_devices(store, client_code)
    return store.last_minute(counted, before)


def _bin_sums(
    minutes: pd.DataFrame, first: dt.date, days: int, bin_minutes: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Mean count, worn and sleep minutes per (local day, local clock bin), as days × bins."""
    if bin_minutes < 1 or 1440 % bin_minutes:
        raise InvalidInputError(f"bin of {bin_minutes} minutes does not divide a day")
    per_day = 1440 // bin_minutes
    index = pd.DatetimeIndex(minutes.index)
    # Local wall-clock minutes since 1970-01-01 00:00: the day and the clock time.
    wall = index.tz_localize(None).as_unit("s").asi8 // 60
    day = wall // 1440 - (first - dt.date(1970, 1, 1)).days
    cell = day * per_day + (wall % 1440) // bin_minutes
    size = days * per_day
    counts = minutes["counts"].to_numpy(dtype=np.float64, na_value=np.nan)
    worn = ~np.isnan(counts)
    asleep = sleep_states(minutes).to_numpy(dtype=np.float64, na_value=np.nan) == 1
    worn_n = np.bincount(cell[worn], minlength=size)[:size]
    total = np.bincount(cell[worn], weights=counts[worn], minlength=size)[:size]
    sleep_n = np.bincount(cell[asleep], minlength=size)[:size]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(worn_n > 0, total / np.maximum(worn_n, 1), np.nan)
    shape = (days, per_day)
    return mean.reshape(shape), worn_n.reshape(shape), sleep_n.reshape(shape)


def _day_minutes(store: Store, client_code: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    if end < start:
        raise InvalidInputError(f"end date {end} is before start date {start}")
    tz = store.client(client_code).timezone
    return client_minutes(
        store, client_code, local_midnight(start, tz), local_midnight(end + _DAY, tz)
    )


def activity_bins(
    store: Store, client_code: str, start: dt.date, end: dt.date, *, bin_minutes: int = 10
) -> pd.DataFrame:
    """The client's selected minutes of local dates *start*..*end* in bins of local clock time.

    One row per local date and bin (``bin_start``: minute of the local day,
    0, *bin_minutes*, ...), columns :data:`BIN_COLUMNS`:

    * ``mean_activity``: mean activity count of the worn minutes in the bin
      (NaN when none), :math:`\\bar c = \\sum_{m \\in W} c_m / |W|`;
    * ``worn_minutes``: :math:`|W|`, minutes with an activity count (a
      ``not_worn`` label removes it, :mod:`ipsrt.minutes` rule 4);
    * ``sleep_minutes``: minutes asleep by :func:`ipsrt.minutes.sleep_states`
      (the device's label, else Cole-Kripke scoring), as for :func:`main_sleeps`.

    Minutes come from :func:`client_minutes` (the one selection rule), never
    raw rows. Bins follow the local clock (``docs/architecture.md``, "Screen
    reads"): on a 23-hour day the skipped hour's bins are empty; on a 25-hour
    day the repeated hour falls twice into the same bins, which then hold up
    to ``2 * bin_minutes`` minutes.
    """
    minutes = _day_minutes(store, client_code, start, end)
    days = (end - start).days + 1
    mean, worn, asleep = _bin_sums(minutes, start, days, bin_minutes)
    per_day = mean.shape[1]
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    return pd.DataFrame(
        {
            "date": np.repeat(np.array(dates, dtype=object), per_day),
            "bin_start": np.tile(np.arange(per_day) * bin_minutes, days),
            "mean_activity": mean.ravel(),
            "worn_minutes": worn.ravel(),
            "sleep_minutes": asleep.ravel(),
        }
    )


def actogram(
    store: Store, client_code: str, start: dt.date, end: dt.date, *, bin_minutes: int = 10
) -> dict[str, Any]:
    """:func:`activity_bins` as a compact JSON-ready dict for a screen (an actogram).

    Keys: ``client``, ``start``, ``end`` (ISO dates), ``bin_minutes``,
    ``days`` (ISO dates, one per row) and three days × bins matrices as lists
    of lists: ``activity`` (mean count rounded to 0.1, null where no worn
    minute), ``worn`` and ``sleep`` (whole minutes).
    """
    minutes = _day_minutes(store, client_code, start, end)
    days = (end - start).days + 1
    mean, worn, asleep = _bin_sums(minutes, start, days, bin_minutes)
    return {
        "client": client_code,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "bin_minutes": bin_minutes,
        "days": [(start + dt.timedelta(days=i)).isoformat() for i in range(days)],
        "activity": json_ready(np.round(mean, 1)),
        "worn": json_ready(worn),
        "sleep": json_ready(asleep),
    }
