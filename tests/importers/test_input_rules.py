"""Input rules every actigraphy reader shares (docs/importers.md, "Counts", "Clocks", "Size").

Each case is a file written here with one bad value at a known line or
epoch; the expected message names that place. The DST instants come from the
IANA tz database's rule for Europe/Berlin (EU summer time, Directive
2000/84/EC): clocks go from 02:00 to 03:00 on 2025-03-30 and from 03:00 back
to 02:00 on 2025-10-26.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from devices.errors import ImportFormatError
from devices.importers import MAX_FILE_BYTES, read_actigraphy
from devices.importers.recording import MAX_COUNT
from tests.helpers.actiware import actiware_csv
from tests.helpers.awd import write_awd

START = dt.datetime(2025, 1, 6, 8, 30)


def _one_line(exc: pytest.ExceptionInfo[ImportFormatError]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


def _csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "c.csv"
    path.write_text("timestamp,counts\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


MINUTES = [f"2025-01-06T00:0{i}:00" for i in range(4)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc", "CSV line 4: 'abc' is not a count"),
        ("café", "CSV line 4: 'café' is not a count"),
        ("1e5", "CSV line 4: '1e5' is not a count"),
        ("inf", "CSV line 4: 'inf' is not a count"),
        ("-5", "CSV line 4: count -5 is negative"),
        (str(MAX_COUNT + 1), f"CSV line 4: count {MAX_COUNT + 1} is above"),
        ("9" * 400, "CSV line 4: count 999999999999... has 400 characters"),
    ],
)
def test_csv_counts_that_are_not_counts_name_their_line(
    tmp_path: Path, value: str, expected: str
) -> None:
    path = _csv(tmp_path, [f"{MINUTES[0]},1", f"{MINUTES[1]},2", f"{MINUTES[2]},{value}"])
    with pytest.raises(ImportFormatError) as info:
        read_actigraphy(path)
    assert _one_line(info).startswith(expected)


def test_csv_empty_count_is_missing_and_blank_lines_keep_line_numbers(tmp_path: Path) -> None:
    path = _csv(tmp_path, [f"{MINUTES[0]},1", f"{MINUTES[1]},", "", f"{MINUTES[2]},3.5"])
    rec = read_actigraphy(path)
    assert rec.counts.tolist()[::2] == [1.0, 3.5]
    assert np.isnan(rec.counts.iloc[1])
    bad = _csv(tmp_path, [f"{MINUTES[0]},1", "", f"{MINUTES[1]},x"])
    with pytest.raises(ImportFormatError, match="CSV line 4: 'x'"):
        read_actigraphy(bad)


def test_csv_time_in_the_spring_gap_names_its_line(tmp_path: Path) -> None:
    # 02:00-02:59 on 2025-03-30 never showed on a Berlin wall clock.
    rows = [f"2025-03-30T01:{m}:00,1" for m in ("58", "59")] + ["2025-03-30T02:30:00,1"]
    with pytest.raises(ImportFormatError) as info:
        read_actigraphy(_csv(tmp_path, rows), tz="Europe/Berlin")
    assert _one_line(info) == (
        "CSV line 4: 2025-03-30 02:30 does not exist in Europe/Berlin (clocks moved forward)"
    )
    rec = read_actigraphy(_csv(tmp_path, rows))  # without a zone there is no DST
    assert rec.counts.size == 33  # 01:58 .. 02:30 at 1-min epochs


def test_csv_time_in_the_autumn_overlap_is_the_earlier_instant(tmp_path: Path) -> None:
    # 02:30 on 2025-10-26 happens twice in Berlin: first at 00:30 UTC (CEST), then 01:30 UTC.
    rows = ["2025-10-26T02:29:00,1", "2025-10-26T02:30:00,2"]
    rec = read_actigraphy(_csv(tmp_path, rows), tz="Europe/Berlin")
    assert rec.start.tz_convert("UTC").isoformat() == "2025-10-26T00:29:00+00:00"


def test_csv_repeated_stamp_and_unknown_zone_and_far_dates(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="CSV line 3: timestamp is not after"):
        read_actigraphy(_csv(tmp_path, [f"{MINUTES[1]},1", f"{MINUTES[0]},1"]))
    with pytest.raises(ImportFormatError, match="unknown time zone 'Mars/Olympus'"):
        read_actigraphy(_csv(tmp_path, [f"{MINUTES[0]},1", f"{MINUTES[1]},1"]), tz="Mars/Olympus")
    with pytest.raises(ImportFormatError, match="CSV line 2: '0001-01-01T00:00:00' is not"):
        read_actigraphy(_csv(tmp_path, ["0001-01-01T00:00:00,1", f"{MINUTES[1]},1"]))
    with pytest.raises(ImportFormatError, match=r"CSV line 3: .* lacks a UTC offset"):
        read_actigraphy(_csv(tmp_path, ["2025-01-06T00:00:00Z,1", f"{MINUTES[1]},1"]))


def test_awd_count_of_400_digits_is_one_line(tmp_path: Path) -> None:
    path = write_awd(tmp_path / "x.awd", [1, 2, 3], start=START)
    path.write_bytes(path.read_bytes() + b"9" * 400 + b"\r\n")
    with pytest.raises(ImportFormatError) as info:
        read_actigraphy(path)
    assert _one_line(info).startswith("AWD line 11: count 999999999999... has 400 characters")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"caf\xc3\xa9", "AWD line 11: 'café' is not a count"),
        (b"-3", "AWD line 11: count -3 is negative"),
        (b"2.5", "AWD line 11: '2.5' is not a count (expected a whole number"),
    ],
)
def test_awd_counts_are_whole_numbers_from_zero(
    tmp_path: Path, value: bytes, expected: str
) -> None:
    path = write_awd(tmp_path / "x.awd", [1, 2, 3], start=START)
    path.write_bytes(path.read_bytes() + value + b"\r\n")
    with pytest.raises(ImportFormatError) as info:
        read_actigraphy(path)
    assert _one_line(info).startswith(expected)


def test_rpx_text_counts_are_refused_and_documented_markers_are_missing(tmp_path: Path) -> None:
    text = actiware_csv(START, [4, None, 7, 9])  # None: Actiware's "NaN"
    path = tmp_path / "r.csv"
    path.write_text(text.replace('"9"', '""'), encoding="utf-8")
    rec = read_actigraphy(path, date_order="month-first")
    assert rec.counts.iloc[0] == 4
    assert np.isnan(rec.counts.iloc[[1, 3]]).all()
    for bad, expected in (('"abc"', "'abc' is not a count"), ('"-7"', "count -7 is negative")):
        path.write_text(text.replace('"7"', bad), encoding="utf-8")
        with pytest.raises(ImportFormatError) as info:
            read_actigraphy(path, date_order="month-first")
        assert _one_line(info).startswith(f"RPX epoch 3: {expected}")


def _agd(path: Path, rows: list[tuple[object, ...]], *, start: object = None) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE settings (settingName TEXT, settingValue TEXT)")
    ticks0 = 621_355_968_000_000_000 + 1_736_152_200 * 10**7  # 2025-01-06 08:30 as .NET ticks
    for k, v in {"startdatetime": str(start or ticks0), "epochlength": "60"}.items():
        con.execute("INSERT INTO settings VALUES (?, ?)", (k, v))
    con.execute("CREATE TABLE data (dataTimestamp INTEGER, axis1 INT, axis2 INT, axis3 INT)")
    for i, row in enumerate(rows):
        con.execute("INSERT INTO data VALUES (?, ?, ?, ?)", (ticks0 + i * 60 * 10**7, *row))
    con.commit()
    con.close()
    return path


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (("abc", 0, 0), "AGD epoch 2: axis value 'abc' is not a count"),
        ((None, 0, 0), "AGD epoch 2: axis value None is not a count"),
        ((-4, 0, 0), "AGD epoch 2: count -4 is negative"),
        ((2**62, 0, 0), "AGD epoch 2: count 4.61168601842739e+18 is above"),
    ],
)
def test_agd_axes_that_are_not_counts_name_their_epoch(
    tmp_path: Path, bad: tuple[object, ...], expected: str
) -> None:
    path = _agd(tmp_path / "a.agd", [(3, 4, 0), bad, (1, 1, 1)])
    with pytest.raises(ImportFormatError) as info:
        read_actigraphy(path)
    assert _one_line(info).startswith(expected)


def test_agd_start_outside_net_datetime_is_one_line(tmp_path: Path) -> None:
    path = _agd(tmp_path / "a.agd", [(3, 4, 0), (1, 1, 1)], start=10**20)
    with pytest.raises(ImportFormatError) as info:
        read_actigraphy(path)
    assert "startdatetime" in _one_line(info)


def test_non_utf8_and_binary_files_are_one_line(tmp_path: Path) -> None:
    path = write_awd(tmp_path / "x.awd", [1, 2, 3], start=START, name="Jose")
    path.write_bytes(path.read_bytes().replace(b"Jose", b"Jos\xe9"))  # Latin-1 é
    with pytest.raises(ImportFormatError) as info:
        read_actigraphy(path)
    assert _one_line(info) == "x.awd line 1: byte 0xe9 is not UTF-8 text"
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"timestamp,counts\n" + bytes(range(256)) * 4)
    with pytest.raises(ImportFormatError) as info:
        read_actigraphy(binary, format="csv")
    _one_line(info)


def test_size_cap_is_checked_before_reading_and_can_be_raised(tmp_path: Path) -> None:
    rows = [f"2025-01-06T00:{m:02d}:00,{m}" for m in range(60)]
    path = _csv(tmp_path, rows)
    with pytest.raises(ImportFormatError) as info:
        read_actigraphy(path, max_bytes=1024)
    size = path.stat().st_size
    assert _one_line(info) == (
        f"c.csv is {size} bytes, over the 1024 bytes limit (raise it with --max-size MB)"
    )
    assert read_actigraphy(path, max_bytes=None).counts.size == 60
    assert MAX_FILE_BYTES == 256 * 1024 * 1024
