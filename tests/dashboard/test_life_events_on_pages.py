"""The pages hand the client's life events to every time-based figure they draw.

The one place the services read them,
:func:`ipsrt.reports.client_view.timeline_events`, is replaced here by a
function that records what it was asked and answers two events; every
figure of the clinician's client page and of *My rhythm* must then carry
both markers (``docs/dashboard.md``, "Life events on the
figures"). Test clinic: ``tests/helpers/dashboard.py`` (C001 in Europe/Berlin,
local today 10 June 2026).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

import dashboard.pages.client
import ipsrt.reports.my_rhythm
from dashboard.figures.life_event_markers import MARKER_NAME
from ipsrt.ipt.life_events import LifeEvent, events_overlapping, make_life_event
from ipsrt.reports.client_view import timeline_events
from ipsrt.reports.my_rhythm import my_rhythm
from ipsrt.store import Store
from tests.helpers.dashboard import NOW, call_callback, login, response_text

TODAY = dt.date(2026, 6, 10)
EVENTS = [
    make_life_event(dt.date(2026, 6, 3), "travel", 2, "Flight to Lisbon"),
    make_life_event(dt.date(2026, 5, 20), "illness", 1, "Flu", ends_on=dt.date(2026, 5, 24)),
]
CLIENT_FIGURES = [
    "client-actogram",
    "client-anchors",
    "client-sleep",
    "client-trends",
    "client-mood",
]
RHYTHM_FIGURES = ["my-rhythm-srm", "my-rhythm-anchors", "my-rhythm-sleep"]


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dt.date, dt.date]]:
    """Replaces the services' read of life events; the list records each call."""
    calls: list[tuple[str, dt.date, dt.date]] = []

    def fake(store: Store, code: str, start: dt.date, end: dt.date) -> list[LifeEvent]:
        calls.append((code, start, end))
        return events_overlapping(EVENTS, start, end)

    monkeypatch.setattr(dashboard.pages.client, "timeline_events", fake)
    monkeypatch.setattr(ipsrt.reports.my_rhythm, "timeline_events", fake)
    return calls


def marker_texts(figure: dict[str, Any]) -> list[str]:
    notes = figure["layout"].get("annotations", [])
    return [a["text"] for a in notes if a.get("name") == MARKER_NAME]


def signed_in(make_app: Any, store: Store, user: str) -> tuple[Any, Any]:
    app = make_app(store)
    client = app.server.test_client()
    assert login(client, user).status_code == 302
    return app, client


def test_every_figure_of_the_client_page_marks_the_events(
    sqlite_dash_store: Store, make_app: Any, asked: list[tuple[str, dt.date, dt.date]]
) -> None:
    app, client = signed_in(make_app, sqlite_dash_store, "clin1")
    outputs = [(name, "figure") for name in CLIENT_FIGURES] + [("client-anchor-table", "children")]
    response = call_callback(
        client,
        app,
        outputs,
        [{"id": "client-span", "property": "value", "value": "28"}],
        [{"id": "client-client", "property": "data", "value": "C001"}],
    )
    assert response.status_code == 200, response_text(response)
    body = json.loads(response_text(response))["response"]
    assert asked == [("C001", TODAY - dt.timedelta(days=27), TODAY)]
    for name in CLIENT_FIGURES:
        assert marker_texts(body[name]["figure"]) == [
            "illness: Flu",
            "travel: Flight to Lisbon",
        ], name


def test_every_figure_of_my_rhythm_marks_the_events(
    sqlite_dash_store: Store, make_app: Any, asked: list[tuple[str, dt.date, dt.date]]
) -> None:
    app, client = signed_in(make_app, sqlite_dash_store, "client1")
    response = call_callback(
        client,
        app,
        [("my-rhythm-summary", "children"), *((name, "figure") for name in RHYTHM_FIGURES)],
        [{"id": "my-rhythm-days", "property": "value", "value": "14"}],
    )
    assert response.status_code == 200, response_text(response)
    body = json.loads(response_text(response))["response"]
    ((code, start, end),) = asked
    assert (code, end) == ("C001", TODAY)
    assert start <= TODAY - dt.timedelta(days=14)  # the twelve weeks of the SRM trend
    srm = marker_texts(body["my-rhythm-srm"]["figure"])
    assert srm == ["illness: Flu", "travel: Flight to Lisbon"]
    # 14 days end on 10 June (from 28 May): the flu (20-24 May) is before them.
    assert marker_texts(body["my-rhythm-anchors"]["figure"]) == ["travel: Flight to Lisbon"]
    assert marker_texts(body["my-rhythm-sleep"]["figure"]) == ["travel: Flight to Lisbon"]


def test_the_services_read_the_stored_events_of_the_span(sqlite_dash_store: Store) -> None:
    store = sqlite_dash_store
    assert timeline_events(store, "C001", TODAY - dt.timedelta(days=27), TODAY) == []
    for day, description in (
        (dt.date(2026, 6, 3), "Flight to Lisbon"),
        (dt.date(2025, 1, 1), "Old"),
    ):
        store.life_events.add(
            "C001",
            starts_on=day,
            ends_on=day,
            kind="travel",
            disruption=2,
            description=description,
            entered_by_role="clinician",
            now=NOW,
            actor="dr.lee",
        )
    found = timeline_events(store, "C001", TODAY - dt.timedelta(days=27), TODAY)
    assert [e.description for e in found] == ["Flight to Lisbon"]
    assert [e.description for e in my_rhythm(store, "C001", NOW).events] == ["Flight to Lisbon"]
