"""The console front end: a prompt in a terminal, one input per line from a pipe."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import TextIO

from adapters.console.parse import (
    Blank,
    CommandLine,
    ConsoleInputError,
    Directive,
    PostLine,
    is_user_name,
    parse_input,
)
from adapters.console.render import Output, address_label
from bot.clock import Clock, ManualClock, epoch
from bot.config import Config
from bot.domain import events
from bot.domain.errors import InvalidInput
from bot.domain.messages import Actor, OutboundMessage, Reply
from bot.domain.timeparse import parse_duration
from bot.process.bootstrap import Core, start_core
from bot.process.runtime import start_health
from bot.process.scheduling import SweepScheduler
from bot.service.notifier import Batch

log = logging.getLogger(__name__)

PLATFORM = "console"
WORKSPACE = "console"
DIRECTIVES_HELP = (
    ":as <user> (switch user), :advance <duration> (manual clock), :now, :quit; "
    "comments start with #"
)
# A year is more than any timer of the bot needs, and far below datetime's own limit.
ADVANCE_MAX = timedelta(days=365)
ADVANCE_RANGE = (
    "`:advance` takes a duration from 1s to 365d, like `:advance 10m`, `:advance 2h` or "
    "`:advance 3d`."
)


class ConsoleFrontEnd:
    """Turns console lines into core commands and prints everything the bot sends."""

    def __init__(self, out: TextIO, *, json_mode: bool, clock: Clock) -> None:
        self.out = out
        self.json_mode = json_mode
        self.clock = clock
        self.core: Core | None = None
        self.seq = 0
        self.next_id = 0
        self.line_no = 0
        self.by_key: dict[str, str] = {}
        self.pending: list[OutboundMessage] = []
        self.last_post = 0
        self.help_channels: tuple[str, ...] = ()
        self.busy = False
        self.idle = asyncio.Event()  # set between lines (a graceful stop waits for it)
        self.idle.set()

    # -- the Notifier port -------------------------------------------------------------

    async def deliver(
        self, messages: Sequence[OutboundMessage], batch: Batch | None = None
    ) -> None:
        """Hold messages until the reply to the current line is printed; print at once what
        the timers send between lines."""
        self.pending.extend(messages)
        if not self.busy:
            self.flush_messages()

    async def drain(self) -> None:
        """Nothing is in flight: messages are printed, not sent."""

    # -- output ---------------------------------------------------------------------------

    def _emit(self, output: Output) -> None:
        self.out.write((output.as_json() if self.json_mode else output.as_text()) + "\n")

    def _new_id(self) -> str:
        self.next_id += 1
        return f"m{self.next_id}"

    def emit_reply(self, user: str, reply: Reply) -> None:
        self.seq += 1
        self._emit(
            Output(
                seq=self.seq,
                in_line=self.line_no,
                kind="error" if reply.is_error else "reply",
                id=self._new_id(),
                replaces=None,
                to=user,
                text=reply.text,
                fields=reply.fields,
                actions=reply.actions,
                ephemeral=reply.ephemeral,
                files=reply.files,
            )
        )

    def emit_console_error(self, text: str) -> None:
        self.emit_reply("console", Reply(text, is_error=True))

    def flush_messages(self) -> None:
        messages, self.pending = self.pending, []
        for message in messages:
            self.seq += 1
            replaces = self.by_key.get(message.key) if message.key and message.update else None
            message_id = self._new_id()
            if message.key and not (message.update and replaces):
                self.by_key[message.key] = message_id
            self._emit(
                Output(
                    seq=self.seq,
                    in_line=self.line_no,
                    kind="update" if replaces else "message",
                    id=message_id,
                    replaces=replaces,
                    to=address_label(message.to),
                    text=message.text,
                    fields=message.fields,
                    actions=message.actions,
                    files=message.files,
                    status=message.status,
                    menu=message.menu,
                )
            )
        self.out.flush()

    # -- input ----------------------------------------------------------------------------

    async def handle_line(self, line: str, current_user: str | None) -> str | None:
        """Process one input line; returns the user now typing (for `:as`).

        Whatever goes wrong with one line ends that line only: it is logged, the person gets
        an apology, and the console reads the next line.
        """
        self.busy = True
        self.idle.clear()
        try:
            return await self._handle_line(line, current_user)
        except EOFError:
            raise  # `:quit`
        except Exception:
            log.exception("console line %d failed", self.line_no)
            self.emit_console_error(
                "Sorry, something went wrong on our side with that line. "
                "The console carries on with the next one."
            )
            self.flush_messages()  # what the line did send before it failed
            return current_user
        finally:
            self.busy = False
            self.idle.set()

    async def _handle_line(self, line: str, current_user: str | None) -> str | None:
        self.line_no += 1
        assert self.core is not None
        try:
            parsed = parse_input(line, current_user)
        except ConsoleInputError as exc:
            self.emit_console_error(str(exc))
            self.out.flush()
            return current_user
        if isinstance(parsed, Blank):
            return current_user
        if isinstance(parsed, Directive):
            return await self._directive(parsed, current_user)
        if isinstance(parsed, PostLine):
            await self._post(parsed)
            return current_user
        assert isinstance(parsed, CommandLine)
        actor = Actor(PLATFORM, WORKSPACE, parsed.user, parsed.user)
        reply = await self.core.bus.handle_line(actor, parsed.text)
        self.emit_reply(parsed.user, reply)
        self.flush_messages()
        return current_user

    def _new_post_id(self) -> str:
        """Like a Slack message's ts: the time it was posted, unique within the channel."""
        self.last_post = max(self.last_post + 1, epoch(self.clock.now()))
        return str(self.last_post)

    async def _post(self, line: PostLine) -> None:
        """A post in a console channel: a help channel's new posts, edits and removals go to
        the core; a reply in a thread is only shown (it needs no bot)."""
        assert self.core is not None
        if line.place not in self.help_channels:
            shown = ", ".join(f"#{c}" for c in self.help_channels) or "none"
            self.emit_console_error(
                f"#{line.place} isn't a help channel here (help channels: {shown}; "
                "`console.help_channels` in the config)."
            )
            self.out.flush()
            return
        actor = Actor(PLATFORM, WORKSPACE, line.user, line.user)
        post = line.post or self._new_post_id()
        if line.op in ("new", "reply"):
            self.seq += 1
            self._emit(
                Output(
                    seq=self.seq,
                    in_line=self.line_no,
                    kind="post",
                    id=self._new_id(),
                    replaces=None,
                    to=f"#{line.place}/{post}",
                    text=f"{line.user}: {line.text}",
                )
            )
        if line.op == "reply":
            self.out.flush()
            return
        place = line.place

        def build() -> events.Event:
            if line.op == "new":
                return events.NewPost(place, post, line.text)
            if line.op == "edit":
                return events.PostEdited(place, post, line.text)
            if line.op == "delete":
                return events.PostRemoved(place, post)
            # Not a fallback to removal: a line the parser misread must not cancel a request.
            raise ValueError(f"a post line's {line.op!r} makes no event")

        reply = await self.core.bus.handle_built(actor, build)
        self.emit_reply(line.user, reply)
        self.flush_messages()

    async def _directive(self, directive: Directive, current_user: str | None) -> str | None:
        name, arg = directive.name, directive.arg
        if name == "as":
            if not is_user_name(arg):
                self.emit_console_error(
                    "Say who, as one user name (letters, digits, . _ - @; at most 40): "
                    "`:as mentor2`."
                )
                self.out.flush()
                return current_user
            if not self.json_mode:
                self.out.write(f"(now typing as {arg})\n")
            return arg
        if name == "advance":
            if not isinstance(self.clock, ManualClock):
                self.emit_console_error("`:advance` needs the manual clock: `--clock manual`.")
                self.out.flush()
                return current_user
            delta = advance_by(arg)
            if delta is None:
                self.emit_console_error(ADVANCE_RANGE)
                self.out.flush()
                return current_user
            assert self.core is not None
            await self.core.sweep.advance(self.clock, delta)
            if not self.json_mode:
                self.out.write(f"(clock: {self.clock.now().isoformat()})\n")
            self.flush_messages()
            return current_user
        if name == "now":
            if not self.json_mode:
                self.out.write(f"(clock: {self.clock.now().isoformat()})\n")
            return current_user
        if name in ("quit", "exit", "q"):
            raise EOFError
        self.emit_console_error(f"Unknown directive `:{name[:20]}`. Directives: {DIRECTIVES_HELP}")
        self.out.flush()
        return current_user


