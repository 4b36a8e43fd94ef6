"""Open the database a storage URL names and bring its schema up to date."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.storage.database import Database
from bot.storage.errors import ELSEWHERE, StoreError
from bot.storage.migrations import migrate


def _sqlite_path(path: str) -> str:
    """Expand `~` and create the folder, so a fresh data directory just works."""
    if path == ":memory:":
        return path
    full = Path(path).expanduser()
    try:
        full.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the data folder {full.parent} ({exc.strerror or exc}); set "
            "data_dir (MICROMENTOR_DATA_DIR) to a folder micromentor may write, or "
            "storage.url to another place"
        ) from exc
    if full.is_dir():
        raise StoreError(f"{full} is a folder, not a database file; move it away, {ELSEWHERE}")
    return str(full)


async def open_database(url: str, *, migrate_schema: bool = True) -> Database:
    """`sqlite:///path` or `postgresql://...`; creates the SQLite file's folder if needed."""
    db: Database
    where = url
    if url.startswith("sqlite://"):
        from bot.storage.sqlite import SqliteDatabase

        # SQLAlchemy's convention: sqlite:///relative.db, sqlite:////absolute/path.db
        if not url.startswith("sqlite:///"):
            raise ValueError('a SQLite URL looks like "sqlite:///path/to/file.db"')
        where = _sqlite_path(url.removeprefix("sqlite:///"))
        db = await SqliteDatabase.open(where)
    elif url.startswith(("postgresql://", "postgres://")):
        from bot.storage.postgres import PostgresDatabase

        db = await PostgresDatabase.open(url)
    else:
        raise ValueError(f"unsupported storage URL scheme: {url.split(':', 1)[0]}")
    if migrate_schema:
        try:
            await migrate(db)
        except Exception as exc:
            await db.close()
            text = _why(exc, db.dialect, where)
            if text is None:
                raise
            raise StoreError(text) from exc
        except BaseException:
            await db.close()
            raise
    return db


def _why(exc: Exception, dialect: str, where: str) -> str | None:
    """What to do about a failed schema upgrade when the cause is the file or the server;
    None for anything else (a bug in a migration keeps its traceback)."""
    if dialect == "sqlite":
        from bot.storage.sqlite import explain as explain_sqlite

        if not isinstance(exc, sqlite3.DatabaseError):
            return None
        if any(word in str(exc) for word in ("syntax error", "no such")):
            return None
        return explain_sqlite(exc, where)
    from bot.storage.postgres import explain as explain_postgres

    return explain_postgres(exc, where)
