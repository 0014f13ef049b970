"""Figures of the client pages (*My rhythm*): readable at 360 px, life events marked.

Pure functions, data frames in, plotly figures out (:mod:`dashboard.figures`);
the frames come from :func:`ipsrt.reports.my_rhythm.my_rhythm`, and each
figure marks the client's life events by
:func:`dashboard.figures.life_event_markers.life_event_marks`.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from dashboard.figures.figure_layout import (
    PALETTE,
    axis_keys,
    axis_ref,
    clock_text,
    no_data_note,
    stacked_panels_layout,
)
from dashboard.figures.life_event_markers import add_life_events_to_layout
from ipsrt import circular
from ipsrt.ipt.life_events import LifeEvent
from ipsrt.srm import SRM5
from ipsrt.srm.scoring import HIT_WINDOW_MIN

__all__ = ["ANCHOR_SHORT", "anchor_times_figure", "sleep_nights_figure", "srm_trend_figure"]

#: Layout shared by the client figures: readable at 360 px (legend below, small margins),
#: on plotly's "plotly_white" template (set by :func:`_client_figure`).
_CLIENT_LAYOUT: dict[str, Any] = {
    "margin": {"l": 52, "r": 12, "t": 48, "b": 72},
    "legend": {"orientation": "h", "x": 0, "xanchor": "left", "yref": "container", "y": 0},
    "font": {"size": 13},
    "title": {"x": 0, "xanchor": "left", "font": {"size": 16}},
    "hovermode": "closest",
}
_CLIENT_TEMPLATE = "plotly_white"
#: Short anchor names for the narrow screen (the form shows the full labels).
ANCHOR_SHORT = {
    "out_of_bed": "Out of bed",
    "first_contact": "First contact",
    "start_activity": "Start of day's activity",
    "dinner": "Dinner",
    "bed": "To bed",
}


def _merged(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """*base* updated by *extra* the way ``update_layout`` does: nested dicts merge."""
    out = dict(base)
    for key, value in extra.items():
        old = out.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            value = _merged(old, value)
        out[key] = value
    return out


def _client_figure(data: list[dict[str, Any]], layout: Mapping[str, Any]) -> go.Figure:
    """A client-page figure of *data* (trace dicts) and *layout*, built and validated once.

    The figure is built in one constructor call rather than by ``add_trace`` /
    ``update_layout`` calls (each re-validates and relays out the figure), and
    the registered template is assigned the way plotly assigns its default
    template: without validating it again (plotly validated it when it was
    registered; validating a copy costs some 30 ms per figure).
    """
    fig = go.Figure(data=data, layout=_merged(_CLIENT_LAYOUT, layout))
    fig.layout._validate = False
    fig.layout.template = pio.templates[_CLIENT_TEMPLATE]
    fig.layout._validate = True
    return fig


def srm_trend_figure(weeks: pd.DataFrame, *, events: Sequence[LifeEvent] = ()) -> go.Figure:
    """Weekly SRM-5 of the diary and of the estimated anchors (0..7) against the week start.

    *weeks* has ``week_start``, ``srm``, ``srm_estimated`` and ``complete``
    (:func:`ipsrt.reports.my_rhythm.srm_trend`); the week still running is
    drawn with an open marker (its score covers fewer days). *events* are
    marked on the date axis.
    """
    symbols = ["circle" if done else "circle-open" for done in weeks["complete"]]
    data = [
        {
            "type": "scatter",
            "x": list(weeks["week_start"]),
            "y": weeks[column].to_numpy(dtype=np.float64),
            "name": name,
            "mode": "lines+markers",
            "line": {"color": colour, "dash": dash},
            "marker": {"size": 9, "symbol": symbols, "color": colour},
            "connectgaps": False,
            "hovertemplate": "Week from %{x|%d %b}: %{y:.1f} of 7<extra>" + name + "</extra>",
        }
        for column, name, colour, dash in (
            ("srm", "From your diary", PALETTE["reported"], "solid"),
            ("srm_estimated", "Estimated from your wearable", PALETTE["estimated"], "dash"),
        )
    ]
    layout: dict[str, Any] = {
        "title": {"text": "How regular each week was (SRM, 0-7)"},
        "height": 340,
        "xaxis": {"title": {"text": "Week starting"}, "nticks": 4, "tickformat": "%d %b"},
        "yaxis": {"title": {"text": "SRM"}, "range": [0, 7.3], "tickvals": [0, 2, 4, 6]},
    }
    if weeks.empty:
        layout["annotations"] = [no_data_note("No weeks with entries yet")]
    add_life_events_to_layout(layout, events, date_axes=["xaxis"])
    return _client_figure(data, layout)


def _tick_step(half_range: float) -> int:
    return 60 if half_range <= 120 else 120 if half_range <= 300 else 240


def anchor_times_figure(
    anchors: pd.DataFrame,
    targets: Mapping[str, int],
    *,
    start: dt.date,
    end: dt.date,
    events: Sequence[LifeEvent] = (),
) -> go.Figure:
    """Each SRM-5 anchor's reported times per day against its target, one panel per anchor.

    *anchors* has ``date``, ``activity`` and ``minutes`` (local clock minutes;
    :func:`ipsrt.reports.my_rhythm.anchor_times`); *targets* maps an activity
    to its target minute. A panel's clock axis is centred on the target (or,
    without one, on the circular mean of the times), with the times unwrapped
    around it so 23:50 and 00:10 sit 20 minutes apart
    (:func:`ipsrt.circular.unwrap`). A target is a line with a band of
    :data:`ipsrt.srm.scoring.HIT_WINDOW_MIN` minutes either side: the window
    within which a time counts as a hit in SRM scoring (``docs/srm.md``).
    *events* of *start*..*end* are marked across every panel.
    """
    keys = SRM5.keys
    layout = copy.deepcopy(stacked_panels_layout(len(keys), tuple(ANCHOR_SHORT[k] for k in keys)))
    data: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    activity = anchors["activity"].to_numpy()
    dates = anchors["date"].to_numpy()
    minutes = anchors["minutes"].to_numpy(dtype=np.float64)
    first_dot = first_target = True
    for row, key in enumerate(keys, start=1):
        xref, yref = axis_ref("x", row), axis_ref("y", row)
        mine = activity == key
        times = minutes[mine]
        target = targets.get(key)
        centre = float(target) if target is not None else circular.mean_minutes(times)
        if not np.isfinite(centre):
            centre = 12 * 60.0
        y = circular.unwrap(times, centre) if times.size else times
        data.append(
            {
                "type": "scatter",
                "x": list(dates[mine]),
                "y": y,
                "mode": "markers",
                "name": "Your time",
                "legendgroup": "time",
                "showlegend": first_dot,
                "marker": {"color": PALETTE["reported"], "size": 8},
                "customdata": [clock_text(t) for t in times],
                "hovertemplate": "%{x|%a %d %b}: %{customdata}<extra></extra>",
                "xaxis": xref,
                "yaxis": yref,
            }
        )
        first_dot = False
        half = 90.0
        if target is not None:
            shapes.append(
                {
                    "type": "rect",
                    "xref": f"{xref} domain",
                    "yref": yref,
                    "x0": 0,
                    "x1": 1,
                    "y0": centre - HIT_WINDOW_MIN,
                    "y1": centre + HIT_WINDOW_MIN,
                    "fillcolor": PALETTE["band"],
                    "line": {"width": 0},
                    "layer": "below",
                }
            )
            data.append(
                {
                    "type": "scatter",
                    "x": [start, end],
                    "y": [centre, centre],
                    "mode": "lines",
                    "name": f"Target, ±{HIT_WINDOW_MIN} min",
                    "legendgroup": "target",
                    "showlegend": first_target,
                    "line": {"color": PALETTE["target"], "width": 2},
                    "hovertemplate": f"Target {clock_text(centre)}<extra></extra>",
                    "xaxis": xref,
                    "yaxis": yref,
                }
            )
            first_target = False
        if np.isfinite(y).any():
            half = max(half, float(np.nanmax(np.abs(y - centre))) + 20)
        step = _tick_step(half)
        low, high = np.ceil((centre - half) / step), np.floor((centre + half) / step)
        ticks = np.arange(low, high + 1) * step
        axis = layout[f"yaxis{row if row > 1 else ''}"]
        axis["range"] = [centre + half, centre - half]  # earlier times at the top
        axis["tickvals"] = list(ticks)
        axis["ticktext"] = [clock_text(t) for t in ticks]
        layout[f"xaxis{row if row > 1 else ''}"]["range"] = [
            start - dt.timedelta(hours=12),
            end + dt.timedelta(hours=12),
        ]
    layout[f"xaxis{len(keys)}"].update(
        {"title": {"text": "Date"}, "nticks": 4, "tickformat": "%d %b"}
    )
    layout[f"yaxis{(len(keys) + 1) // 2}"]["title"] = {"text": "Time"}
    if shapes:
        layout["shapes"] = shapes
    if anchors.empty:
        layout["annotations"].append(no_data_note("No anchors entered in these days"))
    layout.update(
        title={"text": f"Your anchors, last {(end - start).days + 1} days"},
        height=130 * len(keys) + 130,
        margin={"t": 64},
    )
    add_life_events_to_layout(
        layout,
        events,
        date_axes=axis_keys("x", len(keys)),
        first=start,
        last=end,
    )
    return _client_figure(data, layout)


def _since_noon(minutes: np.ndarray) -> np.ndarray:
    """Clock minutes as minutes after noon (0..1439), so a night is one unbroken span."""
    return np.asarray(np.mod(minutes - 12 * 60, 1440), dtype=np.float64)


def sleep_nights_figure(
    sleep: pd.DataFrame, *, start: dt.date, end: dt.date, events: Sequence[LifeEvent] = ()
) -> go.Figure:
    """Main sleep per night: a bar from onset to offset on a clock axis that wraps at noon.

    *sleep* has ``night`` (the date the night starts on), ``onset_min``,
    ``offset_min`` and ``duration_min``
    (:func:`ipsrt.reports.my_rhythm.sleep_nights`). The axis runs from noon
    to noon, evening at the top; a bar starts at the onset and is
    ``duration_min`` long. *events* are marked on the nights *start*..*end*
    (an event on date D at the night starting on D).
    """
    base = _since_noon(sleep["onset_min"].to_numpy(dtype=np.float64))
    length = sleep["duration_min"].to_numpy(dtype=np.float64)
    text = [
        f"{clock_text(on)} to {clock_text(off)}, {int(d) // 60} h {int(d) % 60:02d} min"
        for on, off, d in zip(sleep["onset_min"], sleep["offset_min"], length, strict=True)
    ]
    bars = {
        "type": "bar",
        "x": list(sleep["night"]),
        "y": length,
        "base": base,
        "name": "Main sleep",
        "marker": {"color": PALETTE["sleep"]},
        "customdata": text,
        "hovertemplate": "Night of %{x|%a %d %b}: %{customdata}<extra></extra>",
    }
    top, bottom = 6 * 60.0, 20 * 60.0  # 18:00 .. 08:00
    if len(base):
        top = min(top, float(np.nanmin(base)) - 30)
        bottom = max(bottom, float(np.nanmax(base + length)) + 30)
    top, bottom = max(top, 0.0), min(bottom, 1440.0 + 12 * 60)
    ticks = [float(t) for t in range(0, 1440 + 12 * 60 + 1, 180) if top <= t <= bottom]
    layout: dict[str, Any] = {
        "title": {"text": "Sleep per night"},
        "height": 340,
        "showlegend": False,
        "xaxis": {
            "title": {"text": "Night of"},
            "nticks": 4,
            "tickformat": "%d %b",
            "range": [start - dt.timedelta(hours=12), end + dt.timedelta(hours=12)],
        },
        "yaxis": {
            "title": {"text": "Clock time"},
            "range": [bottom, top],  # evening at the top
            "tickvals": ticks,
            "ticktext": [clock_text(t + 12 * 60) for t in ticks],
        },
    }
    if sleep.empty:
        layout["annotations"] = [no_data_note("No nights recorded by your wearable")]
    add_life_events_to_layout(layout, events, date_axes=["xaxis"], first=start, last=end)
    return _client_figure([bars], layout)
