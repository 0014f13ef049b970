"""The table of the authorization matrix: every route, page and callback of the app.

Each :class:`~tests.dashboard.matrix.Row` says how to send one way into the
app for a target client code and what governs it; the machinery (viewers,
targets, canaries, expected answers, senders) is in ``tests/dashboard/matrix.py``
and how to add a page in ``docs/dashboard.md`` ("Authorization"): one line
in :data:`PAGE_NAMES`, one :class:`Row` per callback in :data:`CALLBACK_ROWS`.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from dashboard.pages import PAGES
from ipsrt.ipt.relapse_plan import make_relapse_plan
from ipsrt.reports import course, inventory, life_events, notes, relapse_plan
from ipsrt.reports.access import Action
from ipsrt.store import Store
from tests.dashboard.matrix import (
    ROUTER,
    SEEDED,
    TARGET,
    Access,
    Names,
    Refusal,
    Row,
    ServiceRow,
    canary_alert_id,
    fire,
    get,
    open_alert_id_of_c001,
    route,
    sign_out,
)

_SCRIPT = "/_dash-component-suites/dash/dash-renderer/build/dash_renderer.min.js"

#: Every Flask route by ``"METHOD /rule"``.
ROUTE_ROWS: tuple[Row, ...] = (
    Row("login form", "GET /login", Access.PUBLIC, get("/login"), ok=frozenset({200, 302})),
    # Without the form's CSRF cookie: refused before any password work, for everyone.
    Row(
        "login submit",
        "POST /login",
        Access.PUBLIC,
        lambda r: r.http.post("/login", data={"login": "clin1", "password": "x"}),
        ok=frozenset({400}),
    ),
    Row("sign out", "POST /logout", Access.SIGNED_IN, sign_out, ok=frozenset({302})),
    Row(
        "password form",
        "GET /account/password",
        Action.CHANGE_OWN_PASSWORD,
        get("/account/password"),
        signed_out=frozenset({302}),
    ),
    # Without the form's CSRF field: refused before the current password is checked.
    Row(
        "password submit",
        "POST /account/password",
        Action.CHANGE_OWN_PASSWORD,
        lambda r: r.http.post("/account/password", data={"current": "x", "new": "y"}),
        ok=frozenset({400}),
    ),
    Row("health", "GET /healthz", Access.PUBLIC, get("/healthz")),
    Row(
        "bootstrap css",
        "GET /static-lib/bootstrap.min.css",
        Access.PUBLIC,
        get("/static-lib/bootstrap.min.css"),
    ),
    # Flask's own static route: the dashboard has no static folder.
    Row(
        "flask static",
        "GET /static/<path:filename>",
        Access.SIGNED_IN,
        get("/static/x.css"),
        ok=frozenset({404}),
        signed_out=frozenset({302}),
    ),
    Row(
        "dash assets",
        "GET /assets/<path:filename>",
        Access.PUBLIC,
        get("/assets/x.css"),
        ok=frozenset({404}),
    ),
    Row(
        "dash scripts",
        "GET /_dash-component-suites/<string:package_name>/<path:fingerprinted_path>",
        Access.PUBLIC,
        get(_SCRIPT),
    ),
    Row("dash layout", "GET /_dash-layout", Access.SIGNED_IN, get("/_dash-layout")),
    Row(
        "dash dependencies", "GET /_dash-dependencies", Access.SIGNED_IN, get("/_dash-dependencies")
    ),
    Row(
        "dash callbacks",
        "POST /_dash-update-component",
        Access.SIGNED_IN,
        fire(ROUTER, "url.pathname", {"url.pathname": "/"}),
    ),
    Row(
        "dash reload hash",
        "GET /_reload-hash",
        Access.SIGNED_IN,
        get("/_reload-hash"),
        signed_out=frozenset({302}),
    ),
    Row(
        "dash favicon",
        "GET /_favicon.ico",
        Access.SIGNED_IN,
        get("/_favicon.ico"),
        signed_out=frozenset({302}),
    ),
    Row("dash index", "GET /", Access.SIGNED_IN, get("/"), signed_out=frozenset({302})),
    # Dash's catch-all serves the same empty shell for every path; data comes by callbacks.
    Row(
        "dash index of a path",
        "GET /<path:path>",
        Access.SIGNED_IN,
        lambda r: r.http.get("/clients/" + quote(str(r.target), safe="")),
        uses_target=True,
        signed_out=frozenset({302}),
    ),
)

#: Which client each page's path names, by path: one line per page in ``PAGES``.
PAGE_NAMES: dict[str, Names] = {
    "/": Names.NOTHING,
    "/admin/users": Names.NOTHING,
    "/admin/devices": Names.NOTHING,
    "/admin/audit": Names.NOTHING,
    "/today": Names.OWN,
    "/my-rhythm": Names.OWN,
    "/my-course": Names.OWN,
    "/caseload": Names.NOTHING,
    "/clients/<code>": Names.TARGET,
    "/clients/<code>/course": Names.TARGET,
}

ADMIN_USERS_KEY = (
    "..admin_users-message.children...admin_users-table.children...admin_users-account.options"
    "...admin_users-clinician.options...admin_users-password.value"
    "...admin_users-new-password.value.."
)
ADMIN_ASSIGN_KEY = "..admin_users-assign-message.children...admin_users-assignments.children.."
ADMIN_AUDIT_KEY = (
    "..admin_audit-table.children...admin_audit-position.children...admin_audit-page.data"
    "...admin_audit-newer.disabled...admin_audit-older.disabled.."
)

_ANCHORS = ("out_of_bed", "first_contact", "start_activity", "dinner", "bed")
_TODAY_FIELDS = (
    *(f"today-{field}-{key}" for field in ("time", "notdone", "people") for key in _ANCHORS),
    *("today-mood-on", "today-mood", "today-energy", "today-irritability", "today-anxiety"),
)
TODAY_DAY_KEY = ".." + "...".join(f"{field}.value" for field in _TODAY_FIELDS) + ".."
TODAY_SAVE_KEY = "today-saved.children"
TODAY_SCALES_KEY = "today-scales-result.children"
#: The PHQ-9 and ASRM answers, as Dash sends the values of a pattern-matching ``ALL`` state.
_PHQ9_ALL = '{"item":["ALL"],"type":"today-phq9"}.value'
_ASRM_ALL = '{"item":["ALL"],"type":"today-asrm"}.value'
MY_RHYTHM_KEY = (
    "..my-rhythm-summary.children...my-rhythm-srm.figure...my-rhythm-anchors.figure"
    "...my-rhythm-sleep.figure.."
)
CLIENT_FIGURES_KEY = (
    "..client-actogram.figure...client-anchors.figure...client-sleep.figure"
    "...client-trends.figure...client-mood.figure...client-anchor-table.children.."
)
CLIENT_ACK_KEY = (
    "..client-alerts.children...client-ack-alert.options...client-ack-status.children.."
)
CLIENT_TARGETS_KEY = "client-targets-status.children"
#: C001's local date at the clinic's clock (Europe/Berlin, 2026-06-10 12:00 UTC): editable.
_C001_TODAY = "2026-06-10"

#: Every page callback: one or more rows per key of ``app.callback_map`` (the router aside).
CALLBACK_ROWS: tuple[Row, ...] = (
    # A weak password: refused by the policy before any hashing, so the row stays fast.
    Row(
        "admin_users: add a client login",
        ADMIN_USERS_KEY,
        Action.MANAGE_ACCOUNTS,
        fire(
            ADMIN_USERS_KEY,
            "admin_users-add.n_clicks",
            {
                "admin_users-login.value": "matrix-made",
                "admin_users-role.value": "client",
                "admin_users-client.value": TARGET,
                "admin_users-password.value": "short",
            },
        ),
        uses_target=True,
    ),
    Row(
        "admin_users: disable a login",
        ADMIN_USERS_KEY,
        Action.MANAGE_ACCOUNTS,
        fire(
            ADMIN_USERS_KEY, "admin_users-disable.n_clicks", {"admin_users-account.value": "clin2"}
        ),
    ),
    # A weak password again: the policy refuses it before any hashing.
    Row(
        "admin_users: reset a password",
        ADMIN_USERS_KEY,
        Action.MANAGE_ACCOUNTS,
        fire(
            ADMIN_USERS_KEY,
            "admin_users-reset.n_clicks",
            {"admin_users-account.value": "client2", "admin_users-new-password.value": "short"},
        ),
    ),
    Row(
        "admin_users: assign a client",
        ADMIN_ASSIGN_KEY,
        Action.MANAGE_ACCOUNTS,
        fire(
            ADMIN_ASSIGN_KEY,
            "admin_users-assign.n_clicks",
            {"admin_users-clinician.value": "clin2", "admin_users-code.value": TARGET},
        ),
        uses_target=True,
    ),
    Row(
        "admin_users: unassign a client",
        ADMIN_ASSIGN_KEY,
        Action.MANAGE_ACCOUNTS,
        fire(
            ADMIN_ASSIGN_KEY,
            "admin_users-unassign.n_clicks",
            {"admin_users-clinician.value": "clin1", "admin_users-code.value": TARGET},
        ),
        uses_target=True,
    ),
    Row(
        "admin_audit: filter by subject's actions",
        ADMIN_AUDIT_KEY,
        Action.VIEW_AUDIT,
        fire(
            ADMIN_AUDIT_KEY, "admin_audit-filter.n_clicks", {"admin_audit-action.value": "diary."}
        ),
    ),
    Row(
        "admin_audit: page with a forged page number",
        ADMIN_AUDIT_KEY,
        Action.VIEW_AUDIT,
        fire(ADMIN_AUDIT_KEY, "admin_audit-older.n_clicks", {"admin_audit-page.data": TARGET}),
        uses_target=True,
    ),
    Row(
        "today: load a day",
        TODAY_DAY_KEY,
        Action.WRITE_DIARY,
        fire(TODAY_DAY_KEY, "today-day.value", {"today-day.value": _C001_TODAY}),
        names=Names.OWN,
    ),
    Row(
        "today: save a day",
        TODAY_SAVE_KEY,
        Action.WRITE_DIARY,
        fire(
            TODAY_SAVE_KEY,
            "today-save.n_clicks",
            {
                "today-day.value": _C001_TODAY,
                **{
                    f"today-time-{key}.value": clock
                    for key, clock in zip(
                        _ANCHORS, ("07:00", "08:30", "09:15", "19:00", "23:00"), strict=True
                    )
                },
                **{f"today-people-{key}.value": "1" for key in _ANCHORS},
                "today-mood-on.value": True,
                "today-mood.value": 1,
                "today-energy.value": 5,
                "today-irritability.value": 2,
                "today-anxiety.value": 3,
            },
        ),
        names=Names.OWN,
    ),
    Row(
        "today: save the questionnaires",
        TODAY_SCALES_KEY,
        Action.WRITE_DIARY,
        fire(
            TODAY_SCALES_KEY,
            "today-scales-save.n_clicks",
            {_PHQ9_ALL: [0, 1, 0, 1, 0, 0, 1, 0, 0], _ASRM_ALL: [0, 1, 0, 0, 1]},
        ),
        names=Names.OWN,
    ),
    Row(
        "today: add a life event",
        "today-event-status.children",
        Action.WRITE_LIFE_EVENTS,
        fire(
            "today-event-status.children",
            "today-event-add.n_clicks",
            {
                "today-event-kind.value": "travel",
                "today-event-start.value": _C001_TODAY,
                "today-event-disruption.value": 2,
                "today-event-description.value": "flight",
            },
        ),
        names=Names.OWN,
    ),
    Row(
        "my_rhythm: show the last weeks",
        MY_RHYTHM_KEY,
        Action.VIEW_CLIENT,
        fire(MY_RHYTHM_KEY, "my-rhythm-days.value", {"my-rhythm-days.value": "28"}),
        names=Names.OWN,
    ),
    Row(
        "client: show the figures",
        CLIENT_FIGURES_KEY,
        Action.VIEW_CLIENT,
        fire(
            CLIENT_FIGURES_KEY,
            "client-span.value",
            {"client-span.value": "28", "client-client.data": TARGET},
        ),
        names=Names.TARGET,
    ),
    Row(
        "client: acknowledge an alert",
        CLIENT_ACK_KEY,
        Action.ACKNOWLEDGE_ALERT,
        lambda r: fire(
            CLIENT_ACK_KEY,
            "client-ack.n_clicks",
            {
                "client-client.data": r.target,
                "client-ack-alert.value": open_alert_id_of_c001(r.store),
            },
        )(r),
        names=Names.TARGET,
    ),
    # C002's alert beside any target: nobody of the clinic may acknowledge it.
    Row(
        "client: acknowledge C002's alert",
        CLIENT_ACK_KEY,
        Action.ACKNOWLEDGE_ALERT,
        lambda r: fire(
            CLIENT_ACK_KEY,
            "client-ack.n_clicks",
            {"client-client.data": r.target, "client-ack-alert.value": canary_alert_id(r.store)},
        )(r),
        names=Names.TARGET,
        # Refused as another client's alert (403), or answered with a message: no change.
        ok=frozenset({200, 403}),
        changes_nothing=True,
    ),
    Row(
        "client: save anchor targets",
        CLIENT_TARGETS_KEY,
        Action.WRITE_TARGETS,
        fire(
            CLIENT_TARGETS_KEY,
            "client-targets-save.n_clicks",
            {
                "client-client.data": TARGET,
                **{
                    f"client-target-{key}.value": clock
                    for key, clock in zip(
                        _ANCHORS, ("07:00", "08:00", "09:00", "18:30", "22:30"), strict=True
                    )
                },
            },
        ),
        names=Names.TARGET,
    ),
)


COURSE_SHOW_KEY = (
    "..course-summary.children...course-sessions.children...course-people.children"
    "...course-circles.figure...course-person.options...course-events.children"
    "...course-plan.children...course-note-appointment.options.."
)
COURSE_PREFILL_KEY = (
    "..course-primary.value...course-goals.value...course-secondary.value"
    "...course-secondary-goals.value...course-plan-signs.value...course-plan-steps.value"
    "...course-plan-contacts.value.."
)
COURSE_NOTE_READ_KEY = (
    "..course-note-text.value...course-note-shared.value...course-note-read-status.children.."
)


def _course(name: str, access: Action, trigger: str, values: dict[str, object]) -> Row:
    """A row of the course page's callback whose output is ``course-<name>-status``."""
    key = f"course-{name}-status.children"
    return Row(
        f"course: {trigger.split('.')[0].removeprefix('course-')}",
        key,
        access,
        fire(key, trigger, {"course-client.data": TARGET, **values}),
        names=Names.TARGET,
    )


