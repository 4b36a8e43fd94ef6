"""Delivering the core's messages on Slack: DMs, group DMs for sessions, channels, help
posts' threads and their reactions, edits."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import message as as_slack
from bot import metrics
from bot.config import Config
from bot.domain.messages import (
    Address,
    ChannelAddress,
    OutboundMessage,
    PersonAddress,
    PostAddress,
    SessionAddress,
    conversation_key,
)
from bot.domain.states import PostStatus
from bot.service.notifier import QueuedNotifier, Records
from bot.service.platform_store import PlatformStore

log = logging.getLogger(__name__)
PLATFORM = "slack"


# What a help post shows of its request: a reaction on the post itself, in place of the
# state's before (a message sent twice after a crash does no harm: Slack refuses a reaction
# already there, and one already gone).
REACTIONS = {
    PostStatus.WAITING: "grey_question",
    PostStatus.OPEN: "hourglass_flowing_sand",
    PostStatus.TAKEN: "handshake",
    PostStatus.SOLVED: "white_check_mark",
    PostStatus.CLOSED: "heavy_minus_sign",
}
# What reactions.add / reactions.remove answer when the post is already as we want it.
_ALREADY = ("already_reacted", "no_reaction")


def _workspace(config: Config, address: Address) -> str | None:
    if isinstance(address, (PersonAddress, PostAddress)):
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


class SlackNotifier(QueuedNotifier):
    """The Notifier port on Slack. Opened channels and posted messages are remembered in the
    database, so edits in place and DMs keep working after a restart."""

    platform = "Slack"

    def __init__(self, client: AsyncWebClient, store: PlatformStore | None, config: Config) -> None:
        self.client = client
        self.store = store
        self.config = config
        # With the install flow: the bot token of a workspace, None where not installed.
        self.tokens: Callable[[str], Awaitable[str | None]] | None = None
        super().__init__()

    def ready(self) -> bool:
        return self.store is not None

    async def send_one(self, message: OutboundMessage, records: Records | None) -> None:
        await self._deliver_one(message, records)

    def failed(self, message: OutboundMessage, exc: Exception) -> None:
        if isinstance(exc, SlackApiError):
            metrics.PLATFORM_ERRORS.labels("slack").inc()
            log.warning(
                "Slack refused a message to %s: %s",
                conversation_key(message.to),
                exc.response.get("error"),
            )
        else:
            log.error(
                "delivering a message to %s failed", conversation_key(message.to), exc_info=exc
            )

    async def _deliver_one(self, message: OutboundMessage, records: Records | None) -> None:
        assert self.store is not None
        workspace = _workspace(self.config, message.to)
        if workspace is None:
            return  # not a Slack recipient
        auth = await self._auth(workspace)
        if auth is None:
            return
        channel = await self.channel_for(workspace, message.to, records)
        if channel is None:
            return
        recipient = conversation_key(message.to)
        payload = as_slack(message.text, message.fields, message.actions, menu=message.menu)
        if isinstance(message.to, PostAddress):
            payload["thread_ts"] = message.to.post
            if message.status is not None:
                await self._show_status(message.to, message.status, message.was, auth)
        if message.key and message.update:
            known = await self.store.find_message(workspace, message.key, recipient, records)
            if known is not None:
                await self.client.chat_update(channel=known[0], ts=known[1], **payload, **auth)
                return
        posted = await self.client.chat_postMessage(channel=channel, **payload, **auth)
        if message.key:
            await self.store.remember_message(
                workspace,
                message.key,
                recipient,
                str(posted["channel"]),
                str(posted["ts"]),
                records,
            )
        for attachment in message.files:
            await self.client.files_upload_v2(
                channel=channel,
                content=attachment.content,
                filename=attachment.filename,
                title=attachment.filename,
                **auth,
            )

    async def _show_status(
        self, post: PostAddress, status: PostStatus, was: PostStatus | None, auth: dict[str, Any]
    ) -> None:
        """The post's reaction for its request's state, in place of the one before; a
        reaction Slack refuses (the app without reactions:write) doesn't stop the message."""
        where = {"channel": post.place, "timestamp": post.post, **auth}
        try:
            if was is not None:
                await self._react(self.client.reactions_remove, name=REACTIONS[was], **where)
            await self._react(self.client.reactions_add, name=REACTIONS[status], **where)
        except SlackApiError as exc:
            metrics.PLATFORM_ERRORS.labels("slack").inc()
            log.warning("Slack refused a help post's reaction: %s", exc.response.get("error"))

    @staticmethod
    async def _react(call: Callable[..., Awaitable[Any]], **args: Any) -> None:
        try:
            await call(**args)
        except SlackApiError as exc:
            if exc.response.get("error") not in _ALREADY:
                raise

    async def _auth(self, workspace: str) -> dict[str, Any] | None:
        """The token argument for a call in this workspace ({} with one token of our own);
        None when the app isn't installed there (the message can't be delivered)."""
        if self.tokens is None:
            return {}
        token = await self.tokens(workspace)
        if token is None:
            log.warning("not installed in Slack workspace %s: a message was dropped", workspace)
            return None
        return {"token": token}

    async def channel_for(
        self, workspace: str, address: Address, records: Records | None = None
    ) -> str | None:
        """The Slack channel id for an address: DMs and group DMs are opened once, cached."""
        if isinstance(address, PostAddress):
            return address.place  # the thread is the post's own, in its channel
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
        key = conversation_key(address)
        cached = await self.store.find_channel(workspace, key, records)
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
        auth = await self._auth(workspace)
        if auth is None:
            return None
        opened = await self.client.conversations_open(users=users, **auth)
        channel_id = str(opened["channel"]["id"])
        await self.store.remember_channel(workspace, key, channel_id, records)
        return channel_id
