"""Who counts as present in a session, and what that allows: check-ins across a reschedule,
ending, late check-ins, blind ratings for moderators who took part, kudos, and agreeing to a
proposed time. Through the real bus and sweep, on both engines."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.messages import Actor, ChannelAddress, Reply
from tests.conftest import Harness, HarnessFactory

MOD = {"communities.default.moderators": '["console:mod1"]'}


def shown(reply: Reply) -> str:
    """A reply's text with its fields' values."""
    return " ".join([reply.text, *(f.value for f in reply.fields)])


async def booked_at_noon(make_harness: HarnessFactory) -> Harness:
    """ana asks for Monday 12:00 and m1 takes it: s1 is booked, two hours ahead."""
    h = await make_harness()
    await h.mentor("m1", "python")
    await h.ok("ana", "/mentor ask python --at 12:00 -- a question")
    await h.ok("m1", "/mentor accept r1")
    h.take()
    return h


async def two_mentor_request(make_harness: HarnessFactory, at: str = "") -> Harness:
    """ana asks for two mentors (`--at 15:00` if `at`); m1 and m2 hold python."""
    h = await make_harness()
    await h.mentor("m1", "python")
    await h.mentor("m2", "python")
    when = f"--at {at} " if at else ""
    await h.ok("ana", f"/mentor ask python --mentors 2 {when}-- Two views on my schema")
    return h


async def booked_by_two(make_harness: HarnessFactory) -> Harness:
    """s1 at 15:00 with ana, m1 and m2, all messages so far taken."""
    h = await two_mentor_request(make_harness, "15:00")
    await h.ok("m1", "/mentor accept r1")
    await h.ok("m2", "/mentor accept r1")
    h.take()
    return h


async def second_opinion_without_m2(make_harness: HarnessFactory) -> Harness:
    """s1 has two mentors; ana and m1 check in, m2 never does and is recorded as a no-show."""
    h = await two_mentor_request(make_harness)
    await h.ok("m1", "/mentor accept r1")
    await h.ok("m2", "/mentor accept r1")
    await h.ok("ana", "/mentor checkin s1")
    await h.ok("m1", "/mentor checkin s1")
    await h.wait(timedelta(minutes=10))
    assert any("m2 didn't check in" in m.text for m in h.space(h.take(), 1))
    return h


# -- a reschedule starts the session afresh -------------------------------------------------


async def test_a_check_in_before_a_reschedule_does_not_count_at_the_new_time(
    make_harness: HarnessFactory,
) -> None:
    """ana checks in, then the session moves to tomorrow: tomorrow she is waited for, and
    recorded as a no-show when she doesn't come."""
    h = await booked_at_noon(make_harness)
    await h.wait(timedelta(hours=1, minutes=50))  # 11:50: check-in is open
    await h.ok("ana", "/mentor checkin s1")
    await h.ok("ana", "/mentor reschedule s1 2026-11-24T12:00Z")
    await h.ok("m1", "/mentor reschedule s1 2026-11-24T12:00Z")
    h.take()
    await h.wait(timedelta(hours=23, minutes=55))  # Tuesday 11:45
    await h.ok("m1", "/mentor checkin s1")
    texts = [m.text for m in h.space(h.take(), 1)]
    assert any("waiting for ana" in t for t in texts), texts
    assert not any("Everyone is here" in t for t in texts), texts
    await h.wait(timedelta(minutes=30))
    texts = [m.text for m in h.space(h.take(), 1)]
    assert any("ana didn't check in" in t and "no-show" in t for t in texts), texts


async def test_a_rescheduled_session_can_be_cancelled_after_an_earlier_check_in(
    make_harness: HarnessFactory,
) -> None:
    """m1 checked in before the move; two days ahead of the new time nothing has started."""
    h = await booked_at_noon(make_harness)
    await h.wait(timedelta(hours=1, minutes=50))
    await h.ok("m1", "/mentor checkin s1")
    await h.ok("ana", "/mentor reschedule s1 2026-11-25T12:00Z")
    await h.ok("m1", "/mentor reschedule s1 2026-11-25T12:00Z")
    reply = await h.ok("ana", "/mentor cancel r1")
    assert reply.text.startswith("Cancelled r1"), reply.text


