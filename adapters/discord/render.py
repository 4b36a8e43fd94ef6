"""The core's replies and messages as embeds and persistent buttons, within Discord's limits."""

from __future__ import annotations

import io
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.domain.messages import Action, Attachment, Field

MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_BUTTONS = 25
MAX_LABEL = 80
MAX_CUSTOM_ID = 100
PREFIX = "mm|"
MENU_PREFIX = "mmsel|"
MAX_PLACEHOLDER = 150
MAX_OPTION_VALUE = 100
MAX_MENU_OPTIONS = 25
ERROR_COLOUR = discord.Colour.red()
COLOUR = discord.Colour.blurple()

# Set by the front end: what a click runs (interaction, command text, the server the
# button's message was for, when it names one).
ButtonHandler = Callable[[discord.Interaction, str, str | None], Awaitable[None]]
_handler: dict[str, ButtonHandler] = {}


# Nobody is pinged by what the bot sends, whatever the text says; the one message that means
# to reach someone names them by id (see `mentioning`). Set on the client for every send.
NO_MENTIONS = discord.AllowedMentions.none()
# The <...> forms Discord turns into something else: user, role and channel mentions, slash
# command links, custom emoji and timestamps. A zero-width space after "<" leaves them as text.
_MARKUP = re.compile(r"<(?=[@#/:]|a:|t:)")
_OPEN_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)\[")
# Code as Discord finds it, scanning left to right: a fenced block, else an inline span
# opened by a run of backticks and closed by a run as long. An address is matched first
# (its backticks open nothing, as in Discord); it is escaped with the text around it.
_CODE = re.compile(
    r"(?P<link><[^: >]+:/[^ >]+>|(?:https?|steam)://[^\s<]+[^<.,:;\"')\]\s])"
    r"|(?P<code>```[\s\S]+?```|(?P<ticks>`+)[\s\S]*?[^`](?P=ticks)(?!`))"
)


def escape(text: str) -> str:
    """The one rule for text Discord parses (message content, embed descriptions, field names
    and values): the core's text quotes members, so their markdown (masked links, emphasis,
    spoilers, headings, quotes) is escaped and their mentions (@everyone, @here, <@id>,
    <@&id>, <#id>) can't form. Code is left as typed: Discord shows it as text, where a
    backslash would show (and the core writes commands in it); a backtick with no partner
    is escaped, so Discord opens no code where none was found here."""
    out: list[str] = []
    start = 0
    for match in _CODE.finditer(text):
        if match["code"] is not None:
            out += [_escape_markdown(text[start : match.start()]), match["code"]]
            start = match.end()
    out.append(_escape_markdown(text[start:]))
    # Mentions are neutralised in code too: should Discord read a span differently, none
    # forms (and AllowedMentions.none() stops pings either way).
    return _MARKUP.sub("<\u200b", discord.utils.escape_mentions("".join(out)))


def _escape_markdown(text: str) -> str:
    text = discord.utils.escape_markdown(text)
    # escape_markdown escapes one masked link a line (its pattern is greedy); every "[" not
    # yet escaped (after an even run of backslashes) gets its own, so no link can form.
    return _OPEN_BRACKET.sub(r"\1\\[", text)


def mentioning(user_id: str) -> discord.AllowedMentions:
    """Allowed mentions for a message that means to ping this one person, and nobody else."""
    return discord.AllowedMentions(
        everyone=False, roles=False, replied_user=False, users=[discord.Object(id=int(user_id))]
    )


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escaped(text: str, limit: int) -> str:
    """`escape(text)` within `limit`, cut before escaping: code cut short has lost its
    closing backticks, so it is escaped as text rather than left raw."""
    out, cut = escape(text), len(text)
    while len(out) > limit:
        cut = max(0, cut - max(1, len(out) - limit))
        out = escape(text[:cut]) + "…"
    return out


def embed(text: str, fields: tuple[Field, ...] = (), *, error: bool = False) -> discord.Embed:
    """Text as the description, fields as embed fields, all escaped."""
    out = discord.Embed(
        description=escaped(text, MAX_DESCRIPTION) or " ",
        colour=ERROR_COLOUR if error else COLOUR,
    )
    for field in fields[:MAX_FIELDS]:
        out.add_field(
            name=escaped(field.label, MAX_FIELD_NAME) or "-",
            value=escaped(field.value, MAX_FIELD_VALUE) or "-",
            inline=False,
        )
    return out


class CommandButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mm\|(?:(?P<guild>[0-9]+)\|)?(?P<command>.+)",
):
    """A button whose custom_id carries the command it runs, so it keeps working after a
    restart (registered once in setup_hook; all state is in the id and the database).

    In a DM, the id also names the server the message was for (`mm|<server>|<command>`): a
    click there carries no server, and its clicker may be in several. Ids made before it
    (`mm|<command>`; commands start with `/`) still work."""

    def __init__(
        self,
        command: str,
        label: str = "Go",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        guild: str | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=clip(label, MAX_LABEL),
                style=style,
                custom_id=clip(custom_id(command, guild), MAX_CUSTOM_ID),
            )
        )
        self.command = command
        self.guild = guild

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CommandButton:
        return cls(match["command"], guild=match["guild"])

    async def callback(self, interaction: discord.Interaction) -> None:
        handler = _handler.get("run")
        if handler is not None:
            await handler(interaction, self.command, self.guild)


