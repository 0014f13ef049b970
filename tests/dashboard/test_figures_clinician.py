"""The clinician figures: pure functions checked without a browser (traces, data, axes, shapes).

Inputs are small constructed frames whose expected drawing follows from the figure's
docstring (docs/dashboard.md, "Clinician pages"); the habitual band width is the SRM hit
window of docs/srm.md (45 min).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd

from dashboard.figures.clinician_figures import (
    actogram_figure,
    anchor_raster_figure,
    linkage_sentence,
    mood_figure,
    sleep_timeline_figure,
    weekly_trends_figure,
)
from dashboard.figures.figure_layout import PALETTE
from ipsrt.reports.client_view import ANCHOR_RASTER_COLUMNS, MOOD_COLUMNS, TREND_COLUMNS
from ipsrt.reports.nights import SLEEP_COLUMNS


def _actogram(days: int, bin_minutes: int, seed: int = 1) -> dict[str, Any]:
    """Worn all day except the first bin; asleep in the bins before 06:00; random activity."""
    per_day = 1440 // bin_minutes
    rng = np.random.default_rng(seed)
    start = dt.date(2025, 6, 1)
    night = (np.arange(per_day) * bin_minutes) < 360
    return {
        "bin_minutes": bin_minutes,
        "days": [(start + dt.timedelta(days=i)).isoformat() for i in range(days)],
        "activity": [
            [None, *np.round(rng.random(per_day - 1) * 400, 1).tolist()] for _ in range(days)
        ],
        "worn": [[0, *[bin_minutes] * (per_day - 1)] for _ in range(days)],
        "sleep": [[bin_minutes if n else 0 for n in night] for _ in range(days)],
    }


def test_actogram_is_double_plotted() -> None:
    data = _actogram(3, 60)
    fig = actogram_figure(**data)
    not_worn, activity, sleep = fig.data
    assert [t.name for t in fig.data] == ["Not worn", "Activity", "Asleep"]
    assert len(activity.x) == 48
    assert (activity.x[0], activity.x[-1]) == (0.5, 47.5)
    # Row d shows day d then day d+1; the last row has no next day. Empty cells are NaN
    # (a gap for plotly); the matrices are float32, so the 0.1-rounded means are compared
    # to float32 precision.
    np.testing.assert_allclose(
        activity.z[0][24:], np.array(data["activity"][1], dtype=float), rtol=1e-6
    )
    assert np.isnan(activity.z[2][24:]).all()
    assert (not_worn.z[0][0], not_worn.z[0][24]) == (1, 1)
    assert np.isnan(not_worn.z[0][1])
    assert list(sleep.z[0][:6]) == [1.0] * 6
    assert np.isnan(sleep.z[0][6])
    assert fig.layout.title.text.startswith("Actogram, double-plotted")
    assert fig.layout.xaxis.title.text == "Clock time (day d, then day d+1)"
    assert fig.layout.yaxis.title.text == "Date (day d)"
    assert fig.layout.yaxis.autorange == "reversed"


def test_a_year_of_actogram_stays_small() -> None:
    # A year at 30-minute bins and three months at 10-minute bins (actogram_bin_minutes).
    year = len(actogram_figure(**_actogram(365, 30)).to_json())
    quarter = len(actogram_figure(**_actogram(92, 10)).to_json())
    assert year < 1_500_000, year
    assert quarter < 1_500_000, quarter


def _raster() -> pd.DataFrame:
    week = dt.date(2026, 5, 25)
    rows = []
    for i, minutes in enumerate([420, 430, 410, 425, 540]):
        rows.append(
            (week + dt.timedelta(days=i), "out_of_bed", minutes, "reported", week, 421.25, i < 4)
        )
    for i in range(7):
        rows.append(
            (week + dt.timedelta(days=i), "out_of_bed", 440, "estimated", week, 440.0, True)
        )
        rows.append(
            (
                week + dt.timedelta(days=i),
                "bed",
                1430 if i % 2 else 10,
                "estimated",
                week,
                np.nan,
                False,
            )
        )
    return pd.DataFrame(rows, columns=list(ANCHOR_RASTER_COLUMNS))


def test_anchor_raster_marks_sources_bands_and_targets() -> None:
    fig = anchor_raster_figure(_raster(), {"out_of_bed": 450})
    names = [(t.name, t.yaxis) for t in fig.data]
    # The bands come first (drawn under the markers): one trace per anchor and source that
    # has a habitual time (the bed times have none), whatever the number of weeks.
    assert names == [
        ("habitual reported", "y"),
        ("habitual estimated", "y"),
        ("Reported (diary)", "y"),
        ("Estimated (wearable)", "y"),
        ("Estimated (wearable)", "y2"),
    ]
    band, outline, reported, estimated, bed = fig.data
    assert reported.marker.symbol == ("circle",) * 4 + ("circle-open",)
    assert set(estimated.marker.symbol) == {"diamond"}
    assert reported.marker.color == PALETTE["reported"]
    # 07:00 is 7 h; the bed times 23:50 and 00:10 are unwrapped next to each other.
    assert reported.y[0] == 7.0
    assert max(bed.y) - min(bed.y) == 20 / 60
    # One rectangle per week: five corners and a gap; ±45 min around H, the week's seven
    # dates with half a day either side.
    assert (band.fill, band.fillcolor, outline.fill) == ("toself", PALETTE["band"], "none")
    assert outline.line.dash == "dot"
    h = 421.25 / 60
    assert list(band.y[:5]) == [h - 0.75, h + 0.75, h + 0.75, h - 0.75, h - 0.75]
    assert np.isnan(band.y[5])
    assert len(band.y) == 6
    assert str(band.x[0]) == "2026-05-24T12:00"
    assert str(band.x[2]) == "2026-05-31T12:00"
    assert list(outline.y[:2]) == [440 / 60 - 0.75, 440 / 60 + 0.75]
    (target,) = fig.layout.shapes  # the target line is the only shape
    assert target.type == "line"
    assert target.y0 == target.y1 == 7.5
    assert [a.text for a in fig.layout.annotations] == ["Out of bed", "To bed"]
    assert fig.layout.title.text


def test_sleep_timeline_noon_to_noon() -> None:
    sleeps = pd.DataFrame(
        [
            (dt.date(2026, 5, 30), None, None, 1380.0, 420.0, 180.0, 480.0, 450.0, "device"),
            (dt.date(2026, 5, 31), None, None, 30.0, 360.0, 195.0, 330.0, 300.0, "device"),
        ],
        columns=list(SLEEP_COLUMNS),
    )
    fig = sleep_timeline_figure(sleeps)
    (bar,) = fig.data
    assert list(bar.base) == [23.0, 24.5]  # 23:00 and 00:30 on the noon-to-noon clock
    assert list(bar.x) == [8.0, 5.5]
    assert fig.layout.xaxis.title.text == "Clock time (noon to noon)"
    assert fig.layout.title.text == "Main sleep per night"


def test_weekly_trends_small_multiples() -> None:
    trends = pd.DataFrame(
        [
            (dt.date(2026, 5, 18), 7, 0.6, 0.8, 0.9, 80.0, 3.0, 2.5),
            (dt.date(2026, 5, 25), 7, 0.5, 0.9, 0.85, None, 2.0, 2.5),
        ],
        columns=list(TREND_COLUMNS),
    )
    fig = weekly_trends_figure(trends)
    assert len(fig.data) == 6
    assert [a.text for a in fig.layout.annotations] == [
        "Interdaily stability",
        "Intradaily variability",
        "Relative amplitude",
        "Sleep Regularity Index",
        "SRM-5",
    ]
    sri = fig.data[3]
    assert sri.yaxis == "y4"
    assert np.isnan(sri.y[1])
    assert (fig.data[5].name, fig.data[5].yaxis) == ("SRM-5 (estimated)", "y5")


def test_mood_figure_annotates_the_strongest_lag() -> None:
    daily = pd.DataFrame(
        {
            "date": [dt.date(2026, 5, 1) + dt.timedelta(days=i) for i in range(3)],
            "mood": [1.0, None, -2.0],
            "sleep_duration_min": [480.0, 420.0, None],
            "midpoint_deviation_min": [0.0, 10.0, None],
        },
        columns=list(MOOD_COLUMNS),
    )
    best = {"feature": "sleep_duration_min", "lag": 2, "rho": 0.456, "p_value": 0.01, "n": 30}
    fig = mood_figure(daily, best)
    sleep, mood = fig.data
    assert list(sleep.y[:2]) == [8.0, 7.0]
    assert (mood.name, mood.yaxis) == ("Mood", "y")
    text = fig.layout.annotations[0].text
    assert "last night's sleep with mood 2 days later" in text
    assert "rho = 0.46" in text
    assert "n = 30" in text
    assert "14 pairs" in linkage_sentence(None)
    assert "1 day earlier" in linkage_sentence(best | {"lag": -1})
    json.loads(fig.to_json())  # serialisable for a callback


def test_a_year_of_anchor_bands_is_a_few_traces() -> None:
    # 52 weeks of one reported anchor, each with its habitual time: one band trace of 52
    # rectangles (6 points each), no layout shape but the target line.
    first = dt.date(2025, 6, 2)
    rows = [
        (first + dt.timedelta(days=d), "out_of_bed", 420 + d % 7, "reported", week, 423.0, True)
        for d in range(364)
        for week in [first + dt.timedelta(days=d - d % 7)]
    ]
    fig = anchor_raster_figure(
        pd.DataFrame(rows, columns=list(ANCHOR_RASTER_COLUMNS)), {"out_of_bed": 450}
    )
    assert [t.name for t in fig.data] == ["habitual reported", "Reported (diary)"]
    band = fig.data[0]
    assert len(band.y) == 52 * 6
    assert np.isnan(band.y[5::6]).all()
    assert str(band.x[-3]) == "2026-05-31T12:00"  # the last week's Sunday, plus half a day
    assert len(fig.layout.shapes) == 1
