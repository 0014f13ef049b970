"""Contract tests of the Store, run on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import NOW

from ipsrt.enums import Quality
from ipsrt.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from ipsrt.reports.accounts import add_user
from ipsrt.store import InvalidSampleFrameError, Store, UpsertResult

START = pd.Timestamp("2026-05-01T00:00:00Z")


def minutes(device_id: int, n: int, *, start: pd.Timestamp = START, seed: int = 0) -> pd.DataFrame:
    """n plausible consecutive minutes of one device."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "device_id": device_id,
            "ts": pd.date_range(start, periods=n, freq="min"),
            "steps": rng.integers(0, 120, n),
            "activity": rng.random(n) * 50,
            "heart_rate": rng.integers(45, 130, n),
            "state": rng.choice(["awake", "sleep_light", "sleep_deep", "sleep_rem"], n),
        }
    )


@pytest.fixture
def device_id(store: Store) -> int:
    store.add_client("C001", "Europe/Berlin", now=NOW)
    device = store.add_device("C001", "huami", "C8:0F:10:00:00:01", now=NOW)
    assert device.id is not None
    return device.id


def row_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM minute_sample")).scalar_one())


def test_same_samples_three_times_leave_one_copy(store: Store, device_id: int) -> None:
    frame = minutes(device_id, 10_000)
    first = store.upsert_minute_samples(frame, now=NOW)
    again = [store.upsert_minute_samples(frame, now=NOW) for _ in range(2)]
    assert first == UpsertResult(inserted=10_000)
    assert again == [UpsertResult(duplicate=10_000)] * 2
    assert row_count(store) == 10_000


def test_overlapping_resends_leave_no_duplicates(store: Store, device_id: int) -> None:
    # 100 re-sends of random windows of a 2-day history, each overlapping what is stored.
    history = minutes(device_id, 2 * 1440, seed=1)
    rng = np.random.default_rng(2)
    totals = UpsertResult()
    for _ in range(100):
        lo = int(rng.integers(0, len(history) - 60))
        hi = int(min(len(history), lo + rng.integers(60, 24 * 60)))
        totals += store.upsert_minute_samples(history.iloc[lo:hi], now=NOW)
    store.upsert_minute_samples(history, now=NOW)
    assert row_count(store) == len(history)
    assert totals.conflicting == 0
    stored = store.minute_frame("C001", START.to_pydatetime(), NOW)
    assert stored.index.is_unique
    pd.testing.assert_index_equal(stored.index, pd.DatetimeIndex(history["ts"], name="ts"))


def test_changed_value_keeps_stored_row_and_counts_conflict(
    store: Store, device_id: int, caplog: pytest.LogCaptureFixture
) -> None:
    frame = minutes(device_id, 100)
    store.upsert_minute_samples(frame, now=NOW)
    changed = frame.copy()
    changed.loc[10, "steps"] = int(changed.loc[10, "steps"]) + 7
    with caplog.at_level(logging.WARNING, logger="ipsrt.store.samples"):
        result = store.upsert_minute_samples(changed, now=NOW)
    assert result == UpsertResult(duplicate=99, conflicting=1)
    assert "different values" in caplog.text
    stored = store.minute_frame("C001", START.to_pydatetime(), NOW)
    assert int(stored["steps"].iloc[10]) == int(frame.loc[10, "steps"])


def test_round_trip_keeps_every_value(store: Store, device_id: int) -> None:
    frame = minutes(device_id, 500, seed=3)
    frame.loc[5, ["steps", "heart_rate", "activity"]] = np.nan
    frame["steps"] = frame["steps"].astype("Int64")
    frame["heart_rate"] = frame["heart_rate"].astype("Int64")
    store.upsert_minute_samples(frame, now=NOW)
    stored = store.minute_frame("C001", START.to_pydatetime(), NOW)
    assert list(stored.columns) == [
        "device_id",
        "steps",
        "activity",
        "heart_rate",
        "state",
        "quality",
    ]
    assert str(stored.index.tz) == "UTC"
    np.testing.assert_array_equal(stored.index.to_numpy(), frame["ts"].to_numpy())
    assert stored["steps"].isna().sum() == 1
    assert pd.isna(stored["steps"].iloc[5])
    np.testing.assert_array_equal(
        stored["steps"].dropna().to_numpy(int), frame["steps"].dropna().to_numpy(int)
    )
    np.testing.assert_allclose(stored["activity"].to_numpy(), frame["activity"].to_numpy())
    assert list(stored["state"].astype(str)) == list(frame["state"])
    assert (stored["quality"] == 0).all()


