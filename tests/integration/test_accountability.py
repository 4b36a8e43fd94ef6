"""Accountability through the real bus on both engines: reputation, disputes, sanctions,
appeals, neutrality, blocks, preferred mentors, second opinions, limits."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.messages import ChannelAddress, OutboundMessage, PersonAddress
from tests.conftest import Harness, HarnessFactory

MODS = {"communities.default.moderators": '["console:mod1", "console:mod2"]'}


def offered(messages: list[OutboundMessage]) -> list[str]:
    return sorted(
        m.to.user_id
        for m in messages
        if isinstance(m.to, PersonAddress) and m.key and m.key.startswith("offer:") and not m.update
    )


async def rated_session(
    h: Harness, mentee: str = "ana", mentor: str = "m1", request: str = "r1", session: str = "s1"
) -> None:
    """mentee asks mentor (--with), both check in, it ends; nobody has rated yet."""
    await h.ok(mentee, f"/mentor ask python --with @{mentor} -- question")
    await h.ok(mentor, f"/mentor accept {request}")
    await h.ok(mentee, f"/mentor checkin {session}")
    await h.ok(mentor, f"/mentor checkin {session}")
    await h.ok(mentor, f"/mentor done {session}")
    h.take()


async def setup(make_harness: HarnessFactory, **extra: object) -> Harness:
    h = await make_harness(**{**MODS, **extra})
    for name in ("m1", "m2"):
        await h.mentor(name, "python")
        await h.ok(name, "/mentor profile capacity 3 20")
    h.take()
    return h


async def test_reputation_shows_after_enough_revealed_ratings(make_harness: HarnessFactory) -> None:
    """With a minimum of 2, one 5 shows nothing; two 5s show (4*5+10)/7 = 4.29."""
    h = await setup(make_harness, **{"accountability.reputation_min_ratings": 2})
    await rated_session(h)
    await h.ok("ana", "/mentor rate s1 5 --helpfulness 4 -- great")
    await h.ok("m1", "/mentor rate s1 4 --preparedness 5")
    me = await h.ok("m1", "/mentor me")
    rep = next(f.value for f in me.fields if f.label == "Reputation")
    assert "not shown yet" in rep
    await rated_session(h, "bob", "m1", "r2", "s2")
    await h.ok("bob", "/mentor rate s2 5")
    await h.ok("m1", "/mentor rate s2 5")
    me = await h.ok("m1", "/mentor me")
    rep = next(f.value for f in me.fields if f.label == "Reputation")
    assert "python 4.29 (2 ratings)" in rep
    aspects = next(f.value for f in me.fields if f.label == "Aspects")
    assert "helpfulness 4.0 (1)" in aspects


async def test_comments_are_seen_by_the_rated_person_and_moderators_only(
    make_harness: HarnessFactory,
) -> None:
    """ana's comment about m1 is in m1's /mentor me and in mod1's stats, not for others."""
    h = await setup(make_harness)
    await rated_session(h)
    await h.ok("ana", "/mentor rate s1 2 -- arrived late")
    await h.ok("m1", "/mentor rate s1 5")
    mine = await h.ok("m1", "/mentor me")
    assert any("arrived late" in f.value for f in mine.fields)
    stats = await h.ok("mod1", "/mentor stats @m1")
    assert any("arrived late" in f.value for f in stats.fields)
    denied = await h.say("m2", "/mentor stats @m1")
    assert denied.is_error and "Only moderators" in denied.text
    ana = await h.ok("ana", "/mentor me")
    assert not any("arrived late" in f.value for f in ana.fields)


async def test_aspects_belong_to_each_side(make_harness: HarnessFactory) -> None:
    """A member rates helpfulness and clarity, a mentor preparedness and engagement."""
    h = await setup(make_harness)
    await rated_session(h)
    wrong = await h.say("ana", "/mentor rate s1 4 --preparedness 3")
    assert wrong.is_error and "helpfulness and clarity" in wrong.text
    wrong = await h.say("m1", "/mentor rate s1 4 --clarity 3")
    assert wrong.is_error and "preparedness and engagement" in wrong.text
    await h.ok("m1", "/mentor rate s1 4 --preparedness 2 --engagement 5")


async def test_a_dispute_before_the_reveal_keeps_ratings_hidden_until_resolved(
    make_harness: HarnessFactory,
) -> None:
    """Both rate while disputed: nothing shown; dismissed: the reveal happens then."""
    h = await setup(make_harness)
    await rated_session(h)
    await h.ok("ana", "/mentor rate s1 1 -- rude")
    await h.ok("ana", "/mentor dispute s1 -- The mentor was rude.")
    sent = h.take()
    assert any("Give your side" in m.text for m in h.to(sent, "m1"))
    await h.ok("m1", "/mentor rate s1 5")
    assert not any("rated you" in m.text for m in h.take())
    await h.ok("m1", "/mentor dispute s1 -- I was not rude.")
    await h.ok("mod1", "/mentor mod resolve d1 dismiss -- Nothing to act on.")
    sent = h.take()
    assert any("rated you" in m.text and "1/5" in m.text for m in h.to(sent, "m1"))
    assert any("Nothing to act on." in m.text for m in h.to(sent, "ana"))


