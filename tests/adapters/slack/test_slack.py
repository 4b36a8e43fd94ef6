"""The real slack-bolt app over loopback HTTP against a fake of Slack's servers."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.slack.app import SlackConfigError, SlackFrontEnd, check_tokens
from adapters.slack.parse import shortcut_message
from bot.config import Config, load_config
from bot.domain.messages import Actor, Reply
from tests.adapters.slack.fake import (
    TEAM,
    FakeSlack,
    Simulator,
    listeners_done,
    serving,
    sign,
)

SECRET = "s3cr3t"


def slack_config(tmp_path: Path, base: str, mode: str = "http", **extra: str) -> Config:
    env = {
        "MICROMENTOR_STORAGE__URL": f"sqlite:///{tmp_path / 'slack.db'}",
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_APP_TOKEN": "xapp-test-token",
        "MICROMENTOR_SLACK__MODE": mode,
        "MICROMENTOR_SLACK__API_BASE_URL": f"{base}/api/",
        "MICROMENTOR_COMMUNITIES__DEFAULT__SLACK__TEAM_ID": TEAM,
        "MICROMENTOR_COMMUNITIES__DEFAULT__SLACK__MENTORS_CHANNEL": "C-MENTORS",
        "MICROMENTOR_COMMUNITIES__DEFAULT__SLACK__MODERATORS_CHANNEL": "C-MODS",
        "MICROMENTOR_COMMUNITIES__DEFAULT__MODERATORS": '["slack:UMOD"]',
        **extra,
    }
    return load_config(None, environ=env)


@dataclass
class Rig:
    fake: FakeSlack
    sim: Simulator
    front: SlackFrontEnd


@pytest.fixture
async def rig(tmp_path: Path, fake: FakeSlack) -> AsyncIterator[Rig]:
    front = SlackFrontEnd(slack_config(tmp_path, fake.base))
    async with serving(front) as base, aiohttp.ClientSession() as session:
        yield Rig(fake, Simulator(f"{base}/slack/events", SECRET, fake, session), front)


def texts(blocks: list[dict[str, Any]]) -> str:
    out = []
    for block in blocks:
        if block.get("type") == "section":
            out.append(block["text"]["text"])
    return "\n".join(out)


def buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (e["action_id"], e["value"])
        for b in blocks
        if b.get("type") == "actions"
        for e in b["elements"]
    ]


async def say(rig: Rig, user: str, text: str) -> dict[str, Any]:
    before = len(rig.fake.responses)
    response, _ = await rig.sim.command(user, text)
    assert response.status == 200
    await rig.fake.wait_for(lambda: len(rig.fake.responses) > before)
    return rig.fake.responses[before]


async def click(rig: Rig, user: str, action_id: str, value: str, **kw: Any) -> dict[str, Any]:
    before = len(rig.fake.responses)
    response, _ = await rig.sim.click(user, action_id, value, **kw)
    assert response.status == 200
    await rig.fake.wait_for(lambda: len(rig.fake.responses) > before)
    return rig.fake.responses[before]


def group_dm(rig: Rig, *users: str) -> str | None:
    """The group DM the bot opened for these users, once it posted there."""
    for call in rig.fake.of("conversations.open"):
        members = str(call["users"]).split(",")
        if len(members) > 1 and set(members) == set(users):
            channel = "G-" + "-".join(members)
            if rig.fake.posts_to(channel):
                return channel
    return None


async def mentors(rig: Rig, *names: str) -> None:
    for name in names:
        await say(rig, name, "skills add python")
        await say(rig, name, "available for 8h")


async def test_the_full_loop_on_slack(rig: Rig) -> None:
    """Ask -> offer DMs -> accept (and a losing accept) -> group DM -> check-in -> done ->
    both ratings -> reveal."""
    await mentors(rig, "UM1", "UM2")
    reply = await say(rig, "UANA", "ask python -- How do I read a CSV?")
    assert reply["response_type"] == "ephemeral" and "r1" in texts(reply["blocks"])
    await rig.fake.wait_for(
        lambda: len(rig.fake.posts_to("D-UM1")) == 1 and len(rig.fake.posts_to("D-UM2")) == 1
    )
    offer = rig.fake.posts_to("D-UM1")[0]
    assert ("accept:r1", "/mentor accept r1") in buttons(offer["blocks"])
    won = await click(rig, "UM1", "accept:r1", "/mentor accept r1")
    assert "session s1" in texts(won["blocks"])
    await rig.fake.wait_for(lambda: len(rig.fake.of("chat.update")) >= 2)
    edits = {e["channel"]: texts(e["blocks"]) for e in rig.fake.of("chat.update")}
    assert "taken by another mentor" in edits["D-UM2"]
    lost = await click(rig, "UM2", "accept:r1", "/mentor accept r1")
    assert "already taken" in texts(lost["blocks"])
    await rig.fake.wait_for(lambda: group_dm(rig, "UANA", "UM1") is not None)
    intro = rig.fake.posts_to(group_dm(rig, "UANA", "UM1") or "")[0]
    assert ("checkin:s1", "/mentor checkin s1") in buttons(intro["blocks"])
    await click(rig, "UANA", "checkin:s1", "/mentor checkin s1")
    await click(rig, "UM1", "checkin:s1", "/mentor checkin s1")
    await click(rig, "UM1", "done:s1", "/mentor done s1 resolved")
    await rig.fake.wait_for(
        lambda: any("rate:s1:5" in dict(buttons(p["blocks"])) for p in rig.fake.posts_to("D-UANA"))
    )
    await click(rig, "UANA", "rate:s1:5", "/mentor rate s1 5")
    await click(rig, "UM1", "rate:s1:4", "/mentor rate s1 4")
    await rig.fake.wait_for(
        lambda: any("rated you" in texts(p["blocks"]) for p in rig.fake.posts_to("D-UANA"))
    )
    to_ana = [texts(p["blocks"]) for p in rig.fake.posts_to("D-UANA")]
    assert any("4/5" in t for t in to_ana)


async def test_a_quick_reply_comes_back_in_the_ack(rig: Rig) -> None:
    """A command done within slack.reply_in_ack_ms answers in the HTTP response itself:
    nothing is posted to its response_url, and the offers still go out."""
    await mentors(rig, "UM1")
    response, name = await rig.sim.command("UANA", "ask python -- In the ack?")
    assert response.status == 200
    answer = await response.json()
    assert answer["response_type"] == "ephemeral" and "r1" in texts(answer["blocks"])
    assert name in rig.fake.in_ack
    await rig.fake.wait_for(lambda: len(rig.fake.posts_to("D-UM1")) == 1)
    await listeners_done()
    assert rig.fake.answers_to(name) == [answer]  # once, and not at the response_url


async def test_with_no_time_for_the_ack_the_reply_goes_to_the_response_url(
    tmp_path: Path, fake: FakeSlack
) -> None:
    """reply_in_ack_ms = 0 (or a command slower than it): an empty ack at once, and the
    reply at the response_url when it is ready."""
    config = slack_config(tmp_path, fake.base, MICROMENTOR_SLACK__REPLY_IN_ACK_MS="0")
    front = SlackFrontEnd(config)
    async with serving(front) as base, aiohttp.ClientSession() as session:
        sim = Simulator(f"{base}/slack/events", SECRET, fake, session)
        response, name = await sim.command("UANA", "skills add python")
        assert response.status == 200 and await response.text() == ""
        await fake.wait_for(lambda: fake.answers_to(name) != [])
        assert name not in fake.in_ack
        assert "python" in texts(fake.answers_to(name)[0]["blocks"])


async def test_a_button_is_acked_before_its_command_runs(rig: Rig) -> None:
    """Slack shows nothing of a button's ack: it is empty, and the answer goes to the
    response_url."""
    response, name = await rig.sim.click("UANA", "queue", "/mentor queue")
    assert response.status == 200 and await response.text() == ""
    await rig.fake.wait_for(lambda: rig.fake.answers_to(name) != [])
    assert name not in rig.fake.in_ack


async def test_ask_with_no_text_opens_the_modal_and_submits(rig: Rig) -> None:
    """The modal's skills come from the taxonomy; a bad time is shown on its field."""
    await mentors(rig, "UM1")
    response, _ = await rig.sim.command("UANA", "")
    assert response.status == 200
    await rig.fake.wait_for(lambda: rig.fake.of("views.open") != [])
    view = rig.fake.of("views.open")[0]["view"]
    assert view["callback_id"] == "ask"
    assert (await rig.sim.suggest("UANA", "pyt", view))[0] == "python"
    values = {
        "skills": {
            "skills": {"type": "multi_external_select", "selected_options": [{"value": "python"}]}
        },
        "question": {"question": {"type": "plain_text_input", "value": "Why?"}},
        "goal": {"goal": {"type": "plain_text_input", "value": None}},
        "tried": {"tried": {"type": "plain_text_input", "value": None}},
        "minutes": {"minutes": {"type": "static_select", "selected_option": {"value": "30"}}},
        "at": {"at": {"type": "plain_text_input", "value": "yesterday at noon"}},
    }
    bad = await rig.sim.submit("UANA", view, values)
    body = json.loads(await bad.text())
    assert body["response_action"] == "errors" and "at" in body["errors"]
    values["at"]["at"]["value"] = None
    # "Let me pick my mentor" ticked: the request waits for the member's pick
    assert "choose" in [b.get("block_id") for b in view["blocks"]]
    values["choose"] = {"choose": {"type": "checkboxes", "selected_options": [{"value": "choose"}]}}
    good = await rig.sim.submit("UANA", view, values)
    assert good.status == 200 and not (await good.text())
    await rig.fake.wait_for(lambda: rig.fake.posts_to("D-UM1") != [])
    assert rig.front.core is not None
    async with rig.front.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT choose_window FROM help_requests") == 600


