"""Operations: backup, health and metrics, graceful stop, crash safety, several processes."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

from bot.process.health import HealthServer
from tests.conftest import Harness

NOW = "2026-11-23T10:00:00Z"


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("MICROMENTOR_")}
    return {**base, "MICROMENTOR_DATA_DIR": str(tmp_path / "data"), **extra}


def console(tmp_path: Path, *, now: str = NOW, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--json", "--clock", "manual", "--now", now],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for(tmp_path, **extra),
        cwd=tmp_path,
    )


def feed(tmp_path: Path, script: str, **extra: str) -> list[dict[str, object]]:
    proc = console(tmp_path, **extra)
    out, err = proc.communicate(script, timeout=120)
    assert proc.returncode == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_backup_copies_a_consistent_store(tmp_path: Path) -> None:
    """`micromentor backup FILE` while nothing runs: the copy has the data and is intact."""
    feed(tmp_path, "m1 /mentor skills add python\nana /mentor ask python -- backup me\n")
    target = tmp_path / "copy.db"
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "backup", str(target)],
        capture_output=True,
        text=True,
        env=env_for(tmp_path),
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    conn = sqlite3.connect(target)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT question FROM help_requests").fetchone()[0] == "backup me"
    finally:
        conn.close()
    again = subprocess.run(
        [sys.executable, "-m", "bot", "backup", str(target)],
        capture_output=True,
        text=True,
        env=env_for(tmp_path),
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert again.returncode == 2 and "exists" in again.stderr


async def test_health_and_metrics(harness: Harness) -> None:
    """/healthz reports the database, front ends and timers; /metrics counts commands."""
    h = harness
    await h.core.sweep.run_due()
    await h.ok("ana", "/mentor queue")
    server = TestServer(HealthServer(h.core, lambda: {"console": True}).app(), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            health = await session.get(f"http://127.0.0.1:{server.port}/healthz")
            body = json.loads(await health.text())
            assert health.status == 200 and body["ok"] and body["database"] and body["timers"]
            text = await (await session.get(f"http://127.0.0.1:{server.port}/metrics")).text()
            assert 'micromentor_commands_total{command="ShowQueue",outcome="ok"}' in text
            assert "micromentor_requests" in text
        down = HealthServer(h.core, lambda: {"console": False})
        status = await down.healthz(None)  # type: ignore[arg-type]
        assert status.status == 503
    finally:
        await server.close()


def test_sigterm_finishes_the_line_in_flight_and_closes(tmp_path: Path) -> None:
    """SIGTERM: the bot stops, exit 0, and what it had done is committed."""
    proc = console(tmp_path)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("ana /mentor ask python -- before the stop\n")
    proc.stdin.flush()
    first = proc.stdout.readline()
    assert "r1" in json.loads(first)["text"]
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    assert proc.returncode == 0
    db = tmp_path / "data" / "micromentor.db"
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT COUNT(*) FROM help_requests").fetchone()[0] == 1
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_killed_at_random_moments_nothing_is_lost_or_doubled(tmp_path: Path) -> None:
    """SIGKILL many times (fixed seed) during a running scenario, restart on the same store,
    and check every invariant at the end."""
    rng = random.Random(2026)
    lines = []
    for i in range(3):
        lines += [
            f"m{i} /mentor skills add python\n",
            f"m{i} /mentor available for 12h\n",
            f"m{i} /mentor profile capacity 3 50\n",
        ]
    for n in range(12):
        lines.append(f"a{n} /mentor ask python -- question {n}\n")
        lines.append(f"m{n % 3} /mentor accept r{n + 1}\n")
        if n % 4 == 3:
            lines.append(":advance 10m\n")
    minutes = 0
    position = 0
    kills = 0
    while position < len(lines):
        start = f"2026-11-23T10:{minutes:02d}:00Z" if minutes < 60 else "2026-11-23T11:00:00Z"
        proc = console(tmp_path, now=start)
        assert proc.stdin is not None
        chunk = lines[position : position + rng.randint(3, 9)]
        for line in chunk:
            proc.stdin.write(line)
        proc.stdin.flush()
        time.sleep(rng.uniform(0.05, 0.6))  # a random moment of the run, then SIGKILL
        proc.kill()
        proc.wait(timeout=30)
        kills += 1
        minutes += 10 * sum(1 for line in chunk if line.startswith(":advance"))
        position += len(chunk)
    # a clean last run lets every pending action happen
    feed(
        tmp_path,
        ":advance 2h\n",
    )
    conn = sqlite3.connect(tmp_path / "data" / "micromentor.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        states = {r[0] for r in conn.execute("SELECT DISTINCT state FROM help_requests")}
        assert states <= {"open", "matched", "cancelled", "expired", "closed"}
        live = conn.execute(
            "SELECT request_id, COUNT(*) FROM sessions WHERE state IN "
            "('scheduled', 'active', 'completed') GROUP BY request_id HAVING COUNT(*) > 1"
        ).fetchall()
        assert live == []
        doubled_offers = conn.execute(
            "SELECT request_id, mentor_id, COUNT(*) FROM offers GROUP BY request_id, mentor_id "
            "HAVING COUNT(*) > 1"
        ).fetchall()
        assert doubled_offers == []
        matched_without_session = conn.execute(
            "SELECT id FROM help_requests r WHERE state = 'matched' AND NOT EXISTS "
            "(SELECT 1 FROM sessions s WHERE s.request_id = r.id)"
        ).fetchall()
        assert matched_without_session == []
        overdue = conn.execute(
            "SELECT COUNT(*) FROM due_actions WHERE done_at IS NULL AND due_at <= "
            "(SELECT MAX(created_at) FROM help_requests) + 1800"
        ).fetchone()[0]
        assert overdue == 0  # no timer lost: everything due was done
    finally:
        conn.close()
    assert kills >= 5