# -- ending needs a check-in -----------------------------------------------------------------


async def test_someone_who_did_not_check_in_cannot_end_the_session(
    make_harness: HarnessFactory,
) -> None:
    """ana never checks in and tries to end s1: refused with the way to check in; the session
    runs on and she is recorded as a no-show."""
    h = await make_harness()
    await h.mentor("m1", "python")
    await h.ok("ana", "/mentor ask python -- q")
    await h.ok("m1", "/mentor accept r1")
    await h.ok("m1", "/mentor checkin s1")
    await h.wait(timedelta(minutes=5))
    refused = await h.say("ana", "/mentor done s1 resolved")
    assert refused.is_error, refused.text
    assert "didn't check in" in refused.text and "`/mentor checkin s1`" in refused.text
    h.take()
    await h.wait(timedelta(minutes=10))
    texts = [m.text for m in h.space(h.take(), 1)]
    assert any("ana didn't check in" in t and "no-show" in t for t in texts), texts


async def test_missed_sessions_cannot_be_escaped_by_ending_them(
    make_harness: HarnessFactory,
) -> None:
    """Twice ana doesn't come and tries to end the session herself: both count as missed, so
    her weekly limit goes down."""
    h = await make_harness()
    await h.mentor("m1", "python")
    for n in (1, 2):
        await h.ok("ana", f"/mentor ask python -- q{n}")
        await h.ok("m1", f"/mentor accept r{n}")
        await h.ok("m1", f"/mentor checkin s{n}")
        await h.wait(timedelta(minutes=5))
        assert (await h.say("ana", f"/mentor done s{n} resolved")).is_error
        await h.wait(timedelta(minutes=10))
    limited = await h.say("ana", "/mentor ask python -- third")
    assert limited.is_error and "missed 2 sessions" in limited.text, limited.text


async def test_a_mentor_recorded_as_a_no_show_cannot_end_the_session(
    make_harness: HarnessFactory,
) -> None:
    h = await second_opinion_without_m2(make_harness)
    refused = await h.say("m2", "/mentor done s1")
    assert refused.is_error and "no-show" in refused.text, refused.text
    await h.ok("ana", "/mentor done s1")


# -- no check-in after the no-show -----------------------------------------------------------


async def test_a_no_show_cannot_check_in_later_nor_rate(make_harness: HarnessFactory) -> None:
    """m2, recorded as a no-show, is told the check-in time is over; once s1 ends, m2 can't
    rate it and ana isn't asked to rate m2."""
    h = await second_opinion_without_m2(make_harness)
    late = await h.say("m2", "/mentor checkin s1")
    assert late.is_error and "check-in time" in late.text and "over" in late.text, late.text
    await h.ok("ana", "/mentor done s1")
    prompts = [m.text for m in h.to(h.take(), "ana") if m.actions]
    assert prompts and not any("m2" in t for t in prompts), prompts
    rated = await h.say("m2", "/mentor rate s1 1 -- I was a no-show but I rate")
    assert rated.is_error, rated.text


# -- blind ratings for a moderator who took part ---------------------------------------------


async def mod1_mentors_ana(make_harness: HarnessFactory) -> Harness:
    """mod1, a moderator who also mentors, holds s1 with ana; ana rates mod1, hidden."""
    h = await make_harness(**MOD)
    await h.mentor("mod1", "python")
    await h.ok("ana", "/mentor ask python -- q")
    await h.ok("mod1", "/mentor accept r1")
    await h.ok("ana", "/mentor checkin s1")
    await h.ok("mod1", "/mentor checkin s1")
    await h.ok("ana", "/mentor done s1")
    await h.ok("ana", "/mentor rate s1 1 -- SECRET-COMMENT")
    return h


async def test_a_moderator_who_took_part_cannot_read_the_hidden_rating(
    make_harness: HarnessFactory,
) -> None:
    """mod1 hasn't rated ana yet: ana's rating stays hidden from mod1's stats until revealed."""
    h = await mod1_mentors_ana(make_harness)
    before = shown(await h.ok("mod1", "/mentor stats @mod1"))
    assert "SECRET-COMMENT" not in before and "1/5" not in before, before
    await h.ok("mod1", "/mentor rate s1 5")
    after = shown(await h.ok("mod1", "/mentor stats @mod1"))
    assert "SECRET-COMMENT" in after and "s1: 1/5" in after, after