async def test_an_ask_form_without_skills_shows_the_skills_its_question_suggests(
    rig: Rig,
) -> None:
    """The Skills field may be left empty: the form stays open with the skills the question
    suggests under it, and nothing is created until some are picked."""
    await mentors(rig, "UM1")
    await rig.sim.command("UANA", "")
    await rig.fake.wait_for(lambda: rig.fake.of("views.open") != [])
    view = rig.fake.of("views.open")[0]["view"]
    skills_block = next(b for b in view["blocks"] if b["block_id"] == "skills")
    assert skills_block["optional"] is True
    question = "How do I read a CSV with pandas? pd.read_csv drops my header"
    values: dict[str, Any] = {
        "skills": {"skills": {"type": "multi_external_select", "selected_options": []}},
        "question": {"question": {"type": "plain_text_input", "value": question}},
        "minutes": {"minutes": {"type": "static_select", "selected_option": {"value": "30"}}},
    }
    first = json.loads(await (await rig.sim.submit("UANA", view, values)).text())
    assert first["response_action"] == "errors"
    assert "pandas" in first["errors"]["skills"]
    assert rig.fake.posts_to("D-UM1") == []
    values["skills"]["skills"]["selected_options"] = [{"value": "python"}]
    second = await rig.sim.submit("UANA", view, values)
    assert second.status == 200 and not (await second.text())
    await rig.fake.wait_for(lambda: rig.fake.posts_to("D-UM1") != [])


