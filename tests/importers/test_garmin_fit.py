"""Garmin FIT reader: ground truth of the known band week, time rules, devices, bad files.

Expected values come from ``tests/helpers/band_week.py`` (the known minutes)
written by the FIT encoder in ``tests/helpers/garmin_fit_export.py`` (FIT
protocol, https://developer.garmin.com/fit/protocol/), projected onto what
monitoring and sleep files can carry (``docs/importing.md``, "Garmin FIT"):

- steps: exact; ``not_worn`` minutes read as 0 steps (monitoring files keep
  counting steps, they have no wear flag);
- heart rate: exact (no readings while not worn);
- state: inside a sleep record (local 23:00-07:00, the 5-minute awakening
  included) exact; every other minute ``unknown`` (no wake or non-wear state
  outside sleep records);
- activity: none (NaN).
"""

from __future__ import annotations

import random
import struct
import zipfile
from pathlib import Path

import fitdecode
import numpy as np
import pandas as pd
import pytest

from devices.errors import ImportFormatError
from devices.importers.band_minutes import MINUTE_FRAME_COLUMNS, STATE_LABELS
from devices.importers.garmin_fit import FIT_EPOCH_UNIX, read_garmin_fit
from tests.helpers.band_week import AUCKLAND_WEEK, BERLIN_WEEK, band_week
from tests.helpers.garmin_fit_export import (
    FitDevice,
    FitRecordWriter,
    fit_crc,
    write_garmin_fit,
    write_sample,
)

