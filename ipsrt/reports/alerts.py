"""Alert runs: build each client's daily table, evaluate the rules, store the alerts.

:func:`daily_table` assembles one client's daily table in the columns that
:func:`ipsrt.alerts.evaluate` reads (see :mod:`ipsrt.alerts.rules`):

* ``sleep_duration_min``, ``out_of_bed_min`` (date D: the main sleep of night
  D-1, which ends on the morning of D) and ``sleep_onset_min`` (date D: the
  onset of the main sleep of night D), from the minutes that count
  (:func:`ipsrt.reports.wearable.main_sleeps`: device labels, else
  Cole-Kripke, then :func:`ipsrt.rhythm.sleep_timing.sleep_timing`). When a
  client has no wearable night in the window, ``bedtime_min`` and
  ``out_of_bed_min`` come from the SRM diary's ``bed`` and ``out_of_bed``
  anchors instead (one source per table, never mixed);
* ``srm_week``: the SRM-5 score of the diary week containing the date, for
  weeks whose seven days have all passed by the table's end;
* ``mood`` (daily rating), ``phq9_item9`` (the highest item-9 answer of the
  date's PHQ-9 responses) and ``last_wearable_data_utc`` (the latest stored
  minute of a counted device up to the end of the window, on every row).

:func:`run_alerts` evaluates every client as of ``now`` with the rules the
client's relapse-prevention plan tightened
(:func:`ipsrt.reports.relapse_plan.plan_alert_rules`), reads the alerts against
the client's life events (:mod:`ipsrt.alerts.life_events`), stores them and
resolves those whose evidence has gone
(:meth:`ipsrt.store.alerts_store.AlertRecords.reconcile`); :func:`acknowledge`
acknowledges one for a clinician the client is assigned to
(:func:`ipsrt.reports.access.authorize`). ``now`` is always an argument.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ipsrt.alerts import (
    DEFAULT_RULES,
    Alert,
    AnchorDriftRule,
    DataGapRule,
    LowSrmRule,
    Rule,
    evaluate,
)
from ipsrt.alerts.life_events import read_against_life_events
from ipsrt.daily import week_of
from ipsrt.errors import InvalidInputError, IpsrtError, NotFoundError
from ipsrt.ipt.life_events import LifeEvent
from ipsrt.models import Client
from ipsrt.reports.access import AccessDenied, Action, audit_access, authorize, load_viewer
from ipsrt.reports.life_event_records import stored_life_events
from ipsrt.reports.relapse_plan import plan_alert_rules
from ipsrt.reports.summaries import refresh
from ipsrt.reports.wearable import last_data
from ipsrt.store import Store
from ipsrt.store.alerts_store import JudgedClient, StoredAlert
from ipsrt.timeutil import WEEKDAYS, local_midnight, require_utc, zone

__all__ = [
    "DAILY_COLUMNS",
    "DEFAULT_LOOKBACK_DAYS",
    "MAX_LOOKBACK_DAYS",
    "WARMUP_DAYS",
    "RunSummary",
    "acknowledge",
    "client_rules",
    "daily_table",
    "run_alerts",
]

#: Alerts whose window ends within this many days before ``now`` are stored.
DEFAULT_LOOKBACK_DAYS = 14
#: Extra history before the lookback so that the baselines (28 days before a
#: week or run, four weeks of SRM) are complete for every stored alert.
WARMUP_DAYS = 42
#: The longest lookback a run accepts (ten years).
MAX_LOOKBACK_DAYS = 3660

DAILY_COLUMNS = (
    "client",
    "date",
    "sleep_duration_min",
    "sleep_onset_min",
    "bedtime_min",
    "out_of_bed_min",
    "srm_week",
    "mood",
    "phq9_item9",
    "last_wearable_data_utc",
)
_DAY = dt.timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class RunSummary:
    """What one :func:`run_alerts` call did.

    ``evaluated`` counts the alerts the rules returned within the lookback;
    ``new + updated + unchanged == evaluated``. ``resolved`` counts stored
    alerts whose evidence has gone, ``reopened`` resolved ones whose
    evidence came back. ``skipped`` counts the
    clients an incremental run did not need to evaluate. ``failed`` maps a client code
    to the one-line reason its table could not be evaluated (the other
    clients are still stored).
    """

    clients: int
    evaluated: int
    new: int
    updated: int
    failed: dict[str, str] = dataclasses.field(default_factory=dict)
    skipped: int = 0
    resolved: int = 0
    reopened: int = 0

    @property
    def unchanged(self) -> int:
        """Alerts that were already stored exactly as evaluated."""
        return self.evaluated - self.new - self.updated

    def as_dict(self) -> dict[str, object]:
        """Plain values for JSON output."""
        return dataclasses.asdict(self) | {"unchanged": self.unchanged}


def _by_date(dates: list[dt.date], values: pd.Series) -> np.ndarray:
    return values.reindex(dates).to_numpy(dtype=np.float64)


def _srm_weeks(store: Store, client: Client, start: dt.date, end: dt.date) -> pd.Series:
    """SRM-5 by date for the diary weeks between *start* and *end* whose seven days have passed."""
    assert client.id is not None
    weeks = store.summaries.weeks([client.id], week_of(start, client.week_start), end)
    out: dict[dt.date, float] = {}
    for first, srm in zip(weeks["week_start"], weeks["srm"], strict=True):
        if first + dt.timedelta(days=6) > end:  # the week is still being written
            continue
        for i in range(7):
            out[first + dt.timedelta(days=i)] = float(srm) if srm is not None else np.nan
    return pd.Series(out, dtype=np.float64)


def daily_table(store: Store, client_code: str, *, start: dt.date, end: dt.date) -> pd.DataFrame:
    """One client's daily table for local dates *start*..*end* (inclusive), one row per date.

    Columns :data:`DAILY_COLUMNS` (see the module docstring), read from the
    daily summaries (brought up to date first); clock times are local
    minutes after midnight, durations minutes, NaN where unknown.
    """
    if end < start:
        raise InvalidInputError(f"daily table: end {end} before start {start}")
    client = store.client(client_code)
    zone(client.timezone)
    refresh(store)
    return _table(store, client, start, end)


def _table(store: Store, client: Client, start: dt.date, end: dt.date) -> pd.DataFrame:
    assert client.id is not None
    dates = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    before = [d - _DAY for d in dates]
    days = store.summaries.days([client.id], start - _DAY, end).set_index("day")
    table = pd.DataFrame({"client": client.code, "date": pd.Series(dates, dtype=object)})
    table["sleep_duration_min"] = _by_date(before, days["sleep_duration_min"])
    table["sleep_onset_min"] = _by_date(dates, days["sleep_onset_min"])
    table["out_of_bed_min"] = _by_date(before, days["sleep_offset_min"])
    table["bedtime_min"] = np.nan
    if not days["sleep_duration_min"].notna().any():
        # No wearable night in the window: the diary's anchors instead (never mixed).
        table["bedtime_min"] = _by_date(dates, days["reported_bed_min"])
        table["out_of_bed_min"] = _by_date(dates, days["reported_out_of_bed_min"])
    table["srm_week"] = _by_date(dates, _srm_weeks(store, client, start, end))
    table["mood"] = _by_date(dates, days["mood"])
    table["phq9_item9"] = _by_date(dates, days["phq9_item9"])
    last = last_data(store, client.code, local_midnight(end + _DAY, client.timezone))
    table["last_wearable_data_utc"] = pd.Series([last] * len(dates), dtype="datetime64[ns, UTC]")
    return table[list(DAILY_COLUMNS)]


def client_rules(client: Client, rules: Sequence[Rule] = DEFAULT_RULES) -> list[Rule]:
    """*rules* with the weekly rules set to the client's week start."""
    week_start = WEEKDAYS[client.week_start]
    return [
        dataclasses.replace(rule, week_start=week_start)
        if isinstance(rule, AnchorDriftRule | LowSrmRule)
        else rule
        for rule in rules
    ]


