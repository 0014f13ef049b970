"""The dashboard's figures: pure functions, data frames in, plotly figures out.

No figure reads the store, the clock or the session; pages fetch data through
the core's services (:mod:`ipsrt.reports`) after :func:`ipsrt.reports.access.authorize`
and pass it here. Every figure has a title, labelled axes and colours that
stay distinguishable for the common forms of colour blindness (the Okabe-Ito
palette; Okabe & Ito 2008, https://jfly.uni-koeln.de/color/).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ipsrt import circular
from ipsrt.srm import SRM5
from ipsrt.srm.scoring import HIT_WINDOW_MIN

__all__ = ["PALETTE"]

#: Okabe-Ito colours by role in the figures.
PALETTE = {
    "activity": "#0072B2",
    "sleep": "#56B4E9",
    "not_worn": "#BBBBBB",
    "reported": "#D55E00",
    "estimated": "#009E73",
    "target": "#CC79A7",
    "band": "rgba(230, 159, 0, 0.18)",
    "mood": "#E69F00",
    "event": "#000000",
}


# -- figures of the client pages (Today, My rhythm) ------------------------------------

__all__ += ["anchor_times_figure", "sleep_nights_figure", "srm_trend_figure"]

#: Layout shared by the client figures: readable at 360 px (legend below, small margins).
_CLIENT_LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 52, "r": 12, "t": 48, "b": 72},
    "legend": {"orientation": "h", "x": 0, "xanchor": "left", "yref": "container", "y": 0},
    "font": {"size": 13},
    "title": {"x": 0, "xanchor": "left", "font": {"size": 16}},
    "hovermode": "closest",
}
#: Short anchor names for the narrow screen (the form shows the full labels).
ANCHOR_SHORT = {
    "out_of_bed": "Out of bed",
    "first_contact": "First contact",
    "start_activity": "Start of day's activity",
    "dinner": "Dinner",
    "bed": "To bed",
}


def _clock_text(minutes: float) -> str:
    whole = round(minutes) % 1440
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _no_data(fig: go.Figure, text: str) -> go.Figure:
    fig.add_annotation(
        text=text, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5, font={"size": 14}
    )
    return fig


def srm_trend_figure(weeks: pd.DataFrame) -> go.Figure:
    """Weekly SRM-5 of the diary and of the estimated anchors (0..7) against the week start.

    *weeks* has ``week_start``, ``srm``, ``srm_estimated`` and ``complete``
    (:func:`ipsrt.reports.my_rhythm.srm_trend`); the week still running is
    drawn with an open marker (its score covers fewer days).
    """
    fig = go.Figure()
    symbols = ["circle" if done else "circle-open" for done in weeks["complete"]]
    for column, name, colour, dash in (
        ("srm", "From your diary", PALETTE["reported"], "solid"),
        ("srm_estimated", "Estimated from your wearable", PALETTE["estimated"], "dash"),
    ):
        fig.add_trace(
            go.Scatter(
                x=list(weeks["week_start"]),
                y=weeks[column].to_numpy(dtype=np.float64),
                name=name,
                mode="lines+markers",
                line={"color": colour, "dash": dash},
                marker={"size": 9, "symbol": symbols, "color": colour},
                connectgaps=False,
                hovertemplate="Week from %{x|%d %b}: %{y:.1f} of 7<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        _CLIENT_LAYOUT, title={"text": "How regular each week was (SRM, 0-7)"}, height=340
    )
    fig.update_xaxes(title_text="Week starting", nticks=4, tickformat="%d %b")
    fig.update_yaxes(title_text="SRM", range=[0, 7.3], tickvals=[0, 2, 4, 6])
    if weeks.empty:
        _no_data(fig, "No weeks with entries yet")
    return fig


def _tick_step(half_range: float) -> int:
    return 60 if half_range <= 120 else 120 if half_range <= 300 else 240


def anchor_times_figure(
    anchors: pd.DataFrame,
    targets: Mapping[str, int],
    *,
    start: dt.date,
    end: dt.date,
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
    """
    keys = SRM5.keys
    fig = make_subplots(
        rows=len(keys),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=[ANCHOR_SHORT[k] for k in keys],
    )
    first_dot = first_target = True
    for row, key in enumerate(keys, start=1):
        rows = anchors[anchors["activity"] == key]
        times = rows["minutes"].to_numpy(dtype=np.float64)
        target = targets.get(key)
        centre = float(target) if target is not None else circular.mean_minutes(times)
        if not np.isfinite(centre):
            centre = 12 * 60.0
        y = circular.unwrap(times, centre) if times.size else times
        fig.add_trace(
            go.Scatter(
                x=list(rows["date"]),
                y=y,
                mode="markers",
                name="Your time",
                legendgroup="time",
                showlegend=first_dot,
                marker={"color": PALETTE["reported"], "size": 8},
                customdata=[_clock_text(t) for t in times],
                hovertemplate="%{x|%a %d %b}: %{customdata}<extra></extra>",
            ),
            row=row,
            col=1,
        )
        first_dot = False
        half = 90.0
        if target is not None:
            fig.add_hrect(
                y0=centre - HIT_WINDOW_MIN,
                y1=centre + HIT_WINDOW_MIN,
                fillcolor=PALETTE["band"],
                line_width=0,
                layer="below",
                row=row,
                col=1,
            )
            fig.add_trace(
                go.Scatter(
                    x=[start, end],
                    y=[centre, centre],
                    mode="lines",
                    name=f"Target, ±{HIT_WINDOW_MIN} min",
                    legendgroup="target",
                    showlegend=first_target,
                    line={"color": PALETTE["target"], "width": 2},
                    hovertemplate=f"Target {_clock_text(centre)}<extra></extra>",
                ),
                row=row,
                col=1,
            )
            first_target = False
        if np.isfinite(y).any():
            half = max(half, float(np.nanmax(np.abs(y - centre))) + 20)
        step = _tick_step(half)
        low, high = np.ceil((centre - half) / step), np.floor((centre + half) / step)
        ticks = np.arange(low, high + 1) * step
        fig.update_yaxes(
            range=[centre + half, centre - half],  # earlier times at the top
            tickvals=list(ticks),
            ticktext=[_clock_text(t) for t in ticks],
            row=row,
            col=1,
        )
    fig.update_layout(
        _CLIENT_LAYOUT,
        title={"text": f"Your anchors, last {(end - start).days + 1} days"},
        height=130 * len(keys) + 130,
        margin={"t": 64},
    )
    fig.update_xaxes(range=[start - dt.timedelta(hours=12), end + dt.timedelta(hours=12)])
    fig.update_xaxes(title_text="Date", nticks=4, tickformat="%d %b", row=len(keys), col=1)
    fig.update_yaxes(title_text="Time", row=(len(keys) + 1) // 2, col=1)
    if anchors.empty:
        _no_data(fig, "No anchors entered in these days")
    return fig


def _since_noon(minutes: np.ndarray) -> np.ndarray:
    """Clock minutes as minutes after noon (0..1439), so a night is one unbroken span."""
    return np.asarray(np.mod(minutes - 12 * 60, 1440), dtype=np.float64)


def sleep_nights_figure(sleep: pd.DataFrame, *, start: dt.date, end: dt.date) -> go.Figure:
    """Main sleep per night: a bar from onset to offset on a clock axis that wraps at noon.

    *sleep* has ``night`` (the date the night starts on), ``onset_min``,
    ``offset_min`` and ``duration_min``
    (:func:`ipsrt.reports.my_rhythm.sleep_nights`). The axis runs from noon
    to noon, evening at the top; a bar starts at the onset and is
    ``duration_min`` long.
    """
    base = _since_noon(sleep["onset_min"].to_numpy(dtype=np.float64))
    length = sleep["duration_min"].to_numpy(dtype=np.float64)
    text = [
        f"{_clock_text(on)} to {_clock_text(off)}, {int(d) // 60} h {int(d) % 60:02d} min"
        for on, off, d in zip(sleep["onset_min"], sleep["offset_min"], length, strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=list(sleep["night"]),
            y=length,
            base=base,
            name="Main sleep",
            marker={"color": PALETTE["sleep"]},
            customdata=text,
            hovertemplate="Night of %{x|%a %d %b}: %{customdata}<extra></extra>",
        )
    )
    top, bottom = 6 * 60.0, 20 * 60.0  # 18:00 .. 08:00
    if len(base):
        top = min(top, float(np.nanmin(base)) - 30)
        bottom = max(bottom, float(np.nanmax(base + length)) + 30)
    top, bottom = max(top, 0.0), min(bottom, 1440.0 + 12 * 60)
    ticks = [float(t) for t in range(0, 1440 + 12 * 60 + 1, 180) if top <= t <= bottom]
    fig.update_layout(
        _CLIENT_LAYOUT, title={"text": "Sleep per night"}, height=340, showlegend=False
    )
    fig.update_xaxes(
        title_text="Night of",
        nticks=4,
        tickformat="%d %b",
        range=[start - dt.timedelta(hours=12), end + dt.timedelta(hours=12)],
    )
    fig.update_yaxes(
        title_text="Clock time",
        range=[bottom, top],  # evening at the top
        tickvals=ticks,
        ticktext=[_clock_text(t + 12 * 60) for t in ticks],
    )
    if sleep.empty:
        _no_data(fig, "No nights recorded by your wearable")
    return fig


# -- figures of the clinician pages (Caseload, Client) ---------------------------------
