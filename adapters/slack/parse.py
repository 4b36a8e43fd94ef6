"""Slack payloads to core input: who acted, and what they asked for."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from bot.domain import commands as c
from bot.domain.commands import ASPECTS
from bot.domain.messages import Actor
from bot.domain.values import whole_number

PLATFORM = "slack"


def actor_of(body: dict[str, Any]) -> Actor:
    """The Actor of a slash command, an interaction or an event body."""
    if "user_id" in body:  # slash command form body
        return Actor(
            PLATFORM,
            str(body.get("team_id", "")),
            str(body["user_id"]),
            str(body.get("user_name") or ""),
        )
    raw_user = body.get("user") or {}
    if isinstance(raw_user, str):  # events: {"event": {"user": "U1"}}, no name: keep the stored
        return Actor(PLATFORM, str(body.get("team_id", "")), raw_user, "")
    user: dict[str, Any] = raw_user
    team = body.get("team") or {}
    team_id = str(team.get("id") if isinstance(team, dict) else team or user.get("team_id", ""))
    name = str(user.get("name") or user.get("username") or "")
    return Actor(PLATFORM, team_id, str(user.get("id", "")), name)


def _values(view: dict[str, Any]) -> dict[str, Any]:
    """A form's submitted values. Slack always sends them, but a payload is input like any
    other: one without them (or with anything else in their place) reads as empty fields,
    which the command then refuses by name, instead of failing before it is built."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def _element(state: dict[str, Any], block: str, kinds: tuple[str, ...]) -> dict[str, Any]:
    """A field's element if it is of a kind the form gives that field; any other shape (a
    forged payload) reads as an empty field."""
    outer = state.get(block)
    element = outer.get(block) if isinstance(outer, dict) else None
    if isinstance(element, dict) and element.get("type") in kinds:
        return element
    return {}


def _text(state: dict[str, Any], block: str) -> str | None:
    """A text input's value, trimmed; None when empty."""
    value = _element(state, block, ("plain_text_input",)).get("value")
    return (value if isinstance(value, str) else "").strip() or None


def _choice(state: dict[str, Any], block: str) -> Any:
    """A select's chosen value; None when nothing is chosen."""
    selected = _element(state, block, ("static_select",)).get("selected_option")
    return selected.get("value") if isinstance(selected, dict) else None


def _choices(state: dict[str, Any], block: str) -> list[Any]:
    """A multi-select's chosen values."""
    kinds = ("multi_external_select", "multi_static_select", "checkboxes")
    chosen = _element(state, block, kinds).get("selected_options")
    if not isinstance(chosen, list):
        return []
    return [o["value"] for o in chosen if isinstance(o, dict) and "value" in o]


def _metadata(view: dict[str, Any]) -> str | None:
    """The session a rating or dispute form is about, as the bot wrote it."""
    value = view.get("private_metadata")
    return value if isinstance(value, str) and value else None


_DOMAIN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_CHANNEL = re.compile(r"[A-Z0-9]{1,20}")
_TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,8}")


@dataclass(frozen=True)
class ChannelPost:
    """A top-level message in a channel, as a help post sees it: new, edited or removed."""

    change: str  # new | edited | removed
    channel: str
    ts: str
    user: str
    name: str
    text: str


def _is_top_level(message: dict[str, Any]) -> bool:
    """Not a reply in a thread, and not from a bot (ours or another)."""
    ts = str(message.get("ts") or "")
    thread = message.get("thread_ts")
    return bool(ts) and (thread is None or str(thread) == ts) and not message.get("bot_id")


def _name(message: dict[str, Any]) -> str:
    profile = message.get("user_profile")
    if not isinstance(profile, dict):
        return ""
    return str(profile.get("display_name") or profile.get("real_name") or profile.get("name") or "")


def _plain(text: Any) -> str:
    """A message's text as written (Slack escapes &, < and > in it)."""
    return html.unescape(text) if isinstance(text, str) else ""


def command_text(body: dict[str, Any]) -> str:
    """A slash command's text as the person typed it: Slack sends &, < and > in it as
    entities (its own mentions and links stay `<...>`, which a command reads as written)."""
    return _plain(body.get("text"))


