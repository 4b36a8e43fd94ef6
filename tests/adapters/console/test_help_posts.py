"""Posts in a console help channel: `:edit` and `:delete` in a post's thread change the post;
any other line there, even one that starts like them, is a reply and changes nothing."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.console.app import ConsoleFrontEnd
from adapters.console.parse import PostLine, parse_input
from bot.clock import ManualClock
from bot.process.bootstrap import start_core
from tests.conftest import START, make_config

QUESTION = "How do I read a CSV with pandas when the dates are in two columns?"
POST = "#help/1795428000"  # the first post's id: the manual clock's seconds at START


@dataclass
class Console:
    """The console front end in process, as `micromentor console --json` runs it."""

    front: ConsoleFrontEnd
    out: io.StringIO

    async def type(self, line: str) -> list[dict[str, Any]]:
        """What the line caused, read back from the JSON output."""
        await self.front.handle_line(line, None)
        text = self.out.getvalue()
        self.out.seek(0)
        self.out.truncate()
        return [json.loads(shown) for shown in text.splitlines() if shown]

    async def state(self) -> str:
        assert self.front.core is not None
        async with self.front.core.db.transaction() as tx:
            return str(await tx.fetch_val("SELECT state FROM help_requests"))


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    clock = ManualClock(START)
    out = io.StringIO()
    front = ConsoleFrontEnd(out, json_mode=True, clock=clock)
    config = make_config(f"sqlite:///{tmp_path / 'console.db'}")
    front.help_channels = tuple(config.console.help_channels)
    front.core = await start_core(config, front, clock=clock)
    try:
        yield Console(front, out)
    finally:
        await front.core.close()


@pytest.mark.parametrize(
    ("text", "op", "rest"),
    [
        (":edit How do I parse dates?", "edit", "How do I parse dates?"),
        (":EDIT   How do I parse dates?", "edit", "How do I parse dates?"),
        (":delete", "delete", ""),
        (":Delete", "delete", ""),
        (":deleted the cache folder, still failing", "reply", None),
        (":edited my config, same error", "reply", None),
        (":editor says the file is empty", "reply", None),
        (":delete-me? no, still failing", "reply", None),
    ],
)
def test_only_edit_and_delete_as_whole_words_change_a_post(
    text: str, op: str, rest: str | None
) -> None:
    line = parse_input(f"member1 {POST} {text}", None)
    assert isinstance(line, PostLine)
    assert (line.op, line.text) == (op, text if rest is None else rest)


async def test_a_reply_that_starts_like_delete_leaves_the_request_open(console: Console) -> None:
    await console.type("mentor1 /mentor skills add pandas")
    await console.type("mentor1 /mentor available")
    await console.type(f"member1 #help {QUESTION}")
    assert await console.state() == "open"
    caused = await console.type(f"member1 {POST} :deleted the cache folder, still failing")
    assert [(o["kind"], o["to"]) for o in caused] == [("post", POST)]
    assert caused[0]["text"] == "member1: :deleted the cache folder, still failing"
    assert await console.state() == "open"
    # the op itself still cancels
    caused = await console.type(f"member1 {POST} :delete")
    assert any("cancelled its request r1" in o["text"] for o in caused)
    assert await console.state() == "cancelled"