WEEKS = {"berlin": BERLIN_WEEK, "auckland": AUCKLAND_WEEK}
# 2026-03-26T12:00:00Z in FIT seconds.
NOON = int(pd.Timestamp("2026-03-26T12:00:00Z").value // 10**9) - FIT_EPOCH_UNIX


def fit_projection(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    """The band week as FIT files carry it (module docstring)."""
    local = pd.DatetimeIndex(frame["ts"]).tz_convert(tz)
    clock = local.hour * 60 + local.minute
    night = (clock >= 23 * 60) | (clock < 7 * 60)
    return pd.DataFrame(
        {
            "ts": frame["ts"].astype("datetime64[ns, UTC]"),
            "steps": frame["steps"].fillna(0.0),
            "heart_rate": frame["heart_rate"],
            "activity": np.nan,
            "state": np.where(night, frame["state"], "unknown").astype(object),
        }
    )[list(MINUTE_FRAME_COLUMNS)]


@pytest.fixture(scope="module")
def berlin_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_sample(tmp_path_factory.mktemp("fit"))


@pytest.mark.parametrize("week", sorted(WEEKS))
def test_band_week_reads_back_exactly(week: str, tmp_path: Path) -> None:
    tz, first_day = WEEKS[week]
    frame = band_week(tz, first_day)
    write_garmin_fit(frame, tmp_path, tz=tz)
    got = read_garmin_fit(tmp_path)
    pd.testing.assert_frame_equal(got.minutes, fit_projection(frame, tz))
    assert (got.source, got.device_key, got.device_name) == (
        "garmin-fit",
        "3912345678",
        "garmin vivosmart_4",
    )
    # Both offsets of the DST change are reported from monitoring_info.
    offsets = {"berlin": "+01:00, +02:00", "auckland": "+12:00, +13:00"}[week]
    assert got.notes == (f"band clock offsets from UTC: {offsets}",)


def test_folder_zip_and_single_files_agree(berlin_files: list[Path], tmp_path: Path) -> None:
    folder = berlin_files[0].parent.parent
    whole = read_garmin_fit(folder).minutes
    archive = tmp_path / "garmin.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for p in berlin_files:
            z.write(p, f"GARMIN/{p.relative_to(folder).as_posix()}")
        z.writestr("__MACOSX/GARMIN/Monitor/._2026-03-26.fit", b"\x00\x05\x16\x07")
        z.writestr("GARMIN/README.txt", "not a FIT file")
    pd.testing.assert_frame_equal(read_garmin_fit(archive).minutes, whole)
    # One file at a time: the union of the single-file reads is the whole.
    parts = [read_garmin_fit(p).minutes.set_index("ts") for p in berlin_files]
    monitor = pd.concat(parts[:7])
    sleep = pd.concat(parts[7:])
    expected = whole.set_index("ts")
    pd.testing.assert_series_equal(monitor["steps"], expected["steps"])
    pd.testing.assert_series_equal(monitor["heart_rate"], expected["heart_rate"])
    asleep = expected["state"][expected["state"] != "unknown"]
    pd.testing.assert_series_equal(sleep["state"], asleep)


def test_sample_uses_both_compressed_and_16_bit_timestamps(berlin_files: list[Path]) -> None:
    data = berlin_files[0].read_bytes()
    assert any(b & 0x80 for b in set(data[14:-2]))  # a compressed-timestamp header occurs
    assert b"\x1a\x02\x84" in data  # field 26 (timestamp_16), 2 bytes, uint16 is defined


def _file(w: FitRecordWriter, serial: int | None = 1234, product: int = 2927) -> None:
    fields = [(0, 0x00), (1, 0x84), (2, 0x84)]
    values = [32, 1, product]
    if serial is not None:
        fields.append((3, 0x8C))
        values.append(serial)
    w.define(0, 0, fields)
    w.data(0, *values)


def _monitoring(readings: list[tuple[int, int, int]], *, serial: int | None = 1234) -> bytes:
    """(FIT time, cumulative cycles, activity type) readings with full timestamps."""
    w = FitRecordWriter()
    _file(w, serial)
    w.define(1, 55, [(253, 0x86), (3, 0x86), (5, 0x00)])
    for t, cycles, kind in readings:
        w.data(1, t, cycles, kind)
    return w.file_bytes()


def _minutes(path: Path) -> pd.Series:
    got = read_garmin_fit(path).minutes
    return got.set_index(got["ts"].dt.strftime("%H:%M"))["steps"]


def test_timestamp_16_resolves_across_its_wrap(tmp_path: Path) -> None:
    # A full timestamp 16 s before the low 16 bits wrap, then timestamp_16
    # readings 44 s and 65,580 s later: each is the latest time known plus
    # (timestamp_16 - latest) mod 2**16 (FIT profile, monitoring.timestamp_16).
    base = (NOON | 0xFFFF) - 15
    w = FitRecordWriter()
    _file(w)
    w.define(1, 55, [(253, 0x86), (27, 0x02)])
    w.define(2, 55, [(26, 0x84), (27, 0x02)])
    w.data(2, 5, 99)  # before any full timestamp: cannot be placed
    w.data(1, base, 60)
    w.data(2, (base + 44) & 0xFFFF, 70)
    w.data(2, (base + 44 + 65_536 - 8) & 0xFFFF, 80)
    path = tmp_path / "hr.fit"
    path.write_bytes(w.file_bytes())
    got = read_garmin_fit(path)
    instants = [
        pd.Timestamp((base + s + FIT_EPOCH_UNIX) * 10**9, tz="UTC") for s in (0, 44, 65_572)
    ]
    assert list(got.minutes["ts"]) == [t.floor("min") for t in instants]
    assert got.minutes["heart_rate"].tolist() == [60.0, 70.0, 80.0]
    assert got.notes == ("1 monitoring readings without a date skipped",)


def test_cumulative_steps_per_activity_type_and_resets(tmp_path: Path) -> None:
    t = NOON
    path = tmp_path / "m.fit"
    readings = [
        (t, 100, 6),  # walking base: steps before it are not placed
        (t, 40, 1),  # running base
        (t + 60, 130, 6),  # 30 walking steps in 12:00
        (t + 120, 55, 1),  # 15 running steps over 12:00-12:02
        (t + 120, 130, 6),  # no walking in 12:01
        (t + 180, 12, 6),  # counter reset: 12 steps since then
        (t + 180, 999, 2),  # cycling strokes are not steps
    ]
    path.write_bytes(_monitoring(readings))
    steps = _minutes(path)
    # totals_per_minute: 15 over two minutes rounds to 7 (7.5 -> 8 at the
    # half, C(60 s) = 7.5, round half to even 8) then 7.
    assert steps.to_dict() == {"12:00": 30.0 + 8.0, "12:01": 7.0, "12:02": 12.0}
    notes = read_garmin_fit(path).notes
    assert notes == ("1 cycle counts of activities other than walking or running skipped",)


def test_one_device_is_chosen_and_several_need_device(tmp_path: Path) -> None:
    t = NOON
    (tmp_path / "a.fit").write_bytes(_monitoring([(t, 0, 6), (t + 60, 10, 6)], serial=111))
    (tmp_path / "b.fit").write_bytes(_monitoring([(t, 0, 6), (t + 60, 20, 6)], serial=222))
    with pytest.raises(ImportFormatError) as err:
        read_garmin_fit(tmp_path)
    message = str(err.value)
    assert "\n" not in message
    assert "--device" in message
    assert "111 (garmin vivosmart_4)" in message
    assert "222 (garmin vivosmart_4)" in message
    got = read_garmin_fit(tmp_path, device="222")
    assert (got.device_key, got.minutes["steps"].tolist()) == ("222", [20.0])
    with pytest.raises(ImportFormatError, match="names several devices"):
        read_garmin_fit(tmp_path, device="Vivosmart 4")
    with pytest.raises(ImportFormatError, match="no device '333'"):
        read_garmin_fit(tmp_path, device="333")
    one = tmp_path / "one"
    one.mkdir()
    w = FitRecordWriter()
    _file(w, serial=None, product=4063)
    w.define(1, 275, [(253, 0x86), (0, 0x00)])
    w.data(1, t, 3)
    (one / "s.fit").write_bytes(w.file_bytes())
    (one / "a.fit").write_bytes((tmp_path / "a.fit").read_bytes())
    got = read_garmin_fit(one, device="vivosmart_5")
    assert (got.device_key, got.device_name) == ("garmin-vivosmart_5", "garmin vivosmart_5")
    assert got.minutes["state"].tolist() == ["sleep_deep"]


def test_files_without_minutes_are_counted_and_dates_before_1998_skipped(tmp_path: Path) -> None:
    w = FitRecordWriter()
    _file(w)
    (tmp_path / "settings.fit").write_bytes(w.file_bytes())
    with pytest.raises(ImportFormatError, match="no monitoring or sleep data"):
        read_garmin_fit(tmp_path)
    # 0x0FFFFFFF and below are seconds since power-on (FIT profile, date_time).
    (tmp_path / "m.fit").write_bytes(
        _monitoring([(100, 0, 6), (160, 5, 6), (NOON, 0, 6), (NOON + 60, 3, 6)])
    )
    w = FitRecordWriter()
    _file(w)
    w.define(1, 55, [(253, 0x86), (27, 0x02)])
    for t, hr in ((NOON, 255), (NOON + 1, 0), (NOON + 2, 61)):
        w.data(1, t, hr)  # 255 is FIT's invalid uint8, 0 no reading
    (tmp_path / "hr.fit").write_bytes(w.file_bytes())
    got = read_garmin_fit(tmp_path)
    assert got.minutes["heart_rate"].tolist() == [61.0]
    assert got.minutes["steps"].tolist() == [3.0]
    assert got.notes == (
        "2 monitoring readings without a date skipped",
        "1 FIT files without monitoring or sleep data skipped",
    )


def test_impossible_step_counts_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.fit"
    path.write_bytes(_monitoring([(NOON, 0, 6), (NOON + 60, 70_000, 6)]))
    with pytest.raises(ImportFormatError, match=r"m\.fit: message 3 counts 70,000 steps in 60 s"):
        read_garmin_fit(path)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "empty, not a FIT file"),
        (b"hello, this is text and not a FIT file", "not a valid FIT file"),
        (b"\x0e\x20\x54\x08", "not a valid FIT file"),
    ],
)
def test_non_fit_files_are_refused_in_one_line(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "x.fit"
    path.write_bytes(content)
    with pytest.raises(ImportFormatError, match=match) as err:
        read_garmin_fit(path)
    assert "\n" not in str(err.value)
    assert "x.fit" in str(err.value)


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match=r"cannot read nothing\.fit"):
        read_garmin_fit(tmp_path / "nothing.fit")
    with pytest.raises(ImportFormatError, match=r"holds no \.fit files"):
        read_garmin_fit(tmp_path)


