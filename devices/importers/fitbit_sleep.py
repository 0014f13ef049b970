"""Fitbit sleep logs as labelled intervals, and Fitbit wall-clock times as UTC instants.

A sleep log (``sleep-YYYY-MM-DD.json``, the shape of the Fitbit Web API's
sleep log, https://dev.fitbit.com/build/reference/web-api/sleep/get-sleep-log-by-date/)
has ``type`` ``stages`` or ``classic``, ``startTime`` and ``endTime`` as local
wall clock without a zone (``2026-03-28T23:00:00.000``) and ``levels``:

``levels.data``
    consecutive ``{dateTime, level, seconds}`` periods; a stages log has the
    levels ``deep``, ``light``, ``rem`` and ``wake``, a classic log
    ``asleep``, ``restless`` and ``awake``;
``levels.shortData``
    (stages logs) wakes of three minutes or less, lying inside the periods of
    ``data``. They **override** the stage under them: Fitbit's app draws them
    as awake, and leaving them out would count those seconds as sleep.

Level to state (``docs/importing.md``, "Fitbit"): deep to ``sleep_deep``,
light to ``sleep_light``, rem to ``sleep_rem``, wake and awake to ``awake``;
classic asleep and restless to ``sleep_light`` (a classic log has no stages,
and Fitbit's help describes restless as movement during sleep, not waking).
A minute takes the state covering most of its seconds
(:func:`devices.importers.band_minutes.states_per_minute`), ties in the order
:data:`SLEEP_PRIORITY` (awake first: a tie is a 30-second wake against 30
seconds of sleep, and the app shows the wake).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from devices.errors import ImportFormatError
from ipsrt.display import printable
from ipsrt.errors import InvalidTimeError
from ipsrt.timeutil import local_clock_to_utc

__all__ = [
    "LEVEL_STATES",
    "SLEEP_PRIORITY",
    "SleepIntervals",
    "sleep_intervals",
    "wall_clock_instants",
]

#: State of each level, by log type.
LEVEL_STATES = {
    "stages": {"deep": "sleep_deep", "light": "sleep_light", "rem": "sleep_rem", "wake": "awake"},
    "classic": {"asleep": "sleep_light", "restless": "sleep_light", "awake": "awake"},
}
#: Ties between states covering equal seconds of a minute go to the first.
SLEEP_PRIORITY = ("awake", "sleep_rem", "sleep_deep", "sleep_light")

_NS_PER_SECOND = 1_000_000_000
_NS_PER_MINUTE = 60 * _NS_PER_SECOND
_MAX_LEVEL_SECONDS = 2 * 24 * 3600
_SLEEP_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}")

Nanoseconds = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SleepIntervals:
    """The labelled intervals of every sleep log read."""

    start_ns: Nanoseconds
    end_ns: Nanoseconds
    labels: list[str]
    logs: int
    notes: tuple[str, ...]


def wall_clock_instants(
    wall_ns: Nanoseconds,
    tz: str,
    where: Callable[[int], str],
    *,
    seconds: Nanoseconds | None = None,
    first: npt.NDArray[np.bool_] | None = None,
) -> Nanoseconds:
    """UTC instants (ns) of wall-clock times in *tz*, listed in time order.

    *wall_ns* holds wall-clock readings as nanoseconds on a naive clock. A
    reading that occurs once is that instant. The rest follow the project's
    rule for a local clock reading (:func:`ipsrt.timeutil.local_clock_to_utc`):
    a reading in a spring-forward gap is refused (the times are not wall clock
    in *tz*); a reading in the repeated autumn hour is the earlier instant,
    unless that instant is before the end of the reading listed before it
    (its instant plus its *seconds*, zero by default), in which case it is the
    later one, the clock having been set back. Readings marked in *first*
    start a new sequence (no reading before them).
    """
    n = wall_ns.size
    if n == 0:
        return np.array([], dtype=np.int64)
    length = np.zeros(n, dtype=np.int64) if seconds is None else seconds
    starts = np.zeros(n, dtype=bool) if first is None else first
    local = pd.DatetimeIndex(wall_ns.astype("datetime64[ns]")).tz_localize(
        tz, ambiguous="NaT", nonexistent="NaT"
    )
    out = local.as_unit("ns").asi8.copy()
    unresolved = np.flatnonzero(local.isna())
    for i in unresolved:
        wall = pd.Timestamp(int(wall_ns[i]))
        minute = wall.hour * 60 + wall.minute
        within = int(wall_ns[i]) % _NS_PER_MINUTE
        try:
            earlier = local_clock_to_utc(wall.date(), minute, tz, ambiguous="earlier")
        except InvalidTimeError as exc:
            raise ImportFormatError(
                f"{where(int(i))}: {exc}; the times are not wall clock in {tz}"
            ) from None
        instant = _ns(earlier) + within
        if i > 0 and not starts[i] and instant < out[i - 1] + length[i - 1]:
            later = local_clock_to_utc(wall.date(), minute, tz, ambiguous="later")
            instant = _ns(later) + within
        out[i] = instant
    return out


def sleep_intervals(files: list[tuple[str, object]], tz: str) -> SleepIntervals:
    """Labelled intervals of the sleep logs in *files* (name, parsed JSON array)."""
    starts: list[Nanoseconds] = []
    ends: list[Nanoseconds] = []
    labels: list[str] = []
    logs = classic = short_wakes = 0
    for name, entries in files:
        assert isinstance(entries, list)
        for k, log in enumerate(entries):
            at = f"{name} log {k + 1}"
            s, e, lab, n_short = _log_intervals(log, at, tz)
            starts.append(s)
            ends.append(e)
            labels.extend(lab)
            logs += 1
            classic += isinstance(log, dict) and log.get("type") == "classic"
            short_wakes += n_short
    notes = []
    if classic:
        notes.append(
            f"classic sleep logs (no stages): {classic}; asleep and restless read as sleep_light"
        )
    if short_wakes:
        notes.append(f"short wakes (shortData): {short_wakes}; read as awake over their stage")
    return SleepIntervals(
        np.concatenate(starts) if starts else np.array([], dtype=np.int64),
        np.concatenate(ends) if ends else np.array([], dtype=np.int64),
        labels,
        logs,
        tuple(notes),
    )


def _log_intervals(
    log: object, at: str, tz: str
) -> tuple[Nanoseconds, Nanoseconds, list[str], int]:
    """(starts, ends, labels, short wakes) of one log, short wakes cut into the stages."""
    if not isinstance(log, dict):
        raise ImportFormatError(f"{at}: not a JSON object")
    kind = log.get("type")
    if kind not in LEVEL_STATES:
        raise ImportFormatError(f"{at}: type {_text(kind)} is not 'stages' or 'classic'")
    levels = log.get("levels")
    if not isinstance(levels, dict) or not isinstance(levels.get("data"), list):
        raise ImportFormatError(f"{at}: no levels.data list")
    short = levels.get("shortData", [])
    if not isinstance(short, list):
        raise ImportFormatError(f"{at}: levels.shortData is not a list")
    states = LEVEL_STATES[str(kind)]
    data = [_level(entry, f"{at} level {j + 1}", states) for j, entry in enumerate(levels["data"])]
    wakes = [_level(entry, f"{at} short wake {j + 1}", states) for j, entry in enumerate(short)]
    if any(label != "awake" for _, _, label in wakes):
        raise ImportFormatError(f"{at}: levels.shortData holds a level other than a wake")
    bounds = [
        _wall_ns(log.get("startTime"), f"{at} startTime"),
        _wall_ns(log.get("endTime"), f"{at} endTime"),
    ]

    def where(i: int) -> str:
        return f"{at} " + (
            "startTime" if i == 0 else "endTime" if i == len(data) + 1 else f"level {i}"
        )

    # The log's times in order: start, each level (lasting its seconds), end.
    walls = np.array([bounds[0], *(w for w, _, _ in data), bounds[1]], dtype=np.int64)
    lengths = np.array([0, *(s for _, s, _ in data), 0], dtype=np.int64) * _NS_PER_SECOND
    instants = wall_clock_instants(walls, tz, where, seconds=lengths)
    start, end = int(instants[0]), int(instants[-1])
    if end < start:
        raise ImportFormatError(f"{at}: endTime is before startTime")
    data_start = instants[1:-1]
    data_end = data_start + lengths[1:-1]
    _check_inside(data_start, data_end, start, end, lambda j: f"{at} level {j + 1}")
    wake_walls = np.array([bounds[0], *(w for w, _, _ in wakes)], dtype=np.int64)
    wake_lengths = np.array([0, *(s for _, s, _ in wakes)], dtype=np.int64) * _NS_PER_SECOND
    wake_start = wall_clock_instants(
        wake_walls, tz, lambda i: f"{at} short wake {i}", seconds=wake_lengths
    )[1:]
    wake_end = wake_start + wake_lengths[1:]
    _check_inside(wake_start, wake_end, start, end, lambda j: f"{at} short wake {j + 1}")
    s, e, lab = _override(
        data_start, data_end, [label for _, _, label in data], wake_start, wake_end
    )
    return s, e, lab, len(wakes)


def _override(
    start: Nanoseconds,
    end: Nanoseconds,
    labels: list[str],
    wake_start: Nanoseconds,
    wake_end: Nanoseconds,
) -> tuple[Nanoseconds, Nanoseconds, list[str]]:
    """The periods with the short wakes cut out of them, and the wakes added as ``awake``."""
    out_s: list[int] = []
    out_e: list[int] = []
    out_l: list[str] = []
    for s, e, label in zip(start.tolist(), end.tolist(), labels, strict=True):
        cursor = s
        for ws, we in zip(wake_start.tolist(), wake_end.tolist(), strict=True):
            if we <= cursor or ws >= e:
                continue
            if ws > cursor:
                out_s.append(cursor)
                out_e.append(ws)
                out_l.append(label)
            cursor = max(cursor, we)
        if cursor < e or s == e:
            out_s.append(cursor)
            out_e.append(e)
            out_l.append(label)
    out_s.extend(wake_start.tolist())
    out_e.extend(wake_end.tolist())
    out_l.extend(["awake"] * wake_start.size)
    return np.array(out_s, dtype=np.int64), np.array(out_e, dtype=np.int64), out_l


def _check_inside(
    start: Nanoseconds, end: Nanoseconds, lo: int, hi: int, where: Callable[[int], str]
) -> None:
    """Periods must lie inside [lo, hi], in order and without overlapping."""
    previous_end = np.concatenate([[lo], end[:-1]]) if end.size else end
    bad = (start < previous_end) | (end > hi)
    if bad.any():
        j = int(np.argmax(bad))
        raise ImportFormatError(
            f"{where(j)}: overlaps the period before it or lies outside the log's times"
        )


def _level(entry: object, at: str, states: dict[str, str]) -> tuple[int, int, str]:
    """(wall clock ns, seconds, state) of one ``{dateTime, level, seconds}`` entry."""
    if not isinstance(entry, dict):
        raise ImportFormatError(f"{at}: not a JSON object")
    level = entry.get("level")
    if not isinstance(level, str) or level not in states:
        raise ImportFormatError(f"{at}: level {_text(level)} is not one of {', '.join(states)}")
    seconds = entry.get("seconds")
    if type(seconds) is not int or not 0 <= seconds <= _MAX_LEVEL_SECONDS:
        raise ImportFormatError(f"{at}: seconds {_text(seconds)} is not a whole number 0..172800")
    return _wall_ns(entry.get("dateTime"), f"{at} dateTime"), seconds, states[level]


def _wall_ns(text: object, at: str) -> int:
    """Nanoseconds on a naive clock of a ``YYYY-MM-DDTHH:MM:SS.fff`` text."""
    if isinstance(text, str) and _SLEEP_TIME.fullmatch(text):
        try:
            wall = dt.datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            if 1970 <= wall.year <= 2200:
                return int(pd.Timestamp(wall).as_unit("ns").value)
    raise ImportFormatError(f"{at}: {_text(text)} is not a YYYY-MM-DDTHH:MM:SS.fff time")


def _text(value: object) -> str:
    return printable(repr(value)[:40])


def _ns(instant: dt.datetime) -> int:
    return int(pd.Timestamp(instant).as_unit("ns").value)
