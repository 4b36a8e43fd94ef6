"""The Slack front end: Bolt listeners that turn Slack input into core commands.

Every listener acks first (Slack's 3-second rule), opens a modal at once when one is wanted
(the trigger_id expires quickly), and only then does the work. Rules live in the core.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import parse, views
from adapters.slack.notifier import SlackNotifier
from adapters.slack.render import blocks, fallback_text, options
from bot.bootstrap import Core, start_core
from bot.clock import Clock
from bot.config import Config, ConfigError
from bot.domain import commands as c
from bot.domain.errors import MicromentorError
from bot.domain.messages import Actor, PersonAddress, Reply
from bot.grammar import form_for
from bot.runtime import start_health, stop_event, until_stopped
from bot.scheduling import SweepScheduler
from bot.service.platform_store import PlatformStore

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"


class SlackConfigError(ConfigError):
    """Tokens missing or malformed: the start stops before anything is opened."""


def check_tokens(config: Config) -> None:
    """Fail early and clearly on missing or malformed credentials."""
    slack = config.slack
    bot = slack.bot_token.get_secret_value() if slack.bot_token else ""
    if not bot:
        raise SlackConfigError("SLACK_BOT_TOKEN is not set (it starts with xoxb-).")
    if not bot.startswith("xoxb-"):
        raise SlackConfigError("SLACK_BOT_TOKEN doesn't look like a bot token (xoxb-...).")
    if slack.mode == "socket":
        app_token = slack.app_token.get_secret_value() if slack.app_token else ""
        if not app_token:
            raise SlackConfigError(
                'Socket Mode needs SLACK_APP_TOKEN (xapp-...); or set slack.mode = "http".'
            )
        if not app_token.startswith("xapp-"):
            raise SlackConfigError("SLACK_APP_TOKEN doesn't look like an app token (xapp-...).")
    elif not (slack.signing_secret and slack.signing_secret.get_secret_value()):
        raise SlackConfigError("HTTP mode needs SLACK_SIGNING_SECRET.")


class SlackFrontEnd:
    """Bolt app + core; `web_app()` for HTTP mode, `socket_handler()` for Socket Mode."""

    def __init__(self, config: Config, *, clock: Clock | None = None, session: Any = None) -> None:
        check_tokens(config)
        self.config = config
        self.clock = clock
        token = config.slack.bot_token.get_secret_value() if config.slack.bot_token else ""
        self.client = AsyncWebClient(
            token=token, base_url=config.slack.api_base_url, session=session
        )
        self.client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
        self.core: Core | None = None
        self.notifier = SlackNotifier(self.client, None, config)
        self.app: AsyncApp | None = None
        self._own_session = False
        self._own_core = False

    async def start(self, core: Core | None = None) -> AsyncApp:
        """Open the core (unless given) and build the Bolt app."""
        if self.client.session is None:
            # One HTTP session for every Web API call (slack_sdk opens one per call otherwise).
            self.client.session = aiohttp.ClientSession()
            self._own_session = True
        self._own_core = core is None
        self.core = core or await start_core(self.config, self.notifier, clock=self.clock)
        self.notifier.store = PlatformStore(self.core.db, "slack")
        secret = self.config.slack.signing_secret
        self.app = AsyncApp(
            client=self.client,
            signing_secret=secret.get_secret_value() if secret else None,
            request_verification_enabled=self.config.slack.mode == "http",
            process_before_response=False,
            raise_error_for_unhandled_request=False,
        )
        self._register(self.app)
        return self.app

    # -- helpers ----------------------------------------------------------------------------

    @property
    def bus(self) -> Any:
        assert self.core is not None
        return self.core.bus

    async def _respond(self, respond: Any, reply: Reply, actor: Actor) -> None:
        """Answer the person who acted (ephemeral); files such as invites go to their DM."""
        if reply.duplicate:
            return
        await respond(
            text=fallback_text(reply.text),
            blocks=blocks(reply.text, reply.fields, reply.actions, error=reply.is_error),
            response_type="ephemeral" if reply.ephemeral else "in_channel",
            replace_original=False,
        )
        if reply.files:
            await self._send_files(actor, reply)

    async def _send_files(self, actor: Actor, reply: Reply) -> None:
        channel = await self.notifier.channel_for(
            actor.workspace, PersonAddress("slack", actor.workspace, actor.user_id)
        )
        for attachment in reply.files:
            await self.client.files_upload_v2(
                channel=channel,
                content=attachment.content,
                filename=attachment.filename,
                title=attachment.filename,
            )

    async def _open_modal(self, kind: str, arg: str, trigger_id: str, actor: Actor) -> None:
        assert self.core is not None
        community = self.config.community_for("slack", actor.workspace)
        effective = self.core.deps.community_configs.get(community or "", self.config)
        conf = effective.requests  # the community's run-time settings, not only the file's
        if kind == "ask":
            view = views.ask_modal(
                conf.session_lengths,
                conf.default_minutes,
                conf.question_max_chars,
                conf.detail_max_chars,
            )
        elif kind == "rate":
            view = views.rate_modal(
                arg, "mentor" if await self._is_mentor_of(actor, arg) else "mentee"
            )
        else:
            view = views.dispute_modal(arg)
        await self.client.views_open(trigger_id=trigger_id, view=view)

    async def _is_mentor_of(self, actor: Actor, session: str) -> bool:
        """Which aspects to offer in the rating modal (a guess is harmless: the core checks)."""
        reply = await self.bus.handle(actor, c.ListSessions())
        line = next((ln for ln in reply.text.splitlines() if ln.startswith(session + " ")), "")
        return "(mentor)" in line

    # -- listeners --------------------------------------------------------------------------

    def _register(self, app: AsyncApp) -> None:
        @app.command("/mentor")
        async def on_mentor(ack: Any, body: dict[str, Any], respond: Any) -> None:
            await ack()
            text = str(body.get("text") or "")
            actor = parse.actor_of(body)
            modal = form_for(text)
            if modal is not None:
                await self._open_modal(modal[0], modal[1], str(body["trigger_id"]), actor)
                return
            reply = await self.bus.handle_text(actor, text, delivery=f"cmd:{body['trigger_id']}")
            await self._respond(respond, reply, actor)

        @app.command("/mentor-mod")
        async def on_mentor_mod(ack: Any, body: dict[str, Any], respond: Any) -> None:
            await ack()
            actor = parse.actor_of(body)
            line = "/mentor-mod " + str(body.get("text") or "")
            reply = await self.bus.handle_line(actor, line, delivery=f"cmd:{body['trigger_id']}")
            await self._respond(respond, reply, actor)

        @app.action(re.compile(r".+"))
        async def on_button(
            ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
        ) -> None:
            await ack()
            value = str(action.get("value") or "")
            actor = parse.actor_of(body)
            if value.startswith("modal:"):
                await self._open_modal(
                    value.removeprefix("modal:"), "", str(body["trigger_id"]), actor
                )
                return
            if not value.startswith("/mentor"):
                log.info("ignoring an action without a command: %s", action.get("action_id"))
                return
            modal = form_for(value)
            if modal is not None:  # e.g. "Rate s7" from the sessions list
                await self._open_modal(modal[0], modal[1], str(body["trigger_id"]), actor)
                return
            reply = await self.bus.handle_line(
                actor, value, delivery=f"act:{body.get('trigger_id')}:{action.get('action_ts')}"
            )
            if body.get("view", {}).get("type") == "home":
                await self._publish_home(actor)
                if reply.is_error or reply.files:
                    await self._dm(actor, reply)  # no response_url on the Home tab
            else:
                await self._respond(respond, reply, actor)

        @app.options("skills")
        async def on_skill_options(ack: Any, body: dict[str, Any]) -> None:
            query = str(body.get("value") or "").lower().strip()
            actor = parse.actor_of(body)
            assert self.core is not None
            community = self.config.community_for("slack", actor.workspace)
            skills = self.core.deps.taxonomy(community).skills if community else []
            hits = [s for s in skills if s.startswith(query)] + [
                s for s in skills if query in s and not s.startswith(query)
            ]
            await ack(options=options(hits))

        @app.view(views.ASK)
        async def on_ask(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
            await self._submit(ack, body, view, parse.ask_command(view))

        @app.view(views.RATE)
        async def on_rate(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
            await self._submit(ack, body, view, parse.rate_command(view))

        @app.view(views.DISPUTE)
        async def on_dispute(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
            await self._submit(ack, body, view, parse.dispute_command(view))

        @app.event("app_home_opened")
        async def on_home(body: dict[str, Any], event: dict[str, Any]) -> None:
            if event.get("tab", "home") != "home":
                return
            user = str(event.get("user", ""))
            actor = Actor(parse.PLATFORM, str(body.get("team_id", "")), user, user)
            await self._publish_home(actor)

    async def _submit(
        self, ack: Any, body: dict[str, Any], view: dict[str, Any], command: c.Command
    ) -> None:
        """Run a modal's command; a mistake is shown on its field and the modal stays open."""
        actor = parse.actor_of(body)
        delivery = f"view:{view.get('id')}:{view.get('hash')}"
        reply = await self.bus.handle(actor, command, delivery=delivery)
        if reply.is_error:
            block = parse.field_for_error(str(view.get("callback_id")), reply.text)
            await ack(response_action="errors", errors={block: reply.text[:300]})
            return
        await ack()
        if reply.duplicate:
            return
        await self._dm(actor, reply)

    async def _dm(self, actor: Actor, reply: Reply) -> None:
        """A reply with no response_url (modals, home): as a DM from the bot."""
        channel = await self.notifier.channel_for(
            actor.workspace, PersonAddress("slack", actor.workspace, actor.user_id)
        )
        if channel is None:
            return
        await self.client.chat_postMessage(
            channel=channel,
            text=fallback_text(reply.text),
            blocks=blocks(reply.text, reply.fields, reply.actions, error=reply.is_error),
        )
        if reply.files:
            await self._send_files(actor, reply)

    async def _publish_home(self, actor: Actor) -> None:
        """Profile and skills, open request and its place, sessions (with ratings to give)."""
        sections = []
        for title, command in (
            ("Your profile", c.ShowProfile()),
            ("Your open requests", c.ShowQueue()),
            ("Your sessions", c.ListSessions()),
        ):
            try:
                sections.append((title, await self.bus.handle(actor, command)))
            except MicromentorError as exc:  # pragma: no cover - the bus never raises these
                sections.append((title, Reply(exc.user_text())))
        await self.client.views_publish(user_id=actor.user_id, view=views.home(sections))

    def web_app(self) -> web.Application:
        """The HTTP-mode aiohttp application (POST /slack/events, signatures verified)."""
        assert self.app is not None
        return self.app.web_app(path=EVENTS_PATH, port=self.config.slack.port)

    def socket_handler(self) -> Any:
        """The Socket Mode handler (no public URL needed)."""
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        assert self.app is not None and self.config.slack.app_token is not None
        return AsyncSocketModeHandler(
            self.app, self.config.slack.app_token.get_secret_value(), web_client=self.client
        )

    async def close(self) -> None:
        """Send what is queued, then close the core and the HTTP session we opened."""
        await self.notifier.drain()
        if self._own_session and self.client.session is not None:
            await self.client.session.close()
        if self.core is not None and self._own_core:
            await self.core.close()


