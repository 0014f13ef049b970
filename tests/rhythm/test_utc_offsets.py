"""UTC offsets of instants (ipsrt.rhythm.epochs.utc_offsets) and the local clock of prepare.

Source of the expected offsets: the zone itself, asked instant by instant
(``datetime.fromtimestamp(t, zone).utcoffset()``, Python's zoneinfo).
"""

from __future__ import annotations

import datetime as dt
import io
import struct
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from ipsrt.rhythm.epochs import prepare, utc_offsets


def _per_instant(utc_s: np.ndarray, tz: dt.tzinfo) -> np.ndarray:
    out = []
    for t in utc_s.tolist():
        delta = dt.datetime.fromtimestamp(t, tz).utcoffset()
        out.append(0 if delta is None else int(delta.total_seconds()))
    return np.asarray(out, dtype=np.int64)


def _tzif(transitions: list[int], kinds: list[int], offsets: list[int]) -> ZoneInfo:
    """A zone from a version-1 TZif file (RFC 8536): *offsets* in s, one abbreviation each."""
    abbr = b"".join(b"Z%d\x00" % i for i in range(len(offsets)))
    counts = (0, 0, 0, len(transitions), len(offsets), len(abbr))
    data = b"TZif" + b"\x00" * 16 + struct.pack(">6l", *counts)
    data += b"".join(struct.pack(">l", t) for t in transitions) + bytes(kinds)
    data += b"".join(struct.pack(">lBB", off, 0, 3 * i) for i, off in enumerate(offsets)) + abbr
    return ZoneInfo.from_file(io.BytesIO(data))


#: 2025-01-06 10:00 UTC
_T = 1_736_157_600


@pytest.mark.parametrize(
    ("key", "start"),
    [
        ("Australia/Lord_Howe", "2025-04-05 12:00"),  # 30-min DST: +11:00 -> +10:30
        ("Australia/Lord_Howe", "2025-10-04 12:00"),  # +10:30 -> +11:00
        ("Europe/Moscow", "2011-03-26 20:00"),  # +3 -> +4, for good
        ("Europe/Moscow", "2014-10-25 20:00"),  # +4 -> +3
        ("Europe/Amsterdam", "1937-06-30 20:00"),  # +0:19:32 -> +0:20
        ("Pacific/Apia", "2011-12-29 00:00"),  # a day skipped: -10 -> +14
    ],
)
def test_odd_and_historical_offsets_match_the_zone_instant_by_instant(key: str, start: str) -> None:
    zone = ZoneInfo(key)
    t0 = int(pd.Timestamp(start, tz="UTC").timestamp())
    utc = np.arange(t0, t0 + 2 * 86_400, 60, dtype=np.int64)
    want = _per_instant(utc, zone)
    assert len(set(want.tolist())) == 2
    assert np.array_equal(utc_offsets(utc, zone), want)
    assert np.array_equal(utc_offsets(utc, key), want)  # by IANA name
    # nanoseconds and a few instants (the instant-by-instant path)
    assert np.array_equal(utc_offsets(utc * 10**9 + 999, zone, unit="ns"), want)
    step = len(utc) // 20
    assert np.array_equal(utc_offsets(utc[::step], zone), want[::step])


def test_two_changes_within_half_an_hour_are_both_seen() -> None:
    # +1 h, +2 h for 30 min from 10:00 UTC, then +1 h again: a zone that
    # changes twice within 12 h (no IANA zone does, nothing promises it)
    zone = _tzif([_T, _T + 1800], [1, 0], [3600, 7200])
    utc = np.arange(_T - 86_400 + 420, _T + 86_400, 60, dtype=np.int64)
    want = _per_instant(utc, zone)
    assert (want == 7200).sum() == 30
    assert np.array_equal(utc_offsets(utc, zone), want)
    # the local clock of a recording in that zone
    counts = pd.Series(1.0, index=pd.DatetimeIndex(utc * 10**9, tz="UTC"))
    p = prepare(counts, tz=zone)
    assert np.array_equal(p.wall - p.utc, want)
    assert p.seg_starts.tolist() == [
        0,
        int(np.argmax(want == 7200)),
        int(np.argmax(utc >= _T + 1800)),
    ]


