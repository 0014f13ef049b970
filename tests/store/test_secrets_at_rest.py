"""Device keys sealed at rest (docs/security.md, "Secrets at rest").

The sealed token, where the key lives, the store sealing on add and opening
for the collector, rotation (and crashes between its steps), secrets stored
unencrypted by older versions, and the raw database bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from ipsrt.errors import InvalidInputError, SecretKeyError
from ipsrt.models import Device
from ipsrt.store import Store
from ipsrt.store.device_secrets import SECRET_COLUMN_LENGTH
from ipsrt.store.secret_box import SecretBox, is_sealed, key_id, new_key, sealed_key_id
from ipsrt.store.secret_keys import KEY_ENV_VAR, KEY_FILE_ENV_VAR, KeySource

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
#: A Huami auth key as `ipsrt devices add --key-file` stores it (16 bytes as hex).
HUAMI_KEY = "0123456789abcdef0123456789abcdef"
ACTOR = "cli:test"


@pytest.fixture(autouse=True)
def _no_key_from_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sets the key source it means (PostgreSQL: IPSRT_SECRET_KEY via conftest)."""
    if not os.environ.get("IPSRT_TEST_POSTGRES_URL"):
        monkeypatch.delenv(KEY_ENV_VAR, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV_VAR, raising=False)


def add_huami(store: Store, address: str = "C8:0F:10:00:00:01", code: str = "C001") -> int:
    if code not in {c.code for c in store.clients()}:
        store.add_client(code, "UTC", now=NOW)
    device = store.add_device(code, "huami", address, now=NOW, secret=HUAMI_KEY)
    assert device.id is not None
    return device.id


def stored_secrets(store: Store) -> dict[int, str]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, secret FROM device WHERE secret IS NOT NULL"))
        return {int(i): str(s) for i, s in rows}


def device_by_id(store: Store, device_id: int) -> Device:
    return next(d for d in store.devices() if d.id == device_id)


# -- the sealed token -------------------------------------------------------------


def test_a_box_seals_with_its_first_key_and_opens_with_any() -> None:
    old, new = new_key(), new_key()
    sealed_old = SecretBox([old], source="test").seal("text é")
    both = SecretBox([new, old], source="test")
    sealed_new = both.seal("text é")
    assert sealed_key_id(sealed_old) == key_id(old)
    assert sealed_key_id(sealed_new) == key_id(new) == both.primary_id
    assert both.unseal(sealed_old) == both.unseal(sealed_new) == "text é"
    # A fresh IV each time: the same text never gives the same token.
    assert both.seal("x") != both.seal("x")
    assert "text" not in sealed_new


def test_a_token_of_another_key_names_the_key_and_the_source() -> None:
    token = SecretBox([new_key()], source="a").seal("x")
    with pytest.raises(SecretKeyError, match=r"sealed with key [0-9a-f]{8}.*key file /k") as err:
        SecretBox([new_key()], source="key file /k").unseal(token, what="the key of device 3")
    assert "\n" not in str(err.value)


def test_an_altered_token_is_refused() -> None:
    box = SecretBox([new_key()], source="k")
    token = box.seal("secret")
    altered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(SecretKeyError, match="damaged or was altered"):
        box.unseal(altered)


def test_a_huami_key_fits_the_column_with_room_to_spare() -> None:
    # Fernet: 57 bytes of overhead plus the text padded to 16-byte blocks, in base64.
    box = SecretBox([new_key()], source="k")
    assert len(box.seal(HUAMI_KEY)) < 200 < SECRET_COLUMN_LENGTH


def test_a_secret_too_long_for_the_column_is_refused(tmp_path: Path) -> None:
    with Store.initialise(f"sqlite:///{tmp_path / 'db.sqlite3'}") as store:
        store.add_client("C001", "UTC", now=NOW)
        with pytest.raises(InvalidInputError, match="too long"):
            store.add_device("C001", "huami", "AA:BB:CC:DD:EE:01", now=NOW, secret="x" * 400)
        assert store.devices() == []


