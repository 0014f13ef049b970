"""Read Philips Respironics Actiware CSV exports (pyActigraphy calls them RPX).

English, French and German exports: the header block gives the epoch length,
the subject, the device and the collection dates; the "Epoch-by-Epoch Data"
table gives date, time and activity per epoch. The order of day and month in
``A/B/YYYY`` or ``A.B.YYYY`` dates is decided from the content, by
:func:`rpx_date_order`; ``docs/importers.md`` ("RPX") explains the rules.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from devices.errors import ImportFormatError
from devices.importers.recording import (
    Recording,
    count_values,
    counts_on_grid,
    make_recording,
    seconds_of_day,
)

__all__ = [
    "DATE_ORDERS",
    "RPX_MISSING",
    "RPX_SECTIONS",
    "DateOrder",
    "read_rpx_text",
    "rpx_date_order",
]

DateOrder = Literal["day-first", "month-first"]
DATE_ORDERS: tuple[DateOrder, ...] = ("day-first", "month-first")


@dataclass(frozen=True)
class _Labels:
    """What one language of Actiware calls the parts the reader needs."""

    language: str
    section: str  # title of the epoch-by-epoch section
    line: str  # table columns
    date: str
    time: str
    activity: str
    epoch_length: str  # header fields (matched case-insensitively, as substrings)
    identity: str
    device: str
    serial: str
    start_date: str
    end_date: str
    convention: DateOrder | None  # date order of exports in this language, if one


_LANGUAGES = (
    _Labels(
        "eng", "Epoch-by-Epoch Data", "Line", "Date", "Time", "Activity", "Epoch Length",
        "Identity", "Actiwatch Type", "Serial Number", "Data Collection Start Date",
        "Data Collection End Date", None,
    ),
    _Labels(
        "fr", "Données période par période", "Ligne", "Date", "Heure", "Activité",
        "Longueur de la période", "Identité", "Type d'Actiwatch", "Numéro de série",
        "Date de début de la collecte", "Date de fin de la collecte", "day-first",
    ),
    _Labels(
        "ger", "Daten nach Epochen", "Zeile", "Datum", "Zeit", "Aktivität", "Epochenlänge",
        "Identität", "Actiwatch-Typ", "Seriennummer", "Startdatum der Datenerfassung",
        "Enddatum der Datenerfassung", "day-first",
    ),
)  # fmt: skip
RPX_SECTIONS = tuple(labels.section for labels in _LANGUAGES)
#: Actiware's missing-value words in the activity column, and an empty cell
#: (``docs/importers.md``, "RPX"); any other text that is not a count is refused.
RPX_MISSING = frozenset({"NaN", "NAN", "nan", "kZ", ""})
_DAY_MONTH = re.compile(r"(\d{1,2})([/.])(\d{1,2})\2(\d{4})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ORDINAL_1970 = 719_163  # datetime.date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class _EpochTable:
    labels: _Labels
    header: list[list[str]]  # rows before the epoch-by-epoch section
    epochs: list[str]  # the "Line" cell of every epoch row
    dates: list[str]
    times: list[str]
    activity: list[str]


def read_rpx_text(text: str, tz: str | None, date_order: DateOrder | None = None) -> Recording:
    """Read the text of an Actiware CSV export (see the module docstring).

    *date_order* is the caller's word on ``A/B/YYYY`` dates; it is needed only
    when the content does not decide (see :func:`rpx_date_order`).
    """
    table = _epoch_table(_csv_rows(text))
    epoch_s = _epoch_length(table)
    seconds = _clock_seconds(table)
    header_dates = [
        value
        for label in (table.labels.start_date, table.labels.end_date)
        if (value := _header_value(table, label)) is not None
    ]
    order, reason = rpx_date_order(
        table.dates,
        seconds,
        epoch_s,
        header_dates=header_dates,
        convention=table.labels.convention,
        stated=date_order,
    )
    stamps = _epoch_starts(table.dates, seconds, order)
    offsets = stamps - stamps[0]
    if (offsets % epoch_s).any():
        raise ImportFormatError(f"RPX epoch times are not on a grid of {epoch_s} s")
    values = count_values(
        table.activity,
        table.epochs,
        where="RPX epoch",
        form="decimal point or comma",
        missing=RPX_MISSING,
    )
    metadata = {"language": table.labels.language, "date_order_reason": reason}
    if order is not None:
        metadata["date_order"] = order
    return make_recording(
        counts_on_grid(offsets // epoch_s, values, what="RPX"),
        pd.Timestamp(int(stamps[0]), unit="s").to_pydatetime(),
        epoch_s,
        tz,
        format="rpx",
        device=_header_value(table, table.labels.device),
        serial=_header_value(table, table.labels.serial),
        subject=_header_value(table, table.labels.identity),
        metadata=metadata,
    )


def rpx_date_order(
    dates: Sequence[str],
    seconds: Sequence[int] | np.ndarray,
    epoch_s: int,
    *,
    header_dates: Sequence[str] = (),
    convention: DateOrder | None = None,
    stated: DateOrder | None = None,
) -> tuple[DateOrder | None, str]:
    """The order of day and month in the dates of an epoch table, and why.

    Parameters
    ----------
    dates, seconds
        Date text and seconds after midnight of every epoch row, in file order.
    epoch_s
        Epoch length in seconds.
    header_dates
        Other dates of the file in the same form (collection start and end).
    convention
        The order exports in the file's language use (French, German: day-first).
    stated
        The caller's order (``date_order``), or ``None``.

    Returns
    -------
    order : {"day-first", "month-first"} or None
        ``None`` for ISO ``YYYY-MM-DD`` dates, which need no order.
    reason : str
        Why, in a few words (kept in the recording's metadata).

    Notes
    -----
    The first rule that decides wins (``docs/importers.md``, "Day or month
    first"): (1) a first field above 12 is a day, a second field above 12 is
    a day; (2) read in the right order, consecutive rows are exactly one epoch
    apart, while the wrong order turns each midnight into a jump of about a
    month, so if exactly one order gives a gapless timeline it is the one;
    (3) *stated*; (4) *convention*. A *stated* order that (1) or (2)
    contradicts, dates of both forms, and dates no rule decides raise
    :class:`~devices.errors.ImportFormatError`.
    """
    if all(_ISO_DATE.fullmatch(d) for d in set(dates)):
        return None, "ISO 8601 dates"
    fields = _date_fields(dates)
    extra = {d: f for d in header_dates if (f := _day_month(d)) is not None}
    found = _order_from_fields({**extra, **fields})
    if found is None:
        found = _order_from_timeline(dates, fields, seconds, epoch_s)
    if found is not None:
        order, reason = found
        if stated is not None and stated != order:
            raise ImportFormatError(f"RPX dates are {order}, not {stated}: {reason}")
        return order, reason
    if stated is not None:
        return stated, "date_order given by the caller"
    if convention is not None:
        return convention, f"exports in this language write {convention} dates"
    example = dates[0]
    raise ImportFormatError(
        f"RPX dates such as {example} read both day-first and month-first: "
        "give the date order (date_order / --date-order: day-first or month-first)"
    )


def _csv_rows(text: str) -> list[list[str]]:
    # Actiware writes "\r\r\n" line ends on some systems: one line end.
    reader = csv.reader(io.StringIO(text.replace("\r\r\n", "\n")))
    return [[cell.strip() for cell in row] for row in reader]


def _epoch_table(rows: list[list[str]]) -> _EpochTable:
    """Find the epoch-by-epoch section, its language and the columns the reader needs."""
    found = next(
        ((i, x) for i, row in enumerate(rows) if row for x in _LANGUAGES if x.section in row[0]),
        None,
    )
    if found is None:
        raise ImportFormatError("RPX file has no epoch-by-epoch section")
    sec, labels = found
    head = next((i for i in range(sec, len(rows)) if rows[i][:1] == [labels.line]), None)
    columns = rows[head] if head is not None else []
    if head is None or not {labels.date, labels.time, labels.activity} <= set(columns):
        raise ImportFormatError(
            f"RPX epoch table has no {labels.line}/{labels.date}/{labels.time}/"
            f"{labels.activity} header"
        )
    i_date, i_time, i_act = (columns.index(c) for c in (labels.date, labels.time, labels.activity))
    width = max(i_date, i_time, i_act)
    data = [r for r in rows[head + 1 :] if len(r) > width and r[0]]
    if not data:
        raise ImportFormatError("RPX file has no epochs")
    return _EpochTable(
        labels=labels,
        header=rows[:sec],
        epochs=[r[0] for r in data],
        dates=[r[i_date] for r in data],
        times=[r[i_time] for r in data],
        activity=[r[i_act] for r in data],
    )


def _header_value(table: _EpochTable, label: str) -> str | None:
    """The value of the first header field whose name contains *label*, if not blank."""
    wanted = label.lower()
    for row in table.header:
        if row and wanted in row[0].lower().replace("’", "'"):
            return row[1] if len(row) > 1 and row[1] else None
    return None


def _epoch_length(table: _EpochTable) -> int:
    value = _header_value(table, table.labels.epoch_length)
    try:
        epoch_s = int(float(value.replace(",", "."))) if value else 0
    except ValueError:
        epoch_s = 0
    if epoch_s <= 0:
        raise ImportFormatError("RPX header has no valid epoch length")
    return epoch_s


def _clock_seconds(table: _EpochTable) -> np.ndarray:
    """Seconds after midnight of every epoch row (each distinct time parsed once)."""
    codes, uniques = pd.factorize(pd.Series(table.times, dtype=object))
    parsed = [seconds_of_day(str(t)) for t in uniques]
    for text, value in zip(uniques, parsed, strict=True):
        if value is None:
            epoch = table.epochs[table.times.index(str(text))]
            raise ImportFormatError(f"RPX epoch {epoch}: {str(text)[:20]!r} is not a time")
    return np.asarray(parsed, dtype=np.int64)[codes]


def _day_month(text: str) -> tuple[int, int] | None:
    """The two leading fields of an ``A/B/YYYY`` or ``A.B.YYYY`` date."""
    match = _DAY_MONTH.fullmatch(text)
    return (int(match[1]), int(match[3])) if match else None


def _date_fields(dates: Sequence[str]) -> dict[str, tuple[int, int]]:
    fields: dict[str, tuple[int, int]] = {}
    for text in dict.fromkeys(dates):
        pair = _day_month(text)
        if pair is None:
            raise ImportFormatError(f"RPX date {text[:20]!r} is not like 13/07/2015 or 13.07.2015")
        fields[text] = pair
    return fields


def _order_from_fields(fields: dict[str, tuple[int, int]]) -> tuple[DateOrder, str] | None:
    """Rule 1: a field above 12 can only be a day."""
    day_first = next((d for d, (a, _b) in fields.items() if a > 12), None)
    month_first = next((d for d, (_a, b) in fields.items() if b > 12), None)
    if day_first and month_first:
        raise ImportFormatError(f"RPX dates mix day-first ({day_first}) and month-first "
                                f"({month_first}) forms")  # fmt: skip
    if day_first:
        return "day-first", f"{day_first} can only be day-first"
    if month_first:
        return "month-first", f"{month_first} can only be month-first"
    return None


def _row_days(
    dates: Sequence[str], fields: dict[str, tuple[int, int]], order: DateOrder
) -> np.ndarray | None:
    """Days since 1970-01-01 of every row's date read in *order*; ``None`` if one is impossible."""
    codes, uniques = pd.factorize(pd.Series(dates, dtype=object))
    days = np.empty(len(uniques), dtype=np.int64)
    for i, text in enumerate(uniques):
        a, b = fields[str(text)]
        day, month = (a, b) if order == "day-first" else (b, a)
        try:
            days[i] = dt.date(int(str(text)[-4:]), month, day).toordinal() - _ORDINAL_1970
        except ValueError:
            return None
    return days[codes]


def _order_from_timeline(
    dates: Sequence[str],
    fields: dict[str, tuple[int, int]],
    seconds: Sequence[int] | np.ndarray,
    epoch_s: int,
) -> tuple[DateOrder, str] | None:
    """Rule 2: the order under which consecutive rows are exactly one epoch apart."""
    gapless: list[DateOrder] = []
    for order in DATE_ORDERS:
        days = _row_days(dates, fields, order)
        if days is not None:
            stamps = days * 86_400 + np.asarray(seconds, dtype=np.int64)
            if (np.diff(stamps) == epoch_s).all():
                gapless.append(order)
    if len(gapless) == 1:
        return gapless[0], f"only {gapless[0]} dates make consecutive rows one epoch apart"
    return None


def _epoch_starts(dates: Sequence[str], seconds: np.ndarray, order: DateOrder | None) -> np.ndarray:
    """Seconds since 1970-01-01 (wall clock) of every epoch row."""
    if order is None:  # ISO dates
        parsed = pd.to_datetime(pd.Series(dates), format="%Y-%m-%d", errors="coerce")
        if parsed.isna().any():
            raise ImportFormatError("RPX ISO dates are not valid calendar dates")
        days = parsed.to_numpy(dtype="datetime64[D]").astype(np.int64)
    else:
        found = _row_days(dates, _date_fields(dates), order)
        if found is None:
            raise ImportFormatError(f"RPX dates are not valid {order} calendar dates")
        days = found
    return days * 86_400 + seconds
