"""The alert run uses the client's relapse-prevention plan and life events.

Stored device-labelled nights (tests.helpers.nights): 8-h nights and one
short night ending on the morning of NOW's date. The thresholds are the
rules' defaults and what the plan tightens (docs/clinicians.md, "What the plan
changes in the alerts"); the life-event rules are in docs/clinicians.md, "Life
events and alerts".
"""

from __future__ import annotations

import datetime as dt

import pytest

from ipsrt.ipt.relapse_plan import make_relapse_plan
from ipsrt.reports import life_events, relapse_plan
from ipsrt.reports.access import Viewer, load_viewer
from ipsrt.reports.alerts import run_alerts
from ipsrt.store import Store
from tests.helpers.dashboard import NOW
from tests.helpers.nights import labelled_nights

TZ = "Europe/Berlin"  # C001's zone in the dashboard test clinic
LAST_NIGHT = NOW.date() - dt.timedelta(days=1)
CANARY = "CANARY-TRIP-TEXT to see my brother"


def _viewer(store: Store, login: str) -> Viewer:
    user = store.accounts.user(login)
    assert user.id is not None
    viewer = load_viewer(store, user.id)
    assert viewer is not None
    return viewer


@pytest.fixture
def clinic(dash_store: Store) -> Store:
    return dash_store


def _nights(store: Store, *, short_wake_min: int) -> None:
    device = store.add_device("C001", "huami", "C8:0F:10:00:00:07", now=NOW)
    assert device.id is not None
    frame = labelled_nights(
        device.id,
        first_night=LAST_NIGHT - dt.timedelta(days=21),
        last_night=LAST_NIGHT,
        short_night=LAST_NIGHT,
        tz=TZ,
        short_wake_min=short_wake_min,
    )
    store.upsert_minute_samples(frame, now=NOW)


def _sleep_alerts(store: Store) -> list:
    return [a for a in store.alerts.find() if a.client == "C001" and a.rule == "sleep_change"]


def test_a_plan_that_watches_sleep_raises_a_two_hour_change_at_once(clinic: Store) -> None:
    _nights(clinic, short_wake_min=5 * 60)  # 23:00-05:00: 2 h shorter than the 8-h nights
    run_alerts(clinic, now=NOW)
    assert _sleep_alerts(clinic) == []  # the default threshold is 3 h
    plan = make_relapse_plan(
        [("I need less sleep", ["sleep_shortening"])], ["Keep bedtime at 23:00"], []
    )
    # Saving the plan evaluates the client's alerts again with its 2-h threshold.
    relapse_plan.save_relapse_plan(clinic, _viewer(clinic, "clin1"), "C001", plan, now=NOW)
    (alert,) = _sleep_alerts(clinic)
    assert (alert.window_start, alert.severity) == (NOW.date(), "warning")
    assert alert.evidence["change_vs_previous_min"] == -120


def test_a_recorded_trip_explains_the_short_night_and_the_text_stays_out(clinic: Store) -> None:
    _nights(clinic, short_wake_min=4 * 60)
    run_alerts(clinic, now=NOW)
    (before,) = _sleep_alerts(clinic)
    assert before.severity == "warning"
    # The client records the trip from Today; the alert is read against it at once.
    life_events.add_life_event(
        clinic,
        _viewer(clinic, "client1"),
        "C001",
        LAST_NIGHT - dt.timedelta(days=1),
        "travel",
        2,
        CANARY,
        ends_on=LAST_NIGHT,
        now=NOW,
    )
    (after,) = _sleep_alerts(clinic)
    assert after.id == before.id  # updated in place, never a second alert
    assert after.severity == "info"
    assert after.evidence["explained_by"] == [
        {
            "kind": "travel",
            "starts_on": str(LAST_NIGHT - dt.timedelta(days=1)),
            "ends_on": str(LAST_NIGHT),
            "disruption": 2,
        }
    ]
    assert CANARY not in repr(after)
    assert all(CANARY not in repr(e.detail) for e in clinic.audit_events())
    # Another client's events never touch C001's alerts, and vice versa.
    assert not [a for a in clinic.alerts.find() if a.client == "C002"]