#: The course page (``dashboard/pages/course.py``): every form, the redraw, notes read.
COURSE_ROWS: tuple[Row, ...] = (
    Row(
        "course: show the course",
        COURSE_SHOW_KEY,
        Action.VIEW_COURSE,
        fire(COURSE_SHOW_KEY, "course-start-status.children", {"course-client.data": TARGET}),
        names=Names.TARGET,
    ),
    Row(
        "course: the forms start from the stored areas and plan",
        COURSE_PREFILL_KEY,
        Action.WRITE_COURSE,
        fire(COURSE_PREFILL_KEY, "course-client.data", {"course-client.data": TARGET}),
        names=Names.TARGET,
    ),
    # The seeded course is under way: an allowed start is answered with a message.
    _course("start", Action.WRITE_COURSE, "course-start-save.n_clicks",
            {"course-start-date.value": "2026-06-01"}),
    _course("session", Action.WRITE_COURSE, "course-session-save.n_clicks",
            {"course-session-date.value": "2026-06-09", "course-session-attended.value": True,
             "course-session-phase.value": "middle"}),
    _course("areas", Action.WRITE_COURSE, "course-areas-save.n_clicks",
            {"course-primary.value": "grief", "course-goals.value": "mourn",
             "course-secondary.value": "role_disputes"}),
    _course("status", Action.WRITE_COURSE, "course-status-save.n_clicks",
            {"course-new-status.value": "maintenance", "course-status-date.value": "2026-06-09"}),
    _course("person", Action.WRITE_INVENTORY, "course-person-save.n_clicks",
            {"course-person.value": "", "course-person-label.value": "Sister",
             "course-person-relationship.value": "sister", "course-person-closeness.value": "1",
             "course-person-support.value": "3", "course-person-conflict.value": "0",
             "course-person-roles.value": "dinner:dinner together"}),
    # Person 1 is C001's seeded partner: removing it names C002's never.
    _course("person", Action.WRITE_INVENTORY, "course-person-remove.n_clicks",
            {"course-person.value": "1"}),
    _course("event", Action.WRITE_LIFE_EVENTS, "course-event-add.n_clicks",
            {"course-event-kind.value": "illness", "course-event-start.value": "2026-06-08",
             "course-event-disruption.value": 1, "course-event-description.value": "flu"}),
    _course("plan", Action.WRITE_RELAPSE_PLAN, "course-plan-save.n_clicks",
            {"course-plan-signs.value": "up all night | sleep_shortening",
             "course-plan-steps.value": "call", "course-plan-contacts.value": "Dr A | 555"}),
    _course("note", Action.WRITE_NOTES, "course-note-save.n_clicks",
            {"course-note-appointment.value": 1, "course-note-text.value": "new words"}),
    Row(
        "course: read a private note",
        COURSE_NOTE_READ_KEY,
        Action.READ_NOTES,
        fire(COURSE_NOTE_READ_KEY, "course-note-read.n_clicks",
             {"course-client.data": TARGET, "course-note-appointment.value": 1}),
        names=Names.TARGET,
    ),
    # The shared note: the client reads it on their own page, never through this one.
    Row(
        "course: read a shared note",
        COURSE_NOTE_READ_KEY,
        Action.READ_NOTES,
        fire(COURSE_NOTE_READ_KEY, "course-note-read.n_clicks",
             {"course-client.data": TARGET, "course-note-appointment.value": 2}),
        names=Names.TARGET,
    ),
)  # fmt: skip


