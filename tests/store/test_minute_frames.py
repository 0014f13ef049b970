"""The columnar minute readers return exactly the reference reader's frame (both backends).

The reference is :func:`ipsrt.store.minute_frames.reference_minute_frame`
(one driver row per minute, the read path before the columnar one). The
columnar reader (``read_minute_frame`` behind ``Store.minute_frame``: packed
``bytea`` on PostgreSQL) must give the same index, columns, dtypes and values,
bit for bit (``docs/architecture.md``, "The hot path").
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import NOW

from ipsrt.enums import DeviceState, Quality
from ipsrt.store import Store
from ipsrt.store.minute_frames import (
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
