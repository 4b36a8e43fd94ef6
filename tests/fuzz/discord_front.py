"""Fuzzing Discord: slash commands with typed options (right and wrong), forms, button
clicks and autocomplete as INTERACTION_CREATE through the loopback gateway to the real
discord.py client, its command tree and views."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from hypothesis import strategies as st

from tests.adapters.discord.fake import GENERAL, HELP_CHANNEL, HELP_FORUM, FakeDiscord, text_of
from tests.adapters.discord.test_discord import MOD_ROLE, Rig, start_rig, stop_rig
from tests.adapters.hostile import HOSTILE_NAME
from tests.fuzz import strategies as s
from tests.fuzz.invariants import (
    Problem,
    clear_text,
    discord_escape_problems,
    one_reply,
    reply_problems,
)
from tests.fuzz.runner import SEED

USERS = {"ana": "21", "bob": "22", "mentor1": "11", "mentor2": "12", "eve": "23", "mod": "31"}
PLATFORM = s.Platform("discord", tuple(USERS.values()), "<@{}>", "24")
KUDOS_CHANNEL = "203"
FORMS = ("ask", "rate", "dispute")
ANSWER_WITHIN = 5.0  # seconds; Discord itself gives up after 3


@dataclass(frozen=True)
class Slash:
    user: str
    path: tuple[str, ...]
    options: dict[str, Any]
    members: tuple[str, ...] = ()
    # A form's fields in order (for ask, rate and dispute, which open one).
    fields: tuple[str, ...] = field(default=())
    name: str | None = None  # the member's display name, when not the usual one


@dataclass(frozen=True)
class Click:
    user: str
    custom_id: str
    dm: bool


@dataclass(frozen=True)
class Advance:
    minutes: int


@dataclass(frozen=True)
class HelpPost:
    """A post in the help forum, a message in the help channel, or the last post deleted."""

    user: str
    kind: str  # forum | channel | delete
    title: str
    content: str


@dataclass(frozen=True)
class Autocomplete:
    user: str
    path: tuple[str, ...]
    option: str
    value: str


def _leaves(
    commands: list[Any], prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], app_commands.Command[Any, Any, Any]]]:
    out = []
    for command in commands:
        if isinstance(command, app_commands.Group):
            out += _leaves(list(command.commands), (*prefix, command.name))
        else:
            out.append(((*prefix, command.name), command))
    return out


def _value(param: app_commands.Parameter) -> st.SearchStrategy[Any]:
    """A value Discord could send for this option (and, rarely, one it couldn't)."""
    kind = param.type
    wrong = st.sampled_from(("", "x", "-1"))
    if param.choices:
        return st.one_of(
            st.sampled_from([c.value for c in param.choices]),
            st.sampled_from([c.value for c in param.choices]),
            s.discord_strings(),
        )
    if kind is discord.AppCommandOptionType.integer:
        return st.one_of(s.discord_ints(), s.discord_ints(), s.discord_ints(), wrong)
    if kind is discord.AppCommandOptionType.boolean:
        return st.one_of(st.booleans(), st.booleans(), st.booleans(), wrong)
    if kind is discord.AppCommandOptionType.user:
        return st.sampled_from((*PLATFORM.users, "999999999999999999", "1"))
    return s.discord_strings()


def _options(command: app_commands.Command[Any, Any, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Each option present or left out (a required one only rarely left out)."""
    parts = []
    for param in command.parameters:
        present = st.sampled_from((True,) * 9 + (False,)) if param.required else st.booleans()
        parts.append(
            st.tuples(st.just(param.display_name), present, _value(param)).map(
                lambda t: {t[0]: t[2]} if t[1] else {}
            )
        )
    return st.tuples(*parts).map(lambda ds: {k: v for d in ds for k, v in d.items()})


class DiscordDriver:
    name = "discord"

    def __init__(self) -> None:
        self.folder = Path()
        self.fake = FakeDiscord()
        self.rig: Rig | None = None
        self.leaves: list[tuple[tuple[str, ...], app_commands.Command[Any, Any, Any]]] = []
        self.posts: list[str] = []  # the forum posts made, newest last
        self.handled = 0  # help posts the front end has finished with

    @property
    def store(self) -> Path:
        return self.folder / "discord.db"

    async def start(self, folder: Path) -> None:
        self.folder = folder
        self.fake.names.update({USERS["eve"]: HOSTILE_NAME, USERS["mentor1"]: HOSTILE_NAME + " m"})
        await self.fake.start()
        self.rig = await start_rig(
            folder,
            self.fake,
            MICROMENTOR_COMMUNITIES__DEFAULT__DISCORD__MODERATORS_CHANNEL_ID="201",
            MICROMENTOR_COMMUNITIES__DEFAULT__DISCORD__KUDOS_CHANNEL_ID=KUDOS_CHANNEL,
            MICROMENTOR_COMMUNITIES__DEFAULT__MODERATORS=f'["discord:{USERS["mod"]}"]',
            MICROMENTOR_COMMUNITIES__DEFAULT__DISCORD__HELP_FORUM_IDS=f'["{HELP_FORUM}"]',
            MICROMENTOR_COMMUNITIES__DEFAULT__DISCORD__HELP_CHANNEL_IDS=f'["{HELP_CHANNEL}"]',
            MICROMENTOR_DISCORD__MESSAGE_CONTENT="true",
        )
        await self.rig.front.core_ready.wait()
        # A gateway event has no answer to wait for: count the help posts handled instead.
        front = self.rig.front
        handle = front.help_post

        async def counted(post: Any, delivery: str) -> None:
            try:
                await handle(post, delivery)
            finally:
                self.handled += 1

        front.help_post = counted  # type: ignore[method-assign]
        self.leaves = _leaves(
            self.rig.front.client.tree.get_commands(type=discord.AppCommandType.chat_input)
        )
        for user, line in SEED:
            text = line.format(mentor1=f"<@{USERS['mentor1']}>")
            await self.send(Click(USERS[user], f"mm|/mentor {text}", dm=False))

    def inputs(self) -> st.SearchStrategy[Any]:
        user = s.users(PLATFORM)
        slashes = [
            st.builds(
                Slash,
                user,
                st.just(path),
                _options(command),
                st.just(
                    tuple(
                        p.display_name
                        for p in command.parameters
                        if p.type is discord.AppCommandOptionType.user
                    )
                ),
                st.tuples(s.texts, s.texts, s.texts) if path[-1] in FORMS else st.just(()),
                s.names,
            )
            for path, command in self.leaves
        ]
        completing = [
            st.builds(Autocomplete, user, st.just(path), st.just(p.display_name), s.words)
            for path, command in self.leaves
            for p in command.parameters
            if p.autocomplete
        ]
        clicks = st.builds(Click, user, s.discord_custom_ids(PLATFORM), st.booleans())
        posts = st.builds(
            HelpPost,
            user,
            st.sampled_from(("forum", "forum", "channel", "delete")),
            s.texts,
            s.texts,
        )
        return st.one_of(
            posts,
            st.one_of(*slashes),
            st.one_of(*slashes),
            clicks,
            st.one_of(*completing),
            st.builds(Advance, s.advances),
        )

    async def _answered(self, iid: str) -> list[Problem]:
        """Wait until the interaction is answered; a problem if it never is."""
        fake = self.fake

        def done() -> bool:
            callbacks = fake.callbacks(iid)
            return bool(callbacks) and (callbacks[0]["type"] != 5 or bool(fake.followups(iid)))

        try:
            await fake.wait_for(done, within=ANSWER_WITHIN)
        except (AssertionError, TimeoutError):
            return [Problem("one clear reply", "an interaction was never answered")]
        return []

    def _count(self, iid: str, what: str) -> tuple[list[Problem], list[str]]:
        """Exactly one answer: a deferral and one follow-up, or a form, or one message."""
        callbacks = self.fake.callbacks(iid)
        followups = self.fake.followups(iid)
        problems = one_reply(len(callbacks), "one", f"{what} (callbacks)")
        texts: list[str] = []
        if callbacks and callbacks[0]["type"] == 5:
            problems += one_reply(len(followups), "one", f"{what} (follow-ups)")
            texts = [text_of(f) for f in followups]
        else:
            problems += one_reply(len(followups), "none", f"{what} (follow-ups)")
            texts = [text_of(c["data"]) for c in callbacks if c["type"] == 4]
        for text in texts:
            problems += clear_text(text, what)
        return problems + reply_problems(texts), texts

    async def send(self, item: Any) -> list[Problem]:
        assert self.rig is not None
        fake = self.fake
        calls = len(fake.calls)
        problems: list[Problem] = []
        if isinstance(item, Slash):
            roles = [MOD_ROLE] if item.user == USERS["mod"] else None
            members = [m for m in item.members if m in item.options]
            usual = fake.names.get(item.user)
            if item.name is not None:
                fake.names[item.user] = item.name
            iid = await fake.slash(
                item.user, list(item.path), dict(item.options), members=members, roles=roles
            )
            fake.names.pop(item.user, None)
            if usual is not None:
                fake.names[item.user] = usual
            problems += await self._answered(iid)
            await self.rig.settle()
            problems += self._count(iid, f"/{' '.join(item.path)}")[0]
            if iid in fake.modals:
                problems += await self._submit(item, iid)
        elif isinstance(item, Click):
            # discord.py runs a button only if the clicked message carries it.
            button = {"type": 2, "style": 2, "label": "Go", "custom_id": item.custom_id}
            message = fake._message(
                GENERAL, {"content": "x", "components": [{"type": 1, "components": [button]}]}
            )
            iid = await fake.click(item.user, message, item.custom_id, dm=item.dm)
            problems += await self._answered(iid)
            await self.rig.settle()
            problems += self._count(iid, "a button")[0]
            if iid in fake.modals:
                problems += await self._submit(Slash(item.user, (), {}, (), ("4",) * 3), iid)
        elif isinstance(item, HelpPost):
            before = self.handled
            if item.kind == "forum":
                self.posts.append(await fake.forum_post(item.user, item.title, item.content))
            elif item.kind == "channel":
                await fake.channel_message(item.user, item.content)
            elif self.posts:
                await fake.delete_post(self.posts.pop())
            with contextlib.suppress(AssertionError, TimeoutError):
                # nothing to handle (a blank channel message, no post to delete): no wait
                await fake.wait_for(lambda: self.handled > before, within=1.0)
            await self.rig.settle()
        elif isinstance(item, Advance):
            assert self.rig.front.core is not None
            await self.rig.front.core.sweep.advance(self.rig.clock, timedelta(minutes=item.minutes))
            await self.rig.settle()
        else:
            assert isinstance(item, Autocomplete)
            iid = await fake.slash(
                item.user, list(item.path), {item.option: item.value}, focused=item.option
            )
            problems += await self._answered(iid)
            callbacks = fake.callbacks(iid)
            problems += one_reply(len(callbacks), "one", "autocomplete")
            if callbacks and callbacks[0]["type"] != 8:
                problems.append(Problem("one clear reply", "autocomplete got no choices"))
        new = [(c.method, c.path, c.body) for c in fake.calls[calls:]]
        return problems + discord_escape_problems(new)

    async def _submit(self, item: Slash, opened_by: str) -> list[Problem]:
        """Fill in the form the command opened and submit it."""
        assert self.rig is not None
        modal = self.fake.modals[opened_by]
        labels = []
        for row in modal["components"]:
            inner = row.get("component") or (row.get("components") or [None])[0]
            labels.append(row.get("label") or inner.get("label"))
        values = dict(zip(labels, item.fields, strict=False))
        iid = await self.fake.submit_modal(item.user, opened_by, values)
        problems = await self._answered(iid)
        await self.rig.settle()
        return problems + self._count(iid, "a form")[0]

    async def close(self) -> None:
        if self.rig is not None:
            await stop_rig(self.rig)
        await self.fake.close()
