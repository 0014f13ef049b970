"""Benchmark case: a generated Apple Health ``export.xml`` of at least 1 GB.

:func:`bench_apple_health` writes the file (streamed, a day at a time),
then reads it in child processes so each peak RSS (``VmHWM`` of
``/proc/self/status``) is that of one reading alone:

- **import**: :func:`devices.importers.apple_health.read_apple_health`
  (target: peak RSS under 300 MB, ``docs/importing.md``, "Apple Health");
- **baseline**: a raw ``lxml.etree.iterparse`` over the same file that only
  clears each element and drops the ones before it (the least any streamed
  reader of the file must do), with the same parser options.

Printed: MB/s and peak RSS of both, and the ratios import/baseline; also the
time and peak RSS of refusing a "billion laughs" document (target: under a
second). No assertion: the figures are for the reader.

The file imitates ~3 years of an iPhone and an Apple Watch: per day about
300 heart-rate readings (each with a motion-context ``MetadataEntry``), a
workout hour of readings every 5 s, watch and phone step intervals, active
and basal energy and walking distance (types the reader skips), sleep
stages every night, and an ``ActivitySummary``.

Run alone: ``python tests/bench/import_apple_case.py [--gb 1] [--workdir DIR]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["bench_apple_health", "write_large_export"]

_TARGET_RSS_MB = 300
_MB = 1_000_000
_WATCH = "Ana\u2019s Apple Watch"
_PHONE = "Ana\u2019s iPhone"
_WATCH_DEVICE = (
    "&lt;&lt;HKDevice: 0x600002b4c1e0&gt;, name:Apple Watch, manufacturer:Apple Inc., "
    "model:Watch, hardware:Watch6,2, software:10.3&gt;"
)
_PHONE_DEVICE = (
    "&lt;&lt;HKDevice: 0x600002b4d2f0&gt;, name:iPhone, manufacturer:Apple Inc., "
    "model:iPhone, hardware:iPhone14,5, software:17.3&gt;"
)
_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry key CDATA #REQUIRED value CDATA #REQUIRED>
]>
<HealthData locale="en_DE">
 <ExportDate value="2026-01-01 08:00:00 +0100"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1990-05-17"/>
"""
_SLEEP_VALUES = ("AsleepCore", "AsleepDeep", "AsleepCore", "AsleepREM")


def _record(kind: str, source: str, device: str, unit: str, start: str, end: str, v: str) -> str:
    return (
        f' <Record type="HK{kind}" sourceName="{source}" sourceVersion="10.3" '
        f'device="{device}" unit="{unit}" creationDate="{end}" startDate="{start}" '
        f'endDate="{end}" value="{v}"'
    )