async def test_a_dispute_after_the_reveal_stops_ratings_counting_until_resolved(
    make_harness: HarnessFactory,
) -> None:
    """Revealed ratings leave the reputation while disputed; void keeps them out."""
    h = await setup(make_harness, **{"accountability.reputation_min_ratings": 1})
    await rated_session(h)
    await h.ok("ana", "/mentor rate s1 1")
    await h.ok("m1", "/mentor rate s1 5")
    rep = next(f.value for f in (await h.ok("m1", "/mentor me")).fields if f.label == "Reputation")
    assert "python 3.50 (1 ratings)" in rep  # (4*5 + 1) / 6
    await h.ok("m1", "/mentor dispute s1 -- That 1 was revenge.")
    rep = next(f.value for f in (await h.ok("m1", "/mentor me")).fields if f.label == "Reputation")
    assert "not shown yet" in rep
    await h.ok("eve", "/mentor profile")
    nobody = await h.say("mod1", "/mentor mod resolve d1 void --rating-by @eve -- Not fair.")
    assert nobody.is_error and "eve gave no rating in s1" in nobody.text  # and nothing decided
    await h.ok("mod1", "/mentor mod resolve d1 void --rating-by @ana -- Not a fair rating.")
    rep = next(f.value for f in (await h.ok("m1", "/mentor me")).fields if f.label == "Reputation")
    assert "not shown yet" in rep  # voided for good


async def test_a_party_or_a_blocked_moderator_cannot_decide(make_harness: HarnessFactory) -> None:
    """Neutrality is enforced by the core."""
    h = await setup(make_harness)
    await h.mentor("mod2", "python")
    await rated_session(h, "mod1", "m1", "r1", "s1")
    await h.ok("mod1", "/mentor dispute s1 -- problem")
    own = await h.say("mod1", "/mentor mod resolve d1 dismiss -- mine")
    assert own.is_error and "party" in own.text
    await h.ok("m1", "/mentor block @mod2")
    blocked = await h.say("mod2", "/mentor mod resolve d1 dismiss -- no")
    assert blocked.is_error and "blocked" in blocked.text


async def test_one_appeal_decided_by_another_moderator(make_harness: HarnessFactory) -> None:
    """The deciding moderator can't decide the appeal; a second appeal is refused;
    overturning lifts the suspension."""
    h = await setup(make_harness)
    await h.ok("ana", "/mentor report @m1 -- harassment")
    await h.ok("mod1", "/mentor mod resolve d1 suspend -- First suspension.")
    refused = await h.say("m1", "/mentor ask python -- can I?")
    assert refused.is_error and "suspended" in refused.text
    await h.ok("m1", "/mentor appeal d1 -- It was a misunderstanding.")
    twice = await h.say("m1", "/mentor appeal d1 -- again")
    assert twice.is_error and "one appeal" in twice.text
    same = await h.say("mod1", "/mentor mod resolve d1 overturn -- I changed my mind")
    assert same.is_error and "another moderator" in same.text
    await h.ok("mod2", "/mentor mod resolve d1 overturn -- Not enough evidence.")
    await h.ok("m1", "/mentor ask python -- now I can")
    final = await h.say("ana", "/mentor appeal d1 -- me too")
    assert final.is_error


async def test_suspension_is_graduated_and_ends_on_the_clock(make_harness: HarnessFactory) -> None:
    """3 days, not offered meanwhile, told when it ends, offered again; the next is 7 days."""
    h = await setup(make_harness)
    await h.ok("ana", "/mentor report @m1 -- no-show twice")
    reply = await h.ok("mod1", "/mentor mod resolve d1 suspend -- Twice.")
    assert "3 day(s)" in reply.text and "0 suspension(s)" in reply.text
    await h.ok("bob", "/mentor ask python -- help")
    assert offered(h.take()) == ["m2"]
    denied = await h.say("m1", "/mentor accept r1")
    assert denied.is_error and "suspended" in denied.text
    await h.wait(timedelta(days=3))
    assert any("suspension has ended" in m.text for m in h.to(h.take(), "m1"))
    await h.ok("m1", "/mentor available for 8h")
    await h.ok("m2", "/mentor away")
    await h.ok("cy", "/mentor ask python -- again")
    assert offered(h.take()) == ["m1"]
    await h.ok("ana", "/mentor report @m1 -- again")
    second = await h.ok("mod1", "/mentor mod resolve d2 suspend -- Again.")
    assert "7 day(s)" in second.text and "1 suspension(s)" in second.text


