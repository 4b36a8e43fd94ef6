"""The real discord.py client, command tree and views against a loopback fake of Discord."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest

from adapters.discord.app import DiscordConfigError, DiscordFrontEnd, token_of
from adapters.discord.commands import ASK_ABOUT
from bot.clock import ManualClock
from bot.config import Config, load_config
from tests.adapters.discord.fake import (
    BOT,
    GENERAL,
    GUILD,
    MENTORS_CHANNEL,
    FakeDiscord,
    custom_ids,
    text_of,
)
from tests.conftest import START

MOD_ROLE = "777"


def discord_config(tmp_path: Path, fake: FakeDiscord, **extra: str) -> Config:
    env = {
        "MICROMENTOR_STORAGE__URL": f"sqlite:///{tmp_path / 'discord.db'}",
        "DISCORD_TOKEN": "bot.token.x",
        "MICROMENTOR_DISCORD__API_BASE_URL": fake.api,
        "MICROMENTOR_DISCORD__GATEWAY_URL": fake.gateway,
        "MICROMENTOR_COMMUNITIES__DEFAULT__DISCORD__GUILD_ID": GUILD,
        "MICROMENTOR_COMMUNITIES__DEFAULT__DISCORD__MENTORS_CHANNEL_ID": MENTORS_CHANNEL,
        "MICROMENTOR_COMMUNITIES__DEFAULT__MODERATOR_ROLES": f'["discord:{MOD_ROLE}"]',
        **extra,
    }
    return load_config(None, environ=env)


@dataclass
class Rig:
    fake: FakeDiscord
    front: DiscordFrontEnd
    clock: ManualClock
    config: Config
    task: asyncio.Task[None]

    async def say(
        self, uid: str, path: list[str], options: dict[str, Any] | None = None, **kw: Any
    ) -> str:
        """A slash command; returns the text of the ephemeral answer."""
        iid = await self.fake.slash(uid, path, options, **kw)
        await self.fake.wait_for(lambda: self.fake.answers(iid) != [])
        return text_of(self.fake.answers(iid)[0])

    async def click(
        self, uid: str, message: dict[str, Any], custom_id: str, dm: bool = True
    ) -> str:
        iid = await self.fake.click(uid, message, custom_id, dm=dm)
        await self.fake.wait_for(lambda: self.fake.answers(iid) != [])
        return text_of(self.fake.answers(iid)[0])

    async def settle(self) -> None:
        await self.front.notifier.drain()

    def dms(self, uid: str) -> list[dict[str, Any]]:
        return [c.body for c in self.fake.of("POST", f"/channels/9{uid}/messages")]


async def start_rig(
    tmp_path: Path, fake: FakeDiscord, *, no_guild: bool = False, **extra: str
) -> Rig:
    config = discord_config(tmp_path, fake, **extra)
    if no_guild:  # one community for every server the bot is in
        config.communities["default"].discord.guild_id = None
    clock = ManualClock(START)
    front = DiscordFrontEnd(config, clock=clock)
    task = asyncio.create_task(front.start())
    await fake.connected()
    return Rig(fake, front, clock, config, task)


async def stop_rig(rig: Rig) -> None:
    await rig.front.close()
    rig.task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await rig.task


async def running_rig(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, **extra: str
) -> AsyncIterator[Rig]:
    """A started rig for one test, failing it on any error discord.py logged and swallowed."""
    fake = FakeDiscord()
    await fake.start()
    r = await start_rig(tmp_path, fake, **extra)
    try:
        yield r
    finally:
        await stop_rig(r)
        await fake.close()
    # discord.py logs and swallows errors in commands and views: fail on them here.
    errors = [
        rec
        for rec in caplog.records
        if rec.levelno >= logging.ERROR and rec.name.startswith(("discord", "adapters"))
    ]
    assert not errors, [rec.getMessage() for rec in errors]


@pytest.fixture
async def rig(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Rig]:
    async for r in running_rig(tmp_path, caplog):
        yield r


def prefilled(fake: FakeDiscord, interaction: str) -> dict[str, str | None]:
    """What the modal opened for an interaction shows in each field, by label."""
    shown = {}
    for row in fake.modals[interaction]["components"]:
        inner = row.get("component") or row["components"][0]
        shown[row.get("label") or inner.get("label")] = inner.get("value")
    return shown


async def mentors(rig: Rig, *uids: str) -> None:
    for uid in uids:
        await rig.say(uid, ["mentor", "skills", "add"], {"skills": "python"})
        await rig.say(uid, ["mentor", "available"], {"duration": "8h"})


async def ask(rig: Rig, uid: str, question: str = "How do I read a CSV?") -> str:
    iid = await rig.fake.slash(uid, ["mentor", "ask"], {"skills": "python"})
    await rig.fake.wait_for(lambda: iid in rig.fake.modals)
    sub = await rig.fake.submit_modal(uid, iid, {"Your question": question})
    await rig.fake.wait_for(lambda: rig.fake.answers(sub) != [])
    return text_of(rig.fake.answers(sub)[0])


def accept_button(message: dict[str, Any], request: str = "r1") -> str:
    """Its custom_id: `mm|<command>`, or in a DM `mm|<server>|<command>`."""
    return next(i for i in custom_ids(message) if i.endswith(f"|/mentor accept {request}"))


VOICE_CATEGORY = "4040"
WITH_VOICE = {"MICROMENTOR_COMMUNITIES__DEFAULT__DISCORD__VOICE_CATEGORY_ID": VOICE_CATEGORY}


def stray_room(fake: FakeDiscord, channel: str, session: str) -> None:
    """A session's voice channel a crash left behind, before it was recorded."""
    fake.guild_channels[channel] = {
        "id": channel,
        "type": 2,
        "name": f"session {session}",
        "parent_id": VOICE_CATEGORY,
        "guild_id": GUILD,
    }


