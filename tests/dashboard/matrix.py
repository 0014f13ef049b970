"""The machinery of the authorization matrix: viewers, targets, canaries, rows, expected answers.

One declarative table (``tests/dashboard/matrix_table.py``) lists, for each Flask route (method and
rule of ``app.server.url_map``) and each Dash callback (key of
``app.callback_map``), a :class:`Row`: how to send the request for a given
target client code, and which :class:`~ipsrt.reports.access.Action` (or
:class:`Access` for routes outside the rules) governs it.
``tests/dashboard/test_authorization_matrix.py`` sends every row as every
viewer of :data:`VIEWERS` for every target of :data:`TARGETS` and compares
the answer with what :data:`ipsrt.reports.access.RULES` allow
(:func:`expected_allowed`, computed from the rules and the test clinic's
facts, not by calling ``authorize``). How to add a page is in
``docs/dashboard.md`` ("Authorization"): one line in ``PAGE_NAMES``, and
one :class:`Row` per callback in ``CALLBACK_ROWS``, both in ``matrix_table.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import flask.testing
import sqlalchemy as sa
from sqlmodel import SQLModel

from dashboard.auth import cookie_name
from dashboard.settings import Settings
from ipsrt.alerts.model import Alert, Severity
from ipsrt.enums import DeviceFamily, Role
from ipsrt.ipt.relapse_plan import make_relapse_plan
from ipsrt.models import MoodEntry
from ipsrt.reports import course, inventory, life_events, notes, relapse_plan
from ipsrt.reports.access import RULES, Action, Scope, command_line_viewer, load_viewer
from ipsrt.reports.web_sessions import token_hash
from ipsrt.store import Store

# -- who asks, about whom -------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MatrixViewer:
    """A person of the test clinic (``tests/helpers/dashboard.py``) and the facts about them."""

    name: str
    login: str | None
    role: Role | None
    #: The client code of a login with role ``client``.
    own: str | None = None
    #: Client codes in the care of a clinician.
    assigned: frozenset[str] = frozenset()


VIEWERS: tuple[MatrixViewer, ...] = (
    MatrixViewer("anonymous", None, None),
    MatrixViewer("client", "client1", Role.CLIENT, own="C001"),
    MatrixViewer("other_client", "client2", Role.CLIENT, own="C002"),
    MatrixViewer("assigned_clinician", "clin1", Role.CLINICIAN, assigned=frozenset({"C001"})),
    MatrixViewer("unassigned_clinician", "clin2", Role.CLINICIAN),
    MatrixViewer("admin", "admin1", Role.ADMIN),
)

#: The clients of the test clinic.
CLIENT_CODES = frozenset({"C001", "C002"})
#: What a request may name: own/assigned, another, unknown, then malformed values.
TARGETS: tuple[object, ...] = (
    "C001",
    "C002",
    "C999",
    "-1",
    10**20,
    "1 OR 1=1",
    ["C001"],
    {"code": "C002"},
)

# -- canaries: data of C002 that must never reach anyone not allowed to see it -------------

#: In C002's clinical data (display name, mood note, alert message).
CLINICAL_CANARIES = ("CANARY-7f3a", "Canary Client Two")
#: The name of C002's band: shown to admins (devices) and to whoever may see C002.
DEVICE_NAME_CANARY = "CANARY-BAND-51d0"
#: C002's band's secret and the start of its address: shown to nobody.
NEVER_SHOWN = ("CANARY-SECRET-9e2c", "CA:FE:BA:BE")
DEVICE_ADDRESS = "CA:FE:BA:BE:3A:01"
#: When the canaries were recorded (the clinic's clock).
SEEDED = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


def add_canaries(store: Store, now: dt.datetime = SEEDED) -> None:
    """Put the canary strings into C002's mood note, alert and band."""
    client_id = store.client("C002").id
    assert client_id is not None
    with store.write_session() as session:
        session.add(
            MoodEntry(
                client_id=client_id,
                diary_date=now.date(),
                mood=-3,
                note=f"{CLINICAL_CANARIES[0]} mood note",
                recorded_at=now,
            )
        )
    store.alerts.upsert(
        [
            Alert(
                client="C002",
                rule_id="phq9_item9",
                window_start=now.date(),
                window_end=now.date(),
                severity=Severity.URGENT,
                message=f"{CLINICAL_CANARIES[0]} alert message",
                evidence={"note": CLINICAL_CANARIES[0]},
            )
        ],
        now=now,
    )
    store.add_device(
        "C002",
        DeviceFamily.HUAMI,  # the family that takes a key
        DEVICE_ADDRESS,
        now=now,
        name=DEVICE_NAME_CANARY,
        secret=NEVER_SHOWN[0],
    )