def _outcome(path: Path) -> pd.DataFrame | None:
    try:
        return read_garmin_fit(path).minutes
    except ImportFormatError as exc:
        message = str(exc)
    assert "\n" not in message
    assert path.name in message
    return None


def test_truncations_and_byte_flips_are_all_refused(
    berlin_files: list[Path], tmp_path: Path
) -> None:
    """100 truncations and 100 byte flips of a sample file (day 3, with the non-wear gap).

    Every one is refused: a cut file has no CRC, and the CRC-16 of the file
    (and of its header) detects every change of a single byte, so no mutated
    file can be read (each would have to equal the ground truth otherwise).
    """
    original = berlin_files[2].read_bytes()
    rng = random.Random(14_0004)
    path = tmp_path / berlin_files[2].name
    refused = 0
    for cut in rng.sample(range(len(original)), 100):
        path.write_bytes(original[:cut])
        refused += _outcome(path) is None
    for _ in range(100):
        data = bytearray(original)
        i = rng.randrange(len(data))
        data[i] ^= rng.randrange(1, 256)
        path.write_bytes(bytes(data))
        refused += _outcome(path) is None
    assert refused == 200


def test_byte_flips_with_repaired_crcs_never_escape(
    berlin_files: list[Path], tmp_path: Path
) -> None:
    """Flips with recomputed CRCs reach the decoder: refused in one line, or clean."""
    rng = random.Random(14_0005)
    path = tmp_path / "flipped.fit"
    read = 0
    for source in (berlin_files[2], berlin_files[8]):
        original = source.read_bytes()
        for _ in range(30):
            data = bytearray(original[:-2])
            i = rng.randrange(14, len(data))
            data[i] ^= rng.randrange(1, 256)
            data[12:14] = struct.pack("<H", fit_crc(bytes(data[:12])))
            path.write_bytes(bytes(data) + struct.pack("<H", fit_crc(bytes(data))))
            got = _outcome(path)
            if got is None:
                continue
            read += 1
            for column in ("steps", "heart_rate"):
                known = got[column].dropna()
                assert ((known >= 0) & (known <= 65_535) & (known == known.round())).all()
            assert set(got["state"]) <= set(STATE_LABELS)
            assert got["ts"].is_monotonic_increasing
            assert got["ts"].is_unique
    assert read > 0  # some flips only change values, and those files are read