def _day(day: dt.date, n: int, clock: list[str]) -> str:
    """One day of records; *clock* holds ``HH:MM:SS`` for each second of a day."""
    d = f"{day.isoformat()} "
    off = " +0100"

    def at(second: int) -> str:
        return d + clock[second % 86_400] + off

    parts: list[str] = []
    hr = "QuantityTypeIdentifierHeartRate"
    motion = (
        '>\n  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n </Record>\n'
    )
    for i in range(288):  # a reading about every 5 minutes
        s = at(i * 300 + (n * 7 + i * 13) % 60)
        parts.append(
            _record(hr, _WATCH, _WATCH_DEVICE, "count/min", s, s, str(55 + (i * 7 + n) % 40))
        )
        parts.append(motion)
    for i in range(720):  # a workout hour: every 5 s
        s = at(18 * 3600 + i * 5)
        parts.append(_record(hr, _WATCH, _WATCH_DEVICE, "count/min", s, s, str(120 + i % 30)))
        parts.append("/>\n")
    for i in range(7 * 12, 23 * 12):  # awake: steps and energy every 5 minutes
        a, b = at(i * 300), at(i * 300 + 240)
        v = (i * 37 + n) % 400
        parts.append(
            _record("QuantityTypeIdentifierStepCount", _WATCH, _WATCH_DEVICE, "count", a, b, str(v))
        )
        parts.append("/>\n")
        parts.append(
            _record("QuantityTypeIdentifierStepCount", _PHONE, _PHONE_DEVICE, "count", a, b, str(v))
        )
        parts.append("/>\n")
        parts.append(
            _record(
                "QuantityTypeIdentifierDistanceWalkingRunning",
                _PHONE,
                _PHONE_DEVICE,
                "km",
                a,
                b,
                f"{v * 0.0007:.4f}",
            )
        )
        parts.append("/>\n")
        for j in range(5):  # active energy, one record a minute
            a, b = at(i * 300 + j * 60), at(i * 300 + j * 60 + 59)
            parts.append(
                _record(
                    "QuantityTypeIdentifierActiveEnergyBurned",
                    _WATCH,
                    _WATCH_DEVICE,
                    "Cal",
                    a,
                    b,
                    f"{(i + j) % 9 * 0.137:.3f}",
                )
            )
            parts.append("/>\n")
    for i in range(288):
        a, b = at(i * 300), at(i * 300 + 299)
        parts.append(
            _record(
                "QuantityTypeIdentifierBasalEnergyBurned",
                _WATCH,
                _WATCH_DEVICE,
                "Cal",
                a,
                b,
                "5.9",
            )
        )
        parts.append("/>\n")
    sleep = "CategoryTypeIdentifierSleepAnalysis"
    parts.append(_record(sleep, _WATCH, _WATCH_DEVICE, "", at(0), at(7 * 3600 - 1), ""))
    parts[-1] = (
        parts[-1]
        .replace(' unit=""', "")
        .replace('value=""', 'value="HKCategoryValueSleepAnalysisInBed"')
    )
    parts.append("/>\n")
    for i in range(28):  # 15-minute stages from 00:00 to 07:00
        value = f"HKCategoryValueSleepAnalysis{_SLEEP_VALUES[(i + n) % 4]}"
        record = _record(sleep, _WATCH, _WATCH_DEVICE, "", at(i * 900), at(i * 900 + 900), value)
        parts.append(record.replace(' unit=""', "") + "/>\n")
    parts.append(
        f' <ActivitySummary dateComponents="{day.isoformat()}" activeEnergyBurned="420" '
        'activeEnergyBurnedGoal="500" activeEnergyBurnedUnit="Cal"/>\n'
    )
    return "".join(parts)


def write_large_export(path: Path, size_bytes: int) -> int:
    """Write an ``export.xml`` of at least *size_bytes* (module docstring); return its size."""
    clock = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
    day = dt.date(2023, 1, 2)
    written = 0
    with path.open("w", encoding="utf-8", buffering=4 * 1024 * 1024) as out:
        written += out.write(_HEAD)
        n = 0
        while written < size_bytes:
            written += out.write(_day(day, n, clock))
            day += dt.timedelta(days=1)
            n += 1
        out.write("</HealthData>\n")
    return path.stat().st_size


#: Every child starts so: peak RSS (VmHWM) in bytes, and its value once imports are done.
_PRELUDE = """
import json, sys, time
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) * 1024
"""
_START = """
start_rss = hwm()
"""

_CHILD_IMPORT = """
from pathlib import Path
from devices.importers.apple_health import read_apple_health
t = time.perf_counter()
calls = [0]
def progress(done, total):
    calls[0] += 1
got = read_apple_health(Path(sys.argv[1]), progress=progress)
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "peak": hwm(), "start": start_rss,
                  "minutes": len(got.minutes), "records": got.records, "notes": got.notes}))
"""

_CHILD_BASELINE = """
from lxml import etree
t = time.perf_counter()
n = 0
for _, element in etree.iterparse(sys.argv[1], events=("end",), resolve_entities=False,
                                  no_network=True, load_dtd=False, huge_tree=False):
    n += 1
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "peak": hwm(), "start": start_rss, "elements": n}))
"""

