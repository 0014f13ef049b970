"""The minute-sample methods of :class:`~ipsrt.store.Store`: the hot table's writes and reads.

A mixin of ``Store`` (the methods are ``store.upsert_minute_samples`` and so
on); the bulk write path itself is :mod:`ipsrt.store.samples`, the frame
reads :mod:`ipsrt.store.minute_frames`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Protocol

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ipsrt.errors import InvalidInputError, NotFoundError
from ipsrt.models import Client
from ipsrt.store.cursors import save_cursor
from ipsrt.store.minute_frames import read_minute_frame
from ipsrt.store.samples import QualityRules, UpsertResult, prepare_samples, write_samples
from ipsrt.store.summaries import SummaryRecords
from ipsrt.timeutil import require_utc

__all__ = ["MinuteSampleMethods"]


class _StoreParts(Protocol):
    """What these methods use of the store."""

    engine: Engine
    quality: QualityRules
    summaries: SummaryRecords

    def write_connection(self) -> AbstractContextManager[sa.Connection]: ...

    def summarise(self, conn: sa.Connection) -> None: ...

    def client(self, code: str) -> Client: ...


def _to_seconds(instant: dt.datetime, name: str) -> int:
    try:
        utc = require_utc(instant)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{name}: {exc}") from exc
    return int(utc.timestamp())


class MinuteSampleMethods:
    """Minute samples: the idempotent bulk upsert and the reads (see the module docstring)."""

    def upsert_minute_samples(
        self: _StoreParts,
        frame: pd.DataFrame,
        *,
        now: dt.datetime,
        cursors: Mapping[tuple[int, str], str] | None = None,
    ) -> UpsertResult:
        """Store minute samples idempotently, in one transaction with any cursors.

        Existing (device, minute) rows are never overwritten: a re-sent identical
        row counts as a duplicate, a differing one as a conflict (logged). Rows
        with implausible values are stored with quality flags (quarantined);
        rows that cannot be stored at all are counted as rejected. See
        :func:`ipsrt.store.samples.prepare_samples` for the frame's columns.
        Device cursors are committed in the same transaction as the samples,
        so a device may be acknowledged as soon as this returns.
        """
        require_utc(now)
        with self.write_connection() as conn:
            device_clients = {
                int(device): int(client)
                for device, client in conn.execute(sa.text("SELECT id, client_id FROM device"))
            }
            prepared = prepare_samples(frame, device_clients, now=now, rules=self.quality)
            result, new_rows = write_samples(conn, prepared)
            self.summaries.mark_minutes(conn, new_rows)
            for (device_id, data_type), position in (cursors or {}).items():
                if device_id not in device_clients:
                    raise InvalidInputError(f"cursor for unknown device id {device_id}")
                save_cursor(conn, device_id, data_type, position, now)
            self.summarise(conn)
        return result

    def minute_frame(
        self: _StoreParts,
        client_code: str,
        start: dt.datetime,
        end: dt.datetime,
        *,
        device_id: int | None = None,
    ) -> pd.DataFrame:
        """A client's minute samples with ``start <= ts < end``, indexed by UTC minute.

        Columns: ``device_id``, ``steps``, ``activity``, ``heart_rate``,
        ``state`` (categorical labels) and ``quality`` (flags, 0 = passed). A
        minute appears once per device that recorded it; pass *device_id* to
        read one device.
        """
        client = self.client(client_code)
        start_s, end_s = _to_seconds(start, "start"), _to_seconds(end, "end")
        with self.engine.connect() as conn:
            owned = [
                int(row[0])
                for row in conn.execute(
                    sa.text("SELECT id FROM device WHERE client_id = :c ORDER BY id"),
                    {"c": client.id},
                )
            ]
            if device_id is not None:
                if device_id not in owned:
                    raise NotFoundError(f"client {client_code!r} has no device {device_id}")
                owned = [device_id]
            return read_minute_frame(conn, owned, start_s, end_s)

    def last_minute(
        self: _StoreParts, device_ids: list[int], before: dt.datetime
    ) -> pd.Timestamp | None:
        """The latest stored minute of any of *device_ids* strictly before *before* (UTC)."""
        if not device_ids:
            return None
        before_s = _to_seconds(before, "before")
        with self.engine.connect() as conn:
            latest = [
                conn.execute(
                    sa.text("SELECT max(ts) FROM minute_sample WHERE device_id = :d AND ts < :t"),
                    {"d": device, "t": before_s},
                ).scalar()
                for device in device_ids
            ]
        found = [int(v) for v in latest if v is not None]
        return pd.Timestamp(max(found), unit="s", tz="UTC") if found else None

    def last_minutes(
        self: _StoreParts, device_ids: list[int], before: dt.datetime
    ) -> dict[int, pd.Timestamp]:
        """The latest stored minute of each of *device_ids* strictly before *before* (UTC).

        One query (an index probe per device); devices with no minute are absent.
        """
        if not device_ids:
            return {}
        before_s = _to_seconds(before, "before")
        query = sa.text(
            "SELECT d.id, (SELECT max(m.ts) FROM minute_sample m "
            "WHERE m.device_id = d.id AND m.ts < :t) FROM device d WHERE d.id IN :ids"
        ).bindparams(sa.bindparam("ids", expanding=True))
        with self.engine.connect() as conn:
            rows = conn.execute(query, {"t": before_s, "ids": [int(d) for d in device_ids]}).all()
        return {
            int(d): pd.Timestamp(int(ts), unit="s", tz="UTC") for d, ts in rows if ts is not None
        }
