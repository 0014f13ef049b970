"""The collector's store thread: every store call of a collection run, off the event loop.

An upsert of a round's samples takes milliseconds to tens of milliseconds on
a full database (SQLite's ``COMMIT`` waits for ``fsync`` with
``synchronous=FULL``); run on the event loop it stalls every BLE link of the
collector for that long. :class:`StoreWriter` runs such calls on **one**
worker thread (SQLite has one writer at a time anyway) and lets the calling
task await the result:

- **order**: calls run one at a time, in the order they were made; a device's
  task awaits each call before its next round, so its writes keep their order;
- **errors**: an exception raised by the call is raised by :meth:`StoreWriter.call`
  in the awaiting task, as if the call had run there;
- **cancellation**: a call whose awaiting task is cancelled before the thread
  took it up never runs. One that is already running cannot be stopped
  halfway; it finishes (its transaction commits or rolls back as a whole)
  while the task sees ``CancelledError`` at once. The collector acknowledges
  a device only after ``call`` returned, so a commit that completes after the
  cancellation leaves the device unacknowledged: it sends the same data
  again next time and the store's idempotent upsert counts them as
  duplicates (``docs/devices.md``, "Collecting from wearables");
- **shutdown**: :meth:`StoreWriter.close` waits for a running call to end
  (at most one call: the others were dropped with their cancelled tasks), so
  when a collection run returns no write is half-done and the caller may
  close the store.

The store must be usable from the worker thread: SQLite engines are built
with ``check_same_thread=False`` and a pool that hands each thread a
connection of its own (``ipsrt.store.engine.make_engine``). An in-memory
SQLite store shares one connection between all threads
(``StaticPool``); calls from two threads would interleave their
transactions on it, so :func:`runs_off_loop_safely` says no for such a store
and the collector then writes on the loop, as before.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.pool import StaticPool

from ipsrt.store import Store

__all__ = ["StoreWriter", "runs_off_loop_safely"]

_T = TypeVar("_T")


def runs_off_loop_safely(store: Store) -> bool:
    """Whether ``store`` may be used from a worker thread while the loop thread reads it.

    False for a store whose engine shares one connection between every
    thread (in-memory SQLite, ``StaticPool``).
    """
    return not isinstance(store.engine.pool, StaticPool)


class StoreWriter:
    """One worker thread for store calls; see the module docstring.

    Parameters
    ----------
    in_thread
        ``False`` runs every call directly on the calling (event-loop) thread:
        the behaviour before this class existed, kept for stores that cannot
        be shared between threads and as the benchmark's baseline.
    name
        Name of the worker thread (shown in stack dumps and logs).
    """

    def __init__(self, *, in_thread: bool = True, name: str = "ipsrt-store-writer") -> None:
        self.in_thread = in_thread
        self.name = name
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _pool(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix=self.name
                )
            return self._executor

    async def call(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
        """Run ``fn(*args, **kwargs)`` on the worker thread and return its result."""
        if not self.in_thread:
            return fn(*args, **kwargs)
        job = self._pool().submit(functools.partial(fn, *args, **kwargs))
        # wrap_future cancels ``job`` when the await is cancelled: a job still
        # queued is dropped, a running one finishes (see the module docstring).
        return await asyncio.wrap_future(job)

    def close(self) -> None:
        """Wait for a running call to finish and stop the thread (queued calls are dropped).

        Blocks for at most the one call the thread is running; a later
        :meth:`call` starts a new thread.
        """
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
