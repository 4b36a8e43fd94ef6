"""Configuration: a TOML file, environment overrides, validated by pydantic.

Order of precedence, lowest first: built-in defaults, the TOML file, `MICROMENTOR_SECTION__KEY`
environment variables, and the platforms' usual token variables (`DISCORD_TOKEN`, ...).
"""

from __future__ import annotations

import json
import os
import string
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SecretStr,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.domain.errors import InvalidInput
from bot.domain.skills import valid_tag
from bot.domain.timeparse import format_duration, parse_duration, parse_zone

ENV_PREFIX = "MICROMENTOR_"
DEFAULT_FILE = "micromentor.toml"
TOKEN_ENV = {
    ("discord", "token"): "DISCORD_TOKEN",
    ("slack", "bot_token"): "SLACK_BOT_TOKEN",
    ("slack", "app_token"): "SLACK_APP_TOKEN",
    ("slack", "signing_secret"): "SLACK_SIGNING_SECRET",
    ("slack", "client_id"): "SLACK_CLIENT_ID",
    ("slack", "client_secret"): "SLACK_CLIENT_SECRET",
}


class ConfigError(Exception):
    """The configuration is wrong; the message names the key and what is allowed."""


def _duration(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except InvalidInput as exc:
            raise ValueError(f"{exc.message} {exc.hint or ''}".strip()) from exc
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError('write durations as text such as "10m", "2h" or "1d"')
    return value


def _between(low: timedelta, high: timedelta) -> AfterValidator:
    def check(value: timedelta) -> timedelta:
        if not low <= value <= high:
            raise ValueError(f"must be between {format_duration(low)} and {format_duration(high)}")
        return value

    return AfterValidator(check)


_AS_TEXT = PlainSerializer(format_duration, return_type=str)
# Durations written as "10m", "2h", "1d", each kind with the range it may take.
ShortDuration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    _between(timedelta(minutes=1), timedelta(days=30)),
    _AS_TEXT,
]
# A wait that may be none at all: `0m` to a day.
WaitDuration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    _between(timedelta(0), timedelta(days=1)),
    _AS_TEXT,
]
WindowDuration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    _between(timedelta(hours=1), timedelta(days=365)),
    _AS_TEXT,
]
RetentionDuration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    _between(timedelta(days=1), timedelta(days=3650)),
    _AS_TEXT,
]


# Numbers and switches as the file's own types: `wave_size = "3"` or `max_waves = true` is a
# mistake to report, not a value to guess at (environment variables are converted first,
# by the type of the key they set).
Whole = Annotated[int, Strict()]
Real = Annotated[float, Strict()]
Flag = Annotated[bool, Strict()]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class StorageConfig(_Section):
    """Where the data lives."""

    url: str = Field(
        "",
        description='"" for the SQLite file in the data directory, "sqlite:///path/file.db", '
        'or "postgresql://user@host:5432/db"',
    )

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if value and not value.startswith(("sqlite://", "postgresql://", "postgres://")):
            raise ValueError(
                'must be empty, "sqlite:///path/to/file.db" or "postgresql://user@host/db"'
            )
        return value


