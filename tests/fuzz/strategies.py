"""Hypothesis strategies shared by every front end's fuzzing: command lines that mix real
command words, ids and mentions with hostile text; typed Discord option values of the right
and the wrong kind; Slack form states, right and forged; button values and custom_ids."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from tests.adapters.hostile import HOSTILE, HOSTILE_NAME


@dataclass(frozen=True)
class Platform:
    """The people a front end's inputs come from, and how it writes a mention of one."""

    name: str
    users: tuple[str, ...]  # platform user ids (console: names); the last is a moderator
    mention_format: str  # "@{}" or "<@{}>"
    newcomer: str = "newcomer"  # someone the store has never seen

    def mention(self, user: str) -> str:
        return self.mention_format.format(user)


# Pieces of text a member could send to break something: pings and links on both platforms,
# control, invisible and direction characters, numbers a parser may choke on, huge and odd text.
HOSTILE_BITS = (
    HOSTILE,
    HOSTILE_NAME,
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "@everyone",
    "@here",
    "<@U123>",
    "<@123456789012345678>",
    "<@&123456789012345678>",
    "<#C1>",
    "<https://evil.example|click>",
    "[click](https://evil.example)",
    "&amp; &lt; & < >",
    "\u202eevil\u202c",  # a right-to-left override
    "\u2066x\u2069",
    "\u200b",
    "\u200b\u200c\u200d\ufeff",
    "\u3164\u2800",  # letters that render as nothing
    "\x07\x1b[31m",
    "\x00",
    "\r\n",
    "\t",
    " ",
    "",
    "--",
    "—",
    "\u2013",
    "'",
    '"',
    "`",
    "```",
    "\\",
    "0",
    "-1",
    "00",
    "1e9",
    "NaN",
    "٣",
    "²",
    "\uff11\uff12",  # full-width digits
    "9" * 30,
    "9" * 5000,
    "x" * 3001,
    "ünïcödé 🙂 中文 עברית",
    "Z̴̧͝a̷l̸g̵o̶",
)

# Values a reader sees as nothing: each must be refused like an empty one, wherever it goes.
BLANKS = ("", " ", "\t", "\u200b", "\u3164", "\u2800", "\u202e", "\x07", ",", "#", "--")

SKILLS = ("python", "js", "sql", "rust", "c++", "c#", ".net", "pyhton", "#Python,", "go")
REQUEST_IDS = ("r1", "r2", "r3", "r4", "r9", "r0", "R1", "#r2", "2", "r99999999999999", "s1")
SESSION_IDS = ("s1", "s2", "s3", "s9", "s0", "S2", "#s1", "1", "s99999999999999", "r1")
DISPUTE_IDS = ("d1", "d2", "d3", "d0", "D1", "#d1", "1", "d99999999999999", "s1")
NUMBERS = ("0", "1", "2", "3", "5", "15", "30", "60", "240", "241", "-1", "1.5", "10m", "9" * 20)
DURATIONS = ("10m", "2h", "1d", "7d", "8d", "0m", "-1h", "1.5h", "h", "99999999999d", "2h30m")
WHENS = (
    "tomorrow 18:00",
    "in 2h",
    "in 0m",
    "now",
    "2026-11-24T13:00Z",
    "2026-11-24T13:00:00Z",
    "2026-11-22T13:00Z",
    "yesterday at noon",
    "in 99999999999d",
    "25:99",
    "mon 09:00",
)
ZONES = ("Europe/Berlin", "UTC", "America/New_York", "Mars/Base", "localtime", "Factory", "..")
DAYS = ("mon-fri", "sat", "mon,wed", "sun-mon", "xyz", "mon-")
RANGES = ("09:00-17:00", "24:00-01:00", "00:00-24:00", "17:00-09:00", "9-5", "00:00-00:00")
URLS = ("https://meet.example.com/x", "https://", "http://a", "javascript:alert(1)", "clear")
SETTING_KEYS = (
    "requests.session_lengths",
    "requests.default_minutes",
    "requests.max_open",
    "requests.max_per_week",
    "routing.wave_size",
    "routing.offer_deadline",
    "routing.max_waves",
    "routing.escalate_after",
    "routing.request_expiry",
    "sessions.rating_window",
    "accountability.leaderboard",
    "storage.url",
    "routing",
)
SETTING_VALUES = ("3", "0", "-1", "true", "on", "[15, 30]", "2h", "99999999999d", "abc", "30")
DECISIONS = ("dismiss", "void", "warn", "suspend", "uphold", "overturn", "ban")
OUTCOMES = ("resolved", "partial", "referred", "forgotten", "")

