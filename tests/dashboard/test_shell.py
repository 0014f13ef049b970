"""The app shell: sign in, the router, the menu by role, deny-by-default."""

from __future__ import annotations

import re

from tests.helpers.dashboard import call_callback, login, response_text


def test_signed_out_dash_requests_get_401_and_pages_redirect(sqlite_dash_store, make_app) -> None:
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    assert client.get("/").status_code == 302
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/_dash-dependencies").status_code == 401
    refused = call_callback(
        client,
        app,
        "..shell-menu.children...shell-page.children..",
        [{"id": "url", "property": "pathname", "value": "/"}],
    )
    assert refused.status_code == 401


def test_signed_in_client_sees_its_menu(sqlite_dash_store, make_app) -> None:
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    assert login(client, "client1").status_code == 302
    assert client.get("/_dash-layout").status_code == 200
    page = call_callback(
        client,
        app,
        [("shell-menu", "children"), ("shell-page", "children")],
        [{"id": "url", "property": "pathname", "value": "/"}],
    )
    assert page.status_code == 200, response_text(page)
    assert "Signed in as client1" in response_text(page)


def test_wrong_password_and_unknown_user_look_the_same(sqlite_dash_store, make_app) -> None:
    app = make_app(sqlite_dash_store)
    wrong = login(app.server.test_client(), "client1", "not the password at all")
    unknown = login(app.server.test_client(), "nobody", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    token = re.compile(rb'name="csrf" value="[^"]+"')
    assert token.sub(b"", wrong.get_data()) == token.sub(b"", unknown.get_data())
