"""Write Apple Health exports (``export.xml``, ``export.zip``) from a known minute series.

The layout is the one the Health app's "Export All Health Data" produces
(``docs/importing.md``, "Apple Health"): an XML declaration, an internal
DOCTYPE subset declaring the elements (no entities), a ``HealthData`` root
with ``ExportDate`` and ``Me``, then ``Record`` elements (attributes
``type sourceName sourceVersion device unit creationDate startDate endDate
value``, some with ``MetadataEntry`` children), ``Workout`` and
``ActivitySummary`` elements. Dates are local wall-clock times with their UTC
offset (``2026-03-29 03:00:00 +0200``).

From a :func:`tests.helpers.band_week.band_week` frame, two sources are written:

``WATCH`` (:data:`WATCH`, the one with most records)
    heart rate: one reading 17 s into each minute with a reading, or, every
    tenth such minute, two readings (value - 1 at 5 s, value + 1 at 35 s)
    whose mean is the value; steps: one record per minute with steps > 0,
    covering exactly that minute (Apple writes no zero-step samples); sleep:
    ``InBed`` over each night (23:00-07:00 local), and one record per run of
    a stage inside it: ``sleep_light`` as ``AsleepCore`` (the first light run
    of each night as ``AsleepUnspecified``), ``sleep_deep`` as ``AsleepDeep``,
    ``sleep_rem`` as ``AsleepREM``, ``awake`` as ``Awake``; plus active
    energy records (a type the reader skips).
``IPHONE`` (:data:`IPHONE`)
    steps totalled over 10-minute blocks (UTC-aligned), overlapping the
    watch's, and walking distance records (skipped).

Not-worn minutes have no record at all (Apple has no non-wear sample).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import quoteattr as _quoteattr

import numpy as np
import pandas as pd

from tests.helpers.band_week import BERLIN_WEEK, band_week

__all__ = [
    "EXPORT_MEMBER",
    "IPHONE",
    "SAMPLE_DAYS",
    "WATCH",
    "WATCH_DEVICE_NAME",
    "export_xml",
    "write_export_xml",
    "write_export_zip",
    "write_sample",
]

WATCH = "Ana\u2019s Apple Watch"
IPHONE = "Ana\u2019s iPhone"
WATCH_DEVICE_NAME = "Apple Watch"
EXPORT_MEMBER = "apple_health_export/export.xml"
#: Days of :data:`BERLIN_WEEK` in the sample file (kept to a few tens of KB zipped).
SAMPLE_DAYS = 1

_WATCH_DEVICE = (
    "<<HKDevice: 0x600002b4c1e0>, name:Apple Watch, manufacturer:Apple Inc., "
    "model:Watch, hardware:Watch6,2, software:10.3>"
)
_PHONE_DEVICE = (
    "<<HKDevice: 0x600002b4d2f0>, name:iPhone, manufacturer:Apple Inc., "
    "model:iPhone, hardware:iPhone14,5, software:17.3>"
)
_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- A shortened form of the declarations the Health app writes. -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate value CDATA #REQUIRED>
<!ELEMENT Me EMPTY>
<!ATTLIST Me HKCharacteristicTypeIdentifierDateOfBirth CDATA #REQUIRED>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry key CDATA #REQUIRED value CDATA #REQUIRED>
<!ELEMENT Workout ((MetadataEntry|WorkoutStatistics)*)>
<!ELEMENT WorkoutStatistics EMPTY>
<!ELEMENT ActivitySummary EMPTY>
]>
<HealthData locale="en_DE">
 <ExportDate value="{export_date}"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1990-05-17"/>
"""
_STEPS = "HKQuantityTypeIdentifierStepCount"
_HEART = "HKQuantityTypeIdentifierHeartRate"
_SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
_STAGE = {
    "sleep_light": "HKCategoryValueSleepAnalysisAsleepCore",
    "sleep_deep": "HKCategoryValueSleepAnalysisAsleepDeep",
    "sleep_rem": "HKCategoryValueSleepAnalysisAsleepREM",
    "awake": "HKCategoryValueSleepAnalysisAwake",
}
_SECOND = pd.Timedelta(seconds=1)
quoteattr = lru_cache(maxsize=4096)(_quoteattr)
_MINUTE = pd.Timedelta(minutes=1)
#: Added to (first minute, last minute) of a run: its start and end instants.
_SPAN = pd.to_timedelta([0, 60], unit="s")


