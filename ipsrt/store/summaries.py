"""Daily summaries in the store: pending marks, derived rows, and the reads screens need.

The store computes nothing here. Every write of records a summary derives
from (minute samples, diary entries, moods, scale responses) marks the
client's local dates as pending in the same transaction
(:meth:`SummaryRecords.mark_minutes`, :meth:`SummaryRecords.mark_dates`); the
Store then calls its summariser (installed by the application services,
:mod:`ipsrt.reports.summaries`) on the same connection, which reads the
changed records, computes the summaries and writes them back here before the
transaction commits. See ``docs/architecture.md``, "Daily summaries".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ipsrt.models import ClientDay, ClientSummary, ClientWeek, SleepEpisode, SummaryPending
from ipsrt.timeutil import zone

if TYPE_CHECKING:
    from ipsrt.store.store import Store

__all__ = ["ClientFacts", "SummaryRecords", "SummaryState"]

_DAY_TABLE = ClientDay.__table__  # type: ignore[attr-defined]
_WEEK_TABLE = ClientWeek.__table__  # type: ignore[attr-defined]
_PENDING = SummaryPending.__table__  # type: ignore[attr-defined]
_STATE = ClientSummary.__table__  # type: ignore[attr-defined]
_EPISODES = SleepEpisode.__table__  # type: ignore[attr-defined]
#: Week figures under their column names.
WEEK_FIELDS = {"IS": "is_", "IV": "iv", "RA": "ra", "L5": "l5", "M10": "m10", "SRI": "sri"}


@dataclasses.dataclass(frozen=True)
class ClientFacts:
    """What a summary update needs to know about a client, read in its transaction."""

    id: int
    code: str
    timezone: str
    week_start: int
    devices: tuple[tuple[int, bool], ...]  # (device id, emulated)
    demo: bool


@dataclasses.dataclass(frozen=True)
class SummaryState:
    """A client's summary counter and what the last alert run saw."""

    version: int
    definition: str
    alerts_version: int | None
    alerts_key: str | None
    alerts_due_utc: dt.datetime | None


