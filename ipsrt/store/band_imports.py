"""Store one export's minutes under its import device, all or nothing.

:func:`store_imported_minutes` runs in **one** write transaction: find or
register the client's import device for the source, validate and classify
the minutes (:func:`ipsrt.store.samples.prepare_samples`), insert the new
ones, mark their days for the summaries, audit the import and bring the
summaries up to date. Any error rolls all of it back, the device included,
so a failed import leaves the database as it was. Persistence only: the
minutes arrive already computed (``devices.importers``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session

from ipsrt.enums import DeviceFamily
from ipsrt.errors import InvalidInputError
from ipsrt.models import AuditEvent, Device
from ipsrt.store.samples import UpsertResult, prepare_samples, write_samples
from ipsrt.timeutil import require_utc

if TYPE_CHECKING:
    from ipsrt.store.store import Store

__all__ = ["ImportWrite", "store_imported_minutes"]

_DEVICE = Device.__table__  # type: ignore[attr-defined]


@dataclasses.dataclass(frozen=True)
class ImportWrite:
    """What one import wrote: the import device (and whether it is new) and the upsert counts."""

    device_id: int
    device_created: bool
    result: UpsertResult


def store_imported_minutes(
    store: Store,
    client_code: str,
    *,
    address: str,
    name: str | None,
    minutes: pd.DataFrame,
    now: dt.datetime,
    actor: str,
    detail: Mapping[str, Any],
) -> ImportWrite:
    """Write *minutes* (columns of :func:`~ipsrt.store.samples.prepare_samples` without
    ``device_id``) under the client's import device *address*, in one transaction.

    Raises
    ------
    InvalidInputError
        When *address* names an import device of another client or a removed
        one, or the frame cannot be written (nothing is written).
    """
    now = require_utc(now)
    if not address or len(address) > 128:
        raise InvalidInputError("import source name must be 1-128 characters")
    with store.write_connection() as conn:
        with store.session(conn) as session:
            client = store.client_id(session, client_code)
            device_id, created = _import_device(session, client, address, name, now)
        frame = minutes.assign(device_id=device_id)
        prepared = prepare_samples(frame, {device_id: client}, now=now, rules=store.quality)
        result, new_rows = write_samples(conn, prepared)
        store.summaries.mark_minutes(conn, new_rows)
        with store.session(conn) as session:
            session.add(
                AuditEvent(
                    at=now,
                    actor=actor,
                    action="device.import",
                    subject=client_code,
                    detail={
                        **dict(detail),
                        "address": address,
                        "device_created": created,
                        **dataclasses.asdict(result),
                    },
                )
            )
            session.flush()
        store.summarise(conn)
    return ImportWrite(device_id, created, result)


def _import_device(
    session: Session, client_id: int, address: str, name: str | None, now: dt.datetime
) -> tuple[int, bool]:
    """The id of the client's import device *address*, registered when new."""
    row = (
        session.connection()
        .execute(
            sa.select(_DEVICE.c.id, _DEVICE.c.client_id, _DEVICE.c.retired_at).where(
                _DEVICE.c.family == DeviceFamily.IMPORT.value, _DEVICE.c.address == address
            )
        )
        .first()
    )
    if row is not None:
        if int(row.client_id) != client_id:
            raise InvalidInputError(
                f"import source {address!r} belongs to another client; "
                "check --client (a band is never shared between clients)"
            )
        if row.retired_at is not None:
            raise InvalidInputError(
                f"import source {address!r} was removed (devices remove); its data stay, "
                "nothing more is imported into it"
            )
        return int(row.id), False
    device = Device(
        client_id=client_id,
        family=DeviceFamily.IMPORT.value,
        address=address,
        name=name[:200] if name else None,
        created_at=now,
    )
    session.add(device)
    session.flush()
    assert device.id is not None
    return int(device.id), True
