"""The Content-Security-Policy in a real browser: Dash and plotly run without 'unsafe-eval'.

Headless Chromium (Playwright) signs in through the form and opens a page
with plotly figures while the server sends the app's CSP; every
``securitypolicyviolation`` event and page error is collected. SVG traces
(scatter, bar, heatmap) need no eval; WebGL traces (``scattergl``) do: regl,
inside plotly.js, compiles its draw calls with ``new Function`` and is
blocked, which is why the dashboard draws no WebGL trace (docs/security.md,
"Headers"; ``test_security.py`` checks the sources).
"""

from __future__ import annotations

import threading
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest
from dash import dcc, html

import dashboard.app
from dashboard.pages import PAGES
from dashboard.pages.base import Page
from dashboard.server import ServeOptions, create_server
from dashboard.settings import Settings
from ipsrt.reports.access import Action
from tests.helpers.dashboard import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Reports every CSP violation to the console, where the test collects it.
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (e) => console.error(
  'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI + ' at ' + e.sourceFile));
"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium"),
]


def figure_page(webgl: bool) -> types.ModuleType:
    """A page module drawing two plotly figures (WebGL scatter when *webgl*)."""
    module = types.ModuleType("figure_probe")
    module.PAGE = Page(path="/figure-probe", title="Figures", action=Action.VIEW_CLIENT)  # type: ignore[attr-defined]
    scatter = go.Scattergl if webgl else go.Scatter

    def layout() -> Any:
        return html.Div(
            [
                dcc.Graph(
                    id="probe-lines",
                    figure=go.Figure(
                        [scatter(x=[1, 2, 3], y=[3, 1, 2]), go.Bar(x=[1, 2, 3], y=[1, 2, 3])],
                        layout={"title": {"text": "Lines and bars"}},
                    ),
                ),
                dcc.Graph(
                    id="probe-heat",
                    figure=go.Figure(
                        go.Heatmap(z=[[1, 2], [3, 4]]), layout={"title": {"text": "Heat"}}
                    ),
                ),
            ]
        )

    module.layout = layout  # type: ignore[attr-defined]
    module.register = lambda app: None  # type: ignore[attr-defined]
    return module


@pytest.fixture
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_figures(
    store: Any, browser: Any, monkeypatch: pytest.MonkeyPatch, webgl: bool
) -> tuple[list[str], Any]:
    """Serve the app with the figure page, sign in, open it: (problems, the page)."""
    monkeypatch.setattr(dashboard.app, "PAGES", (*PAGES, figure_page(webgl)))
    server = create_server(store, ServeOptions(port=0, threads=4), Settings())
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.add_init_script(REPORT_VIOLATIONS)
    try:
        page.goto(f"{base}/login")
        page.fill("#login", "client1")
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert page.url == f"{base}/"
        response = page.goto(f"{base}/figure-probe")
        assert "'unsafe-eval'" not in response.headers["content-security-policy"]
        page.wait_for_selector("#probe-heat .main-svg .heatmaplayer")
        page.wait_for_selector("#probe-lines .main-svg .barlayer .point")
        page.wait_for_timeout(500)  # let the last violation events arrive (no assertion on time)
        return problems, page
    finally:
        server.close()


def test_dash_and_svg_plotly_figures_run_under_the_csp(
    sqlite_dash_store, browser, monkeypatch
) -> None:
    problems, page = open_figures(sqlite_dash_store, browser, monkeypatch, webgl=False)
    assert problems == []
    assert page.locator("#probe-lines .scatterlayer .trace").count() == 1
    assert page.locator("#probe-lines .gtitle").text_content() == "Lines and bars"


def test_webgl_traces_need_eval_and_are_blocked(sqlite_dash_store, browser, monkeypatch) -> None:
    problems, _page = open_figures(sqlite_dash_store, browser, monkeypatch, webgl=True)
    assert any("CSP violation: script-src eval" in p and "plotly" in p for p in problems), problems