def test_whole_minutes_across_blocks_and_a_year_of_instants() -> None:
    # whole minutes are looked up in per-block conversions (2**16 minutes):
    # across a block boundary, over more than two blocks, and unsorted
    zone = ZoneInfo("Australia/Lord_Howe")
    boundary = (27_000_000 // 2**16 + 1) * 2**16 * 60  # a block start, in 2021
    near = np.arange(boundary - 3 * 86_400, boundary + 3 * 86_400, 60, dtype=np.int64)
    assert np.array_equal(utc_offsets(near, zone), _per_instant(near, zone))
    year = np.arange(1_704_067_200, 1_735_689_600, 3600, dtype=np.int64)  # 2024, hourly
    want = _per_instant(year, zone)
    assert len(set(want.tolist())) == 2
    assert np.array_equal(utc_offsets(year, zone), want)
    shuffled = np.random.default_rng(0).permutation(year[:2000])
    assert np.array_equal(utc_offsets(shuffled, zone), _per_instant(shuffled, zone))


def test_fixed_offsets_and_empty_input() -> None:
    fixed = dt.timezone(dt.timedelta(hours=-3, minutes=-30))
    assert utc_offsets(np.array([0, _T]), fixed).tolist() == [-12_600, -12_600]
    assert utc_offsets(np.zeros(0, dtype=np.int64), "UTC").size == 0


@pytest.mark.parametrize(
    ("key", "start"),
    [
        ("Europe/Berlin", "2025-03-30 00:00"),  # +1 -> +2 at 01:00 UTC
        ("Australia/Lord_Howe", "2025-04-05 14:00"),  # 30-min DST
        ("Europe/Amsterdam", "1937-06-30 22:00"),  # +0:19:32 -> +0:20 at 23:40:28 UTC
    ],
)
def test_instants_within_minutes_match_the_zone_instant_by_instant(key: str, start: str) -> None:
    # every 7 s (most instants within a minute) around a change, and the same
    # instants among a year of hourly ones (more than two blocks of 2**16 minutes)
    zone = ZoneInfo(key)
    t0 = int(pd.Timestamp(start, tz="UTC").timestamp())
    near = np.arange(t0, t0 + 4 * 3600, 7, dtype=np.int64)
    want = _per_instant(near, zone)
    assert len(set(want.tolist())) == 2
    assert np.array_equal(utc_offsets(near, zone), want)
    assert np.array_equal(utc_offsets(near * 10**9 + 999, zone, unit="ns"), want)
    year = np.arange(t0 - 180 * 86_400 + 30, t0 + 180 * 86_400, 3600, dtype=np.int64)
    both = np.concatenate((year, near))
    assert np.array_equal(utc_offsets(both, zone), _per_instant(both, zone))


def test_a_year_of_instants_is_looked_up_in_the_minute_tables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the nights of a year-long recording (onsets, offsets, midpoints on half
    # minutes) are read from the kept tables, with no conversion of their own
    zone = ZoneInfo("Europe/Berlin")
    t0 = 1_735_686_000  # 2025-01-01 00:00 in Berlin
    nights = t0 + 86_400 * np.arange(365, dtype=np.int64)[:, None] + [79_200, 104_400, 91_830]
    instants = nights.ravel() * 10**9
    want = _per_instant(instants // 10**9, zone)
    utc_offsets(instants, zone, unit="ns")  # the tables of those blocks, once

    def no_conversion(*args: object) -> None:
        raise AssertionError("converted through pandas")

    monkeypatch.setattr("ipsrt.rhythm.epochs._convert", no_conversion)
    assert np.array_equal(utc_offsets(instants, zone, unit="ns"), want)
