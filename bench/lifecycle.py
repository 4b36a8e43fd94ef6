"""Full mentorship lifecycles per second through the core, against a raw-driver floor that
replays the core's own recorded statements.

    python bench/lifecycle.py [--lifecycles 800] [--parallel 8] [--calibration 20]
                              [--rounds 3] [--json] [--profile]

A lifecycle is seven commands typed through the core's public command interface
(`core.bus.handle_line`) on a real SQLite file (WAL, synchronous=NORMAL) with the clock held
at a fixed time: a member asks (`/mentor ask python -- q`) and a wave of offers goes out, a
mentor accepts, both check in, the mentor ends it with `done`, and both rate (the second
rating reveals). `--parallel` workers run at once, each with its own member and mentor (a
fresh pair every 100 lifecycles, a mentor's weekly limit). The offers of a wave go to any
three available mentors, as in production, so asks do touch other workers' mentors.

The floor replays our own statements on the raw driver. Once the mentors and members are set
up, the store is copied as it is; then `--calibration` untimed lifecycles (one pair, one at a
time, which also warm up) run through the core while every transaction's statements are
recorded: whether it was read-only, and of each statement the method (fetch, fetch_one,
fetch_val, execute), the SQL text, the parameters and how many rows came back. The floor
replays exactly those transactions, in their order, with the same SQL text, parameters,
grouping and mode, on fresh copies of the store as it was before
the recording. A copy of that state gives every statement the same rows and the same new ids
as it had in the core (ids come from the copied sequences), which is sound where remapping
ids would have to guess which parameters are ids; each replayed statement must return as
many rows as it did in the core, or the run stops. Copies are made and restored untimed.

- SQLite: plain sqlite3 on one connection with the core's PRAGMAs, the transactions one after
  another with no thread hop and no event loop in between (`BEGIN IMMEDIATE`, or `BEGIN` for
  a read-only one, the statements, `fetchall()` each, `COMMIT`): the cheapest raw way, and
  our driver no longer hops either. What it replays is the timed part's own transactions, in
  the order they committed, on a copy taken just before it: the core's one connection runs
  them one at a time too, so this is the same work on the same rows, history growing alike
  on both sides (a store's queries get slower as offers and sessions pile up). They are
  recorded where the store runs each statement, a plain call around it; that cost counts in
  our time. `--sample-floor` replays the calibration's transactions instead, pass after pass
  on the copy taken before it (restored each pass by sqlite3's backup API), until about as
  many transactions are done: the method before 2026-12-07, which kept the floor on the
  small store of the calibration while ours grew, and so flattered the floor.
- PostgreSQL (MICROMENTOR_TEST_POSTGRES_DSN set): raw asyncpg, `--parallel` workers at once,
  each replaying the recording on its own copy (a schema migrated like the core's, the rows
  copied, its identity sequences set alike) through its own pool made as the core makes its
  pool (same size, same reset; a connection acquired and a transaction opened per recorded
  transaction, as the core does; the statements straight on asyncpg's connection),
  with the SQL rewritten to `$n` parameters ahead of time. The core's schema and the copies
  are throwaway schemas, dropped afterwards. A core command that fails on a PostgreSQL
  deadlock is typed again, as a person would after "try again in a moment", and counted
  (`deadlocks`); any other failure stops the run.

The ratio is time per transaction, ours over the floor's. Rounds are paired: each round runs
the core, then the floor, on fresh stores; the figures shown are the median of the rounds'
(the ratio: the median of the per-round ratios, so one lucky or unlucky round on either side
cannot swing it), and every round is in the JSON.

`--profile` runs pyinstrument (not a dependency: install it) over the core's timed SQLite
part of the first round and prints its report to stderr; a profiled run is slower.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import ManualClock
from bot.domain.messages import Actor, OutboundMessage
from bot.process.bootstrap import Core, start_core
from bot.service import bus as bus_module
from bot.service.bus import SORRY
from bot.service.notifier import Batch
from bot.storage import open_database
from bot.storage.database import to_positional
from tests.conftest import PG_DSN_ENV, START, make_config

TARGET_RATIO = {"sqlite": 1.3, "postgresql": 1.5}  # issue 16's goals
PER_PAIR = 100  # sessions a mentor takes per week at `profile capacity 10 100`, the most
OVERRIDES = {"requests.max_per_week": PER_PAIR}  # the member side of the same limit
MENTOR_SETUP = (
    "/mentor skills add python",
    "/mentor available for 8h",
    "/mentor profile capacity 10 100",
)
COMMANDS_PER_LIFECYCLE = 7
DEADLOCK = "DeadlockDetectedError"  # asyncpg's; SQLite's single writer can't deadlock
REQUEST_ID = re.compile(r"\b(r\d+)\b")
SESSION_ID = re.compile(r"\bsession (s\d+)\b")
FLOOR_STATEMENT_CACHE = 512  # prepared statements the floor's sqlite3 connection keeps


class CountingNotifier:
    """Counts what the core hands over for delivery, and keeps nothing."""

    def __init__(self) -> None:
        self.messages = 0

    async def deliver(
        self, messages: Sequence[OutboundMessage], batch: Batch | None = None
    ) -> None:
        self.messages += len(messages)

    async def drain(self) -> None:
        return None


# -- recording statements and transactions (calibration only) ------------------------------


@dataclass(frozen=True)
class Statement:
    """One statement as the core ran it: what the floor replays."""

    method: str  # fetch, fetch_one, fetch_val or execute
    sql: str
    params: dict[str, Any]
    rows: int | None  # rows returned (fetch), 0 or 1 (fetch_one); None: not checked

    @property
    def kind(self) -> str:
        """select, insert, update or delete: what it does, by its first word."""
        return kind_of(self.sql)


@dataclass
class Recorded:
    """One committed transaction of the core's: its mode and its statements, in order."""

    read_only: bool
    statements: list[Statement]


