"""Latency of choosing a request's first wave of mentors, as the number of mentors grows.

    python bench/routing.py [--mentors 1000,10000,100000] [--skills 500] [--requests 300]
                            [--zipf 1.0] [--seed 7] [--engines sqlite,postgresql]
                            [--pool N] [--available 0.9] [--history 0] [--json]

For each size a real SQLite file (and a throwaway PostgreSQL schema when
MICROMENTOR_TEST_POSTGRES_DSN is set) is migrated with the project's `open_database`, then
filled with bulk INSERTs straight into the tables: one community, the mentors (1-4 skills
each out of `--skills`, drawn with Zipf popularity, so a few skills are very common), a
thousand members who ask, one identity each (with its row in the identity history), and
availability (`--available`, 90% by default, can take an offer now through
`available_until` or a weekly window; of the rest half have hours on another day and half
none, which the hourly upkeep, run once after the fill, puts behind everyone in routing's
rotation). Each measured request is fresh:
a help request with 1-3 skills (same Zipf) is inserted in a transaction, then timed are

  choose: `bot.service.routing.candidates` + `bot.domain.routing.rank` (who gets the wave);
  wave:   `bot.service.routing.send_wave` (choosing again, plus the offers, due rows and
          addresses it writes and reads),

and the transaction is rolled back, so every request sees the same store. Times are per
request, from one asyncio task on the project's own `Database` driver.

`--history N` gives each mentor N past sessions, one every two days back from now (180 is
about a year; see `past_sessions`), each with its request, offers, check-ins and both
ratings: what routing counts per candidate (load, record, reputation) grows with it.

Routing looks at a pool per requested skill (`routing.candidate_pool`, `--pool` overrides it),
not at every holder. What that can cost is counted, untimed, as "fit misses": multi-skill
requests whose wave's best fit is below the best fit of any eligible mentor, found by grouping
every holder of the requested skills (the query routing used before the pools).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import gc
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import ManualClock, epoch
from bot.config import Config, load_config
from bot.domain.model import HelpRequest
from bot.domain.routing import rank
from bot.domain.skills import Taxonomy
from bot.domain.timeparse import minute_of_week
from bot.service import identities, routing
from bot.service.context import Deps, Scope
from bot.service.maintenance import refresh_rotations
from bot.storage import Database, open_database
from bot.storage.sql import offers as offer_sql
from bot.storage.sql import requests as request_sql
from bot.storage.sql.identities import identity_key

PG_DSN_ENV = "MICROMENTOR_TEST_POSTGRES_DSN"
COMMUNITY = "default"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
HOUR = 3600
DAY = 24 * HOUR
WEEK_MINUTES = 7 * 24 * 60
WARMUP = 10


class Zipf:
    """Draws items with probability proportional to 1 / rank ** s."""

    def __init__(self, items: list[str], s: float, rng: random.Random) -> None:
        self.items = items
        self.rng = rng
        self.cum: list[float] = []
        total = 0.0
        for k in range(1, len(items) + 1):
            total += 1.0 / k**s
            self.cum.append(total)

    def one(self) -> str:
        return self.items[bisect.bisect_left(self.cum, self.rng.random() * self.cum[-1])]

    def distinct(self, n: int) -> list[str]:
        n = min(n, len(self.items))
        picked: list[str] = []
        while len(picked) < n:
            item = self.one()
            if item not in picked:
                picked.append(item)
        return picked


def skill_names(count: int) -> list[str]:
    """`count` valid skill tags, the most popular first."""
    return [f"skill{n:03d}" for n in range(count)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# -- the data --------------------------------------------------------------------------------

PERSON_COLUMNS = (
    "id",
    "community_id",
    "display_name",
    "timezone",
    "is_mentor",
    "away",
    "available_until",
    "capacity_concurrent",
    "capacity_weekly",
    "last_offered_at",
    "created_at",
    "last_active_at",
)
IDENTITY_COLUMNS = (
    "platform",
    "workspace",
    "user_id",
    "person_id",
    "community_id",
    "display_name",
    "last_seen_at",
)
SKILL_COLUMNS = ("community_id", "skill", "person_id", "offered_at")
WINDOW_COLUMNS = ("person_id", "community_id", "start_minute", "end_minute")
HISTORY_COLUMNS = ("community_id", "identity_key", "platform", "person_id", "started_at")


def members_for(mentors: int) -> int:
    """How many non-mentor members ask (they are never candidates)."""
    return max(10, min(1000, mentors))


def generate(
    mentors: int, zipf: Zipf, rng: random.Random, available: float = 0.9, history: int = 0
) -> dict[str, list[tuple[Any, ...]]]:
    """Rows for every table, mentors first (ids 1..mentors), then the members; a share
    `available` of the mentors can take an offer now; each mentor with `history` past
    sessions (see `past_sessions`)."""
    now = epoch(NOW)
    mow = minute_of_week(NOW)
    persons: list[tuple[Any, ...]] = []
    identities: list[tuple[Any, ...]] = []
    skills: list[tuple[Any, ...]] = []
    windows: list[tuple[Any, ...]] = []
    mentor_skills: dict[int, list[str]] = {}
    for pid in range(1, mentors + 1):
        name = f"mentor{pid}"
        roll = rng.random()
        available_until: int | None = None
        if roll < available * 2 / 3:  # said "available for a few hours"
            available_until = now + rng.randint(1, 8) * HOUR
        elif roll < available:  # weekly hours that cover now, and another span later
            start = max(0, mow - rng.randint(0, 180))
            windows.append((pid, COMMUNITY, start, min(WEEK_MINUTES, mow + rng.randint(30, 240))))
            later = mow + rng.randint(1, 5) * 24 * 60
            windows.append((pid, COMMUNITY, later, later + 120))
        else:  # not around now: availability ran out yesterday, maybe hours on another day
            available_until = now - DAY
            if rng.random() < 0.5:  # else no weekly hours: out of the rotation
                later = mow + rng.randint(1, 5) * 24 * 60
                windows.append((pid, COMMUNITY, later, later + 120))
        last_offered = now - rng.randint(HOUR, 30 * DAY) if rng.random() < 0.5 else None
        persons.append(
            (
                pid,
                COMMUNITY,
                name,
                "UTC",
                1,
                0,
                available_until,
                rng.randint(1, 3),
                5,
                last_offered,
                now - 90 * DAY,
                now - DAY,
            )
        )
        identities.append(("console", "console", name, pid, COMMUNITY, name, now - DAY))
        held = zipf.distinct(rng.randint(1, 4))
        mentor_skills[pid] = held
        for skill in held:
            skills.append((COMMUNITY, skill, pid, last_offered or 0))
    for pid in range(mentors + 1, mentors + members_for(mentors) + 1):
        name = f"member{pid}"
        persons.append(
            (pid, COMMUNITY, name, "UTC", 0, 0, None, 1, 5, None, now - 90 * DAY, now - DAY)
        )
        identities.append(("console", "console", name, pid, COMMUNITY, name, now - DAY))
    # What the bot writes on each first contact: the identity's row in the history, which
    # routing reads (through KEPT_APART) for every wave.
    first_records = [
        (COMMUNITY, identity_key(platform, workspace, user_id), platform, pid, now - 90 * DAY)
        for platform, workspace, user_id, pid, *_ in identities
    ]
    return {
        "persons": persons,
        "identities": identities,
        "identity_history": first_records,
        "mentor_skills": skills,
        "availability_windows": windows,
        **past_sessions(mentor_skills, mentors + 1, members_for(mentors), history, rng),
    }


def past_sessions(
    mentor_skills: dict[int, list[str]],
    first_member: int,
    members: int,
    history: int,
    rng: random.Random,
) -> dict[str, list[tuple[Any, ...]]]:
    """`history` past sessions per mentor, one every two days back from now (so 180 is about
    a year): each a request on one of their skills by a random member, the offer they took
    and one another mentor let expire, the session completed with both checked in, and both
    ratings revealed (and the mentor's in mentor_ratings, as the reveal writes it). What
    routing reads per candidate grows with this."""
    now = epoch(NOW)
    rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in HISTORY_TABLES}
    mentors = list(mentor_skills)
    number = 0
    for back in range(history, 0, -1):  # oldest first, as ids would grow
        at = now - back * 2 * DAY
        for pid in mentors:
            number += 1
            member = rng.randint(first_member, first_member + members - 1)
            rows["help_requests"].append(
                (number, COMMUNITY, member, "q", 30, "matched", 1, at, at, at)
            )
            skill = rng.choice(mentor_skills[pid])
            rows["request_skills"].append((number, COMMUNITY, skill))
            rows["offers"].append((COMMUNITY, number, pid, 1, "accepted", at, at + HOUR, at))
            other = rng.choice(mentors)
            if other != pid:
                rows["offers"].append((COMMUNITY, number, other, 1, "expired", at, at + HOUR, None))
            end = at + 1800
            rows["sessions"].append(
                (number, COMMUNITY, number, member, at, 30, "completed", at, end, end)
            )
            rows["session_participants"].append((number, pid, "mentor", at))
            rows["session_participants"].append((number, member, "mentee", at))
            score = rng.randint(3, 5)
            rows["ratings"].append((number, member, pid, score, end))
            rows["ratings"].append((number, pid, member, rng.randint(3, 5), end))
            # as the reveal writes it (reputation.recount): the member's rating of the mentor
            rows["mentor_ratings"].append((pid, number, member, skill, score))
    return rows


COLUMNS = {
    "persons": PERSON_COLUMNS,
    "identities": IDENTITY_COLUMNS,
    "identity_history": HISTORY_COLUMNS,
    "mentor_skills": SKILL_COLUMNS,
    "availability_windows": WINDOW_COLUMNS,
    # the past sessions, in an order their references allow
    "help_requests": (
        "id",
        "community_id",
        "requester_id",
        "question",
        "minutes",
        "state",
        "wave",
        "created_at",
        "updated_at",
        "matched_at",
    ),
    "request_skills": ("request_id", "community_id", "skill"),
    "offers": (
        "community_id",
        "request_id",
        "mentor_id",
        "wave",
        "state",
        "created_at",
        "deadline_at",
        "answered_at",
    ),
    "sessions": (
        "id",
        "community_id",
        "request_id",
        "mentee_id",
        "start_at",
        "minutes",
        "state",
        "created_at",
        "ended_at",
        "ratings_revealed_at",
    ),
    "session_participants": ("session_id", "person_id", "role", "checked_in_at"),
    "ratings": ("session_id", "rater_id", "ratee_id", "score", "created_at"),
    "mentor_ratings": ("person_id", "session_id", "rater_id", "skill", "score"),
}
HISTORY_TABLES = list(COLUMNS)[5:]


def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


def fill_sqlite(path: str, data: dict[str, list[tuple[Any, ...]]]) -> None:
    """Bulk INSERTs on a plain sqlite3 connection, in one transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO communities (id, name, created_at) VALUES (?, ?, ?)",
            (COMMUNITY, "Bench", epoch(NOW)),
        )
        for table, rows in data.items():
            conn.executemany(insert_sql(table, COLUMNS[table]), rows)
        conn.execute("COMMIT")
    finally:
        conn.close()


