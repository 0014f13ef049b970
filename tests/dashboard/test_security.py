"""The dashboard's web security: sessions, cookies, CSRF, rate limits, headers, audit.

Every rule tested here is stated in docs/security.md; the session timeouts
follow OWASP ASVS 5.0 V7 (30 min idle, 12 h absolute) as stated there. The
``clock`` fixture moves the app's time; the rate limiter counts on the wall
clock, and each test's attempts take well under its one-minute window.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import dashboard.app
from dashboard.auth import cookie_name
from dashboard.security import HSTS_MAX_AGE
from ipsrt.enums import Role
from ipsrt.models import User
from ipsrt.reports import accounts
from ipsrt.reports.access import RULES, Action, Scope
from tests.helpers.dashboard import NOW, PASSWORD, call_callback, login, response_text

ROOT = Path(__file__).resolve().parents[2]
LAYOUT = "/_dash-layout"
ROUTE = "..shell-menu.children...shell-page.children.."
ROUTE_INPUTS = [{"id": "url", "property": "pathname", "value": "/"}]
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
NEW_PASSWORD = "plum violin tuesday harbour"


def session_cookie(client: Any, name: str = "ipsrt-session") -> str | None:
    found = client.get_cookie(name)
    return None if found is None else found.value


def set_cookies(response: Any) -> dict[str, str]:
    """Cookie name -> its whole Set-Cookie line."""
    return {v.split("=", 1)[0]: v for v in response.headers.getlist("Set-Cookie")}


def form_token(client: Any) -> str:
    """The CSRF token of the signed-in forms, read from the password form."""
    page = client.get("/account/password")
    assert page.status_code == 200
    found = CSRF_FIELD.search(response_text(page))
    assert found is not None
    return found.group(1)


def events(store: Any, prefix: str = "") -> list[Any]:
    return [e for e in store.audit_events() if e.action.startswith(prefix)]


# -- sessions ---------------------------------------------------------------------------


def test_session_fixation_a_planted_cookie_is_replaced_and_worthless(
    sqlite_dash_store, make_app
) -> None:
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    planted = "attacker-chosen-token-value"
    client.set_cookie("ipsrt-session", planted)
    assert login(client, "client1").status_code == 302
    issued = session_cookie(client)
    assert issued not in (None, planted)
    assert client.get(LAYOUT).status_code == 200
    client.set_cookie("ipsrt-session", planted)
    assert client.get(LAYOUT).status_code == 401


def test_a_second_sign_in_gets_a_new_token(sqlite_dash_store, make_app) -> None:
    app = make_app(sqlite_dash_store)
    first, second = app.server.test_client(), app.server.test_client()
    login(first, "client1")
    login(second, "client1")
    assert session_cookie(first) != session_cookie(second)


def test_replay_after_logout_gets_401(sqlite_dash_store, make_app) -> None:
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    login(client, "client1")
    saved = session_cookie(client)
    assert saved is not None
    out = client.post("/logout", data={"csrf": form_token(client)})
    assert (out.status_code, out.headers["Location"]) == (302, "/login")
    assert "ipsrt-session=;" in set_cookies(out)["ipsrt-session"]
    replay = app.server.test_client()
    replay.set_cookie("ipsrt-session", saved)
    assert replay.get(LAYOUT).status_code == 401
    assert replay.get("/").status_code == 302


def test_idle_timeout_ends_a_quiet_session(sqlite_dash_store, make_app, clock) -> None:
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    login(client, "client1")
    clock.now = NOW + dt.timedelta(minutes=31)
    assert client.get(LAYOUT).status_code == 401


def test_activity_keeps_a_session_alive_past_the_idle_timeout(
    sqlite_dash_store, make_app, clock
) -> None:
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    login(client, "client1")
    for minutes in (29, 58, 87):  # each request within 30 min of the one before
        clock.now = NOW + dt.timedelta(minutes=minutes)
        assert client.get(LAYOUT).status_code == 200
    clock.now = NOW + dt.timedelta(minutes=87 + 31)
    assert client.get(LAYOUT).status_code == 401


def test_absolute_timeout_ends_a_session_after_12_hours_whatever_the_activity(
    sqlite_dash_store, make_app, clock
) -> None:
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    login(client, "client1")
    minute = 0
    while minute + 25 < 12 * 60:
        minute += 25
        clock.now = NOW + dt.timedelta(minutes=minute)
        assert client.get(LAYOUT).status_code == 200, minute
    clock.now = NOW + dt.timedelta(hours=12, minutes=1)
    assert client.get(LAYOUT).status_code == 401


def test_password_change_ends_every_session_of_the_user(sqlite_dash_store, make_app) -> None:
    app = make_app(sqlite_dash_store)
    phone, laptop, other = (app.server.test_client() for _ in range(3))
    for client, user in ((phone, "client1"), (laptop, "client1"), (other, "client2")):
        login(client, user)
    changed = phone.post(
        "/account/password",
        data={"current": PASSWORD, "new": NEW_PASSWORD, "csrf": form_token(phone)},
    )
    assert (changed.status_code, changed.headers["Location"]) == (302, "/login")
    assert phone.get(LAYOUT).status_code == 401
    assert laptop.get(LAYOUT).status_code == 401
    assert other.get(LAYOUT).status_code == 200
    assert login(app.server.test_client(), "client1").status_code == 401
    assert login(app.server.test_client(), "client1", NEW_PASSWORD).status_code == 302


def test_password_change_applies_the_policy_with_the_login_as_a_known_word(
    sqlite_dash_store, make_app
) -> None:
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    login(client, "client1")
    refused = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "client1client1", "csrf": form_token(client)},
    )
    assert refused.status_code == 400
    assert "zxcvbn score" in response_text(refused)
    assert "client1client1" not in response_text(refused)
    assert client.get(LAYOUT).status_code == 200


def test_disabled_account_gets_401_on_its_next_request(dash_store, make_app) -> None:
    app = make_app(dash_store)
    client = app.server.test_client()
    login(client, "clin1")
    assert client.get(LAYOUT).status_code == 200
    accounts.set_active(dash_store, "clin1", False, now=NOW, actor="admin1")
    assert client.get(LAYOUT).status_code == 401
    assert call_callback(client, app, ROUTE, ROUTE_INPUTS).status_code == 401
    assert login(app.server.test_client(), "clin1").status_code == 401
    accounts.set_active(dash_store, "clin1", True, now=NOW, actor="admin1")
    assert client.get(LAYOUT).status_code == 401  # enabling brings no old session back


def test_an_inactive_account_is_refused_even_with_its_sessions_unrevoked(
    sqlite_dash_store, make_app
) -> None:
    # Every request re-reads the account: a row made inactive by any means, its
    # sessions left as they were, is refused at the next request.
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    login(client, "clin1")
    with sqlite_dash_store.write_session() as session:
        session.execute(sa.update(User).where(User.login == "clin1").values(active=False))
    assert client.get(LAYOUT).status_code == 401


def test_disabled_unknown_and_wrong_password_answers_are_identical(
    sqlite_dash_store, make_app
) -> None:
    app = make_app(sqlite_dash_store)
    accounts.set_active(sqlite_dash_store, "client2", False, now=NOW)
    answers = [
        login(app.server.test_client(), "client1", "not the password at all"),
        login(app.server.test_client(), "nobody", "not the password at all"),
        login(app.server.test_client(), "client2", PASSWORD),
    ]
    assert {a.status_code for a in answers} == {401}
    bodies = {CSRF_FIELD.sub("", response_text(a)) for a in answers}
    assert len(bodies) == 1
    headers = {tuple(sorted((k, v) for k, v in a.headers if k != "Set-Cookie")) for a in answers}
    assert len(headers) == 1


# -- cookies ----------------------------------------------------------------------------


def test_session_cookie_attributes(sqlite_dash_store, make_app) -> None:
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    line = set_cookies(login(client, "client1"))["ipsrt-session"]
    attributes = [part.strip() for part in line.split(";")[1:]]
    assert "HttpOnly" in attributes
    assert "SameSite=Lax" in attributes
    assert "Path=/" in attributes
    assert "Secure" not in attributes
    assert not any(a.lower().startswith(("domain", "expires", "max-age")) for a in attributes)


def test_secure_cookies_get_the_host_prefix(sqlite_dash_store, make_app) -> None:
    app = make_app(sqlite_dash_store, secure_cookies=True)
    assert cookie_name(app.server.extensions["ipsrt"].settings) == "__Host-ipsrt-session"
    client = app.server.test_client()
    form = client.get("/login", base_url="https://localhost")
    csrf_line = set_cookies(form)["__Host-ipsrt-login-csrf"]
    assert "Secure" in csrf_line
    token = CSRF_FIELD.search(response_text(form))
    assert token is not None
    signed_in = client.post(
        "/login",
        data={"login": "client1", "password": PASSWORD, "csrf": token.group(1)},
        base_url="https://localhost",
    )
    assert signed_in.status_code == 302
    line = set_cookies(signed_in)["__Host-ipsrt-session"]
    attributes = [part.strip() for part in line.split(";")[1:]]
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/"} <= set(attributes)
    assert not any(a.lower().startswith("domain") for a in attributes)
    assert client.get(LAYOUT, base_url="https://localhost").status_code == 200


# -- CSRF -------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "wrong-token-" + "x" * 31])
def test_login_without_the_form_token_is_refused(sqlite_dash_store, make_app, token) -> None:
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    client.get("/login")
    data = {"login": "client1", "password": PASSWORD}
    if token is not None:
        data["csrf"] = token
    refused = client.post("/login", data=data)
    assert refused.status_code == 400
    assert session_cookie(client) is None
    assert [(e.action, e.detail.get("reason")) for e in events(sqlite_dash_store, "login.")] == [
        ("login.failed", "form token")
    ]


@pytest.mark.parametrize("token", [None, "wrong"])
def test_logout_without_the_form_token_is_refused(sqlite_dash_store, make_app, token) -> None:
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    login(client, "client1")
    refused = client.post("/logout", data={} if token is None else {"csrf": token})
    assert refused.status_code == 400
    assert client.get(LAYOUT).status_code == 200
    assert events(sqlite_dash_store, "logout") == []


@pytest.mark.parametrize("token", [None, "wrong"])
def test_password_change_without_the_form_token_is_refused(
    sqlite_dash_store, make_app, token
) -> None:
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    login(client, "client1")
    data = {"current": PASSWORD, "new": NEW_PASSWORD}
    if token is not None:
        data["csrf"] = token
    assert client.post("/account/password", data=data).status_code == 400
    assert client.get(LAYOUT).status_code == 200
    assert login(app.server.test_client(), "client1").status_code == 302


def test_another_sessions_form_token_is_refused(sqlite_dash_store, make_app) -> None:
    app = make_app(sqlite_dash_store)
    mine, theirs = app.server.test_client(), app.server.test_client()
    login(mine, "client1")
    login(theirs, "client2")
    assert theirs.post("/logout", data={"csrf": form_token(mine)}).status_code == 400


@pytest.fixture
def route_calls(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Records every run of the router callback's body."""
    calls: list[str | None] = []
    original = dashboard.app._route

    def counted(pathname: str | None) -> Any:
        calls.append(pathname)
        return original(pathname)

    monkeypatch.setattr(dashboard.app, "_route", counted)
    return calls