async def test_blocks_work_both_ways_and_can_be_undone(make_harness: HarnessFactory) -> None:
    """ana blocks m1: neither is matched with the other; unblocking restores it."""
    h = await setup(make_harness)
    await h.mentor("ana", "python")
    await h.ok("m2", "/mentor away")
    await h.ok("ana", "/mentor block @m1")
    await h.ok("ana", "/mentor ask python -- from ana")
    assert "m1" not in offered(h.take())
    refused = await h.say("m1", "/mentor accept r1")
    assert refused.is_error and "isn't available to you" in refused.text
    await h.ok("m1", "/mentor ask python -- from m1")
    assert "ana" not in offered(h.take())
    await h.ok("ana", "/mentor unblock @m1")
    await h.ok("m1", "/mentor accept r1")


async def test_a_named_mentor_gets_the_first_offer_alone(make_harness: HarnessFactory) -> None:
    """--with: only that mentor; after a decline the normal waves follow."""
    h = await setup(make_harness)
    await h.mentor("m3", "python")
    h.take()
    await h.ok("ana", "/mentor ask python --with @m2 -- you please")
    assert offered(h.take()) == ["m2"]
    await h.ok("m2", "/mentor decline r1")
    assert offered(h.take()) == ["m1", "m3"]


async def test_second_opinion_lets_two_mentors_join(make_harness: HarnessFactory) -> None:
    """--mentors 2: two mentors in one session, a third is told it's taken; rate each."""
    h = await setup(make_harness)
    await h.mentor("m3", "python")
    await h.ok("ana", "/mentor ask python --mentors 2 -- two views please")
    await h.ok("m1", "/mentor accept r1")
    joined = await h.ok("m2", "/mentor accept r1")
    assert "s1" in joined.text
    late = await h.say("m3", "/mentor accept r1")
    assert late.is_error and "already taken" in late.text
    for who in ("ana", "m1", "m2"):
        await h.ok(who, "/mentor checkin s1")
    await h.ok("ana", "/mentor done s1")
    ambiguous = await h.say("ana", "/mentor rate s1 5")
    assert ambiguous.is_error and "rate each" in ambiguous.text
    await h.ok("ana", "/mentor rate s1 @m1 5")
    await h.ok("ana", "/mentor rate s1 @m2 4")
    await h.ok("m1", "/mentor rate s1 4")
    h.take()
    await h.ok("m2", "/mentor rate s1 3")
    reveals = [m for m in h.take() if "rated you" in m.text]
    assert sorted(m.to.user_id for m in reveals) == ["ana", "m1", "m2"]  # type: ignore[union-attr]


async def test_ignoring_offers_sets_a_mentor_away(make_harness: HarnessFactory) -> None:
    """Three offers in a row expire: away, and told why."""
    h = await setup(make_harness, **{"routing.wave_size": 1})
    await h.ok("m2", "/mentor away")
    for n, asker in enumerate(("a1", "a2", "a3")):
        await h.ok(asker, f"/mentor ask python -- q{n}")
        await h.wait(timedelta(minutes=60))
    told = [m for m in h.to(h.take(), "m1") if "set you away" in m.text]
    assert len(told) == 1
    profile = await h.ok("m1", "/mentor profile")
    assert "away" in profile.text


async def test_repeated_member_no_shows_lower_the_request_limit(
    make_harness: HarnessFactory,
) -> None:
    """Two no-shows as a mentee: one request a week, told why."""
    h = await setup(make_harness)
    for n in (1, 2):
        await h.ok("ana", f"/mentor ask python --with @m1 -- q{n}")
        await h.ok("m1", f"/mentor accept r{n}")
        await h.ok("m1", f"/mentor checkin s{n}")
        await h.wait(timedelta(minutes=10))
    h.take()
    limited = await h.say("ana", "/mentor ask python -- third")
    assert limited.is_error and "missed 2 sessions" in limited.text


async def test_kudos_are_public_and_once(make_harness: HarnessFactory) -> None:
    """The member thanks the mentor in the kudos channel, once per session."""
    h = await setup(make_harness)
    await rated_session(h)
    await h.ok("ana", "/mentor kudos s1 -- You saved my day")
    posts = [m for m in h.take() if isinstance(m.to, ChannelAddress) and m.to.channel == "kudos"]
    assert len(posts) == 1 and "You saved my day" in posts[0].text and "m1" in posts[0].text
    again = await h.say("ana", "/mentor kudos s1")
    assert again.is_error


