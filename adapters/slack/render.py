"""The core's replies and messages as Block Kit, within Slack's limits."""

from __future__ import annotations

import re
from typing import Any

from bot.domain.messages import Action, Field

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_BUTTON_TEXT = 75
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_ACTIONS = 25  # elements in one actions block


# The start of an entity that a cut at the end of the text would break ("&am" of "&amp;").
_OPEN_ENTITY = re.compile(r"&[a-z]{0,3}$")


def _cut(text: str, limit: int) -> int:
    """Where to cut `text` to at most `limit` characters without splitting an entity."""
    if len(text) <= limit:
        return len(text)
    entity = _OPEN_ENTITY.search(text, max(0, limit - 4), limit)
    return entity.start() if entity else limit


def clip(text: str, limit: int) -> str:
    """Shorten to Slack's limit with an ellipsis (never inside an entity)."""
    return text if len(text) <= limit else text[: _cut(text, limit - 1)] + "…"


def escape(text: str) -> str:
    """The one rule for text Slack parses (message text, mrkdwn, form errors): its control
    characters &, < and > become entities, so nothing in the core's text, which quotes
    members, can become a mention (<!channel>, <@U1>, <!subteam^S1>) or a link. The core
    makes no mentions on Slack; if it ever does, they come from ids, not from text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _sections(text: str) -> list[dict[str, Any]]:
    """Long text split over several sections (3000 characters each)."""
    chunks: list[str] = []
    remaining = escape(text) or " "
    while remaining and len(chunks) < MAX_BLOCKS - 10:
        cut = _cut(remaining, MAX_SECTION)
        chunks.append(remaining[:cut])
        remaining = remaining[cut:]
    if remaining:
        last = chunks[-1]
        chunks[-1] = last[: _cut(last, MAX_SECTION - 1)] + "…"
    return [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in chunks]


def button(action: Action) -> dict[str, Any]:
    """A button whose action_id is the core's action id and whose value is its command."""
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(action.label, MAX_BUTTON_TEXT)},
        "action_id": clip(action.id, 255),
        "value": clip(action.command, 2000),
    }
    if action.style in ("primary", "danger"):
        element["style"] = action.style
    return element


ERROR_MARK = ":warning: "


def menu_select(placeholder: str, actions: tuple[Action, ...]) -> dict[str, Any]:
    """Actions as the options of one select menu: choosing one is pressing it."""
    return {
        "type": "static_select",
        "action_id": "menu",
        "placeholder": {"type": "plain_text", "text": clip(placeholder, MAX_BUTTON_TEXT)},
        "options": [
            {
                "text": {"type": "plain_text", "text": clip(a.label, MAX_OPTION_TEXT)},
                "value": a.command,
            }
            for a in actions[:MAX_OPTIONS]
            if len(a.command) <= MAX_OPTION_VALUE
        ],
    }


def blocks(
    text: str,
    fields: tuple[Field, ...] = (),
    actions: tuple[Action, ...] = (),
    *,
    error: bool = False,
    menu: str | None = None,
) -> list[dict[str, Any]]:
    """Text, then fields (as short sections), then buttons (or one select menu of them);
    never over 50 blocks. An error is marked so people see at a glance that nothing
    happened."""
    out = _sections(text)
    if error:
        out[0]["text"]["text"] = clip(ERROR_MARK + out[0]["text"]["text"], MAX_SECTION)
    for field in fields:
        if len(out) >= MAX_BLOCKS - 2:
            break
        # The label in bold: the asterisks are ours, so they go around the escaped text.
        label = clip(escape(field.label), 200)
        value = clip(escape(field.value), MAX_SECTION - len(label) - 3)
        out.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{label}*\n{value}"}})
    if menu is not None and actions:
        out.append({"type": "actions", "elements": [menu_select(menu, actions)]})
        return out[:MAX_BLOCKS]
    for start in range(0, min(len(actions), MAX_ACTIONS * 2), MAX_ACTIONS):
        if len(out) >= MAX_BLOCKS:
            break
        out.append(
            {
                "type": "actions",
                "elements": [button(a) for a in actions[start : start + MAX_ACTIONS]],
            }
        )
    return out


def fallback_text(text: str) -> str:
    """The message's `text`, which Slack shows in notifications and parses like mrkdwn: the
    first line, escaped."""
    return clip(escape(text.split("\n", 1)[0]) or "micromentor", 3000)


def message(
    text: str,
    fields: tuple[Field, ...] = (),
    actions: tuple[Action, ...] = (),
    *,
    error: bool = False,
    menu: str | None = None,
) -> dict[str, Any]:
    """A core message as the arguments of chat.postMessage, chat.update and respond(): the
    notification text and the blocks, every parsed text in them escaped."""
    return {
        "text": fallback_text(text),
        "blocks": blocks(text, fields, actions, error=error, menu=menu),
    }


def options(values: list[str]) -> list[dict[str, Any]]:
    """Select options, at most 100, each label at most 75 characters."""
    return [
        {"text": {"type": "plain_text", "text": clip(v, MAX_OPTION_TEXT)}, "value": v}
        for v in values[:MAX_OPTIONS]
    ]
