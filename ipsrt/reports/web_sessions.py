"""Signing in and out of the dashboard: server-side sessions that can be revoked.

A session is a random 256-bit token in the browser's cookie; the store keeps
only its SHA-256 (:class:`~ipsrt.models.WebSession`). A session is live
until it is revoked (logout, password change, account disabled) or a
timeout passes: :data:`IDLE_TIMEOUT` since the last request, or
:data:`ABSOLUTE_TIMEOUT` since sign-in, whatever the activity (OWASP ASVS
5.0 V7, https://github.com/OWASP/ASVS). Every sign-in gets a new token, so a
token planted before sign-in is worthless (session fixation). The rules are
in ``docs/security.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import secrets

from ipsrt import passwords
from ipsrt.errors import NotFoundError
from ipsrt.reports.access import Viewer, load_viewer
from ipsrt.store import Store
from ipsrt.timeutil import require_utc

__all__ = [
    "ABSOLUTE_TIMEOUT",
    "IDLE_TIMEOUT",
    "TOUCH_EVERY",
    "SessionRules",
    "change_password",
    "session_viewer",
    "sign_in",
    "sign_out",
    "token_hash",
]

IDLE_TIMEOUT = dt.timedelta(minutes=30)
ABSOLUTE_TIMEOUT = dt.timedelta(hours=12)
#: Activity is written at most this often per session (keeps page loads read-only).
TOUCH_EVERY = dt.timedelta(minutes=1)
#: Bytes of randomness in a token (256 bits).
TOKEN_BYTES = 32


@dataclasses.dataclass(frozen=True)
class SessionRules:
    """Timeouts of dashboard sessions (the defaults follow ASVS; tests shorten nothing)."""

    idle: dt.timedelta = IDLE_TIMEOUT
    absolute: dt.timedelta = ABSOLUTE_TIMEOUT


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which a session token is stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def sign_in(
    store: Store, login: str, password: str, *, now: dt.datetime, address: str = ""
) -> tuple[str, Viewer] | None:
    """Check a login and password; on success start a session and return (token, viewer).

    Unknown logins, wrong passwords and disabled accounts all return ``None``
    after the same argon2id work, and each attempt is audited (``login.ok``
    or ``login.failed``; the password never is). A hash made with weaker
    parameters than today's is replaced on success.
    """
    now = require_utc(now)
    try:
        user = store.accounts.user(login) if isinstance(login, str) else None
    except NotFoundError:
        user = None
    stored = user.password_hash if user is not None else _dummy_hash()
    matches = passwords.verify_password(stored, password if isinstance(password, str) else "")
    ok = user is not None and user.active and matches and user.id is not None
    with store.write_session() as session:
        store.audit(
            session,
            now=now,
            actor=login[:128] if isinstance(login, str) else "?",
            action="login.ok" if ok else "login.failed",
            detail={"address": address[:64]},
        )
    if not ok or user is None or user.id is None:
        return None
    if passwords.needs_rehash(user.password_hash):
        store.accounts.set_password_hash(
            user.login, passwords.hash_password(password), now=now, actor=user.login
        )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    store.web_sessions.create(token_hash(token), user.id, now=now)
    viewer = load_viewer(store, user.id)
    return None if viewer is None else (token, viewer)


def session_viewer(
    store: Store, token: str | None, *, now: dt.datetime, rules: SessionRules = SessionRules()
) -> Viewer | None:
    """The viewer of a live session, or ``None`` (no token, unknown, revoked, timed out,
    or the account disabled). Records activity at most every :data:`TOUCH_EVERY`."""
    if not token or not isinstance(token, str) or len(token) > 128:
        return None
    now = require_utc(now)
    key = token_hash(token)
    found = store.web_sessions.get(key)
    if found is None:
        return None
    row, user = found
    if (
        row.revoked_at is not None
        or not user.active
        or now - row.last_seen_at > rules.idle
        or now - row.created_at > rules.absolute
        or now < row.created_at
    ):
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        store.web_sessions.touch(key, now=now)
    return load_viewer(store, row.user_id)


def sign_out(store: Store, token: str | None, viewer: Viewer | None, *, now: dt.datetime) -> None:
    """Revoke the session of *token* on the server (audited as ``logout``)."""
    if token:
        store.web_sessions.revoke(token_hash(token), now=now)
    if viewer is not None:
        with store.write_session() as session:
            store.audit(session, now=now, actor=viewer.login, action="logout")


def change_password(
    store: Store, viewer: Viewer, current: str, new: str, *, now: dt.datetime
) -> bool:
    """Replace the viewer's password after checking the current one.

    Returns ``False`` (nothing changed) when *current* is wrong; raises
    :class:`~ipsrt.passwords.WeakPasswordError` when *new* breaks the policy.
    Every session of the user, this one included, ends in the same
    transaction; the caller signs the person in again.
    """
    user = store.accounts.user(viewer.login)
    if not passwords.verify_password(user.password_hash, current):
        with store.write_session() as session:
            store.audit(session, now=now, actor=viewer.login, action="user.set_password.failed")
        return False
    store.accounts.set_password_hash(
        viewer.login, passwords.hash_password(new), now=now, actor=viewer.login
    )
    return True


@functools.cache
def _dummy_hash() -> str:
    # Verified against when the login is unknown, so both paths cost one argon2id check.
    return passwords.hash_password("no such user: a placeholder passphrase")
