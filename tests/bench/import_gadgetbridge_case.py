"""Benchmark case: read a Gadgetbridge export holding a year of Huami minutes.

:func:`bench_gadgetbridge` writes one year (365 local days of
:func:`tests.helpers.band_week.band_week` in Europe/Berlin, 525,600 rows in
``MI_BAND_ACTIVITY_SAMPLE``) with the test writer, then times, on the same
file in the same run:

- the reader, :func:`devices.importers.gadgetbridge.read_gadgetbridge`
  (integrity check, schema checks, device choice, reading and the minute
  rules), against the target of issue 14: at least 100,000 rows/s;
- the baseline: a raw :mod:`sqlite3` read of the same table
  (``SELECT * … fetchall()``).

Each is timed best of three; the lines printed give rows/s, the target and
the reader/baseline ratio. No assertions. Run alone with
``python tests/bench/import_gadgetbridge_case.py`` (the repository root on
``PYTHONPATH``), or from ``tests/bench/bench_import.py``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TARGET_ROWS_PER_S = 100_000
DAYS = 365
REPEATS = 3


def _best_seconds(run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def bench_gadgetbridge(workdir: Path) -> list[str]:
    """Write the year export into *workdir*, time reader and baseline, return printable lines."""
    from devices.importers.gadgetbridge import read_gadgetbridge
    from tests.helpers.band_week import band_week
    from tests.helpers.gadgetbridge_export import ExportDevice, write_gadgetbridge

    started = time.perf_counter()
    year = band_week("Europe/Berlin", dt.date(2025, 1, 1), days=DAYS)
    path = write_gadgetbridge(
        Path(workdir) / "Gadgetbridge",
        [ExportDevice("huami", "Mi Band", "C8:0F:10:00:00:01", year)],
    )
    written = time.perf_counter() - started
    rows = len(year)

    def baseline() -> None:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            connection.execute("SELECT * FROM MI_BAND_ACTIVITY_SAMPLE").fetchall()
        finally:
            connection.close()

    result = read_gadgetbridge(path)
    assert len(result.minutes) == rows, "the reader must return every minute"
    reader_s = _best_seconds(lambda: read_gadgetbridge(path))
    baseline_s = _best_seconds(baseline)
    reader_rate = rows / reader_s
    baseline_rate = rows / baseline_s
    size_mb = path.stat().st_size / 1e6
    verdict = "meets" if reader_rate >= TARGET_ROWS_PER_S else "MISSES"
    return [
        f"gadgetbridge: {rows:,} Huami minute rows, {size_mb:.1f} MB (written in {written:.1f} s)",
        f"  reader   read_gadgetbridge      {reader_s:6.2f} s  {reader_rate:12,.0f} rows/s  "
        f"target >= {TARGET_ROWS_PER_S:,} rows/s: {verdict} "
        f"({reader_rate / TARGET_ROWS_PER_S:.1f}x the target)",
        f"  baseline sqlite3 SELECT * fetchall {baseline_s:6.2f} s  {baseline_rate:12,.0f} rows/s",
        f"  reader / baseline throughput: {reader_rate / baseline_rate:.2f}",
    ]


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    with tempfile.TemporaryDirectory() as directory:
        print("\n".join(bench_gadgetbridge(Path(directory))))
