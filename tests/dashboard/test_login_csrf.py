"""The sign-in form's CSRF cookie survives the browser's own requests while signed out."""

from __future__ import annotations

import re

from tests.helpers.dashboard import PASSWORD


def test_a_redirected_favicon_request_keeps_the_form_token(sqlite_dash_store, make_app) -> None:
    # A browser asks for /favicon.ico after showing the form; signed out, that
    # request is redirected to /login. The form on screen must still sign in.
    client = make_app(sqlite_dash_store).server.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token is not None
    assert client.get("/favicon.ico", follow_redirects=True).status_code == 200
    signed = client.post(
        "/login", data={"login": "client1", "password": PASSWORD, "csrf": token.group(1)}
    )
    assert signed.status_code == 302
    assert signed.headers["Location"] == "/"


def test_a_malformed_cookie_gets_a_fresh_token(sqlite_dash_store, make_app) -> None:
    client = make_app(sqlite_dash_store).server.test_client()
    client.set_cookie("ipsrt-login-csrf", "chosen-by-someone-else")
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token is not None
    assert token.group(1) != "chosen-by-someone-else"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token.group(1))
