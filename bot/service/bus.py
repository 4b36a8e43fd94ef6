"""The message bus: text or command in, one transaction, a reply out, messages delivered."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot import help_text
from bot.clock import epoch
from bot.domain import commands as c
from bot.domain.errors import MicromentorError
from bot.domain.messages import Actor, Outcome, Reply
from bot.grammar import parse, parse_line
from bot.service import (
    audit,
    blocks,
    disputes,
    linking,
    moderation,
    offers,
    privacy,
    profile,
    ratings,
    report,
    requests,
    sessions,
    settings,
    standing,
)
from bot.service.context import Ctx, Deps, resolve_person
from bot.service.notifier import Notifier
from bot.storage.database import Database

log = logging.getLogger(__name__)

SORRY = (
    "Sorry, something went wrong on our side and nothing was changed. Please try again in a moment."
)

# Returned for a delivery seen before; front ends send nothing for it.
DUPLICATE = Reply("This was already done.", duplicate=True)
DELIVERY = """
INSERT INTO deliveries (platform, workspace, delivery_id, created_at)
VALUES (:platform, :workspace, :delivery_id, :now)
ON CONFLICT DO NOTHING
RETURNING delivery_id
"""

Handler = Callable[[Ctx, Any], Awaitable[Outcome]]

HANDLERS: dict[type[Any], Handler] = {
    c.ShowSkills: profile.show_skills,
    c.AddSkills: profile.add_skills,
    c.RemoveSkills: profile.remove_skills,
    c.SetAvailable: profile.set_available,
    c.SetAway: profile.set_away,
    c.ShowProfile: profile.show_profile,
    c.SetTimezone: profile.set_timezone,
    c.SetHours: profile.set_hours,
    c.SetCapacity: profile.set_capacity,
    c.AskForHelp: requests.ask,
    c.EditRequest: requests.edit,
    c.CancelRequest: requests.cancel,
    c.ShowQueue: requests.show_queue,
    c.ListOpen: requests.list_open,
    c.AcceptOffer: offers.accept,
    c.DeclineOffer: offers.decline,
    c.SetCallLink: sessions.set_call_link,
    c.ListSessions: sessions.list_sessions,
    c.CheckIn: sessions.check_in,
    c.Withdraw: sessions.withdraw,
    c.Reschedule: sessions.reschedule,
    c.Extend: sessions.extend,
    c.Done: sessions.done,
    c.Rate: ratings.rate,
    c.ModAssign: moderation.assign,
    c.ModClose: moderation.close,
    c.Block: blocks.block,
    c.Unblock: blocks.unblock,
    c.OpenDispute: disputes.open_dispute,
    c.Report: disputes.report,
    c.Appeal: disputes.appeal,
    c.ModQueue: disputes.queue,
    c.ModResolve: disputes.resolve,
    c.ModLog: audit.show_log,
    c.ModShow: disputes.show,
    c.ModStats: standing.stats,
    c.ShowMe: standing.show_me,
    c.Kudos: standing.kudos,
    c.Leaderboard: standing.leaderboard,
    c.SetLeaderboard: standing.set_leaderboard,
    c.ModSettings: settings.show,
    c.ModSet: settings.set_value,
    c.ModSkills: settings.skills,
    c.ModReport: report.show,
    c.Link: linking.link,
    c.Unlink: linking.unlink,
    c.Export: privacy.export,
    c.Forget: privacy.forget,
}


def error_reply(exc: MicromentorError) -> Reply:
    """A domain error as the polite reply the person sees."""
    return Reply(exc.user_text(), is_error=True)


class MessageBus:
    """Runs each command in one transaction, then hands its messages to the notifier."""

    def __init__(self, deps: Deps, db: Database, notifier: Notifier) -> None:
        self.deps = deps
        self.db = db
        self.notifier = notifier
        # Told the earliest due_at each committed command scheduled (wakes the sweep).
        self.on_scheduled: Callable[[list[int]], None] | None = None

    async def handle_line(self, actor: Actor, line: str, delivery: str | None = None) -> Reply:
        """A whole `/mentor ...` line, as the console and Slack receive it."""
        return await self._parse_then_handle(actor, line, parse_line, delivery)

    async def handle_text(self, actor: Actor, text: str, delivery: str | None = None) -> Reply:
        """The text after `/mentor`."""
        return await self._parse_then_handle(actor, text, parse, delivery)

    async def _parse_then_handle(
        self,
        actor: Actor,
        text: str,
        parser: Callable[[str], c.Command],
        delivery: str | None,
    ) -> Reply:
        try:
            command = parser(text)
        except MicromentorError as exc:
            return error_reply(exc)
        except Exception:
            log.exception("parsing a command failed")
            return Reply(SORRY, is_error=True)
        return await self.handle(actor, command, delivery)

    async def handle(self, actor: Actor, command: c.Command, delivery: str | None = None) -> Reply:
        """Run one command; never raises for anything a person can cause.

        `delivery` is the platform's id of this input (Slack's event_id or trigger_id): it is
        recorded in the command's own transaction, so a retried delivery does nothing twice.
        """
        if isinstance(command, c.Help):
            text = help_text.for_command(command.topic) if command.topic else help_text.overview()
            return Reply(text)
        handler = HANDLERS[type(command)]
        try:
            async with self.db.transaction() as tx:
                now = self.deps.clock.now()
                if delivery is not None:
                    first = await tx.fetch_one(
                        DELIVERY,
                        {
                            "platform": actor.platform,
                            "workspace": actor.workspace,
                            "delivery_id": delivery[:200],
                            "now": epoch(now),
                        },
                    )
                    if first is None:
                        return DUPLICATE
                me = await resolve_person(tx, self.deps, actor, now)
                ctx = Ctx(self.deps, tx, now, me.community_id, actor=actor, me=me)
                outcome = await handler(ctx, command)
        except MicromentorError as exc:
            return error_reply(exc)
        except Exception:
            log.exception("command %s failed", type(command).__name__)
            return Reply(SORRY, is_error=True)
        if ctx.scheduled and self.on_scheduled is not None:
            self.on_scheduled(ctx.scheduled)
        if outcome.messages:
            try:
                await self.notifier.deliver(outcome.messages)
            except Exception:
                log.exception("delivering %d message(s) failed", len(outcome.messages))
        return outcome.reply
