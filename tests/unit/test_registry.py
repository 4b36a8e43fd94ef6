"""The command registry: every command declared once, with every part, on every front end."""

from __future__ import annotations

import typing
from typing import Any

import discord
import pytest
from discord import app_commands

from adapters.discord import commands as discord_commands
from adapters.discord.app import DiscordFrontEnd
from adapters.slack import views as slack_views
from bot import grammar, help_text
from bot.domain import commands as c
from bot.domain import events as e
from bot.domain import queries as q
from bot.service.registry import ALIASES, HANDLERS, SPECS, Spec


def _command_classes() -> set[type[Any]]:
    return set(typing.get_args(c.Command))


def test_every_command_has_exactly_one_spec() -> None:
    declared = [s.command for s in SPECS]
    assert sorted(t.__name__ for t in _command_classes()) == sorted(t.__name__ for t in declared)
    assert len(declared) == len(set(declared))


def test_every_command_but_help_and_every_query_and_event_has_a_handler() -> None:
    queries = set(typing.get_args(q.Query))
    events = set(typing.get_args(e.Event))
    assert set(HANDLERS) == (_command_classes() - {c.Help}) | queries | events
    assert [s.command for s in SPECS if s.handler is None] == [c.Help]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.command.__name__)
def test_each_spec_is_typed_as_declared(spec: Spec) -> None:
    """The line the spec gives is read by the grammar as that very command."""
    assert spec.typed.split()[: len(spec.words.split())] == spec.words.split()
    assert type(grammar.parse(spec.typed)) is spec.command


def test_grammar_words_and_help_match_the_specs() -> None:
    first_words = {s.words.split()[0] for s in SPECS}
    mod_words = {s.words.split()[1] for s in SPECS if s.words.startswith("mod ")}
    assert set(grammar.PARSERS) == first_words | set(ALIASES)
    assert set(grammar.MOD_PARSERS) == mod_words
    # Help is by the word typed; aliases are explained under their command.
    assert set(help_text.COMMANDS) == first_words | {"stats"}
    grouped = (
        help_text.MEMBER_COMMANDS
        + help_text.SESSION_COMMANDS
        + help_text.MENTOR_COMMANDS
        + help_text.MODERATOR_COMMANDS
    )
    assert set(grouped) == set(help_text.COMMANDS) - {"help"}


def _discord_paths() -> set[str]:
    client = discord.Client(intents=discord.Intents.none())
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    discord_commands.build(typing.cast(DiscordFrontEnd, object()), tree)
    paths: set[str] = set()

    def walk(node: app_commands.Command[Any, Any, Any] | app_commands.Group) -> None:
        if isinstance(node, app_commands.Group):
            for child in node.commands:
                walk(child)
        else:
            paths.add(node.qualified_name)

    for top in tree.get_commands(type=discord.AppCommandType.chat_input):
        assert isinstance(top, (app_commands.Command, app_commands.Group))
        walk(top)
    return paths


def test_discord_s_message_commands_are_the_ask_about_one() -> None:
    """Besides the slash commands, one message command: it opens the ask form (AskForHelp,
    declared above) on a message."""
    client = discord.Client(intents=discord.Intents.none())
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    discord_commands.build(typing.cast(DiscordFrontEnd, object()), tree)
    menus = tree.get_commands(type=discord.AppCommandType.message)
    assert [m.name for m in menus] == [discord_commands.ASK_ABOUT]
    assert tree.get_commands(type=discord.AppCommandType.user) == []


def test_discord_offers_exactly_the_declared_commands() -> None:
    assert _discord_paths() == {s.discord for s in SPECS}


def test_every_form_exists_on_the_front_ends_with_forms() -> None:
    forms = {s.form for s in SPECS if s.form}
    assert forms == {slack_views.ASK, slack_views.RATE, slack_views.DISPUTE}
    for form in forms:
        assert callable(getattr(DiscordFrontEnd, f"open_{form}_modal"))
    # What the text grammar opens a form for is a declared form of that command.
    assert grammar.form_for("ask") == ("ask", "")
    for spec in SPECS:
        if spec.form in ("rate", "dispute"):
            assert grammar.form_for(f"{spec.words} s1") == (spec.form, "s1")
