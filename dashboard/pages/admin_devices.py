"""Devices (admins): battery, last sync and clock offset of every registered wearable.

Shown for keeping the wearables running: never a device's secret, and its
address masked to the last characters (:func:`ipsrt.reports.admin.device_rows`).
"""

from __future__ import annotations

from dash import Dash, html
from dash.development.base_component import Component

from dashboard import context
from dashboard.components import text_table
from dashboard.pages.base import Page
from ipsrt.enums import Role
from ipsrt.reports import admin
from ipsrt.reports.access import Action

__all__ = ["PAGE", "layout", "register"]

PAGE = Page(
    path="/admin/devices", title="Devices", action=Action.VIEW_DEVICES, nav_roles=(Role.ADMIN,)
)


def layout(**_params: str) -> Component:
    """One row per device: client, family, name, masked address, battery, sync, offset, status.

    A retired device (``ipsrt devices remove``) stays listed as retired: its data are kept.
    """
    context.require(Action.VIEW_DEVICES)
    rows = [
        [
            row.client,
            row.family + (" (emulated)" if row.emulated else ""),
            row.name or "",
            row.address,
            "" if row.battery is None else f"{row.battery} %",
            "never" if row.last_sync is None else f"{row.last_sync:%Y-%m-%d %H:%M} UTC",
            "" if row.clock_offset_s is None else f"{row.clock_offset_s:+.0f} s",
            "active" if row.retired_at is None else f"retired {row.retired_at:%Y-%m-%d}",
        ]
        for row in admin.device_rows(context.store())
    ]
    headers = [
        "Client",
        "Family",
        "Name",
        "Address",
        "Battery",
        "Last sync",
        "Clock offset",
        "Status",
    ]
    return html.Div(
        [
            html.H1("Devices", className="h3"),
            text_table("Registered devices", headers, rows, empty="No devices registered."),
        ]
    )


def register(app: Dash) -> None:
    """The devices page has no callbacks."""
