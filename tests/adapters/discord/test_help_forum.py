"""Help forums and channels on Discord, through the real discord.py client and the loopback
gateway: a forum post becomes a request answered in the post, its tags follow the request
(the bot makes the tags it needs, keeping the author's own), skills come from the post's
tags; without Message Content only the title is read, and the post says so; a help channel
message gets a thread and reactions; a refusal reaches only its author; deleting the post
cancels the request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.discord.fake import (
    BOT,
    GUILD,
    HELP_CHANNEL,
    HELP_FORUM,
    custom_ids,
    text_of,
)
from tests.adapters.discord.test_discord import Rig, running_rig

HELP = {
    "MICROMENTOR_COMMUNITIES__DEFAULT__DISCORD__HELP_FORUM_IDS": f'["{HELP_FORUM}"]',
    "MICROMENTOR_COMMUNITIES__DEFAULT__DISCORD__HELP_CHANNEL_IDS": f'["{HELP_CHANNEL}"]',
}


async def rig_with(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, **extra: str
) -> AsyncIterator[Rig]:
    async for r in running_rig(tmp_path, caplog, **HELP, **extra):
        yield r


@pytest.fixture
async def rig(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Rig]:
    async for r in rig_with(tmp_path, caplog, MICROMENTOR_DISCORD__MESSAGE_CONTENT="true"):
        yield r


@pytest.fixture
async def title_only(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Rig]:
    async for r in rig_with(tmp_path, caplog):
        yield r


async def mentor(rig: Rig, uid: str, skills: str) -> None:
    await rig.say(uid, ["mentor", "skills", "add"], {"skills": skills})
    await rig.say(uid, ["mentor", "available"])


def dm_texts(rig: Rig, uid: str) -> list[str]:
    """What the person's DMs show now (offers are edited in place)."""
    return [text_of(m) for m in rig.fake.messages.values() if m["channel_id"] == f"9{uid}"]


async def offer_reads(rig: Rig, uid: str, text: str) -> None:
    """Until the mentor's offer (edited in place) shows `text`."""
    await rig.fake.wait_for(lambda: any(text in t for t in dm_texts(rig, uid)))


async def count(rig: Rig, table: str) -> int:
    assert rig.front.core is not None
    async with rig.front.core.db.transaction() as tx:
        return int(await tx.fetch_val(f"SELECT COUNT(*) FROM {table}"))


async def test_a_forum_post_is_a_request_and_its_tags_follow_it(rig: Rig) -> None:
    await mentor(rig, "11", "pandas")
    post = await rig.fake.forum_post(
        "12", "CSV dates", "How do I parse dates with pandas read_csv?", ["302"]
    )
    await rig.fake.wait_for(lambda: rig.fake.sent_to(post) != [])
    await rig.settle()
    (answer,) = rig.fake.sent_to(post)
    assert "request r1" in text_of(answer)
    # the bot made the "Open" tag and put it beside the author's own
    assert rig.fake.tag_names(post) == ["beginner", "Open"]
    offer = rig.dms("11")[-1]
    assert "CSV dates" in text_of(offer) and "parse dates" in text_of(offer)
    assert f"/channels/{GUILD}/{post}/{post}" in text_of(offer)  # the link back to the post
    await rig.say("11", ["mentor", "accept"], {"request": "r1"})
    await rig.settle()
    assert rig.fake.tag_names(post) == ["beginner", "Taken"]
    assert any("took r1" in text_of(m) for m in rig.fake.sent_to(post))


async def test_forum_tags_name_the_skills(rig: Rig) -> None:
    await mentor(rig, "11", "python")
    post = await rig.fake.forum_post("12", "It hangs", "My loop never ends, why?", ["301"])
    await rig.fake.wait_for(lambda: rig.fake.sent_to(post) != [])
    assert "python" in text_of(rig.fake.sent_to(post)[0])
    assert await count(rig, "help_requests") == 1


