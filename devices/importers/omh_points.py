"""What one Open mHealth data point contributes to an import: schemas, time frames, units.

The rules are stated in :mod:`devices.importers.omh` (which reads whole files
through :func:`take_data_point`) and ``docs/importing.md``, "Open mHealth";
schemas: https://github.com/openmhealth/schemas (``schema/omh``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from devices.importers.band_minutes import MAX_STEPS_PER_MINUTE, STATE_LABELS

__all__ = [
    "DEVICE_STATE_SCHEMA",
    "MAX_PER_MINUTE",
    "NS_PER_MINUTE",
    "DataPointError",
    "PointReadings",
    "take_data_point",
]

#: The project's extension schema carrying minute states.
DEVICE_STATE_SCHEMA = {"namespace": "ipsrt", "name": "device-state", "version": "1.0"}
#: (namespace, name) -> accepted major versions.
_READ_VERSIONS = {
    ("omh", "step-count"): {"2", "3"},
    ("omh", "heart-rate"): {"1", "2"},
    ("omh", "sleep-episode"): {"1"},
    ("omh", "physical-activity"): {"1"},
    ("ipsrt", "device-state"): {"1"},
}
_DURATION_NS = {
    "ps": 1e-3,
    "ns": 1,
    "us": 1e3,
    "ms": 1e6,
    "sec": 1e9,
    "min": 60e9,
    "h": 3600e9,
    "d": 86_400e9,
    "wk": 604_800e9,
}
NS_PER_MINUTE = 60_000_000_000
_MAX_SPAN_NS = 2 * 24 * 60 * NS_PER_MINUTE
MAX_PER_MINUTE = MAX_STEPS_PER_MINUTE
_AVERAGES = {None, "average", "median"}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class DataPointError(Exception):
    """A data point that breaks its schema; the file reader turns it into a one-line
    :class:`~devices.errors.ImportFormatError` naming the file and the point."""


@dataclass
class PointReadings:
    """What the data points of one import hold so far (times in ns since the Unix epoch, UTC)."""

    step_start: list[int] = field(default_factory=list)
    step_end: list[int] = field(default_factory=list)
    step_total: list[float] = field(default_factory=list)
    heart_time: list[int] = field(default_factory=list)
    heart_value: list[float] = field(default_factory=list)
    episode_start: list[int] = field(default_factory=list)
    episode_end: list[int] = field(default_factory=list)
    state_start: list[int] = field(default_factory=list)
    state_end: list[int] = field(default_factory=list)
    state_label: list[str] = field(default_factory=list)
    sources: Counter[str] = field(default_factory=Counter)
    ids: set[str] = field(default_factory=set)
    skipped: Counter[str] = field(default_factory=Counter)
    points: int = 0


# --- one data point -----------------------------------------------------------


def take_data_point(point: object, r: PointReadings) -> None:
    """Add what *point* holds to *r* (or count it skipped); DataPointError if malformed."""
    header = _object(point, "header", "data point")
    body = _object(point, "body", "data point")
    schema = _object(header, "schema_id", "header")
    namespace, name, version = (
        _text(schema, k, "schema_id") for k in ("namespace", "name", "version")
    )
    point_id = header.get("id")
    if point_id is not None and not isinstance(point_id, str):
        raise DataPointError("has a header id that is not a string")
    provenance = header.get("acquisition_provenance")
    source = "omh"
    if provenance is not None:
        if not isinstance(provenance, dict):
            raise DataPointError("has an acquisition_provenance that is not an object")
        source = _text(provenance, "source_name", "acquisition_provenance")
    major = version.split(".", 1)[0]
    if major not in _READ_VERSIONS.get((namespace, name), set()):
        r.skipped[f"data points of schema {namespace}:{name} {version}"] += 1
        return
    if point_id is not None:
        if point_id in r.ids:
            r.skipped["repeated data points (same header id)"] += 1
            return
        r.ids.add(point_id)
    r.sources[source] += 1
    if name == "step-count":
        _step_count(body, r)
    elif name == "heart-rate":
        _heart_rate(body, r)
    elif name == "sleep-episode":
        start, end = _interval(_time_frame(body, need_interval=True), r)
        if start is not None and end is not None:
            r.episode_start.append(start)
            r.episode_end.append(end)
    elif name == "device-state":
        label = _text(body, "device_state", "body")
        if label not in STATE_LABELS:
            raise DataPointError(f"has an unknown device_state {label[:40]!r}")
        start, end = _interval(_time_frame(body, need_interval=True), r)
        if start is not None and end is not None:
            r.state_start.append(start)
            r.state_end.append(end)
            r.state_label.append(label)
    else:
        r.skipped["physical-activity data points (no per-minute measure)"] += 1


def _step_count(body: dict[str, Any], r: PointReadings) -> None:
    raw = body.get("step_count")
    value = _number(raw, "step_count") if not isinstance(raw, dict) else _unit_value(raw, "steps")
    if body.get("descriptive_statistic") not in (None, "sum"):
        r.skipped["step counts that are not totals"] += 1
        return
    start, end = _interval(_time_frame(body, need_interval=True), r)
    if start is None or end is None:
        return
    if value > MAX_PER_MINUTE * max(1, -(-(end - start) // NS_PER_MINUTE)):
        raise DataPointError(f"counts {value:,.0f} steps, more than 65,535 a minute")
    r.step_start.append(start)
    r.step_end.append(end)
    r.step_total.append(value)


def _heart_rate(body: dict[str, Any], r: PointReadings) -> None:
    raw = body.get("heart_rate")
    if not isinstance(raw, dict):
        raise DataPointError("has no heart_rate {value, unit}")
    value = _unit_value(raw, "beats/min")
    if value > MAX_PER_MINUTE:
        raise DataPointError(f"has a heart rate of {value:,.0f} beats/min")
    if body.get("descriptive_statistic") not in _AVERAGES:
        r.skipped["heart rates that are not averages"] += 1
        return
    frame = _time_frame(body, need_interval=False)
    if "date_time" in frame:
        r.heart_time.append(_instant(frame["date_time"]))
    else:
        start, end = _interval(frame, r)
        if start is None or end is None:
            return
        if end - start > NS_PER_MINUTE:
            r.skipped["heart rates over more than a minute"] += 1
            return
        r.heart_time.append((start + end) // 2)
    r.heart_value.append(value)


def _time_frame(body: dict[str, Any], *, need_interval: bool) -> dict[str, Any]:
    frame = _object(body, "effective_time_frame", "body")
    if "time_interval" in frame:
        return _object(frame, "time_interval", "effective_time_frame")
    if need_interval or "date_time" not in frame:
        raise DataPointError("has no effective_time_frame.time_interval")
    return frame


def _interval(interval: dict[str, Any], r: PointReadings) -> tuple[int | None, int | None]:
    """(start, end) in ns of a time_interval, or (None, None) for a date and part of day."""
    start = interval.get("start_date_time")
    end = interval.get("end_date_time")
    duration = interval.get("duration")
    if start is not None and end is not None:
        lo, hi = _instant(start), _instant(end)
    elif duration is not None and (start is not None or end is not None):
        length = _duration(duration)
        if start is not None:
            lo = _instant(start)
            hi = lo + length
        else:
            hi = _instant(end)
            lo = hi - length
    elif "date" in interval and "part_of_day" in interval:
        r.skipped["data points dated by part of day"] += 1
        return None, None
    else:
        raise DataPointError("has a time_interval without two of start, end and duration")
    if hi < lo:
        raise DataPointError("has a time_interval that ends before it starts")
    if hi - lo > _MAX_SPAN_NS:
        raise DataPointError("has a time_interval longer than 2 days")
    return lo, hi


def _instant(value: object) -> int:
    if not isinstance(value, str) or "T" not in value.upper():
        raise DataPointError(f"has a date-time that is not RFC 3339: {str(value)[:40]!r}")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise DataPointError(f"has a date-time that is not RFC 3339: {value[:40]!r}") from None
    if moment.tzinfo is None:
        raise DataPointError(f"has a date-time without a UTC offset: {value[:40]!r}")
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def _duration(value: object) -> int:
    if not isinstance(value, dict):
        raise DataPointError("has a duration that is not {value, unit}")
    unit = value.get("unit")
    if unit not in _DURATION_NS:
        raise DataPointError(f"has a duration unit {str(unit)[:20]!r} that is not a fixed length")
    length = _number(value.get("value"), "duration") * _DURATION_NS[str(unit)]
    if length > _MAX_SPAN_NS:
        raise DataPointError("has a time_interval longer than 2 days")
    return round(length)


def _unit_value(value: dict[str, Any], unit: str) -> float:
    if value.get("unit") != unit:
        raise DataPointError(f"has a unit other than {unit!r}")
    return _number(value.get("value"), "value")


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataPointError(f"has a {what} that is not a number")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise DataPointError(f"has a {what} that is negative or not finite")
    return number


def _object(parent: object, key: str, what: str) -> dict[str, Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    if not isinstance(value, dict):
        raise DataPointError(f"has no {key} object in its {what}")
    return value


def _text(parent: Mapping[str, Any], key: str, what: str) -> str:
    value = parent.get(key)
    if not isinstance(value, str):
        raise DataPointError(f"has no {key} text in its {what}")
    return value
