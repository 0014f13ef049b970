"""Import a wearable export's minutes for a client: one use case for the CLI and the demo.

The readers in ``devices.importers`` turn an export file into minutes of one
source device (``docs/importing.md``, "What lands in the database");
:func:`import_band_minutes` stores them under the client's **import device**
for that source (family ``import``, address ``<source>:<device key>``,
registered on first import) in one transaction
(:func:`ipsrt.store.band_imports.store_imported_minutes`): every minute is
stored, or none is. Re-importing the same file inserts nothing and the
summary says so (every minute is a duplicate); a minute already stored with
other values is kept and counted as a conflict. The summary also gives the
local date range of the file and its gaps (:func:`day_coverage`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ipsrt.display import printable
from ipsrt.errors import InvalidInputError
from ipsrt.store import Store
from ipsrt.store.band_imports import store_imported_minutes
from ipsrt.timeutil import require_utc, zone

__all__ = [
    "IMPORT_SOURCES",
    "BandImportSummary",
    "DayCoverage",
    "day_coverage",
    "import_address",
    "import_band_minutes",
]

#: The export kinds ``ipsrt import`` reads (``docs/importing.md``).
IMPORT_SOURCES = ("gadgetbridge", "fitbit", "apple-health", "garmin-fit", "omh")
_MAX_ADDRESS = 128


@dataclasses.dataclass(frozen=True)
class DayCoverage:
    """Which local days of the client an import's minutes cover.

    ``days_without_data`` counts the local days between the first and the
    last with no minute at all; ``days_partial`` the days in between (the
    first and last days excluded: an export starts and ends mid-day) with
    fewer minutes than the day has (1,380 or 1,500 on a DST change day).
    """

    first_day: dt.date | None
    last_day: dt.date | None
    days_without_data: int
    days_partial: int


@dataclasses.dataclass(frozen=True)
class BandImportSummary:
    """What one import did (``ipsrt import ... --json`` prints it)."""

    client: str
    source: str
    device: str
    device_created: bool
    records: int
    minutes: int
    inserted: int
    duplicate: int
    conflicting: int
    quarantined: int
    rejected: int
    coverage: DayCoverage
    notes: tuple[str, ...]

    @property
    def already_imported(self) -> bool:
        """Every minute was stored before with the same values (nothing new)."""
        return self.minutes > 0 and self.duplicate == self.minutes

    def as_dict(self) -> dict[str, object]:
        """Plain values for JSON output."""
        return dataclasses.asdict(self) | {"already_imported": self.already_imported}


def import_address(source: str, device_key: str) -> str:
    """The import device's address: ``<source>:<device key>`` (long keys hashed to fit).

    The key is made printable (control characters escaped); a key that would
    make the address longer than 128 characters is replaced by the first 32
    hex digits of its SHA-256.
    """
    if source not in IMPORT_SOURCES:
        raise InvalidInputError(
            f"unknown import source {source!r}: expected one of {', '.join(IMPORT_SOURCES)}"
        )
    key = printable(" ".join(device_key.split())) or "unnamed"
    address = f"{source}:{key}"
    if len(address) > _MAX_ADDRESS:
        address = f"{source}:sha256:{hashlib.sha256(key.encode()).hexdigest()[:32]}"
    return address


def day_coverage(ts: pd.Series | pd.DatetimeIndex, tz: str) -> DayCoverage:
    """The local days *ts* (UTC minute starts) cover in zone *tz* (see :class:`DayCoverage`)."""
    index = pd.DatetimeIndex(ts)
    if index.empty:
        return DayCoverage(None, None, 0, 0)
    zone(tz)  # a one-line error for an unknown zone
    local = index.tz_convert(tz)
    counts = pd.Series(1, index=local.date).groupby(level=0).sum()
    first, last = min(counts.index), max(counts.index)
    days = pd.date_range(first, last, freq="D")
    lengths = _day_lengths(days, tz)
    have = counts.reindex([d.date() for d in days], fill_value=0).to_numpy()
    inner = np.zeros(len(days), dtype=bool)
    inner[1:-1] = True
    return DayCoverage(
        first_day=first,
        last_day=last,
        days_without_data=int((have == 0).sum()),
        days_partial=int(((have > 0) & (have < lengths) & inner).sum()),
    )


def _day_lengths(days: pd.DatetimeIndex, tz: str) -> np.ndarray:
    """Minutes in each local day of *days* (naive midnights) in zone *tz*."""
    starts = days.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    ends = (days + pd.Timedelta(days=1)).tz_localize(
        tz, ambiguous=True, nonexistent="shift_forward"
    )
    return np.asarray((ends - starts).total_seconds() // 60, dtype=np.int64)


def import_band_minutes(
    store: Store,
    client_code: str,
    *,
    source: str,
    device_key: str,
    device_name: str | None,
    minutes: pd.DataFrame,
    records: int,
    notes: Sequence[str] = (),
    file_name: str | None = None,
    now: dt.datetime,
    actor: str,
) -> BandImportSummary:
    """Store the minutes a reader returned for *client_code* (module docstring).

    *minutes* has the columns ``ts`` (UTC minute starts), ``steps``,
    ``heart_rate``, ``activity`` and ``state`` (device state labels).
    Audited as ``device.import`` (source, file name, counts).
    """
    now = require_utc(now)
    client = store.client(client_code)
    address = import_address(source, device_key)
    written = store_imported_minutes(
        store,
        client.code,
        address=address,
        name=device_name or source,
        minutes=minutes,
        now=now,
        actor=actor,
        detail={"source": source, "file": file_name, "records": records},
    )
    result = written.result
    return BandImportSummary(
        client=client.code,
        source=source,
        device=address,
        device_created=written.device_created,
        records=records,
        minutes=len(minutes),
        inserted=result.inserted,
        duplicate=result.duplicate,
        conflicting=result.conflicting,
        quarantined=result.quarantined,
        rejected=result.rejected,
        coverage=day_coverage(minutes["ts"], client.timezone),
        notes=tuple(notes),
    )
