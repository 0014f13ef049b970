"""Read a Fitbit export from Google Takeout; see ``docs/importing.md`` ("Fitbit").

The export is a folder or a zip holding ``Takeout/Fitbit/Global Export Data/``
(or ``Fitbit/Global Export Data/``, ``Global Export Data/``, or the files
themselves). Three kinds of JSON file in it are read, each a JSON array:

``sleep-YYYY-MM-DD.json``
    sleep logs (:mod:`devices.importers.fitbit_sleep`);
``steps-YYYY-MM-DD.json``
    ``{"dateTime": "MM/DD/YY HH:MM:SS", "value": "<steps>"}`` per minute;
``heart_rate-YYYY-MM-DD.json``
    ``{"dateTime": ..., "value": {"bpm": <n>, "confidence": <0-3>}}`` every
    few seconds.

Every other file is left alone. A zip is read through
:func:`devices.importers.archives.open_archive`, never extracted.

Rules (each broken one is a one-line :class:`ImportFormatError` naming the
file and the entry): steps are whole numbers 0..65535 written as digits in a
string, at whole minutes, each entry later than the one before; ``bpm`` is a
whole number 1..300 and readings are in time order; a file is UTF-8 JSON of at
most :data:`MAX_FILE_BYTES`. Minutes outside every sleep log are ``awake`` when
they have a heart-rate reading or a step count above zero (Fitbit finds sleep
by itself, so a worn minute outside its sleep logs is one it scored as awake)
and ``unknown`` when all they have is a zero step count (the tracker may have
been off the wrist).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import numpy as np
import pandas as pd

from devices.errors import ImportFormatError
from devices.importers.archives import ArchiveLimits, is_zip, open_archive
from devices.importers.band_minutes import (
    MAX_STEPS_PER_MINUTE,
    ExportedMinutes,
    Progress,
    mean_per_minute,
    minute_frame,
    states_per_minute,
    totals_per_minute,
)
from devices.importers.fitbit_sleep import (
    SLEEP_PRIORITY,
    SleepIntervals,
    sleep_intervals,
    wall_clock_instants,
)
from ipsrt.display import printable as shown
from ipsrt.timeutil import zone

__all__ = ["EXPORT_FOLDERS", "MAX_FILE_BYTES", "read_fitbit"]

#: Where the export's files may sit, relative to the folder or zip given.
EXPORT_FOLDERS = (
    "Takeout/Fitbit/Global Export Data",
    "Fitbit/Global Export Data",
    "Global Export Data",
    "",
)
#: Largest JSON file read (a month of per-minute steps is a few MB).
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_STEPS = MAX_STEPS_PER_MINUTE
MAX_BPM = 300

_NS_PER_MINUTE = 60_000_000_000
_FILE_NAME = re.compile(r"(sleep|steps|heart_rate)-\d{4}-\d{2}-\d{2}\.json")


@dataclass(frozen=True)
class _ExportFile:
    kind: str
    shown: str
    size: int
    read: Callable[[], bytes]


def read_fitbit(
    path: Path,
    *,
    tz: str,
    timestamps: Literal["local", "utc"] = "local",
    limits: ArchiveLimits = ArchiveLimits(),  # noqa: B008 (frozen, immutable)
    progress: Progress | None = None,
) -> ExportedMinutes:
    """Read the sleep, steps and heart-rate files of a Fitbit Takeout export.

    Parameters
    ----------
    path
        The Takeout folder or zip (module docstring).
    tz
        IANA zone of the client. Sleep times are always local wall clock in
        *tz*; steps and heart rate too when *timestamps* is ``"local"``.
    timestamps
        ``"local"``: steps and heart-rate ``dateTime`` are wall clock in *tz*;
        ``"utc"``: they are UTC (``docs/importing.md`` says how to tell).
        Wall clock is resolved by
        :func:`devices.importers.fitbit_sleep.wall_clock_instants`.
    limits
        What a zip may hold (:class:`~devices.importers.archives.ArchiveLimits`).
    progress
        Called with (bytes read, bytes to read) after each file.
    """
    zone(tz)
    if timestamps not in ("local", "utc"):
        raise ValueError(f"timestamps must be 'local' or 'utc', not {timestamps!r}")
    # Each file is turned into arrays as soon as it is parsed, so only one
    # file's JSON objects are held at a time (sleep logs, a few a day, are kept).
    step_files, heart_files = _Readings(), _Readings()
    sleep_files: list[tuple[str, object]] = []
    with _export_files(path, limits) as files:
        if not files:
            raise ImportFormatError(
                f"{shown(path.name)} holds no Fitbit sleep, steps or heart_rate JSON files "
                "(looked in Takeout/Fitbit/Global Export Data and the folders above it)"
            )
        total = sum(f.size for f in files)
        done = 0
        for f in files:
            entries = _json_array(f.read(), f.shown)
            if f.kind == "steps":
                step_files.add(f.shown, *_steps_file(f.shown, entries))
            elif f.kind == "heart_rate":
                heart_files.add(f.shown, *_heart_rate_file(f.shown, entries))
            else:
                sleep_files.append((f.shown, entries))
            del entries
            done += f.size
            if progress is not None:
                progress(done, total)
    intraday_tz = tz if timestamps == "local" else None
    steps_at, steps = step_files.instants(intraday_tz, strictly=True)
    beats_at, beats = heart_files.instants(intraday_tz, strictly=False)
    sleep = sleep_intervals(sleep_files, tz)
    frame = _minutes(steps_at, steps, beats_at, beats, sleep)
    records = steps.size + beats.size + sleep.logs
    return ExportedMinutes("fitbit", "fitbit", None, frame, int(records), sleep.notes)


def _minutes(
    steps_at: np.ndarray,
    steps: np.ndarray,
    beats_at: np.ndarray,
    beats: np.ndarray,
    sleep: SleepIntervals,
) -> pd.DataFrame:
    """The minute frame: sleep states from the logs, awake/unknown elsewhere (module docstring)."""
    step_minutes = totals_per_minute(steps_at, steps_at + _NS_PER_MINUTE, steps, what="steps")
    heart = mean_per_minute(beats_at, beats)
    states = states_per_minute(
        sleep.start_ns, sleep.end_ns, sleep.labels, priority=SLEEP_PRIORITY, what="sleep level"
    )
    frame = minute_frame(steps=step_minutes, heart_rate=heart, states=states)
    outside = ~frame["ts"].isin(states.index).to_numpy()
    worn = frame["heart_rate"].notna().to_numpy() | (frame["steps"].fillna(0) > 0).to_numpy()
    frame.loc[outside & worn, "state"] = "awake"
    return frame


class _FileEntries:
    """The ``dateTime`` and value of each entry of one file (None where missing)."""

    def __init__(
        self, name: str, entries: Sequence[Any], value_of: Callable[[Any], object]
    ) -> None:
        self.name = name
        try:  # the common case, at the speed of list comprehensions
            self.times: list[object] = [entry["dateTime"] for entry in entries]
            self.values: list[object] = [value_of(entry) for entry in entries]
        except (TypeError, KeyError, IndexError):
            self.times, self.values = [], []
            for i, entry in enumerate(entries):
                if not isinstance(entry, dict):
                    raise ImportFormatError(f"{name} entry {i + 1}: not a JSON object") from None
                self.times.append(entry.get("dateTime"))
                try:
                    self.values.append(value_of(entry))
                except (TypeError, KeyError, IndexError):
                    self.values.append(None)

    def refuse_first(self, bad: np.ndarray, problem: Callable[[int], str]) -> None:
        if bad.any():
            i = int(np.argmax(bad))
            raise ImportFormatError(f"{self.name} entry {i + 1}: {problem(i)}")


class _Readings:
    """Wall-clock times and values of every file of one kind, as arrays, in file order."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.walls: list[np.ndarray] = []
        self.values: list[np.ndarray] = []

    def add(self, name: str, wall: np.ndarray, values: np.ndarray) -> None:
        self.names.append(name)
        self.walls.append(wall)
        self.values.append(values)

    def at(self, i: int) -> str:
        """``<file> entry <n>`` of reading *i* of all files."""
        first = np.cumsum([0, *(w.size for w in self.walls)])
        k = int(np.searchsorted(first, i, side="right")) - 1
        return f"{self.names[k]} entry {i - int(first[k]) + 1}"

    def instants(self, tz: str | None, *, strictly: bool) -> tuple[np.ndarray, np.ndarray]:
        """UTC instants (ns) and values; wall clock in *tz*, or UTC when None; in time order."""
        wall = np.concatenate(self.walls) if self.walls else np.array([], dtype=np.int64)
        values = np.concatenate(self.values) if self.values else np.array([], dtype=np.float64)
        instants = wall if tz is None else wall_clock_instants(wall, tz, self.at)
        step = np.diff(instants)
        bad = step <= 0 if strictly else step < 0
        if bad.any():
            i = int(np.argmax(bad)) + 1
            raise ImportFormatError(f"{self.at(i)}: not later than the entry before it")
        return instants, values


