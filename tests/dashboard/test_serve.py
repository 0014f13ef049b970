"""``ipsrt serve``: the dashboard behind waitress, started as the real command.

Each test runs ``ipsrt serve`` in a subprocess on a free port, waits for
``/healthz``, then talks HTTP to it (docs/deploy.md).
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ipsrt.store import Store
from tests.helpers.dashboard import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
#: How long the server may take to start on a busy machine (not a performance target).
START_DEADLINE_S = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(url: str, *options: str) -> Iterator[int]:
    """``ipsrt serve --db URL OPTIONS`` on a free port; yields the port, stops with SIGTERM."""
    port = free_port()
    command = ["--db", url, "--port", str(port), "--workers", "2", *options]
    process = subprocess.Popen(
        [sys.executable, "-c", "from ipsrt.cli import run; run()", "serve", *command],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + START_DEADLINE_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"ipsrt serve exited: {process.communicate()[1]}")
            try:
                if request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("ipsrt serve did not answer /healthz")
            time.sleep(0.2)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert f":{port}" in out


def request(
    port: int,
    method: str,
    path: str,
    body: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, http.client.HTTPMessage, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        sent = dict(headers or {})
        if body is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        conn.close()


def cookies(headers: http.client.HTTPMessage) -> dict[str, str]:
    """name -> the whole Set-Cookie line."""
    return {line.split("=", 1)[0]: line for line in headers.get_all("Set-Cookie") or []}


def cookie_value(line: str) -> str:
    return line.split("=", 1)[1].split(";", 1)[0]


def sign_in(port: int, login: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    status, got, html = request(port, "GET", "/login", headers=headers)
    assert status == 200
    name, line = next((k, v) for k, v in cookies(got).items() if k.endswith("login-csrf"))
    csrf = cookie_value(line)
    assert re.search(rf'name="csrf" value="{re.escape(csrf)}"', html)
    status, got, _ = request(
        port,
        "POST",
        "/login",
        body=f"login={login}&password={PASSWORD.replace(' ', '+')}&csrf={csrf}",
        headers={**(headers or {}), "Cookie": f"{name}={csrf}"},
    )
    return status, cookies(got)


def test_serve_answers_health_sign_in_and_the_dash_layout(database_url: str, dash_store) -> None:
    with serving(database_url) as port:
        status, headers, body = request(port, "GET", "/healthz")
        assert (status, body.strip()) == (200, '{"ok":true}')
        status, headers, body = request(port, "GET", "/login")
        assert status == 200
        assert "Sign in" in body
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["Server"] == "ipsrt"
        assert "Strict-Transport-Security" not in headers
        status, session = sign_in(port, "client1")
        assert status == 302
        token = cookie_value(session["ipsrt-session"])
        status, _, body = request(
            port, "GET", "/_dash-layout", headers={"Cookie": f"ipsrt-session={token}"}
        )
        assert status == 200
        assert "shell-page" in body
        assert request(port, "GET", "/_dash-layout")[0] == 401


def test_serve_behind_a_tls_proxy_believes_only_the_trusted_proxy(
    sqlite_dash_store, tmp_path
) -> None:
    url = f"sqlite:///{tmp_path / 'dash.sqlite3'}"
    proxied = {
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "clinic.example",
        "Origin": "https://clinic.example",
    }
    with serving(url, "--tls", "--trusted-proxy", "127.0.0.1") as port:
        status, headers, _ = request(port, "GET", "/login", headers=proxied)
        assert status == 200
        assert int(headers["Strict-Transport-Security"].split("=")[1]) >= 31_536_000
        line = cookies(headers)["__Host-ipsrt-login-csrf"]
        assert "Secure" in line
        assert request(port, "GET", "/healthz")[0] == 200
        status, session = sign_in(port, "client1", proxied)
        assert status == 302
        assert set(session) == {"__Host-ipsrt-session", "__Host-ipsrt-login-csrf"}
        assert "Secure" in session["__Host-ipsrt-session"]
    with serving(url) as port:
        # No trusted proxy: the same headers are ignored, so the Origin (https://clinic.example)
        # no longer matches the request's own origin (http://127.0.0.1:PORT).
        status, _, _ = request(port, "POST", "/login", body="login=x", headers=proxied)
        assert status == 403
    with Store(url) as store:
        addresses = [
            (e.action, e.detail.get("address"))
            for e in store.audit_events()
            if e.action.startswith("login.")
        ]
    assert addresses == [("login.ok", "203.0.113.7")]
