"""Actigraphy readers: AWD, AGD, RPX, CSV; detection by content; bad files (docs/importers.md)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from devices.errors import ImportFormatError
from devices.importers import read_actigraphy
from ipsrt.rhythm import panel
from tests.helpers import pyact_reference
from tests.helpers.awd import write_awd
from tests.helpers.stored_inputs import load_input

START = dt.datetime(2025, 1, 6, 8, 30)


def test_awd_round_trip_and_detection_ignores_extension(tmp_path: Path) -> None:
    counts = np.array([0, 5, 120, 7, 0, 33])
    path = write_awd(tmp_path / "x.csv", counts, start=START, serial="M12345", name="S01")
    rec = read_actigraphy(path)
    assert rec.format == "awd"
    assert rec.counts.tolist() == counts.tolist()
    assert rec.epoch == dt.timedelta(minutes=1)
    assert rec.start.isoformat() == "2025-01-06T08:30:00+00:00"
    assert rec.device == "Actiwatch-Mini"
    assert rec.subject == "S01"


def test_awd_light_channel_and_markers(tmp_path: Path) -> None:
    path = write_awd(
        tmp_path / "l.awd", [1, 2, 3], start=START, epoch_seconds=30, serial="L0001",
        light=[0.5, 10.0, 0.0], markers=[False, True, False],
    )  # fmt: skip
    rec = read_actigraphy(path, tz="Europe/Berlin")
    assert rec.counts.tolist() == [1, 2, 3]
    assert rec.epoch == dt.timedelta(seconds=30)
    assert str(rec.counts.index.tz) == "Europe/Berlin"
    assert rec.start.hour == 8


@pytest.mark.parametrize("name", ["regular_14d", "offset_start_10d", "epoch30_8d"])
def test_awd_through_reader_matches_pyactigraphy(tmp_path: Path, name: str) -> None:
    # Source: tests/data/pyactigraphy/reference_values.json: pyActigraphy 1.2.2 read the
    # same stored input written as an AWD file by the same writer (generate.py).
    ref = pyact_reference()[name]
    stored = load_input(ref["spec"]["input"])
    path = write_awd(
        tmp_path / "r.AWD", stored.counts, start=stored.start, epoch_seconds=stored.epoch_s
    )
    out = panel(read_actigraphy(path).counts, compat="pyactigraphy", sleep_summary=False)
    for key in ("IS", "IV", "RA", "ISm", "SRI"):
        assert out[key] == pytest.approx(ref["values"][key], rel=1e-9), key


def _agd(path: Path, *, rows: int = 5, epoch: int = 60) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE settings (settingID INTEGER, settingName TEXT, settingValue TEXT)")
    ticks0 = (
        621_355_968_000_000_000 + int((START - dt.datetime(1970, 1, 1)).total_seconds()) * 10**7
    )
    for i, (k, v) in enumerate(
        {
            "subjectname": "S02", "deviceserial": "MOS2E123", "devicename": "wGT3XBT",
            "startdatetime": str(ticks0), "epochlength": str(epoch),
        }.items()
    ):  # fmt: skip
        con.execute("INSERT INTO settings VALUES (?, ?, ?)", (i, k, v))
    con.execute("CREATE TABLE data (dataTimestamp INTEGER, axis1 INT, axis2 INT, axis3 INT)")
    for i in range(rows):
        if i == 2:
            continue  # a missing epoch becomes NaN
        con.execute("INSERT INTO data VALUES (?, ?, ?, ?)", (ticks0 + i * epoch * 10**7, 3, 4, 0))
    con.commit()
    con.close()
    return path


def test_agd_magnitude_gap_and_metadata(tmp_path: Path) -> None:
    rec = read_actigraphy(_agd(tmp_path / "a.bin"))
    assert rec.format == "agd"
    assert rec.counts.iloc[0] == 5.0  # sqrt(3² + 4² + 0²)
    assert np.isnan(rec.counts.iloc[2])
    assert rec.serial == "MOS2E123"
    assert rec.start.isoformat() == "2025-01-06T08:30:00+00:00"


def test_truncated_agd_is_refused(tmp_path: Path) -> None:
    good = _agd(tmp_path / "a.agd", rows=3000)
    data = good.read_bytes()
    bad = tmp_path / "b.agd"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportFormatError):
        read_actigraphy(bad)


RPX = """"Actiware Export File  (Version 05.00 )"
"Identity:","S03"
"Actiwatch Type:","Actiwatch 2"
"Actiwatch Serial Number:","A123"
"Epoch Length:","30","seconds",""


"-------------------- Epoch-by-Epoch Data -------------------"

"Line","Date","Time","Activity","Marker","White Light","Sleep/Wake","Interval Status",

"1","13/07/2015","09:45:00","0","0","0.01","NaN","ACTIVE",
"2","13/07/2015","09:45:30","12","0","0.01","NaN","ACTIVE",
"3","13/07/2015","09:46:00","NaN","0","0.01","0","ACTIVE",
"4","13/07/2015","09:46:30","7","0","0.01","0","ACTIVE",
"""


def test_rpx_day_first_and_nan(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_bytes(RPX.replace("\n", "\r\n").encode("utf-8"))
    rec = read_actigraphy(path)
    assert rec.format == "rpx"
    assert rec.epoch == dt.timedelta(seconds=30)
    assert rec.start.isoformat() == "2015-07-13T09:45:00+00:00"
    assert rec.counts.iloc[1] == 12
    assert np.isnan(rec.counts.iloc[2])
    assert rec.serial == "A123"


def test_generic_csv_with_gap(tmp_path: Path) -> None:
    path = tmp_path / "c.dat"
    path.write_text(
        "timestamp,counts\n2025-01-06T00:00:00+01:00,1\n"
        "2025-01-06T00:01:00+01:00,2\n2025-01-06T00:03:00+01:00,4\n"
    )
    rec = read_actigraphy(path, tz="Europe/Berlin")
    assert rec.format == "csv"
    assert rec.counts.size == 4
    assert np.isnan(rec.counts.iloc[2])
    assert rec.counts.index[0].hour == 0


@pytest.mark.parametrize(
    "content",
    [b"", b"hello world\n", b"NAME\n06-Jan-2025\n08:30\n 4 \n", b"\x89PNG\r\n\x1a\n" + bytes(100)],
)
def test_foreign_or_truncated_files_raise_one_line(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "f"
    path.write_bytes(content)
    with pytest.raises(ImportFormatError) as info:
        read_actigraphy(path)
    assert "\n" not in str(info.value)


def test_awd_bad_count_line(tmp_path: Path) -> None:
    path = write_awd(tmp_path / "x.awd", [1, 2, 3], start=START)
    path.write_bytes(path.read_bytes() + b"abc\r\n")
    with pytest.raises(ImportFormatError, match="line 11"):
        read_actigraphy(path)
