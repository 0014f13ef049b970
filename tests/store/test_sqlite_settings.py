"""SQLite connection settings and concurrent writers (docs/architecture.md, "The store")."""

from __future__ import annotations

import threading

import pandas as pd
import sqlalchemy as sa
from conftest import NOW

from ipsrt.store import Store


def test_every_connection_has_the_pragmas(tmp_path) -> None:
    with Store.initialise(f"sqlite:///{tmp_path / 'db.sqlite3'}") as store:
        connections = [store.engine.connect() for _ in range(3)]
        try:
            for conn in connections:
                pragma = lambda name, c=conn: c.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
                assert pragma("journal_mode") == "wal"
                assert pragma("synchronous") == 2  # FULL
                assert pragma("foreign_keys") == 1
                assert pragma("busy_timeout") >= 5000
        finally:
            for conn in connections:
                conn.close()


def test_concurrent_writers_and_readers_lose_nothing(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with Store.initialise(url) as setup:
        setup.add_client("C001", "UTC", now=NOW)
        devices = [setup.add_device("C001", "import", f"file-{i}", now=NOW).id for i in range(4)]
    errors: list[BaseException] = []
    per_writer = 2_500

    def writer(device_id: int) -> None:
        try:
            with Store(url) as store:
                start = pd.Timestamp("2026-01-01T00:00:00Z")
                for batch in range(25):
                    ts = pd.date_range(
                        start + pd.Timedelta(minutes=batch * 100), periods=100, freq="min"
                    )
                    frame = pd.DataFrame({"device_id": device_id, "ts": ts, "steps": 1})
                    store.upsert_minute_samples(frame, now=NOW)
        except BaseException as exc:  # noqa: BLE001 (collected and re-raised below)
            errors.append(exc)

    def reader(stop: threading.Event) -> None:
        try:
            with Store(url) as store:
                while not stop.is_set():
                    store.minute_frame("C001", pd.Timestamp("2026-01-01T00:00:00Z"), NOW)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    stop = threading.Event()
    readers = [threading.Thread(target=reader, args=(stop,)) for _ in range(4)]
    writers = [threading.Thread(target=writer, args=(d,)) for d in devices]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in readers:
        thread.join()
    assert errors == []
    with Store(url) as store, store.engine.connect() as conn:
        total = conn.execute(sa.text("SELECT count(*) FROM minute_sample")).scalar_one()
    assert total == 4 * per_writer
