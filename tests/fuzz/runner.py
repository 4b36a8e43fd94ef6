"""Runs a front end's fuzzing: hypothesis draws inputs, the driver sends each through the
front end's real entry point, and every invariant is checked after each one. Problems are
counted, not raised, so one run reports everything it found (with the shortest input that
showed each); the tests then insist that nothing was found.

The store starts fresh every `epoch` inputs, each time with the same seeded state (mentors,
an open request, a live and an ended session, a dispute, a moderator), so a long run keeps
poking at that state instead of drifting into a store where every command is refused.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from tests.fuzz.invariants import ErrorLog, Problem, open_store, store_problems

# Who does what in the seeded state, whatever the front end: {name} is a mention.
PEOPLE = ("ana", "bob", "mentor1", "mentor2", "eve", "mod")
SEED = (
    ("mentor1", "skills add python js"),
    ("mentor1", "available for 8h"),
    ("mentor2", "skills add python sql"),
    ("mentor2", "available for 8h"),
    ("ana", "ask python -- How do I read a CSV?"),  # r1
    ("mentor1", "accept r1"),  # s1
    ("ana", "checkin s1"),
    ("mentor1", "checkin s1"),
    ("mentor1", "done s1"),
    ("ana", "rate s1 4"),
    ("ana", "dispute s1 -- The mentor was late."),  # d1
    ("bob", "ask python --minutes 15 -- Why is my loop slow?"),  # r2
    ("mentor2", "accept r2"),  # s2, live
    ("bob", "checkin s2"),
    ("eve", "ask sql -- What is a JOIN?"),  # r3, open
    ("eve", "report {mentor1} -- Rude in the session."),  # d2
)


class Driver(Protocol):
    """One front end, run for real over loopback: seeded state, then one input at a time."""

    name: str

    @property
    def store(self) -> Path:
        """The SQLite file of the store (its invariants are read from it)."""

    async def start(self, folder: Path) -> None:
        """Start the front end on a fresh store in `folder` and seed it."""

    def inputs(self) -> st.SearchStrategy[Any]:
        """What a person (or a forger) could send this front end."""

    async def send(self, item: Any) -> list[Problem]:
        """Send one input, wait until it is answered, and check the answer."""

    async def close(self) -> None: ...


@dataclass
class Found:
    """One distinct problem: how often it was seen and the shortest input that showed it."""

    problem: Problem
    count: int
    reproducer: str


@dataclass
class Report:
    front: str
    tried: int = 0
    seconds: float = 0.0
    found: dict[tuple[str, str], Found] = field(default_factory=dict)

    def record(self, item: Any, problems: list[Problem]) -> None:
        shown = repr(item)
        for problem in problems:
            key = (problem.invariant, problem.detail)
            seen = self.found.get(key)
            if seen is None:
                self.found[key] = Found(problem, 1, shown)
            else:
                seen.count += 1
                if len(shown) < len(seen.reproducer):
                    seen.reproducer = shown

    @property
    def per_second(self) -> float:
        return self.tried / self.seconds if self.seconds else 0.0

    def lines(self) -> list[str]:
        """A readable summary: inputs tried, rate, and each problem with its reproducer."""
        out = [
            f"{self.front}: {self.tried} inputs in {self.seconds:.1f} s "
            f"({self.per_second:.1f}/s), {len(self.found)} distinct problem(s)"
        ]
        for found in sorted(self.found.values(), key=lambda f: -f.count):
            p = found.problem
            out.append(f"  [{p.invariant}] {p.detail} (x{found.count})")
            if p.instance:
                out.append(f"      e.g. {p.instance}")
            out.append(f"      input: {found.reproducer[:500]}")
        return out


def fuzz(
    make: Callable[[], Driver],
    examples: int,
    *,
    base_seed: int = 0,
    epoch: int = 500,
    progress: Callable[[Report], None] | None = None,
) -> Report:
    """Send `examples` inputs through a front end (a fresh one every `epoch` inputs).

    One input per hypothesis example: drawing them in lists would be cheaper, but the engine
    then repeats list items (500 inputs drawn ten at a time held 152 distinct ones)."""
    report: Report | None = None
    loop = asyncio.new_event_loop()
    errors = ErrorLog().install()
    started = time.perf_counter()
    try:
        left, n = examples, 0
        while left > 0:
            size = min(epoch, left)
            driver = make()
            report = report or Report(driver.name)
            with tempfile.TemporaryDirectory(prefix="mm-fuzz-") as folder:
                loop.run_until_complete(driver.start(Path(folder)))
                store = open_store(driver.store)
                known = store_problems(store)
                report.record("(the seeded state)", [*errors.take(), *known])
                try:
                    _epoch(loop, driver, store, report, errors, known, size, base_seed + n)
                finally:
                    store.close()
                    loop.run_until_complete(driver.close())
                    report.record("(closing)", errors.take())
            left -= size
            n += 1
            report.seconds = time.perf_counter() - started
            if progress is not None:
                progress(report)
    finally:
        errors.remove()
        # What the libraries leave behind (a form's timeout, a closed socket's reader).
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
    assert report is not None
    return report


def _epoch(
    loop: asyncio.AbstractEventLoop,
    driver: Driver,
    store: sqlite3.Connection,
    report: Report,
    errors: ErrorLog,
    known: set[Problem],
    size: int,
    number: int,
) -> None:
    state: dict[str, Any] = {"known": known}
    strategy = driver.inputs()

    @st.composite
    def inputs(draw: st.DrawFn) -> Any:
        # A short name for the strategy: its own repr runs to tens of kilobytes.
        return draw(strategy)

    @seed(number)
    @settings(
        max_examples=size,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(inputs())
    def one(item: Any) -> None:
        problems = loop.run_until_complete(driver.send(item))
        problems += errors.take()
        now = store_problems(store)
        # A broken row stays broken: only the input that broke it is blamed.
        problems += sorted(now - state["known"], key=str)
        state["known"] = now
        report.tried += 1
        report.record(item, problems)

    one()
