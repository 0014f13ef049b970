"""Read a Garmin band's FIT monitoring and sleep files into an :class:`ExportedMinutes`.

*path* is one ``.fit`` file, a folder of them (searched recursively, e.g. a
copy of the band's ``GARMIN`` folder) or a zip of them (checked whole by
:func:`devices.importers.archives.open_archive`, read as streams, never
extracted). Every file is decoded by ``fitdecode`` with both CRCs checked;
a file that fails (bad header, CRC, truncation) refuses the whole import
with one line naming it, and a file with the same bytes as another is read
once (two copies of a band's folder would otherwise count steps twice).
Messages used (FIT SDK profile, message numbers of
https://developer.garmin.com/fit/protocol/; rules in ``docs/importing.md``,
"Garmin FIT"):

``file_id`` (0)
    the device: serial number, else manufacturer and product.
``monitoring`` (55)
    ``timestamp`` (FIT seconds, UTC) or ``timestamp_16``, its low 16 bits,
    resolved against the latest time known in the file; ``cycles`` of the
    walking and running activity types are steps, cumulative per activity
    type within a file, so the steps of ``[previous reading, this
    reading)`` are the difference of two readings of the same type (a
    smaller value is a counter reset: the new value counts from zero), the
    first reading of a type in a file only sets the base; those interval
    totals go through :func:`totals_per_minute`; ``heart_rate`` readings
    through :func:`mean_per_minute`.
``monitoring_info`` (103)
    ``local_timestamp`` minus ``timestamp`` is the band's clock offset; the
    offsets seen are reported in the notes (instants are UTC anyway).
``sleep_level`` (275)
    0 unmeasurable (``unknown``), 1 ``awake``, 2 ``sleep_light``,
    3 ``sleep_deep``, 4 ``sleep_rem``; a level holds until the next
    ``sleep_level`` of the same file, the last one of a file for one
    minute; minutes through :func:`states_per_minute`.

Minutes no sleep level covers are ``unknown`` (FIT monitoring has no wake or
non-wear state). Times below ``0x10000000`` are device-relative, not dates
(FIT profile, ``date_time``), and are skipped.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, cast

import fitdecode
import numpy as np

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

__all__ = ["FIT_EPOCH_UNIX", "SLEEP_LEVEL_STATES", "read_garmin_fit"]

#: Seconds from the Unix epoch to the FIT epoch, 1989-12-31T00:00:00Z.
FIT_EPOCH_UNIX = 631_065_600
#: ``sleep_level`` values (FIT profile enum ``sleep_level``) and their states.
SLEEP_LEVEL_STATES = {0: "unknown", 1: "awake", 2: "sleep_light", 3: "sleep_deep", 4: "sleep_rem"}
#: A minute split evenly between two levels goes to the first listed.
_PRIORITY = ("sleep_deep", "sleep_rem", "sleep_light", "awake", "unknown")
#: ``activity_type`` values whose ``cycles`` are steps (FIT profile subfield ``steps``).
_STEP_ACTIVITY_TYPES = {1: "running", 6: "walking"}
_FILE_ID, _MONITORING, _MONITORING_INFO, _SLEEP_LEVEL = 0, 55, 103, 275
_TIMESTAMP, _TIMESTAMP_16, _CYCLES, _ACTIVITY_TYPE, _HEART_RATE = 253, 26, 3, 5, 27
_FIRST_DATE = 0x10000000
_NS = 1_000_000_000
#: More than this many steps a minute cannot be stored (uint16).
_PROGRESS_STEP = 256 * 1024
#: The longest a sleep level may hold (the shared limit of one record).
_MAX_LEVEL_SECONDS = 2 * 24 * 3600


@dataclass
class _FitFileReadings:
    """What one FIT file holds (times in FIT seconds)."""

    name: str
    digest: bytes = b""
    device_key: str = ""
    device_name: str = ""
    product: str = ""
    records: int = 0
    step_start: list[int] = field(default_factory=list)
    step_end: list[int] = field(default_factory=list)
    step_total: list[int] = field(default_factory=list)
    heart_time: list[int] = field(default_factory=list)
    heart_value: list[int] = field(default_factory=list)
    sleep_time: list[int] = field(default_factory=list)
    sleep_state: list[str] = field(default_factory=list)
    offsets: set[int] = field(default_factory=set)
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def has_minutes(self) -> bool:
        return bool(self.step_total or self.heart_value or self.sleep_state)


def read_garmin_fit(
    path: Path,
    *,
    device: str | None = None,
    limits: ArchiveLimits = ArchiveLimits(),  # noqa: B008 - frozen, never changed
    progress: Progress | None = None,
) -> ExportedMinutes:
    """Read FIT files (module docstring) of one device.

    Parameters
    ----------
    path
        A ``.fit`` file, a folder of them, or a zip of them.
    device
        The serial number or product name (``vivosmart_4``) of the device to
        import when the files come from several; ``None`` when there is one.
    limits
        What a zip may hold (:class:`ArchiveLimits`).
    progress
        Called with (bytes read, bytes in all files).

    Raises
    ------
    ImportFormatError
        One line naming the file: unreadable or corrupt FIT data, no FIT
        file, several devices and no (or no matching) *device*, or a
        reading no minute could hold.
    """
    files: list[_FitFileReadings] = []
    digests: set[bytes] = set()
    repeats = 0
    for readings in _decoded_files(path, limits, progress):
        if readings.digest in digests:
            repeats += 1
            continue
        digests.add(readings.digest)
        files.append(readings)
    if not files:
        raise ImportFormatError(f"{path.name} holds no .fit files")
    with_data = [f for f in files if f.has_minutes]
    if not with_data:
        raise ImportFormatError(f"{path.name} holds no monitoring or sleep data")
    key = _chosen_device(path.name, with_data, device)
    chosen = [f for f in with_data if f.device_key == key]
    exported = _exported(chosen, len(files) - len(with_data), sum(f.records for f in files))
    if repeats:
        note = f"{repeats:,} repeated FIT files (same content as another) skipped"
        exported = replace(exported, notes=(*exported.notes, note))
    return exported


def _exported(files: list[_FitFileReadings], empty_files: int, records: int) -> ExportedMinutes:
    def joined(name: str) -> np.ndarray:
        parts = [np.asarray(getattr(f, name), dtype=np.int64) for f in files]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def ns(name: str) -> np.ndarray:
        return (joined(name) + FIT_EPOCH_UNIX) * _NS

    sleep_end = np.concatenate([_level_ends(f) for f in files])
    states = [s for f in files for s in f.sleep_state]
    frame = minute_frame(
        steps=totals_per_minute(ns("step_start"), ns("step_end"), joined("step_total")),
        heart_rate=mean_per_minute(ns("heart_time"), joined("heart_value")),
        states=states_per_minute(
            ns("sleep_time"), (sleep_end + FIT_EPOCH_UNIX) * _NS, states, priority=_PRIORITY
        ),
    )
    skipped: Counter[str] = Counter()
    for f in files:
        skipped.update(f.skipped)
    notes = [f"{n:,} {what} skipped" for what, n in sorted(skipped.items())]
    offsets = sorted({o for f in files for o in f.offsets})
    if offsets:
        notes.append("band clock offsets from UTC: " + ", ".join(map(_offset_text, offsets)))
    if empty_files:
        notes.append(f"{empty_files:,} FIT files without monitoring or sleep data skipped")
    first = files[0]
    return ExportedMinutes(
        source="garmin-fit",
        device_key=first.device_key,
        device_name=first.device_name or None,
        minutes=frame,
        records=records,
        notes=tuple(notes),
    )


def _level_ends(readings: _FitFileReadings) -> np.ndarray:
    """Each level holds until the next one of its file; the last one for a minute."""
    times = np.asarray(readings.sleep_time, dtype=np.int64)
    if times.size == 0:
        return times
    gaps = np.diff(times)
    if (gaps < 0).any():
        raise ImportFormatError(f"{readings.name}: sleep levels go back in time")
    if (gaps > _MAX_LEVEL_SECONDS).any():
        raise ImportFormatError(f"{readings.name}: sleep levels more than 2 days apart")
    return np.append(times[1:], times[-1] + 60)


def _offset_text(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "-"
    minutes = abs(seconds) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _chosen_device(where: str, files: list[_FitFileReadings], wanted: str | None) -> str:
    devices = {f.device_key: f for f in files}
    if wanted is None:
        if len(devices) == 1:
            return next(iter(devices))
        listed = "; ".join(f"{k} ({f.device_name})" for k, f in sorted(devices.items()))
        raise ImportFormatError(
            f"{where} holds data of {len(devices)} devices, choose one with --device: {listed}"
        )
    norm = _normalised(wanted)
    by_key = [k for k in devices if _normalised(k) == norm]
    if by_key:
        return by_key[0]
    by_name = sorted(
        k
        for k, f in devices.items()
        if norm in {_normalised(f.product), _normalised(f.device_name)}
    )
    if len(by_name) == 1:
        return by_name[0]
    listed = "; ".join(f"{k} ({f.device_name})" for k, f in sorted(devices.items()))
    if by_name:
        raise ImportFormatError(
            f"--device {wanted!r} names several devices in {where}, give a serial number: {listed}"
        )
    raise ImportFormatError(f"no device {wanted!r} in {where}; devices: {listed}")


def _normalised(text: str) -> str:
    return " ".join(text.replace("_", " ").lower().split())


# --- sources ------------------------------------------------------------------


def _decoded_files(
    path: Path, limits: ArchiveLimits, progress: Progress | None
) -> Iterator[_FitFileReadings]:
    if path.is_dir():
        found = sorted(
            p
            for p in path.rglob("*")
            if p.suffix.lower() == ".fit" and p.is_file() and not p.is_symlink()
        )
        found = [p for p in found if not p.name.startswith("._")]
        if len(found) > limits.max_members:
            raise ImportFormatError(
                f"{path.name} has {len(found):,} FIT files, "
                f"over the limit of {limits.max_members:,}"
            )
        counter = _ByteCounter(sum(p.stat().st_size for p in found), progress)
        for p in found:
            with _opened(p) as stream:
                yield counter.decoded(stream, p.relative_to(path).as_posix())
        counter.finish()
        return
    if is_zip(path):
        with open_archive(path, limits) as archive:
            members = [m for m in archive.names() if _is_fit_member(m)]
            counter = _ByteCounter(sum(archive.size(m) for m in members), progress)
            for member in members:
                with archive.open(member) as stream:
                    yield counter.decoded(stream, f"{path.name}:{member}")
            counter.finish()
        return
    with _opened(path) as stream:
        counter = _ByteCounter(os.fstat(stream.fileno()).st_size, progress)
        yield counter.decoded(stream, path.name)
        counter.finish()


def _is_fit_member(member: str) -> bool:
    base = member.rsplit("/", 1)[-1]
    return (
        base.lower().endswith(".fit")
        and not base.startswith("._")
        and not member.startswith("__MACOSX/")
    )


@contextmanager
def _opened(path: Path) -> Iterator[IO[bytes]]:
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise ImportFormatError(f"cannot read {path.name} ({exc.strerror})") from exc
    with stream:
        yield stream


class _ByteCounter:
    """Reports bytes read across files to *progress*, every 256 KiB and at the end."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self.progress, self._told = total, 0, progress, 0

    def decoded(self, stream: IO[bytes], name: str) -> _FitFileReadings:
        """The readings of the FIT file *stream*, its bytes counted and hashed."""
        counted = _CountedStream(stream, self)
        readings = _decoded(cast(IO[bytes], counted), name)
        readings.digest = counted.hash.digest()
        return readings

    def add(self, n: int) -> None:
        self.done += n
        if self.progress is not None and self.done - self._told >= _PROGRESS_STEP:
            self._told = self.done
            self.progress(self.done, max(self.total, self.done))

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.done, max(self.total, self.done))


