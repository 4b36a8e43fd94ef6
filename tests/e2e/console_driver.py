"""Driving `micromentor console --json --clock manual` as a subprocess, for e2e tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

START = "2026-11-23T10:00:00Z"  # a Monday
KEYS = {
    "seq",
    "in",
    "kind",
    "id",
    "replaces",
    "to",
    "text",
    "fields",
    "actions",
    "ephemeral",
    "files",
    "status",
    "menu",
}


def line_of(script: str, text: str, nth: int = 1) -> int:
    """The 1-based number of the `nth` line equal to `text`, else of the `nth` starting with it."""
    lines = script.splitlines()
    for matches in (lambda line: line == text, lambda line: line.startswith(text)):
        numbers = [n for n, line in enumerate(lines, start=1) if matches(line)]
        if len(numbers) >= nth:
            return numbers[nth - 1]
    raise AssertionError(f"no line {text!r} (#{nth}) in the script")


@dataclass
class Run:
    """One console run: its script and every output line, parsed."""

    script: str
    out: list[dict[str, Any]]

    def at(self, text: str, nth: int = 1) -> list[dict[str, Any]]:
        """Everything the (`nth`) script line `text` caused, in order."""
        number = line_of(self.script, text, nth)
        return [o for o in self.out if o["in"] == number]

    def between(self, first: str, last: str) -> list[dict[str, Any]]:
        """Everything caused by the lines from `first` to `last`, both included."""
        low, high = line_of(self.script, first), line_of(self.script, last)
        return [o for o in self.out if low <= o["in"] <= high]

    def reply(self, text: str, nth: int = 1) -> dict[str, Any]:
        """The reply to the (`nth`) line `text`; it must not be an error."""
        caused = self.at(text, nth)
        assert caused and caused[0]["kind"] == "reply", caused
        return caused[0]

    def error(self, text: str) -> dict[str, Any]:
        """The error the line `text` got; nothing else may have happened."""
        caused = self.at(text)
        assert [o["kind"] for o in caused] == ["error"], caused
        return caused[0]


def run_console(
    script: str, data_dir: Path, now: str = START, settings: dict[str, str] | None = None
) -> Run:
    """Run the console on `script` with these MICROMENTOR_ settings; insist it exits cleanly
    and prints only JSON lines."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROMENTOR_")}
    env.update(
        {"MICROMENTOR_DATA_DIR": str(data_dir), "MICROMENTOR_CONFIG": "", **(settings or {})}
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--json", "--clock", "manual", "--now", now],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        cwd=data_dir.parent,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert out
    assert all(set(o) == KEYS for o in out)
    assert [o["seq"] for o in out] == list(range(1, len(out) + 1))
    return Run(script, out)


def only(items: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(items) == 1, items
    return items[0]


def to(outputs: list[dict[str, Any]], who: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [o for o in outputs if o["to"] == who and (kind is None or o["kind"] == kind)]


def offers_in(outputs: list[dict[str, Any]], request: str = "r1") -> list[dict[str, Any]]:
    """New offer messages for `request` among `outputs`."""
    return [
        o
        for o in outputs
        if o["kind"] == "message"
        and [a["command"] for a in o["actions"]]
        == [f"/mentor accept {request}", f"/mentor decline {request}"]
    ]