async def test_the_leaderboard_lists_only_mentors_who_opted_in(
    make_harness: HarnessFactory,
) -> None:
    """m1 opted in and appears with their sessions; m2 didn't and doesn't."""
    h = await setup(make_harness)
    await rated_session(h)
    await h.ok("m1", "/mentor profile leaderboard on")
    board = await h.ok("ana", "/mentor leaderboard python")
    assert "1. m1: 1 sessions" in board.text and "m2" not in board.text


async def test_moderator_actions_are_in_the_audit_log(make_harness: HarnessFactory) -> None:
    """Decisions are appended to the log and posted to #moderators."""
    h = await setup(make_harness)
    await h.ok("ana", "/mentor report @m1 -- x")
    await h.ok("mod1", "/mentor mod resolve d1 warn -- Be kind.")
    posts = [
        m
        for m in h.take()
        if isinstance(m.to, ChannelAddress)
        and m.to.channel == "moderators"
        and m.text.startswith("[audit]")
    ]
    assert posts and "warn m1" in posts[0].text
    log = await h.ok("mod2", "/mentor mod log")
    assert "resolve d1" in log.text and "Be kind." in log.text


async def test_a_second_opinion_goes_on_when_one_mentor_is_missing(
    make_harness: HarnessFactory,
) -> None:
    """One of two mentors doesn't come: recorded, the session goes on, and the member is
    asked to rate only the mentor who came, with buttons that name them."""
    h = await setup(make_harness)
    await h.ok("ana", "/mentor ask python --mentors 2 -- two views")
    await h.ok("m1", "/mentor accept r1")
    await h.ok("m2", "/mentor accept r1")
    await h.ok("ana", "/mentor checkin s1")
    await h.ok("m1", "/mentor checkin s1")
    h.take()
    await h.wait(timedelta(minutes=10))
    notice = h.space(h.take(), 1)
    assert notice and "m2 didn't check in" in notice[0].text and "Carry on" in notice[0].text
    await h.ok("ana", "/mentor done s1")
    prompts = [m for m in h.to(h.take(), "ana") if m.key and m.key.startswith("rate:")]
    assert len(prompts) == 1 and "with m1" in prompts[0].text
    await h.ok("ana", prompts[0].actions[4].command)
    await h.ok("m1", "/mentor rate s1 4")
    assert any("rated you" in m.text for m in h.to(h.take(), "ana"))


async def test_a_reported_moderator_cannot_read_the_report_and_the_channel_names_nobody(
    make_harness: HarnessFactory,
) -> None:
    """Found by review: mod2, reported, read eve's statement with `mod show`, and the
    #moderators channel (which he reads) carried it with eve's name. What a dispute's
    parties write goes to no channel; `mod show` gives it to the neutral moderators only."""
    h = await make_harness(**MODS)
    await h.ok("mod2", "/mentor me")
    h.take()
    await h.ok("eve", "/mentor report @mod2 -- He harassed me in DMs: detail XYZ.")
    posted = " ".join(m.text for m in h.channel(h.take(), "moderators"))
    assert "New report d1" in posted
    assert "XYZ" not in posted and "eve" not in posted and "mod2" not in posted
    refused = await h.say("mod2", "/mentor mod show d1")
    assert refused.is_error and "You are a party to d1" in refused.text
    assert "XYZ" not in refused.text and refused.fields == ()
    shown = await h.ok("mod1", "/mentor mod show d1")
    assert any("XYZ" in f.value for f in shown.fields)
    await h.ok("mod1", "/mentor mod resolve d1 dismiss -- Nothing to act on.")
    h.take()
    await h.ok("eve", "/mentor appeal d1 -- Please look again: detail ABC.")
    posted = " ".join(m.text for m in h.channel(h.take(), "moderators"))
    assert "Appeal of d1." in posted
    assert "eve" not in posted and "ABC" not in posted


async def test_a_dispute_and_an_appeal_reach_the_channel_without_what_was_written(
    make_harness: HarnessFactory,
) -> None:
    """The channel hears that there is a dispute, a side and an appeal, and who the parties
    of a session are (they know each other), never what they wrote."""
    h = await make_harness(**MODS)
    await h.mentor("m1", "python")
    await h.held("ana", "m1", "python -- q1", "r1", "s1")
    h.take()
    await h.ok("ana", "/mentor dispute s1 -- He left after five minutes: detail QQQ.")
    await h.ok("m1", "/mentor dispute s1 -- My connection dropped: detail WWW.")
    await h.ok("mod1", "/mentor mod resolve d1 dismiss -- Nothing to act on.")
    await h.ok("ana", "/mentor appeal d1 -- He did it again: detail EEE.")
    posted = " ".join(m.text for m in h.channel(h.take(), "moderators"))
    assert "New dispute d1 about s1: ana vs m1" in posted and "Appeal of d1 by ana" in posted
    assert not any(secret in posted for secret in ("QQQ", "WWW", "EEE"))
