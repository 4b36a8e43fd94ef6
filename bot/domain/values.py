"""Bounded values people type: one checker per kind, used by the command objects themselves.

A command that exists is valid, whichever front end built it: the grammar, Discord's typed
options, a Slack form or a run-time setting all end in a command's constructor, and the
constructor checks every value here. Each refusal is an `InvalidInput` that names the field
(so a form can show it on the right input) and the range it may take.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from bot.domain.errors import InvalidInput
from bot.domain.ids import parse_id
from bot.domain.skills import normalize_tag
from bot.domain.timeparse import format_duration

# Explicit direction formatting (embeddings, overrides, isolates) reorders what a reader
# sees, so a question could display differently from what it says: never kept.
_BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
# Letters that render as nothing (Hangul fillers, the Braille blank, ...): text made only of
# them looks empty, so they don't count as something written.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})
_KEPT_CONTROLS = frozenset("\n\t")


def _visible(char: str) -> bool:
    return char not in _BLANK_LETTERS and unicodedata.category(char) not in _INVISIBLE_CATEGORIES


def clean_text(value: str, *, multiline: bool = True) -> str:
    """Text as stored and shown: NFC, no control or direction-override characters, trimmed."""
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    kept = []
    for char in text:
        if char in _BIDI_CONTROLS:
            continue
        if unicodedata.category(char) == "Cc" and char not in _KEPT_CONTROLS:
            continue
        if not multiline and char in "\n\t":
            char = " "
        kept.append(char)
    return "".join(kept).strip()


def has_visible(text: str) -> bool:
    """Whether a reader would see anything at all in this text."""
    return any(_visible(char) for char in text)


def _refuse(field: str, message: str, hint: str | None = None) -> InvalidInput:
    return InvalidInput(message, hint=hint, field=field)


@dataclass(frozen=True)
class TextField:
    """A free text a person writes (question, note, comment): 1 to `max_chars` characters,
    with something visible in it."""

    field: str
    max_chars: int
    hint: str = "Write it in a few words."
    multiline: bool = True

    def check(self, value: str) -> str:
        """The cleaned text, or a refusal naming the field."""
        if not isinstance(value, str):
            raise _refuse(self.field, f"`{self.field}` must be text.", self.hint)
        text = clean_text(value, multiline=self.multiline)
        if not has_visible(text):
            raise _refuse(self.field, f"`{self.field}` is empty.", self.hint)
        if len(text) > self.max_chars:
            raise _refuse(
                self.field,
                f"`{self.field}` is {len(text)} characters; at most {self.max_chars}.",
                "Shorten it to the essentials.",
            )
        return text

    def check_optional(self, value: str | None) -> str | None:
        """None stays None (not given); anything given is checked like a required text."""
        return None if value is None else self.check(value)


@dataclass(frozen=True)
class IntRange:
    """A whole number from `low` to `high`, inclusive."""

    field: str
    low: int
    high: int
    example: str
    unit: str = ""

    def check(self, value: int) -> int:
        """The number, or a refusal naming the field and its range."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise _refuse(
                self.field,
                f"`{self.field}` must be a whole number.",
                f"For example {self.example}.",
            )
        if not self.low <= value <= self.high:
            unit = f" {self.unit}" if self.unit else ""
            shown = str(value) if abs(value) < 10**9 else "that"
            raise _refuse(
                self.field,
                f"`{self.field}` must be from {self.low} to {self.high}{unit}; {shown} is not.",
                f"For example {self.example}.",
            )
        return value


@dataclass(frozen=True)
class DurationRange:
    """A duration from `low` to `high`, inclusive."""

    field: str
    low: timedelta
    high: timedelta
    example: str

    def check(self, value: timedelta) -> timedelta:
        """The duration, or a refusal naming the field and its range."""
        if not isinstance(value, timedelta):
            raise _refuse(self.field, f"`{self.field}` must be a duration.", self.example)
        if not self.low <= value <= self.high:
            raise _refuse(
                self.field,
                f"`{self.field}` must be from {format_duration(self.low)} to "
                f"{format_duration(self.high)}; {format_duration(value)} is not.",
                f"For example {self.example}.",
            )
        return value


