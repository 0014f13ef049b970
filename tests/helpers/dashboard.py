"""Dashboard test fixtures (a pytest plugin loaded by tests/conftest.py) and helpers.

The clinic: clients C001 and C002; users ``client1`` (C001), ``client2``
(C002), ``clin1`` (C001 assigned), ``clin2`` (nothing assigned) and
``admin1``, all with :data:`PASSWORD`. The clock is frozen at :data:`NOW`
unless a test moves it (``clock.now = ...``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import flask.testing
import pytest

from dashboard import Settings, create_app
from ipsrt import passwords
from ipsrt.reports.summaries import install
from ipsrt.store import Store

PASSWORD = "correct horse battery staple 42"
NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
USERS = {
    "client1": ("client", "C001"),
    "client2": ("client", "C002"),
    "clin1": ("clinician", None),
    "clin2": ("clinician", None),
    "admin1": ("admin", None),
}


@functools.cache
def password_hash() -> str:
    """One argon2id hash of :data:`PASSWORD`, shared by every test user (hashing is slow)."""
    return passwords.hash_password(PASSWORD)


class Clock:
    """A settable clock for :class:`dashboard.Settings`."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def build_clinic(store: Store, now: dt.datetime = NOW) -> Store:
    """Add the clients, users and the one assignment of the test clinic to *store*."""
    install(store)
    store.add_client("C001", "Europe/Berlin", now=now, display_name="Canary Client One")
    store.add_client("C002", "America/New_York", now=now, display_name="Canary Client Two")
    for login, (role, code) in USERS.items():
        store.accounts.add_user(login, password_hash(), role, now=now, client_code=code)
    store.accounts.assign("clin1", "C001", now=now)
    return store


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def dash_store(database_url: str) -> Iterator[Store]:
    """The test clinic on each backend."""
    with Store.initialise(database_url) as opened:
        yield build_clinic(opened)


@pytest.fixture
def sqlite_dash_store(tmp_path) -> Iterator[Store]:
    """The test clinic on SQLite only (for tests about the web layer, not the store)."""
    with Store.initialise(f"sqlite:///{tmp_path / 'dash.sqlite3'}") as opened:
        yield build_clinic(opened)


@pytest.fixture
def make_app(clock: Clock) -> Callable[..., Any]:
    """``make_app(store, **settings)`` -> a Dash app on the frozen clock."""

    def make(store: Store, **overrides: Any) -> Any:
        return create_app(store, Settings(clock=clock, **overrides))

    return make


def login(client: flask.testing.FlaskClient, user: str, password: str = PASSWORD) -> Any:
    """Sign *user* in through the real form (CSRF cookie and field included)."""
    form = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.get_data(as_text=True))
    assert token is not None
    return client.post("/login", data={"login": user, "password": password, "csrf": token.group(1)})


def callback_key(output: str | list[tuple[str, str]]) -> str:
    """Dash's key of a callback for *output* (``"id.prop"`` or several ``(id, prop)``)."""
    if isinstance(output, str):
        return output
    return ".." + "...".join(f"{i}.{p}" for i, p in output) + ".."


def call_callback(
    client: flask.testing.FlaskClient,
    app: Any,
    output: str | list[tuple[str, str]],
    inputs: list[dict[str, Any]],
    state: list[dict[str, Any]] | None = None,
) -> Any:
    """POST a callback the way the browser does; returns the Flask response.

    *inputs*/*state* are Dash's ``{"id": ..., "property": ..., "value": ...}``
    dicts; *output* is the callback's output as Dash keys it.
    """
    key = callback_key(output)
    spec = app.callback_map[key]
    outputs: Any
    if key.startswith(".."):
        outputs = [
            {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
            for part in key.strip(".").split("...")
        ]
    else:
        ident, prop = key.rsplit(".", 1)
        outputs = {"id": ident, "property": prop}
    body = {
        "output": key,
        "outputs": outputs,
        "inputs": inputs,
        "state": state or [],
        "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs],
    }
    assert spec is not None
    return client.post(
        "/_dash-update-component", data=json.dumps(body), content_type="application/json"
    )


def response_text(response: Any) -> str:
    return response.get_data(as_text=True)
