"""Browser test fixtures (a pytest plugin loaded by tests/conftest.py) and helpers.

The dashboard is served by waitress on a free ``127.0.0.1`` port in a
background thread, one server per test module, over a SQLite copy of the
test clinic (:func:`tests.helpers.dashboard.build_clinic`) with three weeks of
data for C001: wearable minutes (regular nights, one short night that opens
a sleep-change alert), an SRM-5 diary with daily moods, and the alert run.
Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright's sync
API, one browser per test module (see :func:`browser`).

Tests marked ``browser`` never pass by skipping in CI: without Chromium they
fail under ``CI=true`` and skip elsewhere (``make test`` installs it).

The pages the tests visit are the rows of :data:`PAGE_ROWS`; a row whose
path no module in :data:`dashboard.pages.PAGES` routes yet is skipped until
that page lands (:func:`page_params`, :func:`needs_pages`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import logging
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dashboard import Settings, create_app
from dashboard.pages import PAGES
from ipsrt.reports.alerts import run_alerts
from ipsrt.reports.diary import import_diary
from ipsrt.srm.diary import read_diary_csv
from ipsrt.store import Store
from tests.helpers.dashboard import NOW, PASSWORD, Clock, build_clinic
from tests.helpers.nights import labelled_nights

CHROMIUM = Path(os.environ.get("IPSRT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@dataclasses.dataclass(frozen=True)
class Viewport:
    name: str
    width: int
    height: int


PHONE = Viewport("phone", 360, 740)
DESKTOP = Viewport("desktop", 1280, 900)
VIEWPORTS = (PHONE, DESKTOP)

#: The role each test login has.
ROLE_OF = {"client1": "client", "clin1": "clinician", "clin2": "clinician", "admin1": "admin"}


@dataclasses.dataclass(frozen=True)
class PageRow:
    """A page the browser tests visit: *path* as *login* sees it (``None``: signed out).

    *dash* pages are routed by :data:`dashboard.pages.PAGES` (skipped until a
    module routes the path); the others are the server's own forms, always
    there. *heading* is a pattern the page's first ``h1`` must match once
    loaded (``None``: any heading but the router's "Page not found").
    """

    path: str
    login: str | None
    heading: str | None = None
    dash: bool = True

    @property
    def slug(self) -> str:
        name = self.path.strip("/").replace("/", "-") or "start"
        role = "signed-out" if self.login is None else ROLE_OF[self.login]
        return f"{role}-{name}"


#: Every page, as the role that uses it sees it. Add a row for a new page;
#: it is skipped until a module in dashboard.pages.PAGES routes its path.
PAGE_ROWS: tuple[PageRow, ...] = (
    PageRow("/login", None, "Sign in", dash=False),
    PageRow("/", "client1", "Signed in as client1"),
    PageRow("/", "clin1", "Signed in as clin1"),
    PageRow("/", "admin1", "Signed in as admin1"),
    PageRow("/account/password", "client1", "Change your password", dash=False),
    PageRow("/today", "client1", "Today"),
    PageRow("/my-rhythm", "client1", "My rhythm"),
    PageRow("/my-course", "client1", "My course"),
    PageRow("/caseload", "clin1", "Caseload"),
    PageRow("/clients/C001", "clin1", "Client C001"),
    PageRow("/clients/C001/course", "clin1", "Course of client C001"),
    PageRow("/admin/users", "admin1", "Users"),
    PageRow("/admin/devices", "admin1", "Devices"),
    PageRow("/admin/audit", "admin1", "Audit log"),
)


def page_exists(path: str) -> bool:
    """True when a module in :data:`dashboard.pages.PAGES` routes *path*."""
    return any(module.PAGE.match(path) is not None for module in PAGES)


def page_params(rows: tuple[PageRow, ...] = PAGE_ROWS) -> list[Any]:
    """*rows* as ``pytest.param``s, each marked to skip while its page is not routed.

    Skipping at collection spares the module's server and browser when every
    row of a test skips.
    """
    return [
        pytest.param(
            row,
            id=f"{row.login or 'signed-out'}:{row.path}",
            marks=pytest.mark.skipif(
                row.dash and not page_exists(row.path),
                reason=f"{row.path} is not in dashboard.pages.PAGES yet",
            ),
        )
        for row in rows
    ]


def needs_pages(*paths: str) -> Any:
    """A ``skipif`` mark for a test that needs every page of *paths*."""
    missing = [path for path in paths if not page_exists(path)]
    return pytest.mark.skipif(
        bool(missing), reason=f"not in dashboard.pages.PAGES yet: {', '.join(missing)}"
    )


def existing_rows(login: str | None = None) -> list[PageRow]:
    """The rows (of *login*) whose pages exist now."""
    return [
        row
        for row in PAGE_ROWS
        if (login is None or row.login == login) and (not row.dash or page_exists(row.path))
    ]


# -- the clinic's data -----------------------------------------------------------------

TZ = "Europe/Berlin"


def local_today(zone: str, now: dt.datetime = NOW) -> dt.date:
    """The local date of the test clock's *now* in *zone*."""
    return pd.Timestamp(now).tz_convert(zone).date()


#: The short night: the night before NOW's local date (asleep 23:00-04:00).
SHORT_NIGHT = local_today(TZ) - dt.timedelta(days=1)
NIGHTS = 21


def night_minutes(device_id: int, nights: int = NIGHTS, short_night: dt.date = SHORT_NIGHT):
    """*nights* + 1 nights of device labels (Europe/Berlin) ending on *short_night*'s morning.

    Asleep 23:00-07:00 local, 23:00-04:00 on *short_night*
    (:func:`tests.helpers.nights.labelled_nights`).
    """
    first = short_night - dt.timedelta(days=nights)
    return labelled_nights(
        device_id, first_night=first, last_night=short_night, short_night=short_night, tz=TZ
    )


def diary_csv(last: dt.date, days: int = NIGHTS) -> str:
    """An SRM-5 diary of *days* days up to *last*: all five anchors near their targets, a mood."""
    lines = ["date,activity,time,people,mood,target"]
    for back in range(days, 0, -1):
        day = last - dt.timedelta(days=back - 1)
        jitter = back % 4 * 5
        mood = (back % 5) - 2
        lines += [
            f"{day},out_of_bed,07:{jitter:02d},0,{mood},07:00",
            f"{day},first_contact,07:{30 + jitter:02d},2,,07:30",
            f"{day},start_activity,09:{jitter:02d},1,,09:00",
            f"{day},dinner,19:{jitter:02d},2,,19:00",
            f"{day},bed,23:{jitter:02d},0,,23:00",
        ]
    return "\n".join(lines) + "\n"


def build_browser_clinic(store: Store, now: dt.datetime = NOW) -> Store:
    """The test clinic with three weeks of C001's minutes and diary, and its open alert."""
    build_clinic(store, now)
    device = store.add_device("C001", "huami", "C8:0F:10:00:00:01", now=now)
    assert device.id is not None
    store.upsert_minute_samples(night_minutes(device.id), now=now)
    diary = read_diary_csv(io.StringIO(diary_csv(SHORT_NIGHT)), today=now.date())
    import_diary(store, "C001", diary, now=now)
    run_alerts(store, now=now)
    opened = store.alerts.find(client_code="C001", state="open")
    assert opened, "the short night should open an alert for C001"
    return store


# -- the server ------------------------------------------------------------------------


class ServedApp:
    """The dashboard on waitress in a daemon thread; :meth:`stop` closes it."""

    def __init__(self, store: Store, settings: Settings) -> None:
        from waitress.server import create_server

        # Parallel requests of one page queue briefly; waitress warns of each.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        self.app = create_app(store, settings)
        self.store = store
        self.server: Any = create_server(self.app.server, host="127.0.0.1", port=0, threads=4)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self._stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="waitress", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        # waitress's own loop, a short poll at a time, so stop() can end it
        # between polls instead of closing sockets under a running select().
        while not self._stopping.is_set():
            self.server.asyncore.loop(timeout=0.1, map=self.server._map, count=1)

    def stop(self) -> None:
        logging.getLogger("waitress").setLevel(logging.CRITICAL)
        self._stopping.set()
        self.thread.join(timeout=10)
        self.server.task_dispatcher.shutdown()
        # The loop has ended: closing every channel (the listening socket and
        # the trigger) no longer races a select() on them.
        for channel in list(self.server._map.values()):
            channel.handle_close()


#: Names the sign-in rate limits have had in :class:`dashboard.Settings`.
_LIMIT_FIELDS = ("login_limits", "login_limit_per_address", "login_limit_per_login")


def browser_settings() -> Settings:
    """Settings on the frozen test clock, with sign-in limits far above the tests' sign-ins.

    Every test signs in from 127.0.0.1, a dozen times per module.
    """
    fields = {field.name for field in dataclasses.fields(Settings)}
    limits = {name: "1000 per minute" for name in _LIMIT_FIELDS if name in fields}
    return Settings(clock=Clock(NOW), **limits)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def browser_clinic_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file of :func:`build_browser_clinic`, built once per session (per worker)."""
    path = tmp_path_factory.mktemp("browser-clinic") / "clinic.sqlite3"
    with Store.initialise(f"sqlite:///{path}") as opened:
        build_browser_clinic(opened)
    return path


@pytest.fixture(scope="module")
def browser_store(
    tmp_path_factory: pytest.TempPathFactory, browser_clinic_file: Path
) -> Iterator[Store]:
    """A copy of the browser clinic for one test module (tests may change it)."""
    path = tmp_path_factory.mktemp("browser") / "dash.sqlite3"
    shutil.copyfile(browser_clinic_file, path)
    with Store(f"sqlite:///{path}") as opened:
        yield opened


@pytest.fixture(scope="module")
def served(browser_store: Store) -> Iterator[ServedApp]:
    """The dashboard over :func:`browser_store`, served on a free local port."""
    app = ServedApp(browser_store, browser_settings())
    try:
        yield app
    finally:
        app.stop()


# -- the browser -----------------------------------------------------------------------


def chromium_or_skip() -> Path:
    """Chromium's path; without it fail under ``CI=true``, else skip."""
    if CHROMIUM.exists():
        return CHROMIUM
    message = f"{CHROMIUM} is missing: `make test` installs Debian's chromium package"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def launch_chromium(playwright: Any, executable: Path = CHROMIUM) -> Any:
    """Start Chromium at *executable* headless with :data:`CHROMIUM_ARGS`."""
    return playwright.chromium.launch(
        executable_path=str(executable), args=list(CHROMIUM_ARGS), headless=True
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium under Playwright, one per test module.

    Not one per session: while it runs, Playwright's sync API keeps an
    asyncio loop running on the main thread, and every later test calling
    ``asyncio.run()`` would fail (microsoft/playwright-pytest#167). pytest
    ends module fixtures before the next module's first test.
    """
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch_chromium(playwright, executable)
        try:
            yield launched
        finally:
            launched.close()
    assert asyncio_loop_running() is False, "Playwright left its event loop running"


def asyncio_loop_running() -> bool:
    """True while an asyncio loop runs on this thread (``asyncio.run`` would refuse)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class PageWatch:
    """What a page reported: CSP violations and script errors, from the console and events."""

    def __init__(self) -> None:
        self.csp: list[str] = []
        self.errors: list[str] = []

    def on_console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.csp.append(text)
        elif message.type == "error":
            self.errors.append(text)

    def on_page_error(self, error: Any) -> None:
        self.errors.append(str(error))


#: Reports ``securitypolicyviolation`` events to the console, where PageWatch sees them.
_CSP_LISTENER = (
    "document.addEventListener('securitypolicyviolation', e => console.error("
    "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
)


@dataclasses.dataclass
class Tab:
    """A browser context and its one page, with what the page reported."""

    context: Any
    page: Any
    watch: PageWatch
    base_url: str

    def close(self) -> None:
        self.context.close()


def open_tab(browser: Any, base_url: str, viewport: Viewport) -> Tab:
    """A fresh context (no cookies, no storage) at *viewport*, watching console and errors."""
    context = browser.new_context(
        viewport={"width": viewport.width, "height": viewport.height},
        base_url=base_url,
        locale="en-GB",
        timezone_id=TZ,
    )
    context.set_default_timeout(30_000)  # a loaded 2-core CI runner
    context.add_init_script(_CSP_LISTENER)
    page = context.new_page()
    watch = PageWatch()
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    return Tab(context, page, watch, base_url)


@pytest.fixture
def tab_factory(browser: Any, served: ServedApp) -> Iterator[Any]:
    """``tab_factory(viewport=DESKTOP)`` -> a new :class:`Tab`; all closed at teardown."""
    opened: list[Tab] = []

    def make(viewport: Viewport = DESKTOP) -> Tab:
        tab = open_tab(browser, served.url, viewport)
        opened.append(tab)
        return tab

    yield make
    for tab in opened:
        tab.close()


@pytest.fixture(scope="module")
def signed_in_tabs(browser: Any, served: ServedApp) -> Iterator[Any]:
    """``signed_in_tabs(login, viewport)`` -> a signed-in :class:`Tab` shared by the module.

    Signing in hashes a password (slow by design), so each (login, viewport)
    signs in once per module. Tests that sign out use :func:`tab_factory`.
    """
    tabs: dict[tuple[str, str], Tab] = {}

    def get(login: str, viewport: Viewport = DESKTOP) -> Tab:
        key = (login, viewport.name)
        if key not in tabs:
            tab = open_tab(browser, served.url, viewport)
            signed_in(tab.page, login)
            tabs[key] = tab
        tab = tabs[key]
        tab.watch.csp.clear()
        tab.watch.errors.clear()
        return tab

    yield get
    for tab in tabs.values():
        tab.close()


# -- what tests do in the browser ------------------------------------------------------


def signed_in(page: Any, login: str, password: str = PASSWORD) -> None:
    """Sign *login* in through the real form and wait for the start page."""
    page.goto("/login")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))
    wait_for_dash_page(page)


def sign_out(page: Any) -> None:
    """Press the menu's sign-out button (from the start page) and wait for the sign-in form."""
    page.goto("/")
    wait_for_dash_page(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login$"))


def wait_for_dash_page(page: Any) -> None:
    """Wait until the router has filled the page and no callback is pending."""
    page.locator("#shell-page h1").first.wait_for(state="visible")
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')")


def visit(page: Any, row: PageRow) -> None:
    """Open *row*'s page and wait until it has loaded."""
    page.goto(row.path)
    if row.dash:
        wait_for_dash_page(page)
    heading = page.locator("h1").first
    heading.wait_for(state="visible")
    text = heading.inner_text()
    assert text != "Page not found", f"{row.path} as {row.login}: not found or not allowed"
    if row.heading is not None:
        assert re.search(row.heading, text), f"{row.path}: heading {text!r}"


def browser_storage(page: Any) -> dict[str, dict[str, str]]:
    """Everything in the page's ``localStorage`` and ``sessionStorage``."""
    return page.evaluate(
        """() => {
            const dump = s => Object.fromEntries(
                Array.from({length: s.length}, (_, i) => [s.key(i), s.getItem(s.key(i))]));
            return {local: dump(window.localStorage), session: dump(window.sessionStorage)};
        }"""
    )


def screenshot(page: Any, name: str, directory: Path = ARTIFACTS) -> Path:
    """Save a full-page PNG of *page* as ``<directory>/<name>.png``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of *impacts* on *page*, one line each (rule, impact, targets)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") in impacts:
            nodes = violation.get("nodes", [])
            targets = [" ".join(map(str, node.get("target", []))) for node in nodes][:5]
            why = " ".join(str(nodes[0].get("failureSummary", "")).split()) if nodes else ""
            found.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} "
                f"at {targets}: {why}"
            )
    return found


def section(page: Any, heading: str) -> Any:
    """The card (or other ``section``/``form``) whose heading is *heading*, to scope locators.

    Pages repeat labels such as "Time" or "Login" in several cards; the card
    named by its visible heading tells them apart.
    """
    titled = page.get_by_role("heading", name=heading, exact=True)
    return page.locator(".card, section, form").filter(has=titled).last


def figure_traces(page: Any, graph_id: str) -> list[dict[str, Any]]:
    """The plotly traces drawn in the ``dcc.Graph`` *graph_id* (x, y, name, customdata)."""
    plot = page.locator(f"#{graph_id} .js-plotly-plot")
    plot.wait_for(state="attached")
    page.wait_for_function(
        "id => (document.querySelector('#' + id + ' .js-plotly-plot').data || []).length > 0",
        arg=graph_id,
    )
    return plot.evaluate(
        """gd => gd.data.map(t => ({name: t.name, x: Array.from(t.x || []),
            y: Array.from(t.y || []), customdata: Array.from(t.customdata || [])}))"""
    )
