"""The interpersonal inventory's closeness circles (dashboard.figures.closeness_circles).

Expected positions follow from the rule in the module's docstring and
``docs/dashboard.md``: circle *c* has radius *c*; the *n* people of one
circle sit at 90° + 20° (c - 1) + 360° k / n. Support is the marker size
(10 + 4 * support px), conflict the shape (triangle), both also in words in
the hover text.
"""

from __future__ import annotations

import json
import math

import pytest

from dashboard.figures.closeness_circles import (
    CirclePerson,
    CircleRole,
    closeness_circles_figure,
    person_positions,
)
from ipsrt.errors import InvalidInputError

PEOPLE = [
    CirclePerson(
        "Partner",
        "partner",
        1,
        support=3,
        conflict=2,
        rhythm_roles=(
            CircleRole("out_of_bed", "wakes me"),
            CircleRole("dinner", "dinner together"),
        ),
    ),
    CirclePerson("Mum", "mother", 1, support=2),
    CirclePerson("Boss", "manager", 3, support=0, conflict=3),
    CirclePerson("Sam", "friend", 2, support=1),
    CirclePerson("Neighbour", "neighbour", 3),
    CirclePerson(
        "Coach", "trainer", 3, support=2, rhythm_roles=(CircleRole("exercise", "Tuesday run"),)
    ),
]


def people_points(fig) -> dict[str, tuple[float, float, str, int, str]]:
    """label -> (x, y, symbol, size, hover) of every person drawn."""
    out = {}
    for trace in fig.data[1:]:
        for i, label in enumerate(trace.text):
            out[label] = (
                trace.x[i],
                trace.y[i],
                trace.marker.symbol,
                trace.marker.size[i],
                trace.hovertext[i],
            )
    return out


def test_each_person_is_on_the_circle_of_their_closeness() -> None:
    points = people_points(closeness_circles_figure(PEOPLE))
    assert set(points) == {p.label for p in PEOPLE}
    for person in PEOPLE:
        x, y, *_ = points[person.label]
        assert math.hypot(x, y) == pytest.approx(person.closeness, abs=1e-6)
    # The circles themselves: radius 1, 2, 3 around the client at the centre.
    fig = closeness_circles_figure(PEOPLE)
    circles = [(s.x0, s.x1, s.y0, s.y1) for s in fig.layout.shapes if s.type == "circle"]
    assert circles == [(-r, r, -r, r) for r in (1, 2, 3)]
    assert (fig.data[0].x[0], fig.data[0].y[0], fig.data[0].text[0]) == (0.0, 0.0, "Client")
    assert fig.layout.yaxis.scaleanchor == "x"  # round circles


def test_people_of_one_circle_are_spread_evenly() -> None:
    positions = person_positions(PEOPLE)
    outer = [positions[i] for i, p in enumerate(PEOPLE) if p.closeness == 3]
    angles = [math.degrees(math.atan2(y, x)) % 360 for x, y in outer]
    # Three people on circle 3: 90 + 40 = 130°, then 120° apart, in the order given.
    assert angles == pytest.approx([130.0, 250.0, 10.0], abs=1e-4)
    inner = [positions[i] for i, p in enumerate(PEOPLE) if p.closeness == 1]
    assert inner[0] == pytest.approx((0.0, 1.0), abs=1e-6)
    assert inner[1] == pytest.approx((0.0, -1.0), abs=1e-6)


def test_support_is_size_and_conflict_is_shape_and_both_are_in_words() -> None:
    points = people_points(closeness_circles_figure(PEOPLE))
    _x, _y, symbol, size, hover = points["Partner"]
    assert (symbol, size) == ("triangle-up", 10 + 4 * 3)
    assert "Support: a lot (3 of 3)" in hover
    assert "Conflict: some (2 of 3)" in hover
    assert "In the rhythm: Out of bed: wakes me; Dinner: dinner together" in hover
    assert "Circle 1 (closest)" in hover
    _x, _y, symbol, size, hover = points["Mum"]
    assert (symbol, size) == ("circle", 18)
    assert "Conflict: none (0 of 3)" in hover
    assert "In the rhythm: no anchor" in hover
    # An anchor key the SRM does not know is shown as typed.
    assert "exercise: Tuesday run" in points["Coach"][4]
    names = [t.name for t in closeness_circles_figure(PEOPLE).data[1:]]
    assert names == ["No conflict", "Some conflict"]  # the legend names the shapes


def test_hostile_labels_are_escaped() -> None:
    hostile = CirclePerson(
        "<img src=x onerror=alert(1)>\x1b[31m",
        '<a href="javascript:x">boss</a>',
        2,
        rhythm_roles=(CircleRole("dinner", "<script>x</script>"),),
    )
    fig = closeness_circles_figure([hostile], centre_label="<i>me</i>")
    text = json.dumps(fig.to_plotly_json()["data"])
    for raw in ("<img", "<a href", "<script", "<i>", "\\u001b"):
        assert raw not in text
    (label,) = fig.data[1].text  # no conflict: the first trace of people
    assert label == "&lt;img src=x onerror=alert(1)&gt;\\x1b[31m"
    assert "&lt;script&gt;x&lt;/script&gt;" in fig.data[1].hovertext[0]


def test_no_one_yet_and_bad_levels() -> None:
    fig = closeness_circles_figure([])
    assert "No one in the interpersonal inventory yet" in [a.text for a in fig.layout.annotations]
    with pytest.raises(InvalidInputError, match="closeness 4"):
        closeness_circles_figure([CirclePerson("X", "friend", 4)])
    with pytest.raises(InvalidInputError, match="support 5"):
        closeness_circles_figure([CirclePerson("X", "friend", 1, support=5)])


def test_the_inventory_records_of_the_core_draw_too() -> None:
    """Any record with the attributes of PersonOnCircles is drawn (a Protocol, no import)."""

    class Record:
        label = "Dad"
        relationship = "father"
        closeness = 2
        support = True  # a yes/no reads as 1
        conflict = False
        rhythm_roles = ()

    (x, y, symbol, size, hover) = people_points(closeness_circles_figure([Record()]))["Dad"]
    assert math.hypot(x, y) == pytest.approx(2)
    assert (symbol, size) == ("circle", 14)
    assert "Support: a little (1 of 3)" in hover
