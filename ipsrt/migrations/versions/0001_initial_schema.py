"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 03:06:13.650264
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ipsrt.models

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The database itself guards two rules: the audit log is append-only, and a
# device never changes client (its minute samples carry no client column).
_GUARDS_SQLITE = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER device_client_fixed BEFORE UPDATE OF client_id ON device "
    "WHEN NEW.client_id IS NOT OLD.client_id "
    "BEGIN SELECT RAISE(ABORT, 'a device never changes client'); END",
)
_GUARDS_POSTGRESQL = (
    "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
    "CREATE FUNCTION device_client_fixed() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'a device never changes client'; END $$",
    "CREATE TRIGGER device_client_fixed BEFORE UPDATE OF client_id ON device "
    "FOR EACH ROW WHEN (NEW.client_id IS DISTINCT FROM OLD.client_id) "
    "EXECUTE FUNCTION device_client_fixed()",
)


# PostgreSQL checks a row-level foreign key with one query and one row lock per
# inserted row, which halves the speed of bulk sample loads. There, the
# minute_sample -> device reference is enforced per statement instead: after
# each INSERT or UPDATE the new rows' devices are locked (FOR KEY SHARE, as the
# row-level check does) and any unknown device aborts the statement with
# SQLSTATE 23503; deleting a device that has samples is refused. SQLite keeps
# the declared foreign key, which is cheap there.
_SAMPLE_DEVICE_FK_POSTGRESQL = (
    "ALTER TABLE minute_sample DROP CONSTRAINT fk_minute_sample_device_id_device",
    "CREATE FUNCTION minute_sample_device_fk() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "DECLARE missing bigint; "
    "BEGIN "
    "PERFORM 1 FROM device d WHERE d.id IN (SELECT DISTINCT device_id FROM new_rows) "
    "FOR KEY SHARE OF d; "
    "SELECT n.device_id INTO missing FROM new_rows n "
    "WHERE NOT EXISTS (SELECT 1 FROM device d WHERE d.id = n.device_id) LIMIT 1; "
    "IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', "
    "MESSAGE = format('minute_sample.device_id %s is not a device', missing); END IF; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER minute_sample_device_fk_insert AFTER INSERT ON minute_sample "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION minute_sample_device_fk()",
    "CREATE TRIGGER minute_sample_device_fk_update AFTER UPDATE ON minute_sample "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION minute_sample_device_fk()",
    "CREATE FUNCTION device_samples_restrict() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "PERFORM 1 FROM device WHERE id = OLD.id FOR UPDATE; "
    "IF EXISTS (SELECT 1 FROM minute_sample WHERE device_id = OLD.id) THEN "
    "RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', "
    "MESSAGE = format('device %s has minute samples', OLD.id); END IF; "
    "RETURN OLD; END $$",
    "CREATE TRIGGER device_samples_restrict BEFORE DELETE OR UPDATE OF id ON device "
    "FOR EACH ROW EXECUTE FUNCTION device_samples_restrict()",
)


def _create_guards() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _GUARDS_POSTGRESQL if dialect == "postgresql" else _GUARDS_SQLITE:
        op.execute(statement)
    if dialect == "postgresql":
        for statement in _SAMPLE_DEVICE_FK_POSTGRESQL:
            op.execute(statement)


