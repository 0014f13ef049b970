"""How one dashboard instance runs: its clock, session rules, cookies and secret."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from collections.abc import Callable

from ipsrt.reports.web_sessions import SessionRules

__all__ = ["Settings", "utc_now"]


def utc_now() -> dt.datetime:
    """The wall clock in UTC: the dashboard's edge is the one place that reads it."""
    return dt.datetime.now(dt.UTC)


@dataclasses.dataclass(frozen=True)
class Settings:
    """Settings of :func:`dashboard.create_app`.

    Attributes
    ----------
    clock
        Returns the current UTC instant; tests pass a frozen one.
    sessions
        Idle and absolute timeouts of sign-in sessions.
    secure_cookies
        Mark cookies ``Secure`` and name the session cookie with the
        ``__Host-`` prefix; set when served over TLS (``ipsrt serve --tls``
        or behind a TLS proxy).
    secret_key
        Key of the CSRF tokens of signed-in forms (random per process unless given).
    login_limits
        Flask-Limiter limits on sign-in attempts, per address and per login.
    """

    clock: Callable[[], dt.datetime] = utc_now
    sessions: SessionRules = dataclasses.field(default_factory=SessionRules)
    secure_cookies: bool = False
    secret_key: bytes = dataclasses.field(default_factory=lambda: secrets.token_bytes(32))
    login_limits: str = "10 per minute"
