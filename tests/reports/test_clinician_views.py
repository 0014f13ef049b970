"""The clinician's services: caseload rows and their ranking, the client view, on SQLite and
PostgreSQL.

Expected values are worked out from the constructed nights of
tests/reports/test_alerts.py (``night_minutes``: asleep 23:00-07:00 in Berlin for the
nights of 10-30 May 2026, 23:00-04:00 on the night of 31 May), with the circular mean of
docs/architecture.md (Fisher 1993, eq. 2.9) and the SRM rules of docs/srm.md.
"""

from __future__ import annotations

import datetime as dt
import io
import math

import numpy as np
import pandas as pd
import pytest
from conftest import NOW

from devices.collector import record_device_status
from ipsrt.reports.alerts import run_alerts
from ipsrt.reports.caseload_view import (
    CASELOAD_VIEW_COLUMNS,
    STALE_DATA_HOURS,
    attention_order,
    attention_tier,
    caseload_rows,
)
from ipsrt.reports.client_view import (
    ANCHOR_RASTER_COLUMNS,
    TREND_COLUMNS,
    actogram_bin_minutes,
    actogram_data,
    anchor_raster,
    client_alerts,
    client_span,
    mood_linkage,
    weekly_trends,
)
from ipsrt.reports.diary import import_diary
from ipsrt.reports.summaries import install
from ipsrt.srm.diary import read_diary_csv
from ipsrt.store import Store
from tests.reports.test_alerts import TZ, night_minutes

# -- ranking (pure) -------------------------------------------------------------------


def _row(client: str, **values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "client": client,
        "open_urgent": 0,
        "open_warning": 0,
        "srm_change": 0.0,
        "srm_estimated_change": np.nan,
        "midpoint_shift_min": 0.0,
        "data_age_h": 1.0,
    }
    base.update(values)
    tier, reasons = attention_tier(base)
    return base | {"attention_tier": tier, "attention_reasons": reasons}


def test_attention_tier_names_each_concern() -> None:
    assert attention_tier(_row("A")) == (3, ())
    assert attention_tier(_row("A", open_urgent=1, open_warning=2)) == (
        0,
        ("urgent_alert", "warning_alert"),
    )
    assert attention_tier(_row("A", open_warning=1))[0] == 1
    assert attention_tier(_row("A", srm_change=-1.0)) == (2, ("srm_falling",))
    assert attention_tier(_row("A", srm_change=-0.9))[0] == 3  # a fall below one hit: no concern
    assert attention_tier(_row("A", srm_change=np.nan, srm_estimated_change=-2.0))[1] == (
        "srm_falling",
    )
    assert attention_tier(_row("A", midpoint_shift_min=-60.0))[1] == ("midpoint_shift",)
    assert attention_tier(_row("A", midpoint_shift_min=59.0))[0] == 3
    assert attention_tier(_row("A", data_age_h=STALE_DATA_HOURS))[1] == ("stale_data",)
    assert attention_tier(_row("A", data_age_h=np.nan))[1] == ("stale_data",)  # never any data


def test_attention_order_urgent_then_warnings_then_concerns() -> None:
    rows = pd.DataFrame(
        [
            _row("A"),
            _row("B", data_age_h=100.0),
            _row("C", open_warning=1),
            _row("D", open_urgent=1),
            _row("E", srm_change=-2.0, midpoint_shift_min=90.0),
            _row("F", open_warning=3),
            _row("G", open_urgent=1, open_warning=1),
            _row("H"),
        ]
    )
    ranked = attention_order(rows.sample(frac=1.0, random_state=3))
    # Urgent (more warnings first), warnings (more first), concerns (more first), then by code.
    assert ranked["client"].tolist() == ["G", "D", "F", "C", "E", "B", "A", "H"]
    assert attention_order(rows.iloc[:0]).empty


# -- services on a store ----------------------------------------------------------------


@pytest.fixture
def nights_store(store: Store) -> Store:
    install(store)
    store.add_client("C001", TZ, now=NOW)
    store.add_client("C002", "America/New_York", now=NOW)  # no records at all
    device = store.add_device("C001", "huami", "C8:0F:10:00:00:01", now=NOW)
    assert device.id is not None
    store.upsert_minute_samples(night_minutes(device.id), now=NOW)
    record_device_status(store, device.id, seen_at=NOW - dt.timedelta(hours=3), battery=64)
    run_alerts(store, now=NOW)  # the short last night opens one sleep_change warning
    return store


