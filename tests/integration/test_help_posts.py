"""Help channels: a post becomes a request from its author (or a draft that waits for its
skills), its thread hears what becomes of it, and editing or removing the post edits or
calls off the request; every rule of `/mentor ask` applies, and a refused post leaves
nothing behind. Through the real bus, on both engines."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.domain import events as e
from bot.domain.messages import Actor, OutboundMessage, PostAddress, Reply
from bot.domain.states import PostStatus
from tests.conftest import Harness, HarnessFactory
from tests.integration.test_concurrent_accept import more_cores

QUESTION = "How do I read a CSV file with pandas? read_csv keeps failing on the dates."


async def post(h: Harness, user: str, event: e.Event) -> Reply:
    return await h.core.bus.handle(Actor("console", "console", user, user), event)


def thread(messages: list[OutboundMessage], post_id: str) -> list[OutboundMessage]:
    return [m for m in messages if isinstance(m.to, PostAddress) and m.to.post == post_id]


async def count(h: Harness, table: str) -> int:
    async with h.core.db.transaction() as tx:
        return int(await tx.fetch_val(f"SELECT COUNT(*) FROM {table}"))


async def test_a_post_that_names_its_skills_is_a_request_and_its_thread_follows_it(
    harness: Harness,
) -> None:
    h = harness
    await h.mentor("m1", "pandas")
    reply = await post(h, "ana", e.NewPost("help", "100", QUESTION))
    assert not reply.is_error and "r1" in reply.text
    sent = h.take()
    first = thread(sent, "100")
    assert len(first) == 1 and first[0].status == PostStatus.OPEN
    assert "request r1" in first[0].text and "pandas" in first[0].text
    assert [a.command for a in first[0].actions] == ["/mentor cancel r1"]
    assert any("asks for help (r1)" in m.text for m in h.to(sent, "m1"))
    # the request is the author's, like one asked with the command
    queue = await h.ok("ana", "/mentor queue")
    assert "r1" in queue.text
    await h.ok("m1", "/mentor accept r1")
    taken = thread(h.take(), "100")
    assert [m.status for m in taken] == [PostStatus.TAKEN] and "m1 took r1" in taken[0].text
    await h.ok("ana", "/mentor checkin s1")
    await h.ok("m1", "/mentor checkin s1")
    await h.ok("m1", "/mentor done s1")
    solved = thread(h.take(), "100")
    assert [m.status for m in solved] == [PostStatus.SOLVED]


async def test_a_post_with_no_skill_waits_for_its_author_to_pick(harness: Harness) -> None:
    h = harness
    await h.mentor("m1", "python", "sql")
    await post(h, "ana", e.NewPost("help", "200", "my thing is broken, please help"))
    waiting = thread(h.take(), "200")
    assert [m.status for m in waiting] == [PostStatus.WAITING] and waiting[0].menu
    assert {a.command for a in waiting[0].actions} == {
        "/mentor ask python --post p1",
        "/mentor ask sql --post p1",
    }
    assert await count(h, "help_requests") == 0
    # only the author says what it is about
    other = await h.say("bob", "/mentor ask sql --post p1")
    assert other.is_error and "someone else's post" in other.text
    picked = await h.ok("ana", "/mentor ask sql --post p1")
    assert "r1" in picked.text
    sent = h.take()
    edited = thread(sent, "200")
    assert edited[0].update and edited[0].key == waiting[0].key
    assert edited[0].status == PostStatus.OPEN
    assert any("my thing is broken" in m.text for m in h.to(sent, "m1"))
    again = await h.say("ana", "/mentor ask python --post p1")
    assert again.is_error and "already request r1" in again.text


async def test_a_waiting_post_edited_to_name_a_skill_becomes_a_request(
    harness: Harness,
) -> None:
    h = harness
    await h.mentor("m1", "sql")
    await post(h, "ana", e.NewPost("help", "200", "my thing is broken, please help"))
    h.take()
    await post(h, "ana", e.PostEdited("help", "200", "my thing is still broken"))
    assert thread(h.take(), "200") == [] and await count(h, "help_requests") == 0
    await post(h, "ana", e.PostEdited("help", "200", "my SQL query with a JOIN is broken"))
    sent = h.take()
    (opened,) = thread(sent, "200")
    assert (opened.status, opened.was, opened.update) == (PostStatus.OPEN, PostStatus.WAITING, True)
    assert any("JOIN is broken" in m.text for m in h.to(sent, "m1"))


async def test_forum_tags_that_are_skills_are_used_and_the_others_ignored(
    harness: Harness,
) -> None:
    h = harness
    await h.mentor("m1", "javascript")
    await post(h, "ana", e.NewPost("forum", "300", "Why is this undefined?", ("JS", "urgent")))
    opened = thread(h.take(), "300")
    assert opened[0].status == PostStatus.OPEN and "javascript" in opened[0].text


async def test_editing_the_post_edits_the_request_and_removing_it_cancels(
    harness: Harness,
) -> None:
    h = harness
    await h.mentor("m1", "pandas")
    await post(h, "ana", e.NewPost("help", "100", QUESTION))
    h.take()
    await post(h, "ana", e.PostEdited("help", "100", "How do I parse dates with pandas read_csv?"))
    edited = h.take()
    assert any("parse dates" in m.text and m.update for m in h.to(edited, "m1"))
    # an update of the post that isn't its text (a link's preview came in) edits nothing
    same = await post(
        h, "ana", e.PostEdited("help", "100", "How do I parse dates with pandas read_csv?")
    )
    assert "nothing to change" in same.text and h.take() == []
    # someone else's edit event changes nothing
    await post(h, "bob", e.PostEdited("help", "100", "hijacked"))
    assert not any("hijacked" in m.text for m in h.take())
    removed = await post(h, "ana", e.PostRemoved("help", "100"))
    assert "cancelled" in removed.text
    sent = h.take()
    assert [m.status for m in thread(sent, "100")] == [PostStatus.CLOSED]
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT state FROM help_requests WHERE id = 1") == "cancelled"


async def test_removing_a_matched_post_keeps_the_session(harness: Harness) -> None:
    h = harness
    await h.mentor("m1", "pandas")
    await post(h, "ana", e.NewPost("help", "100", QUESTION))
    await h.ok("m1", "/mentor accept r1")
    h.take()
    removed = await post(h, "ana", e.PostRemoved("help", "100"))
    assert "session stays" in removed.text and "/mentor cancel r1" in removed.text
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT state FROM help_requests WHERE id = 1") == "matched"


async def test_a_post_that_breaks_a_rule_is_refused_and_leaves_nothing(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(**{"requests.max_open": "1"})
    await h.mentor("m1", "pandas")
    await post(h, "ana", e.NewPost("help", "100", QUESTION))
    h.take()
    refused = await post(h, "ana", e.NewPost("help", "101", "And how do I write pandas to SQL?"))
    assert refused.is_error and "open request" in refused.text
    assert thread(h.take(), "101") == []
    assert await count(h, "help_posts") == 1
    # the same post read twice (a redelivered event) is one request
    again = await post(h, "ana", e.NewPost("help", "100", QUESTION))
    assert not again.is_error and "already read" in again.text
    assert await count(h, "help_requests") == 1


async def test_a_suspended_author_s_post_is_refused(harness: Harness) -> None:
    h = harness
    await h.mentor("m1", "pandas")
    await h.ok("ana", "/mentor me")
    async with h.core.db.transaction() as tx:
        await tx.execute(
            "UPDATE persons SET suspended_until = :until WHERE display_name = 'ana'",
            {"until": 4_000_000_000},
        )
    refused = await post(h, "ana", e.NewPost("help", "100", QUESTION))
    assert refused.is_error and "suspended" in refused.text
    assert await count(h, "help_posts") == 0


async def test_an_expired_request_says_so_in_its_thread(harness: Harness) -> None:
    h = harness
    await post(h, "ana", e.NewPost("help", "100", QUESTION))
    h.take()
    await h.wait(timedelta(days=3))
    closed = thread(h.take(), "100")
    assert [m.status for m in closed] == [PostStatus.CLOSED] and "expired" in closed[0].text


async def test_forgetting_the_author_drops_their_drafts(harness: Harness) -> None:
    h = harness
    await post(h, "ana", e.NewPost("help", "200", "my thing is broken, please help"))
    await h.ok("ana", "/mentor forget confirm")
    assert await count(h, "help_posts") == 0


async def test_forgetting_the_author_closes_their_posts_requests(harness: Harness) -> None:
    h = harness
    await h.mentor("m1", "pandas")
    await post(h, "ana", e.NewPost("help", "100", QUESTION))
    h.take()
    await h.ok("ana", "/mentor forget confirm")
    (closed,) = thread(h.take(), "100")
    assert (closed.status, closed.was) == (PostStatus.CLOSED, PostStatus.OPEN)
    assert "ana" not in closed.text


def test_a_post_s_link_that_is_no_web_link_is_left_out_not_refused() -> None:
    assert e.NewPost("help", "1", "pandas?", link="javascript:alert(1)").link is None
    assert e.NewPost("help", "1", "pandas?", link="https://x.example/" + "a" * 400).link is None
    kept = e.NewPost("help", "1", "pandas?", link="https://team.slack.com/archives/C1/p1")
    assert kept.link == "https://team.slack.com/archives/C1/p1"


async def test_an_edit_refused_by_a_limit_still_updates_the_draft(
    make_harness: HarnessFactory,
) -> None:
    """A waiting post edited to name a skill while its author can't ask: refused, but the
    post's new text is what a later pick asks."""
    h = await make_harness(**{"requests.max_open": "1"})
    await h.mentor("m1", "sql", "pandas")
    await h.ok("ana", "/mentor ask pandas -- How do I read a CSV with pandas?")
    await post(h, "ana", e.NewPost("help", "200", "my thing is broken, please help"))
    refused = await post(
        h, "ana", e.PostEdited("help", "200", "my SQL query with a JOIN is broken")
    )
    assert refused.is_error and "open request" in refused.text
    assert await count(h, "help_requests") == 1
    await h.ok("ana", "/mentor cancel r1")
    await h.ok("ana", "/mentor ask sql --post p1")
    async with h.core.db.transaction() as tx:
        question = await tx.fetch_val("SELECT question FROM help_requests WHERE id = 2")
    assert question == "my SQL query with a JOIN is broken"


