"""The model the service layer passes around: plain frozen dataclasses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.domain.states import Role


@dataclass(frozen=True)
class Person:
    """A member of one community (a mentor once they hold a skill)."""

    id: int
    community_id: str
    display_name: str
    timezone: str
    is_mentor: bool
    away: bool
    available_until: int | None
    hours: dict[str, list[tuple[int, int]]]
    capacity_concurrent: int
    capacity_weekly: int

    @classmethod
    def from_row(cls, row: Any) -> Person:
        """Build from a persons row."""
        spec = json.loads(row["hours_spec"] or "{}")
        return cls(
            id=int(row["id"]),
            community_id=row["community_id"],
            display_name=row["display_name"],
            timezone=row["timezone"],
            is_mentor=bool(row["is_mentor"]),
            away=bool(row["away"]),
            available_until=row["available_until"],
            hours={day: [(int(a), int(b)) for a, b in spans] for day, spans in spec.items()},
            capacity_concurrent=int(row["capacity_concurrent"]),
            capacity_weekly=int(row["capacity_weekly"]),
        )


def hours_to_json(hours: dict[str, list[tuple[int, int]]]) -> str:
    """The stored form of weekly hours."""
    return json.dumps({d: [list(s) for s in spans] for d, spans in hours.items() if spans})


@dataclass(frozen=True)
class HelpRequest:
    """What a member asked for."""

    id: int
    community_id: str
    requester_id: int
    requester_name: str
    question: str
    goal: str | None
    tried: str | None
    minutes: int
    start_at: int | None  # None: as soon as possible
    state: str
    wave: int
    created_at: int
    skills: tuple[str, ...]
    mentors_wanted: int = 1
    mentors_joined: int = 0
    preferred_mentor_id: int | None = None
    about: str | None = None  # the message the request is about ("ask a mentor about this")
    choose_window: int | None = None  # seconds the member has to pick a mentor; None: first wins

    @classmethod
    def from_row(cls, row: Any, skills: list[str]) -> HelpRequest:
        """Build from a help_requests row (joined with the requester's name) and its skills."""
        return cls(
            id=int(row["id"]),
            community_id=row["community_id"],
            requester_id=int(row["requester_id"]),
            requester_name=row["requester_name"],
            question=row["question"],
            goal=row["goal"],
            tried=row["tried"],
            minutes=int(row["minutes"]),
            start_at=row["start_at"],
            state=row["state"],
            wave=int(row["wave"]),
            created_at=int(row["created_at"]),
            skills=tuple(skills),
            mentors_wanted=int(row["mentors_wanted"]),
            mentors_joined=int(row["mentors_joined"]),
            preferred_mentor_id=row["preferred_mentor_id"],
            about=row["about"],
            choose_window=row["choose_window"],
        )


@dataclass(frozen=True)
class Participant:
    """Someone in a session: the mentee or a mentor."""

    person_id: int
    role: str  # a Role's word, as stored
    display_name: str
    timezone: str
    checked_in_at: int | None
    no_show: bool


@dataclass(frozen=True)
class Session:
    """A time-boxed meeting that came out of an accepted request."""

    id: int
    community_id: str
    request_id: int
    mentee_id: int
    start_at: int
    ends_at: int
    minutes: int
    state: str  # a SessionState's word, as stored
    version: int
    place: str | None
    outcome: str | None
    ended_at: int | None
    ratings_close_at: int | None
    ratings_revealed_at: int | None
    disputed: bool
    question: str
    goal: str | None
    participants: tuple[Participant, ...]

    @classmethod
    def from_rows(cls, row: Any, participants: list[Any]) -> Session:
        """Build from a sessions row (joined with its request) and its participant rows."""
        return cls(
            id=int(row["id"]),
            community_id=row["community_id"],
            request_id=int(row["request_id"]),
            mentee_id=int(row["mentee_id"]),
            start_at=int(row["start_at"]),
            ends_at=int(row["ends_at"]),
            minutes=int(row["minutes"]),
            state=row["state"],
            version=int(row["version"]),
            place=row["place"],
            outcome=row["outcome"],
            ended_at=row["ended_at"],
            ratings_close_at=row["ratings_close_at"],
            ratings_revealed_at=row["ratings_revealed_at"],
            disputed=bool(row["disputed"]),
            question=row["question"],
            goal=row["goal"],
            participants=tuple(
                Participant(
                    person_id=int(p["person_id"]),
                    role=p["role"],
                    display_name=p["display_name"],
                    timezone=p["timezone"],
                    checked_in_at=p["checked_in_at"],
                    no_show=bool(p["no_show"]),
                )
                for p in participants
            ),
        )

    @property
    def mentors(self) -> tuple[Participant, ...]:
        return tuple(p for p in self.participants if p.role == Role.MENTOR)

    @property
    def mentee(self) -> Participant:
        return next(p for p in self.participants if p.role == Role.MENTEE)

    def participant(self, person_id: int) -> Participant | None:
        """The participant with this person id, if any."""
        return next((p for p in self.participants if p.person_id == person_id), None)

    @property
    def took_place(self) -> bool:
        """The mentee and at least one mentor checked in: the rule for rating."""
        return self.mentee.checked_in_at is not None and any(
            m.checked_in_at is not None for m in self.mentors
        )

    def others(self, person_id: int) -> tuple[Participant, ...]:
        """Who this person rates: the mentee rates the mentors, a mentor rates the mentee."""
        me = self.participant(person_id)
        if me is None:
            return ()
        if me.role == Role.MENTEE:
            # A mentor of a second opinion who never came is not rated.
            return tuple(m for m in self.mentors if m.checked_in_at is not None)
        return (self.mentee,)