def shortcut(user: str, text: str, trigger_id: str) -> dict[str, Any]:
    """A message_action payload, as Slack sends it for a message shortcut."""
    return {
        "type": "message_action",
        "callback_id": "ask_about",
        "trigger_id": trigger_id,
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": user, "name": "ana", "team_id": TEAM},
        "channel": {"id": "C0HELP", "name": "help"},
        "message": {"type": "message", "user": "UOTHER", "ts": "1764000000.001200", "text": text},
        "response_url": "https://hooks.invalid/x",
        "api_app_id": "A1",
        "token": "legacy",
    }


async def test_ask_a_mentor_about_a_message(rig: Rig) -> None:
    """The message shortcut opens the ask form with the message as the question and a link
    back to it; the offer shows the mentor that link. A retried shortcut opens no second
    form."""
    await mentors(rig, "UM1")
    text = "Why does this print None?\n```python\nprint(print(1))\n```"
    for _ in range(2):  # the same delivery twice: one form
        response = await rig.sim.interactive(shortcut("UANA", text, "TRIG-SC1"))
        assert response.status == 200
    await rig.fake.wait_for(lambda: rig.fake.of("views.open") != [])
    await listeners_done()
    (opened,) = rig.fake.of("views.open")
    view = opened["view"]
    link = "https://acme.slack.com/archives/C0HELP/p1764000000001200"
    assert view["private_metadata"] == link
    question = next(b for b in view["blocks"] if b.get("block_id") == "question")
    assert question["element"]["initial_value"] == text
    skills = next(b for b in view["blocks"] if b.get("block_id") == "skills")
    assert [o["value"] for o in skills["element"]["initial_options"]] == ["python"]
    values: dict[str, Any] = {
        "skills": {
            "skills": {"type": "multi_external_select", "selected_options": [{"value": "python"}]}
        },
        "question": {"question": {"type": "plain_text_input", "value": text}},
        "minutes": {"minutes": {"type": "static_select", "selected_option": {"value": "30"}}},
    }
    sent = await rig.sim.submit("UANA", view, values)
    assert sent.status == 200 and not (await sent.text())
    await rig.fake.wait_for(lambda: rig.fake.posts_to("D-UM1") != [])
    (offer,) = rig.fake.posts_to("D-UM1")
    assert link in json.dumps(offer["blocks"])


