"""The project's fixed vocabularies as plain enums, with no dependency beyond the standard library.

Wire parsers, importers and the domain use these names without loading the
database layer; :mod:`ipsrt.models` stores them (states as small integers,
the rest as text) and checks them in the schema.
"""

from __future__ import annotations

import enum

__all__ = [
    "AlertState",
    "CourseStatus",
    "DeviceFamily",
    "DeviceState",
    "LifeEventKind",
    "ProblemArea",
    "Quality",
    "Role",
    "SleepSource",
    "TherapyPhase",
]


class Role(enum.StrEnum):
    """What a user may do; enforced by the access rules, stored as text."""

    CLIENT = "client"
    CLINICIAN = "clinician"
    RESEARCHER = "researcher"
    ADMIN = "admin"


class DeviceFamily(enum.StrEnum):
    """Device families the collector and importers know."""

    GATT_STANDARD = "gatt-standard"
    INFINITIME = "infinitime"
    BANGLEJS = "banglejs"
    HUAMI = "huami"
    IMPORT = "import"

    @property
    def takes_key(self) -> bool:
        """Whether devices of this family are paired with a secret key (Huami's auth key)."""
        return self is DeviceFamily.HUAMI


class DeviceState(enum.IntEnum):
    """What the device said the wearer was doing in a minute (stored as a small int)."""

    UNKNOWN = 0
    AWAKE = 1
    SLEEP_LIGHT = 2
    SLEEP_DEEP = 3
    SLEEP_REM = 4
    NOT_WORN = 5

    @property
    def label(self) -> str:
        """The state's name as used in data frames and exports (``sleep_light``)."""
        return self.name.lower()


class Quality(enum.IntFlag):
    """Quality flags of a minute sample; 0 means the sample passed every check."""

    OK = 0
    HEART_RATE_IMPLAUSIBLE = 1
    STEPS_IMPLAUSIBLE = 2
    TIME_BEFORE_MINIMUM = 4
    TIME_IN_FUTURE = 8


class SleepSource(enum.StrEnum):
    """Where a sleep episode came from."""

    DEVICE = "device"
    DETECTED = "detected"
    DIARY = "diary"


class AlertState(enum.StrEnum):
    """Life cycle of an alert."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"


class ProblemArea(enum.StrEnum):
    """The four problem areas of interpersonal psychotherapy (docs/clinicians.md)."""

    GRIEF = "grief"
    ROLE_DISPUTES = "role_disputes"
    ROLE_TRANSITIONS = "role_transitions"
    INTERPERSONAL_DEFICITS = "interpersonal_deficits"


class TherapyPhase(enum.StrEnum):
    """Where a session stands in an IPSRT course (derived from its number, or set)."""

    INITIAL = "initial"
    MIDDLE = "middle"
    TERMINATION = "termination"
    MAINTENANCE = "maintenance"


class CourseStatus(enum.StrEnum):
    """A treatment course's state: the acute course, monthly maintenance, or ended."""

    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    ENDED = "ended"


class LifeEventKind(enum.StrEnum):
    """Kinds of life events recorded on the rhythm time line."""

    LOSS = "loss"
    DISPUTE = "dispute"
    ROLE_CHANGE = "role_change"
    TRAVEL = "travel"
    SHIFT_WORK = "shift_work"
    ILLNESS = "illness"
    OTHER = "other"