def test_dash_callbacks_refuse_simple_requests_a_form_could_send(
    sqlite_dash_store, make_app, route_calls
) -> None:
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    login(client, "client1")
    body = json.dumps(
        {"output": ROUTE, "outputs": [], "inputs": ROUTE_INPUTS, "changedPropIds": ["url.pathname"]}
    )
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        refused = client.post("/_dash-update-component", data=body, content_type=content_type)
        assert refused.status_code == 415, content_type
        assert refused.get_json() == {"error": "JSON requests only"}
    form_post = client.post("/_dash-update-component", data={"payload": body})
    assert form_post.get_json() == {"error": "JSON requests only"}
    assert route_calls == []
    assert call_callback(client, app, ROUTE, ROUTE_INPUTS).status_code == 200
    assert route_calls == ["/"]


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://localhost:8050"])
def test_cross_origin_posts_are_refused(sqlite_dash_store, make_app, route_calls, origin) -> None:
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    login(client, "client1")
    csrf = form_token(client)
    cross = {"Origin": origin}
    dash_post = client.post(
        "/_dash-update-component",
        data=json.dumps({"output": ROUTE, "inputs": ROUTE_INPUTS}),
        content_type="application/json",
        headers=cross,
    )
    assert dash_post.status_code == 403
    assert route_calls == []
    assert client.post("/logout", data={"csrf": csrf}, headers=cross).status_code == 403
    changed = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": NEW_PASSWORD, "csrf": csrf},
        headers=cross,
    )
    assert changed.status_code == 403
    fresh = app.server.test_client()
    form = fresh.get("/login")
    token = CSRF_FIELD.search(response_text(form))
    assert token is not None
    signed_in = fresh.post(
        "/login",
        data={"login": "client2", "password": PASSWORD, "csrf": token.group(1)},
        headers=cross,
    )
    assert signed_in.status_code == 403
    referer = client.post("/logout", data={"csrf": csrf}, headers={"Referer": f"{origin}/x"})
    assert referer.status_code == 403
    assert client.get(LAYOUT).status_code == 200
    same = client.post("/logout", data={"csrf": csrf}, headers={"Origin": "http://localhost"})
    assert same.status_code == 302