def _alerts_key(rules: Sequence[Rule], lookback_days: int, events: Sequence[LifeEvent]) -> str:
    """A fingerprint of a client's run settings: the rules (with what the relapse plan
    tightened), the lookback and the life events; when it changes, the client is
    evaluated again."""
    text = repr((lookback_days, WARMUP_DAYS, tuple(rules), tuple(events)))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _next_due(
    now: dt.datetime, tz: str, last: pd.Timestamp | None, rules: Sequence[Rule]
) -> dt.datetime:
    """The earliest time at which the client's alerts could change with no new records:
    the next local or UTC midnight (windows and weeks move on), or the moment a data
    gap reaches a :class:`DataGapRule`'s threshold."""
    local_today = now.astimezone(zone(tz)).date()
    due = min(
        local_midnight(local_today + _DAY, tz).astimezone(dt.UTC),
        dt.datetime.combine(now.astimezone(dt.UTC).date() + _DAY, dt.time(), dt.UTC),
    )
    for rule in rules:
        if isinstance(rule, DataGapRule) and last is not None:
            reached = last.to_pydatetime() + dt.timedelta(hours=rule.hours)
            if reached > now:
                due = min(due, reached)
    return due


def run_alerts(
    store: Store,
    *,
    now: dt.datetime,
    client_codes: Sequence[str] | None = None,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    rules: Sequence[Rule] = DEFAULT_RULES,
    incremental: bool = False,
    actor: str = "cli",
) -> RunSummary:
    """Evaluate the alert rules for each client as of *now* and store the alerts.

    Each client's table spans ``lookback_days + WARMUP_DAYS`` days up to the
    local date of *now*; alerts whose window ends within the last
    *lookback_days* days are upserted (older ones were stored by earlier
    runs). A stored alert of an evaluated client whose window ends within
    the lookback and that the rules no longer raise (its evidence has gone,
    e.g. a night that was incomplete or data that arrived late) is resolved,
    and a resolved one the rules raise again is reopened
    (:meth:`ipsrt.store.alerts_store.AlertRecords.reconcile`, audited with
    *actor*). Idempotent: the same data and *now* add and change nothing.
    Clients default to all that are not archived; a client whose data cannot
    be evaluated is reported in :attr:`RunSummary.failed` and skipped.

    With *incremental*, a client is evaluated only when its daily summaries
    changed since the last run with the same settings, or when that run's
    result could have changed with time alone (:func:`_next_due`); the others
    are counted in :attr:`RunSummary.skipped`.
    """
    now = require_utc(now)
    if not 1 <= lookback_days <= MAX_LOOKBACK_DAYS:
        raise InvalidInputError(f"--lookback {lookback_days}: use 1 to {MAX_LOOKBACK_DAYS} days")
    if client_codes is None:
        clients = store.clients()
    else:
        clients = [store.client(code) for code in dict.fromkeys(client_codes)]
    refresh(store)
    states = store.summaries.states([int(c.id) for c in clients if c.id is not None])
    alerts: list[Alert] = []
    judged: list[JudgedClient] = []
    rule_ids = frozenset(rule.id for rule in rules)
    failed: dict[str, str] = {}
    seen: dict[int, tuple[int, dt.datetime, str]] = {}
    skipped = 0
    for client in clients:
        assert client.id is not None
        client_rules_ = client_rules(client, plan_alert_rules(store, client.code, rules))
        end = now.astimezone(zone(client.timezone)).date()
        first_kept = end - dt.timedelta(days=lookback_days - 1)
        start = first_kept - dt.timedelta(days=WARMUP_DAYS)
        events = stored_life_events(store, client.code, start, end)
        key = _alerts_key(client_rules_, lookback_days, events)
        state = states.get(client.id)
        if (
            incremental
            and state is not None
            and state.alerts_version == state.version
            and state.alerts_key == key
            and state.alerts_due_utc is not None
            and now < state.alerts_due_utc
        ):
            skipped += 1
            continue
        try:
            table = _table(store, client, start, end)
            # The table's dates are local: rows up to the client's local date of now count.
            found = evaluate(table, rules=client_rules_, now=now.astimezone(zone(client.timezone)))
            found = read_against_life_events(found, events)
        except IpsrtError as exc:
            failed[client.code] = str(exc)
            continue
        alerts.extend(a for a in found if a.window_end >= first_kept)
        judged.append(
            JudgedClient(
                client.code,
                first_kept,
                rule_ids,
                frozenset((a.rule_id, a.window_start) for a in found),
            )
        )
        if state is not None:
            last = table["last_wearable_data_utc"].iloc[0] if len(table) else None
            last = None if last is None or pd.isna(last) else pd.Timestamp(last)
            due = _next_due(now, client.timezone, last, client_rules_)
            seen[client.id] = (state.version, due, key)
    changes = store.alerts.reconcile(alerts, now=now, judged=judged, actor=actor)
    store.summaries.save_alert_state(seen)
    return RunSummary(
        clients=len(clients),
        evaluated=len(alerts),
        new=changes.new,
        updated=changes.updated,
        failed=failed,
        skipped=skipped,
        resolved=changes.resolved,
        reopened=changes.reopened,
    )


