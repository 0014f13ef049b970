"""Benchmark of the dashboard (issue "The dashboard clients and clinicians use every day").

Run by hand (not part of ``make test``), from the repository root::

    python -m tests.bench.bench_dashboard                 # 200 clients x 365 days, 60 s load
    python -m tests.bench.bench_dashboard --duration 10 --backends sqlite
    python -m tests.bench.bench_dashboard --help          # every option

``make bench`` runs it too (:func:`test_dashboard_figures`).

PostgreSQL figures need ``IPSRT_TEST_POSTGRES_URL``. The store is the one of
:func:`tests.bench.bench_reads.build_read_store` (``--clients`` x ``--days``),
cached like bench_reads' (a SQLite file under the temp directory's
``ipsrt-bench``, a schema of the PostgreSQL database), plus the bench's users
(added once). Figures, each beside its target and a baseline of the same run:

1. Every callback of every page in ``dashboard.pages.PAGES`` (found in
   ``app.callback_map``) and the router for each page, called as the browser
   does (Flask test client, signed in through the real ``/login`` form as the
   page's role) over a client with ``--days`` days of minutes: median wall time
   of the request in-process (< 0.3 s) and response bytes (< 1.5 MB); baseline
   the signed-in ``GET /_dash-layout``. Inputs come from
   :mod:`tests.bench.dashboard_cases`; a callback with no entry there is
   NOT MEASURED and the run exits 1.
2. The caseload service of a clinician assigned every client (< 0.5 s); baseline
   the read of the same four weeks of daily summary rows.
3. ``--sessions`` signed-in sessions replaying page loads (the router, then the
   page's initial callbacks) for ``--duration`` seconds against the app on
   waitress (``--threads`` threads) in a child process: p50/p95/max latency per
   request and errors (p95 < 1 s, no errors); baseline one session alone.

Timings are medians of warm runs on a shared machine; nothing here asserts a
time. The sign-in rate limit is raised in the served app (every session comes
from one address).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dashboard import Settings, create_app
from dashboard.pages import PAGES
from ipsrt.enums import Role
from ipsrt.store import Store
from tests.bench import dashboard_cases as cases
from tests.bench.bench_reads import END, NOW, cached_postgres_store, cached_sqlite_store
from tests.bench.bench_reads import client_code as bench_code
from tests.helpers.dashboard import PASSWORD, call_callback, login, password_hash

__all__ = ["PASSWORD", "Figure", "add_bench_users", "call_callback", "callback_figures", "run"]

CALLBACK_SECONDS, CALLBACK_BYTES = 0.3, 1_500_000
CASELOAD_SECONDS, LOAD_P95_SECONDS = 0.5, 1.0
RUNS = 5
SLOW_SECONDS = 1.0  # a call slower than this is timed once
CLINICIAN, ADMIN = "bench-clinician", "bench-admin"


def client_login(code: str) -> str:
    return f"bench-{code.lower()}"


@dataclasses.dataclass
class Figure:
    """One line of the final table."""

    name: str
    value: float | None  # None: not measured
    unit: str
    target: float | None
    baseline: float | None = None
    note: str = ""

    @property
    def status(self) -> str:
        if self.value is None:
            return "NOT MEASURED"
        if self.target is None:
            return "info"
        return "met" if self.value < self.target else "MISSED"

    def line(self) -> str:
        def show(x: float | None) -> str:
            if x is None:
                return "-"
            return f"{x:,.0f}" if self.unit in ("B", "n") else f"{x:.3f}"

        ratio = (
            f"{self.value / self.baseline:.1f}x"
            if self.value is not None and self.baseline
            else "-"
        )
        target = f"< {show(self.target)}" if self.target is not None else "-"
        return (
            f"{self.status:12} {show(self.value):>11} {self.unit:2} {target:>13} "
            f"{show(self.baseline):>11} {ratio:>8}  {self.name}"
            + (f" [{self.note}]" if self.note else "")
        )


def shifted_clock(start: dt.datetime) -> Callable[[], dt.datetime]:
    """A clock that reads *start* when created and runs at the wall clock's pace."""
    origin = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - origin)


# -- the store and its users -------------------------------------------------------------


def add_bench_users(store: Store, clients: int) -> None:
    """One login per client (``bench-b0000``...), a clinician assigned every client, an admin.

    Idempotent: only what is missing is added (the cached store keeps them).
    """
    codes = [bench_code(k) for k in range(clients)]
    have = {user.login for user in store.accounts.users()}
    wanted = [(client_login(code), Role.CLIENT, code) for code in codes]
    wanted += [(CLINICIAN, Role.CLINICIAN, None), (ADMIN, Role.ADMIN, None)]
    for login_name, role, code in wanted:
        if login_name not in have:
            store.accounts.add_user(login_name, password_hash(), role, now=NOW, client_code=code)
    assigned = {client.code for client in store.accounts.assigned_clients(CLINICIAN)}
    for code in codes:
        if code not in assigned:
            store.accounts.assign(CLINICIAN, code, now=NOW)


