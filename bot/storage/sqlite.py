"""The embedded engine: plain sqlite3 on the event loop's thread, one BEGIN IMMEDIATE per
command.

A statement on a small local WAL file takes microseconds, far less than a hop to a database
thread and back (which is what aiosqlite costs per statement), so statements run right here
on the loop's thread, with guards so that the loop is never held for long:

- Another connection's write lock. In WAL mode only the `BEGIN IMMEDIATE` that takes it can
  wait: once the lock is ours, reads use the transaction's snapshot and the COMMIT appends to
  the log. So `BEGIN IMMEDIATE` is tried without SQLite's busy handler, and while another
  connection or process holds the lock it is tried again after an asyncio sleep (1, 2, 5 ...
  100 ms, the steps of SQLite's own handler) until the busy timeout runs out, then "database
  is locked" as before; the loop serves other tasks meanwhile. Inside the transaction the
  busy timeout is back on, for a wait that is not the write lock's (a file not in WAL mode).
- A slow statement (a sweep of every mentor, a large prune). One that took more than
  `SLOW_S` twice in a row runs in a worker thread from then on, the loop going on meanwhile,
  until it takes half of that there again: its first two runs are the only ones that hold
  the loop.
- A read-only transaction takes no lock at all (a deferred BEGIN reads a snapshot).
- Many transactions in a row (a sweep of due actions). Nothing inside a transaction yields,
  so a task's transactions one after another would keep every other task waiting; once they
  have kept the loop from turning for `HOLD_S`, the next lets it turn first.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.storage.database import Params, Row
from bot.storage.errors import ELSEWHERE, StoreError

MIN_SQLITE = (3, 35, 0)  # RETURNING
STATEMENT_CACHE = 512  # prepared statements kept per connection (sqlite3's default: 128)
# SQLite's busy handler sleeps these steps (ms), then 100 ms at a time; so do we, on the loop.
BUSY_STEPS_MS = (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100)
SQLITE_BUSY = 5
# A statement that took longer than this on the loop twice in a row runs in a worker thread
# the next times (until it runs in half of it there): a hop costs far less than the loop held
# that long. Twice, because once may be the process descheduled on a busy machine.
SLOW_S = 0.002
# Transactions one after another that kept the loop this long let it turn before the next.
HOLD_S = 0.005


class SqliteTransaction:
    """Statements on the shared connection while this transaction holds it."""

    __slots__ = ("_db",)

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def fetch(self, sql: str, params: Params | None = None) -> list[Row]:
        db = self._db
        if sql in db.slow:
            return await db.off_loop(sql, params or {})
        return db.run(sql, params or {})

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        # Every row, as aiosqlite's execute_fetchall did: a RETURNING statement runs to its end.
        db = self._db
        if sql in db.slow:
            rows = await db.off_loop(sql, params or {})
        else:
            rows = db.run(sql, params or {})
        return rows[0] if rows else None

    async def fetch_val(self, sql: str, params: Params | None = None) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]  # type: ignore[index]

    async def execute(self, sql: str, params: Params | None = None) -> None:
        db = self._db
        if sql in db.slow:
            await db.off_loop(sql, params or {})
        else:
            db.run(sql, params or {})


def explain(exc: sqlite3.Error, path: str | Path, elsewhere: str = ELSEWHERE) -> str:
    """What went wrong with the SQLite file at `path`, and what to do about it."""
    detail = str(exc) or type(exc).__name__
    lowered = detail.lower()
    if any(word in lowered for word in ("not a database", "malformed", "already exists")):
        return f"{path} is not a micromentor database ({detail}); restore a backup or move it away"
    if "locked" in lowered or "busy" in lowered:
        return f"{path} is locked by another program ({detail}); stop it and start again"
    if "full" in lowered:
        return f"the disk holding {path} is full ({detail}); free some space"
    if any(word in lowered for word in ("readonly", "read-only", "unable to open", "i/o")):
        # SQLite writes the file and, next to it, its -wal and -shm files.
        return (
            f"cannot write {path} ({detail}); micromentor must be able to write that file "
            "and its folder: check the permissions and that the disk is not mounted "
            f"read-only, {elsewhere}"
        )
    return f"cannot use the database {path} ({detail})"


def is_busy(exc: sqlite3.Error) -> bool:
    """Whether another connection holds the lock `exc` was refused (SQLITE_BUSY, any variant)."""
    code: int | None = getattr(exc, "sqlite_errorcode", None)  # Python 3.11 and newer
    if code is not None:
        return code & 0xFF == SQLITE_BUSY
    return "locked" in str(exc)


def busy_delays(patience: float) -> list[float]:
    """The sleeps (seconds) between tries, SQLite's own steps, adding up to `patience`."""
    delays: list[float] = []
    total = 0.0
    n = 0
    while total < patience:
        step = BUSY_STEPS_MS[min(n, len(BUSY_STEPS_MS) - 1)] / 1000
        step = min(step, patience - total)
        delays.append(step)
        total += step
        n += 1
    return delays


async def _until_free(conn: sqlite3.Connection, sql: str, patience: float) -> None:
    """Run `sql`, a statement that takes a lock, with the busy timeout off; while another
    connection holds the lock, sleep on the loop and try again, for `patience` seconds."""
    delays = iter(busy_delays(patience))
    while True:
        try:
            conn.execute(sql).fetchall()
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            delay = next(delays, None)
            if delay is None:
                raise
        await asyncio.sleep(delay)


