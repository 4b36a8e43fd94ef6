"""Unit tests for bot/config.py: TOML file, environment overrides and validation."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import (
    Config,
    ConfigError,
    config_path,
    effective_settings,
    load_config,
    mask_url,
)


def write(tmp_path: Path, text: str, name: str = "micromentor.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path | None, environ: dict[str, str] | None = None) -> str:
    """Load expecting a ConfigError, and return its message."""
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={} if environ is None else environ)
    return str(info.value)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Pin the data directory that effective_settings reads from the process env."""
    directory = tmp_path / "data"
    monkeypatch.setenv("MICROMENTOR_DATA_DIR", str(directory))
    return directory


# -- defaults, file, environment ----------------------------------------------------------


def test_defaults_without_file_or_env() -> None:
    """No file and no env give the built-in defaults."""
    config = load_config(None, environ={})
    assert config.routing.wave_size == 8
    assert config.routing.offer_deadline == timedelta(minutes=60)
    assert config.requests.max_open == 1
    assert list(config.communities) == ["default"]


def test_defaults_have_no_front_ends() -> None:
    """Without tokens no front end is configured."""
    assert load_config(None, environ={}).front_ends() == []


def test_toml_duration_is_read(tmp_path: Path) -> None:
    """`offer_deadline = "15m"` in the file is 15 minutes."""
    path = write(tmp_path, '[routing]\noffer_deadline = "15m"\n')
    config = load_config(path, environ={})
    assert config.routing.offer_deadline == timedelta(minutes=15)
    assert config.routing.wave_size == 8


def test_env_overrides_file(tmp_path: Path) -> None:
    """MICROMENTOR_ROUTING__WAVE_SIZE wins over the file."""
    path = write(tmp_path, "[routing]\nwave_size = 2\n")
    config = load_config(path, environ={"MICROMENTOR_ROUTING__WAVE_SIZE": "5"})
    assert config.routing.wave_size == 5


def test_env_json_list() -> None:
    """A JSON list in the env sets a list value."""
    config = load_config(
        None,
        environ={
            "MICROMENTOR_REQUESTS__SESSION_LENGTHS": "[20, 40]",
            "MICROMENTOR_REQUESTS__DEFAULT_MINUTES": "20",
        },
    )
    assert config.requests.session_lengths == [20, 40]
    assert config.requests.default_minutes == 20


def test_env_without_double_underscore_is_ignored() -> None:
    """MICROMENTOR_CONFIG-like variables are not config keys."""
    config = load_config(None, environ={"MICROMENTOR_WAVE_SIZE": "9"})
    assert config.routing.wave_size == 8


def test_default_minutes_must_be_a_session_length() -> None:
    """default_minutes not among session_lengths is an error naming both."""
    message = config_error(None, {"MICROMENTOR_REQUESTS__SESSION_LENGTHS": "[20, 40]"})
    assert "requests.default_minutes" in message
    assert "requests.session_lengths" in message


# -- errors name the key ------------------------------------------------------------------


def test_unknown_key_names_it_and_lists_allowed(tmp_path: Path) -> None:
    """A misspelt routing key is named, with the keys allowed there."""
    message = config_error(write(tmp_path, "[routing]\nwave_sise = 2\n"))
    assert "routing.wave_sise" in message
    assert "unknown key" in message
    assert "wave_size" in message
    assert "offer_deadline" in message


def test_unknown_key_in_community_names_it(tmp_path: Path) -> None:
    """A misspelt community key is named with its community, listing `name`."""
    message = config_error(write(tmp_path, '[communities.main]\nnmae = "x"\n'))
    assert "communities.main.nmae" in message
    assert "unknown key" in message
    assert "name" in message.split("communities.main.nmae", 1)[1]


def test_unknown_top_level_key(tmp_path: Path) -> None:
    """An unknown section is named, with the sections allowed."""
    message = config_error(write(tmp_path, "[rooting]\nwave_size = 2\n"))
    assert "rooting: unknown key" in message
    assert "routing" in message.split("rooting: unknown key", 1)[1]


def test_error_names_the_file(tmp_path: Path) -> None:
    """A validation error names the file it came from."""
    path = write(tmp_path, "[routing]\nwave_size = 0\n")
    assert str(path) in config_error(path)


def test_bad_value_names_the_key(tmp_path: Path) -> None:
    """`wave_size = 0` is out of range and names routing.wave_size."""
    message = config_error(write(tmp_path, "[routing]\nwave_size = 0\n"))
    assert "routing.wave_size" in message


