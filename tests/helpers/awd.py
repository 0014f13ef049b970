"""Write CamNtech/Philips Actiwatch ``.AWD`` files and make seeded synthetic recordings.

The layout is the one pyActigraphy 1.2.2 (``pyActigraphy.io.awd``) reads
(all accepted header forms: ``docs/importers.md``, "AWD"):

=====  ==========================================================
line   content
=====  ==========================================================
1      subject / study name
2      start date, ``DD-Mon-YYYY`` (English month abbreviation)
3      start time, written ``HH:MM`` (local wall clock, no zone;
       files also carry ``HH:MM:SS`` or a 12-hour ``AM``/``PM`` time)
4      epoch code: 1=15 s, 2=30 s, 4=60 s, 8=2 min, 20=5 min,
       81=2 s, C1=5 s, C2=10 s
5      age field (free text, usually ``00``)
6      device serial; its first letter is the model (``V`` Actiwatch-4,
       ``M`` Mini, ``L`` Actiwatch-L with a light channel, ...)
7      sex / free field
8...   one epoch per line: ``count`` or ``count M`` (event marker);
       light models write ``count , light`` (and optionally `` M``)
=====  ==========================================================

Only the standard library and NumPy are used, so the pyActigraphy reference
script (run in a separate virtualenv) can import this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["AWD_EPOCH_CODES", "awd_text", "synthetic_counts", "write_awd"]

#: epoch length in seconds -> header code (line 4)
AWD_EPOCH_CODES: dict[int, str] = {
    2: "81",
    5: "C1",
    10: "C2",
    15: "1",
    30: "2",
    60: "4",
    120: "8",
    300: "20",
}

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def awd_text(
    counts: Sequence[int] | npt.NDArray[np.integer],
    *,
    start: dt.datetime,
    epoch_seconds: int = 60,
    name: str = "SYNTHETIC",
    serial: str = "V00000",
    sex: str = "M",
    age: str = "00",
    light: Sequence[float] | npt.NDArray[np.floating] | None = None,
    markers: Sequence[bool] | npt.NDArray[np.bool_] | None = None,
    newline: str = "\r\n",
) -> str:
    """Return the text of an AWD file holding *counts* (non-negative integers).

    *start* is the local wall-clock start (naive), written ``HH:MM`` (seconds
    dropped). A light channel is written when
    *light* is given, in which case *serial* should start with ``L``, ``P``
    or ``D`` so that readers expect it.
    """
    if epoch_seconds not in AWD_EPOCH_CODES:
        raise ValueError(f"AWD has no code for a {epoch_seconds} s epoch")
    values = np.asarray(counts)
    if values.ndim != 1 or (values.size and (values.min() < 0)):
        raise ValueError("counts must be a 1-D array of non-negative integers")
    header = [
        name,
        f"{start.day:02d}-{_MONTHS[start.month - 1]}-{start.year:04d}",
        f"{start.hour:02d}:{start.minute:02d}",
        f" {AWD_EPOCH_CODES[epoch_seconds]} ",
        age,
        serial,
        sex,
    ]
    body: list[str] = []
    lux = None if light is None else np.asarray(light, dtype=float)
    marks = None if markers is None else np.asarray(markers, dtype=bool)
    for i, count in enumerate(values.tolist()):
        line = str(int(count))
        if lux is not None:
            line += f" , {lux[i]:.2f}"
        if marks is not None and marks[i]:
            line += " M"
        body.append(line)
    return newline.join(header + body) + newline


def write_awd(
    path: str | Path,
    counts: Sequence[int] | npt.NDArray[np.integer],
    **kwargs: object,
) -> Path:
    """Write :func:`awd_text` to *path* (bytes as given, no newline translation)."""
    target = Path(path)
    target.write_bytes(awd_text(counts, **kwargs).encode("ascii"))  # type: ignore[arg-type]
    return target


def synthetic_counts(
    days: float,
    *,
    seed: int,
    epoch_seconds: int = 60,
    start_hour: float = 0.0,
    sleep_onset_hour: float = 23.0,
    sleep_hours: float = 8.0,
    jitter_minutes: float = 30.0,
    day_level: float = 180.0,
) -> npt.NDArray[np.int64]:
    """A seeded, deterministic rest-activity recording of *days* days.

    Each night starts at *sleep_onset_hour* (local clock) plus Gaussian jitter
    of SD *jitter_minutes* and lasts *sleep_hours* plus jitter of SD 30 min.
    Awake epochs draw Poisson counts around a diurnal level (peak in the
    afternoon) with day-to-day gamma noise and 8 % zero epochs; sleep epochs
    are zero except for 4 % small movements. Counts scale with the epoch
    length (the level is per minute). The first epoch is at *start_hour*
    hours after local midnight; time runs in elapsed hours, so DST is the
    caller's business.

    NumPy does not promise the same random stream in every version, so
    recordings whose expected values come from another tool are stored
    instead (``tests/helpers/stored_inputs.py``).
    """
    rng = np.random.default_rng(seed)
    n = round(days * 86400 / epoch_seconds)
    hours = start_hour + np.arange(n) * (epoch_seconds / 3600.0)
    n_nights = int(np.ceil(hours[-1] / 24.0)) + 2 if n else 0
    onsets = (
        np.arange(-1, n_nights - 1) * 24.0
        + sleep_onset_hour
        + rng.normal(0.0, jitter_minutes / 60.0, n_nights)
    )
    ends = onsets + sleep_hours + rng.normal(0.0, 0.5, n_nights)
    # An epoch is asleep when it falls in the night that started last before it.
    k = np.searchsorted(onsets, hours, side="right") - 1
    asleep = (k >= 0) & (hours < ends[np.clip(k, 0, None)])
    phase = 2 * np.pi * (hours - 15.0) / 24.0
    daily_noise = rng.gamma(8.0, 1.0 / 8.0, n_nights + 1)
    day_idx = np.clip((hours // 24).astype(np.int64) + 1, 0, n_nights)
    scale = epoch_seconds / 60.0
    lam_wake = day_level * (1.0 + 0.5 * np.cos(phase)) * daily_noise[day_idx] * scale
    wake = rng.poisson(np.maximum(lam_wake, 0.0)) * (rng.random(n) >= 0.08)
    sleep = rng.poisson(15.0 * scale, n) * (rng.random(n) < 0.04)
    return np.where(asleep, sleep, wake).astype(np.int64)