def test_minute_frame_window_is_half_open_and_per_client(store: Store, device_id: int) -> None:
    store.add_client("C002", "America/New_York", now=NOW)
    other = store.add_device("C002", "banglejs", "E1:00:00:00:00:02", now=NOW)
    store.upsert_minute_samples(minutes(device_id, 120), now=NOW)
    store.upsert_minute_samples(minutes(other.id or 0, 120, seed=9), now=NOW)
    window = store.minute_frame(
        "C001",
        (START + pd.Timedelta(minutes=10)).to_pydatetime(),
        (START + pd.Timedelta(minutes=20)).to_pydatetime(),
    )
    assert len(window) == 10
    assert window.index[0] == START + pd.Timedelta(minutes=10)
    assert set(window["device_id"]) == {device_id}
    with pytest.raises(NotFoundError):
        store.minute_frame("C001", START.to_pydatetime(), NOW, device_id=other.id)


@pytest.mark.parametrize(
    ("column", "value", "flag"),
    [
        ("heart_rate", 24, Quality.HEART_RATE_IMPLAUSIBLE),
        ("heart_rate", 221, Quality.HEART_RATE_IMPLAUSIBLE),
        ("steps", 301, Quality.STEPS_IMPLAUSIBLE),
    ],
)
def test_implausible_values_are_quarantined_not_dropped(
    store: Store, device_id: int, column: str, value: int, flag: Quality
) -> None:
    frame = minutes(device_id, 3)
    frame.loc[1, column] = value
    result = store.upsert_minute_samples(frame, now=NOW)
    assert result == UpsertResult(inserted=3, quarantined=1)
    stored = store.minute_frame("C001", START.to_pydatetime(), NOW)
    assert list(stored["quality"]) == [0, int(flag), 0]
    assert int(stored[column].iloc[1]) == value


def test_boundary_values_pass(store: Store, device_id: int) -> None:
    frame = minutes(device_id, 3)
    frame["heart_rate"] = [25, 220, 100]
    frame["steps"] = [300, 0, 12]
    assert store.upsert_minute_samples(frame, now=NOW) == UpsertResult(inserted=3)


def test_heart_rate_0_and_255_read_as_no_reading(store: Store, device_id: int) -> None:
    frame = minutes(device_id, 3)
    frame["heart_rate"] = [0, 255, 60]
    assert store.upsert_minute_samples(frame, now=NOW) == UpsertResult(inserted=3)
    stored = store.minute_frame("C001", START.to_pydatetime(), NOW)
    assert stored["heart_rate"].isna().tolist() == [True, True, False]


def test_timestamps_too_early_or_in_future_are_flagged(store: Store, device_id: int) -> None:
    early = minutes(device_id, 2, start=pd.Timestamp("2000-01-01T23:58:00Z"))
    late = minutes(device_id, 2, start=pd.Timestamp(NOW) + pd.Timedelta(minutes=5))
    result = store.upsert_minute_samples(pd.concat([early, late]), now=NOW)
    # 2000-01-01 23:58 and 23:59 are before 2000-01-02; NOW+5 min is allowed, NOW+6 is not.
    assert result == UpsertResult(inserted=4, quarantined=3)
    stored = store.minute_frame(
        "C001", dt.datetime(1999, 1, 1, tzinfo=dt.UTC), NOW + dt.timedelta(days=1)
    )
    assert list(stored["quality"]) == [
        Quality.TIME_BEFORE_MINIMUM,
        Quality.TIME_BEFORE_MINIMUM,
        0,
        Quality.TIME_IN_FUTURE,
    ]


def test_impossible_rows_are_rejected_and_counted(store: Store, device_id: int) -> None:
    frame = minutes(device_id, 5).astype({"steps": "float64"})
    frame.loc[1, "steps"] = -3
    frame.loc[2, "activity"] = np.inf
    frame.loc[3, "steps"] = 2.5
    result = store.upsert_minute_samples(frame, now=NOW)
    assert result == UpsertResult(inserted=2, rejected=3)
    assert row_count(store) == 2


def test_repeats_inside_one_frame(store: Store, device_id: int) -> None:
    frame = minutes(device_id, 4)
    same = frame.iloc[[0]]
    different = frame.iloc[[1]].assign(steps=999)
    result = store.upsert_minute_samples(pd.concat([frame, same, different]), now=NOW)
    assert result == UpsertResult(inserted=4, duplicate=1, conflicting=1)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f.drop(columns="ts"), "lacks column"),
        (lambda f: f.assign(extra=1), "unknown column"),
        (lambda f: f.assign(ts=f["ts"].dt.tz_localize(None)), "naive"),
        (lambda f: f.assign(ts=f["ts"] + pd.Timedelta(seconds=30)), "whole UTC minutes"),
        (lambda f: f.assign(device_id=999), "unknown device"),
        (lambda f: f.assign(state="dancing"), "unknown device state"),
        (lambda f: f.assign(steps="many"), "must be numeric"),
        (lambda f: f.assign(client_id=12345), "disagrees"),
    ],
)
def test_malformed_frames_write_nothing(store: Store, device_id: int, mutate, message) -> None:
    frame = mutate(minutes(device_id, 10))
    with pytest.raises(InvalidSampleFrameError, match=message):
        store.upsert_minute_samples(frame, now=NOW)
    assert row_count(store) == 0


