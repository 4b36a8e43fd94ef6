"""Members' text reaches Discord escaped, and pings nobody, in every message the bot sends:
offers, #mentors, session threads, kudos, #moderators, answers to commands and forms."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.render import MAX_FIELD_VALUE, embed, escape
from bot.domain.messages import Field
from tests.adapters.discord.fake import MENTORS_CHANNEL, MODERATORS_CHANNEL, FakeDiscord
from tests.adapters.discord.test_discord import MOD_ROLE, Rig, start_rig, stop_rig
from tests.adapters.hostile import (
    DISCORD_UNPARSED,
    HOSTILE,
    HOSTILE_NAME,
    discord_component,
    discord_message_of,
    discord_pings,
    discord_unsafe_texts,
    parsed_strings,
)

KUDOS_CHANNEL = "203"
ESCAPED = "@\u200beveryone"  # how HOSTILE's @everyone must arrive


def shows_hostile(body: Any) -> bool:
    return any(ESCAPED in s for _, s in parsed_strings(body, DISCORD_UNPARSED, discord_component))


@pytest.fixture
async def rig(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Rig]:
    fake = FakeDiscord()
    fake.names.update({"21": HOSTILE_NAME, "11": HOSTILE_NAME + " mentor"})
    await fake.start()
    config = {
        "MICROMENTOR_COMMUNITIES__DEFAULT__DISCORD__MODERATORS_CHANNEL_ID": MODERATORS_CHANNEL,
        "MICROMENTOR_COMMUNITIES__DEFAULT__DISCORD__KUDOS_CHANNEL_ID": KUDOS_CHANNEL,
    }
    r = await start_rig(tmp_path, fake, **config)
    try:
        yield r
    finally:
        await stop_rig(r)
        await fake.close()
    # discord.py logs and swallows errors in commands and forms: fail on them here.
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]


async def form(
    rig: Rig, uid: str, path: list[str], options: dict[str, Any], values: dict[str, str]
) -> None:
    """Run a command that opens a form and submit it, until it is answered."""
    iid = await rig.fake.slash(uid, path, options)
    await rig.fake.wait_for(lambda: iid in rig.fake.modals)
    sub = await rig.fake.submit_modal(uid, iid, values)
    await rig.fake.wait_for(lambda: rig.fake.answers(sub) != [])


async def test_hostile_text_is_escaped_and_pings_nobody_on_discord(rig: Rig) -> None:
    """Every recorded call's parsed text has its mentions and markdown escaped, every message
    allows no mention, and the hostile text reached each kind of message."""
    fake = rig.fake
    await rig.say("11", ["mentor", "skills", "add"], {"skills": "python"})
    await rig.say("11", ["mentor", "available"], {"duration": "8h"})
    asked = {
        "Your question": HOSTILE,
        "What do you want to reach?": HOSTILE,
        "What have you tried?": HOSTILE,
    }
    await form(rig, "21", ["mentor", "ask"], {"skills": "python"}, asked)
    await rig.settle()
    # Nobody takes the offer: it is edited, and the request goes to #mentors and #moderators.
    assert rig.front.core is not None
    await rig.front.core.sweep.advance(rig.clock, timedelta(hours=1))
    await rig.settle()
    posted = next(
        m
        for m in fake.messages.values()
        if m["channel_id"] == MENTORS_CHANNEL and "mm|/mentor accept r1" in str(m["components"])
    )
    await rig.click("11", posted, "mm|/mentor accept r1", dm=False)
    await rig.say("21", ["mentor", "checkin"], {"session": "s1"})
    await rig.say("11", ["mentor", "checkin"], {"session": "s1"})
    await rig.say("11", ["mentor", "done"], {"session": "s1"})
    comment = "Comment (only they and moderators see it)"
    await form(
        rig, "21", ["mentor", "rate"], {"session": "s1"}, {"Overall, 1 to 5": "1", comment: HOSTILE}
    )
    await form(
        rig, "11", ["mentor", "rate"], {"session": "s1"}, {"Overall, 1 to 5": "5", comment: HOSTILE}
    )
    await rig.say("21", ["mentor", "kudos"], {"session": "s1", "message": HOSTILE})
    await form(rig, "21", ["mentor", "dispute"], {"session": "s1"}, {"What happened?": HOSTILE})
    await form(rig, "11", ["mentor", "dispute"], {"session": "s1"}, {"What happened?": HOSTILE})
    await rig.say("21", ["mentor", "report"], {"user": "11", "what": HOSTILE}, members=["user"])
    await rig.say("31", ["mentor-mod", "show"], {"dispute_id": "d1"}, roles=[MOD_ROLE])
    await rig.say(
        "31",
        ["mentor-mod", "resolve"],
        {"dispute_id": "d1", "decision": "warn", "note": HOSTILE},
        roles=[MOD_ROLE],
    )
    await rig.say("21", ["mentor", "appeal"], {"dispute_id": "d1", "why": HOSTILE})
    await rig.say("31", ["mentor-mod", "log"], roles=[MOD_ROLE])
    # Answers that quote what was typed, refused or not understood.
    await rig.say("21", ["mentor", "account", "me"])
    await rig.say("21", ["mentor", "sessions"])
    await rig.say("21", ["mentor", "accept"], {"request": HOSTILE})
    await rig.say("21", ["mentor", "help"], {"command": HOSTILE})
    await rig.say("21", ["mentor", "profile", "link"], {"url": HOSTILE})
    await rig.settle()

    calls = [c for c in fake.calls if not c.path.startswith("/applications/")]
    leaks = [(c.method, c.path, discord_unsafe_texts(c.body)) for c in calls]
    assert not [leak for leak in leaks if leak[2]], [leak for leak in leaks if leak[2]][:3]
    messages = [(c, m) for c in calls if (m := discord_message_of(c.body)) is not None]
    pinging = [
        (c.method, c.path, m.get("allowed_mentions")) for c, m in messages if discord_pings(m)
    ]
    assert not pinging, pinging[:3]

    def reached(method: str, path: str) -> bool:
        return any(shows_hostile(m) for c, m in messages if c.method == method and path in c.path)

    assert reached("POST", "/channels/911/messages")  # offers, ratings, decisions to the mentor
    assert reached("PATCH", "/messages/")  # edited in place
    assert reached("POST", f"/channels/{MENTORS_CHANNEL}/messages")
    assert reached("POST", f"/channels/{MODERATORS_CHANNEL}/messages")
    assert reached("POST", f"/channels/{KUDOS_CHANNEL}/messages")
    assert fake.threads
    assert any(reached("POST", f"/channels/{t}/messages") for t in fake.threads)  # sessions
    assert reached("POST", "/interactions/")  # answers to commands and forms, in callbacks


CODE_QUESTION = (
    "Why does `my_list.__len__()` fail for *me*?\n"
    "```python\ndef f(*args, **kwargs):\n    return my_var  # @everyone\n```\n"
    "It's a ` stray tick, [see](https://evil.example)"
)


async def test_code_in_a_question_reaches_the_mentor_as_typed(rig: Rig) -> None:
    """Discord shows code spans and blocks as typed, backslashes included: only the text
    around them is escaped (found in review: `my\\_list.\\_\\_len\\_\\_()` reached mentors).
    Mentions in code are still neutralised, and a backtick with no partner is plain text."""
    await rig.say("11", ["mentor", "skills", "add"], {"skills": "python"})
    await rig.say("11", ["mentor", "available"], {"duration": "8h"})
    await form(rig, "21", ["mentor", "ask"], {"skills": "python"}, {"Your question": CODE_QUESTION})
    await rig.settle()
    shown = rig.dms("11")[0]["embeds"][0]["description"]
    assert "`my_list.__len__()`" in shown
    assert "```python\ndef f(*args, **kwargs):\n    return my_var  # @\u200beveryone\n```" in shown
    assert "for \\*me\\*?" in shown  # around the code, markdown is still escaped
    assert "a \\` stray tick, \\[see](https://evil.example)" in shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # a backslash before a backtick is the member's: the code still opens there
        ("a\\`*b*`", "a\\\\`*b*`"),
        # a backtick inside an address opens no code, as in Discord
        ("https://x.example/`a *b* c`", "https://x.example/`a \\*b\\* c\\`"),
        # double backticks may hold a single one
        ("``a`b`` *c*", "``a`b`` \\*c\\*"),
        # a fence that is never closed is plain text
        ("```py\n*x*", "\\`\\`\\`py\n\\*x\\*"),
        # mentions and Discord's <...> forms can't form in code either
        ("`<@123456789012345678> @here`", "`<\u200b@\u200b123456789012345678> @\u200bhere`"),
    ],
)
def test_only_text_outside_code_is_escaped(text: str, shown: str) -> None:
    assert escape(text) == shown


def test_code_cut_short_at_a_limit_is_escaped_as_text() -> None:
    """A code block longer than an embed field loses its closing fence when cut: what is
    left of it is escaped like any text, so no link forms in it."""
    value = embed("", (Field("q", "```" + "*y* [x](https://evil.example)\n" * 100 + "```"),))
    shown = value.fields[0].value
    assert shown is not None and len(shown) <= MAX_FIELD_VALUE and shown.endswith("…")
    assert "\\[x]" in shown and not re.search(r"(?<!\\)\[x\]|(?<!\\)\*y", shown)
