"""Scheduling work for later: a row with a due_at, run by the due-action sweep."""

from __future__ import annotations

from enum import StrEnum

from bot.service.context import Scope
from bot.storage.sql import due as sql


class Kind(StrEnum):
    """The kinds of due action (stored as their text), and what each one's ref_id names."""

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


async def schedule(scope: Scope, kind: Kind, ref_id: int, due_at: int, version: int = 0) -> None:
    """Do `kind` for `ref_id` at `due_at`; a changed `version` by then makes it a no-op."""
    await scope.tx.execute(
        sql.INSERT,
        {
            "community_id": scope.community,
            "kind": kind,
            "ref_id": ref_id,
            "ref_version": version,
            "due_at": due_at,
            "now": scope.ts,
        },
    )
    scope.scheduled.append(due_at)


async def reschedule(scope: Scope, kind: Kind, ref_id: int, due_at: int, version: int = 0) -> None:
    """Do `kind` for `ref_id` at `due_at` instead of whenever it was planned before."""
    await scope.tx.execute(
        sql.DROP_PENDING,
        {"kind": kind, "ref_id": ref_id, "community_id": scope.community},
    )
    await schedule(scope, kind, ref_id, due_at, version)
