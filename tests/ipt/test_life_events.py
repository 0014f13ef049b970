"""Life events: the checks of make_life_event and the overlap rule (docs/clinicians.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from ipsrt.enums import LifeEventKind
from ipsrt.errors import InvalidInputError
from ipsrt.ipt.life_events import events_overlapping, make_life_event

D = dt.date(2026, 3, 10)


def test_a_one_day_event_ends_on_its_start_and_labels_its_kind() -> None:
    event = make_life_event(D, "travel", 2, " Flight to Auckland ")
    assert (event.starts_on, event.ends_on, event.kind) == (D, D, LifeEventKind.TRAVEL)
    assert event.description == "Flight to Auckland"
    assert event.label == "travel: Flight to Auckland"
    assert make_life_event(D, "role_change", 1).label == "role change"


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((D, "holiday", 1), {}, "unknown life event kind"),
        ((D, "loss", 4), {}, "outside 0..3"),
        ((D, "loss", True), {}, "outside 0..3"),
        ((D, "loss", 1), {"ends_on": D - dt.timedelta(days=1)}, "before it starts"),
        ((D, "loss", 1, "x" * 201), {}, "at most 200"),
        ((D, "loss", 1, "two\nlines"), {}, "one line"),
    ],
)
def test_bad_events_are_refused_in_one_line(
    args: tuple[object, ...], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        make_life_event(*args, **kwargs)  # type: ignore[arg-type]


def test_events_overlapping_keeps_events_sharing_a_day_sorted_by_start() -> None:
    early = make_life_event(D, "loss", 3, ends_on=D + dt.timedelta(days=2), id=1)
    late = make_life_event(D + dt.timedelta(days=9), "travel", 1, id=2)
    inside = make_life_event(D + dt.timedelta(days=4), "dispute", 2, id=3)
    found = events_overlapping(
        [late, inside, early], D + dt.timedelta(days=2), D + dt.timedelta(days=4)
    )
    assert [e.id for e in found] == [1, 3]
    assert events_overlapping([early], D + dt.timedelta(days=3), D + dt.timedelta(days=8)) == []
