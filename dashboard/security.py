"""Security headers on every response of the dashboard.

The Content-Security-Policy lets the page run only the app's own scripts
(``script-src 'self'`` plus the SHA-256 of each inline script Dash writes
into its index page, :meth:`dash.Dash.csp_hashes`): no ``'unsafe-eval'``
and no ``'unsafe-inline'`` for scripts. Styles allow ``'unsafe-inline'``
because plotly.js injects ``<style>`` elements when it draws a figure and the
server-rendered forms carry ``style`` attributes. Every directive and the
reason for it is in ``docs/security.md`` ("Headers").
"""

from __future__ import annotations

from collections.abc import Sequence

import dash
import flask
from werkzeug.wrappers import Response

from dashboard.auth import PUBLIC_PREFIXES
from dashboard.settings import Settings

__all__ = [
    "HSTS_MAX_AGE",
    "content_security_policy",
    "install_security_headers",
]

#: Seconds browsers keep to HTTPS after one visit over TLS (one year).
HSTS_MAX_AGE = 31_536_000


def content_security_policy(script_hashes: Sequence[str]) -> str:
    """The ``Content-Security-Policy`` value allowing the inline scripts of *script_hashes*.

    *script_hashes* are CSP source expressions such as ``'sha256-...'``.
    """
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def install_security_headers(app: dash.Dash, settings: Settings) -> None:
    """Add the security headers to every response of ``app.server``.

    Call it after every callback is registered: the script hashes are
    computed here, once, from the inline scripts Dash knows about.
    """
    policy = content_security_policy(app.csp_hashes())
    server: flask.Flask = app.server

    @server.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = policy
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), usb=()"
        if not flask.request.path.startswith(PUBLIC_PREFIXES):  # static code may be cached
            headers["Cache-Control"] = "no-store"
        if settings.secure_cookies:
            headers["Strict-Transport-Security"] = f"max-age={HSTS_MAX_AGE}"
        return response
