"""``ipsrt demo --headless`` end to end: the synthetic cohort stored, its last days
delivered by every wearable family over the bumble-backed BLE path and the real
collector, and the destabilising client's early-warning alerts on the days the
cohort's design implies (``ipsrt.synthetic``, ``expected_alerts``; docs/demo.md),
and nobody else's.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ipsrt.store import Store
from ipsrt.synthetic import generate_cohort

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = {"gatt-standard", "infinitime", "banglejs", "huami"}


def run_demo(*argv: str) -> subprocess.Popen[str]:
    """``ipsrt demo`` in a child process (its own asyncio loop and signal handlers)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "ipsrt"), "demo", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def test_headless_demo_syncs_every_family_and_only_the_destabilising_client_alerts(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    child = run_demo("--headless", "--json", "--seed", "7", "--db", url)
    out, err = child.communicate(timeout=600)
    assert child.returncode == 0, err
    summary = json.loads(out)
    for step in range(1, 8):
        assert f"[{step}/7]" in err  # progress for each step
    # Every family delivered minutes through the BLE path.
    assert set(summary["ble_synced"]) == FAMILIES
    assert all(n > 0 for n in summary["ble_synced"].values()), summary["ble_synced"]
    cohort = generate_cohort(seed=7, last_day=dt.date.fromisoformat(summary["last_day"]))
    raised = sorted(
        (a["client"], a["rule"], a["window_start"], a["window_end"]) for a in summary["alerts"]
    )
    expected = sorted(
        (c.code, a.rule_id, a.window_start.isoformat(), a.window_end.isoformat())
        for c in cohort.clients
        for a in c.expected_alerts
    )
    assert raised == expected
    assert {client for client, *_ in raised} == {"SYN-DEST"}
    assert {rule for _c, rule, *_ in raised} >= {"sleep_change", "anchor_drift", "mood_extreme"}
    # One login per role, the passwords printed once and stored only as hashes.
    roles = {row["role"].split(" ")[0] for row in summary["logins"]}
    assert roles == {"admin", "clinician", "researcher", "client"}
    with Store(url) as store:
        assert store.purpose == "demo"
        families = {d.family for d in store.devices() if d.emulated}
        assert families == FAMILIES
        for row in summary["logins"]:
            assert row["password"] not in store.accounts.user(row["login"]).password_hash


def test_the_demo_refuses_a_tracker_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.sqlite3'}"
    with Store.initialise(url) as store:
        store.add_client("C001", "Europe/Berlin", now=dt.datetime.now(dt.UTC))
    child = run_demo("--headless", "--db", url)
    _out, err = child.communicate(timeout=120)
    assert child.returncode == 1
    assert err.strip().splitlines()[-1] == (
        f"error: {url} holds a tracker's clients: the demo needs a new database"
    )
