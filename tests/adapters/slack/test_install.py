"""Many workspaces through Bolt's install flow: the real slack-bolt HTTP app, our database as
its installation store, and the loopback fake of Slack answering oauth.v2.access."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import aiohttp
import pytest
from slack_sdk.oauth.installation_store.models.bot import Bot

from adapters.slack.app import NOT_INSTALLED, SlackConfigError, SlackFrontEnd, check_tokens
from adapters.slack.installations import BOT_SCOPES, DbInstallationStore, DbStateStore
from bot.config import Config, load_config
from bot.domain.messages import OutboundMessage, PersonAddress
from bot.service.platform_store import PlatformStore
from bot.storage import open_database
from tests.adapters.slack.fake import FakeSlack, Simulator, serving

SECRET = "s3cr3t"
CLIENT_ID = "111.222"
MANIFEST = Path(__file__).resolve().parents[3] / "adapters" / "slack" / "manifest.yml"


def install_config(tmp_path: Path, base: str, **extra: str) -> Config:
    """Two communities, Alpha in workspace T1 and Beta in T2; T3 is in none."""
    env = {
        "MICROMENTOR_STORAGE__URL": f"sqlite:///{tmp_path / 'slack.db'}",
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_SIGNING_SECRET": SECRET,
        "MICROMENTOR_SLACK__MODE": "http",
        "MICROMENTOR_SLACK__API_BASE_URL": f"{base}/api/",
        "MICROMENTOR_SLACK__AUTHORIZE_URL": f"{base}/oauth/v2/authorize",
        "MICROMENTOR_COMMUNITIES__ALPHA__NAME": "Alpha",
        "MICROMENTOR_COMMUNITIES__ALPHA__SLACK__TEAM_ID": "T1",
        "MICROMENTOR_COMMUNITIES__BETA__NAME": "Beta",
        "MICROMENTOR_COMMUNITIES__BETA__SLACK__TEAM_ID": "T2",
        "MICROMENTOR_LIMITS__COMMANDS_PER_MINUTE": "0",
        **extra,
    }
    return load_config(None, environ=env)


@dataclass
class Rig:
    fake: FakeSlack
    front: SlackFrontEnd
    base: str  # the bot's own address
    session: aiohttp.ClientSession

    def sim(self, team: str) -> Simulator:
        return Simulator(f"{self.base}/slack/events", SECRET, self.fake, self.session, team=team)

    async def install(self, team: str) -> str:
        """Add to Slack, as a browser would: the install page, Slack's consent, the redirect.
        Returns the page the installer sees at the end."""
        state, cookie = await self.start_install()
        return await self.finish_install(f"code-{team}", state, cookie)

    async def start_install(self) -> tuple[str, str]:
        """The install page: (the state in its Add to Slack link, the state cookie it set)."""
        async with self.session.get(f"{self.base}/slack/install") as page:
            assert page.status == 200
            html = await page.text()
            cookie = page.headers["Set-Cookie"].split(";")[0]
        link = re.search(r'href="([^"]*authorize[^"]*)"', html)
        assert link is not None, html
        query = parse_qs(urlparse(link.group(1).replace("&amp;", "&")).query)
        assert query["client_id"] == [CLIENT_ID]
        assert set(query["scope"][0].split(",")) == set(BOT_SCOPES)
        return query["state"][0], cookie

    async def finish_install(self, code: str, state: str, cookie: str) -> str:
        async with self.session.get(
            f"{self.base}/slack/oauth_redirect",
            params={"code": code, "state": state},
            headers={"Cookie": cookie},
        ) as page:
            return f"{page.status} {await page.text()}"

    def tokens_used(self, method: str) -> list[str | None]:
        return [c.token for c in self.fake.calls if c.method == method]


@pytest.fixture
async def rig(tmp_path: Path, fake: FakeSlack) -> AsyncIterator[Rig]:
    front = SlackFrontEnd(install_config(tmp_path, fake.base))
    async with serving(front) as base, aiohttp.ClientSession() as session:
        yield Rig(fake, front, base, session)


async def say(rig: Rig, sim: Simulator, user: str, text: str) -> dict[str, Any]:
    before = len(rig.fake.responses)
    response, _ = await sim.command(user, text)
    assert response.status == 200
    await rig.fake.wait_for(lambda: len(rig.fake.responses) > before)
    return rig.fake.responses[before]


async def test_installing_stores_the_workspace_token_and_names_its_community(rig: Rig) -> None:
    """After the flow, the token Slack issued for T2 is in our database, and the page says
    which community the workspace serves."""
    page = await rig.install("T2")
    assert page.startswith("200 ")
    assert "Team T2" in page and "Beta" in page
    assert rig.front.installations is not None
    assert await rig.front.installations.bot_token("T2") == "xoxb-T2-token"
    exchange = rig.fake.of("oauth.v2.access")
    assert [e["code"] for e in exchange] == ["code-T2"]


async def test_each_workspace_is_answered_and_notified_with_its_own_token(rig: Rig) -> None:
    """Two installed workspaces: a mentor in each gets the offer for their own community's
    request, sent with that workspace's token, and nothing crosses over."""
    await rig.install("T1")
    await rig.install("T2")
    for team in ("T1", "T2"):
        sim = rig.sim(team)
        await say(rig, sim, f"UM-{team}", "skills add python")
        await say(rig, sim, f"UM-{team}", "available for 8h")
        await say(rig, sim, f"UANA-{team}", "ask python -- How do I read a CSV?")
    await rig.fake.wait_for(lambda: len(rig.fake.of("chat.postMessage")) >= 2)
    offers = [c for c in rig.fake.calls if c.method == "chat.postMessage"]
    by_channel = {str(c.args["channel"]): c.token for c in offers}
    assert by_channel == {"D-UM-T1": "xoxb-T1-token", "D-UM-T2": "xoxb-T2-token"}
    opened = {
        str(c.args["users"]): c.token for c in rig.fake.calls if c.method == "conversations.open"
    }
    assert opened == {"UM-T1": "xoxb-T1-token", "UM-T2": "xoxb-T2-token"}


