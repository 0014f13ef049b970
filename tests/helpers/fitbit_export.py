"""Write a Fitbit Google Takeout export (folder and zip) from a known band frame.

The layout and fields follow the public descriptions of the export
(``docs/importing.md``, "Fitbit (Google Takeout)"): under
``Takeout/Fitbit/Global Export Data/``

- ``sleep-<first day>.json``: one log per night (consecutive minutes between
  23:00 and 07:00 local), newest first as the Web API lists them. The first
  night is a ``classic`` log (levels asleep/awake), the others ``stages``
  logs (deep/light/rem/wake) with an empty ``shortData``;
- ``steps-<first day>.json``: every minute of the frame, ``"0"`` where the
  band was not worn (the export has no non-wear marker);
- ``heart_rate-<day>.json``: one file per day of the written clock; each
  minute with a heart rate has readings 5 to 15 s apart whose mean is exactly
  the minute's value (even minutes: 4 readings 15 s apart, v-1, v+1, v+2,
  v-2; odd minutes: 6 readings at 0, 5, 10, 20, 35, 50 s, v, v+3, v-3, v+1,
  v-1, v);
- ``calories-<first day>.json``: a file of a kind the reader leaves alone.

Intraday times are written as wall clock in the frame's zone
(``timestamps="local"``) or in UTC (``"utc"``); sleep times are always local.
What the reader can get back (:func:`fitbit_projection`): the frame without
the not-worn minutes' non-wear state (they read as steps 0, no heart rate,
``unknown``), and the classic night's stages as ``sleep_light``.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from tests.helpers.band_week import BERLIN_WEEK, band_week

__all__ = [
    "EXPORT_FOLDER",
    "SAMPLE_DAYS",
    "SAMPLE_NAME",
    "fitbit_projection",
    "sample_frame",
    "write_fitbit_folder",
    "write_fitbit_zip",
    "write_sample",
]

EXPORT_FOLDER = "Takeout/Fitbit/Global Export Data"
SAMPLE_NAME = "fitbit-takeout.zip"
#: The sample holds two local days of the Berlin week (28-29 March 2026),
#: which cross the spring DST change and keep the zip a few tens of KB.
SAMPLE_DAYS = (dt.date(2026, 3, 28), 2)

_STAGE = {"sleep_deep": "deep", "sleep_light": "light", "sleep_rem": "rem", "awake": "wake"}
_CLASSIC = {
    "sleep_deep": "asleep",
    "sleep_light": "asleep",
    "sleep_rem": "asleep",
    "awake": "awake",
}
_EVEN = ((0, -1), (15, 1), (30, 2), (45, -2))
_ODD = ((0, 0), (5, 3), (10, -3), (20, 1), (35, -1), (50, 0))
_ZIP_TIME = (2026, 4, 10, 12, 0, 0)


def sample_frame() -> pd.DataFrame:
    """The minutes of the sample: :data:`SAMPLE_DAYS` of ``band_week(*BERLIN_WEEK)``."""
    tz, first = BERLIN_WEEK
    frame = band_week(tz, first)
    day, days = SAMPLE_DAYS
    local = frame["ts"].dt.tz_convert(tz).dt.date
    keep = (local >= day) & (local < day + dt.timedelta(days=days))
    return frame.loc[keep].reset_index(drop=True)


def night_logs(frame: pd.DataFrame, tz: str) -> list[pd.DataFrame]:
    """The frame's nights: runs of consecutive minutes between 23:00 and 07:00 local."""
    local = frame["ts"].dt.tz_convert(tz)
    minute = (local.dt.hour * 60 + local.dt.minute).to_numpy()
    night = (minute >= 23 * 60) | (minute < 7 * 60)
    gap = frame["ts"].diff().ne(pd.Timedelta(minutes=1)).to_numpy()
    run = np.cumsum(night & (np.r_[True, ~night[:-1]] | gap))
    return [part for _, part in frame.loc[night].groupby(run[night])]


