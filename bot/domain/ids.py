"""Short typed ids people type: requests `r12`, sessions `s7`, help posts `p3`."""

from __future__ import annotations

import re

from bot.domain.errors import InvalidInput

PREFIXES = {"request": "r", "session": "s", "dispute": "d", "post": "p"}
_ID = re.compile(r"^#?([a-z]?)(\d{1,12})$")


def format_id(kind: str, number: int) -> str:
    """`format_id("request", 12)` is `r12`."""
    return f"{PREFIXES[kind]}{number}"


def parse_id(kind: str, text: str) -> int:
    """The number in `r12` (or a bare `12`) for the expected kind; another kind is an error."""
    match = _ID.match(text.strip().lower())
    prefix = PREFIXES[kind]
    if not match:
        raise InvalidInput(
            f"`{text[:20]}` is not a {kind} id.",
            hint=f"{kind.capitalize()} ids look like `{prefix}12`.",
        )
    given, number = match.group(1), int(match.group(2))
    if given and given != prefix:
        other = next((k for k, p in PREFIXES.items() if p == given), None)
        what = f"a {other} id" if other else "not an id I know"
        raise InvalidInput(
            f"`{text[:20]}` is {what}; this command needs a {kind} id.",
            hint=f"{kind.capitalize()} ids look like `{prefix}12`.",
        )
    return number
