"""One scenario, the same assertions, over every front end: a fake can't drift from the
console's behaviour (the reference) without this failing."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.console.app import ConsoleFrontEnd
from adapters.discord.render import ERROR_COLOUR as DISCORD_ERROR
from adapters.slack.app import SlackFrontEnd
from adapters.slack.render import ERROR_MARK
from bot.clock import ManualClock
from bot.process.bootstrap import start_core
from tests.adapters.discord.fake import FakeDiscord, custom_ids
from tests.adapters.discord.fake import text_of as discord_text
from tests.adapters.discord.test_discord import start_rig, stop_rig
from tests.adapters.slack.fake import PROXY_VARS, FakeSlack, Simulator
from tests.adapters.slack.test_slack import SECRET, buttons, slack_config, texts
from tests.conftest import START, make_config


@dataclass
class Seen:
    """A message as a person saw it, whatever the platform."""

    text: str
    commands: list[str] = field(default_factory=list)
    edit: bool = False


def command_of(custom_id: str) -> str:
    """A Discord button's command (`mm|/mentor ...`, or `mm|<server>|/mentor ...` in a DM)."""
    return re.sub(r"^mm\|(?:\d+\|)?", "", custom_id)


class Driver(Protocol):
    async def say(self, user: str, text: str) -> tuple[str, bool]: ...
    async def seen_by(self, user: str) -> list[Seen]: ...


class ConsoleDriver:
    def __init__(self, front: ConsoleFrontEnd, out: io.StringIO) -> None:
        self.front, self.out, self.read = front, out, 0

    def _lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.getvalue().splitlines()]

    async def say(self, user: str, text: str) -> tuple[str, bool]:
        before = len(self._lines())
        await self.front.handle_line(f"{user} /mentor {text}", None)
        reply = next(o for o in self._lines()[before:] if o["kind"] in ("reply", "error"))
        return reply["text"], reply["kind"] == "error"

    async def seen_by(self, user: str) -> list[Seen]:
        return [
            Seen(o["text"], [a["command"] for a in o["actions"]], o["kind"] == "update")
            for o in self._lines()
            if o["to"] == user and o["kind"] in ("message", "update")
        ]


class SlackDriver:
    def __init__(self, fake: FakeSlack, sim: Simulator) -> None:
        self.fake, self.sim = fake, sim

    async def say(self, user: str, text: str) -> tuple[str, bool]:
        before = len(self.fake.responses)
        response, _ = await self.sim.command(user, text)
        assert response.status == 200
        await self.fake.wait_for(lambda: len(self.fake.responses) > before)
        body = texts(self.fake.responses[before]["blocks"])
        return body.removeprefix(ERROR_MARK), body.startswith(ERROR_MARK)

    async def seen_by(self, user: str) -> list[Seen]:
        channel = f"D-{user}"
        await self.fake.wait_for(lambda: True)
        posts = [
            Seen(texts(a["blocks"]), [v for _, v in buttons(a["blocks"])])
            for a in self.fake.posts_to(channel)
        ]
        edits = [
            Seen(texts(a["blocks"]), [v for _, v in buttons(a.get("blocks", []))], True)
            for a in self.fake.of("chat.update")
            if a.get("channel") == channel
        ]
        return posts + edits


async def scenario(d: Driver, settle: Any) -> None:
    """The console end-to-end scenario's core assertions."""
    for name, skill in (("mentor1", "python"), ("mentor2", "python"), ("mentor3", "javascript")):
        assert not (await d.say(name, f"skills add {skill}"))[1]
        assert not (await d.say(name, "available for 8h"))[1]
    text, error = await d.say("member1", "ask python --goal ship it -- Why does my loop block?")
    assert not error and "r1" in text
    await settle(lambda: True)
    for name, expected in (("mentor1", True), ("mentor2", True), ("mentor3", False)):
        offers = [s for s in await d.seen_by(name) if "/mentor accept r1" in s.commands]
        assert bool(offers) is expected, name
    assert not [s for s in await d.seen_by("member1") if s.commands]
    text, error = await d.say("mentor1", "accept r1")
    assert not error and "s1" in text
    text, error = await d.say("mentor2", "accept r1")
    assert error and "already taken" in text
    await settle(lambda: True)
    edits = [s for s in await d.seen_by("mentor2") if s.edit]
    assert any("taken by another mentor" in s.text for s in edits)
    told = await d.seen_by("member1")
    assert any("accepted your request r1" in s.text for s in told)
    text, error = await d.say("member1", "accept r99")
    assert error and "There is no request r99" in text


