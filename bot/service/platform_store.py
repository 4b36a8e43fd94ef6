"""Where a front end keeps platform ids (message ts, DM channels) so they survive restarts."""

from __future__ import annotations

import time

from bot.storage.database import Database
from bot.storage.sql import platform as sql


class PlatformStore:
    """Plain strings in, plain strings out: the core doesn't know what they mean."""

    def __init__(self, db: Database, platform: str) -> None:
        self.db = db
        self.platform = platform

    async def remember_message(
        self, workspace: str, key: str, recipient: str, channel_id: str, message_id: str
    ) -> None:
        """The platform message that carries `key` for `recipient`."""
        async with self.db.transaction() as tx:
            await tx.execute(
                sql.PUT_MESSAGE,
                {
                    "platform": self.platform,
                    "workspace": workspace,
                    "message_key": key,
                    "recipient": recipient,
                    "channel_id": channel_id,
                    "message_id": message_id,
                    "now": int(time.time()),
                },
            )

    async def find_message(
        self, workspace: str, key: str, recipient: str
    ) -> tuple[str, str] | None:
        """(channel id, message id) of the message carrying `key`, if one was posted."""
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

    async def remember_channel(self, workspace: str, address: str, channel_id: str) -> None:
        """A channel opened for an address (a DM, a session's group DM or thread)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                sql.PUT_CHANNEL,
                {
                    "platform": self.platform,
                    "workspace": workspace,
                    "address": address,
                    "channel_id": channel_id,
                    "now": int(time.time()),
                },
            )

    async def find_channel(self, workspace: str, address: str) -> str | None:
        """The channel opened before for this address."""
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
                "SELECT workspace FROM identities WHERE platform = :platform"
                " AND user_id = :user_id ORDER BY last_seen_at DESC LIMIT 1",
                {"platform": self.platform, "user_id": user_id},
            )
        return None if value is None else str(value)
