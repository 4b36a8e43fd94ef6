"""The console is a conversation: log lines show only when asked for."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """\
m1 /mentor skills add python
m1 /mentor available
ana /mentor ask python -- How do I read a CSV?
m1 /mentor accept r1
"""
INFO_LINE = re.compile(r"^\S+ \S+ INFO \S+: ", re.MULTILINE)


def console(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """The console in text mode with the system clock, stdout and stderr in one stream, as a
    terminal shows them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROMENTOR_")}
    env.update({"MICROMENTOR_DATA_DIR": str(tmp_path / "data"), "MICROMENTOR_CONFIG": ""})
    env.update(settings)
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *args],
        input=SCRIPT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def test_the_console_shows_the_conversation_without_info_logs(tmp_path: Path) -> None:
    """By default the console prints the bot's answers and no INFO log line between them."""
    proc = console(tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert "ana asks for help (r1)" in proc.stdout
    assert "It's yours: r1 is now session s1" in proc.stdout
    assert not INFO_LINE.search(proc.stdout), proc.stdout


@pytest.mark.parametrize(
    ("args", "settings"),
    [(("--log-level", "info"), {}), ((), {"MICROMENTOR_LOGGING__LEVEL": "INFO"})],
    ids=["option", "setting"],
)
def test_asking_for_logs_shows_them(
    tmp_path: Path, args: tuple[str, ...], settings: dict[str, str]
) -> None:
    """`--log-level INFO`, or logging.level set explicitly, brings the INFO lines back."""
    proc = console(tmp_path, *args, **settings)
    assert proc.returncode == 0, proc.stdout
    assert "It's yours: r1 is now session s1" in proc.stdout
    assert re.search(r" INFO bot\.service\.bus: command=AcceptOffer outcome=ok ", proc.stdout)
