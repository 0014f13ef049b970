"""Minute samples: validation and quarantine (pure) and the bulk write path.

The write path takes a pandas DataFrame and, in one transaction per call,

1. validates its shape (a malformed frame raises and writes nothing);
2. rejects rows that cannot be stored (no timestamp, negative or impossibly
   large readings) and flags implausible ones (quarantine) without dropping them;
3. classifies each remaining row against what is stored: new, duplicate (the
   same values re-sent) or conflicting (different values for a stored minute;
   the stored row is kept and the conflict logged);
4. inserts the new rows (SQLite: ``executemany`` on one prepared statement;
   PostgreSQL: ``COPY`` into a temporary table, then ``INSERT ... ON CONFLICT
   DO NOTHING``) and, in the same transaction, any device cursors.

Nothing here builds ORM objects row by row. Reads are in
:mod:`ipsrt.store.minute_frames`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa

from ipsrt.enums import Quality
from ipsrt.errors import InvalidInputError
from ipsrt.store.minute_frames import STATE_LABELS, fetch_matrix

log = logging.getLogger(__name__)

VALUE_COLUMNS = ("steps", "activity", "heart_rate", "state")
STORED_COLUMNS = ("device_id", "ts", "steps", "activity", "heart_rate", "state", "quality")
INTEGER_COLUMNS = frozenset({"device_id", "ts", "steps", "heart_rate", "state", "quality"})
KNOWN_COLUMNS = frozenset({"device_id", "ts", "client_id", *VALUE_COLUMNS})
_UINT16_MAX = 65535
_NS_PER_MINUTE = 60_000_000_000

__all__ = [
    "InvalidSampleFrameError",
    "PreparedSamples",
    "QualityRules",
    "UpsertResult",
    "prepare_samples",
    "write_samples",
]


class InvalidSampleFrameError(InvalidInputError):
    """The sample frame as a whole cannot be written (nothing was written)."""


@dataclasses.dataclass(frozen=True)
class QualityRules:
    """Thresholds for quarantine on write (stored with a flag, never dropped).

    Defaults (``docs/architecture.md``, "The hot path"): heart rate outside
    25-220 bpm, more than 300 steps in a minute, timestamps before 2000-01-02
    (a device clock reset lands on 2000-01-01) or more than 5 minutes after
    the time of the write.
    """

    heart_rate_min: int = 25
    heart_rate_max: int = 220
    heart_rate_no_reading: tuple[int, ...] = (0, 255)
    max_steps_per_minute: int = 300
    earliest: dt.datetime = dt.datetime(2000, 1, 2, tzinfo=dt.UTC)
    future_tolerance: dt.timedelta = dt.timedelta(minutes=5)


@dataclasses.dataclass(frozen=True)
class UpsertResult:
    """What one upsert did with each row of the frame.

    ``inserted + duplicate + conflicting + rejected`` equals the number of rows
    given; ``quarantined`` counts the inserted rows that carry a quality flag.
    """

    inserted: int = 0
    duplicate: int = 0
    conflicting: int = 0
    quarantined: int = 0
    rejected: int = 0

    def __add__(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(
            *(
                a + b
                for a, b in zip(dataclasses.astuple(self), dataclasses.astuple(other), strict=True)
            )
        )


@dataclasses.dataclass(frozen=True)
class PreparedSamples:
    """Rows ready to store (columns :data:`STORED_COLUMNS`) and what was set aside."""

    rows: pd.DataFrame
    rejected: int
    in_frame_duplicate: int
    in_frame_conflicting: int


def _numeric(frame: pd.DataFrame, column: str) -> npt.NDArray[np.float64]:
    if column not in frame:
        return np.full(len(frame), np.nan)
    values = frame[column]
    if pd.api.types.is_bool_dtype(values) or not (
        pd.api.types.is_numeric_dtype(values) or values.isna().all()
    ):
        raise InvalidSampleFrameError(f"column {column!r} must be numeric, not {values.dtype}")
    return np.asarray(values.to_numpy(dtype="float64", na_value=np.nan), dtype=np.float64)


def _state_codes(frame: pd.DataFrame) -> npt.NDArray[np.int64]:
    if "state" not in frame:
        return np.zeros(len(frame), dtype=np.int64)
    raw = frame["state"]
    missing = raw.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        codes = np.where(missing, 0.0, raw.to_numpy(dtype="float64", na_value=0.0))
        bad = ~np.isin(codes, np.arange(len(STATE_LABELS)))
    else:
        # Few distinct labels: look up each once, then spread by the factor codes.
        factor, labels = pd.factorize(raw, use_na_sentinel=True)
        lookup = {label: code for code, label in enumerate(STATE_LABELS)}
        label_codes = np.array(
            [lookup.get(str(label).lower(), -1) for label in labels] + [0], dtype=np.float64
        )
        codes = label_codes[factor]  # the sentinel -1 picks the trailing 0 (missing)
        bad = codes < 0
    if bad.any():
        example = raw[bad].iloc[0]
        raise InvalidSampleFrameError(
            f"unknown device state {example!r}: expected one of {', '.join(STATE_LABELS)}"
        )
    return codes.astype(np.int64)


def _timestamps_ns(frame: pd.DataFrame) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    ts = frame["ts"]
    if not isinstance(ts.dtype, pd.DatetimeTZDtype):
        if pd.api.types.is_datetime64_dtype(ts):
            raise InvalidSampleFrameError(
                "column 'ts' is naive: timestamps must be timezone-aware UTC"
            )
        raise InvalidSampleFrameError(
            f"column 'ts' must hold timezone-aware datetimes, not {ts.dtype}"
        )
    missing = ts.isna().to_numpy()
    ns = np.asarray(ts.dt.tz_convert("UTC").dt.as_unit("ns").array.asi8, dtype=np.int64)
    if (ns[~missing] % _NS_PER_MINUTE != 0).any():
        raise InvalidSampleFrameError("column 'ts' must hold whole UTC minutes (seconds found)")
    return ns, missing


def prepare_samples(
    frame: pd.DataFrame,
    device_clients: Mapping[int, int],
    *,
    now: dt.datetime,
    rules: QualityRules = QualityRules(),
) -> PreparedSamples:
    """Validate a sample frame and compute quality flags (pure).

    Parameters
    ----------
    frame
        Columns ``device_id`` and ``ts`` (timezone-aware, whole UTC minutes),
        and any of ``steps``, ``activity``, ``heart_rate``, ``state`` (labels
        such as ``"sleep_deep"`` or :class:`~ipsrt.enums.DeviceState` codes).
        A ``client_id`` column, when present, must match each device's client.
    device_clients
        The client of every known device, by device id.
    now
        The time of the write (timezone-aware), for the "in the future" rule.
    rules
        Quarantine thresholds.

    Raises
    ------
    InvalidSampleFrameError
        For a frame that cannot be written at all: missing or unknown columns,
        naive or sub-minute timestamps, unknown devices, a client mismatch,
        non-numeric readings or unknown states.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InvalidSampleFrameError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    missing_columns = {"device_id", "ts"} - set(frame.columns)
    if missing_columns:
        raise InvalidSampleFrameError(
            f"sample frame lacks column(s) {', '.join(sorted(missing_columns))}"
        )
    unknown = set(map(str, frame.columns)) - KNOWN_COLUMNS
    if unknown:
        raise InvalidSampleFrameError(
            f"sample frame has unknown column(s) {', '.join(sorted(unknown))}"
        )
    if now.tzinfo is None:
        raise InvalidSampleFrameError("now must be timezone-aware")

    ns, no_time = _timestamps_ns(frame)
    raw_devices = frame["device_id"]
    if raw_devices.isna().any() or not pd.api.types.is_integer_dtype(raw_devices):
        raise InvalidSampleFrameError("column 'device_id' must hold integer device ids")
    devices = raw_devices.to_numpy(dtype=np.int64)
    present = np.unique(devices)
    unknown_devices = sorted(set(present.tolist()) - set(device_clients))
    if unknown_devices:
        raise InvalidSampleFrameError(f"unknown device id(s) {unknown_devices[:5]}")
    if "client_id" in frame:
        expected = np.array([device_clients[d] for d in present.tolist()], dtype=np.float64)
        given = frame["client_id"].to_numpy(dtype="float64", na_value=np.nan)
        if (given != expected[np.searchsorted(present, devices)]).any():
            raise InvalidSampleFrameError("column 'client_id' disagrees with the devices' clients")

    steps = _numeric(frame, "steps")
    activity = _numeric(frame, "activity")
    heart_rate = _numeric(frame, "heart_rate")
    state = _state_codes(frame)

    # Readings that cannot be stored at all are rejected (counted and logged).
    with np.errstate(invalid="ignore"):
        reject = no_time.copy()
        for values, whole in ((steps, True), (heart_rate, True), (activity, False)):
            known = ~np.isnan(values)
            bad = known & (~np.isfinite(values) | (values < 0))
            if whole:
                bad |= known & ((values > _UINT16_MAX) | (values != np.round(values)))
            reject |= bad
        n_rejected = int(reject.sum())
        if n_rejected:
            log.warning(
                "rejected %d sample row(s) with no timestamp or impossible readings", n_rejected
            )

        heart_rate = np.where(np.isin(heart_rate, rules.heart_rate_no_reading), np.nan, heart_rate)
        quality = np.zeros(len(frame), dtype=np.int64)
        quality[(heart_rate < rules.heart_rate_min) | (heart_rate > rules.heart_rate_max)] |= int(
            Quality.HEART_RATE_IMPLAUSIBLE
        )
        quality[steps > rules.max_steps_per_minute] |= int(Quality.STEPS_IMPLAUSIBLE)
    earliest_ns = pd.Timestamp(rules.earliest).value
    latest_ns = pd.Timestamp(now).value + pd.Timedelta(rules.future_tolerance).value
    quality[(ns < earliest_ns) & ~no_time] |= int(Quality.TIME_BEFORE_MINIMUM)
    quality[(ns > latest_ns) & ~no_time] |= int(Quality.TIME_IN_FUTURE)

    keep = ~reject
    rows = pd.DataFrame(
        {
            "device_id": devices[keep],
            "ts": ns[keep] // 1_000_000_000,
            "steps": steps[keep],
            "activity": activity[keep],
            "heart_rate": heart_rate[keep],
            "state": state[keep],
            "quality": quality[keep],
        }
    )

    # Repeats of a minute inside the frame: the first wins, like a stored row.
    n_same = n_conflict = 0
    # Fast path: keys strictly increasing (the usual case) cannot repeat.
    key = rows["device_id"].to_numpy() * (1 << 36) + rows["ts"].to_numpy() // 60
    repeated = np.zeros(len(rows), dtype=bool)
    if len(key) > 1 and not (np.diff(key) > 0).all():
        repeated = rows.duplicated(["device_id", "ts"], keep="first").to_numpy()
    if repeated.any():
        n_same = int(rows.duplicated(list(STORED_COLUMNS), keep="first").sum())
        n_conflict = int(repeated.sum()) - n_same
        if n_conflict:
            log.warning(
                "%d minute(s) repeated with different values in one batch; kept the first",
                n_conflict,
            )
        rows = rows[~repeated].reset_index(drop=True)
    return PreparedSamples(rows, n_rejected, n_same, n_conflict)


