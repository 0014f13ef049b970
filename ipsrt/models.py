"""The data model (SQLModel tables) shared by every part of the tracker.

The rules live in the schema as well as in Python: foreign keys, unique keys
and named check constraints for every range. Instants are stored in UTC; see
``docs/architecture.md`` for the conventions and the hot ``minute_sample``
table's layout.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from ipsrt.enums import AlertState, DeviceFamily, Role, SleepSource

# Explicit constraint names keep Alembic migrations and both backends in step.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC instant, stored as naive UTC on every backend."""

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: store only aware instants")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


def _utc_column(nullable: bool = False, **kw: Any) -> Any:
    return Field(sa_column=sa.Column(UtcDateTime(), nullable=nullable, **kw))


def _in(column: str, values: type[enum.Enum]) -> str:
    quoted = ", ".join(f"'{member.value}'" for member in values)
    return f"{column} IN ({quoted})"


class Client(SQLModel, table=True):
    """A person in care, known to the tracker by a pseudonymous code."""

    __tablename__ = "client"
    __table_args__ = (
        sa.CheckConstraint("week_start BETWEEN 0 AND 6", name="week_start_range"),
        sa.CheckConstraint("length(code) BETWEEN 1 AND 64", name="code_length"),
        sa.CheckConstraint("length(timezone) BETWEEN 1 AND 64", name="timezone_length"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    display_name: str | None = Field(default=None, max_length=200)
    timezone: str = Field(max_length=64)
    week_start: int = Field(default=0, description="0 = Monday ... 6 = Sunday")
    created_at: dt.datetime = _utc_column()
    archived_at: dt.datetime | None = _utc_column(nullable=True)


class User(SQLModel, table=True):
    """Someone who logs in: a client, clinician, researcher or admin."""

    __tablename__ = "user_account"
    __table_args__ = (
        sa.CheckConstraint(_in("role", Role), name="role_known"),
        sa.CheckConstraint("(role = 'client') = (client_id IS NOT NULL)", name="client_link"),
        sa.CheckConstraint("length(login) BETWEEN 1 AND 128", name="login_length"),
    )

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=128, unique=True)
    password_hash: str = Field(max_length=512, repr=False)
    role: str = Field(max_length=16)
    client_id: int | None = Field(default=None, foreign_key="client.id", ondelete="RESTRICT")
    active: bool = Field(default=True)
    created_at: dt.datetime = _utc_column()
    password_changed_at: dt.datetime = _utc_column()


class CareAssignment(SQLModel, table=True):
    """A clinician looks after a client."""

    __tablename__ = "care_assignment"
    __table_args__ = (sa.UniqueConstraint("clinician_id", "client_id"),)

    id: int | None = Field(default=None, primary_key=True)
    clinician_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    client_id: int = Field(foreign_key="client.id", ondelete="CASCADE", index=True)
    created_at: dt.datetime = _utc_column()


class Device(SQLModel, table=True):
    """A wearable (or an import source) that produces a client's samples."""

    __tablename__ = "device"
    __table_args__ = (
        sa.CheckConstraint(_in("family", DeviceFamily), name="family_known"),
        sa.CheckConstraint("battery IS NULL OR battery BETWEEN 0 AND 100", name="battery_range"),
        sa.UniqueConstraint("family", "address"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", ondelete="RESTRICT", index=True)
    family: str = Field(max_length=32)
    address: str = Field(max_length=128)
    name: str | None = Field(default=None, max_length=200)
    secret: str | None = Field(default=None, max_length=512, repr=False)
    last_clock_offset_s: float | None = None
    battery: int | None = None
    last_seen: dt.datetime | None = _utc_column(nullable=True)
    created_at: dt.datetime = _utc_column()
    #: An emulated wearable (demo or test); its minutes never count in a clinic database.
    emulated: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    #: When the device was retired (``ipsrt devices remove``): its data stay, it is not synced.
    retired_at: dt.datetime | None = _utc_column(nullable=True)


class DeviceCursor(SQLModel, table=True):
    """How far a device's history has been stored, one row per data type.

    ``position`` is opaque to the store (a timestamp, a record counter, ...);
    it is written in the same transaction as the samples it covers, so a
    device is acknowledged only for data that is durably stored.
    """

    __tablename__ = "device_cursor"

    device_id: int = Field(foreign_key="device.id", ondelete="CASCADE", primary_key=True)
    data_type: str = Field(max_length=32, primary_key=True)
    position: str = Field(max_length=256)
    updated_at: dt.datetime = _utc_column()


class MinuteSample(SQLModel, table=True):
    """One device's readings for one UTC minute: the hot table.

    ``ts`` is the minute's start as Unix seconds (UTC, a multiple of 60); the
    primary key (device_id, ts) makes re-sent minutes idempotent and keeps a
    device's minutes in time order on disk. The client is the device's client
    (a device never changes client; the schema refuses such an update), so it
    is not repeated on every row. Written only by
    :meth:`ipsrt.store.Store.upsert_minute_samples`, never row by row.
    """

    __tablename__ = "minute_sample"
    __table_args__ = (
        sa.CheckConstraint("ts % 60 = 0", name="ts_whole_minute"),
        sa.CheckConstraint("steps IS NULL OR steps BETWEEN 0 AND 65535", name="steps_range"),
        sa.CheckConstraint(
            "heart_rate IS NULL OR heart_rate BETWEEN 1 AND 65535", name="heart_rate_range"
        ),
        sa.CheckConstraint("activity IS NULL OR activity >= 0", name="activity_range"),
        sa.CheckConstraint("state BETWEEN 0 AND 5", name="state_known"),
        sa.CheckConstraint("quality BETWEEN 0 AND 255", name="quality_range"),
        {"sqlite_with_rowid": False},
    )

    device_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("device.id", ondelete="RESTRICT"), primary_key=True
        )
    )
    ts: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True))
    steps: int | None = None
    activity: float | None = None
    heart_rate: int | None = None
    state: int = Field(default=0, sa_column=sa.Column(sa.SmallInteger, nullable=False))
    quality: int = Field(default=0, sa_column=sa.Column(sa.SmallInteger, nullable=False))