async def serve(config: Config, *, clock: Clock | None = None) -> int:
    """Run until SIGTERM: Socket Mode by default, HTTP mode when configured."""
    front = SlackFrontEnd(config, clock=clock)
    await front.start()
    assert front.core is not None
    stop = stop_event()
    waker = SweepScheduler(front.core.sweep)
    await waker.start()
    runner: web.AppRunner | None = None
    handler: Any = None

    def connected() -> dict[str, bool]:
        if handler is not None:
            return {"slack": bool(handler.client.is_connected())}
        return {"slack": runner is not None}

    health = await start_health(front.core, connected)
    try:
        if config.slack.mode == "socket":
            handler = front.socket_handler()
            await until_stopped(handler.start_async(), stop)
        else:
            runner = web.AppRunner(front.web_app())
            await runner.setup()
            site = web.TCPSite(runner, host="0.0.0.0", port=config.slack.port)
            await site.start()
            log.info("Slack HTTP mode listening on :%d%s", config.slack.port, EVENTS_PATH)
            await stop.wait()
    finally:
        # Stop taking input, finish deliveries, close the platform connection and the store.
        if handler is not None:
            await handler.close_async()
        if runner is not None:
            await runner.cleanup()
        waker.stop()
        if health is not None:
            await health.stop()
        await front.close()
    return 0
