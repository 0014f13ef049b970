"""Loading the synthetic cohort into a store (reports.demo_data), on SQLite and PostgreSQL.

The key property: after the load and an alert run, the stored alerts are
exactly the ones the cohort's design implies (ipsrt.synthetic.expected: the
project's rules on the planned days): the destabilising client's sleep,
anchor and mood alerts on the expected days, and no alert at all for anyone
else (no data-gap alert either: the non-wear client's longest gap is shorter
than the rule's 48 h and the run is right after the last minute).
"""

from __future__ import annotations

import datetime as dt

import pytest

from ipsrt.enums import DeviceFamily
from ipsrt.errors import InvalidInputError
from ipsrt.reports.alerts import run_alerts
from ipsrt.reports.demo_data import load_cohort
from ipsrt.reports.summaries import install
from ipsrt.store import Store
from ipsrt.synthetic import COHORT_PROFILES, Profile, SyntheticCohort, generate_cohort
from ipsrt.synthetic.records import event_day

LAST_DAY = dt.date(2026, 4, 20)


@pytest.fixture(scope="module")
def cohort() -> SyntheticCohort:
    return generate_cohort(seed=42, last_day=LAST_DAY, weeks=5)


@pytest.fixture(scope="module")
def small() -> SyntheticCohort:
    """One client over four weeks, for the cheaper properties."""
    return generate_cohort(seed=3, last_day=LAST_DAY, weeks=4, specs=COHORT_PROFILES[3:4])


def _alerts(store: Store, code: str) -> list[tuple[str, dt.date, dt.date]]:
    return sorted(
        (a.rule, a.window_start, a.window_end) for a in store.alerts.find(client_code=code)
    )


def test_loaded_cohort_raises_exactly_the_designed_alerts_and_loads_once(
    store: Store, cohort: SyntheticCohort
) -> None:
    install(store)
    now = cohort.now + dt.timedelta(minutes=30)
    first = load_cohort(store, cohort, now=now)
    assert store.purpose == "demo"
    assert all(c.client_added and c.device_added and c.course_started for c in first.clients)
    assert [c.minutes_inserted for c in first.clients] == [len(c.minutes) for c in cohort.clients]
    run_alerts(store, now=now, lookback_days=cohort.days + 1)
    for client in cohort.clients:
        expected = sorted((a.rule_id, a.window_start, a.window_end) for a in client.expected_alerts)
        assert _alerts(store, client.code) == expected, client.code
    dest = cohort.client("SYN-DEST")
    assert dest.spec.profile is Profile.DESTABILISING
    rules = {rule for rule, _, _ in _alerts(store, dest.code)}
    assert {"sleep_change", "short_sleep_run", "anchor_drift", "mood_extreme"} <= rules
    assert min(start for _, start, _ in _alerts(store, dest.code)) > event_day(LAST_DAY)
    # Loading again writes nothing: no row, no audit event, no alert change.
    events = len(store.audit_events())
    second = load_cohort(store, cohort, now=now + dt.timedelta(hours=1))
    assert not second.changed
    assert len(store.audit_events()) == events
    assert [c.device_id for c in second.clients] == [c.device_id for c in first.clients]
    summary = run_alerts(store, now=now, lookback_days=cohort.days + 1)
    assert (summary.new, summary.updated, summary.resolved) == (0, 0, 0)


def test_records_arrive_through_the_services(store: Store, small: SyntheticCohort) -> None:
    now = small.now + dt.timedelta(minutes=5)
    load_cohort(
        store,
        small,
        now=now,
        device=lambda number, client_id: (
            DeviceFamily.INFINITIME,
            f"aa:00:00:00:{number:02x}:{client_id:02x}",
            None,
        ),
    )
    (client,) = small.clients
    (device,) = store.devices(client.code)
    assert device.emulated
    assert (device.family, device.address) == (
        "infinitime",
        f"AA:00:00:00:01:{device.client_id:02X}",
    )
    assert not load_cohort(
        store,
        small,
        now=now,
        device=lambda n, c: (DeviceFamily.INFINITIME, f"aa:00:00:00:{n:02x}:{c:02x}", None),
    ).changed
    assert len(store.clinical.scale_frame(client.code)) == len(client.scales)
    assert [e.starts_on for e in store.life_events.events(client.code)] == [event_day(LAST_DAY)]
    course = store.courses.latest(client.code)
    assert course is not None
    assert course.primary_area == "role_disputes"
    assert len(store.courses.sessions(course.id or 0)) == len(client.course.sessions)
    moods = store.clinical.mood_frame(client.code)
    assert len(moods) == len(client.diary.mood)


def test_through_holds_back_the_last_days_and_a_later_load_adds_only_them(
    store: Store, small: SyntheticCohort
) -> None:
    now = small.now + dt.timedelta(minutes=5)
    through = LAST_DAY - dt.timedelta(days=3)
    (client,) = small.clients
    first = load_cohort(store, small, now=now, through=through)
    held_back = client.minutes["ts"].dt.tz_convert(client.timezone).dt.date > through
    assert first.clients[0].minutes_inserted == int((~held_back).sum())
    rest = load_cohort(store, small, now=now)
    assert rest.clients[0].minutes_inserted == int(held_back.sum())
    assert rest.clients[0].diary_entries_new == 0


def test_refuses_a_clinic_database_with_other_clients_and_an_early_now(
    store: Store, small: SyntheticCohort
) -> None:
    with pytest.raises(InvalidInputError, match="load time"):
        load_cohort(store, small, now=small.now - dt.timedelta(hours=1))
    store.add_client("REAL-1", "Europe/Berlin", now=small.now)
    with pytest.raises(InvalidInputError, match="demo database"):
        load_cohort(store, small, now=small.now)
    assert store.purpose == "clinic"
    assert [c.code for c in store.clients()] == ["REAL-1"]
