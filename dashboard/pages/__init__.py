"""The dashboard's pages, one module each: ``PAGE``, ``layout(**params)`` and ``register(app)``.

A module listed in :data:`PAGES` is routed by :func:`dashboard.app.create_app`
and its callbacks registered on each app (no global callbacks, so several
apps can live in one process, as the tests need).
"""

from __future__ import annotations

from types import ModuleType

from dashboard.pages import (
    admin_audit,
    admin_devices,
    admin_users,
    caseload,
    client,
    course,
    home,
    my_course,
    my_rhythm,
    today,
)

__all__ = ["PAGES"]

#: Every page, in menu order.
PAGES: tuple[ModuleType, ...] = (
    home,
    today,
    my_rhythm,
    my_course,
    caseload,
    client,
    course,
    admin_users,
    admin_devices,
    admin_audit,
)
