"""The relapse-prevention plan written in the termination phase, and the alerts it tightens.

A plan (docs/clinicians.md, "Relapse-prevention plan") holds the client's
own early warning signs in their words, each linked to none or more rhythm
signals the tracker watches, the steps agreed for when a sign appears, and
the people to contact. Each :class:`RhythmSignal` maps to the alert rules of
:mod:`ipsrt.alerts.rules` that watch it; :func:`tightened_rules` gives a
client's rules with the thresholds of every linked signal moved one step
towards alerting earlier (never looser than they were).

Pure code: the store keeps plan revisions, the services authorize.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ipsrt.alerts.model import Rule
from ipsrt.alerts.rules import (
    AnchorDriftRule,
    LowSrmRule,
    MoodExtremeRule,
    ShortSleepRunRule,
    SleepChangeRule,
)
from ipsrt.errors import InvalidInputError

__all__ = [
    "SIGNAL_RULES",
    "Contact",
    "RelapsePlan",
    "RhythmSignal",
    "Tightening",
    "WarningSign",
    "make_relapse_plan",
    "plan_from_dict",
    "tightened_rules",
]

SIGN_LIMIT = 300
STEP_LIMIT = 300
CONTACT_LIMIT = 120
ITEMS_LIMIT = 20


class RhythmSignal(enum.StrEnum):
    """Rhythm changes the tracker can watch for, as early warning signs."""

    ANCHOR_DRIFT = "anchor_drift"
    SLEEP_SHORTENING = "sleep_shortening"
    SLEEP_CHANGE = "sleep_change"
    MOOD_RISING = "mood_rising"
    MOOD_FALLING = "mood_falling"
    RHYTHM_IRREGULAR = "rhythm_irregular"


#: Which alert rule ids (``ipsrt.alerts.rules``) watch each signal.
SIGNAL_RULES: Mapping[RhythmSignal, tuple[str, ...]] = {
    RhythmSignal.ANCHOR_DRIFT: ("anchor_drift",),
    RhythmSignal.SLEEP_SHORTENING: ("short_sleep_run", "sleep_change"),
    RhythmSignal.SLEEP_CHANGE: ("sleep_change",),
    RhythmSignal.MOOD_RISING: ("mood_extreme",),
    RhythmSignal.MOOD_FALLING: ("mood_extreme",),
    RhythmSignal.RHYTHM_IRREGULAR: ("low_srm",),
}


@dataclasses.dataclass(frozen=True)
class WarningSign:
    """One early warning sign in the client's words and the rhythm signals it links to."""

    text: str
    signals: tuple[RhythmSignal, ...] = ()


@dataclasses.dataclass(frozen=True)
class Contact:
    """Someone to call: who (a label or role) and how to reach them (free text)."""

    label: str
    reach: str = ""


