"""One hostile text for every front end, and a walk over recorded platform calls that finds
each text the platform would parse."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# Everything a member could type to ping people, forge a link or hide words: Slack's special
# mentions and links, Discord's mentions (ids the length of real ones), masked links, markdown
# and an entity that must stay as typed. No " --", so the text grammar takes it whole.
HOSTILE = (
    "<!channel> <!here> <!everyone> <!subteam^S1|@team> <@U123> <#C1> "
    "<https://evil.example|click> @everyone @here <@123456789012345678> "
    "<@&123456789012345678> <#123456789012345678> </mentor ask:123456789012345678> "
    "<t:1:R> [click](https://evil.example) *bold* __under__ ~~gone~~ ||spoiler|| `tick` "
    "Z&lt;Z &amp;"
)
# A display name a member can choose, with the same tricks.
HOSTILE_NAME = "<!channel> @everyone [eve](https://evil.example)"


def parsed_strings(
    body: Any, unparsed: frozenset[str], plain: Any = None, key: str = ""
) -> Iterator[tuple[str, str]]:
    """(key, text) for every string in a request body the platform would parse: everything
    except the keys named unparsed, and objects `plain(obj)` says are shown as typed. What
    is not known to be safe is checked, so a new kind of field is covered without a change
    here."""
    if isinstance(body, dict):
        if plain is not None and plain(body):
            return
        for k, v in body.items():
            if k not in unparsed:
                yield from parsed_strings(v, unparsed, plain, str(k))
    elif isinstance(body, list):
        for item in body:
            yield from parsed_strings(item, unparsed, plain, key)
    elif isinstance(body, str):
        yield key, body


# -- Slack ------------------------------------------------------------------------------------

# Ids, commands, channel ids and tokens: Slack shows none of these as message text.
SLACK_UNPARSED = frozenset(
    {
        "action_id",
        "block_id",
        "callback_id",
        "channel",
        "external_id",
        "filename",
        "hash",
        "id",
        "private_metadata",
        "response_type",
        "style",
        "team_id",
        "token",
        "trigger_id",
        "ts",
        "type",
        "user_id",
        "users",
        "value",
    }
)
# Slack's control characters are &, < and >: in parsed text each must be an entity.
SLACK_UNSAFE = re.compile(r"[<>]|&(?!(?:amp|lt|gt);)")


def slack_plain(obj: dict[str, Any]) -> bool:
    """plain_text objects are shown as typed (Slack escapes them itself) and never parsed."""
    return obj.get("type") == "plain_text"


def slack_unsafe_texts(body: Any) -> list[tuple[str, str]]:
    """(key, text) of every parsed text in a Slack request body with a raw &, < or >."""
    return [
        (k, s)
        for k, s in parsed_strings(body, SLACK_UNPARSED, slack_plain)
        if SLACK_UNSAFE.search(s)
    ]


# -- Discord ----------------------------------------------------------------------------------

# Ids, labels and placeholders: Discord shows them as typed, or not at all; attached files
# (an export) are downloaded, never parsed.
DISCORD_UNPARSED = frozenset(
    {
        "allowed_mentions",
        "custom_id",
        "filename",
        "files",
        "id",
        "label",
        "placeholder",
        "type",
        "url",
    }
)
# Mentions and the other <...> forms Discord turns into something else, @everyone and @here,
# and the hostile text's markdown (masked links, emphasis, spoilers) left unescaped.
# Mentions ping wherever they are; markdown only works outside code, where Discord shows the
# text as typed (so code is left unescaped, and isn't looked at for markdown).
DISCORD_PINGS = re.compile(r"<[@#/:]|<a:|<t:|@everyone|@here")
DISCORD_MARKDOWN = re.compile(
    r"(?<!\\)\[(?:click|eve)\]|(?<!\\)\*bold|(?<!\\)__under|(?<!\\)~~gone|(?<!\\)\|\|spoiler"
)
DISCORD_CODE = re.compile(r"```.*?```|`[^`]+`", re.DOTALL)


def discord_unsafe(text: str) -> bool:
    """Whether Discord would read a ping anywhere in `text`, or markdown outside its code."""
    return bool(DISCORD_PINGS.search(text)) or bool(
        DISCORD_MARKDOWN.search(DISCORD_CODE.sub("", text))
    )


def discord_component(obj: dict[str, Any]) -> bool:
    """Buttons, forms and their inputs show their text as typed."""
    return "custom_id" in obj


def discord_unsafe_texts(body: Any) -> list[tuple[str, str]]:
    """(key, text) of every parsed text in a Discord request body that could ping or link."""
    return [
        (k, s)
        for k, s in parsed_strings(body, DISCORD_UNPARSED, discord_component)
        if discord_unsafe(s)
    ]


def discord_message_of(body: Any) -> dict[str, Any] | None:
    """The message in a call's body (an interaction callback carries it as `data`)."""
    if not isinstance(body, dict):
        return None
    if "content" in body or "embeds" in body:
        return body
    data = body.get("data")
    return data if isinstance(data, dict) and ("content" in data or "embeds" in data) else None


def discord_pings(message: dict[str, Any]) -> bool:
    """Whether a message lets Discord ping anyone (its allowed_mentions parse anything)."""
    allowed = message.get("allowed_mentions") or {}
    return allowed.get("parse") != [] or bool(allowed.get("roles")) or bool(allowed.get("users"))
