"""Logins and care assignments on a :class:`~ipsrt.store.Store` (``store.accounts``).

Persistence only: passwords arrive here already hashed (the application
service :mod:`ipsrt.reports.accounts` checks the policy and hashes them), and
every write is one transaction audited in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from sqlmodel import select

from ipsrt.enums import Role
from ipsrt.errors import InvalidInputError, NotFoundError
from ipsrt.models import CareAssignment, Client, User
from ipsrt.store.web_sessions import revoke_user_sessions
from ipsrt.timeutil import require_utc

if TYPE_CHECKING:
    from ipsrt.store.store import Store

__all__ = ["AccountRecords"]

LOGIN_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127}")


def _check_login(login: str) -> str:
    if not isinstance(login, str) or not LOGIN_PATTERN.fullmatch(login):
        raise InvalidInputError(
            f"invalid login {login!r}: use 1-128 letters, digits, '.', '_', '@', '+' or '-'"
        )
    return login


class AccountRecords:
    """Users (logins with an argon2id hash and a role) and clinician-client assignments."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add_user(
        self,
        login: str,
        password_hash: str,
        role: Role | str,
        *,
        now: dt.datetime,
        client_code: str | None = None,
        actor: str = "cli",
    ) -> User:
        """Create a login; a user with role ``client`` is linked to *client_code*."""
        _check_login(login)
        try:
            role = Role(role)
        except ValueError as exc:
            raise InvalidInputError(
                f"unknown role {role!r}: expected one of {', '.join(r.value for r in Role)}"
            ) from exc
        if (role is Role.CLIENT) != (client_code is not None):
            raise InvalidInputError("a user with role 'client' needs --client, other roles none")
        client_id = self._store.client(client_code).id if client_code is not None else None
        user = User(
            login=login,
            password_hash=password_hash,
            role=role.value,
            client_id=client_id,
            created_at=require_utc(now),
            password_changed_at=require_utc(now),
        )
        self._store.add_audited(
            user,
            now=now,
            actor=actor,
            action="user.add",
            subject=login,
            detail={"role": role.value},
            exists=f"user {login!r} already exists",
        )
        return user

    def user(self, login: str) -> User:
        """The user with *login*, or :class:`NotFoundError`."""
        with self._store.session() as session:
            found = session.exec(select(User).where(User.login == login)).first()
        if found is None:
            raise NotFoundError(f"unknown user {login!r}")
        return found

    def users(self) -> list[User]:
        """All users ordered by login."""
        with self._store.session() as session:
            return list(session.exec(select(User).order_by(User.login)))

    def set_password_hash(
        self, login: str, password_hash: str, *, now: dt.datetime, actor: str = "cli"
    ) -> None:
        """Replace a user's password hash (audited as ``user.set_password``)."""
        with self._store.write_session() as session:
            user = session.exec(select(User).where(User.login == login)).first()
            if user is None:
                raise NotFoundError(f"unknown user {login!r}")
            user.password_hash = password_hash
            user.password_changed_at = require_utc(now)
            assert user.id is not None
            revoke_user_sessions(session, user.id, now=now)
            self._store.audit(
                session, now=now, actor=actor, action="user.set_password", subject=login
            )

    def set_active(self, login: str, active: bool, *, now: dt.datetime, actor: str = "cli") -> None:
        """Enable or disable a login; disabling ends its dashboard sessions at once (audited)."""
        with self._store.write_session() as session:
            user = session.exec(select(User).where(User.login == login)).first()
            if user is None:
                raise NotFoundError(f"unknown user {login!r}")
            user.active = bool(active)
            if not active:
                assert user.id is not None
                revoke_user_sessions(session, user.id, now=now)
            self._store.audit(
                session,
                now=now,
                actor=actor,
                action="user.enable" if active else "user.disable",
                subject=login,
            )

    def unassign(
        self, clinician_login: str, client_code: str, *, now: dt.datetime, actor: str = "cli"
    ) -> None:
        """End a care assignment (audited); an unknown pair raises :class:`NotFoundError`."""
        clinician = self.user(clinician_login)
        client = self._store.client(client_code)
        with self._store.write_session() as session:
            row = session.exec(
                select(CareAssignment)
                .where(CareAssignment.clinician_id == clinician.id)
                .where(CareAssignment.client_id == client.id)
            ).first()
            if row is None:
                raise NotFoundError(
                    f"client {client_code!r} is not assigned to {clinician_login!r}"
                )
            session.delete(row)
            self._store.audit(
                session,
                now=now,
                actor=actor,
                action="care.unassign",
                subject=client_code,
                detail={"clinician": clinician_login},
            )

    def assign(
        self, clinician_login: str, client_code: str, *, now: dt.datetime, actor: str = "cli"
    ) -> CareAssignment:
        """Put *client_code* in the care of the clinician *clinician_login*."""
        clinician = self.user(clinician_login)
        if clinician.role != Role.CLINICIAN:
            raise InvalidInputError(
                f"user {clinician_login!r} is a {clinician.role}, not a clinician"
            )
        client = self._store.client(client_code)
        assert clinician.id is not None
        assert client.id is not None
        assignment = CareAssignment(
            clinician_id=clinician.id, client_id=client.id, created_at=require_utc(now)
        )
        self._store.add_audited(
            assignment,
            now=now,
            actor=actor,
            action="care.assign",
            subject=client_code,
            detail={"clinician": clinician_login},
            exists=f"client {client_code!r} is already assigned to {clinician_login!r}",
        )
        return assignment

    def assigned_clients(self, clinician_login: str) -> list[Client]:
        """Clients in the care of a clinician, ordered by code (archived clients left out:
        they leave the caseload, their records stay)."""
        clinician = self.user(clinician_login)
        query = (
            select(Client)
            .join(CareAssignment, CareAssignment.client_id == Client.id)  # type: ignore[arg-type]
            .where(CareAssignment.clinician_id == clinician.id)
            .where(Client.archived_at.is_(None))  # type: ignore[union-attr]
            .order_by(Client.code)
        )
        with self._store.session() as session:
            return list(session.exec(query))

    def assignments(self) -> list[tuple[str, str]]:
        """Every care assignment as (clinician login, client code), ordered by both."""
        query = (
            select(User.login, Client.code)
            .join(CareAssignment, CareAssignment.clinician_id == User.id)  # type: ignore[arg-type]
            .join(Client, CareAssignment.client_id == Client.id)  # type: ignore[arg-type]
            .order_by(User.login, Client.code)
        )
        with self._store.session() as session:
            return [(str(login), str(code)) for login, code in session.exec(query)]
