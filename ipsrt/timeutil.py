"""The time model: UTC instants, client-local diary dates and circular clock times.

Conventions (see ``docs/architecture.md``, "Time"):

* Instants are stored in UTC. A client's IANA zone is used only to read a local
  clock time (minute of day) or a local diary date.
* A sleep episode belongs to the *night* that starts on the local date of its
  onset when the onset is at or after 12:00 local time, otherwise to the
  previous date (noon-to-noon nights).
* Clock times are circular quantities on a 1440-minute circle; their
  statistics live in :mod:`ipsrt.circular`.
* Durations are always computed between UTC instants, so a 23:00-07:00 night
  lasts 7 h across a spring-forward change and 9 h across a fall-back one.

Every function here is pure: the current time is never read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
import pandas as pd

from ipsrt.circular import MINUTES_PER_DAY
from ipsrt.errors import InvalidInputError, InvalidTimeError, InvalidTimezoneError

#: Weekday names, Monday first (index = ``date.weekday()``).
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NOON_MINUTE = 12 * 60
UTC = dt.UTC

__all__ = [
    "MINUTES_PER_DAY",
    "WEEKDAYS",
    "diary_date",
    "elapsed_minutes",
    "local_clock_to_utc",
    "local_midnight",
    "minute_of_day",
    "night_of",
    "nights_of",
    "parse_clock",
    "require_utc",
    "week_start_days",
    "zone",
]


def zone(name: str) -> ZoneInfo:
    """Return the IANA zone called *name* or raise :class:`InvalidTimezoneError`.

    Fixed offsets and abbreviations such as ``"CET"`` or ``"EST"`` are refused
    unless they are real IANA keys; ``"UTC"`` is accepted.
    """
    if not isinstance(name, str) or not name or name != name.strip() or "\x00" in name:
        raise InvalidTimezoneError(f"invalid time zone {name!r}: expected an IANA name")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError) as exc:
        raise InvalidTimezoneError(
            f"unknown time zone {name!r}: expected an IANA name such as 'Europe/Berlin'"
        ) from exc


def require_utc(instant: dt.datetime) -> dt.datetime:
    """Return *instant* converted to UTC; naive datetimes are refused."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidTimeError(f"naive datetime {instant.isoformat()}: instants must carry a zone")
    return instant.astimezone(UTC)


Instants: TypeAlias = pd.DatetimeIndex | pd.Series | Iterable[dt.datetime]


def _as_utc_index(instants: Instants) -> pd.DatetimeIndex:
    index = pd.DatetimeIndex(instants)
    if index.tz is None:
        raise InvalidTimeError("naive timestamps: instants must be timezone-aware (UTC)")
    return index.tz_convert("UTC")


def minute_of_day(instants: Instants, tz: str) -> npt.NDArray[np.int64]:
    """Local clock minute (0..1439) of each UTC instant in zone *tz*.

    Seconds are truncated. Across a DST change the clock reading is what a wall
    clock showed, so an instant after fall-back can share its minute of day with
    one an hour earlier.
    """
    local = _as_utc_index(instants).tz_convert(zone(tz))
    return np.asarray(local.hour * 60 + local.minute, dtype=np.int64)


def diary_date(instants: Instants, tz: str) -> npt.NDArray[np.object_]:
    """Local calendar date (``datetime.date``) of each UTC instant in zone *tz*."""
    local = _as_utc_index(instants).tz_convert(zone(tz))
    return np.asarray(local.date, dtype=object)


def night_of(onset: dt.datetime, tz: str) -> dt.date:
    """The night a sleep episode belongs to, by the local date of its onset.

    An onset at or after 12:00 local time belongs to that date's night; an
    earlier onset belongs to the night of the previous date (noon to noon).
    """
    local = require_utc(onset).astimezone(zone(tz))
    if local.hour * 60 + local.minute >= NOON_MINUTE:
        return local.date()
    return local.date() - dt.timedelta(days=1)


def nights_of(onsets: Instants, tz: str) -> npt.NDArray[np.object_]:
    """Vectorised :func:`night_of` for many onsets."""
    local = _as_utc_index(onsets).tz_convert(zone(tz))
    # Subtract 12 h of wall-clock time (not of real time) so that DST days do
    # not move the noon boundary.
    wall = local.tz_localize(None) - pd.Timedelta(hours=12)
    return np.asarray(wall.date, dtype=object)


def parse_clock(text: str) -> int:
    """Parse a 24-hour ``HH:MM`` clock reading into minutes after midnight.

    ``24:00`` and anything beyond ``23:59`` are refused with
    :class:`InvalidTimeError`.
    """
    parts = text.strip().split(":") if isinstance(text, str) else []
    if len(parts) != 2 or not all(p.isdigit() and 1 <= len(p) <= 2 for p in parts):
        raise InvalidTimeError(f"invalid clock time {text!r}: expected HH:MM")
    hours, minutes = int(parts[0]), int(parts[1])
    if hours > 23 or minutes > 59:
        raise InvalidTimeError(f"invalid clock time {text!r}: expected 00:00 to 23:59")
    return hours * 60 + minutes