def test_caseload_rows(nights_store: Store) -> None:
    store = nights_store
    table = caseload_rows(store, ["C002", "C001"], now=NOW)
    assert list(table.columns) == list(CASELOAD_VIEW_COLUMNS)
    # C001 has an open warning (tier 1), C002 only stale data (tier 2).
    assert table["client"].tolist() == ["C001", "C002"]
    row = table.iloc[0]
    # NOW is Monday 1 June 2026 12:00 UTC: the latest complete Monday week is 25-31 May.
    assert row["week_start"] == dt.date(2026, 5, 25)
    # Last 7 nights (25-31 May): six of midpoint 03:00 and one of 01:30; the 7 before: 03:00.
    theta = 2 * math.pi * np.array([180.0] * 6 + [90.0]) / 1440
    expected = math.atan2(np.sin(theta).sum(), np.cos(theta).sum()) * 1440 / (2 * math.pi)
    assert row["midpoint_min"] == pytest.approx(expected, rel=1e-9)
    assert row["midpoint_previous_min"] == pytest.approx(180.0)
    assert row["midpoint_shift_min"] == pytest.approx(expected - 180.0, rel=1e-9)
    client_id = store.client("C001").id
    assert client_id is not None
    weeks = store.summaries.weeks([client_id], dt.date(2026, 5, 18), dt.date(2026, 5, 25))
    assert row["sri_14d"] == pytest.approx(weeks["SRI"].astype(float).mean())  # two weeks
    assert row["srm_estimated_change"] == pytest.approx(
        weeks["srm_estimated"].iloc[1] - weeks["srm_estimated"].iloc[0]
    )
    assert np.isnan(row["srm"])  # no diary
    assert (row["open_alerts"], row["open_warning"], row["highest_severity"]) == (1, 1, "warning")
    assert row["last_data_utc"].isoformat() == "2026-06-01T08:59:00+00:00"
    assert row["data_age_h"] == pytest.approx(3 + 1 / 60)
    assert row["battery"] == 64
    assert (row["attention_tier"], row["attention_reasons"]) == (1, ("warning_alert",))
    empty = table.iloc[1]
    assert (empty["attention_tier"], empty["attention_reasons"]) == (2, ("stale_data",))
    assert empty["open_alerts"] == 0
    assert pd.isna(empty["highest_severity"])
    assert np.isnan(empty["battery"])
    assert np.isnan(empty["midpoint_min"])
    # Only the codes asked for: a clinician's caseload never shows other clients.
    assert caseload_rows(store, ["C002"], now=NOW)["client"].tolist() == ["C002"]
    assert caseload_rows(store, [], now=NOW).empty


def test_client_span_ends_at_the_local_date() -> None:
    class _Client:
        def __init__(self, tz: str) -> None:
            self.timezone = tz

    class _Store:
        def client(self, code: str) -> _Client:
            return _Client(code)

    # 2026-06-01 23:30 UTC is 2 June 11:30 in Auckland and 1 June 13:30 in Honolulu;
    # 2026-06-02 00:30 UTC is still 1 June (14:30) in Honolulu.
    late = dt.datetime(2026, 6, 1, 23, 30, tzinfo=dt.UTC)
    store = _Store()
    assert client_span(store, "Pacific/Auckland", now=late, days=7) == (  # type: ignore[arg-type]
        dt.date(2026, 5, 27),
        dt.date(2026, 6, 2),
    )
    after = dt.datetime(2026, 6, 2, 0, 30, tzinfo=dt.UTC)
    assert client_span(store, "Pacific/Honolulu", now=after, days=1) == (  # type: ignore[arg-type]
        dt.date(2026, 6, 1),
        dt.date(2026, 6, 1),
    )


def test_actogram_bins_keep_a_year_small(nights_store: Store) -> None:
    assert [actogram_bin_minutes(d) for d in (1, 92, 93, 184, 185, 366)] == [10, 10, 20, 20, 30, 30]
    data = actogram_data(nights_store, "C001", dt.date(2025, 6, 2), dt.date(2026, 6, 1))
    assert data["bin_minutes"] == 30
    assert len(data["days"]) == 365
    assert len(data["activity"][0]) == 48
    # The night of 30 May: asleep 23:00-24:00 in the last two half-hour bins.
    row = data["days"].index("2026-05-30")
    assert data["sleep"][row][-2:] == [30, 30]


