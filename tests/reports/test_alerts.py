"""The alert runner on stored data: daily table from minute samples, idempotent upserts."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from conftest import NOW

from ipsrt.reports.accounts import add_user
from ipsrt.reports.alerts import DAILY_COLUMNS, WARMUP_DAYS, daily_table, run_alerts
from ipsrt.reports.diary import import_diary, record_scale
from ipsrt.srm.diary import read_diary_csv
from ipsrt.store import Store
from tests.helpers.nights import labelled_nights

TZ = "Europe/Berlin"  # UTC+2 in May/June 2026: no DST change in the data
LAST_NIGHT = dt.date(2026, 5, 31)  # the short night (morning of 2026-06-01, NOW's date)
FIRST_NIGHT = LAST_NIGHT - dt.timedelta(days=21)


def night_minutes(device_id: int, short_night: dt.date | None = LAST_NIGHT) -> pd.DataFrame:
    """22 nights of device labels: asleep 23:00-07:00 local, one night 23:00-04:00.

    Minutes run from noon before the first night to 11:00 local on NOW's date
    (:func:`tests.helpers.nights.labelled_nights`).
    """
    return labelled_nights(
        device_id, first_night=FIRST_NIGHT, last_night=LAST_NIGHT, short_night=short_night, tz=TZ
    )


@pytest.fixture
def client(store: Store) -> str:
    store.add_client("C001", TZ, now=NOW)
    return "C001"


@pytest.fixture
def device(store: Store, client: str) -> int:
    dev = store.add_device(client, "huami", "C8:0F:10:00:00:01", now=NOW)
    assert dev.id is not None
    return dev.id


def test_daily_table_from_stored_minutes(store, client, device):
    store.upsert_minute_samples(night_minutes(device), now=NOW)
    first, today = FIRST_NIGHT + dt.timedelta(days=1), NOW.date()
    table = daily_table(store, client, start=first - dt.timedelta(days=2), end=today)
    assert list(table.columns) == list(DAILY_COLUMNS)
    assert table["date"].tolist() == [
        first + dt.timedelta(days=i) for i in range(-2, (today - first).days + 1)
    ]
    by_date = table.set_index("date")
    # No night before the first one; the first morning then 8 h each until the short night.
    assert np.isnan(by_date.loc[first - dt.timedelta(days=2), "sleep_duration_min"])
    assert by_date.loc[first:LAST_NIGHT, "sleep_duration_min"].tolist() == [480.0] * 21
    assert by_date.loc[today, "sleep_duration_min"] == 300.0
    assert by_date.loc[today, "out_of_bed_min"] == 4 * 60
    assert by_date.loc[first:LAST_NIGHT, "out_of_bed_min"].eq(7 * 60).all()
    assert by_date.loc[FIRST_NIGHT:LAST_NIGHT, "sleep_onset_min"].eq(23 * 60).all()
    assert np.isnan(by_date.loc[today, "sleep_onset_min"])  # tonight has not happened
    assert by_date["bedtime_min"].isna().all()  # diary anchors only without wearable nights
    last = by_date["last_wearable_data_utc"].iloc[-1]
    assert last == pd.Timestamp("2026-06-01 08:59", tz="UTC")


def test_short_night_fires_sleep_change_on_that_night_only(store, client, device):
    store.upsert_minute_samples(night_minutes(device), now=NOW)
    summary = run_alerts(store, now=NOW)
    assert (summary.clients, summary.new, summary.updated, summary.failed) == (1, 1, 0, {})
    (alert,) = store.alerts.find()
    assert (alert.rule, alert.window_start, alert.window_end) == (
        "sleep_change",
        NOW.date(),
        NOW.date(),
    )
    assert alert.evidence["change_vs_previous_min"] == -180
    assert alert.message == "Sleep was 3.0 h shorter than the night before; worth checking in"
    # Same data, same now: nothing added, nothing changed.
    again = run_alerts(store, now=NOW)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1)
    assert len(store.alerts.find()) == 1


def test_a_night_still_under_way_fires_nothing_until_it_is_complete(store, client, device):
    # Regular 8-h nights; the last one is cut at 02:00 local on NOW's date (the band
    # synced while the client slept). That night is not complete (docs/sleep.md,
    # "Complete nights"): no 3-h night, no sleep_change, and no sleep on the daily row.
    minutes = night_minutes(device, short_night=None)
    cut = pd.Timestamp(f"{NOW.date()} 02:00", tz=TZ).tz_convert("UTC")
    store.upsert_minute_samples(minutes[minutes["ts"] < cut], now=NOW)
    assert run_alerts(store, now=NOW).evaluated == 0
    assert store.alerts.find() == []
    table = daily_table(store, client, start=NOW.date() - dt.timedelta(days=1), end=NOW.date())
    assert table["sleep_duration_min"].iloc[0] == 480.0
    assert np.isnan(table["sleep_duration_min"].iloc[1])
    # The rest of the night arrives (woke at 07:00, data to 11:00): a regular night.
    store.upsert_minute_samples(minutes[minutes["ts"] >= cut], now=NOW)
    assert run_alerts(store, now=NOW).evaluated == 0
    table = daily_table(store, client, start=NOW.date(), end=NOW.date())
    assert table["sleep_duration_min"].tolist() == [480.0]


def test_regular_nights_fire_nothing(store, client, device):
    store.upsert_minute_samples(night_minutes(device, short_night=None), now=NOW)
    assert run_alerts(store, now=NOW).evaluated == 0
    assert store.alerts.find() == []


def mood_diary(moods: dict[str, int]) -> str:
    rows = "".join(f"{d},out_of_bed,07:00,0,{m}\n" for d, m in moods.items())
    return "date,activity,time,people,mood\n" + rows


def test_growing_run_updates_rather_than_duplicates(store, client):
    add_user(store, "dr", "a long enough password", "clinician", now=NOW)
    days = {"2026-05-27": 0, "2026-05-28": 4, "2026-05-29": 4}
    import_diary(
        store, client, read_diary_csv(io.StringIO(mood_diary(days)), today=NOW.date()), now=NOW
    )
    first = run_alerts(store, now=NOW)
    assert (first.new, first.updated) == (1, 0)
    (alert,) = store.alerts.find()
    assert (alert.rule, alert.window_start, alert.window_end) == (
        "mood_extreme",
        dt.date(2026, 5, 28),
        dt.date(2026, 5, 29),
    )
    from ipsrt.reports.alerts import acknowledge

    store.accounts.assign("dr", client, now=NOW)
    acknowledge(store, alert.id, by_login="dr", now=NOW)
    later = NOW + dt.timedelta(days=1)
    more = mood_diary({"2026-05-30": 5})
    import_diary(store, client, read_diary_csv(io.StringIO(more), today=NOW.date()), now=later)
    grown = run_alerts(store, now=later)
    assert (grown.new, grown.updated) == (0, 1)
    (alert,) = store.alerts.find()
    assert alert.window_end == dt.date(2026, 5, 30)
    assert alert.evidence["moods"] == [4.0, 4.0, 5.0]
    assert alert.state == "acknowledged"  # a grown run never reopens an acknowledged alert


def test_phq9_item9_and_data_gap(store, client, device):
    record_scale(
        store,
        client,
        "phq9",
        [0, 1, 0, 0, 0, 0, 0, 0, 1],
        answered_on=dt.date(2026, 5, 30),
        now=NOW,
    )
    three_days_ago = pd.Timestamp(NOW) - pd.Timedelta(days=3)
    frame = pd.DataFrame(
        {
            "device_id": device,
            "ts": pd.date_range(three_days_ago, periods=10, freq="min"),
            "steps": 5,
            "heart_rate": 70,
        }
    )
    store.upsert_minute_samples(frame, now=NOW)
    summary = run_alerts(store, now=NOW, client_codes=[client])
    assert summary.new == 2
    urgent, gap = store.alerts.find()  # most urgent first
    assert (urgent.rule, urgent.severity, urgent.window_start) == (
        "phq9_item9",
        "urgent",
        dt.date(2026, 5, 30),
    )
    assert (gap.rule, gap.severity, gap.window_start) == ("data_gap", "info", dt.date(2026, 5, 29))
    # An hour later the gap is longer: the same alert is updated, not duplicated.
    later = run_alerts(store, now=NOW + dt.timedelta(hours=1))
    assert (later.new, later.updated) == (0, 1)
    assert store.alerts.find()[1].evidence["gap_hours"] == pytest.approx(73 - 9 / 60, abs=0.06)


def test_lookback_keeps_only_recent_windows(store, client):
    days = {"2026-04-01": 4, "2026-04-02": 4}
    import_diary(
        store, client, read_diary_csv(io.StringIO(mood_diary(days)), today=NOW.date()), now=NOW
    )
    assert run_alerts(store, now=NOW).evaluated == 0  # ended 60 days ago: outside 14 days
    assert run_alerts(store, now=NOW, lookback_days=70).new == 1
    assert WARMUP_DAYS >= 35


def test_diary_anchors_and_srm_without_a_wearable(store, client):
    # Two complete weeks (Mon 2026-05-11 .. Sun 2026-05-24) of regular anchors, a third in progress.
    rows = "".join(
        f"{day},out_of_bed,07:00,0\n{day},bed,23:10,0\n"
        for day in pd.date_range("2026-05-11", "2026-05-27").date
    )
    text = "date,activity,time,people\n" + rows
    import_diary(store, client, read_diary_csv(io.StringIO(text), today=NOW.date()), now=NOW)
    table = daily_table(store, client, start=dt.date(2026, 5, 11), end=dt.date(2026, 5, 27))
    by_date = table.set_index("date")
    assert by_date["bedtime_min"].eq(23 * 60 + 10).all()
    assert by_date["out_of_bed_min"].eq(7 * 60).all()
    assert by_date["sleep_duration_min"].isna().all()
    # Complete weeks carry their score; the week still being written does not.
    assert by_date.loc[dt.date(2026, 5, 11) : dt.date(2026, 5, 24), "srm_week"].eq(7.0).all()
    assert by_date.loc[dt.date(2026, 5, 25) :, "srm_week"].isna().all()
    assert by_date["last_wearable_data_utc"].isna().all()
