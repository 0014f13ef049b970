"""The load test of :mod:`tests.bench.bench_dashboard`: signed-in sessions replaying page loads.

The dashboard runs on waitress in a child process (``bench_dashboard --serve
URL``), as ``ipsrt serve`` will run it; a pool of threads here plays the
browsers, each a ``requests.Session`` with its own cookies, signed in through
the real ``/login`` form. A page load is the router callback for the page's
path, then each of the page's initial callbacks (:mod:`tests.bench.dashboard_cases`),
posted one after another like the browser's renderer does.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import requests

from dashboard import Settings, create_app
from dashboard.pages import PAGES
from ipsrt.enums import Role
from ipsrt.store import Store
from tests.bench import dashboard_cases as cases
from tests.bench.bench_dashboard import PASSWORD, call_callback
from tests.bench.bench_reads import END, NOW
from tests.bench.bench_reads import client_code as bench_code

__all__ = ["LoadResult", "replay"]

ROOT = Path(__file__).resolve().parents[2]
#: Roles of the sessions, in turn: eight clients, a clinician and an admin in every ten.
SESSION_ROLES = (Role.CLIENT,) * 8 + (Role.CLINICIAN, Role.ADMIN)
ALONE_SECONDS = 5.0


@dataclasses.dataclass(frozen=True)
class LoadResult:
    """Latencies (s) of every request and page load, and the errors."""

    requests: int
    p50: float
    p95: float
    worst: float
    page_p95: float
    errors: int
    error_samples: list[str]
    alone_p50: float


class HttpBrowser:
    """One browser: a cookie jar on the served app, with the Flask test client's ``post``."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()

    def post(self, path: str, data: Any = None, content_type: str | None = None) -> Any:
        headers = {"Origin": self.base}
        if content_type:
            headers["Content-Type"] = content_type
        return self.session.post(
            self.base + path, data=data, headers=headers, allow_redirects=False, timeout=60
        )

    def sign_in(self, login: str) -> None:
        form = self.session.get(self.base + "/login", timeout=60)
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None, form.text[:200]
        data = {"login": login, "password": PASSWORD, "csrf": token.group(1)}
        signed = self.post("/login", data=data)
        assert signed.status_code == 302, f"{login}: HTTP {signed.status_code}"


@dataclasses.dataclass
class Session:
    """A signed-in browser, the pages its role opens and what their loads post."""

    browser: HttpBrowser
    loads: list[list[tuple[str, list[Any], list[Any]]]]  # per page: (key, inputs, state)


def page_loads(app: Any, role: Role, ctx: cases.BenchContext) -> list[list[Any]]:
    """For each page *role* opens: the router request, then the page's initial callbacks."""
    loads = []
    for module in cases.role_pages(PAGES, role):
        path = cases.page_path(module, ctx)
        requests_ = [(cases.ROUTER, [{"id": "url", "property": "pathname", "value": path}], [])]
        for key, spec in app.callback_map.items():
            case = cases.CALLBACK_CASES.get(key)
            if case is not None and case.page == module.PAGE.path and case.initial:
                requests_.append((key, *cases.callback_inputs(spec, case, ctx)))
        loads.append(requests_)
    return loads


def start_server(url: str, threads: int, log: Path) -> tuple[subprocess.Popen[str], str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "tests.bench.bench_dashboard", "--serve", url]
    with log.open("w") as errors:
        process = subprocess.Popen(
            [*command, "--threads", str(threads)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("listening "):
        process.kill()
        raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}")
    return process, f"http://127.0.0.1:{int(line.split()[1])}"


def replay(url: str, options: argparse.Namespace) -> LoadResult:
    """Sign in ``options.sessions`` sessions and replay page loads for ``options.duration`` s."""
    store = Store(url)
    app = create_app(store, Settings())
    assigned = [bench_code(k) for k in range(options.clients)]
    last = END.date() - dt.timedelta(days=1)
    log = Path(tempfile.gettempdir()) / f"ipsrt-bench-serve-{os.getpid()}.log"
    process, base = start_server(url, options.threads, log)
    rng = random.Random(20260601)
    try:

        def new_session(k: int) -> Session:
            role = SESSION_ROLES[k % len(SESSION_ROLES)]
            code = assigned[k % len(assigned)] if role is Role.CLIENT else rng.choice(assigned)
            login = {Role.CLINICIAN: "bench-clinician", Role.ADMIN: "bench-admin"}.get(
                role, f"bench-{code.lower()}"
            )
            ctx = cases.BenchContext(code, last - dt.timedelta(days=options.days - 1), last, NOW)
            browser = HttpBrowser(base)
            browser.sign_in(login)
            return Session(browser, page_loads(app, role, ctx))

        with ThreadPoolExecutor(options.sessions) as pool:
            sessions = list(pool.map(new_session, range(options.sessions)))
        alone = run_sessions(app, sessions[:1], min(ALONE_SECONDS, options.duration / 4), 0.0)
        load = run_sessions(app, sessions, options.duration, options.think)
    finally:
        process.terminate()
        process.wait(30)
        store.close()
    latencies = np.array(load.latencies or [np.nan])
    return LoadResult(
        requests=len(load.latencies),
        p50=float(np.percentile(latencies, 50)),
        p95=float(np.percentile(latencies, 95)),
        worst=float(latencies.max()),
        page_p95=float(np.percentile(np.array(load.pages or [np.nan]), 95)),
        errors=len(load.errors),
        error_samples=sorted(set(load.errors))[:5],
        alone_p50=float(np.percentile(np.array(alone.latencies or [np.nan]), 50)),
    )


@dataclasses.dataclass
class Recorded:
    latencies: list[float] = dataclasses.field(default_factory=list)
    pages: list[float] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)


def run_sessions(app: Any, sessions: list[Session], seconds: float, think: float) -> Recorded:
    """Every session loads its pages in turn, pausing ~*think* s between loads, for *seconds*."""
    recorded = Recorded()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def browse(k: int, session: Session) -> None:
        rng = random.Random(k)
        turn = rng.randrange(len(session.loads))
        while time.perf_counter() < deadline:
            load = session.loads[turn % len(session.loads)]
            turn += 1
            page_start = time.perf_counter()
            for key, inputs, state in load:
                start = time.perf_counter()
                error = None
                try:
                    response = call_callback(session.browser, app, key, inputs, state)
                    if response.status_code != 200:
                        error = f"HTTP {response.status_code} {key}"
                except requests.RequestException as exc:
                    error = f"{type(exc).__name__} {key}"
                with lock:
                    recorded.latencies.append(time.perf_counter() - start)
                    if error:
                        recorded.errors.append(error)
            with lock:
                recorded.pages.append(time.perf_counter() - page_start)
            if think > 0:
                time.sleep(rng.uniform(0, 2 * think))

    with ThreadPoolExecutor(len(sessions)) as pool:
        for future in [pool.submit(browse, k, s) for k, s in enumerate(sessions)]:
            future.result()
    return recorded
