"""The states of requests and sessions, and one table of what each command may do in each;
and every other closed set of words the core stores or offers as a choice.

Every command that acts on a request or a session asks `require_*` here before it changes
anything, so the rule and the words for a refusal live in one place: "s7 was a no-show, so
there is nothing to rate", whatever the command that hit it.

Each StrEnum here is the one definition of its words: the services compare with its members,
the front ends build their choices from it, and the store refuses any other word in its column
(bot.storage.migrations.CHECKS). A new member needs a migration that recreates that column's
check, or the store refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.errors import Conflict


class RequestState(StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    CLOSED = "closed"


class PostStatus(StrEnum):
    """What a help post shows of its request (a reaction on Slack, a tag on Discord): not
    stored, so it has no check."""

    WAITING = "waiting"  # for its author to say which skills it is about
    OPEN = "open"
    TAKEN = "taken"
    SOLVED = "solved"
    CLOSED = "closed"  # cancelled, expired or closed by a moderator


class SessionState(StrEnum):
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"


class SessionOutcome(StrEnum):
    """How the people in a session say it ended (`/mentor done s7 partial`)."""

    RESOLVED = "resolved"
    PARTIAL = "partial"
    REFERRED = "referred"


class Decision(StrEnum):
    """A moderator's decision on a dispute or report."""

    DISMISS = "dismiss"
    VOID = "void"
    WARN = "warn"
    SUSPEND = "suspend"


class AppealDecision(StrEnum):
    UPHOLD = "uphold"
    OVERTURN = "overturn"


class SessionEnding(StrEnum):
    """How a session ended when no one said how (`SessionOutcome`): what the bot records as
    its outcome when it ends one itself, or someone withdraws, cancels or is forgotten."""

    TIMEBOX = "timebox"
    WITHDRAWN = "withdrawn"
    CANCELLED_BY_MEMBER = "cancelled_by_member"
    MENTOR_NO_SHOW = "mentor_no_show"
    MENTEE_NO_SHOW = "mentee_no_show"
    BOTH_NO_SHOW = "both_no_show"
    FORGOTTEN = "forgotten"


class OfferState(StrEnum):
    """An offer of a request to one mentor, from the moment it is sent."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"  # the mentor let the deadline pass
    TAKEN = "taken"  # another mentor accepted first
    WITHDRAWN = "withdrawn"  # the request was called off, or someone left


class Role(StrEnum):
    """Who someone is in a session."""

    MENTOR = "mentor"
    MENTEE = "mentee"


class ProposalKind(StrEnum):
    """What a session proposal, waiting for the other side to agree, would change."""

    RESCHEDULE = "reschedule"
    EXTEND = "extend"


class DisputeKind(StrEnum):
    SESSION = "session"  # about a session, by one of its people
    REPORT = "report"  # about a person, by anyone


class DisputeState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"  # a moderator decided; one appeal may follow
    APPEALED = "appealed"
    FINAL = "final"  # another moderator decided the appeal


class SanctionKind(StrEnum):
    WARNING = "warning"
    SUSPENSION = "suspension"


class DueKind(StrEnum):
    """The kinds of due action (bot.service.due), and what each one's ref_id names."""

    OFFER_DEADLINE = "offer_deadline"  # offer
    NEXT_WAVE = "request_next_wave"  # request
    ESCALATE_MODERATORS = "escalate_moderators"  # request
    REQUEST_EXPIRE = "request_expire"  # request
    SESSION_REMIND_START = "session_remind_start"  # session
    SESSION_START = "session_start"  # session
    SESSION_CHECKIN_DEADLINE = "session_checkin_deadline"  # session
    SESSION_REMIND_END = "session_remind_end"  # session
    SESSION_END = "session_end"  # session
    RATINGS_CLOSE = "ratings_close"  # session
    SUSPENSION_END = "suspension_end"  # person
    RETENTION = "retention"  # community-wide, ref 0
    CHOICE_DEADLINE = "request_choice_deadline"  # request: the member's time to pick is up


