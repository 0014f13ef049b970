"""What the dashboard benchmark sends to each page and callback: the per-page input table.

:mod:`tests.bench.bench_dashboard` finds every callback in ``app.callback_map``
and calls it as the browser does; the values it sends come from here. A
callback with no entry in :data:`CALLBACK_CASES` is reported as NOT MEASURED
and the benchmark exits non-zero, so a page merged without an entry is never
silently skipped.

To add a page's callbacks: one :class:`CallbackCase` per callback, keyed by the
callback's key in ``app.callback_map`` (``"id.prop"`` for one output,
``"..a.x...b.y.."`` for several), naming the page's path and a value for
every input and state (``"component-id.property"``). A value may be a
function of the :class:`BenchContext` (the client, its year of data, the
instant of the run); a state of a wildcard id (``{"type": ..., "item": ALL}``,
keyed by the JSON of the id with ``["ALL"]``) takes a list of ``(item,
value)`` pairs, one per component the page shows. A page with path
parameters (``/clients/<code>``) gets them from :data:`PATH_PARAMS`; a page
that is not in a role's menu but that the role reaches by a link (the start
page, ``/clients/<code>`` from the caseload) is listed in :data:`LINKED_PAGES`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from ipsrt.enums import Role
from ipsrt.reports.access import RULES

__all__ = [
    "CALLBACK_CASES",
    "LINKED_PAGES",
    "PATH_PARAMS",
    "ROLE_ORDER",
    "ROUTER",
    "BenchContext",
    "CallbackCase",
    "callback_inputs",
    "page_path",
    "page_role",
    "page_roles",
    "role_pages",
]

#: The shell's router callback (the URL to a page), measured once per page.
ROUTER = "..shell-menu.children...shell-page.children.."
#: The role that signs in to measure a page: the first of these its action allows.
ROLE_ORDER = (Role.CLIENT, Role.CLINICIAN, Role.ADMIN)


@dataclasses.dataclass(frozen=True)
class BenchContext:
    """What inputs may depend on: the client shown and the instant of the run."""

    #: The client whose data the page shows (the signed-in client, or one assigned
    #: to the signed-in clinician); it has ``days`` days of minutes ending ``last_day``.
    client_code: str
    first_day: dt.date
    last_day: dt.date
    now: dt.datetime


Value = Any  # a JSON value, or a Callable[[BenchContext], JSON value]


@dataclasses.dataclass(frozen=True)
class CallbackCase:
    """How to call one callback: its page, a value for each input and state, who calls it."""

    #: ``Page.path`` of the page whose ``register`` added the callback.
    page: str
    #: ``"component-id.property"`` -> value (or a function of the :class:`BenchContext`).
    values: Mapping[str, Value]
    #: Who signs in to call it (default: :func:`page_role` of the page).
    role: Role | None = None
    #: Fired by the browser when the page loads (replayed by the load test); ``False``
    #: for callbacks fired by a click or a typed value.
    initial: bool = True
    #: Other inputs measured in-process too: label -> values replacing some of *values*
    #: (e.g. the longest period a page offers).
    variants: Mapping[str, Mapping[str, Value]] = dataclasses.field(default_factory=dict)


#: Path parameters of pages reached by links (``/clients/<code>``).
PATH_PARAMS: dict[str, Callable[[BenchContext], str]] = {
    "code": lambda ctx: ctx.client_code,
}

#: Pages reached by a link rather than the menu (``Page.nav_roles``), and by whom.
LINKED_PAGES: dict[str, tuple[Role, ...]] = {
    "/": ROLE_ORDER,
    "/clients/<code>": (Role.CLINICIAN,),
    "/clients/<code>/course": (Role.CLINICIAN,),
}


def _srm5_targets() -> dict[str, Value]:
    from ipsrt.srm import SRM5

    return {f"client-target-{key}.value": f"{7 + k:02d}:30" for k, key in enumerate(SRM5.keys)}


def _yesterday(ctx: BenchContext) -> str:
    return (ctx.now.date() - dt.timedelta(days=1)).isoformat()


def _srm5_diary() -> dict[str, Value]:
    """The diary form's anchors, in the page's field order (times, not done, people)."""
    from ipsrt.srm import SRM5

    return {
        **{f"today-time-{key}.value": f"{7 + 2 * k:02d}:15" for k, key in enumerate(SRM5.keys)},
        **{f"today-notdone-{key}.value": False for key in SRM5.keys},
        **{f"today-people-{key}.value": "" for key in SRM5.keys},
    }


def _many(outputs: str) -> str:
    """The ``callback_map`` key of a callback with the outputs ``"a.x b.y ..."``."""
    return ".." + "...".join(outputs.split()) + ".."


_TODAY_FIELDS = {
    **_srm5_diary(),
    "today-mood-on.value": True,
    "today-mood.value": 1,
    **{f"today-{r}.value": 1 for r in ("energy", "irritability", "anxiety")},
}
_AUDIT = "admin_audit-"
_USERS = "admin_users-"

#: The callbacks of the pages in ``dashboard.pages.PAGES``, by their ``callback_map`` key.
#: The start page has none. Entries for pages not merged yet are unused until they are.
CALLBACK_CASES: dict[str, CallbackCase] = {
    # /today (client): the day chosen, then the two save buttons.
    _many(" ".join(f"{k.rsplit('.', 1)[0]}.value" for k in _TODAY_FIELDS)): CallbackCase(
        page="/today", values={"today-day.value": _yesterday}, initial=False
    ),
    "today-saved.children": CallbackCase(
        page="/today",
        values={"today-save.n_clicks": 1, "today-day.value": _yesterday, **_TODAY_FIELDS},
        initial=False,
    ),
    "today-scales-result.children": CallbackCase(
        page="/today",
        values={
            "today-scales-save.n_clicks": 1,
            '{"item":["ALL"],"type":"today-phq9"}.value': [],
            '{"item":["ALL"],"type":"today-asrm"}.value': [],
        },
        initial=False,
    ),
    "today-event-status.children": CallbackCase(
        page="/today",
        values={
            "today-event-add.n_clicks": 1,
            "today-event-kind.value": "illness",
            "today-event-start.value": _yesterday,
            "today-event-end.value": None,
            "today-event-disruption.value": 1,
            "today-event-description.value": "flu",
        },
        initial=False,
    ),
    # /my-rhythm (client): the summary and figures of the period chosen.
    _many(
        "my-rhythm-summary.children my-rhythm-srm.figure my-rhythm-anchors.figure "
        "my-rhythm-sleep.figure"
    ): CallbackCase(
        page="/my-rhythm",
        values={"my-rhythm-days.value": "28"},
        variants={"84 days": {"my-rhythm-days.value": "84"}},
    ),
    # /admin/audit and /admin/users (admin): buttons only.
    _many(
        f"{_AUDIT}table.children {_AUDIT}position.children {_AUDIT}page.data "
        f"{_AUDIT}newer.disabled {_AUDIT}older.disabled"
    ): CallbackCase(
        page="/admin/audit",
        values={
            f"{_AUDIT}filter.n_clicks": 1,
            f"{_AUDIT}newer.n_clicks": None,
            f"{_AUDIT}older.n_clicks": None,
            f"{_AUDIT}actor.value": None,
            f"{_AUDIT}action.value": None,
            f"{_AUDIT}page.data": 0,
        },
        initial=False,
    ),
    _many(
        f"{_USERS}message.children {_USERS}table.children {_USERS}account.options "
        f"{_USERS}clinician.options {_USERS}password.value {_USERS}new-password.value"
    ): CallbackCase(
        page="/admin/users",
        values={
            f"{_USERS}add.n_clicks": 1,
            **{f"{_USERS}{b}.n_clicks": None for b in ("enable", "disable", "reset")},
            **{f"{_USERS}{f}.value": None for f in ("login", "role", "client", "password")},
            f"{_USERS}account.value": None,
            f"{_USERS}new-password.value": None,
        },
        initial=False,
    ),
    _many(f"{_USERS}assign-message.children {_USERS}assignments.children"): CallbackCase(
        page="/admin/users",
        values={
            f"{_USERS}assign.n_clicks": 1,
            f"{_USERS}unassign.n_clicks": None,
            f"{_USERS}clinician.value": None,
            f"{_USERS}code.value": None,
        },
        initial=False,
    ),
    # /clients/<code> (clinician): the figures for the period chosen, then the two buttons.
    "..client-actogram.figure...client-anchors.figure...client-sleep.figure"
    "...client-trends.figure...client-mood.figure...client-anchor-table.children..": CallbackCase(
        page="/clients/<code>",
        values={"client-span.value": "28", "client-client.data": lambda ctx: ctx.client_code},
        role=Role.CLINICIAN,
        variants={"1 year": {"client-span.value": "364"}},
    ),
    "..client-alerts.children...client-ack-alert.options...client-ack-status.children..": (
        CallbackCase(
            page="/clients/<code>",
            values={
                "client-ack.n_clicks": 1,
                "client-ack-alert.value": None,
                "client-client.data": lambda ctx: ctx.client_code,
            },
            role=Role.CLINICIAN,
            initial=False,
        )
    ),
    "client-targets-status.children": CallbackCase(
        page="/clients/<code>",
        values={
            "client-targets-save.n_clicks": 1,
            "client-client.data": lambda ctx: ctx.client_code,
            **_srm5_targets(),
        },
        role=Role.CLINICIAN,
        initial=False,
    ),
}


_COURSE = "/clients/<code>/course"
_COURSE_STATUSES = ("start", "session", "areas", "status", "person", "event", "plan", "note")


def _code(ctx: BenchContext) -> str:
    return ctx.client_code


def _course_case(trigger: str, fields: Mapping[str, Value]) -> CallbackCase:
    """A form of the course page: its button clicked, with *fields*, as the clinician."""
    values = {f"course-{trigger}.n_clicks": 1, "course-client.data": _code, **fields}
    return CallbackCase(page=_COURSE, values=values, role=Role.CLINICIAN, initial=False)


_PERSON = {
    f"course-person{f}.value": v
    for f, v in (
        ("", ""),
        ("-label", "Partner"),
        ("-relationship", "partner"),
        ("-closeness", "1"),
        ("-support", "2"),
        ("-conflict", "1"),
        ("-changes", ""),
        ("-roles", "out_of_bed:wakes me"),
    )
}
_EVENT = {
    "course-event-kind.value": "travel",
    "course-event-start.value": _yesterday,
    "course-event-end.value": None,
    "course-event-disruption.value": 2,
    "course-event-description.value": "flight",
}
#: The course page (clinician): the redraw and plan fields on load, then one case per form.
CALLBACK_CASES.update(
    {
        _many(
            "course-summary.children course-sessions.children course-people.children "
            "course-circles.figure course-person.options course-events.children "
            "course-plan.children course-note-appointment.options"
        ): CallbackCase(
            page=_COURSE,
            values={
                "course-client.data": _code,
                **{f"course-{n}-status.children": None for n in _COURSE_STATUSES},
            },
            role=Role.CLINICIAN,
        ),
        _many(
            "course-primary.value course-goals.value course-secondary.value "
            "course-secondary-goals.value course-plan-signs.value course-plan-steps.value "
            "course-plan-contacts.value"
        ): CallbackCase(page=_COURSE, values={"course-client.data": _code}, role=Role.CLINICIAN),
        "course-start-status.children": _course_case(
            "start-save", {"course-start-date.value": _yesterday, "course-planned.value": 16}
        ),
        "course-session-status.children": _course_case(
            "session-save",
            {
                "course-session-date.value": _yesterday,
                "course-session-attended.value": True,
                "course-session-phase.value": "",
            },
        ),
        "course-areas-status.children": _course_case(
            "areas-save",
            {
                "course-primary.value": "role_transitions",
                "course-goals.value": "settle in",
                "course-secondary.value": "",
                "course-secondary-goals.value": "",
            },
        ),
        "course-status-status.children": _course_case(
            "status-save", {"course-new-status.value": None, "course-status-date.value": None}
        ),
        "course-person-status.children": _course_case(
            "person-save", {"course-person-remove.n_clicks": None, **_PERSON}
        ),
        "course-event-status.children": _course_case("event-add", _EVENT),
        "course-plan-status.children": _course_case(
            "plan-save",
            {
                "course-plan-signs.value": "sleeping less | sleep_shortening",
                "course-plan-steps.value": "call the clinic",
                "course-plan-contacts.value": "",
            },
        ),
        _many("course-note-text.value course-note-shared.value course-note-read-status.children"): (
            _course_case("note-read", {"course-note-appointment.value": None})
        ),
        "course-note-status.children": _course_case(
            "note-save",
            {
                "course-note-appointment.value": None,
                "course-note-text.value": "",
                "course-note-shared.value": False,
            },
        ),
    }
)


def page_role(module: ModuleType) -> Role | None:
    """The first role of :data:`ROLE_ORDER` allowed the page's action (``None``: no role is)."""
    for role in ROLE_ORDER:
        if (module.PAGE.action, role) in RULES:
            return role
    return None


