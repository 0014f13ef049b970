"""Write the sample exports of ``data/`` (run: ``python -m tests.helpers.make_data data``).

Each sample is written by the export writer of its format (``tests/helpers/*_export.py``)
from the known band week (:mod:`tests.helpers.band_week`), so an import of any of them
yields minutes the tests know exactly. ``tests/importers/test_sample_data.py`` checks
that the committed files are what these writers produce.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.helpers import (
    apple_health_export,
    fitbit_export,
    gadgetbridge_export,
    garmin_fit_export,
    omh_export,
)

__all__ = ["WRITERS", "write_samples"]

#: The writer of each kind of sample, in the order of ``docs/importing.md``.
WRITERS = {
    "gadgetbridge": gadgetbridge_export.write_sample,
    "fitbit": fitbit_export.write_sample,
    "apple-health": apple_health_export.write_sample,
    "garmin": garmin_fit_export.write_sample,
    "omh": omh_export.write_sample,
}


def write_samples(directory: Path) -> list[Path]:
    """Write every sample into *directory* (created if missing); returns the files."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for write in WRITERS.values():
        written.extend(write(directory))
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "data")
    for path in write_samples(target):
        print(f"{path} ({path.stat().st_size:,} bytes)")
