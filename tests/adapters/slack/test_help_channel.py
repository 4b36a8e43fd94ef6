"""A help channel on Slack, through the real Bolt app and the loopback fake: a new message
becomes a request from its author, answered in its thread with the request's buttons and a
reaction for its state; a message with no skill waits for a pick; edits and deletions reach
the request; a refusal is an ephemeral message to its author only; thread replies, bots and
other channels are ignored."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import SlackFrontEnd
from tests.adapters.hostile import (
    HOSTILE,
    HOSTILE_NAME,
    SLACK_UNPARSED,
    parsed_strings,
    slack_plain,
)
from tests.adapters.slack.fake import TEAM, FakeSlack, Simulator, listeners_done, serving
from tests.adapters.slack.test_slack import SECRET, Rig, buttons, slack_config, texts

HELP = "C-HELP"
QUESTION = "How do I read a CSV file with pandas? read_csv &lt;fails&gt; on the dates."


@pytest.fixture
async def rig(tmp_path: Path, fake: FakeSlack) -> AsyncIterator[Rig]:
    config = slack_config(
        tmp_path,
        fake.base,
        MICROMENTOR_COMMUNITIES__DEFAULT__SLACK__HELP_CHANNELS=f'["{HELP}"]',
        MICROMENTOR_REQUESTS__MAX_OPEN="1",
    )
    front = SlackFrontEnd(config)
    async with serving(front) as base, aiohttp.ClientSession() as session:
        yield Rig(fake, Simulator(f"{base}/slack/events", SECRET, fake, session), front)


async def say(rig: Rig, user: str, text: str) -> None:
    response, _ = await rig.sim.command(user, text)
    assert response.status == 200
    await listeners_done()
    await rig.front.notifier.drain()


async def event(rig: Rig, body: dict[str, Any], event_id: str) -> None:
    response = await rig.sim.event({"channel": HELP, **body}, event_id)
    assert response.status == 200
    await listeners_done()
    await rig.front.notifier.drain()


def message(user: str, ts: str, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "user": user,
        "ts": ts,
        "text": text,
        "user_profile": {"display_name": f"{user.lower()}-name"},
        **extra,
    }


def reactions(fake: FakeSlack, ts: str) -> list[tuple[str, str]]:
    return [
        (call.method, str(call.args.get("name")))
        for call in fake.calls
        if call.method in ("reactions.add", "reactions.remove") and call.args.get("timestamp") == ts
    ]


async def count(rig: Rig, table: str) -> int:
    assert rig.front.core is not None
    async with rig.front.core.db.transaction() as tx:
        return int(await tx.fetch_val(f"SELECT COUNT(*) FROM {table}"))


async def test_a_help_message_becomes_a_request_answered_in_its_thread(rig: Rig) -> None:
    await say(rig, "UMEN", "skills add pandas")
    await say(rig, "UMEN", "available")
    await event(rig, message("UANA", "1700000000.000100", QUESTION), "Ev1")
    (answer,) = [
        p for p in rig.fake.of("chat.postMessage") if p.get("thread_ts") == "1700000000.000100"
    ]
    assert answer["channel"] == HELP
    assert "request r1" in texts(answer["blocks"])
    assert ("cancel:r1", "/mentor cancel r1") in buttons(answer["blocks"])
    assert reactions(rig.fake, "1700000000.000100") == [("reactions.add", "hourglass_flowing_sand")]
    # the mentor's offer carries the question as written and the link back to the post
    offer = next(p for p in rig.fake.of("chat.postMessage") if p["channel"] == "D-UMEN")
    shown = texts(offer["blocks"]) + str(offer["blocks"])
    # (as written: Slack's escaping undone once, and done once again for the offer)
    assert "read_csv &lt;fails&gt; on the dates" in texts(offer["blocks"])
    assert "https://test.slack.com/archives/C-HELP/p1700000000000100" in shown
    assert "uana-name asks for help" in texts(offer["blocks"])
    # a redelivered event (Slack retries) makes no second request
    await event(rig, message("UANA", "1700000000.000100", QUESTION), "Ev1")
    assert await count(rig, "help_requests") == 1
    # the mentor takes it: the post shows it
    await say(rig, "UMEN", "accept r1")
    await rig.front.notifier.drain()
    assert reactions(rig.fake, "1700000000.000100")[-2:] == [
        ("reactions.remove", "hourglass_flowing_sand"),
        ("reactions.add", "handshake"),
    ]
    notes = [
        texts(p["blocks"])
        for p in rig.fake.of("chat.postMessage")
        if p.get("thread_ts") == "1700000000.000100"
    ]
    assert any("took r1" in n for n in notes)


async def test_a_message_with_no_skill_waits_for_its_author_to_pick(rig: Rig) -> None:
    await say(rig, "UMEN", "skills add python sql")
    await event(rig, message("UANA", "1700000001.000100", "it's broken, help?"), "Ev2")
    (ask,) = [
        p for p in rig.fake.of("chat.postMessage") if p.get("thread_ts") == "1700000001.000100"
    ]
    assert "Which skills" in texts(ask["blocks"])
    (menu,) = [e for b in ask["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert menu["type"] == "static_select"
    picks = {o["text"]["text"]: o["value"] for o in menu["options"]}
    assert picks == {"python": "/mentor ask python --post p1", "sql": "/mentor ask sql --post p1"}
    assert reactions(rig.fake, "1700000001.000100") == [("reactions.add", "grey_question")]
    assert await count(rig, "help_requests") == 0
    # the author picks a skill in the menu: the same message becomes the request
    await rig.sim.interactive(
        {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": "UANA", "team_id": TEAM},
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": "trig-menu",
            "response_url": rig.fake.response_url("menu"),
            "actions": [
                {
                    "type": "static_select",
                    "action_id": "menu",
                    "block_id": "b1",
                    "selected_option": {"value": "/mentor ask sql --post p1"},
                    "action_ts": "1.1",
                }
            ],
        }
    )
    await listeners_done()
    await rig.front.notifier.drain()
    assert await count(rig, "help_requests") == 1
    updated = [u for u in rig.fake.of("chat.update") if u.get("channel") == HELP]
    assert updated and "request r1" in texts(updated[-1]["blocks"])
    assert reactions(rig.fake, "1700000001.000100")[-2:] == [
        ("reactions.remove", "grey_question"),
        ("reactions.add", "hourglass_flowing_sand"),
    ]


async def test_editing_and_deleting_the_message_reach_the_request(rig: Rig) -> None:
    await say(rig, "UMEN", "skills add pandas")
    await say(rig, "UMEN", "available")
    ts = "1700000002.000100"
    await event(rig, message("UANA", ts, QUESTION), "Ev3")
    # a reply in the thread bumps the parent's reply count: no edit
    bump = {
        "type": "message",
        "subtype": "message_changed",
        "message": message("UANA", ts, QUESTION, reply_count=1),
        "previous_message": message("UANA", ts, QUESTION),
    }
    await event(rig, bump, "Ev4")
    offers = [u for u in rig.fake.of("chat.update") if u.get("channel") == "D-UMEN"]
    assert offers == []
    edited = {
        **bump,
        "message": message("UANA", ts, "How do I parse dates with pandas?"),
    }
    await event(rig, edited, "Ev5")
    offers = [u for u in rig.fake.of("chat.update") if u.get("channel") == "D-UMEN"]
    assert offers and "parse dates" in texts(offers[-1]["blocks"])
    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "deleted_ts": ts,
        "previous_message": message("UANA", ts, "How do I parse dates with pandas?"),
    }
    await event(rig, deleted, "Ev6")
    assert rig.front.core is not None
    async with rig.front.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT state FROM help_requests") == "cancelled"
    assert reactions(rig.fake, ts)[-1] == ("reactions.add", "heavy_minus_sign")


async def test_a_message_deleted_while_its_link_is_fetched_is_called_off(rig: Rig) -> None:
    """The removal of a message arrives while the new message waits for its permalink: it
    waits its turn, so the request made from the message is cancelled (it used to be handled
    first, find no post, and leave the request open for a message that was gone)."""
    await say(rig, "UMEN", "skills add pandas")
    await say(rig, "UMEN", "available")
    ts = "1700000009.000100"
    rig.fake.permalink_gate = gate = asyncio.Event()  # Slack slow to answer
    posted = asyncio.create_task(
        rig.sim.event({"channel": HELP, **message("UANA", ts, QUESTION)}, "Ev1")
    )
    await rig.fake.wait_for(lambda: rig.fake.of("chat.getPermalink") != [])
    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "deleted_ts": ts,
        "previous_message": message("UANA", ts, QUESTION),
    }
    removal = asyncio.create_task(rig.sim.event({"channel": HELP, **deleted}, "Ev2"))
    # without its turn, the removal is done well within this
    await asyncio.wait([removal], timeout=0.5)
    gate.set()
    await posted
    await removal
    await listeners_done()
    await rig.front.notifier.drain()
    assert rig.front.core is not None
    async with rig.front.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT state FROM help_requests") == "cancelled"
    assert rig.front._post_turns == {}  # nothing kept once the post's events are done


async def test_a_refused_message_is_explained_to_its_author_only(rig: Rig) -> None:
    await say(rig, "UMEN", "skills add pandas")
    await event(rig, message("UANA", "1700000003.000100", QUESTION), "Ev7")
    before = len(rig.fake.of("chat.postMessage"))
    await event(rig, message("UANA", "1700000004.000100", "And pandas to SQL?"), "Ev8")
    (private,) = rig.fake.of("chat.postEphemeral")
    assert private["user"] == "UANA" and private["channel"] == HELP
    assert "open request" in texts(private["blocks"])
    assert "Traceback" not in str(private)
    assert len(rig.fake.of("chat.postMessage")) == before
    assert await count(rig, "help_posts") == 1


async def test_thread_replies_bots_and_other_channels_are_ignored(rig: Rig) -> None:
    await say(rig, "UMEN", "skills add pandas")
    ignored = [
        message("UANA", "1700000005.000200", "pandas?", thread_ts="1700000005.000100"),
        message("UANA", "1700000005.000300", "pandas?", bot_id="B9"),
        {**message("UANA", "1700000005.000400", "pandas?"), "channel": "C-RANDOM"},
        {**message("UANA", "1700000005.000500", "joined"), "subtype": "channel_join"},
    ]
    for n, body in enumerate(ignored):
        await event(rig, body, f"Ev-ignored-{n}")
    assert await count(rig, "help_posts") == 0
    assert rig.fake.of("reactions.add") == []


async def test_without_help_channels_messages_are_ignored(tmp_path: Path, fake: FakeSlack) -> None:
    front = SlackFrontEnd(slack_config(tmp_path, fake.base))
    async with serving(front) as base, aiohttp.ClientSession() as session:
        rig = Rig(fake, Simulator(f"{base}/slack/events", SECRET, fake, session), front)
        await event(rig, message("UANA", "1700000006.000100", QUESTION), "Ev9")
        assert await count(rig, "help_posts") == 0


async def test_hostile_text_in_a_post_and_a_name_reach_the_thread_escaped(rig: Rig) -> None:
    rig.sim.names["UMEN"] = HOSTILE_NAME
    await say(rig, "UMEN", "skills add pandas")
    await say(rig, "UMEN", "available")
    ts = "1700000007.000100"
    await event(rig, message("UANA", ts, "pandas: " + HOSTILE), "Ev10")
    await say(rig, "UMEN", "accept r1")
    sent = [p for p in rig.fake.of("chat.postMessage") if p.get("thread_ts") == ts]
    sent += [p for p in rig.fake.of("chat.postMessage") if p["channel"] == "D-UMEN"]
    assert sent
    for body in sent:
        for _, shown in parsed_strings(body, SLACK_UNPARSED, slack_plain):
            assert "<!channel>" not in shown and "<!here>" not in shown


@pytest.mark.parametrize(
    "failure",
    [aiohttp.ClientConnectionError("connection reset"), TimeoutError()],
    ids=["connection", "timeout"],
)
async def test_a_post_whose_link_can_t_be_fetched_still_asks(
    rig: Rig,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    failure: Exception,
) -> None:
    await say(rig, "UMEN", "skills add pandas")
    await say(rig, "UMEN", "available")

    async def unreachable(self: AsyncWebClient, **kwargs: Any) -> Any:
        raise failure

    monkeypatch.setattr(AsyncWebClient, "chat_getPermalink", unreachable)
    ts = "1700000010.000100"
    await event(rig, message("UANA", ts, QUESTION), "Ev11")
    assert await count(rig, "help_requests") == 1
    assert any("request r1" in texts(p["blocks"]) for p in rig.fake.posts_to(HELP))
    offer = next(p for p in rig.fake.of("chat.postMessage") if p["channel"] == "D-UMEN")
    assert "read_csv" in texts(offer["blocks"]) and "/archives/" not in str(offer["blocks"])
    assert any(r.levelname == "WARNING" and "permalink" in r.getMessage() for r in caplog.records)
