"""Device keys sealed at rest: sealing on add, opening for the collector, rotation.

``device.secret`` (a Huami band's auth key) holds only a sealed token
(:mod:`ipsrt.store.secret_box`); the key that opens it is kept outside the
database (:mod:`ipsrt.store.secret_keys`). The key is read only when a
secret is sealed or opened, so the dashboard and every command that never
touches a device key work without it.

Rotation (``ipsrt keys rotate``) replaces the key in an order that leaves
every secret readable after a crash at any point:

1. check that every stored secret opens with the current keys (else stop,
   nothing changed);
2. write the key file as ``[new, current...]`` (atomic rename);
3. in one transaction, re-seal every secret under the new key and audit it;
4. write the key file as ``[new]``.

After a crash between 2 and 3 the secrets are sealed under a key still in
the file; between 3 and 4 under the new key, first in the file. Secrets
stored in plain text by a version before sealing are sealed by
:meth:`DeviceSecrets.seal_plaintext` (``ipsrt init``, ``ipsrt db upgrade``)
and by a rotation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any, Protocol

from sqlmodel import Session, col, select

from ipsrt.errors import InvalidInputError, SecretKeyError
from ipsrt.models import Device
from ipsrt.store.engine import parse_url
from ipsrt.store.secret_box import SecretBox, is_sealed, new_key, sealed_key_id
from ipsrt.store.secret_keys import KeySource, locate_key

if TYPE_CHECKING:
    from ipsrt.store.store import Store

__all__ = ["SECRET_COLUMN_LENGTH", "DeviceSecrets", "Rotation", "SealedValues"]

#: Characters ``device.secret`` holds (the sealed token must fit).
SECRET_COLUMN_LENGTH = 512


class SealedValues(Protocol):
    """Another table's values sealed with the same key (session notes, ...).

    A rotation opens them all in its check (step 1) and re-seals them in the
    same transaction as the device keys (step 3).
    """

    #: What they are, for the rotation's report and audit (``session_notes``).
    name: str

    def check_open(self, session: Session, box: SecretBox) -> None:
        """Open every stored value with *box*, or raise :class:`SecretKeyError`."""
        ...

    def reseal(self, session: Session, box: SecretBox) -> int:
        """Re-seal, inside *session*'s transaction, every value not under *box*'s first key."""
        ...


@dataclasses.dataclass(frozen=True)
class Rotation:
    """What a rotation did (no key, only key ids)."""

    key_source: str
    new_key_id: str
    old_key_ids: list[str]
    resealed: int
    sealed_plaintext: int
    #: Other sealed values re-sealed, by name (``{"session_notes": 3}``).
    others: dict[str, int] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class DeviceSecrets:
    """The sealed device keys of one :class:`~ipsrt.store.Store`."""

    def __init__(self, store: Store, url: str) -> None:
        self._store = store
        self._url = parse_url(url)
        self._others: list[SealedValues] = []

    def also_reseal(self, values: SealedValues) -> None:
        """Make every rotation check and re-seal *values* too (in the same transaction)."""
        self._others.append(values)

    @property
    def source(self) -> KeySource:
        """Where the key comes from (looked up afresh: the environment may change)."""
        return locate_key(self._url)

    def box(self, purpose: str) -> SecretBox:
        """The keys to *purpose* (``store a device key``), read now."""
        return self.source.box(purpose)

    def create_key(self) -> bool:
        """Create the key file if the key lives in one that does not exist yet.

        Not when secrets are already sealed: their key is lost, not missing,
        and a new one would not open them (it must be restored instead).
        """
        source = self.source
        if source.exists() or not source.writable or self.census()["sealed"]:
            return False
        return source.create()

    # -- one secret ---------------------------------------------------------------

    def seal(self, text: str, box: SecretBox | None = None) -> str:
        """*text* sealed for ``device.secret``, or a one-line error (too long, no key)."""
        token = (box or self.box("store a device key")).seal(text)
        if len(token) > SECRET_COLUMN_LENGTH:
            raise InvalidInputError(f"device key too long to store sealed ({len(text)} characters)")
        return token

    def reveal(self, device: Device) -> str | None:
        """The device's key in clear (for the collector only), or None if it has none."""
        if device.secret is None:
            return None
        what = f"the key of device {device.id}"
        if not is_sealed(device.secret):
            raise SecretKeyError(
                f"{what} is stored unencrypted (by an older version): run 'ipsrt db upgrade' "
                "to encrypt it"
            )
        return self.box(f"read {what}").unseal(device.secret, what=what)

    # -- every secret -------------------------------------------------------------

    def census(self) -> dict[str, Any]:
        """Stored secrets by the id of the key that sealed them, and those in plain text."""
        with self._store.session() as session:
            values = session.exec(select(Device.secret).where(col(Device.secret).is_not(None)))
            ids = Counter(sealed_key_id(v) for v in values if v is not None)
        plain = ids.pop(None, 0)
        return {"sealed": dict(sorted(ids.items())), "plaintext": plain}

    def seal_plaintext(self, *, now: dt.datetime, actor: str) -> int:
        """Seal the secrets an older version stored in plain text; how many.

        Needs the key only if there is such a secret. One transaction, audited
        (``secrets.seal_plaintext``, with the count).
        """
        if not self.census()["plaintext"]:
            return 0
        box = self.box("encrypt the device keys stored unencrypted")
        count = self._reseal(box, now=now, actor=actor, only_plaintext=True)[1]
        return count

    def rotate(self, *, now: dt.datetime, actor: str) -> Rotation:
        """Replace the key and re-seal every secret under it (see the module docstring).

        With ``IPSRT_SECRET_KEY`` (which the tracker cannot rewrite) the
        operator puts the new key first in the variable beforehand; this
        re-seals every secret under that first key.
        """
        source = self.source
        current = source.box("rotate the secret key")
        self._check_all_open(current)
        if source.writable:
            keys = source.keys("rotate the secret key")
            fresh = new_key()
            source.replace([fresh, *keys])  # step 2
            box = SecretBox([fresh, *keys], source=source.describe())
        else:
            box = current
        others: dict[str, int] = {}
        resealed, plain = self._reseal(
            box, now=now, actor=actor, only_plaintext=False, others=others
        )  # step 3
        if source.writable:
            source.replace([fresh])  # step 4
        return Rotation(
            key_source=source.describe(),
            new_key_id=box.primary_id,
            old_key_ids=[k for k in current.key_ids if k != box.primary_id],
            resealed=resealed,
            sealed_plaintext=plain,
            others=others,
        )

    def _check_all_open(self, box: SecretBox) -> None:
        with self._store.session() as session:
            rows = session.exec(
                select(Device.id, Device.secret).where(col(Device.secret).is_not(None))
            )
            for device_id, value in rows:
                if value is not None and is_sealed(value):
                    box.unseal(value, what=f"the key of device {device_id}")
            for other in self._others:
                other.check_open(session, box)

    def _reseal(
        self,
        box: SecretBox,
        *,
        now: dt.datetime,
        actor: str,
        only_plaintext: bool,
        others: dict[str, int] | None = None,
    ) -> tuple[int, int]:
        """Re-seal device keys (and, when *others* is given, the other sealed values)."""
        store = self._store
        resealed = plain = 0
        with store.write_session() as session:
            sqlite = _scrub_freed_space(session)
            lock_devices(session)
            devices = session.exec(select(Device).where(col(Device.secret).is_not(None)))
            for device in devices:
                value = device.secret or ""
                if not is_sealed(value):
                    clear, plain = value, plain + 1
                elif only_plaintext or sealed_key_id(value) == box.primary_id:
                    continue
                else:
                    clear = box.unseal(value, what=f"the key of device {device.id}")
                device.secret = self.seal(clear, box)
                session.add(device)
                resealed += 1
            if others is not None:
                for other in self._others:
                    others[other.name] = other.reseal(session, box)
            action = "secrets.seal_plaintext" if only_plaintext else "secrets.rotate"
            store.audit(
                session,
                now=now,
                actor=actor,
                action=action,
                detail={
                    "key_id": box.primary_id,
                    "key_source": self.source.origin,
                    "resealed": resealed,
                    "plaintext": plain,
                    **(others or {}),
                },
            )
            session.flush()
            if sqlite:
                session.connection().exec_driver_sql("PRAGMA secure_delete = OFF")
        if sqlite:
            _checkpoint(store)
        return resealed, plain


def lock_devices(session: Session) -> None:
    """Keep other writers of ``device`` out until *session*'s transaction ends.

    SQLite's ``BEGIN IMMEDIATE`` already does; PostgreSQL takes a table lock,
    so a device added during a rotation is sealed either before it (and
    re-sealed by it) or after it (under the new key).
    """
    if session.connection().dialect.name == "postgresql":
        session.connection().exec_driver_sql("LOCK TABLE device IN SHARE ROW EXCLUSIVE MODE")


def _scrub_freed_space(session: Session) -> bool:
    """On SQLite, overwrite the space old values free with zeros; whether it is SQLite."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return False
    conn.exec_driver_sql("PRAGMA secure_delete = ON")
    return True


def _checkpoint(store: Store) -> None:
    """Copy the WAL into the database file and empty it (old pages leave the WAL)."""
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
