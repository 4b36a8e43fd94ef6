"""The rules of routing, through the real bus on both engines: full fits first (and for how
long), weekly load, waves sized to the odds, staggered waves, and offers that go on after the
#mentors post."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.messages import OutboundMessage, PersonAddress
from tests.conftest import Harness, HarnessFactory


def offered(messages: list[OutboundMessage]) -> list[str]:
    """Who got a new offer, in the order the offers went out."""
    return [
        m.to.user_id
        for m in messages
        if isinstance(m.to, PersonAddress) and m.key and m.key.startswith("offer:") and not m.update
    ]


async def mentors(h: Harness, skills: str, *names: str) -> None:
    for name in names:
        await h.mentor(name, *skills.split())
    h.take()


async def test_full_fits_get_the_first_wave_and_partial_fits_wait(
    make_harness: HarnessFactory,
) -> None:
    """Full fits first; partial fits only after routing.partial_fit_after, and no #mentors
    post (which would reach partial fits) before then."""
    h = await make_harness(**{"routing.partial_fit_after": "20m"})
    await mentors(h, "python", "py1", "py2", "py3")
    await mentors(h, "python sql", "both")
    reply = await h.ok("ana", "/mentor ask python sql -- join two tables in pandas?")
    first = h.take()
    assert offered(first) == ["both"]
    assert "offered it to 1 mentor(s)" in reply.text
    assert h.channel(first, "mentors") == []
    await h.wait(timedelta(minutes=19))
    assert offered(h.take()) == []
    await h.wait(timedelta(minutes=2))
    later = h.take()
    assert sorted(offered(later)) == ["py1", "py2", "py3"]
    assert "both" not in offered(later)


async def test_with_no_wait_for_fit_partial_fits_share_the_first_wave(
    make_harness: HarnessFactory,
) -> None:
    """routing.partial_fit_after = 0m: the first wave reaches partial fits, full fit first."""
    h = await make_harness(**{"routing.partial_fit_after": "0m"})
    await mentors(h, "python", "py1", "py2")
    await mentors(h, "python sql", "both")
    await h.ok("ana", "/mentor ask python sql -- join two tables in pandas?")
    sent = offered(h.take())
    assert sent[0] == "both"
    assert sorted(sent) == ["both", "py1", "py2"]


async def test_the_week_s_load_ranks_mentors(make_harness: HarnessFactory) -> None:
    """Two free mentors, one with two sessions this week: the other gets the one offer."""
    h = await make_harness(**{"routing.wave_size": 1})
    await mentors(h, "python", "busy", "fresh")
    await h.ok("busy", "/mentor profile capacity 1 5")
    await h.ok("fresh", "/mentor profile capacity 1 5")
    await h.ok("fresh", "/mentor away")
    for n, member in enumerate(("a1", "a2")):
        await h.ok(member, f"/mentor ask python -- q{n}")
        await h.ok("busy", f"/mentor accept r{n + 1}")
        await h.ok("busy", f"/mentor checkin s{n + 1}")
        await h.ok(member, f"/mentor checkin s{n + 1}")
        await h.ok("busy", f"/mentor done s{n + 1}")
    await h.ok("fresh", "/mentor available for 8h")
    h.take()
    await h.ok("ana", "/mentor ask python -- third question")
    assert offered(h.take()) == ["fresh"]


async def test_a_wave_is_as_large_as_the_odds_need(make_harness: HarnessFactory) -> None:
    """New mentors are believed to take one offer in two: a 0.9 target needs four of them
    (1 - 0.5^4 = 0.94), a 0.7 target two (0.75); the member is told the odds."""
    h = await make_harness(**{"routing.accept_target": 0.9})
    await mentors(h, "python", *(f"m{n}" for n in range(8)))
    reply = await h.ok("ana", "/mentor ask python -- q")
    assert len(offered(h.take())) == 4
    assert "about a 94% chance one of them takes it within 1h" in reply.text

    h2 = await make_harness(**{"routing.accept_target": 0.7})
    await mentors(h2, "python", *(f"m{n}" for n in range(8)))
    await h2.ok("bo", "/mentor ask python -- q")
    assert len(offered(h2.take())) == 2


async def test_mentors_who_decline_make_the_next_wave_larger(make_harness: HarnessFactory) -> None:
    """Their own answers replace the prior: mentors who declined everything count for little,
    so a wave of them has to be larger to reach the same odds."""
    h = await make_harness(**{"routing.accept_target": 0.75})
    await mentors(h, "python", "d1", "d2", "d3", "d4", "d5", "d6")
    for n in range(3):
        await h.ok(f"a{n}", f"/mentor ask python -- warm-up {n}")
        for name in offered(h.take()):
            await h.ok(name, f"/mentor decline r{n + 1}")
        h.take()
        await h.ok(f"a{n}", f"/mentor cancel r{n + 1}")
        h.take()
    await h.ok("ana", "/mentor ask python -- now")
    assert len(offered(h.take())) > 2


async def test_waves_overlap_every_wave_every(make_harness: HarnessFactory) -> None:
    """Nobody answers: a new wave goes out every routing.wave_every, the earlier offers
    still open, until everyone who could take it has an offer."""
    h = await make_harness(**{"routing.wave_size": 2, "routing.wave_every": "3m"})
    await mentors(h, "python", *(f"m{n}" for n in range(5)))
    await h.ok("ana", "/mentor ask python -- q")
    first = offered(h.take())
    assert len(first) == 2
    await h.wait(timedelta(minutes=3))
    second = offered(h.take())
    assert len(second) == 2 and not set(second) & set(first)
    await h.wait(timedelta(minutes=3))
    assert len(offered(h.take())) == 1
    await h.ok(second[0], "/mentor accept r1")
    taken = h.take()
    # every other pending offer is closed in place
    assert {m.to.user_id for m in taken if m.update and isinstance(m.to, PersonAddress)} >= {*first}


async def test_offers_go_on_after_the_mentors_post(make_harness: HarnessFactory) -> None:
    """Nobody can take it now: it is posted to #mentors, and a holder who comes on duty
    later still gets an offer."""
    h = await make_harness()
    await h.mentor("late", "python", available=False)
    h.take()
    reply = await h.ok("ana", "/mentor ask python -- q")
    first = h.take()
    assert "posted it for all mentors" in reply.text
    assert len(h.channel(first, "mentors")) == 1 and offered(first) == []
    await h.wait(timedelta(minutes=5))
    await h.ok("late", "/mentor available")
    h.take()
    await h.wait(timedelta(minutes=24))
    assert offered(h.take()) == []
    await h.wait(timedelta(minutes=1))  # looked at again every 30 minutes at the latest
    again = h.take()
    assert offered(again) == ["late"]
    assert h.channel(again, "mentors") == []  # posted once


async def test_a_holder_gets_the_offer_as_their_hours_start(make_harness: HarnessFactory) -> None:
    """Nobody on duty now; a holder's weekly hours start at 10:12 UTC on this Monday: the
    request is looked at again right then, not half an hour later."""
    h = await make_harness()
    await h.mentor("early", "python", available=False)
    await h.ok("early", "/mentor profile hours mon 10:12-12:00")
    h.take()
    await h.ok("ana", "/mentor ask python -- q")
    assert offered(h.take()) == []
    await h.wait(timedelta(minutes=11))
    assert offered(h.take()) == []
    await h.wait(timedelta(minutes=1))
    assert offered(h.take()) == ["early"]


async def test_waits_for_a_full_fit_coming_on_duty_soon(make_harness: HarnessFactory) -> None:
    """The only full fit starts their weekly hours in 20 minutes (10:20 UTC on this Monday):
    partial fits on duty now wait for them, within routing.partial_fit_after."""
    h = await make_harness(**{"routing.partial_fit_after": "30m"})
    await mentors(h, "python", "py1")
    await h.mentor("both", "python", "sql", available=False)
    await h.ok("both", "/mentor profile hours mon 10:20-12:00")
    h.take()
    reply = await h.ok("ana", "/mentor ask python sql -- q")
    assert offered(h.take()) == []
    assert "one is due soon" in reply.text
    await h.wait(timedelta(minutes=21))
    assert offered(h.take()) == ["both"]


async def test_does_not_wait_for_a_full_fit_off_duty_all_day(
    make_harness: HarnessFactory,
) -> None:
    """The only full fit comes on duty tomorrow: partial fits get the first wave."""
    h = await make_harness(**{"routing.partial_fit_after": "30m"})
    await mentors(h, "python", "py1")
    await h.mentor("both", "python", "sql", available=False)
    await h.ok("both", "/mentor profile hours tue 10:00-12:00")
    h.take()
    await h.ok("ana", "/mentor ask python sql -- q")
    assert offered(h.take()) == ["py1"]


async def test_a_request_no_longer_open_is_not_offered_again(make_harness: HarnessFactory) -> None:
    """Once taken, the planned look does nothing: no offer reaches anyone later."""
    h = await make_harness(**{"routing.wave_size": 1})
    await mentors(h, "python", "m1", "m2")
    await h.ok("ana", "/mentor ask python -- q")
    (first,) = offered(h.take())
    await h.ok(first, "/mentor accept r1")
    h.take()
    await h.wait(timedelta(minutes=30))
    assert offered(h.take()) == []


async def test_a_named_mentor_has_it_alone_until_they_answer(make_harness: HarnessFactory) -> None:
    """--with: nobody else is offered it while the named mentor's offer stands; once they
    decline, waves go on as usual, every routing.wave_every."""
    h = await make_harness(**{"routing.wave_size": 1})
    await mentors(h, "python", "named", "m1", "m2")
    await h.ok("ana", "/mentor ask python --with @named -- q")
    assert offered(h.take()) == ["named"]
    await h.wait(timedelta(minutes=20))
    assert offered(h.take()) == []
    await h.ok("named", "/mentor decline r1")
    (second,) = offered(h.take())
    await h.wait(timedelta(minutes=3))
    (third,) = offered(h.take())
    assert {second, third} == {"m1", "m2"}
