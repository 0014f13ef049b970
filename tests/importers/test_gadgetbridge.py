"""The Gadgetbridge database reader against the known band week (docs/importing.md, "Gadgetbridge").

Ground truth: :func:`tests.helpers.band_week.band_week` for BERLIN_WEEK (spring
DST change, Europe/Berlin) and AUCKLAND_WEEK (autumn change,
Pacific/Auckland), written by :mod:`tests.helpers.gadgetbridge_export` and read
back. Every family's file carries the week projected as stated in each test;
the stamps are Unix seconds, so the UTC minutes must come back exactly
whatever the zone and its DST change.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from devices.errors import ImportFormatError
from devices.importers.band_minutes import MINUTE_FRAME_COLUMNS, STATE_LABELS, ExportedMinutes
from devices.importers.gadgetbridge import read_gadgetbridge
from devices.wire.activity_kinds import ACTIVITY_KINDS, STATES_BY_KIND_CODE
from devices.wire.bangle_messages import ActRecord
from ipsrt.enums import DeviceState
from tests.helpers.band_week import AUCKLAND_WEEK, BERLIN_WEEK, band_week
from tests.helpers.gadgetbridge_export import (
    ExportDevice,
    block_state,
    sample_devices,
    write_gadgetbridge,
    write_sample,
)

WEEKS = pytest.mark.parametrize("week", [BERLIN_WEEK, AUCKLAND_WEEK], ids=["berlin", "auckland"])
MAC = "c8:0f:10:aa:bb:01"


def _frame(ts: pd.Series, steps, heart_rate, activity, state) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ts": pd.DatetimeIndex(ts).as_unit("ns"),
            "steps": np.asarray(steps, dtype=np.float64),
            "heart_rate": np.asarray(heart_rate, dtype=np.float64),
            "activity": np.asarray(activity, dtype=np.float64),
            "state": np.asarray(state, dtype=object),
        }
    )[list(MINUTE_FRAME_COLUMNS)]


def _read_one(tmp_path: Path, family: str, week: pd.DataFrame) -> ExportedMinutes:
    path = write_gadgetbridge(tmp_path / "Gadgetbridge", [ExportDevice(family, "Band", MAC, week)])
    return read_gadgetbridge(path)


def _error(call: Callable[[], object]) -> str:
    with pytest.raises(ImportFormatError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    return message


@WEEKS
@pytest.mark.parametrize("family", ["huami", "huami-extended"])
def test_huami_minutes_equal_the_week(tmp_path: Path, week: tuple, family: str) -> None:
    """Projection: REM has no Huami kind byte (written as light sleep, 9); not-worn
    minutes carry 0 steps and heart rate 255 (no reading); RAW_INTENSITY is the
    minute's steps. The extended table's REM_SLEEP column does not make REM."""
    truth = band_week(*week)
    got = _read_one(tmp_path, family, truth)
    steps = truth["steps"].fillna(0)
    state = truth["state"].replace("sleep_rem", "sleep_light")
    expected = _frame(truth["ts"], steps, truth["heart_rate"], steps, state)
    pd.testing.assert_frame_equal(got.minutes, expected)
    assert (got.source, got.device_key, got.device_name) == ("gadgetbridge", MAC.upper(), "Band")
    assert got.records == len(truth)
    not_worn = int(truth["heart_rate"].isna().sum())
    assert not_worn == 120
    assert got.notes == (f"{not_worn} heart-rate values outside 10-250 bpm read as no reading",)


def _spread(total: int) -> list[int]:
    """A 10-minute total spread evenly: minute k gets round(T(k+1)/10) - round(Tk/10)."""
    cum = np.round(total * np.arange(11) / 10)
    return list(np.diff(cum).astype(int))


@WEEKS
def test_bangle_blocks_equal_the_week_per_block(tmp_path: Path, week: tuple) -> None:
    """Projection: each 10-minute block (stamped at its end) carries its step total,
    spread evenly back over its minutes (docs/importing.md: each block's minutes
    add up to its total), its mean heart rate rounded half to even on every
    minute, its total as intensity, and the state of most of its minutes (a tie
    goes to the latest minute's state; WALKING and ACTIVITY are awake)."""
    truth = band_week(*week)
    got = _read_one(tmp_path, "bangle", truth)
    block = truth["ts"].dt.as_unit("s").astype("int64") // 600
    steps, hr, activity, states = [], [], [], []
    for _, part in truth.groupby(block, sort=True):
        assert len(part) == 10  # local midnight is on a UTC 10-minute boundary in both zones
        total = int(part["steps"].fillna(0).sum())
        readings = part["heart_rate"].dropna()
        steps += _spread(total)
        hr += [round(float(readings.mean())) if len(readings) else np.nan] * 10
        activity += [total] * 10
        states += [block_state(list(part["state"]))] * 10
    expected = _frame(truth["ts"], steps, hr, activity, states)
    pd.testing.assert_frame_equal(got.minutes, expected)
    assert got.records == len(truth) // 10
    assert "sleep_rem" in set(got.minutes["state"])  # REM_SLEEP code carried


@WEEKS
def test_pinetime_rows_equal_the_week(tmp_path: Path, week: tuple) -> None:
    """Projection: rows at irregular seconds; a minute's kind row and its UNKNOWN step
    row add up to its steps, the kind wins over UNKNOWN; no intensity column
    (activity empty); not-worn minutes carry 0 steps and no heart rate."""
    truth = band_week(*week)
    got = _read_one(tmp_path, "pinetime", truth)
    steps = truth["steps"].fillna(0)
    expected = _frame(truth["ts"], steps, truth["heart_rate"], np.nan, truth["state"])
    pd.testing.assert_frame_equal(got.minutes, expected)
    step_rows = int((steps - steps // 2 > 0).sum())
    assert got.records == len(truth) + step_rows
    assert got.notes == (
        f"{120 + step_rows} heart-rate values outside 10-250 bpm read as no reading",
    )


def test_bangle_kind_codes_and_the_live_profile_names_map_through_one_table() -> None:
    """Gadgetbridge's ActivityKind (name, code) pairs (``model/ActivityKind.java``):
    a Bangle.js firmware name read live and its code read from the database
    give the same state."""
    pairs = {
        "UNKNOWN": 0x0,
        "ACTIVITY": 0x1,
        "LIGHT_SLEEP": 0x2,
        "DEEP_SLEEP": 0x4,
        "NOT_WORN": 0x8,
        "RUNNING": 0x10,
        "WALKING": 0x20,
        "EXERCISE": 0x200,
        "REM_SLEEP": 0x1000000,
        "AWAKE_SLEEP": 0x2000000,
    }
    assert {k.name: k.code for k in ACTIVITY_KINDS} == pairs
    for name, code in pairs.items():
        live = ActRecord(600_000, 0, 60, 0, name).state
        assert live is STATES_BY_KIND_CODE[code], name
    assert ActRecord(600_000, 0, 60, 0, "REM_SLEEP").state is DeviceState.SLEEP_REM


# --- device choice ---------------------------------------------------------


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample(tmp_path_factory.mktemp("sample"))[0]


@pytest.fixture
def two_devices(tmp_path: Path, sample_file: Path) -> Path:
    """A fresh copy of the sample export (a Mi Band and a Bangle.js)."""
    return Path(shutil.copy(sample_file, tmp_path / sample_file.name))


def test_several_devices_need_a_choice_and_the_error_lists_them(two_devices: Path) -> None:
    path = two_devices
    message = _error(lambda: read_gadgetbridge(path))
    assert message == (
        "gadgetbridge.db: several devices have samples (Mi Smart Band 6 (C8:0F:10:6A:2B:01); "
        "Blue watch (e4:11:0b:22:7f:3c)); choose one with --device NAME|MAC"
    )


@pytest.mark.parametrize(
    ("choice", "key", "name"),
    [
        ("mi smart band 6", "C8:0F:10:6A:2B:01", "Mi Smart Band 6"),
        ("c8:0f:10:6a:2b:01", "C8:0F:10:6A:2B:01", "Mi Smart Band 6"),
        ("BANGLE.JS 7F3C", "E4:11:0B:22:7F:3C", "Blue watch"),
        ("blue watch", "E4:11:0B:22:7F:3C", "Blue watch"),
        ("E4:11:0B:22:7F:3C", "E4:11:0B:22:7F:3C", "Blue watch"),
    ],
)
def test_device_is_chosen_by_name_alias_or_mac(
    two_devices: Path, choice: str, key: str, name: str
) -> None:
    got = read_gadgetbridge(two_devices, device=choice)
    assert (got.device_key, got.device_name) == (key, name)


def test_an_unknown_device_choice_lists_the_devices(two_devices: Path) -> None:
    path = two_devices
    message = _error(lambda: read_gadgetbridge(path, device="Pebble"))
    assert message.startswith("gadgetbridge.db: no device with samples matches --device 'Pebble'")
    assert "Mi Smart Band 6 (C8:0F:10:6A:2B:01)" in message
    assert "Blue watch (e4:11:0b:22:7f:3c)" in message


def test_a_device_without_samples_is_not_offered(tmp_path: Path) -> None:
    week = band_week(*BERLIN_WEEK, days=1)
    path = write_gadgetbridge(
        tmp_path / "g.db",
        [
            ExportDevice("huami", "Old band", MAC, week.iloc[:0]),
            ExportDevice("bangle", "B", "AA", week),
        ],
    )
    assert read_gadgetbridge(path).device_key == "AA"


# --- layouts and bad files ------------------------------------------------


def _small(tmp_path: Path, family: str = "huami") -> Path:
    week = band_week(*BERLIN_WEEK, days=1).iloc[:30]
    return write_gadgetbridge(tmp_path / "g.db", [ExportDevice(family, "Band", MAC, week)])


def _alter(path: Path, *statements: str) -> Path:
    connection = sqlite3.connect(path)
    with connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()
    return path


def test_a_file_without_sample_tables_is_rejected_naming_them(tmp_path: Path) -> None:
    path = _alter(
        _small(tmp_path),
        "DROP TABLE MI_BAND_ACTIVITY_SAMPLE",
        "DROP TABLE HUAMI_EXTENDED_ACTIVITY_SAMPLE",
        "DROP TABLE BANGLE_JSACTIVITY_SAMPLE",
        "DROP TABLE PINE_TIME_ACTIVITY_SAMPLE",
    )
    assert _error(lambda: read_gadgetbridge(path)) == (
        "g.db: no Gadgetbridge sample table (MI_BAND_ACTIVITY_SAMPLE, "
        "HUAMI_EXTENDED_ACTIVITY_SAMPLE, BANGLE_JSACTIVITY_SAMPLE, PINE_TIME_ACTIVITY_SAMPLE); "
        "not a Gadgetbridge export of a supported band"
    )


def test_a_sample_table_missing_a_column_is_rejected_naming_it(tmp_path: Path) -> None:
    path = _alter(_small(tmp_path), "ALTER TABLE MI_BAND_ACTIVITY_SAMPLE DROP COLUMN HEART_RATE")
    assert _error(lambda: read_gadgetbridge(path)) == (
        "g.db: table MI_BAND_ACTIVITY_SAMPLE lacks column(s) HEART_RATE; "
        "unknown Gadgetbridge layout"
    )


def test_a_missing_device_table_or_device_row_is_rejected(tmp_path: Path) -> None:
    path = _alter(_small(tmp_path), "DROP TABLE DEVICE")
    assert _error(lambda: read_gadgetbridge(path)) == (
        "g.db: no DEVICE table; not a Gadgetbridge export"
    )
    path = _alter(_small(tmp_path), "DELETE FROM DEVICE")
    assert "has samples of DEVICE_ID 1, which the DEVICE table does not list" in _error(
        lambda: read_gadgetbridge(path)
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "x.db: not an SQLite database (Gadgetbridge export)"),
        (b"timestamp,steps\n1,2\n", "x.db: not an SQLite database (Gadgetbridge export)"),
        (b"SQLite format 3\x00" + bytes(84), "x.db: "),
    ],
)
def test_non_sqlite_files_are_rejected_in_one_line(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(content)
    assert _error(lambda: read_gadgetbridge(path)).startswith(expected)


def test_a_file_that_fails_quick_check_is_rejected(tmp_path: Path) -> None:
    """SQLite's file format (https://www.sqlite.org/fileformat2.html, "B-tree Pages"):
    byte 3-4 of a b-tree page header is its cell count; a count larger than the
    page holds is caught by ``PRAGMA quick_check``, not by reading the header."""
    path = _small(tmp_path)
    connection = sqlite3.connect(path)
    root = connection.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'MI_BAND_ACTIVITY_SAMPLE'"
    ).fetchone()[0]
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    connection.close()
    data = bytearray(path.read_bytes())
    offset = (root - 1) * page_size
    data[offset + 3 : offset + 5] = (200).to_bytes(2, "big")
    path.write_bytes(bytes(data))
    assert _error(lambda: read_gadgetbridge(path)) == (
        "g.db: fails SQLite's integrity check: On tree page 8 cell 199: "
        "Offset 0 out of range 3646..4092"
    )


def test_values_no_band_writes_are_rejected(tmp_path: Path) -> None:
    path = _alter(
        _small(tmp_path),
        "UPDATE MI_BAND_ACTIVITY_SAMPLE SET STEPS = -3 "
        "WHERE TIMESTAMP = (SELECT MIN(TIMESTAMP) + 60 FROM MI_BAND_ACTIVITY_SAMPLE)",
    )
    assert _error(lambda: read_gadgetbridge(path)) == (
        "g.db: MI_BAND_ACTIVITY_SAMPLE row 2 (TIMESTAMP 1774479660): STEPS outside 0..65535"
    )
    path = _alter(
        _small(tmp_path),
        "UPDATE MI_BAND_ACTIVITY_SAMPLE SET HEART_RATE = 'x' WHERE TIMESTAMP = 1774479660",
    )
    assert _error(lambda: read_gadgetbridge(path)) == (
        "g.db: MI_BAND_ACTIVITY_SAMPLE row at TIMESTAMP 1774479660 holds a value that is not "
        "an integer"
    )


def test_huami_kinds_0_and_10_repeat_the_previous_state_and_odd_rows_are_noted(
    tmp_path: Path,
) -> None:
    """Kinds (docs/devices.md, "Huami samples and sleep kinds"): 0 first = unknown,
    9 light, 0 and 10 repeat it, 11 deep, 0x1B (low nibble 11) deep; heart rates
    -1, 0, 5, 255 and 251 are no reading; RAW_INTENSITY -1 is not measured; a row
    off the whole minute (a real-time sample) is skipped."""
    path = _small(tmp_path)
    t0 = 1774479600  # 2026-03-25T23:00:00Z, the Berlin week's first minute
    kinds = [0, 9, 0, 10, 11, 0x1B]
    hrs = [-1, 0, 5, 255, 251, 60]
    rows = [(t0 + 60 * i, k, h, 4 * i - 1) for i, (k, h) in enumerate(zip(kinds, hrs, strict=True))]
    _alter(path, "DELETE FROM MI_BAND_ACTIVITY_SAMPLE")
    connection = sqlite3.connect(path)
    with connection:
        connection.executemany(
            "INSERT INTO MI_BAND_ACTIVITY_SAMPLE VALUES (?, 1, 1, ?, 2, ?, ?)",
            [(t, i, k, h) for t, k, h, i in rows] + [(t0 + 90, 5, 1, 70)],
        )
    connection.close()
    got = read_gadgetbridge(path)
    assert list(got.minutes["state"]) == [
        "unknown",
        "sleep_light",
        "sleep_light",
        "sleep_light",
        "sleep_deep",
        "sleep_deep",
    ]
    assert got.minutes["heart_rate"].isna().sum() == 5
    assert list(got.minutes["activity"].fillna(-9)) == [-9, 3, 7, 11, 15, 19]
    assert got.notes == (
        "1 MI_BAND_ACTIVITY_SAMPLE rows not on a whole minute (real-time samples) skipped",
        "5 heart-rate values outside 10-250 bpm read as no reading",
    )


def test_progress_is_reported_in_rows_and_an_older_device_table_without_alias_is_read(
    tmp_path: Path,
) -> None:
    path = _alter(_small(tmp_path), "ALTER TABLE DEVICE DROP COLUMN ALIAS")
    calls: list[tuple[int, int]] = []
    got = read_gadgetbridge(path, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 30), (30, 30)]
    assert (got.device_name, len(got.minutes)) == ("Band", 30)


