"""The minutes of one Apple Health source, from its packed records, a window at a time.

:func:`devices.importers.apple_health.read_apple_health` keeps every step,
heart-rate and sleep record as one :data:`RECORD_DTYPE` row (start and
length in seconds, value; a sleep record's value is its code in
:data:`SLEEP_STATES`). :func:`minutes_of_records` turns the chosen source's
rows into the frame of :func:`~devices.importers.band_minutes.minute_frame`
with the shared rules only (``docs/importing.md``, "Apple Health"):

- steps: :func:`~devices.importers.band_minutes.totals_per_minute`;
- heart rate: :func:`~devices.importers.band_minutes.mean_per_minute` of the
  readings at their ``startDate``;
- sleep: :func:`~devices.importers.band_minutes.states_per_minute` of the
  records other than ``InBed`` (ties: awake, REM, deep, light), and of
  ``InBed`` (``unknown``) only in minutes no other sleep record touches;
- minutes with a reading outside every sleep record: ``awake`` if the source
  has any sleep record other than ``InBed`` or an unknown value, else
  ``unknown``.

Years of minutes are built :data:`WINDOW_DAYS` at a time, so the working
arrays of the shared rules (several per minute covered) stay those of one
window; a window takes every record that can reach into it (records last at
most 2 days) and keeps only its own minutes, so the result is the same as in
one pass.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from devices.importers.band_minutes import (
    MINUTE_FRAME_COLUMNS,
    mean_per_minute,
    minute_frame,
    states_per_minute,
    totals_per_minute,
)

__all__ = [
    "IN_BED",
    "MAX_RECORD_SECONDS",
    "RECORD_DTYPE",
    "SLEEP_STATES",
    "STAGE_PRIORITY",
    "UNKNOWN_SLEEP",
    "WINDOW_DAYS",
    "minutes_of_records",
]

#: One record: start (UTC seconds since 1970), length (seconds), value.
RECORD_DTYPE = np.dtype([("start", "<i8"), ("length", "<i4"), ("value", "<f8")])
#: HKCategoryValueSleepAnalysis names in the order of their raw values (0-5,
#: then the pre-iOS 16 name of 1), and the state each is read as
#: (``docs/importing.md``, "Apple Health"); a record's code is its position here.
SLEEP_STATES = {
    "HKCategoryValueSleepAnalysisInBed": "unknown",
    "HKCategoryValueSleepAnalysisAsleepUnspecified": "sleep_light",
    "HKCategoryValueSleepAnalysisAwake": "awake",
    "HKCategoryValueSleepAnalysisAsleepCore": "sleep_light",
    "HKCategoryValueSleepAnalysisAsleepDeep": "sleep_deep",
    "HKCategoryValueSleepAnalysisAsleepREM": "sleep_rem",
    # Raw value 1 as exports written before iOS 16 name it.
    "HKCategoryValueSleepAnalysisAsleep": "sleep_light",
}
#: Code of ``InBed``; code of a sleep value not in :data:`SLEEP_STATES` (skipped).
IN_BED, UNKNOWN_SLEEP = 0.0, -1.0
#: Who wins a minute split evenly between two sleep records.
STAGE_PRIORITY = ("awake", "sleep_rem", "sleep_deep", "sleep_light")
MAX_RECORD_SECONDS = 2 * 24 * 3600
WINDOW_DAYS = 28

_NS = 1_000_000_000
_LABELS = np.asarray(list(SLEEP_STATES.values()), dtype=object)
Records = npt.NDArray[np.void]


def minutes_of_records(steps: Records, heart: Records, sleep: Records) -> pd.DataFrame:
    """The minute frame of one source's records (module docstring)."""
    steps, heart = _by_start(steps), _by_start(heart)
    sleep = _by_start(sleep[sleep["value"] != UNKNOWN_SLEEP])
    tracked = bool((sleep["value"] != IN_BED).any())
    default_state = "awake" if tracked else "unknown"
    starts = [a["start"][0] for a in (steps, heart, sleep) if len(a)]
    if not starts:
        return minute_frame(default_state=default_state)
    window = WINDOW_DAYS * 86_400
    first = min(starts) // window * window
    last = max(int(a["start"][-1]) + MAX_RECORD_SECONDS for a in (steps, heart, sleep) if len(a))
    frames = []
    for lo in range(first, last + 1, window):
        hi = lo + window
        frame = minute_frame(
            steps=_inside(_step_minutes(_reaching(steps, lo, hi)), lo, hi),
            heart_rate=_inside(_heart_minutes(_starting(heart, lo, hi)), lo, hi),
            states=_inside(_sleep_states(_reaching(sleep, lo, hi)), lo, hi),
            default_state=default_state,
        )
        if len(frame):
            frames.append(frame)
    if not frames:
        return minute_frame(default_state=default_state)
    return frames[0] if len(frames) == 1 else _joined(frames)


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The windows' frames as one, each column's parts released as soon as it is joined.

    Memory peaks at the windows' frames plus one column, not twice the frame
    (as one ``pd.concat`` of the frames would). *frames* is emptied.
    """
    columns: dict[str, pd.Series] = {}
    for name in MINUTE_FRAME_COLUMNS:
        columns[name] = pd.concat([frame.pop(name) for frame in frames], ignore_index=True)
    frames.clear()
    return pd.DataFrame(columns, copy=False)


def _by_start(records: Records) -> Records:
    order = np.argsort(records["start"], kind="stable")
    return records[order]


def _starting(records: Records, lo: int, hi: int) -> Records:
    """Records (sorted by start) starting in [lo, hi)."""
    start = records["start"]
    return records[np.searchsorted(start, lo) : np.searchsorted(start, hi)]


def _reaching(records: Records, lo: int, hi: int) -> Records:
    """Records (sorted by start) that may cover a second of [lo, hi)."""
    return _starting(records, lo - MAX_RECORD_SECONDS, hi)


def _inside(series: pd.Series | None, lo: int, hi: int) -> pd.Series | None:
    """The minutes of *series* in [lo, hi) (seconds)."""
    if series is None or series.empty:
        return None
    keys = np.asarray(series.index.asi8) // _NS
    return series[(keys >= lo) & (keys < hi)]


def _interval_ns(records: Records) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    start = records["start"] * _NS
    return start, start + records["length"].astype(np.int64) * _NS


def _step_minutes(steps: Records) -> pd.Series | None:
    if not len(steps):
        return None
    start, end = _interval_ns(steps)
    return totals_per_minute(start, end, steps["value"])


def _heart_minutes(heart: Records) -> pd.Series | None:
    if not len(heart):
        return None
    return mean_per_minute(heart["start"] * _NS, heart["value"])


def _sleep_states(sleep: Records) -> pd.Series | None:
    """States of the minutes sleep records touch: a stage beats ``InBed``."""
    if not len(sleep):
        return None
    code = sleep["value"]
    start, end = _interval_ns(sleep)
    stage, in_bed = code != IN_BED, code == IN_BED
    staged = states_per_minute(
        start[stage],
        end[stage],
        list(_LABELS[code[stage].astype(np.int64)]),
        priority=STAGE_PRIORITY,
    )
    bed = states_per_minute(
        start[in_bed], end[in_bed], ["unknown"] * int(in_bed.sum()), priority=("unknown",)
    )
    if bed.empty:
        return staged
    return bed if staged.empty else staged.combine_first(bed)
