"""The local-day layout (ipsrt.rhythm.local_days) against the reference's own rules.

Sources of the expected values: the zone's conversion of every instant
(:func:`ipsrt.rhythm.epochs.utc_offsets`), the reference's clock bins
(:func:`ipsrt.rhythm.epochs.bin_clock`) and SRI pairs
(:func:`ipsrt.rhythm.sri.clock_day_pairs`) of the same recording, and the
zones' published changes (Europe/Berlin 2025-03-30 02:00 -> 03:00 and
2025-10-26 03:00 -> 02:00, in the IANA time zone database).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ipsrt.rhythm.epochs import bin_clock, prepare, utc_offset_runs, utc_offsets
from ipsrt.rhythm.local_days import local_days
from ipsrt.rhythm.sri import clock_day_pairs
from ipsrt.timeutil import zone

#: (zone, first local midnight, days): DST both ways, a 30-min change, a
#: skipped day (Samoa 2011-12-30), a permanent change (Moscow 2014-10-26)
CASES = [
    ("Europe/Berlin", "2025-03-27", 7.0),
    ("Europe/Berlin", "2025-10-23", 7.0),
    ("Europe/Berlin", "2025-03-29", 212.5),
    ("America/New_York", "2025-11-02", 3.3),
    ("Australia/Lord_Howe", "2025-04-04", 4.0),
    ("Australia/Lord_Howe", "2025-10-03", 4.0),
    ("Pacific/Apia", "2011-12-28", 5.0),
    ("Europe/Moscow", "2014-10-24", 5.0),
    ("UTC", "2025-03-27", 9.0),
]


def _prepared(tz: str, start: str, days: float, epoch_s: int = 60):  # type: ignore[no-untyped-def]
    n = round(days * 86_400 / epoch_s)
    idx = pd.date_range(start, periods=n, freq=f"{epoch_s}s", tz=tz)
    return prepare(pd.Series(np.arange(n, dtype=float), idx))


@pytest.mark.parametrize(("tz", "start", "days"), CASES)
def test_offset_runs_are_the_offsets_of_every_instant(tz: str, start: str, days: float) -> None:
    for step in (60, 300, 3600):
        n = round(days * 86_400 / step)
        t0 = int(pd.Timestamp(start, tz=tz).timestamp())
        first, off = utc_offset_runs(t0, n, step, tz)
        every = utc_offsets(t0 + step * np.arange(n), tz)
        runs = np.concatenate(([0], np.flatnonzero(every[1:] != every[:-1]) + 1))
        assert first.tolist() == runs.tolist()
        assert off.tolist() == every[runs].tolist()


def test_berlin_spring_and_autumn_days_have_23_and_25_hours_of_cells() -> None:
    p = _prepared("Europe/Berlin", "2025-03-29", 212.0)
    ld = local_days(int(p.utc[0]), p.n, 60, zone("Europe/Berlin"))
    assert ld is not None
    # from 2025-03-28 23:00 UTC: changes at 2025-03-30 01:00 UTC (26 h later)
    # and 2025-10-26 01:00 UTC (210 days after that)
    assert ld.first.tolist() == [0, 26 * 60, 26 * 60 + 210 * 1440]
    assert ld.offset.tolist() == [3600, 7200, 3600]
    # the spring day (row 1) skips 02:00-02:59; the autumn day (local day 211)
    # takes two rows, the second from 02:00
    assert ld.cell.tolist() == [0, 1440 + 180, (211 + 1) * 1440 + 120]
    assert ld.rows == 212 + 1


@pytest.mark.parametrize(("tz", "start", "days"), CASES)
def test_every_epoch_sits_at_its_local_clock_time_in_time_order(
    tz: str, start: str, days: float
) -> None:
    p = _prepared(tz, start, days)
    ld = local_days(int(p.utc[0]), p.n, 60, zone(tz))
    assert ld is not None
    cells = ld.cells(np.arange(p.n))
    assert (np.diff(cells) > 0).all()
    assert ((cells % 1440) * 60).tolist() == (p.wall % 86_400).tolist()
    x = np.arange(p.n, dtype=float)[None, :]
    laid = ld.lay_out(x, np.empty((1, ld.rows * 1440))).reshape(-1)
    assert laid[cells].tolist() == x[0].tolist()
    assert np.isnan(np.delete(laid, cells)).all()


@pytest.mark.parametrize(("tz", "start", "days"), CASES)
@pytest.mark.parametrize("k", [1, 16, 45, 60])
def test_bins_are_the_reference_clock_bins(tz: str, start: str, days: float, k: int) -> None:
    p = _prepared(tz, start, days)
    ld = local_days(int(p.utc[0]), p.n, 60, zone(tz))
    assert ld is not None
    idx, utc = ld.bins(k)
    ref = bin_clock(p, k * 60)
    assert utc.tolist() == ref.utc.tolist()
    assert (idx % (1440 // k)).tolist() == ref.tod.tolist()


@pytest.mark.parametrize(("tz", "start", "days"), CASES)
def test_day_apart_runs_are_the_reference_sri_pairs(tz: str, start: str, days: float) -> None:
    p = _prepared(tz, start, days)
    ld = local_days(int(p.utc[0]), p.n, 60, zone(tz))
    assert ld is not None
    i, k = clock_day_pairs(p)
    runs = ld.day_apart_runs
    got_i = np.concatenate([np.arange(lo, hi) for lo, hi, _ in runs] or [np.zeros(0, int)])
    got_k = np.concatenate([np.arange(lo, hi) + d for lo, hi, d in runs] or [np.zeros(0, int)])
    order = np.argsort(i, kind="stable")
    assert got_i.tolist() == i[order].tolist()
    assert got_k.tolist() == k[order].tolist()
