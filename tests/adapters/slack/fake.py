"""A loopback fake of Slack: the Web API (recording every call), response_urls, uploads, and
a Socket Mode websocket; plus a simulator that signs requests like Slack does."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.slack.app import AFTER_ACK
from tests.adapters.waiting import wait_until

if TYPE_CHECKING:
    from adapters.slack.app import SlackFrontEnd

TEAM = "T1"
# The Slack SDK sends even loopback calls through these; the tests and benches remove them.
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY")
BOT_USER = "UBOT"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None = None  # the bearer token the bot called with


@dataclass
class FakeSlack:
    """Answers like Slack's Web API and records what the bot did."""

    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)  # posts to response_urls
    responded: list[str] = field(default_factory=list)  # the response_url name of each
    in_ack: list[str] = field(default_factory=list)  # names whose answer came in the ack
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    server: TestServer | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _ts: Any = field(default_factory=lambda: itertools.count(1))
    _socket: web.WebSocketResponse | None = None
    _socket_ready: asyncio.Event = field(default_factory=asyncio.Event)
    # set to an unset Event to hold chat.getPermalink's answers until it is set (latency)
    permalink_gate: asyncio.Event | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # chat.getPermalink
        app.router.add_post("/respond/{id}", self._respond)
        app.router.add_post("/upload/{id}", self._upload)
        app.router.add_get("/socket", self._websocket)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self.server is not None:
            await self.server.close()

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    def response_url(self, name: str) -> str:
        return f"{self.base}/respond/{name}"

    # -- recording ----------------------------------------------------------------------------

    def _record(self) -> None:
        self._changed.set()

    async def wait_for(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        """Until the bot has done what the test expects (bounded; no fixed sleep)."""
        await wait_until(self._changed, predicate, within)

    def of(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method]

    def answers_to(self, name: str) -> list[dict[str, Any]]:
        """What the bot answered one command: in its ack, or at its response_url."""
        return [r for n, r in zip(self.responded, self.responses, strict=True) if n == name]

    def posts_to(self, channel: str) -> list[dict[str, Any]]:
        return [a for a in self.of("chat.postMessage") if a.get("channel") == channel]

    # -- the Web API --------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        raw = await request.read()
        if raw:
            if request.content_type == "application/json":
                args.update(json.loads(raw))
            else:
                args.update(dict(parse_qsl(raw.decode())))
        for key in ("blocks", "view", "attachments", "files"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        auth = request.headers.get("Authorization", "")
        self.calls.append(Call(method, args, auth.removeprefix("Bearer ") or None))
        self._record()
        if method == "chat.getPermalink" and self.permalink_gate is not None:
            await self.permalink_gate.wait()
        return web.json_response(self._answer(method, args, self.calls[-1].token))

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": BOT_USER,
                "bot_id": "BBOT",
                "team_id": _team_of(token) or TEAM,
                "team": "Test",
                "url": "https://test.example/",
            }
        if method == "oauth.v2.access":
            code = str(args.get("code", ""))
            if not code.startswith("code-"):
                return {"ok": False, "error": "invalid_code"}
            team = code.removeprefix("code-")
            return {
                "ok": True,
                "app_id": "A1",
                "access_token": f"xoxb-{team}-token",
                "token_type": "bot",
                "scope": "commands,chat:write,im:write,mpim:write,files:write",
                "bot_user_id": BOT_USER,
                "team": {"id": team, "name": f"Team {team}"},
                "enterprise": None,
                "is_enterprise_install": False,
                "authed_user": {"id": "UINSTALLER"},
            }
        if method == "conversations.open":
            users = str(args.get("users", ""))
            prefix = "G" if "," in users else "D"
            return {"ok": True, "channel": {"id": f"{prefix}-{users.replace(',', '-')}"}}
        if method == "chat.postMessage":
            return {
                "ok": True,
                "channel": args.get("channel"),
                "ts": f"{next(self._ts)}.0001",
                "message": {"text": args.get("text")},
            }
        if method == "chat.getPermalink":
            channel, ts = args.get("channel"), str(args.get("message_ts", ""))
            return {
                "ok": True,
                "channel": channel,
                "permalink": f"https://test.slack.com/archives/{channel}/p{ts.replace('.', '')}",
            }
        if method in ("chat.update", "chat.postEphemeral"):
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts", "1.0")}
        if method in ("views.open", "views.publish", "views.update", "views.push"):
            return {"ok": True, "view": {"id": "V1", **(args.get("view") or {})}}
        if method == "files.getUploadURLExternal":
            return {"ok": True, "upload_url": f"{self.base}/upload/F1", "file_id": "F1"}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": "F1", "title": "invite"}]}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.server.port}/socket"}  # type: ignore[union-attr]
        return {"ok": True}

    async def _respond(self, request: web.Request) -> web.Response:
        self.responses.append(json.loads(await request.read()))
        self.responded.append(request.match_info["id"])
        self._record()
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        self.calls.append(Call("upload", {"body": (await request.read()).decode(errors="replace")}))
        self._record()
        return web.Response(text="OK")

    # -- Socket Mode --------------------------------------------------------------------------

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._socket = ws
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        self._socket_ready.set()
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
                self._record()
        return ws

    async def send_envelope(self, envelope: dict[str, Any]) -> None:
        """Push an envelope (slash_commands, interactive, events_api) down the socket."""
        await asyncio.wait_for(self._socket_ready.wait(), 10)
        assert self._socket is not None
        await self._socket.send_str(json.dumps(envelope))