# -- rate limits ------------------------------------------------------------------------


def test_per_login_limit_refuses_that_login_only(sqlite_dash_store, make_app) -> None:
    app = make_app(sqlite_dash_store, login_limit_per_login="5 per minute")
    for attempt in range(5):
        login_as = "client1" if attempt % 2 else "CLIENT1"  # one login, whatever the case
        assert login(app.server.test_client(), login_as, "wrong password here").status_code in (
            401,
        )
    limited = login(app.server.test_client(), "client1")  # even the right password now
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "60"
    assert session_cookie(app.server.test_client()) is None
    assert login(app.server.test_client(), "client2").status_code == 302
    rows = [(e.actor, e.action, e.detail.get("limit")) for e in events(sqlite_dash_store, "login.")]
    assert rows[:5] == [
        ("CLIENT1", "login.failed", None),
        ("client1", "login.failed", None),
        ("CLIENT1", "login.failed", None),
        ("client1", "login.failed", None),
        ("CLIENT1", "login.failed", None),
    ]
    assert rows[5:] == [("client1", "login.refused", "login"), ("client2", "login.ok", None)]
    assert all(e.detail["address"] == "127.0.0.1" for e in events(sqlite_dash_store, "login."))


def test_per_address_limit_refuses_that_address_whatever_the_login(
    sqlite_dash_store, make_app
) -> None:
    app = make_app(
        sqlite_dash_store, login_limit_per_address="3 per minute", login_limit_per_login="50/minute"
    )
    for user in ("client1", "client2", "clin1"):
        assert login(app.server.test_client(), user, "wrong password here").status_code == 401
    limited = login(app.server.test_client(), "admin1")
    assert limited.status_code == 429
    elsewhere = app.server.test_client()
    other_address = {"REMOTE_ADDR": "198.51.100.4"}
    form = elsewhere.get("/login", environ_base=other_address)
    token = CSRF_FIELD.search(response_text(form))
    assert token is not None
    signed_in = elsewhere.post(
        "/login",
        data={"login": "admin1", "password": PASSWORD, "csrf": token.group(1)},
        environ_base=other_address,
    )
    assert signed_in.status_code == 302
    refused = events(sqlite_dash_store, "login.refused")
    assert [(e.actor, e.detail) for e in refused] == [
        ("admin1", {"address": "127.0.0.1", "limit": "address"})
    ]