async def test_a_post_with_no_skill_asks_its_author_to_pick(rig: Rig) -> None:
    await mentor(rig, "11", "sql")
    post = await rig.fake.forum_post("12", "Broken", "it's broken, please help")
    await rig.fake.wait_for(lambda: rig.fake.sent_to(post) != [])
    await rig.settle()
    (ask,) = rig.fake.sent_to(post)
    assert "Which skills" in text_of(ask)
    assert rig.fake.tag_names(post) == ["Needs skills"]
    assert await count(rig, "help_requests") == 0
    (menu,) = custom_ids(ask)
    (select,) = [c for row in ask["components"] for c in row["components"]]
    assert select["type"] == 3 and select["options"] == [
        {"label": "sql", "value": "/mentor ask sql --post p1", "default": False}
    ]
    message = next(m for m in rig.fake.messages.values() if m["channel_id"] == post)
    iid = await rig.fake.select("12", message, menu, ["/mentor ask sql --post p1"])
    await rig.fake.wait_for(lambda: rig.fake.answers(iid) != [])
    answer = text_of(rig.fake.answers(iid)[0])
    assert "r1" in answer
    await rig.settle()
    assert rig.fake.tag_names(post) == ["Open"]


async def test_without_message_content_the_title_is_read_and_the_post_says_so(
    title_only: Rig,
) -> None:
    rig = title_only
    await mentor(rig, "11", "pandas")
    post = await rig.fake.forum_post("12", "pandas read_csv and dates", "")
    await rig.fake.wait_for(lambda: rig.fake.sent_to(post) != [])
    text = text_of(rig.fake.sent_to(post)[0])
    assert "request r1" in text and "only this post's title and tags" in text
    # help channels need the text: without it their messages are not read
    await rig.fake.channel_message("12", "")
    await rig.settle()
    assert await count(rig, "help_posts") == 1


async def test_a_help_channel_message_gets_a_thread_and_reactions(rig: Rig) -> None:
    await mentor(rig, "11", "pandas")
    mid = await rig.fake.channel_message("12", "How do I read a CSV with pandas?")
    await rig.fake.wait_for(lambda: rig.fake.reactions(mid) != [])
    await rig.settle()
    (opened,) = rig.fake.of("POST", f"/channels/{HELP_CHANNEL}/messages/{mid}/threads")
    assert opened.body["name"]
    thread = rig.fake.threads[-1]
    assert "request r1" in text_of(rig.fake.sent_to(thread)[0])
    assert rig.fake.reactions(mid) == [("PUT", "\N{HOURGLASS WITH FLOWING SAND}")]
    # the author edits the message: the request follows
    await rig.fake.edit_message("12", mid, HELP_CHANNEL, "How do I parse dates with pandas?")
    await rig.fake.wait_for(lambda: any("parse dates" in t for t in dm_texts(rig, "11")))
    # and deletes it: the request is cancelled, its reaction shows it
    await rig.fake.delete_message(mid, HELP_CHANNEL)
    await rig.fake.wait_for(lambda: len(rig.fake.reactions(mid)) >= 3)
    await rig.settle()
    assert rig.fake.reactions(mid)[-2:] == [
        ("DELETE", "\N{HOURGLASS WITH FLOWING SAND}"),
        ("PUT", "\N{HEAVY MINUS SIGN}"),
    ]
    assert rig.front.core is not None
    async with rig.front.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT state FROM help_requests") == "cancelled"


async def test_deleting_a_forum_post_cancels_its_request(rig: Rig) -> None:
    await mentor(rig, "11", "pandas")
    post = await rig.fake.forum_post("12", "pandas", "How do I read a CSV with pandas?")
    await rig.fake.wait_for(lambda: rig.fake.sent_to(post) != [])
    await rig.fake.delete_post(post)
    await rig.fake.wait_for(lambda: any("cancelled" in t for t in dm_texts(rig, "11")))
    assert rig.front.core is not None
    async with rig.front.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT state FROM help_requests") == "cancelled"


async def test_a_post_deleted_after_the_bot_forgot_it_still_calls_off_its_request(
    rig: Rig,
) -> None:
    """A help channel message and a forum post deleted when the client no longer has them
    in memory (as after a restart): their authors come from the store, and the requests
    are cancelled."""
    await mentor(rig, "11", "pandas")
    mid = await rig.fake.channel_message("12", "How do I read a CSV with pandas?")
    await rig.fake.wait_for(lambda: rig.fake.reactions(mid) != [])
    post = await rig.fake.forum_post("13", "pandas", "How do I parse dates with pandas?")
    await rig.fake.wait_for(lambda: rig.fake.sent_to(post) != [])
    await rig.settle()
    rig.front.client._connection._messages.clear()  # type: ignore[union-attr]
    for guild in rig.front.client.guilds:
        guild._threads.clear()
    await rig.fake.delete_message(mid, HELP_CHANNEL)
    await rig.fake.delete_post(post)
    await rig.fake.wait_for(lambda: sum("cancelled" in t for t in dm_texts(rig, "11")) >= 2)
    assert rig.front.core is not None
    async with rig.front.core.db.transaction() as tx:
        states = [r["state"] for r in await tx.fetch("SELECT state FROM help_requests ORDER BY id")]
    assert states == ["cancelled", "cancelled"]


