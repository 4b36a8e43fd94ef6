"""The moderators' audit log: append-only, readable with `/mentor mod log`, and posted."""

from __future__ import annotations

from bot.clock import from_epoch
from bot.domain import commands as c
from bot.domain.messages import ChannelAddress, OutboundMessage, Outcome, Reply
from bot.service.context import Ctx, Scope
from bot.service.people import require_moderator
from bot.storage.sql import disputes as sql


async def record(
    scope: Scope, actor_id: int | None, action: str, subject: str, detail: str
) -> OutboundMessage:
    """Append an entry (there is no statement that changes or deletes one) and return its
    post for the moderators' channel."""
    await scope.tx.execute(
        sql.AUDIT,
        {
            "community_id": scope.community,
            "actor_id": actor_id,
            "action": action,
            "subject": subject,
            "detail": detail,
            "now": scope.ts,
        },
    )
    return OutboundMessage(
        to=ChannelAddress(scope.community, "moderators"),
        text=f"[audit] {action} {subject}: {detail}",
    )


async def show_log(ctx: Ctx, cmd: c.ModLog) -> Outcome:
    require_moderator(ctx)
    rows = await ctx.tx.fetch(sql.AUDIT_LATEST, {"community_id": ctx.community, "limit": cmd.limit})
    if not rows:
        return Outcome(Reply("The audit log is empty."))
    lines = [
        f"{from_epoch(int(r['created_at'])):%Y-%m-%d %H:%M} UTC {r['actor_name'] or 'the bot'}: "
        f"{r['action']} {r['subject']}: {r['detail']}"
        for r in rows
    ]
    return Outcome(Reply("Audit log, newest first:\n" + "\n".join(lines)))