def open_backends(names: list[str], clients: int, days: int, folder: Path | None) -> Iterator[Any]:
    """``(backend name, store or the reason it is not measured)`` per backend in *names*."""
    for name in names:
        if name == "sqlite":
            store = cached_sqlite_store(clients, days, folder)
        else:
            base = os.environ.get("IPSRT_TEST_POSTGRES_URL")
            if not base:
                yield "PostgreSQL", "IPSRT_TEST_POSTGRES_URL not set"
                continue
            store = cached_postgres_store(base, clients, days)
        add_bench_users(store, clients)
        try:
            yield ("SQLite" if name == "sqlite" else "PostgreSQL"), store
        finally:
            store.close()


def context_of(code: str, days: int, now: dt.datetime) -> cases.BenchContext:
    last = END.date() - dt.timedelta(days=1)
    return cases.BenchContext(code, last - dt.timedelta(days=days - 1), last, now)


# -- 1. every callback, in-process ---------------------------------------------------------


def timed(runs: int, action: Callable[[], Any]) -> tuple[float, float, Any]:
    """Median and max wall time of *runs* calls of *action* after one warm-up (one call when
    the warm-up took over :data:`SLOW_SECONDS`); the last result."""
    start = time.perf_counter()
    result = action()
    if time.perf_counter() - start > SLOW_SECONDS:
        runs = 1
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times), result


def callback_figures(store: Store, backend: str, days: int) -> list[Figure]:
    """The router for every page and every page callback, as each page's role."""
    app = create_app(store, Settings(clock=shifted_clock(NOW)))
    browsers: dict[Role, Any] = {}
    code = bench_code(0)
    logins = {Role.CLIENT: client_login(code), Role.CLINICIAN: CLINICIAN, Role.ADMIN: ADMIN}

    def browser(role: Role) -> Any:
        if role not in browsers:
            browsers[role] = app.server.test_client()
            signed = login(browsers[role], logins[role])
            assert signed.status_code == 302, f"{logins[role]} could not sign in"
        return browsers[role]

    ctx = context_of(code, days, NOW)
    base, _worst, layout = timed(RUNS, lambda: browser(Role.CLIENT).get("/_dash-layout"))
    assert layout.status_code == 200
    figures = [Figure(f"{backend} baseline: signed-in GET /_dash-layout", base, "s", None)]

    def measure(name: str, role: Role, output: str, inputs: Any, state: Any) -> None:
        median, worst, response = timed(
            RUNS, lambda: call_callback(browser(role), app, output, inputs, state)
        )
        label = f"{backend} {name} as {role.value}"
        if response.status_code != 200:
            figures.append(Figure(label, None, "s", CALLBACK_SECONDS, note="HTTP error"))
            print(f"[dashboard] {label}: HTTP {response.status_code}: {response.data[:200]!r}")
            return
        size = len(response.data)
        figures.append(Figure(label, median, "s", CALLBACK_SECONDS, base, f"max {worst:.3f} s"))
        figures.append(Figure(label + " JSON", size, "B", CALLBACK_BYTES, len(layout.data)))

    for module in PAGES:
        path = cases.page_path(module, ctx)
        roles = cases.page_roles(module)
        if not roles:
            figures.append(Figure(f"{backend} router {path}", None, "s", CALLBACK_SECONDS))
        pathname = [{"id": "url", "property": "pathname", "value": path}]
        for role in roles:
            measure(f"router {path}", role, cases.ROUTER, pathname, [])
    for key, spec in app.callback_map.items():
        if key == cases.ROUTER:
            continue
        case = cases.CALLBACK_CASES.get(key)
        module = next((m for m in PAGES if case and m.PAGE.path == case.page), None)
        if case is None or module is None:
            figures.append(Figure(f"{backend} callback {key}", None, "s", CALLBACK_SECONDS))
            continue
        for role in (case.role,) if case.role else cases.page_roles(module):
            for variant in (None, *case.variants):
                inputs, state = cases.callback_inputs(spec, case, ctx, variant)
                label = f"callback {key} ({case.page}{', ' + variant if variant else ''})"
                measure(label, role, key, inputs, state)
    return figures


# -- 2. the caseload -----------------------------------------------------------------------


def caseload_service() -> tuple[str, Callable[..., Any]]:
    """The caseload the clinician's page uses (``caseload_rows`` once it lands)."""
    try:
        from ipsrt.reports.caseload_view import caseload_rows  # type: ignore[import-not-found]
    except ImportError:
        from ipsrt.reports.caseload import caseload

        return "ipsrt.reports.caseload.caseload", caseload
    return "ipsrt.reports.caseload_view.caseload_rows", caseload_rows