# --- read-only -------------------------------------------------------------


def test_import_changes_nothing_and_creates_no_journal(tmp_path: Path, two_devices: Path) -> None:
    path = two_devices
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    read_gadgetbridge(path, device="blue watch")
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gadgetbridge.db"]


def test_a_wal_mode_file_is_read_without_creating_its_wal(tmp_path: Path) -> None:
    """A database in WAL mode opened read-only would otherwise get -wal and -shm files."""
    path = _alter(_small(tmp_path), "PRAGMA journal_mode = WAL")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.db"]
    before = path.read_bytes()
    assert len(read_gadgetbridge(path).minutes) == 30
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.db"]
    (tmp_path / "g.db-wal").write_bytes(b"\x37\x7f\x06\x82")
    assert "a write-ahead log (g.db-wal) lies beside it" in _error(lambda: read_gadgetbridge(path))


# --- robustness ------------------------------------------------------------

DEVICES = {d.mac: d for d in sample_devices()}
SPAN_S = {"huami": 60, "bangle": 600}


def _diff_minutes(a: pd.DataFrame, b: pd.DataFrame) -> pd.Series:
    merged = a.merge(b, on="ts", how="outer", suffixes=("_a", "_b"), indicator=True)
    differs = merged["_merge"] != "both"
    for column in ("steps", "heart_rate", "activity", "state"):
        x, y = merged[f"{column}_a"], merged[f"{column}_b"]
        differs |= ~((x == y) | (x.isna() & y.isna()))
    return merged.loc[differs, "ts"]


