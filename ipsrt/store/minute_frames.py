"""Minute samples read back as a DataFrame (``docs/architecture.md``, "The hot path").

Two readers return the same frame, built by one function
(:func:`minute_frame_from_arrays`), both on a caller's SQLAlchemy connection
inside its transaction (that transaction's uncommitted rows included):

* :func:`reference_minute_frame`: the readable reference. One ``SELECT`` per
  device through the DB-API driver, a Python tuple per row (about 1-2 µs a row).
* :func:`read_minute_frame`: no Python object per row on either backend.
  PostgreSQL packs each device's rows into one ``bytea`` value (``string_agg``
  of ``int8send`` and ``float8send``, 24 bytes a row) that NumPy reads as a
  structured array. SQLite has no SQL function that yields binary numbers, so
  it packs each row into one 64-bit integer and ``group_concat`` joins a
  device's integers into one decimal text that NumPy parses (below).

The PostgreSQL form carries three values a row: ``ts``, ``activity`` (NULL as
-1.0) and one 64-bit integer packing the small columns (:data:`PACKED_SQL`).
The packing is lossless because the schema bounds them: ``state`` 0-5 (3
bits), ``quality`` 0-255 (8 bits), ``steps`` and ``heart_rate`` 0-65535 (17
bits each, stored plus one so that 0 is NULL), and ``activity >= 0``.

The SQLite form carries two integers a row (:data:`SQLITE_WORD_SQL`,
:data:`SQLITE_ACTIVITY_SQL`). The word keeps bits 0-27 of :data:`PACKED_SQL`,
puts ``heart_rate`` in 16 bits (28-43; the schema's ``heart_rate >= 1`` leaves 0
for NULL) and the minute's offset from the chunk's first minute in the top 20
bits (44-63, the sign bit included: SQLite shifts as unsigned 64-bit, NumPy
reads the word as ``uint64``). 20 bits cover :data:`SQLITE_CHUNK_SECONDS`
(2**20 minutes, about 728 days); a longer range is read chunk by chunk. The
second integer is ``activity`` when it is a whole number (a whole double below
2**63 converts to and from int64 exactly), -1 for NULL and -2 otherwise; the
rows marked -2 are fetched again as Python floats (exact, a tuple per row, so
fractional activity costs what the reference path costs). The reads run in one
snapshot (a ``SAVEPOINT`` when the caller has no transaction open).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import sqlalchemy as sa

from ipsrt.enums import DeviceState
from ipsrt.errors import DatabaseError

__all__ = [
    "PACKED_SQL",
    "SQLITE_ACTIVITY_SQL",
    "SQLITE_CHUNK_SECONDS",
    "SQLITE_WORD_SQL",
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

#: SQLite: seconds covered by the word's 20-bit minute offset (2**20 minutes).
SQLITE_CHUNK_SECONDS = 60 << 20
#: SQLite: one integer per row, bits 0-27 as in :data:`PACKED_SQL`, ``heart_rate``
#: (0 = NULL) << 28, minutes from the chunk's first second (the ``?``) << 44.
SQLITE_WORD_SQL = (
    "(state | (quality << 3) | (ifnull(steps + 1, 0) << 11)"
    " | (ifnull(heart_rate, 0) << 28) | (((ts - ?) / 60) << 44))"
)
#: SQLite: ``activity`` as an integer when whole (below 2**63), -1 for NULL, -2 otherwise.
SQLITE_ACTIVITY_SQL = (
    "CASE WHEN activity IS NULL THEN -1"
    " WHEN activity = CAST(activity AS INTEGER) THEN CAST(activity AS INTEGER) ELSE -2 END"
)
_NOT_WHOLE = -2
_28_BITS = (1 << 28) - 1


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
    ts, device, steps, heart_rate, state, quality = (
        np.nan_to_num(matrix[:, [0, 1, 2, 4, 5, 6]], nan=-1.0).astype(np.int64).T
    )
    return minute_frame_from_arrays(ts, device, steps, matrix[:, 3], heart_rate, state, quality)


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


def _integers(text: str | None, count: int) -> npt.NDArray[np.int64]:
    values = np.fromstring(text or "", dtype=np.int64, sep=",")
    if len(values) != count:
        raise DatabaseError(f"minute read: {len(values)} integers parsed for {count} rows")
    return values


def _packed_sqlite_chunk(cursor: Any, device_id: int, first_s: int, lo_s: int, hi_s: int) -> Any:
    """``(ts, packed, activity)`` of one device's rows in ``lo_s <= ts < hi_s``, in the
    PostgreSQL form; *first_s* is the chunk's first second (a whole minute)."""
    count, words_text, activity_text = cursor.execute(
        f"SELECT count(*), group_concat({SQLITE_WORD_SQL}, ','),"
        f" group_concat({SQLITE_ACTIVITY_SQL}, ',') {_RANGE}",
        [first_s, device_id, lo_s, hi_s],
    ).fetchone()
    if not count:
        return _EMPTY
    words = _integers(words_text, count).view(np.uint64)
    offsets = (words >> np.uint64(44)).astype(np.int64)
    heart_rate = ((words >> np.uint64(28)) & np.uint64(0xFFFF)).astype(np.int64)
    packed = (words & np.uint64(_28_BITS)).astype(np.int64) | (
        np.where(heart_rate > 0, heart_rate + 1, 0) << 28
    )
    activity_words = _integers(activity_text, count)
    activity = activity_words.astype(np.float64)
    fractional = np.flatnonzero(activity_words == _NOT_WHOLE)
    if len(fractional):  # read again as Python floats, matched by minute
        rows = cursor.execute(
            f"SELECT (ts - ?) / 60, activity {_RANGE}"
            " AND activity <> CAST(activity AS INTEGER) ORDER BY ts",
            [first_s, device_id, lo_s, hi_s],
        ).fetchall()
        fractional = fractional[np.argsort(offsets[fractional])]
        if [row[0] for row in rows] != offsets[fractional].tolist():
            raise DatabaseError("minute read: the activity rows read again do not match")
        activity[fractional] = [row[1] for row in rows]
    return first_s + offsets * 60, packed, activity


