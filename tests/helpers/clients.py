"""A store with two clients in one zone and the summary update installed (service tests)."""

from __future__ import annotations

import datetime as dt

from ipsrt.reports.summaries import install
from ipsrt.store import Store


def two_clients(store: Store, tz: str, now: dt.datetime) -> Store:
    """*store* with clients C001 and C002 living in *tz*, its summaries kept up to date."""
    install(store)
    for code in ("C001", "C002"):
        store.add_client(code, tz, now=now)
    return store
