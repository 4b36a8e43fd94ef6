"""Delivering the core's messages on Discord: DMs (with a fallback when closed), private
session threads, community channels, help posts' threads with their tags or reactions, and
edits in place."""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Literal

import discord

from adapters.discord.callbacks import CallbacksFirst
from adapters.discord.help_posts import MAX_FORUM_TAGS, MAX_POST_TAGS, REACTIONS, TAGS, HelpPlaces
from adapters.discord.render import NO_MENTIONS, embed, files, mentioning, view
from bot import metrics
from bot.clock import epoch
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
PLATFORM = "discord"
DMS_CLOSED = 50007
PRIVATE_THREAD: Literal[12] = 12
VOICE: Literal[2] = 2
UNREACHABLE = "unreachable"
GONE = "gone"  # the record of a session's voice channel once it is removed
# What a session's people (and the moderators) may do in its voice channel; everyone else
# doesn't see it.
IN_THE_ROOM = discord.Permissions(view_channel=True, connect=True, speak=True, stream=True)
NOT_SEEN = discord.Permissions(view_channel=True)
BOT_IN_THE_ROOM = discord.Permissions(view_channel=True, connect=True, manage_channels=True)
# A session's room younger than this may not be recorded yet: the sweep at start leaves it.
SWEEP_OLDER_THAN = 600


def voice_key(session_id: int | str) -> str:
    """How a session's voice channel is named in the records."""
    return f"voice:session:{session_id}"


def dm_guild(address: Address) -> str | None:
    """The server a person's message is for, named in its buttons: a click in a DM carries
    none, and the person may be in several (each its own identity, maybe its own
    community)."""
    if (
        isinstance(address, PersonAddress)
        and address.workspace.isascii()
        and address.workspace.isdigit()
    ):
        return address.workspace
    return None


