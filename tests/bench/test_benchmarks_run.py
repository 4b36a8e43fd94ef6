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


async def test_slack_ack_runs_with_the_install_flow() -> None:
    """The same through an installed workspace's token."""
    result = await load("slack_ack").run(rate=20, seconds=0.5, install_flow=True)
    assert result["requests"] == 10
    assert result["max_ms"] >= result["p50_ms"] > 0


async def test_discord_roundtrip_runs() -> None:
    """Five interactions, each answered."""
    result = await load("discord_roundtrip").run(count=5, concurrency=2)
    assert result["interactions"] == 5
    assert result["max_ms"] >= result["p50_ms"] > 0


async def test_simulate_runs() -> None:
    """A tiny community through both policies: every figure is there, and no mentor ever
    has more sessions at once or in a week than their capacity (a correctness property)."""
    simulate = load("simulate")
    metrics = await simulate.run(scale=0.02, seed=7)
    community = metrics["community"]
    assert (community["mentors"], community["members"], community["requests"]) == (4, 40, 30)
    for policy in ("baseline", "micromentor"):
        result = metrics[policy]
        assert result["requests"] == 30
        assert 0 <= result["matched"] <= result["sessions"]
        assert 0.0 <= result["unmatched_share"] <= 1.0
        assert 0.0 <= result["load_gini"] <= 1.0
        if result["matched"]:
            assert 0 <= result["median_tta_min"] <= result["p90_tta_min"]
        assert result["capacity_violations"] == {"at_once": 0, "per_week": 0, "total": 0}
    assert metrics["micromentor"]["core"]["asks_refused"] == 0
    assert metrics["micromentor"]["core"]["due_failed"] == 0
    targets = {"median_tta", "unmatched", "load_gini", "capacity_violations"}
    assert set(metrics["targets"]) == targets
    assert "micromentor" in simulate.table(metrics)


def test_simulate_capacity_check_counts_overlaps() -> None:
    """The capacity check itself: back to back is fine, overlapping or a busy week is not."""
    simulate = load("simulate")
    rec, day = simulate.SessionRec, 86400
    fine = [rec("m", 1, 0, 600, "completed"), rec("m", 2, 600, 900, "completed")]
    assert simulate.capacity_violations(fine, {"m": (1, 2)})["total"] == 0
    overlap = [rec("m", 1, 0, 600, "completed"), rec("m", 2, 599, 900, "completed")]
    assert simulate.capacity_violations(overlap, {"m": (1, 5)})["at_once"] == 1
    week = [rec("m", n, n * day, n * day + 60, "completed") for n in range(4)]
    assert simulate.capacity_violations(week, {"m": (1, 3)})["per_week"] == 1
    week[3].state = "withdrawn"
    assert simulate.capacity_violations(week, {"m": (1, 3)})["per_week"] == 0


async def test_simulate_plots(tmp_path: Path) -> None:
    """--plot writes the two PNGs (only where matplotlib, the `bench` extra, is installed)."""
    pytest.importorskip("matplotlib")
    simulate = load("simulate")
    metrics, raw = await simulate.simulate(scale=0.02, seed=7)
    paths = simulate.plot(metrics, raw, tmp_path)
    assert [p.name for p in paths] == ["simulate-time-to-accept.png", "simulate-load.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in paths)


async def test_routing_runs() -> None:
    """Two tiny sizes, a few requests each: a latency row per size and engine, and a growth."""
    routing = load("routing")
    result = await routing.run(mentors=[40, 120], skills=20, requests=5)
    engines = routing.engines()
    assert [(r["engine"], r["mentors"]) for r in result["rows"]] == [
        (e, float(m)) for e in engines for m in (40, 120)
    ]
    keys = {"p50_ms", "p99_ms", "max_ms", "wave_p50_ms", "wave_p99_ms", "candidates_mean"}
    for row in result["rows"]:
        assert row["requests"] == 5
        assert keys <= set(row)
    assert set(result["growth_p99"]) == set(result["growth_p50"]) == set(engines)


def test_restart_runs() -> None:
    """The console started on a store with 50 pending timers answers (a warm-up, one run)."""
    result = load("restart").run(timers=[50], runs=1)
    assert [r["timers"] for r in result["rows"]] == [50]
    for row in result["rows"]:
        assert row["runs"] == 1
        assert {"median_s", "min_s", "max_s", "build_s"} <= set(row)
    assert "python_startup_s" in result


def test_memory_runs(tmp_path: Path) -> None:
    """A tiny store is built, cached, and the bot answers every command; a peak RSS is read."""
    memory = load("memory")
    result = memory.run(mentors=30, sessions=200, cache_dir=tmp_path)
    assert result["build_s"] > 0
    assert set(result["reply_kind"]) == {"help", "ask", "open", "queue", "me"}
    assert set(result["reply_kind"].values()) == {"reply"}
    assert result["peak_rss_mb"] >= result["rss_idle_mb"] > 0
    assert result["exit_code"] == 0
    again = memory.run(mentors=30, sessions=200, cache_dir=tmp_path)
    assert again["build_s"] == 0 and again["store"] == result["store"]


async def test_lifecycle_runs() -> None:
    """Four lifecycles in two workers: seven commands each, each one committed transaction,
    and a floor of as many raw transactions (PostgreSQL too when its DSN is set)."""
    result = await load("lifecycle").run(lifecycles=4, parallel=2, calibration=1)
    assert (result["lifecycles"], result["parallel"], result["rounds"]) == (4, 2, 1)
    engines = [e for e in ("sqlite", "postgresql") if e in result]
    assert engines[0] == "sqlite"
    for engine in engines:
        r = result[engine]
        assert r["lifecycles"] == 4
        assert r["commands_per_lifecycle"] == r["transactions_per_lifecycle"] == 7
        assert r["transactions"] == r["floor_transactions"] == 28
        assert r["statements_per_transaction"] > 1
        assert set(r["statement_mix"]) <= {"select", "insert", "update", "delete"}
        assert r["lifecycles_per_s"] > 0 and r["floor_transactions_per_s"] > 0
        assert r["ratio"] > 0 and len(r["rounds"]) == 1


def test_lifecycle_floor_plan_matches_the_statement_count() -> None:
    """The floor's transactions add up to the core's average statements per transaction, and
    their kinds follow the core's own order."""
    lifecycle = load("lifecycle")
    plan = lifecycle.FloorPlan(10, 3, 2.5, ["select", "insert", "update"])
    done = [tx for w in range(3) for tx in plan.worker(w)]
    assert len(done) == 10
    assert sum(len(tx) for tx in done) == 25
    assert [kind for kind, _ in next(plan.worker(0))] == ["select", "insert"]


async def test_scale_out_runs() -> None:
    """One process, two lifecycles, on the throwaway schema (PostgreSQL only)."""
    import os

    dsn = os.environ.get("MICROMENTOR_TEST_POSTGRES_DSN")
    if not dsn:
        pytest.skip("MICROMENTOR_TEST_POSTGRES_DSN is not set")
    results = await load("scale_out").run(dsn, [1], 2, 1)
    assert results[0]["processes"] == 1 and results[0]["lifecycles"] == 2


def test_fuzz_runs() -> None:
    """Three inputs through each front end: a count and a rate for each, nothing found."""
    reports = load("fuzz").run(examples=3, fronts=["console", "slack", "discord"], epoch=3)
    assert {front: r.tried for front, r in reports.items()} == {
        "console": 3,
        "slack": 3,
        "discord": 3,
    }
    assert all(r.per_second > 0 and not r.found for r in reports.values())