# Every word of the grammar, for lines built from random words.
COMMAND_WORDS = (
    "help",
    "skills",
    "add",
    "remove",
    "list",
    "available",
    "for",
    "away",
    "profile",
    "tz",
    "hours",
    "clear",
    "capacity",
    "link",
    "leaderboard",
    "on",
    "off",
    "ask",
    "edit",
    "cancel",
    "queue",
    "open",
    "accept",
    "decline",
    "sessions",
    "checkin",
    "withdraw",
    "reschedule",
    "extend",
    "done",
    "rate",
    "kudos",
    "dispute",
    "report",
    "appeal",
    "block",
    "unblock",
    "me",
    "stats",
    "unlink",
    "export",
    "forget",
    "confirm",
    "mod",
    "assign",
    "close",
    "resolve",
    "show",
    "log",
    "settings",
    "set",
    "--minutes",
    "--at",
    "--goal",
    "--tried",
    "--with",
    "--mentors",
    "--days",
    "--rating-by",
    "--helpfulness",
    "--clarity",
    "--preparedness",
    "--engagement",
    "--bogus",
    "--",
)
PREFIXES = ("/mentor ", "/mentor-mod ", "", "/MENTOR ", "/other ", "/mentor\t")

# Command shapes the grammar accepts, with holes filled by good and bad values alike, so
# that inputs reach the services and not only the parser's refusals.
TEMPLATES = (
    "ask {skills} -- {text}",
    "ask {skills} --minutes {n} -- {text}",
    "ask {skills} --at {when} -- {text}",
    "ask {skills} --goal {word} --tried {word} -- {text}",
    "ask {skills} --with {user} --mentors {n} -- {text}",
    "edit {rid} -- {text}",
    "edit --goal {text}",
    "cancel {rid}",
    "cancel",
    "queue",
    "open",
    "open {skill}",
    "accept {rid}",
    "accept",
    "decline {rid}",
    "skills add {skills}",
    "skills remove {skills}",
    "skills",
    "available",
    "available for {dur}",
    "away",
    "profile",
    "profile tz {zone}",
    "profile hours {days} {range}",
    "profile hours clear",
    "profile capacity {n} {n}",
    "profile link {url}",
    "profile leaderboard {word}",
    "sessions",
    "checkin {sid}",
    "checkin",
    "withdraw {sid} -- {text}",
    "reschedule {sid} {when}",
    "extend {sid} {n}",
    "done {sid} {outcome}",
    "done",
    "rate {sid} {n}",
    "rate {sid} {n} --helpfulness {n} --clarity {n} -- {text}",
    "rate {sid} {user} {n}",
    "kudos {sid} -- {text}",
    "dispute {sid} -- {text}",
    "report {user} -- {text}",
    "appeal {did} -- {text}",
    "block {user}",
    "unblock {user}",
    "me",
    "stats {user}",
    "leaderboard",
    "leaderboard {skill}",
    "link",
    "link {word}",
    "unlink",
    "export",
    "forget",
    "forget confirm",
    "help",
    "help {word}",
    "mod",
    "mod queue",
    "mod log {n}",
    "mod settings",
    "mod set {key} {value}",
    "mod skills add {skills}",
    "mod skills alias {skills}",
    "mod skills remove {skills}",
    "mod report --days {n}",
    "mod show {did}",
    "mod stats {user}",
    "mod resolve {did} {decision} -- {text}",
    "mod resolve {did} suspend --days {n} -- {text}",
    "mod resolve {did} void --rating-by {user} -- {text}",
    "mod assign {rid} {user}",
    "mod close {rid} -- {text}",
)
_HOLE = re.compile(r"\{(\w+)\}")


