"""Profile of a Bangle.js 2 over the Nordic UART Service (``docs/devices.md``): history.

One :meth:`BangleProfile.sync` call is one catch-up:

1. on a new connection: subscribe to NUS TX ``6e400003-…`` and set the watch
   clock with ``\\x10setTime(unix_s);E.setTimeZone(hours);`` (the client's
   zone offset at that instant). The protocol has no clock read, so no clock
   offset is measured (``clock_offset_s`` stays ``None``); records written
   before the set carry the watch's old clock;
2. ``\\x10GB({"t":"actfetch","ts":<ms>})`` with ``ts`` = the cursor (the end
   of the last committed block, ms since the epoch; first sync: now minus a
   bounded look-back, 100 days by default like Gadgetbridge);
3. the notifications go through :class:`~devices.wire.bangle.LineReassembler`
   (CRLF, lines split across notifications, XON/XOFF stripped). Writes wait
   while the watch's last flow byte was XOFF. A line that is not a message
   (console output, broken JSON, a known message with bad fields) is logged
   and skipped, never fatal. The batch runs from ``actfetch`` ``start`` to
   ``end``; if ``end``'s ``count`` differs from the records received (a line
   was lost or mangled) the whole batch is rejected
   (:class:`~devices.errors.ProtocolError`): nothing committed, the next
   round asks again from the same cursor. A link lost mid-batch is a
   ``BleakError`` with the same effect;
4. each 10-minute ``act`` record (``ts`` = **end** of the block) becomes ten
   per-minute rows, the block's minutes ``ts − 10 min … ts − 1 min`` (UTC,
   rounded to the minute):

   - ``steps``: ``stp`` spread evenly, ``stp // 10`` per minute and the
     remainder ``stp % 10`` one each on the first minutes of the block (so
     the block's sum is kept exactly);
   - ``heart_rate``: ``hrm`` rounded to a whole bpm (it is the mean of the
     block's lowest and highest reading, so it can end in .5; halves go to the
     even neighbour) and repeated on every minute (``0`` = no reading →
     empty);
   - ``activity``: ``mov`` repeated (the watch's movement value, stored value
     × 8, not rescaled);
   - ``state``: the firmware's ``act`` mapped with
     :data:`~devices.wire.bangle_messages.ACT_STATES` (WALKING and EXERCISE →
     awake, missing or unknown → unknown), repeated;

5. the :class:`~devices.profiles.base.SyncResult` carries the cursor = the
   ``ts`` of the last record (block end, ms as a decimal string), committed
   with the rows. The watch keeps its health file, so there is nothing to
   delete: ``ack`` only records that the round was committed
   (:attr:`BangleProfile.acked`); the cursor is the only acknowledgement.
   ``more`` is always False: one ``actfetch`` returns everything since ``ts``.

An empty batch leaves the cursor unchanged.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from bleak import BleakClient
from bleak.exc import BleakError

from devices.errors import ProtocolError
from devices.profiles.base import (
    MINUTE,
    NotificationQueue,
    Profile,
    ProfileTimeoutError,
    SyncResult,
    make_frame,
)
from devices.wire.bangle import (
    NUS_RX,
    NUS_TX,
    LineReassembler,
    encode_gb,
    encode_set_time,
    split_to_mtu,
)
from devices.wire.bangle_messages import (
    BLOCK_MS,
    ActFetchEnd,
    ActFetchRequest,
    ActFetchStart,
    ActRecord,
    parse_watch_message,
)

__all__ = ["BLOCK_MINUTES", "BangleProfile", "block_rows"]

log = logging.getLogger(__name__)

BLOCK_MINUTES = BLOCK_MS // 60_000


def block_rows(record: ActRecord) -> dict[dt.datetime, dict[str, Any]]:
    """The per-minute rows of one history record (the rule of the module docstring)."""
    start_ms = record.block_start_ms
    start = dt.datetime.fromtimestamp(round(start_ms / 60_000) * 60, dt.UTC)
    base, remainder = divmod(record.steps, BLOCK_MINUTES)
    heart_rate = round(record.heart_rate) or None  # 62.5 → 62 (halves to even)
    state = record.state.label
    return {
        start + i * MINUTE: {
            "steps": base + (1 if i < remainder else 0),
            "activity": record.movement,
            "heart_rate": heart_rate,
            "state": state,
        }
        for i in range(BLOCK_MINUTES)
    }


def _decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        value = int(cursor)
    except ValueError:
        log.warning("bangle: ignoring unreadable cursor %r", cursor[:40])
        return None
    return value if value >= 0 else None


class BangleProfile(Profile):
    """Bangle.js ``actfetch`` history; see the module docstring.

    Extra parameters
    ----------------
    lookback
        First-sync window.
    poll
        Real seconds between two checks of the link while waiting.
    """

    family = "banglejs"
    data_type = "activity"

    def __init__(
        self,
        *args: Any,
        lookback: dt.timedelta = dt.timedelta(days=100),
        poll: float = 0.05,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lookback = lookback
        self.poll = poll
        self._rx = NotificationQueue(self.clock)
        self._lines = LineReassembler()
        self._pending: list[dict[str, Any]] = []
        self._client: BleakClient | None = None
        #: Garbage lines seen (for tests and logs), most recent last.
        self.garbage: list[tuple[bytes, str]] = []
        #: Cursors whose rounds the collector acknowledged after committing.
        self.acked: list[str | None] = []

    # -- link ----------------------------------------------------------------------
    def _consume(self, data: bytes) -> None:
        result = self._lines.feed(data)
        for line, reason in result.garbage:
            self.garbage.append((line, reason))
            log.warning(
                "device %s: skipped a watch line (%s): %r",
                self.device.device_id,
                reason,
                line[:64],
            )
        self._pending.extend(result.messages)

    def _check_link(self, client: BleakClient, what: str) -> None:
        if not client.is_connected:
            raise BleakError(f"device {self.device.device_id}: link lost during {what}")

    async def _next(self, client: BleakClient, what: str) -> None:
        """Wait for one more notification (time out on inactivity, notice a lost link)."""
        idle = 0.0
        while True:
            try:
                data = await self._rx.get(self.poll, what)
            except ProfileTimeoutError:
                self._check_link(client, what)
                idle += self.poll
                if idle >= self.reply_timeout:
                    raise ProfileTimeoutError(
                        f"device {self.device.device_id}: no {what} within {self.reply_timeout:g} s"
                    ) from None
                continue
            self._consume(data)
            return

    async def _write(self, client: BleakClient, line: bytes) -> None:
        """Write one REPL line split to the MTU, waiting while XOFF holds."""
        for chunk in split_to_mtu(line, max(23, client.mtu_size)):
            for _, data in self._rx.drain():
                self._consume(data)
            while self._lines.paused:
                await self._next(client, "XON")
            await client.write_gatt_char(NUS_RX, chunk, response=True)

    async def _attach(self, client: BleakClient) -> None:
        if self._client is client:
            return
        self._client = None
        self._rx.clear()
        self._lines = LineReassembler()
        self._pending.clear()
        await client.start_notify(NUS_TX, self._rx.callback)
        now = self.clock()
        offset = now.astimezone(self.device.zone).utcoffset() or dt.timedelta(0)
        await self._write(
            client, encode_set_time(int(now.timestamp()), offset.total_seconds() / 3600)
        )
        self._client = client

    # -- history ---------------------------------------------------------------------
    async def _batch(self, client: BleakClient) -> list[ActRecord]:
        """Messages until ``actfetch`` end; the records in order."""
        records: list[ActRecord] = []
        started = False
        while True:
            while not self._pending:
                await self._next(client, "history line")
            obj = self._pending.pop(0)
            try:
                message = parse_watch_message(obj)
            except ProtocolError as exc:
                self.garbage.append((repr(obj)[:64].encode(), str(exc)))
                log.warning("device %s: skipped a bad message: %s", self.device.device_id, exc)
                continue
            if isinstance(message, ActFetchStart):
                started = True
                records.clear()
            elif isinstance(message, ActRecord) and started:
                records.append(message)
            elif isinstance(message, ActFetchEnd) and started:
                if message.count != len(records):
                    raise ProtocolError(
                        f"bangle: actfetch announced {message.count} records, "
                        f"{len(records)} arrived"
                    )
                return records
            else:
                log.debug("device %s: ignored %r", self.device.device_id, message)

    def _ack(self, cursor: str | None) -> Any:
        async def ack() -> None:
            self.acked.append(cursor)

        return ack

    async def sync(self, client: BleakClient, cursor: str | None) -> SyncResult:
        """One ``actfetch`` from ``cursor``; see the module docstring."""
        await self._attach(client)
        now = self.clock()
        since = _decode_cursor(cursor)
        if since is None:
            since = max(0, int((now - self.lookback).timestamp() * 1000))
        empty = make_frame(self.device.device_id, {})
        if since > now.timestamp() * 1000:
            log.warning("device %s: cursor in the future, not fetching", self.device.device_id)
            return SyncResult(empty, self.data_type, cursor)
        self._pending.clear()
        await self._write(client, encode_gb(ActFetchRequest(since).to_json()))
        records = await self._batch(client)
        records = [r for r in records if r.ts > since]
        if not records:
            return SyncResult(empty, self.data_type, cursor, ack=self._ack(cursor))
        rows: dict[dt.datetime, dict[str, Any]] = {}
        for record in records:
            rows.update(block_rows(record))
        new_cursor = str(max(r.ts for r in records))
        return SyncResult(
            frame=make_frame(self.device.device_id, rows),
            data_type=self.data_type,
            cursor=new_cursor,
            ack=self._ack(new_cursor),
        )
