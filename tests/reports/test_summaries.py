"""Daily summaries in the store (docs/architecture.md, "Daily summaries"), on SQLite and PostgreSQL.

The central property: after any sequence of syncs, re-sends, diary and mood
entries (with edits of past days) and scale responses, the summaries kept up
to date write by write equal a full rebuild from the records.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import NOW
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipsrt.reports.summaries import install, rebuild, refresh
from ipsrt.store import Store
from ipsrt.timeutil import local_midnight

TZ = "Europe/Berlin"
#: Ten days before the spring change of 2024 (31 March), so syncs cross it.
BASE = dt.date(2024, 3, 21)
_codes = itertools.count(1)


def day_minutes(
    device_id: int, first: dt.date, days: int, *, bed: int, wake: int, labelled: bool, seed: int
) -> pd.DataFrame:
    """Minutes of local dates *first*.. (*days* of them): asleep from *bed* to *wake*
    (local clock minutes), awake with random activity otherwise."""
    start, end = local_midnight(first, TZ), local_midnight(first + dt.timedelta(days=days), TZ)
    local = pd.date_range(start, end, freq="min", inclusive="left").tz_convert(TZ)
    clock = local.hour * 60 + local.minute
    asleep = (clock >= bed) | (clock < wake)
    rng = np.random.default_rng(seed)
    n = len(local)
    awake_state = "awake" if labelled else "unknown"
    return pd.DataFrame(
        {
            "device_id": device_id,
            "ts": local.tz_convert("UTC"),
            "steps": np.where(asleep, 0, rng.integers(0, 60, n)),
            "activity": np.where(asleep, 0.0, 20.0 + rng.random(n) * 200),
            "heart_rate": np.where(asleep, 55, 80),
            "state": np.where(asleep, "sleep_light" if labelled else "unknown", awake_state),
        }
    )


def snapshot(store: Store, code: str) -> dict[str, pd.DataFrame]:
    """Every summary row of one client, in a stable order, without surrogate keys."""
    client_id = store.client(code).id
    assert client_id is not None
    far = (dt.date(2000, 1, 1), dt.date(2100, 1, 1))
    episodes = store.summaries.episodes(
        client_id, dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    ).drop(columns=["id"])
    return {
        "days": store.summaries.days([client_id], *far).reset_index(drop=True),
        "weeks": store.summaries.weeks([client_id], *far).reset_index(drop=True),
        "episodes": episodes.reset_index(drop=True),
    }


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False, obj=name)


# -- operations a client's records go through ----------------------------------------

sync = st.tuples(
    st.just("sync"),
    st.integers(0, 20),  # first day after BASE
    st.integers(1, 3),  # days
    st.integers(0, 1),  # which device
    st.integers(21 * 60, 23 * 60 + 59),  # bedtime
    st.integers(5 * 60, 9 * 60),  # wake
    st.integers(0, 3),  # seed: a repeated sync with another seed is a re-send with conflicts
)
diary = st.tuples(
    st.just("diary"),
    st.integers(0, 20),
    st.integers(1, 7),  # days
    st.integers(300, 600),  # out of bed
    st.integers(-5, 5),  # mood
    st.booleans(),  # dinner not done
)
scale = st.tuples(st.just("scale"), st.integers(0, 20), st.integers(0, 3))
operations = st.lists(st.one_of(sync, diary, scale), min_size=1, max_size=6)


def apply(store: Store, code: str, devices: list[int], op: tuple[Any, ...]) -> None:
    kind, offset = op[0], int(op[1])
    first = BASE + dt.timedelta(days=offset)
    if kind == "sync":
        _, _, days, which, bed, wake, seed = op
        frame = day_minutes(
            devices[int(which)],
            first,
            int(days),
            bed=int(bed),
            wake=int(wake),
            labelled=which == 0,
            seed=int(seed),
        )
        store.upsert_minute_samples(frame, now=NOW)
    elif kind == "diary":
        _, _, days, rise, mood, no_dinner = op
        dates = [first + dt.timedelta(days=i) for i in range(int(days))]
        entries = []
        for i, date in enumerate(dates):
            entries.append(
                {
                    "diary_date": date,
                    "activity": "out_of_bed",
                    "clock_minute": int(rise) + i,
                    "not_done": False,
                    "people": 1,
                    "target_minute": None,
                }
            )
            entries.append(
                {
                    "diary_date": date,
                    "activity": "dinner",
                    "clock_minute": None if no_dinner else 1110,
                    "not_done": bool(no_dinner),
                    "people": None if no_dinner else 2,
                    "target_minute": None,
                }
            )
        moods = [(date, int(mood)) for date in dates]
        store.clinical.save_diary(code, "srm5", entries, moods, now=NOW, confirm_replace=True)
    else:
        answers = [int(op[2])] * 9
        store.clinical.save_scale_response(
            code, "phq9", "test", answers, answered_on=first, now=NOW
        )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations, week_start=st.integers(0, 6))
def test_incremental_summaries_equal_a_full_rebuild(
    store: Store, ops: list[tuple[Any, ...]], week_start: int
) -> None:
    install(store)
    code = f"P{next(_codes):04d}"
    store.add_client(code, TZ, now=NOW, week_start=week_start)
    n = int(code[1:])
    devices = [
        store.add_device(code, "huami", f"C8:0F:10:{n >> 8:02X}:{n & 255:02X}:01", now=NOW).id,
        store.add_device(
            code, "gatt-standard", f"C0:00:00:{n >> 8:02X}:{n & 255:02X}:09", now=NOW
        ).id,
    ]
    for op in ops:
        apply(store, code, [int(d) for d in devices if d is not None], op)
    incremental = snapshot(store, code)
    rebuild(store, [code])
    assert_same(incremental, snapshot(store, code))


# -- the summaries change with their records, in the same transaction ------------------


@pytest.fixture
def client(store: Store) -> tuple[str, int]:
    store.add_client("C001", TZ, now=NOW)
    device = store.add_device("C001", "huami", "C8:0F:10:00:00:01", now=NOW)
    assert device.id is not None
    return "C001", device.id


def week_of_minutes(device_id: int) -> pd.DataFrame:
    return day_minutes(device_id, BASE, 7, bed=23 * 60, wake=7 * 60, labelled=True, seed=1)


def test_a_sync_updates_its_days_before_it_commits(store: Store, client: tuple[str, int]) -> None:
    code, device = client
    install(store)
    store.upsert_minute_samples(week_of_minutes(device), now=NOW)
    days = snapshot(store, code)["days"].set_index("day")
    # Nights of 21-26 March are whole (the last one ends on the 28th, outside the sync).
    nights = [BASE + dt.timedelta(days=i) for i in range(6)]
    assert days.loc[nights, "sleep_duration_min"].tolist() == [480.0] * 6
    assert days.loc[BASE, "wear_min"] == 1440
    assert store.summaries.pending_count() == 0


def test_a_failing_summary_update_stores_nothing(store: Store, client: tuple[str, int]) -> None:
    code, device = client

    def broken(conn: object) -> None:
        raise RuntimeError("summary bug")

    store.summariser = broken
    with pytest.raises(RuntimeError, match="summary bug"):
        store.upsert_minute_samples(week_of_minutes(device), now=NOW)
    assert store.minute_frame(code, local_midnight(BASE, TZ), NOW).empty
    assert store.summaries.pending_count() == 0


def test_without_a_summariser_the_dates_wait_for_a_refresh(
    store: Store, client: tuple[str, int]
) -> None:
    code, device = client
    store.upsert_minute_samples(week_of_minutes(device), now=NOW)
    assert store.summaries.pending_count() == 7
    assert snapshot(store, code)["days"].empty
    refresh(store)
    assert store.summaries.pending_count() == 0
    refreshed = snapshot(store, code)
    rebuild(store, [code])
    assert_same(refreshed, snapshot(store, code))
    assert len(refreshed["days"]) == 14  # the synced week's two client weeks


def test_a_diary_edit_changes_its_day_at_once(store: Store, client: tuple[str, int]) -> None:
    code, _device = client
    install(store)
    row = {"diary_date": BASE, "activity": "bed", "clock_minute": 1380, "not_done": False,
           "people": 1, "target_minute": None}  # fmt: skip
    store.clinical.save_diary(code, "srm5", [row], [(BASE, 2)], now=NOW)
    day = snapshot(store, code)["days"].set_index("day").loc[BASE]
    assert (day["reported_bed_min"], day["mood"], day["diary_items"]) == (1380, 2, 1)
    store.clinical.save_diary(
        code, "srm5", [row | {"clock_minute": 1410}], [(BASE, -1)], now=NOW, confirm_replace=True
    )
    day = snapshot(store, code)["days"].set_index("day").loc[BASE]
    assert (day["reported_bed_min"], day["mood"]) == (1410, -1)


def test_emulated_minutes_count_once_the_database_is_a_demo(store: Store) -> None:
    install(store)
    store.add_client("D1", TZ, now=NOW)
    device = store.add_device("D1", "huami", "C8:0F:10:00:0D:01", now=NOW, emulated=True)
    assert device.id is not None
    store.upsert_minute_samples(week_of_minutes(device.id), now=NOW)
    assert snapshot(store, "D1")["days"]["wear_min"].sum() == 0  # a clinic database
    store.mark_demo(now=NOW)
    refresh(store)
    assert snapshot(store, "D1")["days"]["wear_min"].sum() == 7 * 1440
