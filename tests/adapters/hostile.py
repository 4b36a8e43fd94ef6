"""One hostile text for every front end, and a walk over recorded platform calls that finds
each text the platform would parse."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# Everything a member could type to ping people, forge a link or hide words: Slack's special
# mentions and links, Discord's mentions (ids the length of real ones), masked links, markdown
# and an entity that must stay as typed. No " --", so the text grammar takes it whole.
HOSTILE = (
    "<!channel> <!here> <!everyone> <!subteam^S1|@team> <@U123> <#C1> "
    "<https://evil.example|click> @everyone @here <@123456789012345678> "
    "<@&123456789012345678> <#123456789012345678> </mentor ask:123456789012345678> "
    "<t:1:R> [click](https://evil.example) *bold* __under__ ~~gone~~ ||spoiler|| `tick` "
    "Z&lt;Z &amp;"
)
# A display name a member can choose, with the same tricks.
HOSTILE_NAME = "<!channel> @everyone [eve](https://evil.example)"


def parsed_strings(
    body: Any, unparsed: frozenset[str], plain: Any = None, key: str = ""
) -> Iterator[tuple[str, str]]:
    """(key, text) for every string in a request body the platform would parse: everything
    except the keys named unparsed, and objects `plain(obj)` says are shown as typed. What
    is not known to be safe is checked, so a new kind of field is covered without a change
    here."""
    if isinstance(body, dict):
        if plain is not None and plain(body):
            return
        for k, v in body.items():
            if k not in unparsed:
                yield from parsed_strings(v, unparsed, plain, str(k))
    elif isinstance(body, list):
        for item in body:
            yield from parsed_strings(item, unparsed, plain, key)
    elif isinstance(body, str):
        yield key, body
