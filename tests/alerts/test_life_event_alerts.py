"""Alerts read against life events (ipsrt.alerts.life_events; rules in docs/clinicians.md,
"Life events and alerts"): the expected values follow from those two rules."""

from __future__ import annotations

import datetime as dt

from ipsrt.alerts import Alert, Severity
from ipsrt.alerts.life_events import RECOVERY_DAYS, life_event_note, read_against_life_events
from ipsrt.ipt.life_events import make_life_event

D = dt.date(2026, 5, 20)
CANARY = "flew to Tokyo with my sister CANARY-TEXT"


def _alert(rule: str, start: dt.date, end: dt.date | None = None, severity=Severity.WARNING):
    return Alert("C001", rule, start, end or start, severity, f"{rule} message", {"value": 1})


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def test_a_trip_explains_a_sleep_change_inside_it_and_lowers_it_to_info() -> None:
    trip = make_life_event(D, "travel", 2, CANARY, ends_on=D + _days(4))
    alert = _alert("sleep_change", D + _days(2))
    (out,) = read_against_life_events([alert], [trip])
    summary = {
        "kind": "travel",
        "starts_on": "2026-05-20",
        "ends_on": "2026-05-24",
        "disruption": 2,
    }
    assert out.severity is Severity.INFO
    assert out.evidence == {"value": 1, "life_events": [summary], "explained_by": [summary]}
    assert CANARY not in repr(out)
    # The rule and window stay the same: the stored alert is updated, not replaced.
    assert out.dedup_key == alert.dedup_key


def test_the_recovery_days_after_a_trip_count_and_the_day_after_them_does_not() -> None:
    trip = make_life_event(D, "travel", 1, ends_on=D + _days(1))
    last_recovery_day = D + _days(1 + RECOVERY_DAYS)
    inside = _alert("anchor_drift", D, last_recovery_day)
    beyond = _alert("anchor_drift", D, last_recovery_day + _days(1))
    before = _alert("short_sleep_run", D - _days(1), D + _days(1))
    explained, annotated, early = read_against_life_events([inside, beyond, before], [trip])
    assert explained.severity is Severity.INFO
    assert "explained_by" in explained.evidence
    # A window reaching past the recovery days, or starting before the trip, is only annotated.
    for alert in (annotated, early):
        assert alert.severity is Severity.WARNING
        assert "explained_by" not in alert.evidence
        assert [e["kind"] for e in alert.evidence["life_events"]] == ["travel"]


def test_mood_scale_and_gap_alerts_are_annotated_but_never_lowered() -> None:
    trip = make_life_event(D, "travel", 3, ends_on=D + _days(5))
    alerts = [
        _alert("mood_extreme", D + _days(1)),
        _alert("phq9_item9", D + _days(1), severity=Severity.URGENT),
        _alert("data_gap", D + _days(1), severity=Severity.INFO),
    ]
    for before, after in zip(alerts, read_against_life_events(alerts, [trip]), strict=True):
        assert after.severity is before.severity
        assert "explained_by" not in after.evidence
        assert after.evidence["life_events"][0]["disruption"] == 3


def test_events_that_do_not_move_the_clock_annotate_only() -> None:
    loss = make_life_event(D, "loss", 3, "my father died", ends_on=D + _days(2))
    (out,) = read_against_life_events([_alert("sleep_change", D + _days(1))], [loss])
    assert out.severity is Severity.WARNING
    assert out.evidence["life_events"] == [
        {"kind": "loss", "starts_on": "2026-05-20", "ends_on": "2026-05-22", "disruption": 3}
    ]
    assert "explained_by" not in out.evidence


def test_an_urgent_timing_alert_is_explained_but_stays_urgent() -> None:
    shift = make_life_event(D, "shift_work", 2, ends_on=D + _days(10))
    alert = _alert("short_sleep_run", D + _days(1), D + _days(3), severity=Severity.URGENT)
    (out,) = read_against_life_events([alert], [shift])
    assert out.severity is Severity.URGENT
    assert out.evidence["explained_by"][0]["kind"] == "shift_work"


def test_events_long_before_or_after_the_window_leave_the_alert_as_it_was() -> None:
    old = make_life_event(D - _days(20), "travel", 1, ends_on=D - _days(8))
    later = make_life_event(D + _days(1), "dispute", 2)
    alert = _alert("sleep_change", D)
    # The old trip ended 8 days before the window (the lead is 7), the dispute starts after it.
    assert read_against_life_events([alert], [old, later]) == [alert]
    near = make_life_event(D - _days(20), "travel", 1, ends_on=D - _days(7))
    (out,) = read_against_life_events([alert], [near])
    assert out.evidence["life_events"][0]["ends_on"] == "2026-05-13"
    assert out.severity is Severity.WARNING


def test_the_one_line_note_names_the_events_and_whether_they_explain() -> None:
    trip = make_life_event(D, "travel", 2, CANARY, ends_on=D + _days(4))
    loss = make_life_event(D + _days(1), "loss", 3)
    explained, around = read_against_life_events(
        [_alert("sleep_change", D + _days(2)), _alert("mood_extreme", D + _days(2))], [trip, loss]
    )
    assert life_event_note(explained.evidence) == "Explained by travel 2026-05-20 to 2026-05-24"
    assert life_event_note(around.evidence) == (
        "Around travel 2026-05-20 to 2026-05-24; loss 2026-05-21"
    )
    assert life_event_note({"value": 1}) is None
