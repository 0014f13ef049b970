"""Signing in and out: the Flask side of the dashboard's server-side sessions.

The sign-in, sign-out and password forms are plain server-rendered HTML
forms, each with a CSRF token; everything else is the Dash app, reached only
with a live session. Before every request the session cookie's token is
looked up on the server (:func:`ipsrt.reports.web_sessions.session_viewer`);
without a live session every route outside :data:`PUBLIC_PREFIXES` answers
401 (Dash requests, other methods) or redirects to the sign-in form (pages).
The rules are in ``docs/security.md``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from typing import Any
from urllib.parse import urlsplit

import flask
import flask_login
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from markupsafe import escape
from werkzeug.wrappers import Response

from dashboard import context
from dashboard.settings import Settings
from ipsrt.errors import InvalidInputError
from ipsrt.reports import web_sessions
from ipsrt.reports.access import Viewer
from ipsrt.store import Store

__all__ = [
    "PUBLIC_PATHS",
    "PUBLIC_PREFIXES",
    "client_address",
    "cookie_name",
    "csrf_token",
    "install_auth",
    "login_csrf_cookie_name",
    "login_key",
]

#: Routes anyone may reach: the sign-in form and a health check.
PUBLIC_PATHS = frozenset({"/login", "/healthz"})
#: Static code and style (the same for everyone; no data).
PUBLIC_PREFIXES = ("/_dash-component-suites/", "/assets/", "/static-lib/")
#: What a sign-in form token looks like (``secrets.token_urlsafe(32)``).
LOGIN_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
GENERIC_FAILURE = "Wrong login or password."
TOO_MANY_ATTEMPTS = (
    '<h1 class="h3 mb-3">Sign in</h1>'
    '<div class="alert alert-warning" role="alert">Too many sign-in attempts. '
    "Wait a minute, then try again.</div>"
    '<a class="btn btn-primary" href="/login">Back to sign in</a>'
)


def client_address() -> str:
    """The address of the request's client: the socket peer, or the address a trusted
    proxy forwarded (``ipsrt serve --trusted-proxy`` rewrites it in the WSGI environ)."""
    return get_remote_address() or "unknown"


def _form_login() -> str:
    return unicodedata.normalize("NFKC", str(flask.request.form.get("login", "")))[:256]


def login_key() -> str:
    """The per-login rate-limit key: the login the form names, NFKC and case-folded."""
    return "login:" + _form_login().strip().casefold()[:128]


def cookie_name(settings: Settings) -> str:
    """The session cookie's name: ``__Host-`` prefixed when cookies are ``Secure``."""
    return "__Host-ipsrt-session" if settings.secure_cookies else "ipsrt-session"


def login_csrf_cookie_name(settings: Settings) -> str:
    """The sign-in form's CSRF cookie: ``__Host-`` prefixed when cookies are ``Secure``
    (so a sibling host cannot plant one: the prefix forbids a ``Domain``)."""
    return "__Host-ipsrt-login-csrf" if settings.secure_cookies else "ipsrt-login-csrf"


def csrf_token(settings: Settings, token: str) -> str:
    """The CSRF token of forms shown in the session *token*: HMAC-SHA256 of its stored hash."""
    key = web_sessions.token_hash(token).encode()
    return hmac.new(settings.secret_key, key, hashlib.sha256).hexdigest()


class SignedIn(flask_login.UserMixin):
    """Flask-Login's view of a :class:`~ipsrt.reports.access.Viewer`."""

    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer

    def get_id(self) -> str:
        return str(self.viewer.user_id)


def _page(title: str, body: str, status: int = 200) -> flask.Response:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · IPSRT tracker</title>"
        '<link rel="icon" href="data:,">'
        '<link rel="stylesheet" href="/static-lib/bootstrap.min.css"></head>'
        f'<body><main class="container py-4" style="max-width:28rem">{body}</main></body></html>'
    )
    response = flask.make_response(html, status)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    return response


