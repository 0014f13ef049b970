"""``ipsrt init`` file modes, ``ipsrt keys``, legacy secrets and ``devices add --key-file``.

docs/security.md, "Secrets at rest" and "Database files".
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from ipsrt.cli import main
from ipsrt.store import Store
from ipsrt.store.secret_box import is_sealed, new_key
from ipsrt.store.secret_keys import KEY_ENV_VAR, KEY_FILE_ENV_VAR

#: A Huami auth key as a key file holds it (16 bytes as 32 hex digits).
HUAMI_KEY = "0123456789abcdef0123456789abcdef"
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _key_source_of_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    if not os.environ.get("IPSRT_TEST_POSTGRES_URL"):
        monkeypatch.delenv(KEY_ENV_VAR, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV_VAR, raising=False)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def db(database_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert run(capsys, "init", "--db", database_url)[0] == 0
    assert (
        run(capsys, "clients", "add", "--code", "c1", "--tz", "UTC", "--db", database_url)[0] == 0
    )
    return database_url


@pytest.fixture
def sqlite_tracker(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A SQLite tracker made by `ipsrt init`, with client c1: the database file."""
    path = tmp_path / "ipsrt.sqlite3"
    url = f"sqlite:///{path}"
    assert run(capsys, "init", "--db", url)[0] == 0
    assert run(capsys, "clients", "add", "--code", "c1", "--tz", "UTC", "--db", url)[0] == 0
    return path


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "band.key"
    path.write_text(HUAMI_KEY + "\n")
    return path


def add_huami(capsys: pytest.CaptureFixture[str], db: str, key_file: Path, address: str) -> None:
    argv = ["devices", "add", "--family", "huami", "--address", address, "--client", "c1"]
    code, _, err = run(capsys, *argv, "--key-file", str(key_file), "--db", db)
    assert code == 0, err


def secrets_in(url: str) -> list[str]:
    with Store(url) as store, store.engine.connect() as conn:
        return [str(s) for (s,) in conn.execute(sa.text("SELECT secret FROM device"))]


# -- database files -----------------------------------------------------------------


def test_init_under_umask_022_makes_owner_only_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], umask_022: None
) -> None:
    folder = tmp_path / "new" / "tracker"
    path = folder / "ipsrt.sqlite3"
    code, out, err = run(capsys, "init", "--db", f"sqlite:///{path}")
    assert code == 0, err
    assert f"{path}.key" in out
    assert mode(folder) == 0o700
    assert mode(path) == 0o600
    assert mode(Path(f"{path}.key")) == 0o600
    # SQLite makes the WAL and shared-memory files with the database file's mode.
    with Store(f"sqlite:///{path}") as store:
        store.add_client("C1", "UTC", now=NOW)
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert wal.exists()
        assert shm.exists()
        assert (mode(wal), mode(shm)) == (0o600, 0o600)