def canary_alert_id(store: Store) -> int:
    """The id of C002's canary alert, for rows that send an alert id beside the target."""
    (alert,) = store.alerts.find(client_code="C002")
    return alert.id


def add_open_alert_of_c001(store: Store, now: dt.datetime = SEEDED) -> None:
    """An open alert of C001 (no canary in it): what the assigned clinician acknowledges."""
    store.alerts.upsert(
        [
            Alert(
                client="C001",
                rule_id="phq9_item9",
                window_start=now.date(),
                window_end=now.date(),
                severity=Severity.URGENT,
                message="C001 alert to acknowledge",
                evidence={},
            )
        ],
        now=now,
    )


def open_alert_id_of_c001(store: Store) -> int:
    """The id of C001's open alert, for the row that acknowledges it."""
    (alert,) = store.alerts.find(client_code="C001")
    return alert.id


def may_see_c002(viewer: MatrixViewer) -> bool:
    """True when the rules let *viewer* read C002's data (``VIEW_CLIENT``)."""
    return allowed_on(viewer, Action.VIEW_CLIENT, "C002")


def forbidden_strings(viewer: MatrixViewer) -> tuple[str, ...]:
    """The canaries no response to *viewer* may contain, whatever the route."""
    hidden = list(NEVER_SHOWN)
    if not may_see_c002(viewer):
        hidden += CLINICAL_CANARIES
        if viewer.role is not Role.ADMIN:
            hidden.append(DEVICE_NAME_CANARY)
    return tuple(hidden)


# -- what governs a row, and what it names ---------------------------------------------


class Access(enum.Enum):
    """Routes outside :data:`RULES`."""

    #: Anyone, signed in or not: the sign-in form, the health check, static code and style.
    PUBLIC = "public"
    #: Any live session, whatever the role: the app shell (no data in it).
    SIGNED_IN = "signed in"


class Names(enum.Enum):
    """Which client a request is about."""

    #: None: the action is global (caseload, admin pages) or the route has no data.
    NOTHING = "nothing"
    #: The viewer's own client record (client pages: ``context.own_client``).
    OWN = "own"
    #: The client code the request carries (a path parameter or a ``<page>-client`` store).
    TARGET = "target"


class Refusal(enum.Enum):
    """How a signed-in viewer is refused."""

    #: The app's generic 403 (``AccessDenied`` raised in a callback or route).
    FORBIDDEN = "403"
    #: The router's "Page not found" page (200), the same for unknown and forbidden.
    PAGE_NOT_FOUND = "page not found"
    #: No update at all (204: the callback raised ``PreventUpdate``).
    NO_DATA = "204"


@dataclasses.dataclass(frozen=True)
class Request:
    """What a row's sender gets: a test client (signed in or not), the app, the store, a target."""

    http: flask.testing.FlaskClient
    app: Any
    store: Store
    #: The client code the request names (may be malformed); ``None`` when the row uses none.
    target: object


@dataclasses.dataclass(frozen=True)
class Row:
    """One way into the app."""

    #: Unique name (the test id).
    name: str
    #: The callback key or ``"METHOD /rule"`` this row exercises.
    covers: str
    access: Action | Access
    send: Callable[[Request], Any]
    names: Names = Names.NOTHING
    #: Send once per target of :data:`TARGETS` (else once, with target ``None``).
    uses_target: bool = False
    #: Statuses of an allowed request.
    ok: frozenset[int] = frozenset({200})
    refusal: Refusal = Refusal.FORBIDDEN
    #: Statuses without a session (``302`` only to the sign-in form).
    signed_out: frozenset[int] = frozenset({401})
    #: The request must change no record whoever sends it, allowed or not: for rows that
    #: name a record of C002 (:func:`canary_alert_id`) beside the target, which nobody
    #: of the clinic may change (nobody is assigned C002).
    changes_nothing: bool = False

    @property
    def targets(self) -> tuple[object, ...]:
        return TARGETS if self.uses_target or self.names is Names.TARGET else (None,)


def allowed_on(viewer: MatrixViewer, action: Action, code: object) -> bool:
    """What :data:`RULES` allow *viewer* for *action* on client *code* (``None``: no client)."""
    if viewer.role is None:
        return False
    scope = RULES.get((action, viewer.role))
    if scope is None:
        return False
    if code is None:
        return scope is Scope.GLOBAL
    if not isinstance(code, str) or code not in CLIENT_CODES:
        return False
    return (scope is Scope.SELF and code == viewer.own) or (
        scope is Scope.ASSIGNED and code in viewer.assigned
    )


