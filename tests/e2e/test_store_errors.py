"""A store that can't be used stops the start with one clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import pg_dsn
from tests.e2e.test_cli import run

GARBAGE = "this is not a database, just some text\n" * 100


def console_on(data_dir: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run(
        "console",
        env={"MICROMENTOR_DATA_DIR": str(data_dir), "MICROMENTOR_CONFIG": ""},
        cwd=cwd,
        stdin="ana /mentor help\n",
    )


def assert_cannot_start(proc: subprocess.CompletedProcess[str], *phrases: str) -> None:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("micromentor: cannot start: "), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    for phrase in phrases:
        assert phrase in proc.stderr, proc.stderr


def test_a_file_that_is_not_a_database_is_named_with_what_to_do(tmp_path: Path) -> None:
    """A garbage micromentor.db: exit 1, it says which file and to restore or move it."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "micromentor.db").write_text(GARBAGE)
    proc = console_on(data, tmp_path)
    assert_cannot_start(
        proc, f"{data / 'micromentor.db'} is not a micromentor database", "restore a backup"
    )
    assert (data / "micromentor.db").read_text() == GARBAGE


def test_a_folder_where_the_database_should_be(tmp_path: Path) -> None:
    """A directory named micromentor.db: exit 1, it says it is a folder."""
    data = tmp_path / "data"
    (data / "micromentor.db").mkdir(parents=True)
    proc = console_on(data, tmp_path)
    assert_cannot_start(proc, f"{data / 'micromentor.db'} is a folder, not a database file")


def test_a_data_folder_that_cannot_be_created(tmp_path: Path) -> None:
    """A data folder under a regular file: exit 1, it says which setting to change."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    proc = console_on(blocker / "data", tmp_path)
    assert_cannot_start(proc, f"cannot create the data folder {blocker / 'data'}", "data_dir")


def test_a_read_only_data_folder(tmp_path: Path) -> None:
    """A data folder micromentor may not write: exit 1, it says it needs to write there."""
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o555)
    try:
        if os.access(data, os.W_OK):
            # Root (as in many containers) writes whatever the mode bits say.
            pytest.skip("this user can write a read-only folder (root); covered by the others")
        proc = console_on(data, tmp_path)
    finally:
        data.chmod(0o755)
    assert_cannot_start(proc, "cannot write", str(data / "micromentor.db"))


def test_backup_of_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    """`backup` of a garbage store: exit 1, one clear line, no copy left behind."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "micromentor.db").write_text(GARBAGE)
    target = tmp_path / "copy.db"
    proc = run(
        "backup",
        str(target),
        env={"MICROMENTOR_DATA_DIR": str(data), "MICROMENTOR_CONFIG": ""},
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("micromentor: cannot back up: "), proc.stderr
    assert f"{data / 'micromentor.db'} is not a micromentor database" in proc.stderr
    assert not target.exists()


def test_a_postgresql_url_that_cannot_be_read(tmp_path: Path) -> None:
    """A PostgreSQL URL with a port that is not a number: exit 1, one line, no password."""
    proc = run(
        "console",
        env={"MICROMENTOR_STORAGE__URL": "postgresql://me:hunter2@127.0.0.1:port/db"},
        cwd=tmp_path,
    )
    assert_cannot_start(proc, "storage.url")
    assert "hunter2" not in proc.stderr


def _with_database(dsn: str, user: str | None = None, database: str | None = None) -> str:
    parts = urlsplit(dsn)
    netloc = parts.netloc
    if user is not None:
        netloc = f"{user}@{netloc.rpartition('@')[2]}"
    path = f"/{database}" if database is not None else parts.path
    return urlunsplit((parts.scheme, netloc, path, parts.query, parts.fragment))


def test_a_postgresql_database_that_does_not_exist(tmp_path: Path) -> None:
    """The server answers but has no such database: exit 1, it names what to fix."""
    dsn = pg_dsn()
    if dsn is None:
        pytest.skip("MICROMENTOR_TEST_POSTGRES_DSN is not set")
    url = _with_database(dsn, database="micromentor_no_such_database")
    proc = run("console", env={"MICROMENTOR_STORAGE__URL": url}, cwd=tmp_path)
    assert_cannot_start(proc, "micromentor_no_such_database", "storage.url")


def test_a_postgresql_role_that_does_not_exist(tmp_path: Path) -> None:
    """The server refuses the login: exit 1, it says to check the user and password."""
    dsn = pg_dsn()
    if dsn is None:
        pytest.skip("MICROMENTOR_TEST_POSTGRES_DSN is not set")
    url = _with_database(dsn, user="micromentor_no_such_role")
    proc = run("console", env={"MICROMENTOR_STORAGE__URL": url}, cwd=tmp_path)
    assert_cannot_start(proc, "refused the login", "storage.url")