def test_bad_duration_names_the_key(tmp_path: Path) -> None:
    """A duration that cannot be read names its key."""
    message = config_error(write(tmp_path, '[routing]\noffer_deadline = "soon"\n'))
    assert "routing.offer_deadline" in message
    assert "soon" in message


def test_duration_as_number_is_rejected(tmp_path: Path) -> None:
    """A bare number for a duration asks for text like "10m"."""
    message = config_error(write(tmp_path, "[routing]\noffer_deadline = 10\n"))
    assert "routing.offer_deadline" in message
    assert "10m" in message


def test_duration_out_of_range_names_the_key(tmp_path: Path) -> None:
    """A zero duration is outside 1m..30d."""
    message = config_error(write(tmp_path, '[routing]\navailable_for = "0m"\n'))
    assert "routing.available_for" in message
    assert "between 1m and 30d" in message


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[routing]\nwave_size = "3"\n', "routing.wave_size"),
        ("[routing]\nmax_waves = true\n", "routing.max_waves"),
        ("[routing]\nwave_size = 3.0\n", "routing.wave_size"),
        ('[accountability]\nleaderboard = "yes"\n', "accountability.leaderboard"),
        ('[accountability]\nreliability_prior = "0.5"\n', "accountability.reliability_prior"),
        ('[requests]\nsession_lengths = ["15", "30"]\n', "requests.session_lengths"),
    ],
)
def test_values_of_the_wrong_type_are_refused(tmp_path: Path, toml: str, key: str) -> None:
    """A number written as text, or a switch where a number goes, is a mistake to report."""
    assert key in config_error(write(tmp_path, toml))


def test_a_huge_duration_names_the_key_instead_of_overflowing(tmp_path: Path) -> None:
    """`offer_deadline = "99999999999d"` is one line about that key, not an OverflowError."""
    message = config_error(write(tmp_path, '[routing]\noffer_deadline = "99999999999d"\n'))
    assert "routing.offer_deadline" in message and "at most 3650d" in message


def test_environment_values_take_the_type_of_their_key() -> None:
    """Variables are text: numbers and switches are read as such, ids stay text."""
    config = load_config(
        None,
        environ={
            "MICROMENTOR_ROUTING__WAVE_SIZE": "4",
            "MICROMENTOR_HEALTH__ENABLED": "True",
            "MICROMENTOR_ACCOUNTABILITY__RELIABILITY_PRIOR": "0.5",
            "MICROMENTOR_COMMUNITIES__DEFAULT__DISCORD__GUILD_ID": "123456",
        },
    )
    assert config.routing.wave_size == 4 and config.health.enabled is True
    assert config.accountability.reliability_prior == 0.5
    assert config.communities["default"].discord.guild_id == "123456"


def test_bad_env_value_names_the_key() -> None:
    """A bad value from the env names the key too."""
    message = config_error(None, {"MICROMENTOR_ROUTING__WAVE_SIZE": "lots"})
    assert "routing.wave_size" in message


def test_bad_default_timezone_suggests_a_zone(tmp_path: Path) -> None:
    """A city as the default time zone suggests its IANA name."""
    message = config_error(write(tmp_path, '[mentors]\ndefault_timezone = "berlin"\n'))
    assert "mentors.default_timezone" in message
    assert "Europe/Berlin" in message


# -- tokens and masking -------------------------------------------------------------------


def test_token_env_variables_set_tokens() -> None:
    """DISCORD_TOKEN and SLACK_BOT_TOKEN set the tokens and enable the front ends."""
    config = load_config(
        None, environ={"DISCORD_TOKEN": "disc-secret-1", "SLACK_BOT_TOKEN": "xoxb-secret-2"}
    )
    assert config.discord.token is not None
    assert config.discord.token.get_secret_value() == "disc-secret-1"
    assert config.slack.bot_token is not None
    assert config.slack.bot_token.get_secret_value() == "xoxb-secret-2"
    assert config.front_ends() == ["slack", "discord"]


def test_token_env_wins_over_file(tmp_path: Path) -> None:
    """DISCORD_TOKEN overrides the token written in the file."""
    path = write(tmp_path, '[discord]\ntoken = "from-file"\n')
    config = load_config(path, environ={"DISCORD_TOKEN": "from-env"})
    assert config.discord.token is not None
    assert config.discord.token.get_secret_value() == "from-env"


