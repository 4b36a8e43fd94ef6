"""A batch in the outbox is read back as the very messages staged, whatever their address."""

from __future__ import annotations

from bot.domain.messages import (
    Action,
    ChannelAddress,
    OutboundMessage,
    PersonAddress,
    PostAddress,
    SessionAddress,
    conversation_key,
)
from bot.domain.states import PostStatus
from bot.service.delivery import _CODEC

ANA = PersonAddress("slack", "T1", "U1")


def test_every_kind_of_address_comes_back_as_itself() -> None:
    staged = [
        OutboundMessage(to=ANA, text="a", key="request:1"),
        OutboundMessage(to=ChannelAddress("c", "mentors"), text="b"),
        OutboundMessage(to=SessionAddress("c", 7, (ANA,)), text="c", closes_space=True),
        OutboundMessage(
            to=PostAddress("c", "slack", "T1", "C9", "1712.0001"),
            text="d",
            actions=(Action("cancel:r1", "Cancel", "/mentor cancel r1"),),
            status=PostStatus.TAKEN,
        ),
    ]
    read = _CODEC.validate_json(_CODEC.dump_json(staged))
    assert read == staged
    assert [type(m.to) for m in read] == [type(m.to) for m in staged]
    assert read[3].status is PostStatus.TAKEN


def test_a_post_s_thread_is_its_own_conversation() -> None:
    one = PostAddress("c", "slack", "T1", "C9", "1.1")
    other = PostAddress("c", "slack", "T1", "C9", "1.2")
    assert conversation_key(one) == "post:C9:1.1" != conversation_key(other)
