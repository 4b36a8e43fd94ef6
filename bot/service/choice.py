"""A choice of mentor (`ask --choose`): mentors who accept offer to take the request and are
held for it; the member picks one of them, who gets it as a first accept would (exactly
once), and the others are thanked and released; if the member doesn't pick in time, the
best-ranked one gets it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.clock import from_epoch
from bot.domain import commands as c
from bot.domain.errors import Conflict, LimitReached, NotAllowed, NotFound
from bot.domain.messages import Action, OutboundMessage, Outcome, Reply
from bot.domain.model import HelpRequest
from bot.domain.reputation import reputation_shown
from bot.domain.states import RequestState
from bot.domain.timeparse import format_local
from bot.service import due, reputation, waves
from bot.service.claim import check_capacity, claim_request, closed_error
from bot.service.context import Ctx, Scope
from bot.service.identities import same_person
from bot.service.people import blocked_between, suspended_until
from bot.service.requests import load_request
from bot.service.views import clip, rid, sid
from bot.storage.database import Row
from bot.storage.sql import in_list
from bot.storage.sql import offers as offer_sql
from bot.storage.sql import persons as person_sql
from bot.storage.sql import requests as sql


def choosing(req: HelpRequest) -> bool:
    """The member picks among the mentors who offer, and hasn't yet."""
    return req.choose_window is not None and req.state == RequestState.OPEN


async def volunteer(ctx: Ctx, req: HelpRequest, note: str | None) -> Outcome:
    """An accept while the member is choosing: the mentor offers to take the request and is
    held for it (it counts against their capacity) until the member picks."""
    r = rid(req.id)
    # The mentor's row, then the request's, in the order a claim takes them (no deadlock);
    # the request still open once locked, so no pick can have come in between.
    await check_capacity(ctx, ctx.me.id, ctx.me.display_name, req.id)
    number = await ctx.tx.fetch_val(sql.LOCK_OPEN, {"id": req.id})
    if number is None:
        fresh = await waves.get_request(ctx, req.id)
        raise closed_error(fresh or req)
    added = await ctx.tx.fetch_one(
        sql.VOLUNTEER,
        {
            "request_id": req.id,
            "mentor_id": ctx.me.id,
            "note": note,
            "now": ctx.ts,
            "number": int(number),
        },
    )
    if added is None:
        raise Conflict(
            f"You already offered to take {r}; {req.requester_name} is choosing.",
            hint="You'll hear as soon as they pick.",
        )
    rows = await ctx.tx.fetch(sql.VOLUNTEERS, {"request_id": req.id})
    assert req.choose_window is not None
    if len(rows) == 1:
        # one planned per request: a new round (the request reopened) replaces an old one
        await due.reschedule(ctx, due.Kind.CHOICE_DEADLINE, req.id, _deadline(req, rows))
    messages = await _list_for_member(ctx, req, rows)
    until = format_local(from_epoch(_deadline(req, rows)), ctx.zone)
    offer = await ctx.tx.fetch_one(
        offer_sql.ANY_FOR, {"request_id": req.id, "mentor_id": ctx.me.id}
    )
    me = await ctx.address(ctx.me.id)
    if offer is not None and me is not None:
        messages.append(
            OutboundMessage(
                to=me,
                text=f"You offered to take {r}; {req.requester_name} is choosing until {until}.",
                key=f"offer:{offer['id']}",
                update=True,
            )
        )
    text = (
        f"Thanks! {req.requester_name} is choosing among the mentors who offered to take {r}, "
        f"until {until}. You'll hear either way; until then it counts as one of your sessions."
    )
    return Outcome(Reply(text), messages)


async def withdrawn(ctx: Ctx, req: HelpRequest) -> list[OutboundMessage]:
    """A mentor took back their offer to take the request: the member's list loses them (the
    others keep their numbers), and the choice ends a window after the first who still
    offers."""
    if not choosing(req):
        return []
    rows = await ctx.tx.fetch(sql.VOLUNTEERS, {"request_id": req.id})
    if rows:
        await due.reschedule(ctx, due.Kind.CHOICE_DEADLINE, req.id, _deadline(req, rows))
        return await _list_for_member(ctx, req, rows)
    await due.cancel(ctx, due.Kind.CHOICE_DEADLINE, req.id)
    mentee = await ctx.address(req.requester_id)
    if mentee is None:
        return []
    text = (
        f"The mentor who offered to take {rid(req.id)} withdrew. It's still offered to others; "
        "you'll get a new list as soon as one offers."
    )
    return [OutboundMessage(to=mentee, text=text, key=f"choice:{req.id}", update=True)]


