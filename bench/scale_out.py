"""Lifecycle throughput with 1, 2 and 3 bot processes on one PostgreSQL database.

    MICROMENTOR_TEST_POSTGRES_DSN=postgresql://... python bench/scale_out.py \
        [--processes 1,2,3] [--lifecycles 60] [--parallel 4] [--json]

Each process is a real Python process with its own core and connection pool on the same
database (a throwaway schema); it sets up its own members and mentors, waits for a common
start time, then runs `--lifecycles` lifecycles (ask, accept, check-ins, done, both ratings)
in `--parallel` workers through the same driver as bench/lifecycle.py. Offers go to any
process's mentors, as in production. Throughput = all lifecycles / (last end - start).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg

from bench.lifecycle import (
    MENTOR_SETUP,
    OVERRIDES,
    START,
    CountingNotifier,
    Driver,
    bus_errors,
    with_search_path,
)
from bot.clock import ManualClock
from bot.process.bootstrap import start_core
from tests.conftest import make_config


async def worker(
    url: str, name: str, lifecycles: int, parallel: int, start_at: float
) -> dict[str, Any]:
    """One process: set up its people, wait for the common start, run, report."""
    config = make_config(url, **OVERRIDES)
    core = await start_core(
        config, CountingNotifier(), clock=ManualClock(START), rng=random.Random(hash(name) & 0xFFFF)
    )
    try:
        with bus_errors() as errors:
            driver = Driver(core, errors)
            pairs = [(f"{name}-member-{n}", f"{name}-mentor-{n}") for n in range(parallel)]
            for _, mentor in pairs:
                for line in MENTOR_SETUP:
                    await driver.say(mentor, line)
            for member, _ in pairs:
                await driver.say(member, "/mentor profile")
            await asyncio.sleep(max(0.0, start_at - time.time()))  # the common start line
            begin = time.time()
            shares = [
                lifecycles // parallel + (1 if n < lifecycles % parallel else 0)
                for n in range(parallel)
            ]

            async def run(pair: tuple[str, str], share: int) -> None:
                for _ in range(share):
                    await driver.lifecycle(*pair)

            await asyncio.gather(*(run(p, s) for p, s in zip(pairs, shares, strict=True)))
            end = time.time()
            return {
                "lifecycles": lifecycles,
                "begin": begin,
                "end": end,
                "deadlocks_retried": errors.deadlocks,
            }
    finally:
        await core.close()


async def one_size(dsn: str, processes: int, lifecycles: int, parallel: int) -> dict[str, Any]:
    schema = f"mm_scale_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(dsn)
    await conn.execute(f"CREATE SCHEMA {schema}")
    await conn.close()
    url = with_search_path(dsn, schema)
    try:
        # migrate once up front so the processes don't time the migration
        setup = make_config(url)
        core = await start_core(setup, CountingNotifier(), clock=ManualClock(START))
        await core.close()
        start_at = time.time() + 4.0 + processes
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                __file__,
                "--worker",
                f"p{n}",
                "--url",
                url,
                "--lifecycles",
                str(lifecycles),
                "--parallel",
                str(parallel),
                "--start-at",
                str(start_at),
                stdout=asyncio.subprocess.PIPE,
            )
            for n in range(processes)
        ]
        results = []
        for proc in procs:
            out, _ = await asyncio.wait_for(proc.communicate(), 600)
            if proc.returncode != 0:
                raise RuntimeError(f"a worker failed with exit status {proc.returncode}")
            results.append(json.loads(out.decode().strip().splitlines()[-1]))
    finally:
        conn = await asyncpg.connect(dsn)
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await conn.close()
    begin = min(r["begin"] for r in results)
    end = max(r["end"] for r in results)
    total = sum(r["lifecycles"] for r in results)
    return {
        "processes": processes,
        "lifecycles": total,
        "seconds": end - begin,
        "lifecycles_per_s": total / (end - begin),
        "deadlocks_retried": sum(r["deadlocks_retried"] for r in results),
    }


async def run(dsn: str, sizes: list[int], lifecycles: int, parallel: int) -> list[dict[str, Any]]:
    return [await one_size(dsn, n, lifecycles, parallel) for n in sizes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", default="1,2,3")
    parser.add_argument("--lifecycles", type=int, default=60, help="per process")
    parser.add_argument("--parallel", type=int, default=4, help="workers per process")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = asyncio.run(
            worker(args.url, args.worker, args.lifecycles, args.parallel, args.start_at)
        )
        print(json.dumps(result))
        return
    dsn = os.environ.get("MICROMENTOR_TEST_POSTGRES_DSN")
    if not dsn:
        raise SystemExit("set MICROMENTOR_TEST_POSTGRES_DSN to a PostgreSQL database")
    sizes = [int(n) for n in args.processes.split(",")]
    results = asyncio.run(run(dsn, sizes, args.lifecycles, args.parallel))
    if args.json:
        print(json.dumps(results))
        return
    print(f"{'processes':>9} {'lifecycles':>10} {'seconds':>8} {'lc/s':>7} {'deadlocks':>9}")
    for r in results:
        print(
            f"{r['processes']:>9} {r['lifecycles']:>10} {r['seconds']:>8.2f} "
            f"{r['lifecycles_per_s']:>7.1f} {r['deadlocks_retried']:>9}"
        )


if __name__ == "__main__":
    main()