async def test_a_modal_opens_with_the_workspace_token(rig: Rig) -> None:
    """A listener's own calls (here views.open for /mentor ask) use the request's token."""
    await rig.install("T2")
    response, _ = await rig.sim("T2").command("UANA", "ask")
    assert response.status == 200
    await rig.fake.wait_for(lambda: bool(rig.fake.of("views.open")))
    assert rig.tokens_used("views.open") == ["xoxb-T2-token"]


async def test_a_workspace_that_never_installed_is_told_so(rig: Rig) -> None:
    """No installation for T3: Bolt stops the command before the core, with our words."""
    response, _ = await rig.sim("T3").command("UANA", "me")
    assert response.status == 200
    await rig.fake.wait_for(lambda: bool(rig.fake.responses))
    assert rig.fake.responses[0]["text"] == NOT_INSTALLED
    assert rig.front.core is not None
    async with rig.front.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT COUNT(*) FROM identities") == 0


async def test_an_install_in_a_workspace_of_no_community_says_how_to_map_it(rig: Rig) -> None:
    """T3 can install, and the page tells the installer what the operator must add."""
    page = await rig.install("T3")
    assert 'team_id = "T3"' in page
    await rig.sim("T3").command("UANA", "me")
    await rig.fake.wait_for(lambda: bool(rig.fake.responses))
    assert "community" in rig.fake.responses[0]["text"].lower()


async def test_a_state_is_good_once_and_only_with_its_cookie(rig: Rig) -> None:
    """A forged or replayed redirect installs nothing."""
    state, cookie = await rig.start_install()
    # A state and its cookie that agree, but that this bot never issued.
    forged = await rig.finish_install("code-T3", "made-up", "slack-app-oauth-state=made-up")
    assert not forged.startswith("200 ")
    # The cookie of another browser's install.
    crossed = await rig.finish_install("code-T3", state, "slack-app-oauth-state=other")
    assert not crossed.startswith("200 ")
    assert (await rig.finish_install("code-T2", state, cookie)).startswith("200 ")
    replay = await rig.finish_install("code-T1", state, cookie)
    assert not replay.startswith("200 ")
    assert rig.front.installations is not None
    assert await rig.front.installations.bot_token("T1") is None
    assert await rig.front.installations.bot_token("T3") is None
    assert await rig.front.installations.bot_token("T2") == "xoxb-T2-token"
    assert [e["code"] for e in rig.fake.of("oauth.v2.access")] == ["code-T2"]


async def test_a_state_expires_after_ten_minutes(tmp_path: Path) -> None:
    """The store alone, on a real SQLite file, with a clock the test moves."""
    db = await open_database(f"sqlite:///{tmp_path / 'states.db'}")
    now = [1_000_000]
    states = DbStateStore(PlatformStore(db, "slack"), lambda: now[0])
    try:
        early, late = await states.async_issue(), await states.async_issue()
        now[0] += 599
        assert await states.async_consume(early)
        assert not await states.async_consume(early)  # once only
        now[0] += 2
        assert not await states.async_consume(late)
        assert not await states.async_consume("never-issued")
    finally:
        await db.close()


