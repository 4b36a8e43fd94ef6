"""How people stand: `/mentor me`, moderators' `/mentor stats`, kudos and the leaderboard."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import from_epoch
from bot.domain import commands as c
from bot.domain.errors import Conflict, NotAllowed
from bot.domain.messages import ChannelAddress, Field, OutboundMessage, Outcome, Reply
from bot.domain.model import Person
from bot.domain.reputation import Record, reputation_shown
from bot.domain.states import SessionStep
from bot.domain.timeparse import format_duration, format_local
from bot.service import reputation
from bot.service.context import Ctx, Scope
from bot.service.identities import related_persons
from bot.service.people import person_by_mention, require_moderator, suspended_until
from bot.service.profile import my_skills
from bot.service.sessions import my_session
from bot.service.views import clip, sid
from bot.storage.database import Row
from bot.storage.sql import disputes as dispute_sql
from bot.storage.sql import reputation as sql
from bot.storage.sql import sessions as session_sql

LEADERBOARD_WINDOW = timedelta(days=90)


def _record_text(scope: Scope, record: Record) -> str:
    share = reputation.reliability_of(scope, record)
    answer = (
        f", median answer {format_duration(timedelta(seconds=int(record.median_answer_seconds)))}"
        if record.median_answer_seconds is not None
        else ""
    )
    return (
        f"{share:.0%}: {record.offers_answered} offers answered, {record.offers_ignored} "
        f"ignored{answer}; {record.sessions_attended} sessions attended, {record.no_shows} "
        f"no-shows, {record.late_cancels} late cancels "
        f"(last {scope.config.accountability.reliability_window.days} days)"
    )


async def _reputation_field(scope: Scope, person: Person, *, everything: bool) -> Field:
    """Reputation per skill; to members only the skills with enough ratings to mean something."""
    conf = scope.config.accountability
    skills = await reputation.per_skill(scope, person.id)
    shown = [
        f"{skill} {rep.value:.2f} ({rep.count} ratings)"
        for skill, rep in skills.items()
        if everything or reputation_shown(rep.count, conf.reputation_min_ratings)
    ]
    hidden = [
        s for s, r in skills.items() if not reputation_shown(r.count, conf.reputation_min_ratings)
    ]
    text = ", ".join(shown) or "not shown yet"
    if hidden and not everything:
        text += f" (shown from {conf.reputation_min_ratings} ratings a skill)"
    return Field("Reputation", text)


async def _reliability_field(scope: Scope, person: Person) -> Field:
    record = await reputation.full_record(scope, person.id)
    return Field("Reliability", _record_text(scope, record))


async def _aspects_field(scope: Scope, person: Person) -> Field | None:
    """The average of each rated aspect, if anyone rated one."""
    aspects = await reputation.aspect_averages(scope, person.id)
    if not aspects:
        return None
    return Field(
        "Aspects", ", ".join(f"{a} {m:.1f} ({n})" for a, (m, n) in sorted(aspects.items()))
    )


async def _history_field(scope: Scope, person: Person) -> Field:
    history = await scope.tx.fetch_one(sql.HISTORY, {"person_id": person.id})
    assert history is not None
    return Field(
        "History",
        f"asked {history['asked']}, mentored {history['mentored']} sessions, was mentored in "
        f"{history['mentored_by_others']}, kudos {history['kudos']}",
    )


async def _sanctions_field(scope: Scope, person: Person) -> Field | None:
    """Warnings and suspensions, with those revoked on appeal marked so."""
    sanctions = await scope.tx.fetch(dispute_sql.SANCTIONS_OF, {"person_id": person.id})
    if not sanctions:
        return None
    return Field(
        "Record",
        "; ".join(
            f"{r['kind']} {from_epoch(int(r['created_at'])):%Y-%m-%d}"
            + (f" ({r['days']} days)" if r["days"] else "")
            + (" revoked on appeal" if r["revoked_at"] else "")
            for r in sanctions
        ),
    )


async def _request_limit_field(scope: Scope, person: Person) -> Field | None:
    """The weekly request limit, only while the record lowers it."""
    per_week, why = await reputation.member_weekly_limit(scope, person.id)
    if not why:
        return None
    return Field("Request limit", f"{per_week} a week for now, because {why}")


async def _ratings_field(
    scope: Scope, person: Person, *, everything: bool, blind_to: frozenset[int] = frozenset()
) -> Field | None:
    """The last ratings received; to members only those revealed and not disputed, and to a
    moderator not those still hidden of sessions they took part in as any of `blind_to`."""
    rows = await scope.tx.fetch(sql.RECEIVED, {"person_id": person.id})
    if everything:
        rows = [r for r in rows if not await _blind(scope, r, blind_to)]
    comments = [
        f"{sid(int(r['session_id']))}: {r['score']}/5"
        + (f" \u201c{clip(r['comment'], 200)}\u201d" if r["comment"] else "")
        + ("" if r["counted"] else " (voided)")
        for r in rows
        if everything or (r["ratings_revealed_at"] is not None and not r["disputed"])
    ][:10]
    if not comments:
        return None
    return Field("Ratings received" + (" (all)" if everything else ""), "\n".join(comments))


async def _blind(scope: Scope, rating: Row, blind_to: frozenset[int]) -> bool:
    """Whether a rating is still hidden and of a session one of `blind_to` took part in: a
    moderator who is a party waits for the reveal like everyone else, or they could read
    what they were given before rating back."""
    if rating["ratings_revealed_at"] is not None or not blind_to:
        return False
    people = await scope.tx.fetch(
        session_sql.PARTICIPANTS, {"session_id": int(rating["session_id"])}
    )
    return any(int(p["person_id"]) in blind_to for p in people)


async def _fields(
    scope: Scope, person: Person, *, everything: bool, blind_to: frozenset[int] = frozenset()
) -> list[Field]:
    """What a person's standing shows; `everything` adds what only moderators may see, save
    the hidden ratings of sessions `blind_to` (the moderator's records) took part in."""
    fields = [
        await _reputation_field(scope, person, everything=everything),
        await _reliability_field(scope, person),
        await _aspects_field(scope, person),
        await _history_field(scope, person),
        await _sanctions_field(scope, person),
        await _request_limit_field(scope, person),
        await _ratings_field(scope, person, everything=everything, blind_to=blind_to),
    ]
    return [f for f in fields if f is not None]


async def show_me(ctx: Ctx, cmd: c.ShowMe) -> Outcome:
    skills = await my_skills(ctx)
    head = f"{ctx.me.display_name}: {'mentor of ' + ', '.join(skills) if skills else 'member'}."
    until = await suspended_until(ctx, ctx.me.id)
    if until is not None:
        head += f" Suspended until {format_local(from_epoch(until), ctx.zone)}."
    return Outcome(Reply(head, tuple(await _fields(ctx, ctx.me, everything=False))))


async def stats(ctx: Ctx, cmd: c.ModStats) -> Outcome:
    require_moderator(ctx)
    person = await person_by_mention(ctx, cmd.who)
    mine = await related_persons(ctx, ctx.me.id)
    fields = await _fields(ctx, person, everything=True, blind_to=mine)
    disputes = await ctx.tx.fetch(dispute_sql.INVOLVING, {"person_id": person.id})
    if disputes:
        fields.append(
            Field(
                "Disputes",
                "; ".join(
                    f"d{r['id']} {r['kind']} {r['state']}"
                    + (f" {r['decision']}" if r["decision"] else "")
                    + (f", appeal {r['appeal_decision']}" if r["appeal_decision"] else "")
                    + (" (opened by them)" if int(r["opened_by"]) == person.id else "")
                    for r in disputes
                ),
            )
        )
    return Outcome(
        Reply(f"Everything about {person.display_name} (moderators only):", tuple(fields))
    )


async def kudos(ctx: Ctx, cmd: c.Kudos) -> Outcome:
    session = await my_session(ctx, cmd.session, "kudos", SessionStep.KUDOS)
    s = sid(session.id)
    if not session.took_place:
        raise Conflict(f"Kudos are for sessions that took place; not everyone checked in to {s}.")
    if ctx.me.id != session.mentee_id:
        raise NotAllowed("Kudos are the member's thanks to their mentor.")
    message = cmd.message
    thanked = []
    # A mentor of a second opinion who never came gets no public thanks for it.
    for mentor in session.others(ctx.me.id):
        added = await ctx.tx.fetch_one(
            sql.KUDOS,
            {
                "community_id": ctx.community,
                "session_id": session.id,
                "from_id": ctx.me.id,
                "to_id": mentor.person_id,
                "message": message,
                "now": ctx.ts,
            },
        )
        if added is not None:
            thanked.append(mentor.display_name)
    if not thanked:
        raise Conflict(f"You already thanked your mentor for {s}.")
    text = f"Kudos from {ctx.me.display_name} to {', '.join(thanked)} for a session"
    text += f": \u201c{message}\u201d" if message else "!"
    return Outcome(
        Reply(f"Thanks sent to {', '.join(thanked)}, publicly."),
        [OutboundMessage(to=ChannelAddress(ctx.community, "kudos"), text=text)],
    )


async def set_leaderboard(ctx: Ctx, cmd: c.SetLeaderboard) -> Outcome:
    await ctx.tx.execute(sql.SET_LEADERBOARD, {"id": ctx.me.id, "on": 1 if cmd.on else 0})
    if cmd.on:
        return Outcome(Reply("You're on the leaderboard (`/mentor leaderboard`). Thank you!"))
    return Outcome(Reply("You're off the leaderboard."))


async def leaderboard(ctx: Ctx, cmd: c.Leaderboard) -> Outcome:
    conf = ctx.config.accountability
    if not conf.leaderboard:
        raise NotAllowed("The leaderboard is switched off in this community.")
    skill = ctx.deps.taxonomy(ctx.community).resolve(cmd.skill) if cmd.skill else None
    rows = await ctx.tx.fetch(
        sql.LEADERBOARD,
        {"community_id": ctx.community, "skill": skill, "since": ctx.ago(LEADERBOARD_WINDOW)},
    )
    ids = [int(r["id"]) for r in rows]
    reps = await reputation.mentor_reputations(
        ctx, ids, [skill] if skill else ctx.deps.taxonomy(ctx.community).skills
    )
    ranked = sorted(
        rows,
        key=lambda r: (-int(r["sessions"]), -reps[int(r["id"])].value, r["display_name"]),
    )[:10]
    if not ranked:
        return Outcome(
            Reply(
                "Nobody is on the leaderboard yet. Mentors join with "
                "`/mentor profile leaderboard on`."
            )
        )
    lines = []
    for n, row in enumerate(ranked, start=1):
        rep = reps[int(row["id"])]
        stars = (
            f", reputation {rep.value:.2f}"
            if reputation_shown(rep.count, conf.reputation_min_ratings)
            else ""
        )
        lines.append(f"{n}. {row['display_name']}: {row['sessions']} sessions{stars}")
    title = f"Leaderboard{' for ' + skill if skill else ''} (last 90 days, mentors who opted in):"
    return Outcome(Reply(title + "\n" + "\n".join(lines)))
