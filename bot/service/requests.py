"""Handlers for help requests: ask, edit, cancel, queue, and browsing open ones."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from bot.domain import commands as c
from bot.domain import suggest
from bot.domain.errors import Conflict, InvalidInput, LimitReached, NotAllowed, NotFound
from bot.domain.ids import parse_id
from bot.domain.messages import Action, Outcome, Reply
from bot.domain.model import HelpRequest
from bot.domain.states import OfferState, PostStatus, RequestState, RequestStep, require_request
from bot.domain.timeparse import format_duration, format_local, parse_when
from bot.service import reputation, sessions, waves
from bot.service.context import Ctx
from bot.service.identities import same_person
from bot.service.people import (
    blocked_between,
    person_by_mention,
    require_not_suspended,
)
from bot.service.post_thread import thread_note
from bot.service.routing import SentWave
from bot.service.views import offer_text, one_line, request_fields, rid
from bot.storage.sql import offers as offer_sql
from bot.storage.sql import requests as sql

MAX_AHEAD = timedelta(days=30)
MIN_AHEAD = timedelta(minutes=5)
WAIT_HISTORY = timedelta(days=30)


async def load_request(ctx: Ctx, raw_id: str | int) -> HelpRequest:
    """A request of this community by id; anything else is 'not found'."""
    number = raw_id if isinstance(raw_id, int) else parse_id("request", raw_id)
    row = await ctx.tx.fetch_one(sql.GET, {"id": number, "community_id": ctx.community})
    if row is None:
        raise NotFound(
            f"There is no request {rid(number)}.",
            hint="Type `/mentor queue` for yours, or `/mentor open` for ones you could take.",
        )
    skills = await ctx.tx.fetch(sql.SKILLS, {"request_id": number})
    return HelpRequest.from_row(row, [s["skill"] for s in skills])


async def _my_open_request(ctx: Ctx, raw_id: str | None, verb: str) -> HelpRequest:
    """The request named, which must be the actor's; or their only open one."""
    if raw_id is not None:
        req = await load_request(ctx, raw_id)
        if req.requester_id != ctx.me.id:
            raise NotAllowed(
                f"{rid(req.id)} isn't your request, so you can't {verb} it.",
                hint="Type `/mentor queue` to see yours.",
            )
        return req
    rows = await ctx.tx.fetch(sql.OPEN_BY, {"person_id": ctx.me.id})
    if not rows:
        raise NotFound(
            "You have no open request.",
            hint="Ask with `/mentor ask <skill> -- ...`; to call off a matched one, name it: "
            "`/mentor cancel r12`.",
        )
    if len(rows) > 1:
        ids = ", ".join(rid(r["id"]) for r in rows)
        raise InvalidInput(
            f"You have several open requests ({ids}).",
            hint=f"Say which: `/mentor {verb} {rid(rows[0]['id'])}`.",
        )
    return await load_request(ctx, int(rows[0]["id"]))


def _check_text(ctx: Ctx, question: str | None, goal: str | None, tried: str | None) -> None:
    """The community's own lengths (the command checked the widest any may set)."""
    limits = ctx.config.requests
    if question is not None and len(question) > limits.question_max_chars:
        raise InvalidInput(
            f"`question` is {len(question)} characters; at most {limits.question_max_chars}.",
            hint="Keep it to what a mentor needs to read first; details come in the session.",
            field="question",
        )
    for name, value in (("goal", goal), ("tried", tried)):
        if value is not None and len(value) > limits.detail_max_chars:
            raise InvalidInput(
                f"`{name}` is {len(value)} characters; at most {limits.detail_max_chars}.",
                hint="Shorten it to the essentials.",
                field=name,
            )


async def check_can_ask(ctx: Ctx) -> None:
    """The person may ask now: not suspended, and under the community's limits (what
    refuses an ask before anything is stored)."""
    await require_not_suspended(ctx, "ask for help")
    await _check_limits(ctx)


async def _check_limits(ctx: Ctx) -> None:
    limits = ctx.config.requests
    open_count = await ctx.tx.fetch_val(sql.COUNT_OPEN_BY, {"person_id": ctx.me.id})
    if open_count >= limits.max_open:
        raise LimitReached(
            f"You already have {open_count} open request(s), the most this community allows.",
            hint="Wait for a mentor, edit it with `/mentor edit`, or cancel it with "
            "`/mentor cancel`.",
        )
    week = timedelta(days=7)
    per_week, why = await reputation.member_weekly_limit(ctx, ctx.me.id)
    asked = await ctx.tx.fetch(sql.ASKED_SINCE, {"person_id": ctx.me.id, "since": ctx.ago(week)})
    if len(asked) >= per_week:
        if why is not None:
            raise LimitReached(
                f"For now you can ask {per_week} time(s) a week, because {why}.",
                hint="Your normal limit comes back as your record improves (see `/mentor me`).",
            )
        oldest = int(asked[0]["created_at"])
        wait = timedelta(seconds=oldest + int(week.total_seconds()) - ctx.ts)
        raise LimitReached(
            f"You've asked {len(asked)} times in the last 7 days, the most this community allows.",
            hint=f"You can ask again in {format_duration(wait)}.",
        )


