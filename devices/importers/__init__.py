"""Readers for device export files (research actigraphy: AWD, AGD, RPX, CSV)."""

from __future__ import annotations

from devices.importers.actigraphy import (
    FORMATS,
    MAX_FILE_BYTES,
    Format,
    detect_format,
    read_actigraphy,
)
from devices.importers.recording import Recording
from devices.importers.rpx import DATE_ORDERS, DateOrder

__all__ = [
    "DATE_ORDERS",
    "FORMATS",
    "MAX_FILE_BYTES",
    "DateOrder",
    "Format",
    "Recording",
    "detect_format",
    "read_actigraphy",
]