async def test_another_moderator_still_sees_every_rating(make_harness: HarnessFactory) -> None:
    h = await make_harness(**{"communities.default.moderators": '["console:mod1", "console:mod2"]'})
    await h.mentor("mod1", "python")
    await h.ok("ana", "/mentor ask python -- q")
    await h.ok("mod1", "/mentor accept r1")
    await h.ok("ana", "/mentor checkin s1")
    await h.ok("mod1", "/mentor checkin s1")
    await h.ok("ana", "/mentor done s1")
    await h.ok("ana", "/mentor rate s1 1 -- SECRET-COMMENT")
    seen = shown(await h.ok("mod2", "/mentor stats @mod1"))
    assert "SECRET-COMMENT" in seen and "s1: 1/5" in seen, seen


async def test_a_moderator_who_took_part_under_a_linked_record_cannot_read_it(
    make_harness: HarnessFactory,
) -> None:
    """Max mentored s1 from his second Slack account, then linked his moderator account into
    that record and unlinked it again: the rating of s1 is still his to wait for."""
    mods = {"communities.default.moderators": '["slack:U-MAX"]'}
    h = await make_harness(**mods)
    moderator = Actor("slack", "T1", "U-MAX", "max")
    mentor = Actor("slack", "T1", "U-MAX2", "max2")

    async def ok(actor: Actor, line: str) -> Reply:
        reply = await h.core.bus.handle_line(actor, line)
        assert not reply.is_error, f"{actor.user_id}: {line!r} failed: {reply.text}"
        return reply

    await ok(mentor, "/mentor skills add python")
    await ok(mentor, "/mentor available for 8h")
    await h.ok("ana", "/mentor ask python -- q")
    await ok(mentor, "/mentor accept r1")
    await h.ok("ana", "/mentor checkin s1")
    await ok(mentor, "/mentor checkin s1")
    await h.ok("ana", "/mentor done s1")
    await h.ok("ana", "/mentor rate s1 1 -- SECRET-COMMENT")
    code = (await ok(mentor, "/mentor link")).text.split("code is ")[1].split(".")[0]
    await ok(moderator, f"/mentor link {code}")
    await ok(moderator, "/mentor unlink")
    seen = shown(await ok(moderator, "/mentor stats @U-MAX2"))
    assert "SECRET-COMMENT" not in seen and "1/5" not in seen, seen


# -- kudos thank those who came --------------------------------------------------------------


async def test_kudos_leave_out_a_mentor_who_never_came(make_harness: HarnessFactory) -> None:
    h = await second_opinion_without_m2(make_harness)
    await h.ok("ana", "/mentor done s1")
    h.take()
    reply = await h.ok("ana", "/mentor kudos s1 -- thanks")
    posts = [m.text for m in h.take() if isinstance(m.to, ChannelAddress)]
    assert "m1" in reply.text and "m2" not in reply.text, reply.text
    assert len(posts) == 1 and "to m1 " in posts[0] and "m2" not in posts[0], posts


# -- agreeing to a proposed time -------------------------------------------------------------


async def test_the_agree_button_agrees_to_a_time_proposed_as_in_2h(
    make_harness: HarnessFactory,
) -> None:
    """m1 proposes `in 2h` half a minute past the minute; ana's Agree button moves s1 to the
    minute the proposal showed."""
    h = await make_harness()
    await h.mentor("m1", "python")
    await h.ok("ana", "/mentor ask python --at 15:00 -- q")
    await h.ok("m1", "/mentor accept r1")
    h.take()
    h.advance(timedelta(seconds=30))  # a real clock is rarely on the minute
    await h.ok("m1", "/mentor reschedule s1 in 2h")
    proposal = [m for m in h.to(h.take(), "ana") if m.actions]
    command = proposal[0].actions[0].command
    assert command == "/mentor reschedule s1 2026-11-23T12:00Z", command
    reply = await h.ok("ana", command)
    assert reply.text.startswith("Agreed: s1 is now at"), reply.text
    sessions = await h.ok("ana", "/mentor sessions")
    assert "12:00" in shown(sessions), shown(sessions)


