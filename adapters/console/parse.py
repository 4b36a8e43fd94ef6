"""Console input lines: `<user> <command text>`, comments, and `:directives`."""

from __future__ import annotations

import re
from dataclasses import dataclass

_USER = re.compile(r"^[A-Za-z0-9_.@-]{1,40}$")


class ConsoleInputError(Exception):
    """A line the console itself can't read (before the core sees it)."""


@dataclass(frozen=True)
class Blank:
    """Nothing to do: an empty line or a `#` comment."""


@dataclass(frozen=True)
class Directive:
    """`:advance 10m`, `:as mentor2`, `:now`, `:quit`."""

    name: str
    arg: str


@dataclass(frozen=True)
class CommandLine:
    """A command typed by a user."""

    user: str
    text: str


ConsoleInput = Blank | Directive | CommandLine


def is_user_name(text: str) -> bool:
    """Letters, digits, `. _ - @`; at most 40 characters."""
    return bool(_USER.match(text))


def parse_input(line: str, current_user: str | None) -> ConsoleInput:
    """Read one line; `current_user` is who a bare `/mentor ...` is typed as (terminal mode)."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return Blank()
    if stripped.startswith(":"):
        name, _, arg = stripped[1:].partition(" ")
        return Directive(name.lower(), arg.strip())
    first, _, rest = stripped.partition(" ")
    if first.startswith("/"):
        if current_user is None:
            raise ConsoleInputError(
                "Start each line with the user who types it, like `member1 /mentor help`."
            )
        return CommandLine(current_user, stripped)
    if not _USER.match(first):
        raise ConsoleInputError(
            f"`{first[:40]}` is not a user name (letters, digits, . _ - @; at most 40)."
        )
    if not rest.strip():
        raise ConsoleInputError(f"What does {first} type? For example `{first} /mentor help`.")
    return CommandLine(first, rest.strip())