@pytest.mark.parametrize("other", ["pick", "removal"])
async def test_a_pick_racing_another_pick_or_the_removal_leaves_no_request_without_its_post(
    make_harness: HarnessFactory, storage_url: str, other: str
) -> None:
    """Two picks of a waiting post's skills at once (a double click), or a pick while the
    post is removed, in two processes: never a request that no post points at."""
    if not storage_url.startswith("postgresql"):
        pytest.skip("SQLite's one writer runs them one after the other")
    h = await make_harness(**{"requests.max_open": "5"})
    await h.mentor("m1", "python", "sql")
    cores = await more_cores(storage_url, h, 2)
    ana = Actor("console", "console", "ana", "ana")
    try:
        for trial in range(10):
            place_post = str(100 + trial)
            await h.core.bus.handle(ana, e.NewPost("help", place_post, "it's broken, help"))
            p = f"p{trial + 1}"
            second = (
                cores[1].bus.handle_line(ana, f"/mentor ask sql --post {p}")
                if other == "pick"
                else cores[1].bus.handle(ana, e.PostRemoved("help", place_post))
            )
            await asyncio.gather(
                cores[0].bus.handle_line(ana, f"/mentor ask python --post {p}"), second
            )
            async with h.core.db.transaction() as tx:
                orphans = int(
                    await tx.fetch_val(
                        "SELECT COUNT(*) FROM help_requests r WHERE state = 'open' AND NOT EXISTS "
                        "(SELECT 1 FROM help_posts p WHERE p.request_id = r.id)"
                    )
                )
                # the next trial starts with no open request (the limits)
                await tx.execute("UPDATE help_requests SET state = 'cancelled'")
            assert orphans == 0, f"trial {trial}: a request no post points at"
    finally:
        for core in cores:
            await core.close()
