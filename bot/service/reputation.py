"""Reputation and reliability from the record, for routing, limits and the profile views."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass

from bot.domain.reputation import Record, bayesian_average, reliability
from bot.domain.states import OfferState
from bot.service.context import Scope
from bot.storage.database import Row
from bot.storage.sql import in_list
from bot.storage.sql import reputation as sql

MENTEE_ASPECTS = ("helpfulness", "clarity")  # what a mentee may rate a mentor on
MENTOR_ASPECTS = ("preparedness", "engagement")  # what a mentor may rate a mentee on


@dataclass(frozen=True)
class Reputation:
    count: int
    total: float
    value: float  # the Bayesian average


def _reputation(scope: Scope, count: int, total: float) -> Reputation:
    conf = scope.config.accountability
    value = bayesian_average(total, count, conf.reputation_prior_mean, conf.reputation_prior_weight)
    return Reputation(count, total, value)


RECORD_FIELDS = (
    "offers_answered",
    "offers_ignored",
    "sessions_attended",
    "no_shows",
    "late_cancels",
)


def mentor_reputation(scope: Scope, row: Row) -> Reputation:
    """Reputation from a row with sql.rated_columns."""
    return _reputation(scope, int(row["rated_n"]), float(row["rated_total"]))


def record_of(row: Row) -> Record:
    """The record in a row with sql.RECORD_COLUMNS."""
    return Record(**{name: int(row[name]) for name in RECORD_FIELDS})


def record_params(scope: Scope) -> dict[str, int]:
    """The parameters sql.RECORD_COLUMNS needs."""
    conf = scope.config.accountability
    return {
        "since": scope.ago(conf.reliability_window),
        "late_window": int(conf.late_cancel_window.total_seconds()),
    }


async def mentor_reputations(
    scope: Scope, person_ids: list[int], skills: list[str]
) -> dict[int, Reputation]:
    """Reputation of each mentor over the given skills (the prior for those never rated)."""
    if not person_ids:
        return {}
    ids, id_params = in_list("p", person_ids)
    tags, tag_params = in_list("k", skills)
    rows = await scope.tx.fetch(
        sql.AS_MENTOR_FOR_SKILLS.replace("{ids}", ids).replace(
            "{rated}", sql.rated_columns(tags, len(skills))
        ),
        {**id_params, **tag_params},
    )
    return {int(r["person_id"]): mentor_reputation(scope, r) for r in rows}


async def hold_session(scope: Scope, session_id: int) -> None:
    """Take the session's row before changing whether its ratings count (sql.HOLD_SESSION)."""
    await scope.tx.execute(sql.HOLD_SESSION, {"session_id": session_id})


async def recount(scope: Scope, session_id: int) -> None:
    """Write again what the session's ratings add to reputation (sql.RECOUNT), after anything
    that may change whether they count; the caller has taken the session's row already."""
    for statement in sql.RECOUNT:
        await scope.tx.execute(statement, {"session_id": session_id})


async def per_skill(scope: Scope, person_id: int) -> dict[str, Reputation]:
    """Reputation per skill, from ratings received as a mentor."""
    rows = await scope.tx.fetch(sql.PER_SKILL, {"person_id": person_id})
    return {r["skill"]: _reputation(scope, int(r["n"]), float(r["total"])) for r in rows}


async def records(scope: Scope, person_ids: list[int]) -> dict[int, Record]:
    """Each person's record over the reliability window."""
    if not person_ids:
        return {}
    ids, params = in_list("p", person_ids)
    rows = await scope.tx.fetch(
        sql.RECORDS.replace("{ids}", ids), {**params, **record_params(scope)}
    )
    return {int(r["person_id"]): record_of(r) for r in rows}


def reliability_of(scope: Scope, record: Record) -> float:
    conf = scope.config.accountability
    return reliability(record, conf.reliability_prior, conf.reliability_prior_weight)


async def full_record(scope: Scope, person_id: int) -> Record:
    """One person's record with their median time to answer an offer."""
    record = (await records(scope, [person_id]))[person_id]
    rows = await scope.tx.fetch(
        sql.ANSWER_TIMES,
        {
            "person_id": person_id,
            "since": scope.ago(scope.config.accountability.reliability_window),
        },
    )
    median = statistics.median(int(r["seconds"]) for r in rows) if rows else None
    return Record(
        offers_answered=record.offers_answered,
        offers_ignored=record.offers_ignored,
        sessions_attended=record.sessions_attended,
        no_shows=record.no_shows,
        late_cancels=record.late_cancels,
        median_answer_seconds=median,
    )


async def aspect_averages(scope: Scope, person_id: int) -> dict[str, tuple[float, int]]:
    """Average of each aspect received in counted ratings: {aspect: (mean, count)}."""
    rows = await scope.tx.fetch(sql.RECEIVED, {"person_id": person_id})
    sums: dict[str, list[int]] = {}
    for row in rows:
        if not row["counted"] or row["disputed"] or row["ratings_revealed_at"] is None:
            continue
        for aspect, value in json.loads(row["aspects"] or "{}").items():
            sums.setdefault(aspect, []).append(int(value))
    return {a: (sum(v) / len(v), len(v)) for a, v in sums.items()}


async def member_weekly_limit(scope: Scope, person_id: int) -> tuple[int, str | None]:
    """How many requests a week this member may make, and why it is lower, if it is.

    Repeated no-shows as a mentee, or low preparedness ratings from mentors, bring the limit
    down to accountability.reduced_per_week until the record improves.
    """
    conf = scope.config.accountability
    normal = scope.config.requests.max_per_week
    no_shows = int(
        await scope.tx.fetch_val(
            sql.MEMBER_NO_SHOWS,
            {"person_id": person_id, "since": scope.ago(conf.reliability_window)},
        )
    )
    reduced = min(normal, conf.reduced_per_week)
    if no_shows >= conf.member_no_shows_before_limit:
        return reduced, (
            f"you missed {no_shows} sessions you asked for in the last "
            f"{conf.reliability_window.days} days"
        )
    aspects = await aspect_averages(scope, person_id)
    mean, count = aspects.get("preparedness", (5.0, 0))
    if count >= 3 and mean < conf.low_preparedness:
        return reduced, (
            f"mentors rated your preparedness {mean:.1f}/5 on average: come with a goal and "
            "what you tried"
        )
    return normal, None


async def ignored_streak(scope: Scope, person_id: int, limit: int) -> bool:
    """Whether the mentor's last `limit` offers all expired unanswered."""
    rows = await scope.tx.fetch(sql.LATEST_OFFERS, {"person_id": person_id, "limit": limit})
    return len(rows) >= limit and all(r["state"] == OfferState.EXPIRED for r in rows)