def caseload_figures(store: Store, backend: str) -> list[Figure]:
    name, service = caseload_service()
    clients = store.accounts.assigned_clients(CLINICIAN)
    codes = [c.code for c in clients]
    ids = [int(c.id) for c in clients if c.id is not None]
    last = END.date() - dt.timedelta(days=1)
    first = last - dt.timedelta(days=27)
    baseline, _w, _rows = timed(3, lambda: store.summaries.days(ids, first, last))
    median, worst, table = timed(3, lambda: service(store, codes, now=NOW))
    assert len(table) == len(codes)
    return [
        Figure(
            f"{backend} {name} of {len(codes)} clients; baseline: reading their 28 days of "
            "client_day rows",
            median,
            "s",
            CASELOAD_SECONDS,
            baseline,
            f"max {worst:.3f} s",
        )
    ]


# -- 3. concurrent sessions on waitress ----------------------------------------------------


def serve(url: str, threads: int) -> None:
    """Serve the dashboard over *url* on waitress (the child process of the load test)."""
    import waitress

    from ipsrt.reports.summaries import install

    store = install(Store(url))
    settings = Settings(
        clock=shifted_clock(NOW),
        login_limit_per_address="100000 per minute",
        login_limit_per_login="100000 per minute",
    )
    app = create_app(store, settings)
    server = waitress.create_server(app.server, host="127.0.0.1", port=0, threads=threads)
    print(f"listening {server.effective_port}", flush=True)  # type: ignore[union-attr]
    server.run()


def load_figures(store: Store, backend: str, options: argparse.Namespace) -> list[Figure]:
    from tests.bench.dashboard_load import replay

    url = store.engine.url.render_as_string(hide_password=False)
    result = replay(url, options)
    label = (
        f"{backend} {options.sessions} sessions x {options.duration:.0f} s on waitress "
        f"({options.threads} threads, think {options.think} s)"
    )
    return [
        Figure(f"{label}: p50 per request", result.p50, "s", None, result.alone_p50),
        Figure(
            f"{label}: p95 per request; baseline: p50 of one session alone",
            result.p95,
            "s",
            LOAD_P95_SECONDS,
            result.alone_p50,
        ),
        Figure(f"{label}: max per request", result.worst, "s", None, result.alone_p50),
        Figure(f"{label}: p95 per page load", result.page_p95, "s", None),
        Figure(
            f"{label}: errors of {result.requests} requests "
            f"({result.requests / options.duration:.0f}/s)",
            result.errors,
            "n",
            1,
            note="; ".join(result.error_samples[:3]),
        ),
    ]


# -- the run -------------------------------------------------------------------------------


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--duration", type=float, default=60.0, help="load test seconds")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between pages (s)")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--figures", default="callbacks,caseload,load", help="which to measure")
    parser.add_argument("--cache", type=Path, default=None, help="folder of the SQLite store")
    parser.add_argument("--serve", metavar="URL", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


@contextmanager
def section(title: str) -> Iterator[None]:
    started = time.perf_counter()
    print(f"[dashboard] {title}...", flush=True)
    yield
    print(f"[dashboard] {title}: {time.perf_counter() - started:.0f} s", flush=True)


def run(argv: list[str] | None = None) -> int:
    """Measure every figure, print the table; 1 when anything was not measured."""
    options = parse(argv)
    if options.serve:
        serve(options.serve, options.threads)
        return 0
    figures: list[Figure] = []
    for backend, store in open_backends(
        options.backends.split(","), options.clients, options.days, options.cache
    ):
        if isinstance(store, str):
            figures.append(Figure(f"{backend}: every figure", None, "", None, note=store))
            continue
        wanted = options.figures.split(",")
        if "callbacks" in wanted:
            with section(f"{backend} callbacks"):
                figures += callback_figures(store, backend, options.days)
        if "caseload" in wanted:
            with section(f"{backend} caseload"):
                figures += caseload_figures(store, backend)
        if "load" in wanted:
            with section(f"{backend} load"):
                figures += load_figures(store, backend, options)
    print(f"\n[dashboard] {options.clients} clients x {options.days} days of minutes")
    print("ratio = measured / baseline (both from this run); s = seconds, B = bytes, n = count")
    print(f"{'status':12} {'measured':>11} {'':2} {'target':>13} {'baseline':>11} {'ratio':>8}")
    for figure in figures:
        print(figure.line())
    missing = [f for f in figures if f.value is None]
    missed = [f for f in figures if f.status == "MISSED"]
    print(f"[dashboard] {len(missed)} targets MISSED, {len(missing)} figures NOT MEASURED")
    return 1 if missing else 0


def test_dashboard_figures() -> None:
    """``make bench``: every figure with the defaults (``IPSRT_BENCH_DASHBOARD`` adds options;
    PostgreSQL only when ``IPSRT_TEST_POSTGRES_URL`` is set). Fails only when something was
    not measured, never on a time."""
    backends = "sqlite,postgres" if os.environ.get("IPSRT_TEST_POSTGRES_URL") else "sqlite"
    extra = shlex.split(os.environ.get("IPSRT_BENCH_DASHBOARD", ""))
    assert run(["--backends", backends, *extra]) == 0


if __name__ == "__main__":
    sys.exit(run())
