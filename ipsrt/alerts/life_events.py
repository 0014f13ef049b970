"""Alerts read against the client's recorded life events (pure).

IPSRT reads rhythm changes against what happened in the client's life: a
flight across time zones or a new rota of night shifts moves sleep and the
daily anchors by itself, and a clinician looking at an anchor-drift alert
wants to see at once that a trip was recorded then. Two rules
(``docs/clinicians.md``, "Life events and alerts"):

1. **Annotate.** Every alert whose window shares a day with a life event,
   or starts within :data:`LEAD_DAYS` days after one ends, carries the
   events in ``evidence["life_events"]`` (kind, first and last date,
   disruption 0-3; never the description).
2. **Explain, never hide.** A sleep- or anchor-timing alert
   (:data:`TIMING_RULES`) whose whole window lies within a clock-moving
   event (:data:`CLOCK_KINDS`: travel across time zones, a change of shift
   work) or the :data:`RECOVERY_DAYS` days after it is marked
   ``evidence["explained_by"]`` and lowered from ``warning`` to ``info``.
   It is still stored and shown: a flight across time zones is itself a
   known trigger of mood episodes (Jauhar and Weller, 1982, "Psychiatric
   morbidity and time zone changes", Br J Psychiatry 140:231-235), so the
   alert stays visible, one step lower in the caseload. Mood, scale and
   data-gap alerts are never changed.

Re-entrainment after a time-zone shift takes about a day per hour shifted
(Waterhouse et al., 2007, "Jet lag: trends and coping strategies", Lancet
369:1117-1129); three days cover the common trip across one to three zones
and the first days of a new rota.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ipsrt.alerts.model import Alert, Severity
from ipsrt.enums import LifeEventKind
from ipsrt.ipt.life_events import LifeEvent

__all__ = [
    "CLOCK_KINDS",
    "LEAD_DAYS",
    "RECOVERY_DAYS",
    "TIMING_RULES",
    "life_event_note",
    "read_against_life_events",
]

#: Rules about when the client sleeps and does the day's anchors.
TIMING_RULES = frozenset({"sleep_change", "short_sleep_run", "anchor_drift"})
#: Life events that move the clock the client's rhythm is set by.
CLOCK_KINDS = frozenset({LifeEventKind.TRAVEL, LifeEventKind.SHIFT_WORK})
#: Days after a clock-moving event during which a timing change is expected.
RECOVERY_DAYS = 3
#: An alert starting this many days after an event ended is still annotated with it.
LEAD_DAYS = 7


def read_against_life_events(
    alerts: Sequence[Alert],
    events: Iterable[LifeEvent],
    *,
    recovery_days: int = RECOVERY_DAYS,
    lead_days: int = LEAD_DAYS,
) -> list[Alert]:
    """*alerts* annotated, and lowered where a clock-moving event explains them (see above)."""
    known = sorted(events, key=lambda e: (e.starts_on, e.ends_on, e.id or 0))
    out: list[Alert] = []
    for alert in alerts:
        near = [
            e
            for e in known
            if e.starts_on <= alert.window_end
            and e.ends_on + dt.timedelta(days=lead_days) >= alert.window_start
        ]
        if not near:
            out.append(alert)
            continue
        evidence = dict(alert.evidence)
        evidence["life_events"] = [_summary(e) for e in near]
        severity = alert.severity
        explaining = [
            e
            for e in near
            if alert.rule_id in TIMING_RULES
            and e.kind in CLOCK_KINDS
            and e.starts_on <= alert.window_start
            and alert.window_end <= e.ends_on + dt.timedelta(days=recovery_days)
        ]
        if explaining:
            evidence["explained_by"] = [_summary(e) for e in explaining]
            if severity is Severity.WARNING:
                severity = Severity.INFO
        out.append(dataclasses.replace(alert, severity=severity, evidence=evidence))
    return out


def _summary(event: LifeEvent) -> dict[str, object]:
    """What an alert's evidence says about an event: no free text."""
    return {
        "kind": event.kind.value,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        "disruption": event.disruption,
    }


def life_event_note(evidence: Mapping[str, Any]) -> str | None:
    """One line saying which recorded events an alert was read against, or None.

    ``"Explained by travel 2026-05-20 to 2026-05-24"`` when a clock-moving
    event explains it, else ``"Around loss 2026-05-20; dispute 2026-05-23"``.
    """
    explained = evidence.get("explained_by")
    events = explained or evidence.get("life_events")
    if not events:
        return None
    parts = []
    for event in events:
        kind = str(event["kind"]).replace("_", " ")
        span = str(event["starts_on"])
        if event["ends_on"] != event["starts_on"]:
            span += f" to {event['ends_on']}"
        parts.append(f"{kind} {span}")
    return ("Explained by " if explained else "Around ") + "; ".join(parts)
