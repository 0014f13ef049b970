"""Write a Gadgetbridge-shaped database export from known band minutes.

The tables and columns are the ones Gadgetbridge's greenDAO entities produce
(``GBDaoGenerator.java`` in https://codeberg.org/Freeyourgadget/Gadgetbridge:
``Device``, ``User``, ``DeviceAttributes``, ``BatteryLevel`` and the activity
samples, whose primary key is ``TIMESTAMP`` + ``DEVICE_ID``), plus Android's
``android_metadata``. Each device family is written from a
:func:`tests.helpers.band_week.band_week` frame the way its band reports:

``huami`` / ``huami-extended``
    one row per minute at the minute's start; ``RAW_KIND`` the Huami byte
    (:data:`HUAMI_KINDS`: REM has no byte and is written as light sleep),
    heart rate 255 where there is none, ``RAW_INTENSITY`` = the minute's
    steps; the extended table also gets ``SLEEP``/``DEEP_SLEEP``/
    ``REM_SLEEP`` values a band would send (100 in the matching column);
``bangle``
    one row per 10-minute block (blocks start on UTC minutes divisible by
    10), stamped at the block's end: the block's step total, its mean heart
    rate rounded half to even (0 = none), ``RAW_INTENSITY`` = the step total,
    and the kind of the state covering most of its minutes (a tie goes to
    the state of the block's last minute);
``pinetime``
    one row per minute at an irregular second (5-54) with the state's kind,
    half the minute's steps (rounded down) and its heart rate (-1 = none),
    and, when the rest of the steps is not zero, a second row 3 s later with
    kind UNKNOWN, those steps and heart rate 0 (Gadgetbridge's step rows).

Not-worn minutes are written with 0 steps (the columns cannot be empty).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tests.helpers.band_week import BERLIN_WEEK, band_week

__all__ = [
    "BANGLE_KINDS",
    "HUAMI_KINDS",
    "ExportDevice",
    "bangle_rows",
    "huami_rows",
    "pinetime_rows",
    "sample_devices",
    "write_gadgetbridge",
    "write_sample",
]

#: Band-week state → Huami raw kind byte (``docs/devices.md``, "Huami samples and sleep kinds").
HUAMI_KINDS = {"awake": 1, "sleep_light": 9, "sleep_deep": 11, "sleep_rem": 9, "not_worn": 3}
#: Band-week state → Gadgetbridge activity-kind code (awake with steps: WALKING).
BANGLE_KINDS = {
    "awake": 0x1,
    "sleep_light": 0x2,
    "sleep_deep": 0x4,
    "sleep_rem": 0x1000000,
    "not_worn": 0x8,
}
_WALKING = 0x20
_UNKNOWN = 0x0

_SAMPLE_TABLE = {
    "huami": "MI_BAND_ACTIVITY_SAMPLE",
    "huami-extended": "HUAMI_EXTENDED_ACTIVITY_SAMPLE",
    "bangle": "BANGLE_JSACTIVITY_SAMPLE",
    "pinetime": "PINE_TIME_ACTIVITY_SAMPLE",
}
_KEY = '"TIMESTAMP" INTEGER NOT NULL ,"DEVICE_ID" INTEGER NOT NULL ,"USER_ID" INTEGER NOT NULL'
_PK = ',PRIMARY KEY ("TIMESTAMP" ,"DEVICE_ID") ON CONFLICT REPLACE) WITHOUT ROWID'
_INT = " INTEGER NOT NULL"
SCHEMA = (
    "CREATE TABLE android_metadata (locale TEXT)",
    'CREATE TABLE "USER" ("_id" INTEGER PRIMARY KEY ,"NAME" TEXT NOT NULL ,'
    '"BIRTHDAY" INTEGER NOT NULL ,"GENDER" INTEGER NOT NULL )',
    'CREATE TABLE "DEVICE" ("_id" INTEGER PRIMARY KEY ,"NAME" TEXT NOT NULL ,'
    '"MANUFACTURER" TEXT NOT NULL ,"IDENTIFIER" TEXT NOT NULL UNIQUE ,"TYPE" INTEGER NOT NULL ,'
    '"TYPE_NAME" TEXT NOT NULL ,"MODEL" TEXT,"ALIAS" TEXT,"PARENT_FOLDER" TEXT)',
    'CREATE TABLE "DEVICE_ATTRIBUTES" ("_id" INTEGER PRIMARY KEY ,'
    '"FIRMWARE_VERSION1" TEXT NOT NULL ,"FIRMWARE_VERSION2" TEXT,"VALID_FROM_UTC" INTEGER,'
    '"VALID_TO_UTC" INTEGER,"DEVICE_ID" INTEGER NOT NULL ,"VOLATILE_IDENTIFIER" TEXT)',
    'CREATE TABLE "BATTERY_LEVEL" ("TIMESTAMP" INTEGER NOT NULL ,"DEVICE_ID" INTEGER NOT NULL ,'
    '"LEVEL" INTEGER NOT NULL ,"BATTERY_INDEX" INTEGER NOT NULL ,'
    'PRIMARY KEY ("TIMESTAMP" ,"DEVICE_ID" ,"BATTERY_INDEX") ON CONFLICT REPLACE) WITHOUT ROWID',
    f'CREATE TABLE "MI_BAND_ACTIVITY_SAMPLE" ({_KEY} ,"RAW_INTENSITY"{_INT} ,"STEPS"{_INT} ,'
    f'"RAW_KIND"{_INT} ,"HEART_RATE"{_INT} {_PK}',
    f'CREATE TABLE "HUAMI_EXTENDED_ACTIVITY_SAMPLE" ({_KEY} ,"RAW_INTENSITY"{_INT} ,'
    f'"STEPS"{_INT} ,"RAW_KIND"{_INT} ,"HEART_RATE"{_INT} ,"UNKNOWN1" INTEGER,"SLEEP" INTEGER,'
    f'"DEEP_SLEEP" INTEGER,"REM_SLEEP" INTEGER{_PK}',
    f'CREATE TABLE "BANGLE_JSACTIVITY_SAMPLE" ({_KEY} ,"RAW_INTENSITY"{_INT} ,"STEPS"{_INT} ,'
    f'"RAW_KIND"{_INT} ,"HEART_RATE"{_INT} {_PK}',
    f'CREATE TABLE "PINE_TIME_ACTIVITY_SAMPLE" ({_KEY} ,"RAW_KIND"{_INT} ,"STEPS"{_INT} ,'
    f'"HEART_RATE"{_INT} {_PK}',
)
_INSERT = {
    "huami": "INSERT INTO MI_BAND_ACTIVITY_SAMPLE (TIMESTAMP, DEVICE_ID, USER_ID, STEPS, "
    "RAW_KIND, HEART_RATE, RAW_INTENSITY) VALUES (?, ?, 1, ?, ?, ?, ?)",
    "huami-extended": "INSERT INTO HUAMI_EXTENDED_ACTIVITY_SAMPLE (TIMESTAMP, DEVICE_ID, "
    "USER_ID, STEPS, RAW_KIND, HEART_RATE, RAW_INTENSITY, UNKNOWN1, SLEEP, DEEP_SLEEP, "
    "REM_SLEEP) VALUES (?, ?, 1, ?, ?, ?, ?, 0, ?, ?, ?)",
    "bangle": "INSERT INTO BANGLE_JSACTIVITY_SAMPLE (TIMESTAMP, DEVICE_ID, USER_ID, STEPS, "
    "RAW_KIND, HEART_RATE, RAW_INTENSITY) VALUES (?, ?, 1, ?, ?, ?, ?)",
    "pinetime": "INSERT INTO PINE_TIME_ACTIVITY_SAMPLE (TIMESTAMP, DEVICE_ID, USER_ID, STEPS, "
    "RAW_KIND, HEART_RATE) VALUES (?, ?, 1, ?, ?, ?)",
}
_TYPE = {
    "huami": (1, "MIBAND6", "Xiaomi"),
    "huami-extended": (1, "AMAZFITGTS2", "Huami"),
    "bangle": (2, "BANGLEJS", "Espruino"),
    "pinetime": (3, "PINETIME_JF", "Pine64"),
}


@dataclass(frozen=True)
class ExportDevice:
    """One device of an export: its family, ``DEVICE`` fields and band minutes."""

    family: str
    name: str
    mac: str
    minutes: pd.DataFrame
    alias: str | None = None


def _seconds(frame: pd.DataFrame) -> np.ndarray:
    return np.asarray(frame["ts"].dt.as_unit("s").astype("int64").to_numpy(), dtype=np.int64)


def _whole(values: pd.Series, missing: int) -> list[int]:
    return [missing if np.isnan(v) else int(v) for v in values.to_numpy(dtype=np.float64)]


def huami_rows(frame: pd.DataFrame, *, extended: bool = False) -> list[tuple[int, ...]]:
    """(TIMESTAMP, STEPS, RAW_KIND, HEART_RATE, RAW_INTENSITY[, SLEEP, DEEP, REM]) per minute."""
    steps = _whole(frame["steps"], 0)
    heart = _whole(frame["heart_rate"], 255)
    out: list[tuple[int, ...]] = []
    for ts, step, hr, state in zip(_seconds(frame), steps, heart, frame["state"], strict=True):
        row: tuple[int, ...] = (int(ts), step, HUAMI_KINDS[state], hr, step)
        if extended:
            sleepy = state.startswith("sleep")
            row += (
                100 if sleepy else 0,
                100 * (state == "sleep_deep"),
                100 * (state == "sleep_rem"),
            )
        out.append(row)
    return out


def block_state(states: Sequence[str]) -> str:
    """The state of most minutes of a block; a tie goes to the latest minute's state."""
    counts = Counter(states)
    best = max(counts.values())
    return next(s for s in reversed(states) if counts[s] == best)


