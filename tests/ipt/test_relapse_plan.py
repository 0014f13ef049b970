"""The relapse-prevention plan and the alert thresholds it tightens.

Expected thresholds: the defaults of docs/srm.md ("Alert rules") and the
one-step tightening table of docs/clinicians.md ("What the plan changes in
the alerts").
"""

from __future__ import annotations

import pytest

from ipsrt.alerts import DEFAULT_RULES, AnchorDriftRule, MoodExtremeRule
from ipsrt.alerts.rules import LowSrmRule, ShortSleepRunRule, SleepChangeRule
from ipsrt.errors import InvalidInputError
from ipsrt.ipt.relapse_plan import (
    SIGNAL_RULES,
    RhythmSignal,
    make_relapse_plan,
    plan_from_dict,
    tightened_rules,
)


def _plan(*signals: str):
    return make_relapse_plan(
        [("I stay up late texting", signals)], ["Call Dr A"], [("Sister", "0123")]
    )


def test_every_signal_maps_to_existing_rules() -> None:
    ids = {rule.id for rule in DEFAULT_RULES}
    assert set(SIGNAL_RULES) == set(RhythmSignal)
    for rules in SIGNAL_RULES.values():
        assert rules
        assert set(rules) <= ids


def test_no_plan_or_no_signal_changes_nothing() -> None:
    assert tightened_rules(DEFAULT_RULES, None) == (list(DEFAULT_RULES), [])
    assert tightened_rules(DEFAULT_RULES, _plan()) == (list(DEFAULT_RULES), [])


def _by_type(rules, kind):
    (rule,) = [r for r in rules if isinstance(r, kind)]
    return rule


def test_each_signal_tightens_its_rules() -> None:
    rules, changes = tightened_rules(DEFAULT_RULES, _plan("anchor_drift"))
    drift = _by_type(rules, AnchorDriftRule)
    assert (drift.threshold_min, drift.min_days) == (90.0, 2)
    assert isinstance(drift.min_days, int)
    assert {c.rule_id for c in changes} == {"anchor_drift"}
    rules, _ = tightened_rules(DEFAULT_RULES, _plan("sleep_shortening"))
    assert _by_type(rules, ShortSleepRunRule).shortfall_min == 90.0
    assert _by_type(rules, SleepChangeRule).threshold_min == 120.0
    rules, _ = tightened_rules(DEFAULT_RULES, _plan("mood_rising"))
    mood = _by_type(rules, MoodExtremeRule)
    assert (mood.high, mood.low) == (2.0, -3.0)
    rules, _ = tightened_rules(DEFAULT_RULES, _plan("mood_falling", "rhythm_irregular"))
    assert _by_type(rules, MoodExtremeRule).low == -2.0
    srm = _by_type(rules, LowSrmRule)
    assert (srm.absolute, srm.drop) == (4.0, 0.5)


def test_changes_are_reported_against_the_rules_given() -> None:
    _, changes = tightened_rules(DEFAULT_RULES, _plan("mood_rising"))
    assert [(c.rule_id, c.field, c.before, c.after) for c in changes] == [
        ("mood_extreme", "high", 3.0, 2.0)
    ]


def test_never_looser_than_the_rule_already_is() -> None:
    strict = (AnchorDriftRule(threshold_min=60.0, min_days=1),)
    rules, changes = tightened_rules(strict, _plan("anchor_drift"))
    assert rules == list(strict)
    assert changes == []


def test_plan_round_trips_and_bad_plans_are_refused() -> None:
    plan = _plan("mood_rising", "mood_rising", "anchor_drift")
    assert plan.warning_signs[0].signals == (RhythmSignal.MOOD_RISING, RhythmSignal.ANCHOR_DRIFT)
    assert plan_from_dict(plan.as_dict()) == plan
    with pytest.raises(InvalidInputError, match="unknown rhythm signal"):
        _plan("moon_phase")
    with pytest.raises(InvalidInputError, match="warning sign"):
        make_relapse_plan([("  ", [])])
    with pytest.raises(InvalidInputError, match="malformed"):
        plan_from_dict({"warning_signs": [{"signals": []}]})
