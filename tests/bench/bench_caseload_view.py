"""Benchmark of the clinician's caseload page (``docs/dashboard.md``, "Clinician pages").

Run by hand (not part of ``make test``)::

    IPSRT_BENCH_CLIENTS=200 pytest tests/bench/bench_caseload_view.py -s -p no:xdist

Uses the synthetic stores of :mod:`tests.bench.bench_reads` (same sizes, same
cache). Target: the caseload rows of every client in under 0.5 s; the baseline,
measured in the same run, is the four-week caseload table
(:func:`ipsrt.reports.caseload.caseload`) of the same clients. Nothing here
asserts a time.
"""

from __future__ import annotations

from ipsrt.reports.caseload import caseload
from ipsrt.reports.caseload_view import caseload_rows
from ipsrt.store import Store
from tests.bench.bench_reads import (  # noqa: F401 (session fixtures)
    NOW,
    best_of,
    postgres_store,
    report,
    sqlite_store,
)

CASELOAD_VIEW_SECONDS = 0.5


def caseload_view_figure(store: Store, backend: str) -> None:
    codes = [c.code for c in store.clients()]
    seconds, rows = best_of(3, lambda: caseload_rows(store, codes, now=NOW))
    assert len(rows) == len(codes)
    baseline, _table = best_of(3, lambda: caseload(store, codes, now=NOW))
    report(
        f"{backend} caseload page rows of {len(rows)} clients (latest-week SRM and change, "
        "14-day SRI, 7-night midpoint shift, alerts, last data, battery, ranking) "
        "vs the four-week caseload table",
        seconds,
        CASELOAD_VIEW_SECONDS,
        baseline,
    )


def test_caseload_view_sqlite(sqlite_store: Store) -> None:  # noqa: F811
    caseload_view_figure(sqlite_store, "SQLite")


def test_caseload_view_postgres(postgres_store: Store) -> None:  # noqa: F811
    caseload_view_figure(postgres_store, "PostgreSQL")
