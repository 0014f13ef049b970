"""Life events on every time-based figure (dashboard.figures.life_event_markers).

The expected drawing follows from the rule in ``docs/dashboard.md`` ("Life
events on the figures"): a one-day event is a line at its date, an event over
several days a band from half a day before its first date to half a day
after its last; on the actogram and the sleep timeline, whose dates run down
the y axis, both are horizontal, and on the actogram's category axis a date
is its row number (row 0 = the first date). Each marker has a text label
and a hover text with the kind, description, dates and disruption.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.figures.client_figures import (
    anchor_times_figure,
    sleep_nights_figure,
    srm_trend_figure,
)
from dashboard.figures.clinician_figures import (
    actogram_figure,
    anchor_raster_figure,
    mood_figure,
    sleep_timeline_figure,
    weekly_trends_figure,
)
from dashboard.figures.life_event_markers import MARKER_NAME, life_event_marks
from ipsrt.ipt.life_events import LifeEvent, make_life_event
from ipsrt.reports.client_view import ANCHOR_RASTER_COLUMNS, MOOD_COLUMNS, TREND_COLUMNS
from ipsrt.reports.nights import SLEEP_COLUMNS

FIRST = dt.date(2026, 5, 14)
LAST = dt.date(2026, 6, 10)  # 28 days
D = dt.timedelta(days=1)
DAYS = [FIRST + i * D for i in range(28)]
WEEKS = [dt.date(2026, 5, 11) + 7 * i * D for i in range(5)]

ONE_DAY = make_life_event(dt.date(2026, 6, 3), "travel", 2, "Flight to Lisbon")
RANGE = make_life_event(dt.date(2026, 5, 20), "illness", 3, "Flu", ends_on=dt.date(2026, 5, 24))


def actogram(events: Sequence[LifeEvent]) -> go.Figure:
    per_day = 144
    return actogram_figure(
        [d.isoformat() for d in DAYS],
        [[1.0] * per_day for _ in DAYS],
        [[10] * per_day for _ in DAYS],
        [[0] * per_day for _ in DAYS],
        bin_minutes=10,
        events=events,
    )


def raster(events: Sequence[LifeEvent]) -> go.Figure:
    frame = pd.DataFrame(
        {
            "date": DAYS,
            "activity": "out_of_bed",
            "minutes": 420.0,
            "source": "reported",
            "week_start": [d - d.weekday() * D for d in DAYS],
            "habitual_min": 420.0,
            "hit": True,
        },
        columns=list(ANCHOR_RASTER_COLUMNS),
    )
    return anchor_raster_figure(frame, {"out_of_bed": 420}, events=events)


def sleep_timeline(events: Sequence[LifeEvent]) -> go.Figure:
    frame = pd.DataFrame(
        {"night": DAYS, "onset_local": 1380.0, "duration_min": 480.0, "sleep_min": 450.0}
    ).reindex(columns=list(SLEEP_COLUMNS))
    return sleep_timeline_figure(frame, events=events)


def weekly_trends(events: Sequence[LifeEvent]) -> go.Figure:
    frame = pd.DataFrame(
        {"week_start": WEEKS, **dict.fromkeys(TREND_COLUMNS[1:], 1.0)}, columns=list(TREND_COLUMNS)
    )
    return weekly_trends_figure(frame, events=events)


def mood(events: Sequence[LifeEvent]) -> go.Figure:
    frame = pd.DataFrame(
        {"date": DAYS, "mood": 1.0, "sleep_duration_min": 420.0, "midpoint_deviation_min": 0.0},
        columns=list(MOOD_COLUMNS),
    )
    return mood_figure(frame, None, events=events)


def srm_trend(events: Sequence[LifeEvent]) -> go.Figure:
    frame = pd.DataFrame({"week_start": WEEKS, "srm": 4.0, "srm_estimated": 3.0, "complete": True})
    return srm_trend_figure(frame, events=events)


def anchor_times(events: Sequence[LifeEvent]) -> go.Figure:
    frame = pd.DataFrame(
        {
            "date": DAYS,
            "activity": "bed",
            "label": "To bed",
            "minutes": 1380.0,
            "target": 1380.0,
        }
    )
    return anchor_times_figure(frame, {"bed": 1380}, start=FIRST, end=LAST, events=events)


def sleep_nights(events: Sequence[LifeEvent]) -> go.Figure:
    frame = pd.DataFrame(
        {"night": DAYS, "onset_min": 1380.0, "offset_min": 420.0, "duration_min": 480.0}
    )
    return sleep_nights_figure(frame, start=FIRST, end=LAST, events=events)


#: Every time-based figure function, with the axis its dates run along.
FIGURES: dict[str, tuple[Callable[[Sequence[LifeEvent]], go.Figure], str]] = {
    "actogram": (actogram, "rows"),
    "anchor raster": (raster, "x"),
    "sleep timeline": (sleep_timeline, "y"),
    "weekly trends": (weekly_trends, "x"),
    "mood": (mood, "x"),
    "SRM trend (My rhythm)": (srm_trend, "x"),
    "anchor times (My rhythm)": (anchor_times, "x"),
    "sleep nights (My rhythm)": (sleep_nights, "x"),
}


def marks(fig: go.Figure) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The life-event shapes and annotations of *fig*, as plain JSON (what the browser gets)."""
    layout = json.loads(fig.to_json())["layout"]
    shapes = [s for s in layout.get("shapes", []) if s.get("name") == MARKER_NAME]
    notes = [a for a in layout.get("annotations", []) if a.get("name") == MARKER_NAME]
    return shapes, notes


