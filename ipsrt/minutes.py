"""Which stored minutes count, and how they become the inputs of the metrics: the one rule.

Every consumer of a client's wearable minutes (rhythm metrics, alerts,
estimated SRM anchors, the daily summaries and exports to come) goes through
:func:`select_minutes` and :func:`local_minute_grid`, so they all see the same
minutes. The rule, stated in ``docs/architecture.md`` ("Which minutes count"):

1. **Devices**: rows of devices the caller excludes (emulated devices in a
   clinic database) do not count at all.
2. **Time flags** (``TIME_BEFORE_MINIMUM``, ``TIME_IN_FUTURE``): the row's
   timestamp cannot be trusted, so the whole row is dropped.
3. **Value flags** remove only the value they are about: a row flagged
   ``HEART_RATE_IMPLAUSIBLE`` keeps its activity, steps and state with no
   heart rate; ``STEPS_IMPLAUSIBLE`` keeps everything but its steps.
4. **Not worn**: a minute labelled ``not_worn`` has no activity, steps or
   heart rate (nothing was measured); its state is kept.
5. **Activity count** of a minute: the device's ``activity`` value where it
   reports one, else its steps (after 3 and 4).
6. **Overlapping devices**: where several devices recorded the same minute,
   the whole row of one device is used (values are never mixed across
   devices): a worn row over a ``not_worn`` one, then a row with an activity
   count over one without, then a row with a sleep/wake label over an
   ``unknown`` one, then the device registered first (lowest id).

Sleep of stored minutes (:func:`sleep_states`) is the device's sleep/wake
label where it gives one, else Cole-Kripke scoring of the activity counts,
with non-wear detection on runs of zero activity without heart rate
(``docs/sleep.md``).

Pure: frames in, frames out; no store, no clock.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ipsrt.enums import Quality
from ipsrt.errors import InvalidInputError
from ipsrt.rhythm.sleep_scoring import sleep_wake

__all__ = [
    "MINUTE_COLUMNS",
    "local_minute_grid",
    "select_minutes",
    "sleep_states",
]

#: Columns of :func:`select_minutes` and :func:`local_minute_grid`.
MINUTE_COLUMNS = ("device_id", "counts", "steps", "heart_rate", "state")

_TIME_FLAGS = int(Quality.TIME_BEFORE_MINIMUM | Quality.TIME_IN_FUTURE)
_HEART_FLAG = int(Quality.HEART_RATE_IMPLAUSIBLE)
_STEPS_FLAG = int(Quality.STEPS_IMPLAUSIBLE)
_STORED_COLUMNS = ("device_id", "steps", "activity", "heart_rate", "state", "quality")


def _empty(index: pd.DatetimeIndex) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "device_id": pd.Series(pd.NA, index=index, dtype="Int64"),
            "counts": pd.Series(np.nan, index=index, dtype="float64"),
            "steps": pd.Series(np.nan, index=index, dtype="float64"),
            "heart_rate": pd.Series(np.nan, index=index, dtype="float64"),
            "state": pd.Series(None, index=index, dtype=object),
        }
    )


def select_minutes(
    samples: pd.DataFrame, *, excluded_devices: frozenset[int] = frozenset()
) -> pd.DataFrame:
    """One row per UTC minute: the stored minutes that count, by the module's rule.

    Parameters
    ----------
    samples
        Stored minute samples as :meth:`ipsrt.store.Store.minute_frame` returns
        them: a UTC minute index (repeated where several devices recorded a
        minute) and columns ``device_id``, ``steps``, ``activity``,
        ``heart_rate``, ``state`` (labels) and ``quality`` (flags).
    excluded_devices
        Device ids whose rows do not count (rule 1).

    Returns
    -------
    pandas.DataFrame
        Sorted unique UTC minute index; columns :data:`MINUTE_COLUMNS`:
        ``device_id`` (the device whose row was used), ``counts`` (rule 5),
        ``steps`` and ``heart_rate`` as floats (NaN where removed or absent)
        and ``state`` (label).
    """
    missing = [c for c in _STORED_COLUMNS if c not in samples.columns]
    if missing:
        raise InvalidInputError(f"minute samples lack column(s) {', '.join(missing)}")
    if not isinstance(samples.index, pd.DatetimeIndex) or samples.index.tz is None:
        raise InvalidInputError("minute samples need a timezone-aware minute index")
    device = samples["device_id"].to_numpy(dtype=np.int64)
    quality = samples["quality"].to_numpy(dtype=np.int64)
    keep = ((quality & _TIME_FLAGS) == 0) & ~np.isin(device, list(excluded_devices))
    rows = samples.loc[keep]
    if rows.empty:
        return _empty(pd.DatetimeIndex([], tz="UTC", name=samples.index.name))
    quality = rows["quality"].to_numpy(dtype=np.int64)
    state = rows["state"].astype(object).to_numpy()
    worn = state != "not_worn"
    steps = rows["steps"].to_numpy(dtype=np.float64, na_value=np.nan)
    steps = np.where(worn & ((quality & _STEPS_FLAG) == 0), steps, np.nan)
    heart = rows["heart_rate"].to_numpy(dtype=np.float64, na_value=np.nan)
    heart = np.where(worn & ((quality & _HEART_FLAG) == 0), heart, np.nan)
    activity = rows["activity"].to_numpy(dtype=np.float64, na_value=np.nan)
    counts = np.where(worn, np.where(np.isnan(activity), steps, activity), np.nan)
    chosen = pd.DataFrame(
        {
            "device_id": rows["device_id"].to_numpy(dtype=np.int64),
            "counts": counts,
            "steps": steps,
            "heart_rate": heart,
            "state": state,
        },
        index=rows.index,
    )
    if chosen.index.has_duplicates or not chosen.index.is_monotonic_increasing:
        # Rule 6: lexsort's last key is the primary one.
        order = np.lexsort(
            (
                chosen["device_id"].to_numpy(),
                state == "unknown",
                np.isnan(counts),
                ~worn,
                chosen.index.asi8,
            )
        )
        chosen = chosen.iloc[order]
        chosen = chosen[~chosen.index.duplicated(keep="first")]
    chosen["device_id"] = chosen["device_id"].astype("Int64")
    return chosen


def local_minute_grid(
    selected: pd.DataFrame, start: dt.datetime, end: dt.datetime, tz: str
) -> pd.DataFrame:
    """The selected minutes on a complete 1-minute grid ``start <= t < end`` in the zone *tz*.

    Minutes with no selected row are NaN (``state`` None). The index is in
    the client's zone, so the rhythm metrics read local clock times from it;
    it is still one row per real minute across DST changes.
    """
    grid = pd.date_range(
        pd.Timestamp(start).tz_convert("UTC"),
        pd.Timestamp(end).tz_convert("UTC"),
        freq="min",
        inclusive="left",
    )
    if selected.empty:
        out = _empty(grid)
    else:
        out = selected.reindex(grid)
        out["state"] = out["state"].astype(object).where(out["state"].notna(), None)
    out.index = grid.tz_convert(tz)
    return out[list(MINUTE_COLUMNS)]


def sleep_states(minutes: pd.DataFrame) -> pd.Series:
    """Sleep (1), wake (0) or missing (NaN) per minute of :func:`local_minute_grid`'s frame.

    The device's label where it gives one (``sleep_*`` sleep, ``awake`` wake),
    else Cole-Kripke with Webster's rescoring on ``counts``; ``not_worn`` and
    detected non-wear are missing (:func:`ipsrt.rhythm.sleep_scoring.sleep_wake`
    with ``score_unknown=True``).
    """
    state = minutes["state"].astype(object)
    return sleep_wake(
        minutes["counts"].astype("float64"),
        device_state=state.where(state.notna(), None),
        heart_rate=minutes["heart_rate"].astype("float64"),
        score_unknown=True,
    )