def _login_form(csrf: str, message: str = "") -> str:
    alert = (
        f'<div class="alert alert-danger" role="alert">{escape(message)}</div>' if message else ""
    )
    return (
        '<h1 class="h3 mb-3">Sign in</h1>'
        f"{alert}"
        '<form method="post" action="/login">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        '<div class="mb-3"><label class="form-label" for="login">Login</label>'
        '<input class="form-control" id="login" name="login" autocomplete="username" required>'
        "</div>"
        '<div class="mb-3"><label class="form-label" for="password">Password</label>'
        '<input class="form-control" id="password" name="password" type="password" '
        'autocomplete="current-password" required></div>'
        '<button class="btn btn-primary" type="submit">Sign in</button></form>'
    )


def _same_origin() -> bool:
    """True unless the browser says the request came from another origin."""
    origin = flask.request.headers.get("Origin")
    if origin is None:
        referer = flask.request.headers.get("Referer")
        if referer is None:
            return True
        origin = referer
    parts = urlsplit(origin)
    return f"{parts.scheme}://{parts.netloc}" == flask.request.host_url.rstrip("/")


def install_auth(server: flask.Flask, store: Store, settings: Settings) -> Limiter:
    """Add sessions, the sign-in/out routes, CSRF and rate limits to *server*."""
    session_cookie = cookie_name(settings)
    login_csrf_cookie = login_csrf_cookie_name(settings)
    login_manager = flask_login.LoginManager()
    login_manager.init_app(server)

    @login_manager.request_loader
    def _signed_in(_request: flask.Request) -> SignedIn | None:
        viewer = flask.g.get("viewer")
        return None if viewer is None else SignedIn(viewer)

    limiter = Limiter(
        client_address,
        app=server,
        storage_uri=settings.limiter_storage_uri,
        strategy="moving-window",
        default_limits=[],
    )

    def _cookie(response: Response, name: str, value: str, **kw: Any) -> None:
        response.set_cookie(
            name,
            value,
            httponly=True,
            secure=settings.secure_cookies,
            samesite=kw.pop("samesite", "Lax"),
            path="/",
            **kw,
        )

    @server.before_request
    def _load_session() -> Response | None:
        token = flask.request.cookies.get(session_cookie)
        flask.g.session_token = token
        flask.g.viewer = (
            web_sessions.session_viewer(store, token, now=context.now(), rules=settings.sessions)
            if token
            else None
        )
        path = flask.request.path
        if flask.request.method not in ("GET", "HEAD") and not _same_origin():
            return flask.make_response({"error": "cross-origin request refused"}, 403)
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return None
        if flask.g.viewer is None:
            if path.startswith("/_dash-") or flask.request.method not in ("GET", "HEAD"):
                return flask.make_response({"error": "sign in first"}, 401)
            return flask.redirect("/login")
        if (
            path.startswith("/_dash-")
            and flask.request.method == "POST"
            and flask.request.mimetype != "application/json"
        ):
            return flask.make_response({"error": "JSON requests only"}, 415)
        return None

    def _login_failed(csrf: str) -> Response:
        return _page("Sign in", _login_form(csrf, GENERIC_FAILURE), 401)

    @server.route("/login", methods=["GET"])
    def login_form() -> Response:
        if flask.g.get("viewer") is not None:
            return flask.redirect("/")
        # Keep the browser's token while it is valid: another tab, or the browser's own
        # favicon request redirected here, must not invalidate the form already shown.
        kept = flask.request.cookies.get(login_csrf_cookie, "")
        csrf = kept if LOGIN_TOKEN_PATTERN.fullmatch(kept) else secrets.token_urlsafe(32)
        response = _page("Sign in", _login_form(csrf))
        _cookie(response, login_csrf_cookie, csrf, samesite="Strict", max_age=3600)
        return response

    def _audit_attempt(action: str, **detail: str) -> None:
        # A sign-in attempt stopped before the password was checked (sign_in audits the rest).
        with store.write_session() as session:
            store.audit(
                session,
                now=context.now(),
                actor=_form_login()[:128] or "?",
                action=action,
                detail={"address": client_address()[:64], **detail},
            )

    def _refused(limit: RequestLimit) -> flask.Response:
        # One generic page whichever limit was reached and whether the login exists.
        which = "login" if limit.request_args[0].startswith("login:") else "address"
        _audit_attempt("login.refused", limit=which)
        response = _page("Sign in", TOO_MANY_ATTEMPTS, 429)
        response.headers["Retry-After"] = "60"
        return response

    @server.route("/login", methods=["POST"])
    @limiter.limit(
        lambda: settings.login_limit_per_address, key_func=client_address, on_breach=_refused
    )
    @limiter.limit(lambda: settings.login_limit_per_login, key_func=login_key, on_breach=_refused)
    def login_submit() -> Response:
        sent = str(flask.request.form.get("csrf", ""))
        expected = flask.request.cookies.get(login_csrf_cookie, "")
        if not expected or not hmac.compare_digest(sent, expected):
            _audit_attempt("login.failed", reason="form token")
            return flask.make_response({"error": "the form expired: reload the page"}, 400)
        result = web_sessions.sign_in(
            store,
            str(flask.request.form.get("login", ""))[:256],
            str(flask.request.form.get("password", ""))[:1024],
            now=context.now(),
            address=client_address(),
        )
        if result is None:
            return _login_failed(expected)
        token, _viewer = result
        response = flask.redirect("/")
        _cookie(response, session_cookie, token)
        response.delete_cookie(login_csrf_cookie, path="/", secure=settings.secure_cookies)
        return response

    def _check_session_csrf() -> Response | None:
        token = flask.g.get("session_token") or ""
        sent = str(flask.request.form.get("csrf", ""))
        if not hmac.compare_digest(sent, csrf_token(settings, token)):
            return flask.make_response({"error": "the form expired: reload the page"}, 400)
        return None

    @server.route("/logout", methods=["POST"])
    def logout() -> Response:
        refused = _check_session_csrf()
        if refused is not None:
            return refused
        web_sessions.sign_out(
            store, flask.g.get("session_token"), flask.g.get("viewer"), now=context.now()
        )
        response = flask.redirect("/login")
        response.delete_cookie(session_cookie, path="/", secure=settings.secure_cookies)
        response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
        return response

    @server.route("/account/password", methods=["GET", "POST"])
    def change_password() -> Response:
        viewer: Viewer = flask.g.viewer
        csrf = csrf_token(settings, flask.g.session_token)
        message = ""
        if flask.request.method == "POST":
            refused = _check_session_csrf()
            if refused is not None:
                return refused
            try:
                changed = web_sessions.change_password(
                    store,
                    viewer,
                    str(flask.request.form.get("current", ""))[:1024],
                    str(flask.request.form.get("new", ""))[:1024],
                    now=context.now(),
                )
            except InvalidInputError as exc:
                message = str(exc)
            else:
                if changed:
                    response = flask.redirect("/login")
                    response.delete_cookie(session_cookie, path="/", secure=settings.secure_cookies)
                    return response
                message = "The current password is wrong."
        alert = (
            f'<div class="alert alert-danger" role="alert">{escape(message)}</div>'
            if message
            else ""
        )
        body = (
            '<h1 class="h3 mb-3">Change your password</h1>'
            f"{alert}"
            '<form method="post" action="/account/password">'
            f'<input type="hidden" name="csrf" value="{csrf}">'
            '<div class="mb-3"><label class="form-label" for="current">Current password</label>'
            '<input class="form-control" id="current" name="current" type="password" '
            'autocomplete="current-password" required></div>'
            '<div class="mb-3"><label class="form-label" for="new">New password</label>'
            '<input class="form-control" id="new" name="new" type="password" '
            'autocomplete="new-password" required></div>'
            '<button class="btn btn-primary" type="submit">Change password</button>'
            ' <a class="btn btn-link" href="/">Cancel</a></form>'
            "<p class='mt-3 small'>Every signed-in browser, this one included, is signed out.</p>"
        )
        return _page("Change your password", body, 200 if not message else 400)

    @server.route("/healthz")
    def healthz() -> Response:
        return flask.make_response({"ok": True}, 200)

    return limiter