@dataclasses.dataclass(frozen=True)
class RelapsePlan:
    """Warning signs, the agreed steps and contacts."""

    warning_signs: tuple[WarningSign, ...] = ()
    steps: tuple[str, ...] = ()
    contacts: tuple[Contact, ...] = ()

    @property
    def signals(self) -> frozenset[RhythmSignal]:
        """Every rhythm signal some warning sign links to."""
        return frozenset(s for sign in self.warning_signs for s in sign.signals)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (what the store keeps)."""
        return {
            "warning_signs": [
                {"text": s.text, "signals": [x.value for x in s.signals]}
                for s in self.warning_signs
            ],
            "steps": list(self.steps),
            "contacts": [{"label": c.label, "reach": c.reach} for c in self.contacts],
        }


def _text(value: object, limit: int, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{what}: expected non-empty text")
    text = value.strip()
    if len(text) > limit or "\x00" in text:
        raise InvalidInputError(f"{what}: at most {limit} characters")
    return text


def _signal(value: object) -> RhythmSignal:
    try:
        return RhythmSignal(str(value))
    except ValueError:
        names = ", ".join(s.value for s in RhythmSignal)
        raise InvalidInputError(
            f"unknown rhythm signal {value!r}: expected one of {names}"
        ) from None


def make_relapse_plan(
    warning_signs: Iterable[tuple[str, Iterable[str]]] = (),
    steps: Iterable[str] = (),
    contacts: Iterable[tuple[str, str]] = (),
) -> RelapsePlan:
    """A checked plan from (text, signal names) pairs, step texts and (label, reach) pairs."""
    signs = tuple(
        WarningSign(
            _text(text, SIGN_LIMIT, "warning sign"),
            tuple(dict.fromkeys(_signal(s) for s in signals)),
        )
        for text, signals in warning_signs
    )
    plan = RelapsePlan(
        signs,
        tuple(_text(s, STEP_LIMIT, "step") for s in steps),
        tuple(
            Contact(
                _text(label, CONTACT_LIMIT, "contact"),
                reach.strip() if isinstance(reach, str) else "",
            )
            for label, reach in contacts
        ),
    )
    for name, items in (
        ("warning signs", plan.warning_signs),
        ("steps", plan.steps),
        ("contacts", plan.contacts),
    ):
        if len(items) > ITEMS_LIMIT:
            raise InvalidInputError(f"at most {ITEMS_LIMIT} {name}")
    for contact in plan.contacts:
        if len(contact.reach) > CONTACT_LIMIT:
            raise InvalidInputError(f"contact: at most {CONTACT_LIMIT} characters")
    return plan


def plan_from_dict(data: Mapping[str, Any]) -> RelapsePlan:
    """The plan :meth:`RelapsePlan.as_dict` made (checked again)."""
    try:
        return make_relapse_plan(
            ((s["text"], s.get("signals", ())) for s in data.get("warning_signs", ())),
            data.get("steps", ()),
            ((c["label"], c.get("reach", "")) for c in data.get("contacts", ())),
        )
    except (KeyError, TypeError, AttributeError):
        raise InvalidInputError("malformed relapse plan") from None


@dataclasses.dataclass(frozen=True)
class Tightening:
    """One threshold a plan moved: rule id, field, the value before and after."""

    rule_id: str
    field: str
    before: float
    after: float


def _tighter(rule: Rule, signals: frozenset[RhythmSignal]) -> dict[str, float]:
    """The fields of *rule* the plan's *signals* tighten, with their new values.

    One step each, never looser than the rule already is (docs/clinicians.md,
    "What the plan changes in the alerts").
    """
    s = RhythmSignal
    if isinstance(rule, AnchorDriftRule) and s.ANCHOR_DRIFT in signals:
        return {
            "threshold_min": min(rule.threshold_min, 90.0),
            "min_days": min(rule.min_days, 2),
        }
    if isinstance(rule, ShortSleepRunRule) and s.SLEEP_SHORTENING in signals:
        return {"shortfall_min": min(rule.shortfall_min, 90.0)}
    if isinstance(rule, SleepChangeRule) and signals & {s.SLEEP_SHORTENING, s.SLEEP_CHANGE}:
        return {"threshold_min": min(rule.threshold_min, 120.0)}
    if isinstance(rule, MoodExtremeRule) and signals & {s.MOOD_RISING, s.MOOD_FALLING}:
        out: dict[str, float] = {}
        if s.MOOD_RISING in signals:
            out["high"] = min(rule.high, 2.0)
        if s.MOOD_FALLING in signals:
            out["low"] = max(rule.low, -2.0)
        return out
    if isinstance(rule, LowSrmRule) and s.RHYTHM_IRREGULAR in signals:
        return {"absolute": max(rule.absolute, 4.0), "drop": min(rule.drop, 0.5)}
    return {}


def tightened_rules(
    rules: Sequence[Rule], plan: RelapsePlan | None
) -> tuple[list[Rule], list[Tightening]]:
    """*rules* with the thresholds the plan's linked signals tighten, and what changed.

    Rules no linked signal watches are returned as they are (the same
    objects); no plan changes nothing. The alert run calls this with the
    client's current plan after :func:`ipsrt.reports.alerts.client_rules`.
    """
    if plan is None or not plan.signals:
        return list(rules), []
    out: list[Rule] = []
    changes: list[Tightening] = []
    for rule in rules:
        fields = {
            name: value
            for name, value in _tighter(rule, plan.signals).items()
            if value != getattr(rule, name)
        }
        if not fields:
            out.append(rule)
            continue
        for name, value in fields.items():
            changes.append(Tightening(rule.id, name, float(getattr(rule, name)), float(value)))
        kinds = {name: type(getattr(rule, name))(value) for name, value in fields.items()}
        out.append(dataclasses.replace(rule, **kinds))  # type: ignore[type-var]
    return out, changes
