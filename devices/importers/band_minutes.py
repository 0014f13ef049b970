"""What every reader of a wearable export returns, and the minute rules they share.

A reader of a band or phone export (Gadgetbridge, Fitbit, Apple Health, Garmin
FIT, Open mHealth) turns one file into an :class:`ExportedMinutes`: the
readings of **one** source device on a grid of whole UTC minutes, with the
columns the store's minute upsert takes (``docs/importing.md``, "What lands in
the database"):

``ts``
    the minute's start, ``datetime64[ns, UTC]``, strictly increasing;
``steps``
    steps taken in that minute (whole numbers, NaN = no count);
``heart_rate``
    mean heart rate of the readings in that minute, rounded to whole beats
    per minute (NaN = no reading);
``activity``
    a device movement value where the source has one (NaN otherwise);
``state``
    a :class:`ipsrt.enums.DeviceState` label (``sleep_light``, ``awake``,
    ``not_worn``, ``unknown``...).

Sources report in three shapes, and each has one rule here, used by every
reader:

- **interval totals** (Apple steps over 7 minutes, Fitbit daily files): the
  total is spread evenly over the seconds of the interval and rounded so that
  each interval's minutes add up to its total exactly
  (:func:`totals_per_minute`);
- **point readings** (heart rate every few seconds): averaged per minute
  (:func:`mean_per_minute`);
- **labelled intervals** (sleep stages): each minute takes the label that
  covers most of its seconds, ties going to the label listed first in the
  caller's priority (:func:`states_per_minute`).

All functions are pure: arrays in, frames out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from devices.errors import ImportFormatError
from ipsrt.enums import DeviceState

__all__ = [
    "MAX_STEPS_PER_MINUTE",
    "MINUTE_FRAME_COLUMNS",
    "STATE_LABELS",
    "ExportedMinutes",
    "Progress",
    "mean_per_minute",
    "minute_frame",
    "states_per_minute",
    "totals_per_minute",
]

#: Most steps one minute may hold: the store keeps steps as an unsigned 16-bit value,
#: far above any person's cadence (a sprint is under 250 steps a minute).
MAX_STEPS_PER_MINUTE = 65_535
#: Columns of :attr:`ExportedMinutes.minutes`, in order.
MINUTE_FRAME_COLUMNS = ("ts", "steps", "heart_rate", "activity", "state")
#: Every state label a reader may write.
STATE_LABELS = tuple(state.label for state in DeviceState)

#: The labels as pandas stores strings (the dtype a column of labels gets).
_LABEL_ARRAY = pd.Series(list(STATE_LABELS)).array
_NS_PER_MINUTE = 60_000_000_000
#: Longest interval one record may cover (a sleep log or a daily total).
_MAX_INTERVAL_NS = 2 * 24 * 60 * _NS_PER_MINUTE

Nanoseconds = npt.NDArray[np.int64]
#: How a reader reports progress: called with (done, total) in bytes or
#: records, as often as is cheap (the CLI draws a Rich progress bar from it).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportedMinutes:
    """The minutes one export holds for one source device.

    Attributes
    ----------
    source
        The export kind: ``gadgetbridge``, ``fitbit``, ``apple-health``,
        ``garmin-fit`` or ``omh``.
    device_key
        What identifies the source device within its kind (a Bluetooth
        address, Apple's source name, a Garmin serial number); together with
        *source* it names the import device the minutes are stored under.
    device_name
        A readable name of the device, when the export has one.
    minutes
        Columns :data:`MINUTE_FRAME_COLUMNS` (module docstring).
    records
        How many records of the file were read.
    notes
        One line for each kind of record that was read but not imported
        (e.g. ``"41 heart-rate readings of 255 (no reading) skipped"``).
    """

    source: str
    device_key: str
    device_name: str | None
    minutes: pd.DataFrame
    records: int
    notes: tuple[str, ...] = ()


def _interval_pieces(
    start_ns: Nanoseconds, end_ns: Nanoseconds, what: str
) -> tuple[Nanoseconds, Nanoseconds, Nanoseconds, Nanoseconds]:
    """Cut intervals at minute boundaries: (interval index, minute start, piece start, piece end).

    An interval of length zero is one piece in the minute of its start.
    """
    start = np.asarray(start_ns, dtype=np.int64)
    end = np.asarray(end_ns, dtype=np.int64)
    if start.shape != end.shape:
        raise ValueError("start and end differ in length")
    backwards = end < start
    if backwards.any():
        i = int(np.argmax(backwards))
        raise ImportFormatError(f"{what} record {i + 1} ends before it starts")
    too_long = (end - start) > _MAX_INTERVAL_NS
    if too_long.any():
        i = int(np.argmax(too_long))
        raise ImportFormatError(f"{what} record {i + 1} spans more than 2 days")
    first = start // _NS_PER_MINUTE
    last = np.maximum(first, (end - 1) // _NS_PER_MINUTE)
    count = last - first + 1
    which = np.repeat(np.arange(start.size), count)
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    minute = (first[which] + offset) * _NS_PER_MINUTE
    lo = np.maximum(start[which], minute)
    hi = np.minimum(end[which], minute + _NS_PER_MINUTE)
    hi = np.maximum(hi, lo)
    return which, minute, lo, hi


def totals_per_minute(
    start_ns: Nanoseconds, end_ns: Nanoseconds, totals: npt.ArrayLike, *, what: str = "step"
) -> pd.Series:
    """Whole-number totals over intervals, spread evenly over their minutes.

    For an interval :math:`[s, e)` with total :math:`T`, the share up to time
    :math:`t` is :math:`C(t) = T (t - s) / (e - s)`; minute :math:`[m, m')`
    gets :math:`\\operatorname{round}(C(\\min(m', e))) -
    \\operatorname{round}(C(\\max(m, s)))`, so each interval's minutes are
    whole numbers that add up to :math:`T` exactly. An interval of length zero
    puts :math:`T` in the minute of :math:`s`. Intervals that overlap add up.

    Returns
    -------
    pandas.Series
        float64 totals indexed by minute start (UTC), sorted, minutes with no
        interval absent.
    """
    value = np.asarray(totals, dtype=np.float64)
    which, minute, lo, hi = _interval_pieces(start_ns, end_ns, what)
    start = np.asarray(start_ns, dtype=np.int64)[which]
    length = (np.asarray(end_ns, dtype=np.int64) - np.asarray(start_ns, dtype=np.int64))[which]
    share = value[which]
    safe = np.where(length > 0, length, 1)
    cum_hi = np.where(length > 0, share * (hi - start) / safe, share)
    cum_lo = np.where(length > 0, share * (lo - start) / safe, 0.0)
    piece = np.round(cum_hi) - np.round(cum_lo)
    series = pd.Series(piece).groupby(minute).sum()
    return _on_utc_minutes(series)


def mean_per_minute(ts_ns: Nanoseconds, values: npt.ArrayLike) -> pd.Series:
    """Mean of point readings per minute, rounded half to even to whole numbers.

    Returns float64 means indexed by minute start (UTC), sorted; NaN readings
    are ignored and minutes with none are absent.
    """
    value = np.asarray(values, dtype=np.float64)
    minute = np.asarray(ts_ns, dtype=np.int64) // _NS_PER_MINUTE * _NS_PER_MINUTE
    keep = ~np.isnan(value)
    series = pd.Series(value[keep]).groupby(minute[keep]).mean().round()
    return _on_utc_minutes(series)


def states_per_minute(
    start_ns: Nanoseconds,
    end_ns: Nanoseconds,
    labels: Sequence[str],
    *,
    priority: Sequence[str],
    what: str = "sleep",
) -> pd.Series:
    """The state of each minute touched by labelled intervals.

    A minute takes the label covering most of its seconds; among labels
    covering equally many, the one earliest in *priority*. Every label must
    be in *priority* and be one of :data:`STATE_LABELS`.

    Returns
    -------
    pandas.Series
        Labels (object dtype) indexed by minute start (UTC), sorted.
    """
    rank = {label: i for i, label in enumerate(priority)}
    unknown = sorted(set(labels) - set(rank))
    if unknown:
        raise ValueError(f"labels without a priority: {unknown}")
    if not set(priority) <= set(STATE_LABELS):
        raise ValueError(f"unknown state labels in {list(priority)}")
    codes = np.array([rank[label] for label in labels], dtype=np.int64)
    which, minute, lo, hi = _interval_pieces(start_ns, end_ns, what)
    pieces = pd.DataFrame({"minute": minute, "code": codes[which], "seconds": hi - lo})
    covered = pieces.groupby(["minute", "code"], sort=True)["seconds"].sum().reset_index()
    # Most seconds first, then the better-ranked code; keep the first per minute.
    covered = covered.sort_values(["minute", "seconds", "code"], ascending=[True, False, True])
    best = covered.drop_duplicates("minute", keep="first")
    names = np.asarray(priority, dtype=object)[best["code"].to_numpy()]
    return _on_utc_minutes(pd.Series(names, index=best["minute"].to_numpy()))


def minute_frame(
    *,
    steps: pd.Series | None = None,
    heart_rate: pd.Series | None = None,
    activity: pd.Series | None = None,
    states: pd.Series | None = None,
    default_state: str = "unknown",
) -> pd.DataFrame:
    """One frame of columns :data:`MINUTE_FRAME_COLUMNS` from per-minute series.

    The series are indexed by minute start (UTC instants, each minute at most
    once); a minute present in any of them is a row. Minutes no state covers
    (or whose state is missing) get *default_state*. Built on int64 minute
    keys, so memory stays a few arrays of the frame's length (an import of
    years of minutes keeps its peak low).
    """
    if default_state not in STATE_LABELS:
        raise ValueError(f"unknown state label {default_state!r}")
    parts = {"steps": steps, "heart_rate": heart_rate, "activity": activity, "state": states}
    keys = {name: _utc_keys(s) for name, s in parts.items() if s is not None and not s.empty}
    minutes = (
        np.unique(np.concatenate(list(keys.values()))) if keys else np.zeros(0, dtype=np.int64)
    )
    columns: dict[str, object] = {
        "ts": pd.DatetimeIndex(minutes.astype("datetime64[ns]")).tz_localize("UTC")
    }
    for name in ("steps", "heart_rate", "activity"):
        column = np.full(len(minutes), np.nan)
        series = parts[name]
        if name in keys and series is not None:
            column[np.searchsorted(minutes, keys[name])] = series.to_numpy(dtype=np.float64)
        columns[name] = column
    codes = np.full(len(minutes), STATE_LABELS.index(default_state), dtype=np.intp)
    if "state" in keys and states is not None:
        rank = {label: i for i, label in enumerate(STATE_LABELS)}
        labels = states.to_numpy(dtype=object)
        given = pd.notna(labels)
        unknown = set(labels[given].tolist()) - set(rank)
        if unknown:
            raise ValueError(f"unknown state labels {sorted(map(str, unknown))}")
        at = np.searchsorted(minutes, keys["state"][given])
        codes[at] = pd.Series(labels[given]).map(rank).to_numpy(dtype=np.intp)
    # Labels taken by code from pandas' own string array: no object column of the frame's length.
    columns["state"] = _LABEL_ARRAY.take(codes)
    return pd.DataFrame(columns, columns=list(MINUTE_FRAME_COLUMNS), copy=False)


def _utc_keys(series: pd.Series) -> Nanoseconds:
    """Nanoseconds since 1970 (UTC) of the index of *series*; each minute at most once."""
    index = pd.DatetimeIndex(series.index)
    if index.tz is None:
        raise ValueError("minute series must be indexed by UTC instants")
    keys = np.asarray(index.tz_convert("UTC").as_unit("ns").asi8, dtype=np.int64)
    increasing = keys if index.is_monotonic_increasing else np.sort(keys)
    if (np.diff(increasing) == 0).any():
        raise ValueError("a minute appears twice in a minute series")
    return keys


def _on_utc_minutes(series: pd.Series) -> pd.Series:
    """*series* re-indexed from nanoseconds to a UTC DatetimeIndex."""
    # unit="ns" keeps pandas off its per-element path (30x faster for a year of minutes).
    index = pd.DatetimeIndex(
        pd.to_datetime(np.asarray(series.index, dtype=np.int64), utc=True, unit="ns")
    )
    return pd.Series(series.to_numpy(), index=index)