def _dates(instants: pd.DatetimeIndex, tz: str) -> list[str]:
    """``YYYY-MM-DD HH:MM:SS +HHMM`` in the zone *tz*, as the Health app writes them.

    The wall clock and the offset come from pandas' time zone conversion (the
    IANA rules); only the text is assembled here, for all dates at once.
    """
    wall = instants.tz_convert(tz).tz_localize(None)
    offset = np.asarray((wall - instants.tz_convert("UTC").tz_localize(None)).total_seconds())
    minutes = np.abs(offset).astype(np.int64) // 60
    text = np.datetime_as_string(wall.to_numpy().astype("datetime64[s]"))
    sign = np.where(offset < 0, "-", "+")
    return [
        f"{t[:10]} {t[11:]} {s}{m // 60:02d}{m % 60:02d}"
        for t, s, m in zip(text.tolist(), sign.tolist(), minutes.tolist(), strict=True)
    ]


def _record(
    kind: str,
    source: str,
    device: str,
    unit: str | None,
    start: str,
    end: str,
    value: str,
    metadata: tuple[tuple[str, str], ...] = (),
) -> str:
    unit_attr = f" unit={quoteattr(unit)}" if unit else ""
    head = (
        f" <Record type={quoteattr(kind)} sourceName={quoteattr(source)} "
        f'sourceVersion="10.3" device={quoteattr(device)}{unit_attr} '
        f'creationDate="{end}" startDate="{start}" endDate="{end}" value={quoteattr(value)}'
    )
    if not metadata:
        return head + "/>\n"
    entries = "".join(
        f"  <MetadataEntry key={quoteattr(k)} value={quoteattr(v)}/>\n" for k, v in metadata
    )
    return head + ">\n" + entries + " </Record>\n"


def _heart_records(frame: pd.DataFrame, tz: str) -> Iterator[str]:
    worn = frame[frame["heart_rate"].notna()].reset_index(drop=True)
    ts = pd.DatetimeIndex(worn["ts"])
    value = worn["heart_rate"].to_numpy()
    twice = np.arange(len(worn)) % 10 == 9
    times: list[pd.Timedelta] = []
    values: list[float] = []
    for i in range(len(worn)):
        if twice[i]:
            times += [ts[i] + 5 * _SECOND, ts[i] + 35 * _SECOND]
            values += [value[i] - 1, value[i] + 1]
        else:
            times.append(ts[i] + 17 * _SECOND)
            values.append(value[i])
    dates = _dates(pd.DatetimeIndex(times), tz)
    motion = (("HKMetadataKeyHeartRateMotionContext", "0"),)
    for date, v in zip(dates, values, strict=True):
        yield _record(_HEART, WATCH, _WATCH_DEVICE, "count/min", date, date, f"{v:g}", motion)


def _watch_step_records(frame: pd.DataFrame, tz: str) -> Iterator[str]:
    moving = frame[frame["steps"] > 0]
    ts = pd.DatetimeIndex(moving["ts"])
    starts, ends = _dates(ts, tz), _dates(ts + _MINUTE, tz)
    for start, end, v in zip(starts, ends, moving["steps"].to_numpy(), strict=True):
        yield _record(_STEPS, WATCH, _WATCH_DEVICE, "count", start, end, f"{v:g}")


def _phone_records(frame: pd.DataFrame, tz: str) -> Iterator[str]:
    block = frame["ts"].dt.floor("10min")
    totals = frame["steps"].fillna(0).groupby(block).sum()
    totals = totals[totals > 0]
    ts = pd.DatetimeIndex(totals.index)
    starts, ends = _dates(ts, tz), _dates(ts + 10 * _MINUTE, tz)
    for start, end, v in zip(starts, ends, totals.to_numpy(), strict=True):
        yield _record(_STEPS, IPHONE, _PHONE_DEVICE, "count", start, end, f"{v:g}")
        yield _record(
            "HKQuantityTypeIdentifierDistanceWalkingRunning",
            IPHONE,
            _PHONE_DEVICE,
            "km",
            start,
            end,
            f"{v * 0.0007:.4f}",
        )


def _runs(mask_or_labels: np.ndarray) -> list[tuple[int, int]]:
    """(first, last + 1) index pairs of runs of equal consecutive values."""
    change = np.flatnonzero(mask_or_labels[1:] != mask_or_labels[:-1]) + 1
    bounds = np.concatenate([[0], change, [len(mask_or_labels)]])
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))


