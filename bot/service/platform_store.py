"""Where a front end keeps platform ids (message ts, DM channels) so they survive restarts."""

from __future__ import annotations

from typing import Any

from bot.clock import Clock, SystemClock, epoch
from bot.service.notifier import ChannelId, MessageId, Records
from bot.storage.database import Database, Transaction
from bot.storage.sql import platform as sql

RECENT = 10_000


async def put_channel(tx: Transaction, where: ChannelId, channel_id: str, now: int) -> None:
    """Record the channel opened for (platform, workspace, address)."""
    platform, workspace, address = where
    await tx.execute(
        sql.PUT_CHANNEL,
        {
            "platform": platform,
            "workspace": workspace,
            "address": address,
            "channel_id": channel_id,
            "now": now,
        },
    )


async def put_message(tx: Transaction, which: MessageId, post: tuple[str, str], now: int) -> None:
    """Record the post (channel, message id) carrying (platform, workspace, key, recipient)."""
    platform, workspace, key, recipient = which
    await tx.execute(
        sql.PUT_MESSAGE,
        {
            "platform": platform,
            "workspace": workspace,
            "message_key": key,
            "recipient": recipient,
            "channel_id": post[0],
            "message_id": post[1],
            "now": now,
        },
    )


class PlatformStore:
    """Plain strings in, plain strings out: the core doesn't know what they mean."""

    def __init__(self, db: Database, platform: str, clock: Clock | None = None) -> None:
        self.db = db
        self.platform = platform
        # the core's clock, so that these records and the core's agree (a manual clock in
        # tests and the console)
        self.clock = clock or SystemClock()
        # What this process wrote lately: a batch's records are written when the batch is
        # done, and a later batch (read before that) must still find the thread it opened
        # or the post it would edit. Ours, so right; bounded, so it can't grow for ever.
        self._channels: dict[tuple[str, str], str] = {}
        self._posts: dict[tuple[str, str, str], tuple[str, str]] = {}

    def _keep(self, cache: dict[Any, Any], key: Any, value: Any) -> None:
        if len(cache) >= RECENT:
            cache.clear()
        cache[key] = value

    async def remember_message(
        self,
        workspace: str,
        key: str,
        recipient: str,
        channel_id: str,
        message_id: str,
        records: Records | None = None,
    ) -> None:
        """The platform message that carries `key` for `recipient` (written with the batch's
        records when given)."""
        self._keep(self._posts, (workspace, key, recipient), (channel_id, message_id))
        if records is not None:
            records.put_message(self.platform, workspace, key, recipient, (channel_id, message_id))
            return
        async with self.db.transaction() as tx:
            await put_message(
                tx,
                (self.platform, workspace, key, recipient),
                (channel_id, message_id),
                epoch(self.clock.now()),
            )

    async def find_message(
        self, workspace: str, key: str, recipient: str, records: Records | None = None
    ) -> tuple[str, str] | None:
        """(channel id, message id) of the message carrying `key`, if one was posted."""
        recent = self._posts.get((workspace, key, recipient))
        if recent is not None:
            return recent
        if records is not None:
            read, post = records.message(self.platform, workspace, key, recipient)
            if read:
                return post
        async with self.db.transaction() as tx:
            row = await tx.fetch_one(
                sql.GET_MESSAGE,
                {
                    "platform": self.platform,
                    "workspace": workspace,
                    "message_key": key,
                    "recipient": recipient,
                },
            )
        return None if row is None else (str(row["channel_id"]), str(row["message_id"]))

    async def remember_channel(
        self, workspace: str, address: str, channel_id: str, records: Records | None = None
    ) -> None:
        """A channel opened for an address (a DM, a session's group DM or thread), written
        with the batch's records when given."""
        self._keep(self._channels, (workspace, address), channel_id)
        if records is not None:
            records.put_channel(self.platform, workspace, address, channel_id)
            return
        async with self.db.transaction() as tx:
            await put_channel(
                tx, (self.platform, workspace, address), channel_id, epoch(self.clock.now())
            )

    async def find_channel(
        self, workspace: str, address: str, records: Records | None = None
    ) -> str | None:
        """The channel opened before for this address."""
        recent = self._channels.get((workspace, address))
        if recent is not None:
            return recent
        if records is not None:
            read, channel = records.channel(self.platform, workspace, address)
            if read:
                return channel
        async with self.db.transaction() as tx:
            value = await tx.fetch_val(
                sql.GET_CHANNEL,
                {"platform": self.platform, "workspace": workspace, "address": address},
            )
        return None if value is None else str(value)

    async def workspace_of(self, user_id: str) -> str | None:
        """The workspace (server) a user was last seen in on this platform: a click in a DM
        carries no server, but the person belongs to one community."""
        async with self.db.transaction() as tx:
            value = await tx.fetch_val(
                sql.LAST_WORKSPACE,
                {"platform": self.platform, "user_id": user_id},
            )
        return None if value is None else str(value)

    async def post_author(self, workspace: str, place: str, post: str) -> str | None:
        """The user id of a help post's author on this platform, if the post became a request
        or waits for its skills."""
        async with self.db.transaction(read_only=True) as tx:
            value = await tx.fetch_val(
                sql.POST_AUTHOR,
                {"platform": self.platform, "workspace": workspace, "place": place, "post": post},
            )
        return None if value is None else str(value)

    async def save_installation(self, enterprise_id: str, workspace: str, data: str) -> None:
        """The app's installation in a workspace (replacing an earlier one)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                sql.PUT_INSTALLATION,
                {
                    "platform": self.platform,
                    "enterprise_id": enterprise_id,
                    "workspace": workspace,
                    "data": data,
                    "now": epoch(self.clock.now()),
                },
            )

    async def find_installation(self, enterprise_id: str, workspace: str) -> str | None:
        """The data saved for the app's installation in a workspace, if it is installed."""
        async with self.db.transaction() as tx:
            value = await tx.fetch_val(
                sql.GET_INSTALLATION,
                {"platform": self.platform, "enterprise_id": enterprise_id, "workspace": workspace},
            )
        return None if value is None else str(value)

    async def delete_installation(self, enterprise_id: str, workspace: str) -> None:
        """Forget an installation (the app was uninstalled or its tokens revoked)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                sql.DELETE_INSTALLATION,
                {"platform": self.platform, "enterprise_id": enterprise_id, "workspace": workspace},
            )

    async def issue_state(self, state: str, expires_at: int) -> None:
        """Remember an install flow's state until it is used or expires."""
        async with self.db.transaction() as tx:
            await tx.execute(
                sql.PUT_STATE,
                {"state": state, "platform": self.platform, "expires_at": expires_at},
            )

    async def consume_state(self, state: str, now: int) -> bool:
        """Whether the state was issued here and is still fresh; it can't be used again."""
        async with self.db.transaction() as tx:
            rows = await tx.fetch(
                sql.TAKE_STATE, {"platform": self.platform, "state": state, "now": now}
            )
        return any(r["state"] == state and int(r["expires_at"]) > now for r in rows)