def local_clock_to_utc(
    date: dt.date,
    clock_minutes: int,
    tz: str,
    *,
    ambiguous: Literal["earlier", "later", "raise"] = "earlier",
    nonexistent: Literal["raise", "shift_forward"] = "raise",
) -> dt.datetime:
    """The UTC instant at which a local wall clock in *tz* read *clock_minutes* on *date*.

    Parameters
    ----------
    date, clock_minutes
        Local calendar date and minutes after local midnight (0..1439).
    tz
        IANA zone name.
    ambiguous
        A reading that occurs twice (fall-back hour): take the earlier or the
        later instant, or raise :class:`InvalidTimeError`.
    nonexistent
        A reading skipped by a spring-forward change: raise
        :class:`InvalidTimeError`, or move it forward by the size of the gap
        (02:30 becomes 03:30 in Europe/Berlin).
    """
    if not 0 <= clock_minutes < MINUTES_PER_DAY:
        raise InvalidTimeError(f"clock minute {clock_minutes} outside 0..1439")
    zi = zone(tz)
    naive = dt.datetime.combine(date, dt.time(clock_minutes // 60, clock_minutes % 60))
    first = naive.replace(tzinfo=zi, fold=0)
    second = naive.replace(tzinfo=zi, fold=1)
    # A wall time that does not round-trip does not exist (it fell in a gap).
    if first.astimezone(UTC).astimezone(zi).replace(tzinfo=None) != naive:
        if nonexistent == "raise":
            raise InvalidTimeError(
                f"{naive:%Y-%m-%d %H:%M} does not exist in {tz} (clocks moved forward)"
            )
        # fold=0 in a gap uses the offset from before the change, which lands
        # the instant the width of the gap later on the wall clock.
        return first.astimezone(UTC)
    if first.utcoffset() != second.utcoffset():
        if ambiguous == "raise":
            raise InvalidTimeError(
                f"{naive:%Y-%m-%d %H:%M} occurs twice in {tz} (clocks moved back)"
            )
        return (first if ambiguous == "earlier" else second).astimezone(UTC)
    return first.astimezone(UTC)


def local_midnight(date: dt.date, tz: str) -> dt.datetime:
    """The UTC instant at which local *date* starts in *tz*.

    In the rare zones whose DST change skips midnight, the day starts at the
    first wall-clock time after the gap.
    """
    return local_clock_to_utc(date, 0, tz, nonexistent="shift_forward")


def elapsed_minutes(start: dt.datetime, end: dt.datetime) -> float:
    """Minutes of real time from *start* to *end* (both timezone-aware).

    The difference is taken between UTC instants, so it is right across DST
    changes: local 23:00 to 07:00 is 420 minutes on a spring-forward night and
    540 on a fall-back night in Europe/Berlin.
    """
    return (require_utc(end) - require_utc(start)).total_seconds() / 60.0


def week_start_days(days: npt.ArrayLike, week_start: int) -> npt.NDArray[np.int64]:
    """The first day of the week holding each day, as integer days since 1970-01-01.

    *week_start* is the weekday index the week starts on (0 Monday .. 6
    Sunday). Day 0, 1970-01-01, was a Thursday (weekday 3), so day *d* has
    weekday ``(d + 3) mod 7`` and its week starts ``(d + 3 - week_start) mod 7``
    days earlier.
    """
    d = np.asarray(days, dtype=np.int64)
    return np.asarray(d - np.mod(d + 3 - week_start, 7), dtype=np.int64)


#: The earliest date the tracker accepts for a record or a query: consumer
#: wearables and SRM diaries do not go back further, and a year such as 0001
#: or 9999 is a typing or file error, not data.
EARLIEST_DATE = dt.date(1990, 1, 1)


def check_plausible_date(day: dt.date, *, today: dt.date, what: str) -> dt.date:
    """*day* when it lies in [:data:`EARLIEST_DATE`, *today* + 1 day], else a one-line error.

    *today* is the current date in the client's own zone (passed in, never
    read here); one day of slack covers a client east of the clinic whose
    day has already begun. *what* names the value in the message, e.g.
    ``"diary line 12 date"`` or ``"--from"``.

    Raises
    ------
    InvalidInputError
        When *day* is before 1990-01-01 or after tomorrow.
    """
    latest = today + dt.timedelta(days=1)
    if not EARLIEST_DATE <= day <= latest:
        raise InvalidInputError(
            f"{what} {day.isoformat()} is not plausible: expected a date from "
            f"{EARLIEST_DATE.isoformat()} to {latest.isoformat()} (tomorrow)"
        )
    return day