def test_anchor_raster_estimated_with_habitual_times(nights_store: Store) -> None:
    raster = anchor_raster(nights_store, "C001", dt.date(2026, 5, 25), dt.date(2026, 5, 31))
    assert list(raster.columns) == list(ANCHOR_RASTER_COLUMNS)
    assert set(raster["source"]) == {"estimated"}  # no diary
    out_of_bed = raster[raster["activity"] == "out_of_bed"].set_index("date")
    # Out of bed at 07:00 each morning of the week: H = 07:00 and every day a hit.
    assert out_of_bed["minutes"].eq(420.0).all()
    assert out_of_bed["habitual_min"].eq(420.0).all()
    assert out_of_bed["hit"].all()


def test_anchor_raster_reported_beside_estimated(nights_store: Store) -> None:
    store = nights_store
    times = ["07:00", "07:10", "06:50", "07:05", "09:00"]  # 09:00 is beyond 45 min of H
    rows = "".join(f"2026-05-{25 + i},out_of_bed,{t},0,\n" for i, t in enumerate(times))
    diary = read_diary_csv(io.StringIO("date,activity,time,people,mood\n" + rows), today=NOW.date())
    import_diary(store, "C001", diary, now=NOW)
    raster = anchor_raster(store, "C001", dt.date(2026, 5, 25), dt.date(2026, 5, 31))
    reported = raster[raster["source"] == "reported"].set_index("date")
    assert len(reported) == 5
    # docs/srm.md rules: 09:00 is an outlier (|t - mean| > 1.5 SD) so H = mean of the
    # other four = 07:01.25; hits within 45 min of H: all but 09:00.
    assert reported["habitual_min"].iloc[0] == pytest.approx((420 + 430 + 410 + 425) / 4)
    assert reported["hit"].tolist() == [True, True, True, True, False]


def test_weekly_trends_and_alerts(nights_store: Store) -> None:
    store = nights_store
    trends = weekly_trends(store, "C001", dt.date(2026, 5, 4), dt.date(2026, 5, 25))
    assert list(trends.columns) == list(TREND_COLUMNS)
    assert trends["week_start"].tolist() == [dt.date(2026, 5, d) for d in (4, 11, 18, 25)]
    (alert,) = client_alerts(store, "C001", now=NOW)
    assert (alert.rule, alert.state) == ("sleep_change", "open")
    assert client_alerts(store, "C002", now=NOW) == []


def test_mood_linkage_finds_the_lag(store: Store) -> None:
    install(store)
    store.add_client("C001", TZ, now=NOW)
    # Mood only; no sleep: nothing to correlate.
    start = dt.date(2026, 4, 1)
    moods = {start + dt.timedelta(days=i): (i * 7) % 5 - 2 for i in range(40)}
    text = "".join(f"{d},out_of_bed,07:00,0,{m}\n" for d, m in moods.items())
    diary = read_diary_csv(io.StringIO("date,activity,time,people,mood\n" + text), today=NOW.date())
    import_diary(store, "C001", diary, now=NOW)
    linkage = mood_linkage(store, "C001", start, start + dt.timedelta(days=39))
    assert linkage.daily["mood"].tolist() == [float(m) for m in moods.values()]
    assert linkage.daily["sleep_duration_min"].isna().all()
    assert linkage.best is None  # too few pairs at every lag


def test_mood_linkage_with_sleep(nights_store: Store) -> None:
    store = nights_store
    # Mood equal to last night's sleep in hours minus 7 on 11-31 May and 1 June
    # (feature leads by 0 days): rho = 1 at lag 0 with the 22 nights.
    days = [dt.date(2026, 5, 11) + dt.timedelta(days=i) for i in range(22)]
    moods = [1] * 21 + [-2]
    text = "".join(f"{d},out_of_bed,07:00,0,{m}\n" for d, m in zip(days, moods, strict=True))
    import_diary(
        store,
        "C001",
        read_diary_csv(io.StringIO("date,activity,time,people,mood\n" + text), today=NOW.date()),
        now=NOW,
    )
    linkage = mood_linkage(store, "C001", days[0], days[-1])
    lag0 = linkage.correlations.query("feature == 'sleep_duration_min' and lag == 0").iloc[0]
    assert (lag0["rho"], lag0["n"]) == (pytest.approx(1.0), 22)
    assert linkage.best is not None
    assert abs(linkage.best["rho"]) == pytest.approx(1.0)
