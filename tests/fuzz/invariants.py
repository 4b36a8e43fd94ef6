"""What must hold after every input, on every front end: no traceback, one clear reply,
nothing half-stored, no unescaped mention. Each check returns the problems it saw, as
`Problem`s, so a long fuzzing run can count them instead of stopping at the first."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.domain.states import (
    AppealDecision,
    Decision,
    DisputeState,
    DueKind,
    OfferState,
    RequestState,
    Role,
    SanctionKind,
    SessionState,
)
from bot.domain.values import has_visible
from bot.service.bus import SORRY
from tests.adapters.hostile import (
    discord_message_of,
    discord_pings,
    discord_unsafe_texts,
    slack_unsafe_texts,
)

# Loggers whose ERROR records mean something failed: ours, and the libraries that catch and
# log what our handlers raise (discord.py, Bolt, the Slack SDK, aiohttp's server).
WATCHED = ("bot", "adapters", "discord", "slack_bolt", "slack_sdk", "aiohttp")
# What a front end says when something failed on our side (the core's SORRY, the Discord
# tree's and the console's own apologies).
APOLOGIES = (SORRY, "something went wrong on our side")


@dataclass(frozen=True)
class Problem:
    """One broken invariant: which, a short detail that groups equal problems, and the
    instance (the rows it is about) that tells two equal problems in the store apart."""

    invariant: str
    detail: str
    instance: str = ""


class ErrorLog(logging.Handler):
    """Collects ERROR records from the watched loggers (installed on the root logger)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in WATCHED:
            self.records.append(record)

    def install(self) -> ErrorLog:
        logging.getLogger().addHandler(self)
        return self

    def remove(self) -> None:
        logging.getLogger().removeHandler(self)

    def take(self) -> list[Problem]:
        """A problem for each record since the last take (the exception's type and where
        it was raised, so equal crashes group together)."""
        records, self.records = self.records, []
        return [Problem("no traceback", _describe(r)) for r in records]


def _describe(record: logging.LogRecord) -> str:
    text = f"{record.name}: {record.getMessage()[:120]}"
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        tb = exc.__traceback__
        where = ""
        while tb is not None:
            where = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}"
            tb = tb.tb_next
        text += f" [{type(exc).__name__}: {str(exc)[:80]} at {where}]"
    return text


def reply_problems(texts: Iterable[str]) -> list[Problem]:
    """Replies must not apologise for an internal error nor show a traceback."""
    out = []
    for text in texts:
        if "Traceback" in text:
            out.append(Problem("no traceback", "a reply shows a traceback"))
        if any(a in text for a in APOLOGIES):
            out.append(Problem("no traceback", "the reply is the internal-error apology"))
    return out


def one_reply(count: int, expected: str, what: str) -> list[Problem]:
    """`expected` is "one", "at most one" or "none": how many answers the person gets."""
    ok = {"one": count == 1, "at most one": count <= 1, "none": count == 0}[expected]
    if ok:
        return []
    return [Problem("one clear reply", f"{what}: {count} answers where {expected} was due")]


def clear_text(text: str, what: str) -> list[Problem]:
    if text.strip():
        return []
    return [Problem("one clear reply", f"{what}: the answer is empty")]


def slack_escape_problems(bodies: Iterable[tuple[str, Any]]) -> list[Problem]:
    """Every text Slack parses, in every recorded call, has only entities for &, < and >."""
    out = []
    for method, body in bodies:
        for key, text in slack_unsafe_texts(body):
            out.append(Problem("no unescaped mention", f"slack {method} `{key}`: {text[:80]!r}"))
    return out


def discord_escape_problems(calls: Iterable[tuple[str, str, Any]]) -> list[Problem]:
    """Every text Discord parses is escaped, and no message lets a mention ping anyone
    (except the one that names its mentor on purpose, which allows that user alone)."""
    out = []
    for method, path, body in calls:
        if path.startswith("/applications/"):
            continue  # the command tree's own descriptions
        for key, text in discord_unsafe_texts(body):
            out.append(Problem("no unescaped mention", f"discord {method} `{key}`: {text[:80]!r}"))
        message = discord_message_of(body)
        if message is not None and discord_pings(message):
            allowed = message.get("allowed_mentions") or {}
            if allowed.get("parse") != [] or allowed.get("roles") or len(allowed["users"]) > 1:
                out.append(Problem("no unescaped mention", f"discord {method}: {allowed}"))
    return out


# -- nothing half-stored --------------------------------------------------------------------
# Each query returns the rows that break one promise of the schema and the services; a
# command's transaction commits all of its rows or none, so after any input none may appear.

_STATES = {
    "request": tuple(RequestState),
    "session": tuple(SessionState),
    "offer": tuple(OfferState),
    "dispute": tuple(DisputeState),
}


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


# A session still to happen; and one still to happen or that took place (not given back,
# cancelled or a no-show).
_LIVE = (SessionState.SCHEDULED, SessionState.ACTIVE)
_KEPT = (*_LIVE, SessionState.COMPLETED)


