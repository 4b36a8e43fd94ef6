"""Every command, declared once: what a person types, the core command it becomes, the
service that runs it, and how each front end offers it.

Adding a command is one line here plus its parts, each in its own place: the command's
dataclass (`bot.domain.commands`), its parser (`bot.grammar`, by the word typed), its help
text (`bot.help_text`, by the same word), its handler (a service), and its Discord app
command (`adapters/discord/commands.py`, by the path given here). The console and Slack
read the text grammar, so they offer every command with a parser. `tests/unit/test_registry.py`
fails when any part is missing, or when a front end offers what isn't declared here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.domain import commands as c
from bot.domain import events as e
from bot.domain import queries as q
from bot.domain.messages import Outcome
from bot.service import (
    audit,
    blocks,
    choice,
    disputes,
    forms,
    linking,
    moderation,
    offers,
    posts,
    privacy,
    profile,
    ratings,
    report,
    requests,
    sessions,
    settings,
    standing,
)
from bot.service.context import Ctx

Handler = Callable[[Ctx, Any], Awaitable[Outcome]]


@dataclass(frozen=True)
class Spec:
    """One command. `words` is what follows `/mentor` up to its arguments (`mod resolve`);
    `typed` a line that becomes this command (the registry's test parses it); `discord` the
    app command that builds it; `form` the form front ends with forms open for it; `reads`
    that it changes nothing, so it may run in a read-only transaction."""

    command: type[Any]
    handler: Handler | None  # None only for help, answered without a transaction
    words: str
    typed: str
    discord: str
    form: str | None = None
    reads: bool = False


SPECS: tuple[Spec, ...] = (
    Spec(c.Help, None, "help", "help ask", "mentor help"),
    # Members: asking, and what follows.
    Spec(c.AskForHelp, requests.ask, "ask", "ask python -- why?", "mentor ask", form="ask"),
    Spec(
        c.SkillsFromQuestion,
        requests.skills_from_question,
        "ask",
        "ask -- How do I read a CSV with pandas?",
        "mentor ask",
        reads=True,
    ),
    Spec(c.AskAboutPost, posts.ask_about_post, "ask", "ask python --post p1", "mentor ask"),
    Spec(c.PickMentor, choice.pick, "pick", "pick r1 2", "mentor queue"),
    Spec(c.EditRequest, requests.edit, "edit", "edit r1 -- new text", "mentor edit"),
    Spec(c.CancelRequest, requests.cancel, "cancel", "cancel r1", "mentor cancel"),
    Spec(c.ShowQueue, requests.show_queue, "queue", "queue", "mentor queue", reads=True),
    # Mentors: skills, availability, profile, offers.
    Spec(c.ShowSkills, profile.show_skills, "skills", "skills", "mentor skills list", reads=True),
    Spec(c.AddSkills, profile.add_skills, "skills", "skills add go", "mentor skills add"),
    Spec(c.RemoveSkills, profile.remove_skills, "skills", "skills rm go", "mentor skills remove"),
    Spec(c.SetAvailable, profile.set_available, "available", "available 2h", "mentor available"),
    Spec(c.SetAway, profile.set_away, "away", "away", "mentor available"),
    Spec(
        c.ShowProfile, profile.show_profile, "profile", "profile", "mentor profile show", reads=True
    ),
    Spec(c.SetTimezone, profile.set_timezone, "profile", "profile tz UTC", "mentor profile tz"),
    Spec(
        c.SetHours,
        profile.set_hours,
        "profile",
        "profile hours mon-fri 09:00-17:00",
        "mentor profile hours",
    ),
    Spec(
        c.SetCapacity,
        profile.set_capacity,
        "profile",
        "profile capacity 1 5",
        "mentor profile capacity",
    ),
    Spec(
        c.SetCallLink,
        sessions.set_call_link,
        "profile",
        "profile link https://meet.example.com/me",
        "mentor profile link",
    ),
    Spec(
        c.SetLeaderboard,
        standing.set_leaderboard,
        "profile",
        "profile leaderboard on",
        "mentor profile leaderboard",
    ),
    Spec(c.ListOpen, offers.list_open, "open", "open python", "mentor open", reads=True),
    Spec(c.AcceptOffer, offers.accept, "accept", "accept r1", "mentor accept"),
    Spec(c.DeclineOffer, offers.decline, "decline", "decline r1", "mentor decline"),
    # Sessions.
    Spec(
        c.ListSessions,
        sessions.list_sessions,
        "sessions",
        "sessions",
        "mentor sessions",
        reads=True,
    ),
    Spec(c.CheckIn, sessions.check_in, "checkin", "checkin s1", "mentor checkin"),
    Spec(c.Withdraw, sessions.withdraw, "withdraw", "withdraw s1", "mentor withdraw"),
    Spec(
        c.Reschedule, sessions.reschedule, "reschedule", "reschedule s1 18:00", "mentor reschedule"
    ),
    Spec(c.Extend, sessions.extend, "extend", "extend s1 15", "mentor extend"),
    Spec(c.Done, sessions.done, "done", "done s1 partial", "mentor done"),
    Spec(c.Rate, ratings.rate, "rate", "rate s1 5", "mentor rate", form="rate"),
    Spec(c.Kudos, standing.kudos, "kudos", "kudos s1 -- thanks!", "mentor kudos"),
    # Accountability: disputes, reports, blocks.
    Spec(
        c.OpenDispute,
        disputes.open_dispute,
        "dispute",
        "dispute s1 -- they never came",
        "mentor dispute",
        form="dispute",
    ),
    Spec(c.Report, disputes.report, "report", "report @x -- rude", "mentor report"),
    Spec(c.Appeal, disputes.appeal, "appeal", "appeal d1 -- unfair", "mentor appeal"),
    Spec(c.Block, blocks.block, "block", "block @x", "mentor block add"),
    Spec(c.Unblock, blocks.unblock, "unblock", "unblock @x", "mentor block remove"),
    # You and your data.
    Spec(c.ShowMe, standing.show_me, "me", "me", "mentor account me", reads=True),
    Spec(
        c.Leaderboard,
        standing.leaderboard,
        "leaderboard",
        "leaderboard",
        "mentor leaderboard",
        reads=True,
    ),
    Spec(c.Link, linking.link, "link", "link", "mentor account link"),
    Spec(c.Unlink, linking.unlink, "unlink", "unlink", "mentor account unlink"),
    Spec(c.Export, privacy.export, "export", "export", "mentor account export"),
    Spec(c.Forget, privacy.forget, "forget", "forget", "mentor account forget"),
    # Moderators.
    Spec(c.ModQueue, disputes.queue, "mod queue", "mod queue", "mentor-mod queue", reads=True),
    Spec(
        c.ModResolve,
        disputes.resolve,
        "mod resolve",
        "mod resolve d1 warn -- be on time",
        "mentor-mod resolve",
    ),
    Spec(c.ModShow, disputes.show, "mod show", "mod show d1", "mentor-mod show", reads=True),
    Spec(c.ModLog, audit.show_log, "mod log", "mod log 5", "mentor-mod log", reads=True),
    Spec(c.ModStats, standing.stats, "mod stats", "mod stats @x", "mentor-mod stats", reads=True),
    Spec(c.ModAssign, moderation.assign, "mod assign", "mod assign r1 @x", "mentor-mod assign"),
    Spec(c.ModClose, moderation.close, "mod close", "mod close r1 -- sorry", "mentor-mod close"),
    Spec(
        c.ModSettings,
        settings.show,
        "mod settings",
        "mod settings",
        "mentor-mod settings",
        reads=True,
    ),
    Spec(c.ModSet, settings.set_value, "mod set", "mod set a.b 1", "mentor-mod set"),
    Spec(c.ModSkills, settings.skills, "mod skills", "mod skills add go", "mentor-mod skills"),
    Spec(c.ModReport, report.show, "mod report", "mod report", "mentor-mod report", reads=True),
)

# Words a parser also answers to, without a spec of their own (`stats @x` is `mod stats`).
ALIASES = {"check-in": "checkin", "stats": "mod stats"}

# What front ends ask to draw their widgets (bot.domain.queries): no words, no help.
QUERIES: dict[type[Any], Handler] = {
    q.DescribeForm: forms.describe_form,
    q.SuggestSkills: forms.suggest_skills,
}

# What front ends report of what people did on the platform (bot.domain.events): no words,
# no help, acted by the post's author.
EVENTS: dict[type[Any], Handler] = {
    e.NewPost: posts.new_post,
    e.PostEdited: posts.post_edited,
    e.PostRemoved: posts.post_removed,
}

# What runs in a read-only transaction when nothing else must be written with it.
READS: frozenset[type[Any]] = frozenset({s.command for s in SPECS if s.reads} | set(QUERIES))

HANDLERS: dict[type[Any], Handler] = {
    **{s.command: s.handler for s in SPECS if s.handler},
    **QUERIES,
    **EVENTS,
}
