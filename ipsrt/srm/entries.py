"""Diary entries for SRM scoring: validation and day arithmetic.

The frame the scoring functions of :mod:`ipsrt.srm.scoring` take (columns
``date``, ``activity``, ``minutes`` and the optional ones listed there) is
checked and normalised here, once, into integer diary days; every problem is
an :class:`EntriesError` with a one-line message naming the row.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ipsrt.errors import InvalidInputError
from ipsrt.srm.items import ItemSet, UnknownActivityError
from ipsrt.timeutil import WEEKDAYS

__all__ = [
    "DEFAULT_CLIENT",
    "EntriesError",
    "days_to_dates",
    "prepare_entries",
    "to_days",
    "week_start_index",
]

DEFAULT_CLIENT = "default"
_DAY = 1440.0


class EntriesError(InvalidInputError):
    """An entries frame given to the scoring functions is malformed."""


def week_start_index(week_start: str | int) -> int:
    if isinstance(week_start, int) and 0 <= week_start <= 6:
        return week_start
    if isinstance(week_start, str) and week_start.strip().lower() in WEEKDAYS:
        return WEEKDAYS.index(week_start.strip().lower())
    raise EntriesError(
        f"invalid week start {week_start!r}; expected a weekday name such as 'monday'"
    )


def to_days(dates: pd.Series) -> npt.NDArray[np.int64]:
    """Diary dates as integer days since 1970-01-01; one-line error on a bad or missing date."""
    try:
        parsed = pd.to_datetime(dates, errors="raise")
    except (ValueError, TypeError) as exc:
        raise EntriesError(f"entries: invalid date ({exc})") from exc
    if parsed.isna().any():
        raise EntriesError("entries: missing date")
    if getattr(parsed.dt, "tz", None) is not None:
        raise EntriesError("entries: dates must be plain diary dates, not instants")
    return np.asarray(parsed.to_numpy().astype("datetime64[D]").astype(np.int64))


def days_to_dates(days: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """``datetime.date`` objects for integer days since 1970-01-01."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype(object)


def prepare_entries(entries: pd.DataFrame, items: ItemSet) -> pd.DataFrame:
    """Validate *entries* and return a normalised frame with integer ``day``."""
    for col in ("date", "activity"):
        if col not in entries.columns:
            raise EntriesError(f"entries: missing column {col!r}")
    if "minutes" not in entries.columns:
        raise EntriesError("entries: missing column 'minutes'")
    n = len(entries)
    minutes = pd.to_numeric(entries["minutes"], errors="coerce").to_numpy(dtype=np.float64)
    if "status" in entries.columns:
        status = entries["status"].astype(str).to_numpy()
        bad = ~np.isin(status, ["done", "not_done"])
        if bad.any():
            raise EntriesError(
                f"entries row {int(np.argmax(bad))}: status {status[bad][0]!r} "
                "is not 'done' or 'not_done'"
            )
        done = status == "done"
    else:
        done = np.isfinite(minutes)
    bad_t = done & ~((minutes >= 0) & (minutes < _DAY))
    if bad_t.any():
        i = int(np.argmax(bad_t))
        raise EntriesError(f"entries row {i}: minutes {minutes[i]!r} outside 0..1439")
    activity = entries["activity"].astype(str).to_numpy()
    known = np.isin(activity, list(items.keys))
    if not known.all():
        i = int(np.argmax(~known))
        raise UnknownActivityError(
            f"entries row {i}: unknown activity {activity[i]!r} for {items.label}"
        )
    if "source" in entries.columns and entries["source"].nunique(dropna=False) > 1:
        raise EntriesError("entries mix sources; score diary and estimated anchors separately")

    def optional(col: str) -> npt.NDArray[np.float64]:
        if col not in entries.columns:
            return np.full(n, np.nan)
        return pd.to_numeric(entries[col], errors="coerce").to_numpy(dtype=np.float64)

    people = optional("people")
    bad_p = np.isfinite(people) & ~np.isin(people, [0.0, 1.0, 2.0, 3.0])
    if bad_p.any():
        i = int(np.argmax(bad_p))
        raise EntriesError(f"entries row {i}: people code {people[i]!r} outside 0..3")
    target = optional("target")
    bad_g = np.isfinite(target) & ~((target >= 0) & (target < _DAY))
    if bad_g.any():
        i = int(np.argmax(bad_g))
        raise EntriesError(f"entries row {i}: target {target[i]!r} outside 0..1439")
    client = (
        entries["client"].astype(str).to_numpy()
        if "client" in entries.columns
        else np.full(n, DEFAULT_CLIENT, dtype=object)
    )
    frame = pd.DataFrame(
        {
            "client": client,
            "day": to_days(entries["date"]) if n else np.zeros(0, dtype=np.int64),
            "activity": activity,
            "done": done,
            "minutes": np.where(done, minutes, np.nan),
            "people": np.where(done, people, np.nan),
            "target": target,
        }
    )
    dup = frame.duplicated(["client", "day", "activity"])
    if dup.any():
        i = int(np.argmax(dup.to_numpy()))
        raise EntriesError(
            f"entries row {i}: second entry for {days_to_dates([frame['day'].iat[i]])[0]} "
            f"{frame['activity'].iat[i]!r}"
        )
    return frame
