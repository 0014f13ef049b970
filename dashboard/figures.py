"""The dashboard's figures: pure functions, data frames in, plotly figures out.

No figure reads the store, the clock or the session; pages fetch data through
the core's services (:mod:`ipsrt.reports`) after :func:`ipsrt.reports.access.authorize`
and pass it here. Every figure has a title, labelled axes and colours that
stay distinguishable for the common forms of colour blindness (the Okabe-Ito
palette; Okabe & Ito 2008, https://jfly.uni-koeln.de/color/).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
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


def _clock_text(minutes: float) -> str:
    whole = round(minutes) % 1440
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _merged(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """*base* updated by *extra* the way ``update_layout`` does: nested dicts merge."""
    out = dict(base)
    for key, value in extra.items():
        old = out.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            value = _merged(old, value)
        out[key] = value
    return out


def _no_data_note(text: str) -> dict[str, Any]:
    """The centred annotation of a figure with nothing to draw."""
    return {
        "text": text,
        "showarrow": False,
        "xref": "paper",
        "yref": "paper",
        "x": 0.5,
        "y": 0.5,
        "font": {"size": 14},
    }


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


def srm_trend_figure(weeks: pd.DataFrame) -> go.Figure:
    """Weekly SRM-5 of the diary and of the estimated anchors (0..7) against the week start.

    *weeks* has ``week_start``, ``srm``, ``srm_estimated`` and ``complete``
    (:func:`ipsrt.reports.my_rhythm.srm_trend`); the week still running is
    drawn with an open marker (its score covers fewer days).
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
        layout["annotations"] = [_no_data_note("No weeks with entries yet")]
    return _client_figure(data, layout)


def _tick_step(half_range: float) -> int:
    return 60 if half_range <= 120 else 120 if half_range <= 300 else 240


@functools.cache
def _anchor_panels(rows: int, titles: tuple[str, ...], spacing: float = 0.06) -> dict[str, Any]:
    """The layout of *rows* stacked panels sharing the date axis (plotly's ``make_subplots``,
    computed once per process)."""
    grid = make_subplots(
        rows=rows, cols=1, shared_xaxes=True, vertical_spacing=spacing, subplot_titles=titles
    )
    layout: dict[str, Any] = grid.layout.to_plotly_json()
    layout.pop("template", None)
    return layout


def _axis(name: str, row: int) -> str:
    """``x``, ``x2``... : the trace reference of panel *row*'s axis."""
    return name if row == 1 else f"{name}{row}"


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
    layout = copy.deepcopy(_anchor_panels(len(keys), tuple(ANCHOR_SHORT[k] for k in keys)))
    data: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    activity = anchors["activity"].to_numpy()
    dates = anchors["date"].to_numpy()
    minutes = anchors["minutes"].to_numpy(dtype=np.float64)
    first_dot = first_target = True
    for row, key in enumerate(keys, start=1):
        xref, yref = _axis("x", row), _axis("y", row)
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
                "customdata": [_clock_text(t) for t in times],
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
                    "hovertemplate": f"Target {_clock_text(centre)}<extra></extra>",
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
        axis["ticktext"] = [_clock_text(t) for t in ticks]
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
        layout["annotations"].append(_no_data_note("No anchors entered in these days"))
    layout.update(
        title={"text": f"Your anchors, last {(end - start).days + 1} days"},
        height=130 * len(keys) + 130,
        margin={"t": 64},
    )
    return _client_figure(data, layout)


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
            "ticktext": [_clock_text(t + 12 * 60) for t in ticks],
        },
    }
    if sleep.empty:
        layout["annotations"] = [_no_data_note("No nights recorded by your wearable")]
    return _client_figure([bars], layout)


# -- figures of the clinician pages (Caseload, Client) ---------------------------------

__all__ += [
    "actogram_figure",
    "anchor_raster_figure",
    "linkage_sentence",
    "mood_figure",
    "sleep_timeline_figure",
    "weekly_trends_figure",
]

_TREND_PANELS = (
    ("IS", "Interdaily stability"),
    ("IV", "Intradaily variability"),
    ("RA", "Relative amplitude"),
    ("SRI", "Sleep Regularity Index"),
    ("srm", "SRM-5"),
)
_FEATURE_WORDS = {
    "sleep_duration_min": "last night's sleep",
    "midpoint_deviation_min": "the sleep midpoint's shift from habit",
}