def _steps_file(name: str, entries: list[object]) -> tuple[np.ndarray, np.ndarray]:
    """Wall clock (ns) and counts of one steps file's per-minute entries."""
    f = _FileEntries(name, entries, lambda entry: entry["value"])
    values = f.values
    digits = pd.Series([v if type(v) is str else "" for v in values], dtype=object).str.fullmatch(
        r"\d{1,5}"
    )
    f.refuse_first(
        ~digits.to_numpy(dtype=bool),
        lambda i: f"steps value {_short(values[i])} is not digits in a string",
    )
    counts = np.array(values, dtype=np.int64)
    f.refuse_first(
        counts > MAX_STEPS, lambda i: f"{counts[i]} steps in a minute is over {MAX_STEPS}"
    )
    wall = _intraday_wall(f)
    f.refuse_first(
        wall % _NS_PER_MINUTE != 0,
        lambda i: f"steps time {_short(f.times[i])} is not a whole minute",
    )
    return wall, counts.astype(np.float64)


def _heart_rate_file(name: str, entries: list[object]) -> tuple[np.ndarray, np.ndarray]:
    """Wall clock (ns) and bpm of one heart-rate file's readings."""
    f = _FileEntries(name, entries, lambda entry: entry["value"]["bpm"])
    values = f.values
    whole = np.fromiter((type(v) is int for v in values), dtype=bool, count=len(values))
    bpm = np.array([v if w else 0 for v, w in zip(values, whole, strict=True)], dtype=np.float64)
    f.refuse_first(
        ~whole | (bpm < 1) | (bpm > MAX_BPM),
        lambda i: f"heart rate {_short(values[i])} is not a whole number 1..{MAX_BPM}",
    )
    return _intraday_wall(f), bpm


