"""Fuzzing at volume: random and hostile input through each front end's real entry point
(console lines; signed Slack requests over loopback HTTP; Discord interactions through the
loopback gateway), with every invariant checked after each input (see tests/fuzz/). Prints,
per front end, the inputs tried, inputs per second and each distinct problem with how often
it was seen and the shortest input that showed it; exits 1 if anything broke.

    python bench/fuzz.py --examples 100000 [--front console,slack,discord] [--seed N]
        [--epoch 500] [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
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
    examples: int, fronts: list[str], seed: int = 0, epoch: int = 500, verbose: bool = False
) -> dict[str, Report]:
    """Fuzz each front end with `examples` inputs; the reports by front end."""
    reports = {}
    for front in fronts:
        shown: set[tuple[str, str]] = set()

        def progress(report: Report, shown: set[tuple[str, str]] = shown) -> None:
            """After each fresh store: how far, and each problem the first time it is seen
            (so a run stopped early still tells what it found)."""
            if not verbose:
                return
            print(
                f"  {report.front}: {report.tried}/{examples} in {report.seconds:.0f} s, "
                f"{len(report.found)} problem(s)",
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

        reports[front] = fuzz(
            DRIVERS[front], examples, base_seed=seed, epoch=epoch, progress=progress
        )
    return reports


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
    reports = run(args.examples, fronts, args.seed, args.epoch, verbose=not args.json)
    if args.json:
        print(json.dumps(as_json(reports)))
    else:
        for report in reports.values():
            print("\n".join(report.lines()))
        print(f"wall time: {time.perf_counter() - started:.0f} s")
    sys.exit(1 if any(r.found for r in reports.values()) else 0)


if __name__ == "__main__":
    main()