class SkillAction(StrEnum):
    """What `mod skills` does to the community's own skills."""

    ADD = "add"
    ALIAS = "alias"
    REMOVE = "remove"


LIVE_SESSION = frozenset({SessionState.SCHEDULED, SessionState.ACTIVE})

# Which state may follow which: every conditional update of a session's state follows this.
SESSION_TRANSITIONS: dict[SessionState, frozenset[SessionState]] = {
    SessionState.SCHEDULED: frozenset(
        {SessionState.ACTIVE, SessionState.WITHDRAWN, SessionState.CANCELLED}
    ),
    SessionState.ACTIVE: frozenset(
        {
            SessionState.COMPLETED,
            SessionState.NO_SHOW,
            SessionState.WITHDRAWN,
            SessionState.CANCELLED,
        }
    ),
    SessionState.COMPLETED: frozenset(),
    SessionState.NO_SHOW: frozenset(),
    SessionState.WITHDRAWN: frozenset(),
    SessionState.CANCELLED: frozenset(),
}

REQUEST_TRANSITIONS: dict[RequestState, frozenset[RequestState]] = {
    RequestState.OPEN: frozenset(
        {RequestState.MATCHED, RequestState.CANCELLED, RequestState.EXPIRED, RequestState.CLOSED}
    ),
    # Matched goes back to open when its mentor withdraws or doesn't come.
    RequestState.MATCHED: frozenset(
        {RequestState.OPEN, RequestState.CANCELLED, RequestState.CLOSED}
    ),
    RequestState.CANCELLED: frozenset(),
    RequestState.EXPIRED: frozenset(),
    RequestState.CLOSED: frozenset(),
}


def can_move(old: SessionState | RequestState, new: SessionState | RequestState) -> bool:
    """Whether a session or request may go from `old` to `new`."""
    if isinstance(old, SessionState) and isinstance(new, SessionState):
        return new in SESSION_TRANSITIONS[old]
    if isinstance(old, RequestState) and isinstance(new, RequestState):
        return new in REQUEST_TRANSITIONS[old]
    return False


# How a state reads in a refusal, after the id: "s7 was a no-show".
_SESSION_IS = {
    SessionState.SCHEDULED: "hasn't started yet",
    SessionState.ACTIVE: "is still running",
    SessionState.COMPLETED: "has already ended",
    SessionState.NO_SHOW: "was a no-show (not everyone checked in)",
    SessionState.WITHDRAWN: "was given back by its mentor",
    SessionState.CANCELLED: "was cancelled by the member",
}
_REQUEST_IS = {
    RequestState.OPEN: "is still open",
    RequestState.MATCHED: "is already matched with a mentor",
    RequestState.CANCELLED: "was cancelled",
    RequestState.EXPIRED: "expired without a mentor",
    RequestState.CLOSED: "was closed",
}


class SessionStep(StrEnum):
    """What a command wants to do with a session."""

    CHECK_IN = "check in to"
    WITHDRAW = "withdraw from"
    RESCHEDULE = "reschedule"
    EXTEND = "extend"
    DONE = "end"
    RATE = "rate"
    DISPUTE = "dispute"
    KUDOS = "thank a mentor for"
    CANCEL = "cancel"


class RequestStep(StrEnum):
    """What a command wants to do with a request."""

    EDIT = "edit"
    CANCEL = "cancel"
    ACCEPT = "accept"
    ASSIGN = "assign"
    CLOSE = "close"


@dataclass(frozen=True)
class Rule:
    """The states a step is allowed in, and what it says in the others."""

    allowed: frozenset[str]
    refusal: str  # "so it can't be rated": follows "<id> <state reads>, "
    hints: tuple[tuple[str, str], ...] = ()  # (state, hint) where a next step helps

    def hint(self, state: str, subject: str) -> str | None:
        for when, text in self.hints:
            if when == state:
                return text.format(id=subject)
        return None


