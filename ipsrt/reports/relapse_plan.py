"""A client's relapse-prevention plan: read it, save a revision, and the alert rules it tightens.

:func:`relapse_plan_view` (``VIEW_RELAPSE_PLAN``: the client themself and
the assigned clinician) and :func:`save_relapse_plan`
(``WRITE_RELAPSE_PLAN``: the assigned clinician) take the
:class:`~ipsrt.reports.access.Viewer` and authorize through
:func:`ipsrt.reports.access.resolve_client`. Every save is a new revision
(the plan in force at any time stays known, as do the thresholds it set).

:func:`plan_alert_rules` is for the alert run (a system process, no
viewer): the client's rules with the thresholds the current plan tightens
(:func:`ipsrt.ipt.relapse_plan.tightened_rules`; docs/clinicians.md, "What
the plan changes in the alerts").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from ipsrt.alerts import DEFAULT_RULES
from ipsrt.alerts.model import Rule
from ipsrt.ipt.relapse_plan import RelapsePlan, Tightening, plan_from_dict, tightened_rules
from ipsrt.reports.access import Action, Viewer, resolve_client
from ipsrt.store import Store

__all__ = ["RelapsePlanView", "plan_alert_rules", "relapse_plan_view", "save_relapse_plan"]


@dataclasses.dataclass(frozen=True)
class RelapsePlanView:
    """The current plan, its revision and who saved it when, and the thresholds it tightens."""

    client_code: str
    revision: int
    made_at: dt.datetime
    made_by: str
    plan: RelapsePlan
    #: What the plan changes in the default alert rules.
    tightenings: tuple[Tightening, ...]


def _current(store: Store, client_code: str) -> RelapsePlanView | None:
    row = store.relapse_plans.current(client_code)
    if row is None:
        return None
    plan = plan_from_dict(row.content)
    return RelapsePlanView(
        client_code=client_code,
        revision=row.revision,
        made_at=row.made_at,
        made_by=row.made_by,
        plan=plan,
        tightenings=tuple(tightened_rules(DEFAULT_RULES, plan)[1]),
    )


def relapse_plan_view(
    store: Store, viewer: Viewer | None, client_code: object
) -> RelapsePlanView | None:
    """The client's current plan, or None when none was written."""
    client = resolve_client(store, viewer, Action.VIEW_RELAPSE_PLAN, client_code)
    return _current(store, client.code)


def save_relapse_plan(
    store: Store,
    viewer: Viewer | None,
    client_code: object,
    plan: RelapsePlan,
    *,
    now: dt.datetime,
) -> RelapsePlanView:
    """Save *plan* (from :func:`ipsrt.ipt.relapse_plan.make_relapse_plan`) as a new revision.

    The client's alerts are evaluated again at once with the thresholds the
    plan sets (:func:`plan_alert_rules`).
    """
    client = resolve_client(store, viewer, Action.WRITE_RELAPSE_PLAN, client_code)
    assert viewer is not None
    checked = plan_from_dict(plan.as_dict())
    store.relapse_plans.save(client.code, checked.as_dict(), now=now, actor=viewer.login)
    # Imported here because the alert run imports this module (plan_alert_rules).
    from ipsrt.reports.alerts import run_alerts

    run_alerts(store, now=now, client_codes=[client.code], actor=viewer.login)
    view = _current(store, client.code)
    assert view is not None
    return view


def plan_alert_rules(
    store: Store, client_code: str, rules: Sequence[Rule] = DEFAULT_RULES
) -> list[Rule]:
    """*rules* tightened by the client's current plan (system use: the alert run)."""
    row = store.relapse_plans.current(client_code)
    plan = None if row is None else plan_from_dict(row.content)
    return tightened_rules(rules, plan)[0]