class SleepEpisode(SQLModel, table=True):
    """A stretch of sleep from a device, the detector or the diary."""

    __tablename__ = "sleep_episode"
    __table_args__ = (
        sa.CheckConstraint("end_utc > start_utc", name="positive_length"),
        sa.CheckConstraint(_in("source", SleepSource), name="source_known"),
        sa.UniqueConstraint("client_id", "source", "start_utc"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", ondelete="RESTRICT", index=True)
    start_utc: dt.datetime = _utc_column()
    end_utc: dt.datetime = _utc_column()
    source: str = Field(max_length=16)
    is_main: bool = Field(default=False)
    algorithm: str = Field(default="", max_length=64)
    algorithm_version: str = Field(default="", max_length=32)


class SrmEntry(SQLModel, table=True):
    """One SRM diary line: when (or whether) an activity happened on a diary date."""

    __tablename__ = "srm_entry"
    __table_args__ = (
        sa.CheckConstraint(
            "clock_minute IS NULL OR clock_minute BETWEEN 0 AND 1439", name="clock_range"
        ),
        sa.CheckConstraint(
            "target_minute IS NULL OR target_minute BETWEEN 0 AND 1439", name="target_range"
        ),
        sa.CheckConstraint("people IS NULL OR people BETWEEN 0 AND 3", name="people_range"),
        sa.CheckConstraint("(clock_minute IS NULL) = not_done", name="time_or_not_done"),
        sa.CheckConstraint("item_set IN ('srm5', 'srm17')", name="item_set_known"),
        sa.UniqueConstraint("client_id", "diary_date", "item_set", "activity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", ondelete="RESTRICT")
    diary_date: dt.date
    item_set: str = Field(default="srm5", max_length=8)
    activity: str = Field(max_length=64)
    clock_minute: int | None = None
    not_done: bool = Field(default=False)
    people: int | None = None
    target_minute: int | None = None
    recorded_at: dt.datetime = _utc_column()


class MoodEntry(SQLModel, table=True):
    """The daily IPSRT mood rating with optional energy, irritability and anxiety."""

    __tablename__ = "mood_entry"
    __table_args__ = (
        sa.CheckConstraint("mood BETWEEN -5 AND 5", name="mood_range"),
        sa.CheckConstraint("energy IS NULL OR energy BETWEEN 0 AND 10", name="energy_range"),
        sa.CheckConstraint(
            "irritability IS NULL OR irritability BETWEEN 0 AND 10", name="irritability_range"
        ),
        sa.CheckConstraint("anxiety IS NULL OR anxiety BETWEEN 0 AND 10", name="anxiety_range"),
        sa.UniqueConstraint("client_id", "diary_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", ondelete="RESTRICT")
    diary_date: dt.date
    mood: int
    energy: int | None = None
    irritability: int | None = None
    anxiety: int | None = None
    note: str | None = Field(default=None, max_length=2000)
    recorded_at: dt.datetime = _utc_column()


class ScaleResponse(SQLModel, table=True):
    """Item answers to a questionnaire (PHQ-9, ASRM); totals are computed on the fly."""

    __tablename__ = "scale_response"
    __table_args__ = (
        sa.CheckConstraint("instrument IN ('phq9', 'asrm')", name="instrument_known"),
        # Nine items scored 0..3 for PHQ-9; five items scored 0..4 for ASRM.
        sa.CheckConstraint(
            "(instrument = 'phq9' AND item1 BETWEEN 0 AND 3 AND item2 BETWEEN 0 AND 3"
            " AND item3 BETWEEN 0 AND 3 AND item4 BETWEEN 0 AND 3 AND item5 BETWEEN 0 AND 3"
            " AND item6 BETWEEN 0 AND 3 AND item7 BETWEEN 0 AND 3 AND item8 BETWEEN 0 AND 3"
            " AND item9 BETWEEN 0 AND 3)"
            " OR (instrument = 'asrm' AND item1 BETWEEN 0 AND 4 AND item2 BETWEEN 0 AND 4"
            " AND item3 BETWEEN 0 AND 4 AND item4 BETWEEN 0 AND 4 AND item5 BETWEEN 0 AND 4"
            " AND item6 IS NULL AND item7 IS NULL AND item8 IS NULL AND item9 IS NULL)",
            name="items_range",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", ondelete="RESTRICT", index=True)
    instrument: str = Field(max_length=16)
    version: str = Field(max_length=128)
    answered_on: dt.date
    item1: int
    item2: int
    item3: int
    item4: int
    item5: int
    item6: int | None = None
    item7: int | None = None
    item8: int | None = None
    item9: int | None = None
    recorded_at: dt.datetime = _utc_column()


class Alert(SQLModel, table=True):
    """A prompt for a conversation, raised by an alert rule with its evidence."""

    __tablename__ = "alert"
    __table_args__ = (
        sa.CheckConstraint("severity IN ('info', 'warning', 'urgent')", name="severity_known"),
        sa.CheckConstraint(_in("state", AlertState), name="state_known"),
        sa.CheckConstraint("window_end >= window_start", name="window_order"),
        sa.CheckConstraint(
            "(state = 'acknowledged') = (acknowledged_at IS NOT NULL)", name="ack_consistent"
        ),
        sa.UniqueConstraint("client_id", "rule", "window_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", ondelete="RESTRICT", index=True)
    rule: str = Field(max_length=64)
    window_start: dt.date
    window_end: dt.date
    severity: str = Field(max_length=16)
    message: str = Field(max_length=1000)
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(sa.JSON))
    state: str = Field(default="open", max_length=16)
    created_at: dt.datetime = _utc_column()
    acknowledged_by: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    acknowledged_at: dt.datetime | None = _utc_column(nullable=True)
    #: When a later run no longer found the alert's evidence (kept, never deleted).
    resolved_at: dt.datetime | None = _utc_column(nullable=True)


class AuditEvent(SQLModel, table=True):
    """An append-only record of who did what to whose data, and when (UTC)."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = _utc_column()
    actor: str = Field(max_length=128)
    action: str = Field(max_length=64)
    subject: str | None = Field(default=None, max_length=128)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(sa.JSON))


class StoreSetting(SQLModel, table=True):
    """Facts about the database itself, e.g. ``purpose`` = ``clinic`` (default) or ``demo``."""

    __tablename__ = "store_setting"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=256)


# -- daily summaries: derived from the records above, rebuilt by `ipsrt summaries rebuild` --


def _float() -> Any:
    return Field(default=None, sa_column=sa.Column(sa.Float, nullable=True))


class ClientDay(SQLModel, table=True):
    """One client's local date: wear, activity, the night's main sleep, anchors, mood.

    Derived data (``docs/architecture.md``, "Daily summaries"): written only by
    the summary update, in the same transaction as the records it derives from.
    Clock times are local minutes after midnight; durations minutes.
    """

    __tablename__ = "client_day"

    client_id: int = Field(foreign_key="client.id", ondelete="CASCADE", primary_key=True)
    day: dt.date = Field(primary_key=True)
    day_minutes: int
    recorded_min: int
    wear_min: int
    steps: float | None = _float()
    activity_hourly: str = Field(max_length=800)
    #: Ten-minute local clock bins for screens: activity sums, minutes worn and asleep (JSON).
    bin_activity_sum: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    bin_worn: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    bin_sleep: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    sleep_onset_utc: dt.datetime | None = _utc_column(nullable=True)
    sleep_offset_utc: dt.datetime | None = _utc_column(nullable=True)
    sleep_onset_min: float | None = _float()
    sleep_offset_min: float | None = _float()
    sleep_midpoint_min: float | None = _float()
    sleep_duration_min: float | None = _float()
    sleep_min: float | None = _float()
    sleep_source: str | None = Field(default=None, max_length=16)
    reported_out_of_bed_min: float | None = _float()
    reported_first_contact_min: float | None = _float()
    reported_start_activity_min: float | None = _float()
    reported_dinner_min: float | None = _float()
    reported_bed_min: float | None = _float()
    estimated_out_of_bed_min: float | None = _float()
    estimated_start_activity_min: float | None = _float()
    estimated_bed_min: float | None = _float()
    diary_items: int
    mood: float | None = _float()
    energy: float | None = _float()
    irritability: float | None = _float()
    anxiety: float | None = _float()
    phq9_total: float | None = _float()
    phq9_item9: float | None = _float()
    asrm_total: float | None = _float()
    wear_fraction: float | None = _float()


class ClientWeek(SQLModel, table=True):
    """One client week's rhythm figures, derived with its seven :class:`ClientDay` rows."""

    __tablename__ = "client_week"

    client_id: int = Field(foreign_key="client.id", ondelete="CASCADE", primary_key=True)
    week_start: dt.date = Field(primary_key=True)
    days_with_data: int
    srm: float | None = _float()
    srm_estimated: float | None = _float()
    is_: float | None = _float()
    iv: float | None = _float()
    ra: float | None = _float()
    l5: float | None = _float()
    m10: float | None = _float()
    sri: float | None = _float()
    sleep_duration_mean_min: float | None = _float()
    sleep_midpoint_sd_min: float | None = _float()


class SummaryPending(SQLModel, table=True):
    """A client's local date whose records changed and whose summaries are not yet updated."""

    __tablename__ = "summary_pending"

    client_id: int = Field(foreign_key="client.id", ondelete="CASCADE", primary_key=True)
    day: dt.date = Field(primary_key=True)


class ClientSummary(SQLModel, table=True):
    """Per client: a counter of summary changes, and what the last alert run saw."""

    __tablename__ = "client_summary"

    client_id: int = Field(foreign_key="client.id", ondelete="CASCADE", primary_key=True)
    version: int = Field(default=0)
    definition: str = Field(default="", max_length=32)
    alerts_version: int | None = None
    alerts_key: str | None = Field(default=None, max_length=64)
    alerts_due_utc: dt.datetime | None = _utc_column(nullable=True)


# -- the dashboard: revocable server-side sessions and clinician-set target times --


class WebSession(SQLModel, table=True):
    """A dashboard login, held on the server so that it can be revoked.

    The browser's cookie carries a random token; only its SHA-256 is stored
    here (``token_hash``), so a copy of the database opens no session. A row
    is dead once ``revoked_at`` is set or a timeout has passed
    (``docs/security.md``).
    """

    __tablename__ = "web_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE", index=True)
    created_at: dt.datetime = _utc_column()
    last_seen_at: dt.datetime = _utc_column()
    revoked_at: dt.datetime | None = _utc_column(nullable=True)


class AnchorTarget(SQLModel, table=True):
    """The target clock time a clinician and client agreed for one SRM anchor."""

    __tablename__ = "anchor_target"
    __table_args__ = (sa.CheckConstraint("target_minute BETWEEN 0 AND 1439", name="target_range"),)

    client_id: int = Field(foreign_key="client.id", ondelete="CASCADE", primary_key=True)
    activity: str = Field(primary_key=True, max_length=32)
    target_minute: int
    set_at: dt.datetime = _utc_column()
    set_by: str = Field(max_length=128)


# -- helpers for tables defined beside the store (ipsrt.store.ipt_tables) --

#: A non-null (or nullable) UTC instant column.
utc_column = _utc_column
#: A CHECK expression: *column* holds one of an enum's values.
values_in = _in