def expected_allowed(row: Row, viewer: MatrixViewer, target: object) -> bool:
    """Whether *viewer* may send *row* naming *target*, from :data:`RULES` and the clinic."""
    if row.access is Access.PUBLIC:
        return True
    if viewer.login is None:
        return False
    if row.access is Access.SIGNED_IN:
        return True
    assert isinstance(row.access, Action)
    if row.names is Names.NOTHING:
        return allowed_on(viewer, row.access, None)
    if row.names is Names.OWN:
        return viewer.own is not None and allowed_on(viewer, row.access, viewer.own)
    return allowed_on(viewer, row.access, target)


# -- sending requests ----------------------------------------------------------------

#: Stands for the request's target in the values of :func:`fire`.
TARGET = object()
ROUTER = "..shell-menu.children...shell-page.children.."
COOKIE = cookie_name(Settings(secure_cookies=False))


def open_session(
    http: flask.testing.FlaskClient, store: Store, login: str, now: dt.datetime
) -> None:
    """Give *http* a live session of *login*, stored the way ``sign_in`` stores one.

    Skips the password check (argon2id costs seconds per sign-in; signing in
    through the form is tested in ``test_shell.py``).
    """
    token = secrets.token_urlsafe(32)
    user_id = store.accounts.user(login).id
    assert user_id is not None
    store.web_sessions.create(token_hash(token), user_id, now=now)
    http.set_cookie(COOKIE, token)


def fire(key: str, trigger: str, values: Mapping[str, object]) -> Callable[[Request], Any]:
    """A sender posting callback *key* as the browser does after *trigger* (``"id.prop"``) changed.

    Every input and state of the callback is sent in its declared order,
    valued from *values* (``"id.prop"`` -> value, :data:`TARGET` for the
    request's target; ``None`` otherwise, 1 for the trigger).
    """

    def send(request: Request) -> Any:
        spec = request.app.callback_map[key]

        def items(kind: str) -> list[dict[str, object]]:
            out = []
            for dep in spec[kind]:
                name = f"{dep['id']}.{dep['property']}"
                value = values.get(name, 1 if name == trigger else None)
                out.append({**dep, "value": request.target if value is TARGET else value})
            return out

        parts = key.strip(".").split("...") if key.startswith("..") else [key]
        outputs = [
            {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]} for part in parts
        ]
        body = {
            "output": key,
            "outputs": outputs if key.startswith("..") else outputs[0],
            "inputs": items("inputs"),
            "state": items("state"),
            "changedPropIds": [trigger],
        }
        return request.http.post(
            "/_dash-update-component", data=json.dumps(body), content_type="application/json"
        )

    return send


def get(path: str) -> Callable[[Request], Any]:
    """A sender of ``GET path``."""
    return lambda request: request.http.get(path)


def _csrf_of(text: str) -> str:
    found = re.search(r'"name":\s*"csrf"[^{}]*?"value":\s*"([0-9a-f]+)"', text) or re.search(
        r'"value":\s*"([0-9a-f]{64})"[^{}]*?"name":\s*"csrf"', text
    )
    return "" if found is None else found.group(1)


def sign_out(request: Request) -> Any:
    """Post the shell's sign-out form with the CSRF token the menu carries."""
    menu = fire(ROUTER, "url.pathname", {"url.pathname": "/"})(request)
    return request.http.post("/logout", data={"csrf": _csrf_of(menu.get_data(as_text=True))})


def page_path(path: str, target: object) -> str:
    """*path* with every ``<param>`` replaced by the (URL-quoted) *target*."""
    return re.sub(r"<[a-z_]+>", lambda _m: quote(str(target), safe=""), path)


def route(page: str) -> Callable[[Request], Any]:
    """A sender of the shell's router callback for the page *page* naming the target."""

    def send(request: Request) -> Any:
        pathname = page_path(page, request.target)
        return fire(ROUTER, "url.pathname", {"url.pathname": pathname})(request)

    return send


