"""Ack latency of signed slash commands POSTed to the real Slack HTTP app at a fixed rate,
and the latency of the reply the person sees.

    python bench/slack_ack.py [--rate 200] [--seconds 30] [--text queue] [--install-flow]
                              [--json]

The bot runs in this process (real slack-bolt, real core on a SQLite file in a temporary
folder) against the loopback Slack fake from the test suite; requests are sent on a fixed
schedule (not back to back). The ack latency is from sending a request to its HTTP 200; the
reply's, from sending it to the reply the person sees: the ack's own body when the reply came
back in it, else the fake's receipt of the post to the command's response_url. The run ends
when every request's reply has arrived and what the bot queued was sent; only then is the bot
closed (its core and store), then the fake. Errors the bot logs meanwhile are counted.

With --install-flow the bot has no token of its own: the workspace is first installed through
Slack's install flow, and every request finds its workspace's token in the database before
the ack (see docs/slack.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
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


class Seen(list[str]):
    """The fake's list of answered commands (response_url posts and answers in the ack),
    noting when each one was answered."""

    def __init__(self) -> None:
        super().__init__()
        self.at: dict[str, float] = {}

    def append(self, name: str) -> None:
        super().append(name)
        self.at.setdefault(name, time.perf_counter())


class Errors(logging.Handler):
    """Counts what the bot logs as an error (a store closed under running work, say)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def run(
    rate: float, seconds: float, text: str = "queue", install_flow: bool = False
) -> dict[str, float]:
    for var in PROXY_VARS:
        os.environ.pop(var, None)
    errors = Errors()
    logging.getLogger().addHandler(errors)
    try:
        with tempfile.TemporaryDirectory() as folder:
            fake = FakeSlack()
            seen = Seen()
            fake.responded = seen
            await fake.start()
            try:
                acks, replies, elapsed = await _load(
                    fake, seen, Path(folder), rate, seconds, text, install_flow
                )
            finally:
                await fake.close()
    finally:
        logging.getLogger().removeHandler(errors)
    return {
        "requests": float(len(acks)),
        "achieved_rate": len(acks) / elapsed,
        "p50_ms": statistics.median(acks),
        "p99_ms": percentile(acks, 0.99),
        "max_ms": max(acks),
        "reply_p50_ms": statistics.median(replies),
        "reply_p99_ms": percentile(replies, 0.99),
        "reply_max_ms": max(replies),
        "errors_logged": float(len(errors.records)),
    }


async def _load(
    fake: FakeSlack,
    seen: Seen,
    folder: Path,
    rate: float,
    seconds: float,
    text: str,
    install_flow: bool,
) -> tuple[list[float], list[float], float]:
    """Send the requests, wait for every reply and every queued send; close the bot."""
    configure = install_config if install_flow else slack_config
    front = SlackFrontEnd(configure(folder, fake.base, MICROMENTOR_LIMITS__COMMANDS_PER_MINUTE="0"))
    async with serving(front) as base, aiohttp.ClientSession() as session:
        if install_flow:
            await Rig(fake, front, base, session).install("T1")
        sim = Simulator(f"{base}/slack/events", SECRET, fake, session)
        await sim.command("UWARM", "help")  # first request: Bolt's auth.test
        acks: list[float] = []
        sent: dict[str, float] = {}

        async def one(n: int) -> None:
            name = f"load{n}"
            start = sent[name] = time.perf_counter()
            response, _ = await sim.command(f"U{n % 50}", text, response_name=name)
            assert response.status == 200
            acks.append((time.perf_counter() - start) * 1000)

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
        # The work after each ack (the command, its reply, its messages) goes on after the
        # 200: wait for every reply and every queued send before the bot is closed.
        await fake.wait_for(lambda: all(name in seen.at for name in sent), within=60)
        await front.notifier.drain()
        refused = [r for r in fake.responses if r.get("text") == NOT_INSTALLED]
        if refused:
            raise RuntimeError(f"{len(refused)} requests found no installation")
    replies = [(seen.at[name] - start) * 1000 for name, start in sent.items()]
    return acks, replies, elapsed


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
    print(
        f"{'requests':>9} {'rate/s':>7} {'ack p50':>8} {'ack p99':>8} {'ack max':>8} "
        f"{'reply p50':>10} {'reply p99':>10} {'errors':>7}"
    )
    print(
        f"{result['requests']:>9.0f} {result['achieved_rate']:>7.1f} {result['p50_ms']:>8.1f} "
        f"{result['p99_ms']:>8.1f} {result['max_ms']:>8.1f} {result['reply_p50_ms']:>10.1f} "
        f"{result['reply_p99_ms']:>10.1f} {result['errors_logged']:>7.0f}"
    )


if __name__ == "__main__":
    main()