def test_a_family_without_a_key_takes_no_secret(store: Store) -> None:
    store.add_client("C001", "UTC", now=NOW)
    with pytest.raises(InvalidInputError, match="banglejs device takes no key"):
        store.add_device("C001", "banglejs", "AA:BB:CC:DD:EE:E1", now=NOW, secret=HUAMI_KEY)
    assert store.devices() == []


# -- the store ----------------------------------------------------------------------


def test_the_store_seals_on_add_and_opens_for_the_collector(store: Store) -> None:
    device_id = add_huami(store)
    [token] = stored_secrets(store).values()
    assert is_sealed(token)
    assert HUAMI_KEY not in token
    assert store.secrets.reveal(device_by_id(store, device_id)) == HUAMI_KEY
    # The audit event of the addition carries no key either.
    assert HUAMI_KEY not in str([e.detail for e in store.audit_events()])


def test_the_raw_database_file_and_wal_never_hold_the_key(tmp_path: Path) -> None:
    path = tmp_path / "ipsrt.sqlite3"
    with Store.initialise(f"sqlite:///{path}") as store:
        add_huami(store)
        # The store is open: the addition sits in the WAL (and maybe the file).
        wal = path.with_name(path.name + "-wal")
        assert wal.exists()
        raw = path.read_bytes() + wal.read_bytes()
    raw += path.read_bytes()  # after the checkpoint at close
    for needle in (HUAMI_KEY, HUAMI_KEY.upper()):
        assert needle.encode("ascii") not in raw
        assert needle.encode("utf-16-le") not in raw
    assert bytes.fromhex(HUAMI_KEY) not in raw


def test_nothing_needs_the_key_but_secrets(tmp_path: Path) -> None:
    path = tmp_path / "ipsrt.sqlite3"
    with Store.initialise(f"sqlite:///{path}") as store:
        device_id = add_huami(store)
    Path(f"{path}.key").unlink()
    with Store(f"sqlite:///{path}") as store:
        store.add_device("C001", "banglejs", "AA:BB:CC:DD:EE:E1", now=NOW)  # no key needed
        assert len(store.devices()) == 2
        with pytest.raises(SecretKeyError, match=r"ipsrt\.sqlite3\.key does not exist; restore"):
            store.secrets.reveal(device_by_id(store, device_id))


def test_a_missing_key_refuses_to_store_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ipsrt.sqlite3"
    Store.initialise(f"sqlite:///{path}").close()
    Path(f"{path}.key").unlink()
    with Store(f"sqlite:///{path}") as store:
        store.add_client("C001", "UTC", now=NOW)
        events = len(store.audit_events())
        with pytest.raises(SecretKeyError) as err:
            store.add_device("C001", "huami", "AA:BB:CC:DD:EE:01", now=NOW, secret=HUAMI_KEY)
        assert "\n" not in str(err.value)
        assert f"{path}.key" in str(err.value)
        assert store.devices() == []
        assert len(store.audit_events()) == events


def test_a_postgresql_database_without_a_key_variable_says_how_to_give_one(
    postgres_schema_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV_VAR, raising=False)
    with Store.initialise(postgres_schema_url) as store:
        store.add_client("C001", "UTC", now=NOW)
        with pytest.raises(SecretKeyError, match=f"set {KEY_FILE_ENV_VAR}.*or {KEY_ENV_VAR}"):
            store.add_device("C001", "huami", "AA:BB:CC:DD:EE:01", now=NOW, secret=HUAMI_KEY)
        assert store.devices() == []


