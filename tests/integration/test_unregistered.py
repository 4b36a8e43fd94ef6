"""A command a front end can build but nobody declared gets the usual polite reply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from bot.domain.messages import Actor
from tests.conftest import Harness


@dataclass(frozen=True)
class NotDeclared:
    """Stands for a command added to the domain but not to bot/service/registry.py."""


async def test_an_undeclared_command_is_answered_not_raised(harness: Harness) -> None:
    h = harness
    actor = Actor("console", "console", "ana", "ana")
    reply = await h.core.bus.handle(actor, cast(Any, NotDeclared()))
    assert reply.is_error
    assert "I can't do that one yet" in reply.text and "/mentor help" in reply.text
    # The person isn't stuck: the next command works as usual.
    assert "r1" in (await h.ok("ana", "/mentor ask python -- How do I read a CSV file?")).text
