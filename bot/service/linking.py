"""One person, one record on several platforms: link codes, merging, unlinking."""

from __future__ import annotations

import secrets
from datetime import timedelta

from bot.domain import commands as c
from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.messages import Outcome, Reply
from bot.service import audit
from bot.service.context import Ctx
from bot.service.routing import refresh_rotation
from bot.service.views import sid
from bot.storage.sql import identities as sql

CODE_LIFE = timedelta(minutes=10)
# No 0/O or 1/I: codes are read on one screen and typed on another.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


async def link(ctx: Ctx, cmd: c.Link) -> Outcome:
    if cmd.code is None:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        await ctx.tx.execute(
            sql.NEW_CODE,
            {
                "code": code,
                "person_id": ctx.me.id,
                "community_id": ctx.community,
                "expires_at": ctx.after(CODE_LIFE),
            },
        )
        return Outcome(
            Reply(
                f"Your link code is {code}. Within 10 minutes, on your other account (Slack or "
                f"Discord), type `/mentor link {code}`. It works once."
            )
        )
    code = cmd.code
    owner = await ctx.tx.fetch_val(
        sql.USE_CODE, {"code": code, "now": ctx.ts, "community_id": ctx.community}
    )
    if owner is None:
        raise NotFound(
            "That link code is wrong, used or expired.",
            hint="Get a new one with `/mentor link` on your other account.",
        )
    target = int(owner)
    if target == ctx.me.id:
        raise InvalidInput("That code is for this same account; use it on your other one.")
    shared = await ctx.tx.fetch_val(sql.SHARED_SESSION, {"old": ctx.me.id, "new": target})
    if shared is not None:
        raise Conflict(
            f"These two accounts were both in session {sid(int(shared))} (one on each side, "
            "or both as its mentors), so they can't become one record.",
            hint="Keep using them apart, or ask a moderator if this is a mistake.",
        )
    for statement in sql.MERGE:
        await ctx.tx.execute(statement, {"old": ctx.me.id, "new": target})
    ctx.addresses.clear()  # this account is the other person's now
    await refresh_rotation(ctx.tx, target, ctx.ts)
    post = await audit.record(
        ctx, target, "link", f"person {target}", f"{ctx.actor.platform} account linked"
    )
    return Outcome(
        Reply(
            "Linked: your accounts are now one record (skills, history, reputation and any "
            "sanction). Offers go to wherever you were active last."
        ),
        [post],
    )


async def unlink(ctx: Ctx, cmd: c.Unlink) -> Outcome:
    rows = await ctx.tx.fetch(sql.IDENTITIES_OF, {"id": ctx.me.id})
    if len(rows) < 2:
        raise Conflict("This account isn't linked to another one.")
    new_id = await ctx.tx.fetch_val(sql.UNLINK_NEW, {"id": ctx.me.id, "now": ctx.ts})
    await ctx.tx.execute(
        sql.MOVE_IDENTITY,
        {
            "new": new_id,
            "platform": ctx.actor.platform,
            "workspace": ctx.actor.workspace,
            "user_id": ctx.actor.user_id,
        },
    )
    # The history keeps the record the identity leaves, so both records stay one person for
    # neutrality and blocks (bot.service.identities).
    key = sql.identity_key(ctx.actor.platform, ctx.actor.workspace, ctx.actor.user_id)
    await ctx.tx.execute(sql.CLOSE, {"identity_key": key, "now": ctx.ts})
    await ctx.tx.execute(
        sql.OPEN,
        {
            "community_id": ctx.community,
            "identity_key": key,
            "platform": ctx.actor.platform,
            "person_id": new_id,
            "now": ctx.ts,
        },
    )
    await ctx.tx.execute(
        sql.RENAME, {"name": (ctx.actor.display_name or ctx.actor.user_id)[:80], "id": new_id}
    )
    post = await audit.record(
        ctx,
        ctx.me.id,
        "unlink",
        f"person {ctx.me.id}",
        f"{ctx.actor.platform} account unlinked into a fresh record, person {new_id}",
    )
    return Outcome(
        Reply(
            "Unlinked: this account starts a fresh record; the history stays with your other "
            "account. A running suspension applies to both."
        ),
        [post],
    )
