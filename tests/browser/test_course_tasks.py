"""The IPSRT course end to end in Chromium: the clinician's course page, a client's life event.

As in ``test_main_tasks.py``, the locators use what a person sees (labels,
button text, headings); these tests change the clinic, so this module has its
own server and store (module-scoped fixtures). Screenshots go to
``tests/artifacts/``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.helpers.browser import (
    DESKTOP,
    PHONE,
    TZ,
    PageRow,
    axe_violations,
    figure_traces,
    local_today,
    needs_pages,
    screenshot,
    section,
    signed_in,
    visit,
)

pytestmark = pytest.mark.browser

TODAY = local_today(TZ)


def _day(days_ago: int) -> str:
    return (TODAY - dt.timedelta(days=days_ago)).isoformat()


def _status(page: Any, text: str) -> None:
    page.get_by_role("status").filter(has_text=text).first.wait_for()


def _add_person(page: Any, label: str, relationship: str, closeness: str, roles: str) -> None:
    form = section(page, "Interpersonal inventory")
    form.get_by_label("Person", exact=True).select_option(label="A new person")
    form.get_by_label("Label (not necessarily a name)").fill(label)
    form.get_by_label("Relationship").fill(relationship)
    form.get_by_label("Closeness (1 closest .. 3)").select_option(label=closeness)
    form.get_by_label(re.compile("^Part of the rhythm")).fill(roles)
    form.get_by_role("button", name="Save person").click()
    _status(page, f"{label} added.")


def _annotations(page: Any, graph_id: str) -> list[str]:
    """The labels of the life-event markers of the ``dcc.Graph`` *graph_id*, once drawn."""
    figure_traces(page, graph_id)  # waits until plotly has drawn the figure
    return page.locator(f"#{graph_id} .js-plotly-plot").evaluate(
        "gd => (gd.layout.annotations || []).filter(a => a.name === 'life event').map(a => a.text)"
    )


@needs_pages("/clients/C001/course", "/clients/C001")
def test_clinician_records_a_course_and_sees_the_event_on_the_actogram(
    tab_factory, browser_store
) -> None:
    """/clients/C001/course at desktop width, then /clients/C001.

    Sections "Course status" (inputs "Start date", button "Start a course"),
    "Record a session" ("Session date", "Record session"), "Problem areas and
    goals" ("Primary problem area", "Goals", "Save problem areas"),
    "Interpersonal inventory" ("Person", "Label (not necessarily a name)",
    "Relationship", "Closeness (1 closest .. 3)", "Save person") and "Life
    events" ("Kind of event", "From", "Short description", "Add life event").
    """
    tab = tab_factory(DESKTOP)
    page = tab.page
    signed_in(page, "clin1")
    visit(page, PageRow("/clients/C001/course", "clin1", "Course of client C001"))

    status = section(page, "Course status")
    status.get_by_label("Start date").fill(_day(14))
    status.get_by_role("button", name="Start a course").click()
    _status(page, "Course started.")

    session = section(page, "Record a session")
    session.get_by_label("Session date").fill(_day(7))
    session.get_by_role("button", name="Record session").click()
    _status(page, "Appointment 1")

    areas = section(page, "Problem areas and goals")
    areas.get_by_label("Primary problem area").select_option(label="Role transitions")
    areas.get_by_label("Goals", exact=True).fill("Settle into the new job")
    areas.get_by_role("button", name="Save problem areas").click()
    _status(page, "Problem areas saved.")

    _add_person(page, "Partner", "partner", "1", "out_of_bed:wakes me")
    _add_person(page, "Boss", "manager", "3", "")

    events = section(page, "Life events")
    events.get_by_label("Kind of event").select_option(label="Travel or time-zone change")
    events.get_by_label("From").fill(_day(3))
    events.get_by_label("Short description").fill("trip to Boston")
    events.get_by_role("button", name="Add life event").click()
    _status(page, "Life event of")

    summary = section(page, "Where the course stands")
    summary.get_by_text("Sessions held: 1, missed: 0").wait_for()
    page.get_by_text("Primary problem area: Role transitions").wait_for()
    page.get_by_role("cell", name="Boss", exact=True).wait_for()
    screenshot(page, "course-clinician-course-desktop")
    assert axe_violations(page) == []

    course = browser_store.courses.latest("C001")
    assert course is not None
    assert course.primary_area == "role_transitions"
    people = {r.label for r in browser_store.inventory.revisions("C001")}
    assert people == {"Partner", "Boss"}

    visit(page, PageRow("/clients/C001", "clin1", "Client C001"))
    labels = _annotations(page, "client-actogram")
    assert any("trip to Boston" in text for text in labels), labels
    screenshot(page, "course-clinician-actogram-desktop")
    assert tab.watch.errors == []


@needs_pages("/today", "/my-course")
def test_client_adds_a_life_event_from_today(tab_factory, browser_store) -> None:
    """/today at phone width: the card "Something happened?" ("Kind of event", "From",
    "How disruptive was it?", "Short description", button "Add life event"); then
    /my-course lists it."""
    tab = tab_factory(PHONE)
    page = tab.page
    signed_in(page, "client1")
    visit(page, PageRow("/today", "client1", "Today"))
    card = section(page, "Something happened?")
    card.get_by_label("Kind of event").select_option(label="Shift-work change")
    card.get_by_label("From").fill(_day(2))
    card.get_by_label("3 (a lot)").check()
    card.get_by_label("Short description").fill("night shifts")
    card.get_by_role("button", name="Add life event").click()
    _status(page, "saved")
    screenshot(page, "course-client-today-event-phone")

    (event,) = [e for e in browser_store.life_events.events("C001") if e.kind == "shift_work"]
    assert (event.starts_on.isoformat(), event.disruption, event.entered_by_role) == (
        _day(2),
        3,
        "client",
    )
    visit(page, PageRow("/my-course", "client1", "My course"))
    page.get_by_role("cell", name="night shifts").wait_for()
    screenshot(page, "course-client-my-course-phone")
    assert axe_violations(page) == []
    assert tab.watch.errors == []