def test_init_and_upgrade_take_access_away_from_others(
    sqlite_tracker: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sqlite_tracker
    url = f"sqlite:///{path}"
    path.chmod(0o644)  # as versions before this one made it
    code, _, err = run(capsys, "db", "upgrade", "--db", url)
    assert code == 0, err
    assert mode(path) == 0o600
    assert f"{path} was readable by others" in err
    assert run(capsys, "db", "upgrade", "--db", url)[2] == ""  # said once


# -- key file rules of devices add --------------------------------------------------


@pytest.mark.parametrize("family", ["banglejs", "gatt-standard", "infinitime", "import"])
def test_a_key_file_is_refused_for_a_family_that_takes_none(
    db: str, key_file: Path, family: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["devices", "add", "--family", family, "--address", "E1:00:00:00:00:01"]
    code, _, err = run(capsys, *argv, "--client", "c1", "--key-file", str(key_file), "--db", db)
    assert code == 1
    assert (
        err.strip()
        == f"error: --key-file is only for huami devices: a {family} device takes no key"
    )
    assert secrets_in(db) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00\x01\x80binary", "is not text: expected 32 hex digits"),
        (b"0" * 5000, "larger than 4096 bytes"),
    ],
)
def test_binary_and_oversized_key_files_are_one_line(
    db: str, tmp_path: Path, content: bytes, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.key"
    bad.write_bytes(content)
    argv = ["devices", "add", "--family", "huami", "--address", "C8:00:00:00:00:01"]
    code, _, err = run(capsys, *argv, "--client", "c1", "--key-file", str(bad), "--db", db)
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert secrets_in(db) == []


def test_a_key_file_that_is_not_a_file_is_one_line(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["devices", "add", "--family", "huami", "--address", "C8:00:00:00:00:01"]
    code, _, err = run(capsys, *argv, "--client", "c1", "--key-file", str(tmp_path), "--db", db)
    assert code == 1
    assert "is not a regular file" in err


# -- keys and secrets through the command line -------------------------------------


def test_a_huami_key_is_stored_sealed_and_rotation_is_audited(
    db: str, key_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add_huami(capsys, db, key_file, "C8:00:00:00:00:01")
    [token] = secrets_in(db)
    assert is_sealed(token)
    assert HUAMI_KEY not in token
    if os.environ.get(KEY_ENV_VAR):  # PostgreSQL: the operator puts a new key first
        monkeypatch.setenv(KEY_ENV_VAR, f"{new_key()},{os.environ[KEY_ENV_VAR]}")
    code, out, err = run(capsys, "keys", "rotate", "--json", "--db", db)
    assert code == 0, err
    rotation = json.loads(out)
    assert rotation["resealed"] == 1
    assert HUAMI_KEY not in out
    [after] = secrets_in(db)
    assert after != token
    assert rotation["new_key_id"] in after
    if os.environ.get(KEY_ENV_VAR):  # the operator removes the old key
        monkeypatch.setenv(KEY_ENV_VAR, os.environ[KEY_ENV_VAR].split(",")[0])
    code, out, _ = run(capsys, "keys", "status", "--json", "--db", db)
    status = json.loads(out)
    assert status["key_ids"] == [rotation["new_key_id"]]
    assert status["sealed_by_key"] == {rotation["new_key_id"]: 1}
    with Store(db) as store:
        [event] = [e for e in store.audit_events() if e.action == "secrets.rotate"]
    assert event.actor.startswith("cli:")


def test_a_missing_key_file_is_one_line_naming_where_it_looked(
    sqlite_tracker: Path, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sqlite_tracker
    url = f"sqlite:///{path}"
    Path(f"{path}.key").unlink()
    argv = ["devices", "add", "--family", "huami", "--address", "C8:00:00:00:00:01"]
    code, _, err = run(capsys, *argv, "--client", "c1", "--key-file", str(key_file), "--db", url)
    assert code == 1
    assert err.strip() == (
        f"error: no secret key to store a device key: key file {path}.key does not exist; "
        f"run 'ipsrt init' to create it, or set {KEY_FILE_ENV_VAR} to the key file "
        "(docs/security.md)"
    )
    assert secrets_in(url) == []


def test_a_world_readable_key_file_is_refused(
    sqlite_tracker: Path, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sqlite_tracker
    url = f"sqlite:///{path}"
    Path(f"{path}.key").chmod(0o644)
    argv = ["devices", "add", "--family", "huami", "--address", "C8:00:00:00:00:01"]
    code, _, err = run(capsys, *argv, "--client", "c1", "--key-file", str(key_file), "--db", url)
    assert code == 1
    assert f"mode 0644): run 'chmod 600 {path}.key'" in err
    assert secrets_in(url) == []


def test_db_upgrade_seals_the_keys_an_older_version_stored(
    sqlite_tracker: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database from before sealing: plain keys, no key file."""
    path = sqlite_tracker
    url = f"sqlite:///{path}"
    with Store(url) as store, store.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO device (client_id, family, address, secret, created_at, emulated) "
                "SELECT id, 'huami', 'C8:00:00:00:00:01', :k, '2026-01-01 00:00:00', 0 "
                "FROM client WHERE code = 'c1'"
            ),
            {"k": HUAMI_KEY},
        )
    Path(f"{path}.key").unlink()
    code, out, err = run(capsys, "db", "upgrade", "--db", url)
    assert code == 0, err
    assert "Encrypted 1 device key(s)" in out
    assert mode(Path(f"{path}.key")) == 0o600
    [token] = secrets_in(url)
    assert is_sealed(token)
    assert HUAMI_KEY.encode() not in path.read_bytes()
    with Store(url) as store:
        assert store.secrets.reveal(store.devices()[0]) == HUAMI_KEY
        assert [e.action for e in store.audit_events()][-1] == "secrets.seal_plaintext"


def test_keys_new_prints_a_key_the_environment_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, "keys", "new")
    assert code == 0
    monkeypatch.setenv(KEY_ENV_VAR, out.strip())
    url = f"sqlite:///{tmp_path / 'ipsrt.sqlite3'}"
    assert run(capsys, "init", "--db", url)[0] == 0
    code, out, _ = run(capsys, "keys", "status", "--json", "--db", url)
    assert json.loads(out)["key_source"] == KEY_ENV_VAR
    assert not (tmp_path / "ipsrt.sqlite3.key").exists()


def test_collect_without_the_key_is_one_line_and_stores_nothing(
    sqlite_tracker: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sqlite_tracker
    url = f"sqlite:///{path}"
    code, _, err = run(capsys, "collect", "--emulated", "--client", "c1", "--once", "--db", url)
    assert code == 0, err  # the emulated Huami band's key was sealed, then opened
    Path(f"{path}.key").unlink()
    with Store(url) as store, store.engine.connect() as conn:
        minutes = conn.execute(sa.text("SELECT count(*) FROM minute_sample")).scalar()
    code, _, err = run(capsys, "collect", "--emulated", "--client", "c1", "--once", "--db", url)
    assert code == 1
    [line] = err.strip().splitlines()[-1:]
    assert line.startswith("error: no secret key to read the key of device ")
    with Store(url) as store, store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM minute_sample")).scalar() == minutes


def test_init_never_replaces_a_lost_key_that_sealed_secrets(
    sqlite_tracker: Path, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sqlite_tracker
    url = f"sqlite:///{path}"
    add_huami(capsys, url, key_file, "C8:00:00:00:00:01")
    Path(f"{path}.key").unlink()
    code, _, err = run(capsys, "init", "--db", url)
    assert code == 0
    assert not Path(f"{path}.key").exists()  # a new key would open nothing
    assert "does not exist; restore it from a backup" in err
