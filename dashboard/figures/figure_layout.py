"""What every dashboard figure shares: colours, safe text, stacked panels, clock ticks.

Colours stay distinguishable for the common forms of colour blindness (the
Okabe-Ito palette; Okabe & Ito 2008, https://jfly.uni-koeln.de/color/).
"""

from __future__ import annotations

import functools
import html
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ipsrt.display import printable

__all__ = [
    "PALETTE",
    "axis_keys",
    "axis_ref",
    "clock_text",
    "clock_ticks",
    "figure_text",
    "no_data_note",
    "on_panel",
    "panel_figure",
    "stacked_layout",
    "stacked_panels_layout",
]

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
    "event_band": "rgba(0, 0, 0, 0.08)",
}


def figure_text(text: str) -> str:
    """*text* (a label someone typed) safe inside a plotly label or hover text.

    Control and format characters are escaped by :func:`ipsrt.display.printable`
    (the project's one escaping rule), then ``<``, ``>``, ``&`` and quotes become
    HTML entities: plotly reads a subset of HTML in text (``<b>``, ``<a href>``,
    ``<br>``), and an entity is shown as the character it names.
    """
    return html.escape(printable(text), quote=True)


def clock_text(minutes: float) -> str:
    """``HH:MM`` of clock minutes (taken modulo a day)."""
    whole = round(minutes) % 1440
    return f"{whole // 60:02d}:{whole % 60:02d}"


def clock_ticks(lo_h: float, hi_h: float, step: int = 2) -> tuple[list[float], list[str]]:
    """Tick positions every *step* hours over [lo_h, hi_h] labelled as clock times (mod 24)."""
    first = int(np.floor(lo_h / step) * step)
    values = [float(h) for h in range(first, int(np.ceil(hi_h)) + 1, step)]
    return values, [f"{int(h) % 24:02d}:00" for h in values]


def no_data_note(text: str) -> dict[str, Any]:
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


@functools.cache
def stacked_panels_layout(
    rows: int, titles: tuple[str, ...], spacing: float = 0.06
) -> dict[str, Any]:
    """The layout of *rows* stacked panels sharing the date axis (plotly's ``make_subplots``,
    computed once per process; callers copy it before changing it)."""
    grid = make_subplots(
        rows=rows, cols=1, shared_xaxes=True, vertical_spacing=spacing, subplot_titles=titles
    )
    layout: dict[str, Any] = grid.layout.to_plotly_json()
    layout.pop("template", None)
    return layout


def axis_ref(name: str, row: int) -> str:
    """``x``, ``x2``... : the trace reference of panel *row*'s axis."""
    return name if row == 1 else f"{name}{row}"


def axis_keys(name: str, rows: int) -> list[str]:
    """``xaxis``, ``xaxis2``...: the layout keys of the *name* axes of *rows* panels."""
    return [f"{name}axis{row if row > 1 else ''}" for row in range(1, rows + 1)]


def panel_figure(rows: int, titles: list[str], spacing: float) -> go.Figure:
    """An empty figure of *rows* stacked panels (the grid laid out once per process)."""
    return go.Figure(layout=stacked_panels_layout(rows, tuple(titles), spacing))


def on_panel(trace: go.Scatter, row: int) -> go.Scatter:
    """*trace* placed on panel *row* of a :func:`panel_figure`."""
    trace.update(xaxis=axis_ref("x", row), yaxis=axis_ref("y", row))
    return trace


def stacked_layout(
    fig: go.Figure, title: str, x_title: str, *, rows: int, row_height: int
) -> go.Figure:
    """Title, bottom x-axis title, height and legend of a figure of *rows* stacked panels."""
    fig.layout["xaxis" if rows == 1 else f"xaxis{rows}"].update(title={"text": x_title})
    fig.update_layout(
        title={"text": title},
        height=row_height * rows + 120,
        legend={"orientation": "h", "y": -0.08},
        margin={"l": 70, "r": 20, "t": 80, "b": 60},
    )
    return fig
