"""Demand vs supply per skill: where help is missing, so organisers know whom to recruit."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from bot.domain import commands as c
from bot.domain.messages import Outcome, Reply
from bot.domain.states import RequestState
from bot.domain.timeparse import format_duration
from bot.service.context import Ctx
from bot.service.people import require_moderator
from bot.storage.database import Transaction
from bot.storage.sql import report as sql


@dataclass
class SkillLine:
    skill: str
    asked: int
    matched: int
    unmatched: int
    median_wait_seconds: float | None
    active_mentors: int
    sessions: int

    @property
    def load(self) -> float:
        """Sessions per active mentor."""
        return self.sessions / self.active_mentors if self.active_mentors else 0.0

    @property
    def pressure(self) -> float:
        """Requests per active mentor: the higher, the more help is missing. A skill with
        no active mentor counts half a mentor, so it sorts above one with a single mentor."""
        return self.asked / (self.active_mentors or 0.5)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["load"] = round(self.load, 2)
        data["pressure"] = round(self.pressure, 2)
        return data


async def build(tx: Transaction, community_id: str, since: int) -> list[SkillLine]:
    """Per skill over the period, the skills where demand outruns supply first."""
    asked: dict[str, list[Any]] = {}
    for row in await tx.fetch(sql.ASKED, {"community_id": community_id, "since": since}):
        asked.setdefault(row["skill"], []).append(row)
    mentors: dict[str, list[int]] = {}
    for row in await tx.fetch(sql.MENTORS, {"community_id": community_id, "since": since}):
        mentors.setdefault(row["skill"], []).append(int(row["sessions"]))
    lines = []
    for skill in set(asked) | set(mentors):
        rows = asked.get(skill, [])
        waits = [int(r["matched_at"]) - int(r["created_at"]) for r in rows if r["matched_at"]]
        lines.append(
            SkillLine(
                skill=skill,
                asked=len(rows),
                matched=sum(1 for r in rows if r["matched_at"] is not None),
                unmatched=sum(
                    1
                    for r in rows
                    if r["state"] in (RequestState.EXPIRED, RequestState.CLOSED)
                    and r["matched_at"] is None
                ),
                median_wait_seconds=statistics.median(waits) if waits else None,
                active_mentors=len(mentors.get(skill, [])),
                sessions=sum(mentors.get(skill, [])),
            )
        )
    lines.sort(key=lambda line: (-line.pressure, -line.unmatched, line.skill))
    return lines


async def show(ctx: Ctx, cmd: c.ModReport) -> Outcome:
    require_moderator(ctx)
    days = cmd.days
    lines = await build(ctx.tx, ctx.community, ctx.ago(timedelta(days=days)))
    if not lines:
        return Outcome(Reply(f"No requests and no active mentors in the last {days} days."))
    out = [f"Demand vs supply, last {days} days (most help missing first):"]
    for line in lines[:25]:
        wait = (
            format_duration(timedelta(seconds=int(line.median_wait_seconds)))
            if line.median_wait_seconds is not None
            else "-"
        )
        out.append(
            f"{line.skill}: asked {line.asked}, matched {line.matched}, unmatched "
            f"{line.unmatched}, median wait {wait}, {line.active_mentors} active mentor(s), "
            f"load {line.load:.1f}"
        )
    return Outcome(Reply("\n".join(out)))
