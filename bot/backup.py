"""`micromentor backup FILE`: a consistent online copy of the SQLite store."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def sqlite_path(url: str) -> Path | None:
    """The file behind a sqlite:/// URL, or None for other stores."""
    if not url.startswith("sqlite:///"):
        return None
    return Path(url.removeprefix("sqlite:///")).expanduser()


def backup_sqlite(source: Path, target: Path) -> int:
    """SQLite's online backup API: a consistent snapshot while the bot keeps running.

    Returns the number of pages copied. The copy is checked with `PRAGMA integrity_check`.
    """
    if not source.exists():
        raise FileNotFoundError(f"there is no database at {source}")
    if target.exists():
        raise FileExistsError(f"{target} exists; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=1024)
        pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
        status = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if status != "ok":
            raise RuntimeError(f"the copy failed its integrity check: {status}")
        return pages
    finally:
        dst.close()
        src.close()