def test_a_shortcut_message_link_needs_every_part_shaped_as_slack_sends_it() -> None:
    """No link from a payload whose domain, channel or ts isn't Slack's shape."""
    body = shortcut("UANA", "hi", "T")
    assert shortcut_message(body)[1] is not None
    for key, bad in (("team", {"domain": "evil.com/x"}), ("channel", {"id": "../x"})):
        assert shortcut_message({**body, key: bad}) == ("hi", None)
    assert shortcut_message({**body, "message": {"text": "hi", "ts": "1.2.3"}})[1] is None


def test_a_shortcut_message_is_read_as_written() -> None:
    """Slack escapes &, < and > in a message's text; the question is what the member wrote
    (the mentor's offer escapes it again for Slack)."""
    body = shortcut("UANA", "Why is a &lt; b &amp;&amp; c false?", "T")
    assert shortcut_message(body)[0] == "Why is a < b && c false?"


async def test_bad_signatures_and_stale_requests_are_refused(rig: Rig) -> None:
    """401, and nothing happens."""
    body = "team_id=T1&user_id=UANA&command=%2Fmentor&text=ask+python+--+q&trigger_id=x"
    for headers in (
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=bad"},
        sign(SECRET, body, timestamp=int(time.time()) - 600),
    ):
        response = await rig.sim.session.post(
            rig.sim.url,
            data=body.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        )
        assert response.status == 401
    async with rig.front.core.db.transaction() as tx:  # type: ignore[union-attr]
        assert await tx.fetch_val("SELECT COUNT(*) FROM help_requests") == 0


async def test_a_retried_delivery_does_nothing_twice(rig: Rig) -> None:
    """The same command delivered twice (same trigger_id) makes one request."""
    for _ in range(2):
        response, _ = await rig.sim.command("UANA", "ask python -- once", trigger_id="T-SAME")
        assert response.status == 200
    await rig.fake.wait_for(lambda: len(rig.fake.responses) >= 1)
    async with rig.front.core.db.transaction() as tx:  # type: ignore[union-attr]
        assert await tx.fetch_val("SELECT COUNT(*) FROM help_requests") == 1


RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


async def test_a_retried_refused_command_is_answered_once(rig: Rig) -> None:
    """A command the core refused, delivered again by Slack, gets no second answer."""
    for headers in (None, RETRY):
        response, _ = await rig.sim.command(
            "UANA", "accept r99", trigger_id="T-NO", headers=headers, response_name="refused"
        )
        assert response.status == 200
        await rig.fake.wait_for(lambda: rig.fake.answers_to("refused") != [])
    await listeners_done()
    answers = rig.fake.answers_to("refused")
    assert len(answers) == 1 and "no request r99" in texts(answers[0]["blocks"])


async def test_a_retried_command_that_opens_a_form_opens_it_once(rig: Rig) -> None:
    """`/mentor` alone opens the ask form; Slack's retry of it opens no second form (found by
    fuzzing: each delivery opened one)."""
    for headers in (None, RETRY):
        response, _ = await rig.sim.command("UANA", "", trigger_id="T-FORM", headers=headers)
        assert response.status == 200
    await listeners_done()
    assert len(rig.fake.of("views.open")) == 1


