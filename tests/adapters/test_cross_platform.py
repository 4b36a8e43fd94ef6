"""One process, one core, Slack and Discord together through their loopback fakes: a Slack
member helped by a Discord mentor, and one person linking their two accounts."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.discord.app import DiscordFrontEnd
from adapters.slack.app import SlackFrontEnd
from bot.clock import ManualClock
from bot.config import load_config
from bot.process.bootstrap import start_core
from bot.service.notifier import FanOutNotifier
from tests.adapters.discord.fake import GUILD, MENTORS_CHANNEL, FakeDiscord, custom_ids, text_of
from tests.adapters.slack.fake import PROXY_VARS, TEAM, FakeSlack, Simulator
from tests.adapters.slack.test_slack import SECRET, texts
from tests.conftest import START


@dataclass
class Both:
    slack_fake: FakeSlack
    sim: Simulator
    slack: SlackFrontEnd
    discord_fake: FakeDiscord
    discord: DiscordFrontEnd

    async def settle(self) -> None:
        await self.slack.notifier.drain()
        await self.discord.notifier.drain()

    async def slack_say(self, user: str, text: str) -> str:
        before = len(self.slack_fake.responses)
        response, _ = await self.sim.command(user, text)
        assert response.status == 200
        await self.slack_fake.wait_for(lambda: len(self.slack_fake.responses) > before)
        return texts(self.slack_fake.responses[before]["blocks"])

    async def discord_say(self, uid: str, path: list[str], options: dict[str, object]) -> str:
        iid = await self.discord_fake.slash(uid, path, options)
        await self.discord_fake.wait_for(lambda: self.discord_fake.answers(iid) != [])
        return text_of(self.discord_fake.answers(iid)[0])


@pytest.fixture
async def both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Both]:
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    slack_fake, discord_fake = FakeSlack(), FakeDiscord()
    await slack_fake.start()
    await discord_fake.start()
    config = load_config(
        None,
        environ={
            "MICROMENTOR_STORAGE__URL": f"sqlite:///{tmp_path / 'both.db'}",
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "MICROMENTOR_SLACK__MODE": "http",
            "MICROMENTOR_SLACK__API_BASE_URL": f"{slack_fake.base}/api/",
            "DISCORD_TOKEN": "bot.token.x",
            "MICROMENTOR_DISCORD__API_BASE_URL": discord_fake.api,
            "MICROMENTOR_DISCORD__GATEWAY_URL": discord_fake.gateway,
            "MICROMENTOR_COMMUNITIES__DEFAULT__SLACK__TEAM_ID": TEAM,
            "MICROMENTOR_COMMUNITIES__DEFAULT__DISCORD__GUILD_ID": GUILD,
            "MICROMENTOR_COMMUNITIES__DEFAULT__DISCORD__MENTORS_CHANNEL_ID": MENTORS_CHANNEL,
        },
    )
    slack = SlackFrontEnd(config)
    discord_front = DiscordFrontEnd(config, clock=ManualClock(START))
    core = await start_core(
        config,
        FanOutNotifier([slack.notifier, discord_front.notifier]),
        clock=discord_front.clock,
    )
    discord_front.core = core
    await slack.start(core)
    server = TestServer(slack.web_app(), host="127.0.0.1")
    await server.start_server()
    session = aiohttp.ClientSession()
    sim = Simulator(f"http://127.0.0.1:{server.port}/slack/events", SECRET, slack_fake, session)
    task = asyncio.create_task(discord_front.start())
    await discord_fake.connected()
    try:
        yield Both(slack_fake, sim, slack, discord_fake, discord_front)
    finally:
        await session.close()
        await server.close()
        await slack.notifier.drain()
        await discord_front.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await core.close()
        await slack_fake.close()
        await discord_fake.close()


async def test_a_slack_member_is_helped_by_a_discord_mentor(both: Both) -> None:
    """Each on their own platform: the offer is a Discord DM, the news a Slack DM."""
    await both.discord_say("11", ["mentor", "skills", "add"], {"skills": "python"})
    await both.discord_say("11", ["mentor", "available"], {"duration": "8h"})
    reply = await both.slack_say("UANA", "ask python -- Help from across the bridge?")
    assert "r1" in reply
    await both.settle()
    offers = both.discord_fake.sent_to("911")
    assert offers and "Help from across the bridge?" in text_of(offers[0])
    message = next(m for m in both.discord_fake.messages.values() if m["channel_id"] == "911")
    (accept,) = [i for i in custom_ids(message) if i.endswith("|/mentor accept r1")]
    iid = await both.discord_fake.click("11", message, accept, dm=True)
    await both.discord_fake.wait_for(lambda: both.discord_fake.answers(iid) != [])
    assert "session s1" in text_of(both.discord_fake.answers(iid)[0])
    await both.settle()
    to_ana = [texts(p["blocks"]) for p in both.slack_fake.posts_to("D-UANA")]
    assert any("accepted your request r1" in t for t in to_ana)
    assert both.discord_fake.of("POST", f"/channels/{MENTORS_CHANNEL}/threads")


async def test_one_person_links_slack_and_discord(both: Both) -> None:
    """A code from Slack, confirmed on Discord: one record, skills shared."""
    await both.slack_say("UANA", "skills add rust")
    answer = await both.slack_say("UANA", "link")
    code = answer.split("code is ")[1].split(".")[0]
    linked = await both.discord_say("31", ["mentor", "account", "link"], {"code": code})
    assert "Linked" in linked
    shown = await both.discord_say("31", ["mentor", "skills", "list"], {})
    assert "Your skills: rust" in shown