def test_effective_settings_masks_tokens(data_dir: Path) -> None:
    """Tokens show as ******** and never in clear anywhere."""
    config = load_config(
        None,
        environ={
            "DISCORD_TOKEN": "disc-secret-1",
            "SLACK_BOT_TOKEN": "xoxb-secret-2",
            "SLACK_SIGNING_SECRET": "sign-secret-3",
        },
    )
    settings = effective_settings(config)
    assert settings["discord"]["token"] == "********"
    assert settings["slack"]["bot_token"] == "********"
    assert settings["slack"]["signing_secret"] == "********"
    assert settings["slack"]["app_token"] is None
    dumped = json.dumps(settings)
    for secret in ("disc-secret-1", "xoxb-secret-2", "sign-secret-3"):
        assert secret not in dumped


def test_effective_settings_masks_postgres_password(data_dir: Path) -> None:
    """A password in the storage URL is masked, the user and host kept."""
    config = load_config(
        None, environ={"MICROMENTOR_STORAGE__URL": "postgresql://bob:hunter2@db:5432/app"}
    )
    settings = effective_settings(config)
    assert settings["storage"]["url"] == "postgresql://bob:********@db:5432/app"
    assert "hunter2" not in json.dumps(settings)


def test_effective_settings_default_storage_is_sqlite_in_data_dir(data_dir: Path) -> None:
    """Without a URL the storage is the SQLite file in the data directory."""
    settings = effective_settings(load_config(None, environ={}))
    assert settings["storage"]["url"] == f"sqlite:///{data_dir / 'micromentor.db'}"
    assert settings["data_dir"] == str(data_dir)


def test_effective_settings_durations_are_text(data_dir: Path) -> None:
    """Durations are shown in their short text form."""
    settings = effective_settings(load_config(None, environ={}))
    assert settings["routing"]["offer_deadline"] == "1h"
    assert settings["routing"]["available_for"] == "2h"


def test_mask_url_password_with_at_sign() -> None:
    """A password containing `@` is masked whole."""
    assert mask_url("postgresql://bob:p@ss@db/app") == "postgresql://bob:********@db/app"


def test_mask_url_without_password_is_unchanged() -> None:
    """A URL with a user but no password is left alone."""
    assert mask_url("postgresql://bob@db/app") == "postgresql://bob@db/app"


def test_mask_url_password_in_query() -> None:
    """A password given as a query parameter is masked too."""
    assert "hunter2" not in mask_url("postgresql://bob@db/app?password=hunter2")


def test_token_validation_error_does_not_echo_it(tmp_path: Path) -> None:
    """An invalid token value is not repeated in the error."""
    message = config_error(write(tmp_path, "[discord]\ntoken = 123456789\n"))
    assert "discord.token" in message
    assert "123456789" not in message


def test_rejected_storage_url_does_not_echo_password() -> None:
    """An invalid storage URL's password is not repeated in the error."""
    message = config_error(None, {"MICROMENTOR_STORAGE__URL": "mysql://bob:hunter2@db/app"})
    assert "storage.url" in message
    assert "hunter2" not in message


def test_unknown_storage_scheme_names_the_key() -> None:
    """A storage URL of an unknown scheme names storage.url."""
    message = config_error(None, {"MICROMENTOR_STORAGE__URL": "mysql://db/app"})
    assert "storage.url" in message


# -- communities --------------------------------------------------------------------------


def test_moderators_accept_platform_ids(tmp_path: Path) -> None:
    """`slack:U1` and `console:mod1` are valid moderator entries."""
    path = write(tmp_path, '[communities.main]\nmoderators = ["slack:U1", "console:mod1"]\n')
    config = load_config(path, environ={})
    assert config.communities["main"].moderators == ["slack:U1", "console:mod1"]


@pytest.mark.parametrize("entry", ["U1", "irc:U1", "slack:"])
def test_bad_moderator_entry_names_the_key(tmp_path: Path, entry: str) -> None:
    """A moderator entry not shaped `platform:id` names the key and the shape."""
    path = write(tmp_path, f'[communities.main]\nmoderators = ["{entry}"]\n')
    message = config_error(path)
    assert "communities.main.moderators" in message
    assert "slack:U0123" in message


def test_same_slack_team_in_two_communities_is_an_error(tmp_path: Path) -> None:
    """Two communities may not claim the same Slack workspace."""
    path = write(
        tmp_path,
        '[communities.a.slack]\nteam_id = "T1"\n[communities.b.slack]\nteam_id = "T1"\n',
    )
    message = config_error(path)
    assert "T1" in message
    assert '"a"' in message
    assert '"b"' in message


