"""The Open mHealth sample for ``data/``, written by the production writers.

``devices.importers.omh.omh_data_points`` and ``write_omh`` are the writers
(the research export uses them too); this module only picks the minutes: one
hour of ``band_week(*BERLIN_WEEK)``, 06:30-07:30 Berlin time on 27 March 2026,
which holds the end of a night (light sleep, REM), the final awakening at
07:00, steps and heart rate (about 30 KB of JSON).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from devices.importers.omh import omh_data_points, write_omh
from tests.helpers.band_week import BERLIN_WEEK, band_week

__all__ = ["SAMPLE_SOURCE", "SAMPLE_USER", "sample_minutes", "write_sample"]

SAMPLE_SOURCE = "ipsrt-band-week"
SAMPLE_USER = "C1"


def sample_minutes() -> pd.DataFrame:
    """The hour of the band week the sample holds."""
    tz, first_day = BERLIN_WEEK
    week = band_week(tz, first_day)
    start = pd.Timestamp("2026-03-27 06:30", tz=tz)
    end = pd.Timestamp("2026-03-27 07:30", tz=tz)
    return week[(week["ts"] >= start) & (week["ts"] < end)].reset_index(drop=True)


def write_sample(directory: Path) -> list[Path]:
    """Write ``omh-points.json`` under *directory*; returns its path."""
    path = directory / "omh-points.json"
    points = omh_data_points(
        sample_minutes(), user_id=SAMPLE_USER, source_name=SAMPLE_SOURCE, tz=BERLIN_WEEK[0]
    )
    write_omh(points, path)
    return [path]
