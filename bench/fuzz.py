"""Fuzzing at volume: random and hostile input through each front end's real entry point
(console lines; signed Slack requests over loopback HTTP; Discord interactions through the
loopback gateway), with every invariant checked after each input (see tests/fuzz/). Prints,
per front end, the inputs tried, inputs per second and each distinct problem with how often
it was seen and the shortest input that showed it; exits 1 if anything broke.

    python bench/fuzz.py --examples 100000 [--front console,slack,discord] [--seed N]
        [--epoch 500] [--jobs 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzz.console_front import ConsoleDriver
from tests.fuzz.discord_front import DiscordDriver
from tests.fuzz.runner import Report, fuzz
from tests.fuzz.slack_front import SlackDriver

DRIVERS: dict[str, Any] = {
    "console": ConsoleDriver,
    "slack": SlackDriver,
    "discord": DiscordDriver,
}


def run(
    examples: int,
    fronts: list[str],
    seed: int = 0,
    epoch: int = 500,
    verbose: bool = False,
    jobs: int = 1,
) -> dict[str, Report]:
    """Fuzz each front end with `examples` inputs, split over `jobs` processes (each with
    its own seeds); the reports by front end, merged."""
    reports = {}
    for front in fronts:
        shares = [examples // jobs + (1 if j < examples % jobs else 0) for j in range(jobs)]
        args = [
            (front, share, seed + j * 1_000_000, epoch, verbose)
            for j, share in enumerate(shares)
            if share
        ]
        started = time.perf_counter()
        if len(args) == 1:
            parts = [_one_job(*args[0])]
        else:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(len(args), mp_context=context) as pool:
                parts = list(pool.map(_one_job, *zip(*args, strict=True)))
        reports[front] = merge(parts, time.perf_counter() - started)
    return reports


def _one_job(front: str, examples: int, seed: int, epoch: int, verbose: bool) -> Report:
    shown: set[tuple[str, str]] = set()

    def progress(report: Report) -> None:
        """After each fresh store: how far, and each problem the first time it is seen (so
        a run stopped early still tells what it found)."""
        if not verbose:
            return
        print(
            f"  {report.front} (seed {seed}): {report.tried}/{examples} in "
            f"{report.seconds:.0f} s, {len(report.found)} problem(s)",
            file=sys.stderr,
            flush=True,
        )
        for key, found in report.found.items():
            if key not in shown:
                shown.add(key)
                p = found.problem
                print(
                    f"  new: [{p.invariant}] {p.detail} {p.instance}\n"
                    f"       input: {found.reproducer[:800]}",
                    file=sys.stderr,
                    flush=True,
                )

    return fuzz(DRIVERS[front], examples, base_seed=seed, epoch=epoch, progress=progress)


def merge(parts: list[Report], seconds: float) -> Report:
    """One report from several processes' reports (the wall time is the whole run's)."""
    out = Report(parts[0].front, seconds=seconds)
    for part in parts:
        out.tried += part.tried
        for key, found in part.found.items():
            seen = out.found.get(key)
            if seen is None:
                out.found[key] = found
            else:
                seen.count += found.count
                if len(found.reproducer) < len(seen.reproducer):
                    seen.reproducer = found.reproducer
    return out


def as_json(reports: dict[str, Report]) -> dict[str, Any]:
    return {
        front: {
            "tried": r.tried,
            "seconds": round(r.seconds, 1),
            "per_second": round(r.per_second, 1),
            "problems": [
                {
                    "invariant": f.problem.invariant,
                    "detail": f.problem.detail,
                    "count": f.count,
                    "input": f.reproducer,
                }
                for f in r.found.values()
            ],
        }
        for front, r in reports.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=1000, help="inputs per front end")
    parser.add_argument("--front", default="console,slack,discord")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epoch", type=int, default=500, help="inputs per fresh store")
    parser.add_argument("--jobs", type=int, default=1, help="processes per front end")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    fronts = [f.strip() for f in args.front.split(",") if f.strip()]
    unknown = [f for f in fronts if f not in DRIVERS]
    if unknown or not fronts:
        parser.error(f"--front takes some of {', '.join(DRIVERS)}")
    # Errors are collected by the invariants (a handler on the root logger), not printed;
    # the front ends' INFO lines (one per command) are not wanted at all.
    logging.getLogger().setLevel(logging.ERROR)
    started = time.perf_counter()
    if args.jobs < 1:
        parser.error("--jobs takes a number from 1")
    reports = run(args.examples, fronts, args.seed, args.epoch, not args.json, args.jobs)
    if args.json:
        print(json.dumps(as_json(reports)))
    else:
        for report in reports.values():
            print("\n".join(report.lines()))
        print(f"wall time: {time.perf_counter() - started:.0f} s")
    sys.exit(1 if any(r.found for r in reports.values()) else 0)


if __name__ == "__main__":
    main()