def _store_rules_hold(minutes: pd.DataFrame) -> None:
    for column, high in (("steps", 65535), ("heart_rate", 250)):
        known = minutes[column].dropna()
        assert ((known >= 0) & (known <= high) & (known == known.round())).all()
    assert minutes["ts"].is_monotonic_increasing
    assert minutes["ts"].is_unique
    assert set(minutes["state"]) <= set(STATE_LABELS)


def test_truncations_and_byte_flips_are_read_exactly_or_rejected(
    tmp_path: Path, sample_file: Path
) -> None:
    """100 truncations and 100 byte flips (seed 14) of the sample file: each read is
    the ground truth (a truncation), or differs only within one record's time
    span, or only in the device's name (a flip in its DEVICE row)."""
    source = sample_file
    original = source.read_bytes()
    truth = {mac: read_gadgetbridge(source, device=mac) for mac in DEVICES}
    rng = random.Random(14)
    mutated = tmp_path / "m" / "gadgetbridge.db"
    mutated.parent.mkdir()
    rejected = {"truncation": 0, "flip": 0}
    messages: list[str] = []
    for trial in range(200):
        kind = "truncation" if trial < 100 else "flip"
        data = bytearray(original)
        if kind == "truncation":
            data = data[: rng.randrange(len(data))]
        else:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        mutated.write_bytes(bytes(data))
        for mac, want in truth.items():
            try:
                got = read_gadgetbridge(mutated, device=mac)
            except ImportFormatError as exc:
                messages.append(str(exc))
                rejected[kind] += 1
                break
            _store_rules_hold(got.minutes)
            if kind == "truncation":
                pd.testing.assert_frame_equal(got.minutes, want.minutes)
                assert (got.device_key, got.device_name) == (want.device_key, want.device_name)
                continue
            diff = _diff_minutes(got.minutes, want.minutes)
            if diff.empty:
                continue
            assert (got.device_key, got.device_name) == (want.device_key, want.device_name)
            span = (diff.max() - diff.min()).total_seconds()
            assert span < SPAN_S[DEVICES[mac].family]
    assert all("\n" not in m and m.startswith("gadgetbridge.db: ") for m in messages)
    # As measured with seed 14: every truncation loses pages SQLite needs.
    assert rejected == {"truncation": 100, "flip": 36}
