"""The admin services: logins, assignments, devices and the audit log, on SQLite and PostgreSQL.

Expected values follow from the records each test writes (counts, order by
id, the documented masking and escaping of ``docs/dashboard.md``, "Admin pages").
"""

from __future__ import annotations

import datetime as dt

import pytest

from ipsrt.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from ipsrt.passwords import WeakPasswordError
from ipsrt.reports import admin
from ipsrt.store import Store

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
PASSWORD = "a passphrase of one's own 7"


def _events(store: Store, count: int) -> None:
    with store.write_session() as session:
        for i in range(count):
            store.audit(
                session,
                now=NOW + dt.timedelta(seconds=i),
                actor="alice" if i % 2 else "bob",
                action="user.add" if i % 3 else "userXadd",
                subject=f"s{i:03d}",
                detail={"n": i},
            )


def test_audit_pages_are_newest_first_fifty_a_page(store: Store) -> None:
    _events(store, 120)
    first = admin.audit_page(store, 0)
    assert [r.subject for r in first.rows] == [f"s{i:03d}" for i in range(119, 69, -1)]
    assert (first.has_newer, first.has_older) == (False, True)
    last = admin.audit_page(store, 2)
    assert [r.subject for r in last.rows] == [f"s{i:03d}" for i in range(19, -1, -1)]
    assert (last.has_newer, last.has_older) == (True, False)
    assert admin.audit_page(store, 3).rows == []


def test_audit_filters_actor_exactly_and_action_by_its_beginning(store: Store) -> None:
    _events(store, 12)
    alice = admin.audit_page(store, 0, actor="alice")
    assert [r.subject for r in alice.rows] == ["s011", "s009", "s007", "s005", "s003", "s001"]
    assert admin.audit_page(store, 0, actor="alic").rows == []
    # 'user.' is a prefix, and '_' matches only itself (no SQL wildcard).
    assert {r.action for r in admin.audit_page(store, 0, action="user.").rows} == {"user.add"}
    assert admin.audit_page(store, 0, action="user_").rows == []
    both = admin.audit_page(store, 0, actor="bob", action="userX")
    assert [r.subject for r in both.rows] == ["s006", "s000"]
    # An empty filter is no filter.
    assert len(admin.audit_page(store, 0, actor="", action=" ").rows) == 12


@pytest.mark.parametrize("page", [-1, "1", True, 10**20, None, [0]])
def test_a_forged_audit_page_is_one_clear_error(store: Store, page: object) -> None:
    with pytest.raises(InvalidInputError, match="audit page"):
        admin.audit_page(store, page)


def test_audit_values_are_shown_escaped_and_device_addresses_masked(store: Store) -> None:
    with store.write_session() as session:
        store.audit(
            session,
            now=NOW,
            actor="x\nadmin1 user.add",
            action="login.failed",
            subject="\u202eevil\x1b[2J",
            detail={"address": "10.0.0.7"},
        )
    store.add_client("C001", "Europe/Berlin", now=NOW)
    store.add_device("C001", "huami", "C8:0F:10:00:00:01", now=NOW)
    device, login = admin.audit_page(store, 0).rows[0], admin.audit_page(store, 0).rows[2]
    assert login.actor == "x\\x0aadmin1 user.add"
    assert login.subject == "\\u202eevil\\x1b[2J"
    assert login.detail == "address=10.0.0.7"  # a sign-in's address is kept for the admin
    assert device.action == "device.add"
    assert "address=…00:01" in device.detail
    assert "C8:0F" not in device.detail


def test_masked_address_keeps_only_the_last_five_characters() -> None:
    assert admin.masked_address("C8:0F:10:00:00:01") == "…00:01"
    assert admin.masked_address("ABCDE") == "…"
    assert admin.masked_address("") == "…"


def test_device_rows_never_carry_the_secret_or_the_whole_address(store: Store) -> None:
    store.add_client("C001", "Europe/Berlin", now=NOW)
    store.add_device(
        "C001", "huami", "C8:0F:10:00:00:01", now=NOW, name="wrist", secret="s3cr3t-key"
    )
    (row,) = admin.device_rows(store)
    assert (row.client, row.family, row.name, row.address) == ("C001", "huami", "wrist", "…00:01")
    assert "s3cr3t-key" not in repr(row)
    assert "C8:0F" not in repr(row)
    assert row.retired_at is None
    store.retire_device(1, now=NOW, actor="cli:test")
    (row,) = admin.device_rows(store)
    assert row.retired_at == NOW


