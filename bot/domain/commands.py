"""Commands: what a person asked the core to do, parsed and typed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class ShowSkills:
    pass


@dataclass(frozen=True)
class AddSkills:
    tags: tuple[str, ...]


@dataclass(frozen=True)
class RemoveSkills:
    tags: tuple[str, ...]


@dataclass(frozen=True)
class SetAvailable:
    duration: timedelta | None = None


@dataclass(frozen=True)
class SetAway:
    pass


@dataclass(frozen=True)
class ShowProfile:
    pass


@dataclass(frozen=True)
class SetTimezone:
    zone: str


@dataclass(frozen=True)
class SetHours:
    days: str | None  # None clears every window
    time_range: str | None


@dataclass(frozen=True)
class SetCapacity:
    concurrent: int
    per_week: int


@dataclass(frozen=True)
class AskForHelp:
    tags: tuple[str, ...]
    question: str
    minutes: int | None = None
    at: str | None = None
    goal: str | None = None
    tried: str | None = None
    with_mentor: str | None = None
    mentors: int = 1


@dataclass(frozen=True)
class EditRequest:
    request: str | None
    question: str | None = None
    goal: str | None = None
    tried: str | None = None


@dataclass(frozen=True)
class CancelRequest:
    request: str | None = None


@dataclass(frozen=True)
class ShowQueue:
    pass


@dataclass(frozen=True)
class ListOpen:
    skill: str | None = None


@dataclass(frozen=True)
class AcceptOffer:
    request: str | None = None


@dataclass(frozen=True)
class DeclineOffer:
    request: str | None = None


@dataclass(frozen=True)
class SetCallLink:
    url: str | None  # None clears it


@dataclass(frozen=True)
class ListSessions:
    pass


@dataclass(frozen=True)
class CheckIn:
    session: str | None = None


@dataclass(frozen=True)
class Withdraw:
    session: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Reschedule:
    session: str | None
    when: str


@dataclass(frozen=True)
class Extend:
    session: str | None
    minutes: int


@dataclass(frozen=True)
class Done:
    session: str | None = None
    outcome: str = "resolved"


@dataclass(frozen=True)
class Rate:
    session: str | None
    score: int
    comment: str | None = None
    aspects: tuple[tuple[str, int], ...] = ()
    who: str | None = None  # a mention, when a session has several mentors


@dataclass(frozen=True)
class ModAssign:
    request: str
    mentor: str


@dataclass(frozen=True)
class ModClose:
    request: str
    note: str


@dataclass(frozen=True)
class Block:
    who: str


@dataclass(frozen=True)
class Unblock:
    who: str


@dataclass(frozen=True)
class OpenDispute:
    session: str | None
    statement: str


@dataclass(frozen=True)
class Report:
    who: str
    statement: str


@dataclass(frozen=True)
class Appeal:
    dispute: str
    text: str


@dataclass(frozen=True)
class ModQueue:
    pass


@dataclass(frozen=True)
class ModResolve:
    dispute: str
    decision: str
    note: str
    days: int | None = None
    rating_by: str | None = None  # void only the rating given by this person


@dataclass(frozen=True)
class ModSettings:
    pass


@dataclass(frozen=True)
class ModSet:
    key: str
    value: str


@dataclass(frozen=True)
class ModSkills:
    action: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class ModReport:
    days: int = 30


@dataclass(frozen=True)
class Link:
    code: str | None = None


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


@dataclass(frozen=True)
class ModLog:
    limit: int = 20


@dataclass(frozen=True)
class ModStats:
    who: str


@dataclass(frozen=True)
class ShowMe:
    pass


@dataclass(frozen=True)
class Kudos:
    session: str | None
    message: str | None = None


@dataclass(frozen=True)
class Leaderboard:
    skill: str | None = None


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
