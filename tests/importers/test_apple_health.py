"""The Apple Health reader against the known band week and hand-written exports.

Ground truth: ``tests/helpers/apple_health_export.py`` writes an export from
``band_week`` (the writer's docstring says which record carries which
minute); read back, it must equal the frame projected onto what Apple Health
carries (:func:`projected`):

- not-worn minutes have no record, so they are absent;
- Apple writes no zero-step samples, so a minute with 0 steps has none (NaN);
- there is no activity value (NaN);
- the states are kept: ``AsleepCore`` and ``AsleepUnspecified`` read back as
  ``sleep_light`` (``docs/importing.md``, "Apple Health"), Deep, REM and
  Awake as themselves, and awake minutes outside the nights are ``awake``
  because the watch recorded sleep.

Dates in the files carry their UTC offset (``+0100`` before and ``+0200``
after 29 March 2026 02:00 in Berlin; ``+1300`` before and ``+1200`` after 5
April 2026 03:00 in Auckland, IANA tz database), so the UTC instants must
match exactly across both changes. Sleep values and their meaning: Apple,
https://developer.apple.com/documentation/healthkit/hkcategoryvaluesleepanalysis.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from devices.errors import ImportFormatError
from devices.importers import apple_health_minutes
from devices.importers.apple_health import read_apple_health
from devices.importers.band_minutes import MINUTE_FRAME_COLUMNS, STATE_LABELS
from tests.helpers.apple_health_export import (
    EXPORT_MEMBER,
    IPHONE,
    SAMPLE_DAYS,
    WATCH,
    WATCH_DEVICE_NAME,
    write_export_xml,
    write_export_zip,
    write_sample,
)
from tests.helpers.band_week import AUCKLAND_WEEK, BERLIN_WEEK, band_week

WEEKS = {"berlin": BERLIN_WEEK, "auckland": AUCKLAND_WEEK}


def projected(frame: pd.DataFrame) -> pd.DataFrame:
    """*frame* as an Apple Health export carries it (module docstring)."""
    worn = frame[frame["state"] != "not_worn"].reset_index(drop=True)
    return pd.DataFrame(
        {
            "ts": worn["ts"].astype("datetime64[ns, UTC]"),
            "steps": worn["steps"].where(worn["steps"] > 0),
            "heart_rate": worn["heart_rate"],
            "activity": np.nan,
            "state": worn["state"].astype(str),
        }
    ).loc[:, list(MINUTE_FRAME_COLUMNS)]


def _one_line(info: pytest.ExceptionInfo[ImportFormatError]) -> str:
    message = str(info.value)
    assert "\n" not in message
    assert message
    return message


@pytest.mark.parametrize("week", sorted(WEEKS))
@pytest.mark.parametrize("form", ["xml", "zip"])
def test_band_week_reads_back_exactly(tmp_path: Path, week: str, form: str) -> None:
    tz, first_day = WEEKS[week]
    frame = band_week(tz, first_day)
    write = write_export_xml if form == "xml" else write_export_zip
    path = write(tmp_path / f"export.{form}", frame, tz)
    seen: list[tuple[int, int]] = []
    got = read_apple_health(path, progress=lambda done, total: seen.append((done, total)))
    pd.testing.assert_frame_equal(got.minutes, projected(frame))
    assert (got.source, got.device_key, got.device_name) == (
        "apple-health",
        WATCH,
        WATCH_DEVICE_NAME,
    )
    assert seen[-1][0] == seen[-1][1] > 0
    assert any("'Ana’s iPhone'" in note and "other sources" in note for note in got.notes)
    assert any("records of other types skipped" in note for note in got.notes)
    assert any("Workout" in note for note in got.notes)


@pytest.mark.parametrize("week", sorted(WEEKS))
def test_one_day_windows_give_the_same_minutes(
    tmp_path: Path, week: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows cut through nights and records; each window keeps only its own minutes."""
    monkeypatch.setattr(apple_health_minutes, "WINDOW_DAYS", 1)
    tz, first_day = WEEKS[week]
    frame = band_week(tz, first_day)
    path = write_export_xml(tmp_path / "export.xml", frame, tz)
    pd.testing.assert_frame_equal(read_apple_health(path).minutes, projected(frame))