async def fill_postgres(url: str, data: dict[str, list[tuple[Any, ...]]]) -> None:
    """COPY into the schema the URL's search_path names, then VACUUM ANALYZE (as autovacuum
    would: index-only scans need the visibility map it sets)."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO communities (id, name, created_at) VALUES ($1, $2, $3)",
                COMMUNITY,
                "Bench",
                epoch(NOW),
            )
            for table, rows in data.items():
                await conn.copy_records_to_table(table, records=rows, columns=COLUMNS[table])
            for table in ("persons", "help_requests", "sessions"):
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
                    f" HAVING MAX(id) IS NOT NULL"
                )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


# -- the measurement ---------------------------------------------------------------------------


class _Rollback(Exception):
    """Raised to leave a transaction without committing what the request wrote."""


def bench_config(url: str, pool: int | None = None) -> Config:
    environ = {"MICROMENTOR_STORAGE__URL": url}
    if pool is not None:
        environ["MICROMENTOR_ROUTING__CANDIDATE_POOL"] = str(pool)
    return load_config(None, environ=environ)


# The best fit any eligible mentor has, from every holder of the requested skills: what the
# pooled query may miss, checked (untimed) against the wave it chose.
BEST_FIT = """
SELECT MAX(fit) FROM (
  SELECT ms.person_id, COUNT(*) AS fit
  FROM request_skills rs
  JOIN mentor_skills ms ON ms.community_id = rs.community_id AND ms.skill = rs.skill
  JOIN persons p ON p.id = ms.person_id
  WHERE rs.request_id = :request_id AND {eligible}
  GROUP BY ms.person_id) AS fits