def test_both_limits_answer_with_the_same_generic_page(sqlite_dash_store, make_app) -> None:
    by_login = make_app(sqlite_dash_store, login_limit_per_login="1 per minute")
    by_address = make_app(sqlite_dash_store, login_limit_per_address="1 per minute")
    answers = []
    for app, second_login in ((by_login, "client1"), (by_address, "nobody")):
        login(app.server.test_client(), "client1", "wrong password here")
        answers.append(login(app.server.test_client(), second_login, "wrong password here"))
    assert [a.status_code for a in answers] == [429, 429]
    assert answers[0].get_data() == answers[1].get_data()
    assert "client1" not in response_text(answers[0])
    assert "nobody" not in response_text(answers[1])
    assert "Too many sign-in attempts" in response_text(answers[0])


def test_the_default_limits(sqlite_dash_store, make_app) -> None:
    settings = make_app(sqlite_dash_store).server.extensions["ipsrt"].settings
    assert (settings.login_limit_per_address, settings.login_limit_per_login) == (
        "20 per minute",
        "5 per minute",
    )
    assert settings.limiter_storage_uri == "memory://"


# -- headers ----------------------------------------------------------------------------


def policy(response: Any) -> dict[str, list[str]]:
    directives = [d.strip().split() for d in response.headers["Content-Security-Policy"].split(";")]
    return {d[0]: d[1:] for d in directives if d}


@pytest.mark.parametrize("path", ["/", "/login", LAYOUT, "/healthz", "/account/password"])
@pytest.mark.parametrize("signed_in", [True, False])
def test_security_headers_on_every_response(sqlite_dash_store, make_app, path, signed_in) -> None:
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    if signed_in:
        login(client, "client1")
    response = client.get(path)
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'", *app.csp_hashes()]
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert not any("unsafe-eval" in v or "*" in v for values in csp.values() for v in values)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers


def test_the_index_pages_inline_script_is_allowed_by_its_hash(sqlite_dash_store, make_app) -> None:
    import base64
    import hashlib

    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    login(client, "client1")
    index = response_text(client.get("/"))
    inline = re.findall(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", index, re.S
    )
    assert inline  # Dash's renderer start-up
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in inline
        if "alert(" not in s  # the IE-only block inside an HTML comment never runs
    }
    assert hashes <= set(policy(client.get("/"))["script-src"])


