"""The Slack front end: Bolt listeners that turn Slack input into core commands.

Bolt answers Slack's HTTP request when a listener returns (`process_before_response`), so a
listener acks and returns at once, and what follows the ack runs as a task of ours. A slash
command's reply goes back in the ack itself when the command is done within
`slack.reply_in_ack_ms` (well inside Slack's 3 seconds), otherwise to its response_url.
Rules live in the core.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import parse, render, views
from adapters.slack.installations import BOT_SCOPES, DbInstallationStore, DbStateStore
from adapters.slack.notifier import SlackNotifier
from adapters.slack.render import options
from bot.clock import Clock, epoch
from bot.config import Config, ConfigError
from bot.domain import commands as c
from bot.domain import events
from bot.domain.errors import MicromentorError
from bot.domain.messages import Actor, PersonAddress, Reply
from bot.domain.queries import FORMS, DescribeForm, SuggestSkills
from bot.grammar import form_for
from bot.process.bootstrap import Core, start_core
from bot.process.runtime import start_health, stop_event, until_stopped
from bot.process.scheduling import SweepScheduler
from bot.service.bus import MessageBus
from bot.service.platform_store import PlatformStore

log = logging.getLogger(__name__)
AFTER_ACK = "slack-after-ack"  # the name of the tasks that run after a listener has acked
EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
NOT_INSTALLED = (
    "micromentor isn't installed in this workspace any more. A workspace admin can add it "
    "again from the install page whoever runs micromentor gave you."
)


class SlackConfigError(ConfigError):
    """Tokens missing or malformed: the start stops before anything is opened."""


def check_tokens(config: Config) -> None:
    """Fail early and clearly on missing or malformed credentials."""
    slack = config.slack
    bot = slack.bot_token.get_secret_value() if slack.bot_token else ""
    if slack.oauth:
        _check_install_flow(config)
        if bot:
            raise SlackConfigError(
                "Set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                "(the install flow, a token for each workspace), not both."
            )
        return
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


def _check_install_flow(config: Config) -> None:
    slack = config.slack
    if slack.mode != "http":
        raise SlackConfigError(
            'The install flow (SLACK_CLIENT_ID) needs slack.mode = "http": Slack sends every '
            "workspace's requests to your public address."
        )
    if not (slack.client_secret and slack.client_secret.get_secret_value()):
        raise SlackConfigError("The install flow needs SLACK_CLIENT_SECRET as well.")
    if not (slack.signing_secret and slack.signing_secret.get_secret_value()):
        raise SlackConfigError("HTTP mode needs SLACK_SIGNING_SECRET.")


class SlackFrontEnd:
    """Bolt app + core; `web_app()` for HTTP mode, `socket_handler()` for Socket Mode."""

    def __init__(self, config: Config, *, clock: Clock | None = None, session: Any = None) -> None:
        check_tokens(config)
        self.config = config
        self.clock = clock
        # With the install flow there is no token of our own: each request carries its
        # workspace's, and the notifier looks it up for what it sends.
        token = config.slack.bot_token.get_secret_value() if config.slack.bot_token else None
        self.client = AsyncWebClient(
            token=token, base_url=config.slack.api_base_url, session=session
        )
        self.client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
        self.core: Core | None = None
        # Channels (of any community) whose new messages become help requests.
        self.help_channels = frozenset(
            channel
            for community in config.communities.values()
            for channel in community.slack.help_channels
        )
        self.notifier = SlackNotifier(self.client, None, config)
        self.app: AsyncApp | None = None
        self.installations: DbInstallationStore | None = None
        self._own_session = False
        self._own_core = False
        # a command's own work and what follows the acks: close() waits for them
        self._after_ack: set[asyncio.Future[Any]] = set()
        # One help post's events one after another (in this process): a new post waits for
        # its permalink before the core sees it, and its edit or removal must not overtake it.
        self._post_turns: dict[tuple[str, str, str], tuple[asyncio.Lock, int]] = {}

    async def start(self, core: Core | None = None) -> AsyncApp:
        """Open the core (unless given) and build the Bolt app."""
        if self.client.session is None:
            # One HTTP session for every Web API call (slack_sdk opens one per call otherwise).
            self.client.session = aiohttp.ClientSession()
            self._own_session = True
        self._own_core = core is None
        self.core = core or await start_core(self.config, self.notifier, clock=self.clock)
        store = self.core.platform_store("slack")
        self.notifier.store = store
        secret = self.config.slack.signing_secret
        oauth_settings = None
        authorize: Any = None  # Bolt types it as a plain function; its own class works too
        if self.config.slack.oauth:
            self.installations = DbInstallationStore(store)
            self.notifier.tokens = self.installations.bot_token
            oauth_settings = self._oauth_settings(store, self.installations, self.core.clock)
            # Bolt checks a workspace's token with auth.test before each request; remembering
            # the answer per token keeps that call out of the time to ack. The installation
            # itself is still looked up every time, so an uninstall takes effect at once.
            authorize = AsyncInstallationStoreAuthorize(
                logger=log,
                installation_store=self.installations,
                bot_only=True,
                cache_enabled=True,
                client=self.client,
            )
        self.app = AsyncApp(
            client=self.client,
            signing_secret=secret.get_secret_value() if secret else None,
            request_verification_enabled=self.config.slack.mode == "http",
            # Bolt's other mode runs the listener aside and polls every 10 ms for its ack.
            process_before_response=True,
            raise_error_for_unhandled_request=False,
            oauth_settings=oauth_settings,
            authorize=authorize,
            user_facing_authorize_error_message=NOT_INSTALLED,
        )
        if oauth_settings is not None:
            # app_uninstalled / tokens_revoked: forget the workspace's token.
            self.app.enable_token_revocation_listeners()
        self._register(self.app)
        return self.app

    def _oauth_settings(
        self, store: PlatformStore, installations: DbInstallationStore, clock: Clock
    ) -> AsyncOAuthSettings:
        """Bolt's install flow: /slack/install and /slack/oauth_redirect, kept in our store."""
        slack = self.config.slack
        assert slack.client_secret is not None
        return AsyncOAuthSettings(
            client_id=slack.client_id,
            client_secret=slack.client_secret.get_secret_value(),
            scopes=list(BOT_SCOPES),
            redirect_uri=slack.redirect_uri,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            authorization_url=slack.authorize_url,
            installation_store=installations,
            installation_store_bot_only=True,
            state_store=DbStateStore(store, lambda: epoch(clock.now())),
            callback_options=AsyncCallbackOptions(
                success=self._installed, failure=self._install_failed
            ),
        )

    async def _installed(self, args: AsyncSuccessArgs) -> BoltResponse:
        """The page after "Add to Slack": which community the workspace is in, or how to map it."""
        team_id = args.installation.team_id or ""
        team = html.escape(args.installation.team_name or team_id)
        community = self.config.community_for("slack", team_id)
        if community is not None:
            name = html.escape(self.config.communities[community].name)
            body = (
                f"<h1>micromentor is installed in {team}</h1><p>It serves the community "
                f"<b>{name}</b>. Type <code>/mentor help</code> in Slack to start.</p>"
            )
        else:
            body = (
                f"<h1>micromentor is installed in {team}</h1><p>This workspace isn't part of a "
                "community yet, so commands will say so. Ask whoever runs micromentor to add "
                f'<code>team_id = "{html.escape(team_id)}"</code> under a '
                "<code>[communities.NAME.slack]</code> section and restart it.</p>"
            )
            log.warning("Slack workspace %s installed the app but is in no community", team_id)
        page = f"<!doctype html><html><body>{body}</body></html>"
        return BoltResponse(
            status=200, body=page, headers={"Content-Type": "text/html; charset=utf-8"}
        )

    async def _install_failed(self, args: AsyncFailureArgs) -> BoltResponse:
        log.warning("a Slack install did not finish: %s", args.reason)
        return await args.default.failure(args)

    # -- helpers ----------------------------------------------------------------------------

    def _later(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` after the ack has gone back to Slack; `close()` waits for it."""
        task = asyncio.get_running_loop().create_task(self._logged(work), name=AFTER_ACK)
        self._after_ack.add(task)
        task.add_done_callback(self._after_ack.discard)

    @staticmethod
    async def _logged(work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:
            # Nobody awaits these: a failure (Slack down, a view that expired) is logged.
            log.exception("work after a Slack ack failed")

    async def _command(
        self,
        ack: Any,
        respond: Any,
        actor: Actor,
        client: AsyncWebClient,
        run: Awaitable[Reply],
    ) -> None:
        """Ack a slash command with its reply when it is ready in time, else ack now and
        answer at the response_url when it is."""
        work = asyncio.ensure_future(run)
        # Tracked from the start: a close() while the command still runs waits for it,
        # rather than closing the store under it (Socket Mode doesn't wait for listeners).
        self._after_ack.add(work)
        work.add_done_callback(self._after_ack.discard)
        within = self.config.slack.reply_in_ack_ms / 1000
        try:
            await asyncio.wait_for(asyncio.shield(work), within)
        except TimeoutError:
            await ack()
            self._later(self._respond_when_done(work, respond, actor, client))
            return
        reply = work.result()
        if reply.duplicate:
            await ack()
            return
        await ack(**self._response(reply))
        if reply.files:
            self._later(self._send_files(actor, reply, client))

    async def _respond_when_done(
        self, work: Awaitable[Reply], respond: Any, actor: Actor, client: AsyncWebClient
    ) -> None:
        await self._respond(respond, await work, actor, client)

    @staticmethod
    def _response(reply: Reply) -> dict[str, Any]:
        return {
            **render.message(reply.text, reply.fields, reply.actions, error=reply.is_error),
            "response_type": "ephemeral" if reply.ephemeral else "in_channel",
        }

    @property
    def bus(self) -> MessageBus:
        assert self.core is not None
        return self.core.bus

    async def _respond(
        self, respond: Any, reply: Reply, actor: Actor, client: AsyncWebClient
    ) -> None:
        """Answer the person who acted (ephemeral); files such as invites go to their DM."""
        if reply.duplicate:
            return
        await respond(**self._response(reply), replace_original=False)
        if reply.files:
            await self._send_files(actor, reply, client)

    async def _send_files(self, actor: Actor, reply: Reply, client: AsyncWebClient) -> None:
        channel = await self.notifier.channel_for(
            actor.workspace, PersonAddress("slack", actor.workspace, actor.user_id)
        )
        for attachment in reply.files:
            await client.files_upload_v2(
                channel=channel,
                content=attachment.content,
                filename=attachment.filename,
                title=attachment.filename,
            )

    async def _open_modal(
        self,
        kind: str,
        arg: str,
        trigger_id: str,
        actor: Actor,
        client: AsyncWebClient,
        *,
        question: str | None = None,
        about: str | None = None,
    ) -> Reply | None:
        """Open a form as the core describes it (the ask form prefilled with a message's
        text and link, from the message shortcut); returns the core's refusal instead (a
        session that can't be rated), for the caller to show where it answers."""
        if kind not in FORMS:  # a button value we never made
            log.info("a request for an unknown form")
            return Reply(
                "That button opens nothing I know. Type `/mentor help` to see what I can do.",
                is_error=True,
            )
        reply = await self.bus.handle(actor, DescribeForm(kind, arg or None, question))
        spec = reply.form
        if spec is None:
            return reply
        if kind == "ask":
            view = views.ask_modal(
                list(spec.session_lengths),
                spec.default_minutes,
                spec.question_max,
                spec.detail_max,
                question=question,
                about=about,
                skills=spec.skills,
            )
        elif kind == "rate":
            view = views.rate_modal(spec.session or arg, spec.aspects)
        else:
            view = views.dispute_modal(spec.session or arg)
        await client.views_open(trigger_id=trigger_id, view=view)
        return None

    # -- listeners --------------------------------------------------------------------------

    def _register(self, app: AsyncApp) -> None:
        @app.command("/mentor")
        async def on_mentor(
            ack: Any, body: dict[str, Any], respond: Any, client: AsyncWebClient
        ) -> None:
            text = parse.command_text(body)
            actor = parse.actor_of(body)
            delivery = f"cmd:{body['trigger_id']}"
            modal = form_for(text)
            if modal is not None:
                await ack()
                self._later(self._form(modal, delivery, body, respond, actor, client))
                return
            run = self.bus.handle_text(actor, text, delivery=delivery)
            await self._command(ack, respond, actor, client, run)

        @app.command("/mentor-mod")
        async def on_mentor_mod(
            ack: Any, body: dict[str, Any], respond: Any, client: AsyncWebClient
        ) -> None:
            actor = parse.actor_of(body)
            line = "/mentor-mod " + parse.command_text(body)
            run = self.bus.handle_line(actor, line, delivery=f"cmd:{body['trigger_id']}")
            await self._command(ack, respond, actor, client, run)

        @app.action(re.compile(r".+"))
        async def on_button(
            ack: Any,
            body: dict[str, Any],
            action: dict[str, Any],
            respond: Any,
            client: AsyncWebClient,
        ) -> None:
            # Slack shows nothing of a button's ack: the answer goes to its response_url.
            await ack()
            self._later(self._button(body, action, respond, client))

        @app.shortcut(views.ASK_ABOUT)
        async def on_ask_about(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
            await ack()
            self._later(self._ask_about(body, client))

        @app.options("skills")
        async def on_skill_options(ack: Any, body: dict[str, Any]) -> None:
            query = str(body.get("value") or "").lower().strip()
            reply = await self.bus.handle(parse.actor_of(body), SuggestSkills(query))
            await ack(options=options(list(reply.choices)))

        @app.view(views.ASK)
        async def on_ask(
            ack: Any, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
        ) -> None:
            await self._submit(ack, body, view, lambda: parse.ask_command(view), client)

        @app.view(views.RATE)
        async def on_rate(
            ack: Any, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
        ) -> None:
            await self._submit(ack, body, view, lambda: parse.rate_command(view), client)

        @app.view(views.DISPUTE)
        async def on_dispute(
            ack: Any, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
        ) -> None:
            await self._submit(ack, body, view, lambda: parse.dispute_command(view), client)

        @app.event("message")
        async def on_message(
            body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
        ) -> None:
            post = parse.channel_post(event)
            if post is not None and post.channel in self.help_channels:
                self._later(self._help_post(body, post, client))

        @app.event("app_home_opened")
        async def on_home(
            body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
        ) -> None:
            if event.get("tab", "home") != "home":
                return
            # The event names no one: an empty name keeps the one their commands brought.
            user = str(event.get("user", ""))
            actor = Actor(parse.PLATFORM, str(body.get("team_id", "")), user, "")
            self._later(self._publish_home(actor, client))

    async def _form(
        self,
        modal: tuple[str, str],
        delivery: str,
        body: dict[str, Any],
        respond: Any,
        actor: Actor,
        client: AsyncWebClient,
    ) -> None:
        """Open the form a slash command asked for (a retry of the same command, with
        X-Slack-Retry-Num, opens no second one)."""
        if await self.bus.first_delivery(actor, delivery):
            refusal = await self._open_modal(
                modal[0], modal[1], str(body["trigger_id"]), actor, client
            )
            if refusal is not None:
                await self._respond(respond, refusal, actor, client)

    async def _help_post(
        self, body: dict[str, Any], post: parse.ChannelPost, client: AsyncWebClient
    ) -> None:
        """A message in a help channel, its edit or its removal, for the core; a refusal
        (a limit, a suspension) reaches only its author, as an ephemeral message. What the
        core says of the post goes to its thread through the notifier."""
        team = str(body.get("team_id") or "")
        async with self._post_turn((team, post.channel, post.ts)):
            await self._help_post_in_turn(team, body, post, client)

    @contextlib.asynccontextmanager
    async def _post_turn(self, key: tuple[str, str, str]) -> AsyncIterator[None]:
        """The turn of one post's event, after the earlier ones of the same post."""
        lock, users = self._post_turns.get(key, (asyncio.Lock(), 0))
        self._post_turns[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._post_turns[key]
            if users > 1:
                self._post_turns[key] = (lock, users - 1)
            else:
                del self._post_turns[key]

    async def _help_post_in_turn(
        self, team: str, body: dict[str, Any], post: parse.ChannelPost, client: AsyncWebClient
    ) -> None:
        actor = Actor(parse.PLATFORM, team, post.user, post.name)
        delivery = f"ev:{body.get('event_id') or post.channel + ':' + post.ts + post.change}"
        link = (
            await self._permalink(client, post.channel, post.ts) if post.change == "new" else None
        )

        def event() -> events.Event:
            if post.change == "new":
                return events.NewPost(post.channel, post.ts, post.text, link=link)
            if post.change == "edited":
                return events.PostEdited(post.channel, post.ts, post.text)
            return events.PostRemoved(post.channel, post.ts)

        reply = await self.bus.handle_built(actor, event, delivery=delivery)
        if reply.is_error and not reply.duplicate and post.change != "removed":
            await client.chat_postEphemeral(
                channel=post.channel,
                user=post.user,
                thread_ts=post.ts,
                **render.message(reply.text, reply.fields, ()),
            )

    async def _permalink(self, client: AsyncWebClient, channel: str, ts: str) -> str | None:
        """The link back to a post, shown to mentors; None if Slack gives none."""
        try:
            found = await client.chat_getPermalink(channel=channel, message_ts=ts)
        except SlackApiError as exc:
            error = exc.response.data.get("error") if isinstance(exc.response.data, dict) else None
            log.warning("no permalink for a help post: %s", error or exc.response.status_code)
            return None
        except Exception as exc:
            # The link is only a nicety, and the event is already acked (Slack won't send
            # it again): a network error or a timeout must not cost the post itself.
            log.warning("no permalink for a help post: %r", exc)
            return None
        link = found.get("permalink")
        return link if isinstance(link, str) else None

    async def _ask_about(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """ "Ask a mentor about this" on a message: the ask form, prefilled with the message's
        text and a link back to it (a retried shortcut opens no second form)."""
        actor = parse.actor_of(body)
        trigger_id = str(body.get("trigger_id") or "")
        if not trigger_id or not await self.bus.first_delivery(actor, f"sc:{trigger_id}"):
            return
        text, link = parse.shortcut_message(body)
        refusal = await self._open_modal(
            "ask", "", trigger_id, actor, client, question=text or None, about=link
        )
        if refusal is not None:
            await self._dm(actor, refusal, client)

    async def _button(
        self, body: dict[str, Any], action: dict[str, Any], respond: Any, client: AsyncWebClient
    ) -> None:
        """A button's command, or the form it opens (e.g. "Rate s7" from the sessions list)."""
        chosen = action.get("selected_option")  # a select menu's option is a button too
        value = str((chosen.get("value") if isinstance(chosen, dict) else None) or "")
        value = value or str(action.get("value") or "")
        actor = parse.actor_of(body)
        modal = form_for(value) if value.startswith("/mentor") else None
        if value.startswith("modal:"):
            modal = (value.removeprefix("modal:"), "")
        elif not value.startswith("/mentor"):
            log.info("ignoring an action without a command: %s", action.get("action_id"))
            return
        if modal is not None:
            refusal = await self._open_modal(
                modal[0], modal[1], str(body["trigger_id"]), actor, client
            )
            if refusal is not None:
                await self._answer_action(body, respond, refusal, actor, client)
            return
        reply = await self.bus.handle_line(
            actor, value, delivery=f"act:{body.get('trigger_id')}:{action.get('action_ts')}"
        )
        if body.get("view", {}).get("type") == "home":
            await self._publish_home(actor, client)
        await self._answer_action(body, respond, reply, actor, client)

    async def _answer_action(
        self,
        body: dict[str, Any],
        respond: Any,
        reply: Reply,
        actor: Actor,
        client: AsyncWebClient,
    ) -> None:
        """Answer a button: where it was pressed, or by DM from the Home tab (which has no
        response_url; only what needs reading: its own view shows the rest)."""
        if body.get("view", {}).get("type") != "home":
            await self._respond(respond, reply, actor, client)
        elif reply.is_error or reply.files:
            await self._dm(actor, reply, client)

    async def _submit(
        self,
        ack: Any,
        body: dict[str, Any],
        view: dict[str, Any],
        build: Callable[[], c.Command],
        client: AsyncWebClient,
    ) -> None:
        """Run a modal's command; a mistake is shown on its field and the modal stays open."""
        actor = parse.actor_of(body)
        # Each submission has its own trigger_id; the view's id and hash stay the same when
        # the form is sent again after a mistake, and that second try must run.
        delivery = f"view:{view.get('id')}:{body.get('trigger_id')}"
        reply = await self.bus.handle_built(actor, build, delivery=delivery)
        if reply.is_error:
            block = parse.block_for_error(str(view.get("callback_id")), reply.field)
            # Escaped like any text Slack may parse; shown under the field.
            await ack(
                response_action="errors",
                errors={block: render.clip(render.escape(reply.text), 300)},
            )
            return
        await ack()
        if not reply.duplicate:
            self._later(self._dm(actor, reply, client))

    async def _dm(self, actor: Actor, reply: Reply, client: AsyncWebClient) -> None:
        """A reply with no response_url (modals, home): as a DM from the bot."""
        channel = await self.notifier.channel_for(
            actor.workspace, PersonAddress("slack", actor.workspace, actor.user_id)
        )
        if channel is None:
            return
        await client.chat_postMessage(
            channel=channel,
            **render.message(reply.text, reply.fields, reply.actions, error=reply.is_error),
        )
        if reply.files:
            await self._send_files(actor, reply, client)

    async def _publish_home(self, actor: Actor, client: AsyncWebClient) -> None:
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
        await client.views_publish(user_id=actor.user_id, view=views.home(sections))

    def web_app(self) -> web.Application:
        """The HTTP-mode aiohttp application (POST /slack/events, signatures verified)."""
        assert self.app is not None
        application = self.app.web_app(path=EVENTS_PATH, port=self.config.slack.port)
        application.middlewares.append(_refuse_malformed_signature_headers)
        return application

    def socket_handler(self) -> Any:
        """The Socket Mode handler (no public URL needed)."""
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        assert self.app is not None and self.config.slack.app_token is not None
        return AsyncSocketModeHandler(
            self.app, self.config.slack.app_token.get_secret_value(), web_client=self.client
        )

    async def close(self) -> None:
        """Finish what follows the acks, send what is queued, then close the core and the
        HTTP session we opened."""
        while self._after_ack:
            await asyncio.gather(*self._after_ack, return_exceptions=True)
        await self.notifier.drain()
        if self._own_session and self.client.session is not None:
            await self.client.session.close()
        if self.core is not None and self._own_core:
            await self.core.close()


SIGNATURE_HEADERS = ("X-Slack-Request-Timestamp", "X-Slack-Signature")
_TIMESTAMP = re.compile(r"[0-9]{1,15}")
_PRINTABLE = re.compile(r"[\x21-\x7e]{1,200}")


@web.middleware
async def _refuse_malformed_signature_headers(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """401 for signature headers no signature check could accept. Bolt's own check crashes on
    them (int() of a timestamp that isn't a number, compare_digest() of a non-ASCII signature)
    and answers 500 with a traceback in the log; missing headers it refuses itself."""
    if request.method == "POST" and request.path == EVENTS_PATH:
        timestamp = request.headers.get(SIGNATURE_HEADERS[0])
        signature = request.headers.get(SIGNATURE_HEADERS[1])
        if (timestamp is not None and not _TIMESTAMP.fullmatch(timestamp)) or (
            signature is not None and not _PRINTABLE.fullmatch(signature)
        ):
            log.info("refused a request with malformed signature headers")
            return web.json_response({"error": "invalid request"}, status=401)
    return await handler(request)


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
            if config.slack.oauth:
                log.info("Slack install page at %s (redirect %s)", INSTALL_PATH, REDIRECT_PATH)
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
