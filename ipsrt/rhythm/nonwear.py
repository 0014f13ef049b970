"""Non-wear detection (long runs of zero activity with no heart rate) and the input grid.

:func:`regular_series` validates an activity Series and puts it on a complete
regular UTC grid; the sleep modules share it.

A wrist device that lies on a table records zero activity and, if it has an
optical sensor, no heart rate. A sleeping wearer also moves little, but the
heart-rate sensor still reads a pulse; so a run of zeros with heart rate
present is *not* non-wear, however long it is. When no heart-rate channel
exists at all (classic actigraphs), only the length of the zero run decides,
and a very still sleep of more than *min_minutes* would be masked: pick the
threshold accordingly.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ipsrt.errors import InvalidInputError, InvalidTimeError

__all__ = ["DEFAULT_NONWEAR_MINUTES", "MINUTE", "apply_nonwear", "detect_nonwear", "regular_series"]

MINUTE = pd.Timedelta(seconds=60)

#: Default minimum length of a zero run counted as non-wear (minutes).
DEFAULT_NONWEAR_MINUTES = 120


_NS_PER_UNIT = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


def regular_series(values: pd.Series, *, name: str = "counts") -> tuple[pd.Series, pd.Timedelta]:
    """Validate *values* and put them on a complete regular UTC grid.

    Returns the float Series (absent timestamps filled with NaN) and its epoch.
    Raises :class:`InvalidInputError` (one line) for naive or unsorted
    timestamps, duplicates, irregular spacing, non-numeric or negative values.

    The checks run on the index's int64 instants and the values as one
    float64 array (no pandas reductions): strictly increasing steps, every
    step a whole multiple of the smallest one.
    """
    if not isinstance(values, pd.Series):
        raise InvalidInputError(f"{name} must be a pandas Series, got {type(values).__name__}")
    index = values.index
    if not isinstance(index, pd.DatetimeIndex):
        raise InvalidInputError(f"{name} must be indexed by a DatetimeIndex")
    if index.tz is None:
        raise InvalidTimeError(f"{name} has naive timestamps: the index must be timezone-aware")
    if len(values) < 2:
        raise InvalidInputError(f"{name} needs at least 2 epochs, got {len(values)}")
    scale = _NS_PER_UNIT.get(str(index.unit))
    if scale is None:  # pragma: no cover - pandas has only these units
        index, scale = index.as_unit("ns"), 1
    steps = np.diff(index.asi8)
    step = int(steps[0])
    regular = step > 0 and not (steps != step).any()
    if not regular:
        if (steps <= 0).any():
            raise InvalidInputError(f"{name} timestamps must be unique and increasing")
        step = int(steps.min())
        if (steps % step).any():
            raise InvalidInputError(
                f"{name} timestamps are irregular: spacing must be a whole epoch"
            )
    if values.dtype.kind in "biuf":
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    else:
        try:
            arr = pd.to_numeric(values, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"{name} must be numeric") from exc
    # fmin/fmax skip NaN: one pass each finds a negative or an infinite value
    lo, hi = float(np.fmin.reduce(arr)), float(np.fmax.reduce(arr))
    if lo < 0 or hi == np.inf:
        raise InvalidInputError(f"{name} must be finite and non-negative (NaN = missing)")
    utc = index.tz_convert("UTC")
    if scale != 1:
        utc = utc.as_unit("ns")
    epoch = pd.Timedelta(step * scale, unit="ns")
    data = pd.Series(arr, index=utc, name=values.name, copy=False)
    if not regular:
        data = data.reindex(pd.date_range(utc[0], utc[-1], freq=epoch))
    return data, epoch


def detect_nonwear(
    counts: pd.Series,
    *,
    heart_rate: pd.Series | None = None,
    min_minutes: float = DEFAULT_NONWEAR_MINUTES,
    activity_threshold: float = 0.0,
) -> pd.Series:
    r"""Boolean mask, True where the device was probably not worn.

    Parameters
    ----------
    counts
        Activity counts on a timezone-aware regular index; NaN = missing.
    heart_rate
        Optional heart rate (beats/min) on the same kind of index; NaN or a
        value <= 0 means no reading. Timestamps are matched exactly (after
        conversion to UTC); counts epochs without a heart-rate row have no
        reading.
    min_minutes
        Minimum length of a run, in real minutes, to be non-wear. Default
        120 min.
    activity_threshold
        Epochs with counts <= this value are "no activity". Default 0.

    Returns
    -------
    pandas.Series
        Bool Series on the regular UTC grid of *counts*.

    Notes
    -----
    An epoch is a non-wear candidate when its count is <= *activity_threshold*
    or missing, **and** it has no heart-rate reading. Every maximal run of
    candidates lasting at least *min_minutes* is non-wear. Missing count
    epochs join runs (a device that stopped recording and shows no pulse was
    not worn either), so a non-wear run may span a data gap.

    The 120-min default follows pyActigraphy's advice for its inactivity mask
    (``create_inactivity_mask``, runs of zeros of 2 h or more) and is longer
    than the accelerometer rules of Troiano et al. (2008), 60 min, and Choi et
    al. (2011), 90 min, because a wrist actigraph without heart rate can read
    zero for an hour during quiet sleep. Unlike Choi et al., no short
    activity spikes are tolerated inside a run.

    References
    ----------
    Troiano, R. P., et al. (2008). Physical activity in the United States
    measured by accelerometer. *Med Sci Sports Exerc* 40(1), 181-188.
    https://doi.org/10.1249/mss.0b013e31815a51b3

    Choi, L., Liu, Z., Matthews, C. E., & Buchowski, M. S. (2011). Validation
    of accelerometer wear and nonwear time classification algorithm. *Med Sci
    Sports Exerc* 43(2), 357-364. https://doi.org/10.1249/MSS.0b013e3181ed61a3

    Hammad, G., et al. (2021). pyActigraphy: open-source python package for
    actigraphy data visualization and analysis. *PLoS Comput Biol* 17(10),
    e1009514. https://doi.org/10.1371/journal.pcbi.1009514

    Examples
    --------
    >>> idx = pd.date_range("2024-01-01", periods=200, freq="min", tz="UTC")
    >>> counts = pd.Series([5.0] * 40 + [0.0] * 130 + [5.0] * 30, index=idx)
    >>> int(detect_nonwear(counts).sum())
    130
    >>> hr = pd.Series(60.0, index=idx)
    >>> int(detect_nonwear(counts, heart_rate=hr).sum())
    0
    """
    if not np.isfinite(min_minutes) or min_minutes <= 0:
        raise InvalidInputError(f"min_minutes must be a positive number, got {min_minutes!r}")
    data, epoch = regular_series(counts)
    no_hr = _no_heart_rate(heart_rate, pd.DatetimeIndex(data.index))
    a = data.to_numpy()
    candidate = (np.isnan(a) | (a <= activity_threshold)) & no_hr
    min_epochs = int(np.ceil(pd.Timedelta(minutes=min_minutes) / epoch))
    mask = _long_runs(candidate, min_epochs)
    return pd.Series(mask, index=data.index, name="nonwear")


def _no_heart_rate(heart_rate: pd.Series | None, index: pd.DatetimeIndex) -> npt.NDArray[np.bool_]:
    if heart_rate is None:
        return np.ones(len(index), dtype=bool)
    if not isinstance(heart_rate, pd.Series) or not isinstance(heart_rate.index, pd.DatetimeIndex):
        raise InvalidInputError("heart_rate must be a pandas Series with a DatetimeIndex")
    if heart_rate.index.tz is None:
        raise InvalidInputError("heart_rate has naive timestamps: the index must be timezone-aware")
    hr = pd.to_numeric(heart_rate, errors="coerce").astype(np.float64)
    hr.index = heart_rate.index.tz_convert("UTC").as_unit("ns")
    if not hr.index.is_unique:
        raise InvalidInputError("heart_rate timestamps must be unique")
    aligned = hr.reindex(index).to_numpy()
    return np.asarray(~(aligned > 0), dtype=bool)  # NaN > 0 is False: no reading


def _long_runs(flag: npt.NDArray[np.bool_], min_len: int) -> npt.NDArray[np.bool_]:
    """True on every maximal run of True in *flag* at least *min_len* long."""
    n = flag.size
    if n == 0:
        return flag.copy()
    padded = np.concatenate(([False], flag, [False])).astype(np.int8)
    edges = np.diff(padded)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    keep = (ends - starts) >= min_len
    delta = np.zeros(n + 1, dtype=np.int64)
    np.add.at(delta, starts[keep], 1)
    np.add.at(delta, ends[keep], -1)
    return np.cumsum(delta[:-1]) > 0


def apply_nonwear(counts: pd.Series, mask: pd.Series) -> pd.Series:
    """Return *counts* on its regular UTC grid with non-wear epochs set to NaN.

    *mask* is a boolean Series such as :func:`detect_nonwear` returns; epochs
    missing from it count as worn.
    """
    data, _ = regular_series(counts)
    if not isinstance(mask, pd.Series) or not isinstance(mask.index, pd.DatetimeIndex):
        raise InvalidInputError("mask must be a boolean pandas Series with a DatetimeIndex")
    if mask.index.tz is None:
        raise InvalidInputError("mask has naive timestamps: the index must be timezone-aware")
    m = mask.astype(bool)
    m.index = mask.index.tz_convert("UTC").as_unit("ns")
    aligned = m.reindex(data.index, fill_value=False).to_numpy(dtype=bool)
    return data.mask(aligned)