def _clock_ticks(lo_h: float, hi_h: float, step: int = 2) -> tuple[list[float], list[str]]:
    """Tick positions every *step* hours over [lo_h, hi_h] labelled as clock times (mod 24)."""
    first = int(np.floor(lo_h / step) * step)
    values = [float(h) for h in range(first, int(np.ceil(hi_h)) + 1, step)]
    return values, [f"{int(h) % 24:02d}:00" for h in values]


def _panel_figure(rows: int, titles: list[str], spacing: float) -> go.Figure:
    """An empty figure of *rows* stacked panels (the grid laid out once per process)."""
    return go.Figure(layout=_anchor_panels(rows, tuple(titles), spacing))


def _on_panel(trace: go.Scatter, row: int) -> go.Scatter:
    """*trace* placed on panel *row* of a :func:`_panel_figure`."""
    suffix = "" if row == 1 else str(row)
    trace.update(xaxis=f"x{suffix}", yaxis=f"y{suffix}")
    return trace


def _stacked(fig: go.Figure, title: str, x_title: str, *, rows: int, row_height: int) -> go.Figure:
    """Title, bottom x-axis title, height and legend of a figure of *rows* stacked panels."""
    fig.layout["xaxis" if rows == 1 else f"xaxis{rows}"].update(title={"text": x_title})
    fig.update_layout(
        title={"text": title},
        height=row_height * rows + 120,
        legend={"orientation": "h", "y": -0.08},
        margin={"l": 70, "r": 20, "t": 80, "b": 60},
    )
    return fig


def _double(rows: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Each row followed by the next one (48 h per row); the last row's second day is empty."""
    gap = np.full((min(len(rows), 1), rows.shape[1]), np.nan, dtype=rows.dtype)
    return np.hstack([rows, np.vstack([rows[1:], gap])])


def actogram_figure(
    days: list[str],
    activity: list[list[float | None]],
    worn: list[list[int]],
    sleep: list[list[int]],
    *,
    bin_minutes: int,
) -> go.Figure:
    """Double-plotted actogram: each row shows day *d* and day *d + 1* (48 h).

    The arguments are those of :func:`ipsrt.reports.client_view.actogram_data`:
    ISO dates, days x bins matrices of mean activity, minutes worn and
    minutes asleep, and the bin width. Three heatmaps share the grid:
    activity of the worn bins (blue scale), sleep shaded over it (the share
    of the bin asleep) and bins with no minute worn in grey. Rows run top to bottom, oldest first.
    The matrices are passed to plotly as float32 arrays (NaN: an empty
    cell), which it sends as compact typed arrays without checking each value.
    """
    per_day = 1440 // bin_minutes
    shape = (len(days), per_day)
    mean = np.array(activity, dtype=np.float64).reshape(shape)
    worn_min = np.array(worn, dtype=np.float64).reshape(shape)
    sleep_min = np.array(sleep, dtype=np.float64).reshape(shape)
    nan = np.float32(np.nan)
    worn_activity = np.where(worn_min > 0, mean, nan).astype(np.float32)
    asleep = np.where(sleep_min > 0, np.round(sleep_min / bin_minutes, 2), nan).astype(np.float32)
    not_worn = np.where(worn_min > 0, nan, 1.0).astype(np.float32)
    x = np.round((np.arange(2 * per_day) + 0.5) * bin_minutes / 60, 3)
    common: dict[str, object] = {
        "x": x,
        "y": np.array(days, dtype=str),
        "xgap": 0,
        "ygap": 1,
        "hoverongaps": False,
    }
    fig = go.Figure(
        [
            go.Heatmap(
                z=_double(not_worn),
                colorscale=[[0, PALETTE["not_worn"]], [1, PALETTE["not_worn"]]],
                showscale=False,
                name="Not worn",
                hovertemplate="%{y} %{x:.1f} h: not worn<extra></extra>",
                **common,
            ),
            go.Heatmap(
                z=_double(worn_activity),
                colorscale=[[0, "#FFFFFF"], [1, PALETTE["activity"]]],
                colorbar={"title": {"text": "Activity"}, "len": 0.5},
                name="Activity",
                hovertemplate="%{y} %{x:.1f} h: activity %{z:.1f}<extra></extra>",
                **common,
            ),
            go.Heatmap(
                z=_double(asleep),
                colorscale=[[0, "rgba(86, 180, 233, 0.15)"], [1, "rgba(86, 180, 233, 0.6)"]],
                zmin=0,
                zmax=1,
                showscale=False,
                name="Asleep",
                hovertemplate="%{y} %{x:.1f} h: asleep %{z:.0%}<extra></extra>",
                **common,
            ),
        ]
    )
    ticks, labels = _clock_ticks(0, 48, 6)
    fig.update_layout(
        title={"text": f"Actogram, double-plotted ({bin_minutes}-minute bins)"},
        xaxis={
            "title": {"text": "Clock time (day d, then day d+1)"},
            "tickvals": ticks,
            "ticktext": labels,
            "range": [0, 48],
        },
        yaxis={"title": {"text": "Date (day d)"}, "autorange": "reversed", "type": "category"},
        height=max(320, 40 + 14 * len(days)) if len(days) <= 120 else 1200,
        margin={"l": 90, "r": 20, "t": 50, "b": 50},
    )
    return fig


def _week_bands(
    weeks: npt.NDArray[np.datetime64], centres_h: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.generic], npt.NDArray[np.float64]]:
    """Outlines of one rectangle per week, ±``HIT_WINDOW_MIN`` around each centre (hours).

    Each rectangle spans its week's seven dates (half a day either side of the
    first and last) and is drawn as five corners, the last one repeating the
    first, then a gap (y NaN), so one scatter trace holds every week's band.
    """
    half = np.timedelta64(12, "h")
    x0 = weeks.astype("datetime64[m]") - half
    x1 = x0 + np.timedelta64(7, "D")
    y0, y1 = centres_h - HIT_WINDOW_MIN / 60, centres_h + HIT_WINDOW_MIN / 60
    x = np.stack([x0, x0, x1, x1, x0, x0], axis=1).ravel()
    y = np.stack([y0, y1, y1, y0, y0, np.full_like(y0, np.nan)], axis=1).ravel()
    return x, y