def test_headers_on_refusals_and_limits(sqlite_dash_store, make_app) -> None:
    app = make_app(sqlite_dash_store, login_limit_per_login="1 per minute")
    client = app.server.test_client()
    login(client, "client1", "wrong password here")
    answers = [
        client.get(LAYOUT),  # 401
        client.post("/logout", headers={"Origin": "https://evil.example"}),  # 403
        login(app.server.test_client(), "client1"),  # 429
    ]
    assert [a.status_code for a in answers] == [401, 403, 429]
    for answer in answers:
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["Cache-Control"] == "no-store"


def test_static_bundles_may_be_cached(sqlite_dash_store, make_app) -> None:
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    login(client, "client1")
    script = re.search(r'src="(/_dash-component-suites/[^"]+)"', response_text(client.get("/")))
    assert script is not None
    bundle = client.get(script.group(1))
    assert bundle.status_code == 200
    assert bundle.headers["Cache-Control"] != "no-store"
    assert bundle.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/static-lib/bootstrap.min.css").headers["Cache-Control"] != "no-store"


def test_hsts_when_served_over_tls(sqlite_dash_store, make_app) -> None:
    app = make_app(sqlite_dash_store, secure_cookies=True)
    response = app.server.test_client().get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == f"max-age={HSTS_MAX_AGE}"
    assert HSTS_MAX_AGE >= 365 * 24 * 3600


def test_debug_is_off(sqlite_dash_store, make_app) -> None:
    app = make_app(sqlite_dash_store)
    assert app.server.debug is False
    assert app.server.config["PROPAGATE_EXCEPTIONS"] is not True
    response = app.server.test_client().get("/no-such-page")
    assert "Traceback" not in response_text(response)


def test_dashboard_draws_no_webgl_trace() -> None:
    # WebGL traces need 'unsafe-eval' (test_csp_browser.py); the CSP has none.
    webgl = re.compile(
        r"\b(Scattergl|Scatter3d|Splom|Parcoords|Scattermapbox|Densitymapbox|Mesh3d"
        r"|Surface|Cone|Streamtube|Volume|Isosurface|Parcats)\b|render_mode\s*=\s*['\"]webgl"
        r"|type\s*[=:]\s*['\"](scattergl|scatter3d|splom|parcoords)['\"]",
        re.IGNORECASE,
    )
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sorted((ROOT / "dashboard").rglob("*.py"))
        for match in webgl.finditer(path.read_text())
    ]
    assert offenders == []


# -- audit ------------------------------------------------------------------------------


def test_sign_in_failure_and_logout_are_audited_without_the_password(
    sqlite_dash_store, make_app, clock
) -> None:
    app = make_app(sqlite_dash_store)
    client = app.server.test_client()
    login(client, "client1", "not the password at all")
    clock.now = NOW + dt.timedelta(minutes=1)
    login(client, "client1")
    clock.now = NOW + dt.timedelta(minutes=2)
    client.post("/logout", data={"csrf": form_token(client)})
    rows = [
        (e.at, e.actor, e.action, e.detail)
        for e in sqlite_dash_store.audit_events()
        if e.action.startswith(("login", "logout"))
    ]
    address = {"address": "127.0.0.1"}
    assert rows == [
        (NOW, "client1", "login.failed", address),
        (NOW + dt.timedelta(minutes=1), "client1", "login.ok", address),
        (NOW + dt.timedelta(minutes=2), "client1", "logout", {}),
    ]
    everything = json.dumps([(e.actor, e.detail) for e in sqlite_dash_store.audit_events()])
    assert PASSWORD not in everything
    assert "not the password at all" not in everything


# -- the authorization table in docs/security.md ---------------------------------------


def documented_rules() -> dict[tuple[Action, Role], Scope]:
    """The role x action table of docs/security.md, read back into RULES' shape."""
    text = (ROOT / "docs" / "security.md").read_text()
    start = text.index("<!-- rules-table -->")
    end = text.index("<!-- /rules-table -->")
    lines = [line for line in text[start:end].splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    roles = [Role(name) for name in header[2:]]
    scopes = {"yes": Scope.GLOBAL, "own record": Scope.SELF, "assigned clients": Scope.ASSIGNED}
    found: dict[tuple[Action, Role], Scope] = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        action = Action(cells[1].strip("`"))
        for role, cell in zip(roles, cells[2:], strict=True):
            if cell != "-":
                found[(action, role)] = scopes[cell]
    return found


def test_the_documented_authorization_table_matches_rules() -> None:
    assert documented_rules() == RULES
