"""The session lifecycle in time, through the real bus and sweep, on both engines."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.messages import OutboundMessage, PersonAddress
from tests.conftest import Harness, HarnessFactory

MOD = {"communities.default.moderators": '["console:mod1"]'}


def users(messages: list[OutboundMessage]) -> list[str]:
    return sorted(m.to.user_id for m in messages if isinstance(m.to, PersonAddress))


def offers_in(messages: list[OutboundMessage]) -> list[OutboundMessage]:
    """New offers (not edits of earlier ones)."""
    return [m for m in messages if m.key and m.key.startswith("offer:") and not m.update]


# One mentor a wave, and the next wave only once it is answered or expires (10 minutes).
ONE_AT_A_TIME = {
    "routing.wave_size": 1,
    "routing.offer_deadline": "10m",
    "routing.wave_every": "1h",
}


async def one_wave_harness(make_harness: HarnessFactory, **extra: object) -> Harness:
    h = await make_harness(**{**ONE_AT_A_TIME, **MOD, **extra})
    for name in ("m1", "m2", "m3"):
        await h.mentor(name, "python")
    h.take()
    return h


async def session_now(h: Harness) -> None:
    """ana asks, m1 takes it at once: session s1 is active."""
    await h.mentor("m1", "python")
    await h.ok("ana", "/mentor ask python -- a question")
    await h.ok("m1", "/mentor accept r1")
    h.take()


# -- waves and escalation -------------------------------------------------------------------


async def test_a_decline_sends_the_next_wave_to_someone_new(make_harness: HarnessFactory) -> None:
    """Declining the only offer of a wave offers the request to the next mentor at once."""
    h = await one_wave_harness(make_harness)
    await h.ok("ana", "/mentor ask python -- q")
    first = users(offers_in(h.take()))
    assert len(first) == 1
    await h.ok(first[0], "/mentor decline r1")
    second = users(offers_in(h.take()))
    assert len(second) == 1 and second != first


async def test_a_deadline_expires_the_offer_and_sends_the_next_wave(
    make_harness: HarnessFactory,
) -> None:
    """Nobody answers in 10 minutes: the offer is edited to 'expired', the next wave goes."""
    h = await one_wave_harness(make_harness)
    await h.ok("ana", "/mentor ask python -- q")
    first = offers_in(h.take())
    await h.wait(timedelta(minutes=9))
    assert h.take() == []
    await h.wait(timedelta(minutes=1))
    sent = h.take()
    expired = [m for m in sent if m.update and m.key == first[0].key]
    assert expired and "expired" in expired[0].text and expired[0].actions == ()
    assert len(offers_in(sent)) == 1 and users(offers_in(sent)) != users(first)


async def test_after_the_last_wave_it_goes_to_mentors_then_moderators(
    make_harness: HarnessFactory,
) -> None:
    """Three waves time out, then #mentors; 30 minutes later #moderators; nobody twice."""
    h = await one_wave_harness(make_harness)
    await h.ok("ana", "/mentor ask python -- q")
    offered = users(offers_in(h.take()))
    for _ in range(2):
        await h.wait(timedelta(minutes=10))
        offered += users(offers_in(h.take()))
    assert sorted(offered) == ["m1", "m2", "m3"]
    await h.wait(timedelta(minutes=10))
    sent = h.take()
    assert offers_in(sent) == []
    posts = h.channel(sent, "mentors")
    assert len(posts) == 1 and posts[0].actions[0].command == "/mentor accept r1"
    await h.wait(timedelta(minutes=29))
    assert h.channel(h.take(), "moderators") == []
    await h.wait(timedelta(minutes=1))
    mod_posts = h.channel(h.take(), "moderators")
    assert len(mod_posts) == 1 and "/mentor mod assign r1" in mod_posts[0].text


async def test_nobody_available_posts_to_mentors_at_once(harness: Harness) -> None:
    """With no mentor available there is no point in waves: #mentors right away."""
    h = harness
    await h.ok("ana", "/mentor ask python -- q")
    assert len(h.channel(h.take(), "mentors")) == 1


