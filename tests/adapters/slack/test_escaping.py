"""Members' text reaches Slack escaped in every message the bot sends: offers, #mentors,
session group DMs, kudos, #moderators, replies, form answers and the Home tab."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.slack.app import SlackFrontEnd
from bot.clock import ManualClock
from tests.adapters.hostile import (
    HOSTILE,
    HOSTILE_NAME,
    SLACK_UNPARSED,
    parsed_strings,
    slack_plain,
    slack_unsafe_texts,
)
from tests.adapters.slack.fake import FakeSlack, Simulator, listeners_done, serving
from tests.adapters.slack.test_slack import SECRET, Rig, buttons, click, say, slack_config
from tests.conftest import START

ESCAPED = "&lt;!channel&gt;"  # how HOSTILE's first mention must arrive


def shows_hostile(body: Any) -> bool:
    return any(ESCAPED in s for _, s in parsed_strings(body, SLACK_UNPARSED, slack_plain))


@pytest.fixture
async def rig(tmp_path: Path, fake: FakeSlack) -> AsyncIterator[Rig]:
    config = slack_config(
        tmp_path,
        fake.base,
        MICROMENTOR_COMMUNITIES__DEFAULT__SLACK__KUDOS_CHANNEL="C-KUDOS",
    )
    front = SlackFrontEnd(config, clock=ManualClock(START))
    async with serving(front) as base, aiohttp.ClientSession() as session:
        sim = Simulator(f"{base}/slack/events", SECRET, fake, session)
        sim.names.update({"UEVE": HOSTILE_NAME, "UM1": HOSTILE_NAME + " mentor"})
        yield Rig(fake, sim, front)


async def settle(rig: Rig) -> None:
    await listeners_done()
    await rig.front.notifier.drain()


async def wait(rig: Rig, delta: timedelta) -> None:
    """Let time pass in the core (offers expire, requests escalate)."""
    assert rig.front.core is not None
    clock = rig.front.core.deps.clock
    assert isinstance(clock, ManualClock)
    await rig.front.core.sweep.advance(clock, delta)
    await settle(rig)


async def test_hostile_text_is_escaped_in_every_slack_message(rig: Rig) -> None:
    """Every recorded call's parsed text has only entities for &, < and >; the hostile text
    reached each kind of message (so none was skipped)."""
    fake, sim = rig.fake, rig.sim
    await say(rig, "UMOD", "queue")
    await say(rig, "UM1", "skills add python")
    await say(rig, "UM1", "available for 8h")
    # An offer DM, then (nobody takes it) its edit, #mentors and #moderators.
    await say(rig, "UEVE", f"ask python --goal {HOSTILE} --tried {HOSTILE} -- {HOSTILE}")
    await settle(rig)
    await wait(rig, timedelta(hours=1))
    posted = fake.posts_to("C-MENTORS")
    assert posted, "the request was not escalated to #mentors"
    # Taken from #mentors: a group DM for the session, with the names in it.
    await click(rig, "UM1", "accept:r1", dict(buttons(posted[-1]["blocks"]))["accept:r1"])
    await click(rig, "UEVE", "checkin:s1", "/mentor checkin s1")
    await click(rig, "UM1", "checkin:s1", "/mentor checkin s1")
    await click(rig, "UM1", "done:s1", "/mentor done s1 resolved")
    await say(rig, "UEVE", f"rate s1 1 -- {HOSTILE}")
    await say(rig, "UM1", f"rate s1 5 -- {HOSTILE}")
    await say(rig, "UEVE", f"kudos s1 -- {HOSTILE}")
    await say(rig, "UEVE", f"dispute s1 -- {HOSTILE}")
    await say(rig, "UM1", f"dispute s1 -- {HOSTILE}")
    await say(rig, "UEVE", f"report <@UM1|um1> -- {HOSTILE}")
    await say(rig, "UMOD", "mod show d1")
    await say(rig, "UMOD", f"mod resolve d1 warn -- {HOSTILE}")
    await say(rig, "UEVE", f"appeal d1 -- {HOSTILE}")
    await say(rig, "UMOD", "mod log")
    # Replies that quote what was typed, refused or not understood.
    for line in (
        "me",
        "sessions",
        f"report {HOSTILE}",
        f"accept {HOSTILE}",
        f"{HOSTILE}",
        f"help {HOSTILE}",
    ):
        await say(rig, "UEVE", line)
    # The ask form: a mistake shown on its field, then accepted and answered by DM.
    form = {"callback_id": "ask", "type": "modal"}
    values = {
        "skills": {
            "skills": {"type": "multi_external_select", "selected_options": [{"value": "python"}]}
        },
        "question": {"question": {"type": "plain_text_input", "value": HOSTILE}},
        "goal": {"goal": {"type": "plain_text_input", "value": HOSTILE}},
        "tried": {"tried": {"type": "plain_text_input", "value": HOSTILE}},
        "minutes": {"minutes": {"type": "static_select", "selected_option": {"value": "30"}}},
        "at": {"at": {"type": "plain_text_input", "value": HOSTILE}},
    }
    refused = await sim.submit("UEVE", form, values)
    acks = [json.loads(await refused.text())]
    assert acks[0]["response_action"] == "errors"
    values["at"]["at"]["value"] = None
    accepted = await sim.submit("UEVE", form, values)
    assert accepted.status == 200
    # The Home tab, and a Home tab button whose error comes as a DM.
    await sim.event(
        {"type": "app_home_opened", "user": "UEVE", "channel": "D1", "tab": "home"}, "Ev-1"
    )
    await sim.click("UEVE", "home:x", f"/mentor accept {HOSTILE}", view={"type": "home"})
    await settle(rig)

    bodies = [(c.method, c.args) for c in fake.calls if c.method != "upload"]
    bodies += [("response_url", r) for r in fake.responses]
    bodies += [("view ack", a) for a in acks]
    leaks = [(method, slack_unsafe_texts(body)) for method, body in bodies]
    assert not [leak for leak in leaks if leak[1]], [leak for leak in leaks if leak[1]][:3]

    def reached(method: str, channel: str = "", *, text: bool = False) -> bool:
        """The hostile text arrived (escaped) in such a call, to a channel whose id starts
        with `channel`; with text=True in its notification text too."""
        return any(
            shows_hostile({"text": body.get("text")} if text else body)
            for m, body in bodies
            if m == method and str(body.get("channel", "")).startswith(channel)
        )

    assert reached("chat.postMessage", "D-UM1", text=True)  # offers, ratings, decisions
    assert reached("chat.update", "D-")  # a DM edited ("You rated ...")
    assert reached("chat.postMessage", "C-MENTORS", text=True)
    assert reached("chat.update", "C-MENTORS")
    assert reached("chat.postMessage", "C-KUDOS", text=True)
    assert reached("chat.postMessage", "C-MODS", text=True)
    assert reached("chat.postMessage", "G-", text=True)  # the session's group DM
    assert reached("chat.postMessage", "D-UEVE", text=True)  # incl. the Home tab's error
    assert reached("response_url", text=True)
    assert reached("view ack")  # the form's error under its field
    assert reached("views.publish")


async def test_a_question_with_code_reaches_the_mentor_as_typed(rig: Rig) -> None:
    """Slack sends &, < and > of a slash command as entities: the offer shows the question as
    it was typed, escaped once (an entity typed on purpose stays one)."""
    await say(rig, "UM1", "skills add python")
    await say(rig, "UM1", "available for 8h")
    await say(rig, "UEVE", "ask python -- why is a<b && c>d false? I typed &lt; too")
    await settle(rig)
    (offer,) = [a for a in rig.fake.of("chat.postMessage") if a.get("channel") == "D-UM1"]
    shown = json.dumps(offer["blocks"])
    assert "why is a&lt;b &amp;&amp; c&gt;d false? I typed &amp;lt; too" in shown
