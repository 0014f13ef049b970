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
instant of the run). A page with path parameters (``/clients/<code>``) gets
them from :data:`PATH_PARAMS`; a page that is not in a role's menu but that
the role reaches by a link (the start page, ``/clients/<code>`` from the
caseload) is listed in :data:`LINKED_PAGES`.
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
}


def _srm5_targets() -> dict[str, Value]:
    from ipsrt.srm import SRM5

    return {f"client-target-{key}.value": f"{7 + k:02d}:30" for k, key in enumerate(SRM5.keys)}


#: The callbacks of the pages in ``dashboard.pages.PAGES``, by their ``callback_map`` key.
#: The start page has none. Entries for pages not merged yet are unused until they are.
CALLBACK_CASES: dict[str, CallbackCase] = {
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
            sent.append(
                {
                    "id": dependency["id"],
                    "property": dependency["property"],
                    "value": value(ctx) if callable(value) else value,
                }
            )
        return sent

    return values(spec["inputs"]), values(spec["state"])