# What mentor_ratings should hold, from the ratings themselves (bot/storage/sql/reputation.py
# says when a rating counts), and what it holds.
_COUNTED_ROWS = (
    "r.ratee_id, r.session_id, r.rater_id, rs.skill, r.score FROM ratings r "
    "JOIN sessions s ON s.id = r.session_id JOIN request_skills rs ON rs.request_id = s.request_id "
    "WHERE r.ratee_id <> s.mentee_id AND r.counted = 1 AND s.disputed = 0 "
    "AND s.ratings_revealed_at IS NOT NULL"
)
_MIRROR_ROWS = "person_id, session_id, rater_id, skill, score FROM mentor_ratings"


STORE_CHECKS: tuple[tuple[str, str], ...] = (
    # A request is inserted with its 1-5 skills in one transaction (AskForHelp refuses none).
    (
        "a request has no skills",
        "SELECT r.id FROM help_requests r WHERE NOT EXISTS "
        "(SELECT 1 FROM request_skills s WHERE s.request_id = r.id)",
    ),
    # States are the StrEnums of bot/domain/states.py, nothing else.
    (
        "a request's state is unknown",
        f"SELECT id, state FROM help_requests WHERE state NOT IN {_in(_STATES['request'])}",
    ),
    (
        "a session's state is unknown",
        f"SELECT id, state FROM sessions WHERE state NOT IN {_in(_STATES['session'])}",
    ),
    (
        "an offer's state is unknown",
        f"SELECT id, state FROM offers WHERE state NOT IN {_in(_STATES['offer'])}",
    ),
    (
        "a dispute's state or decision is unknown",
        "SELECT id, state, decision, appeal_decision FROM disputes "
        f"WHERE state NOT IN {_in(_STATES['dispute'])} "
        f"OR (decision IS NOT NULL AND decision NOT IN {_in(Decision)}) "
        f"OR (appeal_decision IS NOT NULL AND appeal_decision NOT IN {_in(AppealDecision)})",
    ),
    # A request's length is one of the bounded values (MINUTES: 5 to 240).
    (
        "a request's minutes are out of range",
        "SELECT id, minutes FROM help_requests WHERE minutes < 5 OR minutes > 240",
    ),
    # A session is created with its mentee and first mentor in the accept's transaction:
    # exactly one mentee (the one named on the session), at least one mentor.
    (
        "a session's mentee is not its one mentee participant",
        "SELECT s.id FROM sessions s WHERE (SELECT COUNT(*) FROM session_participants p "
        f"WHERE p.session_id = s.id AND p.role = '{Role.MENTEE}' AND p.person_id = s.mentee_id) "
        "<> 1 OR (SELECT COUNT(*) FROM session_participants p WHERE p.session_id = s.id "
        f"AND p.role = '{Role.MENTEE}') <> 1",
    ),
    (
        "a session has no mentor",
        "SELECT s.id FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM session_participants p "
        f"WHERE p.session_id = s.id AND p.role = '{Role.MENTOR}')",
    ),
    (
        "a session is not its request's requester's",
        "SELECT s.id FROM sessions s JOIN help_requests r ON r.id = s.request_id "
        "WHERE r.requester_id <> s.mentee_id",
    ),
    (
        "a session ends before it starts",
        "SELECT id FROM sessions WHERE ends_at <= start_at OR minutes <= 0",
    ),
    # Matched means a mentor took it: its session exists and is not given back or cancelled
    # (a withdrawal or a mentor's no-show reopens the request in the same transaction).
    (
        "a matched request has no session",
        f"SELECT r.id FROM help_requests r WHERE r.state = '{RequestState.MATCHED}' "
        "AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.request_id = r.id "
        f"AND s.state IN {_in(_KEPT)})",
    ),
    # ...and a session that is still to happen belongs to a matched request.
    (
        "a live session's request is not matched",
        "SELECT s.id, r.state FROM sessions s JOIN help_requests r ON r.id = s.request_id "
        f"WHERE s.state IN {_in(_LIVE)} AND r.state <> '{RequestState.MATCHED}'",
    ),
    (
        "a request has more mentors than it wanted",
        "SELECT id FROM help_requests WHERE mentors_joined > mentors_wanted",
    ),
    # Offers are settled when their request leaves the open states (taken, cancelled,
    # closed, expired), in the same transaction.
    (
        "a pending offer on a request that is not open",
        "SELECT o.id, r.state FROM offers o JOIN help_requests r ON r.id = o.request_id "
        f"WHERE o.state = '{OfferState.PENDING}' "
        f"AND r.state NOT IN {_in((RequestState.OPEN, RequestState.MATCHED))}",
    ),
    # Every timer still to run names a row that exists (the kinds of bot/service/due.py).
    (
        "a due action names a missing row",
        "SELECT d.id, d.kind, d.ref_id FROM due_actions d WHERE d.done_at IS NULL AND ("
        f"(d.kind = '{DueKind.OFFER_DEADLINE}' "
        "AND NOT EXISTS (SELECT 1 FROM offers x WHERE x.id = d.ref_id))"
        f" OR (d.kind IN {_in((DueKind.ESCALATE_MODERATORS, DueKind.REQUEST_EXPIRE))} "
        "AND NOT EXISTS (SELECT 1 FROM help_requests x WHERE x.id = d.ref_id))"
        f" OR ((d.kind LIKE 'session%' OR d.kind = '{DueKind.RATINGS_CLOSE}') AND NOT EXISTS "
        "(SELECT 1 FROM sessions x WHERE x.id = d.ref_id))"
        f" OR (d.kind = '{DueKind.SUSPENSION_END}' AND NOT EXISTS "
        "(SELECT 1 FROM persons x WHERE x.id = d.ref_id)))",
    ),
    # A timer that failed is recorded as done with its error (so the queue moves on): none
    # may fail.
    (
        "a due action failed",
        "SELECT id, kind, error FROM due_actions WHERE error IS NOT NULL",
    ),
    # Capacity is two bounded values (CONCURRENT 1-10, PER_WEEK 1-100).
    (
        "a person's capacity is out of range",
        "SELECT id, capacity_concurrent, capacity_weekly FROM persons "
        "WHERE capacity_concurrent < 1 OR capacity_concurrent > 10 "
        "OR capacity_weekly < 1 OR capacity_weekly > 100",
    ),
    # Ratings are 1-5, between two people of the same session, never of oneself.
    (
        "a rating is out of range or not between the session's people",
        "SELECT g.session_id, g.rater_id, g.ratee_id FROM ratings g "
        "WHERE g.score < 1 OR g.score > 5 OR g.rater_id = g.ratee_id "
        "OR NOT EXISTS (SELECT 1 FROM session_participants p "
        "WHERE p.session_id = g.session_id AND p.person_id = g.rater_id) "
        "OR NOT EXISTS (SELECT 1 FROM session_participants p "
        "WHERE p.session_id = g.session_id AND p.person_id = g.ratee_id)",
    ),
    # Reputation reads mentor_ratings, the mirror of the ratings that count: it holds every
    # one of them, once per skill of its request, and nothing else.
    (
        "a counted rating is missing from mentor_ratings",
        f"SELECT {_COUNTED_ROWS} EXCEPT SELECT {_MIRROR_ROWS}",
    ),
    (
        "mentor_ratings holds a rating that doesn't count",
        f"SELECT {_MIRROR_ROWS} EXCEPT SELECT {_COUNTED_ROWS}",
    ),
    # Nobody disputes, blocks or thanks their own record; no party decides their own case.
    (
        "someone is on both sides",
        "SELECT 'dispute', id FROM disputes WHERE opened_by = against_id "
        "OR moderator_id IN (opened_by, against_id) "
        "OR appeal_moderator_id IN (opened_by, against_id, moderator_id) "
        "UNION ALL SELECT 'block', blocker_id FROM blocks WHERE blocker_id = blocked_id "
        "UNION ALL SELECT 'kudos', id FROM kudos WHERE from_id = to_id",
    ),
    (
        "a sanction is out of range",
        f"SELECT id FROM sanctions WHERE kind NOT IN {_in(SanctionKind)} "
        "OR (days IS NOT NULL AND (days < 1 OR days > 365))",
    ),
)

