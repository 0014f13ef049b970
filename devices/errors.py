"""The exception tree of the ``devices`` package.

Every error raised on bad bytes or a bad file derives from :class:`DeviceError`
and carries a one-line message.
"""

from __future__ import annotations


class DeviceError(Exception):
    """Base class of the errors raised by ``devices``."""


class ImportFormatError(DeviceError, ValueError):
    """A device export file is truncated, malformed or of an unknown format."""
