"""Write Garmin FIT monitoring and sleep files from a known minute frame.

``fitdecode`` only decodes, so this is a small FIT *encoder*, written from the
public protocol description (https://developer.garmin.com/fit/protocol/) and
the message numbers of the FIT SDK profile (``Profile.xlsx`` in
https://developer.garmin.com/fit/download/):

- a 14-byte file header: header size, protocol version, profile version,
  data size, ``.FIT``, and a CRC of the first 12 bytes;
- records, each a one-byte header then content: a *definition* message
  (bit 6 set) names the global message and its fields (number, size, base
  type) for a local message type 0-15; a *data* message (bit 6 clear) holds
  the field values in that order, little-endian here;
- a *compressed timestamp* header (bit 7 set) addresses local types 0-3 and
  carries the low 5 bits of the time; it may follow a full timestamp by at
  most 31 s;
- a final CRC-16 (polynomial 0xA001, reflected, start 0) of every byte
  before it, header included.

:func:`write_garmin_fit` turns a ``band_week`` frame into what a Garmin band
keeps: one *monitoring* file per local day (``file_id``, ``monitoring_info``,
then ``monitoring`` messages with cumulative walking steps and heart rate)
and one *sleep* file per sleep episode (``file_id``, ``sleep_level``
messages). What the format cannot carry (stated in the ground-truth tests):
``not_worn`` minutes are written as minutes with no steps and no heart rate,
and ``awake`` minutes outside a sleep episode have no sleep level.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ipsrt.rhythm.sleep_timing import sleep_episodes
from tests.helpers.band_week import BERLIN_WEEK, band_week

__all__ = [
    "FIT_EPOCH_UNIX",
    "FitDevice",
    "FitRecordWriter",
    "fit_crc",
    "monitoring_day_file",
    "sleep_file",
    "write_garmin_fit",
    "write_sample",
]

#: Seconds from the Unix epoch to the FIT epoch, 1989-12-31T00:00:00Z.
FIT_EPOCH_UNIX = 631_065_600

# Base types (FIT protocol, "Base Types").
ENUM, UINT8, UINT16, UINT32, UINT32Z = 0x00, 0x02, 0x84, 0x86, 0x8C
_FORMATS = {ENUM: "B", UINT8: "B", UINT16: "H", UINT32: "I", UINT32Z: "I"}

# Global message numbers and field numbers (FIT SDK profile).
FILE_ID, MONITORING, MONITORING_INFO, SLEEP_LEVEL = 0, 55, 103, 275
TIMESTAMP = 253
WALKING = 6
FILE_MONITORING_B, FILE_SLEEP = 32, 49
#: sleep_level values of the profile: 0 unmeasurable, 1 awake, 2 light, 3 deep, 4 REM.
SLEEP_LEVELS = {"awake": 1, "sleep_light": 2, "sleep_deep": 3, "sleep_rem": 4}


def fit_crc(data: bytes, crc: int = 0) -> int:
    """CRC-16 of the FIT protocol: reflected polynomial 0xA001, start value 0."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


@dataclass(frozen=True)
class FitDevice:
    """What a ``file_id`` message says about the device."""

    serial_number: int | None = 3_912_345_678
    manufacturer: int = 1  # garmin
    product: int = 2927  # vivosmart_4 in the profile's garmin_product list


class FitRecordWriter:
    """Definition and data records of one FIT file, then the framed bytes."""

    def __init__(self) -> None:
        self._records = bytearray()
        self._fields: dict[int, Sequence[tuple[int, int]]] = {}

    def define(self, local: int, global_num: int, fields: Sequence[tuple[int, int]]) -> None:
        """Define local message type *local* as *global_num* with (field number, base type)."""
        content = struct.pack("<BBHB", 0, 0, global_num, len(fields))
        for number, base in fields:
            content += struct.pack("<BBB", number, struct.calcsize(_FORMATS[base]), base)
        self._records += bytes([0x40 | local]) + content
        self._fields[local] = fields

    def data(self, local: int, *values: int, time_offset: int | None = None) -> None:
        """A data record of type *local*; *time_offset* makes a compressed-timestamp header."""
        fields = self._fields[local]
        if len(values) != len(fields):
            raise ValueError("one value per defined field")
        if time_offset is None:
            header = local
        else:
            if local > 3:
                raise ValueError("compressed timestamp headers address local types 0-3")
            header = 0x80 | (local << 5) | (time_offset & 0x1F)
        body = b"".join(
            struct.pack("<" + _FORMATS[base], v)
            for (_, base), v in zip(fields, values, strict=True)
        )
        self._records += bytes([header]) + body

    def file_bytes(self, profile_version: int = 2132) -> bytes:
        """Header (with its CRC), records and the file CRC."""
        head = struct.pack("<BBHI4s", 14, 0x20, profile_version, len(self._records), b".FIT")
        head += struct.pack("<H", fit_crc(head))
        body = head + bytes(self._records)
        return body + struct.pack("<H", fit_crc(body))