async def test_taking_it_from_the_mentors_channel_edits_the_post(harness: Harness) -> None:
    """A mentor who wasn't offered it accepts from #mentors; the post is edited in place."""
    h = harness
    await h.ok("ana", "/mentor ask python -- q")
    post = h.channel(h.take(), "mentors")[0]
    await h.mentor("late", "python", available=False)
    await h.ok("late", "/mentor accept r1")
    edits = [m for m in h.channel(h.take(), "mentors") if m.update]
    assert edits and edits[0].key == post.key and "taken by late" in edits[0].text


async def test_a_request_nobody_takes_expires_kindly(make_harness: HarnessFactory) -> None:
    """After 24h the member is told, with what to try and when mentors are usually around."""
    h = await make_harness()
    await h.mentor("evening", "python", available=False)
    await h.ok("evening", "/mentor profile hours mon-fri 18:00-20:00")
    await h.ok("ana", "/mentor ask python -- q")
    h.take()
    await h.wait(timedelta(hours=7))  # 17:00: the evening mentor gets nothing, it isn't live
    h.take()
    await h.wait(timedelta(hours=17))
    sent = h.to(h.take(), "ana")
    assert len(sent) == 1 and "expired" in sent[0].text
    assert "18:00" in sent[0].text  # when mentors of python are usually around
    reply = await h.say("evening", "/mentor accept r1")
    assert reply.is_error and "expired" in reply.text


async def test_moderator_assigns_and_closes(make_harness: HarnessFactory) -> None:
    """Only moderators; assign makes a session and tells the mentor; close tells the member."""
    h = await make_harness(**MOD)
    await h.mentor("m1", "python", available=False)
    await h.ok("ana", "/mentor ask python -- q")
    await h.ok("bob", "/mentor ask python -- q2")
    h.take()
    denied = await h.say("m1", "/mentor mod assign r1 @m1")
    assert denied.is_error and "Only moderators" in denied.text
    unknown = await h.say("mod1", "/mentor mod assign r1 @nobody")
    assert unknown.is_error and "don't know" in unknown.text
    await h.ok("mod1", "/mentor-mod assign r1 @m1")
    sent = h.take()
    assert any("assigned you r1" in m.text for m in h.to(sent, "m1"))
    assert any("was assigned to your request r1" in m.text for m in h.to(sent, "ana"))
    await h.ok("mod1", "/mentor mod close r2 -- Please ask again on Monday.")
    note = h.to(h.take(), "bob")
    assert note and "Please ask again on Monday." in note[0].text
    again = await h.say("mod1", "/mentor mod close r2 -- twice")
    assert again.is_error


# -- sessions -------------------------------------------------------------------------------


async def test_a_now_session_runs_from_check_in_to_the_time_box(harness: Harness) -> None:
    """Space intro, check-ins, the end reminder, the end by itself, rating prompts."""
    h = harness
    await h.mentor("m1", "python")
    await h.ok("ana", "/mentor ask python -- q")
    await h.ok("m1", "/mentor accept r1")
    intro = h.space(h.take(), 1)
    assert intro and "starts now" in intro[0].text
    assert [a.command for a in intro[0].actions] == ["/mentor checkin s1"]
    await h.ok("ana", "/mentor checkin")
    assert "waiting for m1" in h.space(h.take(), 1)[0].text
    await h.ok("m1", "/mentor checkin s1")
    assert "Everyone is here" in h.space(h.take(), 1)[0].text
    again = await h.ok("m1", "/mentor checkin s1")
    assert "already" in again.text
    await h.wait(timedelta(minutes=25))
    reminder = h.space(h.take(), 1)
    assert len(reminder) == 1 and "5 min left" in reminder[0].text
    await h.wait(timedelta(minutes=5))
    sent = h.take()
    assert "ended (timebox)" in h.space(sent, 1)[0].text
    prompts = [m for m in sent if m.key and m.key.startswith("rate:")]
    assert users(prompts) == ["ana", "m1"] and all(len(m.actions) == 5 for m in prompts)


