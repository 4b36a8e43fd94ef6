"""Interaction round trip through the loopback Discord gateway: INTERACTION_CREATE sent ->
deferral -> the core's work -> the follow-up received, with the real discord.py client.

    python bench/discord_roundtrip.py [--count 500] [--concurrency 10] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.adapters.discord.fake import FakeDiscord
from tests.adapters.discord.test_discord import start_rig, stop_rig


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(count: int, concurrency: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        fake = FakeDiscord()
        await fake.start()
        rig = await start_rig(Path(folder), fake)
        latencies: list[float] = []
        gate = asyncio.Semaphore(concurrency)

        async def one(n: int) -> None:
            async with gate:
                start = time.perf_counter()
                iid = await fake.slash(str(1000 + n % 50), ["mentor", "queue"])
                await fake.wait_for(lambda: fake.answers(iid) != [], within=30)
                latencies.append((time.perf_counter() - start) * 1000)

        begin = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(count)))
        elapsed = time.perf_counter() - begin
        await stop_rig(rig)
        await fake.close()
    return {
        "interactions": float(len(latencies)),
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args.count, args.concurrency))
    if args.json:
        print(json.dumps(result))
        return
    print(f"{'interactions':>13} {'per s':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    print(
        f"{result['interactions']:>13.0f} {result['per_second']:>7.1f} {result['p50_ms']:>8.1f} "
        f"{result['p99_ms']:>8.1f} {result['max_ms']:>8.1f}"
    )


if __name__ == "__main__":
    main()
