"""From a commit to the platforms: each command's (or due action's) messages are kept in the
outbox in its own transaction and sent after it commits; once they are sent, one more
transaction takes them out of the outbox and writes what the front ends recorded while
sending. A process that dies in between leaves them in the outbox, and any process sends them
after (at least once: only what was in flight may go twice)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import TypeAdapter

from bot.clock import Clock, epoch
from bot.domain.messages import OutboundMessage, PersonAddress, conversation_key
from bot.service.notifier import Batch, Notifier, Records
from bot.service.platform_store import put_channel, put_message
from bot.storage.database import Database, Transaction
from bot.storage.sql import in_list
from bot.storage.sql import platform as sql

log = logging.getLogger(__name__)

_CODEC = TypeAdapter(list[OutboundMessage])
# How long the committing process has to send a batch before another one may; and how long
# an unsent batch is worth sending at all (a reminder a day late helps nobody).
HANDOVER_AFTER = timedelta(seconds=60)
KEEP = timedelta(days=1)
REPLAY_BATCH = 100


def encode(messages: Sequence[OutboundMessage]) -> str:
    """Messages as the outbox keeps them."""
    return _CODEC.dump_json(list(messages)).decode()


def decode(payload: str) -> list[OutboundMessage]:
    """The outbox's text back into messages."""
    return _CODEC.validate_json(payload)


async def read_records(tx: Transaction, messages: Sequence[OutboundMessage]) -> Records:
    """What the front ends recorded for these messages' conversations and keys, in two reads
    (a Discord person's "DMs closed" mark is a record of the same kind)."""
    addresses = {conversation_key(m.to) for m in messages}
    addresses |= {
        f"unreachable:{m.to.user_id}" for m in messages if isinstance(m.to, PersonAddress)
    }
    keys = {m.key for m in messages if m.key and m.update}
    records = Records(frozenset(addresses), frozenset(keys))
    fragment, params = in_list("a", sorted(addresses))
    for row in await tx.fetch(sql.KNOWN_CHANNELS.replace("{addresses}", fragment), params):
        records.channels[(row["platform"], row["workspace"], row["address"])] = str(
            row["channel_id"]
        )
    if keys:
        fragment, params = in_list("k", sorted(keys))
        for row in await tx.fetch(sql.KNOWN_MESSAGES.replace("{keys}", fragment), params):
            known = (row["platform"], row["workspace"], row["message_key"], row["recipient"])
            records.messages[known] = (str(row["channel_id"]), str(row["message_id"]))
    return records


async def write_records(tx: Transaction, records: Records, now: int) -> None:
    """What a batch's sends recorded: opened channels and posted messages."""
    for where, channel_id in records.new_channels.items():
        await put_channel(tx, where, channel_id, now)
    for which, post in records.new_messages.items():
        await put_message(tx, which, post, now)


class Dispatcher:
    """Stages messages in a command's transaction, hands them to the front ends after the
    commit, and records the outcome; sends what a stopped process left unsent."""

    def __init__(self, db: Database, notifier: Notifier, clock: Clock) -> None:
        self.db = db
        self.notifier = notifier
        self.clock = clock
        self._finishing: set[asyncio.Task[None]] = set()
        self._settled: list[Batch] = []
        self._recorder: asyncio.Task[None] | None = None

    async def stage(self, tx: Transaction, messages: Sequence[OutboundMessage]) -> Batch:
        """In the transaction that produced them: into the outbox, with their records."""
        outbox_id = await tx.fetch_val(
            sql.PUT_OUTBOX, {"payload": encode(messages), "now": epoch(self.clock.now())}
        )
        return Batch(messages, int(outbox_id), await read_records(tx, messages))

    async def send(self, batch: Batch) -> None:
        """After the commit: start the sends; the batch is recorded when they are done."""
        batch.hold()
        try:
            await self.notifier.deliver(batch.messages, batch)
        except Exception:
            # Left in the outbox: sent again after HANDOVER_AFTER, by this process or another.
            log.exception("handing %d message(s) to the front ends failed", len(batch.messages))
            return
        finally:
            batch.release()
        if batch.done:
            # Delivered as it was handed over (the console, tests): record it now.
            await self._record([batch])
            return
        task = asyncio.get_running_loop().create_task(self._finish(batch))
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)

    async def _finish(self, batch: Batch) -> None:
        await batch.wait()
        self._settled.append(batch)
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.get_running_loop().create_task(self._record_settled())

    async def _record_settled(self) -> None:
        # Batches that finish while one transaction is being written share the next one:
        # under load, far fewer transactions than batches.
        while self._settled:
            batches, self._settled = self._settled, []
            await self._record(batches)

    async def _record(self, batches: list[Batch]) -> None:
        """One transaction: what the batches' sends recorded, and the batches out of the
        outbox."""
        now = epoch(self.clock.now())
        try:
            async with self.db.transaction() as tx:
                for batch in batches:
                    await write_records(tx, batch.records, now)
                    if batch.outbox_id is not None:
                        await tx.execute(sql.SENT, {"id": batch.outbox_id})
        except Exception:
            # The messages went out; batches left in the outbox are sent again, later.
            log.exception("recording %d sent batch(es) failed", len(batches))

    async def send_unsent(self, now: datetime | None = None) -> int:
        """Send the batches that their process stopped before sending (older than
        HANDOVER_AFTER, younger than KEEP); returns how many batches."""
        now = now or self.clock.now()
        sent = 0
        while True:
            async with self.db.transaction() as tx:
                rows = await tx.fetch(
                    sql.UNSENT,
                    {
                        "before": epoch(now - HANDOVER_AFTER),
                        "since": epoch(now - KEEP),
                        "limit": REPLAY_BATCH,
                    },
                )
                batches = []
                for row in rows:
                    claimed = await tx.fetch_one(
                        sql.CLAIM_UNSENT,
                        {"id": row["id"], "created_at": row["created_at"], "now": epoch(now)},
                    )
                    if claimed is None:
                        continue  # another process took it over
                    messages = decode(str(row["payload"]))
                    records = await read_records(tx, messages)
                    batches.append(Batch(messages, int(row["id"]), records))
            for batch in batches:
                log.info("sending batch %s, left unsent by a stopped process", batch.outbox_id)
                await self.send(batch)
            await self.drain()
            sent += len(batches)
            # A claimed batch looks new again, so the next page holds none of these.
            if len(rows) < REPLAY_BATCH:
                return sent

    async def drain(self) -> None:
        """Until every batch handed over is sent and recorded."""
        await self.notifier.drain()
        while self._finishing or (self._recorder is not None and not self._recorder.done()):
            await asyncio.gather(*list(self._finishing), return_exceptions=True)
            if self._recorder is not None:
                await asyncio.gather(self._recorder, return_exceptions=True)