DISCORD_IDS = {"mentor1": "11", "mentor2": "12", "mentor3": "13", "member1": "21"}


class DiscordDriver:
    """Typed slash commands for the scenario's words; DMs and their edits as what is seen."""

    def __init__(self, rig: Any) -> None:
        self.rig = rig

    async def say(self, user: str, text: str) -> tuple[str, bool]:
        uid = DISCORD_IDS[user]
        fake = self.rig.fake
        words = text.split()
        if words[0] == "ask":
            head, _, question = text.partition(" -- ")
            goal = head.split("--goal ", 1)[1] if "--goal " in head else ""
            iid = await fake.slash(uid, ["mentor", "ask"], {"skills": words[1]})
            await fake.wait_for(lambda: iid in fake.modals)
            iid = await fake.submit_modal(
                uid, iid, {"Your question": question, "What do you want to reach?": goal}
            )
        elif words[:2] == ["skills", "add"]:
            iid = await fake.slash(uid, ["mentor", "skills", "add"], {"skills": words[2]})
        elif words[0] == "available":
            iid = await fake.slash(uid, ["mentor", "available"], {"duration": words[-1]})
        elif words[0] == "accept":
            iid = await fake.slash(uid, ["mentor", "accept"], {"request": words[1]})
        else:  # pragma: no cover - the scenario uses only the words above
            raise AssertionError(text)
        await fake.wait_for(lambda: fake.answers(iid) != [])
        body = fake.answers(iid)[0]
        error = any(e.get("color") == DISCORD_ERROR.value for e in body.get("embeds") or [])
        return discord_text(body), error

    async def seen_by(self, user: str) -> list[Seen]:
        uid = DISCORD_IDS[user]
        fake = self.rig.fake
        posts = [
            Seen(discord_text(c.body), [command_of(i) for i in custom_ids(c.body)])
            for c in fake.of("POST", f"/channels/9{uid}/messages")
        ]
        edits = [
            Seen(discord_text(c.body), [command_of(i) for i in custom_ids(c.body)], True)
            for c in fake.of("PATCH", f"/channels/9{uid}/messages/")
        ]
        return posts + edits


@pytest.fixture(params=["console", "slack", "discord"])
async def driver(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Driver, Any]]:
    """Each front end in turn, on a fresh store."""
    if request.param == "console":
        out = io.StringIO()
        clock = ManualClock(START)
        front = ConsoleFrontEnd(out, json_mode=True, clock=clock)
        core = await start_core(make_config(f"sqlite:///{tmp_path / 'c.db'}"), front, clock=clock)
        front.core = core

        async def nothing(_: Any) -> None:
            return None

        try:
            yield ConsoleDriver(front, out), nothing
        finally:
            await core.close()
        return
    if request.param == "discord":
        dfake = FakeDiscord()
        await dfake.start()
        rig = await start_rig(tmp_path, dfake)

        async def drained(_: Any) -> None:
            await rig.front.notifier.drain()

        try:
            yield DiscordDriver(rig), drained
        finally:
            await stop_rig(rig)
            await dfake.close()
        return
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    fake = FakeSlack()
    await fake.start()
    slack = SlackFrontEnd(slack_config(tmp_path, fake.base))
    await slack.start()
    server = TestServer(slack.web_app(), host="127.0.0.1")
    await server.start_server()
    session = aiohttp.ClientSession()
    sim = Simulator(f"http://127.0.0.1:{server.port}/slack/events", SECRET, fake, session)

    async def settle(_: Any) -> None:
        # Slack deliveries go through a queue: wait until it is empty.
        await slack.notifier.drain()

    try:
        yield SlackDriver(fake, sim), settle
    finally:
        await session.close()
        await server.close()
        await slack.close()
        await fake.close()


async def test_the_contract_scenario(driver: tuple[Driver, Any]) -> None:
    """Offers to exactly the right people, one winner, a polite loser, edits in place."""
    d, settle = driver
    await scenario(d, settle)
