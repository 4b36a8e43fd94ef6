"""Disputes and reports, settled by a neutral moderator; sanctions; one appeal per decision."""

from __future__ import annotations

from datetime import timedelta

from bot import metrics
from bot.clock import from_epoch
from bot.domain import commands as c
from bot.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.domain.ids import format_id, parse_id
from bot.domain.messages import ChannelAddress, Field, OutboundMessage, Outcome, Reply
from bot.domain.reputation import suspension_days
from bot.domain.states import (
    AppealDecision,
    Decision,
    DisputeKind,
    DisputeState,
    SanctionKind,
    SessionStep,
)
from bot.domain.timeparse import format_local
from bot.service import audit, due, reputation
from bot.service.context import Ctx, Scope
from bot.service.identities import related_persons, same_person
from bot.service.people import blocked_between, person_by_mention, require_moderator
from bot.service.ratings import everyone_rated, reveal
from bot.service.sessions import load_session, my_session
from bot.service.views import sid
from bot.storage.database import Row
from bot.storage.sql import disputes as sql
from bot.storage.sql import in_list

DECISIONS = tuple(Decision)
PARTY = "you were a party to it"
APPEAL_DECISIONS = tuple(AppealDecision)


def did(number: int) -> str:
    return format_id("dispute", number)


async def _tell(
    scope: Scope, person_id: int, text: str, key: str | None = None
) -> list[OutboundMessage]:
    address = await scope.address(person_id)
    return [] if address is None else [OutboundMessage(to=address, text=text, key=key)]


# What is said in a dispute goes to no channel: a moderator who is a party reads the
# #moderators channel too. `mod show` gives it to the others.
_READ_IT = "`/mentor mod show {d}` to read it (not if you are a party)."


def _moderators(scope: Scope, text: str) -> OutboundMessage:
    return OutboundMessage(to=ChannelAddress(scope.community, "moderators"), text=text)


async def open_dispute(ctx: Ctx, cmd: c.OpenDispute) -> Outcome:
    session = await my_session(ctx, cmd.session, "dispute", SessionStep.DISPUTE)
    s = sid(session.id)
    statement = cmd.statement
    assert session.ended_at is not None, "every state a dispute is allowed in has ended"
    existing = await ctx.tx.fetch_one(sql.FOR_SESSION, {"session_id": session.id})
    if existing is not None:
        d = did(int(existing["id"]))
        if existing["state"] == DisputeState.OPEN and int(existing["against_id"]) == ctx.me.id:
            added = await ctx.tx.fetch_one(
                sql.ADD_OTHER_STATEMENT, {"id": existing["id"], "statement": statement}
            )
            if added is None:
                raise Conflict(f"Your side of {d} is already recorded.")
            return Outcome(
                Reply(f"Your side of {d} is recorded. A moderator will decide."),
                [
                    _moderators(
                        ctx, f"{d}: {ctx.me.display_name} gave their side. {_READ_IT.format(d=d)}"
                    )
                ],
            )
        if existing["state"] == DisputeState.OPEN:
            raise Conflict(f"There is already an open dispute about {s}: {d}.")
        if existing["state"] == DisputeState.APPEALED:
            raise Conflict(f"{d} about {s} is under appeal; another moderator will decide.")
        raise Conflict(
            f"{s} was already disputed ({d}) and decided.",
            hint=f"A party may appeal once: `/mentor appeal {d} -- ...`.",
        )
    window = ctx.config.accountability.dispute_window
    if ctx.ts > int(session.ended_at) + int(window.total_seconds()):
        raise Conflict(f"Disputes about {s} had to be opened within {window.days} days.")
    against = next(p for p in session.participants if p.person_id != ctx.me.id)
    if ctx.me.id != session.mentee_id:
        against = session.mentee
    dispute_id = int(
        await ctx.tx.fetch_val(
            sql.INSERT,
            {
                "community_id": ctx.community,
                "kind": DisputeKind.SESSION,
                "session_id": session.id,
                "opened_by": ctx.me.id,
                "against_id": against.person_id,
                "statement": statement,
                "now": ctx.ts,
            },
        )
    )
    metrics.DISPUTES.inc()
    # Frozen: hidden if not yet shown, and not counted either way, until a moderator decides.
    await ctx.tx.execute(sql.SET_DISPUTED, {"id": session.id, "disputed": 1})
    await reputation.recount(ctx, session.id)
    d = did(dispute_id)
    messages = await _tell(
        ctx,
        against.person_id,
        f"{ctx.me.display_name} opened a dispute ({d}) about {s}. A neutral moderator will "
        f"decide. Give your side: `/mentor dispute {s} -- <what happened>`.",
    )
    messages.append(
        _moderators(
            ctx,
            f"New dispute {d} about {s}: {ctx.me.display_name} vs {against.display_name}. "
            + _READ_IT.format(d=d),
        )
    )
    return Outcome(
        Reply(
            f"Dispute {d} is open. The ratings of {s} are frozen (hidden and not counted) until "
            "a moderator decides; you'll both hear the outcome."
        ),
        messages,
    )