class DiscordNotifier(QueuedNotifier):
    """The Notifier port on Discord; deliveries are queued off the interaction's path."""

    platform = "Discord"

    def __init__(
        self,
        client: discord.Client,
        config: Config,
        help_places: HelpPlaces,
        callbacks: CallbacksFirst | None = None,
    ) -> None:
        self.client = client
        self.config = config
        self.store: PlatformStore | None = None
        self.help = help_places
        self.callbacks = callbacks or CallbacksFirst()
        super().__init__()

    def turn(self) -> contextlib.AbstractAsyncContextManager[object]:
        return self.callbacks.turn()

    def ready(self) -> bool:
        return self.store is not None

    async def send_one(self, message: OutboundMessage, records: Records | None) -> None:
        await self._send(message, records)

    def failed(self, message: OutboundMessage, exc: Exception) -> None:
        if isinstance(exc, discord.HTTPException):
            metrics.PLATFORM_ERRORS.labels("discord").inc()
            log.warning("Discord refused a message to %s: %s", conversation_key(message.to), exc)
        else:
            log.error(
                "delivering a message to %s failed", conversation_key(message.to), exc_info=exc
            )

    def _guild_of(self, address: Address) -> str | None:
        if isinstance(address, (PersonAddress, PostAddress)):
            return address.workspace if address.platform == PLATFORM else None
        if isinstance(address, SessionAddress):
            return next((m.workspace for m in address.members if m.platform == PLATFORM), None)
        community = self.config.communities.get(address.community_id)
        return None if community is None else community.discord.guild_id or "default"

    async def _send(self, message: OutboundMessage, records: Records | None) -> None:
        assert self.store is not None
        guild = self._guild_of(message.to)
        if guild is None:
            return
        recipient = conversation_key(message.to)
        if isinstance(message.to, PostAddress) and message.status is not None:
            await self._show_status(message.to, message.status, message.was)
        kwargs: dict[str, Any] = {"embed": embed(message.text, message.fields)}
        buttons = view(message.actions, message.menu, dm_guild(message.to))
        if message.key and message.update:
            known = await self.store.find_message(guild, message.key, recipient, records)
            if known is not None:
                channel = self.client.get_partial_messageable(int(known[0]))
                await channel.get_partial_message(int(known[1])).edit(
                    **kwargs, view=buttons, allowed_mentions=NO_MENTIONS
                )
                return
        channel_id = await self._channel_for(guild, message.to, records)
        if channel_id == UNREACHABLE:
            # DMs were closed lately: don't retry yet. Offers go to the mentors channel with
            # a mention; anything private (decisions, ratings) is not posted in public.
            if message.key and message.key.startswith("offer:"):
                await self._dms_closed(guild, message, records, remember=False)
            else:
                log.info("not posting a private message for %s: DMs closed", recipient)
            return
        if channel_id is None:
            return
        channel = self.client.get_partial_messageable(int(channel_id))
        if message.files:
            kwargs["files"] = files(message.files)
        if buttons is not None:
            kwargs["view"] = buttons
        try:
            sent = await channel.send(allowed_mentions=NO_MENTIONS, **kwargs)
        except discord.Forbidden as exc:
            if isinstance(message.to, PersonAddress) and exc.code == DMS_CLOSED:
                await self._dms_closed(guild, message, records)
                return
            raise
        if message.key:
            await self.store.remember_message(
                guild, message.key, recipient, str(channel_id), str(sent.id), records
            )
        if message.closes_space and isinstance(message.to, SessionAddress):
            await self.client.http.edit_channel(int(channel_id), archived=True, locked=True)
            await self._remove_voice_room(guild, message.to.session_id, records)

    async def _dms_closed(
        self,
        guild: str,
        message: OutboundMessage,
        records: Records | None,
        *,
        remember: bool = True,
    ) -> None:
        """Mark the person unreachable for a while; an offer goes to the mentors channel."""
        assert self.store is not None and isinstance(message.to, PersonAddress)
        if remember:
            until = epoch(self.store.clock.now() + self.config.discord.dm_retry_after)
            await self.store.remember_channel(
                guild, f"unreachable:{message.to.user_id}", str(until), records
            )
            log.info("DMs to %s are closed; offers go to the mentors channel", message.to.user_id)
        if not (message.key and message.key.startswith("offer:")):
            return
        community = self.config.community_for(PLATFORM, guild)
        fallback = (
            self.config.communities[community].discord.mentors_channel_id if community else None
        )
        if fallback is None:
            return
        channel = self.client.get_partial_messageable(int(fallback))
        kwargs: dict[str, Any] = {"embed": embed(message.text, message.fields)}
        buttons = view(message.actions)
        if buttons is not None:
            kwargs["view"] = buttons
        # The mention is ours, made from the id, and only that person may be pinged by it.
        sent = await channel.send(
            content=f"<@{message.to.user_id}> your DMs are closed, so this offer is here:",
            allowed_mentions=mentioning(message.to.user_id),
            **kwargs,
        )
        if message.key:
            await self.store.remember_message(
                guild,
                message.key,
                conversation_key(message.to),
                str(fallback),
                str(sent.id),
                records,
            )

    async def _channel_for(
        self, guild: str, address: Address, records: Records | None
    ) -> str | None:
        assert self.store is not None
        if isinstance(address, ChannelAddress):
            community = self.config.communities.get(address.community_id)
            if community is None:
                return None
            d = community.discord
            return {
                "mentors": d.mentors_channel_id,
                "moderators": d.moderators_channel_id,
                "kudos": d.kudos_channel_id or d.mentors_channel_id,
            }.get(address.channel)
        key = conversation_key(address)
        if isinstance(address, PersonAddress):
            blocked = await self.store.find_channel(
                guild, f"unreachable:{address.user_id}", records
            )
            if blocked is not None and int(blocked) > epoch(self.store.clock.now()):
                return UNREACHABLE
        if isinstance(address, PostAddress) and address.place in self.help.forums:
            return address.post  # a forum post is its own thread
        cached = await self.store.find_channel(guild, key, records)
        if cached is not None:
            return cached
        if isinstance(address, PostAddress):
            # a help channel's message: the bot's answers go in a thread opened on it
            thread = await self.client.http.start_thread_with_message(
                int(address.place),
                int(address.post),
                name=f"help {address.post[-6:]}",
                auto_archive_duration=1440,
            )
            channel_id = str(thread["id"])
        elif isinstance(address, PersonAddress):
            data = await self.client.http.start_private_message(int(address.user_id))
            channel_id = str(data["id"])
        else:
            assert isinstance(address, SessionAddress)
            channel_id_or_none = await self._session_thread(guild, address)
            if channel_id_or_none is None:
                return None
            channel_id = channel_id_or_none
        await self.store.remember_channel(guild, key, channel_id, records)
        return channel_id

    async def _show_status(
        self, post: PostAddress, status: PostStatus, was: PostStatus | None
    ) -> None:
        """A forum post's tag, or a help channel message's reaction, for its request's
        state. Best effort: what Discord refuses (a missing permission, a forum full of
        tags) is logged, and the thread's message still goes."""
        try:
            if post.place in self.help.forums:
                await self._tag_post(post, status)
                return
            http = self.client.http
            if was is not None:
                with contextlib.suppress(discord.NotFound):
                    await http.remove_own_reaction(int(post.place), int(post.post), REACTIONS[was])
            await http.add_reaction(int(post.place), int(post.post), REACTIONS[status])
        except discord.HTTPException as exc:
            metrics.PLATFORM_ERRORS.labels("discord").inc()
            log.warning("couldn't show a help post's state (%s): %s", status, exc.status)

    async def _tag_post(self, post: PostAddress, status: PostStatus) -> None:
        """The forum's tag for this state (made if the forum lacks it) in place of the
        post's other state tags, keeping the tags its author chose."""
        http = self.client.http
        name = TAGS[status]
        forum: Any = await http.get_channel(int(post.place))
        tags = list(forum.get("available_tags") or [])
        tag = next((t for t in tags if t.get("name") == name), None)
        if tag is None:
            if len(tags) >= MAX_FORUM_TAGS:
                log.warning("forum %s has no room for the tag %r", post.place, name)
                return
            made = {"name": name, "moderated": False}
            forum = await http.edit_channel(int(post.place), available_tags=[*tags, made])
            tags = list(forum.get("available_tags") or [])
            tag = next((t for t in tags if t.get("name") == name), None)
            if tag is None:
                return
        states = {str(t["id"]) for t in tags if t.get("name") in TAGS.values()}
        thread: Any = await http.get_channel(int(post.post))
        kept = [str(t) for t in thread.get("applied_tags") or [] if str(t) not in states]
        applied = [*kept[: MAX_POST_TAGS - 1], str(tag["id"])]
        await http.edit_channel(int(post.post), applied_tags=applied)

    async def _session_thread(self, guild: str, address: SessionAddress) -> str | None:
        """A private thread for the session, with its people added."""
        community = self.config.communities.get(address.community_id)
        if community is None:
            return None
        parent = community.discord.sessions_channel_id or community.discord.mentors_channel_id
        if parent is None:
            log.info("no sessions or mentors channel configured for session threads")
            return None
        data = await self.client.http.start_thread_without_message(
            int(parent),
            name=f"session s{address.session_id}",
            auto_archive_duration=1440,
            type=PRIVATE_THREAD,
            invitable=False,
        )
        thread_id = str(data["id"])
        for member in address.members:
            if member.platform == PLATFORM:
                await self.client.http.add_user_to_thread(int(thread_id), int(member.user_id))
        room = await self._voice_room(guild, address)
        if room is not None:
            with contextlib.suppress(discord.HTTPException):
                await self.client.get_partial_messageable(int(thread_id)).send(
                    f"Talk in <#{room}>: a voice channel only the two of you and the moderators "
                    "see, removed when the session ends.",
                    allowed_mentions=NO_MENTIONS,
                )
        return thread_id

    async def _voice_room(self, guild: str, address: SessionAddress) -> str | None:
        """A voice channel for the session in the community's voice category, if it has
        one: seen only by the session's people, the moderators and the bot. Best effort: a
        room that can't be made is logged, and the session goes on in its thread."""
        assert self.store is not None
        community = self.config.communities.get(address.community_id)
        category = community.discord.voice_category_id if community else None
        if community is None or category is None or not guild.isdigit():
            return None
        people = [m.user_id for m in address.members if m.platform == PLATFORM]
        people += [m.split(":", 1)[1] for m in community.moderators if m.startswith("discord:")]
        roles = [r.split(":", 1)[1] for r in community.moderator_roles if r.startswith("discord:")]
        me = self.client.user
        overwrites = [
            {"id": guild, "type": 0, "allow": "0", "deny": str(NOT_SEEN.value)},  # @everyone
            *({"id": r, "type": 0, "allow": str(IN_THE_ROOM.value), "deny": "0"} for r in roles),
            *(
                {"id": u, "type": 1, "allow": str(IN_THE_ROOM.value), "deny": "0"}
                for u in dict.fromkeys(people)
            ),
        ]
        if me is not None:
            # @everyone is shut out; the bot keeps its way in, to remove the room later
            overwrites.append(
                {"id": str(me.id), "type": 1, "allow": str(BOT_IN_THE_ROOM.value), "deny": "0"}
            )
        try:
            data = await self.client.http.create_channel(
                int(guild),
                VOICE,
                name=f"session s{address.session_id}",
                parent_id=int(category),
                permission_overwrites=overwrites,
            )
        except discord.HTTPException as exc:
            log.warning(
                "couldn't make a voice channel for session %s (%s): does the bot have Manage "
                "Channels, Connect, Speak and Video in the voice category?",
                address.session_id,
                exc.status,
            )
            return None
        room = str(data["id"])
        await self.store.remember_channel(guild, voice_key(address.session_id), room)
        return room

    async def _remove_voice_room(
        self, guild: str, session_id: int, records: Records | None
    ) -> None:
        """The session is over: its voice channel goes (already gone is fine)."""
        assert self.store is not None
        room = await self.store.find_channel(guild, voice_key(session_id), records)
        if room is None or room == GONE:
            return
        try:
            await self.client.http.delete_channel(int(room), reason="the session ended")
        except discord.NotFound:
            pass
        except discord.HTTPException as exc:
            # left for the sweep at the next start, which removes rooms of ended sessions
            log.warning(
                "couldn't remove the voice channel of session %s (%s)", session_id, exc.status
            )
        await self.store.remember_channel(guild, voice_key(session_id), GONE, records)

    async def remove_stray_voice_rooms(self, guild: str, category: str) -> int:
        """After a restart: remove the category's session voice channels that are not the
        live room of a session (made just before a crash, before they were recorded, or
        whose removal failed); returns how many."""
        assert self.store is not None
        removed = 0
        for channel in await self.client.http.get_all_guild_channels(int(guild)):
            name = str(channel.get("name") or "")
            if (
                channel.get("type") != VOICE
                or str(channel.get("parent_id")) != category
                or not name.startswith("session s")
            ):
                continue
            made = discord.utils.snowflake_time(int(channel["id"])).timestamp()
            if made > epoch(self.store.clock.now()) - SWEEP_OLDER_THAN:
                continue  # maybe being made right now, not recorded yet
            live = await self.store.find_channel(guild, voice_key(name.removeprefix("session s")))
            if live != str(channel["id"]):
                try:
                    await self.client.http.delete_channel(int(channel["id"]), reason="stray")
                except discord.HTTPException:
                    continue
                removed += 1
        return removed
