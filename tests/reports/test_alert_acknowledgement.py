"""Who may acknowledge an alert (the rule of docs/security.md through one authorize()), and
alerts evaluated as of the client's local date, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from conftest import NOW

from ipsrt.errors import InvalidInputError
from ipsrt.reports.access import AccessDenied
from ipsrt.reports.accounts import add_user
from ipsrt.reports.alerts import acknowledge, run_alerts
from ipsrt.reports.diary import import_diary
from ipsrt.srm.diary import read_diary_csv
from ipsrt.store import Store

PASSWORD = "a long enough password"


def _moods(store: Store, code: str, moods: dict[str, int]) -> None:
    rows = "".join(f"{d},out_of_bed,07:00,0,{m}\n" for d, m in moods.items())
    diary = read_diary_csv(io.StringIO("date,activity,time,people,mood\n" + rows), today=NOW.date())
    import_diary(store, code, diary, now=NOW)


@pytest.fixture
def two_clients(store: Store) -> Store:
    """C001 (assigned to dr) and C002 (assigned to nobody), each with one mood alert."""
    for code in ("C001", "C002"):
        store.add_client(code, "Europe/Berlin", now=NOW)
        _moods(store, code, {"2026-05-28": 4, "2026-05-29": 4})
    add_user(store, "dr", PASSWORD, "clinician", now=NOW)
    add_user(store, "other", PASSWORD, "clinician", now=NOW)
    add_user(store, "boss", PASSWORD, "admin", now=NOW)
    store.accounts.assign("dr", "C001", now=NOW)
    run_alerts(store, now=NOW)
    return store


def _alert_of(store: Store, code: str) -> int:
    (alert,) = store.alerts.find(client_code=code)
    return alert.id


def test_only_an_assigned_clinician_acknowledges(two_clients: Store) -> None:
    store = two_clients
    mine, theirs = _alert_of(store, "C001"), _alert_of(store, "C002")
    # An unassigned clinician and an admin (no clinical data) are refused; nothing changes.
    for login in ("other", "boss"):
        with pytest.raises(AccessDenied, match=r"not allowed: client\.alert\.acknowledge"):
            acknowledge(store, mine, by_login=login, now=NOW)
    with pytest.raises(AccessDenied):
        acknowledge(store, theirs, by_login="dr", now=NOW)
    assert {a.state for a in store.alerts.find()} == {"open"}
    assert not [e for e in store.audit_events() if e.action == "alert.acknowledge"]
    done = acknowledge(store, mine, by_login="dr", now=NOW)
    assert (done.state, done.acknowledged_by) == ("acknowledged", "dr")


def test_a_removed_assignment_or_disabled_account_takes_effect_at_once(two_clients: Store) -> None:
    store = two_clients
    alert = _alert_of(store, "C001")
    store.accounts.unassign("dr", "C001", now=NOW)
    with pytest.raises(AccessDenied):
        acknowledge(store, alert, by_login="dr", now=NOW)
    store.accounts.assign("dr", "C001", now=NOW)
    store.accounts.set_active("dr", False, now=NOW)
    with pytest.raises(InvalidInputError, match="'dr' is inactive"):
        acknowledge(store, alert, by_login="dr", now=NOW)
    assert store.alerts.find(client_code="C001")[0].state == "open"


def test_the_page_client_must_own_the_alert(two_clients: Store) -> None:
    store = two_clients
    theirs = _alert_of(store, "C002")
    store.accounts.assign("dr", "C002", now=NOW)
    # Named through C001's page, C002's alert (or an unknown id) is refused alike.
    for alert_id in (theirs, 999_999):
        with pytest.raises(AccessDenied, match="no such alert"):
            acknowledge(store, alert_id, by_login="dr", now=NOW, client_code="C001")
    assert acknowledge(store, theirs, by_login="dr", now=NOW, client_code="C002").client == "C002"


def test_alerts_see_the_local_date_of_now(store: Store) -> None:
    """Auckland (UTC+12 in June): at 2026-06-01 13:00 UTC it is already 2 June 01:00 there.

    Moods of +4 on 1 and 2 June (local) are two days in a row (mood_extreme). Evaluated
    as of the UTC date (1 June) the 2 June row was dropped and nothing was raised.
    """
    store.add_client("C003", "Pacific/Auckland", now=NOW)
    now = dt.datetime(2026, 6, 1, 13, 0, tzinfo=dt.UTC)
    _moods(store, "C003", {"2026-06-01": 4, "2026-06-02": 4})
    run_alerts(store, now=now)
    (alert,) = store.alerts.find()
    assert (alert.rule, alert.window_start, alert.window_end) == (
        "mood_extreme",
        dt.date(2026, 6, 1),
        dt.date(2026, 6, 2),
    )
