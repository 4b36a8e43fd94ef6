"""The store on both engines: migrations, transactions, parameters."""

from __future__ import annotations

import asyncio

import pytest

from bot.storage import open_database
from bot.storage.database import to_positional
from bot.storage.migrations import MIGRATIONS, migrate


async def test_migrations_apply_once_and_record_the_version(storage_url: str) -> None:
    """A second migrate is a no-op and the recorded version is the newest."""
    db = await open_database(storage_url)
    try:
        assert await migrate(db) == MIGRATIONS[-1][0]
        async with db.transaction() as tx:
            rows = await tx.fetch("SELECT version FROM schema_migrations ORDER BY version")
        assert [r["version"] for r in rows] == [m[0] for m in MIGRATIONS]
    finally:
        await db.close()


async def test_concurrent_starts_migrate_once(storage_url: str) -> None:
    """Five connections opening a fresh store at once leave one row per migration."""
    dbs = await asyncio.gather(*(open_database(storage_url) for _ in range(5)))
    try:
        async with dbs[0].transaction() as tx:
            count = await tx.fetch_val("SELECT COUNT(*) FROM schema_migrations")
        assert count == len(MIGRATIONS)
    finally:
        for db in dbs:
            await db.close()


async def test_a_failed_transaction_changes_nothing(storage_url: str) -> None:
    """An exception inside the transaction rolls every statement back."""
    db = await open_database(storage_url)
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO communities (id, name, created_at) VALUES (:id, :name, 1)",
                    {"id": "c1", "name": "x"},
                )
                raise RuntimeError("boom")
        async with db.transaction() as tx:
            assert await tx.fetch_val("SELECT COUNT(*) FROM communities") == 0
    finally:
        await db.close()


async def test_named_parameters_work_on_both_engines(storage_url: str) -> None:
    """The same :name SQL, with a parameter used twice, runs on either engine."""
    db = await open_database(storage_url)
    try:
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO communities (id, name, created_at) VALUES (:id, :id, :t)",
                {"id": "same", "t": 5},
            )
            row = await tx.fetch_one("SELECT id, name, created_at FROM communities")
        assert row is not None
        assert (row["id"], row["name"], row["created_at"]) == ("same", "same", 5)
    finally:
        await db.close()


def test_positional_rewrite_keeps_casts_and_repeats() -> None:
    """`:a` becomes $1 everywhere it appears; `::text` casts are left alone."""
    sql, names = to_positional("SELECT :a, :b::text, :a")
    assert sql == "SELECT $1, $2::text, $1"
    assert names == ("a", "b")


async def test_sqlite_connection_settings(tmp_path: object) -> None:
    """WAL, foreign keys and a busy timeout are on for every SQLite connection."""
    db = await open_database(f"sqlite:///{tmp_path}/s.db")
    try:
        async with db.transaction() as tx:
            assert await tx.fetch_val("PRAGMA foreign_keys") == 1
            assert int(await tx.fetch_val("PRAGMA busy_timeout")) >= 5000
    finally:
        await db.close()
    import sqlite3

    conn = sqlite3.connect(f"{tmp_path}/s.db")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


async def test_postgresql_connections_do_not_jit_compile(pg_schema_url: str) -> None:
    """JIT off on every pooled connection, also after a failed transaction: the linked-accounts
    query of every ask is planned at millions of rows and took 0.4-0.7 s to compile."""
    db = await open_database(pg_schema_url)
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                raise RuntimeError("boom")
        for _ in range(3):
            async with db.transaction() as tx:
                assert await tx.fetch_val("SHOW jit") == "off"
    finally:
        await db.close()


async def test_foreign_keys_are_enforced(storage_url: str) -> None:
    """A person in a community that doesn't exist is refused by the database."""
    db = await open_database(storage_url)
    try:
        with pytest.raises(Exception):  # noqa: B017 - the engines raise different types
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO persons (community_id, display_name, timezone,"
                    " capacity_concurrent, capacity_weekly, created_at, last_active_at)"
                    " VALUES ('nope', 'x', 'UTC', 1, 1, 0, 0)"
                )
    finally:
        await db.close()