def _resolve_skills(ctx: Ctx, tags: tuple[str, ...]) -> list[str]:
    try:
        return ctx.deps.taxonomy(ctx.community).resolve_all(tags)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, hint=exc.hint, field="skills") from None


def _at(ctx: Ctx, text: str) -> datetime:
    try:
        return parse_when(text, ctx.now, ctx.zone)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, hint=exc.hint, field="at") from None


def _session_minutes(ctx: Ctx, asked: int | None) -> int:
    """The session length asked for, or the community's default; one of the lengths it offers."""
    config = ctx.config.requests
    minutes = asked if asked is not None else config.default_minutes
    if minutes not in config.session_lengths:
        allowed = ", ".join(str(m) for m in config.session_lengths)
        raise InvalidInput(
            f"Sessions here are {allowed} minutes long.",
            hint=f"For example `--minutes {config.default_minutes}`.",
            field="minutes",
        )
    return minutes


def _start_at(ctx: Ctx, at: str | None) -> int | None:
    """When a booked session starts, far enough ahead and not too far; None for help now."""
    if at is None:
        return None
    when = _at(ctx, at)
    if when < ctx.now + MIN_AHEAD:
        raise InvalidInput(
            f"{format_local(when, ctx.zone)} is in the past or too soon to schedule.",
            hint="Leave out `--at` to ask for help now.",
            field="at",
        )
    if when > ctx.now + MAX_AHEAD:
        raise InvalidInput(
            "That is more than 30 days ahead.", hint="Ask closer to the time.", field="at"
        )
    return int(when.timestamp())


def _mentors_wanted(ctx: Ctx, wanted: int) -> int:
    """How many mentors the member wants, at most the community's number."""
    most = ctx.config.accountability.max_mentors
    if wanted > most:
        raise InvalidInput(
            f"`mentors` must be from 1 to {most} here; {wanted} is not.",
            hint="For example `--mentors 2`.",
            field="mentors",
        )
    return wanted


async def _preferred_mentor(ctx: Ctx, mention: str | None) -> int | None:
    """The mentor the member named with `--with`, if they can be offered it first."""
    if mention is None:
        return None
    chosen = await person_by_mention(ctx, mention)
    if await same_person(ctx, chosen.id, ctx.me.id):
        raise InvalidInput("You can't be your own mentor.", hint="Name someone else.", field="with")
    if not chosen.is_mentor:
        raise InvalidInput(
            f"{chosen.display_name} isn't a mentor (no skills yet).",
            hint="Leave out `--with` and I'll find someone.",
            field="with",
        )
    # A block stays silent: the request simply goes to the normal waves.
    if await blocked_between(ctx, chosen.id, ctx.me.id):
        return None
    return chosen.id


def _choose_window(ctx: Ctx, cmd: c.AskForHelp, mentors_wanted: int) -> int | None:
    """Seconds the member has to pick among the mentors who offer, or None (first accept
    wins): `--choose`, or the community's default for one-mentor requests."""
    conf = ctx.config.requests
    choose = cmd.choose if cmd.choose is not None else conf.choose_by_default
    if not choose or mentors_wanted > 1 or cmd.with_mentor is not None:
        return None
    return int(conf.choose_window.total_seconds())


async def _store_request(
    ctx: Ctx,
    cmd: c.AskForHelp,
    skills: list[str],
    *,
    minutes: int,
    start_at: int | None,
    mentors_wanted: int,
    preferred: int | None,
) -> HelpRequest:
    """The new request and its skills, as stored."""
    request_id = int(
        await ctx.tx.fetch_val(
            sql.INSERT,
            {
                "community_id": ctx.community,
                "requester_id": ctx.me.id,
                "question": cmd.question,
                "goal": cmd.goal,
                "tried": cmd.tried,
                "minutes": minutes,
                "start_at": start_at,
                "now": ctx.ts,
                "mentors_wanted": mentors_wanted,
                "preferred_mentor_id": preferred,
                "about": cmd.about,
                "choose_window": _choose_window(ctx, cmd, mentors_wanted),
            },
        )
    )
    for skill in skills:
        await ctx.tx.execute(
            sql.INSERT_SKILL,
            {"request_id": request_id, "community_id": ctx.community, "skill": skill},
        )
    return await load_request(ctx, request_id)


