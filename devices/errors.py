"""The exception tree of the ``devices`` package.

Every error raised on bad bytes or a bad file derives from :class:`DeviceError`
and carries a one-line message.
"""

from __future__ import annotations


class DeviceError(Exception):
    """Base class of the errors raised by ``devices``."""


class ImportFormatError(DeviceError, ValueError):
    """A device export file is truncated, malformed or of an unknown format."""


class ProtocolError(DeviceError, ValueError):
    """Bytes received from (or about to be sent to) a device break its wire format.

    Raised by every parser in :mod:`devices.wire` on a truncated, oversized or
    out-of-range payload, and by the stateful assemblers when a transfer is
    corrupt (counter gap, duplicate, reorder, CRC mismatch). It is the only
    exception a parser lets escape on untrusted bytes.
    """