"""


async def measure(
    db: Database, config: Config, mentors: int, zipf: Zipf, requests: int, seed: int
) -> dict[str, float]:
    """Time `requests` fresh requests (after a few untimed ones) against a filled store."""
    rng = random.Random(seed + 1)
    deps = Deps(
        config=config,
        clock=ManualClock(NOW),
        rng=random.Random(seed + 2),
        taxonomies={COMMUNITY: Taxonomy.default()},
    )
    conf = config.accountability
    choose: list[float] = []
    wave: list[float] = []
    found_counts: list[int] = []
    offered: list[int] = []
    fit_misses = 0
    multi_skill = 0
    first_member = mentors + 1
    for n in range(WARMUP + requests):
        skills = tuple(sorted(zipf.distinct(rng.randint(1, 3))))
        requester = rng.randint(first_member, first_member + members_for(mentors) - 1)
        try:
            async with db.transaction() as tx:
                scope = Scope(deps, tx, NOW, COMMUNITY)
                request_id = int(
                    await tx.fetch_val(
                        request_sql.INSERT,
                        {
                            "community_id": COMMUNITY,
                            "requester_id": requester,
                            "question": "How do I make this faster?",
                            "goal": None,
                            "tried": None,
                            "minutes": 30,
                            "start_at": None,
                            "now": scope.ts,
                            "mentors_wanted": 1,
                            "preferred_mentor_id": None,
                            "about": None,
                            "choose_window": None,
                        },
                    )
                )
                for skill in skills:
                    await tx.execute(
                        request_sql.INSERT_SKILL,
                        {"request_id": request_id, "community_id": COMMUNITY, "skill": skill},
                    )
                req = HelpRequest(
                    id=request_id,
                    community_id=COMMUNITY,
                    requester_id=requester,
                    requester_name=f"member{requester}",
                    question="How do I make this faster?",
                    goal=None,
                    tried=None,
                    minutes=30,
                    start_at=None,
                    state="open",
                    wave=0,
                    created_at=scope.ts,
                    skills=skills,
                )
                apart_list, apart_params = offer_sql.apart(
                    await identities.kept_apart(scope, requester)
                )
                best_fit = BEST_FIT.format(eligible=offer_sql.eligible(apart_list))
                best_params = {**params_for_best_fit(scope, req), **apart_params}
                best = int(await tx.fetch_val(best_fit, best_params) or 0)
                start = time.perf_counter()
                found = await routing.candidates(scope, req)
                chosen = rank(
                    [c for c, _ in found],
                    len(req.skills),
                    config.routing.wave_size,
                    deps.rng,
                    neutral_reliability=conf.reliability_prior,
                    neutral_reputation=conf.reputation_prior_mean,
                )
                middle = time.perf_counter()
                sent = await routing.send_wave(scope, req)
                end = time.perf_counter()
                if n >= WARMUP and len(skills) > 1:
                    multi_skill += 1
                    got = max((c.fit for c in chosen), default=0)
                    fit_misses += int(got < best)
                if n >= WARMUP:
                    choose.append((middle - start) * 1000)
                    wave.append((end - middle) * 1000)
                    found_counts.append(len(found))
                    offered.append(sent.offered)
                raise _Rollback
        except _Rollback:
            pass
    return {
        "mentors": float(mentors),
        "requests": float(len(choose)),
        "candidates_mean": statistics.mean(found_counts),
        "offers_mean": statistics.mean(offered),
        "p50_ms": statistics.median(choose),
        "p99_ms": percentile(choose, 0.99),
        "max_ms": max(choose),
        "wave_p50_ms": statistics.median(wave),
        "wave_p99_ms": percentile(wave, 0.99),
        "multi_skill": float(multi_skill),
        "fit_misses": float(fit_misses),
    }


def params_for_best_fit(scope: Scope, req: HelpRequest) -> dict[str, Any]:
    """The parameters routing.candidates gives its query, for BEST_FIT."""
    return {
        "request_id": req.id,
        "at": scope.ts,
        "now": scope.ts,
        "mow": minute_of_week(NOW),
        "week_ago": scope.ts - routing.WEEK_SECONDS,
    }


def _with_search_path(dsn: str, schema: str) -> str:
    return dsn + ("&" if "?" in dsn else "?") + f"search_path={schema}"


async def _pg_admin(dsn: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def build(
    engine: str,
    url: str,
    mentors: int,
    zipf: Zipf,
    rng: random.Random,
    available: float,
    history: int = 0,
) -> None:
    """Migrate with `open_database`, fill, and run the hourly upkeep's rotation step once (as a
    running bot would have); the generated rows are freed on return, so they neither weigh on
    the measured process's garbage collector nor stay in memory."""
    data = generate(mentors, zipf, rng, available, history)
    await (await open_database(url)).close()
    if engine == "sqlite":
        fill_sqlite(url.removeprefix("sqlite:///"), data)
    else:
        await fill_postgres(url, data)
    db = await open_database(url)
    try:
        await refresh_rotations(db, NOW)
    finally:
        await db.close()


async def one_size(
    engine: str,
    mentors: int,
    skills: int,
    zipf_s: float,
    requests: int,
    seed: int,
    pool: int | None = None,
    available: float = 0.9,
    history: int = 0,
) -> dict[str, float]:
    """Build a store of `mentors` on `engine`, measure, throw the store away."""
    rng = random.Random(seed)
    zipf = Zipf(skill_names(skills), zipf_s, rng)
    if engine == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'routing.db'}"
            await build(engine, url, mentors, zipf, rng, available, history)
            gc.collect()
            db = await open_database(url)
            try:
                return await measure(db, bench_config(url, pool), mentors, zipf, requests, seed)
            finally:
                await db.close()
    dsn = os.environ[PG_DSN_ENV]
    schema = f"mm_bench_{uuid.uuid4().hex[:12]}"
    await _pg_admin(dsn, f"CREATE SCHEMA {schema}")
    try:
        url = _with_search_path(dsn, schema)
        await build(engine, url, mentors, zipf, rng, available, history)
        gc.collect()
        db = await open_database(url)
        try:
            return await measure(db, bench_config(url, pool), mentors, zipf, requests, seed)
        finally:
            await db.close()
    finally:
        await _pg_admin(dsn, f"DROP SCHEMA {schema} CASCADE")


