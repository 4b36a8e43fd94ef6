"""The SQLite driver: statements on the loop's thread, waits for another writer off it.

Behaviour only, no timing: while another connection or process holds the write lock, the
event loop keeps running other tasks; the busy timeout still runs out with "database is
locked"; a failed transaction changes nothing and leaves the connection usable; errors at
opening are explained.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import open_database
from bot.storage.database import Database
from bot.storage.errors import StoreError
from bot.storage.sqlite import SqliteDatabase, busy_delays

# Counting to two million in SQL: long enough, on any machine, to be a slow statement.
SLOW = (
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :upto) "
    "SELECT COUNT(*) FROM n"
)

INSERT = "INSERT INTO communities (id, name, created_at) VALUES (:id, :id, 1)"
COUNT = "SELECT COUNT(*) FROM communities"
HOLD_THE_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO communities (id, name, created_at) VALUES ('other', 'other', 1)")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
print("released", flush=True)
"""


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[tuple[Database, Path]]:
    path = tmp_path / "driver.db"
    db = await open_database(f"sqlite:///{path}")
    try:
        yield db, path
    finally:
        await db.close()


async def insert(db: Database, community: str) -> None:
    async with db.transaction() as tx:
        await tx.execute(INSERT, {"id": community})


async def count(db: Database) -> int:
    async with db.transaction() as tx:
        return int(await tx.fetch_val(COUNT))


async def ticks_while(task: asyncio.Task[None], at_least: int) -> int:
    """How many times another task ran while `task` waited (up to `at_least`)."""
    ticks = 0
    while not task.done() and ticks < at_least:
        await asyncio.sleep(0.005)
        ticks += 1
    return ticks


async def test_a_writer_in_another_process_does_not_stop_the_loop(
    store: tuple[Database, Path],
) -> None:
    """A transaction waiting for another process's write lock lets every other task run, and
    goes ahead, committing, once the lock is released."""
    db, path = store
    other = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOLD_THE_LOCK,
        str(path),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert other.stdin is not None and other.stdout is not None
    try:
        assert await other.stdout.readline() == b"locked\n"
        waiting = asyncio.create_task(insert(db, "ours"))
        assert await ticks_while(waiting, at_least=10) == 10
        assert not waiting.done()  # still waiting for the lock, and the loop ran meanwhile
        other.stdin.write(b"go\n")
        await other.stdin.drain()
        assert await other.stdout.readline() == b"released\n"
        await asyncio.wait_for(waiting, 10)
    finally:
        if other.returncode is None:
            other.kill()
        await other.wait()
    async with db.transaction() as tx:
        rows = await tx.fetch("SELECT id FROM communities ORDER BY id")
    assert [r["id"] for r in rows] == ["other", "ours"]


async def test_a_writer_on_another_connection_in_this_process(
    store: tuple[Database, Path],
) -> None:
    """Two stores on one file in one process (as the concurrency tests have): while one holds
    its transaction open across an await, the other's waits without blocking the loop."""
    db, path = store
    second = await open_database(f"sqlite:///{path}")
    try:
        release = asyncio.Event()

        async def hold() -> None:
            async with second.transaction() as tx:
                await tx.execute(INSERT, {"id": "second"})
                await release.wait()

        holder = asyncio.create_task(hold())
        await asyncio.sleep(0)
        waiting = asyncio.create_task(insert(db, "first"))
        assert await ticks_while(waiting, at_least=5) == 5
        release.set()
        await asyncio.wait_for(asyncio.gather(holder, waiting), 10)
        assert await count(db) == await count(second) == 2
    finally:
        await second.close()


async def test_the_busy_timeout_still_runs_out(tmp_path: Path) -> None:
    """Held for longer than the busy timeout: "database is locked", as SQLite says it, and the
    connection works again once the lock is free."""
    path = tmp_path / "patience.db"
    created = await open_database(f"sqlite:///{path}")  # the schema
    await created.close()
    db = await SqliteDatabase.open(str(path), busy_timeout_ms=50)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await insert(db, "late")
        other.execute("COMMIT")
        await insert(db, "now")
        assert await count(db) == 1
        async with db.transaction() as tx:  # the timeout is back on inside a transaction
            assert int(await tx.fetch_val("PRAGMA busy_timeout")) == 50
    finally:
        other.close()
        await db.close()


def test_the_waits_add_up_to_the_busy_timeout() -> None:
    """SQLite's own steps (1, 2, 5 ... 100 ms), cut to the timeout."""
    assert busy_delays(0.01) == [0.001, 0.002, 0.005, pytest.approx(0.002)]
    assert sum(busy_delays(10.0)) == pytest.approx(10.0)
    assert max(busy_delays(10.0)) == 0.1
    assert busy_delays(0) == []


async def test_cancelled_while_waiting_leaves_the_connection_clean(
    store: tuple[Database, Path],
) -> None:
    """A command cancelled while it waits for the lock (a shutdown) holds no transaction."""
    db, path = store
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        waiting = asyncio.create_task(insert(db, "never"))
        await asyncio.sleep(0.02)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        other.execute("COMMIT")
    finally:
        other.close()
    await insert(db, "after")
    assert await count(db) == 1


async def test_an_error_rolls_back_every_statement_and_the_connection_goes_on(
    store: tuple[Database, Path],
) -> None:
    """A statement the database refuses (a duplicate key) undoes the transaction's earlier
    statements; the next transaction starts cleanly."""
    db, _ = store
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute(INSERT, {"id": "a"})
            await tx.execute(INSERT, {"id": "a"})
    assert await count(db) == 0
    with pytest.raises(ZeroDivisionError):
        async with db.transaction() as tx:
            await tx.execute(INSERT, {"id": "b"})
            _ = 1 / 0
    assert await count(db) == 0
    await insert(db, "c")
    assert await count(db) == 1