def test_a_wrong_key_names_its_source_and_changes_nothing(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    device_id = add_huami(store)
    before = stored_secrets(store)
    other = tmp_path / "other.key"
    other.write_text(new_key() + "\n")
    other.chmod(0o600)
    other_text = other.read_text()
    monkeypatch.delenv(KEY_ENV_VAR, raising=False)
    monkeypatch.setenv(KEY_FILE_ENV_VAR, str(other))
    with pytest.raises(SecretKeyError, match=f"key file {other} \\({KEY_FILE_ENV_VAR}\\)"):
        store.secrets.reveal(device_by_id(store, device_id))
    with pytest.raises(SecretKeyError, match="cannot decrypt"):
        store.secrets.rotate(now=NOW, actor=ACTOR)
    assert stored_secrets(store) == before
    assert other.read_text() == other_text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("secretish text\n", "malformed secret key in key file .* line 1"),
        ("# only a comment\n\n", "holds no key"),
        (b"\xff\xfe\x00binary", "not plain text"),
        ("A" * 70_000, "larger than 64 KiB"),
    ],
)
def test_malformed_key_files_are_one_line_and_never_echoed(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    path = tmp_path / "db.key"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    path.chmod(0o600)
    with pytest.raises(SecretKeyError, match=message) as err:
        KeySource("beside-database", path=path).keys("test")
    assert "\n" not in str(err.value)
    assert "secretish" not in str(err.value)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620])
def test_a_key_file_others_can_reach_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "db.key"
    path.write_text(new_key() + "\n")
    path.chmod(mode)
    with pytest.raises(SecretKeyError, match=f"mode {mode:04o}.*chmod 600 {path}"):
        KeySource("beside-database", path=path).keys("test")


def test_the_environment_key_wins_and_both_variables_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_key()
    monkeypatch.setenv(KEY_ENV_VAR, f"{key}, {new_key()}")
    with Store.initialise(f"sqlite:///{tmp_path / 'db.sqlite3'}") as store:
        assert not (tmp_path / "db.sqlite3.key").exists()  # no file when the key is given
        assert store.secrets.box("test").primary_id == key_id(key)
        monkeypatch.setenv(KEY_FILE_ENV_VAR, str(tmp_path / "x.key"))
        with pytest.raises(SecretKeyError, match=r"both .* are set"):
            store.secrets.box("test")
        monkeypatch.setenv(KEY_ENV_VAR, "short")
        monkeypatch.delenv(KEY_FILE_ENV_VAR)
        with pytest.raises(SecretKeyError, match=f"malformed secret key in {KEY_ENV_VAR}"):
            store.secrets.box("test")


# -- rotation -----------------------------------------------------------------------


def key_file_of(store: Store) -> Path:
    path = store.secrets.source.path
    assert path is not None
    return path


def test_rotation_reseals_everything_and_the_old_key_is_no_longer_needed(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'ipsrt.sqlite3'}"
    with Store.initialise(url) as store:
        ids = [add_huami(store, f"C8:0F:10:00:00:0{n}") for n in (1, 2)]
        old_ids = store.secrets.box("test").key_ids
        rotation = store.secrets.rotate(now=NOW, actor=ACTOR)
        assert rotation.resealed == 2
        assert rotation.old_key_ids == old_ids
        assert store.secrets.box("test").key_ids == [rotation.new_key_id]  # old key gone
        assert {sealed_key_id(t) for t in stored_secrets(store).values()} == {rotation.new_key_id}
        assert [store.secrets.reveal(device_by_id(store, i)) for i in ids] == [HUAMI_KEY] * 2
        [event] = [e for e in store.audit_events() if e.action == "secrets.rotate"]
        assert event.actor == ACTOR
        assert event.detail["resealed"] == 2
        assert HUAMI_KEY not in str(event.detail)
        assert stat.S_IMODE(key_file_of(store).stat().st_mode) == 0o600