def test_empty_frame_writes_only_the_cursor(store: Store, device_id: int) -> None:
    empty = minutes(device_id, 0)
    result = store.upsert_minute_samples(empty, now=NOW, cursors={(device_id, "hr"): "x"})
    assert result == UpsertResult()
    assert store.cursor(device_id, "hr") == "x"
    assert row_count(store) == 0


def test_cursor_is_committed_with_the_samples(store: Store, device_id: int) -> None:
    frame = minutes(device_id, 10)
    store.upsert_minute_samples(frame, now=NOW, cursors={(device_id, "activity"): "t=600"})
    assert store.cursor(device_id, "activity") == "t=600"
    store.upsert_minute_samples(frame, now=NOW, cursors={(device_id, "activity"): "t=1200"})
    assert store.cursor(device_id, "activity") == "t=1200"
    # A failed write leaves neither samples nor cursor behind.
    with pytest.raises(InvalidInputError):
        store.upsert_minute_samples(
            minutes(device_id, 10, start=START + pd.Timedelta(hours=1)),
            now=NOW,
            cursors={(device_id, "activity"): "t=9999", (424242, "activity"): "x"},
        )
    assert store.cursor(device_id, "activity") == "t=1200"
    assert row_count(store) == 10


def test_clients_users_and_assignments(store: Store) -> None:
    store.add_client("C001", "Europe/Berlin", now=NOW, display_name="Alex")
    add_user(store, "dr.lee", "correct horse battery", "clinician", now=NOW)
    add_user(store, "alex", "another long passphrase", "client", now=NOW, client_code="C001")
    store.accounts.assign("dr.lee", "C001", now=NOW)
    assert [c.code for c in store.accounts.assigned_clients("dr.lee")] == ["C001"]
    assert store.accounts.user("dr.lee").password_hash.startswith("$argon2id$")
    with pytest.raises(AlreadyExistsError):
        store.add_client("C001", "Europe/Paris", now=NOW)
    with pytest.raises(AlreadyExistsError):
        store.accounts.assign("dr.lee", "C001", now=NOW)
    with pytest.raises(InvalidInputError, match="not a clinician"):
        store.accounts.assign("alex", "C001", now=NOW)
    with pytest.raises(InvalidInputError, match="needs --client"):
        add_user(store, "pat", "long enough passphrase", "client", now=NOW)
    actions = [event.action for event in store.audit_events()]
    assert actions == ["client.add", "user.add", "user.add", "care.assign"]


@pytest.mark.parametrize(
    ("code", "tz"),
    [("C 1", "Europe/Berlin"), ("", "Europe/Berlin"), ("C1", "Mars/Olympus"), ("C1", "")],
)
def test_bad_client_input_writes_nothing(store: Store, code: str, tz: str) -> None:
    with pytest.raises(InvalidInputError):
        store.add_client(code, tz, now=NOW)
    assert store.clients() == []


def test_audit_log_is_append_only(store: Store) -> None:
    store.add_client("C001", "Europe/Berlin", now=NOW)
    for statement in ("UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"):
        with (
            pytest.raises(sa.exc.DBAPIError, match="append-only"),
            store.write_connection() as conn,
        ):
            conn.execute(sa.text(statement))
    assert len(store.audit_events()) == 1


def test_device_never_changes_client(store: Store, device_id: int) -> None:
    store.add_client("C002", "Europe/Berlin", now=NOW)
    with (
        pytest.raises(sa.exc.DBAPIError, match="never changes client"),
        store.write_connection() as conn,
    ):
        conn.execute(sa.text("UPDATE device SET client_id = client_id + 1"))


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO mood_entry (client_id, diary_date, mood, recorded_at) "
        "VALUES (1, '2026-05-01', 6, '2026-05-01 00:00:00')",
        "INSERT INTO srm_entry (client_id, diary_date, item_set, activity, clock_minute, "
        "not_done, people, recorded_at) VALUES (1, '2026-05-01', 'srm5', 'dinner', 600, "
        "false, 4, '2026-05-01 00:00:00')",
        "INSERT INTO scale_response (client_id, instrument, version, answered_on, item1, item2,"
        " item3, item4, item5, item6, item7, item8, item9, recorded_at) VALUES (1, 'phq9', '1',"
        " '2026-05-01', 0, 0, 0, 0, 0, 0, 0, 0, 4, '2026-05-01 00:00:00')",
        "INSERT INTO minute_sample (device_id, ts, state, quality) VALUES (1, 61, 0, 0)",
        "INSERT INTO minute_sample (device_id, ts, state, quality) VALUES (77, 60, 0, 0)",
        "INSERT INTO client (code, timezone, week_start, created_at) "
        "VALUES ('C9', 'UTC', 7, '2026-05-01 00:00:00')",
    ],
    ids=["mood", "people", "phq9-item", "sub-minute", "foreign-key", "week-start"],
)
def test_schema_refuses_out_of_range_rows(store: Store, device_id: int, statement: str) -> None:
    with pytest.raises(sa.exc.IntegrityError), store.write_connection() as conn:
        conn.execute(sa.text(statement))
