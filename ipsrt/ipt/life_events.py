"""Life events: what happened in a client's life, on the same time line as the rhythm data.

A life event (a loss, a dispute, a role change, travel across time zones, a
change of shift work, an illness) is what IPT calls an interpersonal crisis
and what IPSRT sees as a disruption of social zeitgebers; the dashboard
draws each one as a marker on every time-based figure (docs/clinicians.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from ipsrt.enums import LifeEventKind
from ipsrt.errors import InvalidInputError

__all__ = ["DESCRIPTION_LIMIT", "LifeEvent", "events_overlapping", "make_life_event"]

#: Characters a life event's description may hold (a short line, not a note).
DESCRIPTION_LIMIT = 200
#: How disruptive an event was: 0 (not at all) .. 3 (very).
DISRUPTION_RANGE = range(0, 4)


@dataclasses.dataclass(frozen=True)
class LifeEvent:
    """One life event: local dates *starts_on* .. *ends_on* (inclusive), kind and disruption.

    *id* is the stored event's id (None before it is stored); *entered_by*
    the role that recorded it (``client`` or ``clinician``).
    """

    starts_on: dt.date
    ends_on: dt.date
    kind: LifeEventKind
    disruption: int
    description: str
    id: int | None = None
    entered_by: str | None = None

    @property
    def label(self) -> str:
        """A short label for a figure marker: the kind and, when set, the description."""
        kind = self.kind.value.replace("_", " ")
        return f"{kind}: {self.description}" if self.description else kind


def make_life_event(
    starts_on: dt.date,
    kind: str,
    disruption: int,
    description: str = "",
    *,
    ends_on: dt.date | None = None,
    entered_by: str | None = None,
    id: int | None = None,
) -> LifeEvent:
    """A checked :class:`LifeEvent` (one day when *ends_on* is None), or a one-line error.

    Raises
    ------
    InvalidInputError
        For an unknown kind, a disruption outside 0..3, an end before the
        start, or a description over :data:`DESCRIPTION_LIMIT` characters or
        holding a line break.
    """
    try:
        known = LifeEventKind(kind)
    except ValueError:
        names = ", ".join(k.value for k in LifeEventKind)
        raise InvalidInputError(
            f"unknown life event kind {kind!r}: expected one of {names}"
        ) from None
    if isinstance(disruption, bool) or disruption not in DISRUPTION_RANGE:
        raise InvalidInputError(f"disruption {disruption!r} outside 0..3")
    end = starts_on if ends_on is None else ends_on
    if end < starts_on:
        raise InvalidInputError(f"life event ends ({end}) before it starts ({starts_on})")
    text = description.strip()
    if len(text) > DESCRIPTION_LIMIT or "\n" in text or "\r" in text:
        raise InvalidInputError(
            f"life event description: one line of at most {DESCRIPTION_LIMIT} characters"
        )
    return LifeEvent(starts_on, end, known, disruption, text, id=id, entered_by=entered_by)


def events_overlapping(
    events: Iterable[LifeEvent], start: dt.date, end: dt.date
) -> list[LifeEvent]:
    """The events that share at least one day with [*start*, *end*], by start date."""
    return sorted(
        (e for e in events if e.starts_on <= end and e.ends_on >= start),
        key=lambda e: (e.starts_on, e.ends_on, e.id or 0),
    )
