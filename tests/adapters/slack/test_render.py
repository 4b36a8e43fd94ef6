"""Block Kit within Slack's limits without breaking the escaping."""

from __future__ import annotations

import re

from adapters.slack.render import MAX_SECTION, blocks, fallback_text
from bot.domain.messages import Field

BROKEN_ENTITY = re.compile(r"&(?!(?:amp|lt|gt);)")


def test_long_text_is_split_and_cut_between_entities() -> None:
    """Sections, fields and the notification text keep each &lt; whole at every cut."""
    for shift in range(6):
        text = "x" * shift + "<" * 4000
        out = blocks(text, (Field("<" * 300, "&" * 4000),), error=True)
        parts = [b["text"]["text"] for b in out] + [fallback_text(text)]
        for part in parts:
            assert len(part) <= MAX_SECTION
            assert not BROKEN_ENTITY.search(part), (shift, part[-12:])
