"""Anchor target times: the clock time a clinician and client agreed for each SRM-5 anchor.

A target is a minute after local midnight (0..1439) for one of the five
SRM-5 anchors (:data:`ipsrt.srm.SRM5`). Targets are stored with the diary
entries written after they are set (``target_minute``, see
:mod:`ipsrt.reports.today`) and drawn against the reported times on the
client's *My rhythm* page (``docs/dashboard.md``). No authorization happens
here: the dashboard and the CLI authorize before they call.
"""

from __future__ import annotations

import datetime as dt
import numbers

from ipsrt.errors import InvalidInputError
from ipsrt.srm import SRM5
from ipsrt.store import Store

__all__ = ["anchor_targets", "set_anchor_target"]


def anchor_targets(store: Store, client_code: str) -> dict[str, int]:
    """The client's targets: SRM-5 activity key -> minute after local midnight."""
    return store.targets.targets(client_code)


def set_anchor_target(
    store: Store,
    client_code: str,
    activity: str,
    minute: int | None,
    *,
    now: dt.datetime,
    actor: str,
) -> bool:
    """Set the target of one SRM-5 anchor to *minute* (0..1439), or clear it with ``None``.

    The activity may be given as key, label or alias (:meth:`ipsrt.srm.ItemSet.resolve`).
    Audited in the same transaction (``target.set`` / ``target.clear``, actor
    *actor*). Returns whether anything changed.

    Raises
    ------
    InvalidInputError
        For an activity that is not an SRM-5 anchor or a minute outside 0..1439
        (nothing is stored).
    """
    key = SRM5.resolve(activity)
    if minute is not None and (
        isinstance(minute, bool)
        or not isinstance(minute, numbers.Integral)
        or not 0 <= int(minute) <= 1439
    ):
        raise InvalidInputError(f"target minute {minute!r} outside 0..1439 (00:00-23:59)")
    value = None if minute is None else int(minute)
    return store.targets.set_target(client_code, key, value, now=now, actor=actor)
