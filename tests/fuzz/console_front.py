"""Fuzzing the console: lines into the console front end's own line handler (in process, as
`micromentor console --json --clock manual` reads them), its JSON output read back."""

from __future__ import annotations

import contextlib
import io
import json
import random
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from adapters.console.app import ConsoleFrontEnd
from adapters.console.parse import Blank, CommandLine, ConsoleInputError, parse_input
from bot.clock import ManualClock
from bot.process.bootstrap import start_core
from tests.conftest import START, make_config
from tests.fuzz import strategies as s
from tests.fuzz.invariants import Problem, clear_text, one_reply, reply_problems
from tests.fuzz.runner import PEOPLE, SEED

PLATFORM = s.Platform("console", PEOPLE, "@{}")
DIRECTIVES = (
    ":advance 10m",
    ":advance 1h",
    ":advance 3h",
    ":advance 1d",
    ":advance 8d",
    ":advance 0m",
    ":advance -1h",
    ":advance 99999999999d",
    ":advance",
    ":as mentor1",
    ":as",
    ":as <!channel>",
    ":now",
    ":bogus",
)


class ConsoleDriver:
    name = "console"

    def __init__(self) -> None:
        self.folder = Path()
        self.out = io.StringIO()
        self.front: ConsoleFrontEnd | None = None

    @property
    def store(self) -> Path:
        return self.folder / "console.db"

    async def start(self, folder: Path) -> None:
        self.folder = folder
        config = make_config(
            f"sqlite:///{folder / 'console.db'}",
            **{"communities.default.moderators": '["console:mod"]'},
        )
        clock = ManualClock(START)
        self.front = ConsoleFrontEnd(self.out, json_mode=True, clock=clock)
        self.front.help_channels = ("help",)
        self.front.core = await start_core(config, self.front, clock=clock, rng=random.Random(7))
        for user, line in SEED:
            await self.front.handle_line(f"{user} /mentor {line.format(mentor1='@mentor1')}", None)
        self._read()

    def inputs(self) -> st.SearchStrategy[Any]:
        typed = st.tuples(s.users(PLATFORM), s.command_lines(PLATFORM)).map(" ".join)
        # posts in the help channel (new, edited, deleted, replied to) and elsewhere; the
        # console's post ids are the manual clock's seconds, from START
        posted = st.tuples(
            s.users(PLATFORM),
            st.sampled_from(("#help", "#help", "#help/1795428000", "#help/1795428001", "#x")),
            st.sampled_from(("", ":edit ", ":delete", ":edit")),
            s.texts,
        ).map(lambda t: f"{t[0]} {t[1]} {t[2]}{t[3]}")
        return st.one_of(
            posted,
            typed,
            typed,
            typed,
            typed,
            st.sampled_from(DIRECTIVES),
            st.text(max_size=20).map(lambda t: ":" + t),
            s.command_lines(PLATFORM),  # no user first: the console refuses it
            s.texts,
        )

    def _read(self) -> list[dict[str, Any]]:
        text = self.out.getvalue()
        self.out.seek(0)
        self.out.truncate()
        return [json.loads(line) for line in text.split("\n") if line.startswith("{")]

    async def send(self, item: Any) -> list[Problem]:
        assert self.front is not None
        line = str(item)
        try:
            parsed = parse_input(line, None)
            expected = "none" if isinstance(parsed, Blank) else "at most one"
            if isinstance(parsed, CommandLine):
                expected = "one"
        except ConsoleInputError:
            expected = "one"
        with contextlib.suppress(EOFError):  # `:quit`
            await self.front.handle_line(line, None)
        outputs = self._read()
        answers = [o for o in outputs if o["kind"] in ("reply", "error")]
        problems = one_reply(len(answers), expected, "a console line")
        problems += reply_problems(str(o["text"]) for o in outputs)
        for answer in answers:
            problems += clear_text(str(answer["text"]), "a console line")
        return problems

    async def close(self) -> None:
        if self.front is not None and self.front.core is not None:
            await self.front.core.close()