def fitbit_projection(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    """What the reader must return for an export of *frame* (module docstring)."""
    expected = frame.copy()
    off = (expected["state"] == "not_worn").to_numpy()
    expected.loc[off, "steps"] = 0.0
    expected.loc[off, "state"] = "unknown"
    classic = night_logs(frame, tz)[0]
    light = classic["state"].str.startswith("sleep_")
    expected.loc[classic.index[light.to_numpy()], "state"] = "sleep_light"
    expected["activity"] = np.nan
    expected["ts"] = expected["ts"].dt.as_unit("ns")
    return expected.loc[:, ["ts", "steps", "heart_rate", "activity", "state"]]


def write_fitbit_folder(
    frame: pd.DataFrame,
    tz: str,
    directory: Path,
    *,
    timestamps: Literal["local", "utc"] = "local",
) -> Path:
    """Write the export under *directory*/``Takeout/...``; return *directory*."""
    base = directory / EXPORT_FOLDER
    base.mkdir(parents=True, exist_ok=True)
    for name, content in export_files(frame, tz, timestamps=timestamps).items():
        (base / name).write_bytes(content)
    return directory


def write_fitbit_zip(
    frame: pd.DataFrame, tz: str, path: Path, *, timestamps: Literal["local", "utc"] = "local"
) -> Path:
    """Write the export as a Takeout zip (deflated, fixed member times) at *path*."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in export_files(frame, tz, timestamps=timestamps).items():
            info = zipfile.ZipInfo(f"{EXPORT_FOLDER}/{name}", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return path


def write_sample(directory: Path) -> list[Path]:
    """Write the sample Takeout zip for ``data/`` (:func:`sample_frame`, Europe/Berlin)."""
    tz = BERLIN_WEEK[0]
    return [write_fitbit_zip(sample_frame(), tz, directory / SAMPLE_NAME)]


def export_files(
    frame: pd.DataFrame, tz: str, *, timestamps: Literal["local", "utc"] = "local"
) -> dict[str, bytes]:
    """File name to content of every file of the export of *frame*."""
    local = frame["ts"].dt.tz_convert(tz)
    first = local.iloc[0].date()
    clock = local if timestamps == "local" else frame["ts"]
    files = {
        f"calories-{first}.json": _json([{"dateTime": "01/01/26 00:00:00", "value": "1.2"}]),
        f"sleep-{first}.json": _json(_sleep_logs(frame, tz)),
        f"steps-{first}.json": _json(_steps(frame, clock)),
    }
    for day, readings in _heart_rate(frame, clock).items():
        files[f"heart_rate-{day}.json"] = _json(readings)
    return files


def _steps(frame: pd.DataFrame, clock: pd.Series) -> list[dict[str, object]]:
    steps = frame["steps"].fillna(0).astype(int).to_numpy()
    stamps = _intraday_text(_naive(clock))
    return [{"dateTime": t, "value": str(n)} for t, n in zip(stamps, steps, strict=True)]


def _heart_rate(frame: pd.DataFrame, clock: pd.Series) -> dict[dt.date, list[dict[str, object]]]:
    worn = frame["heart_rate"].notna().to_numpy()
    position = np.flatnonzero(worn)
    starts: list[np.ndarray] = []
    offsets: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for parity, pattern in ((0, _EVEN), (1, _ODD)):
        chosen = position[position % 2 == parity]
        shift, delta = (np.array(column) for column in zip(*pattern, strict=True))
        starts.append(np.repeat(chosen, len(pattern)))
        offsets.append(np.tile(shift, chosen.size))
        values.append(np.tile(delta, chosen.size))
    start, offset, delta = (np.concatenate(a) for a in (starts, offsets, values))
    order = np.lexsort((offset, start))
    start, offset, delta = start[order], offset[order], delta[order]
    bpm = frame["heart_rate"].to_numpy()[start].astype(int) + delta
    wall = _naive(clock)[start]
    text = _intraday_text(wall + offset.astype("timedelta64[s]"))
    day = wall.astype("datetime64[D]").astype(object)
    days: dict[dt.date, list[dict[str, object]]] = {}
    for d, t, b in zip(day, text, bpm, strict=True):
        days.setdefault(d, []).append({"dateTime": t, "value": {"bpm": int(b), "confidence": 2}})
    return days


def _sleep_logs(frame: pd.DataFrame, tz: str) -> list[dict[str, object]]:
    logs = []
    for k, night in enumerate(night_logs(frame, tz)):
        names = _CLASSIC if k == 0 else _STAGE
        level = night["state"].map(names).to_numpy()
        change = np.r_[True, level[1:] != level[:-1]]
        starts = np.flatnonzero(change)
        lengths = np.diff(np.r_[starts, len(level)])
        local = night["ts"].dt.tz_convert(tz)
        start = local.iloc[0]
        end = local.iloc[-1] + pd.Timedelta(minutes=1)
        data = [
            {"dateTime": _wall(local.iloc[i]), "level": str(level[i]), "seconds": int(60 * m)}
            for i, m in zip(starts, lengths, strict=True)
        ]
        awake = int((level == ("awake" if k == 0 else "wake")).sum())
        summary = {
            str(name): {
                "count": int((level[starts] == name).sum()),
                "minutes": int((level == name).sum()),
            }
            for name in sorted(set(level))
        }
        logs.append(
            {
                "logId": 40_000_000_000 + k,
                "dateOfSleep": str(end.date()),
                "startTime": _wall(start),
                "endTime": _wall(end),
                "duration": len(level) * 60_000,
                "minutesToFallAsleep": 0,
                "minutesAsleep": len(level) - awake,
                "minutesAwake": awake,
                "minutesAfterWakeup": 0,
                "timeInBed": len(level),
                "efficiency": round(100 * (len(level) - awake) / len(level)),
                "type": "classic" if k == 0 else "stages",
                "infoCode": 0,
                "mainSleep": True,
                "levels": {
                    "summary": summary,
                    "data": data,
                    **({} if k == 0 else {"shortData": []}),
                },
            }
        )
    return logs[::-1]


def _naive(clock: pd.Series) -> np.ndarray:
    """The clock readings of *clock* as naive ``datetime64[s]``."""
    return clock.dt.tz_localize(None).to_numpy().astype("datetime64[s]")


def _intraday_text(wall: np.ndarray) -> np.ndarray:
    """``MM/DD/YY HH:MM:SS`` of naive ``datetime64[s]`` readings."""
    iso = pd.Series(np.datetime_as_string(wall, unit="s"))
    text = iso.str[5:7] + "/" + iso.str[8:10] + "/" + iso.str[2:4] + " " + iso.str[11:19]
    return text.to_numpy()


def _wall(instant: pd.Timestamp) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%S.000")


def _json(value: object) -> bytes:
    return json.dumps(value).encode("utf-8")
