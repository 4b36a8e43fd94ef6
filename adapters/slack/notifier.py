"""Delivering the core's messages on Slack: DMs, group DMs for sessions, channels, edits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import blocks, fallback_text
from bot import metrics
from bot.config import Config
from bot.domain.messages import (
    Address,
    ChannelAddress,
    OutboundMessage,
    PersonAddress,
    SessionAddress,
)
from bot.service.platform_store import PlatformStore

log = logging.getLogger(__name__)
PLATFORM = "slack"


def _workspace(config: Config, address: Address) -> str | None:
    if isinstance(address, PersonAddress):
        return address.workspace if address.platform == PLATFORM else None
    if isinstance(address, SessionAddress):
        for member in address.members:
            if member.platform == PLATFORM:
                return member.workspace
        return None
    community = config.communities.get(address.community_id)
    if community is None:
        return None
    # Channel ids are configured; the workspace only names the cache, so any label will do.
    return community.slack.team_id or "default"


class SlackNotifier:
    """The Notifier port on Slack. Opened channels and posted messages are remembered in the
    database, so edits in place and DMs keep working after a restart."""

    def __init__(self, client: AsyncWebClient, store: PlatformStore | None, config: Config) -> None:
        self.client = client
        self.store = store
        self.config = config
        self._queue: asyncio.Queue[OutboundMessage] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    async def deliver(self, messages: Sequence[OutboundMessage]) -> None:
        """Queue the messages; a worker sends them in order, so a command (and Slack's
        3-second ack) never waits for Slack's Web API."""
        if self.store is None:
            log.warning("the Slack front end isn't started; %d message(s) dropped", len(messages))
            return
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work())
        for message in messages:
            self._queue.put_nowait(message)

    async def _work(self) -> None:
        while True:
            message = await self._queue.get()
            try:
                await self._send([message])
            finally:
                self._queue.task_done()

    async def drain(self) -> None:
        """Wait until every queued message was sent (at shutdown)."""
        if self._worker is not None and not self._worker.done():
            await self._queue.join()
            self._worker.cancel()

    async def _send(self, messages: Sequence[OutboundMessage]) -> None:
        """Send each message; one that fails is logged and the others still go."""
        for message in messages:
            try:
                await self._deliver_one(message)
            except SlackApiError as exc:
                metrics.PLATFORM_ERRORS.labels("slack").inc()
                log.warning(
                    "Slack refused a message to %s: %s",
                    _label(message.to),
                    exc.response.get("error"),
                )
            except Exception:
                log.exception("delivering a message to %s failed", _label(message.to))

    async def _deliver_one(self, message: OutboundMessage) -> None:
        assert self.store is not None
        workspace = _workspace(self.config, message.to)
        if workspace is None:
            return  # not a Slack recipient
        channel = await self.channel_for(workspace, message.to)
        if channel is None:
            return
        recipient = _label(message.to)
        body = blocks(message.text, message.fields, message.actions)
        text = fallback_text(message.text)
        if message.key and message.update:
            known = await self.store.find_message(workspace, message.key, recipient)
            if known is not None:
                await self.client.chat_update(channel=known[0], ts=known[1], text=text, blocks=body)
                return
        posted = await self.client.chat_postMessage(channel=channel, text=text, blocks=body)
        if message.key:
            await self.store.remember_message(
                workspace, message.key, recipient, str(posted["channel"]), str(posted["ts"])
            )
        for attachment in message.files:
            await self.client.files_upload_v2(
                channel=channel,
                content=attachment.content,
                filename=attachment.filename,
                title=attachment.filename,
            )

    async def channel_for(self, workspace: str, address: Address) -> str | None:
        """The Slack channel id for an address: DMs and group DMs are opened once, cached."""
        if isinstance(address, ChannelAddress):
            community = self.config.communities.get(address.community_id)
            if community is None:
                return None
            slack = community.slack
            channel = {
                "mentors": slack.mentors_channel,
                "moderators": slack.moderators_channel,
                "kudos": slack.kudos_channel or slack.mentors_channel,
            }.get(address.channel)
            if channel is None:
                log.info("no Slack channel configured for #%s", address.channel)
            return channel
        assert self.store is not None
        key = _label(address)
        cached = await self.store.find_channel(workspace, key)
        if cached is not None:
            return cached
        if isinstance(address, PersonAddress):
            users = address.user_id
        else:
            assert isinstance(address, SessionAddress)
            members = [m.user_id for m in address.members if m.platform == PLATFORM]
            if not members:
                return None
            users = ",".join(members)
        opened = await self.client.conversations_open(users=users)
        channel_id = str(opened["channel"]["id"])
        await self.store.remember_channel(workspace, key, channel_id)
        return channel_id


def _label(address: Address) -> str:
    if isinstance(address, PersonAddress):
        return f"user:{address.user_id}"
    if isinstance(address, SessionAddress):
        return f"session:{address.session_id}"
    return f"channel:{address.channel}"
