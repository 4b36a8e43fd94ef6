"""The `micromentor` command line: version, check-config, and configuration errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot import __version__


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("MICROMENTOR_")}
    base.pop("DISCORD_TOKEN", None)
    base.pop("SLACK_BOT_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd,
        input=stdin,
        timeout=60,
        check=False,
    )


def test_version() -> None:
    """`--version` prints the package version."""
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"micromentor {__version__}"


def test_check_config_masks_secrets(tmp_path: Path) -> None:
    """Tokens from the environment are reported as set, never printed."""
    proc = run(
        "check-config",
        env={"DISCORD_TOKEN": "super-secret-token", "MICROMENTOR_DATA_DIR": str(tmp_path)},
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "super-secret-token" not in proc.stdout + proc.stderr
    settings = json.loads(proc.stdout)
    assert settings["discord"]["token"] == "********"
    assert settings["storage"]["url"] == f"sqlite:///{tmp_path / 'micromentor.db'}"


def test_a_wrong_key_stops_the_start_naming_the_key(tmp_path: Path) -> None:
    """A typo in the file exits 2 and says which key and what is allowed."""
    (tmp_path / "micromentor.toml").write_text("[routing]\nwave_sise = 2\n")
    proc = run("check-config", cwd=tmp_path)
    assert proc.returncode == 2
    assert "routing.wave_sise" in proc.stderr and "wave_size" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_wrong_env_value_stops_the_start(tmp_path: Path) -> None:
    """An environment override is validated like the file."""
    proc = run("run", env={"MICROMENTOR_ROUTING__OFFER_DEADLINE": "soon"}, cwd=tmp_path)
    assert proc.returncode == 2
    assert "routing.offer_deadline" in proc.stderr


def test_run_without_tokens_starts_the_console(tmp_path: Path) -> None:
    """`micromentor` with no subcommand and no tokens runs the console on SQLite."""
    proc = run(
        env={"MICROMENTOR_DATA_DIR": str(tmp_path)}, cwd=tmp_path, stdin="ana /mentor help\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert "/mentor ask" in proc.stdout
    assert (tmp_path / "micromentor.db").exists()


def test_an_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    """A PostgreSQL URL nobody answers gives one line, not a trace."""
    proc = run(
        "console",
        env={"MICROMENTOR_STORAGE__URL": "postgresql://nobody@127.0.0.1:1/none"},
        cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert "cannot start" in proc.stderr and "Traceback" not in proc.stderr
