"""The Discord front end: a discord.py client whose app commands, modals and persistent
buttons turn interactions into core commands. Rules stay in the core."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlencode

import discord
import yarl
from discord import app_commands

from adapters.discord import commands as command_tree
from adapters.discord.callbacks import CallbacksFirst
from adapters.discord.help_posts import HelpPlaces, Post
from adapters.discord.notifier import DiscordNotifier
from adapters.discord.render import (
    NO_MENTIONS,
    CommandButton,
    CommandMenu,
    embed,
    files,
    mentioning,
    set_button_handler,
    view,
)
from bot import metrics
from bot.clock import Clock
from bot.config import Config, ConfigError
from bot.domain import commands as c
from bot.domain.errors import MicromentorError
from bot.domain.messages import Actor, FormSpec, PostAddress, Reply, conversation_key
from bot.domain.queries import DescribeForm, SuggestSkills
from bot.grammar import form_for, parse
from bot.process.bootstrap import Core, start_core
from bot.process.runtime import start_health, stop_event, until_stopped
from bot.process.scheduling import SweepScheduler
from bot.service.platform_store import PlatformStore

log = logging.getLogger(__name__)
PLATFORM = "discord"
SCOPES = ("bot", "applications.commands")
# What the bot does: read and post in its channels and threads, create private session
# threads (and archive them), embed, attach invites; and, where a community has a voice
# category, make and remove a voice channel per session (Manage Channels), letting only the
# session's people in (a bot may grant only what it has: Connect, Speak, Video). For help
# forums and channels: tag posts (Manage Threads; the forum's tags made with Manage Channels),
# open a thread on a help channel's message and react to it (Create Public Threads, Add
# Reactions, Read Message History). Nothing else.
PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_private_threads=True,
    manage_threads=True,
    create_public_threads=True,
    add_reactions=True,
    read_message_history=True,
    embed_links=True,
    attach_files=True,
    manage_channels=True,
    connect=True,
    speak=True,
    stream=True,
)


UNKNOWN_INTERACTION = 10062  # Discord's code for an interaction past its 3 seconds

OUT_OF_SYNC = (
    "Discord still shows an older version of this command, so I can't read it. Nothing was "
    "changed. Please try again later: whoever runs micromentor needs to run "
    "`micromentor discord sync`."
)


# A help post the core refused, when its author's DMs are closed: the reason stays private.
REFUSED_POST = (
    "I couldn't make this post a help request. I tried to tell you why by DM, but your DMs "
    "are closed: allow direct messages from this server's members (the server's Privacy "
    "Settings), or ask with `/mentor ask` to see the reason."
)


class DiscordConfigError(ConfigError):
    """The token is missing or refused: the start stops before anything is opened."""


def token_of(config: Config) -> str:
    token = config.discord.token.get_secret_value() if config.discord.token else ""
    if not token:
        raise DiscordConfigError("DISCORD_TOKEN is not set (the bot token of your application).")
    if token.count(".") != 2 or " " in token:
        raise DiscordConfigError("DISCORD_TOKEN doesn't look like a bot token (three parts).")
    return token


def point_at(config: Config) -> None:
    """Where discord.py talks to: Discord's servers, or a proxy or test server."""
    discord.http.Route.BASE = config.discord.api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.discord.gateway_url)


def invite_url(application_id: str) -> str:
    """The link a server admin opens to add the bot, with exactly what it needs."""
    query = urlencode(
        {
            "client_id": application_id,
            "scope": " ".join(SCOPES),
            "permissions": str(PERMISSIONS.value),
        },
        quote_via=quote,
    )
    return f"https://discord.com/oauth2/authorize?{query}"