def anchor_raster_figure(raster: pd.DataFrame, targets: Mapping[str, int]) -> go.Figure:
    """SRM-5 anchor times per day, one panel per anchor: reported and estimated side by side.

    *raster* is :func:`ipsrt.reports.client_view.anchor_raster`. Reported
    (diary) times are circles, estimated (wearable) times diamonds; a hit
    is filled, a miss hollow. Each client week's habitual time of the
    reported anchors gets a band of ±``HIT_WINDOW_MIN`` minutes (the
    estimated one a dotted outline), and an agreed target a dashed line.
    The bands of one anchor and source are one scatter trace of rectangles
    (:func:`_week_bands`) drawn under the markers, so a year costs a few
    traces rather than hundreds of layout shapes.
    Clock times are drawn on a line unwrapped around each anchor's circular
    mean (:func:`ipsrt.circular.unwrap`), so 23:50 and 00:10 lie together.
    """
    anchors = [a for a in SRM5.keys if a in set(raster["activity"]) or a in targets]
    anchors = anchors or ["out_of_bed"]
    fig = _panel_figure(len(anchors), [SRM5.label_of(a) for a in anchors], 0.06)
    shown: set[str] = set()
    traces: list[go.Scatter] = []
    rows: list[int] = []
    lines: list[dict[str, object]] = []
    for row, anchor in enumerate(anchors, start=1):
        part = raster[raster["activity"] == anchor]
        values = np.concatenate(
            [
                part["minutes"].to_numpy(dtype=float),
                [float(targets[anchor])] if anchor in targets else [],
            ]
        )
        centre = circular.mean_minutes(values) if len(values) else 720.0
        centre = 720.0 if np.isnan(centre) else centre

        def hours(minutes: object, centre: float = centre) -> npt.NDArray[np.float64]:
            return np.asarray(circular.unwrap(np.asarray(minutes, dtype=float), centre) / 60)

        markers: list[go.Scatter] = []
        for source, symbol in (("reported", "circle"), ("estimated", "diamond")):
            mine = part[part["source"] == source]
            if mine.empty:
                continue
            label = "Reported (diary)" if source == "reported" else "Estimated (wearable)"
            hit = mine["hit"].to_numpy(dtype=bool)
            minutes = mine["minutes"].to_numpy(dtype=float).astype(np.int64)
            markers.append(
                go.Scatter(
                    x=np.array(list(mine["date"]), dtype="datetime64[D]"),
                    y=hours(mine["minutes"]),
                    mode="markers",
                    name=label,
                    legendgroup=source,
                    showlegend=source not in shown,
                    marker={
                        "symbol": [symbol if h else f"{symbol}-open" for h in hit],
                        "color": PALETTE[source],
                        "size": 8,
                    },
                    customdata=[f"{m // 60:02d}:{m % 60:02d}" for m in minutes.tolist()],
                    hovertemplate="%{x}: %{customdata}<extra>" + label + "</extra>",
                )
            )
            shown.add(source)
            weeks = mine.dropna(subset=["habitual_min"]).drop_duplicates("week_start")
            if weeks.empty:
                continue
            x, y = _week_bands(
                np.array(list(weeks["week_start"]), dtype="datetime64[D]"),
                hours(weeks["habitual_min"]),
            )
            traces.append(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines",
                    name=f"habitual {source}",
                    legendgroup=source,
                    showlegend=False,
                    hoverinfo="skip",
                    fill="toself" if source == "reported" else "none",
                    fillcolor=PALETTE["band"] if source == "reported" else None,
                    line={
                        "width": 0 if source == "reported" else 1,
                        "dash": "dot",
                        "color": PALETTE["estimated"],
                    },
                )
            )
            rows.append(row)
        traces += markers
        rows += [row] * len(markers)
        axis = "" if row == 1 else str(row)
        if anchor in targets:
            level = float(hours([targets[anchor]])[0])
            lines.append(
                {
                    "type": "line",
                    "xref": f"x{axis} domain",
                    "x0": 0,
                    "x1": 1,
                    "yref": f"y{axis}",
                    "y0": level,
                    "y1": level,
                    "line": {"color": PALETTE["target"], "dash": "dash", "width": 2},
                    "name": "target",
                }
            )
        lo = float(hours([centre])[0]) - 3
        ticks, labels = _clock_ticks(lo, lo + 6, 1)
        fig.layout[f"yaxis{axis}"].update(
            title={"text": "Clock time"}, tickvals=ticks, ticktext=labels
        )
    fig.add_traces([_on_panel(t, r) for t, r in zip(traces, rows, strict=True)])
    fig.update_layout(shapes=lines)
    return _stacked(
        fig,
        "SRM anchors: reported and estimated, with habitual bands and targets",
        "Date",
        rows=len(anchors),
        row_height=180,
    )