def _fit_seconds(ts: pd.Timestamp) -> int:
    return int(ts.value // 1_000_000_000) - FIT_EPOCH_UNIX


def _file_id(w: FitRecordWriter, local: int, kind: int, device: FitDevice, created: int) -> None:
    fields = [(0, ENUM), (1, UINT16), (2, UINT16), (4, UINT32)]
    values = [kind, device.manufacturer, device.product, created]
    if device.serial_number is not None:
        fields.insert(3, (3, UINT32Z))
        values.insert(3, device.serial_number)
    w.define(local, FILE_ID, fields)
    w.data(local, *values)


def monitoring_day_file(
    day: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, tz: str, device: FitDevice
) -> bytes:
    """One monitoring file for the minutes *day* of ``[start, end)`` (UTC).

    Steps are cumulative walking cycles, reset to 0 at *start* (a message at
    *start* gives the base), written at the end of every minute with steps
    and at the end of every run of minutes without; heart rate is one
    reading 30 s into its minute: with a compressed timestamp header when a
    full timestamp was written at the minute's start, else with
    ``timestamp_16``.
    """
    w = FitRecordWriter()
    _file_id(w, 3, FILE_MONITORING_B, device, _fit_seconds(end))
    offset = int(start.tz_convert(tz).utcoffset().total_seconds())
    w.define(3, MONITORING_INFO, [(TIMESTAMP, UINT32), (0, UINT32)])
    w.data(3, _fit_seconds(start), _fit_seconds(start) + offset)
    w.define(0, MONITORING, [(27, UINT8)])
    w.define(1, MONITORING, [(TIMESTAMP, UINT32), (3, UINT32), (5, ENUM)])
    w.define(2, MONITORING, [(26, UINT16), (27, UINT8)])
    w.data(1, _fit_seconds(start), 0, WALKING)
    full_at = _fit_seconds(start)
    steps = np.nan_to_num(day["steps"].to_numpy(dtype=np.float64)).astype(np.int64)
    heart = day["heart_rate"].to_numpy(dtype=np.float64)
    seconds = [_fit_seconds(t) for t in day["ts"]]
    total = 0
    for i, t in enumerate(seconds):
        if not np.isnan(heart[i]):
            if full_at == t:
                w.data(0, int(heart[i]), time_offset=t + 30)
            else:
                w.data(2, (t + 30) & 0xFFFF, int(heart[i]))
        total += int(steps[i])
        last = i == len(seconds) - 1
        if steps[i] > 0 or last or steps[i + 1] > 0:
            w.data(1, t + 60, total, WALKING)
            full_at = t + 60
    return w.file_bytes()


def sleep_file(minutes: pd.DataFrame, device: FitDevice) -> bytes:
    """One sleep file: a ``sleep_level`` at each change of state and one at the last minute.

    The reader holds each level until the next one and the last one for a
    minute, so the file covers exactly the minutes of *minutes*.
    """
    w = FitRecordWriter()
    ts = list(minutes["ts"])
    _file_id(w, 0, FILE_SLEEP, device, _fit_seconds(ts[-1]) + 60)
    w.define(1, SLEEP_LEVEL, [(TIMESTAMP, UINT32), (0, ENUM)])
    states = list(minutes["state"])
    for i, (t, state) in enumerate(zip(ts, states, strict=True)):
        if i == 0 or state != states[i - 1] or i == len(ts) - 1:
            w.data(1, _fit_seconds(t), SLEEP_LEVELS[state])
    return w.file_bytes()


def sleep_windows(frame: pd.DataFrame) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Sleep episodes of *frame* (``ipsrt.rhythm.sleep_timing.sleep_episodes``): (onset, offset)."""
    state = frame["state"].astype(object)
    sleep = np.where(state.str.startswith("sleep_"), 1.0, np.where(state == "awake", 0.0, np.nan))
    series = pd.Series(sleep, index=pd.DatetimeIndex(frame["ts"]))
    episodes = sleep_episodes(series)
    return list(zip(episodes["onset"], episodes["offset"], strict=True))


def write_garmin_fit(
    frame: pd.DataFrame,
    directory: Path,
    *,
    tz: str,
    device: FitDevice = FitDevice(),
) -> list[Path]:
    """Write *frame* (``band_week`` columns) as FIT files under *directory*.

    ``Monitor/<yyyy-mm-dd>.fit`` for each local day and
    ``Sleep/<yyyy-mm-ddThhmm>.fit`` for each sleep episode (the layout of a
    band's own storage). Returns the paths written, sorted.
    """
    paths: list[Path] = []
    ts = pd.DatetimeIndex(frame["ts"])
    local = ts.tz_convert(tz)
    for day in pd.DatetimeIndex(local.normalize().unique()):
        start = pd.Timestamp(day).tz_convert("UTC")
        end = (pd.Timestamp(day).tz_localize(None) + pd.Timedelta(days=1)).tz_localize(tz)
        end = end.tz_convert("UTC")
        rows = frame[(ts >= start) & (ts < end)]
        path = directory / "Monitor" / f"{pd.Timestamp(day):%Y-%m-%d}.fit"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(monitoring_day_file(rows, start, end, tz, device))
        paths.append(path)
    for onset, offset in sleep_windows(frame):
        rows = frame[(ts >= onset) & (ts < offset)]
        path = directory / "Sleep" / f"{onset.tz_convert(tz):%Y-%m-%dT%H%M}.fit"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(sleep_file(rows, device))
        paths.append(path)
    return sorted(paths)


def write_sample(directory: Path) -> list[Path]:
    """The sample for ``data/``: ``band_week(*BERLIN_WEEK)`` as a band's FIT files."""
    tz, first_day = BERLIN_WEEK
    return write_garmin_fit(band_week(tz, first_day), directory / "garmin", tz=tz)