def test_device_without_serial_number_is_keyed_by_product(tmp_path: Path) -> None:
    frame = band_week(*BERLIN_WEEK, days=1)
    write_garmin_fit(frame, tmp_path, tz=BERLIN_WEEK[0], device=FitDevice(serial_number=None))
    got = read_garmin_fit(tmp_path)
    assert got.device_key == "garmin-vivosmart_4"
    messages = 0
    for path in tmp_path.rglob("*.fit"):
        with fitdecode.FitReader(str(path)) as fit:
            messages += sum(isinstance(f, fitdecode.FitDataMessage) for f in fit)
    assert got.records == messages


def test_repeated_files_count_once_and_progress_reaches_the_total(
    berlin_files: list[Path], tmp_path: Path
) -> None:
    for copy in ("a", "b"):
        (tmp_path / copy).mkdir()
        for p in berlin_files[:2]:
            (tmp_path / copy / p.name).write_bytes(p.read_bytes())
    calls: list[tuple[int, int]] = []
    got = read_garmin_fit(tmp_path, progress=lambda done, total: calls.append((done, total)))
    once = read_garmin_fit(tmp_path / "a")
    pd.testing.assert_frame_equal(got.minutes, once.minutes)
    assert "2 repeated FIT files (same content as another) skipped" in got.notes
    size = 2 * sum(p.stat().st_size for p in berlin_files[:2])
    assert calls[-1] == (size, size)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_sleep_levels_out_of_order_or_days_apart_are_refused(tmp_path: Path) -> None:
    for times, match in (
        ((NOON, NOON - 60), "go back in time"),
        ((NOON, NOON + 3 * 86_400), "2 days apart"),
    ):
        w = FitRecordWriter()
        _file(w)
        w.define(1, 275, [(253, 0x86), (0, 0x00)])
        for t in times:
            w.data(1, t, 2)
        path = tmp_path / "s.fit"
        path.write_bytes(w.file_bytes())
        with pytest.raises(ImportFormatError, match=rf"s\.fit: sleep levels .*{match}"):
            read_garmin_fit(path)
