"""Figures of the client pages (dashboard.figures.client_figures), without a browser.

Inputs are hand-made frames; expected values follow from them and from the
rules stated in the figures' docstrings and ``docs/dashboard.md`` ("Client
pages"): clock times unwrapped around the target (:func:`ipsrt.circular.unwrap`),
the SRM hit window of 45 minutes (``docs/srm.md``, rule 3), a sleep axis
that starts at noon.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dashboard.figures.client_figures import (
    anchor_times_figure,
    sleep_nights_figure,
    srm_trend_figure,
)
from dashboard.figures.figure_layout import PALETTE
from ipsrt.srm.scoring import HIT_WINDOW_MIN

END = dt.date(2026, 6, 10)
START = END - dt.timedelta(days=27)
D = dt.timedelta(days=1)


def weeks_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "week_start": [dt.date(2026, 5, 25), dt.date(2026, 6, 1), dt.date(2026, 6, 8)],
            "srm": [3.0, 4.5, np.nan],
            "srm_estimated": [2.0, np.nan, 3.5],
            "complete": [True, True, False],
        }
    )


def test_srm_trend_has_diary_and_estimated_traces_and_marks_the_running_week():
    fig = srm_trend_figure(weeks_frame())
    assert fig.layout.title.text
    assert [t.name for t in fig.data] == ["From your diary", "Estimated from your wearable"]
    diary, estimated = fig.data
    assert list(diary.x) == list(weeks_frame()["week_start"])
    np.testing.assert_array_equal(diary.y, [3.0, 4.5, np.nan])
    np.testing.assert_array_equal(estimated.y, [2.0, np.nan, 3.5])
    assert list(diary.marker.symbol) == ["circle", "circle", "circle-open"]
    assert diary.line.color == PALETTE["reported"]
    assert estimated.line.color == PALETTE["estimated"]
    assert fig.layout.yaxis.title.text == "SRM"
    assert fig.layout.xaxis.title.text
    assert tuple(fig.layout.yaxis.range) == (0, 7.3)  # SRM-5 runs 0..7
    # Readable at 360 px: legend below the plot, few ticks.
    assert fig.layout.legend.orientation == "h"
    assert fig.layout.xaxis.nticks <= 4


def test_srm_trend_without_weeks_says_so():
    empty = weeks_frame().iloc[:0]
    fig = srm_trend_figure(empty)
    assert len(fig.data) == 2
    assert [a.text for a in fig.layout.annotations] == ["No weeks with entries yet"]


def anchors_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": [START, START + D, START + 2 * D, START, START + D],
            "activity": ["bed", "bed", "bed", "dinner", "dinner"],
            "minutes": [23 * 60 + 50, 10.0, 23 * 60, 18 * 60, 19 * 60],
        }
    )


def test_anchor_panels_target_line_and_the_45_minute_band():
    fig = anchor_times_figure(anchors_frame(), {"bed": 0}, start=START, end=END)
    assert fig.layout.title.text
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["Out of bed", "First contact", "Start of day's activity", "Dinner", "To bed"]
    dots = [t for t in fig.data if t.name == "Your time"]
    assert len(dots) == 5
    assert [t.showlegend for t in dots] == [True, False, False, False, False]
    bed = dots[4]
    # Unwrapped around the 00:00 target: 23:50 -> -10, 00:10 -> +10, 23:00 -> -60.
    np.testing.assert_array_equal(bed.y, [-10.0, 10.0, -60.0])
    assert list(bed.customdata) == ["23:50", "00:10", "23:00"]
    targets = [t for t in fig.data if t.name and t.name.startswith("Target")]
    assert len(targets) == 1
    assert list(targets[0].y) == [0.0, 0.0]
    assert targets[0].yaxis == "y5"
    # One band, on the bed panel, of HIT_WINDOW_MIN minutes either side of the target.
    assert len(fig.layout.shapes) == 1
    band = fig.layout.shapes[0]
    assert (band.y0, band.y1) == (-HIT_WINDOW_MIN, HIT_WINDOW_MIN) == (-45, 45)
    assert band.yref == "y5"
    assert band.fillcolor == PALETTE["band"]
    # Earlier times at the top, and the tick labels are clock times.
    low, high = fig.layout.yaxis5.range
    assert low > high
    assert "00:00" in fig.layout.yaxis5.ticktext
    assert fig.layout.legend.orientation == "h"


def test_anchor_panel_without_a_target_centres_on_the_times():
    fig = anchor_times_figure(anchors_frame(), {}, start=START, end=END)
    assert fig.layout.shapes == ()
    dinner = [t for t in fig.data if t.name == "Your time"][3]
    # Circular mean of 18:00 and 19:00 is 18:30: both within 30 min of the centre.
    np.testing.assert_allclose(dinner.y, [1080.0, 1140.0])
    low, high = fig.layout.yaxis4.range
    assert (low + high) / 2 == pytest.approx(1110.0)


def test_anchor_figure_without_entries_says_so():
    fig = anchor_times_figure(anchors_frame().iloc[:0], {"bed": 1380}, start=START, end=END)
    assert "No anchors entered in these days" in [a.text for a in fig.layout.annotations]


def test_sleep_bars_run_from_onset_for_the_duration_on_a_noon_to_noon_axis():
    sleep = pd.DataFrame(
        {
            "night": [START, START + D],
            "onset_min": [23 * 60.0, 30.0],  # 23:00 and 00:30 (after midnight)
            "offset_min": [7 * 60.0, 6 * 60 + 30.0],
            "duration_min": [480.0, 360.0],
        }
    )
    fig = sleep_nights_figure(sleep, start=START, end=END)
    assert fig.layout.title.text == "Sleep per night"
    (bars,) = fig.data
    assert bars.type == "bar"
    # Minutes after noon: 23:00 -> 660, 00:30 -> 750.
    np.testing.assert_array_equal(bars.base, [660.0, 750.0])
    np.testing.assert_array_equal(bars.y, [480.0, 360.0])
    assert list(bars.customdata) == ["23:00 to 07:00, 8 h 00 min", "00:30 to 06:30, 6 h 00 min"]
    axis = fig.layout.yaxis
    assert axis.title.text == "Clock time"
    assert fig.layout.xaxis.title.text == "Night of"
    labels = dict(zip(axis.tickvals, axis.ticktext, strict=True))
    assert labels[720.0] == "00:00"
    assert labels[360.0] == "18:00"
    low, high = axis.range
    assert low > high  # evening at the top


def test_sleep_figure_without_nights_says_so():
    empty = pd.DataFrame(columns=["night", "onset_min", "offset_min", "duration_min"])
    fig = sleep_nights_figure(empty, start=START, end=END)
    assert "No nights recorded by your wearable" in [a.text for a in fig.layout.annotations]