class _CountedStream:
    def __init__(self, stream: IO[bytes], counter: _ByteCounter) -> None:
        self._stream, self._counter = stream, counter
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self._counter.add(len(chunk))
        self.hash.update(chunk)
        return chunk


# --- one file -----------------------------------------------------------------

#: What fitdecode may raise on bytes it cannot decode, besides its own errors.
_DECODE_ERRORS = (
    fitdecode.FitError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AssertionError,
    ArithmeticError,
    UnicodeError,
    AttributeError,
)


def _decoded(stream: IO[bytes], name: str) -> _FitFileReadings:
    out = _FitFileReadings(name)
    headers = 0
    try:
        with fitdecode.FitReader(
            stream,
            check_crc=fitdecode.CrcCheck.RAISE,
            error_handling=fitdecode.ErrorHandling.RAISE,
            processor=None,
        ) as reader:
            state = _FileState()
            for frame in reader:
                if isinstance(frame, fitdecode.FitHeader):
                    headers += 1
                elif isinstance(frame, fitdecode.FitDataMessage):
                    out.records += 1
                    _take(frame, out, state)
    except ImportFormatError as exc:
        if str(exc).startswith(name):
            raise
        raise ImportFormatError(f"{name}: {exc}") from exc
    except _DECODE_ERRORS as exc:
        text = " ".join(str(exc).split()) or type(exc).__name__
        raise ImportFormatError(f"{name} is not a valid FIT file ({text})") from exc
    if headers == 0:
        raise ImportFormatError(f"{name} is empty, not a FIT file")
    if not out.device_key and out.has_minutes:
        raise ImportFormatError(f"{name} has no file_id message naming its device")
    return out


