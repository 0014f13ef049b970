"""Alerts whose evidence disappears on a later run are resolved (kept, marked, audited),
and reopened when it comes back; screens treat resolved alerts as needing no attention.

The evidence is two days of mood +4 (``mood_extreme``: >= +3 on >= 2 days in a row,
docs/srm.md, "Alert rules"); replacing those moods by 0 removes it.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from conftest import NOW

from ipsrt.alerts import MoodExtremeRule, Phq9Item9Rule
from ipsrt.models import AuditEvent
from ipsrt.reports.accounts import add_user
from ipsrt.reports.alerts import acknowledge, run_alerts
from ipsrt.reports.caseload import caseload
from ipsrt.reports.caseload_view import caseload_rows
from ipsrt.reports.client_view import client_alerts
from ipsrt.reports.diary import import_diary
from ipsrt.srm.diary import read_diary_csv
from ipsrt.store import Store

LATER = NOW + dt.timedelta(hours=1)
LATEST = NOW + dt.timedelta(hours=2)


def _moods(store: Store, moods: dict[str, int], now: dt.datetime) -> None:
    rows = "".join(f"{d},out_of_bed,07:00,0,{m}\n" for d, m in moods.items())
    diary = read_diary_csv(io.StringIO("date,activity,time,people,mood\n" + rows), today=now.date())
    import_diary(store, "C001", diary, now=now, confirm_replace=True)


HIGH = {"2026-05-28": 4, "2026-05-29": 4}
CALM = {"2026-05-28": 0, "2026-05-29": 0}


def _audits(store: Store, action: str) -> list[AuditEvent]:
    return [e for e in store.audit_events() if e.action == action]


@pytest.fixture
def high_mood(store: Store) -> Store:
    store.add_client("C001", "Europe/Berlin", now=NOW)
    add_user(store, "dr", "a long enough password", "clinician", now=NOW)
    store.accounts.assign("dr", "C001", now=NOW)
    _moods(store, HIGH, NOW)
    assert run_alerts(store, now=NOW).new == 1
    return store


def test_gone_evidence_resolves_the_alert_and_returning_evidence_reopens_it(
    high_mood: Store,
) -> None:
    store = high_mood
    (alert,) = store.alerts.find()
    assert (alert.status, alert.resolved_at) == ("open", None)
    _moods(store, CALM, LATER)
    summary = run_alerts(store, now=LATER, actor="cli:alice")
    assert (summary.evaluated, summary.resolved, summary.reopened) == (0, 1, 0)
    (kept,) = store.alerts.find()  # kept, never deleted
    assert (kept.id, kept.status, kept.state, kept.resolved_at) == (
        alert.id,
        "resolved",
        "open",
        LATER,
    )
    assert kept.evidence == alert.evidence  # what it was raised on
    assert store.alerts.find(state="open") == []
    assert [a.id for a in store.alerts.find(state="resolved")] == [alert.id]
    (event,) = _audits(store, "alert.resolve")
    assert (event.actor, event.subject, event.at) == ("cli:alice", "C001", LATER)
    assert event.detail == {
        "alert_id": alert.id,
        "rule": "mood_extreme",
        "window_start": "2026-05-28",
        "window_end": "2026-05-29",
        "acknowledged": False,
    }
    # Running again changes nothing and audits nothing more.
    again = run_alerts(store, now=LATER)
    assert (again.new, again.updated, again.resolved, again.reopened) == (0, 0, 0, 0)
    assert len(_audits(store, "alert.resolve")) == 1
    # The evidence comes back: the same alert is reopened (no second row).
    _moods(store, HIGH, LATEST)
    back = run_alerts(store, now=LATEST)
    assert (back.new, back.reopened, back.resolved) == (0, 1, 0)
    (reopened,) = store.alerts.find()
    assert (reopened.id, reopened.status, reopened.resolved_at) == (alert.id, "open", None)
    (event,) = _audits(store, "alert.reopen")
    assert (event.actor, event.detail["alert_id"]) == ("cli", alert.id)


def test_an_acknowledged_alert_that_resolves_keeps_its_acknowledgement(high_mood: Store) -> None:
    store = high_mood
    (alert,) = store.alerts.find()
    acknowledge(store, alert.id, by_login="dr", now=NOW)
    _moods(store, CALM, LATER)
    assert run_alerts(store, now=LATER).resolved == 1
    (row,) = store.alerts.find(state="resolved")
    assert (row.state, row.acknowledged_by, row.acknowledged_at) == ("acknowledged", "dr", NOW)
    assert store.alerts.find(state="acknowledged") == []
    assert _audits(store, "alert.resolve")[0].detail["acknowledged"] is True
    # Reopened, it stays acknowledged: the same episode, already seen.
    _moods(store, HIGH, LATEST)
    run_alerts(store, now=LATEST)
    (row,) = store.alerts.find()
    assert (row.status, row.acknowledged_by) == ("acknowledged", "dr")


def test_only_what_a_run_judged_is_resolved(high_mood: Store) -> None:
    store = high_mood
    _moods(store, CALM, LATER)
    # A run of other rules does not judge mood_extreme alerts.
    assert run_alerts(store, now=LATER, rules=[Phq9Item9Rule()]).resolved == 0
    # Nor does a run whose lookback ends before the alert's window (ended 2026-05-29).
    later = dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC)
    assert run_alerts(store, now=later, lookback_days=7, rules=[MoodExtremeRule()]).resolved == 0
    assert store.alerts.find()[0].status == "open"
    # A run that judges it resolves it.
    assert run_alerts(store, now=LATER, rules=[MoodExtremeRule()]).resolved == 1


def test_screens_treat_resolved_alerts_as_needing_no_attention(high_mood: Store) -> None:
    store = high_mood
    (alert,) = store.alerts.find()
    assert caseload(store, now=NOW).set_index("client").loc["C001", "open_alerts"] == 1
    row = caseload_rows(store, ["C001"], now=NOW).iloc[0]
    assert (row["open_warning"], row["attention_tier"]) == (1, 1)
    assert [a.needs_attention for a in client_alerts(store, "C001", now=NOW)] == [True]
    _moods(store, CALM, LATER)
    run_alerts(store, now=LATER)
    assert caseload(store, now=LATER).set_index("client").loc["C001", "open_alerts"] == 0
    row = caseload_rows(store, ["C001"], now=LATER).iloc[0]
    assert (row["open_alerts"], row["open_warning"], row["highest_severity"]) == (0, 0, None)
    assert "warning_alert" not in row["attention_reasons"]
    # The client page still lists it among the recent ones, marked resolved.
    (listed,) = client_alerts(store, "C001", now=LATER)
    assert (listed.id, listed.status, listed.needs_attention) == (alert.id, "resolved", False)