def _sleep_records(frame: pd.DataFrame, tz: str) -> Iterator[str]:
    ts = pd.DatetimeIndex(frame["ts"])
    local = ts.tz_convert(tz)
    minute_of_day = np.asarray(local.hour * 60 + local.minute)
    night = (minute_of_day >= 23 * 60) | (minute_of_day < 7 * 60)
    state = frame["state"].to_numpy(dtype=object)
    zone = (("HKTimeZone", tz),)
    for first, stop in _runs(night):
        if not night[first]:
            continue
        start, end = _dates(ts[[first, stop - 1]] + _SPAN, tz)
        yield _record(
            _SLEEP,
            WATCH,
            _WATCH_DEVICE,
            None,
            start,
            end,
            "HKCategoryValueSleepAnalysisInBed",
            zone,
        )
        unspecified_written = False
        for a, b in _runs(state[first:stop]):
            label = state[first + a]
            value = _STAGE[label]
            if label == "sleep_light" and not unspecified_written:
                value = "HKCategoryValueSleepAnalysisAsleepUnspecified"
                unspecified_written = True
            lo, hi = _dates(ts[[first + a, first + b - 1]] + _SPAN, tz)
            yield _record(_SLEEP, WATCH, _WATCH_DEVICE, None, lo, hi, value, zone)


def _skipped_elements(frame: pd.DataFrame, tz: str) -> Iterator[str]:
    ts = pd.DatetimeIndex(frame["ts"])
    start, end = _dates(ts[[600, 630]], tz)
    yield _record(
        "HKQuantityTypeIdentifierActiveEnergyBurned",
        WATCH,
        _WATCH_DEVICE,
        "Cal",
        start,
        end,
        "12.5",
    )
    yield (
        f' <Workout workoutActivityType="HKWorkoutActivityTypeWalking" duration="30" '
        f'durationUnit="min" sourceName={quoteattr(WATCH)} sourceVersion="10.3" '
        f'creationDate="{end}" startDate="{start}" endDate="{end}">\n'
        '  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n'
        f'  <WorkoutStatistics type="{_STEPS}" startDate="{start}" endDate="{end}" '
        'sum="2400" unit="count"/>\n'
        " </Workout>\n"
    )
    for day in sorted(set(ts.tz_convert(tz).strftime("%Y-%m-%d"))):
        yield (
            f' <ActivitySummary dateComponents="{day}" activeEnergyBurned="420" '
            'activeEnergyBurnedGoal="500" activeEnergyBurnedUnit="Cal" '
            'appleExerciseTime="31" appleExerciseTimeGoal="30" appleStandHours="11" '
            'appleStandHoursGoal="12"/>\n'
        )


def export_xml(frame: pd.DataFrame, tz: str) -> bytes:
    """The ``export.xml`` of *frame* (a ``band_week`` frame in zone *tz*), module docstring."""
    last = pd.DatetimeIndex(frame["ts"])[[-1]] + _MINUTE
    parts = [_HEAD.format(export_date=_dates(last, tz)[0])]
    parts += _heart_records(frame, tz)
    # The two sources' step records interleaved in time, as a phone's export has them.
    steps = sorted(
        [*_watch_step_records(frame, tz), *_phone_records(frame, tz)],
        key=lambda r: r.split('startDate="')[1][:19],
    )
    parts += steps
    parts += _sleep_records(frame, tz)
    parts += _skipped_elements(frame, tz)
    parts.append("</HealthData>\n")
    return "".join(parts).encode("utf-8")


def write_export_xml(path: Path, frame: pd.DataFrame, tz: str) -> Path:
    """Write :func:`export_xml` of *frame* to *path*."""
    path.write_bytes(export_xml(frame, tz))
    return path


def write_export_zip(path: Path, frame: pd.DataFrame, tz: str) -> Path:
    """Write ``export.zip`` with :data:`EXPORT_MEMBER` and the clinical-document member.

    Members carry a fixed time stamp, so the same frame always gives the same bytes.
    """
    buffer = io.BytesIO()
    stamp = (2026, 4, 2, 8, 0, 0)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo(EXPORT_MEMBER, stamp),
            export_xml(frame, tz),
            compress_type=zipfile.ZIP_DEFLATED,
        )
        archive.writestr(
            zipfile.ZipInfo("apple_health_export/export_cda.xml", stamp),
            '<?xml version="1.0" encoding="UTF-8"?>\n<ClinicalDocument/>\n',
            compress_type=zipfile.ZIP_DEFLATED,
        )
    path.write_bytes(buffer.getvalue())
    return path


def write_sample(directory: Path) -> list[Path]:
    """Write ``apple-health-export.zip`` (:data:`SAMPLE_DAYS` days of ``BERLIN_WEEK``)."""
    tz, first_day = BERLIN_WEEK
    frame = band_week(tz, first_day, days=SAMPLE_DAYS)
    return [write_export_zip(directory / "apple-health-export.zip", frame, tz)]