def custom_id(command: str, guild: str | None = None) -> str:
    return f"{PREFIX}{guild}|{command}" if guild else PREFIX + command


class CommandMenu(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"mmsel\|(?P<name>.*)"):
    """A select menu whose options' values are the commands they run (like buttons), so it
    keeps working after a restart."""

    def __init__(self, name: str, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=clip(MENU_PREFIX + name, MAX_CUSTOM_ID),
                placeholder=clip(name, MAX_PLACEHOLDER),
                options=options or [discord.SelectOption(label="-", value="-")],
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CommandMenu:
        return cls(match["name"])

    async def callback(self, interaction: discord.Interaction) -> None:
        handler = _handler.get("run")
        values = self.item.values
        command = str(values[0]) if values else ""
        if handler is not None and command.startswith("/mentor"):
            await handler(interaction, command, None)


def set_button_handler(handler: ButtonHandler) -> None:
    _handler["run"] = handler


_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
}


def view(
    actions: tuple[Action, ...], menu: str | None = None, guild: str | None = None
) -> discord.ui.View | None:
    """Persistent buttons (no timeout) for the actions that fit in a custom_id; or, with a
    menu's placeholder, one select menu whose options are the actions. `guild`: the server
    a DM's buttons are for, named in each id that has room for it (else the clicker's last
    seen server is used)."""
    if menu is not None:
        choices = [
            discord.SelectOption(label=clip(a.label, MAX_LABEL), value=a.command)
            for a in actions
            if len(a.command) <= MAX_OPTION_VALUE
        ][:MAX_MENU_OPTIONS]
        if not choices:
            return None
        menu_view = discord.ui.View(timeout=None)
        menu_view.add_item(CommandMenu(menu, choices))
        return menu_view
    usable = [a for a in actions if len(custom_id(a.command)) <= MAX_CUSTOM_ID][:MAX_BUTTONS]
    if not usable:
        return None
    out = discord.ui.View(timeout=None)
    for action in usable:
        fits = guild is not None and len(custom_id(action.command, guild)) <= MAX_CUSTOM_ID
        out.add_item(
            CommandButton(
                action.command,
                action.label,
                _STYLES.get(action.style, discord.ButtonStyle.secondary),
                guild if fits else None,
            )
        )
    return out


def files(attachments: tuple[Attachment, ...]) -> list[discord.File]:
    return [discord.File(io.BytesIO(a.content.encode()), filename=a.filename) for a in attachments]
