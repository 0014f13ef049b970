"""Apple Health dates (``2024-03-14 10:00:00 +0300``) to UTC seconds, many at once.

Every date in an Apple Health export has the same 25-character form: local
date and time, a space, and the UTC offset as ``+HHMM`` or ``-HHMM``. The
offset makes each date an instant, so no time zone rules are involved:

.. math:: t = \\text{days}(Y, M, D) \\cdot 86400 + 3600 h + 60 m + s
          - \\sigma (3600 h_o + 60 m_o)

where :math:`\\text{days}` counts days from 1970-01-01 in the proleptic
Gregorian calendar (the "days from civil" algorithm, H. Hinnant,
https://howardhinnant.github.io/date_algorithms.html#days_from_civil) and
:math:`\\sigma` is the offset's sign. A file holds millions of dates, so they
are parsed as one array of characters rather than one ``strptime`` call each.

A date is refused (:class:`~devices.errors.ImportFormatError`, naming the
line) unless it has exactly that form with a real calendar date, hours
0-23, minutes and seconds 0-59, an offset under 24 hours, and a year from
1970 to 2199 (the minutes are kept as 64-bit nanoseconds since 1970).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from devices.errors import ImportFormatError

__all__ = ["DATE_LENGTH", "instants_in_seconds"]

DATE_LENGTH = 25
_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 21, 22, 23, 24]
_PUNCTUATION = {4: "-", 7: "-", 10: " ", 13: ":", 16: ":", 19: " "}
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def instants_in_seconds(
    texts: Sequence[str], lines: npt.NDArray[np.int64], *, what: str, where: str
) -> npt.NDArray[np.int64]:
    """UTC seconds since 1970 of each date in *texts* (module docstring).

    *lines* are the dates' line numbers, *what* the attribute and *where*
    the file, for the error message.
    """
    n = len(texts)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    chars = np.asarray(texts, dtype=np.str_)
    if chars.dtype.itemsize != 4 * DATE_LENGTH:
        # Some text is longer or all are shorter: find the first wrong length.
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
        _refuse(texts, lines, int(np.argmax(lengths != DATE_LENGTH)), what, where)
    # Characters as small numbers (anything beyond ASCII becomes 255, never a digit).
    code = np.minimum(chars.view(np.uint32).reshape(n, DATE_LENGTH), 255).astype(np.int16)
    digit = code - ord("0")
    ok = ((digit[:, _DIGITS] >= 0) & (digit[:, _DIGITS] <= 9)).all(axis=1)
    for position, char in _PUNCTUATION.items():
        ok &= code[:, position] == ord(char)
    sign = np.where(code[:, 20] == ord("-"), -1, 1)
    ok &= (code[:, 20] == ord("+")) | (code[:, 20] == ord("-"))

    def number(first: int, width: int) -> npt.NDArray[np.int64]:
        value = np.zeros(n, dtype=np.int64)
        for i in range(first, first + width):
            value = value * 10 + digit[:, i].astype(np.int64)
        return value

    year, month, day = number(0, 4), number(5, 2), number(8, 2)
    hour, minute, second = number(11, 2), number(14, 2), number(17, 2)
    off_hour, off_minute = number(21, 2), number(23, 2)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    month_days = _DAYS_IN_MONTH[np.where(month_ok, month, 1)] + (leap & (month == 2))
    ok &= month_ok & (day >= 1) & (day <= month_days) & (year >= 1970) & (year <= 2199)
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59) & (off_hour <= 23) & (off_minute <= 59)
    if not ok.all():
        _refuse(texts, lines, int(np.argmax(~ok)), what, where)
    # Days from civil (Hinnant): a year that starts in March puts 29 February last.
    y = year - (month <= 2)
    era = y // 400
    year_of_era = y - era * 400
    day_of_year = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    days = era * 146_097 + day_of_era - 719_468
    local = days * 86_400 + hour * 3600 + minute * 60 + second
    return local - sign * (off_hour * 3600 + off_minute * 60)


def _refuse(
    texts: Sequence[str], lines: npt.NDArray[np.int64], i: int, what: str, where: str
) -> None:
    raise ImportFormatError(
        f"{where}: the record at line {lines[i]} has {what} {texts[i][:40]!r}, "
        "not a date like '2024-03-14 10:00:00 +0300'"
    )