# Free texts people wrote: each was checked to have something visible (TextField), unless a
# retention or forget replaced it since.
_TEXTS = (
    ("help_requests", "id", "question", "anonymised_at IS NULL"),
    ("help_requests", "id", "goal", "anonymised_at IS NULL AND goal IS NOT NULL"),
    ("help_requests", "id", "tried", "anonymised_at IS NULL AND tried IS NOT NULL"),
    ("disputes", "id", "statement", "1 = 1"),
    ("ratings", "session_id", "comment", "comment IS NOT NULL"),
    ("kudos", "id", "message", "message IS NOT NULL"),
)


def open_store(path: Path) -> sqlite3.Connection:
    """A read-only connection to the store's SQLite file, beside the bot's own: each check
    reads what the bot has committed (WAL), without the async driver's thread hops, which
    would cost more than the input itself."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def store_problems(conn: sqlite3.Connection) -> set[Problem]:
    """Every broken promise in the store right now."""
    out: set[Problem] = set()
    for name, sql in STORE_CHECKS:
        for row in conn.execute(sql):
            out.add(Problem("nothing half-stored", name, str(tuple(row))))
    for table, key, column, where in _TEXTS:
        for row in conn.execute(f"SELECT {key}, {column} FROM {table} WHERE {where}"):
            if not has_visible(str(row[column] or "")):
                out.add(
                    Problem(
                        "nothing half-stored",
                        f"{table}.{column} has nothing visible",
                        str(row[key]),
                    )
                )
    return out