@dataclass
class Counts:
    commands: int = 0
    transactions: int = 0
    rollbacks: int = 0
    recorded: list[Recorded] = field(default_factory=list)  # committed, in order

    @property
    def statements(self) -> list[Statement]:
        return [statement for tx in self.recorded for statement in tx.statements]


def kind_of(sql: str) -> str:
    """select, insert, update or delete: what a statement does, by its first word."""
    word = sql.lstrip().split(None, 1)[0].lower()
    return "select" if word == "with" else word


class RecordingTx:
    """Forwards to the engine's transaction, recording each statement."""

    def __init__(self, tx: Any, statements: list[Statement]) -> None:
        self._tx = tx
        self._statements = statements

    def _note(self, method: str, sql: str, params: Any, rows: int | None) -> None:
        self._statements.append(Statement(method, sql, dict(params or {}), rows))

    async def fetch(self, sql: str, params: Any = None) -> Any:
        rows = await self._tx.fetch(sql, params)
        self._note("fetch", sql, params, len(rows))
        return rows

    async def fetch_one(self, sql: str, params: Any = None) -> Any:
        row = await self._tx.fetch_one(sql, params)
        self._note("fetch_one", sql, params, 0 if row is None else 1)
        return row

    async def fetch_val(self, sql: str, params: Any = None) -> Any:
        value = await self._tx.fetch_val(sql, params)
        self._note("fetch_val", sql, params, None)
        return value

    async def execute(self, sql: str, params: Any = None) -> None:
        await self._tx.execute(sql, params)
        self._note("execute", sql, params, None)


