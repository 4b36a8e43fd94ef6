"""The store: one Database protocol, a sqlite3 and an asyncpg driver, SQL and migrations."""

from bot.storage.database import Database, Row, Transaction
from bot.storage.factory import open_database

__all__ = ["Database", "Row", "Transaction", "open_database"]
