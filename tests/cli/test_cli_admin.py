"""The setup commands: init, db upgrade, clients, users, assign; and their errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
import sqlalchemy as sa

from ipsrt import __version__
from ipsrt.cli import main
from ipsrt.store import Store

PASSWORD = "a long and private passphrase"


@pytest.fixture
def db(database_url: str) -> str:
    assert main(["init", "--db", database_url]) == 0
    return database_url


def run(
    capsys: pytest.CaptureFixture[str],
    *argv: str,
    stdin: str | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> tuple[int, str, str]:
    capsys.readouterr()
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def counts(url: str) -> dict[str, int]:
    with Store(url) as store, store.engine.connect() as conn:
        return {
            table: int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ("client", "user_account", "care_assignment", "audit_event")
        }


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--version")[:2] == (0, f"ipsrt {__version__}\n")


def test_setup_flow(db: str, capsys, monkeypatch) -> None:
    assert (
        run(
            capsys,
            "clients",
            "add",
            "--code",
            "C001",
            "--tz",
            "Europe/Berlin",
            "--name",
            "Alex",
            "--db",
            db,
        )[0]
        == 0
    )
    code, _, err = run(
        capsys,
        "users",
        "add",
        "dr.lee",
        "--role",
        "clinician",
        "--password-stdin",
        "--db",
        db,
        stdin=PASSWORD + "\n",
        monkeypatch=monkeypatch,
    )
    assert (code, err) == (0, "")
    assert (
        run(
            capsys,
            "users",
            "add",
            "alex",
            "--role",
            "client",
            "--client",
            "C001",
            "--password-stdin",
            "--db",
            db,
            stdin=PASSWORD + "\n",
            monkeypatch=monkeypatch,
        )[0]
        == 0
    )
    assert run(capsys, "assign", "dr.lee", "C001", "--db", db)[0] == 0

    code, out, _ = run(capsys, "clients", "list", "--json", "--db", db)
    assert code == 0
    [client] = json.loads(out)
    assert (client["code"], client["timezone"], client["name"]) == ("C001", "Europe/Berlin", "Alex")
    code, out, _ = run(capsys, "users", "list", "--json", "--db", db)
    users = {u["login"]: u for u in json.loads(out)}
    assert users["alex"]["client"] == "C001"
    assert users["dr.lee"]["role"] == "clinician"
    assert "argon2" not in out
    assert PASSWORD not in out

    monkeypatch.setattr(sys, "stdin", io.StringIO("another private passphrase\n"))
    assert run(capsys, "users", "set-password", "dr.lee", "--password-stdin", "--db", db)[0] == 0
    with Store(db) as store:
        from ipsrt.passwords import verify_password

        assert verify_password(
            store.accounts.user("dr.lee").password_hash, "another private passphrase"
        )
        assert PASSWORD not in json.dumps([e.detail for e in store.audit_events()])


def test_root_db_option_and_environment(db: str, capsys, monkeypatch) -> None:
    assert run(capsys, "--db", db, "clients", "add", "--code", "C9", "--tz", "UTC")[0] == 0
    monkeypatch.setenv("IPSRT_DATABASE_URL", db)
    code, out, _ = run(capsys, "clients", "list", "--json")
    assert code == 0
    assert [c["code"] for c in json.loads(out)] == ["C9"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["clients", "add", "--code", "C1", "--tz", "Mars/Olympus"], "unknown time zone"),
        (["clients", "add", "--code", "C 1", "--tz", "UTC"], "invalid client code"),
        (
            ["clients", "add", "--code", "C1", "--tz", "UTC", "--week-start", "funday"],
            "invalid --week-start",
        ),
        (["assign", "nobody", "C404"], "unknown user"),
        (
            ["users", "add", "pat", "--role", "client", "--client", "C404", "--password-stdin"],
            "unknown client",
        ),
        (["users", "add", "x y", "--role", "admin", "--password-stdin"], "invalid login"),
        (["users", "add", "pat", "--role", "emperor", "--password-stdin"], "--role"),
        (["users", "set-password", "nobody", "--password-stdin"], "unknown user"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    db: str, capsys, monkeypatch, argv, message
) -> None:
    before = counts(db)
    code, _, err = run(capsys, *argv, "--db", db, stdin=PASSWORD + "\n", monkeypatch=monkeypatch)
    assert code != 0
    assert err.count("\n") == 1
    assert err.startswith("error: ")
    assert message in err
    assert counts(db) == before


def test_weak_password_is_refused_and_not_echoed(db: str, capsys, monkeypatch) -> None:
    code, out, err = run(
        capsys,
        "users",
        "add",
        "pat",
        "--role",
        "admin",
        "--password-stdin",
        "--db",
        db,
        stdin="password123\n",
        monkeypatch=monkeypatch,
    )
    assert code == 1
    assert "zxcvbn score 0 of 4" in err
    assert "password123" not in out + err
    assert counts(db)["user_account"] == 0


def test_password_is_not_accepted_as_an_argument(db: str, capsys) -> None:
    code, _, err = run(
        capsys, "users", "add", "pat", "--role", "admin", "--password", "secret-secret", "--db", db
    )
    assert code == 2
    assert "No such option" in err
    assert "secret-secret" not in err


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "invalid database URL"),
        ("mysql://u@h/db", "unsupported database"),
        ("postgresql://nobody:hunter2@127.0.0.1:1/x", "cannot open database"),
    ],
)
def test_bad_database_urls(capsys, url: str, message: str) -> None:
    code, _, err = run(capsys, "clients", "list", "--db", url)
    assert code == 1
    assert message in err
    assert err.count("\n") == 1
    assert "hunter2" not in err


def test_unmigrated_and_missing_databases(tmp_path, capsys) -> None:
    missing = f"sqlite:///{tmp_path / 'missing.sqlite3'}"
    code, _, err = run(capsys, "clients", "list", "--db", missing)
    assert (code, "run 'ipsrt init'" in err) == (1, True)
    assert not (tmp_path / "missing.sqlite3").exists()

    empty = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    Store(empty, check_schema=False, create=True).close()
    code, _, err = run(capsys, "clients", "add", "--code", "C1", "--tz", "UTC", "--db", empty)
    assert (code, "not initialised" in err) == (1, True)
    assert run(capsys, "db", "upgrade", "--db", empty)[0] == 0
    assert run(capsys, "clients", "add", "--code", "C1", "--tz", "UTC", "--db", empty)[0] == 0


def test_console_script_exit_status(tmp_path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from ipsrt.cli import run; run()",
            "clients",
            "list",
            "--db",
            f"sqlite:///{tmp_path / 'none.sqlite3'}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: no database at")