def _one(values: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Mostly one of the meaningful values, sometimes something blank, hostile or random."""
    return st.one_of(
        st.sampled_from(values),
        st.sampled_from(values),
        st.sampled_from(values),
        st.sampled_from(BLANKS),
        st.sampled_from(HOSTILE_BITS),
        st.text(max_size=8),
    )


# Free text: hostile pieces, random unicode (control and format characters included),
# long runs, and the blank and invisible-only texts that must be refused.
texts: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(("How do I read a CSV?", "It crashes", "Thanks!", "a")),
    st.lists(st.sampled_from(BLANKS), min_size=1, max_size=3).map("".join),
    st.sampled_from(HOSTILE_BITS),
    st.text(max_size=40),
    st.text(st.characters(categories=["Cc", "Cf", "Zs", "Mn"]), max_size=8),
    st.lists(st.sampled_from(HOSTILE_BITS), min_size=1, max_size=4).map(" ".join),
    st.integers(1, 9000).map(lambda n: "y" * n),
)
# One word: what a one-word hole or a random token may hold.
words: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(COMMAND_WORDS),
    st.sampled_from(SKILLS + REQUEST_IDS + SESSION_IDS + DISPUTE_IDS + NUMBERS),
    st.sampled_from(DURATIONS + WHENS + ZONES + DAYS + RANGES + URLS),
    st.sampled_from(HOSTILE_BITS),
    st.integers(-(10**20), 10**20).map(str),
    st.text(max_size=12),
)


def _holes(platform: Platform) -> dict[str, st.SearchStrategy[str]]:
    users = (*platform.users, "nobody", "U0", "999999999999999999")
    return {
        "skills": st.lists(_one(SKILLS), min_size=1, max_size=7).map(" ".join),
        "skill": _one(SKILLS),
        "text": texts,
        "word": words,
        "n": _one(NUMBERS),
        "rid": _one(REQUEST_IDS),
        "sid": _one(SESSION_IDS),
        "did": _one(DISPUTE_IDS),
        "user": _one(tuple(platform.mention(u) for u in users)),
        "dur": _one(DURATIONS),
        "when": _one(WHENS),
        "zone": _one(ZONES),
        "days": _one(DAYS),
        "range": _one(RANGES),
        "url": _one(URLS),
        "key": _one(SETTING_KEYS),
        "value": _one(SETTING_VALUES),
        "decision": _one(DECISIONS),
        "outcome": _one(OUTCOMES),
    }


def _good_holes(platform: Platform) -> dict[str, st.SearchStrategy[str]]:
    """Only the meaningful values, so that one bad value is what the command meets."""
    values = {
        "skill": SKILLS[:7],
        "text": ("How do I read a CSV?", "It crashes", "Thanks!"),
        "word": ("on", "off", "ABCD234567", "ask"),
        "n": ("1", "2", "5", "15", "30"),
        "rid": REQUEST_IDS[:4],
        "sid": SESSION_IDS[:3],
        "did": DISPUTE_IDS[:3],
        "user": tuple(platform.mention(u) for u in platform.users),
        "dur": DURATIONS[:4],
        "when": WHENS[:2] + WHENS[4:5],
        "zone": ZONES[:3],
        "days": DAYS[:3],
        "range": RANGES[:1],
        "url": URLS[:1],
        "key": SETTING_KEYS[:11],
        "value": ("3", "30", "2h", "on"),
        "decision": DECISIONS[:6],
        "outcome": OUTCOMES[:3],
    }
    holes = {name: st.sampled_from(v) for name, v in values.items()}
    holes["skills"] = st.lists(holes["skill"], min_size=1, max_size=3).map(" ".join)
    return holes


def _bad_holes() -> dict[str, st.SearchStrategy[str]]:
    """Blank, invisible, hostile or numerically wrong: each must be refused by name."""
    bad = st.one_of(
        st.sampled_from(BLANKS),
        st.sampled_from(BLANKS),
        st.sampled_from(HOSTILE_BITS),
        st.sampled_from(("0", "-1", "9" * 20, "99999999999d", "0m", "1e9")),
    )
    names = _HOLE.findall(" ".join(TEMPLATES))
    holes = {name: bad for name in names}
    holes["skills"] = st.lists(bad, min_size=1, max_size=3).map(" ".join)
    return holes


def _one_bad(
    template: str,
    good: dict[str, st.SearchStrategy[str]],
    bad: dict[str, st.SearchStrategy[str]],
) -> st.SearchStrategy[str]:
    """The template with good values in every hole but one."""
    names = _HOLE.findall(template)
    if not names:
        return st.just(template)

    def fill(values: tuple[str, ...]) -> str:
        it = iter(values)
        return _HOLE.sub(lambda _: next(it), template)

    return st.integers(0, len(names) - 1).flatmap(
        lambda i: st.tuples(*((bad if j == i else good)[n] for j, n in enumerate(names))).map(fill)
    )


def _filled(template: str, holes: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[str]:
    names = _HOLE.findall(template)

    def fill(values: tuple[str, ...]) -> str:
        it = iter(values)
        return _HOLE.sub(lambda _: next(it), template)

    return st.tuples(*(holes[n] for n in names)).map(fill)


def command_texts(platform: Platform) -> st.SearchStrategy[str]:
    """The text after `/mentor`: a real command with good or bad values, a real command word
    followed by anything, or random words."""
    holes = _holes(platform)
    shaped = st.sampled_from(TEMPLATES).flatmap(lambda t: _filled(t, holes))
    good, bad = _good_holes(platform), _bad_holes()
    one_bad = st.sampled_from(TEMPLATES).flatmap(lambda t: _one_bad(t, good, bad))
    token = st.one_of(words, holes["user"])
    loose = st.lists(token, max_size=10).map(" ".join)
    headed = st.tuples(st.sampled_from(COMMAND_WORDS), loose, st.none() | texts).map(
        lambda p: f"{p[0]} {p[1]}" + (f" -- {p[2]}" if p[2] is not None else "")
    )
    return st.one_of(shaped, shaped, shaped, one_bad, one_bad, headed, loose)


def command_lines(platform: Platform) -> st.SearchStrategy[str]:
    """A whole line such as `/mentor ask ...`, with real and wrong prefixes."""
    return st.tuples(st.sampled_from(PREFIXES), command_texts(platform)).map("".join)


# How far the clock moves between two inputs, so timers run too: offers expire, requests
# escalate and expire, sessions start, end and close their ratings.
advances: st.SearchStrategy[int] = st.sampled_from((1, 5, 10, 15, 30, 60, 180, 1440, 4320))
# The display name a platform sends with an input: None keeps the person's usual one.
names: st.SearchStrategy[str | None] = st.one_of(
    st.none(), st.none(), st.none(), st.sampled_from(HOSTILE_BITS), st.text(max_size=40)
)


def users(platform: Platform) -> st.SearchStrategy[str]:
    """Who acts: mostly the seeded people (one is a moderator), sometimes a newcomer."""
    return st.sampled_from(platform.users + platform.users + (platform.newcomer,))


# -- Slack ------------------------------------------------------------------------------------

_SELECT_VALUES = st.one_of(
    st.sampled_from(("1", "3", "5", "15", "30", "60", "0", "-1", "6", "99999999999", "abc", "")),
    st.sampled_from(HOSTILE_BITS),
)


def _element(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A form element's state as Slack sends it, or forged: another type, nulls, junk."""
    plain = st.builds(lambda v: {"type": "plain_text_input", "value": v}, st.none() | texts)
    single = st.builds(
        lambda v: {"type": "static_select", "selected_option": v},
        st.none() | st.builds(lambda x: {"value": x}, _SELECT_VALUES) | st.just({}),
    )
    multi = st.builds(
        lambda v: {"type": "multi_external_select", "selected_options": v},
        st.none()
        | st.lists(
            st.builds(lambda x: {"value": x}, _one(SKILLS)) | st.just({}) | st.just("python"),
            max_size=7,
        ),
    )
    junk = st.sampled_from((None, {}, [], "python", 5, {"type": "datepicker", "value": 5}))
    return st.one_of(good, good, good, plain, single, multi, junk)


def _ask_state() -> st.SearchStrategy[dict[str, Any]]:
    good_skills = st.builds(
        lambda opts: {"type": "multi_external_select", "selected_options": opts},
        st.lists(st.builds(lambda s: {"value": s}, _one(SKILLS)), max_size=6),
    )
    good_text = st.builds(lambda v: {"type": "plain_text_input", "value": v}, st.none() | texts)
    good_minutes = st.builds(
        lambda v: {"type": "static_select", "selected_option": {"value": v}}, _SELECT_VALUES
    )
    good_at = st.builds(lambda v: {"type": "plain_text_input", "value": v}, st.none() | _one(WHENS))
    return _state(
        {
            "skills": good_skills,
            "question": good_text,
            "goal": good_text,
            "tried": good_text,
            "minutes": good_minutes,
            "at": good_at,
        }
    )


def _rate_state() -> st.SearchStrategy[dict[str, Any]]:
    score = st.builds(
        lambda v: {"type": "static_select", "selected_option": {"value": v}}, _SELECT_VALUES
    )
    comment = st.builds(lambda v: {"type": "plain_text_input", "value": v}, st.none() | texts)
    blocks = {"score": score, "comment": comment}
    for aspect in ("helpfulness", "clarity", "preparedness", "engagement"):
        blocks[aspect] = score
    return _state(blocks)


def _dispute_state() -> st.SearchStrategy[dict[str, Any]]:
    text = st.builds(lambda v: {"type": "plain_text_input", "value": v}, st.none() | texts)
    return _state({"statement": text})


def _state(blocks: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """The `state.values` of a form: each block present (keyed twice, as Slack does) or
    missing, with its element right or forged; sometimes a block that isn't there."""
    parts = [
        st.one_of(
            st.builds(lambda e, b=name: {b: {b: e}}, _element(strategy)),
            st.builds(lambda e, b=name: {b: {b: e}}, _element(strategy)),
            st.just({}),
            st.just({name: None}),
            st.just({name: {"other": {"type": "plain_text_input", "value": "x"}}}),
        )
        for name, strategy in blocks.items()
    ]
    extra = st.sampled_from(({}, {"bogus": {"bogus": {"type": "plain_text_input", "value": "x"}}}))
    return st.tuples(*parts, extra).map(lambda ps: {k: v for p in ps for k, v in p.items()})


@dataclass(frozen=True)
class SlackForm:
    """A view_submission: which form, its private_metadata and its state."""

    callback_id: str
    metadata: Any
    values: Any


def slack_forms() -> st.SearchStrategy[SlackForm]:
    metadata = st.one_of(st.sampled_from((*SESSION_IDS, "")), st.none(), texts)
    state_of = {"ask": _ask_state(), "rate": _rate_state(), "dispute": _dispute_state()}
    form = st.sampled_from(("ask", "rate", "dispute")).flatmap(
        lambda cid: st.builds(SlackForm, st.just(cid), metadata, state_of[cid])
    )
    forged = st.builds(
        SlackForm,
        st.sampled_from(("ask", "rate", "dispute")),
        metadata,
        st.sampled_from((None, [], "x", {"skills": []})),
    )
    return st.one_of(form, form, form, form, forged)


def button_values(platform: Platform) -> st.SearchStrategy[str]:
    """What a Slack button carries: a command, a form to open, or something forged."""
    return st.one_of(
        command_lines(platform).map(lambda line: "/mentor " + line.split(" ", 1)[-1]),
        command_lines(platform),
        st.sampled_from(("modal:ask", "modal:rate", "modal:dispute", "modal:", "modal:x")),
        st.sampled_from(HOSTILE_BITS),
    )


# -- Discord ----------------------------------------------------------------------------------


def discord_custom_ids(platform: Platform) -> st.SearchStrategy[str]:
    """A button's custom_id (at most 100 characters, one line, as Discord allows): a command
    the bot could have put there, or any other after the bot's prefix."""
    body = st.one_of(
        command_texts(platform).map(lambda t: "/mentor " + t),
        command_lines(platform),
        st.sampled_from(HOSTILE_BITS),
    )
    return body.map(lambda b: ("mm|" + " ".join(b.split()))[:100]).filter(lambda c: c != "mm|")


def discord_strings() -> st.SearchStrategy[str]:
    """A string option: anything Discord lets a member type (up to 6000 characters)."""
    return st.one_of(words, texts.map(lambda t: t[:6000]), st.sampled_from(("", "   ")))


def discord_ints() -> st.SearchStrategy[int]:
    """An integer option: Discord sends any from -2^53 to 2^53."""
    return st.one_of(
        st.integers(-5, 300),
        st.sampled_from((0, -1, 2**31, 2**53, -(2**53), 10**15)),
        st.integers(-(2**53), 2**53),
    )
