"""What crosses the core's boundary: who acted, and what the core says back."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.states import PostStatus


@dataclass(frozen=True)
class Actor:
    """A person as a front end saw them: platform identity plus the roles it saw."""

    platform: str
    workspace: str
    user_id: str
    display_name: str
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class PersonAddress:
    """Deliver to one person on one platform."""

    platform: str
    workspace: str
    user_id: str


@dataclass(frozen=True)
class ChannelAddress:
    """Deliver to a community channel: `mentors`, `moderators` or `session:<id>`."""

    community_id: str
    channel: str


@dataclass(frozen=True)
class SessionAddress:
    """Deliver to a session's own space (a console channel, a Slack group DM, a Discord
    thread); `members` lets a front end create the space on first use."""

    community_id: str
    session_id: int
    members: tuple[PersonAddress, ...]


@dataclass(frozen=True)
class PostAddress:
    """Deliver to the thread of a post in a help channel (a Slack message's thread, a
    Discord forum post, a console post), on the platform it was posted on."""

    community_id: str
    platform: str
    workspace: str
    place: str  # the help channel, as its front end names it
    post: str  # the post in it, whose thread is the conversation


Address = PersonAddress | ChannelAddress | SessionAddress | PostAddress


def conversation_key(address: Address) -> str:
    """How front ends name an address in their records (the channel opened for it, the
    messages posted to it): `user:U1`, `session:7`, `channel:mentors`, `post:C1:17.2`."""
    if isinstance(address, PersonAddress):
        return f"user:{address.user_id}"
    if isinstance(address, SessionAddress):
        return f"session:{address.session_id}"
    if isinstance(address, PostAddress):
        return f"post:{address.place}:{address.post}"
    return f"channel:{address.channel}"


@dataclass(frozen=True)
class Attachment:
    """A file sent along with a message, such as an iCalendar invite."""

    filename: str
    content_type: str
    content: str


@dataclass(frozen=True)
class Field:
    """A labelled value shown beside the text (an embed field, a Block Kit field)."""

    label: str
    value: str


@dataclass(frozen=True)
class Action:
    """A button: `id` like `accept:r3`; pressing it is the same as typing `command`."""

    id: str
    label: str
    command: str
    style: str = "default"  # default | primary | danger


@dataclass(frozen=True)
class FormSpec:
    """How to draw a form, from the community's settings and the person's part."""

    form: str
    session: str | None = None
    session_lengths: tuple[int, ...] = ()
    default_minutes: int = 0
    question_max: int = 0
    detail_max: int = 0
    aspects: tuple[str, ...] = ()  # what the rater may rate besides the overall score
    skills: tuple[str, ...] = ()  # skills suggested from the text the ask form starts from


@dataclass(frozen=True)
class Reply:
    """The answer to the person who acted (ephemeral unless said otherwise)."""

    text: str
    fields: tuple[Field, ...] = ()
    actions: tuple[Action, ...] = ()
    ephemeral: bool = True
    is_error: bool = False
    files: tuple[Attachment, ...] = ()
    duplicate: bool = False  # a repeated delivery: nothing was done, nothing to show
    field: str | None = None  # for an error about one input: which (`minutes`, `question`)
    form: FormSpec | None = None  # the answer to DescribeForm
    choices: tuple[str, ...] = ()  # the answer to SuggestSkills


@dataclass(frozen=True)
class OutboundMessage:
    """A message for someone other than the actor.

    `key` names the thing the message is about (`offer:12`); a later message with the same
    key and `update=True` replaces the earlier one in place.
    """

    to: Address
    text: str
    fields: tuple[Field, ...] = ()
    actions: tuple[Action, ...] = ()
    key: str | None = None
    update: bool = False
    files: tuple[Attachment, ...] = ()
    closes_space: bool = False  # the session is over: its space may be archived
    # for a help post's thread: the state the post shows (a reaction, a forum tag)
    status: PostStatus | None = None
    was: PostStatus | None = None  # the state it showed before, if it showed one
    # set: the actions are the options of one select menu, with this placeholder
    menu: str | None = None


@dataclass
class Outcome:
    """What a handler produced: the reply, plus messages to send once the work is committed."""

    reply: Reply
    messages: list[OutboundMessage] = field(default_factory=list)
