"""SRM item sets: the five IPSRT anchors (SRM-5) and the research form (SRM-17).

Each item has a stable snake_case key (stored in the database and used in
diary files), a short human label and a few aliases accepted when a diary
file is read. Scores of the two sets are never mixed or compared
(``docs/srm.md``, "SRM scoring rules").

References
----------
Monk, T. H., Flaherty, J. F., Frank, E., Hoskinson, K., & Kupfer, D. J. (1990).
The Social Rhythm Metric: an instrument to quantify the daily rhythms of life.
*J Nerv Ment Dis* 178(2), 120-126. doi:10.1097/00005053-199002000-00007

Monk, T. H., Frank, E., Potts, J. M., & Kupfer, D. J. (2002). A simple way to
measure daily lifestyle regularity. *J Sleep Res* 11(3), 183-190.
doi:10.1046/j.1365-2869.2002.00300.x
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ipsrt.errors import InvalidInputError

__all__ = ["SRM5", "SRM17", "Item", "ItemSet", "UnknownActivityError", "item_set"]


class UnknownActivityError(InvalidInputError):
    """An activity name is not an item of the chosen SRM item set."""


def _norm(text: str) -> str:
    return "_".join(text.strip().lower().replace("-", " ").replace("/", " ").split())


@dataclass(frozen=True)
class Item:
    """One SRM activity: stable ``key``, human ``label`` and accepted ``aliases``."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemSet:
    """An ordered SRM item set with case-insensitive name lookup."""

    name: str
    label: str
    items: tuple[Item, ...]
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for item in self.items:
            for name in (item.key, item.label, *item.aliases):
                lookup[_norm(name)] = item.key
        object.__setattr__(self, "_lookup", lookup)

    @property
    def keys(self) -> tuple[str, ...]:
        """Item keys in form order."""
        return tuple(item.key for item in self.items)

    def label_of(self, key: str) -> str:
        """Human label of the item *key*."""
        for item in self.items:
            if item.key == key:
                return item.label
        raise UnknownActivityError(f"unknown activity {key!r} for {self.label}")

    def resolve(self, name: str) -> str:
        """Key for *name*, given as key, label or alias in any letter case.

        Raises
        ------
        UnknownActivityError
            When *name* is none of this set's items.
        """
        key = self._lookup.get(_norm(name)) if isinstance(name, str) else None
        if key is None:
            raise UnknownActivityError(
                f"unknown activity {name!r} for {self.label}; expected one of "
                + ", ".join(self.keys)
            )
        return key


SRM5 = ItemSet(
    "srm5",
    "SRM-5",
    (
        Item("out_of_bed", "Out of bed", ("get up", "got up", "wake", "wake up", "rise")),
        Item("first_contact", "First contact with another person", ("first contact", "contact")),
        Item(
            "start_activity",
            "Start work, school, housework or volunteering",
            ("start work", "work", "start", "start activity", "start day"),
        ),
        Item("dinner", "Dinner", ("have dinner", "supper", "evening meal")),
        Item("bed", "To bed", ("go to bed", "bedtime", "bed time", "sleep")),
    ),
)

SRM17 = ItemSet(
    "srm17",
    "SRM-17",
    (
        Item("out_of_bed", "Out of bed", ("get up", "got up", "wake", "wake up")),
        Item("first_contact", "First contact with another person", ("first contact", "contact")),
        Item("morning_beverage", "Morning beverage", ("morning drink", "coffee", "tea")),
        Item("breakfast", "Breakfast"),
        Item("first_outside", "Go outside for the first time", ("go outside", "outside")),
        Item(
            "start_activity",
            "Start work, school, housework, volunteering or care",
            ("start work", "work", "start", "start activity"),
        ),
        Item("lunch", "Lunch"),
        Item("nap", "Afternoon nap", ("afternoon nap",)),
        Item("dinner", "Dinner", ("supper", "evening meal")),
        Item("exercise", "Physical exercise", ("physical exercise",)),
        Item("evening_snack", "Evening snack or drink", ("snack", "evening drink")),
        Item("tv_news", "Watch evening TV news", ("news", "evening news")),
        Item("tv_other", "Watch another TV programme", ("tv", "tv programme", "tv program")),
        Item("activity_a", "Activity A (write-in)", ("activity a",)),
        Item("activity_b", "Activity B (write-in)", ("activity b",)),
        Item("return_home", "Return home for the last time", ("return home", "home")),
        Item("bed", "Go to bed", ("to bed", "bedtime", "bed time", "sleep")),
    ),
)

_SETS = {"srm5": SRM5, "srm17": SRM17}


def item_set(items: str | ItemSet) -> ItemSet:
    """The :class:`ItemSet` named *items* (``"srm5"`` or ``"srm17"``), or *items* itself."""
    if isinstance(items, ItemSet):
        return items
    found = (
        _SETS.get(_norm(items).replace("_", "").replace("-", ""))
        if isinstance(items, str)
        else None
    )
    if found is None:
        raise InvalidInputError(f"unknown SRM item set {items!r}; expected 'srm5' or 'srm17'")
    return found
