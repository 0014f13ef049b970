"""The clinician's course page through the web layer: every form, what the page shows after.

The test clinic (tests/helpers/dashboard.py): ``clin1`` is assigned C001, ``clin2``
nothing, ``client1`` is C001. Callbacks are posted as the browser posts them
(``tests/dashboard/matrix.py``, :func:`~tests.dashboard.matrix.fire`); who may do
what for every viewer and target is the authorization matrix's job.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ipsrt.store import Store
from tests.dashboard import matrix
from tests.helpers.dashboard import NOW

SHOW = (
    "..course-summary.children...course-sessions.children...course-people.children"
    "...course-circles.figure...course-person.options...course-events.children"
    "...course-plan.children...course-note-appointment.options.."
)
PREFILL = (
    "..course-primary.value...course-goals.value...course-secondary.value"
    "...course-secondary-goals.value...course-plan-signs.value...course-plan-steps.value"
    "...course-plan-contacts.value.."
)
NOTE_READ = (
    "..course-note-text.value...course-note-shared.value...course-note-read-status.children.."
)


class Browser:
    """One signed-in viewer posting callbacks of the course page for C001."""

    def __init__(self, app: Any, store: Store, login: str) -> None:
        self.app, self.store = app, store
        self.http = app.server.test_client()
        matrix.open_session(self.http, store, login, NOW)

    def post(self, key: str, trigger: str, values: dict[str, object]) -> Any:
        values = {"course-client.data": "C001", **values}
        request = matrix.Request(self.http, self.app, self.store, None)
        return matrix.fire(key, trigger, values)(request)

    def answer(self, key: str, trigger: str, values: dict[str, object]) -> dict[str, Any]:
        response = self.post(key, trigger, values)
        assert response.status_code == 200, response.get_data(as_text=True)
        return json.loads(response.get_data(as_text=True))["response"]

    def status(self, name: str, trigger: str, values: dict[str, object]) -> str:
        key = f"course-{name}-status.children"
        return str(self.answer(key, trigger, values)[f"course-{name}-status"]["children"])

    def page(self) -> str:
        return json.dumps(self.answer(SHOW, "course-start-status.children", {}))


@pytest.fixture
def clinician(sqlite_dash_store: Store, make_app: Any) -> Browser:
    return Browser(make_app(sqlite_dash_store), sqlite_dash_store, "clin1")


def _route(browser: Browser, path: str) -> str:
    response = browser.post(matrix.ROUTER, "url.pathname", {"url.pathname": path})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_clinician_follows_a_course(clinician: Browser) -> None:
    page = _route(clinician, "/clients/C001/course")
    assert "Course of client C001" in page
    assert "No course started yet." in clinician.page()
    started = clinician.status(
        "start",
        "course-start-save.n_clicks",
        {"course-start-date.value": "2026-05-04", "course-planned.value": 16},
    )
    assert started == "Course started."
    for day, attended in (("2026-05-04", True), ("2026-05-11", False)):
        text = clinician.status(
            "session",
            "course-session-save.n_clicks",
            {"course-session-date.value": day, "course-session-attended.value": attended},
        )
        assert day in text
    areas = clinician.status(
        "areas",
        "course-areas-save.n_clicks",
        {"course-primary.value": "role_transitions", "course-goals.value": "settle into the job"},
    )
    assert areas == "Problem areas saved."
    for label, closeness in (("Partner", 1), ("Boss", 3)):
        added = clinician.status(
            "person",
            "course-person-save.n_clicks",
            {
                "course-person.value": "",
                "course-person-label.value": label,
                "course-person-relationship.value": "partner" if closeness == 1 else "manager",
                "course-person-closeness.value": str(closeness),
                "course-person-support.value": "2",
                "course-person-conflict.value": "1",
                "course-person-roles.value": "out_of_bed:wakes me" if closeness == 1 else "",
            },
        )
        assert added == f"{label} added."
    event = clinician.status(
        "event",
        "course-event-add.n_clicks",
        {
            "course-event-kind.value": "travel",
            "course-event-start.value": "2026-06-01",
            "course-event-end.value": "2026-06-03",
            "course-event-disruption.value": 2,
            "course-event-description.value": "flight to Boston",
        },
    )
    assert event == "Life event of 2026-06-01 added."
    plan = clinician.status(
        "plan",
        "course-plan-save.n_clicks",
        {
            "course-plan-signs.value": "sleeping less | sleep_shortening",
            "course-plan-steps.value": "call the clinic",
            "course-plan-contacts.value": "Dr A | 555 0100",
        },
    )
    assert plan == "Plan saved (revision 1)."
    shown = clinician.page()
    for expected in (
        "Sessions held: 1, missed: 1",
        "Role transitions",
        "settle into the job",
        "Partner",
        "Boss",
        "flight to Boston",
        "sleeping less",
        "2026-05-11",
    ):
        assert expected in shown, expected
    prefill = clinician.answer(PREFILL, "course-client.data", {})
    assert prefill["course-primary"]["value"] == "role_transitions"
    assert prefill["course-goals"]["value"] == "settle into the job"
    assert prefill["course-plan-signs"]["value"] == "sleeping less | sleep_shortening"
    answer = json.loads(shown)
    circles = answer["course-circles"]["figure"]
    labels = [t.get("text") for t in circles["data"]]
    assert any("Partner" in str(t) for t in labels), labels


def test_a_note_is_written_read_and_shared(clinician: Browser) -> None:
    clinician.status(
        "start", "course-start-save.n_clicks", {"course-start-date.value": "2026-05-04"}
    )
    clinician.status(
        "session", "course-session-save.n_clicks", {"course-session-date.value": "2026-05-04"}
    )
    saved = clinician.status(
        "note",
        "course-note-save.n_clicks",
        {"course-note-appointment.value": "1", "course-note-text.value": "private words"},
    )
    assert saved == "Note of appointment 1 saved (private)."
    read = clinician.answer(
        NOTE_READ, "course-note-read.n_clicks", {"course-note-appointment.value": 1}
    )
    assert read["course-note-text"]["value"] == "private words"
    assert read["course-note-shared"]["value"] is False
    shared = clinician.status(
        "note",
        "course-note-save.n_clicks",
        {
            "course-note-appointment.value": 1,
            "course-note-text.value": "private words",
            "course-note-shared.value": True,
        },
    )
    assert shared.endswith("(shared with the client).")
    assert "(shared)" in clinician.page()


def test_bad_input_is_one_line_and_changes_nothing(clinician: Browser) -> None:
    before = matrix.records(clinician.store)
    text = clinician.status(
        "session", "course-session-save.n_clicks", {"course-session-date.value": "June"}
    )
    assert text == "Not saved: session date: enter a date as YYYY-MM-DD"
    text = clinician.status(
        "areas", "course-areas-save.n_clicks", {"course-primary.value": "sadness"}
    )
    assert text.startswith("Not saved: ")
    assert matrix.records(clinician.store) == before


def test_the_client_and_an_unassigned_clinician_are_refused(
    sqlite_dash_store: Store, make_app: Any
) -> None:
    app = make_app(sqlite_dash_store)
    for login in ("client1", "clin2"):
        other = Browser(app, sqlite_dash_store, login)
        assert "Page not found" in _route(other, "/clients/C001/course")
        response = other.post(
            NOTE_READ, "course-note-read.n_clicks", {"course-note-appointment.value": 1}
        )
        assert response.status_code == 403


def test_the_client_sees_shared_notes_only_and_adds_a_life_event(
    sqlite_dash_store: Store, make_app: Any
) -> None:
    matrix.add_ipt_records(sqlite_dash_store)
    client = Browser(make_app(sqlite_dash_store), sqlite_dash_store, "client1")
    page = _route(client, "/my-course")
    assert f"{matrix.SHARED_NOTE_CANARY} C001" in page
    assert f"{matrix.IPT_CANARY} C001 goals" in page  # the goals are agreed with the client
    for hidden in (matrix.NOTE_CANARY, "C002", "private"):
        assert hidden not in page, hidden
    response = client.post(
        "today-event-status.children",
        "today-event-add.n_clicks",
        {
            "today-event-kind.value": "shift_work",
            "today-event-start.value": "2026-06-08",
            "today-event-end.value": "2026-06-10",
            "today-event-disruption.value": 3,
            "today-event-description.value": "night shifts",
        },
    )
    assert "saved" in response.get_data(as_text=True)
    assert "night shifts" in _route(client, "/my-course")
    (event,) = [e for e in sqlite_dash_store.life_events.events("C001") if e.kind == "shift_work"]
    assert (event.entered_by_role, event.disruption) == ("client", 3)
    bad = client.post(
        "today-event-status.children",
        "today-event-add.n_clicks",
        {"today-event-kind.value": "travel", "today-event-start.value": "2031-01-01"},
    )
    assert "Not saved: " in bad.get_data(as_text=True)
