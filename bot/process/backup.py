"""`micromentor backup FILE`: a consistent online copy of the SQLite store."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from bot.storage.sqlite import explain

ELSEWHERE = "or choose another place for the copy"


class BackupError(RuntimeError):
    """The copy could not be made; the text says why and what to do."""


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
    if source.is_dir():
        raise BackupError(f"{source} is a folder, not a database file")
    if target.exists():
        raise FileExistsError(f"{target} exists; choose a new file name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(
            f"cannot create the folder {target.parent} ({exc.strerror or exc}); {ELSEWHERE}"
        ) from exc
    try:
        # A URI, so that read-only is enforced; the path is quoted by as_uri().
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        # Reading the schema fails at once on a file that is not a database.
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise BackupError(explain(exc, source)) from exc
    try:
        try:
            dst = sqlite3.connect(target)
        except sqlite3.Error as exc:
            raise BackupError(explain(exc, target, ELSEWHERE)) from exc
        try:
            src.backup(dst, pages=1024)
        except sqlite3.Error as exc:
            dst.close()
            with contextlib.suppress(OSError):
                target.unlink()  # a half copy must not pass for a backup
            raise BackupError(f"the copy from {source} to {target} failed ({exc})") from exc
        try:
            pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
            status = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
        if status != "ok":
            raise BackupError(f"the copy failed its integrity check: {status}")
        return pages
    finally:
        src.close()