@pytest.fixture
async def limited(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Rig]:
    extra = {"MICROMENTOR_DISCORD__MESSAGE_CONTENT": "true", "MICROMENTOR_REQUESTS__MAX_OPEN": "1"}
    async for r in rig_with(tmp_path, caplog, **extra):
        yield r


async def test_a_refused_post_is_explained_to_its_author_only(limited: Rig) -> None:
    rig = limited
    await mentor(rig, "11", "pandas")
    first = await rig.fake.forum_post("12", "pandas", "How do I read a CSV with pandas?")
    await rig.fake.wait_for(lambda: rig.fake.sent_to(first) != [])
    # a second open request breaks the limit of one: a DM says why, nothing is created
    second = await rig.fake.forum_post("12", "more pandas", "How do I write pandas to SQL?")
    await rig.fake.wait_for(lambda: any("open request" in text_of(d) for d in rig.dms("12")))
    await rig.settle()
    assert rig.fake.sent_to(second) == []
    assert await count(rig, "help_posts") == 1
    # with DMs closed, the post says only that they are closed and how to hear why (a
    # refusal such as a suspension is no one else's business), pinging only its author
    rig.fake.closed_dms.add("13")
    await rig.fake.forum_post("13", "q", "pandas groupby, how?")
    fourth = await rig.fake.forum_post("13", "q2", "pandas merge, how?")
    await rig.fake.wait_for(lambda: rig.fake.sent_to(fourth) != [])
    (said,) = rig.fake.sent_to(fourth)
    assert says_only_that_dms_are_closed(said, "13")
    assert [str(u) for u in said["allowed_mentions"]["users"]] == ["13"]
    assert not said["allowed_mentions"].get("parse")
    assert await count(rig, "help_posts") == 2


def top_level(rig: Rig) -> list[dict[str, Any]]:
    """What the bot posted in the help channel itself (not the threads it opened there)."""
    path = f"/channels/{HELP_CHANNEL}/messages"
    return [c.body for c in rig.fake.calls if c.method == "POST" and c.path == path]


def says_only_that_dms_are_closed(said: dict[str, Any], uid: str) -> bool:
    """The public word on a refused post whose author's DMs are closed: a mention of them,
    that DMs are closed and what to do; not the refusal."""
    text = text_of(said)
    return (
        said["content"].startswith(f"<@{uid}>")
        and "DMs are closed" in text
        and "/mentor ask" in text
        and "open request" not in text
    )


async def test_a_refused_help_channel_message_is_answered_where_it_was_posted(
    limited: Rig,
) -> None:
    """Found in review: with the author's DMs closed, a refusal in a help text channel went
    top level, with its text. Now a refused edit of a post the bot opened a thread for is
    answered in that thread; a refused new message, in a reply to it."""
    rig = limited
    rig.fake.closed_dms.add("13")
    await mentor(rig, "11", "pandas")
    asked = await rig.fake.channel_message("13", "pandas groupby, how?")
    await rig.fake.wait_for(lambda: rig.fake.reactions(asked) != [])
    waiting = await rig.fake.channel_message("13", "it's broken, please help")
    await rig.fake.wait_for(lambda: len(rig.fake.threads) == 2)
    await rig.settle()
    thread = rig.fake.threads[-1]
    before = len(rig.fake.sent_to(thread))
    # naming a skill makes it a second open request: refused
    await rig.fake.edit_message("13", waiting, HELP_CHANNEL, "pandas merge, how?")
    await rig.fake.wait_for(lambda: len(rig.fake.sent_to(thread)) > before)
    assert says_only_that_dms_are_closed(rig.fake.sent_to(thread)[-1], "13")
    third = await rig.fake.channel_message("13", "pandas join, how?")
    await rig.fake.wait_for(lambda: top_level(rig) != [])
    (reply,) = top_level(rig)
    assert says_only_that_dms_are_closed(reply, "13")
    assert str(reply["message_reference"]["message_id"]) == third
    assert len(rig.fake.threads) == 2