def sleep_timeline_figure(sleeps: pd.DataFrame) -> go.Figure:
    """Main sleep per night as a bar from onset to offset on a noon-to-noon clock.

    *sleeps* is :func:`ipsrt.reports.nights.main_sleeps`; the bar starts at
    the onset's local clock time (noon = 12, midnight = 24, next noon = 36)
    and is as long as the time in bed.
    """
    onset_h = ((sleeps["onset_local"].to_numpy(dtype=float) - 720.0) % 1440.0) / 60 + 12
    fig = go.Figure(
        go.Bar(
            y=list(sleeps["night"]),
            x=(sleeps["duration_min"].to_numpy(dtype=float) / 60).round(2),
            base=onset_h.round(2),
            orientation="h",
            marker={"color": PALETTE["sleep"]},
            name="Main sleep",
            customdata=(sleeps["sleep_min"].to_numpy(dtype=float) / 60).round(1),
            hovertemplate="Night of %{y}: %{x:.1f} h in bed, %{customdata} h asleep<extra></extra>",
        )
    )
    ticks, labels = _clock_ticks(12, 36, 3)
    fig.update_layout(
        title={"text": "Main sleep per night"},
        xaxis={
            "title": {"text": "Clock time (noon to noon)"},
            "tickvals": ticks,
            "ticktext": labels,
            "range": [12, 36],
        },
        yaxis={"title": {"text": "Night of"}, "autorange": "reversed"},
        height=max(300, 60 + 12 * len(sleeps)),
        margin={"l": 90, "r": 20, "t": 50, "b": 50},
    )
    return fig


