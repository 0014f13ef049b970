"""The IPT services as every viewer naming every target: the authorization matrix at the
service level (tests/dashboard/matrix.py, ``SERVICE_ROWS`` in matrix_table.py).

What is allowed comes from :data:`ipsrt.reports.access.RULES` and the test
clinic's facts (:func:`matrix.allowed_on`), never from calling
``authorize``. An allowed call succeeds; a refused one raises
``AccessDenied`` (the same for a malformed, unknown or forbidden client)
and changes no record. No answer carries a note another viewer may not
read (a client never sees a private note), and no audit detail ever holds a
note's text.
"""

from __future__ import annotations

import inspect
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ipsrt.reports.access import RULES, AccessDenied, Action
from ipsrt.store import Store
from tests.dashboard import matrix, matrix_table
from tests.helpers.dashboard import build_clinic


@pytest.fixture(scope="session")
def ipt_clinic_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test clinic with the IPT records of both clients, built once (and its key file)."""
    path = tmp_path_factory.mktemp("ipt-matrix") / "clinic.sqlite3"
    with Store.initialise(f"sqlite:///{path}") as store:
        build_clinic(store)
        matrix.add_ipt_records(store)
    return path


@pytest.fixture
def ipt_clinic(
    ipt_clinic_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Store]:
    monkeypatch.delenv("IPSRT_SECRET_KEY", raising=False)
    monkeypatch.delenv("IPSRT_SECRET_KEY_FILE", raising=False)
    copy = tmp_path / "clinic.sqlite3"
    shutil.copyfile(ipt_clinic_file, copy)
    shutil.copy2(f"{ipt_clinic_file}.key", f"{copy}.key")
    with Store(f"sqlite:///{copy}") as store:
        yield store


def _note_texts_in_audit(store: Store) -> list[str]:
    details = repr([(e.subject, e.detail) for e in store.audit_events()])
    return [c for c in (matrix.NOTE_CANARY, matrix.SHARED_NOTE_CANARY) if c in details]


@pytest.mark.parametrize("viewer", matrix.VIEWERS, ids=lambda v: v.name)
@pytest.mark.parametrize("row", matrix_table.SERVICE_ROWS, ids=lambda r: r.name)
def test_service_matrix(
    row: matrix.ServiceRow, viewer: matrix.MatrixViewer, ipt_clinic: Store
) -> None:
    if row.prepare is not None:
        row.prepare(ipt_clinic)
    who = matrix.service_viewer(ipt_clinic, viewer)
    for target in matrix.TARGETS:
        allowed = matrix.allowed_on(viewer, row.action, target)
        where = f"{row.name} as {viewer.name} naming {target!r}"
        before = matrix.records(ipt_clinic)
        if allowed:
            answer = row.call(ipt_clinic, who, target)
        else:
            with pytest.raises(AccessDenied) as refused:
                row.call(ipt_clinic, who, target)
            answer = refused.value
            assert matrix.records(ipt_clinic) == before, f"{where}: a refused call changed data"
        text = matrix.service_answer_text(answer)
        for hidden in matrix.ipt_forbidden_strings(viewer):
            assert hidden not in text, f"{where}: {hidden!r} leaked"
    assert _note_texts_in_audit(ipt_clinic) == []


def test_the_canaries_are_where_the_matrix_expects_them(ipt_clinic: Store) -> None:
    """The assigned clinician reads C001's private note; its client only the shared one."""
    clinician = matrix.service_viewer(ipt_clinic, matrix.VIEWERS[3])
    client = matrix.service_viewer(ipt_clinic, matrix.VIEWERS[1])
    private = matrix_table.notes.read_note(ipt_clinic, clinician, "C001", 1, now=matrix.SEEDED)
    assert private is not None
    assert private.text == f"{matrix.NOTE_CANARY} C001"
    shared = matrix_table.notes.read_note(ipt_clinic, client, "C001", 2, now=matrix.SEEDED)
    assert shared is not None
    assert shared.text == f"{matrix.SHARED_NOTE_CANARY} C001"
    assert f"{matrix.NOTE_CANARY} C001" in matrix.service_answer_text(private)
    view = matrix_table.course.course_view(ipt_clinic, client, "C001")
    assert view is not None
    assert [s.note for s in view.sessions] == ["none", "shared"]
    for_clinician = matrix_table.course.course_view(ipt_clinic, clinician, "C001")
    assert for_clinician is not None
    assert [s.note for s in for_clinician.sessions] == ["private", "shared"]


def test_every_service_function_and_ipt_action_has_a_row() -> None:
    """Fails when an IPT service gains a public function, or the rules an action, without a row."""
    functions = {
        f"{module.__name__.rsplit('.', 1)[1]}.{name}"
        for module in matrix_table.SERVICE_MODULES
        for name in module.__all__
        if inspect.isfunction(getattr(module, name))
        and "viewer" in inspect.signature(getattr(module, name)).parameters
    }
    covered = {row.covers for row in matrix_table.SERVICE_ROWS}
    assert functions - covered == set(), "service functions without a row in SERVICE_ROWS"
    assert covered - functions == set(), "rows of no service function"
    ipt_actions = {
        a
        for a in Action
        if a.value.split(".")[1] in {"course", "inventory", "life_events", "relapse_plan", "notes"}
    }
    assert ipt_actions - {row.action for row in matrix_table.SERVICE_ROWS} == set()
    assert ipt_actions <= {action for action, _ in RULES}
    assert len({row.name for row in matrix_table.SERVICE_ROWS}) == len(matrix_table.SERVICE_ROWS)