def where(day: dt.date, hours: int, axis: str) -> str | float:
    """Where *day* + *hours* lies on a date axis (plotly's date text) or on the actogram's rows."""
    if axis == "rows":
        return (day - FIRST).days + hours / 24
    stamp = dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hours)
    return day.isoformat() if hours == 0 else stamp.isoformat(sep=" ")


@pytest.mark.parametrize("name", FIGURES)
def test_a_one_day_event_is_a_labelled_line_at_its_date(name: str) -> None:
    build, axis = FIGURES[name]
    shapes, notes = marks(build([ONE_DAY]))
    assert len(shapes) == len(notes) == 1
    (line,), (note,) = shapes, notes
    assert line["type"] == "line"
    days_on = "y" if axis in ("y", "rows") else "x"
    across = "x" if days_on == "y" else "y"
    at = where(dt.date(2026, 6, 3), 0, axis)
    assert (line[f"{days_on}0"], line[f"{days_on}1"]) == (at, at)
    assert line[f"{days_on}ref"] == days_on
    assert (line[f"{across}ref"], line[f"{across}0"], line[f"{across}1"]) == ("paper", 0, 1)
    assert note["text"] == "travel: Flight to Lisbon"
    assert note["hovertext"] == "Travel: Flight to Lisbon<br>03 Jun 2026; disruption 2 of 3"


@pytest.mark.parametrize("name", FIGURES)
def test_a_range_event_is_a_band_over_its_days(name: str) -> None:
    build, axis = FIGURES[name]
    shapes, notes = marks(build([RANGE, ONE_DAY]))
    assert [s["type"] for s in shapes] == ["rect", "line"]  # by start date
    band = shapes[0]
    days_on = "y" if axis in ("y", "rows") else "x"
    assert band[f"{days_on}0"] == where(dt.date(2026, 5, 20), -12, axis)
    assert band[f"{days_on}1"] == where(dt.date(2026, 5, 24), 12, axis)
    assert band["fillcolor"]
    assert notes[0]["text"] == "illness: Flu"
    assert "20 May 2026 to 24 May 2026; disruption 3 of 3" in notes[0]["hovertext"]


@pytest.mark.parametrize("name", FIGURES)
def test_no_events_no_markers_and_the_figure_unchanged(name: str) -> None:
    build, _axis = FIGURES[name]
    plain = build([])
    assert marks(plain) == ([], [])
    outside = make_life_event(dt.date(2020, 1, 1), "loss", 1, "long ago")
    shown = build([outside])
    if name in ("actogram", "anchor times (My rhythm)", "sleep nights (My rhythm)"):
        # These figures know the dates they show and leave out events outside them.
        assert marks(shown) == ([], [])
    assert plain.to_json() == build(()).to_json()


@pytest.mark.parametrize("name", FIGURES)
def test_hostile_descriptions_are_escaped(name: str) -> None:
    build, _axis = FIGURES[name]
    event = make_life_event(dt.date(2026, 6, 3), "other", 0, "<b onmouseover=x>&\x1b[2J")
    _shapes, (note,) = marks(build([event]))
    for text in (note["text"], note["hovertext"]):
        assert "<b " not in text
        assert "\x1b" not in text
    assert "&lt;b onmouseover=x&gt;&amp;\\x1b[2J" in note["hovertext"]


def test_a_band_is_cut_to_the_days_a_figure_shows() -> None:
    long = make_life_event(FIRST - 5 * D, "role_change", 1, ends_on=FIRST + D)
    shapes, _notes = life_event_marks([long], first=FIRST, last=LAST)
    assert (shapes[0]["x0"], shapes[0]["x1"]) == ("2026-05-13 12:00:00", "2026-05-15 12:00:00")
    # On the actogram's rows, the band starts half a row above row 0.
    (rows,), (note,) = marks(actogram([long]))
    assert (rows["y0"], rows["y1"]) == (-0.5, 1.5)
    assert note["text"] == "role change"  # no description: the kind alone


def test_markers_land_on_a_figure_without_data() -> None:
    empty = pd.DataFrame(columns=["week_start", "srm", "srm_estimated", "complete"])
    fig = srm_trend_figure(empty, events=[ONE_DAY])
    assert fig.layout.xaxis.type == "date"
    assert len(marks(fig)[0]) == 1


def test_a_long_description_is_cut_in_the_label_not_in_the_hover() -> None:
    event = make_life_event(dt.date(2026, 6, 3), "dispute", 2, "Argument with my sister about Mum")
    _shapes, (note,) = marks(mood([event]))
    assert note["text"] == "dispute: Argument with my…"
    assert "Argument with my sister about Mum" in note["hovertext"]


def test_labels_of_events_close_together_step_down() -> None:
    events = [make_life_event(FIRST + i * D, "other", 0, f"e{i}") for i in range(4)]
    _shapes, notes = life_event_marks(events)
    assert [n["yshift"] for n in notes] == [0, -16, -32, 0]
    assert all(n["yref"] == "paper" and n["y"] == 1 for n in notes)
