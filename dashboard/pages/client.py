"""One client's page for their clinician: rhythm figures, alerts to acknowledge, anchor targets.

The client code is taken from the path, checked with
:func:`dashboard.context.client` (the viewer must be a clinician the client is
assigned to) and kept in ``dcc.Store(id="client-client")``; every callback
checks it again for its own action (view, acknowledge, write targets), so a
code changed in the browser gets the same 403 as an unassigned one. All data
comes from :mod:`ipsrt.reports.client_view` and the figures from
:mod:`dashboard.figures.clinician_figures` (``docs/dashboard.md``, "Clinician pages"),
each marking the client's life events of the span
(:func:`ipsrt.reports.client_view.timeline_events`).
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Dash, Input, Output, State, dcc, html
from dash.development.base_component import Component

from dashboard import context
from dashboard.components import scrolling_region
from dashboard.figures import clinician_figures
from dashboard.pages.base import Page
from ipsrt.alerts.life_events import life_event_note
from ipsrt.errors import IpsrtError
from ipsrt.reports.access import Action
from ipsrt.reports.alerts import acknowledge
from ipsrt.reports.client_view import (
    actogram_data,
    anchor_raster,
    client_alerts,
    client_span,
    mood_linkage,
    timeline_events,
    weekly_trends,
)
from ipsrt.reports.nights import main_sleeps
from ipsrt.reports.targets import anchor_targets, set_anchor_target
from ipsrt.srm import SRM5
from ipsrt.timeutil import parse_clock

__all__ = ["PAGE", "SPANS", "layout", "register"]

PAGE = Page(path="/clients/<code>", title="Client", action=Action.VIEW_CLIENT)

#: Spans offered for the figures: label -> days ending on the client's local today.
SPANS = {"4 weeks": 28, "13 weeks": 91, "1 year": 364}
_FIGURES = ("actogram", "anchors", "sleep", "trends", "mood")
_CLIENT = "client-client"


def _clock(minutes: float) -> str:
    whole = round(minutes) % 1440
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _alert_item(alert: Any) -> Component:
    """One alert of :func:`ipsrt.reports.client_view.client_alerts` as a list item."""
    window = str(alert.window_start)
    if alert.window_end != alert.window_start:
        window += f" to {alert.window_end}"
    acked = f"acknowledged by {alert.acknowledged_by or 'a former user'}"
    state = {"open": "open", "acknowledged": acked}.get(alert.status, "resolved")
    if alert.status == "resolved" and alert.state == "acknowledged":
        state = f"resolved, {acked}"
    colour = {"urgent": "danger", "warning": "warning"}.get(alert.severity, "secondary")
    note = life_event_note(alert.evidence)
    return dbc.ListGroupItem(
        [
            # Dark text on the yellow warning badge keeps a 4.5:1 contrast (WCAG 1.4.3).
            dbc.Badge(
                alert.severity,
                color=colour,
                text_color="dark" if colour == "warning" else None,
                className="me-2",
            ),
            html.Strong(f"#{alert.id} {alert.rule}"),
            html.Span(f" ({window}, {state})"),
            html.Div(alert.message),
            *([html.Div(note, className="small text-muted")] if note else []),
        ]
    )


def _alerts_section(code: str) -> tuple[Component, list[dict[str, Any]]]:
    alerts = client_alerts(context.store(), code, now=context.now())
    items = [_alert_item(a) for a in alerts] or [dbc.ListGroupItem("No open or recent alerts.")]
    options = [
        {"label": f"#{a.id} {a.rule} ({a.window_end})", "value": a.id}
        for a in alerts
        if a.needs_attention
    ]
    return dbc.ListGroup(items), options


def _target_inputs(code: str) -> Component:
    targets = anchor_targets(context.store(), code)
    rows = []
    for key in SRM5.keys:
        ident = f"client-target-{key}"
        rows.append(
            dbc.Row(
                [
                    dbc.Label(SRM5.label_of(key), html_for=ident, width=6),
                    dbc.Col(
                        dbc.Input(
                            id=ident,
                            type="time",
                            value=_clock(targets[key]) if key in targets else "",
                        ),
                        width=6,
                    ),
                ],
                className="mb-2",
            )
        )
    return html.Div(rows)


def _section(title: str, children: Any) -> Component:
    """A titled part of the client page."""
    parts = children if isinstance(children, list) else [children]
    return html.Section([html.H2(title, className="h5 mt-4"), *parts], className="mb-3")


def layout(code: str = "", **_params: str) -> Component:
    """The client's page (the figures are filled by :func:`register`'s callbacks)."""
    client = context.client(Action.VIEW_CLIENT, code)
    context.audit(Action.VIEW_CLIENT, client.code, page="client")
    alerts, options = _alerts_section(client.code)
    graphs = {
        name: dcc.Loading(dcc.Graph(id=f"client-{name}", config={"displaylogo": False}))
        for name in _FIGURES
    }
    return html.Div(
        [
            dcc.Store(id=_CLIENT, data=client.code),
            html.H1(f"Client {client.code}", className="h3"),
            dcc.Link(
                "IPSRT course, inventory, life events and notes",
                href=f"/clients/{client.code}/course",
            ),
            dbc.Row(
                [
                    dbc.Label("Period shown", html_for="client-span", width="auto"),
                    dbc.Col(
                        dbc.Select(
                            id="client-span",
                            options=[{"label": k, "value": str(v)} for k, v in SPANS.items()],
                            value=str(SPANS["4 weeks"]),
                        ),
                        width="auto",
                    ),
                ],
                className="mb-3",
            ),
            # Stacked sections, not tabs: every figure is drawn at its full width
            # at once, and the page reads top to bottom with a screen reader.
            _section("Actogram", graphs["actogram"]),
            _section("Anchors", [graphs["anchors"], html.Div(id="client-anchor-table")]),
            _section("Sleep", graphs["sleep"]),
            _section("Weekly trends", graphs["trends"]),
            _section("Mood", graphs["mood"]),
            _section(
                "Alerts",
                [
                    html.Div(alerts, id="client-alerts", className="my-3"),
                    dbc.Label("Open alert", html_for="client-ack-alert"),
                    dbc.Select(id="client-ack-alert", options=options),
                    dbc.Button("Acknowledge", id="client-ack", color="primary", className="mt-2"),
                    html.Div(id="client-ack-status", role="status", className="mt-2"),
                ],
            ),
            _section(
                "Targets",
                [
                    html.P("Target clock times agreed with the client (leave empty: none)."),
                    _target_inputs(client.code),
                    dbc.Button("Save targets", id="client-targets-save", color="primary"),
                    html.Div(id="client-targets-status", role="status", className="mt-2"),
                ],
            ),
        ]
    )


def _side_by_side(raster: pd.DataFrame, days: int = 14) -> Component:
    """Reported and estimated times of each anchor for the last *days* dates."""
    if raster.empty:
        return html.P("No anchors reported or estimated in this period.")
    last = max(raster["date"])
    recent = raster[raster["date"] > last - pd.Timedelta(days=days).to_pytimedelta()]
    table = recent.pivot_table(
        index=["date", "activity"], columns="source", values="minutes", aggfunc="first"
    ).reindex(columns=["reported", "estimated"])
    rows = []
    for (date, activity), values in table.iterrows():
        reported, estimated = values["reported"], values["estimated"]
        both = np.isfinite(reported) and np.isfinite(estimated)
        difference = f"{(estimated - reported + 720) % 1440 - 720:+.0f}" if both else "–"
        rows.append(
            html.Tr(
                [
                    html.Td(str(date)),
                    html.Td(SRM5.label_of(str(activity))),
                    html.Td(_clock(reported) if np.isfinite(reported) else "–"),
                    html.Td(_clock(estimated) if np.isfinite(estimated) else "–"),
                    html.Td(difference),
                ]
            )
        )
    head = ("Date", "Anchor", "Reported", "Estimated", "Estimated − reported (min)")
    caption = f"Reported and estimated anchors, last {days} days"
    table = dbc.Table(
        [
            html.Caption(caption),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody(rows),
        ],
        size="sm",
    )
    return scrolling_region(table, caption)


def register(app: Dash) -> None:
    """The figure, acknowledgement and target callbacks of the client page."""

    @app.callback(
        *(Output(f"client-{name}", "figure") for name in _FIGURES),
        Output("client-anchor-table", "children"),
        Input("client-span", "value"),
        State(_CLIENT, "data"),
    )
    def show_figures(span: Any, code: Any) -> tuple[Any, ...]:
        client = context.client(Action.VIEW_CLIENT, code)
        store = context.store()
        days = int(span) if str(span) in {str(v) for v in SPANS.values()} else SPANS["4 weeks"]
        start, end = client_span(store, client.code, now=context.now(), days=days)
        context.audit(Action.VIEW_CLIENT, client.code, page="client", days=days)
        raster = anchor_raster(store, client.code, start, end)
        linkage = mood_linkage(store, client.code, start, end)
        acto = actogram_data(store, client.code, start, end)
        events = timeline_events(store, client.code, start, end)
        return (
            clinician_figures.actogram_figure(
                acto["days"],
                acto["activity"],
                acto["worn"],
                acto["sleep"],
                bin_minutes=acto["bin_minutes"],
                events=events,
            ),
            clinician_figures.anchor_raster_figure(
                raster, anchor_targets(store, client.code), events=events
            ),
            clinician_figures.sleep_timeline_figure(
                main_sleeps(store, client.code, start, end), events=events
            ),
            clinician_figures.weekly_trends_figure(
                weekly_trends(store, client.code, start, end), events=events
            ),
            clinician_figures.mood_figure(linkage.daily, linkage.best, events=events),
            _side_by_side(raster),
        )

    @app.callback(
        Output("client-alerts", "children"),
        Output("client-ack-alert", "options"),
        Output("client-ack-status", "children"),
        Input("client-ack", "n_clicks"),
        State("client-ack-alert", "value"),
        State(_CLIENT, "data"),
        prevent_initial_call=True,
    )
    def acknowledge_alert(clicks: Any, alert_id: Any, code: Any) -> tuple[Any, Any, str]:
        client = context.client(Action.ACKNOWLEDGE_ALERT, code)
        message = "Choose an open alert first."
        if clicks and alert_id not in (None, ""):
            try:
                wanted = int(alert_id)
            except (TypeError, ValueError):
                wanted = -1
            try:
                done = acknowledge(
                    context.store(),
                    wanted,
                    by_login=context.viewer().login,
                    now=context.now(),
                    client_code=client.code,
                )
                message = f"Alert #{done.id} acknowledged."
            except IpsrtError as exc:
                if isinstance(exc, PermissionError):
                    raise
                message = str(exc)
        alerts, options = _alerts_section(client.code)
        return alerts, options, message

    @app.callback(
        Output("client-targets-status", "children"),
        Input("client-targets-save", "n_clicks"),
        *(State(f"client-target-{key}", "value") for key in SRM5.keys),
        State(_CLIENT, "data"),
        prevent_initial_call=True,
    )
    def save_targets(clicks: Any, *values_and_code: Any) -> str:
        *values, code = values_and_code
        client = context.client(Action.WRITE_TARGETS, code)
        if not clicks:
            return ""
        try:
            minutes = {
                key: parse_clock(str(v)) if v not in (None, "") else None
                for key, v in zip(SRM5.keys, values, strict=True)
            }
        except IpsrtError as exc:
            return f"Nothing saved: {exc}"
        changed = [
            key
            for key, minute in minutes.items()
            if set_anchor_target(
                context.store(),
                client.code,
                key,
                minute,
                now=context.now(),
                actor=context.viewer().login,
            )
        ]
        return f"Saved {len(changed)} change(s)." if changed else "No change."
