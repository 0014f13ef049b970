"""The stored input recordings of the pyActigraphy reference values.

Each recording the pyActigraphy comparisons use is stored once, as a small
compressed NumPy archive in ``tests/data/pyactigraphy/inputs/`` (one
``<name>.npz`` per recording), so that the tests and the regeneration scripts
read the same counts whatever NumPy's random streams do in later versions.
``SHA256SUMS`` there lists each file's SHA-256 (``sha256sum -c`` format).

Arrays in each archive (no pickled objects):

``counts``
    int32, one activity count per epoch.
``start``
    0-d string, naive local wall-clock time of the first epoch (ISO 8601).
``epoch_s``
    0-d int, epoch length in seconds.
``mask``
    int64 of shape (k, 2): ``[start, stop)`` epoch ranges that are masked
    (NaN in the project's Series; pyActigraphy ``mask`` with
    ``mask_inactivity=True``); k may be 0.
``tz``
    0-d string, IANA zone of the wall clock; absent when the recording has none.

Standard library and NumPy only, so the pyActigraphy virtualenv can import it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "INPUT_DIR",
    "MANIFEST",
    "StoredRecording",
    "file_sha256",
    "load_input",
    "read_manifest",
    "save_input",
]

INPUT_DIR = Path(__file__).resolve().parents[1] / "data" / "pyactigraphy" / "inputs"
MANIFEST = INPUT_DIR / "SHA256SUMS"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed member time: the same arrays give the same bytes


@dataclass(frozen=True)
class StoredRecording:
    """One stored input recording (see the module docstring)."""

    counts: npt.NDArray[np.int32]
    start: dt.datetime
    epoch_s: int
    tz: str | None = None
    mask: tuple[tuple[int, int], ...] = field(default=())

    def spec(self) -> dict[str, Any]:
        """``start`` (ISO), ``epoch_s`` and, when set, ``tz`` and ``mask``, as plain values."""
        out: dict[str, Any] = {"start": self.start.isoformat(), "epoch_s": self.epoch_s}
        if self.tz is not None:
            out["tz"] = self.tz
        if self.mask:
            out["mask"] = [list(run) for run in self.mask]
        return out


def load_input(name: str) -> StoredRecording:
    """The stored recording ``inputs/<name>.npz`` (*name* with or without ``.npz``)."""
    path = INPUT_DIR / (name if name.endswith(".npz") else f"{name}.npz")
    with np.load(path, allow_pickle=False) as arrays:
        mask = arrays["mask"].astype(np.int64).reshape(-1, 2)
        return StoredRecording(
            counts=arrays["counts"].astype(np.int32),
            start=dt.datetime.fromisoformat(str(arrays["start"])),
            epoch_s=int(arrays["epoch_s"]),
            tz=str(arrays["tz"]) if "tz" in arrays.files else None,
            mask=tuple((int(a), int(b)) for a, b in mask),
        )


def save_input(path: Path, recording: StoredRecording) -> None:
    """Write *recording* as a deflated ``.npz`` whose bytes depend only on its arrays."""
    arrays: dict[str, np.ndarray] = {
        "counts": np.asarray(recording.counts, dtype="<i4"),
        "start": np.asarray(recording.start.isoformat()),
        "epoch_s": np.asarray(recording.epoch_s, dtype="<i8"),
        "mask": np.asarray(recording.mask, dtype="<i8").reshape(-1, 2),
    }
    if recording.tz is not None:
        arrays["tz"] = np.asarray(recording.tz)
    with zipfile.ZipFile(path, "w") as archive:
        for key in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, arrays[key], version=(1, 0), allow_pickle=False)
            member = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            archive.writestr(member, buffer.getvalue(), compresslevel=9)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest() -> dict[str, str]:
    """File name -> SHA-256 as listed in ``SHA256SUMS`` (``<hex>  <name>`` per line)."""
    out: dict[str, str] = {}
    for line in MANIFEST.read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            out[name.lstrip("*")] = digest
    return out