async def report(ctx: Ctx, cmd: c.Report) -> Outcome:
    other = await person_by_mention(ctx, cmd.who)
    if await same_person(ctx, other.id, ctx.me.id):
        raise InvalidInput("You can't report yourself.")
    statement = cmd.statement
    dispute_id = int(
        await ctx.tx.fetch_val(
            sql.INSERT,
            {
                "community_id": ctx.community,
                "kind": DisputeKind.REPORT,
                "session_id": None,
                "opened_by": ctx.me.id,
                "against_id": other.id,
                "statement": statement,
                "now": ctx.ts,
            },
        )
    )
    d = did(dispute_id)
    metrics.DISPUTES.inc()
    return Outcome(
        Reply(f"Thank you. Your report ({d}) is with the moderators; only they can read it."),
        [
            # Nobody named: the one reported may be in this channel (a moderator).
            _moderators(ctx, f"New report {d}. " + _READ_IT.format(d=d))
        ],
    )


async def _load(ctx: Ctx, raw: str) -> Row:
    number = parse_id("dispute", raw)
    row = await ctx.tx.fetch_one(sql.GET, {"id": number, "community_id": ctx.community})
    if row is None:
        raise NotFound(f"There is no dispute {did(number)}.", hint="`/mentor mod queue`")
    return row


async def _neutral_problem(ctx: Ctx, row: Row) -> str | None:
    """Why this moderator can't decide this dispute, if they can't."""
    parties = {int(row["opened_by"]), int(row["against_id"])}
    if row["session_id"] is not None:
        session = await load_session(ctx, int(row["session_id"]))
        if session is not None:
            parties |= {p.person_id for p in session.participants}
    # Under any record this moderator's identities ever had, not only today's (a link and an
    # unlink would otherwise give a party a fresh, neutral-looking record).
    mine = await related_persons(ctx, ctx.me.id)
    if mine & parties:
        return PARTY
    for party in parties:
        if await blocked_between(ctx, ctx.me.id, party):
            return "you and one of the parties have blocked each other"
    under_appeal = row["state"] == DisputeState.APPEALED and row["moderator_id"] is not None
    if under_appeal and int(row["moderator_id"]) in mine:
        return "you made the decision under appeal; another moderator decides the appeal"
    return None


async def queue(ctx: Ctx, cmd: c.ModQueue) -> Outcome:
    require_moderator(ctx)
    rows = await ctx.tx.fetch(sql.QUEUE, {"community_id": ctx.community})
    if not rows:
        return Outcome(Reply("The moderators' queue is empty."))
    lines = []
    for row in rows:
        full = await _load(ctx, str(row["id"]))
        problem = await _neutral_problem(ctx, full)
        about = f"session {sid(int(row['session_id']))}" if row["session_id"] else "a report"
        what = "APPEAL of " if row["state"] == DisputeState.APPEALED else ""
        since = format_local(from_epoch(int(row["created_at"])), ctx.zone)
        line = (
            f"{did(int(row['id']))}: {what}{about}, {row['opener_name']} about "
            f"{row['against_name']}, since {since}"
        )
        line += f" (not yours: {problem})" if problem else ""
        lines.append(line)
    return Outcome(
        Reply(
            "Open disputes and appeals, oldest first:\n"
            + "\n".join(lines)
            + "\nRead both sides with `/mentor mod show <d>`; decide with "
            f"`/mentor mod resolve <d> {'|'.join(Decision)} [--days N] -- "
            f"<note>`; appeals with `{'|'.join(AppealDecision)}`."
        )
    )


