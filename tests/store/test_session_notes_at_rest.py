"""Session notes sealed at rest (docs/security.md, "Secrets at rest"; docs/clinicians.md).

The database file alone never holds a note's text; a missing or wrong key
fails note reads and writes with one line and nothing else; a key rotation
re-seals notes in the same transaction as the device keys; every read and
write is audited without the text.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from ipsrt.errors import SecretKeyError
from ipsrt.reports.access import Viewer, command_line_viewer
from ipsrt.reports.course import course_view, record_session, start_course
from ipsrt.reports.life_events import add_life_event, life_events
from ipsrt.reports.notes import read_note, write_note
from ipsrt.store import Store
from ipsrt.store.secret_box import sealed_key_id
from ipsrt.store.secret_keys import KEY_ENV_VAR, KEY_FILE_ENV_VAR

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 5, 4)
CANARY = "CANARY-NOTE-4b1e: argued with her sister about the move"
HUAMI_KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _no_key_from_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite tests use the key file beside the database (PostgreSQL: conftest's variable)."""
    if not os.environ.get("IPSRT_TEST_POSTGRES_URL"):
        monkeypatch.delenv(KEY_ENV_VAR, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV_VAR, raising=False)


def _clinician(store: Store) -> Viewer:
    client_id = store.client("C001").id
    assert client_id is not None
    return command_line_viewer("clin:test", client_id)


def _course_with_a_note(store: Store, text: str = CANARY) -> None:
    store.add_client("C001", "Europe/Berlin", now=NOW)
    viewer = _clinician(store)
    start_course(store, viewer, "C001", DAY, now=NOW)
    record_session(store, viewer, "C001", DAY, now=NOW)
    write_note(store, viewer, "C001", 1, text, now=NOW)


