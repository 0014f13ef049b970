"""The clinician pages through the web layer: caseload, client figures, acknowledge, targets.

The test clinic (tests/helpers/dashboard.py): ``clin1`` is assigned C001, ``clin2``
nothing. Every callback re-checks the client kept in ``client-client``; a refusal is a
403 with a generic body (docs/security.md).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from ipsrt.alerts import Alert, Severity
from ipsrt.reports.targets import anchor_targets
from ipsrt.store import Store
from tests.helpers.dashboard import NOW, call_callback, login, response_text
from tests.reports.test_alerts import night_minutes

ROUTE = [("shell-menu", "children"), ("shell-page", "children")]
FIGURES = [
    ("client-actogram", "figure"),
    ("client-anchors", "figure"),
    ("client-sleep", "figure"),
    ("client-trends", "figure"),
    ("client-mood", "figure"),
    ("client-anchor-table", "children"),
]
ACK = [
    ("client-alerts", "children"),
    ("client-ack-alert", "options"),
    ("client-ack-status", "children"),
]
KEYS = ("out_of_bed", "first_contact", "start_activity", "dinner", "bed")


def _signed_in(make_app: Any, store: Store, user: str) -> tuple[Any, Any]:
    app = make_app(store)
    client = app.server.test_client()
    assert login(client, user).status_code == 302
    return app, client


def _page(app: Any, client: Any, path: str) -> str:
    response = call_callback(
        client, app, ROUTE, [{"id": "url", "property": "pathname", "value": path}]
    )
    assert response.status_code == 200, response_text(response)
    return json.dumps(json.loads(response_text(response)))  # Dash escapes "/" as \u002f


def _client_state(code: str) -> list[dict[str, Any]]:
    return [{"id": "client-client", "property": "data", "value": code}]


def _alert(client: str, day: int, severity: Severity = Severity.WARNING) -> Alert:
    return Alert(
        client=client,
        rule_id="mood_extreme",
        window_start=dt.date(2026, 6, day),
        window_end=dt.date(2026, 6, day + 1),
        severity=severity,
        message="Mood was rated high on 2 days in a row; worth checking in",
        evidence={"moods": [4.0, 4.0]},
    )


def test_caseload_lists_only_assigned_clients(dash_store: Store, make_app: Any) -> None:
    app, client = _signed_in(make_app, dash_store, "clin1")
    text = _page(app, client, "/caseload")
    assert "/clients/C001" in text
    assert "C002" not in text
    assert "Canary Client" not in text  # names are not on the caseload
    app, other = _signed_in(make_app, dash_store, "clin2")
    assert "No clients are assigned to you yet." in _page(app, other, "/caseload")
    app, own = _signed_in(make_app, dash_store, "client1")
    assert "Page not found" in _page(app, own, "/caseload")
    actions = [e.action for e in dash_store.audit_events()]
    assert actions.count("caseload.view") == 2
    assert "denied:caseload.view" in actions


def test_client_page_only_for_the_assigned_clinician(dash_store: Store, make_app: Any) -> None:
    app, client = _signed_in(make_app, dash_store, "clin1")
    text = _page(app, client, "/clients/C001")
    assert "Client C001" in text
    assert '"client-client"' in text
    for path in ("/clients/C002", "/clients/NOPE", "/clients/..%2F"):
        denied = _page(app, client, path)
        assert "Page not found" in denied
        assert "client-client" not in denied
    app, other = _signed_in(make_app, dash_store, "clin2")
    assert "Page not found" in _page(app, other, "/clients/C001")


def test_figures_for_the_assigned_clinician_403_for_others(
    dash_store: Store, make_app: Any
) -> None:
    device = dash_store.add_device("C001", "huami", "C8:0F:10:00:00:01", now=NOW)
    assert device.id is not None
    dash_store.upsert_minute_samples(night_minutes(device.id), now=NOW)
    span = [{"id": "client-span", "property": "value", "value": "28"}]
    app, client = _signed_in(make_app, dash_store, "clin1")
    response = call_callback(client, app, FIGURES, span, _client_state("C001"))
    assert response.status_code == 200, response_text(response)
    body = json.loads(response_text(response))["response"]
    actogram = body["client-actogram"]["figure"]
    # 28 local dates ending on C001's local today (10 June in Berlin).
    assert actogram["data"][0]["y"][-1] == "2026-06-10"
    assert len(actogram["data"][0]["y"]) == 28
    assert body["client-sleep"]["figure"]["layout"]["title"]["text"] == "Main sleep per night"
    assert "Reported and estimated anchors" in json.dumps(body["client-anchor-table"])
    # The unassigned clinician, and the assigned one with a code changed in the browser.
    app2, other = _signed_in(make_app, dash_store, "clin2")
    for who, code in ((other, "C001"), (client, "C002"), (client, {"code": "C001"})):
        refused = call_callback(
            client if who is client else other,
            app if who is client else app2,
            FIGURES,
            span,
            _client_state(code),
        )  # type: ignore[arg-type]
        assert refused.status_code == 403
        assert "figure" not in response_text(refused)


def test_figures_with_no_data_at_all(dash_store: Store, make_app: Any) -> None:
    app, client = _signed_in(make_app, dash_store, "clin1")
    span = [{"id": "client-span", "property": "value", "value": "364"}]
    response = call_callback(client, app, FIGURES, span, _client_state("C001"))
    assert response.status_code == 200, response_text(response)
    body = json.loads(response_text(response))["response"]
    assert len(body["client-actogram"]["figure"]["data"][0]["y"]) == 364
    assert "No anchors reported or estimated" in json.dumps(body["client-anchor-table"])
    assert "14 pairs" in json.dumps(body["client-mood"]["figure"]["layout"]["annotations"])


@pytest.fixture
def alerts(dash_store: Store) -> dict[str, int]:
    dash_store.alerts.upsert([_alert("C001", 1), _alert("C002", 3)], now=NOW)
    return {a.client: a.id for a in dash_store.alerts.find()}


def _ack(app: Any, client: Any, alert_id: object, code: object) -> Any:
    return call_callback(
        client,
        app,
        ACK,
        [{"id": "client-ack", "property": "n_clicks", "value": 1}],
        [{"id": "client-ack-alert", "property": "value", "value": alert_id}, *_client_state(code)],  # type: ignore[arg-type]
    )


def test_assigned_clinician_acknowledges(
    dash_store: Store, make_app: Any, alerts: dict[str, int]
) -> None:
    app, client = _signed_in(make_app, dash_store, "clin1")
    response = _ack(app, client, str(alerts["C001"]), "C001")
    assert response.status_code == 200, response_text(response)
    body = json.loads(response_text(response))["response"]
    assert body["client-ack-status"]["children"] == f"Alert #{alerts['C001']} acknowledged."
    assert body["client-ack-alert"]["options"] == []
    (acked,) = dash_store.alerts.find(client_code="C001")
    assert (acked.state, acked.acknowledged_by) == ("acknowledged", "clin1")
    again = json.loads(response_text(_ack(app, client, str(alerts["C001"]), "C001")))
    assert "already acknowledged by clin1" in again["response"]["client-ack-status"]["children"]


def test_acknowledge_refused_403(dash_store: Store, make_app: Any, alerts: dict[str, int]) -> None:
    app, other = _signed_in(make_app, dash_store, "clin2")
    refused = _ack(app, other, str(alerts["C001"]), "C001")
    assert refused.status_code == 403
    assert "Mood was rated" not in response_text(refused)
    app, client = _signed_in(make_app, dash_store, "clin1")
    # C002's alert through C001's page, and C002's page itself: refused alike.
    assert _ack(app, client, str(alerts["C002"]), "C001").status_code == 403
    assert _ack(app, client, str(alerts["C002"]), "C002").status_code == 403
    assert {a.state for a in dash_store.alerts.find()} == {"open"}
    assert not [e for e in dash_store.audit_events() if e.action == "alert.acknowledge"]


def _targets(app: Any, client: Any, values: dict[str, str], code: object) -> Any:
    state = [
        {"id": f"client-target-{key}", "property": "value", "value": values.get(key, "")}
        for key in KEYS
    ]
    return call_callback(
        client,
        app,
        "client-targets-status.children",
        [{"id": "client-targets-save", "property": "n_clicks", "value": 1}],
        [*state, *_client_state(code)],  # type: ignore[arg-type]
    )


def test_targets_written_by_the_assigned_clinician_only(dash_store: Store, make_app: Any) -> None:
    app, client = _signed_in(make_app, dash_store, "clin1")
    saved = _targets(app, client, {"out_of_bed": "07:30", "bed": "23:15"}, "C001")
    assert saved.status_code == 200, response_text(saved)
    assert "Saved 2 change(s)." in response_text(saved)
    assert anchor_targets(dash_store, "C001") == {"out_of_bed": 450, "bed": 1395}
    bad = _targets(app, client, {"out_of_bed": "25:00"}, "C001")
    assert "Nothing saved" in response_text(bad)
    assert anchor_targets(dash_store, "C001") == {"out_of_bed": 450, "bed": 1395}
    app, other = _signed_in(make_app, dash_store, "clin2")
    assert _targets(app, other, {"out_of_bed": "06:00"}, "C001").status_code == 403
    app, own = _signed_in(make_app, dash_store, "client1")
    assert _targets(app, own, {"out_of_bed": "06:00"}, "C001").status_code == 403
    assert anchor_targets(dash_store, "C001")["out_of_bed"] == 450