async def test_a_read_only_transaction_reads_while_another_writes_and_refuses_writes(
    store: tuple[Database, Path],
) -> None:
    """A read-only transaction takes no write lock, so another connection's doesn't hold it
    up; a write in it is refused, as PostgreSQL does, and the connection goes on."""
    db, path = store
    assert isinstance(db, SqliteDatabase)
    await insert(db, "a")
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute(INSERT.replace(":id", "'b'"))
        async with db.transaction(read_only=True) as tx:
            assert int(await tx.fetch_val(COUNT)) == 1  # the committed state
        other.execute("COMMIT")
    finally:
        other.close()
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        async with db.transaction(read_only=True) as tx:
            await tx.execute(INSERT, {"id": "c"})
    await insert(db, "d")
    assert await count(db) == 3


async def test_a_returning_statement_runs_to_its_end(store: tuple[Database, Path]) -> None:
    """fetch_one and execute of an UPDATE ... RETURNING change every row it matches."""
    db, _ = store
    for community in ("a", "b", "c"):
        await insert(db, community)
    async with db.transaction() as tx:
        first = await tx.fetch_one("UPDATE communities SET created_at = 2 RETURNING id")
        await tx.execute("UPDATE communities SET name = 'x' RETURNING id")
        assert first is not None
    async with db.transaction() as tx:
        rows = await tx.fetch("SELECT created_at, name FROM communities")
    assert [(r["created_at"], r["name"]) for r in rows] == [(2, "x")] * 3


async def test_transactions_in_one_process_take_turns(store: tuple[Database, Path]) -> None:
    """A transaction that awaits in the middle keeps the connection: another task's waits."""
    db, _ = store
    order: list[str] = []

    async def slow() -> None:
        async with db.transaction() as tx:
            order.append("slow begins")
            await asyncio.sleep(0.01)
            await tx.execute(INSERT, {"id": "slow"})
            order.append("slow ends")

    async def quick() -> None:
        async with db.transaction() as tx:
            order.append("quick begins")
            assert int(await tx.fetch_val(COUNT)) == 1  # sees the slow one's row
            await tx.execute(INSERT, {"id": "quick"})

    first = asyncio.create_task(slow())
    await asyncio.sleep(0)
    await asyncio.gather(first, quick())
    assert order == ["slow begins", "slow ends", "quick begins"]


async def test_a_slow_statement_runs_off_the_loop_the_next_times(
    store: tuple[Database, Path],
) -> None:
    """The first two runs of a slow statement hold the loop (once could be bad luck); from
    then on it runs in a worker thread and other tasks go on meanwhile, same result."""
    db, _ = store
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.001)
            ticks += 1

    running = asyncio.create_task(ticker())
    try:
        await asyncio.sleep(0.01)
        for run in range(3):
            async with db.transaction() as tx:
                before = ticks
                assert await tx.fetch_val(SLOW, {"upto": 2_000_000}) == 2_000_000
                after = ticks
            if run < 2:
                assert after == before  # on the loop: nothing else ran
            else:
                assert after > before  # in the thread: the ticker went on
    finally:
        running.cancel()


async def test_a_slow_statement_cancelled_stops_and_rolls_back(
    store: tuple[Database, Path],
) -> None:
    """Cancelled while a slow statement runs in the worker thread (a shutdown): the statement
    stops, the transaction is rolled back, and the connection goes on working."""
    db, _ = store
    for _ in range(2):  # learn that it is slow
        async with db.transaction() as tx:
            await tx.fetch_val(SLOW, {"upto": 2_000_000})

    async def slow_command() -> None:
        async with db.transaction() as tx:
            await tx.execute(INSERT, {"id": "undone"})
            await tx.fetch_val(SLOW, {"upto": 1_000_000_000})  # minutes, were it not stopped

    command = asyncio.create_task(slow_command())
    await asyncio.sleep(0.05)
    command.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(command, 30)
    assert await count(db) == 0
    await insert(db, "after")
    assert await count(db) == 1


async def test_transactions_in_a_row_let_other_tasks_run(store: tuple[Database, Path]) -> None:
    """Nothing inside a transaction yields; a task doing thousands of them one after another
    still lets another task have its turn before it is through."""
    db, _ = store
    done: list[int] = []
    seen: list[int] = []

    async def many() -> None:
        for n in range(3000):
            async with db.transaction() as tx:
                await tx.execute(INSERT, {"id": f"c{n}"})
            done.append(n)

    async def other() -> None:
        await asyncio.sleep(0)
        seen.append(len(done))

    await asyncio.gather(many(), other())
    assert 0 < seen[0] < 3000


async def test_a_file_locked_at_opening_is_explained(tmp_path: Path) -> None:
    """Another program holding a new file's lock past the busy timeout: a StoreError that says
    so and what to do."""
    path = tmp_path / "held.db"
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("CREATE TABLE t (x)")
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StoreError, match="locked by another program"):
            await SqliteDatabase.open(str(path), busy_timeout_ms=50)
    finally:
        other.close()


async def test_a_file_that_is_not_a_database_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are not the pages you are looking for" * 100)
    with pytest.raises(StoreError, match="is not a micromentor database"):
        db = await SqliteDatabase.open(str(path))
        await db.close()