async def a_session(rig: Rig) -> None:
    """Member 21 asks, mentor 11 accepts: session s1."""
    await mentors(rig, "11")
    await ask(rig, "21")
    await rig.settle()
    await rig.say("11", ["mentor", "accept"], {"request": "r1"})
    await rig.settle()


async def test_a_session_gets_a_voice_channel_only_its_people_see(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With a voice category: a voice channel per session, seen by its two people and the
    moderators' role only, named in the session's thread, removed when the session ends;
    after a restart, one left behind by a crash is removed and a live one is kept."""
    fake = FakeDiscord()
    await fake.start()
    rig = await start_rig(tmp_path, fake, **WITH_VOICE)
    try:
        await a_session(rig)
        (room,) = fake.guild_channels.values()
        assert (room["type"], room["parent_id"], room["name"]) == (2, VOICE_CATEGORY, "session s1")
        seen = {o["id"]: o for o in room["permission_overwrites"]}
        assert set(seen) == {GUILD, MOD_ROLE, "11", "21", BOT}  # the bot keeps its way in
        assert int(seen[BOT]["allow"]) & discord.Permissions(manage_channels=True).value
        assert int(seen[GUILD]["deny"]) & discord.Permissions(view_channel=True).value
        assert int(seen["21"]["allow"]) & discord.Permissions(connect=True).value
        (thread,) = fake.threads
        assert any(f"<#{room['id']}>" in (m.get("content") or "") for m in fake.sent_to(thread))
        await rig.say("21", ["mentor", "checkin"], {"session": "s1"})
        await rig.say("11", ["mentor", "checkin"], {"session": "s1"})
        await rig.say("11", ["mentor", "done"], {"session": "s1"})
        await rig.settle()
        assert fake.guild_channels == {}
        # a second session's room stays; a stray one (a crash before it was recorded) goes
        await ask(rig, "22")
        await rig.settle()
        await rig.say("11", ["mentor", "accept"], {"request": "r2"})
        await rig.settle()
        (live,) = fake.guild_channels
    finally:
        await stop_rig(rig)
    stray_room(fake, "999", "s7")
    rig = await start_rig(tmp_path, fake, **WITH_VOICE)
    try:
        await rig.front.core_ready.wait()
        await fake.wait_for(lambda: "999" not in fake.guild_channels)
        assert list(fake.guild_channels) == [live]
    finally:
        await stop_rig(rig)
        await fake.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_stray_rooms_go_in_a_server_the_config_does_not_name(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With one community and no guild_id (every server is that community), a room left
    behind by a crash goes once the server is seen after the start."""
    fake = FakeDiscord()
    await fake.start()
    stray_room(fake, "998", "s9")
    rig = await start_rig(tmp_path, fake, no_guild=True, **WITH_VOICE)
    try:
        assert rig.config.communities["default"].discord.guild_id is None
        await fake.wait_for(lambda: "998" not in fake.guild_channels)
    finally:
        await stop_rig(rig)
        await fake.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_without_the_permission_the_session_goes_on_without_a_voice_channel(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeDiscord(refuse_channels=True)
    await fake.start()
    rig = await start_rig(tmp_path, fake, **WITH_VOICE)
    try:
        await a_session(rig)
        (thread,) = fake.threads
        assert any("s1" in text_of(m) for m in fake.sent_to(thread))  # the session message
        assert fake.guild_channels == {}
    finally:
        await stop_rig(rig)
        await fake.close()
    assert any("Manage Channels" in r.getMessage() for r in caplog.records)


async def test_ask_without_skills_answers_with_the_skills_the_question_suggests(
    rig: Rig,
) -> None:
    """`/mentor ask` with no skills still opens the form; sent, the answer lists the skills
    the question suggests, and nothing is created."""
    await mentors(rig, "11")
    iid = await rig.fake.slash("21", ["mentor", "ask"], {})
    await rig.fake.wait_for(lambda: iid in rig.fake.modals)
    question = "pd.read_csv drops my header row, why?"
    sub = await rig.fake.submit_modal("21", iid, {"Your question": question})
    await rig.fake.wait_for(lambda: rig.fake.answers(sub) != [])
    answer = rig.fake.answers(sub)[0]
    assert "`pandas`" in text_of(answer)
    await rig.settle()
    assert rig.dms("11") == []
    # what was written is kept: the button opens the form again, the skills filled in
    (button,) = custom_ids(answer)
    message = {**rig.fake.messages[max(rig.fake.messages, key=int)], **answer}
    again = await rig.fake.click("21", message, button)
    await rig.fake.wait_for(lambda: again in rig.fake.modals)
    shown = prefilled(rig.fake, again)
    assert shown["Skills (separated by spaces)"] == "pandas"
    assert shown["Your question"] == question
    sent = await rig.fake.submit_modal("21", again, {})
    await rig.fake.wait_for(lambda: rig.fake.answers(sent) != [])
    assert "request r1 is in" in text_of(rig.fake.answers(sent)[0])


async def test_ask_a_mentor_about_a_message(rig: Rig) -> None:
    """The message command opens the ask form with the message as the question and the
    skills it suggests; the offer shows the mentor the link back to the message. Left
    empty, the skills are suggested in the answer and nothing is created."""
    await mentors(rig, "11")
    text = "Traceback (most recent call last):\n  KeyError: 'id'\nwhat does this mean?"
    iid = await rig.fake.message_command("21", ASK_ABOUT, "77", text)
    await rig.fake.wait_for(lambda: iid in rig.fake.modals)
    shown = prefilled(rig.fake, iid)
    assert shown["Skills (separated by spaces)"] == "python"
    assert shown["Your question"] == text
    empty = await rig.fake.submit_modal("21", iid, {"Skills (separated by spaces)": ""})
    await rig.fake.wait_for(lambda: rig.fake.answers(empty) != [])
    assert "`python`" in text_of(rig.fake.answers(empty)[0])
    assert rig.dms("11") == []
    # a form is gone once sent: the member opens it again and keeps what it suggests
    again = await rig.fake.message_command("21", ASK_ABOUT, "77", text)
    await rig.fake.wait_for(lambda: again in rig.fake.modals)
    sent = await rig.fake.submit_modal("21", again, {})
    await rig.fake.wait_for(lambda: rig.fake.answers(sent) != [])
    await rig.settle()
    (offer,) = rig.dms("11")
    assert f"https://discord.com/channels/{GUILD}/{GENERAL}/" in json.dumps(offer)


async def test_the_full_loop_on_discord(rig: Rig) -> None:
    """ask (modal) -> DM offers -> accept, a losing accept -> private thread -> check-in ->
    done -> rating modals -> reveal."""
    await mentors(rig, "11", "12")
    answer = await ask(rig, "21")
    assert "r1" in answer
    await rig.settle()
    offer1, offer2 = rig.dms("11")[0], rig.dms("12")[0]
    assert accept_button(offer1) and "How do I read a CSV?" in text_of(offer1)
    # As the second mentor's screen still shows it: the first accept edits it ("taken").
    stale = dict(rig.fake.messages[_id_of(rig, offer2)])
    won = await rig.click("11", rig.fake.messages[_id_of(rig, offer1)], accept_button(offer1))
    assert "session s1" in won
    lost = await rig.click("12", stale, accept_button(stale))
    assert "already taken" in lost
    await rig.settle()
    edits = [c.body for c in rig.fake.of("PATCH", "/channels/912/messages/")]
    assert any("taken by another mentor" in text_of(e) for e in edits)
    threads = rig.fake.of("POST", f"/channels/{MENTORS_CHANNEL}/threads")
    assert len(threads) == 1 and threads[0].body["type"] == 12
    added = {c.path.rsplit("/", 1)[1] for c in rig.fake.of("PUT", "/thread-members/")}
    assert added == {"11", "21"}
    await rig.say("21", ["mentor", "checkin"], {"session": "s1"})
    await rig.say("11", ["mentor", "checkin"], {"session": "s1"})
    await rig.say("11", ["mentor", "done"], {"session": "s1"})
    await rig.settle()
    assert rig.fake.of("PATCH", "/channels/")  # the thread is archived
    for uid, score in (("21", "5"), ("11", "4")):
        iid = await rig.fake.slash(uid, ["mentor", "rate"], {"session": "s1"})
        await rig.fake.wait_for(lambda i=iid: i in rig.fake.modals)
        sub = await rig.fake.submit_modal(uid, iid, {"Overall, 1 to 5": score})
        await rig.fake.wait_for(lambda s=sub: rig.fake.answers(s) != [])
    await rig.settle()
    assert any("4/5" in text_of(m) for m in rig.dms("21"))
    assert any("5/5" in text_of(m) for m in rig.dms("11"))


def _id_of(rig: Rig, body: dict[str, Any]) -> str:
    return next(
        mid
        for mid, m in rig.fake.messages.items()
        if m["components"] == body.get("components") and m["embeds"] == body["embeds"]
    )


async def test_a_button_still_works_after_a_restart(tmp_path: Path) -> None:
    """The offers were sent before the restart; the clicks after it are handled, on a
    button naming its server as on one an older version sent (`mm|<command>`)."""
    fake = FakeDiscord()
    await fake.start()
    rig = await start_rig(tmp_path, fake)
    await mentors(rig, "11", "12")
    await ask(rig, "21")
    await ask(rig, "22", "How do I write a CSV?")
    await rig.settle()
    offer = rig.fake.messages[_id_of(rig, rig.dms("11")[0])]
    older = json.loads(json.dumps(rig.fake.messages[_id_of(rig, rig.dms("12")[1])]))
    for row in older["components"]:
        for button in row["components"]:
            button["custom_id"] = "mm|" + button["custom_id"].split("|")[-1]
    await stop_rig(rig)
    fake._identified.clear()
    again = await start_rig(tmp_path, fake)
    try:
        won = await again.click("11", offer, f"mm|{GUILD}|/mentor accept r1")
        assert "session s1" in won
        won = await again.click("12", older, "mm|/mentor accept r2")
        assert "session s2" in won
    finally:
        await stop_rig(again)
        await fake.close()


async def test_closed_dms_fall_back_to_the_mentors_channel(rig: Rig) -> None:
    """403/50007: the offer goes to #mentors with a mention of that mentor alone, and DMs
    aren't retried."""
    rig.fake.closed_dms.add("11")
    await mentors(rig, "11")
    await ask(rig, "21")
    await rig.settle()
    posted = rig.fake.sent_to(MENTORS_CHANNEL)
    fallback = next(p for p in posted if "<@11>" in (p.get("content") or ""))
    # It may ping that mentor, and only them, whatever the request says.
    assert fallback["allowed_mentions"]["parse"] == []
    assert [str(u) for u in fallback["allowed_mentions"]["users"]] == ["11"]
    tries = len(rig.fake.of("POST", "/channels/911/messages"))
    await rig.say("21", ["mentor", "cancel"])
    await ask(rig, "22", "Another one")
    await rig.settle()
    assert len(rig.fake.of("POST", "/channels/911/messages")) == tries  # not retried


async def test_skill_autocomplete_suggests_from_the_taxonomy(rig: Rig) -> None:
    """Autocomplete answers with matching skills (suggestions; the core validates)."""
    iid = await rig.fake.slash(
        "21", ["mentor", "skills", "add"], {"skills": "pyt"}, focused="skills"
    )
    await rig.fake.wait_for(lambda: rig.fake.callbacks(iid) != [])
    choices = rig.fake.callbacks(iid)[0]["data"]["choices"]
    assert choices[0]["value"] == "python"


async def test_a_modal_with_invalid_input_gets_a_clear_error(rig: Rig) -> None:
    """A rating that isn't a number is refused with what to type instead."""
    iid = await rig.fake.slash("21", ["mentor", "rate"], {"session": "s1"})
    await rig.fake.wait_for(lambda: iid in rig.fake.modals)
    sub = await rig.fake.submit_modal("21", iid, {"Overall, 1 to 5": "x"})
    await rig.fake.wait_for(lambda: rig.fake.answers(sub) != [])
    answer = rig.fake.answers(sub)[0]
    assert "a number from 1 to 5" in text_of(answer)
    assert answer["embeds"][0]["color"] == 0xE74C3C  # shown as an error


async def test_moderator_commands_are_checked_in_the_core(rig: Rig) -> None:
    """A member without the moderator role is refused; with the role it works."""
    refused = await rig.say("21", ["mentor-mod", "queue"])
    assert "Only moderators" in refused
    allowed = await rig.say("31", ["mentor-mod", "queue"], roles=[MOD_ROLE])
    assert "queue is empty" in allowed


async def test_a_command_discord_knows_in_an_older_version_says_how_to_fix_it(
    rig: Rig,
) -> None:
    """A required option missing (Discord's copy of the command is older than the bot's; found
    by fuzzing: it logged an ERROR with a traceback and answered "something went wrong") is
    answered with the sync to run, and logs no error."""
    iid = await rig.fake.slash("21", ["mentor", "skills", "add"], {})
    await rig.fake.wait_for(lambda: rig.fake.callbacks(iid) != [])
    answer = text_of(rig.fake.callbacks(iid)[0]["data"])
    assert "micromentor discord sync" in answer
    assert "went wrong" not in answer


async def test_a_quick_reply_is_the_callback_itself(rig: Rig) -> None:
    """A command done within discord.reply_in_callback_ms is answered in its one callback
    (type 4, ephemeral): no deferral, no follow-up."""
    iid = await rig.fake.slash("21", ["mentor", "queue"])
    await rig.fake.wait_for(lambda: rig.fake.answers(iid) != [])
    await rig.settle()
    (callback,) = rig.fake.callbacks(iid)
    assert callback["type"] == 4 and callback["data"]["flags"] == 64  # ephemeral
    assert "no open request" in text_of(callback["data"])
    assert rig.fake.followups(iid) == []


async def test_with_no_time_for_the_callback_it_defers_then_follows_up(tmp_path: Path) -> None:
    """reply_in_callback_ms = 0 (or a command slower than it): a deferral (type 5) at once,
    then the reply as a follow-up."""
    fake = FakeDiscord()
    await fake.start()
    rig = await start_rig(tmp_path, fake, MICROMENTOR_DISCORD__REPLY_IN_CALLBACK_MS="0")
    try:
        iid = await fake.slash("21", ["mentor", "queue"])
        await fake.wait_for(lambda: fake.followups(iid) != [])
        (callback,) = fake.callbacks(iid)
        assert callback["type"] == 5 and callback["data"]["flags"] == 64  # ephemeral
        assert "no open request" in text_of(fake.followups(iid)[0])
    finally:
        await stop_rig(rig)
        await fake.close()


async def test_a_command_that_comes_while_messages_go_out_is_deferred_first(rig: Rig) -> None:
    """Its reply would queue behind the sends: the deferral goes at once (Discord's
    3-second callback, and the person sees "thinking..."), then the reply as a follow-up;
    nothing sent is lost or sent twice."""
    await mentors(rig, "22")
    release = asyncio.Event()
    rig.fake.held["/channels/922/messages"] = release  # the offer's DM hangs
    assert "offered it to 1 mentor" in await ask(rig, "21")
    await rig.fake.wait_for(lambda: rig.fake.sent_to("922") != [])
    try:
        iid = await rig.fake.slash("23", ["mentor", "queue"])
        await rig.fake.wait_for(lambda: rig.fake.followups(iid) != [])
        (callback,) = rig.fake.callbacks(iid)
        assert callback["type"] == 5 and callback["data"]["flags"] == 64  # ephemeral
        assert "no open request" in text_of(rig.fake.followups(iid)[0])
    finally:
        release.set()
    await rig.settle()
    assert len(rig.fake.sent_to("922")) == 1
    # With nothing going out any more, a command is answered in its callback again.
    again = await rig.fake.slash("23", ["mentor", "queue"])
    await rig.fake.wait_for(lambda: rig.fake.answers(again) != [])
    await rig.settle()
    assert [c["type"] for c in rig.fake.callbacks(again)] == [4]
    assert rig.fake.followups(again) == []


async def test_a_command_whose_deferral_is_refused_still_runs(rig: Rig) -> None:
    """A busy process may defer too late (Discord answers 10062): the command still does
    what it was asked, as it did before it was deferred first."""
    await mentors(rig, "22")
    release = asyncio.Event()
    rig.fake.held["/channels/922/messages"] = release  # messages are going out: crowded
    await ask(rig, "21")
    await rig.fake.wait_for(lambda: rig.fake.sent_to("922") != [])
    rig.fake.expired = True
    try:
        iid = await rig.fake.slash("23", ["mentor", "skills", "add"], {"skills": "go"})
        await rig.fake.wait_for(lambda: len(rig.fake.callbacks(iid)) >= 2)  # deferral, answer
    finally:
        rig.fake.expired = False
        release.set()
    await rig.settle()
    assert "Your skills: go." in await rig.say("23", ["mentor", "skills", "list"])


def test_a_missing_or_bad_token_stops_the_start(tmp_path: Path) -> None:
    """Clear messages, nothing started."""
    for token, expected in (("", "not set"), ("nodots", "three parts")):
        env = {"MICROMENTOR_STORAGE__URL": f"sqlite:///{tmp_path / 'x.db'}"}
        if token:
            env["DISCORD_TOKEN"] = token
        with pytest.raises(DiscordConfigError) as err:
            token_of(load_config(None, environ=env))
        assert expected in str(err.value)


async def test_a_sharded_client_serves_its_shard(tmp_path: Path) -> None:
    """`--shard-ids 0 --shard-count 1`: the sharded client connects and answers."""
    fake = FakeDiscord()
    await fake.start()
    config = discord_config(tmp_path, fake)
    front = DiscordFrontEnd(config, clock=ManualClock(START), shard_ids=[0], shard_count=1)
    task = asyncio.create_task(front.start())
    try:
        await fake.connected()
        assert fake.identified == [[0, 1]]  # it identified as shard 0 of 1
        iid = await fake.slash("21", ["mentor", "queue"])
        await fake.wait_for(lambda: fake.answers(iid) != [])
        assert "no open request" in text_of(fake.answers(iid)[0])
    finally:
        await front.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await fake.close()


def test_shard_options_are_checked(tmp_path: Path) -> None:
    """A shard id outside the count, or ids without a count, stop the start clearly."""
    config = load_config(
        None,
        environ={
            "MICROMENTOR_STORAGE__URL": f"sqlite:///{tmp_path / 'x.db'}",
            "DISCORD_TOKEN": "bot.token.x",
        },
    )
    for ids, count, expected in (([2], 2, "from 0 to"), ([0], None, "needs --shard-count")):
        with pytest.raises(DiscordConfigError) as err:
            DiscordFrontEnd(config, shard_ids=ids, shard_count=count)
        assert expected in str(err.value)


async def test_blank_skills_are_refused_before_the_ask_form_opens(rig: Rig) -> None:
    """`/mentor ask skills:"   "` answers with what to type, opens no form, stores nothing."""
    iid = await rig.fake.slash("21", ["mentor", "ask"], {"skills": "   "})
    await rig.fake.wait_for(lambda: rig.fake.callbacks(iid) != [])
    answer = rig.fake.callbacks(iid)[0]
    assert answer["type"] == 4 and iid not in rig.fake.modals
    assert "Which skills?" in text_of(answer["data"])
    assert rig.front.core is not None
    async with rig.front.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT COUNT(*) FROM help_requests") == 0


async def test_blank_skills_to_add_are_refused(rig: Rig) -> None:
    """`/mentor skills add skills:"   "` is refused instead of answering "Your skills: ."."""
    text = await rig.say("21", ["mentor", "skills", "add"], {"skills": " \u200b "})
    assert "Which skills?" in text and "Your skills" not in text


@pytest.mark.parametrize(
    ("path", "options", "field"),
    [
        (["mentor", "extend"], {"minutes": 0, "session": "s1"}, "`minutes` must be from 5"),
        (
            ["mentor", "profile", "capacity"],
            {"concurrent": 0, "per_week": 5},
            "`concurrent` must be from 1",
        ),
        (["mentor-mod", "report"], {"days": 100000}, "`days` must be from 1 to 365"),
        (["mentor-mod", "log"], {"entries": -1}, "`entries` must be from 1 to 100"),
    ],
)
async def test_typed_options_out_of_range_name_the_field(
    rig: Rig, path: list[str], options: dict[str, Any], field: str
) -> None:
    """Discord's typed numbers go through the same checks as the text grammar."""
    text = await rig.say("21", path, options, roles=[MOD_ROLE])
    assert field in text


ASPECTS_BOX = "Aspects, e.g. helpfulness 5 clarity 4"
COMMENT_BOX = "Comment (only they and moderators see it)"


async def rate_in_form(rig: Rig, uid: str, values: dict[str, str]) -> dict[str, Any]:
    """Open the rating form of s1 and submit it; returns the answer."""
    iid = await rig.fake.slash(uid, ["mentor", "rate"], {"session": "s1"})
    await rig.fake.wait_for(lambda: iid in rig.fake.modals)
    sub = await rig.fake.submit_modal(uid, iid, values)
    await rig.fake.wait_for(lambda: rig.fake.answers(sub) != [])
    return rig.fake.answers(sub)[0]


async def a_finished_session(rig: Rig) -> None:
    await a_session(rig)
    for uid in ("21", "11"):
        await rig.say(uid, ["mentor", "checkin"], {"session": "s1"})
    await rig.say("11", ["mentor", "done"], {"session": "s1"})
    await rig.settle()


async def test_the_rating_form_reads_aspects_as_a_phone_types_them(rig: Rig) -> None:
    """Found in review: "Helpfulness 5" (a phone capitalises it) lost the whole rating and
    its comment. Capitals, `name: 5`, `name=5` and commas all read as the aspect."""
    await a_finished_session(rig)
    values = {
        "Overall, 1 to 5": "5",
        ASPECTS_BOX: "Helpfulness: 5, Clarity=4",
        COMMENT_BOX: "Thanks!",
    }
    answer = await rate_in_form(rig, "21", values)
    assert answer["embeds"][0]["color"] != 0xE74C3C, text_of(answer)
    assert rig.front.core is not None
    async with rig.front.core.db.transaction() as tx:
        row = await tx.fetch_one("SELECT score, comment, aspects FROM ratings")
    assert row is not None and (row["score"], row["comment"]) == (5, "Thanks!")
    assert json.loads(row["aspects"]) == {"helpfulness": 5, "clarity": 4}


async def test_an_aspect_the_core_does_not_know_is_named_in_the_refusal(rig: Rig) -> None:
    """Not "rate with a number": the refusal is about the aspect, and lists the real ones."""
    await a_finished_session(rig)
    answer = await rate_in_form(rig, "21", {"Overall, 1 to 5": "5", ASPECTS_BOX: "Kindness 5"})
    text = text_of(answer)
    assert answer["embeds"][0]["color"] == 0xE74C3C
    assert "kindness" in text and "helpfulness" in text and "number from 1 to 5" not in text


SECOND_GUILD = "101"


async def test_a_dm_button_runs_in_the_server_its_message_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found in review: a click in a DM (which carries no server) ran in the server its
    clicker was last seen in. A mentor in two servers, offered a request in the second, who
    then used the bot in the first, was told there is no such request. The button names its
    server now; old buttons (with none) still work, from the server last seen."""
    fake = FakeDiscord()
    await fake.start()
    rig = await start_rig(
        tmp_path,
        fake,
        MICROMENTOR_COMMUNITIES__SECOND__NAME="Second",
        MICROMENTOR_COMMUNITIES__SECOND__DISCORD__GUILD_ID=SECOND_GUILD,
        MICROMENTOR_COMMUNITIES__SECOND__DISCORD__MENTORS_CHANNEL_ID="250",
    )
    try:
        # The fake's interactions come from the server its module names.
        monkeypatch.setattr("tests.adapters.discord.fake.GUILD", SECOND_GUILD)
        await mentors(rig, "11")
        await ask(rig, "21")
        await rig.settle()
        offer = rig.dms("11")[0]
        monkeypatch.setattr("tests.adapters.discord.fake.GUILD", GUILD)
        assert "Member user11" in await rig.say("11", ["mentor", "profile", "show"])
        assert accept_button(offer) == f"mm|{SECOND_GUILD}|/mentor accept r1"
        iid = await fake.click(
            "11", fake.messages[_id_of(rig, offer)], accept_button(offer), dm=True
        )
        await fake.wait_for(lambda: fake.answers(iid) != [])
        assert "session s1" in text_of(fake.answers(iid)[0])
        monkeypatch.setattr("tests.adapters.discord.fake.GUILD", SECOND_GUILD)
        for uid in ("21", "11"):
            await rig.say(uid, ["mentor", "checkin"], {"session": "s1"})
        await rig.say("11", ["mentor", "done"], {"session": "s1"})
        await rig.settle()
        monkeypatch.setattr("tests.adapters.discord.fake.GUILD", GUILD)
        await rig.say("11", ["mentor", "profile", "show"])
        prompt = next(m for m in rig.dms("11") if "How was s1" in text_of(m))
        five = f"mm|{SECOND_GUILD}|/mentor rate s1 5"
        assert five in custom_ids(prompt)
        rated = await rig.click("11", fake.messages[_id_of(rig, prompt)], five)
        assert "Thanks! Your rating of user21" in rated, rated
    finally:
        await stop_rig(rig)
        await fake.close()