async def test_a_workspace_of_an_enterprise_org_is_found_by_its_team(tmp_path: Path) -> None:
    """Bolt saves an install inside an Enterprise Grid org with its enterprise id; the
    notifier only knows the workspace, and must still find the token."""
    db = await open_database(f"sqlite:///{tmp_path / 'grid.db'}")
    store = DbInstallationStore(PlatformStore(db, "slack"))
    try:
        bot = Bot(
            enterprise_id="E1",
            team_id="T9",
            bot_token="xoxb-T9-token",
            bot_id="B9",
            bot_user_id="U9",
            installed_at=1_700_000_000.0,
        )
        await store.async_save_bot(bot)
        assert await store.bot_token("T9") == "xoxb-T9-token"
        found = await store.async_find_bot(enterprise_id="E1", team_id="T9")
        assert found is not None and found.bot_token == "xoxb-T9-token"
        await store.async_delete_bot(enterprise_id="E1", team_id="T9")
        assert await store.bot_token("T9") is None
    finally:
        await db.close()


async def test_uninstalling_forgets_the_token_and_stops_sending_there(rig: Rig) -> None:
    """app_uninstalled removes T2's token; a message for T2 afterwards is dropped, not sent
    with a stale token."""
    await rig.install("T2")
    sim = rig.sim("T2")
    await say(rig, sim, "UM", "skills add python")
    store = rig.front.installations
    assert store is not None
    deleted = asyncio.Event()
    delete = store.async_delete_bot

    async def noting_delete(**kwargs: Any) -> None:
        await delete(**kwargs)
        deleted.set()

    store.async_delete_bot = noting_delete  # type: ignore[method-assign]
    response = await sim.event({"type": "app_uninstalled"}, "Ev-uninstall")
    assert response.status == 200
    await asyncio.wait_for(deleted.wait(), 5)
    assert await store.bot_token("T2") is None
    before = len(rig.fake.calls)
    await rig.front.notifier.deliver(
        [OutboundMessage(to=PersonAddress("slack", "T2", "UM"), text="hello")]
    )
    await rig.front.notifier.drain()
    assert len(rig.fake.calls) == before


async def test_an_install_begun_on_one_process_finishes_on_another(
    tmp_path: Path, fake: FakeSlack
) -> None:
    """Behind a load balancer the redirect may reach another process: the state and then the
    token are in the shared database, so both processes see the install."""
    config = install_config(tmp_path, fake.base)
    fronts = [SlackFrontEnd(config), SlackFrontEnd(config)]
    async with (
        serving(fronts[0]) as first,
        serving(fronts[1]) as second,
        aiohttp.ClientSession() as session,
    ):
        state, cookie = await Rig(fake, fronts[0], first, session).start_install()
        page = await Rig(fake, fronts[1], second, session).finish_install("code-T2", state, cookie)
        assert page.startswith("200 ") and "Beta" in page
        for front in fronts:
            assert front.installations is not None
            assert await front.installations.bot_token("T2") == "xoxb-T2-token"


def test_the_install_flow_needs_http_mode_and_its_secret(tmp_path: Path) -> None:
    base = "http://127.0.0.1:9"
    with pytest.raises(SlackConfigError, match="http"):
        check_tokens(install_config(tmp_path, base, MICROMENTOR_SLACK__MODE="socket"))
    with pytest.raises(SlackConfigError, match="SLACK_CLIENT_SECRET"):
        check_tokens(install_config(tmp_path, base, SLACK_CLIENT_SECRET=""))
    with pytest.raises(SlackConfigError, match="not both"):
        check_tokens(install_config(tmp_path, base, SLACK_BOT_TOKEN="xoxb-1"))
    check_tokens(install_config(tmp_path, base))  # complete: no error


def test_the_scopes_asked_for_are_the_manifests() -> None:
    """Installing asks for exactly the bot scopes the manifest lists."""
    text = MANIFEST.read_text()
    section = text[text.index("    bot:") :]
    listed = re.findall(r"^\s+- ([a-z:.]+)", section.split("\nsettings:")[0], re.MULTILINE)
    assert set(listed) == set(BOT_SCOPES)
