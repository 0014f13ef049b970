"""The exception tree of the domain core.

Every error that a person can cause (bad input, a missing record, an
unmigrated database) derives from :class:`IpsrtError` and carries a message
that reads as one line. Only the CLI and the dashboard turn these into exit
codes or HTTP responses.
"""

from __future__ import annotations


class IpsrtError(Exception):
    """Base class: a problem a person can fix, described in one line."""


class InvalidInputError(IpsrtError, ValueError):
    """A value given to the core is malformed or out of range."""


class InvalidTimeError(InvalidInputError):
    """A clock time, date or instant is malformed, naive or does not exist."""


class InvalidTimezoneError(InvalidInputError):
    """A time zone name is not an IANA zone."""


class NotFoundError(IpsrtError, LookupError):
    """A client, user or device named by the caller does not exist."""


class AlreadyExistsError(IpsrtError):
    """A record with the same natural key already exists."""


class DatabaseError(IpsrtError):
    """The database cannot be reached, is malformed, or is not migrated."""


class SchemaNotCurrentError(DatabaseError):
    """The database schema is missing or behind the code's migrations."""


class SecretKeyError(IpsrtError):
    """The key that seals stored secrets is missing, malformed, unsafe or not the right one."""
