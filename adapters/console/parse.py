"""Console input lines: `<user> <command text>`, comments, and `:directives`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

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


PostOp = Literal["new", "edit", "delete", "reply"]


@dataclass(frozen=True)
class PostLine:
    """A post in a console channel: `member1 #help How do I ...` (a new post),
    `member1 #help/3 :edit <text>`, `member1 #help/3 :delete`, or `member1 #help/3 <text>`
    (a reply in its thread)."""

    user: str
    place: str
    post: str | None  # None: a new post
    op: PostOp
    text: str


_POST = re.compile(r"^#([a-z0-9_-]{1,40})(?:/([0-9]{1,20}))?$")
# Whole words only: a reply such as ":deleted the cache, still failing" is a reply.
_OP = re.compile(r":(edit|delete)(?:\s+|$)", re.IGNORECASE)

ConsoleInput = Blank | Directive | CommandLine | PostLine


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
    if rest.startswith("#"):
        return _post_line(first, rest.strip())
    return CommandLine(first, rest.strip())


def _post_line(user: str, rest: str) -> PostLine:
    target, _, text = rest.partition(" ")
    found = _POST.match(target.lower())
    if found is None:
        raise ConsoleInputError(
            f"`{target[:40]}` is not a channel: post like `{user} #help How do I ...`, or in a "
            f"post's thread like `{user} #help/3 thanks!`."
        )
    place, post = found.group(1), found.group(2)
    text = text.strip()
    if post is None:
        if not text:
            raise ConsoleInputError(
                f"What does {user} post? For example `{user} #help How do I ...`."
            )
        return PostLine(user, place, None, "new", text)
    op: PostOp = "reply"
    found_op = _OP.match(text)
    if found_op is not None:
        op = "edit" if found_op.group(1).lower() == "edit" else "delete"
        text = text[found_op.end() :]
    if op in ("edit", "reply") and not text:
        raise ConsoleInputError(
            f"What does {user} write? For example `{user} #{place}/{post} :edit ...`."
        )
    return PostLine(user, place, post, op, text)
