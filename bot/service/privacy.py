"""Members' rights over their data: export, forget, and retention of old texts."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.domain import commands as c
from bot.domain.errors import Conflict
from bot.domain.messages import Action, Attachment, OutboundMessage, Outcome, Reply
from bot.domain.states import OfferState, PostStatus, Role
from bot.service import due, waves
from bot.service.context import Ctx, Scope
from bot.service.post_thread import thread_note
from bot.service.views import rid, sid
from bot.storage.sql import identities as identities_sql
from bot.storage.sql import offers as offer_sql
from bot.storage.sql import privacy as sql
from bot.storage.sql import requests as request_sql


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
    for name, query in sql.EXPORT_QUERIES.items():
        data[name] = _plain(await ctx.tx.fetch(query, {"id": ctx.me.id}))
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
    if await ctx.tx.fetch_val(sql.FORGOTTEN_AT, {"id": ctx.me.id}):
        raise Conflict("You were already forgotten.")
    anon = f"former member {ctx.me.id}"
    names = {ctx.me.display_name}
    identities = await ctx.tx.fetch(
        sql.IDENTITIES,
        {"id": ctx.me.id},
    )
    names |= {str(r["display_name"]) for r in identities}
    # No sanction is copied aside: the accounts' history outlives this record's names, and an
    # account that comes back takes on the suspensions in force then (context.resolve_person).
    live = await ctx.tx.fetch(sql.LIVE_SESSIONS, {"id": ctx.me.id})
    open_requests = [
        int(row["id"]) for row in await ctx.tx.fetch(request_sql.OPEN_BY, {"person_id": ctx.me.id})
    ]
    # Help posts of requests that close now say so in their threads (naming no one).
    closing = [(request_id, PostStatus.OPEN) for request_id in open_requests] + [
        (int(row["request_id"]), PostStatus.TAKEN) for row in live if row["role"] == Role.MENTEE
    ]
    messages: list[OutboundMessage] = []
    for request_id in open_requests:
        messages += await _open_request_closes(ctx, request_id)
    for request_id, was in closing:
        messages += await thread_note(
            ctx,
            request_id,
            "Its author left micromentor, so this request is closed.",
            PostStatus.CLOSED,
            was,
        )
    for statement in sql.FORGET:
        await ctx.tx.execute(statement, {"id": ctx.me.id, "now": ctx.ts, "anon": anon})
    # After sql.FORGET, so that routing no longer sees this person as a mentor.
    messages += await _requests_of_cancelled_sessions(ctx, live)
    for row in identities:
        # The platform ids the front ends kept (DM channels, posted messages) go too.
        for statement in sql.FORGET_PLATFORM_IDS:
            await ctx.tx.execute(
                statement,
                {
                    "platform": row["platform"],
                    "workspace": row["workspace"],
                    "user": f"user:{row['user_id']}",
                    "unreachable": f"unreachable:{row['user_id']}",
                },
            )
    await _anonymise_audit(ctx, names, anon)
    await ctx.tx.execute(sql.DELETE_IDENTITIES, {"id": ctx.me.id})
    ctx.addresses.pop(ctx.me.id, None)
    return Outcome(
        Reply("Done: you are forgotten. Thank you for being part of the community."), messages
    )


async def _anonymise_audit(ctx: Ctx, names: set[str], anon: str) -> None:
    """Replace the person's names in the community's audit log, wherever they appear (a
    moderator's note about someone else may name them too), but only as whole names: another
    member's name may contain theirs ("ana" in "anabel")."""
    # Longest first, so "Ana Lee" goes whole rather than leaving " Lee" after "Ana".
    # A name of one or two characters ("a", "s") is too likely a word in other entries.
    ordered = sorted((n for n in names if len(n) >= 3), key=len, reverse=True)
    if not ordered:
        return
    whole = re.compile(rf"(?<!\w)(?:{'|'.join(re.escape(n) for n in ordered)})(?!\w)")
    seen: set[int] = set()
    for name in ordered:
        pattern = "%" + re.sub(r"([!%_])", r"!\1", name) + "%"
        rows = await ctx.tx.fetch(
            sql.AUDIT_MENTIONING, {"community_id": ctx.community, "pattern": pattern}
        )
        for row in rows:
            if int(row["id"]) in seen:
                continue
            seen.add(int(row["id"]))
            detail = whole.sub(anon, str(row["detail"]))
            if detail != row["detail"]:
                await ctx.tx.execute(sql.SET_AUDIT_DETAIL, {"id": row["id"], "detail": detail})


async def _open_request_closes(ctx: Ctx, request_id: int) -> list[OutboundMessage]:
    """An open request of the person ends with them (sql.FORGET cancels it): the mentors who
    hold an offer, those who offered to take it (`--choose`) and its #mentors posts hear it,
    without the person's name."""
    found = await waves.get_request(ctx, request_id)
    if found is None:
        return []
    # Without the texts the person asked to be erased (the updates show the request's facts).
    req = replace(found, goal=None, tried=None, about=None)
    r = rid(req.id)
    messages = await waves.pending_offer_updates(
        ctx, req, f"{r} was cancelled: its member left micromentor. No action needed."
    )
    messages += await waves.release_volunteers(
        ctx, req, f"{r} was cancelled: its member left micromentor. Thanks for offering!"
    )
    return messages + await waves.channel_updates(ctx, req, f"{r} was cancelled.")


async def _requests_of_cancelled_sessions(ctx: Ctx, live: list[Any]) -> list[OutboundMessage]:
    """sql.FORGET cancels the person's sessions still to happen; their requests follow in the
    same transaction, or they would stay matched to a session that is gone. The member's own
    request is cancelled (as when they cancel it) and its mentors are told; a request they
    mentored goes back to other mentors (as when a mentor withdraws) and its member is told.
    Neither message names the person: they asked to be forgotten."""
    messages: list[OutboundMessage] = []
    for row in live:
        session_id, request_id = int(row["id"]), int(row["request_id"])
        s = sid(session_id)
        if row["role"] == Role.MENTEE:
            await ctx.tx.execute(request_sql.CANCEL_MATCHED, {"id": request_id, "now": ctx.ts})
            await ctx.tx.execute(
                offer_sql.SETTLE,
                {
                    "request_id": request_id,
                    "winner": None,
                    "state": OfferState.WITHDRAWN,
                    "now": ctx.ts,
                },
            )
            for mentor in await ctx.tx.fetch(sql.MENTORS_OF, {"id": session_id}):
                address = await ctx.address(int(mentor["person_id"]))
                if address is not None:
                    text = f"{s} is off: its member left micromentor. You're free again."
                    messages.append(OutboundMessage(to=address, text=text))
            continue
        mentee = await ctx.tx.fetch_val(sql.REQUESTER_OF, {"id": request_id})
        address = await ctx.address(int(mentee))
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
        sql.PENDING_RETENTION,
        {"kind": due.Kind.RETENTION, "community_id": scope.community},
    )
    if not pending:
        await due.schedule(scope, due.Kind.RETENTION, 0, scope.after(timedelta(minutes=5)))


async def retention(scope: Scope, ref_id: int, version: int) -> list[OutboundMessage]:
    """Due, daily: anonymise texts and comments older than privacy.retention."""
    before = scope.ago(scope.config.privacy.retention)
    for statement in sql.RETENTION:
        await scope.tx.execute(statement, {"before": before, "now": scope.ts})
    await due.schedule(scope, due.Kind.RETENTION, 0, scope.after(timedelta(days=1)))
    return []
