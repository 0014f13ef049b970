"""What the admin pages show and change: logins, care assignments, devices, the audit log.

Plain functions over a :class:`~ipsrt.store.Store`: the caller passes the
time and the acting login, and has already checked that the actor may do
this (:func:`ipsrt.reports.access.authorize` with ``MANAGE_ACCOUNTS``,
``VIEW_DEVICES`` or ``VIEW_AUDIT``); nothing here authorizes. Every value
may come from a browser, so each is checked (type, length) before the
store sees it, and a bad one raises one one-line
:class:`~ipsrt.errors.IpsrtError` with nothing changed. Every change is
audited by the store in its own transaction, with the actor given.

Nothing here reads clinical data: a user row names the client code a
client login is linked to, a device row its client's code, and nothing
else of the client. Device secrets are never read out and addresses only
masked (:func:`masked_address`). Audit values are shown with control and
format characters escaped (:func:`ipsrt.display.printable`), so a crafted login or
subject cannot forge a line or reorder text on screen; a device's address
in an audit event's detail is masked like in the devices table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from ipsrt.display import printable
from ipsrt.enums import Role
from ipsrt.errors import InvalidInputError
from ipsrt.models import User
from ipsrt.reports import accounts
from ipsrt.store import Store

__all__ = [
    "AUDIT_PAGE_SIZE",
    "AuditPage",
    "AuditRow",
    "DeviceRow",
    "UserRow",
    "assign_client",
    "assignments_by_clinician",
    "audit_page",
    "create_user",
    "device_rows",
    "masked_address",
    "reset_password",
    "set_user_active",
    "unassign_client",
    "user_rows",
]

#: Audit events on one page of the audit log.
AUDIT_PAGE_SIZE = 50
#: Characters of a device address shown (the rest is masked).
ADDRESS_SHOWN = 5
#: Characters of an audit event's detail shown.
DETAIL_SHOWN = 300
#: The last page the audit log can be paged to (50 million events).
LAST_PAGE = 1_000_000


def _text(value: object, what: str, *, limit: int = 128) -> str:
    """*value* as text from a form: a string of at most *limit* characters, stripped."""
    if value is None or value == "":
        raise InvalidInputError(f"{what}: required")
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInputError(f"{what}: expected text of at most {limit} characters")
    return value.strip()


def _password(value: object) -> str:
    """A password from a form, unstripped (the policy of :mod:`ipsrt.passwords` comes next)."""
    if value is None:
        raise InvalidInputError("password: required")
    if not isinstance(value, str) or len(value) > 1024:
        raise InvalidInputError("password: expected text of at most 1024 characters")
    return value


def _optional_text(value: object, what: str) -> str | None:
    if value is None or value == "":
        return None
    return _text(value, what) or None


# -- users and care assignments -------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class UserRow:
    """One login as the users table shows it (never the password hash)."""

    login: str
    role: str
    #: The client code a login with role ``client`` is linked to.
    client: str | None
    active: bool
    created_at: dt.datetime


def user_rows(store: Store) -> list[UserRow]:
    """Every login, ordered by login."""
    codes = {c.id: c.code for c in store.clients(include_archived=True)}
    return [
        UserRow(
            login=u.login,
            role=u.role,
            client=codes.get(u.client_id) if u.client_id is not None else None,
            active=u.active,
            created_at=u.created_at,
        )
        for u in store.accounts.users()
    ]


def assignments_by_clinician(store: Store) -> dict[str, list[str]]:
    """Every clinician login (with none too) -> the codes of the clients in their care."""
    found: dict[str, list[str]] = {
        u.login: [] for u in store.accounts.users() if u.role == Role.CLINICIAN
    }
    for clinician, code in store.accounts.assignments():
        found.setdefault(clinician, []).append(code)
    return found


def create_user(
    store: Store,
    login: object,
    role: object,
    password: object,
    *,
    client_code: object = None,
    now: dt.datetime,
    actor: str,
) -> User:
    """Create a login whose initial *password* meets the policy; audited as ``user.add``.

    A login with role ``client`` is linked to the existing client
    *client_code*; other roles take none. The cheap checks (login, role,
    client) come before the password is hashed.
    """
    login = _text(login, "login")
    role_text = _text(role, "role", limit=16)
    password = _password(password)
    code = _optional_text(client_code, "client code")
    try:
        chosen = Role(role_text)
    except ValueError:
        raise InvalidInputError(
            f"unknown role {role_text!r}: expected one of {', '.join(r.value for r in Role)}"
        ) from None
    if (chosen is Role.CLIENT) != (code is not None):
        raise InvalidInputError("a client login needs a client code; other roles take none")
    if code is not None:
        store.client(code)
    return accounts.add_user(store, login, password, chosen, now=now, client_code=code, actor=actor)


def set_user_active(
    store: Store, login: object, active: bool, *, now: dt.datetime, actor: str
) -> None:
    """Enable or disable *login* (disabling ends its sessions); one's own login stays enabled."""
    login = _text(login, "login")
    if not active and login == actor:
        raise InvalidInputError("you cannot disable your own login")
    store.accounts.set_active(login, active, now=now, actor=actor)


