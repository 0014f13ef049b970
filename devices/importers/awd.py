"""Read CamNtech / Philips Actiwatch ``.AWD`` text files.

A 7-line header, then one epoch per line; the accepted forms of each header
line, and their public sources, are listed in ``docs/importers.md`` ("AWD").
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

from devices.errors import ImportFormatError
from devices.importers.recording import (
    Recording,
    count_values,
    counts_on_grid,
    looks_like_clock,
    make_recording,
    seconds_of_day,
)

__all__ = ["AWD_EPOCH_SECONDS", "AWD_MODELS", "awd_start", "looks_like_awd", "read_awd_text"]

#: header line 4 (epoch code) -> epoch length in seconds
AWD_EPOCH_SECONDS = {"1": 15, "2": 30, "4": 60, "8": 120, "20": 300, "81": 2, "C1": 5, "C2": 10}
#: first letter of the serial (header line 6) -> Actiwatch model
AWD_MODELS = {
    "D": "Actiwatch-7",
    "I": "Actiwatch-Insomnia",
    "L": "Actiwatch-L",
    "M": "Actiwatch-Mini",
    "P": "Actiwatch-L-Plus",
    "S": "Actiwatch-S",
    "T": "Actiwatch-T",
    "V": "Actiwatch-4",
}
_DATE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_HEADER_LINES = 7


def looks_like_awd(lines: list[str]) -> bool:
    """Whether lines 2 and 3 of a text have the shape of an AWD start date and time."""
    return (
        len(lines) >= 4
        and _DATE.fullmatch(lines[1].strip()) is not None
        and looks_like_clock(lines[2])
    )


def awd_start(date: str, clock: str) -> dt.datetime:
    """The naive wall-clock start of header lines 2 (*date*) and 3 (*clock*).

    *date* is ``D-Mon-YYYY`` or ``DD-Mon-YYYY`` with an English month
    abbreviation (any case); *clock* is ``HH:MM`` or ``HH:MM:SS``, 24-hour,
    or the same with ``AM``/``PM`` (see :func:`seconds_of_day`).
    """
    match = _DATE.fullmatch(date.strip())
    month = _MONTHS.get(match[2].lower()) if match else None
    if match is None or month is None:
        raise ImportFormatError(f"AWD line 2: {date.strip()[:30]!r} is not a date like 06-Jan-2025")
    seconds = seconds_of_day(clock)
    if seconds is None:
        raise ImportFormatError(
            f"AWD line 3: {clock.strip()[:30]!r} is not a time like 13:30, 13:30:00 or 01:30 PM"
        )
    try:
        day = dt.datetime(int(match[3]), month, int(match[1]))  # noqa: DTZ001 - wall clock
    except ValueError as exc:
        raise ImportFormatError(f"AWD line 2: {date.strip()!r} is not a valid date") from exc
    return day + dt.timedelta(seconds=seconds)


def read_awd_text(text: str, tz: str | None) -> Recording:
    """Read the text of an AWD file (see the module docstring)."""
    lines = text.splitlines()
    if len(lines) <= _HEADER_LINES:
        raise ImportFormatError("truncated AWD file: fewer than 7 header lines and one epoch")
    name, date, clock, code, _age, serial, _sex = (s.strip() for s in lines[:_HEADER_LINES])
    start = awd_start(date, clock)
    if code not in AWD_EPOCH_SECONDS:
        raise ImportFormatError(f"AWD line 4: epoch code {code!r} is not known")
    counts = _awd_counts(lines)
    epoch_s = AWD_EPOCH_SECONDS[code]
    return make_recording(
        counts_on_grid(np.arange(counts.size), counts, what="AWD"),
        start,
        epoch_s,
        tz,
        format="awd",
        device=AWD_MODELS.get(serial[:1].upper()) if serial else None,
        serial=serial,
        subject=name,
    )


def _awd_counts(lines: list[str]) -> np.ndarray:
    """The count of every epoch line (first number; light and ``M`` marker ignored)."""
    numbers: list[int] = []
    cells: list[str] = []
    for number, line in enumerate(lines[_HEADER_LINES:], start=_HEADER_LINES + 1):
        if not line.strip():
            continue
        token = line.split(",")[0].split()
        numbers.append(number)
        cells.append(token[0] if token else line.strip())
    return count_values(cells, numbers, where="AWD line", form="integer")
