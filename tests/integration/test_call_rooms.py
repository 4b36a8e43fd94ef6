"""A room to talk in: a session whose mentor has no call link of their own meets in a room of
the community's call service (`sessions.call_link`), made up for that session with a random
part; the mentor's own link still wins."""

from __future__ import annotations

import re

import pytest

from bot.config import ConfigError
from tests.conftest import HarnessFactory, make_config

ROOM = "https://meet.example.org/mm-{session}-{token}"


async def test_each_session_gets_its_own_unguessable_room(make_harness: HarnessFactory) -> None:
    h = await make_harness(**{"sessions.call_link": ROOM})
    await h.mentor("m1", "python")
    await h.mentor("m2", "python")
    rooms = []
    for n, member in ((1, "ana"), (2, "bob")):
        await h.ok(member, "/mentor ask python -- How do I read a CSV file?")
        await h.ok(f"m{n}", f"/mentor accept r{n}")
        texts = " ".join(m.text for m in h.take())
        found = re.search(rf"https://meet\.example\.org/mm-s{n}-([0-9a-f]{{16}})", texts)
        assert found is not None, texts
        rooms.append(found.group(0))
    assert rooms[0] != rooms[1]


async def test_the_mentors_own_link_wins(make_harness: HarnessFactory) -> None:
    h = await make_harness(**{"sessions.call_link": ROOM})
    await h.mentor("m1", "python")
    await h.ok("m1", "/mentor profile link https://call.example.com/m1")
    await h.ok("ana", "/mentor ask python -- How do I read a CSV file?")
    await h.ok("m1", "/mentor accept r1")
    texts = " ".join(m.text for m in h.take())
    assert "https://call.example.com/m1" in texts
    assert "meet.example.org" not in texts


async def test_moderators_set_the_call_service_at_run_time(make_harness: HarnessFactory) -> None:
    h = await make_harness(**{"communities.default.moderators": '["console:mod1"]'})
    await h.ok("mod1", "/mentor mod set sessions.call_link " + ROOM)
    await h.mentor("m1", "python")
    await h.ok("ana", "/mentor ask python -- How do I read a CSV file?")
    await h.ok("m1", "/mentor accept r1")
    assert "https://meet.example.org/mm-s1-" in " ".join(m.text for m in h.take())
    refused = await h.say("mod1", "/mentor mod set sessions.call_link https://meet.example.org/x")
    assert refused.is_error and "{token}" in refused.text


@pytest.mark.parametrize(
    "bad",
    [
        "https://meet.example.org/fixed-room",  # no random part: guessable
        "http://meet.example.org/{token}",  # not https
        "https://meet.example.org/{token}/{user}",  # a field we don't fill
        "https://meet.example.org/{token",  # can't be filled in
        "https://meet.example.org/{token.__class__}",  # attribute access
        "https://meet.example.org/{token:.0}",  # a format spec that empties the random part
        "https://meet.example.org/{token:>2000000000}",  # or makes it huge
        "https://meet.example.org/{token!r}",  # a conversion
        "https://meet.example.org/a b/{token}",  # a space
    ],
)
def test_a_call_link_template_that_is_unsafe_or_broken_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError):
        make_config("sqlite:///unused.db", **{"sessions.call_link": bad})
