"""Handlers for a person's own profile: skills, availability, time zone, hours, capacity."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import from_epoch
from bot.domain import commands as c
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.messages import Field, Outcome, Reply
from bot.domain.model import Person, hours_to_json
from bot.domain.timeparse import (
    format_local,
    format_windows,
    minute_of_week,
    parse_zone,
    weekly_windows_utc,
    zone_offset_minutes,
)
from bot.service.context import Ctx
from bot.service.people import suspended_until
from bot.service.routing import refresh_rotation
from bot.storage.sql import persons as sql

MAX_SKILLS = 30
MAX_AVAILABLE = timedelta(days=7)


async def my_skills(ctx: Ctx) -> list[str]:
    rows = await ctx.tx.fetch(sql.SKILLS_OF, {"person_id": ctx.me.id})
    return [r["skill"] for r in rows]


async def is_available_now(ctx: Ctx, person: Person) -> bool:
    """Toggled available, or inside weekly hours, and not away."""
    if person.away:
        return False
    if person.available_until is not None and person.available_until > ctx.ts:
        return True
    row = await ctx.tx.fetch_one(
        sql.IN_WINDOW, {"person_id": person.id, "mow": minute_of_week(ctx.now)}
    )
    return row is not None


def _availability_hint(person: Person) -> str:
    if person.hours or (person.available_until is not None):
        return ""
    return (
        "\nYou get offers while you are available: type `/mentor available` now, or set weekly "
        "hours with `/mentor profile hours mon-fri 18:00-20:00`."
    )


async def show_skills(ctx: Ctx, cmd: c.ShowSkills) -> Outcome:
    mine = await my_skills(ctx)
    taxonomy = ctx.deps.taxonomy(ctx.community)
    text = (
        f"Your skills: {', '.join(mine)}."
        if mine
        else "You have no skills yet. Add some to mentor: `/mentor skills add python sql`."
    )
    return Outcome(
        Reply(
            text,
            fields=(
                Field(
                    f"Skills in this community ({len(taxonomy.skills)})", ", ".join(taxonomy.skills)
                ),
            ),
        )
    )


async def add_skills(ctx: Ctx, cmd: c.AddSkills) -> Outcome:
    skills = ctx.deps.taxonomy(ctx.community).resolve_all(cmd.tags)
    before = await my_skills(ctx)
    if len(set(before) | set(skills)) > MAX_SKILLS:
        raise InvalidInput(
            f"That would make more than {MAX_SKILLS} skills.",
            hint="Keep the ones you can really help with; remove some with "
            "`/mentor skills remove <skill>`.",
        )
    for skill in skills:
        await ctx.tx.execute(
            sql.ADD_SKILL, {"community_id": ctx.community, "skill": skill, "person_id": ctx.me.id}
        )
    await refresh_rotation(ctx.tx, ctx.me.id, ctx.ts)
    if not ctx.me.is_mentor:
        await ctx.tx.execute(sql.SET_MENTOR, {"id": ctx.me.id, "is_mentor": 1})
    added = [s for s in skills if s not in before]
    now_all = sorted(set(before) | set(skills))
    first = "Added " + ", ".join(added) + "." if added else "You already had those skills."
    text = f"{first} Your skills: {', '.join(now_all)}."
    if not ctx.me.is_mentor:
        text += "\nYou are now a mentor: thank you!"
    return Outcome(Reply(text + _availability_hint(ctx.me)))


async def remove_skills(ctx: Ctx, cmd: c.RemoveSkills) -> Outcome:
    taxonomy = ctx.deps.taxonomy(ctx.community)
    before = await my_skills(ctx)
    removed: list[str] = []
    for raw in cmd.tags:
        skill = taxonomy.resolve(raw)
        if skill not in before:
            raise InvalidInput(
                f"`{skill}` is not one of your skills.",
                hint=f"Your skills: {', '.join(before) or 'none'}.",
            )
        if skill not in removed:
            removed.append(skill)
    for skill in removed:
        await ctx.tx.execute(sql.REMOVE_SKILL, {"person_id": ctx.me.id, "skill": skill})
    left = [s for s in before if s not in removed]
    if not left:
        await ctx.tx.execute(sql.SET_MENTOR, {"id": ctx.me.id, "is_mentor": 0})
        return Outcome(
            Reply(f"Removed {', '.join(removed)}. You have no skills left, so no more offers.")
        )
    return Outcome(Reply(f"Removed {', '.join(removed)}. Your skills: {', '.join(left)}."))


def _require_mentor(ctx: Ctx) -> None:
    if not ctx.me.is_mentor:
        raise NotAllowed(
            "Only mentors take offers, and you have no skills yet.",
            hint="Add what you can help with: `/mentor skills add python sql`.",
        )


async def set_available(ctx: Ctx, cmd: c.SetAvailable) -> Outcome:
    _require_mentor(ctx)
    # The command checked a given duration; the community's default may be longer than a
    # week, which one toggle never keeps.
    duration = (
        cmd.duration
        if cmd.duration is not None
        else min(ctx.config.routing.available_for, MAX_AVAILABLE)
    )
    until = ctx.now + duration
    await ctx.tx.execute(sql.SET_AVAILABLE, {"id": ctx.me.id, "until": int(until.timestamp())})
    await refresh_rotation(ctx.tx, ctx.me.id, ctx.ts)
    text = (
        f"You're available for offers until {format_local(until, ctx.zone)}. "
        "Type `/mentor away` to stop earlier."
    )
    suspended = await suspended_until(ctx, ctx.me.id)
    if suspended is not None:
        text += (
            f"\nNote: you are suspended until {format_local(from_epoch(suspended), ctx.zone)}; "
            "offers resume after that."
        )
    return Outcome(Reply(text))


async def set_away(ctx: Ctx, cmd: c.SetAway) -> Outcome:
    _require_mentor(ctx)
    await ctx.tx.execute(sql.SET_AWAY, {"id": ctx.me.id})
    await refresh_rotation(ctx.tx, ctx.me.id, ctx.ts)
    return Outcome(
        Reply(
            "You're away: no offers, not even in your weekly hours, until you type "
            "`/mentor available`."
        )
    )


async def _store_hours(ctx: Ctx, hours: dict[str, list[tuple[int, int]]], zone_name: str) -> None:
    zone = parse_zone(zone_name)
    await ctx.tx.execute(
        sql.SET_HOURS,
        {
            "id": ctx.me.id,
            "spec": hours_to_json(hours),
            "offset": zone_offset_minutes(zone, ctx.now),
        },
    )
    await ctx.tx.execute(sql.CLEAR_WINDOWS, {"person_id": ctx.me.id})
    for start, end in weekly_windows_utc(hours, zone, ctx.now):
        await ctx.tx.execute(
            sql.ADD_WINDOW,
            {
                "person_id": ctx.me.id,
                "community_id": ctx.community,
                "start_minute": start,
                "end_minute": end,
            },
        )
    await refresh_rotation(ctx.tx, ctx.me.id, ctx.ts)


async def set_timezone(ctx: Ctx, cmd: c.SetTimezone) -> Outcome:
    zone = parse_zone(cmd.zone)
    await ctx.tx.execute(sql.SET_TIMEZONE, {"id": ctx.me.id, "timezone": zone.key})
    if ctx.me.hours:
        await _store_hours(ctx, ctx.me.hours, zone.key)
    return Outcome(
        Reply(f"Your time zone is {zone.key}; it is {ctx.now.astimezone(zone):%H:%M} there now.")
    )


async def set_hours(ctx: Ctx, cmd: c.SetHours) -> Outcome:
    spans = cmd.spans
    if spans is None:
        await _store_hours(ctx, {}, ctx.me.timezone)
        return Outcome(Reply("Your weekly hours are cleared."))
    days, span = spans
    hours = {d: list(s) for d, s in ctx.me.hours.items()}
    for day in days:
        hours[day] = [span]
    await _store_hours(ctx, hours, ctx.me.timezone)
    text = f"Your weekly hours ({ctx.me.timezone}): {format_windows(hours)}."
    if not ctx.me.is_mentor:
        text += "\nAdd skills to get offers in those hours: `/mentor skills add python`."
    return Outcome(Reply(text))


async def set_capacity(ctx: Ctx, cmd: c.SetCapacity) -> Outcome:
    await ctx.tx.execute(
        sql.SET_CAPACITY,
        {"id": ctx.me.id, "concurrent": cmd.concurrent, "weekly": cmd.per_week},
    )
    return Outcome(
        Reply(f"You take at most {cmd.concurrent} session(s) at once and {cmd.per_week} per week.")
    )


async def show_profile(ctx: Ctx, cmd: c.ShowProfile) -> Outcome:
    me = ctx.me
    skills = await my_skills(ctx)
    load = await ctx.tx.fetch_one(
        sql.MENTOR_LOAD,
        {"person_id": me.id, "week_ago": ctx.ago(timedelta(days=7)), "request_id": 0},
    )
    assert load is not None
    if me.away:
        status = "away (no offers)"
    elif me.available_until is not None and me.available_until > ctx.ts:
        status = f"available until {format_local(from_epoch(me.available_until), ctx.zone)}"
    elif await is_available_now(ctx, me):
        status = "available (in your weekly hours)"
    else:
        status = "not available right now"
    fields = [
        Field("Time zone", me.timezone),
        Field("Skills", ", ".join(skills) or "none yet"),
        Field("Weekly hours", format_windows(me.hours)),
        Field("Capacity", f"{me.capacity_concurrent} at once, {me.capacity_weekly} per week"),
        Field("Load", f"{load['active']} upcoming or running, {load['this_week']} in 7 days"),
    ]
    role = "Mentor" if me.is_mentor else "Member"
    text = f"{role} {me.display_name}: {status}."
    return Outcome(Reply(text + (_availability_hint(me) if me.is_mentor else ""), tuple(fields)))
