"""The one authorization rule: deny by default, own client, assigned clients, no enumeration.

Expected answers come from the rule table stated in ``docs/security.md``
(clients see themselves, clinicians their assigned clients, admins no
clinical data), checked here against every (action, role) pair.
"""

from __future__ import annotations

import itertools

import pytest

from ipsrt.enums import Role
from ipsrt.reports.access import (
    RULES,
    AccessDenied,
    Action,
    Scope,
    Viewer,
    authorize,
    load_viewer,
    resolve_client,
)
from tests.helpers.dashboard import NOW

OWN, OTHER = 1, 2


def _viewer(role: Role) -> Viewer:
    return Viewer(
        user_id=9,
        login="someone",
        role=role,
        own_client_id=OWN if role is Role.CLIENT else None,
        assigned=frozenset({OWN}) if role is Role.CLINICIAN else frozenset(),
    )


def _expected(action: Action, role: Role, client_id: int | None) -> bool:
    scope = RULES.get((action, role))
    if scope is Scope.GLOBAL:
        return client_id is None
    if scope in (Scope.SELF, Scope.ASSIGNED):
        return client_id == OWN
    return False


@pytest.mark.parametrize(
    ("action", "role", "client_id"),
    list(itertools.product(Action, Role, [None, OWN, OTHER, 999])),
)
def test_every_action_role_and_target(action: Action, role: Role, client_id: int | None) -> None:
    viewer = _viewer(role)
    if _expected(action, role, client_id):
        authorize(viewer, action, client_id)
    else:
        with pytest.raises(AccessDenied):
            authorize(viewer, action, client_id)


def test_the_rules_give_admins_no_clinical_data_and_researchers_nothing_yet() -> None:
    clinical = {Action.VIEW_CLIENT, Action.WRITE_DIARY, Action.WRITE_TARGETS}
    assert not any((a, Role.ADMIN) in RULES for a in clinical)
    assert {a for (a, r) in RULES if r is Role.RESEARCHER} == {Action.CHANGE_OWN_PASSWORD}


@pytest.mark.parametrize("action", list(Action))
def test_no_viewer_is_always_denied(action: Action) -> None:
    for client_id in (None, OWN):
        with pytest.raises(AccessDenied):
            authorize(None, action, client_id)


def test_resolve_client_gives_one_answer_for_malformed_unknown_and_forbidden(
    sqlite_dash_store,
) -> None:
    store = sqlite_dash_store
    clin1 = load_viewer(store, store.accounts.user("clin1").id)
    assert resolve_client(store, clin1, Action.VIEW_CLIENT, "C001").code == "C001"
    messages = set()
    for code in ["C002", "C999", "-1", 10**20, "1 OR 1=1", ["C001"], {"code": "C001"}, "", None]:
        with pytest.raises(AccessDenied) as caught:
            resolve_client(store, clin1, Action.VIEW_CLIENT, code)
        messages.add(str(caught.value))
    assert messages == {"no such client"}


def test_assignment_and_disabling_take_effect_on_the_next_load(sqlite_dash_store) -> None:
    store = sqlite_dash_store
    clin2_id = store.accounts.user("clin2").id
    before = load_viewer(store, clin2_id)
    assert before is not None
    assert before.assigned == frozenset()
    store.accounts.assign("clin2", "C002", now=NOW)
    after = load_viewer(store, clin2_id)
    assert after is not None
    assert resolve_client(store, after, Action.VIEW_CLIENT, "C002").code == "C002"
    store.accounts.unassign("clin2", "C002", now=NOW)
    with pytest.raises(AccessDenied):
        resolve_client(store, load_viewer(store, clin2_id), Action.VIEW_CLIENT, "C002")
    store.accounts.set_active("clin2", False, now=NOW)
    assert load_viewer(store, clin2_id) is None