async def show(ctx: Ctx, cmd: c.ModShow) -> Outcome:
    require_moderator(ctx)
    row = await _load(ctx, cmd.dispute)
    d = did(int(row["id"]))
    problem = await _neutral_problem(ctx, row)
    if problem == PARTY:
        # A report about a moderator, or a dispute of a session they were in: what the other
        # side wrote is for the neutral moderators only.
        raise NotAllowed(
            f"You are a party to {d}, so you can't read it; another moderator decides it."
        )
    fields = [
        Field("State", str(row["state"])),
        Field(f"{row['opener_name']} (opened it)", str(row["statement"])),
        Field(f"{row['against_name']}", str(row["other_statement"] or "no statement yet")),
    ]
    if row["session_id"] is not None:
        session = await load_session(ctx, int(row["session_id"]))
        if session is not None:
            checkins = ", ".join(
                f"{p.display_name} {'checked in' if p.checked_in_at else 'did not check in'}"
                for p in session.participants
            )
            fields.append(
                Field(
                    f"Session {sid(session.id)}",
                    f"{session.state} ({session.outcome or 'no outcome'}), {checkins}",
                )
            )
    if row["decision"]:
        fields.append(Field("Decision", f"{row['decision']}: {row['decision_note']}"))
    if row["appeal_text"]:
        fields.append(Field("Appeal", str(row["appeal_text"])))
    if row["appeal_decision"]:
        fields.append(Field("Appeal decision", f"{row['appeal_decision']}: {row['appeal_note']}"))
    head = f"Dispute {d}" + (f" (you can't decide it: {problem})" if problem else "")
    return Outcome(Reply(head, tuple(fields)))


async def _record_line(scope: Scope, person_id: int) -> str:
    rows = await scope.tx.fetch(sql.PRIOR_SANCTIONS, {"person_id": person_id})
    counts = {r["kind"]: int(r["n"]) for r in rows}
    return (
        f"{counts.get(SanctionKind.WARNING, 0)} warning(s) and "
        f"{counts.get(SanctionKind.SUSPENSION, 0)} "
        "suspension(s) on record"
    )


async def _suspend(scope: Scope, person_id: int, dispute_id: int, days: int) -> int:
    until = scope.after(timedelta(days=days))
    await scope.tx.execute(
        sql.ADD_SANCTION,
        {
            "community_id": scope.community,
            "person_id": person_id,
            "kind": SanctionKind.SUSPENSION,
            "dispute_id": dispute_id,
            "days": days,
            "ends_at": until,
            "now": scope.ts,
        },
    )
    for record in await _apply_suspension(scope, person_id):
        await due.schedule(scope, due.Kind.SUSPENSION_END, record, until)
    return until


async def _apply_suspension(scope: Scope, person_id: int) -> frozenset[int]:
    """Put the longest suspension in force on every record of this person, so an account
    unlinked before (or after) the decision is suspended as well; returns those records."""
    records = await related_persons(scope, person_id)
    fragment, params = in_list("p", sorted(records))
    longest = await scope.tx.fetch_val(
        sql.LONGEST_SUSPENSION_OF_ANY.replace("{ids}", fragment), {**params, "now": scope.ts}
    )
    for record in records:
        await scope.tx.execute(sql.SET_SUSPENDED, {"id": record, "until": longest})
    return records


async def _after_unfreeze(scope: Scope, session_id: int) -> list[OutboundMessage]:
    """Ratings come back: reveal now if everyone rated or the window has closed."""
    await scope.tx.execute(sql.SET_DISPUTED, {"id": session_id, "disputed": 0})
    session = await load_session(scope, session_id)
    if (
        session is not None
        and session.ratings_close_at is not None
        and session.ratings_revealed_at is None
        and (await everyone_rated(scope, session) or scope.ts >= session.ratings_close_at)
    ):
        return await reveal(scope, session)  # which counts them again
    await reputation.recount(scope, session_id)
    return []


