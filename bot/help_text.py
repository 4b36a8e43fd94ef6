"""What `/mentor help` says: one usage line and an example per command."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommandHelp:
    usage: str
    summary: str
    example: str


COMMANDS: dict[str, CommandHelp] = {
    "ask": CommandHelp(
        "/mentor ask <skill...> [--minutes N] [--at <time>] [--goal ...] [--tried ...] "
        "[--with @mentor] [--mentors N] [--about <link>] [--choose] -- <question>",
        "Ask for a short session with a mentor who knows these skills. Come prepared: say "
        "what you want to reach (--goal) and what you tried (--tried). --with offers it to "
        "that mentor first; --mentors N lets up to N mentors join (a second opinion); "
        "--about links the message or page the question is about; --choose lets you pick "
        "among the mentors who offer. Without skills, I suggest some from your question. "
        "For a post in a help channel that waits for its skills: `/mentor ask <skill...> "
        "--post p3`.",
        "/mentor ask python asyncio --minutes 30 --goal ship my scraper --tried gather() -- "
        "Why does my event loop block?",
    ),
    "edit": CommandHelp(
        "/mentor edit [<request>] [--goal ...] [--tried ...] -- <question>",
        "Change the question (or goal, or what you tried) of your open request.",
        "/mentor edit r12 -- How do I cancel a task cleanly?",
    ),
    "cancel": CommandHelp(
        "/mentor cancel [<request>]",
        "Withdraw your open request (mentors who had the offer are told), or call off a "
        "matched one before its session starts (close to the start it counts as a late "
        "cancel).",
        "/mentor cancel r12",
    ),
    "queue": CommandHelp(
        "/mentor queue",
        "Your open requests, their place in the queue and an estimated wait.",
        "/mentor queue",
    ),
    "open": CommandHelp(
        "/mentor open [<skill>]",
        "Mentors: open requests you could take (your skills, or the one given).",
        "/mentor open python",
    ),
    "accept": CommandHelp(
        "/mentor accept [<request>] [-- <a line about you>]",
        "Mentors: take a request. The first mentor to accept gets it; if the member is "
        "choosing (ask --choose), you offer to take it, with your line, and they pick.",
        "/mentor accept r12",
    ),
    "pick": CommandHelp(
        "/mentor pick [<request>] <number>",
        "Pick one of the mentors who offered to take your request (asked with --choose), "
        "by their number in the list.",
        "/mentor pick r12 2",
    ),
    "decline": CommandHelp(
        "/mentor decline [<request>]",
        "Mentors: pass on an offer, so it can go to someone else.",
        "/mentor decline r12",
    ),
    "skills": CommandHelp(
        "/mentor skills [add|remove <skill...>]",
        "Show your skills and the community's; adding skills makes you a mentor.",
        "/mentor skills add python django",
    ),
    "available": CommandHelp(
        "/mentor available [for <duration>]",
        "Mentors: take offers now, for a while (default from the config, e.g. 2h).",
        "/mentor available for 90m",
    ),
    "away": CommandHelp(
        "/mentor away",
        "Mentors: stop taking offers, including during your weekly hours, until "
        "`/mentor available`.",
        "/mentor away",
    ),
    "profile": CommandHelp(
        "/mentor profile [tz <zone> | hours <days> <HH:MM-HH:MM> | hours clear | "
        "capacity <concurrent> <per-week> | link <url>|clear | leaderboard on|off]",
        "Show your profile, or set your time zone, weekly hours (in your zone), how many "
        "sessions you take at once and per week, and the call link your sessions meet at.",
        "/mentor profile hours mon-fri 18:00-20:00",
    ),
    "sessions": CommandHelp(
        "/mentor sessions",
        "Your upcoming, running and recent sessions.",
        "/mentor sessions",
    ),
    "checkin": CommandHelp(
        "/mentor checkin [<session>]",
        "Say you're there. Opens shortly before the start; whoever hasn't checked in by the "
        "grace period is recorded as a no-show.",
        "/mentor checkin s7",
    ),
    "withdraw": CommandHelp(
        "/mentor withdraw [<session>] [-- <reason>]",
        "Mentors: give a session back before it starts; the request goes to other mentors.",
        "/mentor withdraw s7 -- Something came up at work, sorry!",
    ),
    "reschedule": CommandHelp(
        "/mentor reschedule [<session>] <time>",
        "Propose another start time; it moves when the other side sends the same time.",
        "/mentor reschedule s7 tomorrow 18:00",
    ),
    "extend": CommandHelp(
        "/mentor extend [<session>] <minutes>",
        "Propose more time; it is added when the other side proposes the same.",
        "/mentor extend s7 15",
    ),
    "done": CommandHelp(
        "/mentor done [<session>] [resolved|partial|referred]",
        "End a running session and record how it went. It also ends by itself at its time.",
        "/mentor done s7 resolved",
    ),
    "rate": CommandHelp(
        "/mentor rate [<session>] [@mentor] <1-5> [--helpfulness N] [--clarity N] "
        "[--preparedness N] [--engagement N] [-- <comment>]",
        "Rate the other side of a session that took place. Members may add helpfulness and "
        "clarity for the mentor; mentors preparedness and engagement for the member. Hidden "
        "until everyone has rated or the window closes; a rating can't be changed. The "
        "comment is seen only by the person rated (and moderators).",
        "/mentor rate s7 4 --helpfulness 5 --clarity 3 -- Clear and patient, thank you!",
    ),
    "mod": CommandHelp(
        "/mentor mod queue | show <dispute> | log [N] | stats @user | settings | "
        "set <key> <value> | skills add|alias|remove ... | report [--days N] | "
        "assign <request> @mentor | "
        "close <request> -- <note> | resolve <dispute> dismiss|void|warn|suspend|uphold|overturn "
        "[--days N] [--rating-by @user] -- <note>",
        "Moderators: the queue of disputes and appeals, the audit log, everything about a "
        "person, requests nobody took, and decisions. A moderator who is a party, or blocked "
        "by a party, can't decide; an appeal goes to another moderator. `/mentor-mod ...` is "
        "the same.",
        "/mentor mod resolve d3 suspend --days 3 -- Two no-shows in a week.",
    ),
    "dispute": CommandHelp(
        "/mentor dispute [<session>] -- <what happened>",
        "Either side of an ended session asks a neutral moderator to look at it (within the "
        "dispute window). The session's ratings are frozen until it is decided. The other side "
        "gives theirs with the same command.",
        "/mentor dispute s7 -- My mentor left after five minutes.",
    ),
    "report": CommandHelp(
        "/mentor report @user -- <what happened>",
        "Tell the moderators about someone, outside any session. Only moderators read it.",
        "/mentor report @someone -- Rude messages after our session.",
    ),
    "appeal": CommandHelp(
        "/mentor appeal <dispute> -- <why>",
        "A party asks another moderator to look again at a decision: once, and that is final.",
        "/mentor appeal d3 -- I was there; the check-in button failed.",
    ),
    "block": CommandHelp(
        "/mentor block @user",
        "Never be matched with this person again, either way. They are not told.",
        "/mentor block @someone",
    ),
    "unblock": CommandHelp("/mentor unblock @user", "Undo a block.", "/mentor unblock @someone"),
    "me": CommandHelp(
        "/mentor me",
        "Your profile, reputation per skill (once shown), reliability, history and record.",
        "/mentor me",
    ),
    "stats": CommandHelp(
        "/mentor stats @user",
        "Moderators: everything about a person, private comments included.",
        "/mentor stats @someone",
    ),
    "kudos": CommandHelp(
        "/mentor kudos [<session>] [-- <message>]",
        "Members: thank your mentor publicly after a session.",
        "/mentor kudos s7 -- Saved my release day!",
    ),
    "leaderboard": CommandHelp(
        "/mentor leaderboard [<skill>]",
        "Mentors who opted in (`/mentor profile leaderboard on`), by sessions and reputation.",
        "/mentor leaderboard python",
    ),
    "link": CommandHelp(
        "/mentor link [<code>]",
        "Make your Slack and Discord accounts one record: `/mentor link` on one gives a code "
        "(10 minutes, once) that `/mentor link <code>` on the other confirms.",
        "/mentor link K7PX2M9QWE",
    ),
    "unlink": CommandHelp(
        "/mentor unlink",
        "Give this account a fresh record again (the history stays with the other one).",
        "/mentor unlink",
    ),
    "export": CommandHelp(
        "/mentor export",
        "Everything micromentor keeps about you, as a JSON file.",
        "/mentor export",
    ),
    "forget": CommandHelp(
        "/mentor forget [confirm]",
        "Erase your name, texts and comments (after a confirmation). Counts and sanction "
        "records stay, without your name.",
        "/mentor forget confirm",
    ),
    "help": CommandHelp(
        "/mentor help [<command>]",
        "This help, or the details of one command.",
        "/mentor help ask",
    ),
}

MEMBER_COMMANDS = (
    "ask",
    "pick",
    "edit",
    "cancel",
    "queue",
    "me",
    "kudos",
    "block",
    "unblock",
    "dispute",
    "report",
    "appeal",
    "leaderboard",
    "link",
    "unlink",
    "export",
    "forget",
)
SESSION_COMMANDS = ("sessions", "checkin", "reschedule", "extend", "done", "rate")
MENTOR_COMMANDS = (
    "skills",
    "available",
    "away",
    "profile",
    "open",
    "accept",
    "decline",
    "withdraw",
)
MODERATOR_COMMANDS = ("mod", "stats")


def overview() -> str:
    """The whole list, grouped for members and mentors."""
    # Plain text: the core's words carry no platform markup (Discord would show `*` as typed).
    lines = ["micromentor: short sessions with a mentor who knows the topic.", "", "Members:"]
    lines += [f"  {COMMANDS[c].usage}" for c in MEMBER_COMMANDS]
    lines += ["", "Sessions:"]
    lines += [f"  {COMMANDS[c].usage}" for c in SESSION_COMMANDS]
    lines += ["", "Mentors:"]
    lines += [f"  {COMMANDS[c].usage}" for c in MENTOR_COMMANDS]
    lines += ["", "Moderators:"]
    lines += [f"  {COMMANDS[c].usage}" for c in MODERATOR_COMMANDS]
    lines += ["", "Type `/mentor help <command>` for details and an example."]
    return "\n".join(lines)


def for_command(name: str) -> str:
    """One command's usage, what it does, and an example."""
    entry = COMMANDS[name]
    return f"{entry.usage}\n{entry.summary}\nExample: {entry.example}"
