"""Ask -> offer -> accept through the real bus, on a real store (both engines)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.domain.messages import Actor, ChannelAddress
from tests.conftest import Harness, HarnessFactory


async def test_offers_reach_only_available_mentors_with_the_skill(harness: Harness) -> None:
    """The wave goes to available mentors holding a requested skill, never anyone else."""
    h = harness
    await h.mentor("py1", "python")
    await h.mentor("py2", "python")
    await h.mentor("js1", "javascript")
    await h.mentor("pyaway", "python")
    await h.ok("pyaway", "/mentor away")
    await h.mentor("pyoff", "python", available=False)
    h.take()
    reply = await h.ok("ana", "/mentor ask python -- How do I read a CSV file?")
    assert "r1" in reply.text
    sent = h.take()
    assert sorted(m.to.user_id for m in sent) == ["py1", "py2"]  # type: ignore[union-attr]
    assert all(m.key and m.key.startswith("offer:") for m in sent)
    assert [a.command for a in sent[0].actions] == ["/mentor accept r1", "/mentor decline r1"]


async def test_wave_size_limits_the_offers(make_harness: HarnessFactory) -> None:
    """At most wave_size (3) mentors get the first wave, even when the odds want more."""
    h = await make_harness(**{"routing.wave_size": 3, "routing.accept_target": 0.99})
    for i in range(5):
        await h.mentor(f"m{i}", "python")
    h.take()
    await h.ok("ana", "/mentor ask python -- question")
    assert len(h.take()) == 3


async def test_the_requester_is_never_offered_their_own_request(harness: Harness) -> None:
    """A mentor who asks is not in their own wave."""
    h = harness
    await h.mentor("ana", "python")
    await h.mentor("bob", "python")
    h.take()
    await h.ok("ana", "/mentor ask python -- question")
    assert [m.to.user_id for m in h.take()] == ["bob"]  # type: ignore[union-attr]


async def test_first_accept_wins_and_the_second_is_told_politely(harness: Harness) -> None:
    """One session; the loser hears 'already taken'; other offers are updated in place."""
    h = harness
    await h.mentor("py1", "python")
    await h.mentor("py2", "python")
    await h.ok("ana", "/mentor ask python -- question")
    offers = {m.to.user_id: m.key for m in h.take()}  # type: ignore[union-attr]
    won = await h.ok("py1", "/mentor accept r1")
    assert "s1" in won.text
    sent = h.take()
    updates = {m.to.user_id: m for m in sent if m.update}  # type: ignore[union-attr]
    assert updates["py2"].key == offers["py2"] and "taken by another mentor" in updates["py2"].text
    assert updates["py1"].key == offers["py1"] and "You accepted" in updates["py1"].text
    assert any("accepted your request r1" in m.text for m in h.to(sent, "ana"))
    lost = await h.say("py2", "/mentor accept r1")
    assert lost.is_error and "already taken" in lost.text
    again = await h.say("py1", "/mentor accept r1")
    assert again.is_error and "s1" in again.text
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT COUNT(*) FROM sessions") == 1


async def test_accept_without_id_uses_the_only_pending_offer(harness: Harness) -> None:
    """A mentor with one offer can just type accept."""
    h = harness
    await h.mentor("py1", "python")
    await h.ok("ana", "/mentor ask python -- question")
    reply = await h.ok("py1", "/mentor accept")
    assert "r1" in reply.text


async def test_a_mentor_without_the_skill_or_an_offer_cannot_accept(harness: Harness) -> None:
    """Browsing is open, taking needs the skill."""
    h = harness
    await h.mentor("py1", "python")
    await h.mentor("js1", "javascript")
    await h.ok("ana", "/mentor ask python -- question")
    reply = await h.say("js1", "/mentor accept r1")
    assert reply.is_error and "isn't among your skills" in reply.text


async def test_a_mentor_with_the_skill_can_take_it_from_the_open_list(harness: Harness) -> None:
    """A mentor outside the wave sees it in /mentor open and may accept it."""
    h = harness
    await h.mentor("off", "python", available=False)
    await h.ok("ana", "/mentor ask python -- question")
    listing = await h.ok("off", "/mentor open")
    assert "r1" in listing.text and listing.actions[0].command == "/mentor accept r1"
    await h.ok("off", "/mentor accept r1")


async def test_nobody_can_accept_their_own_request(harness: Harness) -> None:
    """Self-accept is refused with a hint."""
    h = harness
    await h.mentor("ana", "python")
    await h.ok("ana", "/mentor ask python -- question")
    reply = await h.say("ana", "/mentor accept r1")
    assert reply.is_error and "your own request" in reply.text


async def test_capacity_stops_offers_and_accepts(harness: Harness) -> None:
    """A mentor at their concurrent limit gets no offer and can't accept another."""
    h = harness
    await h.mentor("py1", "python")
    await h.ok("ana", "/mentor ask python -- first")
    await h.ok("py1", "/mentor accept r1")
    h.take()
    await h.ok("bob", "/mentor ask python -- second")
    sent = h.take()
    assert [m.to for m in sent] == [ChannelAddress("default", "mentors")]  # no offer, a post
    reply = await h.say("py1", "/mentor accept r2")
    assert reply.is_error and "limit" in reply.text


