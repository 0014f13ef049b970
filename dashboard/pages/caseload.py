"""The clinician's caseload: their assigned clients, who needs attention first.

Rows come from :func:`ipsrt.reports.caseload_view.caseload_rows` for the
clients assigned to the viewer (read afresh for every request); the order is
its attention ranking (``docs/dashboard.md``, "Clinician pages"). Each row
links to the client's page, which checks the assignment again.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Dash, dcc, html
from dash.development.base_component import Component

from dashboard import context
from dashboard.components import scrolling_region
from dashboard.pages.base import Page
from ipsrt.enums import Role
from ipsrt.reports.access import Action
from ipsrt.reports.caseload_view import caseload_rows

__all__ = ["PAGE", "layout", "register"]

PAGE = Page(
    path="/caseload", title="Caseload", action=Action.VIEW_CASELOAD, nav_roles=(Role.CLINICIAN,)
)

_REASONS = {
    "urgent_alert": "urgent alert",
    "warning_alert": "open warning",
    "srm_falling": "SRM falling",
    "midpoint_shift": "sleep midpoint moved",
    "stale_data": "no recent data",
}
_HEADERS = (
    "Client",
    "Needs attention",
    "Open alerts",
    "SRM-5 (change)",
    "Estimated SRM-5 (change)",
    "SRI, 14 days",
    "Sleep midpoint (shift)",
    "Last data",
    "Battery",
)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT


def _score(value: Any, change: Any) -> str:
    if _missing(value):
        return "–"
    return f"{value:.1f}" if _missing(change) else f"{value:.1f} ({change:+.1f})"


def _clock(minutes: Any) -> str:
    whole = round(minutes) % 1440
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _midpoint(value: Any, shift: Any) -> str:
    if _missing(value):
        return "–"
    return _clock(value) if _missing(shift) else f"{_clock(value)} ({shift:+.0f} min)"


def _age(hours: Any) -> str:
    if _missing(hours):
        return "never"
    if hours < 1:
        return "within the hour"
    return f"{hours:.0f} h ago" if hours < 48 else f"{hours / 24:.0f} days ago"


def _alerts(row: dict[str, Any]) -> str:
    if not row["open_alerts"]:
        return "none"
    return f"{row['open_alerts']} (highest: {row['highest_severity']})"


def _row(row: dict[str, Any]) -> html.Tr:
    code = str(row["client"])
    reasons = ", ".join(_REASONS[r] for r in row["attention_reasons"]) or "nothing flagged"
    return html.Tr(
        [
            html.Td(dcc.Link(code, href=f"/clients/{code}", className="link-dark fw-semibold")),
            html.Td(reasons),
            html.Td(_alerts(row)),
            html.Td(_score(row["srm"], row["srm_change"])),
            html.Td(_score(row["srm_estimated"], row["srm_estimated_change"])),
            html.Td("–" if _missing(row["sri_14d"]) else f"{row['sri_14d']:.0f}"),
            html.Td(_midpoint(row["midpoint_min"], row["midpoint_shift_min"])),
            html.Td(_age(row["data_age_h"])),
            html.Td("–" if _missing(row["battery"]) else f"{row['battery']:.0f} %"),
        ],
        className={0: "table-danger", 1: "table-warning"}.get(int(row["attention_tier"]), ""),
    )


def layout(**_params: str) -> Component:
    """The viewer's assigned clients, most in need of attention first."""
    viewer = context.require(Action.VIEW_CASELOAD)
    store = context.store()
    codes = sorted(
        c.code for c in store.accounts.assigned_clients(viewer.login) if c.id in viewer.assigned
    )
    rows = caseload_rows(store, codes, now=context.now())
    context.audit(Action.VIEW_CASELOAD, None, clients=codes)
    if rows.empty:
        body: Component = html.P("No clients are assigned to you yet.")
    else:
        body = dbc.Table(
            [
                html.Caption("Assigned clients, most in need of attention first"),
                html.Thead(html.Tr([html.Th(h, scope="col") for h in _HEADERS])),
                html.Tbody([_row(r) for r in rows.to_dict("records")]),
            ],
            id="caseload-table",
            bordered=False,
            hover=True,
            size="sm",
        )
        body = scrolling_region(body, "Caseload")
    return html.Div(
        [
            html.H1("Caseload", className="h3"),
            html.P(
                "Order: urgent alerts, then open warnings, then a falling SRM, a moved sleep "
                "midpoint or data that stopped arriving. SRM-5 is the latest complete week "
                "with its change from the week before."
            ),
            body,
        ]
    )


def register(app: Dash) -> None:
    """The caseload has no callbacks: it is built when the page opens."""
