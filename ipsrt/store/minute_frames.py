"""Minute samples read back as a DataFrame (``docs/architecture.md``, "The hot path").

Two readers return the same frame, built by one function
(:func:`minute_frame_from_arrays`), both on a caller's SQLAlchemy connection
inside its transaction (that transaction's uncommitted rows included):

* :func:`reference_minute_frame`: the readable reference. One ``SELECT`` per
  device through the DB-API driver, a Python tuple per row (about 2 µs a row).
* :func:`read_minute_frame`: on PostgreSQL the server packs each device's
  rows into one ``bytea`` value (``string_agg`` of ``int8send`` and
  ``float8send``, 24 bytes a row) that NumPy reads as a structured array: no
  Python object per row. On SQLite it is the reference path: no SQL function
  there yields binary values, and the faster readers measured are either
  slower than the target or unsafe (``docs/architecture.md``).

The packed form carries three values a row: ``ts``, ``activity`` (NULL as
-1.0) and one 64-bit integer packing the small columns (:data:`PACKED_SQL`).
The packing is lossless because the schema bounds them: ``state`` 0-5 (3
bits), ``quality`` 0-255 (8 bits), ``steps`` and ``heart_rate`` 0-65535 (17
bits each, stored plus one so that 0 is NULL), and ``activity >= 0``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import sqlalchemy as sa

from ipsrt.enums import DeviceState

__all__ = [
    "PACKED_SQL",
    "STATE_LABELS",
    "fetch_matrix",
    "minute_frame_from_arrays",
    "read_minute_frame",
    "reference_minute_frame",
]

#: Device state labels by stored code (the categories of the frame's ``state``).
STATE_LABELS = tuple(member.label for member in DeviceState)

_SELECTED = ("ts", "device_id", "steps", "activity", "heart_rate", "state", "quality")
_RANGE = "FROM minute_sample WHERE device_id = ? AND ts >= ? AND ts < ?"

#: One BIGINT per row: state | quality << 3 | (steps + 1) << 11 | (heart_rate + 1) << 28.
PACKED_SQL = (
    "(CAST(state AS BIGINT) | (CAST(quality AS BIGINT) << 3)"
    " | ((CAST(coalesce(steps, -1) AS BIGINT) + 1) << 11)"
    " | ((CAST(coalesce(heart_rate, -1) AS BIGINT) + 1) << 28))"
)
_ACTIVITY_SQL = "CAST(coalesce(activity, -1.0) AS DOUBLE PRECISION)"
_PACKED_RECORD = np.dtype([("ts", ">i8"), ("packed", ">i8"), ("activity", ">f8")])
_17_BITS = (1 << 17) - 1


def fetch_matrix(conn: sa.Connection, sql: str, params: list[int]) -> npt.NDArray[np.float64]:
    """Run *sql* (``?`` placeholders) on the driver's cursor; the rows as a float matrix.

    NULL becomes NaN. Runs on *conn* inside its transaction.
    """
    if conn.dialect.name == "postgresql":
        sql = sql.replace("?", "%s")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, params)
        records = cursor.fetchall()
        width = len(cursor.description)
    finally:
        cursor.close()
    if not records:
        return np.empty((0, width), dtype=np.float64)
    return np.array(records, dtype=np.float64)


def minute_frame_from_arrays(
    ts: npt.NDArray[np.int64],
    device_id: npt.NDArray[np.int64],
    steps: npt.NDArray[np.int64],
    activity: npt.NDArray[np.float64],
    heart_rate: npt.NDArray[np.int64],
    state: npt.NDArray[np.int64],
    quality: npt.NDArray[np.int64],
) -> pd.DataFrame:
    """The minute frame from stored columns (``steps``/``heart_rate`` -1 = NULL, ``activity``
    NaN = NULL), sorted by minute, then device.

    Index: UTC minutes named ``ts``; columns ``device_id`` (int64), ``steps``
    (Int64), ``activity`` (float64), ``heart_rate`` (Int64), ``state``
    (categorical :data:`STATE_LABELS`) and ``quality`` (int64 flags).
    """
    if len(ts) > 1 and not (np.diff(ts) > 0).all():
        order = np.lexsort((device_id, ts))
        ts, device_id, steps, heart_rate, state, quality = (
            column[order] for column in (ts, device_id, steps, heart_rate, state, quality)
        )
        activity = activity[order]
    return pd.DataFrame(
        {
            "device_id": device_id.astype(np.int64, copy=False),
            "steps": pd.arrays.IntegerArray(steps.astype(np.int64), steps < 0),
            "activity": activity.astype(np.float64, copy=False),
            "heart_rate": pd.arrays.IntegerArray(heart_rate.astype(np.int64), heart_rate < 0),
            "state": pd.Categorical.from_codes(
                state.astype(np.int64, copy=False), categories=list(STATE_LABELS)
            ),
            "quality": quality.astype(np.int64, copy=False),
        },
        index=pd.DatetimeIndex(pd.to_datetime(ts, unit="s", utc=True), name="ts"),
        copy=False,  # the arrays are this frame's own
    )


def _joined(arrays: list[Any], dtype: type) -> Any:
    return (np.concatenate(arrays) if len(arrays) > 1 else arrays[0]).astype(dtype, copy=False)


def _from_packed(
    parts: list[tuple[int, npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]],
) -> pd.DataFrame:
    """The frame from per-device ``(device_id, ts, packed, activity)`` arrays."""
    ts = _joined([p[1] for p in parts], np.int64)
    packed = _joined([p[2] for p in parts], np.int64)
    activity = _joined([p[3] for p in parts], np.float64)
    device = _joined([np.full(len(p[1]), p[0], dtype=np.int64) for p in parts], np.int64)
    return minute_frame_from_arrays(
        ts,
        device,
        ((packed >> 11) & _17_BITS) - 1,
        np.where(activity < 0, np.nan, activity),
        ((packed >> 28) & _17_BITS) - 1,
        packed & 7,
        (packed >> 3) & 255,
    )


_EMPTY = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))


def reference_minute_frame(
    conn: sa.Connection, device_ids: list[int], start_s: int, end_s: int
) -> pd.DataFrame:
    """Samples of *device_ids* with ``start_s <= ts < end_s``, fetched row by row.

    The readable reference for the columnar readers (same frame); runs on
    *conn* inside its transaction.
    """
    parts = [
        fetch_matrix(
            conn,
            f"SELECT {', '.join(_SELECTED)} {_RANGE} ORDER BY ts",
            [device_id, start_s, end_s],
        )
        for device_id in device_ids
    ]
    matrix = np.concatenate(parts) if parts else np.empty((0, len(_SELECTED)))
    whole = np.nan_to_num(matrix, nan=-1.0).astype(np.int64)
    return minute_frame_from_arrays(
        whole[:, 0], whole[:, 1], whole[:, 2], matrix[:, 3], whole[:, 4], whole[:, 5], whole[:, 6]
    )


def _packed_postgres(conn: sa.Connection, device_id: int, start_s: int, end_s: int) -> Any:
    cursor = conn.connection.driver_connection.cursor(binary=True)  # type: ignore[union-attr]
    try:
        cursor.execute(
            "SELECT string_agg(int8send(ts) || int8send("
            f"{PACKED_SQL}) || float8send({_ACTIVITY_SQL}), ''::bytea) "
            f"{_RANGE.replace('?', '%s')}",
            [device_id, start_s, end_s],
        )
        (blob,) = cursor.fetchone()
    finally:
        cursor.close()
    if blob is None:
        return _EMPTY
    records = np.frombuffer(blob, dtype=_PACKED_RECORD)
    return records["ts"], records["packed"], records["activity"]


def read_minute_frame(
    conn: sa.Connection, device_ids: list[int], start_s: int, end_s: int
) -> pd.DataFrame:
    """Samples of *device_ids* with ``start_s <= ts < end_s``, on *conn* in its transaction.

    PostgreSQL: one packed ``bytea`` per device (module docstring); SQLite:
    :func:`reference_minute_frame`.
    """
    if conn.dialect.name != "postgresql":
        return reference_minute_frame(conn, device_ids, start_s, end_s)
    parts = [(d, *_packed_postgres(conn, d, start_s, end_s)) for d in device_ids]
    return _from_packed(parts or [(0, *_EMPTY)])
