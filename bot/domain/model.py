"""The model the service layer passes around: plain frozen dataclasses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

REQUEST_STATES = ("open", "matched", "cancelled", "expired")
OFFER_STATES = ("pending", "accepted", "declined", "taken", "withdrawn", "expired")
SESSION_STATES = ("scheduled", "active", "completed", "cancelled")


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
        )