def acknowledge(
    store: Store,
    alert_id: int,
    *,
    by_login: str,
    now: dt.datetime,
    client_code: str | None = None,
    audit_detail: Mapping[str, object] | None = None,
    audit_refusal: bool = False,
) -> StoredAlert:
    """Acknowledge an alert as *by_login*, a clinician the alert's client is assigned to.

    Who may acknowledge is :func:`ipsrt.reports.access.authorize` with
    :attr:`~ipsrt.reports.access.Action.ACKNOWLEDGE_ALERT` on the alert's
    client, for the user as they are now (active, current assignments): the
    dashboard and ``ipsrt alerts ack`` both come here. With *client_code*
    (the client a page shows), an alert of another client, or none, is
    refused with the same :class:`~ipsrt.reports.access.AccessDenied`.
    Audited by the store (``alert.acknowledge``, with *audit_detail* added,
    e.g. the ``os_user`` of a command).

    With *audit_refusal*, a refused attempt (unknown or inactive login, not
    allowed, another client's alert, unknown alert) is itself audited as
    ``denied:client.alert.acknowledge`` (actor *by_login*, the reason in the
    detail) and nothing else is written; the command line asks for this,
    while the dashboard audits refusals in its own error handler.

    Raises
    ------
    NotFoundError
        For an unknown login, or an unknown alert id when no *client_code* is given.
    InvalidInputError
        When the login is inactive.
    AccessDenied
        When the user may not acknowledge the alert's alerts (not a clinician,
        or the client is not assigned to them), or the alert is not *client_code*'s.
    AlertStateError
        When the alert is already acknowledged (the first acknowledgement is kept).
    """
    alert = None
    try:
        user = store.accounts.user(by_login)
        viewer = load_viewer(store, int(user.id)) if user.id is not None else None
        if viewer is None:
            raise InvalidInputError(f"user {by_login!r} is inactive")
        alert = store.alerts.get(alert_id)
        if client_code is not None and (alert is None or alert.client != client_code):
            raise AccessDenied("no such alert")
        if alert is None:
            raise NotFoundError(f"unknown alert {alert_id}")
        authorize(viewer, Action.ACKNOWLEDGE_ALERT, store.client(alert.client).id)
    except (AccessDenied, InvalidInputError, NotFoundError) as exc:
        if audit_refusal:
            audit_access(
                store,
                None,
                Action.ACKNOWLEDGE_ALERT,
                now=now,
                subject=alert.client if alert is not None else None,
                allowed=False,
                detail={"alert_id": alert_id, "reason": str(exc), **(audit_detail or {})},
                actor=by_login,
            )
        raise
    return store.alerts.acknowledge(alert_id, by_login=by_login, now=now, detail=audit_detail)