def _routing_text(ctx: Ctx, r: str, skills: list[str], wave: SentWave) -> str:
    """What the member is told of where their request went first."""
    with_skills = f"with {', '.join(skills)}"
    if wave.offered:
        deadline = format_duration(ctx.config.routing.offer_deadline)
        return (
            f"Your request {r} is in. I've offered it to {wave.offered} mentor(s) "
            f"{with_skills}: about a {_percent(wave.chance)} chance one of them takes "
            f"it within {deadline}, and I'll offer it to more if not. You'll hear from me as "
            "soon as one accepts."
        )
    if wave.waiting_for_fit:
        return (
            f"Your request {r} is in. No mentor {with_skills} all together is on duty right "
            "now, but one is due soon, so I'll offer it to them first (and to mentors with "
            "some of those skills if they don't take it). You'll hear from me as soon as one "
            "accepts."
        )
    return (
        f"Your request {r} is in, but no mentor {with_skills} is available "
        "right now, so I've posted it for all mentors, and I'll offer it to mentors as "
        "they come on duty. You'll hear from me as soon as one takes it."
    )


def _details_tip(cmd: c.AskForHelp, r: str) -> str:
    """A nudge to add the goal and what was tried, when the member gave neither."""
    if cmd.goal is not None or cmd.tried is not None:
        return ""
    return (
        "\nTip: mentors answer faster when they know your goal and what you tried: "
        f"`/mentor edit {r} --goal ... --tried ...`."
    )


async def ask(ctx: Ctx, cmd: c.AskForHelp) -> Outcome:
    """`/mentor ask`: a new help request, checked, stored and offered to the first mentors."""
    return (await create(ctx, cmd))[1]


async def create(ctx: Ctx, cmd: c.AskForHelp) -> tuple[HelpRequest, Outcome]:
    """A new request by every rule of `/mentor ask`, and what asking answers."""
    skills = _resolve_skills(ctx, cmd.tags)
    _check_text(ctx, cmd.question, cmd.goal, cmd.tried)
    minutes = _session_minutes(ctx, cmd.minutes)
    start_at = _start_at(ctx, cmd.at)
    await require_not_suspended(ctx, "ask for help")
    mentors_wanted = _mentors_wanted(ctx, cmd.mentors)
    preferred = await _preferred_mentor(ctx, cmd.with_mentor)
    await _check_limits(ctx)
    req = await _store_request(
        ctx,
        cmd,
        skills,
        minutes=minutes,
        start_at=start_at,
        mentors_wanted=mentors_wanted,
        preferred=preferred,
    )
    await waves.schedule_expiry(ctx, req, 0)
    routed = await waves.route(ctx, req)
    r = rid(req.id)
    text = _routing_text(ctx, r, skills, routed.wave) + _details_tip(cmd, r)
    actions = (Action(f"cancel:{r}", "Cancel request", f"/mentor cancel {r}", "danger"),)
    return req, Outcome(Reply(text, request_fields(req, ctx.zone), actions), routed.messages)


async def skills_from_question(ctx: Ctx, cmd: c.SkillsFromQuestion) -> Outcome:
    """An ask with a question but no skills: the skills the question seems to be about, for
    the member to confirm by asking with them; nothing is created until they do."""
    guessed = suggest.suggest_skills(cmd.question, ctx.deps.taxonomy(ctx.community))
    listed = ", ".join(f"`{s}`" for s in guessed)
    if cmd.in_form:
        raise InvalidInput(
            f"From your question I'd guess {listed}: give the ones that fit (or others) as "
            "the skills."
            if guessed
            else "Which skills is your question about? Give one or more as the skills.",
            field="skills",
        )
    usage = "/mentor ask <skills> -- <your question>"
    if not guessed:
        raise InvalidInput(
            "Which skills is your question about?",
            hint=f"Put them before `--`: `{usage}`. Type `/mentor skills` to see this "
            "community's skills.",
            field="skills",
        )
    # The question is echoed back only where it fits a one-line command.
    fits = len(cmd.question) <= 200 and "`" not in cmd.question and "\n" not in cmd.question
    command = f"/mentor ask {' '.join(guessed)} -- {cmd.question if fits else '<your question>'}"
    raise InvalidInput(
        f"Which skills is your question about? From what you wrote, I'd guess {listed}.",
        hint=f"If that's right, ask with them: `{command}` (keep the ones that fit, or "
        "name others).",
        field="skills",
    )