def _stored_notes(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return [str(v) for (v,) in conn.execute(sa.text("SELECT sealed_text FROM session_note"))]


def test_the_raw_database_files_never_hold_the_note(tmp_path: Path) -> None:
    path = tmp_path / "ipsrt.sqlite3"
    with Store.initialise(f"sqlite:///{path}") as store:
        _course_with_a_note(store)
        # A second write replaces the first: its old ciphertext must not matter, its text
        # must not appear either.
        write_note(store, _clinician(store), "C001", 1, CANARY + " (edited)", now=NOW)
        wal = path.with_name(path.name + "-wal")
        raw = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        opened = read_note(store, _clinician(store), "C001", 1, now=NOW)
        assert opened is not None
        assert opened.text == CANARY + " (edited)"
    raw += path.read_bytes()
    for needle in ("CANARY-NOTE-4b1e", "her sister"):
        assert needle.encode("utf-8") not in raw
        assert needle.encode("utf-16-le") not in raw


def test_reads_and_writes_are_audited_without_the_text(store: Store) -> None:
    _course_with_a_note(store)
    read_note(store, _clinician(store), "C001", 1, now=NOW)
    events = [e for e in store.audit_events() if e.action.startswith("note.")]
    assert [(e.action, e.actor, e.subject) for e in events] == [
        ("note.write", "clin:test", "C001"),
        ("note.read", "clin:test", "C001"),
    ]
    assert events[0].detail["session"] == 1
    everything = repr([(e.action, e.subject, e.detail) for e in store.audit_events()])
    assert "CANARY-NOTE" not in everything


def test_a_missing_key_fails_notes_only_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "ipsrt.sqlite3"
    with Store.initialise(f"sqlite:///{path}") as store:
        _course_with_a_note(store)
    Path(f"{path}.key").unlink()
    with Store(f"sqlite:///{path}") as store:
        viewer = _clinician(store)
        for attempt in (
            lambda: read_note(store, viewer, "C001", 1, now=NOW),
            lambda: write_note(store, viewer, "C001", 1, "new text", now=NOW),
        ):
            with pytest.raises(SecretKeyError) as err:
                attempt()
            assert "\n" not in str(err.value)
            assert "does not exist" in str(err.value)
        # Everything else keeps working.
        record_session(store, viewer, "C001", DAY + dt.timedelta(days=7), now=NOW)
        add_life_event(store, viewer, "C001", DAY, "travel", 2, "trip", now=NOW)
        view = course_view(store, viewer, "C001")
        assert view is not None
        assert (view.held, view.sessions[0].note) == (2, "private")
        assert len(life_events(store, viewer, "C001")) == 1
        store.add_device("C001", "banglejs", "AA:BB:CC:DD:EE:E1", now=NOW)
        # The failed read is audited too.
        reads = [e for e in store.audit_events() if e.action == "note.read"]
        assert reads[-1].detail == {"session": 1, "opened": False}


def test_a_wrong_key_names_its_source_and_changes_nothing(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ipsrt.store.secret_box import new_key

    _course_with_a_note(store)
    before = _stored_notes(store)
    other = tmp_path / "other.key"
    other.write_text(new_key() + "\n")
    other.chmod(0o600)
    monkeypatch.delenv(KEY_ENV_VAR, raising=False)
    monkeypatch.setenv(KEY_FILE_ENV_VAR, str(other))
    with pytest.raises(SecretKeyError, match=r"cannot decrypt the note of session record \d+"):
        read_note(store, _clinician(store), "C001", 1, now=NOW)
    with pytest.raises(SecretKeyError, match="cannot decrypt"):
        store.secrets.rotate(now=NOW, actor="cli:test")
    assert _stored_notes(store) == before
    assert course_view(store, _clinician(store), "C001") is not None


def test_rotation_reseals_notes_with_the_device_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ipsrt.sqlite3'}"
    with Store.initialise(url) as store:
        _course_with_a_note(store)
        store.add_device("C001", "huami", "C8:0F:10:00:00:01", now=NOW, secret=HUAMI_KEY)
        rotation = store.secrets.rotate(now=NOW, actor="cli:test")
        assert rotation.others == {"session_notes": 1}
        assert {sealed_key_id(t) for t in _stored_notes(store)} == {rotation.new_key_id}
        # The old key has left the file: the note opens with the new one alone.
        assert store.secrets.box("test").key_ids == [rotation.new_key_id]
        opened = read_note(store, _clinician(store), "C001", 1, now=NOW)
        assert opened is not None
        assert opened.text == CANARY
        (event,) = [e for e in store.audit_events() if e.action == "secrets.rotate"]
        assert event.detail["session_notes"] == 1
        assert "CANARY" not in repr(event.detail)
    with Store(url) as reopened:  # a new process reads the key file afresh
        again = read_note(reopened, _clinician(reopened), "C001", 1, now=NOW)
        assert again is not None
        assert again.text == CANARY


def test_a_crash_inside_the_rotation_transaction_leaves_notes_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'ipsrt.sqlite3'}"
    with Store.initialise(url) as store:
        _course_with_a_note(store)
        before = _stored_notes(store)

        def crash(*args: object, **kwargs: object) -> int:
            raise RuntimeError("crash")

        monkeypatch.setattr(store.notes, "reseal", crash)
        with pytest.raises(RuntimeError):
            store.secrets.rotate(now=NOW, actor="cli:test")
        assert _stored_notes(store) == before  # rolled back
    with Store(url) as reopened:  # old key still in the file (second place)
        assert len(reopened.secrets.box("test").key_ids) == 2
        opened = read_note(reopened, _clinician(reopened), "C001", 1, now=NOW)
        assert opened is not None
        assert opened.text == CANARY


def test_rotation_with_the_environment_key_reseals_notes_on_both_backends(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ipsrt.store.secret_box import key_id, new_key

    _course_with_a_note(store)
    old = store.secrets.source.keys("test")
    fresh = new_key()
    monkeypatch.delenv(KEY_FILE_ENV_VAR, raising=False)
    monkeypatch.setenv(KEY_ENV_VAR, ",".join([fresh, *old]))
    rotation = store.secrets.rotate(now=NOW, actor="cli:test")
    assert rotation.others == {"session_notes": 1}
    assert {sealed_key_id(t) for t in _stored_notes(store)} == {key_id(fresh)}
    monkeypatch.setenv(KEY_ENV_VAR, fresh)  # the old key removed from the variable
    opened = read_note(store, _clinician(store), "C001", 1, now=NOW)
    assert opened is not None
    assert opened.text == CANARY