def _column_values(rows: pd.DataFrame, column: str) -> list[Any]:
    """A column as Python values for the driver: ints stay ints, NaN becomes None."""
    values = rows[column].to_numpy()
    integer = column in INTEGER_COLUMNS
    if values.dtype.kind != "f":
        return list(values.tolist())
    missing = np.isnan(values)
    if not missing.any():
        return list(values.astype(np.int64).tolist() if integer else values.tolist())
    out = np.full(len(values), None, dtype=object)
    present = values[~missing]
    out[~missing] = present.astype(np.int64).tolist() if integer else present.tolist()
    return list(out.tolist())


def _records(rows: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """Row tuples for ``executemany``, made lazily (cheaper than a list of tuples)."""
    return zip(*(_column_values(rows, c) for c in STORED_COLUMNS), strict=True)


def _copy_csv(rows: pd.DataFrame) -> bytes:
    """Rows as CSV for ``COPY ... (FORMAT csv)``: an empty field is NULL.

    Written by Arrow's C++ CSV writer, which is about ten times faster than
    formatting the rows in Python.
    """
    arrays = []
    for column in STORED_COLUMNS:
        values = rows[column].to_numpy()
        missing = np.isnan(values) if values.dtype.kind == "f" else None
        if column in INTEGER_COLUMNS:
            filled = np.where(missing, 0, values) if missing is not None else values
            arrays.append(pa.array(filled.astype(np.int64), mask=missing, type=pa.int64()))
        else:
            arrays.append(pa.array(values, mask=missing, type=pa.float64()))
    table = pa.Table.from_arrays(arrays, names=list(STORED_COLUMNS))
    sink = io.BytesIO()
    pa_csv.write_csv(table, sink, pa_csv.WriteOptions(include_header=False, quoting_style="none"))
    return sink.getvalue()


def _existing(conn: sa.Connection, rows: pd.DataFrame) -> pd.DataFrame:
    """Stored rows for the devices and minute range covered by *rows*."""
    parts = []
    for device_id, group in rows.groupby("device_id", sort=False):
        matrix = fetch_matrix(
            conn,
            "SELECT device_id, ts, steps, activity, heart_rate, state FROM minute_sample "
            "WHERE device_id = ? AND ts BETWEEN ? AND ?",
            [int(device_id), int(group["ts"].min()), int(group["ts"].max())],
        )
        parts.append(pd.DataFrame(matrix, columns=["device_id", "ts", *VALUE_COLUMNS]))
    if not parts:
        return pd.DataFrame(columns=["device_id", "ts", *VALUE_COLUMNS])
    stored = pd.concat(parts, ignore_index=True)
    return stored.astype({"device_id": "int64", "ts": "int64"})


def _classify(rows: pd.DataFrame, stored: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """Split *rows* into new rows, duplicates and conflicts with *stored*."""
    if stored.empty:
        return rows, 0, 0
    merged = rows.merge(
        stored, on=["device_id", "ts"], how="left", suffixes=("", "_db"), indicator=True
    )
    present = (merged["_merge"] == "both").to_numpy()
    if not present.any():
        return rows, 0, 0
    equal = np.ones(len(merged), dtype=bool)
    for column in VALUE_COLUMNS:
        new = merged[column].astype("float64")
        old = merged[f"{column}_db"].astype("float64")
        equal &= ((new == old) | (new.isna() & old.isna())).to_numpy()
    conflict = present & ~equal
    n_conflict = int(conflict.sum())
    if n_conflict:
        first = merged.loc[conflict].iloc[0]
        log.warning(
            "%d stored minute(s) re-sent with different values; kept the stored values "
            "(first: device %d at %s)",
            n_conflict,
            int(first["device_id"]),
            pd.Timestamp(int(first["ts"]), unit="s", tz="UTC").isoformat(),
        )
    return rows.loc[~present], int((present & equal).sum()), n_conflict


def _insert_sqlite(conn: sa.Connection, rows: pd.DataFrame) -> int:
    if rows.empty:
        return 0
    tuples = _records(rows)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(
            f"INSERT OR IGNORE INTO minute_sample ({', '.join(STORED_COLUMNS)}) "  # noqa: S608 (fixed column names)
            f"VALUES ({', '.join('?' * len(STORED_COLUMNS))})",
            tuples,
        )
        return int(cursor.rowcount)
    finally:
        cursor.close()


def _insert_postgres(conn: sa.Connection, rows: pd.DataFrame) -> int:
    if rows.empty:
        return 0
    columns = ", ".join(STORED_COLUMNS)
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE IF NOT EXISTS minute_sample_incoming "
        "(LIKE minute_sample INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(
            f"COPY minute_sample_incoming ({columns}) FROM STDIN (FORMAT csv)"
        ) as copy:
            copy.write(_copy_csv(rows))
        cursor.execute(
            f"INSERT INTO minute_sample ({columns}) SELECT {columns} "  # noqa: S608 (fixed column names)
            "FROM minute_sample_incoming ON CONFLICT (device_id, ts) DO NOTHING"
        )
        inserted = int(cursor.rowcount)
        cursor.execute("TRUNCATE minute_sample_incoming")
        return inserted
    finally:
        cursor.close()


def write_samples(
    conn: sa.Connection,
    prepared: PreparedSamples,
) -> tuple[UpsertResult, pd.DataFrame]:
    """Store prepared rows on *conn* inside the caller's transaction.

    Returns what was done and the rows that were new (columns :data:`STORED_COLUMNS`).
    """
    new_rows, duplicate, conflicting = _classify(prepared.rows, _existing(conn, prepared.rows))
    if conn.dialect.name == "postgresql":
        inserted = _insert_postgres(conn, new_rows)
    else:
        inserted = _insert_sqlite(conn, new_rows)
    # A concurrent writer may have stored some of the new minutes first.
    raced = len(new_rows) - inserted
    # (Only PostgreSQL can race: SQLite writes hold the lock from BEGIN IMMEDIATE.)
    quarantined = int((new_rows["quality"] != 0).sum()) if inserted else 0
    result = UpsertResult(
        inserted=inserted,
        duplicate=duplicate + raced + prepared.in_frame_duplicate,
        conflicting=conflicting + prepared.in_frame_conflicting,
        quarantined=quarantined,
        rejected=prepared.rejected,
    )
    return result, new_rows