def reset_password(
    store: Store, login: object, password: object, *, now: dt.datetime, actor: str
) -> None:
    """Give *login* a new password that meets the policy; ends its sessions; audited.

    For a person who forgot theirs: they change it again at ``/account/password``.
    """
    login = _text(login, "login")
    password = _password(password)
    store.accounts.user(login)
    accounts.set_password(store, login, password, now=now, actor=actor)


def assign_client(
    store: Store, clinician: object, client_code: object, *, now: dt.datetime, actor: str
) -> None:
    """Put *client_code* in the care of *clinician* (audited as ``care.assign``)."""
    store.accounts.assign(
        _text(clinician, "clinician"), _text(client_code, "client code"), now=now, actor=actor
    )


def unassign_client(
    store: Store, clinician: object, client_code: object, *, now: dt.datetime, actor: str
) -> None:
    """End the care of *client_code* by *clinician* (audited as ``care.unassign``)."""
    store.accounts.unassign(
        _text(clinician, "clinician"), _text(client_code, "client code"), now=now, actor=actor
    )


# -- devices ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DeviceRow:
    """One device as the devices table shows it: never its secret, its address masked."""

    client: str
    family: str
    name: str | None
    #: The last :data:`ADDRESS_SHOWN` characters of the address after an ellipsis.
    address: str
    battery: int | None
    last_sync: dt.datetime | None
    clock_offset_s: float | None
    emulated: bool
    #: When the device was retired (``ipsrt devices remove``); its data stay.
    retired_at: dt.datetime | None = None


def masked_address(address: str) -> str:
    """``…`` and the last :data:`ADDRESS_SHOWN` characters (only ``…`` for short addresses)."""
    if len(address) <= ADDRESS_SHOWN:
        return "…"
    return "…" + printable(address[-ADDRESS_SHOWN:])


def device_rows(store: Store) -> list[DeviceRow]:
    """Every registered device, ordered by client code then registration."""
    codes = {c.id: c.code for c in store.clients(include_archived=True)}
    rows = [
        DeviceRow(
            client=codes.get(d.client_id, "?"),
            family=d.family,
            name=None if d.name is None else printable(d.name),
            address=masked_address(d.address),
            battery=d.battery,
            last_sync=d.last_seen,
            clock_offset_s=d.last_clock_offset_s,
            emulated=d.emulated,
            retired_at=d.retired_at,
        )
        for d in store.devices()
    ]
    return sorted(rows, key=lambda r: r.client)


# -- the audit log ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AuditRow:
    """One audit event ready to show: every text escaped by :func:`printable`."""

    at: dt.datetime
    actor: str
    action: str
    subject: str
    detail: str


@dataclasses.dataclass(frozen=True)
class AuditPage:
    """One page of the audit log, newest first."""

    rows: list[AuditRow]
    #: 0 is the newest page.
    page: int
    has_newer: bool
    has_older: bool


def _detail_text(action: str, detail: dict[str, object]) -> str:
    parts = []
    for key in sorted(detail):
        value = detail[key]
        shown = value if isinstance(value, str) else json.dumps(value, default=str)
        if key == "address" and action.startswith("device."):
            shown = masked_address(shown)
        parts.append(f"{key}={shown}")
    text = printable("; ".join(parts))
    return text if len(text) <= DETAIL_SHOWN else text[: DETAIL_SHOWN - 1] + "…"


def audit_page(
    store: Store,
    page: object = 0,
    *,
    actor: object = None,
    action: object = None,
    size: int = AUDIT_PAGE_SIZE,
    subject: str | None = None,
    since: dt.datetime | None = None,
) -> AuditPage:
    """Page *page* (0 = newest) of the audit events, filtered by *actor* and *action*.

    *actor* matches exactly; *action* matches every action it begins
    (``user.`` finds ``user.add`` and ``user.disable``, ``denied:`` every
    refusal); *subject* (a client code or login) matches exactly; *since*
    keeps events at or after that UTC instant. Only one page plus one event
    is read.
    """
    if isinstance(page, bool) or not isinstance(page, int) or not 0 <= page <= LAST_PAGE:
        raise InvalidInputError(f"audit page: expected a whole number 0..{LAST_PAGE}")
    events = store.audit_page(
        page * size,
        size + 1,
        actor=_optional_text(actor, "actor"),
        action=_optional_text(action, "action"),
        subject=subject,
        since=since,
    )
    rows = [
        AuditRow(
            at=e.at,
            actor=printable(e.actor),
            action=printable(e.action),
            subject="" if e.subject is None else printable(e.subject),
            detail=_detail_text(e.action, dict(e.detail or {})),
        )
        for e in events[:size]
    ]
    return AuditPage(rows=rows, page=page, has_newer=page > 0, has_older=len(events) > size)