async def test_weekly_capacity_counts_the_last_seven_days(harness: Harness) -> None:
    """Sessions per week: a full week blocks, and it frees up seven days later."""
    h = harness
    await h.mentor("py1", "python")
    await h.ok("py1", "/mentor profile capacity 1 1")
    await h.ok("ana", "/mentor ask python -- first")
    await h.ok("py1", "/mentor accept r1")
    async with h.core.db.transaction() as tx:  # the session ended (the lifecycle issue)
        await tx.execute("UPDATE sessions SET state = 'completed'")
    await h.ok("bob", "/mentor ask python -- second")
    blocked = await h.say("py1", "/mentor accept r2")
    assert blocked.is_error and "weekly limit" in blocked.text
    h.advance(timedelta(days=7, minutes=1))
    await h.ok("py1", "/mentor accept r2")


async def test_decline_updates_the_offer_and_blocks_a_second_decline(harness: Harness) -> None:
    """Declining is recorded once; the offer message is edited."""
    h = harness
    await h.mentor("py1", "python")
    await h.ok("ana", "/mentor ask python -- question")
    offer = h.take()[0]
    await h.ok("py1", "/mentor decline r1")
    update = h.take()[0]
    assert update.update and update.key == offer.key
    again = await h.say("py1", "/mentor decline r1")
    assert again.is_error and "declined" in again.text


async def test_only_the_requester_may_edit_or_cancel(harness: Harness) -> None:
    """Someone else's request can't be edited or cancelled."""
    h = harness
    await h.ok("ana", "/mentor ask python -- question")
    for line in ("/mentor edit r1 -- mine now", "/mentor cancel r1"):
        reply = await h.say("eve", line)
        assert reply.is_error and "isn't your request" in reply.text


async def test_edit_changes_the_question_and_updates_offers(harness: Harness) -> None:
    """Edited text reaches mentors holding the offer, in place."""
    h = harness
    await h.mentor("py1", "python")
    await h.ok("ana", "/mentor ask python -- old question")
    offer = h.take()[0]
    await h.ok("ana", "/mentor edit --goal ship it -- new question")
    update = h.take()[0]
    assert update.key == offer.key and update.update and "new question" in update.text
    assert any(f.label == "Goal" and f.value == "ship it" for f in update.fields)


async def test_cancel_withdraws_offers_and_stops_accepts(harness: Harness) -> None:
    """A cancelled request can't be accepted; mentors' offers say so."""
    h = harness
    await h.mentor("py1", "python")
    await h.ok("ana", "/mentor ask python -- question")
    h.take()
    await h.ok("ana", "/mentor cancel")
    update = h.take()[0]
    assert update.update and "cancelled" in update.text and update.actions == ()
    reply = await h.say("py1", "/mentor accept r1")
    assert reply.is_error and "cancelled" in reply.text


async def test_request_limits_open_and_weekly(harness: Harness) -> None:
    """max_open (1) and max_per_week (5) are enforced with the time to wait."""
    h = harness
    await h.ok("ana", "/mentor ask python -- one")
    second = await h.say("ana", "/mentor ask python -- two")
    assert second.is_error and "open request" in second.text
    for n in range(4):
        await h.ok("ana", "/mentor cancel")
        await h.ok("ana", f"/mentor ask python -- again {n}")
    await h.ok("ana", "/mentor cancel")
    sixth = await h.say("ana", "/mentor ask python -- sixth")
    assert sixth.is_error and "7 days" in sixth.text and "ask again in" in sixth.text


