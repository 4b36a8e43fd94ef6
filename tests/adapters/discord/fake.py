"""A loopback fake of Discord: REST routes that record every call, and a gateway websocket
(HELLO, IDENTIFY -> READY, GUILD_CREATE, then INTERACTION_CREATE on demand)."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.adapters.waiting import wait_until

GUILD = "100"
APP = "900"
BOT = "901"
MENTORS_CHANNEL = "200"
MODERATORS_CHANNEL = "201"
GENERAL = "202"
HELP_FORUM = "205"
HELP_CHANNEL = "204"
MOD_ROLE = "777"
NOW = "2026-11-23T10:00:00.000000+00:00"


def user(uid: str, name: str | None = None, bot: bool = False) -> dict[str, Any]:
    return {
        "id": uid,
        "username": name or f"user{uid}",
        "discriminator": "0",
        "global_name": name or f"user{uid}",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def message_payload(
    mid: str, channel_id: str, author: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    """A message as Discord sends it, from what was posted (content, embeds, components)."""
    return {
        "id": mid,
        "channel_id": channel_id,
        "type": 0,
        "content": body.get("content") or "",
        "author": author,
        "embeds": body.get("embeds") or [],
        "attachments": [],
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
        "mention_everyone": False,
        "tts": False,
        "timestamp": NOW,
        "edited_timestamp": None,
        "flags": body.get("flags") or 0,
        "components": body.get("components") or [],
    }


def member(uid: str, roles: list[str] | None = None, name: str | None = None) -> dict[str, Any]:
    return {
        "user": user(uid, name),
        "roles": roles or [],
        "joined_at": NOW,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "nick": None,
        "avatar": None,
        "premium_since": None,
        "permissions": "2251799813685247",
    }


def text_channel(cid: str, name: str, position: int) -> dict[str, Any]:
    return {
        "id": cid,
        "type": 0,
        "guild_id": GUILD,
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "topic": None,
        "nsfw": False,
        "parent_id": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def forum_channel(cid: str, name: str, position: int, tags: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        **text_channel(cid, name, position),
        "type": 15,
        "available_tags": tags,
        "default_reaction_emoji": None,
        "default_thread_rate_limit_per_user": 0,
        "default_sort_order": None,
        "default_forum_layout": 0,
    }


def forum_thread(tid: str, forum: str, owner: str, title: str, tags: list[str]) -> dict[str, Any]:
    return {
        "id": tid,
        "type": 11,
        "guild_id": GUILD,
        "parent_id": forum,
        "name": title,
        "owner_id": owner,
        "member_count": 1,
        "message_count": 0,
        "rate_limit_per_user": 0,
        "flags": 0,
        "applied_tags": tags,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": NOW,
            "locked": False,
        },
        "newly_created": True,
    }


def as_json(data: Any, status: int = 200) -> web.Response:
    """discord.py parses a body as JSON only for exactly `application/json` (no charset)."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json"},
    )


@dataclass
class Call:
    method: str
    path: str
    body: Any