@dataclass
class _FileState:
    last: int | None = None
    base: dict[int, tuple[int, int]] = field(default_factory=dict)


def _take(frame: fitdecode.FitDataMessage, out: _FitFileReadings, state: _FileState) -> None:
    values: dict[int, object] = {}
    names: dict[int, object] = {}
    for fd in frame.fields:
        number = fd.def_num
        if number not in values or fd.field_def is not None:
            values[number] = fd.raw_value
            names[number] = fd.value
    num = frame.global_mesg_num
    if num == _FILE_ID:
        _device_of(values, names, out)
        return
    when = _time(values, state)
    if num == _MONITORING_INFO:
        local = values.get(0)
        if when is not None and isinstance(local, int) and local >= _FIRST_DATE:
            out.offsets.add(local - when)
        return
    if num == _MONITORING:
        _monitoring(values, when, out, state)
    elif num == _SLEEP_LEVEL:
        level = values.get(0)
        if when is None:
            out.skipped["sleep levels without a date"] += 1
        elif not isinstance(level, int) or level not in SLEEP_LEVEL_STATES:
            out.skipped["sleep levels of no known value"] += 1
        else:
            out.sleep_time.append(when)
            out.sleep_state.append(SLEEP_LEVEL_STATES[level])


def _time(values: dict[int, object], state: _FileState) -> int | None:
    """The message's FIT time, or None; updates the latest time known."""
    full = values.get(_TIMESTAMP)
    if isinstance(full, int):
        state.last = full
    else:
        short = values.get(_TIMESTAMP_16)
        if not isinstance(short, int) or state.last is None:
            return None
        state.last = state.last + ((short - state.last) & 0xFFFF)
    return state.last if state.last >= _FIRST_DATE else None


