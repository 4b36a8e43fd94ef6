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

# Set by the front end: what a click runs (interaction, command text).
ButtonHandler = Callable[[discord.Interaction, str], Awaitable[None]]
_handler: dict[str, ButtonHandler] = {}


# Nobody is pinged by what the bot sends, whatever the text says; the one message that means
# to reach someone names them by id (see `mentioning`). Set on the client for every send.
NO_MENTIONS = discord.AllowedMentions.none()
# The <...> forms Discord turns into something else: user, role and channel mentions, slash
# command links, custom emoji and timestamps. A zero-width space after "<" leaves them as text.
_MARKUP = re.compile(r"<(?=[@#/:]|a:|t:)")
_OPEN_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)\[")


def escape(text: str) -> str:
    """The one rule for text Discord parses (message content, embed descriptions, field names
    and values): the core's text quotes members, so their markdown (masked links, emphasis,
    spoilers, headings, quotes) is escaped and their mentions (@everyone, @here, <@id>,
    <@&id>, <#id>) can't form. Backticks are kept: code shows its text as typed, and the
    core writes commands in it."""
    text = discord.utils.escape_markdown(text).replace("\\`", "`")
    # escape_markdown escapes one masked link a line (its pattern is greedy); every "[" not
    # yet escaped (after an even run of backslashes) gets its own, so no link can form.
    text = _OPEN_BRACKET.sub(r"\1\\[", text)
    return _MARKUP.sub("<\u200b", discord.utils.escape_mentions(text))


def mentioning(user_id: str) -> discord.AllowedMentions:
    """Allowed mentions for a message that means to ping this one person, and nobody else."""
    return discord.AllowedMentions(
        everyone=False, roles=False, replied_user=False, users=[discord.Object(id=int(user_id))]
    )


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def embed(text: str, fields: tuple[Field, ...] = (), *, error: bool = False) -> discord.Embed:
    """Text as the description, fields as embed fields, all escaped."""
    out = discord.Embed(
        description=clip(escape(text) or " ", MAX_DESCRIPTION),
        colour=ERROR_COLOUR if error else COLOUR,
    )
    for field in fields[:MAX_FIELDS]:
        out.add_field(
            name=clip(escape(field.label) or "-", MAX_FIELD_NAME),
            value=clip(escape(field.value) or "-", MAX_FIELD_VALUE),
            inline=False,
        )
    return out


class CommandButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"mm\|(?P<command>.+)"
):
    """A button whose custom_id carries the command it runs, so it keeps working after a
    restart (registered once in setup_hook; all state is in the id and the database)."""

    def __init__(
        self,
        command: str,
        label: str = "Go",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=clip(label, MAX_LABEL),
                style=style,
                custom_id=clip(PREFIX + command, MAX_CUSTOM_ID),
            )
        )
        self.command = command

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CommandButton:
        return cls(match["command"])

    async def callback(self, interaction: discord.Interaction) -> None:
        handler = _handler.get("run")
        if handler is not None:
            await handler(interaction, self.command)


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
            await handler(interaction, command)


def set_button_handler(handler: ButtonHandler) -> None:
    _handler["run"] = handler


_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
}


def view(actions: tuple[Action, ...], menu: str | None = None) -> discord.ui.View | None:
    """Persistent buttons (no timeout) for the actions that fit in a custom_id; or, with a
    menu's placeholder, one select menu whose options are the actions."""
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
    usable = [a for a in actions if len(PREFIX + a.command) <= MAX_CUSTOM_ID][:MAX_BUTTONS]
    if not usable:
        return None
    out = discord.ui.View(timeout=None)
    for action in usable:
        out.add_item(
            CommandButton(
                action.command,
                action.label,
                _STYLES.get(action.style, discord.ButtonStyle.secondary),
            )
        )
    return out


def files(attachments: tuple[Attachment, ...]) -> list[discord.File]:
    return [discord.File(io.BytesIO(a.content.encode()), filename=a.filename) for a in attachments]