def test_a_record_across_a_window_edge_is_spread_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(apple_health_minutes, "WINDOW_DAYS", 1)
    # 00:59-01:01 at +0100 is 23:59-00:01 UTC: the edge of two one-day windows.
    path = _export(
        tmp_path,
        _rec(_STEPS, "W", "00:59:00", "01:01:00", "11", "count"),
        _rec(_SLEEP, "W", "00:59:30", "01:00:30", f"{_V}AsleepDeep"),
    )
    got = read_apple_health(path).minutes
    assert list(got["steps"]) == [6.0, 5.0]  # round(5.5) = 6 (half to even), then 11 - 6
    assert list(got["state"]) == ["sleep_deep", "sleep_deep"]  # 30 s each, no other record
    assert got["ts"].iloc[0] == pd.Timestamp("2026-01-04 23:59", tz="UTC")


def test_the_phone_can_be_chosen_instead(tmp_path: Path) -> None:
    """The phone's 10-minute totals, spread evenly: each block's minutes add up to it."""
    tz, first_day = BERLIN_WEEK
    frame = band_week(tz, first_day, days=2)
    path = write_export_xml(tmp_path / "export.xml", frame, tz)
    got = read_apple_health(path, source=IPHONE)
    assert (got.device_key, got.device_name) == (IPHONE, "iPhone")
    minutes = got.minutes.set_index("ts")
    assert minutes["heart_rate"].isna().all()
    assert (minutes["state"] == "unknown").all()  # the phone recorded no sleep
    truth = (
        frame.set_index(frame["ts"].astype("datetime64[ns, UTC]"))["steps"]
        .fillna(0)
        .groupby(pd.Grouper(freq="10min"))
        .sum()
    )
    blocks = minutes["steps"].groupby(pd.Grouper(freq="10min")).sum()
    pd.testing.assert_series_equal(blocks[blocks > 0], truth[truth > 0], check_names=False)
    assert (minutes["steps"] == minutes["steps"].round()).all()
    assert any(WATCH in note for note in got.notes)


def test_an_unknown_source_is_refused_with_the_list(tmp_path: Path) -> None:
    tz, first_day = BERLIN_WEEK
    path = write_export_xml(tmp_path / "export.xml", band_week(tz, first_day, days=1), tz)
    with pytest.raises(ImportFormatError) as info:
        read_apple_health(path, source="Someone's Watch")
    message = _one_line(info)
    assert message.startswith("export.xml: no records from source 'Someone's Watch'; sources: ")
    # Most records first: the watch, then the phone, with their counts.
    assert message.index(WATCH) < message.index(IPHONE)
    # The phone: one step record per 10 minutes with steps: 6 an hour over 16 waking hours.
    assert f"'{IPHONE}' (96 records)" in message
    with pytest.raises(ImportFormatError) as info:
        read_apple_health(path, source="Line\nbreak\u2028")
    assert "source 'Line\\nbreak\\u2028';" in _one_line(info)


# --- hand-written exports -------------------------------------------------------------------

_HR = "HKQuantityTypeIdentifierHeartRate"
_STEPS = "HKQuantityTypeIdentifierStepCount"
_SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
_V = "HKCategoryValueSleepAnalysis"


def _rec(kind: str, source: str, start: str, end: str, value: str, unit: str = "") -> str:
    unit_attr = f' unit="{unit}"' if unit else ""
    return (
        f'<Record type="{kind}" sourceName="{source}"{unit_attr} '
        f'startDate="2026-01-05 {start} +0100" endDate="2026-01-05 {end} +0100" value="{value}"/>\n'
    )


def _hr(source: str, at: str, value: int) -> str:
    return _rec(_HR, source, at, at, str(value), "count/min")


def _export(tmp_path: Path, *records: str, head: str = "") -> Path:
    path = tmp_path / "export.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + head + '<HealthData locale="en_GB">\n'
        '<ExportDate value="2026-01-06 08:00:00 +0100"/>\n' + "".join(records) + "</HealthData>\n",
        encoding="utf-8",
    )
    return path


def _states(path: Path, **kwargs: str) -> dict[str, str]:
    minutes = read_apple_health(path, **kwargs).minutes
    local = minutes["ts"].dt.tz_convert("Etc/GMT-1").dt.strftime("%H:%M")
    return dict(zip(local, minutes["state"], strict=True))