async def test_a_retried_unparseable_command_is_answered_once(rig: Rig) -> None:
    """A command that doesn't parse, delivered again by Slack, gets no second answer."""
    for headers in (None, RETRY):
        response, _ = await rig.sim.command(
            "UANA", "frobnicate now", trigger_id="T-BAD", headers=headers, response_name="bad"
        )
        assert response.status == 200
        await rig.fake.wait_for(lambda: rig.fake.answers_to("bad") != [])
    await listeners_done()
    assert len(rig.fake.answers_to("bad")) == 1


async def test_a_timestamp_that_is_not_a_number_gets_401(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """Refused like any bad signature (as is a signature that isn't ASCII): 401, nothing
    run, no traceback in the log."""
    body = "team_id=T1&user_id=UANA&command=%2Fmentor&text=ask+python+--+q&trigger_id=x"
    good = sign(SECRET, body)
    for bad in (
        {"X-Slack-Request-Timestamp": "soon"},
        {"X-Slack-Request-Timestamp": ""},
        {"X-Slack-Request-Timestamp": "1e9"},
        {"X-Slack-Signature": "v0=\u00e9t\u00e9"},
    ):
        headers = {**good, **bad}
        response = await rig.sim.session.post(
            rig.sim.url,
            data=body.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        )
        assert response.status == 401, bad
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    async with rig.front.core.db.transaction() as tx:  # type: ignore[union-attr]
        assert await tx.fetch_val("SELECT COUNT(*) FROM help_requests") == 0


async def stored_names(rig: Rig, user: str) -> tuple[str, str]:
    """The person's name and their Slack identity's name, as stored."""
    async with rig.front.core.db.transaction() as tx:  # type: ignore[union-attr]
        row = await tx.fetch_one(
            "SELECT p.display_name AS person, i.display_name AS identity "
            "FROM identities i JOIN persons p ON p.id = i.person_id WHERE i.user_id = :u",
            {"u": user},
        )
    assert row is not None
    return str(row["person"]), str(row["identity"])


async def open_home(rig: Rig, user: str, event_id: str) -> None:
    before = len(rig.fake.of("views.publish"))
    response = await rig.sim.event(
        {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"},
        event_id=event_id,
    )
    assert response.status == 200
    await rig.fake.wait_for(lambda: len(rig.fake.of("views.publish")) > before)


async def test_opening_the_home_tab_keeps_the_persons_name(rig: Rig) -> None:
    """The event carries only a user id: a known name stays, and a newcomer first seen there
    is named by their id until their first command brings their name."""
    await say(rig, "UANA", "queue")
    await open_home(rig, "UANA", "Ev-home-1")
    assert await stored_names(rig, "UANA") == ("uana", "uana")
    await open_home(rig, "UNEW", "Ev-home-2")
    assert await stored_names(rig, "UNEW") == ("UNEW", "UNEW")
    await say(rig, "UNEW", "queue")
    assert await stored_names(rig, "UNEW") == ("unew", "unew")


async def test_a_form_state_not_shaped_as_slack_sends_it_is_refused_on_its_field(
    rig: Rig,
) -> None:
    """A submission whose values are missing, null or of another shape (found by fuzzing:
    each one answered "something went wrong" and logged a traceback) is refused politely on
    the field it lacks, and nothing is stored."""
    forged: list[tuple[str, Any]] = [
        ("ask", None),
        ("ask", []),
        ("ask", {"skills": None, "question": {"question": 5}}),
        ("ask", {"skills": {"skills": {"type": "multi_static_select", "selected_options": [{}]}}}),
        (
            "ask",
            {
                "skills": {
                    "skills": {
                        "type": "multi_static_select",
                        "selected_options": [{"value": "python"}],
                    }
                },
                "question": {"question": {"type": "static_select", "selected_option": {}}},
                "at": {"at": {"type": "multi_static_select", "selected_options": None}},
            },
        ),
        ("rate", {"score": {"score": {"type": "static_select", "selected_option": "5"}}}),
        ("dispute", "x"),
    ]
    for callback_id, values in forged:
        view = {"callback_id": callback_id, "type": "modal"}
        response = await rig.sim.submit("UANA", view, values)
        body = json.loads(await response.text())
        assert body["response_action"] == "errors", (callback_id, values)
        (text,) = body["errors"].values()
        assert "went wrong" not in text, (callback_id, values, text)
    assert rig.front.core is not None
    async with rig.front.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT COUNT(*) FROM help_requests") == 0
        assert await tx.fetch_val("SELECT COUNT(*) FROM disputes") == 0


async def test_an_unknown_action_is_ignored_politely(rig: Rig) -> None:
    """A button the core doesn't know is acked and ignored; a bad command gets an error."""
    response, _ = await rig.sim.click("UANA", "something:else", "not a command")
    assert response.status == 200
    reply = await click(rig, "UANA", "accept:r99", "/mentor accept r99")
    assert "no request r99" in texts(reply["blocks"])


async def test_the_app_home_shows_profile_requests_and_sessions(rig: Rig) -> None:
    """app_home_opened publishes the home tab (and a retry of the event does no harm)."""
    await say(rig, "UANA", "ask python -- q")
    for retry in (None, 1):
        response = await rig.sim.event(
            {"type": "app_home_opened", "user": "UANA", "channel": "D1", "tab": "home"},
            event_id="Ev1",
            retry=retry,
        )
        assert response.status == 200
    await rig.fake.wait_for(lambda: rig.fake.of("views.publish") != [])
    home = rig.fake.of("views.publish")[0]
    assert home["user_id"] == "UANA"
    shown = texts(home["view"]["blocks"])
    assert "r1" in shown and "Member" in shown


async def test_an_ics_invite_is_uploaded_for_a_scheduled_session(rig: Rig) -> None:
    """A scheduled session's .ics goes to the member through Slack's file upload."""
    await say(rig, "UM1", "skills add python")
    await say(rig, "UM1", "profile hours daily 00:00-24:00")
    await say(rig, "UANA", "ask python --at in 3h -- later")
    await click(rig, "UM1", "accept:r1", "/mentor accept r1")
    await rig.fake.wait_for(lambda: rig.fake.of("files.completeUploadExternal") != [])
    uploads = [c.args["body"] for c in rig.fake.calls if c.method == "upload"]
    assert any("BEGIN:VCALENDAR" in body for body in uploads)


def test_missing_or_malformed_tokens_stop_the_start(tmp_path: Path) -> None:
    """Nothing half-starts: the message says which token and what it looks like."""
    cases = [
        ({"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxp-user"}, "xoxb-"),
        ({"SLACK_APP_TOKEN": "", "MICROMENTOR_SLACK__MODE": "socket"}, "SLACK_APP_TOKEN"),
        ({"SLACK_APP_TOKEN": "nope", "MICROMENTOR_SLACK__MODE": "socket"}, "xapp-"),
        ({"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET"),
    ]
    for extra, expected in cases:
        env = dict(os.environ)
        config = slack_config(tmp_path, "http://127.0.0.1:1", **extra)
        with pytest.raises(SlackConfigError) as err:
            check_tokens(config)
        assert expected in str(err.value)
        assert env == dict(os.environ)


async def test_socket_mode_receives_envelopes_and_acks_them(
    tmp_path: Path, fake: FakeSlack
) -> None:
    """apps.connections.open gives a loopback websocket; a slash command envelope is acked
    on the socket, with its answer in the ack."""
    front = SlackFrontEnd(slack_config(tmp_path, fake.base, mode="socket"))
    await front.start()
    handler = front.socket_handler()
    try:
        await handler.connect_async()
        await fake.send_envelope(
            {
                "envelope_id": "E1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "team_id": TEAM,
                    "user_id": "UANA",
                    "user_name": "ana",
                    "command": "/mentor",
                    "text": "help ask",
                    "trigger_id": "sock1",
                    "response_url": fake.response_url("sock1"),
                    "channel_id": "C1",
                    "api_app_id": "A1",
                },
            }
        )
        await fake.wait_for(lambda: any(a.get("envelope_id") == "E1" for a in fake.socket_acks))
        (ack,) = [a for a in fake.socket_acks if a.get("envelope_id") == "E1"]
        assert "/mentor ask" in texts(ack["payload"]["blocks"])
        assert ack["payload"]["response_type"] == "ephemeral"
        assert fake.responses == []  # nothing more at the response_url
        assert fake.of("apps.connections.open")
    finally:
        await handler.close_async()
        await front.close()


async def test_close_waits_for_a_command_still_inside_its_ack_window(
    tmp_path: Path, fake: FakeSlack
) -> None:
    """Socket Mode's handler doesn't wait for its listeners: a command still running when
    the bot stops is waited for, and acked with its reply, before the store is closed."""
    front = SlackFrontEnd(
        slack_config(tmp_path, fake.base, MICROMENTOR_SLACK__REPLY_IN_ACK_MS="2500")
    )
    released = asyncio.Event()
    acks: list[dict[str, Any]] = []

    async def run() -> Reply:
        await released.wait()
        return Reply("done")

    async def ack(**body: Any) -> None:
        acks.append(body)

    actor = Actor("slack", TEAM, "UANA", "ana")
    command = asyncio.create_task(front._command(ack, None, actor, front.client, run()))
    await asyncio.sleep(0)  # the command starts and waits
    closing = asyncio.create_task(front.close())
    for _ in range(5):
        await asyncio.sleep(0)
    assert not closing.done()
    released.set()
    await closing
    await command
    assert "done" in texts(acks[0]["blocks"])


async def test_a_retry_after_a_restart_is_still_a_duplicate(
    tmp_path: Path, fake: FakeSlack
) -> None:
    """Delivery ids live in the database, so a retry that arrives after a restart is known."""
    for _ in range(2):  # the same delivery, before and after a restart
        front = SlackFrontEnd(slack_config(tmp_path, fake.base))
        async with serving(front) as base, aiohttp.ClientSession() as session:
            sim = Simulator(f"{base}/slack/events", SECRET, fake, session)
            before = len(fake.responses)
            response, _ = await sim.command("UANA", "ask python -- once", trigger_id="T-KEEP")
            assert response.status == 200
            # a later command from the same person: once answered, the retry was handled too
            await sim.command("UANA", "queue", trigger_id=f"T-Q{before}")
            await fake.wait_for(
                lambda b=before: any(
                    "Your open requests" in texts(r["blocks"]) for r in fake.responses[b:]
                )
            )
            await front.notifier.drain()
    import sqlite3

    conn = sqlite3.connect(tmp_path / "slack.db")
    try:
        assert conn.execute("SELECT COUNT(*) FROM help_requests").fetchone()[0] == 1
    finally:
        conn.close()


def _elements(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b.get("type") == "input"}


async def test_forms_are_drawn_as_the_core_describes_them(rig: Rig) -> None:
    """The ask form follows the community's run-time settings (a moderator's change, not only
    the file); the rating form offers the aspects of the rater's side of that session."""
    changed = await say(rig, "UMOD", "mod set requests.session_lengths 20,30,50")
    assert not changed["blocks"][0]["text"]["text"].startswith(":warning:")
    await rig.sim.command("UANA", "ask")
    await rig.fake.wait_for(lambda: len(rig.fake.of("views.open")) == 1)
    ask = rig.fake.of("views.open")[0]["view"]
    lengths = [o["value"] for o in _elements(ask)["minutes"]["options"]]
    assert lengths == ["20", "30", "50"]

    await mentors(rig, "UM1")
    await say(rig, "UANA", "ask python -- How do I read a CSV?")
    await click(rig, "UM1", "accept:r1", "/mentor accept r1")
    await say(rig, "UANA", "checkin s1")
    await say(rig, "UM1", "checkin s1")
    await say(rig, "UM1", "done s1")
    for user, aspects in (("UM1", {"preparedness", "engagement"}), ("UANA", {"helpfulness"})):
        before = len(rig.fake.of("views.open"))
        await rig.sim.command(user, "rate s1")
        await rig.fake.wait_for(lambda n=before: len(rig.fake.of("views.open")) > n)
        rate = rig.fake.of("views.open")[before]["view"]
        offered = set(_elements(rate)) - {"score", "comment"}
        assert aspects <= offered and offered <= aspects | {"clarity"}