def _packed_sqlite(conn: sa.Connection, device_ids: list[int], start_s: int, end_s: int) -> Any:
    """Per device and chunk, ``(device_id, ts, packed, activity)`` in one snapshot."""
    driver = conn.connection.driver_connection
    cursor = driver.cursor()  # type: ignore[union-attr]
    own_snapshot = not driver.in_transaction  # type: ignore[union-attr]
    if own_snapshot:
        cursor.execute("SAVEPOINT read_minute_frame")
    try:
        first = start_s - start_s % 60
        return [
            (
                device_id,
                *_packed_sqlite_chunk(
                    cursor,
                    device_id,
                    chunk_s,
                    max(start_s, chunk_s),
                    min(end_s, chunk_s + SQLITE_CHUNK_SECONDS),
                ),
            )
            for device_id in device_ids
            for chunk_s in range(first, end_s, SQLITE_CHUNK_SECONDS)
        ]
    finally:
        if own_snapshot:
            cursor.execute("RELEASE read_minute_frame")
        cursor.close()


def read_minute_frame(
    conn: sa.Connection, device_ids: list[int], start_s: int, end_s: int
) -> pd.DataFrame:
    """Samples of *device_ids* with ``start_s <= ts < end_s``, on *conn* in its transaction.

    PostgreSQL: one packed ``bytea`` per device; SQLite: one packed integer per
    row, joined per device and chunk by ``group_concat`` (module docstring).
    """
    if conn.dialect.name == "postgresql":
        parts = [(d, *_packed_postgres(conn, d, start_s, end_s)) for d in device_ids]
    else:
        parts = _packed_sqlite(conn, device_ids, start_s, end_s)
    return _from_packed(parts or [(0, *_EMPTY)])
