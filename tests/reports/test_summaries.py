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
from conftest import NOW
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipsrt.reports.summaries import install, rebuild
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
