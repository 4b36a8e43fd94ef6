"""The framework floors of bench/load.py: a minimal slack-bolt app that acks a slash command
and makes the same Web API calls as micromentor does for it, with no storage or with raw-driver
transactions of the same size.

What "the same" is comes from a plan measured on micromentor in the same run (bench/load.py
calibrates it): per command, whether the reply goes back in the ack or to the response_url (and
the reply's body), how many offers go out (each a chat.postMessage with micromentor's payload,
after a conversations.open the first time a mentor is written to, remembered in memory), and
the kinds of statements of each transaction: the command's own before the reply, the others
after its messages were sent. The storage floor replays those kinds as representative
statements (a point read, a small indexed count, an insert, conditional updates, a delete) on
two small tables with the raw driver: for SQLite plain sqlite3 on the event loop's thread
(or, with the plan's "sqlite_driver": "aiosqlite", aiosqlite on one connection behind a lock:
a thread hop per statement), with the store's PRAGMAs (WAL, synchronous=NORMAL) and BEGIN
IMMEDIATE; an asyncpg pool sized like the store's for PostgreSQL.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import sqlite3
import time
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

TOKEN = "qid000000"  # the question token in the plan's templates, replaced per command
QUESTION = re.compile(r"qid\d+")
OWNERS = 50  # rows of the people table the statements touch

SQLITE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS floor_people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "touched_at INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS floor_items (id INTEGER PRIMARY KEY, "
    "owner_id INTEGER NOT NULL REFERENCES floor_people(id), state TEXT NOT NULL, "
    "n INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS floor_items_owner ON floor_items (owner_id, state)",
)
SQLITE_SHAPES = {
    "select": (
        "SELECT id, owner_id, state, n, created_at FROM floor_items WHERE id = :item",
        "SELECT COUNT(*) FROM floor_items WHERE owner_id = :owner AND state = 'open'",
    ),
    "insert": (
        "INSERT INTO floor_items (owner_id, state, created_at) VALUES (:owner, 'open', :now) "
        "RETURNING id",
    ),
    "update": (
        "UPDATE floor_items SET n = n + 1 WHERE id = :item AND state = 'open' RETURNING n",
        "UPDATE floor_people SET touched_at = :now WHERE id = :owner RETURNING id",
    ),
    "delete": ("DELETE FROM floor_items WHERE id = :item AND state = 'gone'",),
}
PG_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS floor_people (id BIGINT PRIMARY KEY, name TEXT NOT NULL, "
    "touched_at BIGINT NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS floor_items (id BIGSERIAL PRIMARY KEY, "
    "owner_id BIGINT NOT NULL REFERENCES floor_people(id), state TEXT NOT NULL, "
    "n INTEGER NOT NULL DEFAULT 0, created_at BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS floor_items_owner ON floor_items (owner_id, state)",
)
PG_SHAPES = {  # SQLITE_SHAPES with positional parameters
    "select": (
        ("SELECT id, owner_id, state, n, created_at FROM floor_items WHERE id = $1", ("item",)),
        ("SELECT COUNT(*) FROM floor_items WHERE owner_id = $1 AND state = 'open'", ("owner",)),
    ),
    "insert": (
        (
            "INSERT INTO floor_items (owner_id, state, created_at) VALUES ($1, 'open', $2) "
            "RETURNING id",
            ("owner", "now"),
        ),
    ),
    "update": (
        (
            "UPDATE floor_items SET n = n + 1 WHERE id = $1 AND state = 'open' RETURNING n",
            ("item",),
        ),
        ("UPDATE floor_people SET touched_at = $1 WHERE id = $2 RETURNING id", ("now", "owner")),
    ),
    "delete": (("DELETE FROM floor_items WHERE id = $1 AND state = 'gone'", ("item",)),),
}


class RawSqlite:
    """aiosqlite on one connection behind a lock, like the store; BEGIN IMMEDIATE each."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.conn: Any = None
        self.lock = asyncio.Lock()
        self.owners = itertools.cycle(range(1, OWNERS + 1))

    async def open(self) -> None:
        import aiosqlite

        self.conn = conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA busy_timeout = 10000")
        await conn.execute_fetchall("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        for ddl in SQLITE_SCHEMA:
            await conn.execute_fetchall(ddl)
        await conn.execute_fetchall("BEGIN IMMEDIATE")
        for owner in range(1, OWNERS + 1):
            await conn.execute_fetchall(
                "INSERT OR IGNORE INTO floor_people (id, name) VALUES (:id, 'p')", {"id": owner}
            )
            await conn.execute_fetchall(SQLITE_SHAPES["insert"][0], {"owner": owner, "now": 0})
        await conn.execute_fetchall("COMMIT")

    async def transaction(self, kinds: list[str]) -> None:
        conn = self.conn
        params: dict[str, Any] = {"owner": next(self.owners), "item": 1, "now": int(time.time())}
        uses: dict[str, int] = {}
        async with self.lock:
            await conn.execute_fetchall("BEGIN IMMEDIATE")
            try:
                for kind in kinds:
                    shapes = SQLITE_SHAPES[kind]
                    n = uses.get(kind, 0)
                    uses[kind] = n + 1
                    rows = await conn.execute_fetchall(shapes[n % len(shapes)], params)
                    if kind == "insert":
                        params["item"] = int(next(iter(rows))[0])
            except BaseException:
                await conn.execute_fetchall("ROLLBACK")
                raise
            await conn.execute_fetchall("COMMIT")

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()


class RawSqlite3(RawSqlite):
    """Plain sqlite3 on the event loop's thread (no thread hop per statement), the same
    PRAGMAs and BEGIN IMMEDIATE: the cheapest raw way, and the store's own since it left
    aiosqlite."""

    async def open(self) -> None:
        self.conn = conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        for ddl in SQLITE_SCHEMA:
            conn.execute(ddl)
        conn.execute("BEGIN IMMEDIATE")
        for owner in range(1, OWNERS + 1):
            conn.execute(
                "INSERT OR IGNORE INTO floor_people (id, name) VALUES (:id, 'p')", {"id": owner}
            )
            conn.execute(SQLITE_SHAPES["insert"][0], {"owner": owner, "now": 0}).fetchall()
        conn.execute("COMMIT")

    async def transaction(self, kinds: list[str]) -> None:
        conn = self.conn
        params: dict[str, Any] = {"owner": next(self.owners), "item": 1, "now": int(time.time())}
        uses: dict[str, int] = {}
        conn.execute("BEGIN IMMEDIATE")
        try:
            for kind in kinds:
                shapes = SQLITE_SHAPES[kind]
                n = uses.get(kind, 0)
                uses[kind] = n + 1
                rows = conn.execute(shapes[n % len(shapes)], params).fetchall()
                if kind == "insert":
                    params["item"] = int(rows[0][0])
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


class RawPostgres:
    """asyncpg with a pool sized like the store's (1 to 10), one transaction each."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pool: Any = None
        self.owners = itertools.cycle(range(1, OWNERS + 1))

    async def open(self) -> None:
        import asyncpg

        self.pool = await asyncpg.create_pool(self.url, min_size=1, max_size=10)
        async with self.pool.acquire() as conn, conn.transaction():
            for ddl in PG_SCHEMA:
                await conn.execute(ddl)
            for owner in range(1, OWNERS + 1):
                await conn.execute(
                    "INSERT INTO floor_people (id, name) VALUES ($1, 'p') ON CONFLICT DO NOTHING",
                    owner,
                )
                await conn.execute(PG_SHAPES["insert"][0][0], owner, 0)

    async def transaction(self, kinds: list[str]) -> None:
        params: dict[str, Any] = {"owner": next(self.owners), "item": 1, "now": int(time.time())}
        uses: dict[str, int] = {}
        async with self.pool.acquire() as conn, conn.transaction():
            for kind in kinds:
                shapes = PG_SHAPES[kind]
                n = uses.get(kind, 0)
                uses[kind] = n + 1
                sql, names = shapes[n % len(shapes)]
                value = await conn.fetchval(sql, *(params[name] for name in names))
                if kind == "insert":
                    params["item"] = int(value)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()


def raw_store(url: str, sqlite_driver: str = "sqlite3") -> RawSqlite | RawPostgres | None:
    if not url:
        return None
    if url.startswith("sqlite:///"):
        kind = RawSqlite3 if sqlite_driver == "sqlite3" else RawSqlite
        return kind(url.removeprefix("sqlite:///"))
    return RawPostgres(url)


class Floor:
    """The minimal app: Bolt over HTTP with signature verification, one HTTP session."""

    def __init__(self, plan: dict[str, Any], api: str, secret: str, token: str, store: str):
        self.plan = plan
        self.api = api
        self.secret = secret
        self.token = token
        self.store = raw_store(store, str(plan.get("sqlite_driver", "sqlite3")))
        self.session: aiohttp.ClientSession | None = None
        self.app: AsyncApp | None = None
        self.channels: dict[str, str] = {}
        self.mentors = itertools.cycle([f"UM{n}" for n in range(int(plan.get("mentors", 30)))])
        self.tasks: set[asyncio.Task[None]] = set()
        # Templates as JSON text: the question token is replaced per command.
        self.templates = {
            kind: (json.dumps(spec.get("reply") or {}), json.dumps(spec.get("offer") or {}))
            for kind, spec in plan.get("commands", {}).items()
        }

    async def start(self) -> None:
        if self.store is not None:
            await self.store.open()
        self.session = aiohttp.ClientSession()
        client = AsyncWebClient(token=self.token, base_url=f"{self.api}/api/", session=self.session)
        self.app = AsyncApp(
            client=client,
            signing_secret=self.secret,
            process_before_response=bool(self.plan.get("reply_in_ack")),
            raise_error_for_unhandled_request=False,
        )
        self.app.command("/mentor")(self.on_command)

    def web_app(self) -> web.Application:
        assert self.app is not None
        return self.app.web_app(path="/slack/events")

    async def on_command(
        self, ack: Any, body: dict[str, Any], respond: Any, client: AsyncWebClient
    ) -> None:
        text = str(body.get("text") or "")
        kind = "ask" if text.startswith("ask ") else text.strip()
        spec = self.plan.get("commands", {}).get(kind)
        if spec is None:  # setting up mentors: nothing to do here
            await ack()
            return
        match = QUESTION.search(text)
        question = match.group(0) if match else TOKEN
        reply_text, offer_text = self.templates[kind]
        reply = json.loads(reply_text.replace(TOKEN, question))
        offer = json.loads(offer_text.replace(TOKEN, question))
        if self.plan.get("reply_in_ack"):
            await self._transaction(spec["before"])
            await ack(**reply)
            task = asyncio.create_task(self._after(spec, None, offer, client))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
            return
        await ack()
        await self._transaction(spec["before"])
        await self._after(spec, (respond, reply), offer, client)

    async def _after(
        self, spec: dict[str, Any], answer: Any, offer: dict[str, Any], client: AsyncWebClient
    ) -> None:
        sends = [self._offer(client, next(self.mentors), offer) for _ in range(spec["offers"])]
        if answer is not None:
            respond, reply = answer
            sends.append(respond(**reply, replace_original=False))
        await asyncio.gather(*sends)
        for kinds in spec.get("after", []):
            await self._transaction(kinds)

    async def _offer(self, client: AsyncWebClient, mentor: str, offer: dict[str, Any]) -> None:
        channel = self.channels.get(mentor)
        if channel is None:
            opened = await client.conversations_open(users=mentor)
            channel = self.channels[mentor] = str(opened["channel"]["id"])
        await client.chat_postMessage(channel=channel, **offer)

    async def _transaction(self, kinds: list[str]) -> None:
        if self.store is not None and kinds:
            await self.store.transaction(kinds)

    async def drain(self) -> None:
        me = asyncio.current_task()
        while True:
            pending = [
                t
                for t in asyncio.all_tasks()
                if t is not me
                and not t.done()
                and (
                    t in self.tasks
                    or "run_ack_function_asynchronously"
                    in getattr(t.get_coro(), "__qualname__", "")
                )
            ]
            if not pending:
                return
            await asyncio.wait(pending, timeout=30)

    async def close(self) -> None:
        await self.drain()
        if self.session is not None:
            await self.session.close()
        if self.store is not None:
            await self.store.close()
