"""Peak RSS of a running bot on a store with many mentors and a long history of sessions.

    python bench/memory.py [--mentors 100000] [--sessions 1000000] [--cache-dir /tmp/...]
                           [--json]

The store is a SQLite file migrated with the project's `open_database`, then filled on a
plain sqlite3 connection (executemany in batches, a transaction each): the mentors (1-4
skills of the default taxonomy each, Zipf popularity, half of them available now), half as
many members, an identity each, and `--sessions` past sessions over the last two years,
each with its help request (1-3 skills), its mentee and its mentor. Building 1M sessions
takes a minute or two, so the file is kept under --cache-dir, named by the sizes and the
schema version, and reused; each measurement works on a copy of it.

The bot is `python -m bot console --json --clock manual --now <ISO>` on the copy. It is
sent a member's `ask`, a mentor's `open`, the member's `queue` and the mentor's `me`, one
at a time (each reply is awaited and timed); then VmHWM (peak resident set) and VmRSS are
read from /proc/<pid>/status before its stdin is closed. (Not ru_maxrss: Linux carries the
high-water mark of the memory a child had before exec, a copy of this process's, into it.)
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import random
import select
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import epoch
from bot.domain.taxonomy_data import DEFAULT_SKILLS
from bot.storage import open_database
from bot.storage.migrations import MIGRATIONS

ROOT = Path(__file__).resolve().parents[1]
COMMUNITY = "default"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
NOW_ISO = "2026-11-23T10:00:00Z"
DAY = 24 * 3600
HISTORY_DAYS = 730
BATCH = 50_000
GENERATOR = 1  # bump when the generated data changes, so cached files are rebuilt
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "micromentor-bench"
PYCACHE = DEFAULT_CACHE / "pycache"
MENTOR = "mentor1"  # holds python, available: the one who runs `open` and `me`
REPLY_TIMEOUT = 300.0


class Zipf:
    """Draws items with probability proportional to 1 / rank."""

    def __init__(self, items: list[str], rng: random.Random) -> None:
        self.items = items
        self.rng = rng
        self.cum: list[float] = []
        total = 0.0
        for k in range(1, len(items) + 1):
            total += 1.0 / k
            self.cum.append(total)

    def distinct(self, n: int) -> list[str]:
        picked: list[str] = []
        while len(picked) < n:
            k = bisect.bisect_left(self.cum, self.rng.random() * self.cum[-1])
            if self.items[k] not in picked:
                picked.append(self.items[k])
        return picked


def members_for(mentors: int) -> int:
    return max(2, mentors // 2)


def member_name(mentors: int) -> str:
    """The member who asks: the first one after the mentors."""
    return f"member{mentors + 1}"


# -- building the store ------------------------------------------------------------------------


def _batches(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(conn: sqlite3.Connection, table: str, columns: str, rows: Iterator[Any]) -> int:
    marks = ", ".join("?" for _ in columns.split(","))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    count = 0
    for batch in _batches(rows):
        conn.execute("BEGIN")
        conn.executemany(sql, batch)
        conn.execute("COMMIT")
        count += len(batch)
    return count


def _people(
    mentors: int, zipf: Zipf, rng: random.Random
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    now = epoch(NOW)
    persons: list[tuple[Any, ...]] = []
    identities: list[tuple[Any, ...]] = []
    skills: list[tuple[Any, ...]] = []
    total = mentors + members_for(mentors)
    for pid in range(1, total + 1):
        is_mentor = pid <= mentors
        name = f"mentor{pid}" if is_mentor else f"member{pid}"
        available = now + 4 * 3600 if is_mentor and (pid == 1 or rng.random() < 0.5) else None
        offered = now - rng.randint(DAY, 60 * DAY) if is_mentor and rng.random() < 0.7 else None
        created = now - HISTORY_DAYS * DAY - rng.randint(0, 90 * DAY)
        persons.append(
            (pid, COMMUNITY, name, "UTC", int(is_mentor), available, 2, 5, offered, created, now)
        )
        identities.append(("console", "console", name, pid, COMMUNITY, name, now - DAY))
        if is_mentor:
            held = zipf.distinct(rng.randint(1, 4))
            if pid == 1 and "python" not in held:
                held.append("python")
            skills.extend((COMMUNITY, skill, pid) for skill in held)
    return persons, identities, skills


def _history(
    mentors: int, sessions: int, zipf: Zipf, seed: int
) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(table, row) for each request, its skills, its session and the two participants."""
    rng = random.Random(seed + 1)
    now = epoch(NOW)
    people = mentors + members_for(mentors)
    span = HISTORY_DAYS * DAY
    for sid in range(1, sessions + 1):
        # Members ask most; mentors sometimes ask too.
        asker_is_member = rng.random() < 0.7
        mentee = rng.randint(mentors + 1, people) if asker_is_member else rng.randint(1, mentors)
        mentor = rng.randint(1, mentors)
        if mentor == mentee:
            mentor = mentor % mentors + 1
        created = now - DAY - span + (span * sid) // sessions  # in id order, like real ids
        matched = created + rng.randint(30, 3600)
        start = matched + rng.randint(0, 2 * DAY)
        minutes = rng.choice((15, 30, 30, 45))
        ends = start + minutes * 60
        roll = rng.random()
        state = "completed" if roll < 0.85 else "cancelled" if roll < 0.95 else "withdrawn"
        request_state = "matched" if state == "completed" else "cancelled"
        closed = ends if state == "completed" else matched + rng.randint(60, DAY)
        yield (
            "help_requests",
            (
                sid,
                COMMUNITY,
                mentee,
                f"Question {sid}: how do I get this to work?",
                minutes,
                request_state,
                1,
                created,
                closed,
                matched,
                None if state == "completed" else closed,
                1,
            ),
        )
        for skill in zipf.distinct(rng.randint(1, 3)):
            yield "request_skills", (sid, COMMUNITY, skill)
        done = state == "completed"
        yield (
            "sessions",
            (
                sid,
                COMMUNITY,
                sid,
                mentee,
                start,
                ends,
                minutes,
                state,
                matched,
                "resolved" if done else None,
                ends if done else closed,
                mentor if done else mentee,
                ends + 2 * DAY if done else None,
                ends + 2 * DAY if done else None,
            ),
        )
        yield "session_participants", (sid, mentee, "mentee", start if done else None, 0)
        yield "session_participants", (sid, mentor, "mentor", start if done else None, 0)


