"""Logins: the password policy and argon2id hashing before anything is stored."""

from __future__ import annotations

import datetime as dt

from ipsrt import passwords
from ipsrt.enums import Role
from ipsrt.models import User
from ipsrt.store import Store

__all__ = ["add_user", "set_password"]


def add_user(
    store: Store,
    login: str,
    password: str,
    role: Role | str,
    *,
    now: dt.datetime,
    client_code: str | None = None,
    actor: str = "cli",
) -> User:
    """Create a login whose password meets the policy (:mod:`ipsrt.passwords`)."""
    return store.accounts.add_user(
        login,
        passwords.hash_password(password),
        role,
        now=now,
        client_code=client_code,
        actor=actor,
    )


def set_password(
    store: Store, login: str, password: str, *, now: dt.datetime, actor: str = "cli"
) -> None:
    """Replace a user's password (policy checked, hashed, audited)."""
    store.accounts.set_password_hash(login, passwords.hash_password(password), now=now, actor=actor)
