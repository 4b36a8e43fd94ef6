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

CODE_LIFE = timedelta(minutes=10)
# No 0/O or 1/I: codes are read on one screen and typed on another.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10

NEW_CODE = """
INSERT INTO link_codes (code, person_id, community_id, expires_at) VALUES
(:code, :person_id, :community_id, :expires_at)
"""
USE_CODE = """
UPDATE link_codes SET used_at = :now
WHERE code = :code AND used_at IS NULL AND expires_at > :now AND community_id = :community_id
RETURNING person_id
"""
IDENTITIES = "SELECT platform, workspace, user_id FROM identities WHERE person_id = :id"

# Everything that points at a person, moved from `old` to `new`. Rows that would collide with
# one the new record already has (the same skill, the same session) are dropped first.
MERGE = [
    "DELETE FROM mentor_skills WHERE person_id = :old AND skill IN "
    "(SELECT skill FROM mentor_skills WHERE person_id = :new)",
    "UPDATE mentor_skills SET person_id = :new WHERE person_id = :old",
    "DELETE FROM availability_windows WHERE person_id = :old",
    "UPDATE identities SET person_id = :new WHERE person_id = :old",
    "UPDATE help_requests SET requester_id = :new WHERE requester_id = :old",
    "DELETE FROM offers WHERE mentor_id = :old AND request_id IN "
    "(SELECT request_id FROM offers WHERE mentor_id = :new)",
    "UPDATE offers SET mentor_id = :new WHERE mentor_id = :old",
    "UPDATE sessions SET mentee_id = :new WHERE mentee_id = :old",
    "DELETE FROM session_participants WHERE person_id = :old AND session_id IN "
    "(SELECT session_id FROM session_participants WHERE person_id = :new)",
    "UPDATE session_participants SET person_id = :new WHERE person_id = :old",
    "UPDATE session_proposals SET proposed_by = :new WHERE proposed_by = :old",
    "DELETE FROM ratings WHERE rater_id = :old AND ratee_id = :new",
    "DELETE FROM ratings WHERE rater_id = :new AND ratee_id = :old",
    "UPDATE ratings SET rater_id = :new WHERE rater_id = :old",
    "UPDATE ratings SET ratee_id = :new WHERE ratee_id = :old",
    "DELETE FROM blocks WHERE (blocker_id = :old AND blocked_id = :new) "
    "OR (blocker_id = :new AND blocked_id = :old)",
    "DELETE FROM blocks WHERE blocker_id = :old AND blocked_id IN "
    "(SELECT blocked_id FROM blocks WHERE blocker_id = :new)",
    "DELETE FROM blocks WHERE blocked_id = :old AND blocker_id IN "
    "(SELECT blocker_id FROM blocks WHERE blocked_id = :new)",
    "UPDATE blocks SET blocker_id = :new WHERE blocker_id = :old",
    "UPDATE blocks SET blocked_id = :new WHERE blocked_id = :old",
    "UPDATE disputes SET opened_by = :new WHERE opened_by = :old",
    "UPDATE disputes SET against_id = :new WHERE against_id = :old",
    "UPDATE disputes SET moderator_id = :new WHERE moderator_id = :old",
    "UPDATE disputes SET appeal_by = :new WHERE appeal_by = :old",
    "UPDATE disputes SET appeal_moderator_id = :new WHERE appeal_moderator_id = :old",
    "UPDATE sanctions SET person_id = :new WHERE person_id = :old",
    "UPDATE audit_log SET actor_id = :new WHERE actor_id = :old",
    "DELETE FROM kudos WHERE from_id = :old AND session_id IN "
    "(SELECT session_id FROM kudos WHERE from_id = :new)",
    "UPDATE kudos SET from_id = :new WHERE from_id = :old",
    "UPDATE kudos SET to_id = :new WHERE to_id = :old",
    "UPDATE link_codes SET person_id = :new WHERE person_id = :old",
    # A suspension follows the record: the later end wins. So does the last offer (the
    # routing rotation is refreshed after the merge).
    "UPDATE persons SET suspended_until = (SELECT MAX(suspended_until) FROM persons "
    "WHERE id IN (:old, :new)), is_mentor = (SELECT MAX(is_mentor) FROM persons "
    "WHERE id IN (:old, :new)), last_offered_at = (SELECT MAX(last_offered_at) FROM persons "
    "WHERE id IN (:old, :new)) WHERE id = :new",
    "DELETE FROM persons WHERE id = :old",
]

UNLINK_NEW = """
INSERT INTO persons (community_id, display_name, timezone, capacity_concurrent,
                     capacity_weekly, created_at, last_active_at, suspended_until)
SELECT community_id, display_name, timezone, capacity_concurrent, capacity_weekly, :now, :now,
       suspended_until
FROM persons WHERE id = :id
RETURNING id
"""
MOVE_IDENTITY = """
UPDATE identities SET person_id = :new
WHERE platform = :platform AND workspace = :workspace AND user_id = :user_id
"""


async def link(ctx: Ctx, cmd: c.Link) -> Outcome:
    if cmd.code is None:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        await ctx.tx.execute(
            NEW_CODE,
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
        USE_CODE, {"code": code, "now": ctx.ts, "community_id": ctx.community}
    )
    if owner is None:
        raise NotFound(
            "That link code is wrong, used or expired.",
            hint="Get a new one with `/mentor link` on your other account.",
        )
    target = int(owner)
    if target == ctx.me.id:
        raise InvalidInput("That code is for this same account; use it on your other one.")
    for statement in MERGE:
        await ctx.tx.execute(statement, {"old": ctx.me.id, "new": target})
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
    rows = await ctx.tx.fetch(IDENTITIES, {"id": ctx.me.id})
    if len(rows) < 2:
        raise Conflict("This account isn't linked to another one.")
    new_id = await ctx.tx.fetch_val(UNLINK_NEW, {"id": ctx.me.id, "now": ctx.ts})
    await ctx.tx.execute(
        MOVE_IDENTITY,
        {
            "new": new_id,
            "platform": ctx.actor.platform,
            "workspace": ctx.actor.workspace,
            "user_id": ctx.actor.user_id,
        },
    )
    await ctx.tx.execute(
        "UPDATE persons SET display_name = :name WHERE id = :id",
        {"name": (ctx.actor.display_name or ctx.actor.user_id)[:80], "id": new_id},
    )
    post = await audit.record(
        ctx, ctx.me.id, "unlink", f"person {ctx.me.id}", f"{ctx.actor.platform} account unlinked"
    )
    return Outcome(
        Reply(
            "Unlinked: this account starts a fresh record; the history stays with your other "
            "account. A running suspension applies to both."
        ),
        [post],
    )
