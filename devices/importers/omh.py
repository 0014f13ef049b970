"""Open mHealth data points: read them into an :class:`ExportedMinutes`, write them from minutes.

Open mHealth (https://github.com/openmhealth/schemas, ``schema/omh``) is a
JSON interchange format: each *data point* is ``{"header": ..., "body":
...}``; the header names the body's schema (``schema_id``: namespace, name,
version), an ``id``, a ``creation_date_time`` and, optionally, the
``acquisition_provenance.source_name`` and ``user_id``. Times are RFC 3339
date-times with a UTC offset; a ``time_interval`` is given by two of start,
end and duration (``docs/importing.md``, "Open mHealth").

A file is a JSON array of data points, or JSON Lines (one data point a line);
a zip of such files is read member by member. Bodies read:

``omh:step-count`` 2.x / 3.x
    ``step_count`` (a number, or ``{value, unit: "steps"}``) over a
    ``time_interval``: interval totals (:func:`totals_per_minute`).
``omh:heart-rate`` 1.x / 2.x
    ``heart_rate {value, unit: "beats/min"}`` at a ``date_time``, or over a
    ``time_interval`` of at most a minute (read at its middle):
    :func:`mean_per_minute`. Minimum, maximum and other statistics that
    are not an average are skipped.
``omh:sleep-episode`` 1.x
    the episode's ``time_interval`` (onset to final awakening): its minutes
    are ``sleep_light`` (the schema has no stages, and the store no unstaged
    sleep state), unless the file holds device states (below).
``ipsrt:device-state`` 1.0
    this project's extension, a ``device_state`` label (``sleep_deep``,
    ``awake``, ``not_worn``...) over a ``time_interval``: the minute states
    exactly (:func:`states_per_minute`). A file that holds any gives its
    minute states by them alone; its sleep episodes are then summaries.
``omh:physical-activity`` 1.x
    counted, not imported: an activity name over a time has no per-minute
    measure.

Other schemas and versions, points whose interval is a date and part of day,
and repeats of a data point ``id`` are counted in the notes. A point that
breaks its schema refuses the whole file with one line naming the point.

The writers (:func:`omh_data_points`, :func:`write_omh`) write a minute frame
so that :func:`read_omh` gives it back exactly, but for ``activity`` (no
schema carries a device movement value); header ids are UUID 5 of the point's
content, so writing the same minutes again gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from devices.errors import ImportFormatError
from devices.importers.archives import ArchiveLimits, is_zip, open_archive
from devices.importers.band_minutes import (
    STATE_LABELS,
    ExportedMinutes,
    Progress,
    mean_per_minute,
    minute_frame,
    states_per_minute,
    totals_per_minute,
)
from devices.importers.omh_points import (
    DEVICE_STATE_SCHEMA,
    MAX_PER_MINUTE,
    NS_PER_MINUTE,
    DataPointError,
    PointReadings,
    take_data_point,
)
from ipsrt.rhythm.sleep_timing import sleep_episodes
from ipsrt.timeutil import zone

__all__ = [
    "DEVICE_STATE_SCHEMA",
    "MAX_OMH_BYTES",
    "OMH_ID_NAMESPACE",
    "omh_data_points",
    "read_omh",
    "write_omh",
]

#: UUID 5 namespace of the header ids the writers make.
OMH_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ipsrt:open-mhealth-data-point")
#: A JSON file is parsed whole, so larger ones are refused.
MAX_OMH_BYTES = 512 * 1024 * 1024

_STEP_COUNT = {"namespace": "omh", "name": "step-count", "version": "3.0"}
_HEART_RATE = {"namespace": "omh", "name": "heart-rate", "version": "2.0"}
_SLEEP_EPISODE = {"namespace": "omh", "name": "sleep-episode", "version": "1.1"}
_PRIORITY = ("sleep_deep", "sleep_rem", "sleep_light", "awake", "not_worn", "unknown")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def read_omh(
    path: Path,
    *,
    limits: ArchiveLimits = ArchiveLimits(),  # noqa: B008 - frozen, never changed
    progress: Progress | None = None,
) -> ExportedMinutes:
    """Read Open mHealth data points (module docstring) of one source.

    Raises
    ------
    ImportFormatError
        One line naming the file (and point): not JSON, not data points, a
        point breaking its schema, or points of several sources.
    """
    readings = PointReadings()
    documents = list(_documents(path, limits))
    total = sum(len(data) for _, data in documents)
    done = 0
    for name, data in documents:
        for where, point in _points(name, data):
            readings.points += 1
            try:
                take_data_point(point, readings)
            except DataPointError as exc:
                raise ImportFormatError(f"{name}: {where} {exc}") from None
        done += len(data)
        if progress is not None:
            progress(done, total)
    if readings.points == 0:
        raise ImportFormatError(f"{path.name} holds no data points")
    sources = sorted(readings.sources)
    if len(sources) > 1:
        listed = ", ".join(f"{s} ({readings.sources[s]:,})" for s in sources)
        raise ImportFormatError(
            f"{path.name} holds points of {len(sources)} sources ({listed}); import one at a time"
        )
    return _exported(readings, sources[0] if sources else "omh")


def _exported(r: PointReadings, source: str) -> ExportedMinutes:
    def ns(values: list[int]) -> np.ndarray:
        return np.asarray(values, dtype=np.int64)

    steps = totals_per_minute(ns(r.step_start), ns(r.step_end), r.step_total)
    if (steps > MAX_PER_MINUTE).any():
        raise ImportFormatError("step counts add up to more than 65,535 steps in a minute")
    episodes = states_per_minute(
        ns(r.episode_start),
        ns(r.episode_end),
        ["sleep_light"] * len(r.episode_start),
        priority=_PRIORITY,
    )
    states = states_per_minute(
        ns(r.state_start), ns(r.state_end), r.state_label, priority=_PRIORITY
    )
    if states.empty:
        states = episodes
    frame = minute_frame(
        steps=steps,
        heart_rate=mean_per_minute(ns(r.heart_time), r.heart_value),
        states=states,
    )
    notes = [f"{n:,} {what} skipped" for what, n in sorted(r.skipped.items())]
    return ExportedMinutes(
        source="omh",
        device_key=source,
        device_name=source if source != "omh" else None,
        minutes=frame,
        records=r.points,
        notes=tuple(notes),
    )


# --- files --------------------------------------------------------------------


def _documents(path: Path, limits: ArchiveLimits) -> list[tuple[str, bytes]]:
    if is_zip(path):
        with open_archive(path, limits) as archive:
            members = [
                m
                for m in archive.names()
                if m.lower().endswith((".json", ".jsonl"))
                and not m.rsplit("/", 1)[-1].startswith("._")
            ]
            for m in members:
                if archive.size(m) > MAX_OMH_BYTES:
                    raise ImportFormatError(f"{path.name}:{m} is over {MAX_OMH_BYTES:,} bytes")
            return [(f"{path.name}:{m}", archive.read(m)) for m in members]
    try:
        size = path.stat().st_size
        if size > MAX_OMH_BYTES:
            raise ImportFormatError(f"{path.name} is over {MAX_OMH_BYTES:,} bytes")
        return [(path.name, path.read_bytes())]
    except OSError as exc:
        raise ImportFormatError(f"cannot read {path.name} ({exc.strerror})") from exc


def _points(name: str, data: bytes) -> Iterator[tuple[str, Any]]:
    """(where, point) of a JSON array or JSON Lines document."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"{name} is not UTF-8 text (byte {exc.start})") from None
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            document = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ImportFormatError(f"{name} is not valid JSON ({_json_error(exc)})") from None
        for i, point in enumerate(document, start=1):
            yield f"data point {i}", point
        return
    if stripped and not stripped.startswith("{"):
        raise ImportFormatError(f"{name} is neither a JSON array nor JSON Lines of data points")
    index = 0
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        index += 1
        try:
            point = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ImportFormatError(
                f"{name}: line {line_number} is not valid JSON ({_json_error(exc)})"
            ) from None
        yield f"data point {index} (line {line_number})", point


