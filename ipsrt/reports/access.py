"""Who may do what: the one authorization rule every route, callback and command asks.

:func:`authorize` is deny-by-default: an action is allowed only when a row
of :data:`RULES` names the viewer's role, and, for actions on one client's
data, when the viewer is that client (role ``client``) or a clinician the
client is assigned to. Admins manage accounts, assignments and devices and
read the audit log, but see no clinical data; researchers see nothing here
until research exports exist. The rules are stated in ``docs/security.md``.

Callers pass what the *server* knows: the :class:`Viewer` loaded from the
session (never from the browser) and the client the request names, looked
up with :func:`resolve_client`, which gives one and the same
:class:`AccessDenied` for a malformed, unknown or forbidden client so that a
response never tells which codes exist.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re

from sqlmodel import select

from ipsrt.enums import Role
from ipsrt.errors import IpsrtError, NotFoundError
from ipsrt.models import CareAssignment, Client, User
from ipsrt.store import Store

__all__ = [
    "RULES",
    "AccessDenied",
    "Action",
    "Scope",
    "Viewer",
    "audit_access",
    "authorize",
    "command_line_viewer",
    "load_viewer",
    "own_client",
    "resolve_client",
]

#: What a client code may look like when it arrives from a browser or a command line.
CLIENT_CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class AccessDenied(IpsrtError, PermissionError):  # noqa: N818 (reads as the answer it is)
    """The viewer may not do this (or the client named does not exist: the same answer)."""


class Action(enum.StrEnum):
    """Everything a person can ask the tracker to do through the dashboard or the CLI."""

    #: Read one client's rhythm, diary, alerts and summaries.
    VIEW_CLIENT = "client.view"
    #: Enter or edit one's own SRM anchors, mood and questionnaires.
    WRITE_DIARY = "client.diary.write"
    #: Set a client's anchor target times.
    WRITE_TARGETS = "client.targets.write"
    #: Acknowledge one of a client's alerts.
    ACKNOWLEDGE_ALERT = "client.alert.acknowledge"
    #: List one's own caseload (no client named).
    VIEW_CASELOAD = "caseload.view"
    #: Manage users, roles and care assignments (no client named, or the one assigned).
    MANAGE_ACCOUNTS = "admin.accounts"
    #: See devices: family, battery, last sync, clock offset.
    VIEW_DEVICES = "admin.devices"
    #: Read the audit log.
    VIEW_AUDIT = "admin.audit"
    #: Change one's own password.
    CHANGE_OWN_PASSWORD = "self.password"  # noqa: S105 (an action name)
    # -- the IPT course (docs/clinicians.md, "Who sees what") --
    #: Read the course summary: phase, session dates, problem areas and goals.
    VIEW_COURSE = "client.course.view"
    #: Start, end or move a course to maintenance; record sessions; set problem areas.
    WRITE_COURSE = "client.course.write"
    #: Read the interpersonal inventory.
    VIEW_INVENTORY = "client.inventory.view"
    #: Add, change or remove a person of the inventory.
    WRITE_INVENTORY = "client.inventory.write"
    #: Read life events.
    VIEW_LIFE_EVENTS = "client.life_events.view"
    #: Add a life event.
    WRITE_LIFE_EVENTS = "client.life_events.write"
    #: Read the relapse-prevention plan.
    VIEW_RELAPSE_PLAN = "client.relapse_plan.view"
    #: Save a new revision of the relapse-prevention plan.
    WRITE_RELAPSE_PLAN = "client.relapse_plan.write"
    #: Read any session note of the client.
    READ_NOTES = "client.notes.read"
    #: Read the session notes marked shared with the client.
    READ_SHARED_NOTES = "client.notes.shared.read"
    #: Write a session note.
    WRITE_NOTES = "client.notes.write"


class Scope(enum.Enum):
    """What a rule row needs besides the role."""

    #: No client is named; the role alone decides.
    GLOBAL = "global"
    #: The client named is the viewer's own record.
    SELF = "self"
    #: The client named is assigned to the viewer (a clinician).
    ASSIGNED = "assigned"


#: (action, role) -> scope. A pair not listed is denied.
RULES: dict[tuple[Action, Role], Scope] = {
    (Action.VIEW_CLIENT, Role.CLIENT): Scope.SELF,
    (Action.VIEW_CLIENT, Role.CLINICIAN): Scope.ASSIGNED,
    (Action.WRITE_DIARY, Role.CLIENT): Scope.SELF,
    (Action.WRITE_TARGETS, Role.CLINICIAN): Scope.ASSIGNED,
    (Action.ACKNOWLEDGE_ALERT, Role.CLINICIAN): Scope.ASSIGNED,
    (Action.VIEW_CASELOAD, Role.CLINICIAN): Scope.GLOBAL,
    (Action.MANAGE_ACCOUNTS, Role.ADMIN): Scope.GLOBAL,
    (Action.VIEW_DEVICES, Role.ADMIN): Scope.GLOBAL,
    (Action.VIEW_AUDIT, Role.ADMIN): Scope.GLOBAL,
    (Action.CHANGE_OWN_PASSWORD, Role.CLIENT): Scope.GLOBAL,
    (Action.CHANGE_OWN_PASSWORD, Role.CLINICIAN): Scope.GLOBAL,
    (Action.CHANGE_OWN_PASSWORD, Role.RESEARCHER): Scope.GLOBAL,
    (Action.CHANGE_OWN_PASSWORD, Role.ADMIN): Scope.GLOBAL,
    # The IPT course: the client reads their own summary, inventory, events and plan, adds
    # life events, and reads notes only when shared; admins and researchers see none of it.
    (Action.VIEW_COURSE, Role.CLIENT): Scope.SELF,
    (Action.VIEW_COURSE, Role.CLINICIAN): Scope.ASSIGNED,
    (Action.WRITE_COURSE, Role.CLINICIAN): Scope.ASSIGNED,
    (Action.VIEW_INVENTORY, Role.CLIENT): Scope.SELF,
    (Action.VIEW_INVENTORY, Role.CLINICIAN): Scope.ASSIGNED,
    (Action.WRITE_INVENTORY, Role.CLINICIAN): Scope.ASSIGNED,
    (Action.VIEW_LIFE_EVENTS, Role.CLIENT): Scope.SELF,
    (Action.VIEW_LIFE_EVENTS, Role.CLINICIAN): Scope.ASSIGNED,
    (Action.WRITE_LIFE_EVENTS, Role.CLIENT): Scope.SELF,
    (Action.WRITE_LIFE_EVENTS, Role.CLINICIAN): Scope.ASSIGNED,
    (Action.VIEW_RELAPSE_PLAN, Role.CLIENT): Scope.SELF,
    (Action.VIEW_RELAPSE_PLAN, Role.CLINICIAN): Scope.ASSIGNED,
    (Action.WRITE_RELAPSE_PLAN, Role.CLINICIAN): Scope.ASSIGNED,
    (Action.READ_NOTES, Role.CLINICIAN): Scope.ASSIGNED,
    (Action.READ_SHARED_NOTES, Role.CLIENT): Scope.SELF,
    (Action.READ_SHARED_NOTES, Role.CLINICIAN): Scope.ASSIGNED,
    (Action.WRITE_NOTES, Role.CLINICIAN): Scope.ASSIGNED,
}


@dataclasses.dataclass(frozen=True)
class Viewer:
    """The person behind a request, as the server knows them at this moment."""

    user_id: int
    login: str
    role: Role
    #: The client record of a user with role ``client``.
    own_client_id: int | None
    #: Clients assigned to a clinician (empty for other roles).
    assigned: frozenset[int]


def command_line_viewer(login: str, client_id: int) -> Viewer:
    """The viewer a command-line operator acts as for one client: that client's clinician.

    Whoever runs ``ipsrt`` on a database holds the database (and its key)
    already, so the command line acts as the clinician of the client it
    names; the services still authorize every call through :func:`authorize`.
    Never used for a web request (``user_id`` 0 names no login).
    """
    return Viewer(
        user_id=0,
        login=login,
        role=Role.CLINICIAN,
        own_client_id=None,
        assigned=frozenset({client_id}),
    )


def load_viewer(store: Store, user_id: int) -> Viewer | None:
    """The active user *user_id* with their current assignments, or ``None``.

    Read afresh for every request so a disabled account or a removed
    assignment takes effect at once.
    """
    with store.session() as session:
        user = session.get(User, user_id)
        if user is None or not user.active or user.id is None:
            return None
        assigned: frozenset[int] = frozenset()
        if user.role == Role.CLINICIAN:
            rows = session.exec(
                select(CareAssignment.client_id).where(CareAssignment.clinician_id == user.id)
            )
            assigned = frozenset(int(r) for r in rows)
        return Viewer(
            user_id=user.id,
            login=user.login,
            role=Role(user.role),
            own_client_id=user.client_id,
            assigned=assigned,
        )


def authorize(viewer: Viewer | None, action: Action, client_id: int | None = None) -> None:
    """Allow *action* on *client_id* (``None``: no client) for *viewer*, or raise.

    Raises
    ------
    AccessDenied
        When no rule allows it: no viewer, an unlisted (action, role) pair, a
        client-scoped action without a client or a global one with a client,
        or a client that is neither the viewer's own nor assigned to them.
    """
    if viewer is None:
        raise AccessDenied("sign in first")
    scope = RULES.get((action, viewer.role))
    allowed = (
        (scope is Scope.GLOBAL and client_id is None)
        or (scope is Scope.SELF and client_id is not None and client_id == viewer.own_client_id)
        or (scope is Scope.ASSIGNED and client_id is not None and client_id in viewer.assigned)
    )
    if not allowed:
        raise AccessDenied(f"not allowed: {action.value}")


def resolve_client(store: Store, viewer: Viewer | None, action: Action, code: object) -> Client:
    """The client named by the untrusted *code*, once :func:`authorize` allows *action* on it.

    A malformed code, an unknown one and a forbidden one all raise the same
    :class:`AccessDenied`, so a response never tells which clients exist.
    """
    if viewer is None:
        raise AccessDenied("sign in first")
    if not isinstance(code, str) or not CLIENT_CODE_PATTERN.fullmatch(code):
        raise AccessDenied("no such client")
    try:
        client = store.client(code)
    except NotFoundError:
        raise AccessDenied("no such client") from None
    try:
        authorize(viewer, action, client.id)
    except AccessDenied:
        raise AccessDenied("no such client") from None
    return client


def own_client(store: Store, viewer: Viewer | None, action: Action) -> Client:
    """The viewer's own client record (role ``client``), once *action* on it is allowed."""
    if viewer is None or viewer.own_client_id is None:
        raise AccessDenied("not allowed: this page is for clients")
    authorize(viewer, action, viewer.own_client_id)
    with store.session() as session:
        client = session.get(Client, viewer.own_client_id)
    if client is None:
        raise AccessDenied("no such client")
    return client


def audit_access(
    store: Store,
    viewer: Viewer | None,
    action: Action | str,
    *,
    now: dt.datetime,
    subject: str | None = None,
    allowed: bool = True,
    detail: dict[str, object] | None = None,
    actor: str | None = None,
) -> None:
    """Write one audit row for a view, a change or a refusal (actor ``anonymous`` if none).

    *actor* names who asked when there is no viewer to name (e.g. the login
    given to ``ipsrt alerts ack --by`` that is unknown or inactive).
    """
    name = action.value if isinstance(action, Action) else action
    if actor is None:
        actor = viewer.login if viewer is not None else "anonymous"
    with store.write_session() as session:
        store.audit(
            session,
            now=now,
            actor=actor[:128],
            action=name if allowed else f"denied:{name}"[:64],
            subject=subject,
            detail=dict(detail or {}),
        )