def test_a_stage_beats_in_bed_and_in_bed_alone_is_unknown(tmp_path: Path) -> None:
    path = _export(
        tmp_path,
        _rec(_SLEEP, "W", "22:00:00", "23:00:00", f"{_V}InBed"),
        # Core from 22:10:30: the minute 22:10 has 30 s of Core and 60 s of InBed.
        _rec(_SLEEP, "W", "22:10:30", "22:12:00", f"{_V}AsleepCore"),
        _rec(_SLEEP, "W", "22:12:00", "22:12:30", f"{_V}AsleepUnspecified"),
        _rec(_SLEEP, "W", "22:12:30", "22:13:00", f"{_V}Asleep"),  # before iOS 16
        _rec(_SLEEP, "W", "22:13:00", "22:14:00", f"{_V}AsleepDeep"),
        _rec(_SLEEP, "W", "22:14:00", "22:15:00", f"{_V}AsleepREM"),
        # 30 s REM and 30 s Awake in 22:15: the tie goes to awake.
        _rec(_SLEEP, "W", "22:15:00", "22:15:30", f"{_V}AsleepREM"),
        _rec(_SLEEP, "W", "22:15:30", "22:16:00", f"{_V}Awake"),
        _hr("W", "22:05:10", 60),
        _hr("W", "23:30:00", 70),  # outside every sleep record
    )
    states = _states(path)
    assert states["22:05"] == states["22:09"] == "unknown"  # in bed, no stage
    assert states["22:10"] == states["22:11"] == "sleep_light"
    assert states["22:12"] == "sleep_light"  # AsleepUnspecified and Asleep
    assert (states["22:13"], states["22:14"], states["22:15"]) == (
        "sleep_deep",
        "sleep_rem",
        "awake",
    )
    assert states["22:16"] == "unknown"
    assert states["23:30"] == "awake"  # the source recorded sleep


def test_a_source_with_only_in_bed_leaves_other_minutes_unknown(tmp_path: Path) -> None:
    path = _export(
        tmp_path,
        _rec(_SLEEP, "P", "22:00:00", "22:02:00", f"{_V}InBed"),
        _hr("P", "23:30:00", 70),
    )
    assert _states(path) == {"22:00": "unknown", "22:01": "unknown", "23:30": "unknown"}


def test_heart_rate_is_the_mean_of_the_minute_and_unknown_sleep_values_are_noted(
    tmp_path: Path,
) -> None:
    path = _export(
        tmp_path,
        _hr("W", "10:00:01", 60),
        _hr("W", "10:00:59", 63),  # mean 61.5 rounds half to even: 62
        _rec(_SLEEP, "W", "01:00:00", "02:00:00", f"{_V}AsleepSomething"),
        _rec(_STEPS, "W", "10:01:00", "10:03:00", "11", "count"),  # 11 over two minutes: 6 + 5
    )
    got = read_apple_health(path)
    minutes = got.minutes.set_index(got.minutes["ts"].dt.strftime("%H:%M"))
    assert minutes.loc["09:00", "heart_rate"] == 62.0
    assert list(minutes.loc[["09:01", "09:02"], "steps"]) == [6.0, 5.0]
    assert "1 sleep records with an unknown value skipped" in got.notes
    assert got.records == 3


def test_only_records_at_the_top_level_count(tmp_path: Path) -> None:
    """A Correlation's member records repeat top-level ones; they are not read twice."""
    path = _export(
        tmp_path,
        _hr("W", "10:00:00", 60),
        '<Correlation type="HKCorrelationTypeIdentifierBloodPressure">\n'
        + _hr("W", "11:00:00", 90)
        + "</Correlation>\n",
    )
    got = read_apple_health(path)
    assert list(got.minutes["heart_rate"]) == [60.0]
    assert "1 other elements (Workout, ActivitySummary, ...) skipped" in got.notes