async def edit(ctx: Ctx, cmd: c.EditRequest) -> Outcome:
    req = await _my_open_request(ctx, cmd.request, "edit")
    require_request(RequestStep.EDIT, req.state, rid(req.id))
    _check_text(ctx, cmd.question, cmd.goal, cmd.tried)
    updated = await ctx.tx.fetch_one(
        sql.UPDATE_TEXT,
        {
            "id": req.id,
            "question": cmd.question if cmd.question is not None else req.question,
            "goal": cmd.goal if cmd.goal is not None else req.goal,
            "tried": cmd.tried if cmd.tried is not None else req.tried,
            "now": ctx.ts,
        },
    )
    if updated is None:
        raise Conflict(f"{rid(req.id)} was just taken or closed, so it can't be edited.")
    req = await load_request(ctx, req.id)
    messages = await waves.pending_offer_updates(
        ctx, req, offer_text(req) + "\n(Edited by the member.)", with_actions=True
    )
    return Outcome(Reply(f"Updated {rid(req.id)}.", request_fields(req, ctx.zone)), messages)


async def cancel(ctx: Ctx, cmd: c.CancelRequest) -> Outcome:
    req = await _my_open_request(ctx, cmd.request, "cancel")
    require_request(RequestStep.CANCEL, req.state, rid(req.id))
    closed = await thread_note(
        ctx,
        req.id,
        f"{rid(req.id)} was cancelled by its author.",
        PostStatus.CLOSED,
        PostStatus.TAKEN if req.state == RequestState.MATCHED else PostStatus.OPEN,
    )
    if req.state == RequestState.MATCHED:
        messages, late = await sessions.cancel_by_member(ctx, req)
        messages += closed
        note = (
            " It was close to the start, so it counts as a late cancel in your record."
            if late
            else ""
        )
        return Outcome(
            Reply(f"Cancelled {rid(req.id)} and its session; your mentor is told.{note}"),
            messages,
        )
    messages = await waves.pending_offer_updates(
        ctx,
        req,
        f"{rid(req.id)} was cancelled by {req.requester_name}. No action needed.",
        with_actions=False,
    )
    messages += await waves.channel_updates(ctx, req, f"{rid(req.id)} was cancelled by the member.")
    messages += await waves.release_volunteers(
        ctx, req, f"{rid(req.id)} was cancelled by {req.requester_name}. Thanks for offering!"
    )
    messages += closed
    await ctx.tx.execute(
        offer_sql.SETTLE,
        {"request_id": req.id, "winner": None, "state": OfferState.WITHDRAWN, "now": ctx.ts},
    )
    done = await ctx.tx.fetch_one(sql.CANCEL, {"id": req.id, "now": ctx.ts})
    if done is None:
        raise Conflict(f"{rid(req.id)} was just taken, so it can't be cancelled.")
    return Outcome(Reply(f"Cancelled {rid(req.id)}. Ask again any time."), messages)


async def queue_position(ctx: Ctx, req: HelpRequest) -> tuple[int, timedelta | None]:
    """1-based place among open requests sharing a skill, and a wait estimate if known."""
    ahead = await ctx.tx.fetch_val(
        sql.QUEUE_AHEAD,
        {"community_id": ctx.community, "id": req.id, "created_at": req.created_at},
    )
    waits = await ctx.tx.fetch(
        sql.RECENT_WAITS,
        {"community_id": ctx.community, "id": req.id, "since": ctx.ago(WAIT_HISTORY)},
    )
    position = int(ahead) + 1
    if not waits:
        return position, None
    median = statistics.median(int(w["wait"]) for w in waits)
    return position, timedelta(seconds=int(median * position))


async def show_queue(ctx: Ctx, cmd: c.ShowQueue) -> Outcome:
    rows = await ctx.tx.fetch(sql.OPEN_BY, {"person_id": ctx.me.id})
    if not rows:
        return Outcome(Reply("You have no open request. Ask with `/mentor ask <skill> -- ...`."))
    lines = []
    for row in rows:
        req = await load_request(ctx, int(row["id"]))
        position, wait = await queue_position(ctx, req)
        estimate = f"about {format_duration(wait)}" if wait is not None else "no estimate yet"
        lines.append(f"{one_line(req)}\n  place {position} in the queue, {estimate}")
    return Outcome(Reply("Your open requests:\n" + "\n".join(lines)))


def _percent(chance: float) -> str:
    """A chance as a person reads it: a round number, never a promise of 0% or 100%."""
    return f"{min(max(round(chance * 100), 1), 99)}%"
