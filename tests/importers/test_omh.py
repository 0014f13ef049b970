"""Open mHealth: writers and reader round trip, foreign data points, bad files.

Schemas: https://github.com/openmhealth/schemas (``schema/omh``: data-point
1.0, header 1.2, step-count 2.0/3.0, heart-rate 1.1/2.0, sleep-episode 1.1,
physical-activity 1.2, time-interval 1.0). Expected values come from
``tests/helpers/band_week.py`` (the known minutes) and from the points
written out in each test. Projection of a minute frame through
``omh_data_points`` (``docs/importing.md``, "Open mHealth"): every column
exact but ``activity``, which no schema carries (NaN on reading). A reader
that ignores the ``ipsrt:device-state`` extension sees sleep episodes only:
sleep (read as ``sleep_light``, awakenings inside included), steps and heart
rate.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.errors import ImportFormatError
from devices.importers.band_minutes import MINUTE_FRAME_COLUMNS, STATE_LABELS, ExportedMinutes
from devices.importers.omh import omh_data_points, read_omh, write_omh
from tests.helpers.band_week import AUCKLAND_WEEK, BERLIN_WEEK, band_week
from tests.helpers.omh_export import SAMPLE_SOURCE, sample_minutes, write_sample

WEEKS = {"berlin": BERLIN_WEEK, "auckland": AUCKLAND_WEEK}


def projected(frame: pd.DataFrame) -> pd.DataFrame:
    """A minute frame as it reads back from Open mHealth: activity is not carried."""
    out = frame.assign(activity=np.nan, ts=frame["ts"].astype("datetime64[ns, UTC]"))
    out["state"] = out["state"].astype(str)
    return out[list(MINUTE_FRAME_COLUMNS)].reset_index(drop=True)


def write(frame: pd.DataFrame, path: Path, tz: str, **kw: Any) -> Path:
    write_omh(omh_data_points(frame, user_id="C1", source_name="band", tz=tz, **kw), path)
    return path


@pytest.mark.parametrize("week", sorted(WEEKS))
def test_band_week_round_trip_is_exact(week: str, tmp_path: Path) -> None:
    tz, first_day = WEEKS[week]
    frame = band_week(tz, first_day)
    first = write(frame, tmp_path / "a.json", tz)
    got = read_omh(first)
    pd.testing.assert_frame_equal(got.minutes, projected(frame))
    assert (got.source, got.device_key, got.device_name, got.notes) == ("omh", "band", "band", ())
    # Date-times carry the client's offset on each side of the DST change.
    text = first.read_text()
    offsets = {"berlin": ("+01:00", "+02:00"), "auckland": ("+13:00", "+12:00")}[week]
    assert all(f'00{o}"' in text for o in offsets)


def test_a_rewrite_is_byte_identical(tmp_path: Path) -> None:
    frame = band_week(*AUCKLAND_WEEK, days=2)
    first = write(frame, tmp_path / "a.json", AUCKLAND_WEEK[0])
    again = write(frame.copy(), tmp_path / "b.json", AUCKLAND_WEEK[0])
    assert first.read_bytes() == again.read_bytes()
    ids = [json.loads(line.rstrip(",")) for line in first.read_text().splitlines()[1:-1]]
    assert len({p["header"]["id"] for p in ids}) == len(ids)
    created = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    stamped = write(frame, tmp_path / "c.json", AUCKLAND_WEEK[0], created=created)
    assert '"creation_date_time":"2026-05-01T00:00:00+00:00"' in stamped.read_text()


def test_without_the_extension_only_sleep_episodes_remain(tmp_path: Path) -> None:
    tz, first_day = BERLIN_WEEK
    frame = band_week(tz, first_day)
    points = [
        p
        for p in omh_data_points(frame, user_id=None, source_name="band", tz=tz)
        if p["header"]["schema_id"]["namespace"] == "omh"
    ]
    write_omh(points, tmp_path / "p.json")
    got = read_omh(tmp_path / "p.json").minutes
    local = pd.DatetimeIndex(frame["ts"]).tz_convert(tz)
    clock = local.hour * 60 + local.minute
    night = (clock >= 23 * 60) | (clock < 7 * 60)  # band_week's nights, 03:00 awakening inside
    expected = frame.assign(state=np.where(night, "sleep_light", "unknown"))
    expected = expected[expected["state"].ne("unknown") | expected["heart_rate"].notna()]
    pd.testing.assert_frame_equal(got, projected(expected))


STARTS = [
    pd.Timestamp("2026-03-29T00:30Z"),  # Berlin spring change at 01:00Z
    pd.Timestamp("2026-04-04T13:30Z"),  # Auckland autumn change at 14:00Z
    pd.Timestamp("2026-01-01T23:00Z"),
]


@st.composite
def minute_frames(draw: st.DrawFn) -> tuple[pd.DataFrame, str]:
    offsets = sorted(draw(st.sets(st.integers(0, 240), max_size=30)))
    n = len(offsets)
    start = draw(st.sampled_from(STARTS))
    nan_or = st.one_of(st.just(np.nan), st.integers(0, 250).map(float))
    frame = pd.DataFrame(
        {
            "ts": pd.DatetimeIndex(
                [start + pd.Timedelta(minutes=m) for m in offsets], dtype="datetime64[ns, UTC]"
            ),
            "steps": draw(st.lists(nan_or, min_size=n, max_size=n)),
            "heart_rate": draw(st.lists(nan_or, min_size=n, max_size=n)),
            "activity": draw(st.lists(nan_or, min_size=n, max_size=n)),
            "state": draw(st.lists(st.sampled_from(STATE_LABELS), min_size=n, max_size=n)),
        }
    )
    tz = draw(st.sampled_from(["UTC", "Europe/Berlin", "Pacific/Auckland", "America/St_Johns"]))
    return frame.astype({"state": object}), tz


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(minute_frames())
def test_any_small_minute_frame_round_trips(tmp_path: Path, case: tuple[pd.DataFrame, str]) -> None:
    frame, tz = case
    path = write(frame, tmp_path / "p.json", tz)
    if frame.empty:
        with pytest.raises(ImportFormatError, match="holds no data points"):
            read_omh(path)
        return
    pd.testing.assert_frame_equal(read_omh(path).minutes, projected(frame))


def point(name: str, version: str, body: dict[str, Any], **header: Any) -> dict[str, Any]:
    head = {
        "id": header.pop("id", f"{name}-{json.dumps(body, sort_keys=True)}"),
        "creation_date_time": "2026-03-27T08:00:00Z",
        "schema_id": {
            "namespace": header.pop("namespace", "omh"),
            "name": name,
            "version": version,
        },
        **header,
    }
    return {"header": head, "body": body}


def interval(start: str, end: str | None = None, **duration: Any) -> dict[str, Any]:
    ti: dict[str, Any] = {"start_date_time": start}
    if end is not None:
        ti["end_date_time"] = end
    if duration:
        ti["duration"] = duration
    return {"time_interval": ti}


def at(moment: str) -> dict[str, str]:
    return {"date_time": moment}


def steps(value: Any, frame: dict[str, Any], version: str = "2.0", **kw: Any) -> dict[str, Any]:
    return point("step-count", version, {"step_count": value, "effective_time_frame": frame}, **kw)


def heart(
    value: Any, frame: dict[str, Any], unit: str = "beats/min", **body: Any
) -> dict[str, Any]:
    hr = {"heart_rate": {"value": value, "unit": unit}, "effective_time_frame": frame, **body}
    return point("heart-rate", "2.0", hr)


SEVEN = "2026-03-27T07:00:00Z"
MINUTE = interval(SEVEN, "2026-03-27T07:01:00Z")


def test_foreign_points_as_json_lines(tmp_path: Path) -> None:
    """Steps 2.0 and 3.0, heart rate 1.1 and 2.0, an unstaged sleep episode, and skips."""
    episode = {"effective_time_frame": interval("2026-03-27T06:57:00+01:00", "2026-03-27T06:00Z")}
    one_minute = {"value": 60, "unit": "sec"}
    ending = {"time_interval": {"end_date_time": "2026-03-27T07:03:00Z", "duration": one_minute}}
    by_part = {"time_interval": {"date": "2026-03-27", "part_of_day": "morning"}}
    old_heart = heart(60, at("2026-03-27T07:00:10Z"))
    old_heart["header"]["schema_id"]["version"] = "1.1"
    points = [
        point("sleep-episode", "1.0", episode),
        steps(30, interval(SEVEN, value=2, unit="min")),
        steps({"value": 7, "unit": "steps"}, ending, "3.0"),
        old_heart,
        heart(63, at("2026-03-27T08:00:50+01:00")),
        heart(90, at(SEVEN), descriptive_statistic="maximum"),
        heart(70, interval(SEVEN, "2026-03-27T07:05:00Z")),
        point("physical-activity", "1.2", {"activity_name": "walking"}),
        point("blood-pressure", "1.0", {}),
        steps(5, MINUTE, "1.0"),
        steps({"value": 9, "unit": "steps"}, by_part, "3.0"),
    ]
    points.append(points[1])  # a repeated id
    path = tmp_path / "points.jsonl"
    path.write_text("\n".join(json.dumps(p) for p in points) + "\n\n")
    got = read_omh(path)
    minutes = got.minutes.set_index(got.minutes["ts"].dt.strftime("%H:%M"))
    assert minutes["state"].to_dict() == {
        "05:57": "sleep_light", "05:58": "sleep_light", "05:59": "sleep_light",
        "07:00": "unknown", "07:01": "unknown", "07:02": "unknown",
    }  # fmt: skip
    assert minutes["steps"].dropna().to_dict() == {"07:00": 15.0, "07:01": 15.0, "07:02": 7.0}
    # 60 at 07:00:10 and 63 at 07:00:50 average to 61.5, rounded half to even: 62.
    assert minutes["heart_rate"].dropna().to_dict() == {"07:00": 62.0}
    assert got.records == 12
    assert got.device_key == "omh"
    assert got.device_name is None
    assert got.notes == (
        "1 data points dated by part of day skipped",
        "1 data points of schema omh:blood-pressure 1.0 skipped",
        "1 data points of schema omh:step-count 1.0 skipped",
        "1 heart rates over more than a minute skipped",
        "1 heart rates that are not averages skipped",
        "1 physical-activity data points (no per-minute measure) skipped",
        "1 repeated data points (same header id) skipped",
    )


def test_a_zip_of_files_reads_like_the_files(tmp_path: Path) -> None:
    frame = band_week(*BERLIN_WEEK, days=1)
    path = write(frame, tmp_path / "day.json", BERLIN_WEEK[0])
    archive = tmp_path / "omh.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(path, "export/day.json")
        z.writestr("export/readme.txt", "not points")
    calls: list[tuple[int, int]] = []
    got = read_omh(archive, progress=lambda done, total: calls.append((done, total)))
    pd.testing.assert_frame_equal(got.minutes, read_omh(path).minutes)
    size = path.stat().st_size
    assert calls == [(size, size)]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"header": {}}, "has no body object in its data point"),
        ({"header": {"id": 1}, "body": {}}, "has no schema_id object in its header"),
        (steps(-1, MINUTE), "step_count that is negative"),
        (steps("3", MINUTE), "step_count that is not a number"),
        (steps(70_000, MINUTE), "70,000 steps, more than 65,535"),
        (steps(3, at(SEVEN)), "has no effective_time_frame.time_interval"),
        (steps(3, interval(SEVEN)), "without two of start, end and duration"),
        (steps(3, interval("2026-03-27T07:00:00", SEVEN)), "without a UTC offset"),
        (steps(3, interval(SEVEN, "2026-03-27T06:01:00Z")), "ends before it starts"),
        (steps(3, interval(SEVEN, value=1, unit="Mo")), "duration unit 'Mo'"),
        (steps(3, interval(SEVEN, value=3, unit="d")), "longer than 2 days"),
        (steps(3, interval("yesterday", SEVEN)), "not RFC 3339: 'yesterday'"),
        (heart(60, at(SEVEN), unit="bpm"), "unit other than 'beats/min'"),
        (heart(1e6, at(SEVEN)), "heart rate of 1,000,000"),
        (
            point(
                "device-state",
                "1.0",
                {"device_state": "dozing", "effective_time_frame": MINUTE},
                namespace="ipsrt",
            ),
            "unknown device_state 'dozing'",
        ),
        (steps(3, MINUTE, acquisition_provenance={"modality": "sensed"}), "no source_name text"),
    ],
)
def test_a_point_breaking_its_schema_is_named(tmp_path: Path, bad: Any, message: str) -> None:
    good = steps(3, MINUTE, id="first")
    path = tmp_path / "p.json"
    path.write_text(json.dumps([good, bad]))
    with pytest.raises(ImportFormatError) as err:
        read_omh(path)
    assert str(err.value).startswith("p.json: data point 2 ")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "holds no data points"),
        (b"[]", "holds no data points"),
        (b'{"a": 1}\n', "data point 1 (line 1) has no header object in its data point"),
        (b'[{"header": {}, "body": []}]', "data point 1 has no body object in its data point"),
        (b"[1, 2", "is not valid JSON (Expecting ',' delimiter at line 1 column 6)"),
        (b"\xff\xfe[]", "is not UTF-8 text (byte 0)"),
        (b"hello", "neither a JSON array nor JSON Lines"),
        (b"\n{oops}\n", "line 2 is not valid JSON"),
        (b"[" * 100_000, "not valid JSON (nested too deeply)"),
    ],
)
def test_files_that_are_not_data_points(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(content)
    with pytest.raises(ImportFormatError) as err:
        read_omh(path)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_points_of_several_sources_are_refused(tmp_path: Path) -> None:
    a = steps(3, MINUTE, id="a", acquisition_provenance={"source_name": "phone"})
    b = steps(3, MINUTE, id="b", acquisition_provenance={"source_name": "watch"})
    path = tmp_path / "p.json"
    path.write_text(json.dumps([a, b, b | {"header": b["header"] | {"id": "c"}}]))
    with pytest.raises(ImportFormatError, match=r"2 sources \(phone \(1\), watch \(2\)\)"):
        read_omh(path)


def test_writer_refuses_frames_it_cannot_write() -> None:
    frame = band_week(*BERLIN_WEEK, days=1)
    with pytest.raises(ValueError, match="strictly increasing"):
        list(omh_data_points(frame.iloc[::-1], user_id=None, source_name="x", tz="UTC"))
    with pytest.raises(ValueError, match="unknown state labels"):
        list(omh_data_points(frame.assign(state="asleep"), user_id=None, source_name="x", tz="UTC"))
    with pytest.raises(ValueError, match="lack column"):
        list(omh_data_points(frame.drop(columns="state"), user_id=None, source_name="x", tz="UTC"))


# --- truncations and byte flips of the sample -----------------------------------


def _span(line: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The time a written data point (one line of the sample) covers, if it parses."""
    try:
        body = json.loads(line.rstrip().rstrip(","))["body"]
        ti = body["effective_time_frame"]["time_interval"]
        lo = pd.Timestamp(dt.datetime.fromisoformat(ti["start_date_time"]))
        hi = pd.Timestamp(dt.datetime.fromisoformat(ti["end_date_time"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return lo.tz_convert("UTC").floor("min"), hi.tz_convert("UTC").ceil("min")


def _differing_minutes(got: pd.DataFrame, want: pd.DataFrame) -> pd.DatetimeIndex:
    a, b = got.set_index("ts"), want.set_index("ts")
    index = a.index.union(b.index)
    a, b = a.reindex(index), b.reindex(index)
    same = ((a == b) | (a.isna() & b.isna())).all(axis=1)
    return pd.DatetimeIndex(index[~same.to_numpy()])


def _read_or_refusal(path: Path) -> ExportedMinutes | str:
    """What reading *path* gives: the minutes, or the one-line refusal."""
    try:
        return read_omh(path)
    except ImportFormatError as exc:
        message = str(exc)
    assert "\n" not in message
    assert message.startswith(path.name)
    return message


def test_truncations_and_byte_flips_of_the_sample(tmp_path: Path) -> None:
    """100 cuts and 100 byte flips: refused in one line, or read exactly / within the flipped point.

    A cut file is an unterminated JSON array, refused unless only the final
    newline is cut. A flip that still parses may change the one data point
    holding it: every minute that differs from the ground truth lies in the
    time that point covers before or after the flip.
    """
    sample = write_sample(tmp_path)[0]
    original = sample.read_bytes()
    truth = projected(sample_minutes())
    pd.testing.assert_frame_equal(read_omh(sample).minutes, truth)
    rng = random.Random(14_0014)
    path = tmp_path / "mutated.json"
    refused = 0
    for cut in rng.sample(range(len(original)), 100):
        path.write_bytes(original[:cut])
        got = _read_or_refusal(path)
        if isinstance(got, str):
            refused += 1
            continue
        pd.testing.assert_frame_equal(got.minutes, truth)
    lines = original.split(b"\n")
    for _ in range(100):
        data = bytearray(original)
        i = rng.randrange(len(data))
        data[i] ^= rng.randrange(1, 256)
        path.write_bytes(bytes(data))
        got = _read_or_refusal(path)
        if isinstance(got, str):
            refused += 1
            continue
        assert got.device_key == SAMPLE_SOURCE
        minutes = got.minutes
        for column in ("steps", "heart_rate"):
            known = minutes[column].dropna()
            assert ((known >= 0) & (known <= 65_535) & (known == known.round())).all()
        assert set(minutes["state"]) <= set(STATE_LABELS)
        differing = _differing_minutes(minutes, truth)
        if differing.empty:
            continue
        line = original[:i].count(b"\n")
        spans = [
            _span(lines[line].decode()),
            _span(bytes(data).split(b"\n")[line].decode("utf-8", "replace")),
        ]
        assert all(any(s is not None and s[0] <= t < s[1] for s in spans) for t in differing), (
            i,
            differing,
        )
    # Recorded in the report: how many of the 200 were refused.
    assert 100 <= refused < 200