SESSION_RULES: dict[SessionStep, Rule] = {
    SessionStep.CHECK_IN: Rule(frozenset(LIVE_SESSION), "so there is nothing to check in to"),
    SessionStep.WITHDRAW: Rule(frozenset(LIVE_SESSION), "so there is nothing to withdraw from"),
    SessionStep.RESCHEDULE: Rule(
        frozenset({SessionState.SCHEDULED}),
        "so it can't be moved",
        ((SessionState.ACTIVE, "To end it, type `/mentor done {id}`."),),
    ),
    SessionStep.EXTEND: Rule(
        frozenset({SessionState.ACTIVE}),
        "so it can't be extended; only a running session can",
    ),
    SessionStep.DONE: Rule(
        frozenset({SessionState.ACTIVE}),
        "so there is nothing to end",
        (
            (
                SessionState.SCHEDULED,
                "The mentor can withdraw (`/mentor withdraw`), or either of you can propose "
                "another time (`/mentor reschedule`).",
            ),
        ),
    ),
    SessionStep.RATE: Rule(
        frozenset({SessionState.COMPLETED}),
        "so there is nothing to rate",
        (
            (SessionState.ACTIVE, "Rate it once it has ended: `/mentor done {id}`."),
            (SessionState.SCHEDULED, "Rate it once it has taken place."),
        ),
    ),
    SessionStep.DISPUTE: Rule(
        frozenset({SessionState.COMPLETED, SessionState.NO_SHOW, SessionState.WITHDRAWN}),
        "so there is nothing to dispute",
        (
            (SessionState.ACTIVE, "A dispute comes after the session has ended."),
            (SessionState.SCHEDULED, "A dispute comes after the session has ended."),
            (
                SessionState.CANCELLED,
                "If someone behaved badly, tell the moderators: `/mentor report @someone -- ...`.",
            ),
        ),
    ),
    SessionStep.KUDOS: Rule(
        frozenset({SessionState.COMPLETED}),
        "so there is no one to thank for it",
    ),
    SessionStep.CANCEL: Rule(frozenset(LIVE_SESSION), "so there is nothing to cancel"),
}

REQUEST_RULES: dict[RequestStep, Rule] = {
    RequestStep.EDIT: Rule(frozenset({RequestState.OPEN}), "so it can't be edited any more"),
    RequestStep.CANCEL: Rule(
        frozenset({RequestState.OPEN, RequestState.MATCHED}), "so there is nothing to cancel"
    ),
    RequestStep.ACCEPT: Rule(
        frozenset({RequestState.OPEN, RequestState.MATCHED}),
        "so there is nothing to accept any more",
        ((RequestState.EXPIRED, "Other open requests: `/mentor open`."),),
    ),
    RequestStep.ASSIGN: Rule(
        frozenset({RequestState.OPEN}), "so it can't be assigned; only open requests can"
    ),
    RequestStep.CLOSE: Rule(
        frozenset({RequestState.OPEN}), "so it can't be closed; only open requests can"
    ),
}


def require_session(step: SessionStep, state: str, subject: str) -> None:
    """Refuse `step` on a session in `state`, with the table's words."""
    rule = SESSION_RULES[step]
    if state not in rule.allowed:
        reads = _SESSION_IS.get(SessionState(state), f"is {state}")
        raise Conflict(f"{subject} {reads}, {rule.refusal}.", hint=rule.hint(state, subject))


def request_refusal(step: RequestStep, state: str, subject: str) -> Conflict:
    """The table's words for `step` on a request in `state` (which must not allow it)."""
    rule = REQUEST_RULES[step]
    reads = _REQUEST_IS.get(RequestState(state), f"is {state}")
    return Conflict(f"{subject} {reads}, {rule.refusal}.", hint=rule.hint(state, subject))


def require_request(step: RequestStep, state: str, subject: str) -> None:
    """Refuse `step` on a request in `state`, with the table's words."""
    if state not in REQUEST_RULES[step].allowed:
        raise request_refusal(step, state, subject)


def session_steps_states(step: SessionStep) -> tuple[str, ...]:
    """The states a step is allowed in, as stored (for "your only session in these states")."""
    return tuple(sorted(str(s) for s in SESSION_RULES[step].allowed))
