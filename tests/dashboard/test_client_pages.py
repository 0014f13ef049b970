"""The client pages *Today* and *My rhythm*, through the router and their callbacks.

Callbacks are posted the way a browser posts them (``call_callback``), as a
signed-in user of the test clinic (``tests/helpers/dashboard.py``: C001 in
Europe/Berlin, so 2026-06-10 12:00 UTC is 14:00 on 10 June local). The rules
checked are those of ``docs/dashboard.md``, "Client pages".
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from dashboard.pages.today import FIELDS, SAFETY_MESSAGE
from ipsrt.reports.diary import srm_entries
from ipsrt.reports.targets import set_anchor_target
from ipsrt.srm import SRM5
from tests.helpers.dashboard import NOW, call_callback, login, response_text

TODAY = dt.date(2026, 6, 10)
YESTERDAY = TODAY - dt.timedelta(days=1)
TIMES = {
    "out_of_bed": "07:05",
    "first_contact": "07:40",
    "start_activity": None,
    "dinner": "18:30",
    "bed": "23:15",
}
SAVE = "today-saved.children"
SCALES = "today-scales-result.children"
RHYTHM = [
    ("my-rhythm-summary", "children"),
    ("my-rhythm-srm", "figure"),
    ("my-rhythm-anchors", "figure"),
    ("my-rhythm-sleep", "figure"),
]


def signed_in(app: Any, user: str) -> Any:
    client = app.server.test_client()
    assert login(client, user).status_code == 302
    return client


def value(ident: Any, prop: str, val: Any) -> dict[str, Any]:
    return {"id": ident, "property": prop, "value": val}


def save_day(client: Any, app: Any, day: dt.date, *, mood: int = 1, people: str = "2") -> Any:
    keys = SRM5.keys
    state = [
        value("today-day", "value", day.isoformat()),
        *(value(f"today-time-{k}", "value", TIMES[k]) for k in keys),
        *(value(f"today-notdone-{k}", "value", TIMES[k] is None) for k in keys),
        *(value(f"today-people-{k}", "value", people) for k in keys),
        value("today-mood-on", "value", True),
        value("today-mood", "value", mood),
        value("today-energy", "value", 6),
        value("today-irritability", "value", None),
        value("today-anxiety", "value", 3),
    ]
    return call_callback(client, app, SAVE, [value("today-save", "n_clicks", 1)], state)


def my_rhythm(client: Any, app: Any, days: str = "28") -> dict[str, Any]:
    response = call_callback(client, app, RHYTHM, [value("my-rhythm-days", "value", days)])
    assert response.status_code == 200, response_text(response)
    return json.loads(response_text(response))["response"]


def route(client: Any, app: Any, path: str) -> Any:
    return call_callback(
        client,
        app,
        [("shell-menu", "children"), ("shell-page", "children")],
        [value("url", "pathname", path)],
    )


def reported(figure: dict[str, Any]) -> list[str]:
    """The clock times of the "Your time" dots of an anchors figure, panel by panel."""
    return [
        t for trace in figure["data"] if trace["name"] == "Your time" for t in trace["customdata"]
    ]


def test_the_client_menu_and_the_today_page(dash_store, make_app):
    app = make_app(dash_store)
    client = signed_in(app, "client1")
    page = route(client, app, "/today")
    assert page.status_code == 200, response_text(page)
    text = json.dumps(json.loads(response_text(page)))  # "/" unescaped
    assert '"href": "/today"' in text
    assert '"href": "/my-rhythm"' in text
    assert "Today, Wed 10 Jun" in text
    assert "6 days ago, Thu 04 Jun" in text
    assert "Fri 03 Jun" not in text  # only the last 7 local days
    assert "This week's questionnaires" in text  # nothing answered yet: both due
    assert "Did not do" in text


def test_saved_anchors_appear_on_my_rhythm_of_that_client_only(dash_store, make_app):
    set_anchor_target(dash_store, "C001", "bed", 23 * 60, now=NOW, actor="clin1")
    app = make_app(dash_store)
    client = signed_in(app, "client1")
    saved = save_day(client, app, YESTERDAY)
    assert saved.status_code == 200, response_text(saved)
    assert "Saved Tue 09 Jun: 5 of 5 anchors, mood +1 (slightly high)." in response_text(saved)
    stored = srm_entries(dash_store, "C001").set_index("activity")
    assert stored.loc["bed", "minutes"] == 23 * 60 + 15
    assert stored.loc["bed", "target"] == 23 * 60  # filled from the anchor target
    assert stored.loc["start_activity", "status"] == "not_done"

    rhythm = my_rhythm(client, app)
    anchors = rhythm["my-rhythm-anchors"]["figure"]
    assert reported(anchors) == ["07:05", "07:40", "18:30", "23:15"]
    assert rhythm["my-rhythm-summary"]["children"] == (
        "There is not yet a full week of entries to score how regular your routine is. "
        "1 of 1 times with a target were within 45 minutes of it. "
        "No night's sleep was recorded in the last 7 nights."
    )
    bands = anchors["layout"]["shapes"]
    assert [(b["y0"], b["y1"]) for b in bands] == [(23 * 60 - 45, 23 * 60 + 45)]

    # Another client sees nothing of it, on either page.
    other = signed_in(app, "client2")
    assert reported(my_rhythm(other, app)["my-rhythm-anchors"]["figure"]) == []
    page = response_text(route(other, app, "/today"))
    assert "23:15" not in page
    assert srm_entries(dash_store, "C002").empty


def test_choosing_a_day_shows_what_is_stored_for_it(dash_store, make_app):
    app = make_app(dash_store)
    client = signed_in(app, "client1")
    save_day(client, app, YESTERDAY, mood=-2, people="3")
    response = call_callback(
        client, app, list(FIELDS), [value("today-day", "value", YESTERDAY.isoformat())]
    )
    assert response.status_code == 200, response_text(response)
    shown = json.loads(response_text(response))["response"]
    assert shown["today-time-bed"]["value"] == "23:15"
    assert shown["today-notdone-start_activity"]["value"] is True
    assert shown["today-people-dinner"]["value"] == "3"
    assert shown["today-mood"]["value"] == -2
    assert shown["today-irritability"]["value"] is None
    # Today has nothing stored: empty anchors, the mood switch on.
    today = call_callback(
        client, app, list(FIELDS), [value("today-day", "value", TODAY.isoformat())]
    )
    fresh = json.loads(response_text(today))["response"]
    assert fresh["today-time-bed"]["value"] is None
    assert fresh["today-mood-on"]["value"] is True


def test_a_day_outside_the_window_is_refused_and_nothing_is_stored(dash_store, make_app):
    app = make_app(dash_store)
    client = signed_in(app, "client1")
    refused = save_day(client, app, TODAY - dt.timedelta(days=7))
    assert refused.status_code == 200
    assert "Not saved: choose a day from 2026-06-04 to 2026-06-10" in response_text(refused)
    assert srm_entries(dash_store, "C001").empty


def test_a_bad_time_is_refused_in_one_line(dash_store, make_app):
    app = make_app(dash_store)
    client = signed_in(app, "client1")
    bad = dict(TIMES, bed="25:00")
    state = [
        value("today-day", "value", TODAY.isoformat()),
        *(value(f"today-time-{k}", "value", bad[k]) for k in SRM5.keys),
        *(value(f"today-notdone-{k}", "value", False) for k in SRM5.keys),
        *(value(f"today-people-{k}", "value", "") for k in SRM5.keys),
        value("today-mood-on", "value", False),
        value("today-mood", "value", 0),
        *(value(f"today-{r}", "value", None) for r in ("energy", "irritability", "anxiety")),
    ]
    response = call_callback(client, app, SAVE, [value("today-save", "n_clicks", 1)], state)
    assert "Not saved: To bed: enter a time as HH:MM" in response_text(response)
    assert srm_entries(dash_store, "C001").empty


def scale_state(phq9: list[int | None], asrm: list[int | None]) -> list[Any]:
    from ipsrt.mood import ASRM_DOMAINS

    return [
        [value({"type": "today-phq9", "item": i}, "value", v) for i, v in enumerate(phq9, 1)],
        [
            value({"type": "today-asrm", "item": key}, "value", v)
            for (key, _), v in zip(ASRM_DOMAINS, asrm, strict=True)
        ],
    ]


def save_scales(client: Any, app: Any, phq9: list[int | None], asrm: list[int | None]) -> Any:
    clicked = [value("today-scales-save", "n_clicks", 1)]
    return call_callback(client, app, SCALES, clicked, scale_state(phq9, asrm))


def test_item_9_shows_the_safety_message_and_alerts_the_clinician(dash_store, make_app):
    app = make_app(dash_store)
    client = signed_in(app, "client1")
    response = save_scales(client, app, [0, 1, 0, 0, 0, 0, 0, 0, 2], [0, 0, 1, 0, 0])
    assert response.status_code == 200, response_text(response)
    text = response_text(response)
    assert SAFETY_MESSAGE in text
    assert "contact your clinician" in SAFETY_MESSAGE
    assert "emergency" in SAFETY_MESSAGE
    assert "Your clinician has been alerted" in SAFETY_MESSAGE
    alerts = dash_store.alerts.find(client_code="C001")
    assert [(a.rule, a.severity, a.window_end) for a in alerts] == [("phq9_item9", "urgent", TODAY)]
    # Saved once this week: the page offers no questionnaire now.
    assert "This week's questionnaires" not in response_text(route(client, app, "/today"))


def test_questionnaires_without_item_9_and_unanswered_questions(dash_store, make_app):
    app = make_app(dash_store)
    client = signed_in(app, "client1")
    missing = save_scales(client, app, [0, 1, 0, 0, None, 0, 0, 0, 0], [0, 0, 1, 0, 0])
    assert "Not saved: answer every PHQ-9 question." in response_text(missing)
    assert dash_store.clinical.scale_frame("C001").empty
    quiet = save_scales(client, app, [0, 1, 0, 0, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0])
    assert "Saved. Thank you." in response_text(quiet)
    assert SAFETY_MESSAGE not in response_text(quiet)
    assert dash_store.alerts.find(client_code="C001") == []


@pytest.mark.parametrize("user", ["clin1", "admin1"])
def test_only_clients_reach_the_client_pages_and_callbacks(dash_store, make_app, user):
    app = make_app(dash_store)
    client = signed_in(app, user)
    page = response_text(route(client, app, "/today"))
    assert "Page not found" in page
    assert save_day(client, app, TODAY).status_code == 403
    refused = call_callback(client, app, RHYTHM, [value("my-rhythm-days", "value", "28")])
    assert refused.status_code == 403
    assert srm_entries(dash_store, "C001").empty


def test_every_view_and_change_is_audited(dash_store, make_app):
    app = make_app(dash_store)
    client = signed_in(app, "client1")
    save_day(client, app, TODAY)
    save_day(client, app, TODAY)  # the same again: no data change, still a request
    my_rhythm(client, app)
    events = [(e.action, e.actor, e.subject) for e in dash_store.audit_events()]
    assert events.count(("diary.save", "client1", "C001")) == 1
    assert events.count(("client.diary.write", "client1", "C001")) == 2
    assert events.count(("client.view", "client1", "C001")) == 1