async def test_done_records_the_outcome_and_only_participants_may(harness: Harness) -> None:
    """Either side ends it with an outcome; an outsider can't; it can't end twice."""
    h = harness
    await session_now(h)
    outsider = await h.say("eve", "/mentor done s1")
    assert outsider.is_error and "don't take part" in outsider.text
    bad = await h.say("ana", "/mentor done s1 great")
    assert bad.is_error and "resolved" in bad.text
    await h.ok("ana", "/mentor checkin s1")
    # not while m1 may still check in: they would be neither there nor a no-show
    early = await h.say("ana", "/mentor done s1 partial")
    assert early.is_error and "m1 hasn't checked in to s1 yet" in early.text
    await h.ok("m1", "/mentor checkin s1")
    await h.ok("ana", "/mentor done s1 partial")
    async with h.core.db.transaction() as tx:
        row = await tx.fetch_one("SELECT state, outcome FROM sessions WHERE id = 1")
    assert row is not None and (row["state"], row["outcome"]) == ("completed", "partial")
    twice = await h.say("m1", "/mentor done s1")
    assert twice.is_error


async def test_a_scheduled_session_comes_with_an_invite_and_reminders(harness: Harness) -> None:
    """--at: .ics on accept, check-in not before it opens, reminder, start on time."""
    h = harness
    await h.mentor("m1", "python")
    await h.ok("m1", "/mentor profile hours mon 17:00-20:00")
    await h.ok("ana", "/mentor ask python --at 18:00 -- later please")
    accept = await h.ok("m1", "/mentor accept r1")
    assert accept.files and accept.files[0].content_type == "text/calendar"
    ics = accept.files[0].content
    assert "BEGIN:VCALENDAR" in ics and "DTSTART:20261123T180000Z" in ics
    sent = h.take()
    assert any(m.files for m in h.to(sent, "ana"))
    early = await h.say("ana", "/mentor checkin s1")
    assert early.is_error and "opens at" in early.text
    await h.wait(timedelta(hours=7, minutes=49))
    assert h.space(h.take(), 1) == []
    await h.wait(timedelta(minutes=1))
    reminder = h.space(h.take(), 1)
    assert len(reminder) == 1 and "Reminder" in reminder[0].text
    await h.ok("ana", "/mentor checkin s1")
    await h.wait(timedelta(minutes=10))
    start = h.space(h.take(), 1)
    assert any("starts now" in m.text for m in start)


async def test_a_mentor_no_show_sends_the_request_back_to_routing(harness: Harness) -> None:
    """The member checked in, the mentor didn't: recorded, told, and offered to another."""
    h = harness
    await h.mentor("m1", "python")
    await h.ok("ana", "/mentor ask python -- q")
    await h.ok("m1", "/mentor accept r1")
    await h.mentor("m2", "python")
    h.take()
    await h.ok("ana", "/mentor checkin")
    h.take()
    await h.wait(timedelta(minutes=10))
    sent = h.take()
    notice = h.space(sent, 1)
    assert notice and "m1 didn't check in" in notice[0].text and "another mentor" in notice[0].text
    assert users(offers_in(sent)) == ["m2"]
    async with h.core.db.transaction() as tx:
        assert (
            await tx.fetch_val(
                "SELECT no_show FROM session_participants WHERE session_id = 1 AND role = 'mentor'"
            )
            == 1
        )
    await h.ok("m2", "/mentor accept r1")
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT COUNT(*) FROM sessions WHERE request_id = 1") == 2


async def test_a_mentee_no_show_frees_the_mentor(harness: Harness) -> None:
    """The mentor came, the member didn't: the session closes and the mentor can take more."""
    h = harness
    await session_now(h)
    await h.ok("m1", "/mentor checkin")
    h.take()
    await h.wait(timedelta(minutes=10))
    notice = h.space(h.take(), 1)
    assert notice and "ana didn't check in" in notice[0].text
    await h.ok("bob", "/mentor ask python -- q2")
    assert users(offers_in(h.take())) == ["m1"]


