"""Every route and callback, as every kind of viewer, naming every kind of client.

The table is ``tests/dashboard/matrix_table.py``, its machinery
``tests/dashboard/matrix.py``; how to add a page is in ``docs/dashboard.md``
("Authorization"). What is allowed comes from
:data:`ipsrt.reports.access.RULES` and the test clinic's facts
(:func:`matrix.expected_allowed`); an allowed request gets the row's
statuses, a refused one 401 (or a redirect to the sign-in form) without a
session and 403 or "Page not found" with one, and changes nothing. No
response to a viewer the rules keep away from C002 carries C002's canaries,
and no response at all carries a device secret or a full address.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboard import Settings, create_app
from dashboard.auth import PUBLIC_PATHS, PUBLIC_PREFIXES
from dashboard.pages import PAGES
from ipsrt.reports.access import RULES
from ipsrt.reports.summaries import install
from ipsrt.store import Store
from tests.dashboard import matrix, matrix_table
from tests.helpers.dashboard import NOW, USERS, Clock, build_clinic

ROWS = matrix_table.rows()


@pytest.fixture(scope="session")
def clinic_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test clinic with C002's canaries, built once and copied for each test."""
    path = tmp_path_factory.mktemp("matrix") / "clinic.sqlite3"
    with Store.initialise(f"sqlite:///{path}") as store:
        build_clinic(store)
        matrix.add_canaries(store)
        matrix.add_open_alert_of_c001(store)
        matrix.add_ipt_records(store)
    return path


@pytest.fixture
def clinic(clinic_file: Path, tmp_path: Path) -> Iterator[Store]:
    copy = tmp_path / "clinic.sqlite3"
    shutil.copyfile(clinic_file, copy)
    # Its key file goes with it, owner-only (docs/security.md, "Secrets at rest").
    shutil.copyfile(f"{clinic_file}.key", f"{copy}.key")
    Path(f"{copy}.key").chmod(0o600)
    with Store(f"sqlite:///{copy}") as store:
        install(store)
        yield store


def _app(store: Store) -> Any:
    return create_app(store, Settings(clock=Clock(NOW)))


def _text(response: Any) -> str:
    return bytes(response.get_data()).decode("utf-8", "replace")


@pytest.mark.parametrize("viewer", matrix.VIEWERS, ids=lambda v: v.name)
@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
def test_matrix(row: matrix.Row, viewer: matrix.MatrixViewer, clinic: Store) -> None:
    app = _app(clinic)
    for target in row.targets:
        http = app.server.test_client()
        if viewer.login is not None:
            matrix.open_session(http, clinic, viewer.login, NOW)
        before = matrix.records(clinic)
        response = row.send(matrix.Request(http, app, clinic, target))
        body = _text(response)
        allowed = matrix.expected_allowed(row, viewer, target)
        where = (
            f"{row.name} as {viewer.name} naming {target!r}: {response.status_code} {body[:200]}"
        )
        if allowed:
            assert response.status_code in row.ok, where
            if row.refusal is matrix.Refusal.PAGE_NOT_FOUND:
                assert "Page not found" not in body, where
        else:
            if viewer.login is None:
                assert response.status_code in row.signed_out, where
                if response.status_code == 302:
                    assert response.headers["Location"].endswith("/login"), where
            elif row.refusal is matrix.Refusal.FORBIDDEN:
                assert response.status_code == 403, where
                assert body.strip() == '{"error":"not found or not allowed"}', where
            elif row.refusal is matrix.Refusal.NO_DATA:
                assert response.status_code == 204, where
            else:
                assert response.status_code == 200, where
                assert "Page not found" in body, where
            assert matrix.records(clinic) == before, f"{where}: a refused request changed data"
        if row.changes_nothing:
            assert matrix.records(clinic) == before, f"{where}: changed another client's record"
        for hidden in (*matrix.forbidden_strings(viewer), *matrix.ipt_forbidden_strings(viewer)):
            assert hidden not in body, f"{where}: {hidden!r} leaked"


