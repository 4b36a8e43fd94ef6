"""A help post's thread: where the bot tells a post's readers what became of its request,
and the state the post shows (waiting, open, taken, solved, closed)."""

from __future__ import annotations

from typing import Any

from bot.domain.ids import format_id
from bot.domain.messages import OutboundMessage, PostAddress
from bot.domain.states import PostStatus
from bot.service.context import Scope
from bot.storage.sql import posts as sql


def pid(post_id: int) -> str:
    """`p3`."""
    return format_id("post", post_id)


def address_of(row: Any) -> PostAddress:
    """The thread of a stored post."""
    return PostAddress(
        str(row["community_id"]),
        str(row["platform"]),
        str(row["workspace"]),
        str(row["place"]),
        str(row["post"]),
    )


def thread_key(post_id: int) -> str:
    """The bot's first message in a post's thread: edited in place as the post moves on."""
    return f"post:{post_id}"


async def thread_note(
    scope: Scope, request_id: int, text: str, status: PostStatus, was: PostStatus
) -> list[OutboundMessage]:
    """A line in the thread of the post a request came from, with the post's new state
    (and the one it replaces); nothing for a request asked with a command."""
    row = await scope.tx.fetch_one(sql.BY_REQUEST, {"request_id": request_id})
    if row is None:
        return []
    return [OutboundMessage(to=address_of(row), text=text, status=status, was=was)]
