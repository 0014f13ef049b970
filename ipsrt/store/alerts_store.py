"""Alert persistence on a :class:`~ipsrt.store.Store` (``store.alerts``): idempotent upsert,
listing, acknowledgement.

An alert is identified by (client, rule, window start), the unique key of the
``alert`` table and the :attr:`ipsrt.alerts.Alert.dedup_key` of the rules.

* :meth:`AlertRecords.upsert` inserts new alerts (state ``open``) and updates the
  window end, severity, message and evidence of stored ones when a run grows;
  it never changes an alert's state, so an acknowledged alert stays
  acknowledged. Equal alerts are left alone: re-running the rules on the same
  data changes nothing.
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

from ipsrt.enums import AlertState
from ipsrt.errors import InvalidInputError, NotFoundError
from ipsrt.models import Alert, AuditEvent, Client, User
from ipsrt.plain import json_ready
from ipsrt.timeutil import require_utc

if TYPE_CHECKING:
    from ipsrt.store.store import Store

__all__ = ["AlertRecord", "AlertRecords", "AlertStateError", "StoredAlert"]

_SEVERITY_RANK = {"urgent": 0, "warning": 1, "info": 2}


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

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON output."""
        return dataclasses.asdict(self)


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


def _upsert_once(store: Store, alerts: list[AlertRecord], now: dt.datetime) -> tuple[int, int]:
    new = updated = 0
    with store.write_session() as session:
        ids = _client_ids(session, {a.client for a in alerts})
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
    return new, updated


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
        now = require_utc(now)
        latest: dict[tuple[str, str, dt.date], AlertRecord] = {}
        for alert in alerts:
            key = (alert.client, alert.rule_id, alert.window_start)
            if key not in latest or alert.window_end >= latest[key].window_end:
                latest[key] = alert
        if not latest:
            return 0, 0
        batch = list(latest.values())
        try:
            return _upsert_once(self._store, batch, now)
        except IntegrityError:
            # A concurrent run inserted some of the same alerts first (PostgreSQL): once more.
            return _upsert_once(self._store, batch, now)

    def get(self, alert_id: int) -> StoredAlert | None:
        """The stored alert *alert_id*, or ``None`` when there is none."""
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
        """Stored alerts, of one client or all, optionally in one state (``open``/``acknowledged``).

        Ordered most urgent first, then by window end (latest first), then id.
        """
        if state is not None:
            try:
                state = AlertState(state).value
            except ValueError:
                raise InvalidInputError(
                    f"unknown alert state {state!r}: expected 'open' or 'acknowledged'"
                ) from None
        query = select(Alert, Client.code, User.login).join(
            Client, col(Client.id) == Alert.client_id
        )
        query = query.outerjoin(User, col(User.id) == Alert.acknowledged_by)
        if client_code is not None:
            query = query.where(Alert.client_id == self._store.client(client_code).id)
        if state is not None:
            query = query.where(Alert.state == state)
        with self._store.session() as session:
            rows = [_stored(alert, code, login) for alert, code, login in session.exec(query)]
        rows.sort(
            key=lambda a: (_SEVERITY_RANK.get(a.severity, 9), -a.window_end.toordinal(), a.id)
        )
        return rows

    def acknowledge(self, alert_id: int, *, by_login: str, now: dt.datetime) -> StoredAlert:
        """Mark an open alert acknowledged by *by_login*; audited as ``alert.acknowledge``.

        Raises
        ------
        NotFoundError
            For an unknown alert id or login.
        AlertStateError
            When the alert is already acknowledged (the first acknowledgement is kept).
        """
        now = require_utc(now)
        user = self._store.accounts.user(by_login)
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
                    },
                )
            )
            return _stored(row, client.code, by_login)
