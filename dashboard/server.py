"""The production WSGI server of the dashboard: one waitress process, many threads.

Why waitress: it is pure Python (nothing to compile, runs wherever the
tracker runs), production grade, and serves from one process with a pool of
threads, never forking. One process keeps two things exact: the sign-in rate
limiter counts in memory (``memory://``), and SQLite has one writer. The
deployment is in ``docs/deploy.md``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import waitress
from waitress.server import BaseWSGIServer, MultiSocketServer

from dashboard.app import create_app
from dashboard.settings import Settings
from ipsrt.store import Store

__all__ = ["PROXY_HEADERS", "ServeOptions", "create_server"]

#: The X-Forwarded-* headers waitress takes from a trusted proxy (the rest are dropped).
PROXY_HEADERS = frozenset({"x-forwarded-for", "x-forwarded-host", "x-forwarded-proto"})
#: Largest request body waitress reads (the app itself refuses more than 1 MB).
MAX_BODY_BYTES = 2_000_000


@dataclasses.dataclass(frozen=True)
class ServeOptions:
    """How ``ipsrt serve`` listens.

    Attributes
    ----------
    host, port
        Where to listen (default: loopback only, for a reverse proxy on the same host).
    threads
        Waitress worker threads (requests served at once).
    tls
        The browser reaches the app over HTTPS (TLS ends at a proxy): cookies
        get ``Secure`` and the ``__Host-`` prefix, responses get HSTS, and
        URLs are built with ``https``.
    trusted_proxy
        Address of the reverse proxy whose ``X-Forwarded-For``, ``-Host`` and
        ``-Proto`` headers are believed (waitress rewrites the WSGI environ);
        those headers from anyone else are removed.
    """

    host: str = "127.0.0.1"
    port: int = 8050
    threads: int = 8
    tls: bool = False
    trusted_proxy: str | None = None


def waitress_options(options: ServeOptions) -> dict[str, Any]:
    """The keyword arguments of :func:`waitress.create_server` for *options*."""
    kw: dict[str, Any] = {
        "host": options.host,
        "port": options.port,
        "threads": options.threads,
        "ident": "ipsrt",
        "max_request_body_size": MAX_BODY_BYTES,
        "expose_tracebacks": False,
        "url_scheme": "https" if options.tls else "http",
    }
    if options.trusted_proxy:
        kw.update(
            trusted_proxy=options.trusted_proxy,
            trusted_proxy_count=1,
            trusted_proxy_headers=set(PROXY_HEADERS),
            clear_untrusted_proxy_headers=True,
        )
    return kw


def create_server(
    store: Store, options: ServeOptions, settings: Settings | None = None
) -> BaseWSGIServer | MultiSocketServer:
    """A waitress server for the dashboard over *store*, bound but not yet running.

    Call ``.run()`` to serve and ``.close()`` to stop. *settings* defaults to
    the wall clock with ``secure_cookies`` set from ``options.tls``.
    """
    settings = settings or Settings(secure_cookies=options.tls)
    if options.tls and not settings.secure_cookies:
        settings = dataclasses.replace(settings, secure_cookies=True)
    app = create_app(store, settings)
    return waitress.create_server(app.server, **waitress_options(options))