def _plain(value: Any) -> Any:
    """NaN and NaT become NULL; NumPy scalars become Python values."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _local_dates(ts_seconds: np.ndarray, tz: str) -> set[dt.date]:
    """Local dates of UTC instants (Unix seconds), converted once per distinct hour."""
    hours = np.unique(np.asarray(ts_seconds, dtype=np.int64) // 3600)
    local = pd.to_datetime(hours * 3600, unit="s", utc=True).tz_convert(zone(tz))
    return set(local.date)


class SummaryRecords:
    """The derived daily and weekly rows of one Store, and their pending marks."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- marks (inside the writer's transaction) ---------------------------------------

    def mark_minutes(self, conn: sa.Connection, rows: pd.DataFrame) -> None:
        """Mark the local dates of newly stored minute rows (``device_id``, ``ts`` seconds)."""
        if rows.empty:
            return
        devices: dict[int, int] = dict(
            conn.execute(
                sa.text("SELECT d.id, c.id FROM device d JOIN client c ON c.id = d.client_id")
            ).all()
        )
        zones: dict[int, str] = dict(conn.execute(sa.text("SELECT id, timezone FROM client")).all())
        client = pd.Series(rows["device_id"].to_numpy(dtype=np.int64)).map(devices).to_numpy()
        ts = rows["ts"].to_numpy(dtype=np.int64)
        for client_id in np.unique(client):
            dates = _local_dates(ts[client == client_id], zones[int(client_id)])
            self.mark_dates(conn, int(client_id), dates)

    def mark_dates(self, conn: sa.Connection, client_id: int, dates: Iterable[dt.date]) -> None:
        """Mark a client's local dates as pending (idempotent)."""
        wanted = set(dates)
        if not wanted:
            return
        have = {
            row[0] if isinstance(row[0], dt.date) else dt.date.fromisoformat(str(row[0]))
            for row in conn.execute(
                sa.select(_PENDING.c.day).where(
                    _PENDING.c.client_id == client_id,
                    _PENDING.c.day.between(min(wanted), max(wanted)),
                )
            )
        }
        new = sorted(wanted - have)
        if new:
            conn.execute(sa.insert(_PENDING), [{"client_id": client_id, "day": d} for d in new])

    def pending(self, conn: sa.Connection) -> dict[int, list[dt.date]]:
        """Pending dates by client id."""
        out: dict[int, list[dt.date]] = {}
        query = sa.select(_PENDING.c.client_id, _PENDING.c.day).order_by(
            _PENDING.c.client_id, _PENDING.c.day
        )
        for client_id, day in conn.execute(query):
            out.setdefault(int(client_id), []).append(day)
        return out

    def pending_count(self) -> int:
        """How many (client, date) marks wait for a summary update."""
        with self._store.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(_PENDING)).scalar_one())

    def clear_pending(self, conn: sa.Connection, client_id: int) -> None:
        """Forget a client's pending dates (their summaries were just written)."""
        conn.execute(sa.delete(_PENDING).where(_PENDING.c.client_id == client_id))

    # -- facts read inside the transaction ------------------------------------------

    def client_facts(self, conn: sa.Connection, client_id: int) -> ClientFacts:
        """The client's code, zone, week start and devices, read on *conn*."""
        code, tz, week_start = conn.execute(
            sa.text("SELECT code, timezone, week_start FROM client WHERE id = :c"), {"c": client_id}
        ).one()
        devices = tuple(
            (int(d), bool(e))
            for d, e in conn.execute(
                sa.text("SELECT id, emulated FROM device WHERE client_id = :c ORDER BY id"),
                {"c": client_id},
            )
        )
        purpose = conn.execute(
            sa.text("SELECT value FROM store_setting WHERE key = 'purpose'")
        ).scalar()
        return ClientFacts(int(client_id), code, tz, int(week_start), devices, purpose == "demo")

    def needs_update(self, definition: str) -> bool:
        """Whether any date is pending or any client's summaries are missing or outdated."""
        with self._store.engine.connect() as conn:
            if conn.execute(sa.select(_PENDING.c.client_id).limit(1)).first() is not None:
                return True
            return bool(self.stale_clients(conn, definition))

    def stale_clients(self, conn: sa.Connection, definition: str) -> list[int]:
        """Clients whose summaries were never built or were built by another definition."""
        rows = conn.execute(
            sa.text(
                "SELECT c.id FROM client c LEFT JOIN client_summary s ON s.client_id = c.id "
                "WHERE s.client_id IS NULL OR s.definition <> :d ORDER BY c.id"
            ),
            {"d": definition},
        )
        return [int(r[0]) for r in rows]

    def record_span(
        self, conn: sa.Connection, facts: ClientFacts
    ) -> tuple[dt.date, dt.date] | None:
        """First and last local date with any record of the client, or None."""
        dates: list[dt.date] = []
        for device_id, _emulated in facts.devices:
            lo, hi = conn.execute(
                sa.text("SELECT min(ts), max(ts) FROM minute_sample WHERE device_id = :d"),
                {"d": device_id},
            ).one()
            if lo is not None:
                dates.extend(_local_dates(np.array([lo, hi]), facts.timezone))
        for table, column in (
            ("srm_entry", "diary_date"),
            ("mood_entry", "diary_date"),
            ("scale_response", "answered_on"),
        ):
            lo, hi = conn.execute(
                sa.text(f"SELECT min({column}), max({column}) FROM {table} WHERE client_id = :c"),  # noqa: S608 (fixed names)
                {"c": facts.id},
            ).one()
            for value in (lo, hi):
                if value is not None:
                    dates.append(
                        value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
                    )
        return (min(dates), max(dates)) if dates else None

    # -- derived rows ---------------------------------------------------------------

    def clear_client(self, conn: sa.Connection, client_id: int) -> None:
        """Delete a client's derived rows (before a rebuild)."""
        for table in (_DAY_TABLE, _WEEK_TABLE, _PENDING):
            conn.execute(sa.delete(table).where(table.c.client_id == client_id))
        conn.execute(
            sa.delete(_EPISODES).where(
                _EPISODES.c.client_id == client_id, _EPISODES.c.source != "diary"
            )
        )

    def replace_week(
        self,
        conn: sa.Connection,
        client_id: int,
        first: dt.date,
        nights: tuple[dt.datetime, dt.datetime],
        days: pd.DataFrame | None,
        week: Mapping[str, Any] | None,
        episodes: pd.DataFrame | None,
        algorithm: tuple[str, str],
    ) -> None:
        """Replace the client week's rows (``None``: the week has no input; delete them).

        *nights* is the UTC span of the onsets of the week's nights (local noon
        of its first date to local noon after its last date): the device and
        detected episodes there are replaced.
        """
        last = first + dt.timedelta(days=6)
        conn.execute(
            sa.delete(_DAY_TABLE).where(
                _DAY_TABLE.c.client_id == client_id, _DAY_TABLE.c.day.between(first, last)
            )
        )
        conn.execute(
            sa.delete(_WEEK_TABLE).where(
                _WEEK_TABLE.c.client_id == client_id, _WEEK_TABLE.c.week_start == first
            )
        )
        conn.execute(
            sa.delete(_EPISODES).where(
                _EPISODES.c.client_id == client_id,
                _EPISODES.c.source != "diary",
                _EPISODES.c.start_utc >= nights[0],
                _EPISODES.c.start_utc < nights[1],
            )
        )
        if days is None or week is None:
            return
        day_rows = [
            {"client_id": client_id, "day": row.pop("date"), **row}
            for row in ({k: _plain(v) for k, v in r.items()} for r in days.to_dict("records"))
        ]
        conn.execute(sa.insert(_DAY_TABLE), day_rows)
        week_row = {WEEK_FIELDS.get(k, k): _plain(v) for k, v in week.items()}
        conn.execute(sa.insert(_WEEK_TABLE), [{"client_id": client_id, **week_row}])
        if episodes is not None and len(episodes):
            conn.execute(
                sa.insert(_EPISODES),
                [
                    {
                        "client_id": client_id,
                        "start_utc": pd.Timestamp(e["start_utc"]).to_pydatetime(),
                        "end_utc": pd.Timestamp(e["end_utc"]).to_pydatetime(),
                        "source": e["source"],
                        "is_main": bool(e["is_main"]),
                        "algorithm": algorithm[0],
                        "algorithm_version": algorithm[1],
                    }
                    for e in episodes.to_dict("records")
                ],
            )

    def bump(self, conn: sa.Connection, client_id: int, definition: str) -> None:
        """Count one more change of the client's summaries (built by *definition*)."""
        updated = conn.execute(
            sa.update(_STATE)
            .where(_STATE.c.client_id == client_id)
            .values(version=_STATE.c.version + 1, definition=definition)
        ).rowcount
        if not updated:
            conn.execute(
                sa.insert(_STATE),
                [{"client_id": client_id, "version": 1, "definition": definition}],
            )

    def forget_client(self, conn: sa.Connection, client_id: int) -> None:
        """Mark one client's summaries as never built (its zone or week start changed)."""
        conn.execute(sa.update(_STATE).where(_STATE.c.client_id == client_id).values(definition=""))

    def forget_all(self, conn: sa.Connection) -> None:
        """Mark every client's summaries as never built (what counts has changed)."""
        conn.execute(sa.update(_STATE).values(definition=""))

    # -- reads for screens and alerts --------------------------------------------------

    def days(
        self,
        client_ids: Sequence[int],
        start: dt.date,
        end: dt.date,
        *,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Stored day rows of *client_ids* for dates *start*..*end*, by client and date.

        *columns* limits the read to ``client_id``, ``day`` and those columns
        (default: all, including the screen bins).
        """
        names = [c.name for c in _DAY_TABLE.columns]
        if columns is not None:
            names = ["client_id", "day", *(c for c in columns if c not in ("client_id", "day"))]
        query = (
            sa.select(*(_DAY_TABLE.c[c] for c in names))
            .where(
                _DAY_TABLE.c.client_id.in_(list(client_ids)), _DAY_TABLE.c.day.between(start, end)
            )
            .order_by(_DAY_TABLE.c.client_id, _DAY_TABLE.c.day)
        )
        return self._frame(query, names)

    def day_bins(self, client_id: int, start: dt.date, end: dt.date) -> pd.DataFrame:
        """A client's screen bins (``day``, ``bin_activity_sum``, ``bin_worn``,
        ``bin_sleep``: JSON text) for dates *start*..*end*."""
        columns = ["day", "bin_activity_sum", "bin_worn", "bin_sleep"]
        query = (
            sa.select(*(_DAY_TABLE.c[c] for c in columns))
            .where(_DAY_TABLE.c.client_id == client_id, _DAY_TABLE.c.day.between(start, end))
            .order_by(_DAY_TABLE.c.day)
        )
        return self._frame(query, columns)

    def weeks(self, client_ids: Sequence[int], start: dt.date, end: dt.date) -> pd.DataFrame:
        """Stored week rows whose first date lies in *start*..*end*."""
        query = (
            sa.select(_WEEK_TABLE)
            .where(
                _WEEK_TABLE.c.client_id.in_(list(client_ids)),
                _WEEK_TABLE.c.week_start.between(start, end),
            )
            .order_by(_WEEK_TABLE.c.client_id, _WEEK_TABLE.c.week_start)
        )
        frame = self._frame(query, [c.name for c in _WEEK_TABLE.columns])
        return frame.rename(columns={v: k for k, v in WEEK_FIELDS.items()})

    def episodes(self, client_id: int, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
        """Stored sleep episodes of a client starting in ``start <= t < end`` (UTC)."""
        query = (
            sa.select(_EPISODES)
            .where(
                _EPISODES.c.client_id == client_id,
                _EPISODES.c.start_utc >= start,
                _EPISODES.c.start_utc < end,
            )
            .order_by(_EPISODES.c.start_utc, _EPISODES.c.source)
        )
        return self._frame(query, [c.name for c in _EPISODES.columns])

    def states(self, client_ids: Sequence[int]) -> dict[int, SummaryState]:
        """Summary counters of *client_ids* (clients never summarised are absent)."""
        query = sa.select(_STATE).where(_STATE.c.client_id.in_(list(client_ids)))
        with self._store.engine.connect() as conn:
            return {
                int(r.client_id): SummaryState(
                    r.version, r.definition, r.alerts_version, r.alerts_key, r.alerts_due_utc
                )
                for r in conn.execute(query)
            }

    def save_alert_state(self, states: Mapping[int, tuple[int, dt.datetime, str]]) -> None:
        """Record, per client id, the summary version an alert run saw, when the client is
        next due, and the run's settings fingerprint."""
        if not states:
            return
        with self._store.write_connection() as conn:
            for client_id, (version, due, key) in states.items():
                conn.execute(
                    sa.update(_STATE)
                    .where(_STATE.c.client_id == client_id)
                    .values(alerts_version=version, alerts_due_utc=due, alerts_key=key)
                )

    def _frame(self, query: sa.Select[Any], columns: list[str]) -> pd.DataFrame:
        with self._store.engine.connect() as conn:
            rows = conn.execute(query).all()
        frame = pd.DataFrame.from_records(rows, columns=columns)
        for column in columns:
            if column.endswith("_utc"):
                frame[column] = pd.to_datetime(frame[column], utc=True)
        return frame
