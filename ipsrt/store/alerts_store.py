"""Alert persistence on a :class:`~ipsrt.store.Store` (``store.alerts``): idempotent upsert,
listing, acknowledgement.

An alert is identified by (client, rule, window start), the unique key of the
``alert`` table and the :attr:`ipsrt.alerts.Alert.dedup_key` of the rules.

* :meth:`AlertRecords.upsert` inserts new alerts (state ``open``) and updates the
  window end, severity, message and evidence of stored ones when a run grows;
  it never changes an alert's state, so an acknowledged alert stays
  acknowledged. Equal alerts are left alone: re-running the rules on the same
  data changes nothing.
* :meth:`AlertRecords.reconcile` does the same and also settles what a run
  judged (:class:`JudgedClient`): a stored alert of a judged client and rule
  whose window ends in the judged span and that the rules no longer raise is
  **resolved** (``resolved_at`` set, audited ``alert.resolve``, never
  deleted); a resolved alert the rules raise again is **reopened**
  (``resolved_at`` cleared, audited ``alert.reopen``). Neither touches the
  acknowledgement: an acknowledged alert that is resolved stays acknowledged.
* :meth:`AlertRecords.acknowledge` is audited (``alert.acknowledge``). Acknowledging
  an alert that is already acknowledged is an error
  (:class:`AlertStateError`) and keeps the first acknowledgement. Who may
  acknowledge is decided by the application service
  (:func:`ipsrt.reports.alerts.acknowledge`), not here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from ipsrt.enums import AlertState, AlertStatus
from ipsrt.errors import InvalidInputError, NotFoundError
from ipsrt.models import Alert, AuditEvent, Client, User
from ipsrt.plain import json_ready
from ipsrt.timeutil import require_utc

if TYPE_CHECKING:
    from ipsrt.store.store import Store

__all__ = [
    "ALERT_STATUSES",
    "AlertChanges",
    "AlertRecord",
    "AlertRecords",
    "AlertStateError",
    "JudgedClient",
    "StoredAlert",
]

_SEVERITY_RANK = {"urgent": 0, "warning": 1, "info": 2}
#: What :meth:`AlertRecords.find` filters on (:attr:`StoredAlert.status`).
ALERT_STATUSES = tuple(AlertStatus)
#: The largest id a 64-bit integer column holds.
_MAX_ID = 2**63 - 1


class AlertStateError(InvalidInputError):
    """The alert is not in a state that allows the change (e.g. already acknowledged)."""


class AlertRecord(Protocol):
    """What the store needs of an alert the rules raised (:class:`ipsrt.alerts.Alert` fits)."""

    @property
    def client(self) -> str: ...
    @property
    def rule_id(self) -> str: ...
    @property
    def window_start(self) -> dt.date: ...
    @property
    def window_end(self) -> dt.date: ...
    @property
    def severity(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def evidence(self) -> Mapping[str, Any]: ...


@dataclasses.dataclass(frozen=True)
class StoredAlert:
    """An alert as stored, with the client's code and the acknowledging login."""

    id: int
    client: str
    rule: str
    window_start: dt.date
    window_end: dt.date
    severity: str
    message: str
    evidence: dict[str, Any]
    state: str
    created_at: dt.datetime
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None = None

    @property
    def status(self) -> str:
        """``resolved`` (the evidence has gone; acknowledged or not), else the state
        (``open``: needs attention, or ``acknowledged``)."""
        return "resolved" if self.resolved_at is not None else self.state

    @property
    def needs_attention(self) -> bool:
        """Open and not resolved: what the caseload ranks and the client page puts first."""
        return self.status == "open"

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON output (with :attr:`status`)."""
        return dataclasses.asdict(self) | {"status": self.status}


@dataclasses.dataclass(frozen=True)
class JudgedClient:
    """What one alert run judged of one client.

    Stored alerts of *client* whose rule is in *rules* and whose window ends
    on or after *since* are judged: those whose (rule, window start) is not in
    *found* (everything the rules raised in this run, whatever its window end)
    are resolved, the resolved ones that are in *found* reopened.
    """

    client: str
    since: dt.date
    rules: frozenset[str]
    found: frozenset[tuple[str, dt.date]]


@dataclasses.dataclass(frozen=True)
class AlertChanges:
    """What :meth:`AlertRecords.reconcile` changed."""

    new: int = 0
    updated: int = 0
    resolved: int = 0
    reopened: int = 0


def _normalised(evidence: Mapping[str, Any]) -> dict[str, Any]:
    # The JSON round trip gives what the database returns, so comparisons are exact.
    out: dict[str, Any] = json.loads(json.dumps(json_ready(evidence), allow_nan=False))
    return out


def _client_ids(session: Any, codes: set[str]) -> dict[str, int]:
    found = {
        c.code: int(c.id)
        for c in session.exec(select(Client).where(col(Client.code).in_(sorted(codes))))
        if c.id is not None
    }
    unknown = sorted(codes - set(found))
    if unknown:
        raise NotFoundError(f"unknown client {unknown[0]!r}")
    return found


def _write_once(
    store: Store,
    alerts: list[AlertRecord],
    judged: list[JudgedClient],
    now: dt.datetime,
    actor: str,
) -> AlertChanges:
    new = updated = 0
    with store.write_session() as session:
        ids = _client_ids(session, {a.client for a in alerts} | {j.client for j in judged})
        stored = {
            (row.client_id, row.rule, row.window_start): row
            for row in session.exec(select(Alert).where(col(Alert.client_id).in_(ids.values())))
        }
        for alert in alerts:
            key = (ids[alert.client], alert.rule_id, alert.window_start)
            evidence = _normalised(alert.evidence)
            severity = str(alert.severity)
            row = stored.get(key)
            if row is None:
                row = Alert(
                    client_id=key[0],
                    rule=alert.rule_id,
                    window_start=alert.window_start,
                    window_end=alert.window_end,
                    severity=severity,
                    message=alert.message,
                    evidence=evidence,
                    state=AlertState.OPEN.value,
                    created_at=now,
                )
                session.add(row)
                stored[key] = row
                new += 1
                continue
            fresh = (alert.window_end, severity, alert.message, evidence)
            if (row.window_end, row.severity, row.message, row.evidence) == fresh:
                continue
            row.window_end, row.severity, row.message, row.evidence = fresh
            updated += 1
        resolved, reopened = _settle(session, stored, ids, judged, now, actor)
    return AlertChanges(new, updated, resolved, reopened)


def _settle(
    session: Any,
    stored: dict[tuple[int, str, dt.date], Alert],
    ids: dict[str, int],
    judged: list[JudgedClient],
    now: dt.datetime,
    actor: str,
) -> tuple[int, int]:
    """Resolve the judged alerts the rules no longer raise, reopen those raised again."""
    resolved = reopened = 0
    scope = {ids[j.client]: j for j in judged}
    for (client_id, rule, start), row in sorted(stored.items(), key=lambda kv: str(kv[0])):
        j = scope.get(client_id)
        if j is None or rule not in j.rules:
            continue
        if (rule, start) in j.found:
            if row.resolved_at is None:
                continue
            row.resolved_at = None
            action = "alert.reopen"
            reopened += 1
        elif row.resolved_at is None and row.window_end >= j.since:
            row.resolved_at = now
            action = "alert.resolve"
            resolved += 1
        else:
            continue
        session.add(
            AuditEvent(
                at=now,
                actor=actor,
                action=action,
                subject=j.client,
                detail={
                    "alert_id": row.id,
                    "rule": rule,
                    "window_start": start.isoformat(),
                    "window_end": row.window_end.isoformat(),
                    "acknowledged": row.state == AlertState.ACKNOWLEDGED.value,
                },
            )
        )
    return resolved, reopened


def _stored(row: Alert, code: str, login: str | None) -> StoredAlert:
    assert row.id is not None
    return StoredAlert(
        id=row.id,
        client=code,
        rule=row.rule,
        window_start=row.window_start,
        window_end=row.window_end,
        severity=row.severity,
        message=row.message,
        evidence=dict(row.evidence or {}),
        state=row.state,
        created_at=row.created_at,
        acknowledged_by=login,
        acknowledged_at=row.acknowledged_at,
        resolved_at=row.resolved_at,
    )


class AlertRecords:
    """The alerts of the clients of one Store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def upsert(self, alerts: Iterable[AlertRecord], *, now: dt.datetime) -> tuple[int, int]:
        """Store the rules' alerts idempotently in one transaction; return (new, updated).

        Keyed by (client, rule, window start). A stored alert gets the new window
        end, severity, message and evidence when they differ (a run that grew);
        its state is never touched. Alerts naming an unknown client raise
        :class:`~ipsrt.errors.NotFoundError` and nothing is stored.
        """
        changes = self.reconcile(alerts, now=now)
        return changes.new, changes.updated

    def reconcile(
        self,
        alerts: Iterable[AlertRecord],
        *,
        now: dt.datetime,
        judged: Iterable[JudgedClient] = (),
        actor: str = "cli",
    ) -> AlertChanges:
        """:meth:`upsert` *alerts* and settle what a run *judged*, in one transaction.

        Each :class:`JudgedClient` resolves its stored alerts that the rules no
        longer raise (``resolved_at`` = *now*, audited ``alert.resolve`` by
        *actor*; the row and its acknowledgement are kept) and reopens resolved
        ones raised again (``resolved_at`` cleared, audited ``alert.reopen``).
        Re-running with the same input changes nothing.
        """
        now = require_utc(now)
        latest: dict[tuple[str, str, dt.date], AlertRecord] = {}
        for alert in alerts:
            key = (alert.client, alert.rule_id, alert.window_start)
            if key not in latest or alert.window_end >= latest[key].window_end:
                latest[key] = alert
        scopes = list(judged)
        if not latest and not scopes:
            return AlertChanges()
        batch = list(latest.values())
        try:
            return _write_once(self._store, batch, scopes, now, actor)
        except IntegrityError:
            # A concurrent run inserted some of the same alerts first (PostgreSQL): once more.
            return _write_once(self._store, batch, scopes, now, actor)

    def get(self, alert_id: int) -> StoredAlert | None:
        """The stored alert *alert_id*, or ``None`` when there is none."""
        if not 0 < alert_id <= _MAX_ID:
            return None  # an id no database column can hold (e.g. 400 digits)
        query = (
            select(Alert, Client.code, User.login)
            .join(Client, col(Client.id) == Alert.client_id)
            .outerjoin(User, col(User.id) == Alert.acknowledged_by)
            .where(Alert.id == alert_id)
        )
        with self._store.session() as session:
            row = session.exec(query).first()
        return None if row is None else _stored(*row)

    def find(
        self, *, client_code: str | None = None, state: str | None = None
    ) -> list[StoredAlert]:
        """Stored alerts, of one client or all, optionally of one :attr:`StoredAlert.status`.

        *state*: ``open`` (not acknowledged, not resolved: needs attention),
        ``acknowledged`` (acknowledged, not resolved) or ``resolved`` (the
        evidence has gone, acknowledged or not). Ordered most urgent first,
        then by window end (latest first), then id.
        """
        if state is not None and state not in ALERT_STATUSES:
            raise InvalidInputError(
                f"unknown alert state {state!r}: expected 'open', 'acknowledged' or 'resolved'"
            )
        query = select(Alert, Client.code, User.login).join(
            Client, col(Client.id) == Alert.client_id
        )
        query = query.outerjoin(User, col(User.id) == Alert.acknowledged_by)
        if client_code is not None:
            query = query.where(Alert.client_id == self._store.client(client_code).id)
        if state == "resolved":
            query = query.where(col(Alert.resolved_at).is_not(None))
        elif state is not None:
            query = query.where(Alert.state == state, col(Alert.resolved_at).is_(None))
        with self._store.session() as session:
            rows = [_stored(alert, code, login) for alert, code, login in session.exec(query)]
        rows.sort(
            key=lambda a: (_SEVERITY_RANK.get(a.severity, 9), -a.window_end.toordinal(), a.id)
        )
        return rows

    def acknowledge(
        self,
        alert_id: int,
        *,
        by_login: str,
        now: dt.datetime,
        detail: Mapping[str, Any] | None = None,
    ) -> StoredAlert:
        """Mark an alert acknowledged by *by_login*; audited as ``alert.acknowledge``.

        *detail* is added to the audit row's detail (e.g. ``os_user``). A
        resolved alert may be acknowledged too (someone has looked at it).

        Raises
        ------
        NotFoundError
            For an unknown alert id or login.
        AlertStateError
            When the alert is already acknowledged (the first acknowledgement is kept).
        """
        now = require_utc(now)
        user = self._store.accounts.user(by_login)
        if not 0 < alert_id <= _MAX_ID:
            raise NotFoundError(f"unknown alert {alert_id}")
        with self._store.write_session() as session:
            row = session.exec(select(Alert).where(Alert.id == alert_id).with_for_update()).first()
            if row is None:
                raise NotFoundError(f"unknown alert {alert_id}")
            client = session.get(Client, row.client_id)
            assert client is not None
            if row.state == AlertState.ACKNOWLEDGED.value:
                first = session.get(User, row.acknowledged_by) if row.acknowledged_by else None
                when = f"{row.acknowledged_at:%Y-%m-%d %H:%M} UTC" if row.acknowledged_at else "?"
                who = first.login if first is not None else "a deleted user"
                raise AlertStateError(
                    f"alert {alert_id} was already acknowledged by {who} at {when}"
                )
            row.state = AlertState.ACKNOWLEDGED.value
            row.acknowledged_by = user.id
            row.acknowledged_at = now
            session.add(
                AuditEvent(
                    at=now,
                    actor=by_login,
                    action="alert.acknowledge",
                    subject=client.code,
                    detail={
                        "alert_id": alert_id,
                        "rule": row.rule,
                        "window_start": row.window_start.isoformat(),
                        **(detail or {}),
                    },
                )
            )
            return _stored(row, client.code, by_login)
