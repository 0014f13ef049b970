"""Dash web app for clients, clinicians, researchers and admins.

``dashboard.create_app(store, settings)`` builds the app; ``ipsrt serve``
runs it on a production WSGI server.
"""

from __future__ import annotations

from dashboard.app import create_app
from dashboard.settings import Settings

__all__ = ["Settings", "create_app"]