@dataclass
class FakeDiscord:
    """Records what the bot does; answers like Discord; pushes gateway events."""

    calls: list[Call] = field(default_factory=list)
    closed_dms: set[str] = field(default_factory=set)  # users whose DMs answer 403/50007
    expired: bool = False  # callbacks answer 404/10062, as for an interaction past 3 seconds
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    modals: dict[str, dict[str, Any]] = field(default_factory=dict)  # interaction id -> modal
    identified: list[Any] = field(default_factory=list)  # the shard of each IDENTIFY
    names: dict[str, str] = field(default_factory=dict)  # user id -> display name
    threads: list[str] = field(default_factory=list)  # ids of the threads the bot created
    # the server's other channels the bot made (voice channels), by id
    guild_channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    refuse_channels: bool = False  # the bot lacks Manage Channels
    # the help forum's tags (as Discord keeps them) and each of its posts' applied tags
    forum_tags: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {
                "id": "301",
                "name": "python",
                "moderated": False,
                "emoji_id": None,
                "emoji_name": None,
            },
            {
                "id": "302",
                "name": "beginner",
                "moderated": False,
                "emoji_id": None,
                "emoji_name": None,
            },
        ]
    )
    applied: dict[str, list[str]] = field(default_factory=dict)
    # a call to a path that holds a key is recorded, then answered only once its event is set
    held: dict[str, asyncio.Event] = field(default_factory=dict)
    server: TestServer | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(5000))
    _seq: Any = field(default_factory=lambda: itertools.count(1))
    _ws: web.WebSocketResponse | None = None
    _identified: asyncio.Event = field(default_factory=asyncio.Event)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        app.router.add_get("/gateway", self._gateway)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self.server is not None:
            await self.server.close()

    @property
    def api(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}/api/v10"

    @property
    def gateway(self) -> str:
        assert self.server is not None
        return f"ws://127.0.0.1:{self.server.port}/gateway"

    def new_id(self) -> str:
        return str(next(self._ids))

    # -- waiting ------------------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        """Until the bot has done what the test expects (bounded; no fixed sleep)."""
        await wait_until(self._changed, predicate, within)

    def of(self, method: str, path_part: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and path_part in c.path]

    # -- REST -----------------------------------------------------------------------------------

    def _message(self, channel_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        mid = self.new_id()
        message = message_payload(mid, channel_id, user(BOT, "micromentor", True), payload)
        self.messages[mid] = message
        return message

    async def _body(self, request: web.Request) -> Any:
        if request.content_type == "multipart/form-data":
            out: dict[str, Any] = {"files": []}
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    out.update(json.loads(await part.text()))
                else:
                    out["files"].append(
                        {"filename": part.filename, "content": (await part.read()).decode()}
                    )
            return out
        raw = await request.read()
        return json.loads(raw) if raw else None

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        body = await self._body(request)
        self.calls.append(Call(request.method, path, body))
        self._changed.set()
        for key, release in list(self.held.items()):
            if key in path:
                await release.wait()
        answer = self._answer(request.method, path, body or {})
        if isinstance(answer, web.Response):
            return answer
        if answer is None:
            return web.Response(status=204)
        return as_json(answer)

    def _answer(self, method: str, path: str, body: dict[str, Any]) -> Any:
        parts = path.strip("/").split("/")
        if path == "/users/@me":
            return user(BOT, "micromentor", True)
        if path == "/oauth2/applications/@me":
            return {
                "id": APP,
                "name": "micromentor",
                "icon": None,
                "description": "",
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": user("1", "owner"),
                "verify_key": "k",
                "flags": 0,
                "team": None,
                "summary": "",
                "slug": None,
                "cover_image": None,
            }
        if path in ("/gateway", "/gateway/bot"):
            return {
                "url": self.gateway,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        if parts[0] == "applications" and parts[-1] == "commands":
            return [
                {
                    **cmd,
                    "id": self.new_id(),
                    "application_id": APP,
                    "version": "1",
                    "default_member_permissions": cmd.get("default_member_permissions"),
                    "type": cmd.get("type", 1),
                    # Discord answers a message command with an empty description
                    "description": cmd.get("description", ""),
                }
                for cmd in (body or [])
            ]
        if parts[0] == "interactions" and parts[-1] == "callback":
            if self.expired:
                return as_json({"code": 10062, "message": "Unknown interaction"}, status=404)
            return self._callback(parts[1], body)
        if parts[0] == "webhooks":
            if method == "POST":
                return self._message(GENERAL, body)
            return self._message(GENERAL, body)
        if path == "/users/@me/channels":
            recipient = str(body["recipient_id"])
            return {
                "id": f"9{recipient}",
                "type": 1,
                "recipients": [user(recipient)],
                "last_message_id": None,
            }
        if parts[0] == "channels" and parts[-1] == "messages" and method == "POST":
            channel = parts[1]
            if channel.startswith("9") and channel[1:] in self.closed_dms:
                return as_json(
                    {"code": 50007, "message": "Cannot send messages to this user"}, status=403
                )
            return self._message(channel, body)
        if parts[0] == "channels" and len(parts) == 4 and parts[2] == "messages":
            message = self.messages.get(parts[3]) or self._message(parts[1], body)
            message.update({k: v for k, v in body.items() if k in ("embeds", "components")})
            return message
        if parts[:1] == ["guilds"] and parts[-1] == "channels" and method == "POST":
            if self.refuse_channels:
                return as_json({"code": 50013, "message": "Missing Permissions"}, status=403)
            cid = self.new_id()
            self.guild_channels[cid] = {
                "id": cid,
                "guild_id": parts[1],
                "position": 0,
                "flags": 0,
                "nsfw": False,
                "bitrate": 64000,
                "user_limit": 0,
                "rtc_region": None,
                **body,
                # snowflakes come back as strings, whatever the bot sent
                "parent_id": None if body.get("parent_id") is None else str(body["parent_id"]),
            }
            return self.guild_channels[cid]
        if parts[:1] == ["guilds"] and parts[-1] == "channels" and method == "GET":
            return list(self.guild_channels.values())
        if parts[0] == "channels" and len(parts) == 2 and method == "DELETE":
            gone = self.guild_channels.pop(parts[1], None)
            if gone is None:
                return as_json({"code": 10003, "message": "Unknown Channel"}, status=404)
            return gone
        if parts[:2] == ["channels", HELP_FORUM] and len(parts) == 2:
            if method == "PATCH" and "available_tags" in body:
                self.forum_tags = [
                    {
                        "emoji_id": None,
                        "emoji_name": None,
                        **t,
                        "id": str(t.get("id") or self.new_id()),
                    }
                    for t in body["available_tags"]
                ]
            return forum_channel(HELP_FORUM, "help", 3, self.forum_tags)
        if parts[0] == "channels" and len(parts) == 2 and parts[1] in self.applied:
            if method == "PATCH" and "applied_tags" in body:
                self.applied[parts[1]] = [str(t) for t in body["applied_tags"]]
            return forum_thread(parts[1], HELP_FORUM, "1", "post", self.applied[parts[1]])
        if parts[0] == "channels" and parts[-1] == "threads":
            tid = self.new_id()
            self.threads.append(tid)
            return {
                "id": tid,
                "type": 12,
                "guild_id": GUILD,
                "parent_id": parts[1],
                "name": body.get("name"),
                "owner_id": BOT,
                "member_count": 1,
                "message_count": 0,
                "rate_limit_per_user": 0,
                "flags": 0,
                "thread_metadata": {
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": NOW,
                    "locked": False,
                    "invitable": False,
                },
            }
        if parts[0] == "channels" and "thread-members" in parts:
            return None
        if parts[0] == "channels" and len(parts) == 2 and method == "PATCH":
            return {
                "id": parts[1],
                "type": 12,
                "guild_id": GUILD,
                "parent_id": MENTORS_CHANNEL,
                "name": "session",
                "owner_id": BOT,
                "flags": 0,
                "thread_metadata": {
                    "archived": bool(body.get("archived")),
                    "auto_archive_duration": 1440,
                    "archive_timestamp": NOW,
                    "locked": bool(body.get("locked")),
                },
            }
        return {}

    def _callback(self, interaction_id: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = body.get("type")
        out: dict[str, Any] = {"interaction": {"id": interaction_id, "type": 2}}
        if kind == 9:  # a modal
            self.modals[interaction_id] = body["data"]
            out["resource"] = {"type": 9}
            return out
        if kind == 8:  # autocomplete choices
            out["resource"] = {"type": 8}
            return out
        message = self._message(GENERAL, body.get("data") or {})
        out["interaction"]["response_message_id"] = message["id"]
        out["interaction"]["response_message_loading"] = kind == 5
        out["resource"] = {"type": kind, "message": message}
        return out

    # -- gateway --------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45000}})
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if data["op"] == 1:
                await ws.send_json({"op": 11})
            elif data["op"] == 2:
                shard = data["d"].get("shard")
                self.identified.append(shard)
                await self._dispatch(
                    "READY",
                    {
                        **({"shard": shard} if shard else {}),
                        "v": 10,
                        "user": user(BOT, "micromentor", True),
                        "session_id": "sess",
                        "resume_gateway_url": self.gateway,
                        "guilds": [{"id": GUILD, "unavailable": True}],
                        "application": {"id": APP, "flags": 0},
                    },
                )
                await self._dispatch("GUILD_CREATE", self.guild())
                self._identified.set()
        return ws

    def guild(self) -> dict[str, Any]:
        return {
            "id": GUILD,
            "name": "Test",
            "icon": None,
            "owner_id": "1",
            "region": "",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [
                {
                    "id": rid,
                    "name": name,
                    "permissions": "0",
                    "position": pos,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
                for rid, name, pos in ((GUILD, "@everyone", 0), (MOD_ROLE, "moderators", 1))
            ],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "joined_at": NOW,
            "large": False,
            "unavailable": False,
            "member_count": 2,
            "voice_states": [],
            "members": [member(BOT)],
            "presences": [],
            "channels": [
                text_channel(MENTORS_CHANNEL, "mentors", 0),
                text_channel(MODERATORS_CHANNEL, "moderators", 1),
                text_channel(GENERAL, "general", 2),
                forum_channel(HELP_FORUM, "help", 3, self.forum_tags),
                text_channel(HELP_CHANNEL, "help-chat", 4),
            ],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }

    async def _dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self._ws is not None
        await self._ws.send_json({"op": 0, "t": event, "s": next(self._seq), "d": data})

    async def connected(self) -> None:
        await asyncio.wait_for(self._identified.wait(), 15)

    # -- interactions ---------------------------------------------------------------------------

    def _interaction(
        self,
        kind: int,
        uid: str,
        data: dict[str, Any],
        *,
        dm: bool = False,
        roles: list[str] | None = None,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        iid = self.new_id()
        payload: dict[str, Any] = {
            "id": iid,
            "application_id": APP,
            "type": kind,
            "data": data,
            "token": f"tok{iid}",
            "version": 1,
            "locale": "en-US",
            "app_permissions": "0",
            "entitlements": [],
            "attachment_size_limit": 26214400,
        }
        name = self.names.get(uid)
        if dm:
            payload.update(
                channel_id=f"9{uid}",
                user=user(uid, name),
                context=1,
                channel={"id": f"9{uid}", "type": 1, "recipients": [user(uid, name)]},
                authorizing_integration_owners={"1": uid},
            )
        else:
            payload.update(
                guild_id=GUILD,
                channel_id=GENERAL,
                member=member(uid, roles, name),
                guild_locale="en-US",
                context=0,
                channel=text_channel(GENERAL, "general", 2),
                authorizing_integration_owners={"0": GUILD},
            )
        if message is not None:
            payload["message"] = message
        return payload

    async def slash(
        self,
        uid: str,
        path: list[str],
        options: dict[str, Any] | None = None,
        *,
        roles: list[str] | None = None,
        members: list[str] | None = None,
        focused: str | None = None,
    ) -> str:
        """Run `/path[0] path[1] ...` with options; returns the interaction id."""
        leaf: list[dict[str, Any]] = []
        for name, value in (options or {}).items():
            kind = (
                6
                if name in (members or [])
                else (
                    4
                    if isinstance(value, int) and not isinstance(value, bool)
                    else (5 if isinstance(value, bool) else 3)
                )
            )
            option: dict[str, Any] = {"name": name, "type": kind, "value": value}
            if name == focused:
                option["focused"] = True
            leaf.append(option)
        node: list[dict[str, Any]] = leaf
        for i, name in reversed(list(enumerate(path[1:], start=1))):
            kind = 1 if i == len(path) - 1 else 2
            node = [{"name": name, "type": kind, "options": node}]
        data: dict[str, Any] = {
            "id": self.new_id(),
            "name": path[0],
            "type": 1,
            "options": node,
            "guild_id": GUILD,
        }
        if members:
            data["resolved"] = {
                "users": {options[m]: user(options[m]) for m in members},  # type: ignore[index]
                "members": {
                    options[m]: {
                        k: v
                        for k, v in member(options[m]).items()  # type: ignore[index]
                        if k != "user"
                    }
                    for m in members
                },
            }
        payload = self._interaction(4 if focused else 2, uid, data, roles=roles)
        await self._dispatch("INTERACTION_CREATE", payload)
        return str(payload["id"])

    async def message_command(self, uid: str, name: str, author: str, content: str) -> str:
        """Run the message command `name` (a message's Apps menu) on a message `author`
        wrote in #general; returns the interaction id."""
        mid = self.new_id()
        message = message_payload(mid, GENERAL, user(author), {"content": content})
        data = {
            "id": self.new_id(),
            "name": name,
            "type": 3,
            "target_id": mid,
            "resolved": {"messages": {mid: message}},
            "guild_id": GUILD,
        }
        payload = self._interaction(2, uid, data)
        await self._dispatch("INTERACTION_CREATE", payload)
        return str(payload["id"])

    async def click(
        self, uid: str, message: dict[str, Any], custom_id: str, *, dm: bool = False
    ) -> str:
        data = {"custom_id": custom_id, "component_type": 2}
        payload = self._interaction(3, uid, data, dm=dm, message=message)
        await self._dispatch("INTERACTION_CREATE", payload)
        return str(payload["id"])

    async def select(
        self, uid: str, message: dict[str, Any], custom_id: str, values: list[str]
    ) -> str:
        """A choice in a select menu of a message in a guild channel."""
        data = {"custom_id": custom_id, "component_type": 3, "values": values}
        payload = self._interaction(3, uid, data, message=message)
        await self._dispatch("INTERACTION_CREATE", payload)
        return str(payload["id"])

    async def submit_modal(self, uid: str, opened_by: str, values: dict[str, str]) -> str:
        """Submit the modal the bot opened for interaction `opened_by`, by input label; an
        input not named keeps what the bot prefilled, as in Discord's client."""
        modal = self.modals[opened_by]
        rows = []
        for row in modal["components"]:
            inner = row.get("component") or (row.get("components") or [None])[0]
            label = row.get("label") or inner.get("label")
            value = values.get(label, inner.get("value") or "")
            answered = {"type": 4, "custom_id": inner["custom_id"], "value": value}
            rows.append(
                {"type": row["type"], "component": answered}
                if row["type"] == 18
                else {"type": 1, "components": [answered]}
            )
        data = {"custom_id": modal["custom_id"], "components": rows}
        payload = self._interaction(5, uid, data)
        await self._dispatch("INTERACTION_CREATE", payload)
        return str(payload["id"])

    # -- help posts -------------------------------------------------------------------------------

    async def forum_post(
        self, uid: str, title: str, content: str, tags: list[str] | None = None
    ) -> str:
        """A member opens a post in the help forum (THREAD_CREATE, then its first message,
        whose id is the thread's, as Discord sends them); returns the post's id."""
        tid = self.new_id()
        self.applied[tid] = list(tags or [])
        await self._dispatch(
            "THREAD_CREATE", forum_thread(tid, HELP_FORUM, uid, title, self.applied[tid])
        )
        await self._message_create(tid, tid, uid, content)
        return tid

    async def channel_message(
        self,
        uid: str,
        content: str,
        channel: str = HELP_CHANNEL,
        *,
        bot: bool = False,
        **fields: Any,
    ) -> str:
        """Someone writes in a channel (`fields` such as a message `type` replace the
        default's); returns the message's id."""
        mid = self.new_id()
        await self._message_create(mid, channel, uid, content, bot=bot, **fields)
        return mid

    async def _message_create(
        self, mid: str, channel: str, uid: str, content: str, *, bot: bool = False, **fields: Any
    ) -> None:
        author = user(uid, self.names.get(uid), bot)
        body = message_payload(mid, channel, author, {"content": content})
        body.update(fields, guild_id=GUILD)
        body["member"] = {k: v for k, v in member(uid).items() if k != "user"}
        await self._dispatch("MESSAGE_CREATE", body)

    async def edit_message(self, uid: str, mid: str, channel: str, content: str) -> None:
        body = message_payload(mid, channel, user(uid, self.names.get(uid)), {"content": content})
        body.update(guild_id=GUILD, edited_timestamp=NOW)
        await self._dispatch("MESSAGE_UPDATE", body)

    async def rename_post(self, tid: str, owner: str, title: str) -> None:
        await self._dispatch(
            "THREAD_UPDATE", forum_thread(tid, HELP_FORUM, owner, title, self.applied.get(tid, []))
        )

    async def delete_message(self, mid: str, channel: str) -> None:
        await self._dispatch(
            "MESSAGE_DELETE", {"id": mid, "channel_id": channel, "guild_id": GUILD}
        )

    async def delete_post(self, tid: str) -> None:
        await self._dispatch(
            "THREAD_DELETE", {"id": tid, "guild_id": GUILD, "parent_id": HELP_FORUM, "type": 11}
        )

    def reactions(self, mid: str) -> list[tuple[str, str]]:
        """("PUT" | "DELETE", emoji) for the bot's reactions on a message, in order."""
        return [
            (c.method, unquote(c.path.split("/")[-2]))
            for c in self.calls
            if f"/messages/{mid}/reactions/" in c.path
        ]

    def tag_names(self, tid: str) -> list[str]:
        names = {t["id"]: t["name"] for t in self.forum_tags}
        return [names.get(t, t) for t in self.applied.get(tid, [])]

    # -- what the bot said ----------------------------------------------------------------------

    def callbacks(self, interaction_id: str) -> list[dict[str, Any]]:
        return [c.body for c in self.of("POST", f"/interactions/{interaction_id}/")]

    def followups(self, interaction_id: str) -> list[dict[str, Any]]:
        return [c.body for c in self.of("POST", f"/webhooks/{APP}/tok{interaction_id}")]

    def answers(self, interaction_id: str) -> list[dict[str, Any]]:
        """The messages answering an interaction: in its callback (type 4), or follow-ups
        after a deferral."""
        callbacks = self.callbacks(interaction_id)
        return [c["data"] for c in callbacks if c.get("type") == 4] + self.followups(interaction_id)

    def sent_to(self, channel_id: str) -> list[dict[str, Any]]:
        return [c.body for c in self.of("POST", f"/channels/{channel_id}/messages")]


def text_of(body: dict[str, Any]) -> str:
    """An embed's description and fields as plain text."""
    out = [body.get("content") or ""]
    for e in body.get("embeds") or []:
        out.append(e.get("description") or "")
        out += [f"{f['name']}: {f['value']}" for f in e.get("fields") or []]
    return "\n".join(out)


def custom_ids(body: dict[str, Any]) -> list[str]:
    return [
        c["custom_id"]
        for row in body.get("components") or []
        for c in row.get("components") or []
        if "custom_id" in c
    ]