def weekly_trends_figure(trends: pd.DataFrame) -> go.Figure:
    """Small multiples of the weekly IS, IV, RA, SRI and SRM-5 (diary and estimated).

    *trends* is :func:`ipsrt.reports.client_view.weekly_trends`; weeks
    without a value leave a gap.
    """
    fig = _panel_figure(len(_TREND_PANELS), [title for _column, title in _TREND_PANELS], 0.05)
    weeks = list(trends["week_start"])
    traces = []
    for row, (column, title) in enumerate(_TREND_PANELS, start=1):
        traces.append(
            _on_panel(
                go.Scatter(
                    x=weeks,
                    y=pd.to_numeric(trends[column], errors="coerce").round(3),
                    mode="lines+markers",
                    name="SRM-5 (diary)" if column == "srm" else title,
                    line={"color": PALETTE["reported"] if column == "srm" else PALETTE["activity"]},
                    showlegend=column == "srm",
                ),
                row,
            )
        )
        fig.layout["yaxis" if row == 1 else f"yaxis{row}"].update(title={"text": column})
    traces.append(
        _on_panel(
            go.Scatter(
                x=weeks,
                y=pd.to_numeric(trends["srm_estimated"], errors="coerce").round(3),
                mode="lines+markers",
                name="SRM-5 (estimated)",
                line={"color": PALETTE["estimated"], "dash": "dot"},
                marker={"symbol": "diamond"},
            ),
            len(_TREND_PANELS),
        )
    )
    fig.add_traces(traces)
    return _stacked(
        fig, "Weekly rhythm figures", "Week starting", rows=len(_TREND_PANELS), row_height=140
    )


def linkage_sentence(best: Mapping[str, float | str] | None) -> str:
    """The strongest lagged correlation in words (or why there is none)."""
    if best is None:
        return "Not enough days with both mood and sleep for a correlation (14 pairs needed)."
    feature = _FEATURE_WORDS.get(str(best["feature"]), str(best["feature"]))
    lag = int(best["lag"])
    when = (
        "on the same day"
        if lag == 0
        else f"{abs(lag)} day{'s' if abs(lag) != 1 else ''} " + ("later" if lag > 0 else "earlier")
    )
    return (
        f"Strongest link: {feature} with mood {when} "
        f"(Spearman rho = {float(best['rho']):.2f}, n = {int(best['n'])} days; "
        "not corrected for the lags tried)."
    )


def mood_figure(daily: pd.DataFrame, best: Mapping[str, float | str] | None) -> go.Figure:
    """Daily mood (-5..+5) with last night's sleep, annotated with the strongest lagged link.

    *daily* and *best* come from :func:`ipsrt.reports.client_view.mood_linkage`;
    the annotation is :func:`linkage_sentence`.
    """
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    dates = list(daily["date"])
    fig.add_trace(
        go.Bar(
            x=dates,
            y=(pd.to_numeric(daily["sleep_duration_min"], errors="coerce") / 60).round(2),
            name="Sleep the night before (h)",
            marker={"color": PALETTE["sleep"]},
            opacity=0.6,
        ),
        secondary_y=True,
    )
    fig.add_trace(
        go.Scatter(
            x=dates,
            y=pd.to_numeric(daily["mood"], errors="coerce"),
            mode="lines+markers",
            name="Mood",
            line={"color": PALETTE["mood"]},
            connectgaps=False,
        ),
        secondary_y=False,
    )
    fig.add_annotation(
        text=linkage_sentence(best),
        xref="paper",
        yref="paper",
        x=0,
        y=1.08,
        showarrow=False,
        align="left",
        xanchor="left",
    )
    fig.update_yaxes(title={"text": "Mood (-5 to +5)"}, range=[-5.5, 5.5], secondary_y=False)
    fig.update_yaxes(title={"text": "Sleep (h)"}, rangemode="tozero", secondary_y=True)
    fig.update_xaxes(title={"text": "Date"})
    fig.update_layout(
        title={"text": "Mood and sleep"},
        height=380,
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 70, "r": 70, "t": 90, "b": 60},
    )
    return fig
