"""The interpersonal inventory as closeness circles: the client at the centre, people around.

The usual picture of an IPT interpersonal inventory (Markowitz & Weissman
2004, World Psychiatry 3(3):136-139; ``docs/clinicians.md``): three concentric
circles, the inner one (1) for the people closest to the client, the outer
one (3) for the least close. Each person is a labelled point on the circle
of their closeness, the people of one circle spread evenly around it. What
a person gives and costs is drawn without relying on colour: the marker's
size grows with support (0..3), a triangle instead of a circle means some
conflict, and the hover text gives both levels in words with the person's
relationship and the rhythm anchors they are part of ("wakes me").

The figure reads a plain list of people (:class:`PersonOnCircles`, a
Protocol that the inventory's own ``InventoryPerson`` records and the plain
:class:`CirclePerson` both satisfy); it does not know the store. Labels are whatever the
clinician or client typed, so every text goes through
:func:`~dashboard.figures.figure_layout.figure_text`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any, Protocol

import plotly.graph_objects as go

from dashboard.figures.figure_layout import PALETTE, figure_text, no_data_note
from ipsrt.errors import InvalidInputError
from ipsrt.srm import SRM17, UnknownActivityError

__all__ = [
    "CIRCLES",
    "CirclePerson",
    "CircleRole",
    "PersonOnCircles",
    "RoleInRhythm",
    "closeness_circles_figure",
    "person_hover",
    "person_positions",
]

#: The closeness circles, inner (closest) to outer; circle *c* is drawn at radius *c*.
CIRCLES = (1, 2, 3)
#: Words for a support or conflict level.
_LEVEL_WORDS = ("none", "a little", "some", "a lot")
_CIRCLE_WORDS = {1: "closest", 2: "close", 3: "less close"}
#: Each circle's first person sits at the top, turned a little further on each outer
#: circle so the people of neighbouring circles do not line up.
_FIRST_ANGLE_DEG = 90.0
_TURN_PER_CIRCLE_DEG = 20.0


class RoleInRhythm(Protocol):
    """A social rhythm a person is part of: an SRM anchor and what they do in it."""

    @property
    def anchor(self) -> str:
        """An SRM-17 item key (``out_of_bed``...); other text is shown as it is."""
        ...

    @property
    def role(self) -> str:
        """What the person does in it ("wakes me")."""
        ...


class PersonOnCircles(Protocol):
    """What the figure reads of one person of the inventory."""

    @property
    def label(self) -> str:
        """How the person is called here (not necessarily a name)."""
        ...

    @property
    def relationship(self) -> str:
        """Partner, mother, colleague..."""
        ...

    @property
    def closeness(self) -> int:
        """1 (inner circle, closest) .. 3 (outer circle)."""
        ...

    @property
    def support(self) -> int:
        """0 (none) .. 3 (a lot); a bool reads as 0 or 1."""
        ...

    @property
    def conflict(self) -> int:
        """0 (none) .. 3 (a lot); a bool reads as 0 or 1."""
        ...

    @property
    def rhythm_roles(self) -> Sequence[RoleInRhythm]:
        """The client's social rhythms the person is part of."""
        ...


@dataclasses.dataclass(frozen=True)
class CircleRole:
    """A plain :class:`RoleInRhythm`."""

    anchor: str
    role: str


@dataclasses.dataclass(frozen=True)
class CirclePerson:
    """A plain :class:`PersonOnCircles`."""

    label: str
    relationship: str
    closeness: int
    support: int = 0
    conflict: int = 0
    rhythm_roles: tuple[CircleRole, ...] = ()


def _level(value: int, what: str, label: str) -> int:
    level = int(value)
    if not 0 <= level <= 3:
        raise InvalidInputError(f"{what} {value!r} of {label!r} outside 0..3")
    return level


def person_positions(people: Sequence[PersonOnCircles]) -> list[tuple[float, float]]:
    """The (x, y) of each person, in the order given: on the circle of radius *closeness*.

    The *n* people of circle *c* lie at angles
    ``90° + 20° (c - 1) + 360° k / n`` (k = 0..n-1, in the order given).

    Raises
    ------
    InvalidInputError
        For a closeness outside 1..3.
    """
    counts = dict.fromkeys(CIRCLES, 0)
    for person in people:
        if person.closeness not in counts:
            raise InvalidInputError(
                f"closeness {person.closeness!r} of {person.label!r} outside 1..3"
            )
        counts[person.closeness] += 1
    seen = dict.fromkeys(CIRCLES, 0)
    out = []
    for person in people:
        circle = person.closeness
        angle = math.radians(
            _FIRST_ANGLE_DEG
            + _TURN_PER_CIRCLE_DEG * (circle - 1)
            + 360.0 * seen[circle] / counts[circle]
        )
        seen[circle] += 1
        out.append((round(circle * math.cos(angle), 6), round(circle * math.sin(angle), 6)))
    return out


