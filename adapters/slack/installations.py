"""Bolt's installation and OAuth state stores, kept in micromentor's own database.

With the install flow (slack.client_id set), every workspace that adds the app gets its own
bot token; Bolt saves it here and finds it again for each request, and the notifier looks it
up to post in that workspace. Only the bot's side is kept: micromentor asks for no user scopes.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.service.platform_store import PlatformStore

log = logging.getLogger(__name__)

# What micromentor needs in a workspace; the same list as adapters/slack/manifest.yml.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "mpim:write",
    "files:write",
    "channels:history",
    "reactions:write",
)


def _key(
    enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool
) -> tuple[str, str]:
    """Where an installation lives: a workspace's by its team id alone (also inside an
    Enterprise Grid org, so the notifier finds it by workspace), an org-wide install by its
    enterprise id."""
    if is_enterprise_install:
        return enterprise_id or "", ""
    return "", team_id or ""


class DbInstallationStore(AsyncInstallationStore):
    """Installations (the bot's token per workspace) in the platform_installations table."""

    def __init__(self, store: PlatformStore) -> None:
        self.store = store

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await self.async_save_bot(installation.to_bot())

    async def async_save_bot(self, bot: Bot) -> None:
        enterprise, team = _key(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        data = json.dumps(bot.to_dict_for_copying(), default=str)
        await self.store.save_installation(enterprise, team, data)
        log.info("installed in Slack workspace %s", team or enterprise)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        data = await self.store.find_installation(
            *_key(enterprise_id, team_id, bool(is_enterprise_install))
        )
        if data is None:
            return None
        fields: dict[str, Any] = json.loads(data)
        return Bot(**fields)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        bot = await self.async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        if bot is None:
            return None
        return Installation(
            app_id=bot.app_id,
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            team_name=bot.team_name,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            user_id=user_id or "",
            is_enterprise_install=bot.is_enterprise_install,
            installed_at=bot.installed_at,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.store.delete_installation(*_key(enterprise_id, team_id, not team_id))
        log.info("uninstalled from Slack workspace %s", team_id or enterprise_id)

    async def async_delete_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        if user_id is None:  # the whole installation; a user's own tokens are never kept
            await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def bot_token(self, team_id: str) -> str | None:
        """The bot token for a workspace, if the app is installed there."""
        bot = await self.async_find_bot(enterprise_id=None, team_id=team_id)
        return None if bot is None else bot.bot_token


class DbStateStore(AsyncOAuthStateStore):
    """The install flow's one-time states, so any process may finish a flow another began."""

    def __init__(
        self, store: PlatformStore, now: Callable[[], int], expiration_seconds: int = 600
    ) -> None:
        self.store = store
        self.now = now
        self.expiration_seconds = expiration_seconds

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        await self.store.issue_state(state, self.now() + self.expiration_seconds)
        return state

    async def async_consume(self, state: str) -> bool:
        return await self.store.consume_state(state, self.now())