def test_every_route_callback_and_page_has_a_row(clinic: Store) -> None:
    """Fails when the app gains a route, callback or page the table does not list (or loses one)."""
    app = _app(clinic)
    covered = {row.covers for row in ROWS}
    routes = matrix.route_keys(app)
    assert set(app.callback_map) - covered == set(), "callbacks without a row in matrix_table.py"
    assert routes - covered == set(), "routes without a row in matrix_table.py"
    assert covered - set(app.callback_map) - routes == set(), "rows of nothing in the app"
    paths = {module.PAGE.path for module in PAGES}
    assert paths - set(matrix_table.PAGE_NAMES) == set(), "pages missing from PAGE_NAMES"
    assert set(matrix_table.PAGE_NAMES) - paths == set(), "PAGE_NAMES lists pages that do not exist"
    assert len({row.name for row in ROWS}) == len(ROWS), "row names must be unique"


def test_every_action_of_the_rules_has_a_row() -> None:
    """Every action the rules name is sent by a route or callback row, or called by a service
    row (the IPT services, tests/reports/test_ipt_authorization.py, until their pages exist)."""
    covered = {row.access for row in ROWS} | {row.action for row in matrix_table.SERVICE_ROWS}
    assert {action for action, _ in RULES} - covered == set(), "actions without a row"


def test_viewers_are_the_test_clinic(clinic: Store) -> None:
    """The facts the expectations use match the clinic ``conftest.build_clinic`` builds."""
    assigned = sorted((v.login, code) for v in matrix.VIEWERS for code in v.assigned)
    assert clinic.accounts.assignments() == assigned
    assert {c.code for c in clinic.clients()} == matrix.CLIENT_CODES
    for viewer in matrix.VIEWERS:
        if viewer.login is None:
            continue
        role, code = USERS[viewer.login]
        assert (viewer.role.value if viewer.role else None, viewer.own) == (role, code)
    assert {v.login for v in matrix.VIEWERS} - {None} == set(USERS)


def test_canaries_are_stored_and_the_check_finds_them(clinic: Store) -> None:
    """The canaries are where the matrix expects them, and a body scan finds them when shown."""
    stored = repr(matrix.records(clinic))
    secret, address = matrix.NEVER_SHOWN
    for canary in (*matrix.CLINICAL_CANARIES, matrix.DEVICE_NAME_CANARY, address):
        assert canary in stored
    # The band's secret is stored sealed (docs/security.md, "Secrets at rest").
    assert secret not in stored
    (band,) = clinic.devices("C002")
    assert clinic.secrets.reveal(band) == secret
    (alert,) = clinic.alerts.find(client_code="C002")
    assert (alert.id, alert.state) == (matrix.canary_alert_id(clinic), "open")
    app = _app(clinic)
    http = app.server.test_client()
    matrix.open_session(http, clinic, "admin1", NOW)
    devices = matrix.route("/admin/devices")(matrix.Request(http, app, clinic, None))
    assert matrix.DEVICE_NAME_CANARY in _text(devices)
    assert "3A:01" in _text(devices)


def _concrete(rule: str) -> str:
    samples = {
        "package_name": "dash",
        "fingerprinted_path": "dash-renderer/build/dash_renderer.min.js",
        "filename": "x.css",
        "path": "clients/C002",
    }
    for name, value in samples.items():
        rule = rule.replace(f"<string:{name}>", value).replace(f"<path:{name}>", value)
    assert "<" not in rule, f"no sample value for a parameter of {rule}"
    return rule


def test_every_route_without_a_session_is_refused(clinic: Store) -> None:
    """Cookieless, every route and method outside the public list answers 401 or a redirect."""
    app = _app(clinic)
    http = app.server.test_client()
    seen = 0
    for rule in app.server.url_map.iter_rules():
        path = _concrete(rule.rule)
        public = path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)
        for method in sorted(rule.methods):
            response = http.open(path, method=method, json={} if method == "POST" else None)
            body = _text(response)
            where = f"{method} {path}: {response.status_code} {body[:200]}"
            for hidden in (*matrix.CLINICAL_CANARIES, "C001", "C002", "client1", "clin1"):
                assert hidden not in body, where
            seen += 1
            if public:
                continue
            assert response.status_code in (401, 302), where
            if response.status_code == 302:
                assert method in ("GET", "HEAD"), where
                assert response.headers["Location"].endswith("/login"), where
    assert seen > 20
    # A script Dash never registered is a plain 404, not a server error.
    assert http.get("/_dash-component-suites/dash/no-such-script.js").status_code == 404