#: Positions of the digits in ``MM/DD/YY HH:MM:SS``.
_DIGITS = [0, 1, 3, 4, 6, 7, 9, 10, 12, 13, 15, 16]


def _intraday_wall(entries: _FileEntries) -> np.ndarray:
    """Nanoseconds on a naive clock of the ``MM/DD/YY HH:MM:SS`` times (years 2000-2099)."""
    times = entries.times
    n = len(times)
    if n == 0:
        return np.array([], dtype=np.int64)
    ok = np.fromiter(
        (type(t) is str and len(t) == 17 and t.isascii() for t in times), dtype=bool, count=n
    )
    text = "".join(
        str(t) if good else "01/01/00 00:00:00" for t, good in zip(times, ok, strict=True)
    )
    chars = np.frombuffer(text.encode("ascii"), dtype=np.uint8).reshape(n, 17)
    digit = chars[:, _DIGITS] - ord("0")
    ok &= (digit <= 9).all(axis=1)
    ok &= (chars[:, [2, 5]] == ord("/")).all(axis=1) & (chars[:, 8] == ord(" "))
    ok &= (chars[:, [11, 14]] == ord(":")).all(axis=1)
    d = digit.astype(np.int64)
    month, day, year, hour, minute, second = (d[:, k] * 10 + d[:, k + 1] for k in range(0, 12, 2))
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (hour < 24) & (minute < 60) & (second < 60)
    month_start = np.where(ok, (year + 30) * 12 + month - 1, 0).astype("datetime64[M]")
    date = month_start.astype("datetime64[D]") + np.where(ok, day - 1, 0)
    ok &= date.astype("datetime64[M]") == month_start
    entries.refuse_first(
        ~ok, lambda i: f"dateTime {_short(times[i])} is not a MM/DD/YY HH:MM:SS time"
    )
    seconds = (hour * 60 + minute) * 60 + second
    return date.astype("datetime64[ns]").astype(np.int64) + seconds * 1_000_000_000


