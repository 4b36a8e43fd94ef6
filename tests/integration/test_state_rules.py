"""One table of session and request states, through the real bus on both engines."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.messages import PersonAddress
from tests.conftest import Harness


async def cancelled_session(h: Harness) -> None:
    """ana books m1 for tomorrow, then calls it off: s1 is cancelled by the member."""
    await h.mentor("m1", "python")
    await h.ok("ana", "/mentor ask python --at tomorrow 14:00 -- q")
    await h.ok("m1", "/mentor accept r1")
    await h.ok("ana", "/mentor cancel r1")
    h.take()


async def test_a_session_the_member_cancelled_cannot_be_disputed(harness: Harness) -> None:
    """docs/accountability.md: not one the member cancelled; nothing is stored."""
    await cancelled_session(harness)
    for who in ("ana", "m1"):
        reply = await harness.say(who, "/mentor dispute s1 -- it was bad")
        assert reply.is_error
        assert "s1 was cancelled by the member, so there is nothing to dispute" in reply.text
    async with harness.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT COUNT(*) FROM disputes") == 0


async def test_a_cancelled_session_cannot_be_moved_and_says_why(harness: Harness) -> None:
    """Not "it has already started": it was cancelled."""
    await cancelled_session(harness)
    reply = await harness.say("m1", "/mentor reschedule s1 tomorrow 18:00")
    assert reply.is_error
    assert reply.text.startswith("s1 was cancelled by the member, so it can't be moved.")


async def test_a_no_show_session_says_there_is_nothing_to_rate(harness: Harness) -> None:
    """Not "you can rate it once it has ended": it ended, as a no-show."""
    h = harness
    await h.mentor("m1", "python")
    await h.ok("ana", "/mentor ask python -- q")
    await h.ok("m1", "/mentor accept r1")
    await h.wait(timedelta(minutes=15))
    reply = await h.say("ana", "/mentor rate s1 5")
    assert reply.is_error
    assert "s1 was a no-show (not everyone checked in), so there is nothing to rate" in reply.text
    extend = await h.say("ana", "/mentor extend s1 15")
    assert "s1 was a no-show" in extend.text and "can't be extended" in extend.text


async def test_in_a_second_opinion_each_confirmation_replaces_its_own_prompt(
    harness: Harness,
) -> None:
    """ana rates m1: the message that replaces a prompt is the m1 prompt, not the m2 one."""
    h = harness
    for name in ("m1", "m2"):
        await h.mentor(name, "python")
    await h.ok("ana", "/mentor ask python --mentors 2 -- two views")
    await h.ok("m1", "/mentor accept r1")
    await h.ok("m2", "/mentor accept r1")
    for who in ("ana", "m1", "m2"):
        await h.ok(who, "/mentor checkin s1")
    h.take()
    await h.ok("ana", "/mentor done s1")
    prompts = [m for m in h.to(h.take(), "ana") if m.key and m.key.startswith("rate:")]
    by_name = {("m1" if "with m1" in m.text else "m2"): m.key for m in prompts}
    assert len(set(by_name.values())) == 2
    await h.ok("ana", "/mentor rate s1 @m1 5")
    confirmation = next(m for m in h.to(h.take(), "ana") if m.update)
    assert confirmation.key == by_name["m1"] and "You rated m1" in confirmation.text
    await h.ok("ana", "/mentor rate s1 @m2 4")
    confirmation = next(m for m in h.to(h.take(), "ana") if m.update)
    assert confirmation.key == by_name["m2"] and "You rated m2" in confirmation.text


async def test_open_shows_accept_buttons_only_where_accept_would_work(harness: Harness) -> None:
    """A request needing a skill m1 lacks is listed without a button; a blocked member's
    request isn't listed at all; a request m1 can take has its button."""
    h = harness
    await h.mentor("m1", "python")
    await h.ok("bob", "/mentor block @m1")
    await h.ok("bob", "/mentor ask python -- from bob")
    await h.ok("ana", "/mentor ask sql -- from ana")
    await h.ok("cy", "/mentor ask python -- from cy")
    python = await h.ok("m1", "/mentor open python")
    assert "from bob" not in python.text and "from cy" in python.text
    assert [a.command for a in python.actions] == ["/mentor accept r3"]
    sql = await h.ok("m1", "/mentor open sql")
    assert "from ana" in sql.text and "can't take this one" in sql.text
    assert sql.actions == ()
    refused = await h.say("m1", "/mentor accept r2")
    assert refused.is_error  # the rule the button follows is the rule accept follows
    addressed = [m for m in h.take() if isinstance(m.to, PersonAddress)]
    assert all(m.to.user_id != "m1" or "bob" not in m.text for m in addressed)
