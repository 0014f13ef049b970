"""Anchor target times (ipsrt.reports.targets, store.targets), on SQLite and PostgreSQL.

The rules tested are stated in ``docs/dashboard.md`` ("Client pages"): a
target is a minute 0..1439 of one SRM-5 anchor; a change is audited in the
same transaction with the login as actor; a change that changes nothing
writes nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import NOW

from ipsrt.errors import InvalidInputError, NotFoundError
from ipsrt.reports.targets import anchor_targets, set_anchor_target
from ipsrt.store import Store

LATER = NOW + dt.timedelta(hours=1)


@pytest.fixture
def client(store: Store) -> str:
    store.add_client("C001", "Europe/Berlin", now=NOW)
    store.add_client("C002", "Europe/Berlin", now=NOW)
    return "C001"


def target_audits(store: Store) -> list:
    return [e for e in store.audit_events() if e.action.startswith("target.")]


def test_set_replace_and_clear_a_target_audited_with_the_login(store, client):
    assert anchor_targets(store, client) == {}
    assert set_anchor_target(store, client, "bed", 23 * 60, now=NOW, actor="clin1")
    # Labels and aliases name the same anchor (ipsrt.srm.SRM5).
    assert set_anchor_target(store, client, "Out of bed", 7 * 60, now=NOW, actor="clin1")
    assert anchor_targets(store, client) == {"bed": 1380, "out_of_bed": 420}
    assert anchor_targets(store, "C002") == {}
    assert set_anchor_target(store, client, "bed", 22 * 60 + 30, now=LATER, actor="clin2")
    assert anchor_targets(store, client)["bed"] == 1350
    assert set_anchor_target(store, client, "bed", None, now=LATER, actor="clin2")
    assert anchor_targets(store, client) == {"out_of_bed": 420}
    events = target_audits(store)
    assert [(e.action, e.actor, e.subject) for e in events] == [
        ("target.set", "clin1", "C001"),
        ("target.set", "clin1", "C001"),
        ("target.set", "clin2", "C001"),
        ("target.clear", "clin2", "C001"),
    ]
    assert events[2].detail == {"activity": "bed", "old": "23:00", "new": "22:30"}
    assert events[3].detail == {"activity": "bed", "old": "22:30", "new": None}


def test_a_change_that_changes_nothing_writes_nothing(store, client):
    set_anchor_target(store, client, "dinner", 18 * 60, now=NOW, actor="clin1")
    assert not set_anchor_target(store, client, "dinner", 18 * 60, now=LATER, actor="clin1")
    assert not set_anchor_target(store, client, "bed", None, now=LATER, actor="clin1")
    assert len(target_audits(store)) == 1


@pytest.mark.parametrize(
    ("activity", "minute", "message"),
    [
        ("breakfast", 480, "unknown activity 'breakfast'"),  # an SRM-17 item, not SRM-5
        ("bed", 1440, "target minute 1440 outside 0..1439"),
        ("bed", -1, "target minute -1 outside 0..1439"),
        ("bed", 22.5, "target minute 22.5 outside 0..1439"),
        ("bed", True, "target minute True outside 0..1439"),
    ],
)
def test_bad_targets_are_refused_in_one_line_and_store_nothing(
    store, client, activity, minute, message
):
    with pytest.raises(InvalidInputError, match=message) as caught:
        set_anchor_target(store, client, activity, minute, now=NOW, actor="clin1")
    assert "\n" not in str(caught.value)
    assert anchor_targets(store, client) == {}
    assert target_audits(store) == []


def test_unknown_client(store, client):
    with pytest.raises(NotFoundError):
        set_anchor_target(store, "C999", "bed", 1380, now=NOW, actor="clin1")
    with pytest.raises(NotFoundError):
        anchor_targets(store, "C999")
