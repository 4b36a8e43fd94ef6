"""Each benchmark runs once at a tiny size, so none of them rots. No timing is asserted."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def test_slack_ack_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten requests at 20/s all get their 200 and a latency figure."""
    result = await load("slack_ack").run(rate=20, seconds=0.5)
    assert result["requests"] == 10
    assert result["max_ms"] >= result["p50_ms"] > 0


async def test_discord_roundtrip_runs() -> None:
    """Five interactions, each answered."""
    result = await load("discord_roundtrip").run(count=5, concurrency=2)
    assert result["interactions"] == 5
    assert result["max_ms"] >= result["p50_ms"] > 0