def channel_post(event: dict[str, Any]) -> ChannelPost | None:
    """A message event as a post: a new top-level message, a change of its text, or its
    removal (deleted, or replaced by a tombstone when it had replies); None for anything
    else (thread replies, bots, joins, a reply count going up)."""
    channel = str(event.get("channel") or "")
    subtype = event.get("subtype")
    if not channel:
        return None
    if subtype is None or subtype == "file_share":
        if not _is_top_level(event) or not event.get("user"):
            return None
        user, text = str(event["user"]), _plain(event.get("text"))
        return ChannelPost("new", channel, str(event["ts"]), user, _name(event), text)
    if subtype == "message_changed":
        message, before = event.get("message"), event.get("previous_message")
        if not isinstance(message, dict) or not _is_top_level(message):
            return None
        user = str(message.get("user") or "")
        if message.get("subtype") == "tombstone":
            user = str(before.get("user") or "") if isinstance(before, dict) else ""
            if not user:
                return None
            return ChannelPost("removed", channel, str(message["ts"]), user, "", "")
        text = _plain(message.get("text"))
        unchanged = isinstance(before, dict) and _plain(before.get("text")) == text
        if not user or unchanged:
            return None
        return ChannelPost("edited", channel, str(message["ts"]), user, "", text)
    if subtype == "message_deleted":
        before = event.get("previous_message")
        if not isinstance(before, dict) or not _is_top_level(before) or not before.get("user"):
            return None
        ts = str(event.get("deleted_ts") or before.get("ts"))
        return ChannelPost("removed", channel, ts, str(before["user"]), "", "")
    return None


def shortcut_message(body: dict[str, Any]) -> tuple[str, str | None]:
    """A message shortcut's message: its text, and the link back to it (built from the
    workspace's domain, the channel and the message's ts, as Slack's own links are; None
    when a part is missing or not shaped as Slack sends it)."""
    message = body.get("message") or {}
    text = message.get("text") if isinstance(message, dict) else None
    team = body.get("team") or {}
    channel = body.get("channel") or {}
    domain = str(team.get("domain") or "") if isinstance(team, dict) else ""
    channel_id = str(channel.get("id") or "") if isinstance(channel, dict) else ""
    ts = str(message.get("ts") or "") if isinstance(message, dict) else ""
    link = None
    if _DOMAIN.fullmatch(domain) and _CHANNEL.fullmatch(channel_id) and _TS.fullmatch(ts):
        link = f"https://{domain}.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"
    return _plain(text), link


def ask_command(view: dict[str, Any]) -> c.AskForHelp | c.SkillsFromQuestion:
    """The ask modal's fields as the core command; with a question but no skills, the
    skills the question suggests (shown on the Skills field, to pick)."""
    state = _values(view)
    minutes = _choice(state, "minutes")
    tags = tuple(_choices(state, "skills"))
    question = _text(state, "question") or ""
    if not tags and question:
        return c.SkillsFromQuestion(question, in_form=True)
    return c.AskForHelp(
        about=_metadata(view),
        tags=tags,
        question=question,
        minutes=None if minutes is None else whole_number(minutes, "minutes"),
        at=_text(state, "at"),
        goal=_text(state, "goal"),
        tried=_text(state, "tried"),
        # unticked: the community's default (requests.choose_by_default)
        choose=True if "choose" in _choices(state, "choose") else None,
    )


def rate_command(view: dict[str, Any]) -> c.Rate:
    """The rating modal's fields as the core command."""
    state = _values(view)
    aspects = tuple(
        (name, whole_number(value, name))
        for name in ASPECTS
        if (value := _choice(state, name)) is not None
    )
    score = _choice(state, "score")
    return c.Rate(
        session=_metadata(view),
        score=0 if score is None else whole_number(score, "score"),
        comment=_text(state, "comment"),
        aspects=aspects,
    )


def dispute_command(view: dict[str, Any]) -> c.OpenDispute:
    state = _values(view)
    return c.OpenDispute(_metadata(view), _text(state, "statement") or "")


# Each modal's blocks, named like the core's fields; an error about anything else (a state,
# a limit) is shown on the first block a person would look at.
_BLOCKS = {
    "ask": ("question", ("skills", "question", "goal", "tried", "minutes", "at")),
    "rate": ("score", ("score", "comment", *ASPECTS)),
    "dispute": ("statement", ("statement",)),
}


def block_for_error(callback_id: str, field: str | None) -> str:
    """Which modal block an error from the core belongs to: the one its field names."""
    default, blocks = _BLOCKS.get(callback_id, ("statement", ()))
    return field if field in blocks else default