def router_rows() -> tuple[Row, ...]:
    """One row per page of ``PAGES`` listed in :data:`PAGE_NAMES`: the router showing it.

    And one more: the router sent a forged ``pathname`` (the target itself:
    a number, a list...), which must find no page rather than fail.
    """
    forged = Row(
        "page of a forged pathname",
        ROUTER,
        Access.SIGNED_IN,
        fire(ROUTER, "url.pathname", {"url.pathname": TARGET}),
        uses_target=True,
    )
    pages = tuple(
        Row(
            f"page {module.PAGE.path}",
            ROUTER,
            module.PAGE.action,
            route(module.PAGE.path),
            names=PAGE_NAMES[module.PAGE.path],
            refusal=Refusal.PAGE_NOT_FOUND,
        )
        for module in PAGES
        if module.PAGE.path in PAGE_NAMES
    )
    return (forged, *pages)


def rows() -> tuple[Row, ...]:
    """The whole table."""
    return ROUTE_ROWS + router_rows() + CALLBACK_ROWS + COURSE_ROWS


# -- the IPT services, called directly (their pages come later) ------------------------------

_DAY = dt.date(2026, 6, 8)
_PLAN = make_relapse_plan([("up all night", ["sleep_shortening"])], ["call Dr A"], [])


def _end_open_courses(store: Store) -> None:
    """What a start needs: no course under way (ended with the store, not a service)."""
    for code in ("C001", "C002"):
        store.courses.change_status(code, "ended", _DAY, now=SEEDED, actor="seed")


