"""A crash-safety harness: an ingest child acknowledges each commit over a pipe.

The parent kills the child with SIGKILL at a random moment, then checks that
the SQLite file is intact and holds every acknowledged sample; a resumed child
finishes the job and no minute is stored twice (docs/architecture.md, "The hot path"). Used by
``test_crash_safety.py`` (20 runs) and ``tests/bench/bench_store.py`` (100).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import signal
import sqlite3
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

import pandas as pd

from ipsrt.store import Store

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
START = pd.Timestamp("2026-05-01T00:00:00Z")
TOTAL = 10_000
BATCH = 100


def batch(device_id: int, index: int) -> pd.DataFrame:
    """Batch *index* of the ingest: minutes [index*BATCH, (index+1)*BATCH)."""
    ts = pd.date_range(START + pd.Timedelta(minutes=index * BATCH), periods=BATCH, freq="min")
    return pd.DataFrame(
        {"device_id": device_id, "ts": ts, "steps": index % 250, "heart_rate": 60 + index % 50}
    )


def prepare(url: str) -> int:
    """A migrated database with one client and one device; returns the device id."""
    with Store.initialise(url) as store:
        store.add_client("C001", "UTC", now=NOW)
        device = store.add_device("C001", "huami", "C8:0F:10:00:00:01", now=NOW)
    assert device.id is not None
    return device.id


def ingest(url: str, device_id: int, pipe: Connection) -> None:
    """Child: resume from the stored cursor, write batches, ack each commit."""
    with Store(url) as store:
        done = int(store.cursor(device_id, "activity") or 0)
        for index in range(done, TOTAL // BATCH):
            store.upsert_minute_samples(
                batch(device_id, index),
                now=NOW,
                cursors={(device_id, "activity"): str(index + 1)},
            )
            pipe.send(index)  # only after the commit returned
    pipe.send("done")


@dataclass(frozen=True)
class CrashRun:
    acknowledged: int
    rows_after_crash: int
    integrity: str
    rows_after_resume: int
    distinct_after_resume: int


def crash_once(url: str, path: str, device_id: int, rng: random.Random) -> CrashRun:
    """Kill an ingest child at a random moment, check, resume, check again."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=ingest, args=(url, device_id, sender))
    child.start()
    sender.close()
    # Kill after a random number of acknowledged batches plus a random few
    # milliseconds, so the kill lands anywhere inside a batch's write or commit.
    kill_after = rng.randrange(0, TOTAL // BATCH)
    acked: list[int] = []
    while len(acked) <= kill_after and child.is_alive():
        if receiver.poll(0.05):
            try:
                message = receiver.recv()
            except EOFError:
                break
            if message != "done":
                acked.append(int(message))
    time.sleep(rng.uniform(0.0, 0.01))
    os.kill(child.pid or 0, signal.SIGKILL)
    child.join()
    while receiver.poll():  # acks sent before the kill are still in the pipe
        try:
            message = receiver.recv()
        except EOFError:
            break
        if message != "done":
            acked.append(int(message))
    receiver.close()

    with sqlite3.connect(path) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        stored = {ts for (ts,) in conn.execute("SELECT ts FROM minute_sample")}
    expected = {int(ts.timestamp()) for index in acked for ts in batch(device_id, index)["ts"]}
    missing = expected - stored
    assert not missing, f"{len(missing)} acknowledged minutes lost"

    # Resume: the child picks up from the committed cursor and completes the job.
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=ingest, args=(url, device_id, sender))
    child.start()
    sender.close()
    child.join(timeout=120)
    receiver.close()
    with sqlite3.connect(path) as conn:
        rows, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT ts) FROM minute_sample"
        ).fetchone()
    return CrashRun(len(acked), len(stored), integrity, rows, distinct)