async def pick(ctx: Ctx, cmd: c.PickMentor) -> Outcome:
    """`/mentor pick [r12] <n>`: the member's choice gets the request; the others are
    released."""
    req = await _my_choosing_request(ctx, cmd.request)
    rows = await ctx.tx.fetch(sql.VOLUNTEERS, {"request_id": req.id})
    r = rid(req.id)
    chosen = next((row for row in rows if int(row["number"]) == cmd.choice), None)
    if chosen is None:
        numbers = [str(row["number"]) for row in rows]
        which = numbers[0] if len(numbers) == 1 else "one of " + ", ".join(numbers)
        if not rows:
            raise NotFound(
                f"Nobody has offered to take {r} yet.",
                hint="You'll get the list of mentors as soon as one offers.",
            )
        raise NotFound(
            f"There is no mentor {cmd.choice} for {r} (any more): " + f"pick {which}.",
            hint=f"Type `/mentor pick {r} {numbers[0]}` for the first in your list.",
        )
    mentor = int(chosen["mentor_id"])
    if await same_person(ctx, mentor, req.requester_id):
        # an account linked since they offered: the member and the mentor are one person
        raise NotAllowed(
            f"{chosen['display_name']} is you (your accounts are linked), so they can't take {r}.",
            hint="Pick another one from the list.",
        )
    if await suspended_until(ctx, mentor) is not None or await blocked_between(
        ctx, mentor, req.requester_id
    ):
        raise NotAllowed(
            f"{chosen['display_name']} can't take {rid(req.id)} any more.",
            hint="Pick another one from the list.",
        )
    return await _give(ctx, req, chosen, picked=True)


async def choice_deadline(scope: Scope, request_id: int, version: int) -> list[OutboundMessage]:
    """Due: the member didn't pick in time; the best-ranked mentor who offered gets it (the
    next if they can't take it any more)."""
    req = await waves.get_request(scope, request_id)
    if req is None or not choosing(req):
        return []
    rows = await scope.tx.fetch(sql.VOLUNTEERS, {"request_id": req.id})
    if not rows:
        return []  # nobody offered (any more): the waves go on
    deadline = _deadline(req, rows)
    if deadline > scope.ts:
        # The first to offer withdrew (or was forgotten), or this is a later round: the
        # choice ends a window after the first of those who offer now.
        await due.reschedule(scope, due.Kind.CHOICE_DEADLINE, req.id, deadline)
        return []
    for row in await _ranked(scope, req, rows):
        mentor = int(row["mentor_id"])
        if (
            await same_person(scope, mentor, req.requester_id)
            or await suspended_until(scope, mentor) is not None
            or await blocked_between(scope, mentor, req.requester_id)
        ):
            continue
        try:
            outcome = await _give(scope, req, row, picked=False)
        except LimitReached:
            continue  # this mentor has no room now: the next one
        except Conflict:
            return []  # the request was taken meanwhile (a pick): nothing left to do
        return list(outcome.messages)
    # None of them can take it any more: their offers end (withdrawn: they did answer), they
    # are released, and the waves go on.
    text = f"{rid(req.id)} went to nobody in the end. Thanks for offering!"
    ended = await scope.tx.fetch(offer_sql.WITHDRAW_HELD, {"request_id": req.id, "now": scope.ts})
    messages = []
    for row in ended:
        address = await scope.address(int(row["mentor_id"]))
        if address is not None:
            messages.append(
                OutboundMessage(to=address, text=text, key=f"offer:{row['id']}", update=True)
            )
    messages += await waves.release_volunteers(
        scope, req, text, told={int(row["mentor_id"]) for row in ended}
    )
    return messages + await waves.after_answer(scope, req.id)


def _deadline(req: HelpRequest, rows: list[Row]) -> int:
    """The choice is open for the window from the first offer to take the request."""
    assert req.choose_window is not None
    return int(rows[0]["created_at"]) + req.choose_window


async def _my_choosing_request(ctx: Ctx, raw_id: str | None) -> HelpRequest:
    if raw_id is not None:
        req = await load_request(ctx, raw_id)
    else:
        open_rows = await ctx.tx.fetch(sql.OPEN_BY, {"person_id": ctx.me.id})
        if len(open_rows) != 1:
            raise NotFound(
                "Say which request: `/mentor pick r12 1`.",
                hint="Your open requests: `/mentor queue`.",
            )
        req = await load_request(ctx, int(open_rows[0]["id"]))
    if not await same_person(ctx, ctx.me.id, req.requester_id):
        raise NotAllowed(f"Only the member who asked can pick a mentor for {rid(req.id)}.")
    if not choosing(req):
        raise Conflict(
            f"{rid(req.id)} has no choice to make now"
            + (": it was asked without `--choose`." if req.choose_window is None else ".")
        )
    return req


