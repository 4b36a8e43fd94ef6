"""The console's output: one JSON object a line (`--json`), or readable text."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.domain.messages import (
    Action,
    Address,
    Attachment,
    ChannelAddress,
    Field,
    PersonAddress,
    PostAddress,
    SessionAddress,
)


@dataclass
class Output:
    """One thing the bot sent, as the console shows it."""

    seq: int
    in_line: int
    kind: str  # reply | message | update | error | post (someone's post in a channel)
    id: str
    replaces: str | None
    to: str
    text: str
    fields: tuple[Field, ...] = ()
    actions: tuple[Action, ...] = ()
    ephemeral: bool = False
    files: tuple[Attachment, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    status: str | None = None  # the state a help post shows
    menu: str | None = None  # the actions are one select menu's options

    def as_json(self) -> str:
        return json.dumps(
            {
                "seq": self.seq,
                "in": self.in_line,
                "kind": self.kind,
                "id": self.id,
                "replaces": self.replaces,
                "to": self.to,
                "text": self.text,
                "fields": [{"label": f.label, "value": f.value} for f in self.fields],
                "actions": [
                    {"id": a.id, "label": a.label, "command": a.command} for a in self.actions
                ],
                "ephemeral": self.ephemeral,
                "status": self.status,
                "menu": self.menu,
                "files": [
                    {"name": f.filename, "content_type": f.content_type, "content": f.content}
                    for f in self.files
                ],
            },
            ensure_ascii=False,
        )

    def as_text(self) -> str:
        marker = {
            "reply": "",
            "error": "(error) ",
            "update": "(edit of " + str(self.replaces) + ") ",
            "message": "",
            "post": "",
        }[self.kind]
        lines = [f"[{self.id} -> {self.to}] {marker}{self.text}"]
        if self.status:
            lines.append(f"    (the post is marked {self.status})")
        lines += [f"    {f.label}: {f.value}" for f in self.fields]
        if self.actions and self.menu:
            lines.append(f"    (menu) {self.menu}:")
            lines += [f"      - {a.label}: {a.command}" for a in self.actions]
        elif self.actions:
            lines.append("    " + "  ".join(f"[{a.label}: {a.command}]" for a in self.actions))
        lines += [f"    (file {f.filename}, {len(f.content)} bytes)" for f in self.files]
        return "\n".join(lines)


def address_label(address: Address) -> str:
    """A user id, or `#mentors`, `#moderators`, `#session-s7`, `#help/3` (a post's thread)."""
    if isinstance(address, PersonAddress):
        return address.user_id
    if isinstance(address, SessionAddress):
        return f"#session-s{address.session_id}"
    if isinstance(address, PostAddress):
        return f"#{address.place}/{address.post}"
    assert isinstance(address, ChannelAddress)
    return f"#{address.channel}"