def _json_error(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return "nested too deeply"


# --- writers ------------------------------------------------------------------


def omh_data_points(
    minutes: pd.DataFrame,
    *,
    user_id: str | None,
    source_name: str,
    tz: str,
    created: dt.datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """Open mHealth data points of a minute frame, in time order.

    Parameters
    ----------
    minutes
        Columns ``ts`` (UTC minute starts, strictly increasing), ``steps``,
        ``heart_rate``, ``state`` (:data:`MINUTE_FRAME_COLUMNS`; ``activity``
        is not written).
    user_id, source_name
        ``header.user_id`` (left out when None) and
        ``header.acquisition_provenance.source_name``.
    tz
        IANA zone whose UTC offset the date-times are written with.
    created
        ``header.creation_date_time`` of every point; by default the end of
        the point's own time interval (so the output depends on the minutes
        alone).

    Yields
    ------
    dict
        ``omh:step-count`` 3.0 per run of minutes with equal steps;
        ``omh:heart-rate`` 2.0 per minute (the minute's average);
        ``omh:sleep-episode`` 1.1 per sleep episode
        (:func:`ipsrt.rhythm.sleep_timing.sleep_episodes`);
        ``ipsrt:device-state`` 1.0 per run of minutes with equal state.
    """
    info = zone(tz)
    frame = _checked_minutes(minutes)
    ts = frame["ts"].to_numpy(dtype=np.int64)
    points: list[tuple[int, int, dict[str, Any]]] = []

    def add(order: int, schema: dict[str, str], start: int, end: int, body: dict[str, Any]) -> None:
        body["effective_time_frame"] = {
            "time_interval": {
                "start_date_time": _rfc3339(start, info),
                "end_date_time": _rfc3339(end, info),
            }
        }
        when = _rfc3339(end, info) if created is None else created.isoformat()
        points.append((start, order, _point(schema, body, when, user_id, source_name)))

    steps = frame["steps"].to_numpy(dtype=np.float64)
    for lo, hi in _runs(ts, steps):
        body: dict[str, Any] = {"step_count": {"value": _json_number(steps[lo]), "unit": "steps"}}
        add(0, _STEP_COUNT, int(ts[lo]), int(ts[hi - 1]) + NS_PER_MINUTE, body)
    heart = frame["heart_rate"].to_numpy(dtype=np.float64)
    for i in np.flatnonzero(~np.isnan(heart)):
        body = {
            "heart_rate": {"value": _json_number(heart[i]), "unit": "beats/min"},
            "descriptive_statistic": "average",
        }
        add(1, _HEART_RATE, int(ts[i]), int(ts[i]) + NS_PER_MINUTE, body)
    for onset, offset, sleep_min, waso_min in _episodes(frame):
        body = {
            "total_sleep_time": {"value": _json_number(sleep_min), "unit": "min"},
            "wake_after_sleep_onset": {"value": _json_number(waso_min), "unit": "min"},
        }
        add(2, _SLEEP_EPISODE, onset, offset, body)
    codes = pd.Categorical(frame["state"], categories=STATE_LABELS).codes.astype(np.float64)
    for lo, hi in _runs(ts, codes):
        body = {"device_state": STATE_LABELS[int(codes[lo])]}
        add(3, DEVICE_STATE_SCHEMA, int(ts[lo]), int(ts[hi - 1]) + NS_PER_MINUTE, body)
    points.sort(key=lambda p: (p[0], p[1]))
    for _, _, point in points:
        yield point


def write_omh(points: Iterable[Mapping[str, Any]], path: Path) -> int:
    """Write data points as a JSON array, one point a line (UTF-8); returns how many."""
    lines = [json.dumps(p, ensure_ascii=False, separators=(",", ":")) for p in points]
    text = "[\n" + ",\n".join(lines) + ("\n]\n" if lines else "]\n")
    path.write_text(text, encoding="utf-8")
    return len(lines)


def _checked_minutes(minutes: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("ts", "steps", "heart_rate", "state") if c not in minutes.columns]
    if missing:
        raise ValueError(f"minutes lack column(s) {', '.join(missing)}")
    ts = pd.DatetimeIndex(minutes["ts"])
    if ts.tz is None or str(ts.tz) != "UTC":
        raise ValueError("minutes need UTC timestamps")
    ns = ts.as_unit("ns").asi8
    if (ns % NS_PER_MINUTE != 0).any() or (np.diff(ns) <= 0).any():
        raise ValueError("ts must be minute starts, strictly increasing")
    unknown = set(minutes["state"]) - set(STATE_LABELS)
    if unknown:
        raise ValueError(f"unknown state labels {sorted(map(str, unknown))}")
    frame = minutes.loc[:, ["steps", "heart_rate", "state"]].copy()
    frame.insert(0, "ts", ns)
    return frame.reset_index(drop=True)


def _runs(ts: np.ndarray, values: np.ndarray) -> list[tuple[int, int]]:
    """[lo, hi) row ranges of consecutive minutes with one equal, non-NaN value."""
    if ts.size == 0:
        return []
    breaks = (np.diff(ts) != NS_PER_MINUTE) | (values[1:] != values[:-1])
    starts = np.concatenate(([0], np.flatnonzero(breaks) + 1))
    ends = np.append(starts[1:], ts.size)
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True) if not np.isnan(values[a])]