async def test_withdraw_before_the_start_reroutes_and_tells_the_member(harness: Harness) -> None:
    """Only the mentor, only before anyone checked in; the request goes to others."""
    h = harness
    await session_now(h)
    await h.mentor("m2", "python")
    h.take()
    member = await h.say("ana", "/mentor withdraw s1")
    assert member.is_error and "Only the mentor" in member.text
    await h.ok("m1", "/mentor withdraw s1 -- sorry, an outage at work")
    sent = h.take()
    told = h.to(sent, "ana")
    assert told and "an outage at work" in told[0].text
    assert users(offers_in(sent)) == ["m2"]


async def test_withdraw_after_a_check_in_is_refused(harness: Harness) -> None:
    """Once someone checked in the session has started."""
    h = harness
    await session_now(h)
    await h.ok("ana", "/mentor checkin")
    reply = await h.say("m1", "/mentor withdraw")
    assert reply.is_error and "already started" in reply.text


async def test_reschedule_needs_both_and_moves_every_timer(harness: Harness) -> None:
    """A proposal waits for the same time from the other side; old reminders don't fire."""
    h = harness
    await h.mentor("m1", "python")
    await h.ok("m1", "/mentor profile hours mon 17:00-20:00")
    await h.ok("ana", "/mentor ask python --at 18:00 -- q")
    await h.ok("m1", "/mentor accept r1")
    h.take()
    proposed = await h.ok("ana", "/mentor reschedule s1 19:00")
    assert "waiting" in proposed.text
    ask = h.to(h.take(), "m1")
    assert ask and ask[0].actions[0].command == "/mentor reschedule s1 2026-11-23T19:00Z"
    await h.ok("m1", ask[0].actions[0].command)
    moved = h.take()
    assert "moved to" in h.space(moved, 1)[0].text
    await h.wait(timedelta(hours=7, minutes=55))  # past the old 17:50 reminder
    assert h.space(h.take(), 1) == []
    await h.wait(timedelta(minutes=55))  # 18:50, the new reminder
    assert "Reminder" in h.space(h.take(), 1)[0].text


async def test_extend_needs_both_and_moves_the_end(harness: Harness) -> None:
    """15 more minutes once both agree; the session then ends 15 minutes later."""
    h = harness
    await session_now(h)
    await h.ok("ana", "/mentor checkin")
    await h.ok("m1", "/mentor checkin")
    await h.ok("m1", "/mentor extend 15")
    await h.wait(timedelta(minutes=1))
    mismatch = await h.ok("ana", "/mentor extend s1 10")
    assert "waiting" in mismatch.text  # a different amount is a counter-proposal
    await h.ok("m1", "/mentor extend s1 10")
    h.take()
    await h.wait(timedelta(minutes=30))
    assert not any("ended" in m.text for m in h.space(h.take(), 1))
    await h.wait(timedelta(minutes=10))
    assert any("ended (timebox)" in m.text for m in h.space(h.take(), 1))


# -- ratings --------------------------------------------------------------------------------


async def ended_session(h: Harness) -> None:
    await session_now(h)
    await h.ok("ana", "/mentor checkin")
    await h.ok("m1", "/mentor checkin")
    await h.ok("m1", "/mentor done s1 resolved")
    h.take()


async def test_ratings_stay_blind_until_both_have_rated(harness: Harness) -> None:
    """The first rating reveals nothing; the second reveals both, with comments."""
    h = harness
    await ended_session(h)
    await h.ok("ana", "/mentor rate 5 -- very clear")
    sent = h.take()
    assert not any("rated you" in m.text for m in sent)
    await h.ok("m1", "/mentor rate s1 4 -- well prepared")
    sent = h.take()
    to_m1 = [m for m in h.to(sent, "m1") if "rated you" in m.text]
    to_ana = [m for m in h.to(sent, "ana") if "rated you" in m.text]
    assert "5/5" in to_m1[0].text and "very clear" in to_m1[0].text
    assert "4/5" in to_ana[0].text and "well prepared" in to_ana[0].text