def _monitoring(
    values: dict[int, object], when: int | None, out: _FitFileReadings, state: _FileState
) -> None:
    heart = values.get(_HEART_RATE)
    cycles = values.get(_CYCLES)
    kind = values.get(_ACTIVITY_TYPE)
    if when is None:
        if isinstance(heart, int) or isinstance(cycles, int):
            out.skipped["monitoring readings without a date"] += 1
        return
    if isinstance(heart, int) and heart > 0:
        out.heart_time.append(when)
        out.heart_value.append(heart)
    if not isinstance(cycles, int):
        return
    if not isinstance(kind, int) or kind not in _STEP_ACTIVITY_TYPES:
        out.skipped["cycle counts of activities other than walking or running"] += 1
        return
    previous = state.base.get(kind)
    state.base[kind] = (when, cycles)
    if previous is None:
        return
    then, before = previous
    if when < then:
        raise ImportFormatError(f"{out.name}: message {out.records} goes back in time")
    steps = cycles - before if cycles >= before else cycles
    if steps > MAX_STEPS_PER_MINUTE * max(1, -(-(when - then) // 60)):
        raise ImportFormatError(
            f"{out.name}: message {out.records} counts {steps:,} steps in {when - then:,} s"
        )
    out.step_start.append(then)
    out.step_end.append(when)
    out.step_total.append(steps)


def _device_of(values: dict[int, object], names: dict[int, object], out: _FitFileReadings) -> None:
    serial = values.get(3)
    manufacturer = names.get(1)
    product = names.get(2)
    maker = str(manufacturer) if manufacturer is not None else "unknown"
    model = str(product) if product is not None else "unknown"
    out.product = model
    out.device_name = f"{maker} {model}"
    out.device_key = str(serial) if isinstance(serial, int) else f"{maker}-{model}"