def _team_of(token: str | None) -> str | None:
    """The workspace of a token the fake issued (xoxb-T2-token), if it is one."""
    parts = (token or "").split("-")
    return parts[1] if len(parts) == 3 and parts[2] == "token" and parts[1] != "test" else None


# What Slack's client makes of a mention, a channel or a link the person picked: a control
# sequence it sends as it is.
_CONTROL = re.compile(r"<[@#!][^<>]*>|<https?://[^<>]*>")


def as_typed(text: str) -> str:
    """Text a person typed, as Slack sends it: &, < and > as entities, except in the control
    sequences its client made (tests write those as Slack would send them)."""

    def escaped(part: str) -> str:
        return part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    out: list[str] = []
    last = 0
    for control in _CONTROL.finditer(text):
        out.append(escaped(text[last : control.start()]))
        out.append(control.group())
        last = control.end()
    out.append(escaped(text[last:]))
    return "".join(out)


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 request signature headers."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Simulator:
    """Posts signed requests in Slack's real payload shapes to the bot's HTTP endpoint."""

    url: str
    secret: str
    fake: FakeSlack
    session: aiohttp.ClientSession
    team: str = TEAM  # the workspace the requests come from
    names: dict[str, str] = field(default_factory=dict)  # user id -> name, else the id lowered
    _n: Any = field(default_factory=lambda: itertools.count(1))

    def name_of(self, user: str) -> str:
        return self.names.get(user, user.lower())

    async def _post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        all_headers = {"Content-Type": content_type, **sign(self.secret, body), **(headers or {})}
        response = await self.session.post(self.url, data=body.encode(), headers=all_headers)
        await response.read()
        return response

    async def command(
        self,
        user: str,
        text: str,
        command: str = "/mentor",
        trigger_id: str | None = None,
        headers: dict[str, str] | None = None,
        response_name: str | None = None,
    ) -> tuple[aiohttp.ClientResponse, str]:
        """A slash command as Slack sends it (form body); returns the response_url name."""
        n = next(self._n)
        name = response_name or f"cmd{n}"
        form = {
            "token": "legacy",
            "team_id": self.team,
            "team_domain": "test",
            "channel_id": "C-GENERAL",
            "channel_name": "general",
            "user_id": user,
            "user_name": self.name_of(user),
            "command": command,
            "text": as_typed(text),
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(name),
            "trigger_id": trigger_id or f"trig{n}",
        }
        body = urlencode(form)
        response = await self._post(body, "application/x-www-form-urlencoded", headers)
        if response.status == 200 and response.content_type == "application/json":
            # Slack shows a slash command's ack body like a post to its response_url.
            answer = json.loads(await response.text() or "{}")
            if answer:
                self.fake.responses.append(answer)
                self.fake.responded.append(name)
                self.fake.in_ack.append(name)
                self.fake._record()
        return response, name

    async def interactive(
        self, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        body = urlencode({"payload": json.dumps(payload)})
        return await self._post(body, "application/x-www-form-urlencoded", headers)

    async def suggest(self, user: str, typed: str, view: dict[str, Any]) -> list[str]:
        """What the form's skills menu offers as `user` types `typed` (block_suggestion)."""
        payload = {
            "type": "block_suggestion",
            "action_id": "skills",
            "block_id": "skills",
            "value": typed,
            "team": {"id": TEAM},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A1",
            "token": "legacy",
            "view": view,
        }
        response = await self.interactive(payload)
        return [o["value"] for o in json.loads(await response.text())["options"]]

    async def click(
        self,
        user: str,
        action_id: str,
        value: str,
        trigger_id: str | None = None,
        view: dict[str, Any] | None = None,
    ) -> tuple[aiohttp.ClientResponse, str]:
        """A block_actions payload for a button."""
        n = next(self._n)
        name = f"act{n}"
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {
                "id": user,
                "username": self.name_of(user),
                "name": self.name_of(user),
                "team_id": self.team,
            },
            "api_app_id": "A1",
            "token": "legacy",
            "team": {"id": self.team, "domain": "test"},
            "trigger_id": trigger_id or f"clicktrig{n}",
            "response_url": self.fake.response_url(name),
            "container": {"type": "message", "channel_id": "D1", "message_ts": "1.0"},
            "channel": {"id": "D1", "name": "directmessage"},
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b1",
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                    "text": {"type": "plain_text", "text": "x"},
                }
            ],
        }
        if view is not None:
            payload["view"] = view
        return await self.interactive(payload), name

    async def submit(
        self, user: str, view: dict[str, Any], values: dict[str, dict[str, Any]]
    ) -> aiohttp.ClientResponse:
        """A view_submission of a modal with the given state values."""
        payload = {
            "type": "view_submission",
            "team": {"id": self.team, "domain": "test"},
            "user": {
                "id": user,
                "username": self.name_of(user),
                "name": self.name_of(user),
                "team_id": self.team,
            },
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": f"subtrig{next(self._n)}",
            "view": {
                **view,
                # Submitting again after an error is the same view (id and hash); only the
                # trigger_id is new each time.
                "id": view.get("id") or f"V-{view.get('callback_id')}",
                "hash": view.get("hash") or "h1",
                "team_id": self.team,
                "state": {"values": values},
            },
        }
        return await self.interactive(payload)

    async def event(
        self, event: dict[str, Any], event_id: str, retry: int | None = None
    ) -> aiohttp.ClientResponse:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": self.team,
                "api_app_id": "A1",
                "event": event,
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
            }
        )
        headers = {}
        if retry is not None:
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return await self._post(body, "application/json", headers)


async def listeners_done() -> None:
    """Until the work listeners started after their acks has finished (an HTTP answer says
    nothing about it); a test can then check that nothing else was sent."""
    me = asyncio.current_task()
    pending = [
        t for t in asyncio.all_tasks() if t is not me and not t.done() and t.get_name() == AFTER_ACK
    ]
    if pending:
        _, still = await asyncio.wait(pending, timeout=10)
        assert not still, "a Bolt listener did not finish"


@contextlib.asynccontextmanager
async def serving(front: SlackFrontEnd) -> AsyncIterator[str]:
    """Start the bot and its HTTP app on a loopback port; its address, until the block ends."""
    await front.start()
    server = TestServer(front.web_app(), host="127.0.0.1")
    await server.start_server()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.close()
        await front.close()