@contextmanager
def recording(db: Any, counts: Counts) -> Iterator[None]:
    """Count the store's committed and rolled-back transactions and record their statements."""
    original = db.transaction

    @asynccontextmanager
    async def transaction(*, read_only: bool = False) -> AsyncIterator[RecordingTx]:
        statements: list[Statement] = []
        async with original(**({"read_only": True} if read_only else {})) as tx:
            try:
                yield RecordingTx(tx, statements)
            except BaseException:
                counts.rollbacks += 1
                raise
        counts.transactions += 1
        counts.recorded.append(Recorded(read_only, statements))

    db.transaction = transaction  # this instance only, and only while calibrating
    try:
        yield
    finally:
        del db.transaction


@contextmanager
def recording_sqlite(db: Any, counts: Counts) -> Iterator[None]:
    """`recording` at less cost, for the SQLite store's timed part: each statement noted where
    the store runs it (one plain call around it, instead of a wrapper around each of the
    transaction's methods), so that the recording adds as little as it can to our time."""
    run, timed, original = db.run, db._timed, db.transaction
    current: list[Statement] = []

    def noted(sql: str, params: Any) -> list[Any]:
        rows = run(sql, params)
        current.append(Statement("fetch", sql, dict(params), len(rows)))
        return rows

    def timed_noted(sql: str, params: Any) -> tuple[list[Any], float]:
        rows, seconds = timed(sql, params)
        current.append(Statement("fetch", sql, dict(params), len(rows)))
        return rows, seconds

    @asynccontextmanager
    async def transaction(*, read_only: bool = False) -> AsyncIterator[Any]:
        async with original(read_only=read_only) as tx:
            current.clear()
            try:
                yield tx
            except BaseException:
                counts.rollbacks += 1
                raise
            statements = list(current)
        counts.transactions += 1
        counts.recorded.append(Recorded(read_only, statements))

    db.run, db._timed, db.transaction = noted, timed_noted, transaction
    try:
        yield
    finally:
        del db.run, db._timed, db.transaction


def replayed(expected: Statement, rows: int) -> None:
    """Stop the run when the floor's replay of a statement saw other rows than the core."""
    if expected.rows is not None and rows != expected.rows:
        raise RuntimeError(
            f"the floor's replay diverged: {rows} row(s) where the core had {expected.rows}: "
            f"{expected.sql.split(chr(10))[0]!r} {expected.params}"
        )


# -- our side: lifecycles through the bus ---------------------------------------------------