def test_the_audit_viewer_masks_the_address_of_device_add_and_retire(store: Store) -> None:
    store.add_client("C001", "Europe/Berlin", now=NOW)
    device = store.add_device("C001", "infinitime", "C8:0F:10:00:00:07", now=NOW, actor="cli:ann")
    store.retire_device(device.id or 0, now=NOW, actor="cli:ann")
    rows = admin.audit_page(store, 0).rows
    retire, add = rows[0], rows[1]
    assert (retire.action, add.action) == ("device.retire", "device.add")
    for row in (retire, add):
        assert "address=…00:07" in row.detail
        assert "C8:0F" not in row.detail


def test_create_user_checks_everything_before_it_stores(store: Store) -> None:
    store.add_client("C001", "Europe/Berlin", now=NOW)
    bad = [
        (("ann", "client", PASSWORD), {}, "needs a client code"),
        (("ann", "clinician", PASSWORD), {"client_code": "C001"}, "take none"),
        (("ann", "boss", PASSWORD), {}, "unknown role"),
        ((["ann"], "admin", PASSWORD), {}, "login: expected text"),
        (("ann", "admin", None), {}, "password: required"),
        (("ann", "admin", 12345678), {}, "password: expected text"),
        (("a n n", "admin", PASSWORD), {}, "invalid login"),
    ]
    for args, kw, message in bad:
        with pytest.raises(InvalidInputError, match=message):
            admin.create_user(store, *args, now=NOW, actor="admin1", **kw)
    with pytest.raises(NotFoundError, match="unknown client 'C999'"):
        admin.create_user(store, "ann", "client", PASSWORD, client_code="C999", now=NOW, actor="a")
    with pytest.raises(WeakPasswordError, match="too short"):
        admin.create_user(store, "ann", "admin", "short", now=NOW, actor="admin1")
    assert store.accounts.users() == []
    user = admin.create_user(
        store, " ann ", "client", PASSWORD, client_code="C001", now=NOW, actor="admin1"
    )
    assert (user.login, user.role) == ("ann", "client")
    assert admin.user_rows(store)[0].client == "C001"
    with pytest.raises(AlreadyExistsError):
        admin.create_user(store, "ann", "admin", PASSWORD, now=NOW, actor="admin1")
    (event,) = [e for e in store.audit_events() if e.action == "user.add"]
    assert (event.actor, event.subject) == ("admin1", "ann")


def test_assignments_list_every_clinician(store: Store) -> None:
    store.add_client("C001", "Europe/Berlin", now=NOW)
    store.add_client("C002", "Europe/Berlin", now=NOW)
    for login in ("zed", "amy"):
        store.accounts.add_user(login, "$argon2id$placeholder", "clinician", now=NOW)
    admin.assign_client(store, "zed", "C002", now=NOW, actor="admin1")
    admin.assign_client(store, "zed", "C001", now=NOW, actor="admin1")
    assert admin.assignments_by_clinician(store) == {"amy": [], "zed": ["C001", "C002"]}
    admin.unassign_client(store, "zed", "C002", now=NOW, actor="admin1")
    assert admin.assignments_by_clinician(store) == {"amy": [], "zed": ["C001"]}
    with pytest.raises(InvalidInputError, match="client code: expected text"):
        admin.assign_client(store, "amy", {"code": "C001"}, now=NOW, actor="admin1")
    with pytest.raises(InvalidInputError, match="clinician: required"):
        admin.assign_client(store, None, "C001", now=NOW, actor="admin1")


def test_an_admin_cannot_disable_their_own_login(store: Store) -> None:
    store.accounts.add_user("root", "$argon2id$placeholder", "admin", now=NOW)
    with pytest.raises(InvalidInputError, match="your own login"):
        admin.set_user_active(store, "root", False, now=NOW, actor="root")
    admin.set_user_active(store, "root", False, now=NOW, actor="other-admin")
    assert admin.user_rows(store)[0].active is False


def test_reset_password_checks_the_policy_and_the_login(store: Store) -> None:
    store.accounts.add_user("ann", "$argon2id$placeholder", "admin", now=NOW)
    with pytest.raises(WeakPasswordError):
        admin.reset_password(store, "ann", "short", now=NOW, actor="root")
    with pytest.raises(NotFoundError, match="unknown user 'bob'"):
        admin.reset_password(store, "bob", PASSWORD, now=NOW, actor="root")
    with pytest.raises(InvalidInputError, match="password: required"):
        admin.reset_password(store, "ann", None, now=NOW, actor="root")
    assert store.accounts.user("ann").password_hash == "$argon2id$placeholder"
    admin.reset_password(store, "ann", PASSWORD, now=NOW, actor="root")
    assert store.accounts.user("ann").password_hash.startswith("$argon2id$")
    assert store.accounts.user("ann").password_hash != "$argon2id$placeholder"