def _episodes(frame: pd.DataFrame) -> list[tuple[int, int, float, float]]:
    """(onset, offset, sleep minutes, wake minutes) of the frame's sleep episodes."""
    if frame.empty:
        return []
    state = frame["state"].astype(object)
    sleep = np.where(state.str.startswith("sleep_"), 1.0, np.where(state == "awake", 0.0, np.nan))
    index = pd.to_datetime(frame["ts"].to_numpy(), utc=True)
    grid = pd.date_range(index[0], index[-1], freq="min")
    if grid.size < 2:
        return []
    series = pd.Series(sleep, index=index).reindex(grid)
    found = sleep_episodes(series)
    return [
        (int(on.value), int(off.value), float(s), float(w))
        for on, off, s, w in zip(
            found["onset"], found["offset"], found["sleep_min"], found["waso_min"], strict=True
        )
    ]


def _point(
    schema: dict[str, str], body: dict[str, Any], created: str, user_id: str | None, source: str
) -> dict[str, Any]:
    content = json.dumps([schema, body, user_id, source], sort_keys=True, separators=(",", ":"))
    header: dict[str, Any] = {
        "id": str(uuid.uuid5(OMH_ID_NAMESPACE, content)),
        "creation_date_time": created,
        "schema_id": dict(schema),
        "acquisition_provenance": {"source_name": source, "modality": "sensed"},
    }
    if user_id is not None:
        header["user_id"] = user_id
    return {"header": header, "body": body}


def _rfc3339(ns: int, info: dt.tzinfo) -> str:
    moment = (_EPOCH + dt.timedelta(microseconds=ns // 1000)).astimezone(info)
    return moment.isoformat()


def _json_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)
