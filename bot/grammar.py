"""The text grammar shared by the console and Slack: `/mentor <command> ...` to a Command."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from bot import help_text
from bot.domain import commands as c
from bot.domain import values as v
from bot.domain.errors import UsageError
from bot.domain.states import SessionOutcome
from bot.domain.timeparse import parse_duration

MAX_LINE = 8000
PREFIXES = ("/mentor-mod", "/mentor")
# `--` ends the options; some keyboards turn it into an em or en dash.
_DASHES = "(?:--|\u2014|\u2013)"
_SEPARATOR = re.compile(r"(?:^|\s)" + _DASHES + r"(?:\s|$)")
_OPTION = re.compile("^" + _DASHES + r"([a-z][a-z-]*)$")


def _usage(name: str) -> str:
    return f"Usage: {help_text.COMMANDS[name].usage}"


def split_prefix(line: str) -> tuple[str, str]:
    """Split `/mentor ask ...` into (`/mentor`, `ask ...`); a bare text gets `/mentor`."""
    stripped = line.strip()
    first, _, rest = stripped.partition(" ")
    lowered = first.lower()
    if lowered in PREFIXES:
        return lowered, rest.strip()
    if lowered.startswith("/"):
        raise UsageError(
            f"`{first[:30]}` is not a micromentor command.",
            hint="Commands start with `/mentor`. Type `/mentor help` to see them all.",
        )
    return "/mentor", stripped


def parse_line(line: str) -> c.Command:
    """Parse a whole command line such as `/mentor ask python -- ...`."""
    prefix, rest = split_prefix(line)
    if prefix == "/mentor-mod":
        return parse_mod(rest)
    return parse(rest)


def parse_mod(text: str) -> c.Command:
    """The text after `/mentor-mod` (Discord's form of `/mentor mod ...`)."""
    if not text.strip() or text.strip().lower() == "help":
        return c.Help("mod")
    return parse("mod " + text)


def form_for(text: str) -> tuple[str, str] | None:
    """Commands that lack what a form asks for, so front ends with forms open one:
    `ask` alone, `rate s7` and `dispute s7` with nothing more. Returns (form, session)."""
    try:
        words = split_prefix(text)[1].split() if text.strip() else []
    except UsageError:
        return None  # not a /mentor command: the parser will say so
    if not words or (words[0].lower() == "ask" and len(words) == 1):
        return ("ask", "")
    if words[0].lower() in ("rate", "dispute") and len(words) == 2 and "--" not in text:
        return (words[0].lower(), words[1])
    return None


def _split_free_text(text: str) -> tuple[str, str | None]:
    match = _SEPARATOR.search(text)
    if match is None:
        return text, None
    return text[: match.start()], text[match.end() :].strip()


TEXT_OPTIONS = frozenset({"goal", "tried", "at"})


def _options(
    tokens: list[str], allowed: tuple[str, ...], command: str
) -> tuple[list[str], dict[str, str]]:
    """Positional tokens, and option values.

    A text option (--goal, --tried, --at) takes every token up to the next option; a
    one-word option (--minutes, --with, --mentors, --days, the rating aspects, ...) takes one
    token, so skills may follow it: `ask --with @ana python -- ...`.
    """
    positional: list[str] = []
    options: dict[str, list[str]] = {}
    current: str | None = None
    for token in tokens:
        match = _OPTION.match(token)
        if match:
            name = match.group(1)
            if name not in allowed:
                known = ", ".join(f"--{a}" for a in allowed) or "none"
                raise UsageError(
                    f"`{token[:30]}` is not an option of `{command}` (its options: {known}).",
                    hint=_usage(command),
                )
            if name in options:
                raise UsageError(f"`--{name}` is given twice.", hint=_usage(command))
            options[name] = []
            current = name
        elif current is not None:
            options[current].append(token)
            if current not in TEXT_OPTIONS:
                current = None
        else:
            positional.append(token)
    values: dict[str, str] = {}
    for name, parts in options.items():
        value = _unquote(" ".join(parts))
        if not value:
            raise UsageError(f"`--{name}` needs a value.", hint=_usage(command))
        values[name] = value
    return positional, values


def _unquote(value: str) -> str:
    # Only a value wrapped whole in one pair of quotes: `"a" and "b"` keeps its quotes.
    if (
        len(value) >= 2
        and value[0] == value[-1]
        and value[0] in "\"'"
        and value[0] not in value[1:-1]
    ):
        return value[1:-1].strip()
    return value.strip()


def _no_free_text(free: str | None, command: str) -> None:
    if free is not None:
        raise UsageError(f"`{command}` takes no text after `--`.", hint=_usage(command))


def _at_most(positional: list[str], n: int, command: str) -> None:
    if len(positional) > n:
        extra = " ".join(positional[n:])[:40]
        raise UsageError(f"I didn't expect `{extra}` here.", hint=_usage(command))


def parse(text: str) -> c.Command:
    """Parse the text after `/mentor` into a Command; raises UsageError with what to type."""
    if len(text) > MAX_LINE:
        raise UsageError(
            f"That command is too long ({len(text)} characters; at most {MAX_LINE}).",
            hint="Shorten the question: mentors read it at a glance.",
        )
    head, free = _split_free_text(text.strip())
    tokens = head.split()
    if not tokens:
        if free is not None:
            raise UsageError("A command is missing before `--`.", hint=_usage("ask"))
        return c.Help()
    name, args = tokens[0].lower(), tokens[1:]
    handler = PARSERS.get(name)
    if handler is None:
        guess = difflib.get_close_matches(name, list(PARSERS), n=1)
        hint = f"Did you mean `/mentor {guess[0]}`?" if guess else ""
        raise UsageError(
            f"I don't know the command `{name[:30]}`.",
            hint=(hint + " " if hint else "") + "Type `/mentor help` to see every command.",
        )
    return handler(args, free)


def _help(args: list[str], free: str | None) -> c.Command:
    _no_free_text(free, "help")
    _at_most(args, 1, "help")
    if not args:
        return c.Help()
    topic = args[0].lower().lstrip("/")
    if topic not in help_text.COMMANDS:
        raise UsageError(
            f"There is no help for `{topic[:30]}`.",
            hint="Commands: " + ", ".join(sorted(help_text.COMMANDS)),
        )
    return c.Help(topic)


def _skills(args: list[str], free: str | None) -> c.Command:
    _no_free_text(free, "skills")
    if not args:
        return c.ShowSkills()
    action, tags = args[0].lower(), tuple(args[1:])
    if action in ("add", "remove", "rm", "del", "delete"):
        if not tags:
            raise UsageError(f"Which skills should I {action}?", hint=_usage("skills"))
        return c.AddSkills(tags) if action == "add" else c.RemoveSkills(tags)
    if action in ("list", "show"):
        _at_most(args, 1, "skills")
        return c.ShowSkills()
    raise UsageError(f"`skills {action[:20]}` is not something I can do.", hint=_usage("skills"))


def _available(args: list[str], free: str | None) -> c.Command:
    _no_free_text(free, "available")
    if args and args[0].lower() == "for":
        args = args[1:]
        if not args:
            raise UsageError("For how long?", hint=_usage("available"))
    if not args:
        return c.SetAvailable()
    return c.SetAvailable(parse_duration("".join(args)))


def _profile(args: list[str], free: str | None) -> c.Command:
    _no_free_text(free, "profile")
    if not args:
        return c.ShowProfile()
    what, rest = args[0].lower(), args[1:]
    if what in ("tz", "timezone", "zone"):
        if len(rest) != 1:
            raise UsageError("Give one time zone, like `Europe/Berlin`.", hint=_usage("profile"))
        return c.SetTimezone(rest[0])
    if what == "hours":
        if len(rest) == 1 and rest[0].lower() in ("clear", "none", "off"):
            return c.SetHours(None, None)
        if len(rest) != 2:
            raise UsageError(
                "Give days and a time range, like `hours mon-fri 09:00-17:00`.",
                hint=_usage("profile"),
            )
        return c.SetHours(rest[0], rest[1])
    if what == "link":
        if len(rest) != 1:
            raise UsageError(
                "Give one web address, or `clear`: `profile link https://meet.example.com/me`.",
                hint=_usage("profile"),
            )
        return c.SetCallLink(None if rest[0].lower() in ("clear", "none", "off") else rest[0])
    if what == "leaderboard":
        if len(rest) != 1 or rest[0].lower() not in ("on", "off"):
            raise UsageError("`profile leaderboard on` or `off`.", hint=_usage("profile"))
        return c.SetLeaderboard(rest[0].lower() == "on")
    if what == "capacity":
        if len(rest) != 2 or not all(v.is_whole_number(r) for r in rest):
            raise UsageError(
                "Give two numbers: sessions at once and per week, like `capacity 1 5`.",
                hint=_usage("profile"),
            )
        return c.SetCapacity(v.as_number(rest[0]), v.as_number(rest[1]))
    raise UsageError(f"`profile {what[:20]}` is not something I can set.", hint=_usage("profile"))


def _ask(args: list[str], free: str | None) -> c.Command:
    # `--choose` is a switch: it takes no value, so a skill may follow it
    choose = any(a.lower() == "--choose" for a in args) or None
    args = [a for a in args if a.lower() != "--choose"]
    positional, opts = _options(
        args, ("minutes", "at", "goal", "tried", "with", "mentors", "about", "post"), "ask"
    )
    if not positional and free and not opts and not choose:
        return c.SkillsFromQuestion(free)
    if "post" in opts:
        return _ask_about_post(positional, opts, free, bool(choose))
    if not positional:
        raise UsageError(
            "Which skills is your question about?",
            hint=_usage("ask") + "\nExample: " + help_text.COMMANDS["ask"].example,
        )
    if not free:
        raise UsageError(
            "What is your question? Write it after `--`.",
            hint=_usage("ask") + "\nExample: " + help_text.COMMANDS["ask"].example,
        )
    minutes: int | None = None
    if "minutes" in opts:
        raw = opts["minutes"].lower().removesuffix("m").removesuffix("min")
        if not v.is_whole_number(raw):
            raise UsageError("`--minutes` takes a number, like `--minutes 30`.", hint=_usage("ask"))
        minutes = v.as_number(raw)
    mentors = 1
    if "mentors" in opts:
        if not v.is_whole_number(opts["mentors"]):
            raise UsageError("`--mentors` takes a number, like `--mentors 2`.", hint=_usage("ask"))
        mentors = v.as_number(opts["mentors"])
    return c.AskForHelp(
        with_mentor=opts.get("with"),
        mentors=mentors,
        tags=tuple(positional),
        question=free,
        minutes=minutes,
        at=opts.get("at"),
        goal=opts.get("goal"),
        tried=opts.get("tried"),
        about=opts.get("about"),
        choose=choose,
    )


def _ask_about_post(
    positional: list[str], opts: dict[str, str], free: str | None, choose: bool
) -> c.Command:
    """`ask <skills> --post p3`: the question is the post's, so nothing else is given."""
    if free or choose or set(opts) != {"post"}:
        raise UsageError(
            "With `--post`, give only the skills: the question is your post's text.",
            hint="For example `/mentor ask python --post p3`.",
        )
    if not positional:
        raise UsageError(
            "Which skills is your post about?", hint="For example `/mentor ask python --post p3`."
        )
    return c.AskAboutPost(opts["post"], tuple(positional))


def _edit(args: list[str], free: str | None) -> c.Command:
    positional, opts = _options(args, ("goal", "tried"), "edit")
    _at_most(positional, 1, "edit")
    if not free and not opts:
        raise UsageError(
            "What should the request say now? Write it after `--`.", hint=_usage("edit")
        )
    return c.EditRequest(
        request=positional[0] if positional else None,
        question=free or None,
        goal=opts.get("goal"),
        tried=opts.get("tried"),
    )


_SESSION_ID = re.compile(r"^#?s\d{1,12}$", re.IGNORECASE)
_BARE_ID = re.compile(r"^#?\d{1,12}$")


def _split_session(args: list[str], rest_needed: int) -> tuple[str | None, list[str]]:
    """Take a leading session id (`s7`, or a bare number when more arguments follow)."""
    if args and (
        _SESSION_ID.match(args[0]) or (_BARE_ID.match(args[0]) and len(args) > rest_needed)
    ):
        return args[0], args[1:]
    return None, args


def _withdraw(args: list[str], free: str | None) -> c.Command:
    _at_most(args, 1, "withdraw")
    return c.Withdraw(args[0] if args else None, free or None)


def _reschedule(args: list[str], free: str | None) -> c.Command:
    _no_free_text(free, "reschedule")
    session, rest = _split_session(args, 1)
    if not rest:
        raise UsageError(
            "To when? For example `reschedule s7 tomorrow 18:00`.", hint=_usage("reschedule")
        )
    return c.Reschedule(session, " ".join(rest))


def _extend(args: list[str], free: str | None) -> c.Command:
    _no_free_text(free, "extend")
    session, rest = _split_session(args, 1)
    minutes = rest[0].lower().removesuffix("m").removesuffix("min") if len(rest) == 1 else ""
    if not v.is_whole_number(minutes):
        raise UsageError("By how many minutes? For example `extend s7 15`.", hint=_usage("extend"))
    return c.Extend(session, v.as_number(minutes))


def _done(args: list[str], free: str | None) -> c.Command:
    _no_free_text(free, "done")
    session, rest = _split_session(args, 1)
    if session is None and rest and _BARE_ID.match(rest[0]):
        session, rest = rest[0], rest[1:]
    _at_most(rest, 1, "done")
    return c.Done(session, rest[0].lower() if rest else SessionOutcome.RESOLVED)


ASPECTS = ("helpfulness", "clarity", "preparedness", "engagement")


def _rate(args: list[str], free: str | None) -> c.Command:
    positional, opts = _options(args, ASPECTS, "rate")
    session, rest = _split_session(positional, 1)
    who = None
    if rest and (rest[0].startswith("@") or rest[0].startswith("<@")):
        who, rest = rest[0], rest[1:]
    if len(rest) != 1 or not v.is_whole_number(rest[0]):
        raise UsageError("Rate with a number from 1 to 5, like `rate s7 4`.", hint=_usage("rate"))
    aspects = []
    for name in ASPECTS:
        if name in opts:
            if not v.is_whole_number(opts[name]):
                raise UsageError(f"`--{name}` takes a number from 1 to 5.", hint=_usage("rate"))
            aspects.append((name, v.as_number(opts[name])))
    return c.Rate(session, v.as_number(rest[0]), free or None, tuple(aspects), who)


def _mention_command(name: str, cls: type[c.Block] | type[c.Unblock]) -> _Parser:
    def parser(args: list[str], free: str | None) -> c.Command:
        _no_free_text(free, name)
        if len(args) != 1:
            raise UsageError(f"Whom? For example `{name} @someone`.", hint=_usage(name))
        return cls(args[0])

    return parser


def _dispute(args: list[str], free: str | None) -> c.Command:
    _at_most(args, 1, "dispute")
    if not free:
        raise UsageError(
            "Say what happened after `--`: `dispute s7 -- The mentor never joined.`",
            hint=_usage("dispute"),
        )
    return c.OpenDispute(args[0] if args else None, free)


def _report(args: list[str], free: str | None) -> c.Command:
    if len(args) != 1 or not free:
        raise UsageError(
            "Name the person and say what happened: `report @someone -- ...`.",
            hint=_usage("report"),
        )
    return c.Report(args[0], free)


def _appeal(args: list[str], free: str | None) -> c.Command:
    if len(args) != 1 or not free:
        raise UsageError("Name the dispute and say why: `appeal d3 -- ...`.", hint=_usage("appeal"))
    return c.Appeal(args[0], free)


def _kudos(args: list[str], free: str | None) -> c.Command:
    _at_most(args, 1, "kudos")
    return c.Kudos(args[0] if args else None, free or None)


def _forget(args: list[str], free: str | None) -> c.Command:
    _no_free_text(free, "forget")
    _at_most(args, 1, "forget")
    if args and args[0].lower() != "confirm":
        raise UsageError("To confirm, type `/mentor forget confirm`.", hint=_usage("forget"))
    return c.Forget(bool(args))


def _no_args(name: str, cls: Callable[[], c.Command]) -> _Parser:
    """A command that takes nothing: `/mentor queue`."""

    def parser(args: list[str], free: str | None) -> c.Command:
        _no_free_text(free, name)
        _at_most(args, 0, name)
        return cls()

    return parser


def _one_optional(name: str, cls: Callable[[str | None], c.Command]) -> _Parser:
    """A command with one optional word, often an id: `/mentor accept [r12]`."""

    def parser(args: list[str], free: str | None) -> c.Command:
        _no_free_text(free, name)
        _at_most(args, 1, name)
        return cls(args[0] if args else None)

    return parser


def _accept(args: list[str], free: str | None) -> c.Command:
    """`accept [r12] [-- a line for a member who is choosing]`."""
    _at_most(args, 1, "accept")
    return c.AcceptOffer(args[0] if args else None, note=free or None)


def _pick(args: list[str], free: str | None) -> c.Command:
    """`pick [r12] <number>`: one of the mentors listed as offering."""
    _no_free_text(free, "pick")
    if not 1 <= len(args) <= 2 or not v.is_whole_number(args[-1]):
        raise UsageError(
            "Say which mentor, by their number in the list: `pick r12 2`.", hint=_usage("pick")
        )
    return c.PickMentor(args[0] if len(args) == 2 else None, v.as_number(args[-1]))


def _mod_queue(rest: list[str], free: str | None) -> c.Command:
    _at_most(rest, 0, "mod")
    return c.ModQueue()


def _mod_log(rest: list[str], free: str | None) -> c.Command:
    _at_most(rest, 1, "mod")
    if rest and not v.is_whole_number(rest[0]):
        raise UsageError("`mod log` takes how many entries, like `mod log 50`.")
    return c.ModLog(v.as_number(rest[0]) if rest else 20)


def _mod_settings(rest: list[str], free: str | None) -> c.Command:
    _at_most(rest, 0, "mod")
    return c.ModSettings()


def _mod_set(rest: list[str], free: str | None) -> c.Command:
    if len(rest) < 2:
        raise UsageError(
            "Name the setting and its value: `mod set routing.wave_size 4`.", hint=_usage("mod")
        )
    return c.ModSet(rest[0], " ".join(rest[1:]))


def _mod_skills(rest: list[str], free: str | None) -> c.Command:
    if not rest:
        raise UsageError("`mod skills add|alias|remove ...`", hint=_usage("mod"))
    return c.ModSkills(rest[0].lower(), tuple(rest[1:]))


def _mod_report(rest: list[str], free: str | None) -> c.Command:
    positional, opts = _options(rest, ("days",), "mod")
    _at_most(positional, 0, "mod")
    period = opts.get("days", "30")
    if not v.is_whole_number(period):
        raise UsageError("`--days` takes a number, like `--days 30`.", hint=_usage("mod"))
    return c.ModReport(v.as_number(period))


def _mod_show(rest: list[str], free: str | None) -> c.Command:
    if len(rest) != 1:
        raise UsageError("Which dispute? `mod show d3`.", hint=_usage("mod"))
    return c.ModShow(rest[0])


def _mod_stats(rest: list[str], free: str | None) -> c.Command:
    if len(rest) != 1:
        raise UsageError("Whom? `mod stats @someone`.", hint=_usage("mod"))
    return c.ModStats(rest[0])


def _mod_resolve(rest: list[str], free: str | None) -> c.Command:
    positional, opts = _options(rest, ("days", "rating-by"), "mod")
    if len(positional) != 2 or not free:
        raise UsageError(
            "Name the dispute, the decision and a note: "
            "`mod resolve d3 warn -- Please be on time.`",
            hint=_usage("mod"),
        )
    days = None
    if "days" in opts:
        if not v.is_whole_number(opts["days"]):
            raise UsageError("`--days` takes a number, like `--days 3`.", hint=_usage("mod"))
        days = v.as_number(opts["days"])
    return c.ModResolve(positional[0], positional[1].lower(), free, days, opts.get("rating-by"))


def _mod_assign(rest: list[str], free: str | None) -> c.Command:
    if len(rest) != 2:
        raise UsageError(
            "Name the request and the mentor: `mod assign r3 @mentor2`.", hint=_usage("mod")
        )
    _no_free_text(free, "mod")
    return c.ModAssign(rest[0], rest[1])


def _mod_close(rest: list[str], free: str | None) -> c.Command:
    if len(rest) != 1 or not free:
        raise UsageError(
            "Name the request and write a note for the member after `--`: "
            "`mod close r3 -- Please ask again next week.`",
            hint=_usage("mod"),
        )
    return c.ModClose(rest[0], free)


def _mod(args: list[str], free: str | None) -> c.Command:
    """`mod <what> ...`: the moderators' commands, read by the table below."""
    if not args:
        raise UsageError("Which moderator command?", hint=_usage("mod"))
    what, rest = args[0].lower(), args[1:]
    parser = MOD_PARSERS.get(what)
    if parser is None:
        guess = difflib.get_close_matches(what, list(MOD_PARSERS), n=1)
        hint = f"Did you mean `/mentor mod {guess[0]}`? " if guess else ""
        raise UsageError(
            f"`mod {what[:20]}` is not a moderator command.", hint=hint + _usage("mod")
        )
    return parser(rest, free)


_Parser = Callable[[list[str], str | None], c.Command]

PARSERS: dict[str, _Parser] = {
    "help": _help,
    "skills": _skills,
    "available": _available,
    "away": _no_args("away", c.SetAway),
    "profile": _profile,
    "ask": _ask,
    "edit": _edit,
    "cancel": _one_optional("cancel", c.CancelRequest),
    "queue": _no_args("queue", c.ShowQueue),
    "open": _one_optional("open", c.ListOpen),
    "accept": _accept,
    "pick": _pick,
    "decline": _one_optional("decline", c.DeclineOffer),
    "sessions": _no_args("sessions", c.ListSessions),
    "checkin": _one_optional("checkin", c.CheckIn),
    "check-in": _one_optional("checkin", c.CheckIn),
    "withdraw": _withdraw,
    "reschedule": _reschedule,
    "extend": _extend,
    "done": _done,
    "rate": _rate,
    "mod": _mod,
    "block": _mention_command("block", c.Block),
    "unblock": _mention_command("unblock", c.Unblock),
    "dispute": _dispute,
    "report": _report,
    "appeal": _appeal,
    "me": _no_args("me", c.ShowMe),
    "stats": _mod_stats,
    "kudos": _kudos,
    "leaderboard": _one_optional("leaderboard", c.Leaderboard),
    "link": _one_optional("link", c.Link),
    "unlink": _no_args("unlink", c.Unlink),
    "export": _no_args("export", c.Export),
    "forget": _forget,
}

# The moderators' commands, by their word after `mod`.
MOD_PARSERS: dict[str, _Parser] = {
    "queue": _mod_queue,
    "log": _mod_log,
    "settings": _mod_settings,
    "set": _mod_set,
    "skills": _mod_skills,
    "report": _mod_report,
    "show": _mod_show,
    "stats": _mod_stats,
    "resolve": _mod_resolve,
    "assign": _mod_assign,
    "close": _mod_close,
}
