"""Time from process start to serving, with many pending timers in the database.

    python bench/restart.py [--timers 0,100000] [--runs 7] [--json]

For each count a SQLite file is migrated with the project's `open_database` and filled with
that many due_actions rows due in the next 30 days (offer deadlines, reminders, session
starts and ends, rating windows: the timers of a busy community). Then, several times,
`python -m bot console --json --clock manual --now <ISO>` is started on it with the line
`u1 /mentor help` already waiting on its stdin, and the wall clock runs from starting the
process until its reply line appears on stdout. That covers the interpreter, imports,
opening and checking the schema, recording the communities, the catch-up sweep of
overdue timers, and the first command. One untimed start goes first, so bytecode is
cached (PYTHONPYCACHEPREFIX, kept under the system temp folder) as for an installed package.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import epoch
from bot.service import due
from bot.storage import open_database

ROOT = Path(__file__).resolve().parents[1]
COMMUNITY = "default"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
NOW_ISO = "2026-11-23T10:00:00Z"
KINDS = [
    due.Kind.OFFER_DEADLINE,
    due.Kind.ESCALATE_MODERATORS,
    due.Kind.REQUEST_EXPIRE,
    due.Kind.SESSION_REMIND_START,
    due.Kind.SESSION_START,
    due.Kind.SESSION_CHECKIN_DEADLINE,
    due.Kind.SESSION_REMIND_END,
    due.Kind.SESSION_END,
    due.Kind.RATINGS_CLOSE,
    due.Kind.SUSPENSION_END,
]
LINE = "u1 /mentor help\n"
TIMEOUT = 120.0
PYCACHE = Path(tempfile.gettempdir()) / "micromentor-bench" / "pycache"


async def build(path: Path, timers: int, seed: int = 11) -> None:
    """Migrate with `open_database`, then bulk-insert the timers on a plain connection."""
    url = f"sqlite:///{path}"
    await (await open_database(url)).close()
    rng = random.Random(seed)
    now = epoch(NOW)
    rows = [
        (
            COMMUNITY,
            rng.choice(KINDS),
            rng.randint(1, max(1, timers)),
            0,
            now + rng.randint(60, 30 * 24 * 3600),
            now - rng.randint(0, 7 * 24 * 3600),
        )
        for _ in range(timers)
    ]
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO communities (id, name, created_at) VALUES (?, ?, ?)",
            (COMMUNITY, "My community", now),
        )
        conn.executemany(
            "INSERT INTO due_actions (community_id, kind, ref_id, ref_version, due_at,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute("COMMIT")
        pending = conn.execute("SELECT COUNT(*) FROM due_actions WHERE done_at IS NULL")
        assert pending.fetchone()[0] == timers
    finally:
        conn.close()


def child_env(db: Path, pycache: Path) -> dict[str, str]:
    """The bot's environment: this store, default settings, bytecode cached outside the repo."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROMENTOR_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env["MICROMENTOR_STORAGE__URL"] = f"sqlite:///{db}"
    return env


def start_once(db: Path, folder: Path, pycache: Path) -> float:
    """Start the console, send one line, return seconds until its reply line is out."""
    command = [
        sys.executable,
        "-m",
        "bot",
        "console",
        "--json",
        "--clock",
        "manual",
        "--now",
        NOW_ISO,
    ]
    with (folder / "stderr.log").open("wb") as err:
        begin = time.perf_counter()
        proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=folder,  # no micromentor.toml here: the defaults plus the environment
            env=child_env(db, pycache),
        )
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(LINE.encode())
            proc.stdin.flush()
            while True:
                raw = proc.stdout.readline()
                if not raw:
                    log = (folder / "stderr.log").read_text(errors="replace")
                    raise RuntimeError(f"the bot exited before replying:\n{log}")
                out = json.loads(raw)
                if out["kind"] in ("reply", "error") and out["in"] == 1:
                    elapsed = time.perf_counter() - begin
                    break
            if out["kind"] != "reply":
                raise RuntimeError(f"the bot answered with an error: {out['text']}")
            proc.stdin.close()
            proc.wait(timeout=TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return elapsed


def python_startup(folder: Path) -> float:
    """Seconds for the bare interpreter to start and exit, for scale."""
    begin = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True, cwd=folder)
    return time.perf_counter() - begin


def run(timers: list[int], runs: int = 7, seed: int = 11) -> dict[str, Any]:
    """Build a store per timer count and start the bot on it `runs` times (plus a warm-up)."""
    rows: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pycache = PYCACHE
        baseline = statistics.median(python_startup(folder) for _ in range(max(1, runs)))
        for count in timers:
            db = folder / f"restart-{count}.db"
            build_begin = time.perf_counter()
            asyncio.run(build(db, count, seed))
            build_seconds = time.perf_counter() - build_begin
            start_once(db, folder, pycache)  # warm-up: bytecode and the page cache
            times = [start_once(db, folder, pycache) for _ in range(runs)]
            rows.append(
                {
                    "timers": float(count),
                    "runs": float(len(times)),
                    "median_s": statistics.median(times),
                    "min_s": min(times),
                    "max_s": max(times),
                    "build_s": build_seconds,
                }
            )
    return {"rows": rows, "python_startup_s": baseline, "loadavg_1m": os.getloadavg()[0]}


def counts(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timers", type=counts, default=[0, 100_000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.timers, args.runs, args.seed)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{'timers':>8} {'runs':>5} {'median s':>9} {'min s':>7} {'max s':>7}")
    for row in result["rows"]:
        print(
            f"{row['timers']:>8.0f} {row['runs']:>5.0f} {row['median_s']:>9.3f} "
            f"{row['min_s']:>7.3f} {row['max_s']:>7.3f}"
        )
    print(f"bare `python -c pass`: {result['python_startup_s']:.3f} s")


if __name__ == "__main__":
    main()