def advance_by(text: str) -> timedelta | None:
    """The duration of `:advance`, or None when it is not one from 1s to 365d."""
    try:
        delta = parse_duration(text)
    except (InvalidInput, OverflowError, ValueError):
        return None
    if not timedelta(0) < delta <= ADVANCE_MAX:
        return None
    return delta


async def run_console(
    config: Config,
    *,
    json_mode: bool,
    clock: Clock,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    interactive: bool | None = None,
) -> int:
    """Run until end of input (or `:quit`); returns the exit status."""
    inp = stdin or sys.stdin
    out = stdout or sys.stdout
    tty = inp.isatty() if interactive is None else interactive
    front = ConsoleFrontEnd(out, json_mode=json_mode, clock=clock)
    front.help_channels = tuple(config.console.help_channels)
    front.core = await start_core(config, front, clock=clock)
    waker: SweepScheduler | None = None
    if isinstance(clock, ManualClock):
        await front.core.sweep.run_due()  # catch up on anything overdue since the last run
    else:
        waker = SweepScheduler(front.core.sweep)
        await waker.start()
    front.flush_messages()
    loop = asyncio.get_running_loop()
    health = await start_health(front.core, lambda: {"console": True})
    core = front.core

    async def shut_down() -> None:
        # SIGTERM: take no new line, let the one in flight finish, close the store, exit.
        # (The reader thread may sit in a blocking read of stdin, so exit the process here.)
        await front.idle.wait()
        if waker is not None:
            waker.stop()
        if health is not None:
            await health.stop()
        await core.close()
        out.flush()
        os._exit(0)

    for sig in (signal.SIGTERM,):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, lambda: loop.create_task(shut_down()))
    user: str | None = "member1" if tty else None
    try:
        if tty and not json_mode:
            out.write(
                "micromentor console. Type `/mentor help`; "
                f"you are member1. Directives: {DIRECTIVES_HELP}\n"
            )
            out.flush()
        while True:
            if tty:
                try:
                    line = await loop.run_in_executor(None, input, f"{user}> ")
                except EOFError:
                    break
            else:
                line = await loop.run_in_executor(None, inp.readline)
                if not line:
                    break
            try:
                user = await front.handle_line(line, user)
            except EOFError:
                break
    finally:
        if waker is not None:
            waker.stop()
        if health is not None:
            await health.stop()
        await front.core.close()
    return 0
