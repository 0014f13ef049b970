"""Benchmark: importing wearable exports (issue 14's targets), each against a baseline
measured in the same run on the same file.

- **Apple Health**: a generated ``export.xml`` of at least 1 GB; the streamed
  reader's MB/s and peak RSS (target under 300 MB) against a raw
  ``lxml.etree.iterparse`` that only clears elements
  (:mod:`tests.bench.import_apple_case`);
- **Gadgetbridge**: a database with one year of Huami minutes; the reader's
  rows/s (target at least 100,000 on SQLite) against a raw ``sqlite3`` read of
  the same table (:mod:`tests.bench.import_gadgetbridge_case`).

Run with ``make bench`` or ``pytest tests/bench/bench_import.py -s``;
``IPSRT_BENCH_APPLE_GB`` changes the Apple file's size (default 1). The
figures are printed; there are no timing assertions.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.bench.import_apple_case import bench_apple_health
from tests.bench.import_gadgetbridge_case import bench_gadgetbridge


def test_gadgetbridge_year_of_minutes(tmp_path: Path) -> None:
    print()
    print("\n".join(bench_gadgetbridge(tmp_path)))


def test_apple_health_export_of_a_gigabyte(tmp_path: Path) -> None:
    print()
    size_gb = float(os.environ.get("IPSRT_BENCH_APPLE_GB", "1"))
    print("\n".join(bench_apple_health(tmp_path, size_gb)))