def test_equal_record_counts_choose_the_first_name(tmp_path: Path) -> None:
    path = _export(tmp_path, _hr("Zed", "10:00:00", 60), _hr("Amy", "11:00:00", 70))
    got = read_apple_health(path)
    assert got.device_key == got.device_name == "Amy"
    assert list(got.minutes["heart_rate"]) == [70.0]


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (_rec(_HR, "W", "10:00:00", "10:00:00", "72", "count"), "unit 'count', not 'count/min'"),
        (_rec(_HR, "W", "10:00:00", "10:00:00", "7x", "count/min"), "value '7x', not a number"),
        (_rec(_STEPS, "W", "10:00:00", "10:01:00", "-3", "count"), "value '-3', not a number"),
        (_rec(_STEPS, "W", "10:00:00", "10:01:00", "nan", "count"), "value 'nan', not a number"),
        (_rec(_STEPS, "W", "10:02:00", "10:01:00", "3", "count"), "ends before it starts"),
        (
            _rec(_STEPS, "W", "10:00:00", "10:01:00", "3", "count").replace("+0100", "+01", 1),
            "startDate '2026-01-05 10:00:00 +01', not a date",
        ),
    ],
)
def test_bad_records_are_refused_naming_the_line(
    tmp_path: Path, record: str, expected: str
) -> None:
    path = _export(tmp_path, _hr("W", "09:00:00", 60), record)
    with pytest.raises(ImportFormatError) as info:
        read_apple_health(path)
    message = _one_line(info)
    assert message.startswith("export.xml: ")
    assert "at line 5" in message
    assert expected in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "not well-formed XML"),
        (b'<?xml version="1.0"?>\n<Other/>\n', "not an Apple Health export"),
        (b'<?xml version="1.0"?>\n<HealthData>\n<Record type="x"', "not well-formed XML"),
        (b'<?xml version="1.0"?>\n<HealthData/>\n', "no step, heart-rate or sleep records"),
    ],
)
def test_files_that_are_not_exports_are_refused(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "export.xml"
    path.write_bytes(content)
    with pytest.raises(ImportFormatError, match=expected) as info:
        read_apple_health(path)
    _one_line(info)


# --- zips -----------------------------------------------------------------------------------


def _zip(tmp_path: Path, members: dict[str, bytes]) -> Path:
    path = tmp_path / "export.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def test_zip_member_is_found_by_name(tmp_path: Path) -> None:
    xml = _export(tmp_path, _hr("W", "10:00:00", 60)).read_bytes()
    renamed = _zip(tmp_path, {"Export/export.xml": xml, "Export/export_cda.xml": b"<x/>"})
    assert list(read_apple_health(renamed).minutes["heart_rate"]) == [60.0]
    for members, expected in [
        ({"a/export.xml": xml, "b/export.xml": xml}, "2 export.xml members"),
        ({"a/other.xml": xml}, "no export.xml members"),
    ]:
        with pytest.raises(ImportFormatError, match=expected) as info:
            read_apple_health(_zip(tmp_path, members))
        _one_line(info)


def test_zip_checks_come_first(tmp_path: Path) -> None:
    traversal = _zip(tmp_path, {"../" + EXPORT_MEMBER: b"<HealthData/>"})
    with pytest.raises(ImportFormatError, match="unsafe path"):
        read_apple_health(traversal)


# --- entity attacks (docs/importing.md, "Apple Health": a DTD that declares entities) -------

_LAUGHS = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10)).replace(
    "&lol0;", "lol"
)


@pytest.mark.parametrize(
    ("dtd", "body"),
    [
        # Billion laughs: 10^9 "lol"s if expanded (3 GB), in text and in an attribute.
        (f"<!DOCTYPE HealthData [\n{_LAUGHS}]>\n", "<Foo>&lol9;</Foo>"),
        (f"<!DOCTYPE HealthData [\n{_LAUGHS}]>\n", '<Foo bar="&lol9;"/>'),
        # External entity: a local file, never read.
        ('<!DOCTYPE HealthData [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n', "<Foo>&xxe;</Foo>"),
        # External DTD: never loaded, so its entity is undefined.
        ('<!DOCTYPE HealthData SYSTEM "file:///etc/passwd">\n', "<Foo>&xxe;</Foo>"),
        # The entity declared after a comment that looks like an element.
        ('<!DOCTYPE HealthData [<!-- <Record/> --><!ENTITY a "b">]>\n', "<Foo/>"),
    ],
)
@pytest.mark.parametrize("form", ["xml", "zip"])
def test_entity_attacks_are_refused(tmp_path: Path, dtd: str, body: str, form: str) -> None:
    """Expanded, the first two would take minutes and gigabytes; they fail at once."""
    path = _export(tmp_path, _hr("W", "10:00:00", 60), body + "\n", head=dtd)
    if form == "zip":
        path = _zip(tmp_path, {EXPORT_MEMBER: path.read_bytes()})
    with pytest.raises(ImportFormatError) as info:
        read_apple_health(path)
    message = _one_line(info)
    assert "root:" not in message  # nothing of /etc/passwd
    assert "entit" in message.lower()


# --- robustness: the sample file, truncated and with one byte changed -----------------------

MUTATIONS = 100
_RECORD_BYTES = re.compile(rb"<Record\b[^>]*?(?:/>|>.*?</Record>)", re.S)
_DATE_ATTRS = re.compile(rb'(startDate|endDate)="([^"]*)"')


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes, pd.DataFrame]:
    """(the sample zip, its export.xml, what both read as)."""
    (path,) = write_sample(tmp_path_factory.mktemp("sample"))
    zipped = path.read_bytes()
    xml = zipfile.ZipFile(path).read(EXPORT_MEMBER)
    tz, first_day = BERLIN_WEEK
    truth = projected(band_week(tz, first_day, days=SAMPLE_DAYS))
    pd.testing.assert_frame_equal(read_apple_health(path).minutes, truth)
    return zipped, xml, truth


