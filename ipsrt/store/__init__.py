"""Persistence: the engine factory, migrations and the :class:`Store`."""

from ipsrt.store.engine import default_database_url, make_engine, resolve_url
from ipsrt.store.samples import InvalidSampleFrameError, QualityRules, UpsertResult
from ipsrt.store.store import Store

__all__ = [
    "InvalidSampleFrameError",
    "QualityRules",
    "Store",
    "UpsertResult",
    "default_database_url",
    "make_engine",
    "resolve_url",
]
