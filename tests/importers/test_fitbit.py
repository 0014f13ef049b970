"""Fitbit Google Takeout reader (docs/importing.md, "Fitbit (Google Takeout)").

Ground truth: tests/helpers/band_week.py (the known week) written by
tests/helpers/fitbit_export.py; its docstring states what the export can carry
(the projection): no non-wear marker (those minutes read as steps 0, no heart
rate, ``unknown``) and no stages in the classic night (``sleep_light``).
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from devices.errors import ImportFormatError
from devices.importers import fitbit
from devices.importers.band_minutes import STATE_LABELS
from devices.importers.fitbit import read_fitbit
from devices.importers.fitbit_sleep import wall_clock_instants
from ipsrt.errors import InvalidTimezoneError
from tests.helpers.band_week import AUCKLAND_WEEK, BERLIN_WEEK, band_week
from tests.helpers.fitbit_export import (
    EXPORT_FOLDER,
    fitbit_projection,
    night_logs,
    sample_frame,
    write_fitbit_folder,
    write_fitbit_zip,
    write_sample,
)

WEEKS = pytest.mark.parametrize("week", [BERLIN_WEEK, AUCKLAND_WEEK], ids=["berlin", "auckland"])
DAY = "03/26/26"


def _frame_equal(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))


@WEEKS
def test_local_export_reads_back_the_week_exactly(tmp_path: Path, week: tuple) -> None:
    tz, first = week
    frame = band_week(tz, first)
    got = read_fitbit(write_fitbit_folder(frame, tz, tmp_path), tz=tz)
    _frame_equal(got.minutes, fitbit_projection(frame, tz))
    assert (got.source, got.device_key, got.device_name) == ("fitbit", "fitbit", None)
    # Records: one steps entry a minute, 4 or 6 heart-rate readings a worn minute
    # (even/odd position), one sleep log a night.
    worn = np.flatnonzero(frame["heart_rate"].notna().to_numpy())
    readings = int(np.where(worn % 2 == 0, 4, 6).sum())
    assert got.records == len(frame) + readings + len(night_logs(frame, tz))
    # The DST change is in the week: 23 h (Berlin) or 25 h (Auckland) on that day.
    assert len(frame) == 7 * 1440 + (-60 if tz == "Europe/Berlin" else 60)


@WEEKS
def test_utc_export_reads_back_the_week_exactly(tmp_path: Path, week: tuple) -> None:
    tz, first = week
    frame = band_week(tz, first)
    folder = write_fitbit_folder(frame, tz, tmp_path, timestamps="utc")
    got = read_fitbit(folder, tz=tz, timestamps="utc")
    _frame_equal(got.minutes, fitbit_projection(frame, tz))


@WEEKS
def test_folder_and_zip_read_the_same(tmp_path: Path, week: tuple) -> None:
    tz, first = week
    frame = band_week(tz, first, days=3)
    folder = read_fitbit(write_fitbit_folder(frame, tz, tmp_path / "f"), tz=tz)
    archive = read_fitbit(write_fitbit_zip(frame, tz, tmp_path / "t.zip"), tz=tz)
    _frame_equal(archive.minutes, folder.minutes)
    assert archive.records == folder.records


def test_wrong_timestamps_setting_shows_in_the_heart_rate_dip(tmp_path: Path) -> None:
    # docs/importing.md: with the right setting the lowest heart rates fall in
    # the sleep logs (band_week: 55-61 bpm asleep, 70-100 awake).
    tz, first = BERLIN_WEEK
    frame = band_week(tz, first, days=3)
    folder = write_fitbit_folder(frame, tz, tmp_path)
    right = read_fitbit(folder, tz=tz).minutes
    wrong = read_fitbit(folder, tz=tz, timestamps="utc").minutes

    def asleep_mean(m: pd.DataFrame) -> float:
        return float(m.loc[m["state"].str.startswith("sleep_"), "heart_rate"].mean())

    # Berlin is UTC+1/+2: read as UTC, the first one or two hours of each night
    # carry daytime heart rates (70-100 bpm).
    assert asleep_mean(right) < 59 < asleep_mean(wrong) - 2


def test_export_folder_found_at_each_level(tmp_path: Path) -> None:
    tz, first = BERLIN_WEEK
    frame = band_week(tz, first, days=1)
    write_fitbit_folder(frame, tz, tmp_path)
    expected = read_fitbit(tmp_path, tz=tz).minutes
    for inner in ("Takeout", "Takeout/Fitbit", EXPORT_FOLDER):
        _frame_equal(read_fitbit(tmp_path / inner, tz=tz).minutes, expected)


# --- Wall clock across DST changes -------------------------------------------


def _walls(*texts: str) -> np.ndarray:
    return pd.DatetimeIndex(pd.to_datetime(list(texts))).as_unit("ns").asi8


def _utc(*texts: str) -> list[pd.Timestamp]:
    return [pd.Timestamp(t, tz="UTC") for t in texts]


def test_repeated_hour_follows_the_order_of_the_readings() -> None:
    # Pacific/Auckland, 5 April 2026: 03:00 NZDT (UTC+13) becomes 02:00 NZST (UTC+12).
    walls = _walls(
        "2026-04-05 01:59", "2026-04-05 02:00", "2026-04-05 02:59",
        "2026-04-05 02:00", "2026-04-05 02:30", "2026-04-05 03:00",
    )  # fmt: skip
    got = wall_clock_instants(walls, "Pacific/Auckland", str)
    assert pd.to_datetime(got, utc=True).tolist() == _utc(
        "2026-04-04 12:59", "2026-04-04 13:00", "2026-04-04 13:59",
        "2026-04-04 14:00", "2026-04-04 14:30", "2026-04-04 15:00",
    )  # fmt: skip


def test_repeated_hour_uses_the_length_of_the_period_before() -> None:
    # A sleep level from 02:20 NZDT lasting 80 min ends at 02:40 NZST; the next
    # level listed at 02:40 is that later instant, not 02:40 NZDT.
    walls = _walls("2026-04-05 02:20", "2026-04-05 02:40")
    seconds = np.array([80 * 60, 0]) * 1_000_000_000
    got = wall_clock_instants(walls, "Pacific/Auckland", str, seconds=seconds)
    assert pd.to_datetime(got, utc=True).tolist() == _utc("2026-04-04 13:20", "2026-04-04 14:40")


def test_repeated_hour_alone_is_the_earlier_instant() -> None:
    # ipsrt.timeutil.local_clock_to_utc: an ambiguous reading is the earlier instant.
    got = wall_clock_instants(_walls("2026-04-05 02:30"), "Pacific/Auckland", str)
    assert pd.to_datetime(got, utc=True).tolist() == _utc("2026-04-04 13:30")


def _steps_folder(tmp_path: Path, entries: list[dict]) -> Path:
    base = tmp_path / EXPORT_FOLDER
    base.mkdir(parents=True, exist_ok=True)
    (base / "steps-2026-03-01.json").write_text(json.dumps(entries))
    return tmp_path


def test_reading_in_the_spring_gap_is_refused_in_local_mode(tmp_path: Path) -> None:
    # Europe/Berlin skips 02:00-03:00 on 29 March 2026; read as UTC it is fine.
    folder = _steps_folder(tmp_path, [{"dateTime": "03/29/26 02:30:00", "value": "5"}])
    with pytest.raises(ImportFormatError, match=r"steps-2026-03-01.json entry 1: .*does not exist"):
        read_fitbit(folder, tz="Europe/Berlin")
    got = read_fitbit(folder, tz="Europe/Berlin", timestamps="utc").minutes
    assert got["ts"].tolist() == _utc("2026-03-29 02:30")


# --- Sleep levels -------------------------------------------------------------


def _sleep_folder(tmp_path: Path, log: dict, steps: list[dict] | None = None) -> Path:
    base = tmp_path / EXPORT_FOLDER
    base.mkdir(parents=True, exist_ok=True)
    (base / "sleep-2026-01-10.json").write_text(json.dumps([log]))
    if steps is not None:
        (base / "steps-2026-01-10.json").write_text(json.dumps(steps))
    return tmp_path


def _level(at: str, level: str, seconds: int) -> dict:
    return {"dateTime": f"2026-01-10T{at}.000", "level": level, "seconds": seconds}


def test_short_wakes_override_the_stage_under_them(tmp_path: Path) -> None:
    # UTC zone so wall clock = instant. Light 23:00:00-23:10:00, short wake
    # 23:03:00-23:04:30: 23:03 is 60 s awake; 23:04 is 30 s awake against 30 s
    # light, a tie going to awake (SLEEP_PRIORITY).
    log = {
        "type": "stages",
        "startTime": "2026-01-10T23:00:00.000",
        "endTime": "2026-01-10T23:10:00.000",
        "levels": {
            "data": [_level("23:00:00", "light", 600)],
            "shortData": [_level("23:03:00", "wake", 90)],
        },
    }
    got = read_fitbit(_sleep_folder(tmp_path, log), tz="UTC")
    expected = ["sleep_light"] * 3 + ["awake"] * 2 + ["sleep_light"] * 5
    assert got.minutes["state"].tolist() == expected
    assert got.minutes["ts"].iloc[0] == pd.Timestamp("2026-01-10 23:00", tz="UTC")
    assert any("short wakes (shortData): 1" in note for note in got.notes)


def test_classic_levels_and_minutes_outside_the_log(tmp_path: Path) -> None:
    # Classic: asleep and restless are sleep_light, awake is awake. Outside the
    # log a minute with steps > 0 is awake, one with only a zero count unknown.
    log = {
        "type": "classic",
        "startTime": "2026-01-10T23:00:00.000",
        "endTime": "2026-01-10T23:03:00.000",
        "levels": {
            "data": [
                _level("23:00:00", "asleep", 60),
                _level("23:01:00", "restless", 60),
                _level("23:02:00", "awake", 60),
            ]
        },
    }
    steps = [
        {"dateTime": "01/10/26 23:03:00", "value": "0"},
        {"dateTime": "01/10/26 23:04:00", "value": "12"},
    ]
    got = read_fitbit(_sleep_folder(tmp_path, log, steps), tz="UTC").minutes
    assert got["state"].tolist() == ["sleep_light", "sleep_light", "awake", "unknown", "awake"]
    assert got["steps"].tolist()[3:] == [0.0, 12.0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "nap"}, "log 1: type 'nap'"),
        ({"startTime": "2026-01-10 23:00:00"}, "log 1 startTime"),
        ({"endTime": "2026-01-10T22:00:00.000"}, "endTime is before startTime"),
        ({"levels": {"data": [_level("22:59:00", "light", 60)]}}, "level 1: overlaps"),
        ({"levels": {"data": [_level("23:00:00", "rem", 600)]}}, "level 1: overlaps"),
        ({"levels": {"data": [_level("23:00:00", "awake", 60)]}}, "level 'awake' is not one"),
        ({"levels": {"data": [_level("23:00:00", "light", -1)]}}, "seconds -1"),
        ({"levels": {"data": [], "shortData": [_level("23:00:00", "light", 30)]}}, "other than"),
        ({"levels": {"data": [_level("23:00:00", "light", 60), _level("23:00:30", "deep", 60)]}},
         "level 2: overlaps"),
    ],
)  # fmt: skip
def test_bad_sleep_logs_are_refused_naming_the_log(
    tmp_path: Path, change: dict, message: str
) -> None:
    log = {
        "type": "stages",
        "startTime": "2026-01-10T23:00:00.000",
        "endTime": "2026-01-10T23:05:00.000",
        "levels": {"data": [_level("23:00:00", "light", 300)]},
    } | change
    with pytest.raises(ImportFormatError, match=message) as info:
        read_fitbit(_sleep_folder(tmp_path, log), tz="UTC")
    assert "sleep-2026-01-10.json log 1" in str(info.value)


# --- Value rules ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"dateTime": f"{DAY} 10:00:00", "value": 5}, "not digits in a string"),
        ({"dateTime": f"{DAY} 10:00:00", "value": "-1"}, "not digits in a string"),
        ({"dateTime": f"{DAY} 10:00:00", "value": "5.0"}, "not digits in a string"),
        ({"dateTime": f"{DAY} 10:00:00", "value": "65536"}, "over 65535"),
        ({"dateTime": f"{DAY} 10:00:30", "value": "5"}, "not a whole minute"),
        ({"dateTime": "2026-03-26 10:00:00", "value": "5"}, "not a MM/DD/YY"),
        ({"dateTime": "02/30/26 10:00:00", "value": "5"}, "not a MM/DD/YY"),
        ({"value": "5"}, "dateTime None"),
        ([1], "not a JSON object"),
    ],
)
def test_bad_steps_entries_are_refused(tmp_path: Path, entry: object, message: str) -> None:
    good = {"dateTime": f"{DAY} 09:59:00", "value": "3"}
    with pytest.raises(ImportFormatError, match=message) as info:
        read_fitbit(_steps_folder(tmp_path, [good, entry]), tz="UTC")
    assert "steps-2026-03-01.json entry 2" in str(info.value)
    assert "\n" not in str(info.value)


def test_steps_out_of_order_are_refused(tmp_path: Path) -> None:
    entries = [{"dateTime": f"{DAY} 10:0{m}:00", "value": "1"} for m in (0, 2, 1)]
    with pytest.raises(ImportFormatError, match="entry 3: not later than the entry before"):
        read_fitbit(_steps_folder(tmp_path, entries), tz="UTC")


@pytest.mark.parametrize("bpm", [0, 301, 72.5, True, "72", None])
def test_bad_heart_rates_are_refused(tmp_path: Path, bpm: object) -> None:
    base = tmp_path / EXPORT_FOLDER
    base.mkdir(parents=True)
    readings = [{"dateTime": f"{DAY} 10:00:0{s}", "value": {"bpm": 70}} for s in range(3)]
    readings[2]["value"] = {"bpm": bpm, "confidence": 1}
    (base / "heart_rate-2026-03-26.json").write_text(json.dumps(readings))
    with pytest.raises(ImportFormatError, match=r"heart_rate-2026-03-26.json entry 3: heart rate"):
        read_fitbit(tmp_path, tz="UTC")


def test_heart_rate_readings_averaged_per_minute(tmp_path: Path) -> None:
    # mean_per_minute: (60 + 61) / 2 = 60.5 rounds half to even, to 60; 70 alone.
    base = tmp_path / EXPORT_FOLDER
    base.mkdir(parents=True)
    readings = [
        {"dateTime": f"{DAY} 10:00:05", "value": {"bpm": 60, "confidence": 3}},
        {"dateTime": f"{DAY} 10:00:15", "value": {"bpm": 61, "confidence": 3}},
        {"dateTime": f"{DAY} 10:01:00", "value": {"bpm": 70, "confidence": 0}},
    ]
    (base / "heart_rate-2026-03-26.json").write_text(json.dumps(readings))
    got = read_fitbit(tmp_path, tz="UTC").minutes
    assert got["heart_rate"].tolist() == [60.0, 70.0]
    assert got["state"].tolist() == ["awake", "awake"]
    assert got["steps"].isna().all()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe[]", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply|not valid JSON"),
        (b'[{"dateTime": "03/26/26 10:00:00", "value": NaN}]', "NaN is not a number"),
        (b'{"steps": []}', "expected a JSON array"),
        (b'[{"dateTime": "03/26/26 10:00:00", "value": "1"}', "not valid JSON"),
        (b"", "not valid JSON"),
    ],
)
def test_bad_json_is_refused_in_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    base = tmp_path / EXPORT_FOLDER
    base.mkdir(parents=True)
    (base / "steps-2026-03-01.json").write_bytes(content)
    with pytest.raises(ImportFormatError, match=message) as info:
        read_fitbit(tmp_path, tz="UTC")
    assert str(info.value).startswith(f"{EXPORT_FOLDER}/steps-2026-03-01.json: ")
    assert "\n" not in str(info.value)


def test_oversized_file_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The limit (256 MiB) lowered so the test writes a small file; the size
    # comes from the directory entry (zip) or the file system, before any read.
    monkeypatch.setattr(fitbit, "MAX_FILE_BYTES", 1000)
    frame = band_week(*BERLIN_WEEK, days=1)
    write_fitbit_folder(frame, "Europe/Berlin", tmp_path / "f")
    archive = write_fitbit_zip(frame, "Europe/Berlin", tmp_path / "t.zip")
    monkeypatch.setattr(zipfile.ZipFile, "open", _must_not_open)
    for path in (tmp_path / "f", archive):
        with pytest.raises(ImportFormatError, match="over the limit of 0 MiB for one file"):
            read_fitbit(path, tz="Europe/Berlin")


def _must_not_open(*args: object, **kwargs: object) -> None:
    raise AssertionError("a member was opened")


def test_empty_or_foreign_paths_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="holds no Fitbit sleep, steps or heart_rate"):
        read_fitbit(tmp_path, tz="UTC")
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(ImportFormatError, match="neither a folder nor a zip"):
        read_fitbit(other, tz="UTC")
    with pytest.raises(InvalidTimezoneError):
        read_fitbit(tmp_path, tz="Mars/Olympus")


def test_progress_reports_bytes_up_to_the_total(tmp_path: Path) -> None:
    frame = band_week(*BERLIN_WEEK, days=1)
    write_fitbit_folder(frame, "Europe/Berlin", tmp_path)
    calls: list[tuple[int, int]] = []
    read_fitbit(tmp_path, tz="Europe/Berlin", progress=lambda d, t: calls.append((d, t)))
    total = sum(
        p.stat().st_size
        for p in (tmp_path / EXPORT_FOLDER).iterdir()
        if not p.name.startswith("calories")
    )
    assert calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_sample_covers_the_dst_night(tmp_path: Path) -> None:
    (path,) = write_sample(tmp_path)
    got = read_fitbit(path, tz="Europe/Berlin").minutes
    _frame_equal(got, fitbit_projection(sample_frame(), "Europe/Berlin"))
    local = got["ts"].dt.tz_convert("Europe/Berlin")
    assert local.dt.date.min() == dt.date(2026, 3, 28)
    assert len(got) == 2 * 1440 - 60


# --- Truncations and byte flips of the sample (fixed seeds) --------------------

SAMPLE_TZ = BERLIN_WEEK[0]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("sample")
    (path,) = write_sample(folder)
    frame = sample_frame()
    write_fitbit_folder(frame, SAMPLE_TZ, folder / "tree")
    logs = [(n["ts"].iloc[0], n["ts"].iloc[-1]) for n in night_logs(frame, SAMPLE_TZ)]
    files = sorted((folder / "tree" / EXPORT_FOLDER).iterdir())
    return {
        "zip": path.read_bytes(),
        "tree": folder / "tree",
        "files": {p: p.read_bytes() for p in files},
        "expected": fitbit_projection(frame, SAMPLE_TZ).reset_index(drop=True),
        "logs": logs,
    }


def _read_or_reject(path: Path) -> pd.DataFrame | None:
    """The minutes read, or None when refused with one line (any other error fails)."""
    try:
        return read_fitbit(path, tz=SAMPLE_TZ).minutes
    except ImportFormatError as exc:
        message = str(exc)
    assert message
    assert "\n" not in message
    return None


def _passes_store_rules(got: pd.DataFrame) -> None:
    steps = got["steps"].dropna()
    heart = got["heart_rate"].dropna()
    assert ((steps % 1 == 0) & steps.between(0, 65_535)).all()
    assert ((heart % 1 == 0) & heart.between(1, 300)).all()
    assert got["state"].isin(STATE_LABELS).all()
    assert got["ts"].is_monotonic_increasing
    assert got["ts"].is_unique


def _differing_minutes(got: pd.DataFrame, expected: pd.DataFrame) -> pd.Series:
    both = got.merge(expected, on="ts", how="outer", suffixes=("", "_e"), indicator=True)
    differs = both["_merge"] != "both"
    for column in ("steps", "heart_rate", "activity", "state"):
        a, b = both[column], both[f"{column}_e"]
        differs |= (a != b) & ~(a.isna() & b.isna())
    return both.loc[differs, "ts"]


def _within_one_record(minutes: pd.Series, logs: list[tuple]) -> bool:
    """All in one sleep log, or in two adjacent minutes (one steps entry, or one
    heart-rate reading that may move only between its neighbours, which are at
    most 15 s away)."""
    lo, hi = minutes.min(), minutes.max()
    if hi - lo <= pd.Timedelta(minutes=1):
        return True
    return any(start <= lo and hi <= end for start, end in logs)


def _check_mutation(got: pd.DataFrame | None, sample: dict) -> bool:
    if got is None:
        return True
    _passes_store_rules(got)
    changed = _differing_minutes(got, sample["expected"])
    assert changed.empty or _within_one_record(changed, sample["logs"]), changed.tolist()
    return False


def test_sample_zip_truncations(tmp_path: Path, sample: dict) -> None:
    rng = np.random.default_rng(1401)
    data = sample["zip"]
    path = tmp_path / "cut.zip"
    rejected = 0
    for cut in rng.integers(0, len(data), size=100):
        path.write_bytes(data[:cut])
        got = _read_or_reject(path)
        if got is not None:  # a read truncation must be the whole truth
            _frame_equal(got, sample["expected"])
        rejected += got is None
    assert rejected == 100  # a zip's directory is at its end: any cut loses it


def test_sample_zip_byte_flips(tmp_path: Path, sample: dict) -> None:
    rng = np.random.default_rng(1402)
    data = sample["zip"]
    path = tmp_path / "flip.zip"
    rejected = 0
    for offset, mask in zip(
        rng.integers(0, len(data), size=100), rng.integers(1, 256, size=100), strict=True
    ):
        mutated = bytearray(data)
        mutated[offset] ^= mask
        path.write_bytes(bytes(mutated))
        rejected += _check_mutation(_read_or_reject(path), sample)
    print(f"fitbit zip byte flips rejected: {rejected} of 100")
    # Flips in compressed data fail the member's CRC; flips in dates, version
    # fields or extra fields of the headers read the same minutes.
    assert rejected >= 80


def test_sample_json_truncations_and_byte_flips(sample: dict) -> None:
    # The same mutations on the uncompressed JSON, so that the reader's own
    # checks (not the zip CRC) meet them: 50 cuts and 50 flips of a file
    # chosen in proportion to its size.
    rng = np.random.default_rng(1403)
    files = sample["files"]
    paths = list(files)
    sizes = np.array([len(files[p]) for p in paths], dtype=np.float64)
    rejected = {"cut": 0, "flip": 0}
    ignored_cuts = 0
    for n in range(100):
        path = paths[rng.choice(len(paths), p=sizes / sizes.sum())]
        data = files[path]
        offset = int(rng.integers(0, len(data)))
        ignored_cuts += n < 50 and path.name.startswith("calories")
        if n < 50:
            path.write_bytes(data[:offset])
        else:
            mutated = bytearray(data)
            mutated[offset] ^= int(rng.integers(1, 256))
            path.write_bytes(bytes(mutated))
        try:
            got = _read_or_reject(sample["tree"])
            if n < 50 and got is not None:
                _frame_equal(got, sample["expected"])
            rejected["cut" if n < 50 else "flip"] += _check_mutation(got, sample)
        finally:
            path.write_bytes(data)
    print(f"fitbit JSON mutations rejected: {rejected}, cuts of the unread file: {ignored_cuts}")
    # Every cut of a file the reader reads leaves invalid JSON.
    assert rejected["cut"] == 50 - ignored_cuts
    assert rejected["flip"] >= 25
