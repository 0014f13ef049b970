"""Logins: the password policy and argon2id hashing before anything is stored,
disabling and enabling accounts, ending care assignments."""

from __future__ import annotations

import datetime as dt

from ipsrt import passwords
from ipsrt.enums import Role
from ipsrt.models import Client, User
from ipsrt.store import Store

__all__ = ["add_user", "known_words", "set_active", "set_password", "unassign"]


def known_words(store: Store, login: str) -> tuple[str, ...]:
    """Words an attacker knows about *login*: the login and, for a client, the client code.

    They are passed to the password policy (:func:`ipsrt.passwords.check_policy`)
    so a password built from them is judged as weak as it is.
    """
    user = store.accounts.user(login)
    if user.client_id is None:
        return (login,)
    with store.session() as session:
        client = session.get(Client, user.client_id)
    return (login,) if client is None else (login, client.code)


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
    words = (login,) if client_code is None else (login, client_code)
    return store.accounts.add_user(
        login,
        passwords.hash_password(password, words),
        role,
        now=now,
        client_code=client_code,
        actor=actor,
    )


def set_password(
    store: Store, login: str, password: str, *, now: dt.datetime, actor: str = "cli"
) -> None:
    """Replace a user's password (policy checked, hashed, audited); every session of the
    user ends in the same transaction."""
    hashed = passwords.hash_password(password, known_words(store, login))
    store.accounts.set_password_hash(login, hashed, now=now, actor=actor)


def set_active(
    store: Store, login: str, active: bool, *, now: dt.datetime, actor: str = "cli"
) -> None:
    """Enable or disable *login* (audited ``user.enable``/``user.disable``).

    Disabling ends every dashboard session of the user in the same
    transaction, so the next request from any of their browsers gets a 401;
    a disabled login cannot sign in. Enabling restores no old session.
    """
    store.accounts.set_active(login, active, now=now, actor=actor)


def unassign(
    store: Store, clinician_login: str, client_code: str, *, now: dt.datetime, actor: str = "cli"
) -> None:
    """End a clinician's care of a client (audited ``care.unassign``).

    The clinician's next request no longer sees the client: the viewer's
    assignments are read afresh on every request
    (:func:`ipsrt.reports.access.load_viewer`).
    """
    store.accounts.unassign(clinician_login, client_code, now=now, actor=actor)