async def test_queue_position_counts_earlier_requests_sharing_a_skill(harness: Harness) -> None:
    """Position is among open requests sharing a skill, oldest first."""
    h = harness
    await h.ok("a", "/mentor ask python -- one")
    h.advance(timedelta(minutes=1))
    await h.ok("b", "/mentor ask javascript -- two")
    h.advance(timedelta(minutes=1))
    await h.ok("c", "/mentor ask python sql -- three")
    reply = await h.ok("c", "/mentor queue")
    assert "place 2" in reply.text and "no estimate yet" in reply.text


async def test_weekly_hours_make_a_mentor_available_in_their_zone(harness: Harness) -> None:
    """Hours set in Europe/Berlin count at the right UTC time (10:00 UTC = 11:00 CET)."""
    h = harness
    await h.mentor("berlin", "python", available=False)
    await h.ok("berlin", "/mentor profile tz Europe/Berlin")
    await h.ok("berlin", "/mentor profile hours mon 11:00-12:00")
    await h.mentor("late", "python", available=False)
    await h.ok("late", "/mentor profile hours mon 12:00-13:00")
    h.take()
    await h.ok("ana", "/mentor ask python -- now please")
    assert [m.to.user_id for m in h.take()] == ["berlin"]  # type: ignore[union-attr]


async def test_scheduled_request_goes_to_mentors_available_then(harness: Harness) -> None:
    """`--at` routes on weekly hours at the requested time, in the asker's zone."""
    h = harness
    await h.mentor("evening", "python", available=False)
    await h.ok("evening", "/mentor profile hours mon-fri 18:00-20:00")
    await h.mentor("nowonly", "python")
    h.take()
    await h.ok("ana", "/mentor ask python --at 18:30 -- later today")
    assert [m.to.user_id for m in h.take()] == ["evening"]  # type: ignore[union-attr]


async def test_unknown_ids_and_skills_get_helpful_errors(harness: Harness) -> None:
    """Bad input gets a clear reply that says what to type instead."""
    h = harness
    cases = {
        "/mentor accept r99": "no request r99",
        "/mentor accept s3": "session id",
        "/mentor ask pyhton -- q": "python",
        "/mentor ask python --minutes 17 -- q": "15, 30, 45",
        "/mentor cancel": "no open request",
        "/mentor profile tz Mars/Base": "time zone",
        "/mentor available": "no skills",
    }
    for line, expected in cases.items():
        reply = await h.say("ana", line)
        assert reply.is_error, line
        assert expected in reply.text, (line, reply.text)


async def test_fairness_spreads_offers_between_equal_mentors(
    make_harness: HarnessFactory,
) -> None:
    """With wave size 1, equal mentors take turns: least recently offered first."""
    h = await make_harness(**{"routing.wave_size": 1})
    for name in ("m1", "m2", "m3"):
        await h.mentor(name, "python")
    h.take()
    got = []
    for i in range(3):
        h.advance(timedelta(minutes=1))
        await h.ok(f"asker{i}", f"/mentor ask python -- q{i}")
        got += [m.to.user_id for m in h.take()]  # type: ignore[union-attr]
    assert sorted(got) == ["m1", "m2", "m3"]


async def test_a_flood_of_commands_is_slowed_down(make_harness: HarnessFactory) -> None:
    """The per-person limit answers with the time to wait, and lifts a minute later."""
    h = await make_harness(**{"limits.commands_per_minute": 3})
    for _ in range(3):
        await h.ok("ana", "/mentor queue")
    slowed = await h.say("ana", "/mentor queue")
    assert slowed.is_error and "Slow down" in slowed.text and "seconds" in slowed.text
    await h.ok("bob", "/mentor queue")  # others are not affected
    h.advance(timedelta(seconds=61))
    await h.ok("ana", "/mentor queue")


async def test_a_command_without_a_handler_gets_a_polite_reply(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """A command a front end could build but nobody wired up: a friendly reply, no crash,
    and an error in the log for us."""

    @dataclass(frozen=True)
    class Unwired:
        pass

    reply = await harness.core.bus.handle(
        Actor("console", "console", "ana", "ana"),
        Unwired(),  # type: ignore[arg-type]
    )
    assert reply.is_error and "/mentor help" in reply.text
    assert "Unwired has no handler" in caplog.text
    assert (await harness.say("ana", "/mentor queue")).is_error is False
