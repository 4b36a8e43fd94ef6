"""Help forums and help channels on Discord: which posts are help posts, read as the core's
events, and how a post shows its request's state (a forum tag, or a reaction in a channel).

A forum post is a thread whose id is its first message's; the bot answers in it. A message
in a help text channel gets a thread of its own, opened from the message. Reading the text
of members' messages takes the Message Content intent (`discord.message_content`); without
it a forum post is read from its title and tags, and a help text channel can't be used."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import discord

from bot.config import Config
from bot.domain import events
from bot.domain.states import PostStatus

# A forum post's state, as a tag of the forum (made by the bot when the forum lacks it).
TAGS = {
    PostStatus.WAITING: "Needs skills",
    PostStatus.OPEN: "Open",
    PostStatus.TAKEN: "Taken",
    PostStatus.SOLVED: "Solved",
    PostStatus.CLOSED: "Closed",
}
# A help channel message's state, as the bot's reaction on it.
REACTIONS = {
    PostStatus.WAITING: "\N{BLACK QUESTION MARK ORNAMENT}",
    PostStatus.OPEN: "\N{HOURGLASS WITH FLOWING SAND}",
    PostStatus.TAKEN: "\N{HANDSHAKE}",
    PostStatus.SOLVED: "\N{WHITE HEAVY CHECK MARK}",
    PostStatus.CLOSED: "\N{HEAVY MINUS SIGN}",
}
MAX_FORUM_TAGS = 20  # Discord's limits: tags a forum has, tags a post carries
MAX_POST_TAGS = 5


@dataclass(frozen=True)
class Post:
    """Where a help post is, who wrote it, and how to make its event (built by the bus, so
    a post it refuses, such as one with no text, is answered like any refusal)."""

    guild: str
    author: str
    name: str
    place: str
    post: str
    build: Callable[[], events.Event]
    removed: bool = False


class HelpPlaces:
    """The help forums and channels of every community, and how to read their posts."""

    def __init__(self, config: Config) -> None:
        self.forums = frozenset(
            f for c in config.communities.values() for f in c.discord.help_forum_ids
        )
        self.channels = frozenset(
            ch for c in config.communities.values() for ch in c.discord.help_channel_ids
        )
        self.read_text = config.discord.message_content

    def __bool__(self) -> bool:
        return bool(self.forums or self.channels)

    def new_post(self, message: discord.Message) -> Post | None:
        """A forum post's first message, or a top-level message in a help channel."""
        if message.author.bot or message.guild is None:
            return None
        channel = message.channel
        guild = str(message.guild.id)
        author, name = str(message.author.id), message.author.display_name
        if isinstance(channel, discord.Thread):
            if str(channel.parent_id) not in self.forums or message.id != channel.id:
                return None
            body = message.content if self.read_text else ""
            tags = tuple(t.name for t in channel.applied_tags if t.name not in TAGS.values())
            place, post = str(channel.parent_id), str(channel.id)
            text = f"{channel.name}\n{body}" if body else channel.name
            link, title_only = message.jump_url, not self.read_text
            return Post(
                guild,
                author,
                name,
                place,
                post,
                lambda: events.NewPost(place, post, text, tags, link=link, title_only=title_only),
            )
        if str(channel.id) not in self.channels or not message.content:
            return None  # without Message Content the text is empty: nothing to ask
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            # Only what a member typed: Discord's notices are authored by the member who
            # caused them and may carry text (THREAD_CREATED has the thread's name). Not
            # `is_system()`, which also passes command answers and poll results.
            return None
        place, post, text, link = (
            str(channel.id),
            str(message.id),
            message.content,
            message.jump_url,
        )
        return Post(
            guild, author, name, place, post, lambda: events.NewPost(place, post, text, link=link)
        )

    def edited(self, client: discord.Client, payload: discord.RawMessageUpdateEvent) -> Post | None:
        """A help post whose text changed (only readable with Message Content)."""
        data: Any = payload.data
        content = data.get("content")
        author = data.get("author") or {}
        if not self.read_text or not isinstance(content, str) or payload.guild_id is None:
            return None
        if author.get("bot") or not author.get("id"):
            return None
        guild, user = str(payload.guild_id), str(author["id"])
        name = str(author.get("global_name") or author.get("username") or "")
        if str(payload.channel_id) in self.channels:
            place, post = str(payload.channel_id), str(payload.message_id)
            return Post(
                guild, user, name, place, post, lambda: events.PostEdited(place, post, content)
            )
        thread = client.get_channel(payload.channel_id)
        if (
            isinstance(thread, discord.Thread)
            and str(thread.parent_id) in self.forums
            and payload.message_id == thread.id
        ):
            text = f"{thread.name}\n{content}" if content else thread.name
            place, post = str(thread.parent_id), str(thread.id)
            return Post(
                guild, user, name, place, post, lambda: events.PostEdited(place, post, text)
            )
        return None

    def renamed(self, before: discord.Thread, after: discord.Thread) -> Post | None:
        """A forum post whose title changed: its text is the title and, with Message
        Content, its first message (only while that is still in the client's cache)."""
        if str(after.parent_id) not in self.forums or before.name == after.name:
            return None
        if after.owner_id is None:
            return None
        text = after.name
        if self.read_text:
            first = after.starter_message
            if first is None:
                return None  # the body isn't known any more: the request keeps its text
            text = f"{after.name}\n{first.content}" if first.content else after.name
        place, post = str(after.parent_id), str(after.id)
        return Post(
            str(after.guild.id),
            str(after.owner_id),
            "",
            place,
            post,
            lambda: events.PostEdited(place, post, text),
        )

    def removed_message(self, payload: discord.RawMessageDeleteEvent) -> Post | None:
        """A help channel's message deleted; its author comes from the client's cache, else
        (`author` empty) from the store, which knows the posts that became requests."""
        cached = payload.cached_message
        if str(payload.channel_id) not in self.channels or payload.guild_id is None:
            return None
        if cached is not None and cached.author.bot:
            return None
        place, post = str(payload.channel_id), str(payload.message_id)
        return Post(
            str(payload.guild_id),
            "" if cached is None else str(cached.author.id),
            "",
            place,
            post,
            lambda: events.PostRemoved(place, post),
            removed=True,
        )

    def removed_thread(self, payload: discord.RawThreadDeleteEvent) -> Post | None:
        """A forum post deleted; its author comes from the client's cache, else (`author`
        empty) from the store."""
        if str(payload.parent_id) not in self.forums:
            return None
        owner = payload.thread.owner_id if payload.thread is not None else None
        place, post = str(payload.parent_id), str(payload.thread_id)
        return Post(
            str(payload.guild_id),
            "" if owner is None else str(owner),
            "",
            place,
            post,
            lambda: events.PostRemoved(place, post),
            removed=True,
        )
