"""A real SIGKILL of the collector during a Huami history transfer.

What it checks is the collector's rule of ``docs/devices.md`` ("Collecting from
wearables"; the test itself: "SIGKILL test"): a round is acknowledged to the band
only after its samples and cursor are committed, so a kill loses and duplicates
nothing.

Each run forks a child process (like ``tests/store/crash_harness.py``) that
builds its own in-process :class:`~devices.emulated.World` with a
:class:`PersistentBand` and runs the collector against a SQLite file. The
parent kills the child with SIGKILL at a random moment of the transfer (after
a random fetch round has started, plus a random few milliseconds: inside the
0005 stream, the parse, the commit, or between the commit and the ack), then
checks the file (``PRAGMA integrity_check``) and that every minute the band
has dropped is stored. A fresh child then finishes, and the store must equal
the ground truth exactly: 0 lost, 0 duplicated.

The band outlives the collector: what a real band still holds after the
phone's process dies is everything not acknowledged. The emulator's only
state that matters for this is ``synced_until`` (data before it was dropped
by an ack), so :class:`PersistentBand` writes it to a small JSON file on every
ack (write, fsync, atomic rename) and each child recreates the band from the
same scenario with ``synced_until`` read back. The band dies with the child
here (it lives in the child's event loop), which can only lose an ack the
band had received but not yet persisted; that is the same as an ack lost on
air, so the band serves those minutes again and the store's
``ON CONFLICT DO NOTHING`` must absorb them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import multiprocessing
import os
import random
import signal
import sqlite3
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from devices.emulated import VirtualClock, World
from devices.emulated.huami import HuamiBand
from devices.emulated.scenario import Scenario
from devices.profiles.base import SyncResult
from ipsrt.store import Store
from tests.devices.test_profiles_common import (
    KEY_HEX,
    collector,
    scenario,
    setup_store,
    stored,
    stored_rows,
)
from tests.devices.test_profiles_huami import COLUMNS, truth

BAND = "C3:00:00:00:00:01"
DAYS = 2
MINUTES_PER_ROUND = 360  # 8 rounds: within the 10-round guard of one connection
CHUNK = 64  # payload bytes per 0005 notification (a 247-byte MTU allows 244)
RUNS = 20
#: Where a run dies: the parent's SIGKILL at a random moment, or the child's own
#: SIGKILL exactly before the commit of a round / between its commit and its ack.
MODES = ("random", "before-commit", "after-commit-before-ack")


class PersistentBand(HuamiBand):
    """A Huami band whose "dropped before" instant survives the process (see module doc)."""

    def __init__(self, s: Scenario, state: Path, pipe: Connection | None = None) -> None:
        super().__init__(s, address=BAND, minutes_per_round=MINUTES_PER_ROUND, chunk=CHUNK)
        self.state = state
        self.pipe = pipe
        if state.exists():
            saved = json.loads(state.read_text())
            self.synced_until = dt.datetime.fromisoformat(saved["synced_until"])

    def _persist(self) -> None:
        tmp = self.state.with_suffix(".tmp")
        with tmp.open("w") as handle:
            json.dump({"synced_until": self.synced_until.isoformat()}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.state)

    def _on_fetch(self, connection: Any, value: bytes) -> None:
        before = self.synced_until
        fetches = len(self.fetches)
        super()._on_fetch(connection, value)
        if self.synced_until != before:
            self._persist()
        if self.pipe is not None and len(self.fetches) > fetches:
            self.pipe.send("fetch")


def _child(
    url: str, state: str, days: int, pipe: Connection | None, mode: str, kill_round: int
) -> None:
    async def main() -> None:
        s = scenario(days=days)
        with Store(url) as store:
            # The band has recorded the whole scenario; the clock starts at its end.
            async with World(clock=VirtualClock(s.end)) as world:
                await world.add(PersistentBand(s, Path(state), pipe))
                col = collector(store, world, once_attempts=50)
                commits = 0
                original = col.write_round

                def write_round(device_id: int, result: SyncResult, now: dt.datetime) -> Any:
                    nonlocal commits
                    commits += 1
                    dies = commits == kill_round and len(result.frame) > 0
                    if dies and mode == "before-commit":
                        os.kill(os.getpid(), signal.SIGKILL)
                    counts = original(device_id, result, now)
                    if dies and mode == "after-commit-before-ack":
                        os.kill(os.getpid(), signal.SIGKILL)
                    return counts

                col.write_round = write_round  # type: ignore[method-assign]
                await col.run_once()

    asyncio.run(main())
    if pipe is not None:
        pipe.send("done")
        if mode == "random":
            time.sleep(60)  # the parent's SIGKILL ends this child, never its own exit


def _fork(
    url: str, state: Path, pipe: Connection | None, mode: str = "none", kill_round: int = 0
) -> multiprocessing.process.BaseProcess:
    context = multiprocessing.get_context("fork")
    child = context.Process(target=_child, args=(url, str(state), DAYS, pipe, mode, kill_round))
    child.start()
    return child


def _band_dropped_before(state: Path, default: dt.datetime) -> dt.datetime:
    if not state.exists():
        return default
    return dt.datetime.fromisoformat(json.loads(state.read_text())["synced_until"])


def _kill_once(directory: Path, rng: random.Random, mode: str) -> dict[str, Any]:
    s = scenario(days=DAYS)
    path = directory / "ipsrt.sqlite3"
    url = f"sqlite:///{path}"
    state = directory / "band.json"
    with Store.initialise(url) as store:
        (device_id,) = setup_store(store, [("huami", BAND, KEY_HEX)])
    rounds = -(-len(s.minutes) // MINUTES_PER_ROUND)

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    kill_at = rng.randrange(1, rounds)  # the round the kill lands in (or the next)
    child = _fork(url, state, sender, mode, kill_at)
    sender.close()
    fetches = 0
    finished = False
    deadline = time.monotonic() + 30
    while mode == "random" and fetches < kill_at and child.is_alive():
        assert time.monotonic() < deadline
        if receiver.poll(0.01):
            try:
                message = receiver.recv()
            except EOFError:
                break
            fetches += message == "fetch"
            finished = finished or message == "done"
    if mode == "random":
        # A round takes some tens of ms: the kill lands in its stream, parse,
        # commit or ack, or in the next round.
        time.sleep(rng.uniform(0.0, 0.08))
        os.kill(child.pid or 0, signal.SIGKILL)
    child.join(timeout=30)
    if child.is_alive():
        os.kill(child.pid or 0, signal.SIGKILL)
        child.join()
        pytest.fail(f"the {mode} child did not die")
    for _ in range(1000):  # messages sent before the kill are still in the pipe
        if not receiver.poll():
            break
        try:
            finished = finished or receiver.recv() == "done"
        except EOFError:
            break
    receiver.close()
    assert child.exitcode == -signal.SIGKILL

    with sqlite3.connect(path) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    assert integrity == "ok"
    dropped_before = _band_dropped_before(state, s.start)
    with Store(url) as store:
        after_kill = stored_rows(stored(store, device_id, s.start, s.end), list(COLUMNS))
    # Whatever the band dropped (acked) is in the store, identical to the truth.
    expected_dropped = truth(s, dropped_before)
    assert {ts: after_kill.get(ts) for ts in expected_dropped} == expected_dropped

    # A fresh child finishes the job from the committed cursor and the band's state.
    survivor = _fork(url, state, None)
    survivor.join(timeout=60)
    assert survivor.exitcode == 0
    with sqlite3.connect(path) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        rows, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT ts) FROM minute_sample WHERE device_id = ?",
            (device_id,),
        ).fetchone()
    assert integrity == "ok"
    with Store(url) as store:
        final = stored_rows(stored(store, device_id, s.start, s.end), list(COLUMNS))
    assert final == truth(s, s.end)  # 0 lost, values exact
    assert rows == distinct == len(s.minutes)  # 0 duplicated
    assert _band_dropped_before(state, s.start) == s.end  # everything acked in the end
    return {
        "mode": mode,
        "kill_at_round": kill_at,
        "finished_before_kill": finished,
        "stored_at_kill": len(after_kill),
        "dropped_at_kill": len(expected_dropped),
    }


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_during_history_transfer_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    rng = random.Random(20260528)
    outcomes = []
    for run in range(RUNS):
        directory = tmp_path / f"run{run}"
        directory.mkdir()
        outcomes.append(_kill_once(directory, rng, MODES[run % len(MODES)]))
    print(*outcomes, sep="\n")
    assert not all(o["finished_before_kill"] for o in outcomes)
    # The kills landed at different points of the transfer (not all before any commit).
    assert len({o["stored_at_kill"] for o in outcomes}) > 1
    # Killed between commit and ack: the store holds a round the band still has.
    windows = [o for o in outcomes if o["mode"] == "after-commit-before-ack"]
    assert all(o["stored_at_kill"] > o["dropped_at_kill"] for o in windows)
    # Killed before a commit: the store holds exactly what the band dropped.
    before = [o for o in outcomes if o["mode"] == "before-commit"]
    assert all(o["stored_at_kill"] == o["dropped_at_kill"] for o in before)
