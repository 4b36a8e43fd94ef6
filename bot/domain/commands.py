"""Commands: what a person asked the core to do, parsed, typed and checked.

Every command checks its own values when it is built (see `bot.domain.values`), so a command
that exists is valid whichever front end built it: the text grammar, Discord's typed options,
a Slack form. A refusal is an `InvalidInput` naming the field and its range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.domain import values as v
from bot.domain.errors import InvalidInput
from bot.domain.states import AppealDecision, Decision, SessionOutcome, SkillAction
from bot.domain.timeparse import parse_days, parse_time_range, parse_when_form, parse_zone

# Static bounds: the widest any community may configure. A community's own, narrower
# settings (its session lengths, its longest question) are checked by the service.
QUESTION = v.TextField("question", 2900, "Write your question in a sentence or two.")
GOAL = v.TextField("goal", 2900, "Say in a few words what you want to reach.")
TRIED = v.TextField("tried", 2900, "Say in a few words what you tried.")
REASON = v.TextField("reason", 500)
STATEMENT = v.TextField("statement", 2000, "Say what happened.")
APPEAL_TEXT = v.TextField("why", 2000, "Say why the decision should change.")
RESOLVE_NOTE = v.TextField("note", 2000, "Write a short note for the parties.")
CLOSE_NOTE = v.TextField("note", 1000, "Write the member a short note.")
COMMENT = v.TextField("comment", 1000)
KUDOS = v.TextField("message", 500)
VOLUNTEER_NOTE = v.TextField("note", 200, "Say in a line why you're a good fit.")
CHOICE = v.IntRange("choice", 1, 50, "`/mentor pick r12 2`")
SETTING_VALUE = v.TextField("value", 200, "For example `mod set routing.wave_size 4`.", False)
SETTING_KEY = v.TextField("key", 60, "For example `mod set routing.wave_size 4`.", False)
ASK_SKILLS = v.SkillList("skills", 5, "`python asyncio`")
PROFILE_SKILLS = v.SkillList("skills", 30, "`python sql`")
MOD_SKILLS = v.SkillList("skills", 10, "`mod skills add godot gd`")
ONE_SKILL = v.SkillList("skill", 1, "`python`")
MINUTES = v.IntRange("minutes", 5, 240, "`--minutes 30`", "minutes")
MENTORS = v.IntRange("mentors", 1, 10, "`--mentors 2`")
EXTEND_MINUTES = v.IntRange("minutes", 5, 120, "`/mentor extend s7 15`", "minutes")
CONCURRENT = v.IntRange("concurrent", 1, 10, "`/mentor profile capacity 1 5`")
PER_WEEK = v.IntRange("per_week", 1, 100, "`/mentor profile capacity 1 5`")
SCORE = v.IntRange("score", 1, 5, "`/mentor rate s7 4`")
SUSPEND_DAYS = v.IntRange("days", 1, 365, "`--days 3`", "days")
REPORT_DAYS = v.IntRange("days", 1, 365, "`/mentor mod report --days 30`", "days")
LOG_ENTRIES = v.IntRange("entries", 1, 100, "`/mentor mod log 50`")
AVAILABLE_FOR = v.DurationRange(
    "duration", timedelta(minutes=5), timedelta(days=7), "`/mentor available for 2h`"
)
OUTCOME = v.Choice("outcome", tuple(SessionOutcome))
DECISION = v.Choice("decision", (*Decision, *AppealDecision))
MOD_SKILLS_ACTION = v.Choice("action", tuple(SkillAction))
ASPECTS = ("helpfulness", "clarity", "preparedness", "engagement")
ASPECT = v.Choice("aspect", ASPECTS)


def _set(command: Any, name: str, value: Any) -> None:
    """Store a checked value on a frozen command."""
    object.__setattr__(command, name, value)


def _tagged(field: str, error: InvalidInput) -> InvalidInput:
    """The same refusal, naming the field it came from."""
    return InvalidInput(error.message, hint=error.hint, field=field)


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class ShowSkills:
    pass


@dataclass(frozen=True)
class AddSkills:
    tags: tuple[str, ...]

    def __post_init__(self) -> None:
        _set(self, "tags", PROFILE_SKILLS.check(self.tags))


@dataclass(frozen=True)
class RemoveSkills:
    tags: tuple[str, ...]

    def __post_init__(self) -> None:
        _set(self, "tags", PROFILE_SKILLS.check(self.tags))


@dataclass(frozen=True)
class SetAvailable:
    duration: timedelta | None = None  # None: the community's default

    def __post_init__(self) -> None:
        if self.duration is not None:
            AVAILABLE_FOR.check(self.duration)


@dataclass(frozen=True)
class SetAway:
    pass


@dataclass(frozen=True)
class ShowProfile:
    pass


@dataclass(frozen=True)
class SetTimezone:
    zone: str

    def __post_init__(self) -> None:
        try:
            _set(self, "zone", parse_zone(v.clean_text(str(self.zone), multiline=False)).key)
        except InvalidInput as exc:
            raise _tagged("zone", exc) from None


@dataclass(frozen=True)
class SetHours:
    """Weekly hours on some days; both None clears every window."""

    days: str | None
    time_range: str | None

    def __post_init__(self) -> None:
        if (self.days is None) != (self.time_range is None):
            raise InvalidInput(
                "Give days and a time range, like `hours mon-fri 09:00-17:00`, or `clear`.",
                field="days" if self.days is None else "time_range",
            )
        if self.days is None or self.time_range is None:
            return
        try:
            parse_days(self.days)
        except InvalidInput as exc:
            raise _tagged("days", exc) from None
        try:
            parse_time_range(self.time_range)
        except InvalidInput as exc:
            raise _tagged("time_range", exc) from None

    @property
    def spans(self) -> tuple[tuple[str, ...], tuple[int, int]] | None:
        """The days and the minutes of the window, or None to clear."""
        if self.days is None or self.time_range is None:
            return None
        return parse_days(self.days), parse_time_range(self.time_range)


@dataclass(frozen=True)
class SetCapacity:
    concurrent: int
    per_week: int

    def __post_init__(self) -> None:
        CONCURRENT.check(self.concurrent)
        PER_WEEK.check(self.per_week)
        if self.concurrent > self.per_week:
            raise InvalidInput(
                "Sessions at once can't be more than sessions per week.",
                hint="For example `/mentor profile capacity 2 5`.",
                field="concurrent",
            )


@dataclass(frozen=True)
class AskForHelp:
    tags: tuple[str, ...]
    question: str
    minutes: int | None = None  # None: the community's default length
    at: str | None = None  # None: as soon as possible
    goal: str | None = None
    tried: str | None = None
    with_mentor: str | None = None
    mentors: int = 1
    about: str | None = None  # a link to the message the question is about
    # the member picks among the mentors who offer (None: the community's default)
    choose: bool | None = None

    def __post_init__(self) -> None:
        if self.about is not None:
            _set(self, "about", v.web_link(self.about, "about"))
        if self.choose and self.mentors > 1:
            raise InvalidInput(
                "`--choose` is for one mentor: leave out `--mentors`, or `--choose`.",
                field="mentors",
            )
        if self.choose and self.with_mentor is not None:
            raise InvalidInput(
                "With `--choose` you pick among the mentors who offer, so it doesn't go with "
                "`--with`, which names the mentor already: leave out one of them.",
                field="with",
            )
        tags, with_mentor = self.check_options(
            self.tags, self.minutes, self.at, self.with_mentor, self.mentors
        )
        _set(self, "tags", tags)
        _set(self, "with_mentor", with_mentor)
        _set(self, "question", QUESTION.check(self.question))
        _set(self, "goal", GOAL.check_optional(self.goal))
        _set(self, "tried", TRIED.check_optional(self.tried))

    @staticmethod
    def check_options(
        tags: tuple[str, ...] | str,
        minutes: int | None,
        at: str | None,
        with_mentor: str | None,
        mentors: int,
    ) -> tuple[tuple[str, ...], str | None]:
        """Check what a form asks before the question (the skills and the options), so a
        front end can refuse them before anyone writes the question; returns the skills
        and the mention, normalised."""
        checked = ASK_SKILLS.check((tags,) if isinstance(tags, str) else tags)
        return checked, AskForHelp.check_other_options(minutes, at, with_mentor, mentors)

    @staticmethod
    def check_other_options(
        minutes: int | None, at: str | None, with_mentor: str | None, mentors: int
    ) -> str | None:
        """The options besides the skills (for a form that asks for the skills itself);
        returns the mention, normalised."""
        if minutes is not None:
            MINUTES.check(minutes)
        if at is not None:
            try:
                parse_when_form(at)
            except InvalidInput as exc:
                raise _tagged("at", exc) from None
        MENTORS.check(mentors)
        return None if with_mentor is None else v.mention(with_mentor, "with")


@dataclass(frozen=True)
class SkillsFromQuestion:
    """`ask -- <question>` with no skills: which skills the question seems to be about,
    for the member to confirm by asking with them."""

    question: str
    in_form: bool = False  # asked from a form's empty Skills field, not typed

    def __post_init__(self) -> None:
        _set(self, "question", QUESTION.check(self.question))


@dataclass(frozen=True)
class AskAboutPost:
    """`ask <skills> --post p3`: the skills a help post is about, which it waits for (its
    question is the post's text)."""

    post: str
    tags: tuple[str, ...]

    def __post_init__(self) -> None:
        _set(self, "post", v.item_id("post", self.post))
        _set(self, "tags", ASK_SKILLS.check(self.tags))


@dataclass(frozen=True)
class EditRequest:
    request: str | None
    question: str | None = None
    goal: str | None = None
    tried: str | None = None

    def __post_init__(self) -> None:
        _set(self, "request", v.optional_item_id("request", self.request))
        if self.question is None and self.goal is None and self.tried is None:
            raise InvalidInput(
                "What should the request say now?",
                hint="Give a new question, goal or what you tried: `/mentor edit -- <question>`.",
                field="question",
            )
        _set(self, "question", QUESTION.check_optional(self.question))
        _set(self, "goal", GOAL.check_optional(self.goal))
        _set(self, "tried", TRIED.check_optional(self.tried))


@dataclass(frozen=True)
class CancelRequest:
    request: str | None = None

    def __post_init__(self) -> None:
        _set(self, "request", v.optional_item_id("request", self.request))


@dataclass(frozen=True)
class ShowQueue:
    pass


@dataclass(frozen=True)
class ListOpen:
    skill: str | None = None

    def __post_init__(self) -> None:
        if self.skill is not None:
            _set(self, "skill", ONE_SKILL.check((self.skill,))[0])


@dataclass(frozen=True)
class AcceptOffer:
    request: str | None = None
    # a line for a member who picks among the mentors who offer (`ask --choose`)
    note: str | None = None

    def __post_init__(self) -> None:
        _set(self, "request", v.optional_item_id("request", self.request))
        _set(self, "note", VOLUNTEER_NOTE.check_optional(self.note))


@dataclass(frozen=True)
class PickMentor:
    """`pick [r12] 2`: the member's choice among the mentors who offered."""

    request: str | None
    choice: int

    def __post_init__(self) -> None:
        _set(self, "request", v.optional_item_id("request", self.request))
        CHOICE.check(self.choice)


@dataclass(frozen=True)
class DeclineOffer:
    request: str | None = None

    def __post_init__(self) -> None:
        _set(self, "request", v.optional_item_id("request", self.request))


@dataclass(frozen=True)
class SetCallLink:
    url: str | None  # None clears it

    def __post_init__(self) -> None:
        if self.url is not None:
            _set(self, "url", v.web_link(self.url))


@dataclass(frozen=True)
class ListSessions:
    pass


@dataclass(frozen=True)
class CheckIn:
    session: str | None = None

    def __post_init__(self) -> None:
        _set(self, "session", v.optional_item_id("session", self.session))


@dataclass(frozen=True)
class Withdraw:
    session: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        _set(self, "session", v.optional_item_id("session", self.session))
        _set(self, "reason", REASON.check_optional(self.reason))


@dataclass(frozen=True)
class Reschedule:
    session: str | None
    when: str

    def __post_init__(self) -> None:
        _set(self, "session", v.optional_item_id("session", self.session))
        try:
            parse_when_form(self.when)
        except InvalidInput as exc:
            raise _tagged("when", exc) from None


@dataclass(frozen=True)
class Extend:
    session: str | None
    minutes: int

    def __post_init__(self) -> None:
        _set(self, "session", v.optional_item_id("session", self.session))
        EXTEND_MINUTES.check(self.minutes)


@dataclass(frozen=True)
class Done:
    session: str | None = None
    outcome: str = SessionOutcome.RESOLVED

    def __post_init__(self) -> None:
        _set(self, "session", v.optional_item_id("session", self.session))
        _set(self, "outcome", SessionOutcome(OUTCOME.check(self.outcome)))


@dataclass(frozen=True)
class Rate:
    session: str | None
    score: int
    comment: str | None = None
    aspects: tuple[tuple[str, int], ...] = ()
    who: str | None = None  # a mention, when a session has several mentors

    def __post_init__(self) -> None:
        _set(self, "session", v.optional_item_id("session", self.session))
        SCORE.check(self.score)
        _set(self, "comment", COMMENT.check_optional(self.comment))
        checked = []
        for name, value in self.aspects:
            aspect = ASPECT.check(name)
            v.IntRange(aspect, 1, 5, f"`--{aspect} 4`").check(value)
            checked.append((aspect, value))
        if len({name for name, _ in checked}) != len(checked):
            raise InvalidInput("Each aspect can be rated once.", field="aspect")
        _set(self, "aspects", tuple(checked))
        if self.who is not None:
            _set(self, "who", v.mention(self.who, "mentor"))


@dataclass(frozen=True)
class ModAssign:
    request: str
    mentor: str

    def __post_init__(self) -> None:
        _set(self, "request", v.item_id("request", self.request))
        _set(self, "mentor", v.mention(self.mentor, "mentor"))


@dataclass(frozen=True)
class ModClose:
    request: str
    note: str

    def __post_init__(self) -> None:
        _set(self, "request", v.item_id("request", self.request))
        _set(self, "note", CLOSE_NOTE.check(self.note))


@dataclass(frozen=True)
class Block:
    who: str

    def __post_init__(self) -> None:
        _set(self, "who", v.mention(self.who, "user"))


@dataclass(frozen=True)
class Unblock:
    who: str

    def __post_init__(self) -> None:
        _set(self, "who", v.mention(self.who, "user"))


@dataclass(frozen=True)
class OpenDispute:
    session: str | None
    statement: str

    def __post_init__(self) -> None:
        _set(self, "session", v.optional_item_id("session", self.session))
        _set(self, "statement", STATEMENT.check(self.statement))


@dataclass(frozen=True)
class Report:
    who: str
    statement: str

    def __post_init__(self) -> None:
        _set(self, "who", v.mention(self.who, "user"))
        _set(self, "statement", STATEMENT.check(self.statement))


@dataclass(frozen=True)
class Appeal:
    dispute: str
    text: str

    def __post_init__(self) -> None:
        _set(self, "dispute", v.item_id("dispute", self.dispute))
        _set(self, "text", APPEAL_TEXT.check(self.text))


@dataclass(frozen=True)
class ModQueue:
    pass


@dataclass(frozen=True)
class ModResolve:
    dispute: str
    decision: str
    note: str
    days: int | None = None  # None: the graduated length for this person's record
    rating_by: str | None = None  # void only the rating given by this person

    def __post_init__(self) -> None:
        _set(self, "dispute", v.item_id("dispute", self.dispute))
        _set(self, "decision", DECISION.check(self.decision))
        _set(self, "note", RESOLVE_NOTE.check(self.note))
        if self.days is not None:
            SUSPEND_DAYS.check(self.days)
            if self.decision != Decision.SUSPEND:
                raise InvalidInput(
                    "`days` only goes with a suspension.",
                    hint="`/mentor mod resolve d3 suspend --days 3 -- <note>`",
                    field="days",
                )
        if self.rating_by is not None:
            _set(self, "rating_by", v.mention(self.rating_by, "rating_by"))
            if self.decision != Decision.VOID:
                raise InvalidInput(
                    "`rating-by` only goes with `void`.",
                    hint="`/mentor mod resolve d3 void --rating-by @someone -- <note>`",
                    field="rating_by",
                )


@dataclass(frozen=True)
class ModSettings:
    pass


@dataclass(frozen=True)
class ModSet:
    key: str
    value: str

    def __post_init__(self) -> None:
        _set(self, "key", SETTING_KEY.check(self.key).lower())
        _set(self, "value", SETTING_VALUE.check(self.value))


@dataclass(frozen=True)
class ModSkills:
    action: str
    args: tuple[str, ...]

    def __post_init__(self) -> None:
        _set(self, "action", SkillAction(MOD_SKILLS_ACTION.check(self.action)))
        _set(self, "args", MOD_SKILLS.check(self.args))


@dataclass(frozen=True)
class ModReport:
    days: int = 30

    def __post_init__(self) -> None:
        REPORT_DAYS.check(self.days)


@dataclass(frozen=True)
class Link:
    code: str | None = None  # None: make a code

    def __post_init__(self) -> None:
        if self.code is not None:
            _set(self, "code", v.link_code(self.code))


@dataclass(frozen=True)
class Unlink:
    pass


@dataclass(frozen=True)
class Export:
    pass


@dataclass(frozen=True)
class Forget:
    confirm: bool = False


@dataclass(frozen=True)
class ModShow:
    dispute: str

    def __post_init__(self) -> None:
        _set(self, "dispute", v.item_id("dispute", self.dispute))


@dataclass(frozen=True)
class ModLog:
    limit: int = 20

    def __post_init__(self) -> None:
        LOG_ENTRIES.check(self.limit)


@dataclass(frozen=True)
class ModStats:
    who: str

    def __post_init__(self) -> None:
        _set(self, "who", v.mention(self.who, "user"))


@dataclass(frozen=True)
class ShowMe:
    pass


@dataclass(frozen=True)
class Kudos:
    session: str | None
    message: str | None = None

    def __post_init__(self) -> None:
        _set(self, "session", v.optional_item_id("session", self.session))
        _set(self, "message", KUDOS.check_optional(self.message))


@dataclass(frozen=True)
class Leaderboard:
    skill: str | None = None

    def __post_init__(self) -> None:
        if self.skill is not None:
            _set(self, "skill", ONE_SKILL.check((self.skill,))[0])


@dataclass(frozen=True)
class SetLeaderboard:
    on: bool


Command = (
    Help
    | ShowSkills
    | AddSkills
    | RemoveSkills
    | SetAvailable
    | SetAway
    | ShowProfile
    | SetTimezone
    | SetHours
    | SetCapacity
    | AskForHelp
    | SkillsFromQuestion
    | AskAboutPost
    | PickMentor
    | EditRequest
    | CancelRequest
    | ShowQueue
    | ListOpen
    | AcceptOffer
    | DeclineOffer
    | SetCallLink
    | ListSessions
    | CheckIn
    | Withdraw
    | Reschedule
    | Extend
    | Done
    | Rate
    | ModAssign
    | ModClose
    | Block
    | Unblock
    | OpenDispute
    | Report
    | Appeal
    | ModQueue
    | ModResolve
    | ModLog
    | ModShow
    | ModSettings
    | ModSet
    | ModSkills
    | ModReport
    | Link
    | Unlink
    | Export
    | Forget
    | ModStats
    | ShowMe
    | Kudos
    | Leaderboard
    | SetLeaderboard
)