HISTORY_COLUMNS = {
    "help_requests": "id, community_id, requester_id, question, minutes, state, wave,"
    " created_at, updated_at, matched_at, closed_at, mentors_joined",
    "request_skills": "request_id, community_id, skill",
    "sessions": "id, community_id, request_id, mentee_id, start_at, ends_at, minutes, state,"
    " created_at, outcome, ended_at, ended_by, ratings_close_at, ratings_revealed_at",
    "session_participants": "session_id, person_id, role, checked_in_at, no_show",
}


def fill(path: Path, mentors: int, sessions: int, seed: int) -> dict[str, int]:
    """Everything but the schema, on a plain connection; returns rows per table."""
    rng = random.Random(seed)
    zipf = Zipf(list(DEFAULT_SKILLS), rng)
    now = epoch(NOW)
    counts: dict[str, int] = {}
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB while building
        conn.execute(
            "INSERT INTO communities (id, name, created_at) VALUES (?, ?, ?)",
            (COMMUNITY, "My community", now - HISTORY_DAYS * DAY),
        )
        persons, identities, skills = _people(mentors, zipf, rng)
        counts["persons"] = _insert(
            conn,
            "persons",
            "id, community_id, display_name, timezone, is_mentor, available_until,"
            " capacity_concurrent, capacity_weekly, last_offered_at, created_at, last_active_at",
            iter(persons),
        )
        counts["identities"] = _insert(
            conn,
            "identities",
            "platform, workspace, user_id, person_id, community_id, display_name, last_seen_at",
            iter(identities),
        )
        counts["mentor_skills"] = _insert(
            conn, "mentor_skills", "community_id, skill, person_id", iter(skills)
        )
        del persons, identities, skills
        # The history, a batch of sessions at a time, every table of it in one transaction.
        sqls = {
            table: f"INSERT INTO {table} ({columns}) VALUES "
            f"({', '.join('?' for _ in columns.split(','))})"
            for table, columns in HISTORY_COLUMNS.items()
        }
        pending: dict[str, list[tuple[Any, ...]]] = {table: [] for table in HISTORY_COLUMNS}

        def flush() -> None:
            conn.execute("BEGIN")
            for table, rows in pending.items():
                conn.executemany(sqls[table], rows)
                counts[table] = counts.get(table, 0) + len(rows)
                rows.clear()
            conn.execute("COMMIT")

        for table, row in _history(mentors, sessions, zipf, seed):
            pending[table].append(row)
            if len(pending["sessions"]) >= BATCH:
                flush()
        flush()
    finally:
        conn.close()
    return counts


def cached_store(mentors: int, sessions: int, cache_dir: Path, seed: int) -> tuple[Path, float]:
    """The built file for these sizes (building it once); returns it and the build seconds
    (0 when it came from the cache)."""
    schema = MIGRATIONS[-1][0]
    name = f"memory-{mentors}m-{sessions}s-seed{seed}-schema{schema}-gen{GENERATOR}.db"
    final = cache_dir / name
    if final.exists():
        return final, 0.0
    cache_dir.mkdir(parents=True, exist_ok=True)
    building = cache_dir / f"{name}.building-{os.getpid()}"
    begin = time.perf_counter()
    asyncio.run(_migrate(building))
    fill(building, mentors, sessions, seed)
    for suffix in ("-wal", "-shm"):  # closed cleanly: nothing left, but be sure
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    building.rename(final)  # only a complete file gets the final name
    return final, time.perf_counter() - begin


