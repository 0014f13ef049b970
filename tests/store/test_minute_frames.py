"""The columnar minute readers return exactly the reference reader's frame (both backends).

The reference is :func:`ipsrt.store.minute_frames.reference_minute_frame`
(one driver row per minute, the read path before the columnar one). The
columnar reader (``read_minute_frame`` behind ``Store.minute_frame``: packed
``bytea`` on PostgreSQL, one packed integer per row joined by ``group_concat``
on SQLite) must give the same index, columns, dtypes and values, bit for bit
(``docs/architecture.md``, "The hot path"). The largest values the schema's
``CHECK`` constraints allow, and ranges longer than the SQLite word's minute
offset, are tested against frames written out by hand; altered SQLite layouts
that lose a bit must fail those tests.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import NOW

from ipsrt.enums import DeviceState, Quality
from ipsrt.errors import DatabaseError
from ipsrt.store import Store, minute_frames
from ipsrt.store.minute_frames import (
    SQLITE_CHUNK_SECONDS,
    STATE_LABELS,
    read_minute_frame,
    reference_minute_frame,
)
from ipsrt.store.samples import prepare_samples, write_samples

START = pd.Timestamp("2026-05-01T00:00:00Z")


def random_samples(device_ids: list[int], n: int, seed: int) -> pd.DataFrame:
    """Overlapping random minutes of several devices: NULLs, all six states, every flag,
    the largest stored values and awkward floats."""
    rng = np.random.default_rng(seed)
    parts = []
    for k, device_id in enumerate(device_ids):
        ts = START + pd.to_timedelta(np.sort(rng.choice(3 * n, n, replace=False)), unit="min")
        steps = rng.integers(0, 400, n).astype("float64")  # > 300: STEPS_IMPLAUSIBLE
        steps[rng.random(n) < 0.2] = np.nan
        steps[:3] = [0, 65535, 300]
        heart = rng.integers(1, 300, n).astype("float64")  # < 25 or > 220: flagged
        heart[rng.random(n) < 0.2] = np.nan
        heart[:3] = [65535, 1, np.nan]
        activity = rng.random(n) * 10.0 ** rng.integers(-3, 6, n)
        whole = rng.random(n) < 0.3
        activity[whole] = np.round(activity[whole])
        activity[rng.random(n) < 0.2] = np.nan
        activity[:4] = [0.0, 1e-300, 2.0**52 + 1, 0.1 + 0.2]
        parts.append(
            pd.DataFrame(
                {
                    "device_id": device_id,
                    "ts": ts,
                    "steps": steps,
                    "activity": activity,
                    "heart_rate": heart,
                    "state": rng.choice([s.label for s in DeviceState], n),
                }
            )
        )
        if k == 0:  # timestamps before the minimum and in the future: time flags
            parts.append(
                pd.DataFrame(
                    {
                        "device_id": device_id,
                        "ts": pd.to_datetime(["1999-12-31T23:00Z", "2026-06-01T13:00Z"]),
                        "steps": [1.0, 2.0],
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


@pytest.fixture
def devices(store: Store) -> list[int]:
    store.add_client("C001", "Europe/Berlin", now=NOW)
    store.add_client("C002", "UTC", now=NOW)
    ids = []
    for k, client in enumerate(["C001", "C001", "C001", "C002"]):
        device = store.add_device(client, "huami", f"C8:0F:10:00:00:0{k}", now=NOW)
        assert device.id is not None
        ids.append(device.id)
    return ids


def reference(store: Store, device_ids: list[int], start: dt.datetime, end: dt.datetime):
    with store.engine.connect() as conn:
        return reference_minute_frame(
            conn, device_ids, int(start.timestamp()), int(end.timestamp())
        )


def test_columnar_frame_equals_reference_bit_for_bit(store: Store, devices: list[int]) -> None:
    samples = random_samples(devices, 3000, seed=11)
    store.upsert_minute_samples(samples, now=NOW)
    lo, hi = dt.datetime(1999, 1, 1, tzinfo=dt.UTC), dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    expected = reference(store, devices[:3], lo, hi)
    got = store.minute_frame("C001", lo, hi)

    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    # The input covers what the packing must carry, so the comparison means something.
    assert len(got) == 3 * 3000 + 2
    assert got.index.has_duplicates
    assert set(got["state"].unique()) == set(STATE_LABELS)
    assert got["steps"].isna().any()
    assert got["heart_rate"].isna().any()
    assert got["activity"].isna().any()
    assert {65535, 0} <= set(got["steps"].dropna())
    assert 65535 in set(got["heart_rate"].dropna())
    assert {0.0, 1e-300, 2.0**52 + 1, 0.1 + 0.2} <= set(got["activity"].dropna())
    flags = np.bitwise_or.reduce(got["quality"].to_numpy())
    assert flags == int(
        Quality.HEART_RATE_IMPLAUSIBLE
        | Quality.STEPS_IMPLAUSIBLE
        | Quality.TIME_BEFORE_MINIMUM
        | Quality.TIME_IN_FUTURE
    )
    assert list(got.columns) == ["device_id", "steps", "activity", "heart_rate", "state", "quality"]
    assert str(got.index.tz) == "UTC"
    assert got.index.name == "ts"
    # Sorted by minute, then device.
    keys = pd.DataFrame({"ts": got.index.asi8, "device": got["device_id"].to_numpy()})
    assert keys.equals(keys.sort_values(["ts", "device"]).reset_index(drop=True))


def test_columnar_windows_and_single_device_equal_reference(
    store: Store, devices: list[int]
) -> None:
    store.upsert_minute_samples(random_samples(devices, 500, seed=12), now=NOW)
    windows = [
        (START + pd.Timedelta(minutes=100), START + pd.Timedelta(minutes=700)),
        (START + pd.Timedelta(minutes=333), START + pd.Timedelta(minutes=334)),
        (START, START),  # empty range
        (pd.Timestamp("2030-01-01T00:00Z"), pd.Timestamp("2030-02-01T00:00Z")),  # no rows
    ]
    for lo, hi in windows:
        lo_dt, hi_dt = lo.to_pydatetime(), hi.to_pydatetime()
        pd.testing.assert_frame_equal(
            store.minute_frame("C001", lo_dt, hi_dt),
            reference(store, devices[:3], lo_dt, hi_dt),
            check_exact=True,
        )
        pd.testing.assert_frame_equal(
            store.minute_frame("C001", lo_dt, hi_dt, device_id=devices[1]),
            reference(store, [devices[1]], lo_dt, hi_dt),
            check_exact=True,
        )
        with store.engine.connect() as conn:
            pd.testing.assert_frame_equal(
                read_minute_frame(conn, devices, int(lo.timestamp()), int(hi.timestamp())),
                reference(store, devices, lo_dt, hi_dt),
                check_exact=True,
            )


def test_client_without_devices_gets_the_empty_frame(store: Store, devices: list[int]) -> None:
    store.add_client("C003", "UTC", now=NOW)
    got = store.minute_frame("C003", START.to_pydatetime(), NOW)
    pd.testing.assert_frame_equal(got, reference(store, [], START.to_pydatetime(), NOW))
    assert got.empty
    assert str(got["state"].dtype) == "category"


def test_read_on_callers_connection_sees_its_uncommitted_rows(
    store: Store, devices: list[int]
) -> None:
    samples = random_samples(devices[:1], 200, seed=13)
    with store.write_connection() as conn:
        device_clients = dict.fromkeys(devices, 1)
        write_samples(conn, prepare_samples(samples, device_clients, now=NOW))
        inside = read_minute_frame(conn, devices[:1], 0, 2**40)
        expected = reference_minute_frame(conn, devices[:1], 0, 2**40)
    pd.testing.assert_frame_equal(inside, expected, check_exact=True)
    assert len(inside) == 202


def test_sqlite_read_during_an_open_write_sees_committed_rows(tmp_path) -> None:
    # A writer holds BEGIN IMMEDIATE with uncommitted rows: a read returns the
    # committed rows at once (WAL) and none of the writer's; then all of them.
    with Store.initialise(f"sqlite:///{tmp_path / 'ipsrt.sqlite3'}") as store:
        store.add_client("C001", "UTC", now=NOW)
        device = store.add_device("C001", "huami", "C8:0F:10:00:00:01", now=NOW)
        assert device.id is not None
        committed = random_samples([device.id], 100, seed=14)
        store.upsert_minute_samples(committed, now=NOW)
        later = committed.assign(ts=committed["ts"] + pd.Timedelta(days=3))
        with store.write_connection() as conn:
            write_samples(conn, prepare_samples(later, {device.id: 1}, now=NOW))
            during = store.minute_frame("C001", START.to_pydatetime(), NOW)
        after = store.minute_frame("C001", START.to_pydatetime(), NOW)
    # (The 1999 and 13:00 minutes of each batch lie outside START..NOW.)
    assert len(during) == 100
    assert len(after) == 200


FIRST_S = int(START.timestamp())
CHUNK = SQLITE_CHUNK_SECONDS
INF = math.inf
#: (ts, steps, activity, heart_rate, state, quality): every field at the bounds of its
#: CHECK constraint, every bit of each field set somewhere, minutes on both sides of
#: the SQLite chunk edges, and activity values on both sides of exact int64 conversion.
EXTREME_ROWS = [
    (FIRST_S, 0, 0.0, 1, 0, 0),
    (FIRST_S + 60, 65534, 2.0**53 + 2, 32768, 3, 254),
    (FIRST_S + CHUNK - 120, 32768, 0.5, 32767, 4, 1),
    (FIRST_S + CHUNK - 60, 65535, 2.0**63 - 1024, 65535, 5, 255),  # the last whole below 2**63
    (FIRST_S + CHUNK, 65535, 2.0**63, 65535, 5, 255),
    (FIRST_S + CHUNK + 60, None, None, None, 1, 128),
    (FIRST_S + 2 * CHUNK - 60, 1, 5e-324, 2, 2, 127),
    (FIRST_S + 2 * CHUNK, None, 1.7976931348623157e308, 65535, 5, 255),
    (FIRST_S + 2 * CHUNK + 7 * 60, 65535, INF, None, 0, 0),
    (FIRST_S + 3 * CHUNK - 60, 300, 0.1 + 0.2, 220, 5, 255),
]


def insert_raw_rows(store: Store, device_id: int, rows: list[tuple]) -> None:
    """Rows as they may stand in the table (the writer never sets quality 255)."""
    with store.write_connection() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO minute_sample (device_id, ts, steps, activity, heart_rate, state, "
                "quality) VALUES (:d, :ts, :steps, :activity, :hr, :state, :quality)"
            ),
            [
                {
                    "d": device_id,
                    "ts": ts,
                    "steps": st,
                    "activity": a,
                    "hr": h,
                    "state": s,
                    "quality": q,
                }
                for ts, st, a, h, s, q in rows
            ],
        )


def frame_of_rows(device_id: int, rows: list[tuple]) -> pd.DataFrame:
    """The frame *rows* must read back as, written out column by column."""

    def ints(values: list) -> pd.arrays.IntegerArray:
        return pd.array(values, dtype="Int64")

    return pd.DataFrame(
        {
            "device_id": np.full(len(rows), device_id, dtype=np.int64),
            "steps": ints([r[1] for r in rows]),
            "activity": np.array([np.nan if r[2] is None else r[2] for r in rows]),
            "heart_rate": ints([r[3] for r in rows]),
            "state": pd.Categorical.from_codes([r[4] for r in rows], categories=list(STATE_LABELS)),
            "quality": np.array([r[5] for r in rows], dtype=np.int64),
        },
        index=pd.DatetimeIndex(pd.to_datetime([r[0] for r in rows], unit="s", utc=True), name="ts"),
    )


def read_both(store: Store, device_id: int, start_s: int, end_s: int):
    """``read_minute_frame`` and the reference on a connection with no transaction open."""
    with store.engine.connect() as conn:
        got = read_minute_frame(conn, [device_id], start_s, end_s)
        expected = reference_minute_frame(conn, [device_id], start_s, end_s)
        if conn.dialect.name == "sqlite":  # the reader's own snapshot was released
            assert not conn.connection.driver_connection.in_transaction
    return got, expected


def assert_reads_back(store: Store, device_id: int, rows: list[tuple]) -> None:
    got, _ = read_both(store, device_id, FIRST_S, FIRST_S + 3 * CHUNK)
    pd.testing.assert_frame_equal(got, frame_of_rows(device_id, rows), check_exact=True)


def test_extreme_values_and_long_ranges_read_back_exactly(store: Store, devices: list[int]) -> None:
    device_id = devices[0]
    insert_raw_rows(store, device_id, EXTREME_ROWS)
    # Whole range (three SQLite chunks); a start off the minute; starts that move the
    # chunk edges; a range of exactly one chunk; a range ending one minute short.
    ranges = [
        (FIRST_S, FIRST_S + 3 * CHUNK),
        (FIRST_S - 3 * CHUNK, FIRST_S + 5 * CHUNK),
        (FIRST_S + 1, FIRST_S + 3 * CHUNK),
        (FIRST_S + 60, FIRST_S + 3 * CHUNK - 60),
        (FIRST_S + CHUNK - 60, FIRST_S + 2 * CHUNK - 60),
        (FIRST_S + 59, FIRST_S + CHUNK + 61),
    ]
    for start_s, end_s in ranges:
        wanted = [row for row in EXTREME_ROWS if start_s <= row[0] < end_s]
        got, expected = read_both(store, device_id, start_s, end_s)
        pd.testing.assert_frame_equal(got, frame_of_rows(device_id, wanted), check_exact=True)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        assert len(got) == len(wanted) > 0
    got, _ = read_both(store, device_id, *ranges[0])
    # Bit for bit, not only equal as numbers.
    bits = got["activity"].to_numpy().view(np.uint64)
    wanted_bits = frame_of_rows(device_id, EXTREME_ROWS)["activity"].to_numpy().view(np.uint64)
    assert (bits == wanted_bits).all()


#: Altered SQLite layouts, each losing or mixing up bits; every one must be caught.
BROKEN_LAYOUTS = [
    ("SQLITE_WORD_SQL", "<< 44", "<< 45"),  # minute offset in 19 bits
    ("SQLITE_WORD_SQL", "ifnull(heart_rate, 0) << 28", "(ifnull(heart_rate, 0) & 32767) << 28"),
    ("SQLITE_WORD_SQL", "ifnull(steps + 1, 0) << 11", "(ifnull(steps + 1, 0) & 65535) << 11"),
    ("SQLITE_WORD_SQL", "ifnull(steps + 1, 0) << 11", "ifnull(steps + 1, 0) << 10"),
    ("SQLITE_WORD_SQL", "(quality << 3)", "((quality & 127) << 3)"),
    ("SQLITE_WORD_SQL", "(state |", "((state & 3) |"),
    ("SQLITE_ACTIVITY_SQL", "ELSE -2", "ELSE CAST(activity AS INTEGER)"),
    ("SQLITE_ACTIVITY_SQL", "THEN -1", "THEN 0"),
]


@pytest.mark.parametrize(("name", "old", "new"), BROKEN_LAYOUTS)
def test_a_sqlite_layout_that_loses_a_bit_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path, name: str, old: str, new: str
) -> None:
    with Store.initialise(f"sqlite:///{tmp_path / 'ipsrt.sqlite3'}") as store:
        store.add_client("C001", "UTC", now=NOW)
        device = store.add_device("C001", "huami", "C8:0F:10:00:00:01", now=NOW)
        assert device.id is not None
        insert_raw_rows(store, device.id, EXTREME_ROWS)
        assert_reads_back(store, device.id, EXTREME_ROWS)
        broken = getattr(minute_frames, name).replace(old, new)
        assert broken != getattr(minute_frames, name)
        monkeypatch.setattr(minute_frames, name, broken)
        with pytest.raises((AssertionError, DatabaseError)):
            assert_reads_back(store, device.id, EXTREME_ROWS)
