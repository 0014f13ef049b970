"""Small building blocks of the dashboard's pages: text tables and labelled fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component

__all__ = [
    "labelled",
    "scrolling_region",
    "text_table",
]


def text_table(
    caption: str, headers: Sequence[str], rows: Sequence[Sequence[str]], *, empty: str
) -> Component:
    """A responsive table with a caption and a header row, or the *empty* note without rows."""
    if not rows:
        return html.P(empty, className="text-muted")
    table = dbc.Table(
        [
            html.Caption(caption),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
            html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows]),
        ],
        bordered=True,
        hover=True,
        size="sm",
        striped=True,
        className="caption-top",
    )
    return scrolling_region(table, caption)


def scrolling_region(content: Component, label: str) -> Component:
    """*content* (a wide table) in a box that scrolls sideways on a phone.

    A scrolling region must be reachable by keyboard (WCAG 2.1.1), so the box
    is focusable and named by *label*.
    """
    region: dict[str, Any] = {"role": "region", "aria-label": label}
    return html.Div(content, className="table-responsive", tabIndex="0", **region)


def labelled(label: str, field: Any, **widths: int) -> Component:
    """A grid column holding *field* under its visible label (*widths*: ``xs=12, md=6``...)."""
    return dbc.Col([dbc.Label(label, html_for=field.id), field], **(widths or {"xs": 12}))
