"""Alert rules on clients' daily tables: pure evaluation, no store and no clock.

``evaluate(daily, rules=DEFAULT_RULES, now=...)`` returns :class:`Alert`
records; ``ipsrt.alerts.runner`` (store side) persists them idempotently by
:attr:`Alert.dedup_key`. See ``docs/srm.md`` for each rule's thresholds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from ipsrt.alerts.model import Alert, AlertInputError, DailyView, Rule, Severity
from ipsrt.alerts.rules import (
    DEFAULT_RULES,
    AnchorDriftRule,
    DataGapRule,
    LowSrmRule,
    MoodExtremeRule,
    Phq9Item9Rule,
    ShortSleepRunRule,
    SleepChangeRule,
)

__all__ = [
    "DEFAULT_RULES",
    "Alert",
    "AlertInputError",
    "AnchorDriftRule",
    "DailyView",
    "DataGapRule",
    "LowSrmRule",
    "MoodExtremeRule",
    "Phq9Item9Rule",
    "Rule",
    "Severity",
    "ShortSleepRunRule",
    "SleepChangeRule",
    "evaluate",
]

DEFAULT_CLIENT = "default"


def evaluate(
    daily: pd.DataFrame,
    *,
    rules: Sequence[Rule] = DEFAULT_RULES,
    now: dt.datetime,
    client: str | None = None,
) -> list[Alert]:
    """Run *rules* on each client's daily table as of *now*.

    Parameters
    ----------
    daily
        Daily table (columns in :mod:`ipsrt.alerts.rules`); a ``client`` column
        splits it by client, otherwise it is one client named *client* (or
        ``"default"``).
    rules
        Rules to run, default :data:`DEFAULT_RULES`.
    now
        Timezone-aware evaluation instant; rows dated after its date *in its
        own zone* are ignored, so pass it in the client's local zone (the
        table's dates are the client's local dates); the data-gap rule
        measures from it.

    Returns
    -------
    list[Alert]
        Sorted by client, window start and rule id. The same input always
        gives the same alerts (and the same :attr:`Alert.dedup_key`).
    """
    if now.tzinfo is None:
        raise AlertInputError("now must be timezone-aware")
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise AlertInputError("two rules share an id")
    if "client" in daily.columns:
        groups = [(str(c), g) for c, g in daily.groupby("client", sort=True)]
    else:
        groups = [(client or DEFAULT_CLIENT, daily)]
    alerts: list[Alert] = []
    for name, frame in groups:
        view = DailyView(name, frame, now)
        if len(view) == 0:
            continue
        for rule in rules:
            alerts.extend(rule.check(view, now))
    alerts.sort(key=lambda a: (a.client, a.window_start, a.rule_id, a.window_end))
    return alerts
