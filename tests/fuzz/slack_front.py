"""Fuzzing Slack: signed slash commands, button clicks, form submissions, skill lookups and
Home tab openings POSTed over loopback HTTP to the real Bolt app, against the Slack fake."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from hypothesis import strategies as st

from adapters.slack.app import SlackFrontEnd
from bot.clock import ManualClock
from bot.grammar import form_for
from tests.adapters.hostile import HOSTILE_NAME
from tests.adapters.slack.fake import (
    PROXY_VARS,
    TEAM,
    FakeSlack,
    Simulator,
    listeners_done,
    serving,
)
from tests.adapters.slack.test_slack import SECRET, slack_config
from tests.conftest import START
from tests.fuzz import strategies as s
from tests.fuzz.invariants import (
    Problem,
    clear_text,
    one_reply,
    reply_problems,
    slack_escape_problems,
)
from tests.fuzz.runner import SEED

USERS = {"ana": "UANA", "bob": "UBOB", "mentor1": "UM1", "mentor2": "UM2", "eve": "UEVE"}
USERS["mod"] = "UMOD"
PLATFORM = s.Platform("slack", tuple(USERS.values()), "<@{}>", "UNEW")


@dataclass(frozen=True)
class Command:
    user: str
    command: str  # /mentor or /mentor-mod
    text: str
    name: str | None = None  # the user_name Slack sends, when not the usual one
    retried: bool = False  # Slack sends it again (X-Slack-Retry-Num): still one answer


@dataclass(frozen=True)
class Click:
    user: str
    action_id: str
    value: str
    home: bool


@dataclass(frozen=True)
class Submit:
    user: str
    form: s.SlackForm


@dataclass(frozen=True)
class Lookup:
    user: str
    query: str


@dataclass(frozen=True)
class Home:
    user: str


@dataclass(frozen=True)
class Advance:
    minutes: int


@dataclass(frozen=True)
class Post:
    """A message in the help channel: new, edited or deleted (a few posts, so they meet)."""

    user: str
    change: str
    ts: str
    text: str


HELP = "C-HELP"


class SlackDriver:
    name = "slack"

    def __init__(self) -> None:
        self.folder = Path()
        self.fake = FakeSlack()
        self.front: SlackFrontEnd | None = None
        self.sim: Simulator | None = None
        self._stack = contextlib.AsyncExitStack()
        self._events = 0

    @property
    def store(self) -> Path:
        return self.folder / "slack.db"

    async def start(self, folder: Path) -> None:
        self.folder = folder
        for var in PROXY_VARS:
            os.environ.pop(var, None)
        await self.fake.start()
        config = slack_config(
            folder,
            self.fake.base,
            MICROMENTOR_COMMUNITIES__DEFAULT__SLACK__KUDOS_CHANNEL="C-KUDOS",
            MICROMENTOR_COMMUNITIES__DEFAULT__SLACK__HELP_CHANNELS=f'["{HELP}"]',
        )
        self.front = SlackFrontEnd(config, clock=ManualClock(START))
        base = await self._stack.enter_async_context(serving(self.front))
        session = await self._stack.enter_async_context(aiohttp.ClientSession())
        self.sim = Simulator(f"{base}/slack/events", SECRET, self.fake, session)
        self.sim.names.update({"UEVE": HOSTILE_NAME, "UM1": HOSTILE_NAME + " mentor"})
        for user, line in SEED:
            text = line.format(mentor1="<@UM1|mentor1>")
            await self.sim.command(USERS[user], text)
            await self._settle()

    def inputs(self) -> st.SearchStrategy[Any]:
        user = s.users(PLATFORM)
        command = st.builds(
            Command,
            user,
            st.sampled_from(("/mentor", "/mentor", "/mentor-mod")),
            s.command_texts(PLATFORM),
            s.names,
            st.sampled_from((False,) * 9 + (True,)),
        )
        click = st.builds(
            Click,
            user,
            st.sampled_from(("accept:r1", "home:x", "x", "rate:s1:5")),
            s.button_values(PLATFORM),
            st.booleans(),
        )
        submit = st.builds(Submit, user, s.slack_forms())
        lookup = st.builds(Lookup, user, s.words)
        post = st.builds(
            Post,
            user,
            st.sampled_from(("new", "new", "edited", "removed")),
            st.sampled_from(("1700000000.000100", "1700000001.000100", "1700000002.000100")),
            s.texts,
        )
        return st.one_of(
            post,
            command,
            command,
            command,
            click,
            click,
            submit,
            submit,
            lookup,
            st.builds(Home, user),
            st.builds(Advance, s.advances),
        )

    async def _settle(self) -> None:
        await listeners_done()
        assert self.front is not None
        await self.front.notifier.drain()

    async def send(self, item: Any) -> list[Problem]:
        assert self.sim is not None
        fake = self.fake
        calls, responses = len(fake.calls), len(fake.responses)
        acks: list[Any] = []
        problems: list[Problem] = []
        if isinstance(item, Command):
            usual = self.sim.names.get(item.user)
            if item.name is not None:
                self.sim.names[item.user] = item.name
            self._events += 1
            trigger = f"fuzztrig{self._events}"
            response, name = await self.sim.command(
                item.user, item.text, item.command, trigger_id=trigger
            )
            if item.retried:
                again, _ = await self.sim.command(
                    item.user,
                    item.text,
                    item.command,
                    trigger_id=trigger,
                    headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
                    response_name=name,
                )
                problems += _status(again, "a retried slash command")
            self.sim.names.pop(item.user, None)
            if usual is not None:
                self.sim.names[item.user] = usual
            await self._settle()
            problems += _status(response, "a slash command")
            answers = len(fake.answers_to(name))
            opened = len([c for c in fake.calls[calls:] if c.method == "views.open"])
            problems += one_reply(answers + opened, "one", "a slash command")
        elif isinstance(item, Click):
            response, name = await self.sim.click(
                item.user,
                item.action_id,
                item.value,
                view={"type": "home"} if item.home else None,
            )
            await self._settle()
            problems += _status(response, "a button")
            new = fake.calls[calls:]
            answers = len(fake.answers_to(name)) + len([c for c in new if c.method == "views.open"])
            if item.home and item.value.startswith("/mentor") and form_for(item.value) is None:
                # The Home tab has no response_url: it is published again, errors come by DM.
                answers = len([c for c in new if c.method == "views.publish"])
            elif item.home:
                # a form that can't open is explained by DM (no response_url there)
                answers += len(
                    [
                        c
                        for c in new
                        if c.method == "chat.postMessage"
                        and c.args.get("channel") == f"D-{item.user}"
                    ]
                )
            expected = "at most one"
            if item.value.startswith(("/mentor", "modal:")):
                expected = "one"
            problems += one_reply(answers, expected, "a button")
        elif isinstance(item, Submit):
            form = item.form
            view = {"type": "modal", "callback_id": form.callback_id}
            if form.metadata is not None:
                view["private_metadata"] = form.metadata
            response = await self.sim.submit(item.user, view, form.values)
            body = await response.text()
            await self._settle()
            problems += _status(response, "a form")
            dms = [
                c
                for c in fake.calls[calls:]
                if c.method == "chat.postMessage" and c.args.get("channel") == f"D-{item.user}"
            ]
            errors = 0
            if body.strip():
                ack = json.loads(body)
                acks.append(ack)
                errors = 1 if ack.get("response_action") == "errors" and ack.get("errors") else 0
                problems += [
                    Problem("one clear reply", f"a form's error ack is empty: {ack}")
                    for text in (ack.get("errors") or {"-": ""}).values()
                    if not str(text).strip()
                ]
                problems += reply_problems(str(t) for t in (ack.get("errors") or {}).values())
            problems += one_reply(errors + len(dms), "one", "a form")
        elif isinstance(item, Lookup):
            response = await self._lookup(item)
            problems += _status(response, "a skill lookup")
            if response.status == 200 and "options" not in json.loads(await response.text()):
                problems.append(Problem("one clear reply", "a skill lookup got no options"))
        elif isinstance(item, Post):
            self._events += 1
            response = await self.sim.event(_post_event(item), f"Ev{self._events}")
            await self._settle()
            problems += _status(response, "a help channel message")
            new = fake.calls[calls:]
            said = [
                c
                for c in new
                if (c.method == "chat.postMessage" and c.args.get("thread_ts") == item.ts)
                or c.method == "chat.postEphemeral"
            ]
            problems += one_reply(len(said), "at most one", "a help channel message")
        elif isinstance(item, Advance):
            assert self.front is not None and self.front.core is not None
            clock = self.front.core.deps.clock
            assert isinstance(clock, ManualClock)
            await self.front.core.sweep.advance(clock, timedelta(minutes=item.minutes))
            await self._settle()
        else:
            assert isinstance(item, Home)
            self._events += 1
            event = {"type": "app_home_opened", "user": item.user, "channel": "D1", "tab": "home"}
            response = await self.sim.event(event, f"Ev{self._events}")
            await self._settle()
            problems += _status(response, "the Home tab")
            published = [c for c in fake.calls[calls:] if c.method == "views.publish"]
            problems += one_reply(len(published), "one", "the Home tab")
        new_calls = fake.calls[calls:]
        new_responses = fake.responses[responses:]
        texts = [_text(r) for r in new_responses]
        texts += [_text(c.args) for c in new_calls if c.method == "chat.postMessage"]
        problems += reply_problems(texts)
        for response_body in new_responses:
            problems += clear_text(_text(response_body), "a response_url answer")
        bodies = [(c.method, c.args) for c in new_calls if c.method != "upload"]
        bodies += [("response_url", r) for r in new_responses]
        bodies += [("view ack", a) for a in acks]
        problems += slack_escape_problems(bodies)
        return problems

    async def _lookup(self, item: Lookup) -> aiohttp.ClientResponse:
        assert self.sim is not None
        return await self.sim.interactive(
            {
                "type": "block_suggestion",
                "action_id": "skills",
                "block_id": "skills",
                "value": item.query,
                "team": {"id": TEAM},
                "user": {"id": item.user, "team_id": TEAM},
                "api_app_id": "A1",
                "token": "legacy",
                "view": {"type": "modal", "callback_id": "ask"},
            }
        )

    async def close(self) -> None:
        await self._stack.aclose()
        await self.fake.close()


def _post_event(item: Post) -> dict[str, Any]:
    message = {"type": "message", "user": item.user, "ts": item.ts, "text": item.text}
    if item.change == "new":
        return {**message, "channel": HELP}
    if item.change == "edited":
        return {
            "type": "message",
            "subtype": "message_changed",
            "channel": HELP,
            "message": message,
            "previous_message": {**message, "text": "before"},
        }
    return {
        "type": "message",
        "subtype": "message_deleted",
        "channel": HELP,
        "deleted_ts": item.ts,
        "previous_message": message,
    }


def _status(response: aiohttp.ClientResponse, what: str) -> list[Problem]:
    if response.status == 200:
        return []
    return [Problem("one clear reply", f"{what} got HTTP {response.status}")]


def _text(body: dict[str, Any]) -> str:
    """The words of a message: its text and its blocks' texts."""
    parts = [str(body.get("text") or "")]
    for block in body.get("blocks") or []:
        text = block.get("text") if isinstance(block, dict) else None
        if isinstance(text, dict):
            parts.append(str(text.get("text") or ""))
    return "\n".join(parts)
