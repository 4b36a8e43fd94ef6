"""Every command x every role, allowed or denied, in one table.

Each cell needs a fresh world, so this runs on SQLite files of its own; the rules are the
core's and the same on PostgreSQL (the other suites run both engines).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.process.bootstrap import start_core
from bot.service.notifier import CollectingNotifier
from tests.conftest import START, Harness, make_config

ROLES = ("member", "mentor", "mentee_party", "mentor_party", "moderator", "suspended")
USERS = {
    "member": "eve",
    "mentor": "bob",
    "mentee_party": "ana",
    "mentor_party": "m1",
    "moderator": "mod1",
    "suspended": "sus",
}

# (command, roles allowed). s1 is ana's completed session with m1 (both checked in);
# r2 is ana's open request for python; sus is a python mentor suspended for 3 days.
MATRIX: list[tuple[str, set[str]]] = [
    ("/mentor ask python -- another question", set(ROLES) - {"suspended"}),
    ("/mentor accept r2", {"mentor", "mentor_party"}),
    ("/mentor edit r2 -- new words", {"mentee_party"}),
    ("/mentor cancel r2", {"mentee_party"}),
    ("/mentor rate s1 4", {"mentee_party", "mentor_party"}),
    ("/mentor dispute s1 -- it went wrong", {"mentee_party", "mentor_party"}),
    ("/mentor kudos s1 -- thanks", {"mentee_party"}),
    ("/mentor mod queue", {"moderator"}),
    ("/mentor-mod assign r2 @bob", {"moderator"}),
    ("/mentor stats @ana", {"moderator"}),
    ("/mentor mod log", {"moderator"}),
    ("/mentor me", set(ROLES)),
]


async def world(path: Path) -> Harness:
    """ana's completed session s1 with m1, ana's open r2, and sus suspended."""
    clock = ManualClock(START)
    notifier = CollectingNotifier()
    config = make_config(
        f"sqlite:///{path}",
        **{"communities.default.moderators": '["console:mod1"]', "requests.max_open": 3},
    )
    core = await start_core(config, notifier, clock=clock, rng=random.Random(5))
    h = Harness(core, clock, notifier)
    for mentor in ("m1", "bob", "sus"):
        await h.mentor(mentor, "python")
    await h.ok("m1", "/mentor profile capacity 2 10")
    await h.ok("ana", "/mentor ask --with @m1 python -- first")
    await h.ok("m1", "/mentor accept r1")
    await h.ok("ana", "/mentor checkin s1")
    await h.ok("m1", "/mentor checkin s1")
    await h.ok("m1", "/mentor done s1")
    await h.ok("eve", "/mentor report @sus -- spam")
    await h.ok("mod1", "/mentor mod resolve d1 suspend --days 3 -- spam")
    await h.ok("ana", "/mentor ask python -- second")
    return h


@pytest.mark.parametrize(("command", "allowed"), MATRIX, ids=[m[0] for m in MATRIX])
async def test_authorization_matrix(tmp_path: Path, command: str, allowed: set[str]) -> None:
    """Each role gets exactly the outcome in the table (a fresh world for every cell)."""
    outcomes = {}
    for role in ROLES:
        h = await world(tmp_path / f"{role}.db")
        try:
            reply = await h.say(USERS[role], command)
        finally:
            await h.core.close()
        outcomes[role] = not reply.is_error
    assert {r for r, ok in outcomes.items() if ok} == allowed