def _short(value: object) -> str:
    return shown(repr(value)[:40])


def _json_array(data: bytes, name: str) -> list[object]:
    """The JSON array in *data*, refusing non-UTF-8, NaN/Infinity and deep nesting."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"{name}: not UTF-8 (byte {exc.start + 1})") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ImportFormatError(f"{name}: JSON nested too deeply") from None
    except ValueError as exc:
        raise ImportFormatError(f"{name}: not valid JSON ({shown(str(exc))[:120]})") from None
    if not isinstance(value, list):
        raise ImportFormatError(f"{name}: expected a JSON array of entries")
    return value


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number")


@contextmanager
def _export_files(path: Path, limits: ArchiveLimits) -> Iterator[list[_ExportFile]]:
    """The export's sleep, steps and heart-rate files, by kind and then name."""
    if path.is_dir():
        yield _sorted(_folder_files(path))
        return
    if not is_zip(path):
        raise ImportFormatError(f"{shown(path.name)} is neither a folder nor a zip archive")
    with open_archive(path, limits) as archive:
        names = archive.names()
        for folder in EXPORT_FOLDERS:
            found = [
                n
                for n in names
                if str(PurePosixPath(n).parent) == (folder or ".")
                and _FILE_NAME.fullmatch(PurePosixPath(n).name)
            ]
            if found:
                break
        files = []
        for member in found:
            size = archive.size(member)
            label = f"{shown(archive.name)}:{shown(member)}"
            _check_size(size, label)
            files.append(_ExportFile(_kind(member), label, size, partial(archive.read, member)))
        yield _sorted(files)


def _folder_files(path: Path) -> list[_ExportFile]:
    for folder in EXPORT_FOLDERS:
        base = path / folder if folder else path
        if not base.is_dir():
            continue
        found = [p for p in base.iterdir() if _FILE_NAME.fullmatch(p.name) and p.is_file()]
        if found:
            break
    else:
        return []
    files = []
    for p in found:
        size = p.stat().st_size
        label = shown(str(p.relative_to(path)))
        _check_size(size, label)
        files.append(_ExportFile(_kind(p.name), label, size, partial(_read_file, p)))
    return files


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImportFormatError(f"{shown(path.name)}: cannot be read ({exc.strerror})") from None


def _check_size(size: int, label: str) -> None:
    if size > MAX_FILE_BYTES:
        raise ImportFormatError(
            f"{label} is {size / 1024**2:,.0f} MiB, over the limit of "
            f"{MAX_FILE_BYTES // 1024**2} MiB for one file"
        )


def _kind(name: str) -> str:
    return PurePosixPath(name).name.rsplit("-", 3)[0]


def _sorted(files: list[_ExportFile]) -> list[_ExportFile]:
    return sorted(files, key=lambda f: (f.kind, PurePosixPath(f.shown).name))
