"""Read a generic ``timestamp,counts`` CSV; see ``docs/importers.md`` ("CSV")."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd

from devices.errors import ImportFormatError
from devices.importers.recording import Recording, counts_on_grid

__all__ = ["looks_like_counts_csv", "read_counts_csv"]

_NS_PER_SECOND = 1_000_000_000


def looks_like_counts_csv(first_line: str) -> bool:
    """Whether a header line names a ``timestamp`` and a ``counts`` column."""
    header = first_line.lower()
    return "timestamp" in header and "counts" in header


def read_counts_csv(text: str, tz: str | None) -> Recording:
    """Read a CSV with a header, an ISO 8601 ``timestamp`` and a ``counts`` column.

    Naive timestamps are wall-clock times in *tz* (UTC when ``None``); stamps
    with an offset are converted to *tz*. The epoch is the shortest step,
    which must be whole seconds and divide every other step.
    """
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (ValueError, pd.errors.ParserError) as exc:
        raise ImportFormatError(f"unreadable CSV: {str(exc).splitlines()[0]}") from exc
    cols = {str(c).strip().lower(): c for c in frame.columns}
    if "timestamp" not in cols or "counts" not in cols or frame.empty:
        raise ImportFormatError("CSV needs a header with 'timestamp' and 'counts' and some rows")
    try:
        stamps = pd.to_datetime(frame[cols["timestamp"]], format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise ImportFormatError("CSV timestamps are not ISO 8601") from exc
    values = pd.to_numeric(frame[cols["counts"]], errors="coerce").to_numpy(dtype=np.float64)
    index = pd.DatetimeIndex(stamps)
    index = index.tz_localize(tz or "UTC") if index.tz is None else index.tz_convert(tz or "UTC")
    if len(index) < 2:
        raise ImportFormatError("CSV needs at least two epochs")
    ns = index.as_unit("ns").asi8
    steps = np.diff(ns)
    if (steps <= 0).any():
        raise ImportFormatError("CSV timestamps are not strictly increasing")
    step = int(steps.min())
    if step % _NS_PER_SECOND or (steps % step).any():
        raise ImportFormatError("CSV timestamps are not on a regular grid of whole seconds")
    grid = counts_on_grid((ns - ns[0]) // step, values, what="CSV")
    epoch_s = step // _NS_PER_SECOND
    index = pd.date_range(index[0], periods=grid.size, freq=f"{epoch_s}s")  # real time
    return Recording(
        counts=pd.Series(grid, index=index, name="counts"),
        epoch=dt.timedelta(seconds=epoch_s),
        start=index[0],
        format="csv",
    )
