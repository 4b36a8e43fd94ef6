"""What front ends report of what people did on the platform without typing a command: a
post in a help channel, its edit, its removal. Like commands they run through the bus in
one transaction, acted by the post's author; they have no words, so no help or grammar."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import values as v
from bot.domain.errors import InvalidInput

# A post can be longer than any question: this much of it is kept (the rest is behind the
# link back to the post).
MAX_TEXT = 4000
MAX_TAGS = 10
_PLACE = v.TextField("place", 200, "The help channel's id.", multiline=False)


def _text(value: str) -> str:
    text = v.clean_text(value[: MAX_TEXT * 2])[:MAX_TEXT].strip()
    if not v.has_visible(text):
        raise InvalidInput(
            "There is no text in that post to ask about.",
            hint="Write your question in the post, or ask with `/mentor ask <skills> -- ...`.",
            field="question",
        )
    return text


@dataclass(frozen=True)
class NewPost:
    """A new post in a help channel: a help request from its author, or a draft that waits
    for them to say which skills it is about. `tags` are the post's own labels (a forum's
    tags), read as skills where they are ones."""

    place: str
    post: str
    text: str
    tags: tuple[str, ...] = ()
    link: str | None = None  # back to the post, shown to mentors
    # only the post's title and tags could be read (Discord without Message Content)
    title_only: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "place", _PLACE.check(self.place))
        object.__setattr__(self, "post", _PLACE.check(self.post))
        object.__setattr__(self, "text", _text(self.text))
        tags = tuple(v.clean_text(t, multiline=False)[:40] for t in self.tags[:MAX_TAGS])
        object.__setattr__(self, "tags", tuple(t for t in tags if t))
        if self.link is not None:
            # The platform's own link back to the post: one we can't use is left out, and
            # the post still asks.
            try:
                object.__setattr__(self, "link", v.web_link(self.link, "about"))
            except InvalidInput:
                object.__setattr__(self, "link", None)


@dataclass(frozen=True)
class PostEdited:
    """The author changed the post's text: its draft or open request follows."""

    place: str
    post: str
    text: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "place", _PLACE.check(self.place))
        object.__setattr__(self, "post", _PLACE.check(self.post))
        object.__setattr__(self, "text", _text(self.text))


@dataclass(frozen=True)
class PostRemoved:
    """The post is gone: its draft or open request is called off."""

    place: str
    post: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "place", _PLACE.check(self.place))
        object.__setattr__(self, "post", _PLACE.check(self.post))


Event = NewPost | PostEdited | PostRemoved
