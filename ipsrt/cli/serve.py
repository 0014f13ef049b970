"""``ipsrt serve``: the dashboard behind waitress (``docs/deploy.md``).

The dashboard (Dash, Flask, waitress) is imported inside the command only,
so ``ipsrt --help`` stays fast (docs/architecture.md, "Command line").
"""

from __future__ import annotations

import signal
from typing import Annotated, Any

import typer

from ipsrt.cli.common import DbOption, fail, handle_errors, open_store, stdout


def _stop(_signum: int, _frame: Any) -> None:
    # waitress's run() closes its sockets on SystemExit; the store closes after it.
    raise SystemExit(0)


@handle_errors
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback: behind a proxy).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8050,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Waitress threads (one process).")
    ] = 8,
    tls: Annotated[
        bool,
        typer.Option(
            "--tls",
            help="Browsers reach the app over HTTPS (TLS ends at the proxy): "
            "Secure __Host- cookies and HSTS.",
        ),
    ] = False,
    trusted_proxy: Annotated[
        str | None,
        typer.Option(
            "--trusted-proxy",
            help="Address of the reverse proxy whose X-Forwarded-For/-Host/-Proto are believed.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Serve the dashboard (one waitress process, --workers threads) until stopped."""
    from dashboard.server import ServeOptions, create_server

    options = ServeOptions(
        host=host, port=port, threads=workers, tls=tls, trusted_proxy=trusted_proxy
    )
    with open_store(db) as store:
        try:
            server = create_server(store, options)
        except OSError as exc:
            raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        scheme = "https" if tls else "http"
        # A host with several addresses gets one socket each (no single effective port).
        listening = getattr(server, "effective_port", port)
        stdout.print(
            f"Serving the dashboard of {store.url} on {scheme}://{host}:{listening} "
            f"({workers} threads{', behind ' + trusted_proxy if trusted_proxy else ''}).",
        )
        signal.signal(signal.SIGTERM, _stop)
        server.run()