async def _give(scope: Scope, req: HelpRequest, chosen: Row, *, picked: bool) -> Outcome:
    """The chosen mentor claims the request as a first accept would; the others hear they
    are free again."""
    mentor_id, name = int(chosen["mentor_id"]), str(chosen["display_name"])
    r = rid(req.id)
    # The others are released by the claim, and told with their offer.
    try:
        session, messages, invite = await claim_request(scope, req, mentor_id, name)
    except LimitReached:
        if not picked:
            raise
        # How busy a mentor is and the limits they set are theirs (and the moderators'): the
        # member hears only that this one can't take it now.
        raise LimitReached(
            f"{name} can't take another session right now, so they can't have {r}.",
            hint=f"Pick someone else: `/mentor pick {r} <number>`.",
        ) from None
    text = (
        f"You picked {name} for {r}: session {sid(session.id)}."
        if picked
        else f"Time to pick was up: {name}, the best rated of those who offered, has {r}: "
        f"session {sid(session.id)}."
    )
    mentee = await scope.address(req.requester_id)
    if mentee is not None:
        messages.append(OutboundMessage(to=mentee, text=text, key=f"choice:{req.id}", update=True))
    return Outcome(Reply(text, files=(invite,) if invite else ()), messages)


async def _ranked(scope: Scope, req: HelpRequest, rows: list[Row]) -> list[Row]:
    """The mentors who offered, best first: reputation in the request's skills, then who
    offered first."""
    ids = [int(r["mentor_id"]) for r in rows]
    reps = await reputation.mentor_reputations(scope, ids, list(req.skills))
    order = {int(r["mentor_id"]): i for i, r in enumerate(rows)}
    return sorted(
        rows,
        key=lambda r: (
            -(reps[int(r["mentor_id"])].value if int(r["mentor_id"]) in reps else 0.0),
            order[int(r["mentor_id"])],
        ),
    )


async def _list_for_member(ctx: Scope, req: HelpRequest, rows: list[Row]) -> list[OutboundMessage]:
    """The member's list of the mentors who offered, with a Pick button each (edited in
    place as more offer)."""
    mentee = await ctx.address(req.requester_id)
    if mentee is None:
        return []
    ids = [int(r["mentor_id"]) for r in rows]
    reps = await reputation.mentor_reputations(ctx, ids, list(req.skills))
    placeholders, params = in_list("p", ids)
    held: dict[int, list[str]] = {}
    for row in await ctx.tx.fetch(person_sql.SKILLS_OF_MANY.replace("{ids}", placeholders), params):
        if row["skill"] in req.skills:
            held.setdefault(int(row["person_id"]), []).append(str(row["skill"]))
    r = rid(req.id)
    lines = []
    actions: list[Action] = []
    for row in rows:
        n = int(row["number"])
        mentor = int(row["mentor_id"])
        rep = reps.get(mentor)
        if rep and reputation_shown(rep.count, ctx.config.accountability.reputation_min_ratings):
            rated = f"rated {rep.value:.1f} ({rep.count})"
        else:
            # As everywhere: a score on fewer ratings would give away who gave which.
            rated = "too few ratings to show" if rep and rep.count else "not rated yet"
        note = f': "{clip(str(row["note"]), 200)}"' if row["note"] else ""
        skills = ", ".join(sorted(held.get(mentor, []))) or "-"
        lines.append(f"{n}. {row['display_name']} ({skills}; {rated}){note}")
        if len(actions) < 5:
            actions.append(Action(f"pick:{r}:{n}", f"Pick {n}", f"/mentor pick {r} {n}"))
    zone = await ctx.tx.fetch_val(person_sql.TIMEZONE_OF, {"id": req.requester_id})
    until = format_local(from_epoch(_deadline(req, rows)), ZoneInfo(str(zone)))
    text = (
        f"Mentors who offered to take {r}:\n" + "\n".join(lines) + "\n"
        f"Pick one by {until} (`/mentor pick {r} <number>`); otherwise the best rated gets it."
    )
    return [
        OutboundMessage(
            to=mentee, text=text, actions=tuple(actions), key=f"choice:{req.id}", update=True
        )
    ]
