"""The core stays platform-neutral: no platform library or adapter is imported by bot/."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = ("discord", "slack_bolt", "slack_sdk", "adapters")
BOT = Path(__file__).resolve().parents[2] / "bot"


def test_core_never_imports_platforms_or_adapters() -> None:
    """Scan every module of bot/ for imports of discord, slack or adapters."""
    offenders = []
    for path in BOT.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []
