"""Reputation reads mentor_ratings, a mirror of the ratings that count: it follows reveals,
disputes, voids, restored ratings and linked accounts, and a rating on a request with several
of the asked skills counts once."""

from __future__ import annotations

import itertools
import random

from bot.domain.messages import Actor
from bot.service import reputation
from bot.service.context import Scope
from bot.storage import migrations
from bot.storage.sql import in_list
from tests.conftest import Harness, HarnessFactory
from tests.fuzz.invariants import _COUNTED_ROWS, _MIRROR_ROWS

MODS = {
    "communities.default.moderators": '["console:mod1", "console:mod2"]',
    "accountability.reputation_min_ratings": 1,
}


async def person_id(h: Harness, user: str, platform: str = "console") -> int:
    async with h.core.db.transaction() as tx:
        return int(
            await tx.fetch_val(
                "SELECT person_id FROM identities WHERE platform = :platform AND user_id = :user",
                {"platform": platform, "user": user},
            )
        )


async def reputations(h: Harness, mentor: int, skills: list[str]) -> tuple[int, float]:
    """What routing and the views read: (ratings counted, their sum) over these skills."""
    async with h.core.db.transaction() as tx:
        scope = Scope(h.core.deps, tx, h.clock.now(), "default")
        rep = (await reputation.mentor_reputations(scope, [mentor], skills))[mentor]
    return rep.count, rep.total


async def per_skill(h: Harness, mentor: int) -> dict[str, int]:
    async with h.core.db.transaction() as tx:
        scope = Scope(h.core.deps, tx, h.clock.now(), "default")
        return {
            skill: rep.count for skill, rep in (await reputation.per_skill(scope, mentor)).items()
        }


async def mirror_problems(h: Harness) -> list[tuple[object, ...]]:
    """Rows where the mirror and the ratings disagree, either way."""
    async with h.core.db.transaction() as tx:
        missing = await tx.fetch(f"SELECT {_COUNTED_ROWS} EXCEPT SELECT {_MIRROR_ROWS}")
        extra = await tx.fetch(f"SELECT {_MIRROR_ROWS} EXCEPT SELECT {_COUNTED_ROWS}")
    return [("missing", *tuple(r)) for r in missing] + [("extra", *tuple(r)) for r in extra]


async def rated_session(h: Harness, skills: str, mentee_score: int, mentor_score: int) -> None:
    """ana asks m1 (--with) about `skills`; both check in, it ends, both rate (revealed)."""
    await h.held("ana", "m1", f"{skills} --with @m1 -- question", "r1", "s1")
    await h.ok("ana", f"/mentor rate s1 {mentee_score}")
    await h.ok("m1", f"/mentor rate s1 {mentor_score}")


async def setup(make_harness: HarnessFactory) -> Harness:
    h = await make_harness(**MODS)
    await h.mentor("m1", "python", "sql")
    h.take()
    return h


async def test_a_rating_on_two_asked_skills_counts_once(make_harness: HarnessFactory) -> None:
    """Rated 4 on a python + sql request: one rating for a request asking both, one for each
    skill alone, one per skill in the profile; the mentee's rating of m1 only, not m1's of
    the mentee."""
    h = await setup(make_harness)
    m1 = await person_id(h, "m1")
    assert await reputations(h, m1, ["python", "sql"]) == (0, 0.0)
    await rated_session(h, "python sql", mentee_score=4, mentor_score=2)
    assert await reputations(h, m1, ["python", "sql"]) == (1, 4.0)
    assert await reputations(h, m1, ["sql"]) == (1, 4.0)
    assert await reputations(h, m1, ["rust"]) == (0, 0.0)
    assert await per_skill(h, m1) == {"python": 1, "sql": 1}
    assert await mirror_problems(h) == []


async def test_disputes_voids_and_an_overturned_void_move_the_mirror(
    make_harness: HarnessFactory,
) -> None:
    """Disputed: out; voided: stays out once settled; the void overturned on appeal: back."""
    h = await setup(make_harness)
    m1 = await person_id(h, "m1")
    await rated_session(h, "python", mentee_score=1, mentor_score=5)
    assert await reputations(h, m1, ["python"]) == (1, 1.0)
    await h.ok("m1", "/mentor dispute s1 -- That 1 was revenge.")
    assert await reputations(h, m1, ["python"]) == (0, 0.0)
    assert await mirror_problems(h) == []
    await h.ok("mod1", "/mentor mod resolve d1 void --rating-by @ana -- Not a fair rating.")
    assert await reputations(h, m1, ["python"]) == (0, 0.0)
    assert await mirror_problems(h) == []
    await h.ok("ana", "/mentor appeal d1 -- My rating was fair.")
    await h.ok("mod2", "/mentor mod resolve d1 overturn -- The rating stands.")
    assert await reputations(h, m1, ["python"]) == (1, 1.0)
    assert await mirror_problems(h) == []


async def test_a_void_decided_before_the_ratings_holds_for_those_given_after_it(
    make_harness: HarnessFactory,
) -> None:
    """Disputed and voided while nobody had rated (found by review: the ratings given later,
    still inside the window, counted); overturned on appeal, they count again."""
    h = await setup(make_harness)
    m1 = await person_id(h, "m1")
    await h.held("ana", "m1", "python --with @m1 -- question", "r1", "s1")
    await h.ok("m1", "/mentor dispute s1 -- She insulted me; I expect a revenge rating.")
    await h.ok("mod1", "/mentor mod resolve d1 void -- The ratings of s1 don't count.")
    rated = await h.ok("ana", "/mentor rate s1 1")
    assert "won't count" in rated.text
    await h.ok("m1", "/mentor rate s1 5")
    assert await reputations(h, m1, ["python"]) == (0, 0.0)
    assert await mirror_problems(h) == []
    await h.ok("ana", "/mentor appeal d1 -- My rating should count.")
    await h.ok("mod2", "/mentor mod resolve d1 overturn -- Both ratings stand.")
    assert await reputations(h, m1, ["python"]) == (1, 1.0)
    assert await mirror_problems(h) == []


async def test_a_void_of_one_raters_rating_leaves_the_others_later_rating_counting(
    make_harness: HarnessFactory,
) -> None:
    h = await setup(make_harness)
    m1 = await person_id(h, "m1")
    await h.held("ana", "m1", "python --with @m1 -- question", "r1", "s1")
    await h.ok("m1", "/mentor rate s1 1")
    await h.ok("ana", "/mentor dispute s1 -- That 1 is revenge for my question.")
    await h.ok("mod1", "/mentor mod resolve d1 void --rating-by @m1 -- Not a fair rating.")
    rated = await h.ok("ana", "/mentor rate s1 5")
    assert "won't count" not in rated.text
    assert await reputations(h, m1, ["python"]) == (1, 5.0)
    assert await mirror_problems(h) == []


async def test_a_dismissed_dispute_brings_the_ratings_back(make_harness: HarnessFactory) -> None:
    h = await setup(make_harness)
    m1 = await person_id(h, "m1")
    await rated_session(h, "sql", mentee_score=5, mentor_score=5)
    await h.ok("ana", "/mentor dispute s1 -- He was late.")
    assert await reputations(h, m1, ["sql"]) == (0, 0.0)
    await h.ok("mod1", "/mentor mod resolve d1 dismiss -- Nothing to act on.")
    assert await reputations(h, m1, ["sql"]) == (1, 5.0)
    assert await mirror_problems(h) == []


async def test_linking_accounts_moves_the_ratings_to_the_record_that_stays(
    make_harness: HarnessFactory,
) -> None:
    """m1's console record, rated once, joins his Slack record: the Slack record has the rating
    and the mirror still matches the ratings (the console record is gone)."""
    h = await setup(make_harness)
    await rated_session(h, "python", mentee_score=4, mentor_score=5)
    slack = Actor("slack", "T1", "U-M1", "m1")
    code = (await h.core.bus.handle_line(slack, "/mentor link")).text
    code = code.split("code is ")[1].split(".")[0]
    await h.ok("m1", f"/mentor link {code}")
    kept = await person_id(h, "U-M1", "slack")
    assert await person_id(h, "m1") == kept
    assert await reputations(h, kept, ["python"]) == (1, 4.0)
    assert await mirror_problems(h) == []


async def test_migration_18_fills_the_mirror_from_the_ratings_already_there(
    make_harness: HarnessFactory,
) -> None:
    """A store from before the mirror: its INSERT ... SELECT writes what the ratings say."""
    h = await setup(make_harness)
    await rated_session(h, "python sql", mentee_score=3, mentor_score=4)
    version, _, sql = migrations.MIGRATIONS[17]
    assert version == 18
    async with h.core.db.transaction() as tx:
        await tx.execute("DELETE FROM mentor_ratings")
        fill = migrations.statements(migrations.render(sql, h.core.db.dialect))[-1]
        assert fill.startswith("INSERT INTO mentor_ratings")
        await tx.execute(fill)
        rows = int(await tx.fetch_val("SELECT COUNT(*) FROM mentor_ratings"))
    assert rows == 2  # the mentee's rating of m1, once per skill
    assert await mirror_problems(h) == []


# Reputation as it was defined before the mirror: ratings joined to their session and their
# request's skills, each rating once whatever number of the asked skills its request has.
_LIVE_FOR = """
  FROM ratings r JOIN sessions s ON s.id = r.session_id
  WHERE r.ratee_id = p.id AND r.ratee_id <> s.mentee_id
    AND r.counted = 1 AND s.disputed = 0 AND s.ratings_revealed_at IS NOT NULL
    AND EXISTS (SELECT 1 FROM request_skills rs
                WHERE rs.request_id = s.request_id AND rs.skill IN {skills})"""
LIVE = (
    f"SELECT p.id AS person_id, (SELECT COUNT(*){_LIVE_FOR}) AS rated_n,"
    f" (SELECT COALESCE(SUM(r.score), 0){_LIVE_FOR}) AS rated_total"
    " FROM persons p WHERE p.id IN {ids}"
)
SKILLS = ["c#", "c++", "go", "python", "sql"]


async def test_every_choice_of_asked_skills_counts_as_the_ratings_say(
    make_harness: HarnessFactory,
) -> None:
    """300 sessions of 1-3 skills among six people (some disputed, unrevealed or voided, one
    or two mentors): for every set of 1 to 5 asked skills, each person's count and sum read
    from the mirror equal those of the ratings joined live."""
    h = await make_harness()
    rng = random.Random(7)
    async with h.core.db.transaction() as tx:
        people = [
            int(
                await tx.fetch_val(
                    "INSERT INTO persons (community_id, display_name, timezone,"
                    " capacity_concurrent, capacity_weekly, created_at, last_active_at)"
                    " VALUES ('default', :n, 'UTC', 3, 5, 0, 0) RETURNING id",
                    {"n": f"p{i}"},
                )
            )
            for i in range(6)
        ]
        for _ in range(300):
            mentee, *mentors = rng.sample(people, rng.choice([2, 3]))
            request = await tx.fetch_val(
                "INSERT INTO help_requests (community_id, requester_id, question, minutes,"
                " state, created_at, updated_at) VALUES ('default', :m, 'q', 30, 'closed', 0, 0)"
                " RETURNING id",
                {"m": mentee},
            )
            for skill in rng.sample(SKILLS, rng.choice([1, 2, 3])):
                await tx.execute(
                    "INSERT INTO request_skills (request_id, community_id, skill)"
                    " VALUES (:r, 'default', :s)",
                    {"r": request, "s": skill},
                )
            session = int(
                await tx.fetch_val(
                    "INSERT INTO sessions (community_id, request_id, mentee_id, start_at,"
                    " minutes, state, created_at, disputed, ratings_revealed_at) VALUES"
                    " ('default', :r, :m, 0, 30, 'completed', 0, :d, :shown) RETURNING id",
                    {
                        "r": request,
                        "m": mentee,
                        "d": int(rng.random() < 0.15),
                        "shown": None if rng.random() < 0.15 else 1,
                    },
                )
            )
            for mentor in mentors:
                for rater, ratee in ((mentee, mentor), (mentor, mentee)):
                    if rng.random() < 0.85:
                        await tx.execute(
                            "INSERT INTO ratings (session_id, rater_id, ratee_id, score,"
                            " created_at, counted) VALUES (:s, :a, :b, :score, 0, :counted)",
                            {
                                "s": session,
                                "a": rater,
                                "b": ratee,
                                "score": rng.randint(1, 5),
                                "counted": int(rng.random() > 0.1),
                            },
                        )
            scope = Scope(h.core.deps, tx, h.clock.now(), "default")
            await reputation.recount(scope, session)
    ids, id_params = in_list("p", people)
    async with h.core.db.transaction() as tx:
        scope = Scope(h.core.deps, tx, h.clock.now(), "default")
        for size in range(1, len(SKILLS) + 1):
            for asked in itertools.combinations(SKILLS, size):
                tags, tag_params = in_list("k", list(asked))
                rows = await tx.fetch(
                    LIVE.replace("{ids}", ids).replace("{skills}", tags),
                    {**id_params, **tag_params},
                )
                live = {
                    int(r["person_id"]): (int(r["rated_n"]), int(r["rated_total"])) for r in rows
                }
                read = await reputation.mentor_reputations(scope, people, list(asked))
                mirrored = {p: (rep.count, int(rep.total)) for p, rep in read.items()}
                assert mirrored == live, asked
    assert await mirror_problems(h) == []
