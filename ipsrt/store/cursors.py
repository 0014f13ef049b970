"""Device sync positions (``device_cursor``), written inside the caller's transaction.

A cursor is opaque text per (device, data type): where the next sync of that
data type starts. :meth:`ipsrt.store.Store.upsert_minute_samples` saves it in
the same transaction as the samples it covers, so that a device may drop
what it sent as soon as the transaction has committed.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ipsrt.timeutil import require_utc

__all__ = ["save_cursor"]


def save_cursor(
    conn: sa.Connection, device_id: int, data_type: str, position: str, now: dt.datetime
) -> None:
    """Insert or update the cursor of (*device_id*, *data_type*) on *conn* (no commit)."""
    params = {
        "d": device_id,
        "t": data_type,
        "p": position,
        "u": require_utc(now).replace(tzinfo=None),
    }
    updated = conn.execute(
        sa.text(
            "UPDATE device_cursor SET position = :p, updated_at = :u "
            "WHERE device_id = :d AND data_type = :t"
        ),
        params,
    )
    if updated.rowcount == 0:
        conn.execute(
            sa.text(
                "INSERT INTO device_cursor (device_id, data_type, position, updated_at) "
                "VALUES (:d, :t, :p, :u)"
            ),
            params,
        )
