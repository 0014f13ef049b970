"""What a page may ask about the request it serves: the store, the time, who is asking.

Every page layout and callback goes through these functions, which run in
Flask's request context. The viewer comes from the server-side session (the
cookie's token), never from anything the browser sends in a callback, and
every client a request names is re-checked with the core's
:func:`ipsrt.reports.access.resolve_client`. A refusal raises
:class:`~ipsrt.reports.access.AccessDenied`; the app answers it with a 403
and a generic body and writes the refusal to the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import flask

from ipsrt.models import Client
from ipsrt.reports import access
from ipsrt.reports.access import AccessDenied, Action, Viewer
from ipsrt.store import Store

__all__ = ["audit", "client", "now", "own_client", "require", "store", "viewer"]


def _app_state() -> Any:
    return flask.current_app.extensions["ipsrt"]


def store() -> Store:
    """The store this app serves."""
    return _app_state().store


def now() -> dt.datetime:
    """The current UTC instant from the app's clock (fixed for the whole request)."""
    if "ipsrt_now" not in flask.g:
        flask.g.ipsrt_now = _app_state().settings.clock()
    return flask.g.ipsrt_now


def viewer() -> Viewer:
    """The signed-in viewer of this request (pages are only reached signed in)."""
    found: Viewer | None = flask.g.get("viewer")
    if found is None:
        raise AccessDenied("sign in first")
    return found


def client(action: Action, code: object) -> Client:
    """The client named by the untrusted *code*, once *action* on it is allowed."""
    return access.resolve_client(store(), flask.g.get("viewer"), action, code)


def own_client(action: Action) -> Client:
    """The signed-in client's own record, once *action* on it is allowed."""
    return access.own_client(store(), flask.g.get("viewer"), action)


def require(action: Action) -> Viewer:
    """The viewer, once *action* (with no client named) is allowed."""
    who = flask.g.get("viewer")
    access.authorize(who, action, None)
    assert who is not None
    return who


def audit(action: Action | str, subject: str | None = None, **detail: Any) -> None:
    """Write one audit row for a view of, or a change to, *subject*'s data."""
    access.audit_access(
        store(), flask.g.get("viewer"), action, now=now(), subject=subject, detail=detail
    )