def _minutes_of(record: bytes) -> set[pd.Timestamp]:
    """UTC minutes a record's dates cover (its start's minute for a point reading)."""
    dates = {k.decode(): v.decode("utf-8", "replace") for k, v in _DATE_ATTRS.findall(record)}
    try:
        start, end = (
            pd.Timestamp(dt.datetime.strptime(dates[k], "%Y-%m-%d %H:%M:%S %z"))
            for k in ("startDate", "endDate")
        )
    except (KeyError, ValueError):
        return set()
    last = max(start.floor("min"), end.ceil("min") - pd.Timedelta(minutes=1))
    return set(pd.date_range(start.floor("min"), last, freq="min").tz_convert("UTC"))


def _differing_minutes(got: pd.DataFrame, truth: pd.DataFrame) -> set[pd.Timestamp]:
    both = got.merge(truth, on="ts", how="outer", suffixes=("", "_truth")).set_index("ts")
    differ = pd.Series(False, index=both.index)
    for column in ("steps", "heart_rate", "activity", "state"):
        a, b = both[column], both[f"{column}_truth"]
        differ |= ~((a == b) | (a.isna() & b.isna()))
    return set(both.index[differ.to_numpy()])


def _check_store_rules(minutes: pd.DataFrame) -> None:
    """What the store's upsert requires of a frame (docs/importing.md)."""
    ts = minutes["ts"]
    assert ts.is_monotonic_increasing
    assert ts.is_unique
    assert (ts.dt.second == 0).all()
    for column in ("steps", "heart_rate"):
        values = minutes[column].dropna()
        assert ((values >= 0) & (values <= 65_535) & (values == values.round())).all()
    assert set(minutes["state"]) <= set(STATE_LABELS)


def _read(tmp_path: Path, name: str, data: bytes) -> pd.DataFrame | None:
    path = tmp_path / name
    path.write_bytes(data)
    message = ""
    try:
        minutes = read_apple_health(path).minutes
    except ImportFormatError as exc:
        message = str(exc)
    if message:
        assert "\n" not in message
        return None
    _check_store_rules(minutes)
    return minutes


@pytest.mark.parametrize("form", ["xml", "zip"])
def test_truncations_are_refused_or_read_whole(
    tmp_path: Path, sample: tuple[bytes, bytes, pd.DataFrame], form: str
) -> None:
    zipped, xml, truth = sample
    data = xml if form == "xml" else zipped
    rng = np.random.default_rng(1401)
    cuts = [len(data) - 1, *rng.integers(0, len(data), MUTATIONS - 1).tolist()]
    refused = 0
    for cut in cuts:
        got = _read(tmp_path, f"export.{form}", data[:cut])
        if got is None:
            refused += 1
        else:
            pd.testing.assert_frame_equal(got, truth)
    # Only the cut of the last newline leaves well-formed XML; a cut zip has no directory.
    assert refused == MUTATIONS - (form == "xml")


@pytest.mark.parametrize("form", ["xml", "zip"])
def test_byte_flips_are_refused_or_change_one_record(
    tmp_path: Path, sample: tuple[bytes, bytes, pd.DataFrame], form: str
) -> None:
    zipped, xml, truth = sample
    data = xml if form == "xml" else zipped
    records = [(m.start(), m.end()) for m in _RECORD_BYTES.finditer(xml)]
    starts = np.array([a for a, _ in records])
    rng = np.random.default_rng(1402)
    refused = 0
    for offset, flip in zip(
        rng.integers(0, len(data), MUTATIONS).tolist(),
        rng.integers(1, 256, MUTATIONS).tolist(),
        strict=True,
    ):
        mutated = bytearray(data)
        mutated[offset] ^= flip
        got = _read(tmp_path, f"export.{form}", bytes(mutated))
        if got is None:
            refused += 1
            continue
        allowed: set[pd.Timestamp] = set()
        i = int(np.searchsorted(starts, offset, side="right")) - 1
        if form == "xml" and i >= 0 and offset < records[i][1]:
            a, b = records[i]
            allowed = _minutes_of(xml[a:b]) | _minutes_of(bytes(mutated[a:b]))
        assert _differing_minutes(got, truth) <= allowed, (offset, flip)
    # A zip's CRC refuses every change to the compressed bytes.
    assert refused >= (MUTATIONS // 2 if form == "xml" else MUTATIONS * 3 // 4)
