"""The interpersonal inventory: checked people, and the inventory on any date from revisions."""

from __future__ import annotations

import datetime as dt

import pytest

from ipsrt.errors import InvalidInputError
from ipsrt.ipt.inventory import (
    InventoryRevision,
    RhythmRole,
    inventory_as_of,
    make_person,
    parse_rhythm_role,
)

D1, D2, D3 = dt.date(2026, 2, 1), dt.date(2026, 3, 1), dt.date(2026, 4, 1)


def test_person_is_checked_and_roles_link_to_srm_anchors() -> None:
    person = make_person(
        " Partner ", "partner", 1, 3, 2, rhythm_roles=[RhythmRole("wake up", "wakes me")]
    )
    assert person.label == "Partner"
    assert person.rhythm_roles == (RhythmRole("out_of_bed", "wakes me"),)
    assert parse_rhythm_role("dinner: dinner together") == RhythmRole("dinner", "dinner together")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"closeness": 0}, "closeness"),
        ({"closeness": 4}, "closeness"),
        ({"support": 4}, "support"),
        ({"conflict": -1}, "conflict"),
        ({"conflict": True}, "conflict"),
        ({"label": "  "}, "label is empty"),
        ({"label": "two\nlines"}, "label"),
    ],
)
def test_bad_people_are_refused(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "label": "A",
        "relationship": "friend",
        "closeness": 2,
        "support": 1,
        "conflict": 0,
    }
    with pytest.raises(InvalidInputError, match=message):
        make_person(**{**args, **kwargs})  # type: ignore[arg-type]


def test_unknown_anchor_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="unknown activity"):
        parse_rhythm_role("gym:trains with me")
    with pytest.raises(InvalidInputError, match="ANCHOR:ROLE"):
        parse_rhythm_role("wakes me")


def test_inventory_as_of_a_date() -> None:
    partner = make_person("Partner", "partner", 1, 3, 1)
    partner_later = make_person("Partner", "partner", 2, 1, 3, changes="moved out")
    boss = make_person("Boss", "manager", 3, 0, 2)
    revisions = [
        InventoryRevision(1, D1, partner, 1),
        InventoryRevision(2, D1, boss, 2),
        InventoryRevision(1, D2, partner_later, 3),
        InventoryRevision(2, D3, None, 4),  # removed
    ]
    assert inventory_as_of(revisions, D1 - dt.timedelta(days=1)) == {}
    assert inventory_as_of(revisions, D1) == {1: partner, 2: boss}
    assert inventory_as_of(revisions, D2) == {1: partner_later, 2: boss}
    assert inventory_as_of(revisions, D3) == {1: partner_later}
    # Two revisions of one date: the later one wins, whatever the input order.
    same_day = [InventoryRevision(1, D1, partner_later, 9), InventoryRevision(1, D1, partner, 5)]
    assert inventory_as_of(same_day, D1) == {1: partner_later}
