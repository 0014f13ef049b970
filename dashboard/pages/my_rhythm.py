"""*My rhythm*: a client's own weekly regularity, anchors against targets and sleep.

Everything comes from :func:`ipsrt.reports.my_rhythm.my_rhythm` (daily
summaries only) and is drawn by the client figures of
:mod:`dashboard.figures.client_figures`, each marking the client's life
events. Only the signed-in client's own data is shown: the callback finds
the client again with :func:`dashboard.context.own_client` on every call.
What the page shows is described in ``docs/dashboard.md``, "Client pages".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html
from dash.development.base_component import Component

from dashboard import context
from dashboard.figures.client_figures import (
    anchor_times_figure,
    sleep_nights_figure,
    srm_trend_figure,
)
from dashboard.pages.base import Page
from ipsrt.enums import Role
from ipsrt.reports.access import Action
from ipsrt.reports.my_rhythm import ANCHOR_DAYS, my_rhythm

__all__ = ["PAGE", "PERIODS", "layout", "register"]

PAGE = Page(
    path="/my-rhythm", title="My rhythm", action=Action.VIEW_CLIENT, nav_roles=(Role.CLIENT,)
)

#: The periods a client may choose for anchors and nights, in days.
PERIODS = (14, ANCHOR_DAYS, 84)
_GRAPH_CONFIG = dcc.Graph.Config(displayModeBar=False, responsive=True)
_DAY = dt.timedelta(days=1)


def layout(**_params: str) -> Component:
    """The page frame; the callback fills it for the chosen period."""
    context.own_client(Action.VIEW_CLIENT)
    return html.Div(
        [
            html.H1("My rhythm", className="h3"),
            dbc.Label("Show the last", html_for="my-rhythm-days"),
            dbc.Select(
                id="my-rhythm-days",
                options=[{"label": f"{d} days", "value": str(d)} for d in PERIODS],
                value=str(ANCHOR_DAYS),
                className="mb-3",
            ),
            html.P(id="my-rhythm-summary", className="lead fs-6", role="status"),
            dcc.Graph(id="my-rhythm-srm", config=_GRAPH_CONFIG),
            dcc.Graph(id="my-rhythm-anchors", config=_GRAPH_CONFIG),
            dcc.Graph(id="my-rhythm-sleep", config=_GRAPH_CONFIG),
        ],
        style={"maxWidth": "40rem"},
    )


def register(app: Dash) -> None:
    """The one callback of *My rhythm*: the summary and the three figures for a period."""

    @app.callback(
        Output("my-rhythm-summary", "children"),
        Output("my-rhythm-srm", "figure"),
        Output("my-rhythm-anchors", "figure"),
        Output("my-rhythm-sleep", "figure"),
        Input("my-rhythm-days", "value"),
    )
    def show(value: object) -> tuple[Any, ...]:
        client = context.own_client(Action.VIEW_CLIENT)
        days = int(value) if value in {str(d) for d in PERIODS} else ANCHOR_DAYS
        rhythm = my_rhythm(context.store(), client.code, context.now(), days=days)
        context.audit(Action.VIEW_CLIENT, client.code, page=PAGE.path, days=days)
        start = rhythm.today - dt.timedelta(days=days - 1)
        return (
            rhythm.summary,
            srm_trend_figure(rhythm.weeks, events=rhythm.events),
            anchor_times_figure(
                rhythm.anchors, rhythm.targets, start=start, end=rhythm.today, events=rhythm.events
            ),
            sleep_nights_figure(
                rhythm.sleep, start=start - _DAY, end=rhythm.today - _DAY, events=rhythm.events
            ),
        )
