"""/mentor and /mentor-mod as Discord app commands: typed options onto core commands.

Discord allows 25 subcommands and groups per command and one level of groups, so members'
and mentors' commands live under /mentor (skills, profile and block are groups) and
moderators' under /mentor-mod. Every permission is checked by the core, whatever
`default_permissions` hides.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.domain import commands as c
from bot.domain.states import AppealDecision, Decision, SessionOutcome, SkillAction

if TYPE_CHECKING:
    from adapters.discord.app import DiscordFrontEnd

Interaction = discord.Interaction


def _choices(*kinds: type[StrEnum]) -> list[app_commands.Choice[str]]:
    """A Discord option's choices, from the core's own enums (one list, not a copy)."""
    return [app_commands.Choice(name=v.value, value=v.value) for kind in kinds for v in kind]


ASK_ABOUT = "Ask a mentor about this"


def build(front: DiscordFrontEnd, tree: app_commands.CommandTree[discord.Client]) -> None:
    """Register every command on the tree (syncing is separate and explicit)."""
    mentor = app_commands.Group(name="mentor", description="On-demand micro-mentorship")
    mod = app_commands.Group(
        name="mentor-mod",
        description="Moderators: disputes, requests nobody took, the audit log",
        default_permissions=discord.Permissions(manage_messages=True),
    )

    async def skill_autocomplete(
        interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        # Suggestions only: the core validates whatever is finally submitted.
        words = current.split()
        head, last = words[:-1], (words[-1] if words and not current.endswith(" ") else "")
        prefix = (" ".join(head) + " ") if head else ""
        hits = await front.skills_matching(interaction, last)
        return [
            app_commands.Choice(name=(prefix + s)[:100], value=(prefix + s)[:100])
            for s in hits[:25]
        ]

    @mentor.command(name="ask", description="Ask for a short session (a form opens)")
    @app_commands.describe(
        skills="Skills, separated by spaces; leave it out to see what your question suggests",
        minutes="Length",
        at="When (e.g. tomorrow 18:00); leave empty for now",
        with_mentor="Offer it to this mentor first",
        mentors="Up to N mentors may join (a second opinion)",
        choose="Pick among the mentors who offer, instead of the first to accept",
    )
    @app_commands.rename(with_mentor="with")
    @app_commands.autocomplete(skills=skill_autocomplete)
    async def ask(
        interaction: Interaction,
        skills: str | None = None,
        minutes: int | None = None,
        at: str | None = None,
        with_mentor: discord.Member | None = None,
        mentors: int | None = None,
        choose: bool | None = None,
    ) -> None:
        await front.open_ask_modal(
            interaction,
            skills,
            minutes,
            at,
            f"<@{with_mentor.id}>" if with_mentor else None,
            mentors if mentors is not None else 1,
            choose,
        )

    @mentor.command(name="edit", description="Change your open request")
    async def edit(
        interaction: Interaction,
        question: str | None = None,
        goal: str | None = None,
        tried: str | None = None,
        request: str | None = None,
    ) -> None:
        await front.run(interaction, lambda: c.EditRequest(request, question, goal, tried))

    @mentor.command(name="cancel", description="Withdraw a request (or call off its session)")
    async def cancel(interaction: Interaction, request: str | None = None) -> None:
        await front.run(interaction, lambda: c.CancelRequest(request))

    @mentor.command(name="queue", description="Your open requests and their place")
    @app_commands.describe(
        pick="Asked with choose: the number of the mentor you pick among those who offered",
        request="The request you pick for (when you have several open)",
    )
    async def queue(
        interaction: Interaction, pick: int | None = None, request: str | None = None
    ) -> None:
        # `/mentor queue` with `pick` is `/mentor pick` (Discord allows 25 commands a group)
        await front.run(
            interaction,
            lambda: c.ShowQueue() if pick is None else c.PickMentor(request, pick),
        )

    @mentor.command(name="open", description="Mentors: open requests you could take")
    @app_commands.autocomplete(skill=skill_autocomplete)
    async def open_(interaction: Interaction, skill: str | None = None) -> None:
        await front.run(interaction, lambda: c.ListOpen(skill))

    @mentor.command(name="accept", description="Mentors: take a request")
    @app_commands.describe(note="If the member is choosing: a line about why you're a fit")
    async def accept(
        interaction: Interaction, request: str | None = None, note: str | None = None
    ) -> None:
        await front.run(interaction, lambda: c.AcceptOffer(request, note))

    @mentor.command(name="decline", description="Mentors: pass on an offer")
    async def decline(interaction: Interaction, request: str | None = None) -> None:
        await front.run(interaction, lambda: c.DeclineOffer(request))

    skills_group = app_commands.Group(name="skills", description="Your skills", parent=mentor)

    @skills_group.command(name="add", description="Add skills (makes you a mentor)")
    @app_commands.autocomplete(skills=skill_autocomplete)
    async def skills_add(interaction: Interaction, skills: str) -> None:
        await front.run(interaction, lambda: c.AddSkills(tuple(skills.split())))

    @skills_group.command(name="remove", description="Remove skills")
    @app_commands.autocomplete(skills=skill_autocomplete)
    async def skills_remove(interaction: Interaction, skills: str) -> None:
        await front.run(interaction, lambda: c.RemoveSkills(tuple(skills.split())))

    @skills_group.command(name="list", description="Your skills and the community's")
    async def skills_list(interaction: Interaction) -> None:
        await front.run(interaction, lambda: c.ShowSkills())

    @mentor.command(name="available", description="Mentors: take offers now (or go away)")
    @app_commands.describe(duration="For how long, e.g. 2h", away="Stop taking offers instead")
    async def available(
        interaction: Interaction, duration: str | None = None, away: bool = False
    ) -> None:
        await front.run_line(
            interaction,
            "away" if away else ("available for " + duration if duration else "available"),
        )

    profile = app_commands.Group(name="profile", description="Your profile", parent=mentor)

    @profile.command(name="show", description="Show your profile")
    async def profile_show(interaction: Interaction) -> None:
        await front.run(interaction, lambda: c.ShowProfile())

    @profile.command(name="tz", description="Your time zone, e.g. Europe/Berlin")
    async def profile_tz(interaction: Interaction, zone: str) -> None:
        await front.run(interaction, lambda: c.SetTimezone(zone))

    @profile.command(name="hours", description="Weekly hours in your zone, or clear")
    async def profile_hours(
        interaction: Interaction, days: str, time_range: str | None = None
    ) -> None:
        cleared = days.strip().lower() in ("clear", "none", "off")
        await front.run(
            interaction,
            lambda: c.SetHours(None, None) if cleared else c.SetHours(days, time_range),
        )

    @profile.command(name="capacity", description="Sessions at once and per week")
    async def profile_capacity(interaction: Interaction, concurrent: int, per_week: int) -> None:
        await front.run(interaction, lambda: c.SetCapacity(concurrent, per_week))

    @profile.command(name="link", description="Your call link, or clear")
    async def profile_link(interaction: Interaction, url: str) -> None:
        await front.run(interaction, lambda: c.SetCallLink(None if url == "clear" else url))

    @profile.command(name="leaderboard", description="Appear on the leaderboard or not")
    async def profile_leaderboard(interaction: Interaction, on: bool) -> None:
        await front.run(interaction, lambda: c.SetLeaderboard(on))

    @mentor.command(name="sessions", description="Your sessions")
    async def sessions(interaction: Interaction) -> None:
        await front.run(interaction, lambda: c.ListSessions())

    @mentor.command(name="checkin", description="Say you're there")
    async def checkin(interaction: Interaction, session: str | None = None) -> None:
        await front.run(interaction, lambda: c.CheckIn(session))

    @mentor.command(name="withdraw", description="Mentors: give a session back before it starts")
    async def withdraw(
        interaction: Interaction, session: str | None = None, reason: str | None = None
    ) -> None:
        await front.run(interaction, lambda: c.Withdraw(session, reason))

    @mentor.command(name="reschedule", description="Propose another start time")
    async def reschedule(interaction: Interaction, when: str, session: str | None = None) -> None:
        await front.run(interaction, lambda: c.Reschedule(session, when))

    @mentor.command(name="extend", description="Propose more minutes")
    async def extend(interaction: Interaction, minutes: int, session: str | None = None) -> None:
        await front.run(interaction, lambda: c.Extend(session, minutes))

    @mentor.command(name="done", description="End a running session")
    @app_commands.choices(outcome=_choices(SessionOutcome))
    async def done(
        interaction: Interaction,
        session: str | None = None,
        outcome: str = SessionOutcome.RESOLVED.value,
    ) -> None:
        await front.run(interaction, lambda: c.Done(session, outcome))

    @mentor.command(name="rate", description="Rate the other side of a session (a form opens)")
    @app_commands.rename(mentor_="mentor")
    async def rate(
        interaction: Interaction, session: str, mentor_: discord.Member | None = None
    ) -> None:
        await front.open_rate_modal(interaction, session, f"<@{mentor_.id}>" if mentor_ else None)

    @mentor.command(name="dispute", description="Ask a neutral moderator to look at a session")
    async def dispute(interaction: Interaction, session: str) -> None:
        await front.open_dispute_modal(interaction, session)

    @mentor.command(name="report", description="Tell the moderators about someone")
    async def report(interaction: Interaction, user: discord.Member, what: str) -> None:
        await front.run(interaction, lambda: c.Report(f"<@{user.id}>", what))

    @mentor.command(name="appeal", description="Appeal a decision, once")
    async def appeal(interaction: Interaction, dispute_id: str, why: str) -> None:
        await front.run(interaction, lambda: c.Appeal(dispute_id, why))

    block = app_commands.Group(name="block", description="Never be matched again", parent=mentor)

    @block.command(name="add", description="Block someone (both ways, silently)")
    async def block_add(interaction: Interaction, user: discord.Member) -> None:
        await front.run(interaction, lambda: c.Block(f"<@{user.id}>"))

    @block.command(name="remove", description="Undo a block")
    async def block_remove(interaction: Interaction, user: discord.Member) -> None:
        await front.run(interaction, lambda: c.Unblock(f"<@{user.id}>"))

    account = app_commands.Group(
        name="account", description="You, your linked accounts and your data", parent=mentor
    )

    @account.command(name="me", description="Your profile, reputation, reliability, history")
    async def me(interaction: Interaction) -> None:
        await front.run(interaction, lambda: c.ShowMe())

    @account.command(name="link", description="Link your Slack and Discord accounts")
    async def link(interaction: Interaction, code: str | None = None) -> None:
        await front.run(interaction, lambda: c.Link(code))

    @account.command(name="unlink", description="Give this account its own record again")
    async def unlink(interaction: Interaction) -> None:
        await front.run(interaction, lambda: c.Unlink())

    @account.command(name="export", description="Everything kept about you, as a file")
    async def export(interaction: Interaction) -> None:
        await front.run(interaction, lambda: c.Export())

    @account.command(name="forget", description="Erase your personal data (asks to confirm)")
    async def forget(interaction: Interaction, confirm: bool = False) -> None:
        await front.run(interaction, lambda: c.Forget(confirm))

    @mentor.command(name="kudos", description="Thank your mentor publicly")
    async def kudos(
        interaction: Interaction, session: str | None = None, message: str | None = None
    ) -> None:
        await front.run(interaction, lambda: c.Kudos(session, message))

    @mentor.command(name="leaderboard", description="Mentors who opted in")
    @app_commands.autocomplete(skill=skill_autocomplete)
    async def leaderboard(interaction: Interaction, skill: str | None = None) -> None:
        await front.run(interaction, lambda: c.Leaderboard(skill))

    @mentor.command(name="help", description="What each command does")
    async def help_(interaction: Interaction, command: str | None = None) -> None:
        await front.run_line(interaction, f"help {command or ''}")

    @mod.command(name="settings", description="This community's settings")
    async def mod_settings(interaction: Interaction) -> None:
        await front.run(interaction, lambda: c.ModSettings())

    @mod.command(name="set", description="Change a setting, e.g. routing.wave_size 4")
    async def mod_set(interaction: Interaction, key: str, value: str) -> None:
        await front.run(interaction, lambda: c.ModSet(key, value))

    @mod.command(name="skills", description="Add, alias or remove a community skill")
    @app_commands.choices(action=_choices(SkillAction))
    async def mod_skills(interaction: Interaction, action: str, skills: str) -> None:
        await front.run(interaction, lambda: c.ModSkills(action, tuple(skills.split())))

    @mod.command(name="report", description="Demand vs supply per skill")
    async def mod_report(interaction: Interaction, days: int = 30) -> None:
        await front.run(interaction, lambda: c.ModReport(days))

    @mod.command(name="queue", description="Open disputes and appeals")
    async def mod_queue(interaction: Interaction) -> None:
        await front.run(interaction, lambda: c.ModQueue())

    @mod.command(name="show", description="Both sides of a dispute")
    async def mod_show(interaction: Interaction, dispute_id: str) -> None:
        await front.run(interaction, lambda: c.ModShow(dispute_id))

    @mod.command(name="log", description="The audit log")
    async def mod_log(interaction: Interaction, entries: int = 20) -> None:
        await front.run(interaction, lambda: c.ModLog(entries))

    @mod.command(name="stats", description="Everything about a person")
    async def mod_stats(interaction: Interaction, user: discord.Member) -> None:
        await front.run(interaction, lambda: c.ModStats(f"<@{user.id}>"))

    @mod.command(name="assign", description="Give a request nobody took to a mentor")
    @app_commands.rename(mentor_="mentor")
    async def mod_assign(interaction: Interaction, request: str, mentor_: discord.Member) -> None:
        await front.run(interaction, lambda: c.ModAssign(request, f"<@{mentor_.id}>"))

    @mod.command(name="close", description="Close a request with a note for the member")
    async def mod_close(interaction: Interaction, request: str, note: str) -> None:
        await front.run(interaction, lambda: c.ModClose(request, note))

    @mod.command(name="resolve", description="Decide a dispute or an appeal")
    @app_commands.choices(decision=_choices(Decision, AppealDecision))
    async def mod_resolve(
        interaction: Interaction,
        dispute_id: str,
        decision: str,
        note: str,
        days: int | None = None,
        rating_by: discord.Member | None = None,
    ) -> None:
        await front.run(
            interaction,
            lambda: c.ModResolve(
                dispute_id, decision, note, days, f"<@{rating_by.id}>" if rating_by else None
            ),
        )

    async def ask_about(interaction: Interaction, message: discord.Message) -> None:
        await front.open_ask_about_modal(interaction, message)

    tree.add_command(mentor)
    tree.add_command(mod)
    # A message's Apps menu: the ask form, prefilled with the message and a link back to it.
    tree.add_command(app_commands.ContextMenu(name=ASK_ABOUT, callback=ask_about))
