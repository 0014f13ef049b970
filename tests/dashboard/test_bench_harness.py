"""The dashboard benchmark's harness runs end to end on a tiny store (no figure is checked).

``tests/bench/bench_dashboard.py`` is run by hand on 200 clients x 365 days;
these tests prove, on 3 clients x 14 days and a 2-second load, that it signs
in, calls every callback, serves on waitress and reports a callback it has no
inputs for as NOT MEASURED.
"""

from __future__ import annotations

import types

import pytest
from dash import Input, Output, html

import dashboard.app
from dashboard.pages import home
from dashboard.pages.base import Page
from ipsrt.enums import Role
from ipsrt.reports.access import Action
from tests.bench import bench_dashboard, dashboard_cases
from tests.bench.bench_reads import cached_sqlite_store

pytestmark = pytest.mark.slow


def test_harness_runs_every_figure_on_a_tiny_store(tmp_path, capsys) -> None:
    code = bench_dashboard.run(
        [
            *("--clients", "3", "--days", "14", "--duration", "2", "--sessions", "4"),
            *("--backends", "sqlite", "--cache", str(tmp_path), "--think", "0.1"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert not [line for line in out.splitlines() if line.startswith("NOT MEASURED")]
    for figure in ("router / as client", "caseload", "p95 per request", "errors of"):
        assert figure in out


def _extra_page() -> types.ModuleType:
    """A page with one callback, as a page helper would add it."""
    page = types.ModuleType("extra")
    page.PAGE = Page(path="/extra", title="Extra", action=Action.WRITE_DIARY, nav_roles=())

    def layout(**_params: str) -> html.Div:
        return html.Div([html.Div(id="extra-in"), html.Div(id="extra-out")])

    def register(app) -> None:
        @app.callback(Output("extra-out", "children"), Input("extra-in", "children"))
        def echo(value: object) -> str:
            return f"echo {value}"

    page.layout, page.register = layout, register
    return page


def test_a_callback_without_inputs_is_not_measured_until_listed(tmp_path, monkeypatch) -> None:
    pages = (home, _extra_page())
    for module in (dashboard.app, bench_dashboard):
        monkeypatch.setattr(module, "PAGES", pages)
    store = cached_sqlite_store(3, 14, tmp_path)
    try:
        bench_dashboard.add_bench_users(store, 3)
        figures = bench_dashboard.callback_figures(store, "SQLite", 14)
        unlisted = [f for f in figures if "extra-out.children" in f.name]
        assert [f.status for f in unlisted] == ["NOT MEASURED"]
        assert any("router /extra as client" in f.name and f.value for f in figures)

        listed = dashboard_cases.CallbackCase(
            page="/extra", values={"extra-in.children": lambda ctx: ctx.client_code}
        )
        monkeypatch.setitem(dashboard_cases.CALLBACK_CASES, "extra-out.children", listed)
        figures = bench_dashboard.callback_figures(store, "SQLite", 14)
    finally:
        store.close()
    measured = {f.name: f for f in figures if "extra-out.children" in f.name}
    assert len(measured) == 2  # the time and the JSON size
    assert all(f.value for f in measured.values())
    assert all(Role.CLIENT.value in name for name in measured)
