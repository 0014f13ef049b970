"""Each role's main task end to end in Chromium (skipped until its pages are in PAGES).

The locators use what a person sees (labels, button text, headings), so a
renamed label breaks the test the way it would confuse a user. The labels
each test expects are listed in its docstring; adjust them with the page.
These tests change the clinic, so this module has its own server and store
(the fixtures are module-scoped).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from ipsrt.reports.diary import srm_entries
from tests.helpers.browser import (
    DESKTOP,
    PHONE,
    PageRow,
    figure_traces,
    local_today,
    needs_pages,
    section,
    signed_in,
    visit,
)

pytestmark = pytest.mark.browser


@needs_pages("/today", "/my-rhythm")
def test_client_enters_todays_anchors_and_mood_and_sees_them(tab_factory, browser_store) -> None:
    """/today then /my-rhythm at phone width.

    /today: one card per SRM-5 anchor headed by its name ("Out of bed",
    "First contact with another person", ..., "To bed"), each with a "Time"
    input; a "Mood" card with a radio group -5..+5 (labels "-5".."+5", today's
    mood on by default); a "Save" button; a status line starting "Saved".
    /my-rhythm: the anchors figure ``#my-rhythm-anchors`` shows today's times
    (``customdata`` holds the clock text).
    """
    tab = tab_factory(PHONE)
    page = tab.page
    signed_in(page, "client1")
    visit(page, PageRow("/today", "client1", "Today"))
    times = {"Out of bed": "06:45", "To bed": "22:50"}
    for anchor, clock in times.items():
        section(page, anchor).get_by_label("Time").fill(clock)
    section(page, "Mood").get_by_label("+2", exact=True).check()
    page.get_by_role("button", name="Save", exact=True).click()
    status = page.get_by_role("status").filter(has_text="Saved")
    status.wait_for()
    assert "2 of 5 anchors" in status.inner_text()

    today = local_today("Europe/Berlin")
    stored = srm_entries(browser_store, "C001", today, today)
    got = {row.activity: row.minutes for row in stored.itertuples()}
    assert got == {"out_of_bed": 6 * 60 + 45, "bed": 22 * 60 + 50}
    mood = browser_store.clinical.mood_frame("C001", today, today)
    assert list(mood["mood"]) == [2]

    visit(page, PageRow("/my-rhythm", "client1", "My rhythm"))
    shown = figure_traces(page, "my-rhythm-anchors")
    points = {
        (str(x)[:10], text)
        for trace in shown
        for x, text in zip(trace.get("x") or [], trace.get("customdata") or [], strict=False)
    }
    assert {(today.isoformat(), clock) for clock in times.values()} <= points
    assert tab.watch.errors == []


@needs_pages("/caseload", "/clients/C001")
def test_clinician_finds_c001_and_acknowledges_its_alert(tab_factory, browser_store) -> None:
    """/caseload then /clients/C001 at desktop width.

    /caseload: a table whose row for C001 has a link named "C001".
    /clients/C001: heading "Client C001"; a section "Alerts" holding a select
    labelled "Open alert" and a button "Acknowledge"; a status line
    containing "Acknowledged".
    """
    opened = browser_store.alerts.find(client_code="C001", state="open")
    assert opened
    tab = tab_factory(DESKTOP)
    page = tab.page
    signed_in(page, "clin1")
    visit(page, PageRow("/caseload", "clin1", "Caseload"))
    assert page.get_by_role("link", name="C002", exact=True).count() == 0  # not assigned
    page.get_by_role("link", name="C001", exact=True).click()
    page.wait_for_url(re.compile(r"/clients/C001$"))
    page.get_by_role("heading", name="Client C001").wait_for()
    choose(page.get_by_label("Open alert"), index=1)
    page.get_by_role("button", name="Acknowledge").click()
    page.get_by_role("status").filter(has_text=re.compile("acknowledged", re.I)).wait_for()

    after = {a.id: a for a in browser_store.alerts.find(client_code="C001")}
    acknowledged = [a for a in after.values() if a.acknowledged_by == "clin1"]
    assert len(acknowledged) == 1
    assert tab.watch.errors == []


@needs_pages("/admin/users")
def test_admin_assigns_c001_to_clin2(tab_factory, browser_store) -> None:
    """/admin/users at desktop width.

    A card headed "Assign a client to a clinician" with a select labelled
    "Clinician", an input labelled "Client code" and a button "Assign"; the
    outcome in a status line; the "Care assignments" table lists clin2 with C001.
    """
    assert [c.code for c in browser_store.accounts.assigned_clients("clin2")] == []
    tab = tab_factory(DESKTOP)
    page = tab.page
    signed_in(page, "admin1")
    visit(page, PageRow("/admin/users", "admin1", "Users"))
    form = section(page, "Assign a client to a clinician")
    choose(form.get_by_label("Clinician"), label="clin2")
    form.get_by_label("Client code").fill("C001")
    form.get_by_role("button", name="Assign", exact=True).click()
    page.get_by_role("status").filter(has_text="C001").first.wait_for()

    assert [c.code for c in browser_store.accounts.assigned_clients("clin2")] == ["C001"]
    row = page.get_by_role("row").filter(has_text="clin2").filter(has_text="C001")
    row.first.wait_for()
    assert tab.watch.errors == []


def choose(field: Any, *, label: str | None = None, index: int | None = None) -> None:
    """Pick an option of a native ``<select>`` by its visible *label* or *index*."""
    if label is not None:
        field.select_option(label=label)
    else:
        field.select_option(index=index)
