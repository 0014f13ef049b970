"""The dashboard application: :func:`create_app` builds one Dash app over a store.

The app holds no data of its own: every page asks the core's services
(:mod:`ipsrt.reports`) after :func:`ipsrt.reports.access.authorize`
(through :mod:`dashboard.context`). There is no module-level app, engine or
data; each call builds a fresh Flask server and Dash app, so tests can run
several side by side.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
from typing import Any

import dash
import dash_bootstrap_components as dbc
import flask
from dash import Input, Output, dcc, html
from dash.development.base_component import Component
from dash.exceptions import DependencyException

from dashboard import auth, context, security
from dashboard.pages import PAGES
from dashboard.settings import Settings
from ipsrt.reports.access import AccessDenied, audit_access
from ipsrt.store import Store

__all__ = ["create_app"]

_BOOTSTRAP_CSS = "/static-lib/bootstrap.min.css"


@dataclasses.dataclass(frozen=True)
class AppState:
    """What :mod:`dashboard.context` reads from ``app.server.extensions["ipsrt"]``."""

    store: Store
    settings: Settings


def _not_found() -> Component:
    return html.Div(
        [html.H1("Page not found", className="h3"), html.A("Back to the start", href="/")]
    )


def _menu(settings: Settings) -> Component:
    viewer = context.viewer()
    links = [
        dbc.NavItem(dbc.NavLink(module.PAGE.title, href=module.PAGE.path))
        for module in PAGES
        if viewer.role in module.PAGE.nav_roles
    ]
    sign_out = html.Form(
        [
            dcc.Input(
                type="hidden",
                name="csrf",
                value=auth.csrf_token(settings, flask.g.get("session_token") or ""),
            ),
            html.Button("Sign out", type="submit", className="btn btn-outline-light btn-sm"),
        ],
        method="post",
        action="/logout",
        className="d-flex",
    )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("IPSRT tracker", href="/"),
                dbc.Nav(
                    [
                        *links,
                        dbc.NavItem(
                            dbc.NavLink("Password", href="/account/password", external_link=True)
                        ),
                    ],
                    navbar=True,
                    className="me-auto flex-wrap",
                ),
                sign_out,
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )


def _route(pathname: str | None) -> tuple[Any, Any]:
    for module in PAGES:
        params = module.PAGE.match(pathname or "/")
        if params is not None:
            try:
                return module.layout(**params), module.PAGE.title
            except AccessDenied:
                audit_access(
                    context.store(),
                    context.viewer(),
                    module.PAGE.action,
                    now=context.now(),
                    subject=None,
                    allowed=False,
                    detail={"page": module.PAGE.path},
                )
                return _not_found(), "Page not found"
    return _not_found(), "Page not found"


def create_app(store: Store, settings: Settings | None = None) -> dash.Dash:
    """A Dash app serving *store* with *settings* (defaults: the wall clock, no TLS).

    The Flask server is ``app.server``; serve it with a WSGI server
    (``ipsrt serve``), never Flask's debug server.
    """
    settings = settings or Settings()
    server = flask.Flask("dashboard")
    server.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        MAX_CONTENT_LENGTH=1_000_000,
    )
    server.debug = False
    server.extensions["ipsrt"] = AppState(store=store, settings=settings)
    auth.install_auth(server, store, settings)

    @server.route(_BOOTSTRAP_CSS)
    def bootstrap_css() -> flask.Response:
        css = (
            importlib.resources.files("flask_bootstrap") / "static/bootstrap5/css/bootstrap.min.css"
        )
        response = flask.make_response(css.read_bytes())
        response.headers["Content-Type"] = "text/css; charset=utf-8"
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response

    @server.errorhandler(DependencyException)
    def unknown_script(_exc: Exception) -> flask.Response:
        # Dash raises this for a component-suite path it never registered.
        return flask.make_response({"error": "not found"}, 404)

    @server.errorhandler(AccessDenied)
    def denied(_exc: AccessDenied) -> flask.Response:
        audit_access(
            store,
            flask.g.get("viewer"),
            "request",
            now=context.now(),
            allowed=False,
            detail={"path": flask.request.path[:100]},
        )
        return flask.make_response({"error": "not found or not allowed"}, 403)

    app = dash.Dash(
        "dashboard",
        server=server,  # type: ignore[arg-type]
        title="IPSRT tracker",
        update_title=None,  # type: ignore[arg-type]
        serve_locally=True,
        suppress_callback_exceptions=True,
        external_stylesheets=[_BOOTSTRAP_CSS],
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    # Screen readers pick their voice from the page's language (axe: html-has-lang).
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    app.layout = html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            html.Div(id="shell-menu"),
            dbc.Container(html.Main(id="shell-page"), fluid=True, className="pb-5"),
        ]
    )

    @app.callback(
        Output("shell-menu", "children"),
        Output("shell-page", "children"),
        Input("url", "pathname"),
    )
    def route(pathname: str | None) -> tuple[Any, Any]:
        context.viewer()
        page, _title = _route(pathname)
        return _menu(settings), page

    for module in PAGES:
        module.register(app)
    security.install_security_headers(app, settings)
    return app