def page_roles(module: ModuleType) -> tuple[Role, ...]:
    """Who opens the page: the roles of its menu entry and of :data:`LINKED_PAGES`, else
    :func:`page_role`."""
    path = module.PAGE.path
    roles = tuple(
        r for r in ROLE_ORDER if r in (*module.PAGE.nav_roles, *LINKED_PAGES.get(path, ()))
    )
    fallback = page_role(module)
    return roles or (() if fallback is None else (fallback,))


def role_pages(pages: tuple[ModuleType, ...], role: Role) -> list[ModuleType]:
    """The pages *role* opens (:func:`page_roles`), in menu order."""
    return [module for module in pages if role in page_roles(module)]


def page_path(module: ModuleType, ctx: BenchContext) -> str:
    """The page's path with its parameters filled from :data:`PATH_PARAMS`."""
    path: str = module.PAGE.path
    for name, value in PATH_PARAMS.items():
        path = path.replace(f"<{name}>", value(ctx))
    return path


def _dependency_key(dependency: Mapping[str, Any]) -> str:
    ident = dependency["id"]
    if isinstance(ident, dict):
        ident = json.dumps(ident, sort_keys=True, separators=(",", ":"))
    return f"{ident}.{dependency['property']}"


def callback_inputs(
    spec: Mapping[str, Any], case: CallbackCase, ctx: BenchContext, variant: str | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ``inputs`` and ``state`` lists of a callback request, as the browser sends them
    (with the values of *variant* of the case, if given).

    Raises ``KeyError`` naming the first input or state with no value in *case*.
    """
    given = {**case.values, **(case.variants[variant] if variant else {})}

    def values(dependencies: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        sent = []
        for dependency in dependencies:
            key = _dependency_key(dependency)
            if key not in given:
                raise KeyError(f"no value for {key}")
            value = given[key]
            value = value(ctx) if callable(value) else value
            ident = dependency["id"]
            wild = [k for k, v in ident.items() if v == ["ALL"]] if isinstance(ident, dict) else []
            if wild:  # the browser sends one entry per matching component
                sent.append(
                    [
                        {"id": {**ident, wild[0]: item}, "property": dependency["property"]}
                        | {"value": answer}
                        for item, answer in value
                    ]
                )
            else:
                sent.append({"id": ident, "property": dependency["property"], "value": value})
        return sent

    return values(spec["inputs"]), values(spec["state"])