async def _migrate(path: Path) -> None:
    await (await open_database(f"sqlite:///{path}")).close()


# -- running the bot -----------------------------------------------------------------------------


class Lines:
    """Lines from a pipe, with a timeout (a slow command must not hang the benchmark)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""

    def next(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                raise TimeoutError("no output from the bot in time")
            chunk = os.read(self.fd, 65536)
            if not chunk:
                raise EOFError("the bot exited")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        parsed: dict[str, Any] = json.loads(line)
        return parsed


def _status(pid: int) -> dict[str, int]:
    """VmHWM and VmRSS in KiB."""
    found: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                found[key] = int(value.split()[0])
    return found


def commands(mentors: int) -> list[tuple[str, str]]:
    member = member_name(mentors)
    return [
        ("help", f"{member} /mentor help"),
        ("ask", f"{member} /mentor ask python -- How do I find what makes my service slow?"),
        ("open", f"{MENTOR} /mentor open"),
        ("queue", f"{member} /mentor queue"),
        ("me", f"{MENTOR} /mentor me"),
    ]


def measure(store: Path, mentors: int, folder: Path) -> dict[str, Any]:
    """Run the console on a copy of the store; peak RSS and each command's reply time."""
    db = folder / "memory.db"
    shutil.copyfile(store, db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROMENTOR_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode cached, as for an installed package
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env["MICROMENTOR_STORAGE__URL"] = f"sqlite:///{db}"
    command = [sys.executable, "-m", "bot", "console", "--json", "--clock", "manual"]
    with (folder / "stderr.log").open("wb") as err:
        proc = subprocess.Popen(
            [*command, "--now", NOW_ISO],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=folder,
            env=env,
        )
        assert proc.stdin is not None and proc.stdout is not None
        lines = Lines(proc.stdout.fileno())
        seconds: dict[str, float] = {}
        kinds: dict[str, str] = {}
        idle_kib = 0
        try:
            for n, (label, text) in enumerate(commands(mentors), start=1):
                begin = time.perf_counter()
                proc.stdin.write((text + "\n").encode())
                proc.stdin.flush()
                while True:
                    out = lines.next(REPLY_TIMEOUT)
                    if out["in"] == n and out["kind"] in ("reply", "error"):
                        break
                seconds[label] = time.perf_counter() - begin
                kinds[label] = out["kind"]
                if label == "help":
                    idle_kib = _status(proc.pid)["VmRSS"]
            peak = _status(proc.pid)
            proc.stdin.close()
            proc.wait(timeout=REPLY_TIMEOUT)
        except BaseException:
            proc.kill()
            proc.wait()
            log = (folder / "stderr.log").read_text(errors="replace")
            sys.stderr.write(log[-4000:])
            raise
    return {
        "peak_rss_mb": peak["VmHWM"] / 1024,
        "rss_at_end_mb": peak["VmRSS"] / 1024,
        "rss_idle_mb": idle_kib / 1024,
        "exit_code": proc.returncode,
        "reply_s": seconds,
        "reply_kind": kinds,
    }


def run(
    mentors: int = 100_000,
    sessions: int = 1_000_000,
    cache_dir: Path | None = None,
    seed: int = 5,
) -> dict[str, Any]:
    """Build (or reuse) the store, run the bot on a copy, report its peak RSS."""
    store, build_s = cached_store(mentors, sessions, cache_dir or DEFAULT_CACHE, seed)
    with tempfile.TemporaryDirectory() as folder:
        result = measure(store, mentors, Path(folder))
    return {
        "mentors": mentors,
        "sessions": sessions,
        "store_mb": store.stat().st_size / 2**20,
        "build_s": build_s,
        "store": str(store),
        **result,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mentors", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.mentors, args.sessions, args.cache_dir, args.seed)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{'mentors':>8} {'sessions':>9} {'store MB':>9} {'idle MB':>8} {'peak MB':>8}")
    print(
        f"{result['mentors']:>8} {result['sessions']:>9} {result['store_mb']:>9.0f} "
        f"{result['rss_idle_mb']:>8.1f} {result['peak_rss_mb']:>8.1f}"
    )
    replies = ", ".join(
        f"{label} {secs * 1000:.0f} ms"
        + ("" if result["reply_kind"][label] == "reply" else " (error)")
        for label, secs in result["reply_s"].items()
    )
    print(f"replies: {replies}")
    if result["build_s"]:
        print(f"built the store in {result['build_s']:.0f} s: {result['store']}")
    else:
        print(f"store from the cache: {result['store']}")


if __name__ == "__main__":
    main()