def route_keys(app: Any) -> set[str]:
    """``"METHOD /rule"`` of every route of *app* (HEAD and OPTIONS come with GET and all)."""
    return {
        f"{method} {rule.rule}"
        for rule in app.server.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


# -- what a request may change ------------------------------------------------------------

#: Tables a refused request may still write: the audit of the refusal, session activity,
#: and summaries (derived data a read may bring up to date).
WRITABLE_WHEN_REFUSED = frozenset(
    {
        "audit_event",
        "web_session",
        "client_day",
        "client_week",
        "client_summary",
        "summary_pending",
        "sleep_episode",
    }
)


def records(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but :data:`WRITABLE_WHEN_REFUSED`, for before/after checks."""
    out = {}
    with store.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in WRITABLE_WHEN_REFUSED:
                continue
            query = sa.select(table).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(row) for row in conn.execute(query)]
    return out


# -- the services of the IPT course (no pages yet: the matrix at the service level) ---------

#: In each client's private session note (appointment 1), followed by the client code.
NOTE_CANARY = "CANARY-NOTE-PRIVATE-c41d"
#: In each client's shared session note (appointment 2), followed by the client code.
SHARED_NOTE_CANARY = "CANARY-NOTE-SHARED-88aa"
#: In each client's goals, inventory, life event and plan, followed by the client code.
IPT_CANARY = "CANARY-IPT-5e07"
#: The first day of the seeded courses.
COURSE_START = dt.date(2026, 5, 4)


def add_ipt_records(store: Store, now: dt.datetime = SEEDED) -> None:
    """A course with two sessions (private and shared note), an inventory person, a life
    event and a relapse plan for each client, written as the clients' clinician would."""
    for code in sorted(CLIENT_CODES):
        client_id = store.client(code).id
        assert client_id is not None
        clinician = command_line_viewer("seed", client_id)
        course.start_course(store, clinician, code, COURSE_START, now=now)
        course.set_problem_areas(
            store, clinician, code, "role_disputes", goals=f"{IPT_CANARY} {code} goals", now=now
        )
        for week in (0, 1):
            course.record_session(
                store, clinician, code, COURSE_START + dt.timedelta(weeks=week), now=now
            )
        notes.write_note(store, clinician, code, 1, f"{NOTE_CANARY} {code}", now=now)
        notes.write_note(
            store, clinician, code, 2, f"{SHARED_NOTE_CANARY} {code}", shared=True, now=now
        )
        inventory.add_person(
            store, clinician, code, f"{IPT_CANARY} {code}", "partner",
            closeness=1, support=3, conflict=1, now=now,
        )  # fmt: skip
        life_events.add_life_event(
            store, clinician, code, COURSE_START, "travel", 2, f"{IPT_CANARY} {code}", now=now
        )
        plan = make_relapse_plan([(f"{IPT_CANARY} {code}", ["mood_rising"])], ["call"], [])
        relapse_plan.save_relapse_plan(store, clinician, code, plan, now=now)


def ipt_forbidden_strings(viewer: MatrixViewer) -> tuple[str, ...]:
    """The IPT canaries no service answer to *viewer* may contain, client by client."""
    hidden = []
    for code in sorted(CLIENT_CODES):
        if not allowed_on(viewer, Action.READ_NOTES, code):
            hidden.append(f"{NOTE_CANARY} {code}")
        if not allowed_on(viewer, Action.READ_SHARED_NOTES, code):
            hidden.append(f"{SHARED_NOTE_CANARY} {code}")
        if not allowed_on(viewer, Action.VIEW_COURSE, code):
            hidden.append(f"{IPT_CANARY} {code}")
    return tuple(hidden)


@dataclasses.dataclass(frozen=True)
class ServiceRow:
    """One call of an IPT service, as a viewer naming a target client."""

    #: Unique name (the test id).
    name: str
    #: ``"module.function"`` of :mod:`ipsrt.reports` this row calls.
    covers: str
    action: Action
    #: ``call(store, viewer, target)`` with the viewer :func:`load_viewer` gives.
    call: Callable[[Store, Any, object], Any]
    #: Run before the call whoever asks (e.g. end the course a start needs ended).
    prepare: Callable[[Store], None] | None = None


def service_viewer(store: Store, viewer: MatrixViewer) -> Any:
    """The :class:`~ipsrt.reports.access.Viewer` of *viewer* (``None``: signed out)."""
    if viewer.login is None:
        return None
    user_id = store.accounts.user(viewer.login).id
    assert user_id is not None
    return load_viewer(store, user_id)


def service_answer_text(value: Any) -> str:
    """Every string a service answer carries (dataclass fields, also those ``repr`` hides)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return " ".join(
            service_answer_text(getattr(value, f.name)) for f in dataclasses.fields(value)
        )
    if isinstance(value, list | tuple | set | frozenset):
        return " ".join(service_answer_text(v) for v in value)
    if isinstance(value, dict):
        return " ".join(
            f"{service_answer_text(k)} {service_answer_text(v)}" for k, v in value.items()
        )
    return str(value)
