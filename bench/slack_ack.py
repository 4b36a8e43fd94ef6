"""Ack latency of signed slash commands POSTed to the real Slack HTTP app at a fixed rate.

    python bench/slack_ack.py [--rate 200] [--seconds 30] [--text queue] [--install-flow]
                              [--json]

The bot runs in this process (real slack-bolt, real core on a SQLite file in a temporary
folder) against the loopback Slack fake from the test suite; requests are sent on a fixed
schedule (not back to back), and the latency is from sending a request to its HTTP 200.

With --install-flow the bot has no token of its own: the workspace is first installed through
Slack's install flow, and every request finds its workspace's token in the database before
the ack (see docs/slack.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.slack.app import NOT_INSTALLED, SlackFrontEnd
from tests.adapters.slack.fake import PROXY_VARS, FakeSlack, Simulator, serving
from tests.adapters.slack.test_install import Rig, install_config
from tests.adapters.slack.test_slack import SECRET, slack_config


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(
    rate: float, seconds: float, text: str = "queue", install_flow: bool = False
) -> dict[str, float]:
    for var in PROXY_VARS:
        os.environ.pop(var, None)
    with tempfile.TemporaryDirectory() as folder:
        fake = FakeSlack()
        await fake.start()
        configure = install_config if install_flow else slack_config
        front = SlackFrontEnd(
            configure(Path(folder), fake.base, MICROMENTOR_LIMITS__COMMANDS_PER_MINUTE="0")
        )
        async with serving(front) as base, aiohttp.ClientSession() as session:
            if install_flow:
                await Rig(fake, front, base, session).install("T1")
            sim = Simulator(f"{base}/slack/events", SECRET, fake, session)
            await sim.command("UWARM", "help")  # first request: Bolt's auth.test
            latencies: list[float] = []

            async def one(n: int) -> None:
                start = time.perf_counter()
                response, _ = await sim.command(f"U{n % 50}", text)
                assert response.status == 200
                latencies.append((time.perf_counter() - start) * 1000)

            total = int(rate * seconds)
            begin = time.perf_counter()
            tasks = []
            for n in range(total):
                delay = begin + n / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(n)))
            await asyncio.gather(*tasks)
            elapsed = time.perf_counter() - begin
            refused = [r for r in fake.responses if r.get("text") == NOT_INSTALLED]
            if refused:
                raise RuntimeError(f"{len(refused)} requests found no installation")
        await fake.close()
    return {
        "requests": float(len(latencies)),
        "achieved_rate": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--text", default="queue", help="the /mentor text each request sends")
    parser.add_argument(
        "--install-flow", action="store_true", help="tokens from the install flow, per request"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args.rate, args.seconds, args.text, args.install_flow))
    if args.json:
        print(json.dumps(result))
        return
    print(f"{'requests':>14} {'rate/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    print(
        f"{result['requests']:>14.0f} {result['achieved_rate']:>8.1f} {result['p50_ms']:>8.1f} "
        f"{result['p99_ms']:>8.1f} {result['max_ms']:>8.1f}"
    )


if __name__ == "__main__":
    main()
