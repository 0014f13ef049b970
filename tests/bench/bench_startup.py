"""Benchmark of the command line's start-up (run: ``make bench``).

Each figure is the median of ``IPSRT_BENCH_STARTUP_RUNS`` (7) runs of a fresh
interpreter: wall time from spawn to exit, and the peak resident set size of
that interpreter's own memory (``VmHWM`` of ``/proc/self/status``, read by an
exit hook in the child). ``getrusage``'s ``ru_maxrss`` is not used on Linux:
a child keeps the high-water mark of the memory it was forked from, so every
child of a 150 MB pytest process would report 150 MB. Elsewhere the child's
``os.wait4`` rusage is printed instead (and may carry that bias):

* ``ipsrt --help`` against the baseline ``python -c pass`` measured in the
  same run (runs interleaved, so a busy machine slows both alike) and against
  the target: under ``TARGET_HELP_S`` (0.5 s);
* ``ipsrt clients list --db <a temporary SQLite file>``, for information (it
  opens the store, so SQLAlchemy and, through ``ipsrt.store``, pandas load).

``ipsrt`` is run as the console script runs it (``from ipsrt.cli import
run; run()``) from the repository root, so this checkout's code is measured.
:func:`measure_help` is importable for other benchmarks. Nothing here asserts
on time (the machine is shared).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("IPSRT_BENCH_STARTUP_RUNS", "7"))
TARGET_HELP_S = 0.5

PEAK_MARKER = "ipsrt-bench-peak-kb"
#: Prepended to every measured ``-c`` program: at exit, print the peak RSS (kB).
PEAK_HOOK = f"""
import atexit as _atexit, sys as _sys
def _peak():
    try:
        with open("/proc/self/status", encoding="ascii") as _status:
            for _line in _status:
                if _line.startswith("VmHWM:"):
                    _sys.stderr.write("\\n{PEAK_MARKER} " + _line.split()[1] + "\\n")
    except OSError:
        pass
_atexit.register(_peak)
"""
BASELINE = (sys.executable, "-c", PEAK_HOOK + "pass")
IPSRT = (sys.executable, "-c", PEAK_HOOK + "from ipsrt.cli import run; run()")

#: ru_maxrss is in kilobytes on Linux and in bytes on macOS.
_RSS_UNIT_MB = 1 / 2**20 if sys.platform == "darwin" else 1 / 1024


class Run(NamedTuple):
    """One run (or the medians of several): wall and CPU seconds, peak RSS in MB."""

    seconds: float
    cpu_seconds: float
    rss_mb: float


def run_once(argv: tuple[str, ...]) -> Run:
    """Wall seconds, CPU seconds and peak RSS (MB) of one run of *argv* (output discarded)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[3:]!r}: exit {proc.returncode}: {err.strip()[-500:]}")
    cpu = usage.ru_utime + usage.ru_stime
    peaks = [line.split()[1] for line in err.splitlines() if line.startswith(PEAK_MARKER)]
    if peaks:
        return Run(seconds, cpu, int(peaks[-1]) / 1024)
    return Run(seconds, cpu, usage.ru_maxrss * _RSS_UNIT_MB)


def measure_interleaved(commands: dict[str, tuple[str, ...]], runs: int = RUNS) -> dict[str, Run]:
    """The medians (each figure on its own) of *runs* runs of each command, interleaved."""
    samples: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            samples[name].append(run_once(argv))
    return {
        name: Run(*(statistics.median(figure) for figure in zip(*values, strict=True)))
        for name, values in samples.items()
    }


def measure_help(runs: int = RUNS) -> tuple[float, float, float]:
    """``ipsrt --help``: (median seconds, median seconds of ``python -c pass``, median RSS MB)."""
    figures = measure_interleaved({"baseline": BASELINE, "help": (*IPSRT, "--help")}, runs)
    return figures["help"].seconds, figures["baseline"].seconds, figures["help"].rss_mb


def test_startup(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    run_once((*IPSRT, "init", "--db", url))
    figures = measure_interleaved(
        {
            "python -c pass (baseline)": BASELINE,
            "ipsrt --help": (*IPSRT, "--help"),
            "ipsrt clients list (SQLite)": (*IPSRT, "clients", "list", "--db", url),
        }
    )
    base = figures["python -c pass (baseline)"]
    load = os.getloadavg()[0]
    print(f"\n[bench_startup] median of {RUNS} interleaved runs; load average {load:.1f}")
    print(f"  {'':28}  {'wall':>7}  {'CPU':>7}  {'peak RSS':>8}  wall vs baseline")
    for name, run in figures.items():
        print(
            f"  {name:28}  {run.seconds:5.3f} s  {run.cpu_seconds:5.3f} s  {run.rss_mb:5.1f} MB"
            f"  {run.seconds / base.seconds:5.1f}x"
        )
    help_s = figures["ipsrt --help"].seconds
    verdict = "met" if help_s < TARGET_HELP_S else "NOT met (see the CPU time if the load is high)"
    print(
        f"  target: ipsrt --help under {TARGET_HELP_S} s wall: {help_s / TARGET_HELP_S:4.2f}"
        f" of the target, {verdict}; clients list: information, no target"
    )


if __name__ == "__main__":
    seconds, baseline, rss = measure_help()
    print(f"ipsrt --help {seconds:.3f} s (python -c pass {baseline:.3f} s), {rss:.1f} MB")