#: One row per function of the IPT services (``SERVICE_MODULES``), per kind of note.
SERVICE_ROWS: tuple[ServiceRow, ...] = (
    ServiceRow(
        "course: view",
        "course.course_view",
        Action.VIEW_COURSE,
        lambda s, v, t: course.course_view(s, v, t),
    ),
    ServiceRow(
        "course: start",
        "course.start_course",
        Action.WRITE_COURSE,
        lambda s, v, t: course.start_course(s, v, t, _DAY, now=SEEDED),
        prepare=_end_open_courses,
    ),
    ServiceRow(
        "course: record a session",
        "course.record_session",
        Action.WRITE_COURSE,
        lambda s, v, t: course.record_session(s, v, t, _DAY, attended=False, now=SEEDED),
    ),
    ServiceRow(
        "course: problem areas",
        "course.set_problem_areas",
        Action.WRITE_COURSE,
        lambda s, v, t: course.set_problem_areas(s, v, t, "grief", goals="g", now=SEEDED),
    ),
    ServiceRow(
        "course: maintenance",
        "course.move_to_maintenance",
        Action.WRITE_COURSE,
        lambda s, v, t: course.move_to_maintenance(s, v, t, _DAY, now=SEEDED),
    ),
    ServiceRow(
        "course: end",
        "course.end_course",
        Action.WRITE_COURSE,
        lambda s, v, t: course.end_course(s, v, t, _DAY, now=SEEDED),
    ),
    ServiceRow(
        "inventory: view",
        "inventory.inventory_view",
        Action.VIEW_INVENTORY,
        lambda s, v, t: inventory.inventory_view(s, v, t, now=SEEDED),
    ),
    ServiceRow(
        "inventory: add",
        "inventory.add_person",
        Action.WRITE_INVENTORY,
        lambda s, v, t: inventory.add_person(
            s, v, t, "Boss", "manager", closeness=3, support=0, conflict=2, now=SEEDED
        ),
    ),
    ServiceRow(
        "inventory: change",
        "inventory.change_person",
        Action.WRITE_INVENTORY,
        lambda s, v, t: inventory.change_person(
            s, v, t, 1, "Partner", "partner", closeness=2, support=1, conflict=3, now=SEEDED
        ),
    ),
    ServiceRow(
        "inventory: remove",
        "inventory.remove_person",
        Action.WRITE_INVENTORY,
        lambda s, v, t: inventory.remove_person(s, v, t, 1, now=SEEDED),
    ),
    ServiceRow(
        "life events: list",
        "life_events.life_events",
        Action.VIEW_LIFE_EVENTS,
        lambda s, v, t: life_events.life_events(s, v, t),
    ),
    ServiceRow(
        "life events: add",
        "life_events.add_life_event",
        Action.WRITE_LIFE_EVENTS,
        lambda s, v, t: life_events.add_life_event(s, v, t, _DAY, "illness", 1, "flu", now=SEEDED),
    ),
    ServiceRow(
        "relapse plan: view",
        "relapse_plan.relapse_plan_view",
        Action.VIEW_RELAPSE_PLAN,
        lambda s, v, t: relapse_plan.relapse_plan_view(s, v, t),
    ),
    ServiceRow(
        "relapse plan: save",
        "relapse_plan.save_relapse_plan",
        Action.WRITE_RELAPSE_PLAN,
        lambda s, v, t: relapse_plan.save_relapse_plan(s, v, t, _PLAN, now=SEEDED),
    ),
    ServiceRow(
        "notes: read a private note",
        "notes.read_note",
        Action.READ_NOTES,
        lambda s, v, t: notes.read_note(s, v, t, 1, now=SEEDED),
    ),
    ServiceRow(
        "notes: read a shared note",
        "notes.read_note",
        Action.READ_SHARED_NOTES,
        lambda s, v, t: notes.read_note(s, v, t, 2, now=SEEDED),
    ),
    ServiceRow(
        "notes: write",
        "notes.write_note",
        Action.WRITE_NOTES,
        lambda s, v, t: notes.write_note(s, v, t, 1, "new words", now=SEEDED),
    ),
)
#: The service modules whose every public function needs a row.
SERVICE_MODULES = (course, inventory, life_events, relapse_plan, notes)
