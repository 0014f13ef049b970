"""Activity, wear and sleep in bins of local clock time: actograms and daily profiles.

Bins follow the local wall clock (``docs/architecture.md``, "Screen reads"):
bin *k* of a local date holds the minutes whose local clock time lies in
``[k b, (k + 1) b)`` minutes after midnight. On a 23-hour day the skipped
hour's bins are empty; on a 25-hour day the repeated hour falls twice into
the same bins, which then hold up to ``2 b`` minutes. Pure: arrays in, arrays out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import numpy.typing as npt
import pandas as pd

from ipsrt.errors import InvalidInputError

__all__ = ["ClockBins", "clock_bins", "local_days"]

_EPOCH = dt.date(1970, 1, 1)


@dataclasses.dataclass(frozen=True)
class ClockBins:
    """Days × bins matrices: summed activity and minutes worn and asleep."""

    activity_sum: npt.NDArray[np.float64]
    worn: npt.NDArray[np.int64]
    sleep: npt.NDArray[np.int64]

    @property
    def mean_activity(self) -> npt.NDArray[np.float64]:
        r"""Mean count of the worn minutes W: :math:`\bar c = \sum_{m \in W} c_m / |W|`.

        NaN where no minute was worn.
        """
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.worn > 0, self.activity_sum / np.maximum(self.worn, 1), np.nan)


def local_days(index: pd.DatetimeIndex) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Local date (days since 1970-01-01) and local clock minute of each instant of a
    timezone-aware index (its own zone)."""
    wall = pd.DatetimeIndex(index).tz_localize(None).as_unit("s").asi8 // 60
    return wall // 1440, wall % 1440


def clock_bins(
    counts: pd.Series, sleep: pd.Series, first: dt.date, days: int, bin_minutes: int
) -> ClockBins:
    """Bin a local one-minute grid by local date (*first*, *days* of them) and clock time.

    Parameters
    ----------
    counts
        Activity count per minute (NaN: nothing worn or measured) on a
        timezone-aware index in the client's zone.
    sleep
        1 asleep, 0 awake, NaN unknown, on the same index.
    first, days
        The local dates to bin; minutes of other dates are ignored.
    bin_minutes
        Bin length; must divide 1440.
    """
    if bin_minutes < 1 or 1440 % bin_minutes:
        raise InvalidInputError(f"bin of {bin_minutes} minutes does not divide a day")
    per_day = 1440 // bin_minutes
    day, clock = local_days(pd.DatetimeIndex(counts.index))
    day = day - (first - _EPOCH).days
    inside = (day >= 0) & (day < days)
    cell = (day * per_day + clock // bin_minutes)[inside]
    values = counts.to_numpy(dtype=np.float64, na_value=np.nan)[inside]
    asleep = sleep.to_numpy(dtype=np.float64, na_value=np.nan)[inside] == 1
    worn = ~np.isnan(values)
    size = days * per_day
    shape = (days, per_day)
    return ClockBins(
        activity_sum=np.bincount(cell[worn], weights=values[worn], minlength=size)
        .astype(np.float64)
        .reshape(shape),
        worn=np.bincount(cell[worn], minlength=size).reshape(shape),
        sleep=np.bincount(cell[asleep], minlength=size).reshape(shape),
    )
