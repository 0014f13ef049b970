"""Figures of the clinician's client page: actogram, anchor raster, sleep, weekly trends, mood.

Pure functions, data in, plotly figures out (:mod:`dashboard.figures`); the
data come from :mod:`ipsrt.reports.client_view` and
:func:`ipsrt.reports.nights.main_sleeps`, and every figure marks the
client's life events by :func:`dashboard.figures.life_event_markers.life_event_marks`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.figures.figure_layout import (
    PALETTE,
    axis_keys,
    clock_ticks,
    on_panel,
    panel_figure,
    stacked_layout,
)
from dashboard.figures.life_event_markers import add_life_events
from ipsrt import circular
from ipsrt.ipt.life_events import LifeEvent
from ipsrt.srm import SRM5
from ipsrt.srm.scoring import HIT_WINDOW_MIN

__all__ = [
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
    events: Sequence[LifeEvent] = (),
) -> go.Figure:
    """Double-plotted actogram: each row shows day *d* and day *d + 1* (48 h).

    The arguments are those of :func:`ipsrt.reports.client_view.actogram_data`:
    ISO dates, days x bins matrices of mean activity, minutes worn and
    minutes asleep, and the bin width. Three heatmaps share the grid:
    activity of the worn bins (blue scale), sleep shaded over it (the share
    of the bin asleep) and bins with no minute worn in grey. Rows run top to bottom, oldest first.
    The matrices are passed to plotly as float32 arrays (NaN: an empty
    cell), which it sends as compact typed arrays without checking each value.
    *events* of the days shown are marked across the rows of their days.
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
    ticks, labels = clock_ticks(0, 48, 6)
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
    if days:
        first, last = dt.date.fromisoformat(days[0]), dt.date.fromisoformat(days[-1])
        add_life_events(fig, events, days_on="y", first=first, last=last, rows_from=first)
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


def anchor_raster_figure(
    raster: pd.DataFrame, targets: Mapping[str, int], *, events: Sequence[LifeEvent] = ()
) -> go.Figure:
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
    *events* are marked across every panel.
    """
    anchors = [a for a in SRM5.keys if a in set(raster["activity"]) or a in targets]
    anchors = anchors or ["out_of_bed"]
    fig = panel_figure(len(anchors), [SRM5.label_of(a) for a in anchors], 0.06)
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
        ticks, labels = clock_ticks(lo, lo + 6, 1)
        fig.layout[f"yaxis{axis}"].update(
            title={"text": "Clock time"}, tickvals=ticks, ticktext=labels
        )
    fig.add_traces([on_panel(t, r) for t, r in zip(traces, rows, strict=True)])
    fig.update_layout(shapes=lines)
    add_life_events(fig, events, date_axes=axis_keys("x", len(anchors)))
    return stacked_layout(
        fig,
        "SRM anchors: reported and estimated, with habitual bands and targets",
        "Date",
        rows=len(anchors),
        row_height=180,
    )


def sleep_timeline_figure(sleeps: pd.DataFrame, *, events: Sequence[LifeEvent] = ()) -> go.Figure:
    """Main sleep per night as a bar from onset to offset on a noon-to-noon clock.

    *sleeps* is :func:`ipsrt.reports.nights.main_sleeps`; the bar starts at
    the onset's local clock time (noon = 12, midnight = 24, next noon = 36)
    and is as long as the time in bed. *events* are marked across the
    nights of their dates (an event on date D at the night starting on D).
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
    ticks, labels = clock_ticks(12, 36, 3)
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
    return add_life_events(fig, events, days_on="y", date_axes=["yaxis"])


def weekly_trends_figure(trends: pd.DataFrame, *, events: Sequence[LifeEvent] = ()) -> go.Figure:
    """Small multiples of the weekly IS, IV, RA, SRI and SRM-5 (diary and estimated).

    *trends* is :func:`ipsrt.reports.client_view.weekly_trends`; weeks
    without a value leave a gap. *events* are marked across every panel.
    """
    fig = panel_figure(len(_TREND_PANELS), [title for _column, title in _TREND_PANELS], 0.05)
    weeks = list(trends["week_start"])
    traces = []
    for row, (column, title) in enumerate(_TREND_PANELS, start=1):
        traces.append(
            on_panel(
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
        on_panel(
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
    add_life_events(fig, events, date_axes=axis_keys("x", len(_TREND_PANELS)))
    return stacked_layout(
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


def mood_figure(
    daily: pd.DataFrame,
    best: Mapping[str, float | str] | None,
    *,
    events: Sequence[LifeEvent] = (),
) -> go.Figure:
    """Daily mood (-5..+5) with last night's sleep, annotated with the strongest lagged link.

    *daily* and *best* come from :func:`ipsrt.reports.client_view.mood_linkage`;
    the annotation is :func:`linkage_sentence`. *events* are marked on the
    date axis.
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
    return add_life_events(fig, events, date_axes=["xaxis"])