def engines() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(PG_DSN_ENV) else ["sqlite"]


async def run(
    mentors: list[int],
    skills: int = 500,
    requests: int = 300,
    zipf: float = 1.0,
    seed: int = 7,
    engine_names: list[str] | None = None,
    pool: int | None = None,
    available: float = 0.9,
    history: int = 0,
) -> dict[str, Any]:
    """Measure every size on every engine; growth is at the largest size over the smallest."""
    rows: list[dict[str, Any]] = []
    growth: dict[str, float] = {}
    growth_p50: dict[str, float] = {}
    for engine in engine_names or engines():
        mine: list[dict[str, Any]] = []
        for size in mentors:
            result = await one_size(
                engine, size, skills, zipf, requests, seed, pool, available, history
            )
            mine.append({"engine": engine, **result})
        rows.extend(mine)
        growth[engine] = mine[-1]["p99_ms"] / mine[0]["p99_ms"]
        growth_p50[engine] = mine[-1]["p50_ms"] / mine[0]["p50_ms"]
    return {
        "rows": rows,
        "growth_p99": growth,
        "growth_p50": growth_p50,
        "loadavg_1m": os.getloadavg()[0],
    }


def sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def table(result: dict[str, Any]) -> Iterator[str]:
    yield (
        f"{'engine':<10} {'mentors':>8} {'cands':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'wave p50':>9} {'wave p99':>9} {'fit misses':>11}"
    )
    for row in result["rows"]:
        yield (
            f"{row['engine']:<10} {row['mentors']:>8.0f} {row['candidates_mean']:>6.0f} "
            f"{row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} {row['max_ms']:>8.2f} "
            f"{row['wave_p50_ms']:>9.2f} {row['wave_p99_ms']:>9.2f} "
            f"{row['fit_misses']:>5.0f}/{row['multi_skill']:<5.0f}"
        )
    for engine, factor in result["growth_p99"].items():
        p50 = result["growth_p50"][engine]
        yield f"{engine}: growth smallest -> largest size: p99 {factor:.1f}x, p50 {p50:.1f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mentors", type=sizes, default=[1000, 10000, 100000])
    parser.add_argument("--skills", type=int, default=500)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per size")
    parser.add_argument("--zipf", type=float, default=1.0, help="Zipf exponent of skill picks")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--engines",
        type=lambda text: text.split(","),
        default=None,
        help=f"sqlite,postgresql (default: sqlite, plus postgresql when {PG_DSN_ENV} is set)",
    )
    parser.add_argument(
        "--pool", type=int, default=None, help="routing.candidate_pool (default: the config's)"
    )
    parser.add_argument(
        "--available", type=float, default=0.9, help="share of mentors who can take an offer now"
    )
    parser.add_argument(
        "--history", type=int, default=0, help="past sessions per mentor, one every two days"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(
        run(
            args.mentors,
            args.skills,
            args.requests,
            args.zipf,
            args.seed,
            args.engines,
            args.pool,
            args.available,
            args.history,
        )
    )
    if args.json:
        print(json.dumps(result))
        return
    for line in table(result):
        print(line)


if __name__ == "__main__":
    main()
