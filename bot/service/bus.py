"""The message bus: text or command in, one transaction, a reply out, messages delivered."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime

from bot import help_text, metrics
from bot.clock import epoch
from bot.domain import commands as c
from bot.domain.errors import LimitReached, MicromentorError
from bot.domain.events import Event
from bot.domain.messages import Actor, Reply
from bot.domain.queries import Query
from bot.grammar import parse, parse_line
from bot.service import forms
from bot.service.context import Ctx, Deps, NeedsWrite, resolve_person
from bot.service.delivery import Dispatcher
from bot.service.registry import HANDLERS, READS, Handler
from bot.storage.database import Database
from bot.storage.sql import platform as platform_sql

log = logging.getLogger(__name__)

SORRY = (
    "Sorry, something went wrong on our side and nothing was changed. Please try again in a moment."
)


class SlowDown(LimitReached):
    """Too many commands in a minute."""


# Returned for a delivery seen before; front ends send nothing for it.
DUPLICATE = Reply("This was already done.", duplicate=True)


def error_reply(exc: MicromentorError) -> Reply:
    """A domain error as the polite reply the person sees."""
    return Reply(exc.user_text(), is_error=True, field=exc.field)


class MessageBus:
    """Runs each command in one transaction, then hands its messages to the notifier."""

    def __init__(self, deps: Deps, db: Database, dispatcher: Dispatcher) -> None:
        self.deps = deps
        self.db = db
        self.dispatcher = dispatcher
        self._recent: dict[int, deque[float]] = {}
        # Told the earliest due_at each committed command scheduled (wakes the sweep).
        self.on_scheduled: Callable[[list[int]], None] | None = None

    def _throttle(self, person_id: int, now: datetime) -> None:
        """Per person (so across platforms), in this process: a friendly "slow down"."""
        limit = self.deps.config.limits.commands_per_minute
        if limit <= 0:
            return
        ts = now.timestamp()
        recent = self._recent.setdefault(person_id, deque())
        while recent and recent[0] <= ts - 60:
            recent.popleft()
        if len(recent) >= limit:
            wait = int(recent[0] + 60 - ts) + 1
            raise SlowDown(
                f"Slow down a little: at most {limit} commands a minute.",
                hint=f"Try again in {wait} seconds.",
            )
        recent.append(ts)
        if len(self._recent) > 10_000:  # forget people who went quiet
            cutoff = ts - 60
            self._recent = {p: q for p, q in self._recent.items() if q and q[-1] > cutoff}

    async def handle_line(self, actor: Actor, line: str, delivery: str | None = None) -> Reply:
        """A whole `/mentor ...` line, as the console and Slack receive it."""
        return await self._parse_then_handle(actor, line, parse_line, delivery)

    async def handle_text(self, actor: Actor, text: str, delivery: str | None = None) -> Reply:
        """The text after `/mentor`."""
        return await self._parse_then_handle(actor, text, parse, delivery)

    async def handle_built(
        self, actor: Actor, build: Callable[[], c.Command | Event], delivery: str | None = None
    ) -> Reply:
        """A command (or event) a front end builds from structured input (typed options,
        form fields, a post): a value it refuses is answered like any other refusal."""
        return await self._parse_then_handle(actor, "", lambda _: build(), delivery)

    async def _parse_then_handle(
        self,
        actor: Actor,
        text: str,
        parser: Callable[[str], c.Command | Event],
        delivery: str | None,
    ) -> Reply:
        try:
            command = parser(text)
        except MicromentorError as exc:
            return await self._once(actor, delivery, error_reply(exc))
        except Exception:
            log.exception("reading a command failed")
            return await self._once(actor, delivery, Reply(SORRY, is_error=True))
        return await self.handle(actor, command, delivery)

    async def first_delivery(self, actor: Actor, delivery: str) -> bool:
        """Record a delivery that runs no command here (a front end opens a form for it);
        False when it was seen before, so a repeat opens no second form."""
        return not (await self._once(actor, delivery, Reply(""))).duplicate

    async def _once(self, actor: Actor, delivery: str | None, reply: Reply) -> Reply:
        """`reply`, unless this delivery was answered before: for what ends without the
        command's transaction committing (help, refused, unparseable, failed), which so
        couldn't record the delivery; a retry of it then gets no second answer either."""
        if delivery is None:
            return reply
        try:
            async with self.db.transaction() as tx:
                first = await tx.fetch_one(
                    platform_sql.DELIVERY,
                    {
                        "platform": actor.platform,
                        "workspace": actor.workspace,
                        "delivery_id": delivery[:200],
                        "now": epoch(self.deps.clock.now()),
                    },
                )
        except Exception:
            # Better a second answer than none.
            log.exception("recording a delivery failed")
            return reply
        return reply if first is not None else DUPLICATE

    async def handle(
        self, actor: Actor, command: c.Command | Query | Event, delivery: str | None = None
    ) -> Reply:
        """Run one command; never raises for anything a person can cause.

        `delivery` is the platform's id of this input (Slack's event_id or trigger_id): it is
        recorded in the command's own transaction, so a retried delivery does nothing twice;
        when that transaction doesn't commit, it is recorded after, so it isn't answered twice.
        """
        if isinstance(command, c.Help):
            text = help_text.for_command(command.topic) if command.topic else help_text.overview()
            return await self._once(actor, delivery, Reply(text))
        name = type(command).__name__
        if isinstance(command, Query) and delivery is None:
            known = self._from_memory(actor, command)
            if known is not None:
                metrics.COMMANDS.labels(name, "ok").inc()
                return known
        handler = HANDLERS.get(type(command))
        if handler is None:
            # A command a front end can build but nobody wired to a handler: a bug of ours,
            # which the person shouldn't pay for with a crash.
            log.error("command %s has no handler", name)
            metrics.COMMANDS.labels(name, "failed").inc()
            return await self._once(
                actor,
                delivery,
                Reply(
                    "I can't do that one yet. Type `/mentor help` to see what I can do.",
                    is_error=True,
                ),
            )
        started = time.perf_counter()
        # A read with no delivery to record takes no write lock; it is run again as a write
        # when it finds something to write after all (a newcomer, a changed name).
        read_only = delivery is None and type(command) in READS
        try:
            try:
                return await self._run(actor, command, handler, delivery, started, read_only)
            except NeedsWrite:
                return await self._run(actor, command, handler, delivery, started, False)
        except SlowDown as exc:
            metrics.RATE_LIMITED.inc()
            metrics.COMMANDS.labels(name, "rate_limited").inc()
            return await self._once(actor, delivery, error_reply(exc))
        except MicromentorError as exc:
            metrics.COMMANDS.labels(name, "refused").inc()
            log.info("command=%s outcome=refused error=%s", name, type(exc).__name__)
            return await self._once(actor, delivery, error_reply(exc))
        except Exception:
            metrics.COMMANDS.labels(name, "failed").inc()
            log.exception("command %s failed", name)
            return await self._once(actor, delivery, Reply(SORRY, is_error=True))

    def _from_memory(self, actor: Actor, query: Query) -> Reply | None:
        """A query answered from the community's settings and skills, with no transaction;
        None when it needs the store (or the workspace is not connected: the transaction
        path says so politely)."""
        community = self.deps.config.community_for(actor.platform, actor.workspace)
        if community is None:
            return None
        config = self.deps.community_configs.get(community, self.deps.config)
        try:
            return forms.answer_from_memory(config, self.deps.taxonomy(community), query)
        except MicromentorError as exc:
            return error_reply(exc)
        except Exception:
            # A bug of ours: the transaction path answers it as it answers any failure.
            log.exception("answering %s from memory failed", type(query).__name__)
            return None

    async def _run(
        self,
        actor: Actor,
        command: c.Command | Query | Event,
        handler: Handler,
        delivery: str | None,
        started: float,
        read_only: bool,
    ) -> Reply:
        """The command's transaction, then what follows its commit."""
        name = type(command).__name__
        async with self.db.transaction(read_only=read_only) as tx:
            now = self.deps.clock.now()
            if delivery is not None:
                first = await tx.fetch_one(
                    platform_sql.DELIVERY,
                    {
                        "platform": actor.platform,
                        "workspace": actor.workspace,
                        "delivery_id": delivery[:200],
                        "now": epoch(now),
                    },
                )
                if first is None:
                    return DUPLICATE
            me = await resolve_person(tx, self.deps, actor, now, read_only=read_only)
            if not isinstance(command, Query):
                # Autocompletes ask at every keystroke: a person's budget is for commands.
                self._throttle(me.id, now)
            ctx = Ctx(self.deps, tx, now, me.community_id, actor=actor, me=me)
            outcome = await handler(ctx, command)
            # Kept with the command: committed messages are sent even after a crash.
            batch = await self.dispatcher.stage(tx, outcome.messages) if outcome.messages else None
        for apply_change in ctx.after_commit:
            apply_change()
        elapsed = time.perf_counter() - started
        metrics.COMMANDS.labels(name, "ok").inc()
        metrics.COMMAND_SECONDS.labels(name).observe(elapsed)
        # One line per command: ids and timings, never texts or tokens.
        log.info("command=%s outcome=ok person=%d ms=%.1f", name, me.id, elapsed * 1000)
        if ctx.scheduled and self.on_scheduled is not None:
            self.on_scheduled(ctx.scheduled)
        if batch is not None:
            await self.dispatcher.send(batch)
        return outcome.reply
