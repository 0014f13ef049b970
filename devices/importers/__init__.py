"""Readers for device export files (research actigraphy: AWD, AGD, RPX, CSV)."""

from __future__ import annotations

from devices.importers.actigraphy import FORMATS, Recording, detect_format, read_actigraphy

__all__ = ["FORMATS", "Recording", "detect_format", "read_actigraphy"]
