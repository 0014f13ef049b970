"""The Store: every read and write of the tracker's records goes through here.

A Store is built from a database URL by the engine factory; it holds no
global state. Writes are short transactions; on SQLite they start with
``BEGIN IMMEDIATE``. Every call that records something takes ``now`` from the
caller (the CLI or the dashboard read the clock, never the store).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, SQLModel, col, select

from ipsrt.addresses import bluetooth_address
from ipsrt.errors import (
    AlreadyExistsError,
    DatabaseError,
    InvalidInputError,
    NotFoundError,
    SchemaNotCurrentError,
)
from ipsrt.models import (
    AuditEvent,
    Client,
    Device,
    DeviceCursor,
    DeviceFamily,
    StoreSetting,
)
from ipsrt.store import migrate
from ipsrt.store.accounts import AccountRecords
from ipsrt.store.alerts_store import AlertRecords
from ipsrt.store.clinical import ClinicalRecords
from ipsrt.store.course_records import CourseRecords
from ipsrt.store.device_secrets import DeviceSecrets, lock_devices
from ipsrt.store.engine import WRITE_OPTION, make_engine, parse_url, safe_url, sqlite_path
from ipsrt.store.ipt_records import InventoryRecords, LifeEventRecords, RelapsePlanRecords
from ipsrt.store.minute_store import MinuteSampleMethods
from ipsrt.store.private_files import create_database_file
from ipsrt.store.samples import QualityRules
from ipsrt.store.session_notes import SessionNotes
from ipsrt.store.summaries import SummaryRecords
from ipsrt.store.targets import TargetRecords
from ipsrt.store.web_sessions import WebSessionRecords
from ipsrt.timeutil import require_utc, zone

CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

__all__ = ["Store"]


def _check_code(code: str) -> str:
    if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
        raise InvalidInputError(
            f"invalid client code {code!r}: use 1-64 letters, digits, '.', '_' or '-'"
        )
    return code


class Store(MinuteSampleMethods):
    """Records of one tracker database (SQLite file or PostgreSQL).

    Parameters
    ----------
    url
        SQLAlchemy URL (``sqlite:///path``, ``sqlite://`` in memory,
        ``postgresql://user@host/db``).
    check_schema
        Refuse a database that is not migrated to the code's head revision
        (``ipsrt init`` and ``ipsrt db upgrade`` pass False).
    create
        Allow a SQLite file (and its directory) that does not exist yet.
    quality
        Quarantine thresholds for minute samples.
    summariser
        Called at the end of every write transaction that changed records a
        daily summary derives from, with that transaction's connection
        (:mod:`ipsrt.reports.summaries` installs it). Without one, the changed
        dates stay marked pending until a summary read brings them up to date.
    """

    def __init__(
        self,
        url: str,
        *,
        check_schema: bool = True,
        create: bool = False,
        quality: QualityRules | None = None,
        summariser: Callable[[sa.Connection], None] | None = None,
    ) -> None:
        parsed = parse_url(url)
        path = sqlite_path(parsed)
        if path is not None and not path.exists():
            if not create:
                raise SchemaNotCurrentError(f"no database at {path}: run 'ipsrt init' first")
            create_database_file(path)  # 0600, in a 0700 directory if it makes one
        self.url = safe_url(parsed)
        self.quality = quality or QualityRules()
        self.engine: Engine = make_engine(parsed)
        self._writer = self.engine.execution_options(**{WRITE_OPTION: True})
        #: Logins and care assignments.
        self.accounts = AccountRecords(self)
        #: SRM diary entries, daily moods and rating-scale responses.
        self.clinical = ClinicalRecords(self)
        #: Alerts the rules raised, and their acknowledgement.
        self.alerts = AlertRecords(self)
        #: Daily and weekly summaries, their pending marks and the reads screens need.
        self.summaries = SummaryRecords(self)
        #: Target clock times of clients' SRM anchors.
        self.targets = TargetRecords(self)
        self.web_sessions = WebSessionRecords(self)
        #: Device keys sealed at rest; the key that opens them lives outside the database.
        self.secrets = DeviceSecrets(self, url)
        #: The IPT course (docs/clinicians.md): courses and sessions, inventory, life
        #: events, relapse plans, and session notes sealed with the same key as device keys.
        self.courses = CourseRecords(self)
        self.inventory = InventoryRecords(self)
        self.life_events = LifeEventRecords(self)
        self.relapse_plans = RelapsePlanRecords(self)
        self.notes = SessionNotes(self)
        self.secrets.also_reseal(self.notes)
        self.summariser = summariser
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            if check_schema:
                migrate.require_current(self.engine)
        except (OperationalError, SADatabaseError) as exc:
            self.engine.dispose()
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseError(f"cannot open database {self.url}: {reason}") from exc
        except BaseException:
            self.engine.dispose()
            raise

    # -- life cycle -----------------------------------------------------------------

    @classmethod
    def initialise(cls, url: str, *, quality: QualityRules | None = None) -> Store:
        """Create the database if needed and migrate it to the head revision.

        A SQLite database gets its key file beside it if there is none
        (:mod:`ipsrt.store.secret_keys`).
        """
        store = cls(url, check_schema=False, create=True, quality=quality)
        try:
            store.upgrade()
            store.secrets.create_key()
        except BaseException:
            store.close()
            raise
        return store

    def upgrade(self) -> None:
        """Apply pending migrations."""
        migrate.upgrade(self.engine)

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def session(self, conn: sa.Connection | None = None) -> Iterator[Session]:
        """A read session (objects stay usable after it closes).

        With *conn*, the session reads inside that connection's open
        transaction (and never ends it).
        """
        with Session(conn if conn is not None else self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with Session(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def write_connection(self) -> Iterator[sa.Connection]:
        """A Core connection in one write transaction (SQLite: ``BEGIN IMMEDIATE``)."""
        with self._writer.connect() as conn, conn.begin():
            yield conn

    def summarise(self, conn: sa.Connection) -> None:
        """Bring the summaries of pending dates up to date inside the caller's transaction."""
        if self.summariser is not None:
            self.summariser(conn)

    # -- audit ------------------------------------------------------------------------

    @staticmethod
    def audit(
        session: Session,
        *,
        now: dt.datetime,
        actor: str,
        action: str,
        subject: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        session.add(
            AuditEvent(
                at=require_utc(now),
                actor=actor,
                action=action,
                subject=subject,
                detail=dict(detail or {}),
            )
        )

    def add_audited(
        self,
        record: SQLModel,
        *,
        now: dt.datetime,
        actor: str,
        action: str,
        subject: str,
        detail: Mapping[str, Any] | None = None,
        exists: str,
        prepare: Callable[[Session], None] | None = None,
    ) -> None:
        """Insert *record* and its audit event in one transaction.

        A unique-key clash becomes :class:`AlreadyExistsError` with message
        *exists*. *prepare* runs first inside the transaction.
        """
        try:
            with self.write_session() as session:
                if prepare is not None:
                    prepare(session)
                session.add(record)
                self.audit(
                    session, now=now, actor=actor, action=action, subject=subject, detail=detail
                )
        except IntegrityError as exc:
            raise AlreadyExistsError(exists) from exc

    def audit_events(self) -> list[AuditEvent]:
        """Every audit event, oldest first."""
        with self.session() as session:
            return list(session.exec(select(AuditEvent).order_by(AuditEvent.id)))  # type: ignore[arg-type]

    def audit_page(
        self,
        offset: int,
        limit: int,
        *,
        actor: str | None = None,
        action: str | None = None,
        subject: str | None = None,
        since: dt.datetime | None = None,
    ) -> list[AuditEvent]:
        """Audit events newest first, skipping *offset* and returning at most *limit*.

        *actor* keeps the events of that actor exactly; *action* keeps the
        actions that start with it (``user.`` finds ``user.add`` and
        ``user.disable``; ``%`` and ``_`` match only themselves); *subject*
        keeps the events about that client code or login exactly; *since*
        keeps the events at or after that instant (UTC). Only the page asked
        for is read, never the whole log.
        """
        if not 0 <= offset <= 10**9 or not 0 <= limit <= 1000:
            raise InvalidInputError("audit page: offset 0..1e9 and limit 0..1000 expected")
        query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).offset(offset).limit(limit)
        if actor is not None:
            query = query.where(AuditEvent.actor == actor)
        if action is not None:
            query = query.where(col(AuditEvent.action).startswith(action, autoescape=True))
        if subject is not None:
            query = query.where(AuditEvent.subject == subject)
        if since is not None:
            query = query.where(col(AuditEvent.at) >= require_utc(since))
        with self.session() as session:
            return list(session.exec(query))

    def record_event(
        self,
        action: str,
        *,
        now: dt.datetime,
        actor: str,
        subject: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Write one audit event on its own (e.g. ``store.init``), in its own transaction."""
        with self.write_session() as session:
            self.audit(session, now=now, actor=actor, action=action, subject=subject, detail=detail)

    # -- the database itself --------------------------------------------------------

    @property
    def purpose(self) -> str:
        """``clinic`` (real clients; the default) or ``demo`` (a throwaway database)."""
        with self.session() as session:
            row = session.get(StoreSetting, "purpose")
        return "clinic" if row is None else row.value

    def mark_demo(self, *, now: dt.datetime, actor: str = "cli") -> None:
        """Record that this database holds demo data only (emulated devices count here)."""
        with self.write_session() as session:
            if session.get(StoreSetting, "purpose") is None:
                session.add(StoreSetting(key="purpose", value="demo"))
                # Emulated minutes count from now on: every summary is out of date.
                self.summaries.forget_all(session.connection())
                self.audit(session, now=now, actor=actor, action="store.mark_demo")

    # -- clients ----------------------------------------------------------------------

    def add_client(
        self,
        code: str,
        timezone: str,
        *,
        now: dt.datetime,
        display_name: str | None = None,
        week_start: int = 0,
        actor: str = "cli",
    ) -> Client:
        """Register a client under a pseudonymous *code* living in IANA zone *timezone*."""
        _check_code(code)
        zone(timezone)
        if not 0 <= week_start <= 6:
            raise InvalidInputError(f"week start {week_start} outside 0 (Monday) .. 6 (Sunday)")
        if display_name is not None and len(display_name) > 200:
            raise InvalidInputError("display name longer than 200 characters")
        client = Client(
            code=code,
            timezone=timezone,
            display_name=display_name,
            week_start=week_start,
            created_at=require_utc(now),
        )
        self.add_audited(
            client,
            now=now,
            actor=actor,
            action="client.add",
            subject=code,
            exists=f"client {code!r} already exists",
        )
        return client

    def client(self, code: str) -> Client:
        """The client with *code*, or :class:`NotFoundError`."""
        with self.session() as session:
            found = session.exec(select(Client).where(Client.code == code)).first()
        if found is None:
            raise NotFoundError(f"unknown client {code!r}")
        return found

    @staticmethod
    def client_id(session: Session, code: str) -> int:
        """The id of the client with *code* read in *session*, or :class:`NotFoundError`."""
        found = session.exec(select(Client.id).where(Client.code == code)).first()
        if found is None:
            raise NotFoundError(f"unknown client {code!r}")
        return int(found)

    def clients(self, *, include_archived: bool = False) -> list[Client]:
        """All clients ordered by code."""
        query = select(Client).order_by(Client.code)
        if not include_archived:
            query = query.where(Client.archived_at.is_(None))  # type: ignore[union-attr]
        with self.session() as session:
            return list(session.exec(query))

    def edit_client(
        self,
        code: str,
        changes: Mapping[str, Any],
        *,
        now: dt.datetime,
        actor: str = "cli",
    ) -> dict[str, tuple[Any, Any]]:
        """Change a client's ``display_name``, ``timezone``, ``week_start`` or ``archived``.

        *changes* maps those names to new values (``display_name`` None clears
        it; ``archived`` True sets ``archived_at`` to *now*, False clears it).
        Returns ``{field: (old, new)}`` of what differed; nothing else changes,
        and when nothing differs no audit event is written. One audit event
        (``client.archive``, ``client.unarchive`` or ``client.edit`` with the
        changes) in the same transaction. A new zone or week start marks the
        client's summaries out of date, so the next read rebuilds them under
        the new local dates. Archiving keeps every record of the client.
        """
        unknown = set(changes) - {"display_name", "timezone", "week_start", "archived"}
        if unknown:
            raise InvalidInputError(f"cannot change client field {sorted(unknown)[0]!r}")
        name = changes.get("display_name")
        if name is not None and (not isinstance(name, str) or len(name) > 200):
            raise InvalidInputError("display name longer than 200 characters")
        if "timezone" in changes:
            zone(changes["timezone"])
        week_start = changes.get("week_start", 0)
        if isinstance(week_start, bool) or week_start not in range(7):
            raise InvalidInputError(f"week start {week_start!r} outside 0 (Monday) .. 6 (Sunday)")
        with self.write_session() as session:
            client = session.exec(select(Client).where(Client.code == code)).first()
            if client is None:
                raise NotFoundError(f"unknown client {code!r}")
            old = {
                "display_name": client.display_name,
                "timezone": client.timezone,
                "week_start": client.week_start,
                "archived": client.archived_at is not None,
            }
            diff = {k: (old[k], v) for k, v in changes.items() if old[k] != v}
            if not diff:
                return {}
            for key in ("display_name", "timezone", "week_start"):
                if key in diff:
                    setattr(client, key, diff[key][1])
            if "archived" in diff:
                client.archived_at = require_utc(now) if diff["archived"][1] else None
            session.add(client)
            if "timezone" in diff or "week_start" in diff:
                assert client.id is not None
                self.summaries.forget_client(session.connection(), client.id)
            action = "client.edit"
            if "archived" in diff:
                action = "client.archive" if diff["archived"][1] else "client.unarchive"
            self.audit(
                session,
                now=now,
                actor=actor,
                action=action,
                subject=code,
                detail={k: [a, b] for k, (a, b) in diff.items() if k != "archived"},
            )
        return diff

    # -- devices --------------------------------------------------------------------

    def add_device(
        self,
        client_code: str,
        family: DeviceFamily | str,
        address: str,
        *,
        now: dt.datetime,
        name: str | None = None,
        secret: str | None = None,
        emulated: bool = False,
        actor: str = "cli",
    ) -> Device:
        """Register a device for a client (the secret is stored sealed, never logged).

        A wireless device's *address* must pass :func:`ipsrt.addresses.bluetooth_address`
        and is stored normalised (upper case); an import source's is 1-128 characters.

        ``emulated=True`` marks an emulated wearable: its minutes are stored
        but never count in a clinic database (:mod:`ipsrt.minutes`).
        """
        try:
            family = DeviceFamily(family)
        except ValueError as exc:
            raise InvalidInputError(
                f"unknown device family {family!r}: expected one of "
                f"{', '.join(f.value for f in DeviceFamily)}"
            ) from exc
        if family is not DeviceFamily.IMPORT:
            address = bluetooth_address(address)
        elif not address or len(address) > 128:
            raise InvalidInputError("device address must be 1-128 characters")
        client = self.client(client_code)
        assert client.id is not None
        device = Device(
            client_id=client.id,
            family=family.value,
            address=address,
            name=name,
            emulated=emulated,
            created_at=require_utc(now),
        )
        if secret is not None and not family.takes_key:
            raise InvalidInputError(f"a {family.value} device takes no key")

        def seal_secret(session: Session) -> None:
            # Sealed inside the transaction, under the device table's write lock:
            # a concurrent key rotation sees this device or seals it itself.
            if secret is not None:
                lock_devices(session)
                device.secret = self.secrets.seal(secret)

        self.add_audited(
            device,
            now=now,
            actor=actor,
            action="device.add",
            subject=client_code,
            detail={"family": family.value, "address": address, "emulated": emulated},
            exists=f"{family.value} device {address!r} already exists",
            prepare=seal_secret,
        )
        return device

    def devices(self, client_code: str | None = None) -> list[Device]:
        """Devices, of one client or of all, ordered by id."""
        query = select(Device).order_by(Device.id)  # type: ignore[arg-type]
        if client_code is not None:
            query = query.where(Device.client_id == self.client(client_code).id)
        with self.session() as session:
            return list(session.exec(query))

    def retire_device(self, device_id: int, *, now: dt.datetime, actor: str = "cli") -> Device:
        """Mark a device retired: its minutes and cursors stay, nothing syncs it again (audited)."""
        with self.write_session() as session:
            device = session.get(Device, device_id)
            if device is None:
                raise NotFoundError(f"unknown device {device_id}")
            if device.retired_at is not None:
                raise InvalidInputError(
                    f"device {device_id} was already retired on {device.retired_at:%Y-%m-%d}"
                )
            device.retired_at = require_utc(now)
            client = session.get(Client, device.client_id)
            self.audit(
                session,
                now=now,
                actor=actor,
                action="device.retire",
                subject=None if client is None else client.code,
                detail={"device_id": device_id, "family": device.family, "address": device.address},
            )
        return device

    def cursor(self, device_id: int, data_type: str) -> str | None:
        """The stored sync position of a device for one data type."""
        with self.session() as session:
            row = session.get(DeviceCursor, (device_id, data_type))
        return None if row is None else row.position
