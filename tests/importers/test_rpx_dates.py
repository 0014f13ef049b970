"""RPX (Actiware CSV) date order decided from the content (docs/importers.md, "RPX").

Files are written by ``tests/helpers/actiware.py`` from a known start, so the
expected start and grid are the ones the writer used. Rules under test, in
order: a field above 12; consecutive rows one epoch apart; the caller's
``date_order``; the language's convention (French and German exports are
day-first, as pyActigraphy's ``read_raw_rpx`` assumes); otherwise a one-line
refusal.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from devices.errors import ImportFormatError
from devices.importers import read_actigraphy
from devices.importers.rpx import rpx_date_order
from tests.helpers.actiware import actiware_csv

US, UK, DOTS = "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("utf-8"))
    return path


def _read(tmp_path: Path, start: dt.datetime, n: int, **kwargs) -> object:
    date_order = kwargs.pop("date_order", None)
    text = actiware_csv(start, list(range(n)), **kwargs)
    return read_actigraphy(_write(tmp_path, text), date_order=date_order)


def _starts_at(rec, start: dt.datetime, n: int, epoch_s: int = 30) -> None:
    assert rec.format == "rpx"
    assert rec.start.tz_localize(None).to_pydatetime() == start
    assert rec.counts.size == n  # no month-long gap of NaN
    assert rec.counts.tolist() == list(range(n))
    assert rec.epoch == dt.timedelta(seconds=epoch_s)


# 4 July 2015 23:58 -> 5 July 00:01:30: every date has both fields <= 12.
NIGHT = dt.datetime(2015, 7, 4, 23, 58)


def test_month_first_dates_crossing_midnight_are_month_first(tmp_path: Path) -> None:
    # Old reader: tried day-first first; 07/04 -> 07/05 read as 7 April -> 7 May is
    # "regular" (a month of NaN), so it took that.
    rec = _read(tmp_path, NIGHT, 8, date_format=US)
    _starts_at(rec, NIGHT, 8)
    assert rec.metadata["date_order"] == "month-first"


def test_day_first_dates_crossing_midnight_are_day_first(tmp_path: Path) -> None:
    rec = _read(tmp_path, NIGHT, 8, date_format=UK)
    _starts_at(rec, NIGHT, 8)
    assert rec.metadata["date_order"] == "day-first"


@pytest.mark.parametrize(
    ("start", "fmt", "order"),
    [
        (dt.datetime(2015, 7, 13, 9, 45), UK, "day-first"),
        (dt.datetime(2015, 7, 13, 9, 45), US, "month-first"),
        (dt.datetime(2020, 1, 24, 9, 5), DOTS, "day-first"),
    ],
)
def test_a_field_above_12_decides(tmp_path: Path, start: dt.datetime, fmt: str, order: str) -> None:
    rec = _read(tmp_path, start, 4, date_format=fmt)
    _starts_at(rec, start, 4)
    assert rec.metadata["date_order"] == order


def test_the_header_end_date_decides_when_the_table_cannot(tmp_path: Path) -> None:
    # One morning of 4 July; the header says collection ended on 07/13/2015.
    start = dt.datetime(2015, 7, 4, 9, 0)
    rec = _read(tmp_path, start, 4, date_format=US, end_date="07/13/2015")
    _starts_at(rec, start, 4)


MORNING = dt.datetime(2015, 7, 4, 9, 0)  # 07/04/2015 or 04/07/2015 all along


def test_ambiguous_dates_without_a_stated_order_are_refused(tmp_path: Path) -> None:
    # Old reader: silently took day-first (7 April).
    with pytest.raises(ImportFormatError, match="--date-order") as info:
        _read(tmp_path, MORNING, 4, date_format=US)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("fmt", "order"), [(US, "month-first"), (UK, "day-first")])
def test_ambiguous_dates_follow_the_stated_order(tmp_path: Path, fmt: str, order: str) -> None:
    rec = _read(tmp_path, MORNING, 4, date_format=fmt, date_order=order)
    _starts_at(rec, MORNING, 4)
    assert rec.metadata["date_order_reason"] == "date_order given by the caller"


@pytest.mark.parametrize("language", ["fr", "ger"])
def test_ambiguous_french_and_german_dates_are_day_first(tmp_path: Path, language: str) -> None:
    rec = _read(tmp_path, MORNING, 4, date_format=UK, language=language)
    _starts_at(rec, MORNING, 4)
    assert rec.metadata["language"] == language


def test_a_stated_order_the_content_contradicts_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="not day-first"):
        _read(tmp_path, NIGHT, 8, date_format=US, date_order="day-first")
    with pytest.raises(ImportFormatError, match="not month-first"):
        _read(tmp_path, dt.datetime(2015, 7, 13), 2, date_format=UK, date_order="month-first")


def test_twelve_hour_times(tmp_path: Path) -> None:
    rec = _read(tmp_path, NIGHT, 8, date_format=US, time_format="%I:%M:%S %p")
    _starts_at(rec, NIGHT, 8)


def test_german_export_missing_values_and_comma_decimals(tmp_path: Path) -> None:
    start = dt.datetime(2020, 1, 24, 9, 5)
    text = actiware_csv(start, [4, None, 2.5], language="ger", date_format=DOTS)
    rec = read_actigraphy(_write(tmp_path, text.replace('"2.5"', '"2,5"')))
    assert rec.counts.iloc[0] == 4
    assert np.isnan(rec.counts.iloc[1])
    assert rec.counts.iloc[2] == 2.5
    assert rec.serial == "A123"


@pytest.mark.parametrize(
    ("dates", "match"),
    [
        (["13/07/2015", "07/13/2015"], "mix"),
        (["2015-07-13", "13/07/2015"], "not like"),
        (["13/07/15", "13/07/15"], "not like"),
        (["00/07/2015", "00/07/2015"], "not valid"),
    ],
)
def test_impossible_dates_are_refused(tmp_path: Path, dates: list[str], match: str) -> None:
    text = actiware_csv(dt.datetime(2015, 7, 13, 9, 0), [1, 2], date_format=UK)
    text = text.replace('"13/07/2015","09:00:00"', f'"{dates[0]}","09:00:00"')
    text = text.replace('"13/07/2015","09:00:30"', f'"{dates[1]}","09:00:30"')
    with pytest.raises(ImportFormatError, match=match) as info:
        read_actigraphy(_write(tmp_path, text), format="rpx", date_order="day-first")
    assert "\n" not in str(info.value)


def test_date_order_decision_table() -> None:
    minute = [0, 60]
    # ISO dates need no order
    assert rpx_date_order(["2015-07-04"] * 2, minute, 60)[0] is None
    # field > 12 wins over the caller's silence, the convention and the timeline
    assert rpx_date_order(["13/07/2015"] * 2, minute, 60, convention=None)[0] == "day-first"
    # single day, ambiguous: the caller, then the convention
    same = ["04/07/2015"] * 2
    assert rpx_date_order(same, minute, 60, stated="month-first")[0] == "month-first"
    assert rpx_date_order(same, minute, 60, convention="day-first")[0] == "day-first"
    assert rpx_date_order(same, minute, 60, stated="month-first", convention="day-first") == (
        "month-first",
        "date_order given by the caller",
    )
    # day == month: both orders give the same date, so either answer is right
    assert rpx_date_order(["05/05/2015"] * 2, minute, 60, stated="day-first")[0] == "day-first"
    # a real gap in the rows: the timeline proves nothing, so it falls to the caller
    gap = ["04/07/2015", "05/07/2015"]
    assert rpx_date_order(gap, [86_000, 3_600], 60, stated="month-first")[0] == "month-first"


def test_an_unknown_date_order_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, actiware_csv(MORNING, [1, 2], date_format=US))
    with pytest.raises(ImportFormatError, match="day-first or month-first"):
        read_actigraphy(path, date_order="year-first")  # type: ignore[arg-type]