class LoggingConfig(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class RequestsConfig(_Section):
    """Limits and shapes of help requests."""

    max_open: Whole = Field(1, ge=1, le=20)
    max_per_week: Whole = Field(5, ge=1, le=200)
    session_lengths: list[Whole] = Field(default_factory=lambda: [15, 30, 45])
    default_minutes: Whole = Field(30, ge=5, le=240)
    question_max_chars: Whole = Field(2000, ge=50, le=2900)
    detail_max_chars: Whole = Field(1000, ge=50, le=2900)
    choose_by_default: Flag = False
    choose_window: ShortDuration = timedelta(minutes=10)

    @field_validator("session_lengths")
    @classmethod
    def _lengths(cls, value: list[int]) -> list[int]:
        if not value or any(not 5 <= v <= 240 for v in value):
            raise ValueError("must be a non-empty list of minutes between 5 and 240")
        return sorted(set(value))

    @model_validator(mode="after")
    def _default_is_offered(self) -> RequestsConfig:
        if self.default_minutes not in self.session_lengths:
            raise ValueError(
                f"requests.default_minutes ({self.default_minutes}) must be one of "
                f"requests.session_lengths {self.session_lengths}"
            )
        return self


class RoutingConfig(_Section):
    """How offers go out (docs/commands.md#how-offers-are-routed)."""

    wave_size: Whole = Field(8, ge=1, le=50, description="mentors one wave offers to, at most")
    accept_target: Real = Field(
        0.95, gt=0.0, le=1.0, description="chance someone takes it that a wave aims for"
    )
    offer_deadline: ShortDuration = timedelta(minutes=60)
    wave_every: ShortDuration = timedelta(minutes=2)
    partial_fit_after: WaitDuration = timedelta(0)
    mentors_post_below: Real = Field(0.0, ge=0.0, le=1.0)
    available_for: ShortDuration = timedelta(hours=2)
    recent_offers_window: ShortDuration = timedelta(hours=24)
    max_waves: Whole = Field(3, ge=1, le=50)
    escalate_after: ShortDuration = timedelta(minutes=30)
    request_expiry: ShortDuration = timedelta(hours=24)
    candidate_pool: Whole = Field(50, ge=10, le=1000, description="mentors a wave ranks, about")


class SessionsConfig(_Section):
    """Timing of sessions and ratings."""

    reminder_before_start: ShortDuration = timedelta(minutes=10)
    reminder_before_end: ShortDuration = timedelta(minutes=5)
    checkin_opens_before: ShortDuration = timedelta(minutes=15)
    checkin_grace: ShortDuration = timedelta(minutes=10)
    rating_window: ShortDuration = timedelta(hours=48)
    max_extend_minutes: Whole = Field(30, ge=5, le=120)
    call_link: str = Field(
        "",
        description="a call room for each session whose mentor has no link of their own: an "
        "https address with {token} (a random part, so rooms can't be guessed) and optionally "
        '{session}, e.g. "https://meet.jit.si/micromentor-{session}-{token}"; "" for none',
    )

    @field_validator("call_link")
    @classmethod
    def _call_link(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return ""
        try:
            parts = list(string.Formatter().parse(value))
        except ValueError as exc:
            raise ValueError(f"can't be filled in ({exc})") from None
        fields = [
            (name, spec, conversion) for _, name, spec, conversion in parts if name is not None
        ]
        # Only the bare names: `{token.x}`, `{token:.0}` or `{token!r}` would run code of the
        # format machinery on our values, or shorten the random part.
        if any(
            name not in ("session", "token") or spec or conversion
            for name, spec, conversion in fields
        ):
            raise ValueError("may only use {session} and {token}, as they are")
        if "token" not in {name for name, _, _ in fields}:
            raise ValueError("must have {token}, so a session's room can't be guessed")
        example = value.format(session="s1", token="0" * 16)
        if (
            not example.startswith("https://")
            or len(example) > 300
            or any(ch.isspace() for ch in example)
        ):
            raise ValueError("must be an https:// address of at most 300 characters, no spaces")
        return value


class AccountabilityConfig(_Section):
    """Reputation, reliability, disputes and sanctions (see docs/accountability.md)."""

    reputation_prior_mean: Real = Field(4.0, ge=1.0, le=5.0)
    reputation_prior_weight: Real = Field(5.0, gt=0.0, le=100.0)
    reputation_min_ratings: Whole = Field(3, ge=1, le=100)
    reliability_prior: Real = Field(0.8, ge=0.0, le=1.0)
    reliability_prior_weight: Real = Field(5.0, ge=0.0, le=100.0)
    reliability_window: WindowDuration = timedelta(days=90)
    late_cancel_window: WindowDuration = timedelta(hours=2)
    ignored_offers_before_away: Whole = Field(3, ge=1, le=50)
    member_no_shows_before_limit: Whole = Field(2, ge=1, le=50)
    low_preparedness: Real = Field(2.5, ge=1.0, le=5.0)
    reduced_per_week: Whole = Field(1, ge=0, le=200)
    dispute_window: WindowDuration = timedelta(days=7)
    appeal_window: WindowDuration = timedelta(days=7)
    suspension_days: list[Whole] = Field(default_factory=lambda: [3, 7, 30])
    max_mentors: Whole = Field(3, ge=1, le=10)
    leaderboard: Flag = True

    @field_validator("suspension_days")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        if not value or any(not 1 <= d <= 365 for d in value):
            raise ValueError("must be a non-empty list of days between 1 and 365")
        return value


class PrivacyConfig(_Section):
    """How long personal texts are kept."""

    retention: RetentionDuration = timedelta(days=365)


class LimitsConfig(_Section):
    """Protection against floods."""

    commands_per_minute: Whole = Field(30, ge=0, le=1000, description="per person; 0 = off")


class HealthConfig(_Section):
    """The optional HTTP endpoint with /healthz and /metrics (Prometheus)."""

    enabled: Flag = False
    host: str = "127.0.0.1"
    port: Whole = Field(9100, ge=1, le=65535)


class MentorsConfig(_Section):
    """Defaults for new mentor profiles."""

    default_timezone: str = "UTC"
    default_concurrent: Whole = Field(1, ge=1, le=10)
    default_per_week: Whole = Field(5, ge=1, le=100)

    @field_validator("default_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            return parse_zone(value).key
        except InvalidInput as exc:
            raise ValueError(exc.user_text()) from exc


class CommunitySlack(_Section):
    team_id: str | None = None
    mentors_channel: str | None = None
    moderators_channel: str | None = None
    kudos_channel: str | None = Field(None, description="public thanks; default: mentors")
    help_channels: list[str] = Field(
        default_factory=list,
        description="channel ids whose new messages become help requests (the bot answers in "
        "each message's thread); empty: none",
    )


class CommunityDiscord(_Section):
    guild_id: str | None = None
    mentors_channel_id: str | None = None
    moderators_channel_id: str | None = None
    sessions_channel_id: str | None = Field(
        None, description="parent of the private session threads; default: mentors channel"
    )
    kudos_channel_id: str | None = Field(None, description="public thanks; default: mentors")
    voice_category_id: str | None = Field(
        None,
        description="a category for a voice channel per session (seen only by its people and "
        "the moderators, removed when the session ends); unset: no voice channels",
        pattern=r"^[0-9]{1,20}$",
    )
    help_forum_ids: list[str] = Field(
        default_factory=list,
        description="forum channels whose new posts become help requests (the bot answers in "
        "the post and keeps its tags in step); empty: none",
    )
    help_channel_ids: list[str] = Field(
        default_factory=list,
        description="text channels whose new messages become help requests, answered in a "
        "thread on each (needs discord.message_content); empty: none",
    )

    @field_validator("help_forum_ids", "help_channel_ids")
    @classmethod
    def _snowflakes(cls, value: list[str]) -> list[str]:
        for channel in value:
            if not channel.isdigit() or len(channel) > 20:
                raise ValueError(f'"{channel}" is not a Discord channel id (digits only)')
        return value


class CommunityConfig(_Section):
    """One community: its people with roles, its channels, its own skills."""

    name: str = Field("My community", min_length=1, max_length=80)
    moderators: list[str] = Field(
        default_factory=list, description='"platform:user_id", e.g. "slack:U0123", "console:mod1"'
    )
    moderator_roles: list[str] = Field(
        default_factory=list, description='"platform:role_id", e.g. "discord:123456789"'
    )
    skills: dict[str, list[str]] = Field(
        default_factory=dict, description="extra skills and their aliases"
    )
    slack: CommunitySlack = Field(default_factory=CommunitySlack)
    discord: CommunityDiscord = Field(default_factory=CommunityDiscord)

    @field_validator("skills")
    @classmethod
    def _skill_tags(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for skill, aliases in value.items():
            for tag in (skill, *aliases):
                if not valid_tag(tag):
                    raise ValueError(
                        f'"{tag}" is not a valid skill tag: up to 32 characters of a-z, 0-9 '
                        "and + # . - (like python, c++, node.js)"
                    )
        return value

    @field_validator("moderators", "moderator_roles")
    @classmethod
    def _platform_ids(cls, value: list[str]) -> list[str]:
        for entry in value:
            platform, sep, ident = entry.partition(":")
            if not sep or platform not in ("console", "slack", "discord") or not ident:
                raise ValueError(
                    f'"{entry}" must look like "slack:U0123", "discord:1234" or "console:mod1"'
                )
        return value


class SlackConfig(_Section):
    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    mode: Literal["socket", "http"] = "socket"
    port: Whole = Field(3000, ge=1, le=65535)
    api_base_url: str = "https://slack.com/api/"
    # Many workspaces: the OAuth install flow (HTTP mode) instead of one bot token.
    client_id: str | None = None
    client_secret: SecretStr | None = None
    redirect_uri: str | None = Field(
        None, description="the public address of /slack/oauth_redirect, if Slack has several"
    )
    authorize_url: str = "https://slack.com/oauth/v2/authorize"
    # Slack wants the ack within 3 s; a reply ready before this goes back in the ack itself
    # (no second request through Slack), a later one to the command's response_url.
    reply_in_ack_ms: Whole = Field(
        1000, ge=0, le=2500, description="answer a slash command in its ack if ready by then"
    )

    @property
    def oauth(self) -> bool:
        """Installed in many workspaces through the install flow, with a token for each."""
        return self.client_id is not None

    @field_validator("api_base_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be a web address, like https://slack.com/api/")
        return value if value.endswith("/") else value + "/"


class DiscordConfig(_Section):
    token: SecretStr | None = None
    application_id: str | None = Field(None, description="for invite-url without logging in")
    dev_guild_id: str | None = Field(
        None, description="sync commands to this guild at every start (development only)"
    )
    dm_retry_after: ShortDuration = timedelta(hours=24)
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg/"
    # A privileged intent, switched on in the Developer Portal first: without it the bot
    # reads only a help forum post's title and tags, and help text channels can't be used.
    message_content: Flag = Field(
        False, description="read help posts' text (the Message Content intent must be on)"
    )
    # Discord wants the interaction's callback within 3 s; a reply ready before this is the
    # callback itself, a later one a follow-up after a deferral.
    reply_in_callback_ms: Whole = Field(
        1000, ge=0, le=2500, description="answer an interaction in its callback if ready by then"
    )


class ConsoleConfig(_Section):
    community: str | None = Field(None, description="community the console acts in")
    help_channels: list[str] = Field(
        default_factory=lambda: ["help"],
        description="channels whose posts become help requests (`member1 #help How do I ...`)",
    )


def _default_communities() -> dict[str, CommunityConfig]:
    return {"default": CommunityConfig()}


class Config(_Section):
    """The whole configuration."""

    data_dir: Path | None = None
    storage: StorageConfig = Field(default_factory=StorageConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    requests: RequestsConfig = Field(default_factory=RequestsConfig)
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
    sessions: SessionsConfig = Field(default_factory=SessionsConfig)
    accountability: AccountabilityConfig = Field(default_factory=AccountabilityConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    health: HealthConfig = Field(default_factory=HealthConfig)
    mentors: MentorsConfig = Field(default_factory=MentorsConfig)
    communities: dict[str, CommunityConfig] = Field(default_factory=_default_communities)
    console: ConsoleConfig = Field(default_factory=ConsoleConfig)
    slack: SlackConfig = Field(default_factory=SlackConfig)
    discord: DiscordConfig = Field(default_factory=DiscordConfig)

    @field_validator("communities")
    @classmethod
    def _community_ids(cls, value: dict[str, CommunityConfig]) -> dict[str, CommunityConfig]:
        if not value:
            raise ValueError("at least one community is needed")
        for key in value:
            if not key.replace("-", "").replace("_", "").isalnum() or len(key) > 40:
                raise ValueError(f'community id "{key}" must be letters, digits, - or _')
        seen: dict[tuple[str, str], str] = {}
        for key, community in value.items():
            for platform, ident in (
                ("slack", community.slack.team_id),
                ("discord", community.discord.guild_id),
            ):
                if ident is None:
                    continue
                if (platform, ident) in seen:
                    raise ValueError(
                        f"{platform} workspace {ident} belongs to both "
                        f'"{seen[(platform, ident)]}" and "{key}"'
                    )
                seen[(platform, ident)] = key
        return value

    @model_validator(mode="after")
    def _console_community(self) -> Config:
        if self.console.community is not None and self.console.community not in self.communities:
            raise ValueError(
                f'console.community "{self.console.community}" is not one of the communities: '
                + ", ".join(self.communities)
            )
        return self

    # -- derived values ---------------------------------------------------------------

    def resolved_data_dir(self) -> Path:
        """`data_dir`, else `$MICROMENTOR_DATA_DIR`, else the user's data directory."""
        if self.data_dir is not None:
            return self.data_dir.expanduser()
        env = os.environ.get("MICROMENTOR_DATA_DIR")
        if env:
            return Path(env).expanduser()
        from platformdirs import user_data_dir

        return Path(user_data_dir("micromentor", appauthor=False))

    def storage_url(self) -> str:
        """The storage URL, defaulting to the SQLite file in the data directory."""
        if self.storage.url:
            return self.storage.url
        return f"sqlite:///{self.resolved_data_dir() / 'micromentor.db'}"

    def console_community(self) -> str:
        """The community the console acts in."""
        return self.console.community or next(iter(self.communities))

    def community_for(self, platform: str, workspace: str) -> str | None:
        """Which community a Slack workspace / Discord server / the console belongs to."""
        if platform == "console":
            return self.console_community()
        for key, community in self.communities.items():
            if platform == "slack" and community.slack.team_id == workspace:
                return key
            if platform == "discord" and community.discord.guild_id == workspace:
                return key
        if len(self.communities) == 1:
            # A single-community deployment needs no mapping: everything is that community.
            only = next(iter(self.communities))
            c = self.communities[only]
            if (platform == "slack" and c.slack.team_id is None) or (
                platform == "discord" and c.discord.guild_id is None
            ):
                return only
        return None

    def front_ends(self) -> list[str]:
        """Front ends whose credentials are configured."""
        out = []
        if self.slack.bot_token is not None or self.slack.oauth:
            out.append("slack")
        if self.discord.token is not None:
            out.append("discord")
        return out


def _scalar_type(path: list[str]) -> type | None:
    """int, float or bool if the key at `path` holds one (or a list of them), else None."""
    model: type[BaseModel] = Config
    i = 0
    while i < len(path):
        if model is Config and path[i] == "communities":
            model, i = CommunityConfig, i + 2  # skip the community's own id
            continue
        field = model.model_fields.get(path[i])
        if field is None:
            return None
        annotation = field.annotation
        if i == len(path) - 1:
            return _number_kind(annotation)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model, i = annotation, i + 1
    return None


def _number_kind(annotation: Any) -> type | None:
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation if annotation in (bool, int, float) else None


def _env_value(raw: str, path: list[str]) -> Any:
    """An environment variable's text as the type of the key it sets."""
    stripped = raw.strip()
    if stripped[:1] in ("[", "{") or _scalar_type(path) is not None:
        text = stripped.lower() if stripped.lower() in ("true", "false") else stripped
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return raw
    return raw


def _set_path(data: dict[str, Any], path: list[str], value: Any) -> None:
    node = data
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[path[-1]] = value


def apply_env(data: dict[str, Any], environ: dict[str, str]) -> dict[str, Any]:
    """Overlay `MICROMENTOR_SECTION__KEY` variables and the platforms' token variables."""
    for name, raw in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        path = [p.lower() for p in name[len(ENV_PREFIX) :].split("__") if p]
        if path:
            _set_path(data, path, _env_value(raw, path))
    for (section, key), name in TOKEN_ENV.items():
        if environ.get(name):
            _set_path(data, [section, key], environ[name])
    return data


def config_path(explicit: str | None, environ: dict[str, str]) -> Path | None:
    """Which file to read: `--config`, then `$MICROMENTOR_CONFIG`, then ./micromentor.toml."""
    if explicit:
        return Path(explicit)
    if environ.get("MICROMENTOR_CONFIG"):
        return Path(environ["MICROMENTOR_CONFIG"])
    local = Path(DEFAULT_FILE)
    return local if local.is_file() else None


def load_config(path: Path | None = None, environ: dict[str, str] | None = None) -> Config:
    """Read, overlay and validate; any mistake raises ConfigError naming the key."""
    env = dict(os.environ) if environ is None else environ
    data: dict[str, Any] = {}
    if path is not None:
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {path} does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
        except OSError as exc:
            raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from exc
    apply_env(data, env)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, path)) from None


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    model: type[BaseModel] = Config
    parts = list(loc[:-1])
    i = 0
    while i < len(parts):
        if model is Config and parts[i] == "communities":
            model, i = CommunityConfig, i + 2  # skip the community's own id
            continue
        field = model.model_fields.get(str(parts[i]))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model, i = annotation, i + 1
    return sorted(model.model_fields)


def describe_errors(exc: ValidationError, path: Path | None) -> str:
    """One line per problem, naming the dotted key and what is allowed."""
    where = f" in {path}" if path else ""
    lines = [f"The configuration{where} has {exc.error_count()} problem(s):"]
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(loc)
            lines.append(
                f"  - {key}: unknown key"
                + (f"; allowed here: {', '.join(allowed)}" if allowed else "")
            )
            continue
        msg = err["msg"].removeprefix("Value error, ")
        given = err.get("input")
        shown = "" if isinstance(given, dict | list) or given is None else f" (got {given!r})"
        if any(word in key for word in ("token", "secret")):
            shown = ""
        elif key == "storage.url" and isinstance(given, str):
            shown = f" (got {mask_url(given)!r})"
        lines.append(f"  - {key}: {msg}{shown}")
    lines.append(
        "Environment variables MICROMENTOR_SECTION__KEY override the file; "
        "see docs/configuration.md."
    )
    return "\n".join(lines)


def effective_settings(config: Config) -> dict[str, Any]:
    """The configuration as plain data with every secret masked, for `check-config`."""
    data: dict[str, Any] = config.model_dump(mode="json")
    for section, key in TOKEN_ENV:
        value = getattr(getattr(config, section), key)
        data[section][key] = None if value is None else "********"
    data["data_dir"] = str(config.resolved_data_dir())
    data["storage"]["url"] = mask_url(config.storage_url())
    return data


def mask_url(url: str) -> str:
    """Hide a password inside a DSN, in the user part or a `password=` parameter."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        creds, _, host = netloc.rpartition("@")
        if ":" in creds:
            netloc = f"{creds.split(':', 1)[0]}:********@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, "********" if k.lower() in ("password", "sslpassword") else v) for k, v in pairs],
            safe="*",
        )
    if (netloc, query) == (parts.netloc, parts.query):
        return url  # nothing secret; urlunsplit would also mangle sqlite:////abs/path
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