class MentorClient(discord.Client):
    """Slash commands and buttons arrive as interactions; with help forums or channels, the
    servers' messages too (and, if switched on, their text: a privileged intent)."""

    def __init__(self, front: DiscordFrontEnd, *, serving: bool = True, **shards: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        if front.help:
            intents.guild_messages = True
            intents.message_content = front.config.discord.message_content
        # Every send (messages, edits, answers to interactions) pings nobody unless it says so.
        super().__init__(intents=intents, allowed_mentions=NO_MENTIONS, **shards)
        self.front = front
        self.serving = serving
        self.tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(self)
        command_tree.build(front, self.tree)
        self.tree.on_error = front.on_tree_error  # type: ignore[method-assign]

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        # Called as each gateway event is parsed, before any handler of it runs: the
        # earliest moment an interaction can be put ahead of the outbox.
        if event == "interaction" and args:
            self.front.callbacks.arrived(args[0])
        super().dispatch(event, *args, **kwargs)

    async def setup_hook(self) -> None:
        if not self.serving:
            # `discord sync` logs in only to upload the command tree: no store, no timers
            # (discord.py runs this hook on login, before any command can be synced).
            return
        # Persistent buttons: registered before the gateway connects, so a click on a
        # message sent before a restart still finds its handler.
        self.add_dynamic_items(CommandButton, CommandMenu)
        await self.front.on_setup()

    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.front.remove_stray_voice_rooms_in(str(guild.id))

    async def on_message(self, message: discord.Message) -> None:
        if self.user is not None and message.author.id == self.user.id:
            return
        post = self.front.help.new_post(message)
        if post is not None:
            await self.front.help_post(post, f"msg:{message.id}")

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        post = self.front.help.edited(self, payload)
        if post is not None:
            edited_at = str(payload.data.get("edited_timestamp") or "")
            await self.front.help_post(post, f"edit:{payload.message_id}:{edited_at}")

    async def on_thread_update(self, before: discord.Thread, after: discord.Thread) -> None:
        post = self.front.help.renamed(before, after)
        if post is not None:
            # No delivery key: THREAD_UPDATE has no event id or edit time, so a key from the
            # thread (its name, before and after) would drop a real rename back to a title
            # it had before. A rename handled twice applies the same title twice: harmless.
            await self.front.help_post(post, None)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        post = self.front.help.removed_message(payload)
        if post is not None:
            await self.front.help_post(post, f"del:{payload.message_id}")

    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        post = self.front.help.removed_thread(payload)
        if post is not None:
            await self.front.help_post(post, f"del:{payload.thread_id}")


class MentorShardedClient(MentorClient, discord.AutoShardedClient):
    """The same client split by shards (`--shard-ids 0,1 --shard-count 4`): each process
    serves its shards' servers; all share the database."""


class DiscordFrontEnd:
    """The client, the core and the glue between them."""

    def __init__(
        self,
        config: Config,
        *,
        clock: Clock | None = None,
        core: Core | None = None,
        shard_ids: list[int] | None = None,
        shard_count: int | None = None,
        serving: bool = True,
    ) -> None:
        self.config = config
        self.token = token_of(config)
        if shard_ids and shard_count is None:
            raise DiscordConfigError("--shard-ids needs --shard-count.")
        if shard_count is not None and any(not 0 <= i < shard_count for i in shard_ids or []):
            raise DiscordConfigError("each shard id must be from 0 to shard count - 1.")
        point_at(config)
        self.clock = clock
        self.core = core
        self.help = HelpPlaces(config)
        if self.help.channels and not config.discord.message_content:
            log.warning(
                "help channels are configured but discord.message_content is off: their "
                "messages can't be read (help forums still work, from titles and tags)"
            )
        self.client: MentorClient = (
            MentorShardedClient(self, serving=serving, shard_ids=shard_ids, shard_count=shard_count)
            if shard_count is not None
            else MentorClient(self, serving=serving)
        )
        self.callbacks = CallbacksFirst()
        self.notifier = DiscordNotifier(self.client, config, self.help, self.callbacks)
        self.store: PlatformStore | None = None
        self._answering = 0  # commands between their interaction and their reply
        self.waker: SweepScheduler | None = None
        self._own_core = False
        self._swept: set[str] = set()  # servers whose stray voice rooms were looked for
        self.core_ready = asyncio.Event()
        set_button_handler(self.run_button)

    async def on_setup(self) -> None:
        if self.core is None:
            self.core = await start_core(self.config, self.notifier, clock=self.clock)
            self._own_core = True
        self.store = self.core.platform_store(PLATFORM)
        self.notifier.store = self.store
        self.core_ready.set()
        await self._remove_stray_voice_rooms()
        if self.clock is None and self._own_core:
            # A shared core (several front ends in one process) has its sweep started once,
            # by whoever created it.
            self.waker = SweepScheduler(self.core.sweep)
            await self.waker.start()
        guild = self.config.discord.dev_guild_id
        if guild:
            # Development only: a guild sync is instant; global syncs are explicit.
            target = discord.Object(id=int(guild))
            self.client.tree.copy_global_to(guild=target)
            await self.client.tree.sync(guild=target)

    async def start(self) -> None:
        """Log in and connect (returns when the client closes)."""
        try:
            await self.client.start(self.token)
        except discord.LoginFailure as exc:
            raise DiscordConfigError(
                "Discord refused DISCORD_TOKEN; copy the bot token again from the Developer Portal."
            ) from exc

    async def close(self) -> None:
        if self.waker is not None:
            self.waker.stop()
        await self.notifier.drain()
        await self.client.close()
        if self.core is not None and self._own_core:
            await self.core.close()

    # -- from interactions to the core ------------------------------------------------------

    async def actor_of(self, interaction: discord.Interaction, guild: str | None = None) -> Actor:
        """Who acts, and in which server. A DM carries no server: it is the one the button's
        message was for (`guild`, if a server this deployment serves), else the one the
        person was last seen in."""
        user = interaction.user
        roles = tuple(str(r.id) for r in getattr(user, "roles", []))
        if interaction.guild_id is not None:
            workspace = str(interaction.guild_id)
        elif guild is not None and self.config.community_for(PLATFORM, guild) is not None:
            workspace = guild
        else:
            assert self.store is not None
            workspace = await self.store.workspace_of(str(user.id)) or self._single_guild()
        return Actor(PLATFORM, workspace, str(user.id), user.display_name, roles)

    def _single_guild(self) -> str:
        guilds = [c.discord.guild_id for c in self.config.communities.values()]
        return next((g for g in guilds if g), "dm")

    async def run(
        self,
        interaction: discord.Interaction,
        build: Callable[[], c.Command],
        guild: str | None = None,
    ) -> None:
        """Build and run the command, answer privately.

        The command is built by the core's bus, so a value it refuses (a blank skill, zero
        minutes) is answered like any other refusal."""
        assert self.core is not None
        bus = self.core.bus
        await self.answer_soon(
            interaction, lambda actor, ix: bus.handle_built(actor, build, ix), guild
        )

    async def run_line(self, interaction: discord.Interaction, text: str) -> None:
        assert self.core is not None
        bus = self.core.bus
        await self.answer_soon(interaction, lambda actor, ix: bus.handle_text(actor, text, ix))

    async def answer_soon(
        self,
        interaction: discord.Interaction,
        handle: Callable[[Actor, str], Awaitable[Reply]],
        guild: str | None = None,
    ) -> None:
        """Run `handle(actor, delivery)` and answer in the interaction's callback when the
        reply is ready within `discord.reply_in_callback_ms` (one request to Discord, seen
        sooner); otherwise defer (Discord's 3-second rule) and follow up when it is."""
        acted_in: list[str] = []

        async def work() -> Reply:
            actor = await self.actor_of(interaction, guild)
            acted_in.append(actor.workspace)
            return await handle(actor, f"ix:{interaction.id}")

        # Alone, a command is quick and its reply goes in the callback. With others running
        # or messages going out, it would wait for them: the deferral goes first, so the
        # callback never queues behind anyone's work.
        crowded = (
            self._answering > 0
            or self.notifier.sending() > 0
            or self.callbacks.waiting(besides=interaction) > 0
        )
        self._answering += 1
        try:
            if crowded:
                await self._defer(interaction)
            task = asyncio.ensure_future(work())
            if not crowded:
                try:
                    await asyncio.wait_for(
                        asyncio.shield(task), self.config.discord.reply_in_callback_ms / 1000
                    )
                except TimeoutError:
                    await self._defer(interaction)
            reply = await task
        finally:
            self._answering -= 1
        # An answer in a DM has its buttons clicked there too: they name the server.
        server = acted_in[0] if interaction.guild_id is None else ""
        await self.answer(interaction, reply, server if server.isdecimal() else None)

    async def _defer(self, interaction: discord.Interaction) -> None:
        """Defer the callback. If Discord refuses (the interaction expired while the process
        was busy), the command runs all the same: what it does (an accepted offer, a sent
        form) must not depend on its callback; its answer then fails like any other."""
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
        except discord.HTTPException as exc:
            metrics.PLATFORM_ERRORS.labels(PLATFORM).inc()
            log.warning("Discord refused a deferral; the command runs anyway: %s", exc)

    async def run_button(
        self, interaction: discord.Interaction, command: str, guild: str | None = None
    ) -> None:
        form = form_for(command)
        if form is not None and form[0] in ("rate", "dispute"):
            # "Rate s7" / "Dispute s7" buttons open the form, as the slash commands do.
            if form[0] == "rate":
                await self.open_rate_modal(interaction, form[1], None, guild)
            else:
                await self.open_dispute_modal(interaction, form[1], guild)
            return
        assert self.core is not None
        bus = self.core.bus
        await self.answer_soon(
            interaction, lambda actor, ix: bus.handle_line(actor, command, ix), guild
        )

    async def answer(
        self, interaction: discord.Interaction, reply: Reply, guild: str | None = None
    ) -> None:
        """The reply, privately: in the callback if none was sent yet, else as a follow-up;
        `guild`: the server its buttons are for, when it is in a DM."""
        if reply.duplicate:
            return
        kwargs: dict[str, Any] = {
            "embed": embed(reply.text, reply.fields, error=reply.is_error),
            "ephemeral": True,
        }
        buttons = view(reply.actions, guild=guild)
        if buttons is not None:
            kwargs["view"] = buttons
        if reply.files:
            kwargs["files"] = files(reply.files)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(**kwargs)
            else:
                await interaction.response.send_message(**kwargs)
        except discord.NotFound as exc:
            if exc.code != UNKNOWN_INTERACTION:
                raise
            # Too late for its callback (its deferral was refused too): the command was done,
            # and there is nowhere left to say so; Discord told the person it didn't respond.
            log.warning("an interaction expired before its answer; its command was done")

    async def help_post(self, post: Post, delivery: str | None) -> None:
        """A help post's event for the core; a refusal reaches only its author, by DM. With
        their DMs closed, the post says only that, mentioning them: a refusal can be about
        them (a suspension), which is nobody else's business."""
        if self.core is None:
            return  # not started: Discord sends no backlog, and the post can be re-made
        if not post.author:
            # A deletion of a post this process never saw (posted before a restart, or out
            # of the client's cache): the store knows the author of every post it kept.
            assert self.store is not None
            author = await self.store.post_author(post.guild, post.place, post.post)
            if author is None:
                return  # not a post the bot kept: nothing to call off
            post = replace(post, author=author)
        actor = Actor(PLATFORM, post.guild, post.author, post.name)
        reply = await self.core.bus.handle_built(actor, post.build, delivery=delivery)
        if not reply.is_error or reply.duplicate or post.removed:
            return
        card = embed(reply.text, reply.fields, error=True)
        try:
            dm = await self.client.http.start_private_message(int(post.author))
            await self.client.get_partial_messageable(int(dm["id"])).send(embed=card)
            return
        except discord.Forbidden:
            pass  # DMs closed: say so where they posted
        await self._refused_in_public(post)

    async def _refused_in_public(self, post: Post) -> None:
        """In the post's thread (a forum post's own, or the one the bot opened on a help
        channel's message), else in a reply to the message: not top level in the channel."""
        assert self.store is not None
        text = f"<@{post.author}> {REFUSED_POST}"
        allowed = mentioning(post.author)
        thread = post.post if post.place in self.help.forums else None
        if thread is None:
            # the notifier keeps that thread under the post's key (no community in it)
            address = PostAddress("", PLATFORM, post.guild, post.place, post.post)
            thread = await self.store.find_channel(post.guild, conversation_key(address))
        if thread is not None:
            await self.client.get_partial_messageable(int(thread)).send(
                text, allowed_mentions=allowed
            )
            return
        # Deleted meanwhile: said without the reply, rather than not at all.
        to = discord.MessageReference(
            message_id=int(post.post), channel_id=int(post.place), fail_if_not_exists=False
        )
        await self.client.get_partial_messageable(int(post.place)).send(
            text, allowed_mentions=allowed, reference=to
        )

    async def skills_matching(self, interaction: discord.Interaction, typed: str) -> list[str]:
        """The core's suggestions for an autocomplete (empty where the core refuses)."""
        assert self.core is not None
        actor = await self.actor_of(interaction)
        return list((await self.core.bus.handle(actor, SuggestSkills(typed))).choices)

    async def _form(
        self, interaction: discord.Interaction, form: str, text: str | None = None
    ) -> FormSpec | None:
        """How the core says a form looks (with the skills suggested from `text`, the
        message an ask starts from); None (the refusal shown) when it won't open."""
        assert self.core is not None
        query = DescribeForm(form, None, text)
        reply = await self.core.bus.handle(await self.actor_of(interaction), query)
        if reply.form is None:
            await interaction.response.send_message(
                embed=embed(reply.text, error=True), ephemeral=True
            )
        return reply.form

    async def _remove_stray_voice_rooms(self) -> None:
        """Voice channels of sessions that are over, left by a crash: removed at start."""
        for community in self.config.communities.values():
            guild, category = community.discord.guild_id, community.discord.voice_category_id
            if guild is not None and category is not None:
                await self._sweep_voice_rooms(guild, category)

    async def _sweep_voice_rooms(self, guild: str, category: str) -> None:
        try:
            removed = await self.notifier.remove_stray_voice_rooms(guild, category)
        except discord.HTTPException:
            log.exception("couldn't look for stray voice channels in %s", guild)
            return
        if removed:
            log.info("removed %d stray session voice channel(s) in %s", removed, guild)

    async def remove_stray_voice_rooms_in(self, guild: str) -> None:
        """A server the bot is in, for a community that names a voice category but no
        server (every server is that community): its stray rooms go too, once it is seen."""
        if self.store is None or guild in self._swept:
            return
        self._swept.add(guild)
        for community in self.config.communities.values():
            category = community.discord.voice_category_id
            if community.discord.guild_id is None and category is not None:
                await self._sweep_voice_rooms(guild, category)

    async def on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Something went wrong before the core answered: log it, apologise, no trace."""
        if isinstance(error, app_commands.CommandSignatureMismatch):
            # Discord's copy of the commands is not this version's (started before
            # `micromentor discord sync`): nothing failed here, and the person can't fix it.
            log.warning(
                "/%s differs from Discord's copy: run `micromentor discord sync`",
                error.command.qualified_name,
            )
            text = OUT_OF_SYNC
        else:
            log.error("app command failed: %s", error, exc_info=error)
            text = "Sorry, something went wrong on our side and nothing was changed."
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed(text, error=True), ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed(text, error=True), ephemeral=True)

    # -- modals ---------------------------------------------------------------------------------

    async def open_ask_modal(
        self,
        interaction: discord.Interaction,
        skills: str | None,
        minutes: int | None,
        at: str | None,
        with_mentor: str | None,
        mentors: int,
        choose: bool | None = None,
    ) -> None:
        try:
            # What the slash command already says is checked before the form opens, so
            # nobody writes a question only to hear that the skills were blank.
            if skills is None:
                c.AskForHelp.check_other_options(minutes, at, with_mentor, mentors)
            else:
                c.AskForHelp.check_options(skills, minutes, at, with_mentor, mentors)
        except MicromentorError as exc:
            await interaction.response.send_message(
                embed=embed(exc.user_text(), error=True), ephemeral=True
            )
            return
        limits = await self._form(interaction, "ask")
        if limits is None:
            return
        options = AskOptions(skills, minutes, at, with_mentor, mentors, choose)
        await interaction.response.send_modal(AskForm(self, limits, "Ask for help", options))

    async def open_ask_about_modal(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        """ "Ask a mentor about this" on a message: the ask form with the message as the
        question, the skills suggested from it (to keep or change), and the message's link
        kept for the mentor. A message command carries the message's text even without the
        Message Content intent."""
        limits = await self._form(interaction, "ask", message.content or None)
        if limits is None:
            return
        form = AskForm(
            self,
            limits,
            "Ask a mentor about this",
            AskOptions(about=message.jump_url),
            question=message.content or None,
        )
        await interaction.response.send_modal(form)

    async def open_rate_modal(
        self,
        interaction: discord.Interaction,
        session: str,
        who: str | None,
        guild: str | None = None,
    ) -> None:
        front = self

        class RateModal(discord.ui.Modal, title=f"Rate {session}"[:45]):
            score: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label="Overall, 1 to 5", max_length=1
            )
            aspects: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label="Aspects, e.g. helpfulness 5 clarity 4",
                required=False,
                max_length=100,
            )
            comment: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label="Comment (only they and moderators see it)",
                style=discord.TextStyle.paragraph,
                required=False,
                max_length=1000,
            )

            async def on_submit(self, submitted: discord.Interaction) -> None:
                score, aspects, comment = str(self.score), str(self.aspects), str(self.comment)
                await front.run(
                    submitted, lambda: rating(session, who, score, aspects, comment), guild
                )

        await interaction.response.send_modal(RateModal())

    async def open_dispute_modal(
        self, interaction: discord.Interaction, session: str, guild: str | None = None
    ) -> None:
        front = self

        class DisputeModal(discord.ui.Modal, title=f"Dispute {session}"[:45]):
            statement: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label="What happened?", style=discord.TextStyle.paragraph, max_length=2000
            )

            async def on_submit(self, submitted: discord.Interaction) -> None:
                statement = str(self.statement)
                await front.run(submitted, lambda: c.OpenDispute(session, statement), guild)

        await interaction.response.send_modal(DisputeModal())


@dataclass(frozen=True)
class AskOptions:
    """What an ask has before its form: the slash command's options, or the message it is
    about. No skills: the form asks for them."""

    skills: str | None = None
    minutes: int | None = None
    at: str | None = None
    with_mentor: str | None = None
    mentors: int = 1
    choose: bool | None = None
    about: str | None = None


class AskForm(discord.ui.Modal):
    """The ask form: the question, what you want to reach, what you tried; and the skills
    when the command didn't give them (prefilled with those the message suggests). Sent
    with no skills, the answer lists the skills the question suggests."""

    def __init__(
        self,
        front: DiscordFrontEnd,
        limits: FormSpec,
        title: str,
        options: AskOptions,
        *,
        question: str | None = None,
        goal: str | None = None,
        tried: str | None = None,
    ) -> None:
        super().__init__(title=title)
        self.front = front
        self.options = options
        self.form_title = title
        self.skills: discord.ui.TextInput[Any] | None = None
        if options.skills is None:
            self.skills = discord.ui.TextInput(
                label="Skills (separated by spaces)",
                required=False,
                default=" ".join(limits.skills) or None,
                max_length=200,
            )
            self.add_item(self.skills)
        self.question: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Your question",
            style=discord.TextStyle.paragraph,
            default=(question or "")[: limits.question_max] or None,
            max_length=limits.question_max,
        )
        self.goal: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="What do you want to reach?",
            required=False,
            default=goal,
            max_length=min(limits.detail_max, 1000),
        )
        self.tried: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="What have you tried?",
            style=discord.TextStyle.paragraph,
            required=False,
            default=tried,
            max_length=min(limits.detail_max, 1000),
        )
        for item in (self.question, self.goal, self.tried):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        o = self.options
        skills = o.skills if self.skills is None else _filled(self.skills)
        question = str(self.question)
        if skills is None and question.strip():
            # A Discord form can't stay open to show an error: what was written is kept
            # for a button that opens it again, with the skills the question suggests.
            await self.ask_again(interaction, question)
            return

        def build() -> c.Command:
            if skills is None:
                return c.SkillsFromQuestion(question, in_form=True)
            return c.AskForHelp(
                tags=(skills,),
                question=question,
                minutes=o.minutes,
                at=o.at,
                goal=_filled(self.goal),
                tried=_filled(self.tried),
                with_mentor=o.with_mentor,
                mentors=o.mentors,
                choose=o.choose,
                about=o.about,
            )

        await self.front.run(interaction, build)

    async def ask_again(self, interaction: discord.Interaction, question: str) -> None:
        """The skills the question suggests, and a button that opens the form again with
        everything written so far and those skills filled in (until the button expires)."""
        limits = await self.front._form(interaction, "ask", question)
        if limits is None:
            return
        again = AskForm(
            self.front,
            limits,
            self.form_title,
            self.options,
            question=question,
            goal=_filled(self.goal),
            tried=_filled(self.tried),
        )
        guessed = ", ".join(f"`{s}`" for s in limits.skills)
        text = (
            f"Which skills is your question about? From what you wrote, I'd guess {guessed}."
            if guessed
            else "Which skills is your question about?"
        ) + " Press the button to open the form again with what you wrote, and give them."
        button: discord.ui.Button[Any] = discord.ui.Button(
            label="Add the skills", style=discord.ButtonStyle.primary
        )

        async def reopen(pressed: discord.Interaction) -> None:
            await pressed.response.send_modal(again)

        button.callback = reopen  # type: ignore[method-assign, assignment]
        keep = discord.ui.View(timeout=REOPEN_FOR)
        keep.add_item(button)
        await interaction.response.send_message(
            embed=embed(text, error=True), view=keep, ephemeral=True
        )


# How long the "Add the skills" button of a form sent without skills keeps what was written
# (in this process only: after a restart the member writes it again).
REOPEN_FOR = 600.0


# What separates an aspect from its number, and one aspect from the next, in the form.
_ASPECT_SEPARATORS = re.compile(r"[\s,;:=]+")
_DASHES = "-\u2014\u2013"


def rating(session: str, who: str | None, score: str, aspects: str, comment: str) -> c.Command:
    """The rating form as the core's `rate`. The aspects box is read as people type it on
    a phone (`Helpfulness 5`, `clarity: 4`, `helpfulness=5, clarity=4`): each name
    lowercased, or refused by the core as an aspect it doesn't know."""
    words = [w.strip(_DASHES) for w in _ASPECT_SEPARATORS.split(aspects)]
    words = [w for w in words if w]
    options = []
    for name, value in zip(words[::2], [*words[1::2], ""], strict=False):
        options.append(f"--{c.ASPECT.check(name)} {value}")
    line = f"rate {session} {who or ''} {score.strip()} {' '.join(options)}"
    if comment.strip():
        line += f" -- {comment}"
    return parse(line)


def _filled(field: discord.ui.TextInput[Any]) -> str | None:
    """An optional form field: None when left empty (or only spaces), else what was typed."""
    text = str(field)
    return text if text.strip() else None


async def serve(
    config: Config,
    *,
    clock: Clock | None = None,
    shard_ids: list[int] | None = None,
    shard_count: int | None = None,
) -> int:
    """Run until SIGTERM; then stop taking input, finish, close the gateway and the store."""
    front = DiscordFrontEnd(config, clock=clock, shard_ids=shard_ids, shard_count=shard_count)
    stop = stop_event()
    health = None

    async def run() -> None:
        await front.start()

    async def watch_health() -> None:
        nonlocal health
        await front.core_ready.wait()  # the core opens in setup_hook, after login
        assert front.core is not None
        health = await start_health(front.core, lambda: {"discord": front.client.is_ready()})

    watcher = asyncio.create_task(watch_health())
    try:
        await until_stopped(run(), stop)
    finally:
        watcher.cancel()
        if health is not None:
            await health.stop()
        await front.close()
    return 0


async def application_id(config: Config) -> str:
    """From the config, or by logging in once."""
    if config.discord.application_id:
        return config.discord.application_id
    point_at(config)
    client = discord.Client(intents=discord.Intents.none())
    try:
        await client.login(token_of(config))
        return str(client.application_id)
    except discord.LoginFailure as exc:
        raise DiscordConfigError("Discord refused DISCORD_TOKEN.") from exc
    finally:
        await client.close()


async def sync(config: Config, guild: str | None) -> str:
    """Sync the commands: to one guild (instant, for development) or globally (deploy).

    Only the command tree is built: the store is never opened, so the command ends as soon
    as Discord has the commands.
    """
    front = DiscordFrontEnd(config, serving=False)
    try:
        await front.client.login(front.token)
        if guild:
            target = discord.Object(id=int(guild))
            front.client.tree.copy_global_to(guild=target)
            synced = await front.client.tree.sync(guild=target)
            return f"synced {len(synced)} command(s) to guild {guild}"
        synced = await front.client.tree.sync()
        return f"synced {len(synced)} command(s) globally (may take up to an hour to show)"
    except discord.LoginFailure as exc:
        raise DiscordConfigError("Discord refused DISCORD_TOKEN.") from exc
    finally:
        await front.client.close()