def test_bad_community_id_is_an_error(tmp_path: Path) -> None:
    """A community id with spaces is refused."""
    message = config_error(write(tmp_path, '[communities."my team"]\nname = "x"\n'))
    assert "my team" in message


def test_console_community_must_exist(tmp_path: Path) -> None:
    """console.community must name a configured community."""
    path = write(tmp_path, '[communities.main]\n[console]\ncommunity = "other"\n')
    message = config_error(path)
    assert "other" in message
    assert "main" in message


def two_communities(tmp_path: Path) -> Config:
    path = write(
        tmp_path,
        '[communities.alpha.slack]\nteam_id = "TA"\n'
        '[communities.beta.slack]\nteam_id = "TB"\n'
        '[communities.beta.discord]\nguild_id = "G1"\n'
        '[console]\ncommunity = "beta"\n',
    )
    return load_config(path, environ={})


def test_community_for_console(tmp_path: Path) -> None:
    """The console acts in console.community."""
    assert two_communities(tmp_path).community_for("console", "anything") == "beta"


def test_community_for_console_defaults_to_first(tmp_path: Path) -> None:
    """Without console.community the console acts in the first community."""
    path = write(tmp_path, "[communities.one]\n[communities.two]\n")
    assert load_config(path, environ={}).community_for("console", "") == "one"


def test_community_for_configured_slack_team(tmp_path: Path) -> None:
    """A configured Slack team maps to its community."""
    config = two_communities(tmp_path)
    assert config.community_for("slack", "TA") == "alpha"
    assert config.community_for("slack", "TB") == "beta"


def test_community_for_configured_discord_guild(tmp_path: Path) -> None:
    """A configured Discord guild maps to its community."""
    assert two_communities(tmp_path).community_for("discord", "G1") == "beta"


def test_community_for_unknown_team_with_two_communities(tmp_path: Path) -> None:
    """An unmapped team is in no community when there are several."""
    assert two_communities(tmp_path).community_for("slack", "TZ") is None


def test_community_for_single_unmapped_community() -> None:
    """With one community and no mapping, every workspace is that community."""
    config = load_config(None, environ={})
    assert config.community_for("slack", "TANY") == "default"
    assert config.community_for("discord", "123") == "default"


def test_community_for_single_mapped_community_rejects_other_team(tmp_path: Path) -> None:
    """A single community mapped to one team does not take in another team."""
    path = write(tmp_path, '[communities.main.slack]\nteam_id = "T1"\n')
    config = load_config(path, environ={})
    assert config.community_for("slack", "T1") == "main"
    assert config.community_for("slack", "T2") is None


# -- config_path and reading the file -----------------------------------------------------


def test_config_path_explicit_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit path beats the env and the local file."""
    write(tmp_path, "")
    monkeypatch.chdir(tmp_path)
    got = config_path("explicit.toml", {"MICROMENTOR_CONFIG": "env.toml"})
    assert got == Path("explicit.toml")


def test_config_path_env_beats_local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """MICROMENTOR_CONFIG beats ./micromentor.toml."""
    write(tmp_path, "")
    monkeypatch.chdir(tmp_path)
    assert config_path(None, {"MICROMENTOR_CONFIG": "env.toml"}) == Path("env.toml")


def test_config_path_local_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """./micromentor.toml is used when it exists."""
    write(tmp_path, "")
    monkeypatch.chdir(tmp_path)
    assert config_path(None, {}) == Path("micromentor.toml")


def test_config_path_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without any of them there is no file."""
    monkeypatch.chdir(tmp_path)
    assert config_path(None, {}) is None


def test_invalid_toml_mentions_the_path(tmp_path: Path) -> None:
    """A TOML syntax error names the file."""
    path = write(tmp_path, "[routing\nwave_size = \n")
    message = config_error(path)
    assert str(path) in message
    assert "not valid TOML" in message


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    """A file that does not exist is a ConfigError naming it."""
    path = tmp_path / "nope.toml"
    message = config_error(path)
    assert str(path) in message
    assert "does not exist" in message


def test_invalid_community_skill_is_a_config_error(tmp_path: Path) -> None:
    """A bad extra skill stops the start with the key named, instead of crashing later."""
    path = tmp_path / "bad.toml"
    path.write_text('[communities.default.skills]\n"not ok" = []\n')
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={})
    assert "communities.default.skills" in str(err.value) and "not ok" in str(err.value)
