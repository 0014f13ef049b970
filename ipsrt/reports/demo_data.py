"""Load a synthetic cohort (:mod:`ipsrt.synthetic`) into a demo database, through the store.

:func:`load_cohort` writes each client with the store's own methods and the
services' validation: the client, one emulated device (so its minutes count
only because the database is a demo: ``docs/architecture.md``, "Emulated
data"), the IPSRT course with its problem area and sessions, the life events,
the SRM-5 diary with moods and ratings (:func:`ipsrt.reports.diary.import_diary`),
the PHQ-9 and ASRM responses (:func:`ipsrt.reports.diary.record_scale`) and
last the minutes (:meth:`ipsrt.store.Store.upsert_minute_samples`), so the
daily summaries are computed once, with everything else already stored.

Loading is idempotent: what is already stored is recognised and skipped, so
loading the same cohort twice changes nothing (the second load writes no
row and no audit event). The store's summariser is held back during the
load and the summaries are brought up to date once at the end
(:func:`ipsrt.reports.summaries.refresh`), when the store has one.
``through`` holds back the minutes after a local date, for the demo to
deliver over the emulated wearables. Logins and care assignments are not
created here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pandas as pd

from ipsrt.enums import DeviceFamily
from ipsrt.errors import InvalidInputError
from ipsrt.ipt.course import check_planned_sessions
from ipsrt.reports.diary import import_diary, record_scale
from ipsrt.reports.summaries import refresh
from ipsrt.store import Store
from ipsrt.synthetic import SyntheticClient, SyntheticCohort
from ipsrt.timeutil import local_midnight, require_utc

__all__ = [
    "DEMO_FAMILIES",
    "ClientLoad",
    "CohortLoad",
    "DeviceChoice",
    "demo_address",
    "demo_device",
    "load_cohort",
]

#: Device families given to the cohort's clients in turn (every wireless family).
DEMO_FAMILIES = (
    DeviceFamily.GATT_STANDARD,
    DeviceFamily.INFINITIME,
    DeviceFamily.BANGLEJS,
    DeviceFamily.HUAMI,
)


#: The device a cohort client gets: (client number from 1, stored client id) ->
#: (family, Bluetooth address, key or None).
DeviceChoice = Callable[[int, int], tuple[DeviceFamily, str, str | None]]


@dataclasses.dataclass(frozen=True)
class ClientLoad:
    """What loading one client wrote (all zero on a second load)."""

    code: str
    device_id: int
    client_added: bool = False
    device_added: bool = False
    minutes_inserted: int = 0
    minutes_duplicate: int = 0
    diary_entries_new: int = 0
    moods_new: int = 0
    scales_new: int = 0
    life_events_new: int = 0
    sessions_new: int = 0
    course_started: bool = False


@dataclasses.dataclass(frozen=True)
class CohortLoad:
    """What :func:`load_cohort` wrote, per client (in the cohort's order)."""

    clients: tuple[ClientLoad, ...]

    @property
    def changed(self) -> bool:
        """Whether anything at all was written."""
        return any(
            c.client_added
            or c.device_added
            or c.course_started
            or c.minutes_inserted
            or c.diary_entries_new
            or c.moods_new
            or c.scales_new
            or c.life_events_new
            or c.sessions_new
            for c in self.clients
        )


def demo_address(number: int) -> str:
    """The emulated Bluetooth address of the cohort's *number*-th client (1-based)."""
    if not 1 <= number <= 0xFFFF:
        raise InvalidInputError(f"client number {number} outside 1..65535")
    return f"D0:5E:00:00:{number >> 8:02X}:{number & 0xFF:02X}"


def demo_device(number: int, client_id: int) -> tuple[DeviceFamily, str, str | None]:
    """The default :data:`DeviceChoice`: :data:`DEMO_FAMILIES` in turn, :func:`demo_address`,
    no key."""
    return DEMO_FAMILIES[(number - 1) % len(DEMO_FAMILIES)], demo_address(number), None


def _check_database(store: Store, cohort: SyntheticCohort, now: dt.datetime, actor: str) -> None:
    if store.purpose == "demo":
        return
    ours = {c.code for c in cohort.clients}
    others = [c.code for c in store.clients(include_archived=True) if c.code not in ours]
    if others:
        raise InvalidInputError(
            "the synthetic cohort goes only into a demo database or an empty one; "
            f"this database holds other clients (e.g. {others[0]!r})"
        )
    store.mark_demo(now=now, actor=actor)


def _device(
    store: Store,
    client: SyntheticClient,
    choice: tuple[DeviceFamily, str, str | None],
    now: dt.datetime,
    actor: str,
) -> tuple[int, bool]:
    family, address, secret = choice
    for device in store.devices(client.code):
        if device.family == family.value and device.address == address.upper():
            assert device.id is not None
            return device.id, False
    added = store.add_device(
        client.code,
        family,
        address,
        now=now,
        name=f"Demo {family.value}",
        secret=secret,
        emulated=True,
        actor=actor,
    )
    assert added.id is not None
    return added.id, True


def _course(
    store: Store, client: SyntheticClient, now: dt.datetime, actor: str
) -> tuple[bool, int]:
    course = client.course
    stored = store.courses.latest(client.code)
    started = stored is None
    if stored is None:
        check_planned_sessions(course.planned_sessions)
        stored = store.courses.start(
            client.code, course.started_on, course.planned_sessions, now=now, actor=actor
        )
    if stored.started_on != course.started_on:
        return False, 0  # another course than the cohort's: leave it alone
    if stored.primary_area != course.primary_area.value or stored.primary_goals != course.goals:
        store.courses.set_areas(
            client.code,
            primary=course.primary_area.value,
            primary_goals=course.goals,
            secondary=None,
            secondary_goals="",
            now=now,
            actor=actor,
        )
    assert stored.id is not None
    held = {s.held_on for s in store.courses.sessions(stored.id)}
    last = max(held, default=None)
    added = 0
    for day, attended in course.sessions:
        if day in held or (last is not None and day <= last):
            continue
        store.courses.add_session(
            client.code, day, attended=attended, phase_override=None, now=now, actor=actor
        )
        added += 1
    return started, added


def _life_events(store: Store, client: SyntheticClient, now: dt.datetime, actor: str) -> int:
    stored = {
        (e.starts_on, e.ends_on, e.kind, e.description)
        for e in store.life_events.events(client.code)
    }
    added = 0
    for event in client.life_events:
        key = (event.starts_on, event.ends_on, event.kind.value, event.description)
        if key in stored:
            continue
        store.life_events.add(
            client.code,
            starts_on=event.starts_on,
            ends_on=event.ends_on,
            kind=event.kind.value,
            disruption=event.disruption,
            description=event.description,
            entered_by_role="clinician",
            now=now,
            actor=actor,
        )
        added += 1
    return added


def _scales(store: Store, client: SyntheticClient, now: dt.datetime, actor: str) -> int:
    stored = store.clinical.scale_frame(client.code)
    have = {
        (d, i, tuple(a))
        for d, i, a in zip(stored["date"], stored["instrument"], stored["answers"], strict=True)
    }
    added = 0
    for day, instrument, answers in zip(
        client.scales["answered_on"],
        client.scales["instrument"],
        client.scales["answers"],
        strict=True,
    ):
        if (day, instrument, tuple(answers)) in have:
            continue
        record_scale(
            store, client.code, instrument, list(answers), answered_on=day, now=now, actor=actor
        )
        added += 1
    return added


def _minutes(
    store: Store,
    client: SyntheticClient,
    device_id: int,
    through: dt.date | None,
    now: dt.datetime,
) -> tuple[int, int]:
    minutes = client.minutes
    if through is not None:
        stop = pd.Timestamp(local_midnight(through + dt.timedelta(days=1), client.timezone))
        minutes = minutes[minutes["ts"] < stop]
    # The loader stores a prefix of the client's minutes (``through`` cuts the
    # tail): only those after the device's last stored minute can be missing.
    stored = store.last_minute([device_id], now + dt.timedelta(minutes=1))
    if stored is not None:
        minutes = minutes[minutes["ts"] > stored]
    if minutes.empty:
        return 0, 0
    frame = pd.DataFrame(
        {
            "device_id": device_id,
            "ts": minutes["ts"].dt.as_unit("ns"),
            "steps": minutes["steps"],
            "heart_rate": minutes["heart_rate"],
            "activity": minutes["activity"],
            "state": minutes["state"].astype(str),
        }
    )
    result = store.upsert_minute_samples(frame, now=now)
    return result.inserted, result.duplicate


def load_cohort(
    store: Store,
    cohort: SyntheticCohort,
    *,
    now: dt.datetime,
    actor: str = "demo",
    through: dt.date | None = None,
    device: DeviceChoice = demo_device,
) -> CohortLoad:
    """Store every record of *cohort* (see the module docstring); idempotent.

    Parameters
    ----------
    store
        A demo database, or an empty one (which is then marked as a demo:
        the emulated devices' minutes count only there).
    cohort
        From :func:`ipsrt.synthetic.generate_cohort`.
    now
        Time of the load (recorded on every row and audit event); must not be
        before the last minute loaded, or the minutes would be flagged as
        coming from the future.
    actor
        The audit actor.
    through
        Store minutes only up to the end of this local date of each client
        (the rest can arrive through the emulated wearables); None: all.
    device
        The one device each client gets, from its number in the cohort and its
        stored id: family, address and key (default :func:`demo_device`). The
        demo passes the addresses (and the Huami key) of the emulated
        wearables that will deliver the held-back days, so the collector
        finds them registered.

    Raises
    ------
    InvalidInputError
        For a database that is not a demo and holds other clients, or a
        *now* before the minutes to be stored (nothing is written).
    """
    now = require_utc(now)
    last = min(cohort.last_day, through) if through is not None else cohort.last_day
    for client in cohort.clients:
        if now < local_midnight(last + dt.timedelta(days=1), client.timezone):
            raise InvalidInputError(
                f"load time {now.isoformat()} is before the end of {last} for {client.code}"
            )
    _check_database(store, cohort, now, actor)
    # Summaries are brought up to date once at the end, not at each of the
    # hundred-odd writes (each would recompute the weeks around its date).
    summariser, store.summariser = store.summariser, None
    try:
        loads = _load_clients(store, cohort, now, actor, through, device)
    finally:
        store.summariser = summariser
    if summariser is not None:
        refresh(store)
    return CohortLoad(tuple(loads))


def _load_clients(
    store: Store,
    cohort: SyntheticCohort,
    now: dt.datetime,
    actor: str,
    through: dt.date | None,
    device: DeviceChoice,
) -> list[ClientLoad]:
    known = {c.code for c in store.clients(include_archived=True)}
    loads = []
    for number, client in enumerate(cohort.clients, start=1):
        spec = client.spec
        added = spec.code not in known
        if added:
            store.add_client(
                spec.code, spec.timezone, now=now, display_name=spec.display_name, actor=actor
            )
        client_id = store.client(client.code).id
        assert client_id is not None
        device_id, device_added = _device(store, client, device(number, client_id), now, actor)
        started, sessions = _course(store, client, now, actor)
        events = _life_events(store, client, now, actor)
        diary = import_diary(
            store, client.code, client.diary, now=now, actor=actor, ratings=client.ratings
        )
        scales = _scales(store, client, now, actor)
        inserted, duplicate = _minutes(store, client, device_id, through, now)
        loads.append(
            ClientLoad(
                code=client.code,
                device_id=device_id,
                client_added=added,
                device_added=device_added,
                minutes_inserted=inserted,
                minutes_duplicate=duplicate,
                diary_entries_new=diary.entries_new,
                moods_new=diary.moods_new,
                scales_new=scales,
                life_events_new=events,
                sessions_new=sessions,
                course_started=started,
            )
        )
    return loads
