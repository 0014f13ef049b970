"""Nights and estimated SRM anchors from stored wearable minutes."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from conftest import NOW

from ipsrt.cli import main
from ipsrt.reports.diary import import_diary
from ipsrt.reports.nights import estimated_entries, main_sleeps
from ipsrt.srm.diary import read_diary_csv
from ipsrt.store import Store
from tests.reports.test_alerts import TZ, night_minutes

FIRST = dt.date(2026, 5, 18)  # a Monday
LAST = dt.date(2026, 5, 31)  # a Sunday: two whole weeks


@pytest.fixture
def stored(store: Store) -> Store:
    store.add_client("C001", TZ, now=NOW)
    device = store.add_device("C001", "huami", "C8:0F:10:00:00:01", now=NOW)
    store.upsert_minute_samples(night_minutes(device.id or 0, short_night=None), now=NOW)
    return store


def test_main_sleeps_follow_the_device_labels(stored: Store) -> None:
    nights = main_sleeps(stored, "C001", FIRST, LAST)
    # The labels say asleep from 23:00 to 07:00 local every night: 480 minutes.
    assert list(nights["night"]) == [
        FIRST - dt.timedelta(days=1) + dt.timedelta(days=i) for i in range(15)
    ]
    assert set(nights["onset_local"]) == {23 * 60}
    assert set(nights["offset_local"]) == {7 * 60}
    assert set(nights["duration_min"]) == {480}


def test_estimated_anchors_are_labelled_and_follow_the_nights(stored: Store) -> None:
    entries = estimated_entries(stored, "C001", FIRST, LAST)
    assert set(entries["source"]) == {"estimated"}
    by_activity = entries.groupby("activity")["minutes"]
    assert set(by_activity.get_group("out_of_bed")) == {7 * 60}
    assert set(by_activity.get_group("bed")) == {23 * 60}
    # Awake minutes carry 0-39 steps; 100 steps in 10 minutes comes within minutes of waking.
    starts = by_activity.get_group("start_activity")
    assert starts.between(7 * 60, 7 * 60 + 10).all()
    assert entries["date"].min() == FIRST
    assert entries["date"].max() == LAST


def test_cli_scores_estimated_srm_apart_from_the_diary(
    stored: Store, database_url: str, capsys
) -> None:
    lines = ["date,activity,time,people"]
    for i in range(14):
        day = FIRST + dt.timedelta(days=i)
        lines += [f"{day},out_of_bed,07:10,0", f"{day},bed,22:30,0"]
    import_diary(
        stored,
        "C001",
        read_diary_csv(io.StringIO("\n".join(lines) + "\n"), today=NOW.date()),
        now=NOW,
    )
    capsys.readouterr()
    code = main(
        [
            "srm",
            "score",
            "--client",
            "C001",
            "--estimated",
            "--from",
            str(FIRST),
            "--to",
            str(LAST),
            "--json",
            "--db",
            database_url,
        ]
    )
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["source"] == "estimated"
    assert [w["week_start"] for w in result["weeks"]] == [str(FIRST), "2026-05-25"]
    # Identical nights: every estimated anchor is at its habitual time, 7 hits each.
    assert [w["srm"] for w in result["weeks"]] == [7.0, 7.0]
    agreement = {a["activity"]: a for a in result["agreement"]}
    assert agreement["out_of_bed"]["median_abs_diff_min"] == 10
    assert agreement["bed"]["median_abs_diff_min"] == 30
    assert agreement["out_of_bed"]["n_pairs"] == 14


def test_estimated_needs_a_client_and_dates(capsys) -> None:
    assert main(["srm", "score", "x.csv", "--estimated"]) == 1
    assert "--estimated goes with --client" in capsys.readouterr().err