async def resolve(ctx: Ctx, cmd: c.ModResolve) -> Outcome:
    require_moderator(ctx)
    row = await _load(ctx, cmd.dispute)
    d = did(int(row["id"]))
    problem = await _neutral_problem(ctx, row)
    if problem:
        raise NotAllowed(f"You can't decide {d}: {problem}.", hint="Leave it to another moderator.")
    note = cmd.note
    if row["state"] == DisputeState.APPEALED:
        return await _decide_appeal(ctx, row, cmd, note)
    if row["state"] != DisputeState.OPEN:
        raise Conflict(f"{d} is already {row['state']}.")
    if cmd.decision not in DECISIONS:
        raise InvalidInput(
            f"`{cmd.decision}` decides an appeal, and {d} is not under appeal.",
            hint=f"Use one of {', '.join(DECISIONS)}.",
            field="decision",
        )
    against, dispute_id = int(row["against_id"]), int(row["id"])
    session_id = int(row["session_id"]) if row["session_id"] is not None else None
    record = await _record_line(ctx, against)
    detail = cmd.decision
    if cmd.decision == Decision.VOID:
        if session_id is None:
            raise InvalidInput("A report has no ratings to void.", hint="dismiss, warn or suspend")
        if cmd.rating_by:
            rater = await person_by_mention(ctx, cmd.rating_by)
            await reputation.hold_session(ctx, session_id)
            voided = await ctx.tx.fetch(
                sql.VOID_RATING_BY, {"session_id": session_id, "rater_id": rater.id}
            )
            if not voided:
                raise InvalidInput(
                    f"{rater.display_name} gave no rating in {sid(session_id)}, so there is "
                    "none of theirs to void.",
                    hint="Name the one who rated with `--rating-by`, or leave it out to void "
                    "both ratings.",
                )
            await reputation.recount(ctx, session_id)
            detail = f"void the rating given by {rater.display_name}"
        else:
            await reputation.hold_session(ctx, session_id)
            for statement in sql.VOID_RATINGS:
                await ctx.tx.execute(statement, {"session_id": session_id})
            await reputation.recount(ctx, session_id)
            detail = "void both ratings"
    elif cmd.decision == Decision.WARN:
        await ctx.tx.execute(
            sql.ADD_SANCTION,
            {
                "community_id": ctx.community,
                "person_id": against,
                "kind": SanctionKind.WARNING,
                "dispute_id": dispute_id,
                "days": None,
                "ends_at": None,
                "now": ctx.ts,
            },
        )
        detail = f"warn {row['against_name']} (before: {record})"
    elif cmd.decision == Decision.SUSPEND:
        prior = await ctx.tx.fetch(sql.PRIOR_SANCTIONS, {"person_id": against})
        suspensions = next((int(r["n"]) for r in prior if r["kind"] == SanctionKind.SUSPENSION), 0)
        days = (
            cmd.days
            if cmd.days is not None
            else suspension_days(suspensions, ctx.config.accountability.suspension_days)
        )
        until = await _suspend(ctx, against, dispute_id, days)
        detail = (
            f"suspend {row['against_name']} for {days} day(s), until "
            f"{format_local(from_epoch(until), ctx.zone)} (before: {record})"
        )
    decided = await ctx.tx.fetch_one(
        sql.DECIDE,
        {
            "id": dispute_id,
            "moderator_id": ctx.me.id,
            "decision": cmd.decision,
            "note": note,
            "now": ctx.ts,
        },
    )
    if decided is None:
        raise Conflict(f"{d} was just decided by someone else.")
    messages = [await audit.record(ctx, ctx.me.id, "resolve", d, f"{detail}. Note: {note}")]
    if session_id is not None:
        messages += await _after_unfreeze(ctx, session_id)
    outcome = (
        f"A moderator decided dispute {d}: {detail}.\nNote: {note}\n"
        f"Either of you may appeal once within "
        f"{ctx.config.accountability.appeal_window.days} days: `/mentor appeal {d} -- ...`."
    )
    for party in (int(row["opened_by"]), against):
        messages += await _tell(ctx, party, outcome, key=f"dispute:{dispute_id}:{party}")
    return Outcome(Reply(f"Decided {d}: {detail}."), messages)