@dataclass(frozen=True)
class Choice:
    """One word out of a fixed set."""

    field: str
    options: tuple[str, ...]

    def check(self, value: str) -> str:
        """The option, lowercased, or a refusal listing the options."""
        word = clean_text(str(value), multiline=False).lower()
        if word not in self.options:
            raise _refuse(
                self.field,
                f"`{word[:20]}` is not a valid `{self.field}`.",
                f"Use one of {', '.join(self.options)}.",
            )
        return word


@dataclass(frozen=True)
class SkillList:
    """One to `max_items` skill tags, each normalised (`#Python,` is `python`)."""

    field: str
    max_items: int
    example: str

    def check(self, tags: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """The tags, normalised and without repeats, or a refusal naming the field."""
        out: list[str] = []
        for raw in tags:
            for part in clean_text(str(raw), multiline=False).replace(",", " ").split():
                tag = normalize_tag(part)
                if not tag or not has_visible(tag):
                    continue
                if len(tag) > 40:
                    raise _refuse(
                        self.field,
                        f"`{tag[:40]}…` is too long for a skill (at most 40 characters).",
                        f"For example {self.example}.",
                    )
                if tag not in out:
                    out.append(tag)
        if not out:
            raise _refuse(
                self.field, "Which skills? None were given.", f"For example {self.example}."
            )
        if len(out) > self.max_items:
            noun = "skill" if self.max_items == 1 else "skills"
            raise _refuse(
                self.field,
                f"Give at most {self.max_items} {noun} ({len(out)} were given).",
                "The more precise the skills, the better the match.",
            )
        return tuple(out)


# @name (console), <@U123> or <@U123|name> (Slack), <@123> or <@!123> (Discord)
MENTION = re.compile(r"^(?:<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>|@?([A-Za-z0-9_.@-]{1,80}))$")


def is_whole_number(text: str) -> bool:
    """ASCII digits only: `isdigit` also accepts `²`, which int() refuses."""
    return text.isascii() and text.isdigit()


def as_number(text: str) -> int:
    """A checked run of digits as a number; a very long one becomes a number no range
    admits, so the command refuses it with its range (int() of thousands of digits is slow,
    and refused by Python past 4300)."""
    digits = text.lstrip("0") or "0"
    return int(digits) if len(digits) <= 9 else 10**9


def whole_number(value: object, field: str) -> int:
    """A value a form sent as a number; anything else (a forged payload) is refused."""
    text = str(value)
    if not is_whole_number(text):
        raise _refuse(field, f"`{field}` must be a number.")
    return as_number(text)


def mention(value: str, field: str = "who") -> str:
    """A mention of one person, as a front end writes it."""
    text = clean_text(str(value), multiline=False)
    if not MENTION.match(text):
        raise _refuse(
            field, f"`{text[:40]}` is not a mention of a person.", "Mention them like `@mentor2`."
        )
    return text


def item_id(kind: str, value: str, field: str | None = None) -> str:
    """A request, session or dispute id (`r12`, `s7`, `d3`); kept as typed once checked."""
    text = clean_text(str(value), multiline=False)
    try:
        parse_id(kind, text)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, hint=exc.hint, field=field or kind) from None
    return text


def optional_item_id(kind: str, value: str | None, field: str | None = None) -> str | None:
    """None (the person's only one) or a checked id."""
    return None if value is None else item_id(kind, value, field)


MAX_LINK = 300


def web_link(value: str, field: str = "url") -> str:
    """An http(s) address with a host, such as a call link."""
    url = clean_text(str(value), multiline=False).strip("<>")
    hint = "For example `https://meet.example.com/abc`."
    if len(url) > MAX_LINK:
        raise _refuse(field, f"A link can be at most {MAX_LINK} characters.", hint)
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
        parts = None
    if (
        parts is None
        or parts.scheme not in ("https", "http")
        or not host
        or any(not _visible(ch) or ch.isspace() for ch in url)
    ):
        raise _refuse(field, "A link must be a web address such as https://host/path.", hint)
    return url


def link_code(value: str) -> str:
    """A one-time code of `/mentor link` (letters and digits)."""
    code = clean_text(str(value), multiline=False).upper()
    if not code.isascii() or not code.isalnum() or not 4 <= len(code) <= 20:
        raise _refuse(
            "code",
            f"`{code[:20]}` is not a link code.",
            "Codes are letters and digits, like `ABCD234567`; get one with `/mentor link`.",
        )
    return code
