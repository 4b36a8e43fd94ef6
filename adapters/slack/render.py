"""The core's replies and messages as Block Kit, within Slack's limits."""

from __future__ import annotations

from typing import Any

from bot.domain.messages import Action, Field

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_BUTTON_TEXT = 75
MAX_FIELD = 2000
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_ACTIONS = 25  # elements in one actions block


def clip(text: str, limit: int) -> str:
    """Shorten to Slack's limit with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Slack's control characters, so members' text can't form mentions like <!channel>."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _sections(text: str) -> list[dict[str, Any]]:
    """Long text split over several sections (3000 characters each)."""
    text = escape(text)
    chunks: list[str] = []
    remaining = text or " "
    while remaining and len(chunks) < MAX_BLOCKS - 10:
        chunk, remaining = remaining[:MAX_SECTION], remaining[MAX_SECTION:]
        chunks.append(chunk)
    if remaining:
        chunks[-1] = clip(chunks[-1][: MAX_SECTION - 1] + "…", MAX_SECTION)
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


def blocks(
    text: str,
    fields: tuple[Field, ...] = (),
    actions: tuple[Action, ...] = (),
    *,
    error: bool = False,
) -> list[dict[str, Any]]:
    """Text, then fields (as short sections), then buttons; never over 50 blocks. An error
    is marked so people see at a glance that nothing happened."""
    out = _sections(text)
    if error:
        out[0]["text"]["text"] = ERROR_MARK + out[0]["text"]["text"]
    for field in fields:
        if len(out) >= MAX_BLOCKS - 2:
            break
        out.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": clip(f"*{escape(field.label)}*\n{escape(field.value)}", MAX_SECTION),
                },
            }
        )
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
    """The plain text Slack shows in notifications."""
    return clip(text.split("\n", 1)[0] or "micromentor", 3000)


def options(values: list[str]) -> list[dict[str, Any]]:
    """Select options, at most 100, each label at most 75 characters."""
    return [
        {"text": {"type": "plain_text", "text": clip(v, MAX_OPTION_TEXT)}, "value": v}
        for v in values[:MAX_OPTIONS]
    ]
