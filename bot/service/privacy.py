"""Members' rights over their data: export, forget, and retention of old texts."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.domain import commands as c
from bot.domain.errors import Conflict
from bot.domain.messages import Action, Attachment, OutboundMessage, Outcome, Reply
from bot.service import due, waves
from bot.service.context import Ctx, Scope, address_of, identity_hash
from bot.service.views import sid
from bot.storage.sql import identities as identities_sql
from bot.storage.sql import offers as offer_sql
from bot.storage.sql import requests as request_sql

EXPORT_QUERIES = {
    "profile": "SELECT display_name, timezone, is_mentor, away, hours_spec, "
    "capacity_concurrent, capacity_weekly, call_link, leaderboard, created_at, suspended_until "
    "FROM persons WHERE id = :id",
    "accounts": "SELECT platform, workspace, user_id, display_name, last_seen_at "
    "FROM identities WHERE person_id = :id",
    "skills": "SELECT skill FROM mentor_skills WHERE person_id = :id",
    "requests": "SELECT id, question, goal, tried, minutes, start_at, state, created_at, "
    "matched_at FROM help_requests WHERE requester_id = :id ORDER BY id",
    "sessions": "SELECT s.id, sp.role, s.start_at, s.minutes, s.state, s.outcome, "
    "sp.checked_in_at, sp.no_show FROM session_participants sp "
    "JOIN sessions s ON s.id = sp.session_id WHERE sp.person_id = :id ORDER BY s.id",
    "ratings_given": "SELECT session_id, score, aspects, comment, created_at FROM ratings "
    "WHERE rater_id = :id ORDER BY session_id",
    # Received ratings as they were revealed: never one that is still hidden.
    "ratings_received": "SELECT r.session_id, r.score, r.aspects, r.comment, r.counted "
    "FROM ratings r JOIN sessions s ON s.id = r.session_id "
    "WHERE r.ratee_id = :id AND s.ratings_revealed_at IS NOT NULL ORDER BY r.session_id",
    "kudos_received": "SELECT session_id, message, created_at FROM kudos WHERE to_id = :id",
    "disputes_opened": "SELECT id, kind, session_id, statement, state, decision, decision_note "
    "FROM disputes WHERE opened_by = :id",
    "sanctions": "SELECT kind, days, ends_at, revoked_at, created_at FROM sanctions "
    "WHERE person_id = :id",
}

FORGET = [
    # Nothing may be left waiting for a person who is gone: open requests and offers end.
    "UPDATE offers SET state = 'withdrawn', answered_at = :now WHERE state = 'pending' "
    "AND request_id IN (SELECT id FROM help_requests WHERE requester_id = :id "
    "AND state = 'open')",
    "UPDATE offers SET state = 'withdrawn', answered_at = :now WHERE state = 'pending' "
    "AND mentor_id = :id",
    "UPDATE help_requests SET state = 'cancelled', closed_at = :now "
    "WHERE requester_id = :id AND state = 'open'",
    "UPDATE sessions SET state = 'cancelled', outcome = 'forgotten', ended_at = :now "
    "WHERE state IN ('scheduled', 'active') AND id IN "
    "(SELECT session_id FROM session_participants WHERE person_id = :id)",
    "UPDATE sessions SET place = NULL WHERE id IN "
    "(SELECT session_id FROM session_participants WHERE person_id = :id AND role = 'mentor')",
    "UPDATE help_requests SET question = '[removed]', goal = NULL, tried = NULL, "
    "anonymised_at = :now WHERE requester_id = :id",
    "UPDATE ratings SET comment = NULL WHERE rater_id = :id OR ratee_id = :id",
    "UPDATE disputes SET statement = '[removed]' WHERE opened_by = :id",
    "UPDATE disputes SET other_statement = '[removed]' WHERE against_id = :id "
    "AND other_statement IS NOT NULL",
    "UPDATE disputes SET appeal_text = '[removed]' WHERE appeal_by = :id",
    "UPDATE kudos SET message = NULL WHERE from_id = :id OR to_id = :id",
    "DELETE FROM mentor_skills WHERE person_id = :id",
    "DELETE FROM availability_windows WHERE person_id = :id",
    "DELETE FROM session_proposals WHERE proposed_by = :id",
    "DELETE FROM link_codes WHERE person_id = :id",
    # Blocks you made go; other people's blocks of you are theirs and stay (a forgotten
    # account that comes back is still one person with this record: identity_history).
    "DELETE FROM blocks WHERE blocker_id = :id",
    identities_sql.CLOSE_ALL_OF,
    "UPDATE persons SET display_name = :anon, is_mentor = 0, away = 1, available_until = NULL, "
    "hours_spec = '{}', call_link = NULL, leaderboard = 0, forgotten_at = :now WHERE id = :id",
]

FORGOTTEN = """
INSERT INTO forgotten_identities (identity_hash, suspended_until, created_at)
VALUES (:hash, :until, :now)
ON CONFLICT (identity_hash) DO UPDATE SET suspended_until = excluded.suspended_until
"""

RETENTION = [
    "UPDATE help_requests SET question = '[removed after the retention period]', goal = NULL, "
    "tried = NULL, anonymised_at = :now WHERE created_at < :before AND anonymised_at IS NULL "
    "AND state NOT IN ('open', 'matched')",
    "UPDATE ratings SET comment = NULL WHERE created_at < :before AND comment IS NOT NULL",
    "DELETE FROM forgotten_identities WHERE suspended_until < :now",
    "UPDATE disputes SET statement = '[removed after the retention period]', "
    "other_statement = NULL, appeal_text = NULL WHERE created_at < :before "
    "AND state IN ('resolved', 'final')",
    "UPDATE kudos SET message = NULL WHERE created_at < :before AND message IS NOT NULL",
]


def _plain(rows: list[Any]) -> list[dict[str, Any]]:
    return [dict(row) for row in rows]


async def _account_history(ctx: Ctx) -> list[dict[str, Any]]:
    """Which record each account was on, and when, for every record counted as this person;
    an account is named only if it is linked to this record now (the rest are one-way keys)."""
    mine = {
        identities_sql.identity_key(r["platform"], r["workspace"], r["user_id"]): (
            f"{r['platform']}:{r['workspace']}:{r['user_id']}"
        )
        for r in await ctx.tx.fetch(identities_sql.IDENTITIES_OF, {"id": ctx.me.id})
    }
    rows = await ctx.tx.fetch(identities_sql.HISTORY_OF_RELATED, {"id": ctx.me.id})
    return [
        {
            "record": int(r["person_id"]),
            "platform": r["platform"],
            "account": mine.get(r["identity_key"]),
            "from": r["started_at"],
            "until": r["ended_at"],
        }
        for r in rows
    ]


async def export(ctx: Ctx, cmd: c.Export) -> Outcome:
    data: dict[str, Any] = {"exported_at": ctx.now.isoformat(), "community": ctx.community}
    for name, sql in EXPORT_QUERIES.items():
        data[name] = _plain(await ctx.tx.fetch(sql, {"id": ctx.me.id}))
    data["profile"] = data["profile"][0] if data["profile"] else {}
    data["account_history"] = await _account_history(ctx)
    content = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    return Outcome(
        Reply(
            "Here is everything micromentor keeps about you (ratings you received as they were "
            "shown to you).",
            files=(Attachment("micromentor-export.json", "application/json", content),),
        )
    )


async def forget(ctx: Ctx, cmd: c.Forget) -> Outcome:
    if not cmd.confirm:
        return Outcome(
            Reply(
                "This erases your name, your questions, comments and statements, your skills "
                "and profile, and signs you out of micromentor. Counts stay (so other people's "
                "records remain right), and a sanction record stays, without your name. It "
                "can't be undone.",
                actions=(
                    Action("forget:confirm", "Forget me", "/mentor forget confirm", "danger"),
                ),
            )
        )
    if await ctx.tx.fetch_val("SELECT forgotten_at FROM persons WHERE id = :id", {"id": ctx.me.id}):
        raise Conflict("You were already forgotten.")
    anon = f"former member {ctx.me.id}"
    names = {ctx.me.display_name}
    identities = await ctx.tx.fetch(
        "SELECT platform, workspace, user_id, display_name FROM identities WHERE person_id = :id",
        {"id": ctx.me.id},
    )
    names |= {str(r["display_name"]) for r in identities}
    until = await ctx.tx.fetch_val(
        "SELECT suspended_until FROM persons WHERE id = :id", {"id": ctx.me.id}
    )
    for row in identities:
        if until is not None and int(until) > ctx.ts:
            # The sanction must outlive the name: a one-way key remembers it.
            await ctx.tx.execute(
                FORGOTTEN,
                {
                    "hash": identity_hash(row["platform"], row["workspace"], row["user_id"]),
                    "until": until,
                    "now": ctx.ts,
                },
            )
    live = await ctx.tx.fetch(LIVE_SESSIONS, {"id": ctx.me.id})
    for statement in FORGET:
        await ctx.tx.execute(statement, {"id": ctx.me.id, "now": ctx.ts, "anon": anon})
    # After FORGET, so that routing no longer sees this person as a mentor.
    messages = await _requests_of_cancelled_sessions(ctx, live)
    for row in identities:
        # The platform ids the front ends kept (DM channels, posted messages) go too.
        for statement in (
            "DELETE FROM platform_channels WHERE platform = :platform AND workspace = :workspace"
            " AND (address = :user OR address = :unreachable)",
            "DELETE FROM message_refs WHERE platform = :platform AND workspace = :workspace"
            " AND recipient = :user",
        ):
            await ctx.tx.execute(
                statement,
                {
                    "platform": row["platform"],
                    "workspace": row["workspace"],
                    "user": f"user:{row['user_id']}",
                    "unreachable": f"unreachable:{row['user_id']}",
                },
            )
    for name in names:
        if len(name) < 3:
            continue  # too short to replace safely inside other entries' text
        await ctx.tx.execute(
            "UPDATE audit_log SET detail = REPLACE(detail, :name, :anon) "
            "WHERE community_id = :community_id",
            {"name": name, "anon": anon, "community_id": ctx.community},
        )
    await ctx.tx.execute("DELETE FROM identities WHERE person_id = :id", {"id": ctx.me.id})
    return Outcome(
        Reply("Done: you are forgotten. Thank you for being part of the community."), messages
    )


LIVE_SESSIONS = """
SELECT s.id, s.request_id, p.role FROM sessions s
JOIN session_participants p ON p.session_id = s.id AND p.person_id = :id
WHERE s.state IN ('scheduled', 'active')
"""
MENTORS_OF = "SELECT person_id FROM session_participants WHERE session_id = :id AND role = 'mentor'"


async def _requests_of_cancelled_sessions(ctx: Ctx, live: list[Any]) -> list[OutboundMessage]:
    """FORGET cancels the person's sessions still to happen; their requests follow in the
    same transaction, or they would stay matched to a session that is gone. The member's own
    request is cancelled (as when they cancel it) and its mentors are told; a request they
    mentored goes back to other mentors (as when a mentor withdraws) and its member is told.
    Neither message names the person: they asked to be forgotten."""
    messages: list[OutboundMessage] = []
    for row in live:
        session_id, request_id = int(row["id"]), int(row["request_id"])
        s = sid(session_id)
        if row["role"] == "mentee":
            await ctx.tx.execute(request_sql.CANCEL_MATCHED, {"id": request_id, "now": ctx.ts})
            await ctx.tx.execute(
                offer_sql.SETTLE,
                {"request_id": request_id, "winner": None, "state": "withdrawn", "now": ctx.ts},
            )
            for mentor in await ctx.tx.fetch(MENTORS_OF, {"id": session_id}):
                address = await address_of(ctx.tx, int(mentor["person_id"]))
                if address is not None:
                    text = f"{s} is off: its member left micromentor. You're free again."
                    messages.append(OutboundMessage(to=address, text=text))
            continue
        mentee = await ctx.tx.fetch_val(
            "SELECT requester_id FROM help_requests WHERE id = :id", {"id": request_id}
        )
        address = await address_of(ctx.tx, int(mentee))
        if address is not None:
            messages.append(
                OutboundMessage(
                    to=address,
                    text=f"Your mentor for {s} left micromentor, so {s} is off. "
                    "I'm finding you another mentor now.",
                    key=f"request:{request_id}",
                )
            )
        messages += await waves.reopen(ctx, request_id)
    return messages


async def ensure_retention_job(scope: Scope) -> None:
    """The daily retention job is a durable due action; make sure one is pending."""
    pending = await scope.tx.fetch_val(
        "SELECT COUNT(*) FROM due_actions WHERE kind = :kind AND done_at IS NULL "
        "AND community_id = :community_id",
        {"kind": due.Kind.RETENTION, "community_id": scope.community},
    )
    if not pending:
        await due.schedule(scope, due.Kind.RETENTION, 0, scope.after(timedelta(minutes=5)))


async def retention(scope: Scope, ref_id: int, version: int) -> list[OutboundMessage]:
    """Due, daily: anonymise texts and comments older than privacy.retention."""
    before = scope.ago(scope.config.privacy.retention)
    for statement in RETENTION:
        await scope.tx.execute(statement, {"before": before, "now": scope.ts})
    await due.schedule(scope, due.Kind.RETENTION, 0, scope.after(timedelta(days=1)))
    return []