async def test_the_bot_s_own_messages_are_not_posts(rig: Rig) -> None:
    await rig.fake.channel_message(BOT, "How do I read a CSV with pandas?", bot=True)
    await rig.fake.channel_message("12", "How do I read a CSV with pandas?")
    await rig.fake.wait_for(lambda: rig.fake.threads != [])
    await rig.settle()
    assert await count(rig, "help_posts") == 1


async def test_a_help_channel_s_system_messages_are_not_posts_but_replies_are(rig: Rig) -> None:
    await mentor(rig, "11", "pandas")
    # Discord's "12 started a thread" notice (THREAD_CREATED) carries the thread's name
    await rig.fake.channel_message("12", "pandas csv chat", type=18)
    asked = await rig.fake.channel_message("13", "How do I read a CSV with pandas?")
    reply = await rig.fake.channel_message(
        "14",
        "Same here: pandas read_csv drops my dates",
        type=19,
        message_reference={"message_id": asked, "channel_id": HELP_CHANNEL, "guild_id": GUILD},
    )
    await rig.fake.wait_for(lambda: rig.fake.reactions(reply) != [])
    await rig.settle()
    assert rig.front.core is not None
    async with rig.front.core.db.transaction() as tx:
        asked_by = await tx.fetch("SELECT question FROM help_requests ORDER BY id")
    assert [r["question"] for r in asked_by] == [
        "How do I read a CSV with pandas?",
        "Same here: pandas read_csv drops my dates",
    ]


async def test_a_post_with_nothing_to_read_is_answered_not_crashed_on(rig: Rig) -> None:
    """Found by the fuzzer: a help channel message of invisible characters used to raise in
    the gateway handler; now its author hears why nothing was made."""
    await rig.fake.channel_message("12", "\u200b\u200b")
    await rig.fake.wait_for(lambda: any("no text" in text_of(d) for d in rig.dms("12")))
    assert await count(rig, "help_posts") == 0


async def test_renaming_a_forum_post_edits_its_request(title_only: Rig) -> None:
    rig = title_only
    await mentor(rig, "11", "pandas")
    post = await rig.fake.forum_post("12", "pandas read_csv and dates", "")
    await rig.fake.wait_for(lambda: rig.fake.sent_to(post) != [])
    await rig.fake.rename_post(post, "12", "pandas read_csv: parse two date columns")
    await rig.fake.wait_for(lambda: any("two date columns" in t for t in dm_texts(rig, "11")))


async def test_renaming_keeps_the_post_s_body_when_it_was_seen(rig: Rig) -> None:
    await mentor(rig, "11", "pandas")
    post = await rig.fake.forum_post("12", "CSV dates", "How do I parse dates with pandas?")
    await rig.fake.wait_for(lambda: rig.fake.sent_to(post) != [])
    await rig.fake.rename_post(post, "12", "CSV dates in two columns")
    await rig.fake.wait_for(lambda: any("two columns" in t for t in dm_texts(rig, "11")))
    edited = next(t for t in dm_texts(rig, "11") if "two columns" in t)
    assert "How do I parse dates with pandas?" in edited


async def test_each_rename_edits_the_request_though_titles_share_their_start(
    title_only: Rig,
) -> None:
    rig = title_only
    await mentor(rig, "11", "pandas")
    start = "pandas read csv: how do I parse the dates in two columns of a"  # 61 characters
    post = await rig.fake.forum_post("12", start + " file", "")
    await rig.fake.wait_for(lambda: rig.fake.sent_to(post) != [])
    for title in (start + " CSV file", start + " TSV file"):
        await rig.fake.rename_post(post, "12", title)
        await offer_reads(rig, "11", title)


async def test_renaming_a_post_back_to_an_earlier_title_edits_its_request(
    title_only: Rig,
) -> None:
    rig = title_only
    await mentor(rig, "11", "pandas")
    post = await rig.fake.forum_post("12", "pandas dates A", "")
    await rig.fake.wait_for(lambda: rig.fake.sent_to(post) != [])
    for title in ("pandas dates B", "pandas dates C", "pandas dates B"):
        await rig.fake.rename_post(post, "12", title)
        await offer_reads(rig, "11", title)