def test_rotation_with_the_environment_key_reseals_under_its_first_key(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    device_id = add_huami(store)
    old = store.secrets.source.keys("test")
    fresh = new_key()
    monkeypatch.delenv(KEY_FILE_ENV_VAR, raising=False)
    monkeypatch.setenv(KEY_ENV_VAR, ",".join([fresh, *old]))
    rotation = store.secrets.rotate(now=NOW, actor=ACTOR)
    assert rotation.new_key_id == key_id(fresh)
    assert rotation.resealed == 1
    monkeypatch.setenv(KEY_ENV_VAR, fresh)  # the old key removed from the variable
    assert store.secrets.reveal(device_by_id(store, device_id)) == HUAMI_KEY


class Crash(Exception):
    """A simulated crash."""


def test_a_crash_after_any_rotation_step_leaves_every_secret_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'ipsrt.sqlite3'}"
    with Store.initialise(url) as store:
        device_id = add_huami(store)
    real_replace = KeySource.replace

    def crash_on(call: int) -> None:
        calls = iter(range(1, 10))

        def replace(self: KeySource, keys: list[str]) -> None:
            if next(calls) == call:
                raise Crash
            real_replace(self, keys)

        monkeypatch.setattr(KeySource, "replace", replace)

    def readable() -> list[str]:
        with Store(url) as reopened:  # a new process: keys read from the file
            assert reopened.secrets.reveal(device_by_id(reopened, device_id)) == HUAMI_KEY
            return reopened.secrets.box("test").key_ids

    # Crash while writing [new, old]: nothing changed at all.
    before = readable()
    crash_on(1)
    with Store(url) as store, pytest.raises(Crash):
        store.secrets.rotate(now=NOW, actor=ACTOR)
    assert readable() == before
    # Crash after re-sealing, before the old key leaves the file.
    crash_on(2)
    with Store(url) as store, pytest.raises(Crash):
        store.secrets.rotate(now=NOW, actor=ACTOR)
    assert len(readable()) == 2
    # Crash inside the re-sealing transaction: rolled back, the old key still there.
    monkeypatch.setattr(KeySource, "replace", real_replace)
    with Store(url) as store:
        monkeypatch.setattr(store, "audit", lambda *a, **k: (_ for _ in ()).throw(Crash()))
        with pytest.raises(Crash):
            store.secrets.rotate(now=NOW, actor=ACTOR)
    assert len(readable()) == 3
    # A later rotation finishes the job: one key left, everything readable.
    with Store(url) as store:
        store.secrets.rotate(now=NOW, actor=ACTOR)
    assert len(readable()) == 1


# -- secrets an older version stored unencrypted ------------------------------------


def store_plaintext(store: Store, device_id: int) -> None:
    """What a database made before sealing holds: the key as it was given."""
    with store.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE device SET secret = :s WHERE id = :d"), {"s": HUAMI_KEY, "d": device_id}
        )


def test_an_unencrypted_secret_is_refused_until_sealed(store: Store) -> None:
    device_id = add_huami(store)
    store_plaintext(store, device_id)
    with pytest.raises(SecretKeyError, match=r"stored unencrypted.*ipsrt db upgrade"):
        store.secrets.reveal(device_by_id(store, device_id))
    assert store.secrets.census() == {"sealed": {}, "plaintext": 1}
    assert store.secrets.seal_plaintext(now=NOW, actor=ACTOR) == 1
    assert store.secrets.seal_plaintext(now=NOW, actor=ACTOR) == 0
    assert store.secrets.reveal(device_by_id(store, device_id)) == HUAMI_KEY
    assert [e.detail["plaintext"] for e in store.audit_events() if e.action.startswith("secrets")]
    assert stored_secrets(store)[device_id] != HUAMI_KEY


def test_sealing_old_secrets_leaves_no_copy_in_the_sqlite_files(tmp_path: Path) -> None:
    path = tmp_path / "ipsrt.sqlite3"
    with Store.initialise(f"sqlite:///{path}") as store:
        device_id = add_huami(store)
        store_plaintext(store, device_id)
        store.engine.dispose()  # the old value now lies in the database file
        assert HUAMI_KEY.encode() in path.read_bytes()
        store.secrets.seal_plaintext(now=NOW, actor=ACTOR)
        wal = path.with_name(path.name + "-wal")
        raw = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert HUAMI_KEY.encode() not in raw
