"""One bad console line gets one polite error; the console carries on with the next line."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.console_driver import START, run_console


def console(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`micromentor console --clock manual ARGS` on `script`, as it exits."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROMENTOR_")}
    env.update({"MICROMENTOR_DATA_DIR": str(tmp_path / "data"), "MICROMENTOR_CONFIG": ""})
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", "--clock", "manual", *args],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def in_terminal(tmp_path: Path, script: str, *args: str) -> tuple[int, str]:
    """`micromentor console ARGS` on a pseudo-terminal, as a person types; its exit status
    and everything the terminal showed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROMENTOR_")}
    env.update({"MICROMENTOR_DATA_DIR": str(tmp_path / "data"), "MICROMENTOR_CONFIG": ""})
    main, side = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", *args],
        stdin=side,
        stdout=side,
        stderr=side,
        env=env,
        cwd=tmp_path,
    )
    os.close(side)
    os.write(main, script.encode() + b"\x04")  # Ctrl-D: the end of input
    shown = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], deadline - time.monotonic())
            try:
                chunk = os.read(main, 4096) if ready else b""
            except OSError:  # the console exited and closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        status = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    return status, shown.decode(errors="replace")


def test_a_huge_advance_is_refused_and_the_next_line_still_runs(tmp_path: Path) -> None:
    """`:advance 99999999999d` is an error, the clock stays put, and the line after runs."""
    script = ":advance 99999999999d\nana /mentor help\n:advance 9999999d\nana /mentor profile\n"
    run = run_console(script, tmp_path / "data")
    assert "1s to 365d" in run.error(":advance 99999999999d")["text"]
    assert "1s to 365d" in run.error(":advance 9999999d")["text"]
    assert "/mentor ask" in run.reply("ana /mentor help")["text"]
    run.reply("ana /mentor profile")


@pytest.mark.parametrize("value", ["0m", "0", "-5m", "soon", ""])
def test_advance_refuses_a_zero_negative_or_garbage_duration(tmp_path: Path, value: str) -> None:
    """`:advance` with nothing to move by is one error saying what to type."""
    line = f":advance {value}".strip()
    run = run_console(f"{line}\nana /mentor help\n", tmp_path / "data")
    assert ":advance 10m" in run.error(line)["text"]
    run.reply("ana /mentor help")


@pytest.mark.parametrize("value", ["!!!", "two words", "x" * 41])
def test_as_refuses_a_bad_user_name(tmp_path: Path, value: str) -> None:
    """`:as` with no name, or one that is not a user name, is one error; nothing else stops."""
    line = f":as {value}".strip()
    run = run_console(f"{line}\nana /mentor help\n", tmp_path / "data")
    assert ":as mentor2" in run.error(line)["text"]
    run.reply("ana /mentor help")


def test_text_mode_carries_on_after_a_bad_directive(tmp_path: Path) -> None:
    """Without --json, a huge `:advance` prints an error line and the next command answers."""
    script = ":advance 99999999999d\n:as !!!\nana /mentor help\n"
    proc = console(tmp_path, script, "--now", START)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "1s to 365d" in proc.stdout and ":as mentor2" in proc.stdout
    assert "/mentor ask" in proc.stdout


def test_a_line_that_fails_on_our_side_ends_only_that_line(tmp_path: Path) -> None:
    """A line that raises (the clock pushed past year 9999) gets an apology; the next runs."""
    script = ":advance 300d\nana /mentor help\n"
    proc = console(tmp_path, script, "--json", "--now", "9999-06-01T00:00:00Z")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(o["in"], o["kind"]) for o in out] == [(1, "error"), (2, "reply")]
    assert out[0]["text"].startswith("Sorry, something went wrong on our side")
    assert "/mentor ask" in out[1]["text"]
    # The person reads one apology; the trace is for the log (stderr), at ERROR.
    assert "ERROR adapters.console.app: console line 1 failed" in proc.stderr


def test_terminal_mode_carries_on_after_bad_directives(tmp_path: Path) -> None:
    """At a terminal, a huge `:advance` and a bad `:as` are errors; the next command answers."""
    script = ":advance 99999999999d\n:as !!!\n/mentor help profile\n"
    status, shown = in_terminal(tmp_path, script, "--clock", "manual", "--now", START)
    assert status == 0, shown
    assert "Traceback" not in shown, shown
    assert "1s to 365d" in shown and ":as mentor2" in shown
    assert "[m3 -> member1] /mentor profile" in shown
