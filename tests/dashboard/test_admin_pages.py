"""The admin pages through their callbacks, posted as the browser posts them (both backends)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ipsrt.reports.access import load_viewer
from ipsrt.store import Store
from tests.dashboard import matrix, matrix_table
from tests.helpers.dashboard import NOW, login, response_text

USERS = matrix_table.ADMIN_USERS_KEY
ASSIGN = matrix_table.ADMIN_ASSIGN_KEY
AUDIT = matrix_table.ADMIN_AUDIT_KEY


def _signed_in(app: Any, store: Store, user: str) -> Any:
    http = app.server.test_client()
    matrix.open_session(http, store, user, NOW)
    return http


def _press(http: Any, app: Any, store: Store, key: str, button: str, **values: Any) -> Any:
    """Press *button* (``admin_users-assign``...) of callback *key* with form *values*."""
    fields = {name.replace("__", "-") + ".value": value for name, value in values.items()}
    fields.pop("admin_audit-page.value", None)
    if "page" in values:
        fields["admin_audit-page.data"] = values["page"]
    send = matrix.fire(key, f"{button}.n_clicks", fields)
    return send(matrix.Request(http, app, store, None))


def _assigned(store: Store, clinician: str) -> frozenset[int]:
    user_id = store.accounts.user(clinician).id
    assert user_id is not None
    viewer = load_viewer(store, user_id)
    assert viewer is not None
    return viewer.assigned


def test_an_admin_assigns_a_client_and_the_clinician_sees_it(dash_store, make_app) -> None:
    app = make_app(dash_store)
    http = app.server.test_client()
    assert login(http, "admin1").status_code == 302
    c002 = dash_store.client("C002").id
    assert c002 not in _assigned(dash_store, "clin2")
    answer = _press(
        http, app, dash_store, ASSIGN, "admin_users-assign",
        admin_users__clinician="clin2", admin_users__code="C002",
    )  # fmt: skip
    assert answer.status_code == 200, response_text(answer)
    assert "C002 is now in the care of clin2." in response_text(answer)
    assert _assigned(dash_store, "clin2") == {c002}
    event = dash_store.audit_events()[-1]
    assert (event.actor, event.action, event.subject) == ("admin1", "care.assign", "C002")
    assert event.detail == {"clinician": "clin2"}
    answer = _press(
        http, app, dash_store, ASSIGN, "admin_users-unassign",
        admin_users__clinician="clin2", admin_users__code="C002",
    )  # fmt: skip
    assert "C002 is no longer in the care of clin2." in response_text(answer)
    assert _assigned(dash_store, "clin2") == frozenset()


@pytest.mark.parametrize("user", ["clin1", "client1"])
def test_a_clinician_or_client_calling_admin_callbacks_gets_403_and_nothing_changes(
    dash_store, make_app, user: str
) -> None:
    app = make_app(dash_store)
    http = _signed_in(app, dash_store, user)
    before = matrix.records(dash_store)
    assign = {"admin_users__clinician": "clin1", "admin_users__code": "C002"}
    unassign = {"admin_users__clinician": "clin1", "admin_users__code": "C001"}
    add = {
        "admin_users__login": "x1",
        "admin_users__role": "admin",
        "admin_users__password": "long enough passphrase",
    }
    presses = [
        (ASSIGN, "admin_users-assign", assign),
        (ASSIGN, "admin_users-unassign", unassign),
        (USERS, "admin_users-disable", {"admin_users__account": "admin1"}),
        (USERS, "admin_users-add", add),
        (AUDIT, "admin_audit-filter", {}),
    ]
    for key, button, values in presses:
        answer = _press(http, app, dash_store, key, button, **values)
        assert answer.status_code == 403, (button, response_text(answer))
        assert "CANARY" not in response_text(answer)
    assert matrix.records(dash_store) == before
    refusals = [e for e in dash_store.audit_events() if e.actor == user]
    assert [e.action for e in refusals] == ["denied:request"] * len(presses)


def test_an_admin_adds_a_login_only_with_a_good_password(dash_store, make_app) -> None:
    app = make_app(dash_store)
    http = _signed_in(app, dash_store, "admin1")
    form = {
        "admin_users__login": "client3",
        "admin_users__role": "client",
        "admin_users__client": "C002",
        "admin_users__password": "password123",
    }
    weak = _press(http, app, dash_store, USERS, "admin_users-add", **form)
    assert weak.status_code == 200
    assert "password too easy to guess" in response_text(weak)
    assert "client3" not in {u.login for u in dash_store.accounts.users()}
    form["admin_users__password"] = "a passphrase of one's own 7"
    made = _press(http, app, dash_store, USERS, "admin_users-add", **form)
    assert "Added client login client3." in response_text(made)
    # The password field is emptied, and the new login is in the table.
    response = json.loads(response_text(made))["response"]
    assert response["admin_users-password"]["value"] == ""
    assert "client3" in json.dumps(response["admin_users-table"])
    user = dash_store.accounts.user("client3")
    assert user.client_id == dash_store.client("C002").id
    event = dash_store.audit_events()[-1]
    assert (event.actor, event.action, event.subject) == ("admin1", "user.add", "client3")


def test_an_admin_disables_a_login_and_its_session_ends(dash_store, make_app) -> None:
    app = make_app(dash_store)
    admin_http = _signed_in(app, dash_store, "admin1")
    client_http = _signed_in(app, dash_store, "client1")
    assert client_http.get("/_dash-layout").status_code == 200
    own = _press(
        admin_http, app, dash_store, USERS, "admin_users-disable", admin_users__account="admin1"
    )
    assert "you cannot disable your own login" in response_text(own)
    done = _press(
        admin_http, app, dash_store, USERS, "admin_users-disable", admin_users__account="client1"
    )
    assert "Disabled client1." in response_text(done)
    assert client_http.get("/_dash-layout").status_code == 401
    _press(admin_http, app, dash_store, USERS, "admin_users-enable", admin_users__account="client1")
    assert dash_store.accounts.user("client1").active is True
    assert [e.action for e in dash_store.audit_events()[-2:]] == ["user.disable", "user.enable"]


def test_the_audit_page_pages_filters_and_escapes(dash_store, make_app) -> None:
    with dash_store.write_session() as session:
        for i in range(60):
            dash_store.audit(
                session, now=NOW, actor="bot\x1b[2J", action="test.event", subject=f"n{i}"
            )
    app = make_app(dash_store)
    http = _signed_in(app, dash_store, "admin1")
    shown = matrix.route("/admin/audit")(matrix.Request(http, app, dash_store, None))
    text = response_text(shown)
    assert "n59" in text
    assert "n10" in text
    assert 'n9"' not in text
    assert "\x1b" not in text
    assert "\\\\x1b[2J" in text
    older = _press(http, app, dash_store, AUDIT, "admin_audit-older", page=0)
    body = json.loads(response_text(older))["response"]
    assert body["admin_audit-page"]["data"] == 1
    assert body["admin_audit-position"]["children"] == "Page 2"
    assert body["admin_audit-newer"]["disabled"] is False
    assert "n9" in json.dumps(body["admin_audit-table"])
    mine = _press(http, app, dash_store, AUDIT, "admin_audit-filter", admin_audit__action="user.")
    table = json.dumps(json.loads(response_text(mine))["response"]["admin_audit-table"])
    assert "user.add" in table
    assert "test.event" not in table


def test_the_devices_page_masks_addresses_and_never_shows_secrets(dash_store, make_app) -> None:
    dash_store.add_device(
        "C001", "huami", "C8:0F:10:00:00:01", now=NOW, name="left wrist", secret="s3cr3t-key"
    )
    app = make_app(dash_store)
    http = _signed_in(app, dash_store, "admin1")
    text = response_text(
        matrix.route("/admin/devices")(matrix.Request(http, app, dash_store, None))
    )
    assert "left wrist" in text
    assert "00:01" in text
    assert "C8:0F" not in text
    assert "s3cr3t-key" not in text
    assert "active" in text


def test_the_devices_page_shows_a_retired_device_as_retired(dash_store, make_app) -> None:
    device = dash_store.add_device("C001", "infinitime", "C8:0F:10:00:00:02", now=NOW)
    dash_store.retire_device(device.id, now=NOW, actor="cli:test")
    app = make_app(dash_store)
    http = _signed_in(app, dash_store, "admin1")
    text = response_text(
        matrix.route("/admin/devices")(matrix.Request(http, app, dash_store, None))
    )
    assert f"retired {NOW:%Y-%m-%d}" in text


def test_only_admins_see_the_admin_pages_in_their_menu(dash_store, make_app) -> None:
    app = make_app(dash_store)
    for user, shown in (("admin1", True), ("clin1", False), ("client1", False)):
        http = _signed_in(app, dash_store, user)
        text = response_text(matrix.route("/")(matrix.Request(http, app, dash_store, None)))
        for path in ("/admin/users", "/admin/devices", "/admin/audit"):
            assert (f'"{path}"' in text.replace("\\u002f", "/")) is shown, (user, path)


def test_an_admin_resets_a_password_and_the_old_sessions_end(dash_store, make_app) -> None:
    app = make_app(dash_store)
    admin_http = _signed_in(app, dash_store, "admin1")
    client_http = _signed_in(app, dash_store, "client1")
    before = dash_store.accounts.user("client1").password_hash
    weak = _press(
        admin_http, app, dash_store, USERS, "admin_users-reset",
        admin_users__account="client1", **{"admin_users__new-password": "12345678"},
    )  # fmt: skip
    assert "password too easy to guess" in response_text(weak)
    assert dash_store.accounts.user("client1").password_hash == before
    assert client_http.get("/_dash-layout").status_code == 200
    done = _press(
        admin_http, app, dash_store, USERS, "admin_users-reset",
        admin_users__account="client1", **{"admin_users__new-password": "a fresh passphrase 9"},
    )  # fmt: skip
    assert "Set a new password for client1" in response_text(done)
    assert json.loads(response_text(done))["response"]["admin_users-new-password"]["value"] == ""
    assert dash_store.accounts.user("client1").password_hash != before
    assert client_http.get("/_dash-layout").status_code == 401
    event = dash_store.audit_events()[-1]
    assert (event.actor, event.action, event.subject) == ("admin1", "user.set_password", "client1")