def bangle_rows(frame: pd.DataFrame) -> list[tuple[int, ...]]:
    """(TIMESTAMP = block end, STEPS, RAW_KIND, HEART_RATE, RAW_INTENSITY) per 10-minute block."""
    block = _seconds(frame) // 600
    out: list[tuple[int, ...]] = []
    for key, part in frame.groupby(block, sort=True):
        steps = int(part["steps"].fillna(0).sum())
        hr = part["heart_rate"].dropna()
        mean_hr = round(float(hr.mean())) if len(hr) else 0
        state = block_state(list(part["state"]))
        kind = _WALKING if state == "awake" and steps > 0 else BANGLE_KINDS[state]
        out.append(((int(key) + 1) * 600, steps, kind, mean_hr, steps))
    return out


def pinetime_rows(frame: pd.DataFrame) -> list[tuple[int, ...]]:
    """(TIMESTAMP, STEPS, RAW_KIND, HEART_RATE) at irregular seconds (module docstring)."""
    steps = _whole(frame["steps"], 0)
    heart = _whole(frame["heart_rate"], -1)
    out: list[tuple[int, ...]] = []
    for i, (ts, step, hr, state) in enumerate(
        zip(_seconds(frame), steps, heart, frame["state"], strict=True)
    ):
        second = 5 + (i * 23) % 50
        out.append((int(ts) + second, step // 2, BANGLE_KINDS[state], hr))
        if step - step // 2:
            out.append((int(ts) + second + 3, step - step // 2, _UNKNOWN, 0))
    return out


def _rows(device: ExportDevice) -> list[tuple[int, ...]]:
    if device.family in ("huami", "huami-extended"):
        return huami_rows(device.minutes, extended=device.family == "huami-extended")
    if device.family == "bangle":
        return bangle_rows(device.minutes)
    return pinetime_rows(device.minutes)


def write_gadgetbridge(path: Path, devices: Sequence[ExportDevice]) -> Path:
    """Write an export holding *devices* (``DEVICE._id`` 1, 2, … in order) to *path*."""
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        with connection:
            for statement in SCHEMA:
                connection.execute(statement)
            connection.execute("INSERT INTO android_metadata VALUES ('en_GB')")
            connection.execute("INSERT INTO USER VALUES (1, 'Gadgetbridge User', 0, 2)")
            for number, device in enumerate(devices, start=1):
                type_code, type_name, maker = _TYPE[device.family]
                connection.execute(
                    "INSERT INTO DEVICE VALUES (?, ?, ?, ?, ?, ?, NULL, ?, NULL)",
                    (number, device.name, maker, device.mac, type_code, type_name, device.alias),
                )
                first = int(_seconds(device.minutes)[0]) if len(device.minutes) else 0
                connection.execute(
                    "INSERT INTO DEVICE_ATTRIBUTES VALUES (?, '1.0.0', NULL, ?, NULL, ?, NULL)",
                    (number, first * 1000, number),
                )
                connection.execute(
                    "INSERT INTO BATTERY_LEVEL VALUES (?, ?, 87, 0)", (first, number)
                )
                connection.executemany(
                    _INSERT[device.family],
                    [(row[0], number, *row[1:]) for row in _rows(device)],
                )
            connection.execute("PRAGMA user_version = 92")
        connection.execute("VACUUM")
    finally:
        connection.close()
    return path


def sample_devices() -> list[ExportDevice]:
    """The sample export's devices: a Mi Band on the Berlin DST day (23 h), a Bangle.js week."""
    week = band_week(*BERLIN_WEEK)
    day = week["ts"].dt.tz_convert(BERLIN_WEEK[0]).dt.date
    change_day = week[day == BERLIN_WEEK[1] + dt.timedelta(days=3)].reset_index(drop=True)
    return [
        ExportDevice("huami", "Mi Smart Band 6", "C8:0F:10:6A:2B:01", change_day),
        ExportDevice("bangle", "Bangle.js 7f3c", "e4:11:0b:22:7f:3c", week, alias="Blue watch"),
    ]


def write_sample(directory: Path) -> list[Path]:
    """Write ``gadgetbridge.db`` (the devices of :func:`sample_devices`) into *directory*."""
    return [write_gadgetbridge(Path(directory) / "gadgetbridge.db", sample_devices())]