class BusErrors(logging.Handler):
    """Keeps the exceptions the bus logs (and keeps them off stderr while installed)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last: logging.LogRecord | None = None
        self.deadlocks = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.last = record

    def was_deadlock(self) -> bool:
        """Whether the latest command failed on a deadlock (PostgreSQL)."""
        info = self.last.exc_info if self.last is not None else None
        return info is not None and info[0] is not None and info[0].__name__ == DEADLOCK

    def describe(self) -> str:
        if self.last is None:
            return ""
        return logging.Formatter().format(self.last)


@contextmanager
def bus_errors() -> Iterator[BusErrors]:
    logger = logging.getLogger(bus_module.__name__)
    handler = BusErrors()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


class Driver:
    """Types commands into one core as console users."""

    def __init__(self, core: Core, errors: BusErrors) -> None:
        self.core = core
        self.errors = errors

    async def say(self, user: str, line: str) -> str:
        """Type a command as `user`. A deadlock is retried (what a person does with "try again
        in a moment") and counted; any other error stops the benchmark."""
        errors = self.errors
        while True:
            errors.last = None
            reply = await self.core.bus.handle_line(Actor("console", "console", user, user), line)
            # The bus logs and returns without yielding to the loop: `last` is this command's.
            if not reply.is_error:
                return reply.text
            if reply.text != SORRY or not errors.was_deadlock():
                raise RuntimeError(f"{user}: {line!r} failed: {reply.text}\n{errors.describe()}")
            errors.deadlocks += 1

    async def lifecycle(self, member: str, mentor: str) -> int:
        """Ask, accept, both check in, done, both rate; returns the number of commands."""
        say = self.say
        request = found(REQUEST_ID, await say(member, "/mentor ask python -- q"))
        session = found(SESSION_ID, await say(mentor, f"/mentor accept {request}"))
        await say(member, f"/mentor checkin {session}")
        await say(mentor, f"/mentor checkin {session}")
        await say(mentor, f"/mentor done {session} resolved")
        await say(member, f"/mentor rate {session} 5 -- Clear and patient, thank you!")
        shown = await say(mentor, f"/mentor rate {session} 4 -- Good questions, well prepared.")
        if "now shown" not in shown:
            raise RuntimeError(f"the second rating did not reveal: {shown!r}")
        return COMMANDS_PER_LIFECYCLE


def found(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    if match is None:
        raise RuntimeError(f"no {pattern.pattern} in reply: {text!r}")
    return match.group(1)


def split(total: int, parts: int) -> list[int]:
    """`total` as `parts` near-equal shares."""
    return [total // parts + (1 if n < total % parts else 0) for n in range(parts)]


def pairs_for(worker: int, share: int) -> list[tuple[str, str]]:
    """The (member, mentor) pairs one worker goes through, one per PER_PAIR lifecycles."""
    return [(f"member-{worker}-{p}", f"mentor-{worker}-{p}") for p in range(-(-share // PER_PAIR))]


async def measure_core(
    url: str,
    lifecycles: int,
    parallel: int,
    calibration: int,
    profile: bool,
    snapshot: Callable[[], Awaitable[None]],
    record_timed: bool = False,
) -> tuple[dict[str, Any], Counts]:
    """Set up, copy the store (`snapshot`), calibrate and record (untimed), then time
    `lifecycles` lifecycles in `parallel` workers. With `record_timed`, the copy is taken
    again after the calibration and the timed part's own transactions are what is recorded
    (the returned Counts' `recorded`); the recording's cost is then part of our time."""
    notifier = CountingNotifier()
    config = make_config(url, **OVERRIDES)
    core = await start_core(config, notifier, clock=ManualClock(START), rng=random.Random(1234))
    try:
        with bus_errors() as errors:
            driver = Driver(core, errors)
            shares = split(lifecycles, parallel)
            plans = [pairs_for(w, share) for w, share in enumerate(shares)]
            mentors = [mentor for plan in plans for _, mentor in plan] + ["mentor-cal"]
            spare = config.routing.wave_size - len(mentors)
            mentors += [f"mentor-spare-{n}" for n in range(spare)]
            for mentor in mentors:
                for line in MENTOR_SETUP:
                    await driver.say(mentor, line)
            for member in [member for plan in plans for member, _ in plan] + ["member-cal"]:
                await driver.say(member, "/mentor profile")  # first contact, not timed

            await snapshot()  # the state the floor replays the recording on
            counts = Counts()
            with recording(core.db, counts):
                for _ in range(calibration):
                    counts.commands += await driver.lifecycle("member-cal", "mentor-cal")
            # A command's own transaction, and one that takes its messages out of the outbox.
            if counts.transactions > 2 * counts.commands or counts.rollbacks:
                raise RuntimeError(
                    "expected at most two transactions per command, none rolled back: "
                    f"{counts.transactions} transactions ({counts.rollbacks} rolled back) "
                    f"for {counts.commands} commands"
                )
            errors.deadlocks = 0
            timed = Counts()
            if record_timed:
                await snapshot()  # the state the floor replays the timed part on

            async def worker(plan: list[tuple[str, str]], share: int) -> int:
                commands = 0
                for n in range(share):
                    member, mentor = plan[n // PER_PAIR]
                    commands += await driver.lifecycle(member, mentor)
                return commands

            profiler = None
            if profile:
                from pyinstrument import Profiler

                profiler = Profiler(async_mode="enabled")
                profiler.start()
            gc.collect()
            notifier.messages = 0
            with recording_sqlite(core.db, timed) if record_timed else nullcontext():
                begin = time.perf_counter()
                async with asyncio.TaskGroup() as group:  # one failure cancels the others
                    tasks = [
                        group.create_task(worker(p, n)) for p, n in zip(plans, shares, strict=True)
                    ]
                elapsed = time.perf_counter() - begin
            report = None
            if profiler is not None:
                profiler.stop()
                report = profiler.output_text(unicode=False, color=False)
            messages = notifier.messages
            deadlocks = errors.deadlocks

        async with core.db.transaction() as tx:
            revealed = int(
                await tx.fetch_val(
                    "SELECT COUNT(*) FROM sessions WHERE state = 'completed' "
                    "AND ratings_revealed_at IS NOT NULL"
                )
            )
        if revealed != lifecycles + calibration:
            raise RuntimeError(f"{revealed} revealed sessions, expected {lifecycles + calibration}")
    finally:
        await core.close()

    done = [task.result() for task in tasks]
    commands = sum(done)
    per_command = counts.transactions / counts.commands  # at most 2, checked above
    transactions = timed.transactions if record_timed else round(commands * per_command)
    statements = counts.statements
    result: dict[str, Any] = {
        "lifecycles": lifecycles,
        "seconds": elapsed,
        "lifecycles_per_s": lifecycles / elapsed,
        "commands_per_lifecycle": commands / lifecycles,
        "transactions_per_lifecycle": transactions / lifecycles,
        "statements_per_transaction": len(statements) / counts.transactions,
        "statement_mix": dict(Counter(s.kind for s in statements).most_common()),
        "messages_per_lifecycle": messages / lifecycles,
        "transactions": transactions,
        "transactions_per_s": transactions / elapsed,
        "deadlocks_retried": deadlocks,
    }
    if report is not None:
        result["profile"] = report
    return result, timed if record_timed else counts


# -- the floor: the recorded transactions on the raw driver ---------------------------------


def connect_sqlite(path: str | Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with the core's PRAGMAs and row type."""
    conn = sqlite3.connect(
        path, isolation_level=None, cached_statements=FLOOR_STATEMENT_CACHE, timeout=10
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def replay_sqlite(conn: sqlite3.Connection, recorded: list[Recorded]) -> None:
    """The recorded transactions, one after another: the cheapest raw way."""
    for tx in recorded:
        conn.execute("BEGIN" if tx.read_only else "BEGIN IMMEDIATE")
        try:
            for statement in tx.statements:
                rows = conn.execute(statement.sql, statement.params).fetchall()
                if statement.rows is not None and len(rows) != statement.rows:
                    replayed(statement, len(rows))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


class SqliteFloor:
    """The core's file and the floor's in one folder; the floor restores a copy each pass."""

    def __init__(self, folder: Path) -> None:
        self.url = f"sqlite:///{folder / 'micromentor.db'}"
        self.core_file = folder / "micromentor.db"
        self.copy_file = folder / "before-calibration.db"
        self.floor_file = folder / "floor.db"

    async def snapshot(self) -> None:
        """Copy the core's file as it is (a consistent copy, by sqlite3's backup API)."""
        source = sqlite3.connect(self.core_file)
        target = sqlite3.connect(self.copy_file)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()

    async def run(self, recorded: list[Recorded], transactions: int) -> tuple[float, int]:
        """Seconds for passes over the recording, each on the restored copy, until about
        `transactions` are done (one pass when the recording is the timed part itself);
        (seconds, transactions done)."""
        passes = max(1, round(transactions / len(recorded)))
        copy = sqlite3.connect(self.copy_file)
        conn = connect_sqlite(self.floor_file)
        seconds = 0.0
        try:
            for _ in range(passes):
                copy.backup(conn)  # the state before the recording, restored untimed
                gc.collect()
                begin = time.perf_counter()
                replay_sqlite(conn, recorded)
                seconds += time.perf_counter() - begin
        finally:
            conn.close()
            copy.close()
        return seconds, passes * len(recorded)


def with_search_path(dsn: str, schema: str) -> str:
    return dsn + ("&" if "?" in dsn else "?") + f"search_path={schema}"


TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename"
REFERENCES = """
SELECT child.relname AS child, parent.relname AS parent
FROM pg_constraint c
JOIN pg_class child ON child.oid = c.conrelid
JOIN pg_class parent ON parent.oid = c.confrelid
JOIN pg_namespace n ON n.oid = child.relnamespace
WHERE c.contype = 'f' AND n.nspname = $1
"""
IDENTITIES = """
SELECT table_name, column_name FROM information_schema.columns
WHERE table_schema = $1 AND is_identity = 'YES'
"""


SEQUENCE = "SELECT pg_get_serial_sequence($1, $2)"


def referenced_first(tables: list[str], references: list[tuple[str, str]]) -> list[str]:
    """The tables in an order that puts every referenced table before those referring to it."""
    parents: dict[str, set[str]] = {table: set() for table in tables}
    for child, parent in references:
        if child != parent:  # a self-reference is checked at the end of its INSERT ... SELECT
            parents[child].add(parent)
    order: list[str] = []
    placed: set[str] = set()
    while len(order) < len(tables):
        ready = [t for t in tables if t not in placed and parents[t] <= placed]
        if not ready:
            raise RuntimeError(f"circular references among {sorted(set(tables) - placed)}")
        order += ready
        placed.update(ready)
    return order


async def copy_schema(admin: Any, dsn: str, source: str, target: str) -> None:
    """`target`: the same migrations as `source`, its rows and its identity sequences."""
    await admin.execute(f"CREATE SCHEMA {target}")
    db = await open_database(with_search_path(dsn, target))  # the same tables and indexes
    await db.close()
    tables = [row["tablename"] for row in await admin.fetch(TABLES, source)]
    references = [(row["child"], row["parent"]) for row in await admin.fetch(REFERENCES, source)]
    async with admin.transaction():
        await admin.execute("TRUNCATE " + ", ".join(f'{target}."{t}"' for t in tables))
        for table in referenced_first(tables, references):
            await admin.execute(f'INSERT INTO {target}."{table}" SELECT * FROM {source}."{table}"')
        for row in await admin.fetch(IDENTITIES, source):
            table, column = row["table_name"], row["column_name"]
            sequences = [
                await admin.fetchval(SEQUENCE, f"{schema}.{table}", column)
                for schema in (source, target)
            ]
            last, called = await admin.fetchrow(f"SELECT last_value, is_called FROM {sequences[0]}")
            await admin.execute("SELECT setval($1, $2, $3)", sequences[1], last, called)


@dataclass(frozen=True)
class Positional:
    """A recorded statement as asyncpg takes it: `$n` text and the values in order."""

    method: str
    text: str
    args: tuple[Any, ...]
    expected: Statement


def positional(statement: Statement) -> Positional:
    text, names = to_positional(statement.sql)
    args = tuple(statement.params[name] for name in names)
    return Positional(statement.method, text, args, statement)


async def replay_postgres(pool: Any, recorded: list[tuple[bool, list[Positional]]]) -> None:
    """The recorded transactions in order, each on a pooled connection like the core's."""
    for read_only, statements in recorded:
        async with pool.acquire() as conn, conn.transaction(readonly=read_only):
            for s in statements:
                if s.method == "fetch":
                    rows = len(await conn.fetch(s.text, *s.args))
                elif s.method == "fetch_one":
                    rows = 0 if await conn.fetchrow(s.text, *s.args) is None else 1
                elif s.method == "fetch_val":
                    await conn.fetchval(s.text, *s.args)
                    continue
                elif s.args:
                    await conn.execute(s.text, *s.args)
                    continue
                else:
                    await conn.execute(s.text)
                    continue
                if s.expected.rows is not None and rows != s.expected.rows:
                    replayed(s.expected, rows)


class PostgresFloor:
    """The core's throwaway schema, and one copy of it per floor worker."""

    def __init__(self, admin: Any, dsn: str, schema: str, parallel: int) -> None:
        self.admin = admin
        self.dsn = dsn
        self.schema = schema
        self.url = with_search_path(dsn, schema)
        self.copies = [f"{schema}_floor{n}" for n in range(parallel)]
        self.made: list[str] = []

    async def snapshot(self) -> None:
        for copy in self.copies:
            self.made.append(copy)
            await copy_schema(self.admin, self.dsn, self.schema, copy)

    async def run(self, recorded: list[Recorded], transactions: int) -> tuple[float, int]:
        """Seconds for every worker's replay on its own copy, all at once."""
        from bot.storage.postgres import PostgresDatabase

        plan = [(tx.read_only, [positional(s) for s in tx.statements]) for tx in recorded]
        # The core's own pool settings (size, reset); only the pool is used, statements go
        # straight to asyncpg's connections.
        stores = [
            await PostgresDatabase.open(with_search_path(self.dsn, copy)) for copy in self.copies
        ]
        try:
            gc.collect()
            begin = time.perf_counter()
            await asyncio.gather(*(replay_postgres(store._pool, plan) for store in stores))
            seconds = time.perf_counter() - begin
        finally:
            for store in stores:
                await store.close()
        return seconds, len(stores) * len(recorded)


# -- both sides, per engine -------------------------------------------------------------------

Floor = SqliteFloor | PostgresFloor


@asynccontextmanager
async def fresh_stores(engine: str, dsn: str | None, parallel: int) -> AsyncIterator[Floor]:
    """The core's store and the floor's copies, new for one round, removed after."""
    if engine == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield SqliteFloor(Path(folder))
        return
    import asyncpg

    assert dsn is not None
    schema = f"mm_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(dsn)
    floor = PostgresFloor(admin, dsn, schema, parallel)
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
        yield floor
    finally:
        for name in [schema, *floor.made]:
            await admin.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        await admin.close()


async def measure(
    engine: str,
    dsn: str | None,
    lifecycles: int,
    parallel: int,
    calibration: int,
    rounds: int,
    profile: bool,
    sample_floor: bool = False,
) -> dict[str, Any]:
    """Paired rounds: ours, then the floor replaying what ours recorded, on fresh stores; the
    median of the rounds' figures, and of their ratios. On SQLite the floor replays the timed
    part's own transactions (`sample_floor`: passes over the calibration's instead)."""
    runs: list[dict[str, Any]] = []
    for n in range(rounds):
        async with fresh_stores(engine, dsn, parallel) as floor:
            ours, counts = await measure_core(
                floor.url,
                lifecycles,
                parallel,
                calibration,
                profile and n == 0,
                floor.snapshot,
                record_timed=engine == "sqlite" and not sample_floor,
            )
            gc.collect()
            floor_seconds, floor_transactions = await floor.run(
                counts.recorded, ours["transactions"]
            )
        ours["floor_seconds"] = floor_seconds
        ours["floor_transactions"] = floor_transactions
        ours["floor_transactions_per_s"] = floor_transactions / floor_seconds
        # time per transaction, ours over the floor's
        ours["ratio"] = ours["transactions_per_s"] ** -1 / (floor_seconds / floor_transactions)
        ours["recorded_transactions"] = len(counts.recorded)
        runs.append(ours)
    first = runs[0]
    result = {key: value for key, value in first.items() if key not in ROUND_KEYS}
    result.update({key: statistics.median(r[key] for r in runs) for key in MEDIAN_KEYS})
    result["floor_transactions"] = first["floor_transactions"]  # the same every round
    result["deadlocks_retried"] = sum(r["deadlocks_retried"] for r in runs)
    result["rounds"] = [{key: r[key] for key in ROUND_KEYS} for r in runs]
    return result


# Per round in the JSON; the median of the rounds (MEDIAN_KEYS) is the headline.
ROUND_KEYS = (
    "seconds",
    "lifecycles_per_s",
    "transactions_per_s",
    "floor_seconds",
    "floor_transactions",
    "floor_transactions_per_s",
    "ratio",
    "deadlocks_retried",
)
MEDIAN_KEYS = (
    "seconds",
    "lifecycles_per_s",
    "transactions_per_s",
    "floor_transactions_per_s",
    "ratio",
)


async def run(
    lifecycles: int,
    parallel: int = 8,
    calibration: int = 20,
    *,
    rounds: int = 1,
    postgres_dsn: str | None = None,
    profile: bool = False,
    sample_floor: bool = False,
) -> dict[str, Any]:
    """Both sides on SQLite; on PostgreSQL too when a DSN is given (None: the env var; "": no)."""
    if min(lifecycles, parallel, calibration, rounds) < 1:
        raise ValueError("lifecycles, parallel, calibration and rounds must be at least 1")
    dsn = (os.environ.get(PG_DSN_ENV) if postgres_dsn is None else postgres_dsn) or None
    result: dict[str, Any] = {
        "lifecycles": lifecycles,
        "parallel": parallel,
        "calibration": calibration,
        "rounds": rounds,
        "target_ratio": TARGET_RATIO,
        "sqlite_floor": "calibration" if sample_floor else "timed",
    }
    settings = (lifecycles, parallel, calibration, rounds)
    result["sqlite"] = await measure("sqlite", None, *settings, profile, sample_floor)
    if dsn is not None:
        result["postgresql"] = await measure("postgresql", dsn, *settings, False)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lifecycles", type=int, default=800)
    parser.add_argument("--parallel", type=int, default=8, help="lifecycles in flight at once")
    parser.add_argument(
        "--calibration",
        type=int,
        default=20,
        help="untimed lifecycles whose statements are recorded for the floor to replay",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="paired rounds (ours, then the floor); the median of them is shown",
    )
    parser.add_argument(
        "--sample-floor",
        action="store_true",
        help="SQLite's floor replays the calibration's transactions, pass after pass on the "
        "state before it, instead of the timed part's own (the method before 2026-12-07)",
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--profile", action="store_true", help="pyinstrument over our SQLite side, to stderr"
    )
    args = parser.parse_args()
    result = asyncio.run(
        run(
            args.lifecycles,
            args.parallel,
            args.calibration,
            rounds=args.rounds,
            profile=args.profile,
            sample_floor=args.sample_floor,
        )
    )
    report = result["sqlite"].pop("profile", None)
    if report is not None:
        print(report, file=sys.stderr)
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{'engine':<10} {'lifecycles':>10} {'lc/s':>7} {'cmd/lc':>6} {'tx/lc':>5} "
        f"{'stmt/tx':>7} {'tx/s':>7} {'floor tx/s':>10} {'ratio':>6} {'target':>6} "
        f"{'deadlocks':>9}  ratio per round"
    )
    for engine in ("sqlite", "postgresql"):
        if engine not in result:
            continue
        r = result[engine]
        per_round = " ".join(f"{x['ratio']:.2f}" for x in r["rounds"])
        print(
            f"{engine:<10} {r['lifecycles']:>10} {r['lifecycles_per_s']:>7.1f} "
            f"{r['commands_per_lifecycle']:>6.1f} {r['transactions_per_lifecycle']:>5.1f} "
            f"{r['statements_per_transaction']:>7.1f} {r['transactions_per_s']:>7.1f} "
            f"{r['floor_transactions_per_s']:>10.1f} {r['ratio']:>6.2f} "
            f"{TARGET_RATIO[engine]:>6.1f} {r['deadlocks_retried']:>9}  {per_round}"
        )
    print(
        f"parallel {result['parallel']}, median of {result['rounds']} paired round(s) "
        "(ours, then the floor replaying our recorded statements on the raw driver); "
        "ratio = time per transaction, ours / floor"
    )


if __name__ == "__main__":
    main()