class SqliteDatabase:
    """One sqlite3 connection; an asyncio lock keeps its transactions apart in-process.

    Across connections and processes it is SQLite itself (BEGIN IMMEDIATE, retried while
    another holds the write lock) that decides who writes, so claims stay correct with any
    number of writers.
    """

    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection, path: str, busy_timeout_ms: int) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._patience = busy_timeout_ms / 1000
        self._timeout_on = f"PRAGMA busy_timeout = {int(busy_timeout_ms)}"
        self._worker: ThreadPoolExecutor | None = None
        self._turn_asked: float | None = None  # when we asked the loop to run `_turned`
        self._turn_loop: asyncio.AbstractEventLoop | None = None
        self.slow: set[str] = set()  # statements that run in the worker thread
        self._slow_once: set[str] = set()  # statements whose last run on the loop was slow
        self.path = path

    @classmethod
    async def open(cls, path: str, *, busy_timeout_ms: int = 10_000) -> SqliteDatabase:
        """Open (creating if needed) with WAL, foreign keys and a busy timeout."""
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise RuntimeError(
                f"SQLite {sqlite3.sqlite_version} is too old: micromentor needs 3.35 or newer "
                "(for RETURNING). Upgrade SQLite or use PostgreSQL."
            )
        try:
            conn = sqlite3.connect(
                path,
                timeout=0,
                isolation_level=None,
                check_same_thread=False,  # the worker thread runs the slow statements
                cached_statements=STATEMENT_CACHE,
            )
        except sqlite3.Error as exc:
            raise StoreError(explain(exc, path)) from exc
        try:
            conn.row_factory = sqlite3.Row
            # Switching to WAL needs an exclusive lock and SQLite does not call the busy
            # handler for it, so processes opening a new file at once retry it here.
            await _until_free(conn, "PRAGMA journal_mode = WAL", busy_timeout_ms / 1000)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(explain(exc, path)) from exc
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, busy_timeout_ms)

    def run(self, sql: str, params: Params) -> list[Any]:
        """A statement on the loop's thread; one slow twice in a row runs off it after."""
        begin = time.perf_counter()
        rows = self._conn.execute(sql, params).fetchall()
        if time.perf_counter() - begin > SLOW_S:
            if sql in self._slow_once:
                self.slow.add(sql)
            else:
                self._slow_once.add(sql)
        elif self._slow_once:
            self._slow_once.discard(sql)
        return rows

    def _timed(self, sql: str, params: Params) -> tuple[list[Any], float]:
        begin = time.perf_counter()
        rows = self._conn.execute(sql, params).fetchall()
        return rows, time.perf_counter() - begin

    async def off_loop(self, sql: str, params: Params) -> list[Any]:
        """A statement known to be slow, in the worker thread while the loop goes on."""
        if self._worker is None:
            self._worker = ThreadPoolExecutor(1, thread_name_prefix="micromentor-sqlite")
        done = asyncio.get_running_loop().run_in_executor(
            self._worker, self._timed, sql, dict(params)
        )
        try:
            rows, seconds = await asyncio.shield(done)
        except asyncio.CancelledError:
            # Stop it (SQLite undoes the transaction, which the cancellation rolls back
            # anyway) and let the thread be done with the connection before going on.
            self._conn.interrupt()
            await _settled(done)
            raise
        if seconds < SLOW_S / 2:
            self.slow.discard(sql)
        return rows

    def _held_long(self) -> bool:
        """Whether transactions have kept the loop from turning for HOLD_S."""
        loop = asyncio.get_running_loop()
        now = time.perf_counter()
        if self._turn_asked is None or self._turn_loop is not loop:
            self._turn_asked, self._turn_loop = now, loop
            loop.call_soon(self._turned)
            return False
        return now - self._turn_asked > HOLD_S

    def _turned(self) -> None:
        self._turn_asked = None

    async def _begin(self) -> None:
        """BEGIN IMMEDIATE at once if the write lock is free, else wait for it on the loop."""
        conn = self._conn
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                conn.execute(self._timeout_on)
                raise
            try:
                await _until_free(conn, "BEGIN IMMEDIATE", self._patience)
            finally:
                conn.execute(self._timeout_on)
        else:
            conn.execute(self._timeout_on)

    @asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[SqliteTransaction]:
        """A write transaction takes the write lock at once (BEGIN IMMEDIATE); a read-only
        one takes none (a deferred BEGIN reads a snapshot of the WAL file) and, as on
        PostgreSQL, a write in it is refused (`query_only`)."""
        if self._held_long():
            await asyncio.sleep(0)  # other tasks' turn: nothing in a transaction yields
        async with self._lock:
            conn = self._conn
            if read_only:
                conn.execute("PRAGMA query_only = 1")
                try:
                    conn.execute("BEGIN")
                except BaseException:
                    conn.execute("PRAGMA query_only = 0")
                    raise
            else:
                await self._begin()
            try:
                try:
                    yield SqliteTransaction(self)
                except BaseException:
                    if conn.in_transaction:  # SQLite may have rolled back already
                        conn.execute("ROLLBACK")
                    raise
                try:
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:  # not committed: leave the connection clean
                        conn.execute("ROLLBACK")
                    raise
            finally:
                if read_only:
                    conn.execute("PRAGMA query_only = 0")

    async def close(self) -> None:
        if self._worker is not None:
            self._conn.interrupt()  # a slow statement still running: stop it
            self._worker.shutdown(wait=True)
        self._conn.close()


async def _settled(future: asyncio.Future[Any]) -> None:
    """Wait until `future` is done, whatever cancels us meanwhile."""
    while not future.done():
        try:
            await asyncio.wait([future])
        except asyncio.CancelledError:
            continue
    if not future.cancelled():
        future.exception()  # retrieved: it is the cancellation that goes on