async def test_a_rating_is_given_once_and_never_changes(harness: Harness) -> None:
    """Twice is refused; after the reveal it is closed for good."""
    h = harness
    await ended_session(h)
    await h.ok("ana", "/mentor rate s1 5")
    twice = await h.say("ana", "/mentor rate s1 1")
    assert twice.is_error and "already rated" in twice.text
    await h.ok("m1", "/mentor rate s1 4")
    late = await h.say("ana", "/mentor rate s1 2")
    assert late.is_error


async def test_the_window_closing_reveals_a_one_sided_rating(harness: Harness) -> None:
    """After 48h the rating given is shown; the one who didn't rate can't any more."""
    h = harness
    await ended_session(h)
    await h.ok("ana", "/mentor rate s1 3")
    h.take()
    await h.wait(timedelta(hours=48))
    sent = h.take()
    assert any("3/5" in m.text for m in h.to(sent, "m1"))
    assert any("nobody rated you" in m.text for m in h.to(sent, "ana"))
    late = await h.say("m1", "/mentor rate s1 5")
    assert late.is_error and "closed" in late.text


async def test_only_participants_of_a_session_that_took_place_rate(harness: Harness) -> None:
    """Outsiders, running sessions and sessions without both check-ins can't be rated."""
    h = harness
    await session_now(h)
    running = await h.say("ana", "/mentor rate s1 5")
    assert running.is_error and "once it has ended" in running.text
    await h.ok("ana", "/mentor checkin")
    await h.wait(timedelta(minutes=11))  # m1 never comes
    no_place = await h.say("ana", "/mentor rate s1 5")
    assert no_place.is_error and "was a no-show" in no_place.text
    outsider = await h.say("eve", "/mentor rate s1 5")
    assert outsider.is_error and "don't take part" in outsider.text
    bad = await h.say("ana", "/mentor rate s1 9")
    assert bad.is_error and "1 to 5" in bad.text


# -- the sweep ----------------------------------------------------------------------------


async def test_due_actions_run_once_across_two_sweeps(
    make_harness: HarnessFactory,
) -> None:
    """Two cores on the same store sweep concurrently: every expiry happens once."""
    import asyncio

    h = await make_harness(**{"routing.offer_deadline": "10m"})
    other = await make_harness(**{"routing.offer_deadline": "10m"})
    other.clock = h.clock
    other.core.deps.clock = h.clock
    other.core.sweep.deps.clock = h.clock
    for name in ("m1", "m2", "m3"):
        await h.mentor(name, "python")
    for asker in ("a", "b", "c", "d"):
        await h.ok(asker, "/mentor ask python -- q")
        await h.ok(asker, "/mentor cancel")
        await h.ok(asker, "/mentor ask python -- q again")
    h.take()
    h.advance(timedelta(minutes=10))
    ran = await asyncio.gather(h.core.sweep.run_due(), other.core.sweep.run_due())
    expired = [m for m in h.take() + other.take() if m.update and "expired" in m.text]
    async with h.core.db.transaction() as tx:
        offers = await tx.fetch_val("SELECT COUNT(*) FROM offers WHERE state = 'expired'")
        done = await tx.fetch_val("SELECT COUNT(*) FROM due_actions WHERE done_at IS NOT NULL")
    assert len(expired) == offers == 12
    # each claimed row is counted by exactly one of the two sweeps
    assert sum(ran) == done


async def test_a_restart_loses_no_timer_and_repeats_none(make_harness: HarnessFactory) -> None:
    """Stop with actions pending, start again on the same store: each happens once."""
    h = await make_harness(**{"routing.offer_deadline": "10m"})
    await h.mentor("m1", "python")
    await h.ok("ana", "/mentor ask python -- q")
    h.take()
    await h.core.close()
    again = await make_harness(**{"routing.offer_deadline": "10m"})
    again.clock.set(h.clock.now())
    await again.wait(timedelta(minutes=10))
    first = [m for m in again.take() if m.update and "expired" in m.text]
    await again.wait(timedelta(minutes=10))
    second = [m for m in again.take() if m.update and "expired" in m.text]
    assert len(first) == 1 and second == []