_LAUGHS = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)).replace(
    "&l0;", "lol"
)
_BOMB = (
    f'<?xml version="1.0"?>\n<!DOCTYPE HealthData [{_LAUGHS}]>\n'
    '<HealthData><Record type="x">&l9;</Record></HealthData>\n'
)
_CHILD_BOMB = """
from pathlib import Path
from devices.errors import ImportFormatError
from devices.importers.apple_health import read_apple_health
t = time.perf_counter()
try:
    read_apple_health(Path(sys.argv[1]))
    message = "READ (not refused)"
except ImportFormatError as exc:
    message = str(exc)
print(json.dumps({"seconds": time.perf_counter() - t, "peak": hwm(), "start": start_rss,
                  "message": message}))
"""


def _imports(code: str) -> str:
    return "".join(
        line + "\n" for line in code.splitlines() if line.startswith(("from ", "import "))
    )


def _body(code: str) -> str:
    lines = code.splitlines()
    return "".join(line + "\n" for line in lines if not line.startswith(("from ", "import ")))


def _child(code: str, path: Path) -> dict[str, object]:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = subprocess.run(
        [sys.executable, "-c", _PRELUDE + _imports(code) + _START + _body(code), str(path)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=root,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def bench_apple_health(workdir: Path, size_gb: float = 1.0) -> list[str]:
    """Generate, import and baseline a large export in *workdir*; return printable lines."""
    path = workdir / "export.xml"
    t = time.perf_counter()
    size = write_large_export(path, int(size_gb * 1024**3))
    generated = time.perf_counter() - t
    try:
        imported = _child(_CHILD_IMPORT, path)
        baseline = _child(_CHILD_BASELINE, path)
    finally:
        path.unlink()
    bomb = workdir / "bomb.xml"
    bomb.write_text(_BOMB, encoding="utf-8")
    refused = _child(_CHILD_BOMB, bomb)
    bomb.unlink()

    def rate(r: dict[str, object]) -> float:
        return size / _MB / float(r["seconds"])  # type: ignore[arg-type]

    def mb(r: dict[str, object], key: str = "peak") -> float:
        return float(r[key]) / _MB  # type: ignore[arg-type]

    growth = (mb(imported) - mb(imported, "start")) / max(mb(baseline) - mb(baseline, "start"), 1)
    return [
        f"Apple Health export.xml: {size / _MB:,.0f} MB generated in {generated:.0f} s "
        f"({imported['records']:,} step/heart-rate/sleep records of the chosen source, "
        f"{imported['minutes']:,} minutes)",
        f"  import   {rate(imported):6.1f} MB/s  peak RSS {mb(imported):6.0f} MB "
        f"(after imports {mb(imported, 'start'):.0f} MB)  target < {_TARGET_RSS_MB} MB: "
        f"{'ok' if mb(imported) < _TARGET_RSS_MB else 'MISSED'}",
        f"  baseline {rate(baseline):6.1f} MB/s  peak RSS {mb(baseline):6.0f} MB "
        f"(after imports {mb(baseline, 'start'):.0f} MB)  raw iterparse, clear only, "
        f"{baseline['elements']:,} elements",
        f"  ratio import/baseline: speed {rate(imported) / rate(baseline):.2f}, "
        f"peak RSS {mb(imported) / mb(baseline):.2f}, RSS growth {growth:.2f}",
        f"  billion laughs refused in {float(refused['seconds']) * 1000:.1f} ms "  # type: ignore[arg-type]
        f"(target < 1000 ms), peak RSS {mb(refused):.0f} MB "
        f"(after imports {mb(refused, 'start'):.0f} MB): {refused['message']}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=1.0, help="size of the file (GiB)")
    parser.add_argument("--workdir", type=Path, default=None, help="where to write it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workdir) as directory:
        for line in bench_apple_health(Path(directory), args.gb):
            print(line)


if __name__ == "__main__":
    main()
