"""Life events as markers on a time-based figure: one drawing rule for every figure.

A one-day event is a dotted line across the plot at its date; an event over
several days is a shaded band from half a day before its first date to half
a day after its last (the figures put a day's values at its date, so the band
covers exactly those days' points). On a figure whose dates run down the y
axis (the actogram, the sleep timeline) the line and the band are horizontal.
Each marker has a text label, the event's kind and the start of its
description, at the top (or right) edge of the plot, and a hover text with
the kind, the whole description, the dates and how disruptive it was, so a
marker is never told apart by colour alone. Every text someone typed goes
through :func:`~dashboard.figures.figure_layout.figure_text`.

The markers are layout shapes and annotations, drawn by plotly.js itself: no
script of ours runs in the page (``docs/security.md``, the CSP).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import plotly.graph_objects as go

from dashboard.figures.figure_layout import PALETTE, figure_text
from ipsrt.ipt.life_events import LifeEvent, events_overlapping

__all__ = [
    "LABEL_CHARS",
    "MARKER_NAME",
    "add_life_events",
    "add_life_events_to_layout",
    "life_event_hover",
    "life_event_marks",
]

#: The ``name`` of every shape and annotation that marks a life event.
MARKER_NAME = "life event"
#: Characters of the description shown in a marker's label (the hover text has all).
LABEL_CHARS = 18
#: Labels of successive events step down over this many rows, then start again.
_LABEL_ROWS = 3
_LABEL_ROW_PX = 16
_HALF_DAY = dt.timedelta(hours=12)

DaysOn = Literal["x", "y"]


def _kind_words(event: LifeEvent) -> str:
    return event.kind.value.replace("_", " ")


def _label(event: LifeEvent) -> str:
    """The marker's visible text: the kind, then the description cut to :data:`LABEL_CHARS`."""
    text = event.description
    if len(text) > LABEL_CHARS:
        text = text[: LABEL_CHARS - 1].rstrip() + "…"
    return figure_text(f"{_kind_words(event)}: {text}" if text else _kind_words(event))


def life_event_hover(event: LifeEvent) -> str:
    """The marker's hover text: kind, description, dates and disruption (0..3)."""
    when = (
        f"{event.starts_on:%d %b %Y}"
        if event.starts_on == event.ends_on
        else f"{event.starts_on:%d %b %Y} to {event.ends_on:%d %b %Y}"
    )
    kind = figure_text(_kind_words(event).capitalize())
    head = f"{kind}: {figure_text(event.description)}" if event.description else kind
    return f"{head}<br>{when}; disruption {event.disruption} of 3"


def _position(day: dt.date, shift: dt.timedelta, rows_from: dt.date | None) -> str | float:
    """Where *day* + *shift* lies on the day axis: a date-time text on a date axis, or
    a row number (row 0 = *rows_from*) on a category axis of consecutive dates."""
    if rows_from is not None:
        return (day - rows_from).days + shift / dt.timedelta(days=1)
    if not shift:
        return day.isoformat()
    return (dt.datetime.combine(day, dt.time()) + shift).isoformat(sep=" ")


def life_event_marks(
    events: Iterable[LifeEvent],
    *,
    days_on: DaysOn = "x",
    first: dt.date | None = None,
    last: dt.date | None = None,
    rows_from: dt.date | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The layout shapes and annotations that mark *events* on a figure.

    Parameters
    ----------
    events
        The life events to draw.
    days_on
        The axis the dates run along: ``"x"`` (vertical markers) or ``"y"``
        (horizontal markers).
    first, last
        The dates the figure shows: events outside are left out and a band is
        cut to them (a marker outside would stretch the axis).
    rows_from
        For a category axis of consecutive dates (the actogram's rows), the
        date of row 0; markers are then placed by row number.

    Returns
    -------
    shapes, annotations
        One shape (line or band) and one label per event drawn, by start date;
        each has ``name`` :data:`MARKER_NAME`.
    """
    if first is not None and last is not None:
        drawn = events_overlapping(events, first, last)
    else:
        drawn = sorted(events, key=lambda e: (e.starts_on, e.ends_on, e.id or 0))
    across = "y" if days_on == "x" else "x"
    shapes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for i, event in enumerate(drawn):
        start = max(event.starts_on, first) if first is not None else event.starts_on
        end = min(event.ends_on, last) if last is not None else event.ends_on
        if event.starts_on == event.ends_on:
            low = high = _position(start, dt.timedelta(0), rows_from)
            shape: dict[str, Any] = {
                "type": "line",
                "line": {"color": PALETTE["event"], "width": 2, "dash": "dot"},
            }
        else:
            low = _position(start, -_HALF_DAY, rows_from)
            high = _position(end, _HALF_DAY, rows_from)
            shape = {
                "type": "rect",
                "fillcolor": PALETTE["event_band"],
                "line": {"color": PALETTE["event"], "width": 1, "dash": "dot"},
            }
        shape.update(
            {
                "name": MARKER_NAME,
                "layer": "above",
                f"{days_on}ref": days_on,
                f"{days_on}0": low,
                f"{days_on}1": high,
                f"{across}ref": "paper",
                f"{across}0": 0,
                f"{across}1": 1,
            }
        )
        shapes.append(shape)
        note: dict[str, Any] = {
            "name": MARKER_NAME,
            "text": _label(event),
            "hovertext": life_event_hover(event),
            "showarrow": False,
            "font": {"size": 11, "color": PALETTE["event"]},
            "bgcolor": "rgba(255, 255, 255, 0.85)",
            "bordercolor": PALETTE["event"],
            "borderwidth": 1,
            "borderpad": 1,
        }
        if days_on == "x":
            note.update(xref="x", x=low, xanchor="left", yref="paper", y=1, yanchor="top")
            note["yshift"] = -_LABEL_ROW_PX * (i % _LABEL_ROWS)
        else:
            note.update(
                yref="y",
                y=_position(start, dt.timedelta(0), rows_from),
                yanchor="middle",
                xref="paper",
                x=1,
                xanchor="right",
            )
        notes.append(note)
    return shapes, notes


def add_life_events_to_layout(
    layout: dict[str, Any],
    events: Iterable[LifeEvent],
    *,
    date_axes: Sequence[str] = (),
    **where: Any,
) -> dict[str, Any]:
    """*layout* (a layout dict) with the :func:`life_event_marks` of *events* appended.

    *date_axes* are the layout keys of the date axes (``"xaxis"``...), typed
    ``date`` when a marker is drawn so that the markers land even on a
    figure without data; *where* goes to :func:`life_event_marks`.
    """
    shapes, notes = life_event_marks(events, **where)
    if shapes:
        layout["shapes"] = [*layout.get("shapes", ()), *shapes]
        layout["annotations"] = [*layout.get("annotations", ()), *notes]
        for key in date_axes:
            layout[key] = {**layout.get(key, {}), "type": "date"}
    return layout


def add_life_events(
    fig: go.Figure,
    events: Iterable[LifeEvent],
    *,
    date_axes: Sequence[str] = (),
    **where: Any,
) -> go.Figure:
    """*fig* with the :func:`life_event_marks` of *events* added to its layout (in place).

    The shapes and annotations are assigned to the layout's tuples directly:
    ``update_layout`` walks the whole layout again and costs some ten times more.
    """
    shapes, notes = life_event_marks(events, **where)
    if shapes:
        fig.layout.shapes = (*fig.layout.shapes, *shapes)
        fig.layout.annotations = (*fig.layout.annotations, *notes)
        for key in date_axes:
            fig.layout[key].type = "date"
    return fig