async def _decide_appeal(ctx: Ctx, row: Row, cmd: c.ModResolve, note: str) -> Outcome:
    d = did(int(row["id"]))
    if cmd.decision not in APPEAL_DECISIONS:
        raise InvalidInput(
            f"{d} is an appeal: decide it with uphold or overturn.",
            hint=f"`/mentor mod resolve {d} uphold -- <note>`",
        )
    dispute_id = int(row["id"])
    decided = await ctx.tx.fetch_one(
        sql.DECIDE_APPEAL,
        {
            "id": dispute_id,
            "moderator_id": ctx.me.id,
            "decision": cmd.decision,
            "note": note,
            "now": ctx.ts,
        },
    )
    if decided is None:
        raise Conflict(f"The appeal of {d} can't be decided by you, or was just decided.")
    messages: list[OutboundMessage] = []
    if cmd.decision == AppealDecision.OVERTURN:
        revoked = await ctx.tx.fetch(
            sql.REVOKE_FOR_DISPUTE, {"dispute_id": dispute_id, "now": ctx.ts}
        )
        suspended = {int(r["person_id"]) for r in revoked if r["kind"] == SanctionKind.SUSPENSION}
        for person in suspended:
            await _apply_suspension(ctx, person)
        if row["decision"] == Decision.VOID and row["session_id"] is not None:
            await reputation.hold_session(ctx, int(row["session_id"]))
            for statement in sql.RESTORE_RATINGS:
                await ctx.tx.execute(statement, {"session_id": row["session_id"]})
            await reputation.recount(ctx, int(row["session_id"]))
    messages.append(await audit.record(ctx, ctx.me.id, f"appeal {cmd.decision}", d, note))
    # True by now: DECIDE_APPEAL refuses every record related to the first decider's.
    upheld = cmd.decision == AppealDecision.UPHOLD
    text = (
        f"The appeal of {d} was decided by another moderator: the decision is "
        f"{'upheld' if upheld else 'overturned'}. This is final.\nNote: {note}"
    )
    for party in (int(row["opened_by"]), int(row["against_id"])):
        messages += await _tell(ctx, party, text, key=f"dispute:{dispute_id}:{party}")
    return Outcome(Reply(f"Appeal of {d}: {cmd.decision}."), messages)


async def appeal(ctx: Ctx, cmd: c.Appeal) -> Outcome:
    row = await _load(ctx, cmd.dispute)
    d = did(int(row["id"]))
    # A party's other records count as the party: the decision is about the person.
    if not await related_persons(ctx, ctx.me.id) & {int(row["opened_by"]), int(row["against_id"])}:
        raise NotAllowed(f"Only the parties of {d} can appeal it.")
    text = cmd.text
    if row["state"] == DisputeState.OPEN:
        raise Conflict(f"{d} hasn't been decided yet.")
    if row["state"] in (DisputeState.APPEALED, DisputeState.FINAL) or row["appeal_by"] is not None:
        raise Conflict(f"{d} was already appealed; there is one appeal per decision.")
    window = ctx.config.accountability.appeal_window
    if ctx.ts > int(row["decided_at"]) + int(window.total_seconds()):
        raise Conflict(f"Appeals had to come within {window.days} days of the decision.")
    done = await ctx.tx.fetch_one(
        sql.APPEAL, {"id": row["id"], "by": ctx.me.id, "text": text, "now": ctx.ts}
    )
    if done is None:
        raise Conflict(f"{d} was already appealed; there is one appeal per decision.")
    # A report's parties may not know of each other (one may be a moderator): nobody named.
    by = "" if row["kind"] == DisputeKind.REPORT else f" by {ctx.me.display_name}"
    return Outcome(
        Reply(f"Your appeal of {d} is in. A different moderator will decide; that is final."),
        [_moderators(ctx, f"Appeal of {d}{by}. " + _READ_IT.format(d=d))],
    )


async def suspension_end(scope: Scope, person_id: int, version: int) -> list[OutboundMessage]:
    """Due: a suspension is over (unless a longer one is still running)."""
    lifted = await scope.tx.fetch_one(sql.LIFT_IF_OVER, {"id": person_id, "now": scope.ts})
    if lifted is None:
        return []
    return await _tell(
        scope,
        person_id,
        "Your suspension has ended: you can ask, take offers and accept again. Welcome back.",
    )
