"""What a command costs the database, end to end through the real Slack app: its own
transaction (with every lookup its delivery needs) and one more that records where its
messages went. Counted on the real store, not estimated; a regression fails here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from adapters.slack.app import SlackFrontEnd
from bot.process.bootstrap import Core, start_core
from bot.storage import open_database
from bot.storage.database import Database, Params, Row, Transaction
from tests.adapters.slack.fake import FakeSlack, Simulator, listeners_done
from tests.adapters.slack.test_slack import SECRET, slack_config

# Budgets: what the commands take today. Lower is welcome; higher fails.
ASK_STATEMENTS = 39  # 47 before a wave's offers, deadlines and addresses took a statement each
QUEUE_STATEMENTS = 7
POST_STATEMENTS = 44  # the ask's, the post's row and lookup, the thread's records


class _CountingTransaction:
    def __init__(self, inner: Transaction, counts: Counts) -> None:
        self.inner = inner
        self.counts = counts

    async def fetch(self, sql: str, params: Params | None = None) -> list[Row]:
        self.counts.statements += 1
        return await self.inner.fetch(sql, params)

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        self.counts.statements += 1
        return await self.inner.fetch_one(sql, params)

    async def fetch_val(self, sql: str, params: Params | None = None) -> Any:
        self.counts.statements += 1
        return await self.inner.fetch_val(sql, params)

    async def execute(self, sql: str, params: Params | None = None) -> None:
        self.counts.statements += 1
        await self.inner.execute(sql, params)


@dataclass
class Counts:
    transactions: int = 0
    statements: int = 0


class CountingDatabase:
    """The real store, with every transaction and statement counted."""

    def __init__(self, inner: Database) -> None:
        self.inner = inner
        self.dialect = inner.dialect
        self.counts = Counts()

    @asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[Transaction]:
        self.counts.transactions += 1
        async with self.inner.transaction(read_only=read_only) as tx:
            yield _CountingTransaction(tx, self.counts)

    async def close(self) -> None:
        await self.inner.close()


@asynccontextmanager
async def counted(
    tmp_path: Path, fake: FakeSlack, **extra: str
) -> AsyncIterator[tuple[Simulator, SlackFrontEnd, Core, CountingDatabase]]:
    """The Slack app on a loopback port, its core on a counted store."""
    config = slack_config(tmp_path, fake.base, **extra)
    db = CountingDatabase(await open_database(config.storage.url))
    front = SlackFrontEnd(config)
    core = await start_core(config, front.notifier, db=db)
    await front.start(core)
    server = TestServer(front.web_app(), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{server.port}/slack/events"
            yield Simulator(url, SECRET, fake, session), front, core, db
    finally:
        await server.close()
        await front.close()
        await core.close()  # given to the front end, so not closed by it


async def test_a_command_takes_its_transaction_and_one_to_record_its_messages(
    tmp_path: Path, fake: FakeSlack
) -> None:
    async with counted(tmp_path, fake) as (sim, front, core, db):

        async def run(user: str, text: str) -> Counts:
            await front.notifier.drain()
            await core.dispatcher.drain()
            before = Counts(db.counts.transactions, db.counts.statements)
            answered = len(fake.responses)
            response, _ = await sim.command(user, text)
            assert response.status == 200
            await fake.wait_for(lambda: len(fake.responses) > answered)
            await core.dispatcher.drain()
            return Counts(
                db.counts.transactions - before.transactions,
                db.counts.statements - before.statements,
            )

        for mentor in ("UM1", "UM2", "UM3"):
            await run(mentor, "skills add python")
            await run(mentor, "available for 8h")
        asked = await run("UANA", "ask python -- How do I read a CSV?")
        await fake.wait_for(lambda: all(fake.posts_to(f"D-{m}") for m in ("UM1", "UM2")))
        # The command's own, then the one that records the three offers' DMs and posts.
        assert asked.transactions == 2
        assert asked.statements <= ASK_STATEMENTS
        queue = await run("UANA", "queue")
        assert queue.transactions == 1  # nothing to send, nothing to record
        assert queue.statements <= QUEUE_STATEMENTS


async def test_a_help_channel_post_costs_what_an_ask_does_and_little_more(
    tmp_path: Path, fake: FakeSlack
) -> None:
    """A message in a help channel becomes a request in one transaction (the ask's, plus the
    post's own row and lookup), and one more records where its messages went."""
    help_channel = {"MICROMENTOR_COMMUNITIES__DEFAULT__SLACK__HELP_CHANNELS": '["C-HELP"]'}
    async with counted(tmp_path, fake, **help_channel) as (sim, front, core, db):
        for mentor in ("UM1", "UM2", "UM3"):
            for text in ("skills add python", "available for 8h"):
                answered = len(fake.responses)
                await sim.command(mentor, text)
                await fake.wait_for(lambda n=answered: len(fake.responses) > n)
        await front.notifier.drain()
        await core.dispatcher.drain()
        before = Counts(db.counts.transactions, db.counts.statements)
        message = {
            "type": "message",
            "channel": "C-HELP",
            "user": "UANA",
            "ts": "1700000000.000100",
            "text": "How do I read a CSV with python?",
        }
        await sim.event(message, "Ev1")
        await fake.wait_for(
            lambda: any(p.get("thread_ts") == message["ts"] for p in fake.of("chat.postMessage"))
        )
        await fake.wait_for(lambda: all(fake.posts_to(f"D-{m}") for m in ("UM1", "UM2")))
        await front.notifier.drain()
        await core.dispatcher.drain()
        assert db.counts.transactions - before.transactions == 2
        assert db.counts.statements - before.statements <= POST_STATEMENTS


async def test_the_ask_form_and_skill_suggestions_need_no_database(
    tmp_path: Path, fake: FakeSlack
) -> None:
    """A person waits on these (a form opening, a list dropping down as they type): they
    come from the community's settings and skills in memory, so they never queue behind the
    commands for the store. Opening the form records only its delivery (a retry opens no
    second form); a suggestion touches nothing."""
    async with counted(tmp_path, fake) as (sim, _, _, db):
        before = db.counts.transactions
        response, _ = await sim.command("UNEW", "", trigger_id="T-FORM")
        assert response.status == 200
        await fake.wait_for(lambda: fake.of("views.open") != [])
        await listeners_done()
        assert db.counts.transactions - before == 1  # the delivery, nothing else
        view = fake.of("views.open")[0]["view"]
        assert view["callback_id"] == "ask"
        before = db.counts.transactions
        assert (await sim.suggest("UNEW", "pyt", view))[0] == "python"
        assert db.counts.transactions == before
