"""The rhythm panel of a client's stored wearable data (``ipsrt metrics --client``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ipsrt.errors import InvalidInputError
from ipsrt.minutes import sleep_states
from ipsrt.reports.wearable import client_minutes
from ipsrt.rhythm import panel
from ipsrt.store import Store
from ipsrt.timeutil import check_plausible_date, local_midnight, require_utc, zone

__all__ = ["MAX_SPAN_DAYS", "client_panel", "local_day_bounds"]

#: The longest span of days ``ipsrt metrics --client`` reads at once (about ten years).
MAX_SPAN_DAYS = 3660


def local_day_bounds(first: dt.date, last: dt.date, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants of local midnight starting *first* and ending *last* (inclusive days)."""
    if last < first:
        raise InvalidInputError(f"--to {last} is before --from {first}")
    return local_midnight(first, tz), local_midnight(last + dt.timedelta(days=1), tz)


def client_panel(
    store: Store,
    client_code: str,
    first: dt.date,
    last: dt.date,
    *,
    compat: Literal["pyactigraphy"] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Every figure of :func:`ipsrt.rhythm.panel` for local dates *first*..*last*.

    The counts are those of :func:`ipsrt.reports.wearable.client_minutes`;
    in default mode the sleep figures use the same sleep states as the alert
    runs and estimated anchors (:func:`ipsrt.minutes.sleep_states`). Adds
    ``client``, ``from``, ``to`` and ``minutes_with_data``.

    With *now*, both dates must be plausible for the client
    (:func:`ipsrt.timeutil.check_plausible_date`: 1990-01-01 to tomorrow in the
    client's zone), named ``--from`` and ``--to`` in the message; the span may
    be at most :data:`MAX_SPAN_DAYS` days.
    """
    client = store.client(client_code)
    if now is not None:
        today = require_utc(now).astimezone(zone(client.timezone)).date()
        check_plausible_date(first, today=today, what="--from")
        check_plausible_date(last, today=today, what="--to")
    if (last - first).days + 1 > MAX_SPAN_DAYS:
        raise InvalidInputError(
            f"--from {first} --to {last} spans {(last - first).days + 1} days: "
            f"use at most {MAX_SPAN_DAYS}"
        )
    start, end = local_day_bounds(first, last, client.timezone)
    minutes = client_minutes(store, client_code, start, end)
    counts = minutes["counts"].rename("counts")
    sleep = None if compat else sleep_states(minutes)
    figures = panel(counts, compat=compat, sleep=sleep)
    return {
        "client": client_code,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "minutes_with_data": int(counts.notna().sum()),
        **figures,
    }