async def test_a_session_cannot_end_while_someone_may_still_check_in(
    make_harness: HarnessFactory,
) -> None:
    """m1 came and ana hasn't yet: m1 can't end s1 before ana's time to check in is over
    (she would be neither there nor a no-show); after it, she is a no-show and s1 is over."""
    h = await make_harness()
    await h.mentor("m1", "python")
    await h.ok("ana", "/mentor ask python -- q")
    await h.ok("m1", "/mentor accept r1")
    await h.ok("m1", "/mentor checkin s1")
    early = await h.say("m1", "/mentor done s1 resolved")
    assert early.is_error and "ana hasn't checked in to s1 yet" in early.text
    assert "10:10" in early.text  # the deadline, in m1's zone
    await h.wait(timedelta(minutes=11))
    async with h.core.db.transaction() as tx:
        row = await tx.fetch_one("SELECT state, outcome FROM sessions WHERE id = 1")
    assert row is not None and (row["state"], row["outcome"]) == ("no_show", "mentee_no_show")


async def test_two_mentors_cannot_move_a_session_without_its_member(
    make_harness: HarnessFactory,
) -> None:
    """A session with two mentors: m2 agreeing with m1's new time moves nothing; the
    member's yes does. Only the other side is asked."""
    h = await booked_by_two(make_harness)
    await h.ok("m1", "/mentor reschedule s1 2026-11-24T16:00Z")
    asked = h.take()
    assert h.to(asked, "ana") and not h.to(asked, "m2")
    same_side = await h.ok("m2", "/mentor reschedule s1 2026-11-24T16:00Z")
    assert "Agreed" not in same_side.text
    async with h.core.db.transaction() as tx:
        start = await tx.fetch_val("SELECT start_at FROM sessions WHERE id = 1")
    agreed = await h.ok("ana", "/mentor reschedule s1 2026-11-24T16:00Z")
    assert "Agreed" in agreed.text
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT start_at FROM sessions WHERE id = 1") != start


async def test_one_mentor_of_two_withdrawing_leaves_the_session_to_the_other(
    make_harness: HarnessFactory,
) -> None:
    """m2 gives their place back before s1 starts: s1 goes on with ana and m1 (it used to
    end for everyone and go back to routing)."""
    h = await booked_by_two(make_harness)
    left = await h.ok("m2", "/mentor withdraw s1 -- a clash")
    assert "m1 stays" in left.text
    told = [m.text for m in h.to(h.take(), "ana")]
    assert any("m2 withdrew from s1: a clash. m1 stays" in t for t in told), told
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT state FROM sessions WHERE id = 1") == "scheduled"
        people = [
            r["display_name"]
            for r in await tx.fetch(
                "SELECT p.display_name FROM session_participants sp JOIN persons p "
                "ON p.id = sp.person_id WHERE sp.session_id = 1 ORDER BY p.display_name"
            )
        ]
        joined = await tx.fetch_val("SELECT mentors_joined FROM help_requests WHERE id = 1")
    assert people == ["ana", "m1"] and joined == 1
    gone = await h.say("m2", "/mentor checkin s1")
    assert gone.is_error
    h.advance(timedelta(hours=4, minutes=55))  # 14:55, check-in is open
    await h.ok("m1", "/mentor checkin s1")
    await h.ok("ana", "/mentor checkin s1")


async def test_a_mentor_joining_after_the_check_in_deadline_is_not_waited_for(
    make_harness: HarnessFactory,
) -> None:
    """m2 takes the second place of a running session after its check-in deadline: there is
    no deadline left for them, so ana can still end it with her own outcome."""
    h = await two_mentor_request(make_harness)
    await h.ok("m1", "/mentor accept r1")
    await h.ok("ana", "/mentor checkin s1")
    await h.ok("m1", "/mentor checkin s1")
    await h.wait(timedelta(minutes=15))
    await h.ok("m2", "/mentor accept r1")
    await h.ok("ana", "/mentor done s1 resolved")
    async with h.core.db.transaction() as tx:
        row = await tx.fetch_one("SELECT state, outcome FROM sessions WHERE id = 1")
    assert row is not None and (row["state"], row["outcome"]) == ("completed", "resolved")