def _anchor_words(anchor: str) -> str:
    try:
        return SRM17.label_of(anchor)
    except UnknownActivityError:
        return anchor


def person_hover(person: PersonOnCircles) -> str:
    """The hover text of one person: relationship, circle, support, conflict, rhythm roles."""
    label = person.label
    support = _level(person.support, "support", label)
    conflict = _level(person.conflict, "conflict", label)
    lines = [
        f"<b>{figure_text(label)}</b> ({figure_text(person.relationship)})"
        if person.relationship
        else f"<b>{figure_text(label)}</b>",
        f"Circle {person.closeness} ({_CIRCLE_WORDS[person.closeness]})",
        f"Support: {_LEVEL_WORDS[support]} ({support} of 3)",
        f"Conflict: {_LEVEL_WORDS[conflict]} ({conflict} of 3)",
    ]
    roles = [
        f"{figure_text(_anchor_words(r.anchor))}: {figure_text(r.role)}"
        for r in person.rhythm_roles
    ]
    lines.append("In the rhythm: " + ("; ".join(roles) if roles else "no anchor"))
    return "<br>".join(lines)


def closeness_circles_figure(
    people: Sequence[PersonOnCircles], *, centre_label: str = "Client"
) -> go.Figure:
    """The inventory's closeness circles with each person on the circle of their closeness.

    Two traces of people, "No conflict" (circles) and "Some conflict"
    (triangles), so the legend names the shapes; a marker's size is
    ``10 + 4 * support`` pixels. The circles are layout shapes at radius 1,
    2 and 3 with their number beside them; the axes are hidden and keep one
    scale, so the circles stay round.

    Raises
    ------
    InvalidInputError
        For a closeness outside 1..3 or a support or conflict outside 0..3.
    """
    positions = person_positions(people)
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "x": [0.0],
            "y": [0.0],
            "mode": "markers+text",
            "text": [figure_text(centre_label)],
            "textposition": "bottom center",
            "marker": {"symbol": "star", "size": 16, "color": PALETTE["event"]},
            "name": figure_text(centre_label),
            "showlegend": False,
            "hoverinfo": "skip",
        }
    ]
    for conflicted, name, symbol, colour in (
        (False, "No conflict", "circle", PALETTE["activity"]),
        (True, "Some conflict", "triangle-up", PALETTE["reported"]),
    ):
        mine = [
            (person, xy)
            for person, xy in zip(people, positions, strict=True)
            if (_level(person.conflict, "conflict", person.label) > 0) == conflicted
        ]
        data.append(
            {
                "type": "scatter",
                "x": [xy[0] for _, xy in mine],
                "y": [xy[1] for _, xy in mine],
                "mode": "markers+text",
                "name": name,
                "text": [figure_text(p.label) for p, _ in mine],
                "textposition": "top center",
                "hovertext": [person_hover(p) for p, _ in mine],
                "hoverinfo": "text",
                "marker": {
                    "symbol": symbol,
                    "color": colour,
                    "size": [10 + 4 * _level(p.support, "support", p.label) for p, _ in mine],
                    "line": {"color": "#FFFFFF", "width": 1},
                },
            }
        )
    shapes = [
        {
            "type": "circle",
            "xref": "x",
            "yref": "y",
            "x0": -r,
            "x1": r,
            "y0": -r,
            "y1": r,
            "line": {"color": PALETTE["not_worn"], "width": 1},
            "layer": "below",
        }
        for r in CIRCLES
    ]
    notes: list[dict[str, Any]] = [
        {
            "text": str(r),
            "x": r * math.cos(math.radians(-45)),
            "y": r * math.sin(math.radians(-45)),
            "xref": "x",
            "yref": "y",
            "showarrow": False,
            "font": {"size": 11, "color": "#555555"},
        }
        for r in CIRCLES
    ]
    notes.append(
        {
            "text": "Circle 1: closest. Larger marker: more support. Triangle: conflict.",
            "xref": "paper",
            "yref": "paper",
            "x": 0,
            "y": -0.02,
            "xanchor": "left",
            "yanchor": "top",
            "showarrow": False,
            "font": {"size": 12},
        }
    )
    if not people:
        notes.append(no_data_note("No one in the interpersonal inventory yet"))
    axis = {"visible": False, "range": [-3.7, 3.7], "fixedrange": True}
    layout = {
        "title": {"text": "Interpersonal inventory: closeness circles"},
        "xaxis": axis,
        "yaxis": {**axis, "scaleanchor": "x", "scaleratio": 1},
        "shapes": shapes,
        "annotations": notes,
        "height": 520,
        "margin": {"l": 20, "r": 20, "t": 50, "b": 60},
        "legend": {"orientation": "h", "y": -0.1},
        "plot_bgcolor": "#FFFFFF",
        "hovermode": "closest",
    }
    return go.Figure(data=data, layout=layout)
