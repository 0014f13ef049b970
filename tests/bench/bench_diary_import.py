"""Benchmark: ``ipsrt import diary`` on a 200 MB diary CSV, accepted and rejected.

Run with ``make bench`` (or ``pytest tests/bench/bench_diary_import.py -s``).
Each command runs in its own process, started by a small launcher that
reports the command's wall time and peak resident memory
(``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` after it exits). Printed
beside the targets of issue 12 (peak RSS < 500 MB, throughput > 20 MB/s) and
beside two baselines measured in the same run on the same file: reading it
line by line and parsing it with :mod:`csv` (each in its own process too),
as ratios. No timing assertions.

A diary file this large can only be valid as repetition: plausible dates
(1990 to tomorrow) and the item set bound the distinct (date, activity)
keys. The accepted file is a year of SRM-5 entries (1,825 lines) repeated
until it is 200 MB, imported with ``--confirm-replace`` (each later copy of
a line replaces the earlier one) and ``--max-size 256``. Cases:

* accepted: that file;
* rejected at the end: the same file with one bad line last (nothing stored);
* rejected by the cap: the same file under the default 64 MB cap;
* accepted, every line distinct: 200 MB whose lines all differ (times and
  people vary), the reader's worst case, also printed against the targets.

Figures before this change (issue 12): 17 minutes and 13.6 GB for the
accepted file, 9.3 GB when rejected.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
from pathlib import Path

from ipsrt.store import Store

SIZE_MB = 200
TARGET_RSS_MB = 500
TARGET_MB_PER_S = 20
NOW = dt.datetime.now(dt.UTC)  # the benchmark's own clock: the CLI reads it too
FIRST_DAY = dt.date(2024, 1, 1)
ACTIVITIES = ("out_of_bed", "first_contact", "start_activity", "dinner", "bed")
HEADER = "date,activity,time,people,mood,target\n"

LAUNCHER = textwrap.dedent(
    """
    import json, resource, subprocess, sys, time
    start = time.perf_counter()
    done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    lines = (done.stderr.strip() or done.stdout.strip()).splitlines() or [""]
    print(json.dumps({"code": done.returncode, "seconds": seconds, "peak_mb": peak_mb,
                      "said": lines[-1][:160]}))
    """
)
READ_LINES = "import sys\nwith open(sys.argv[1], encoding='utf-8') as f:\n    for _ in f: pass"
READ_CSV = (
    "import csv, sys\nwith open(sys.argv[1], encoding='utf-8', newline='') as f:\n"
    "    for _ in csv.reader(f): pass"
)
IMPORT = "import sys\nfrom ipsrt.cli import main\nsys.exit(main(sys.argv[1:]))"


def _year_block() -> str:
    lines = []
    for day in range(365):
        date = FIRST_DAY + dt.timedelta(days=day)
        mood = day % 11 - 5
        for i, activity in enumerate(ACTIVITIES):
            minute = (420 + 180 * i + day % 37) % 1440
            lines.append(
                f"{date},{activity},{minute // 60:02d}:{minute % 60:02d},{i % 4},{mood},\n"
            )
    return "".join(lines)


def _write_repeated(path: Path, tail: str = "") -> float:
    block = _year_block()
    copies = SIZE_MB * 1024 * 1024 // len(block)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for _ in range(copies):
            fh.write(block)
        fh.write(tail)
    return path.stat().st_size / 1024 / 1024


def _write_distinct(path: Path) -> float:
    limit = SIZE_MB * 1024 * 1024
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER)
        n = 0
        while fh.tell() < limit:
            chunk = []
            for k in range(n, n + 100_000):
                day, rest = divmod(k, 5 * 1440 * 4)
                date = FIRST_DAY + dt.timedelta(days=day % 700)
                minute, people = divmod(rest // 5, 4)
                activity = ACTIVITIES[k % 5]
                chunk.append(f"{date},{activity},{minute // 60:02d}:{minute % 60:02d},{people},,\n")
            fh.write("".join(chunk))
            n += 100_000
    return path.stat().st_size / 1024 / 1024


def _measure(*argv: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", LAUNCHER, sys.executable, *argv],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def _database(tmp: Path) -> str:
    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    with Store.initialise(url) as store:
        store.add_client("B001", "Europe/Berlin", now=NOW)
        store.add_client("B002", "Europe/Berlin", now=NOW)
    return url


def _report(label: str, size_mb: float, run: dict[str, object], base: dict[str, float]) -> None:
    seconds = float(run["seconds"])  # type: ignore[arg-type]
    rate = size_mb / seconds
    print(
        f"  {label:<28} exit {run['code']}  {seconds:7.2f} s  {rate:6.1f} MB/s "
        f"(target > {TARGET_MB_PER_S}; {seconds / base['lines']:4.1f}x line reading, "
        f"{seconds / base['csv']:4.1f}x csv parsing)  peak RSS {run['peak_mb']:6.0f} MB "
        f"(target < {TARGET_RSS_MB}; baseline csv parsing {base['csv_rss']:.0f} MB)"
    )
    print(f"  {'':<28} said: {run['said']}")


def test_diary_import_200mb(tmp_path: Path) -> None:
    repeated, bad_end, distinct = (tmp_path / n for n in ("a.csv", "b.csv", "c.csv"))
    size = _write_repeated(repeated)
    _write_repeated(bad_end, tail=f"{FIRST_DAY},bed,25:00,0,0,\n")
    distinct_size = _write_distinct(distinct)
    db = _database(tmp_path)
    imp = ("-c", IMPORT, "--db", db, "import", "diary")
    lines, csv_parse = (
        _measure("-c", READ_LINES, str(repeated)),
        _measure("-c", READ_CSV, str(repeated)),
    )
    base = {
        "lines": float(lines["seconds"]),  # type: ignore[arg-type]
        "csv": float(csv_parse["seconds"]),  # type: ignore[arg-type]
        "csv_rss": float(csv_parse["peak_mb"]),  # type: ignore[arg-type]
    }
    print(f"\ndiary import of a {size:.0f} MB file")
    print("  issue 12, before: 17 min and 13.6 GB accepted, 9.3 GB rejected")
    print(
        f"  baselines: line reading {base['lines']:.2f} s ({size / base['lines']:.0f} MB/s), "
        f"csv parsing {base['csv']:.2f} s ({size / base['csv']:.0f} MB/s)"
    )
    accepted = _measure(
        *imp, str(repeated), "--client", "B001", "--confirm-replace", "--max-size", "256"
    )
    _report("accepted (repeated lines)", size, accepted, base)
    rejected = _measure(
        *imp, str(bad_end), "--client", "B001", "--confirm-replace", "--max-size", "256"
    )
    _report("rejected (bad last line)", size, rejected, base)
    capped = _measure(*imp, str(repeated), "--client", "B001", "--confirm-replace")
    _report("rejected (over 64 MB cap)", size, capped, base)
    worst = _measure(
        *imp, str(distinct), "--client", "B002", "--confirm-replace", "--max-size", "256"
    )
    _report("accepted (all lines differ)", distinct_size, worst, base)
    assert (accepted["code"], rejected["code"], capped["code"], worst["code"]) == (0, 1, 1, 0)
