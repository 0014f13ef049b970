"""AWD header lines 2-3 in the forms Actiwatch software writes (docs/importers.md, "AWD").

Sources of the forms: pyActigraphy's sample files (https://github.com/ghammad/pyActigraphy,
``pyActigraphy/tests/data``): ``test_sample_awt.AWD`` line 3 is ``18:11:00 `` (seconds,
trailing space), ``test_sample_awlp.AWD`` line 3 is ``09:38:00 AM `` (12-hour clock), the
others ``HH:MM``; pyActigraphy parses ``date + ' ' + time`` with ``pandas.to_datetime``.
Expected starts follow the 12-hour clock convention (12 AM = 00:xx, 12 PM = 12:xx).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from devices.errors import ImportFormatError
from devices.importers import read_actigraphy
from tests.helpers.awd import awd_text

START = dt.datetime(2025, 1, 6, 8, 30)


def _awd(tmp_path: Path, *, date: str | None = None, clock: str | None = None) -> Path:
    """An AWD file of three 1-min epochs whose header lines 2-3 are *date* and *clock*."""
    lines = awd_text([3, 0, 7], start=START).split("\r\n")
    if date is not None:
        lines[1] = date
    if clock is not None:
        lines[2] = clock
    path = tmp_path / "h.awd"
    path.write_bytes("\r\n".join(lines).encode("ascii"))
    return path


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        ("08:30", "08:30:00"),
        ("8:30", "08:30:00"),
        ("13:30:00", "13:30:00"),
        ("18:11:00 ", "18:11:00"),
        ("13:30:15", "13:30:15"),
        ("01:30 PM", "13:30:00"),
        ("09:38:00 AM ", "09:38:00"),
        ("1:30pm", "13:30:00"),
        ("12:05 AM", "00:05:00"),
        ("12:05 PM", "12:05:00"),
        ("11:59:59 PM", "23:59:59"),
    ],
)
def test_start_time_forms_are_read_and_detected(tmp_path: Path, clock: str, expected: str) -> None:
    rec = read_actigraphy(_awd(tmp_path, clock=clock))  # format detected from the content
    assert rec.format == "awd"
    assert rec.start.isoformat() == f"2025-01-06T{expected}+00:00"
    assert rec.counts.index[1] - rec.counts.index[0] == dt.timedelta(minutes=1)
    assert rec.counts.tolist() == [3, 0, 7]


@pytest.mark.parametrize("date", ["06-jan-2025", "6-Jan-2025", "06-JAN-2025"])
def test_start_date_forms(tmp_path: Path, date: str) -> None:
    assert read_actigraphy(_awd(tmp_path, date=date)).start.date() == dt.date(2025, 1, 6)


@pytest.mark.parametrize(
    ("date", "clock", "match"),
    [
        (None, "25:00", "line 3"),
        (None, "13:30 PM", "line 3"),
        (None, "00:30 AM", "line 3"),
        (None, "12:60", "line 3"),
        (None, "12:30:60", "line 3"),
        (None, "noon", "line 3"),
        (None, "", "line 3"),
        ("31-Feb-2025", None, "line 2"),
        ("06-Foo-2025", None, "line 2"),
        ("2025-01-06", None, "line 2"),
    ],
)
def test_nonsense_header_is_refused_in_one_line(
    tmp_path: Path, date: str | None, clock: str | None, match: str
) -> None:
    with pytest.raises(ImportFormatError, match=match) as info:
        read_actigraphy(_awd(tmp_path, date=date, clock=clock), format="awd")
    assert "\n" not in str(info.value)


def test_nonsense_time_with_an_awd_shape_names_the_awd_line(tmp_path: Path) -> None:
    # Detection looks at the shape; the reader then names the bad line.
    with pytest.raises(ImportFormatError, match="AWD line 3"):
        read_actigraphy(_awd(tmp_path, clock="25:61"))
