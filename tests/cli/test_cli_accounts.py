"""``ipsrt users disable|enable``, ``ipsrt unassign`` and the password policy's known words."""

from __future__ import annotations

import datetime as dt

import pytest

from ipsrt.reports.access import load_viewer
from ipsrt.reports.web_sessions import session_viewer, sign_in
from ipsrt.store import Store
from tests.cli.test_cli_admin import PASSWORD, run

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def clinic(database_url: str, capsys, monkeypatch) -> str:
    db = database_url
    assert run(capsys, "init", "--db", db)[0] == 0
    assert run(capsys, "clients", "add", "--code", "C001", "--tz", "UTC", "--db", db)[0] == 0
    for argv in (
        ["dr.lee", "--role", "clinician"],
        ["alex", "--role", "client", "--client", "C001"],
    ):
        code, _, err = run(
            capsys,
            "users",
            "add",
            *argv,
            "--password-stdin",
            "--db",
            db,
            stdin=PASSWORD + "\n",
            monkeypatch=monkeypatch,
        )
        assert (code, err) == (0, "")
    assert run(capsys, "assign", "dr.lee", "C001", "--db", db)[0] == 0
    return db


def test_disable_ends_sessions_and_sign_in_enable_restores_sign_in(clinic: str, capsys) -> None:
    with Store(clinic) as store:
        signed_in = sign_in(store, "alex", PASSWORD, now=NOW)
        assert signed_in is not None
        token = signed_in[0]
    code, out, err = run(capsys, "users", "disable", "alex", "--db", clinic)
    assert (code, err) == (0, "")
    assert "Disabled alex" in out
    with Store(clinic) as store:
        assert session_viewer(store, token, now=NOW) is None
        assert sign_in(store, "alex", PASSWORD, now=NOW) is None
        assert [e.action for e in store.audit_events()][-2:] == ["user.disable", "login.failed"]
    assert run(capsys, "users", "enable", "alex", "--db", clinic)[0] == 0
    with Store(clinic) as store:
        assert session_viewer(store, token, now=NOW) is None  # old sessions stay ended
        assert sign_in(store, "alex", PASSWORD, now=NOW) is not None


def test_unassign_takes_the_client_from_the_clinician(clinic: str, capsys) -> None:
    with Store(clinic) as store:
        user = store.accounts.user("dr.lee")
        assert user.id is not None
        viewer = load_viewer(store, user.id)
        assert viewer is not None
        assert viewer.assigned
    code, out, _ = run(capsys, "unassign", "dr.lee", "C001", "--db", clinic)
    assert code == 0
    assert "no longer in the care of dr.lee" in out
    with Store(clinic) as store:
        viewer = load_viewer(store, user.id)
        assert viewer is not None
        assert viewer.assigned == frozenset()
        assert store.audit_events()[-1].action == "care.unassign"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["users", "disable", "nobody"], "unknown user"),
        (["users", "enable", "nobody"], "unknown user"),
        (["unassign", "dr.lee", "C404"], "unknown client"),
        (["unassign", "alex", "C001"], "not assigned"),
    ],
)
def test_account_errors_are_one_line(clinic: str, capsys, argv, message) -> None:
    code, _, err = run(capsys, *argv, "--db", clinic)
    assert code == 1
    assert err.count("\n") == 1
    assert message in err


def test_a_password_made_of_the_client_code_is_refused(clinic: str, capsys, monkeypatch) -> None:
    # zxcvbn 4.5 scores "K9X3P2k9x3p2" 4 alone and 1 with the code "K9X3P2" as a known word
    # (tests/test_passwords.py); set-password looks the user's client code up.
    assert run(capsys, "clients", "add", "--code", "K9X3P2", "--tz", "UTC", "--db", clinic)[0] == 0
    code, _, err = run(
        capsys,
        "users",
        "add",
        "pat",
        "--role",
        "client",
        "--client",
        "K9X3P2",
        "--password-stdin",
        "--db",
        clinic,
        stdin=PASSWORD + "\n",
        monkeypatch=monkeypatch,
    )
    assert (code, err) == (0, "")
    code, out, err = run(
        capsys,
        "users",
        "set-password",
        "pat",
        "--password-stdin",
        "--db",
        clinic,
        stdin="K9X3P2k9x3p2\n",
        monkeypatch=monkeypatch,
    )
    assert code == 1
    assert "zxcvbn score 1 of 4" in err
    assert "K9X3P2k9x3p2" not in out + err
