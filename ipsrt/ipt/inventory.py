"""The interpersonal inventory as data: the people who matter to a client, kept in revisions.

Each person (docs/clinicians.md, "Interpersonal inventory") has a label the
clinician or client chooses (not necessarily a name), the relationship,
closeness on three concentric circles (1 = inner circle), how much support
they give and how much conflict there is (0-3 each), recent changes, and
the client's social rhythms they are part of: an SRM anchor (the SRM-17
item keys, which include the five SRM-5 anchors) with a short role such as
"wakes me" or "dinner together".

The inventory changes as therapy goes on, so nothing is overwritten: every
change is a dated revision of one person, and a removal is a revision too.
:func:`inventory_as_of` gives the inventory on any date. Pure code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence

from ipsrt.errors import InvalidInputError
from ipsrt.srm import SRM17

__all__ = [
    "CLOSENESS_RANGE",
    "LABEL_LIMIT",
    "SCORE_RANGE",
    "InventoryPerson",
    "InventoryRevision",
    "RhythmRole",
    "inventory_as_of",
    "make_person",
    "make_rhythm_role",
    "parse_rhythm_role",
]

#: Closeness circles: 1 inner (closest) .. 3 outer.
CLOSENESS_RANGE = range(1, 4)
#: Support and conflict: 0 none .. 3 a lot.
SCORE_RANGE = range(0, 4)
LABEL_LIMIT = 60
RELATIONSHIP_LIMIT = 60
CHANGES_LIMIT = 500
ROLE_LIMIT = 60
ROLES_LIMIT = 8


@dataclasses.dataclass(frozen=True)
class RhythmRole:
    """A social rhythm a person is part of: an SRM anchor key and what they do in it."""

    anchor: str
    role: str

    def as_dict(self) -> dict[str, str]:
        return {"anchor": self.anchor, "role": self.role}


def _line(text: object, limit: int, what: str, *, required: bool = False) -> str:
    if not isinstance(text, str):
        raise InvalidInputError(f"{what}: expected text")
    value = text.strip()
    if required and not value:
        raise InvalidInputError(f"{what} is empty")
    if len(value) > limit or any(c in value for c in "\r\n\x00"):
        raise InvalidInputError(f"{what}: one line of at most {limit} characters")
    return value


def make_rhythm_role(anchor: str, role: str) -> RhythmRole:
    """A checked :class:`RhythmRole`: *anchor* an SRM-17 item (key, label or alias)."""
    return RhythmRole(SRM17.resolve(anchor), _line(role, ROLE_LIMIT, "rhythm role", required=True))


def parse_rhythm_role(text: str) -> RhythmRole:
    """``ANCHOR:ROLE`` (``dinner:dinner together``) as a :class:`RhythmRole`."""
    anchor, sep, role = text.partition(":")
    if not sep:
        raise InvalidInputError(
            f"rhythm role {text!r}: expected ANCHOR:ROLE, e.g. 'out_of_bed:wakes me'"
        )
    return make_rhythm_role(anchor.strip(), role)


def _score(value: object, allowed: range, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise InvalidInputError(f"{what} {value!r} outside {allowed.start}..{allowed.stop - 1}")
    return value


@dataclasses.dataclass(frozen=True)
class InventoryPerson:
    """One person of the inventory as one revision describes them."""

    label: str
    relationship: str
    closeness: int
    support: int
    conflict: int
    changes: str = ""
    rhythm_roles: tuple[RhythmRole, ...] = ()


def make_person(
    label: str,
    relationship: str,
    closeness: int,
    support: int,
    conflict: int,
    changes: str = "",
    rhythm_roles: Iterable[RhythmRole] = (),
) -> InventoryPerson:
    """A checked :class:`InventoryPerson`, or a one-line error naming the field."""
    roles = tuple(rhythm_roles)
    if len(roles) > ROLES_LIMIT:
        raise InvalidInputError(f"at most {ROLES_LIMIT} rhythm roles per person")
    return InventoryPerson(
        label=_line(label, LABEL_LIMIT, "label", required=True),
        relationship=_line(relationship, RELATIONSHIP_LIMIT, "relationship"),
        closeness=_score(closeness, CLOSENESS_RANGE, "closeness"),
        support=_score(support, SCORE_RANGE, "support"),
        conflict=_score(conflict, SCORE_RANGE, "conflict"),
        changes=_line(changes, CHANGES_LIMIT, "recent changes"),
        rhythm_roles=tuple(make_rhythm_role(r.anchor, r.role) for r in roles),
    )


@dataclasses.dataclass(frozen=True)
class InventoryRevision:
    """A dated change of one person: *person* (None when *removed*) from *effective_on*.

    *person_id* identifies the person across revisions; *revision_id* orders
    revisions of the same date (the later one wins).
    """

    person_id: int
    effective_on: dt.date
    person: InventoryPerson | None
    revision_id: int = 0

    @property
    def removed(self) -> bool:
        return self.person is None


def inventory_as_of(
    revisions: Sequence[InventoryRevision], day: dt.date
) -> dict[int, InventoryPerson]:
    """The inventory on *day*: each person's latest revision effective on or before it.

    People whose latest such revision is a removal are absent. The result is
    ordered by closeness, then label.
    """
    latest: dict[int, InventoryRevision] = {}
    for rev in sorted(revisions, key=lambda r: (r.effective_on, r.revision_id)):
        if rev.effective_on <= day:
            latest[rev.person_id] = rev
    present = {pid: rev.person for pid, rev in latest.items() if rev.person is not None}
    return dict(sorted(present.items(), key=lambda kv: (kv[1].closeness, kv[1].label, kv[0])))