def _drop_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS device_samples_restrict ON device")
        op.execute("DROP FUNCTION IF EXISTS device_samples_restrict()")
        op.execute("DROP TRIGGER IF EXISTS minute_sample_device_fk_insert ON minute_sample")
        op.execute("DROP TRIGGER IF EXISTS minute_sample_device_fk_update ON minute_sample")
        op.execute("DROP FUNCTION IF EXISTS minute_sample_device_fk()")
        op.execute("DROP TRIGGER IF EXISTS device_client_fixed ON device")
        op.execute("DROP FUNCTION IF EXISTS device_client_fixed()")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        op.execute("DROP TRIGGER IF EXISTS device_client_fixed")


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_table(
        "client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("week_start", sa.Integer(), nullable=False),
        sa.Column("created_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.Column("archived_at", ipsrt.models.UtcDateTime(), nullable=True),
        sa.CheckConstraint("length(code) BETWEEN 1 AND 64", name=op.f("ck_client_code_length")),
        sa.CheckConstraint(
            "length(timezone) BETWEEN 1 AND 64", name=op.f("ck_client_timezone_length")
        ),
        sa.CheckConstraint("week_start BETWEEN 0 AND 6", name=op.f("ck_client_week_start_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client")),
        sa.UniqueConstraint("code", name=op.f("uq_client_code")),
    )
    op.create_table(
        "device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("family", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("secret", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
        sa.Column("last_clock_offset_s", sa.Float(), nullable=True),
        sa.Column("battery", sa.Integer(), nullable=True),
        sa.Column("last_seen", ipsrt.models.UtcDateTime(), nullable=True),
        sa.Column("created_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "family IN ('gatt-standard', 'infinitime', 'banglejs', 'huami', 'import')",
            name=op.f("ck_device_family_known"),
        ),
        sa.CheckConstraint(
            "battery IS NULL OR battery BETWEEN 0 AND 100", name=op.f("ck_device_battery_range")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_device_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device")),
        sa.UniqueConstraint("family", "address", name=op.f("uq_device_family_address")),
    )
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_client_id"), ["client_id"], unique=False)

    op.create_table(
        "mood_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("diary_date", sa.Date(), nullable=False),
        sa.Column("mood", sa.Integer(), nullable=False),
        sa.Column("energy", sa.Integer(), nullable=True),
        sa.Column("irritability", sa.Integer(), nullable=True),
        sa.Column("anxiety", sa.Integer(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("recorded_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "anxiety IS NULL OR anxiety BETWEEN 0 AND 10", name=op.f("ck_mood_entry_anxiety_range")
        ),
        sa.CheckConstraint(
            "energy IS NULL OR energy BETWEEN 0 AND 10", name=op.f("ck_mood_entry_energy_range")
        ),
        sa.CheckConstraint(
            "irritability IS NULL OR irritability BETWEEN 0 AND 10",
            name=op.f("ck_mood_entry_irritability_range"),
        ),
        sa.CheckConstraint("mood BETWEEN -5 AND 5", name=op.f("ck_mood_entry_mood_range")),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_mood_entry_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mood_entry")),
        sa.UniqueConstraint(
            "client_id", "diary_date", name=op.f("uq_mood_entry_client_id_diary_date")
        ),
    )
    op.create_table(
        "scale_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("instrument", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("item1", sa.Integer(), nullable=False),
        sa.Column("item2", sa.Integer(), nullable=False),
        sa.Column("item3", sa.Integer(), nullable=False),
        sa.Column("item4", sa.Integer(), nullable=False),
        sa.Column("item5", sa.Integer(), nullable=False),
        sa.Column("item6", sa.Integer(), nullable=True),
        sa.Column("item7", sa.Integer(), nullable=True),
        sa.Column("item8", sa.Integer(), nullable=True),
        sa.Column("item9", sa.Integer(), nullable=True),
        sa.Column("recorded_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "(instrument = 'phq9' AND item1 BETWEEN 0 AND 3 AND item2 BETWEEN 0 AND 3 AND item3 BETWEEN 0 AND 3 AND item4 BETWEEN 0 AND 3 AND item5 BETWEEN 0 AND 3 AND item6 BETWEEN 0 AND 3 AND item7 BETWEEN 0 AND 3 AND item8 BETWEEN 0 AND 3 AND item9 BETWEEN 0 AND 3) OR (instrument = 'asrm' AND item1 BETWEEN 0 AND 4 AND item2 BETWEEN 0 AND 4 AND item3 BETWEEN 0 AND 4 AND item4 BETWEEN 0 AND 4 AND item5 BETWEEN 0 AND 4 AND item6 IS NULL AND item7 IS NULL AND item8 IS NULL AND item9 IS NULL)",
            name=op.f("ck_scale_response_items_range"),
        ),
        sa.CheckConstraint(
            "instrument IN ('phq9', 'asrm')", name=op.f("ck_scale_response_instrument_known")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_scale_response_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scale_response")),
    )
    with op.batch_alter_table("scale_response", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scale_response_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "sleep_episode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("start_utc", ipsrt.models.UtcDateTime(), nullable=False),
        sa.Column("end_utc", ipsrt.models.UtcDateTime(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("is_main", sa.Boolean(), nullable=False),
        sa.Column("algorithm", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("algorithm_version", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.CheckConstraint(
            "source IN ('device', 'detected', 'diary')", name=op.f("ck_sleep_episode_source_known")
        ),
        sa.CheckConstraint("end_utc > start_utc", name=op.f("ck_sleep_episode_positive_length")),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_sleep_episode_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sleep_episode")),
        sa.UniqueConstraint(
            "client_id",
            "source",
            "start_utc",
            name=op.f("uq_sleep_episode_client_id_source_start_utc"),
        ),
    )
    with op.batch_alter_table("sleep_episode", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sleep_episode_client_id"), ["client_id"], unique=False)

    op.create_table(
        "srm_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("diary_date", sa.Date(), nullable=False),
        sa.Column("item_set", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("activity", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("clock_minute", sa.Integer(), nullable=True),
        sa.Column("not_done", sa.Boolean(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=True),
        sa.Column("target_minute", sa.Integer(), nullable=True),
        sa.Column("recorded_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "item_set IN ('srm5', 'srm17')", name=op.f("ck_srm_entry_item_set_known")
        ),
        sa.CheckConstraint(
            "(clock_minute IS NULL) = not_done", name=op.f("ck_srm_entry_time_or_not_done")
        ),
        sa.CheckConstraint(
            "clock_minute IS NULL OR clock_minute BETWEEN 0 AND 1439",
            name=op.f("ck_srm_entry_clock_range"),
        ),
        sa.CheckConstraint(
            "people IS NULL OR people BETWEEN 0 AND 3", name=op.f("ck_srm_entry_people_range")
        ),
        sa.CheckConstraint(
            "target_minute IS NULL OR target_minute BETWEEN 0 AND 1439",
            name=op.f("ck_srm_entry_target_range"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_srm_entry_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_srm_entry")),
        sa.UniqueConstraint(
            "client_id",
            "diary_date",
            "item_set",
            "activity",
            name=op.f("uq_srm_entry_client_id_diary_date_item_set_activity"),
        ),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.Column("password_changed_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "(role = 'client') = (client_id IS NOT NULL)", name=op.f("ck_user_account_client_link")
        ),
        sa.CheckConstraint(
            "role IN ('client', 'clinician', 'researcher', 'admin')",
            name=op.f("ck_user_account_role_known"),
        ),
        sa.CheckConstraint(
            "length(login) BETWEEN 1 AND 128", name=op.f("ck_user_account_login_length")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_user_account_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("login", name=op.f("uq_user_account_login")),
    )
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("rule", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", ipsrt.models.UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "(state = 'acknowledged') = (acknowledged_at IS NOT NULL)",
            name=op.f("ck_alert_ack_consistent"),
        ),
        sa.CheckConstraint(
            "severity IN ('info', 'warning', 'urgent')", name=op.f("ck_alert_severity_known")
        ),
        sa.CheckConstraint("state IN ('open', 'acknowledged')", name=op.f("ck_alert_state_known")),
        sa.CheckConstraint("window_end >= window_start", name=op.f("ck_alert_window_order")),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"],
            ["user_account.id"],
            name=op.f("fk_alert_acknowledged_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_alert_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
        sa.UniqueConstraint(
            "client_id",
            "rule",
            "window_start",
            name=op.f("uq_alert_client_id_rule_window_start"),
        ),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_client_id"), ["client_id"], unique=False)

    op.create_table(
        "care_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("created_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_care_assignment_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["user_account.id"],
            name=op.f("fk_care_assignment_clinician_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_assignment")),
        sa.UniqueConstraint(
            "clinician_id", "client_id", name=op.f("uq_care_assignment_clinician_id_client_id")
        ),
    )
    with op.batch_alter_table("care_assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_assignment_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "device_cursor",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("data_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("position", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("updated_at", ipsrt.models.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["device.id"],
            name=op.f("fk_device_cursor_device_id_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("device_id", "data_type", name=op.f("pk_device_cursor")),
    )
    op.create_table(
        "minute_sample",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=True),
        sa.Column("activity", sa.Float(), nullable=True),
        sa.Column("heart_rate", sa.Integer(), nullable=True),
        sa.Column("state", sa.SmallInteger(), nullable=False),
        sa.Column("quality", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint(
            "activity IS NULL OR activity >= 0", name=op.f("ck_minute_sample_activity_range")
        ),
        sa.CheckConstraint(
            "heart_rate IS NULL OR heart_rate BETWEEN 1 AND 65535",
            name=op.f("ck_minute_sample_heart_rate_range"),
        ),
        sa.CheckConstraint(
            "quality BETWEEN 0 AND 255", name=op.f("ck_minute_sample_quality_range")
        ),
        sa.CheckConstraint("state BETWEEN 0 AND 5", name=op.f("ck_minute_sample_state_known")),
        sa.CheckConstraint(
            "steps IS NULL OR steps BETWEEN 0 AND 65535", name=op.f("ck_minute_sample_steps_range")
        ),
        sa.CheckConstraint("ts % 60 = 0", name=op.f("ck_minute_sample_ts_whole_minute")),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["device.id"],
            name=op.f("fk_minute_sample_device_id_device"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("device_id", "ts", name=op.f("pk_minute_sample")),
        sqlite_with_rowid=False,
    )
    # ### end Alembic commands ###
    _create_guards()


def downgrade() -> None:
    _drop_guards()
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_table("minute_sample")
    op.drop_table("device_cursor")
    with op.batch_alter_table("care_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_assignment_client_id"))

    op.drop_table("care_assignment")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_client_id"))

    op.drop_table("alert")
    op.drop_table("user_account")
    op.drop_table("srm_entry")
    with op.batch_alter_table("sleep_episode", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sleep_episode_client_id"))

    op.drop_table("sleep_episode")
    with op.batch_alter_table("scale_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scale_response_client_id"))

    op.drop_table("scale_response")
    op.drop_table("mood_entry")
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_client_id"))

    op.drop_table("device")
    op.drop_table("client")
    op.drop_table("audit_event")
    # ### end Alembic commands ###
