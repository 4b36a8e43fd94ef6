"""Two bot processes sweeping one PostgreSQL database: every due action happens once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

NOW = "2026-11-23T10:00:00Z"


def console(url: str, tmp_path: Path, *, now: str = NOW) -> subprocess.Popen[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MICROMENTOR_")},
        "MICROMENTOR_DATA_DIR": str(tmp_path / "data"),
        "MICROMENTOR_STORAGE__URL": url,
        # waves of 3, offers that expire after 10 minutes, no wave in between
        "MICROMENTOR_ROUTING__WAVE_SIZE": "3",
        "MICROMENTOR_ROUTING__OFFER_DEADLINE": "10m",
        "MICROMENTOR_ROUTING__WAVE_EVERY": "1h",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--json", "--clock", "manual", "--now", now],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )


def test_two_processes_sweep_each_action_once(pg_schema_url: str, tmp_path: Path) -> None:
    """Offers expire once, whichever of two concurrent processes reaches them first."""
    setup = "".join(
        [f"m{i} /mentor skills add python\nm{i} /mentor available for 8h\n" for i in range(3)]
        + [f"asker{i} /mentor ask python -- question {i}\n" for i in range(40)]
    )
    first = console(pg_schema_url, tmp_path)
    out, err = first.communicate(setup, timeout=60)
    assert first.returncode == 0, err
    offers = [json.loads(line) for line in out.splitlines()]
    offered = [o for o in offers if o["kind"] == "message" and o["actions"]]
    assert len(offered) == 120  # 40 requests x wave of 3

    # Both start at 10:00 and jump 15 minutes: each sees all 120 deadlines due.
    procs = [console(pg_schema_url, tmp_path) for _ in range(2)]
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(":advance 15m\n")
        proc.stdin.close()
    expired = []
    per_process = []
    for proc in procs:
        assert proc.stdout is not None and proc.stderr is not None
        lines = proc.stdout.read().splitlines()
        proc.wait(timeout=60)
        assert proc.returncode == 0, proc.stderr.read()
        mine = [
            json.loads(line) for line in lines if "expired: no answer" in json.loads(line)["text"]
        ]
        per_process.append(len(mine))
        expired += mine
    print("expiries per process:", per_process)
    assert len(expired) == 120
    assert sorted(o["to"] for o in expired) == sorted(o["to"] for o in offered)


def test_three_processes_accept_concurrently_and_sweep_once(
    pg_schema_url: str, tmp_path: Path
) -> None:
    """Three bot processes on one PostgreSQL: each request gets exactly one winner among
    the three processes' accepts, and timers coming due while all run happen once."""
    setup = "".join(
        [
            f"m{i} /mentor skills add python\nm{i} /mentor available for 8h\n"
            f"m{i} /mentor profile capacity 10 100\n"
            for i in range(3)
        ]
        + [f"asker{i} /mentor ask python -- question {i}\n" for i in range(10)]
        + ["late /mentor ask python -- nobody takes this one\n"]
    )
    first = console(pg_schema_url, tmp_path)
    _, err = first.communicate(setup, timeout=60)
    assert first.returncode == 0, err
    procs = [console(pg_schema_url, tmp_path) for _ in range(3)]
    for i, proc in enumerate(procs):
        assert proc.stdin is not None
        script = "".join(f"m{i} /mentor accept r{n}\n" for n in range(1, 11)) + ":advance 15m\n"
        proc.stdin.write(script)
        proc.stdin.close()
    outputs = []
    for proc in procs:
        assert proc.stdout is not None and proc.stderr is not None
        lines = [json.loads(line) for line in proc.stdout.read().splitlines()]
        proc.wait(timeout=60)
        assert proc.returncode == 0, proc.stderr.read()
        outputs += lines
    wins = [o for o in outputs if o["kind"] == "reply" and o["text"].startswith("It's yours")]
    assert len(wins) == 10
    assert sorted(int(o["text"].split(" ")[2].removeprefix("r").rstrip(",")) for o in wins) == list(
        range(1, 11)
    )
    # r11's three offers expire once, whichever process swept them
    expired = [o for o in outputs if "expired: no answer" in o["text"]]
    assert len(expired) == 3
