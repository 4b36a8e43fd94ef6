"""A choice of mentor (`ask --choose`): mentors who accept offer to take the request and are
held for it; the member picks one, who gets it exactly once; the others are released; with
no pick in time, the best rated gets it; nobody is held beyond their capacity."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.messages import Actor
from tests.conftest import Harness, HarnessFactory

M1 = Actor("console", "console", "m1", "m1")

ASK = "/mentor ask python --choose -- How do I profile a slow pandas groupby?"


async def three_mentors(make_harness: HarnessFactory, **overrides: str) -> Harness:
    h = await make_harness(**{"routing.wave_size": "3", **overrides})
    for user in ("m1", "m2", "m3"):
        await h.mentor(user, "python")
    return h


async def test_the_member_picks_and_the_others_are_released(
    make_harness: HarnessFactory,
) -> None:
    h = await three_mentors(make_harness)
    await h.ok("ana", ASK)
    h.take()
    first = await h.ok("m1", "/mentor accept r1")
    assert "ana is choosing" in first.text
    await h.ok("m2", "/mentor accept r1 -- I profile pandas code for a living")
    listing = h.to(h.take(), "ana")[-1]
    assert "1. m1" in listing.text and "2. m2" in listing.text
    assert "I profile pandas code for a living" in listing.text
    assert [a.command for a in listing.actions] == ["/mentor pick r1 1", "/mentor pick r1 2"]
    again = await h.say("m2", "/mentor accept r1")
    assert again.is_error and "already offered" in again.text
    # only the member picks
    other = await h.say("m3", "/mentor pick r1 1")
    assert other.is_error
    picked = await h.ok("ana", "/mentor pick r1 2")
    assert "m2" in picked.text and "s1" in picked.text
    sent = h.take()
    assert any("taken by another mentor" in m.text for m in h.to(sent, "m1"))
    late = await h.say("m3", "/mentor accept r1")
    assert late.is_error and "already taken" in late.text
    twice = await h.say("ana", "/mentor pick r1 1")
    assert twice.is_error
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT COUNT(*) FROM sessions") == 1
        assert await tx.fetch_val("SELECT COUNT(*) FROM volunteers") == 0


async def test_without_a_pick_the_best_rated_gets_it(make_harness: HarnessFactory) -> None:
    h = await three_mentors(make_harness, **{"requests.choose_window": "10m"})
    await h.ok("ana", ASK)
    await h.ok("m3", "/mentor accept r1")
    h.advance(timedelta(minutes=1))
    await h.ok("m1", "/mentor accept r1")
    h.take()
    await h.wait(timedelta(minutes=10))
    sent = h.take()
    told = " ".join(m.text for m in h.to(sent, "ana"))
    assert "Time to pick was up" in told
    # nobody is rated yet: the first to offer gets it
    assert "m3" in told
    assert any("taken by another mentor" in m.text for m in h.to(sent, "m1"))


async def test_a_mentor_is_not_held_beyond_their_capacity(make_harness: HarnessFactory) -> None:
    h = await three_mentors(make_harness)
    await h.ok("ana", ASK)
    await h.ok("bob", "/mentor ask python --choose -- Why is my merge so slow?")
    await h.ok("m1", "/mentor accept r1")  # capacity 1 at once: held for r1
    refused = await h.say("m1", "/mentor accept r2")
    assert refused.is_error and "offered to take 1 more" in refused.text
    # once ana picks someone else, m1 is free again
    await h.ok("m2", "/mentor accept r1")
    await h.ok("ana", "/mentor pick r1 2")
    await h.ok("m1", "/mentor accept r2")


async def test_the_community_can_make_it_the_default(make_harness: HarnessFactory) -> None:
    h = await three_mentors(make_harness, **{"requests.choose_by_default": "true"})
    await h.ok("ana", "/mentor ask python -- How do I profile a slow pandas groupby?")
    reply = await h.ok("m1", "/mentor accept r1")
    assert "choosing" in reply.text


async def test_a_volunteer_who_links_accounts_or_is_forgotten_keeps_the_store_whole(
    make_harness: HarnessFactory,
) -> None:
    """Linking merges a held offer into the other record (no dangling row); forgetting a
    mentor removes their line."""
    h = await three_mentors(make_harness)
    await h.ok("ana", ASK)
    await h.ok("m1", "/mentor accept r1 -- zline-secret from m1")
    other = Actor("slack", "T1", "U-M1", "m1 on slack")
    code = (await h.core.bus.handle_line(other, "/mentor link")).text.split("code is ")[1]
    linked = await h.core.bus.handle_line(M1, f"/mentor link {code.split('.')[0]}")
    assert not linked.is_error, linked.text
    async with h.core.db.transaction() as tx:
        (row,) = await tx.fetch("SELECT mentor_id, note FROM volunteers")
        alive = await tx.fetch_val(
            "SELECT COUNT(*) FROM persons WHERE id = :id", {"id": int(row["mentor_id"])}
        )
    assert alive == 1
    await h.ok("m1", "/mentor forget confirm")
    async with h.core.db.transaction() as tx:
        notes = [r["note"] for r in await tx.fetch("SELECT note FROM volunteers")]
    assert "zline-secret from m1" not in notes


async def test_an_offer_to_take_it_doesnt_expire_and_declining_withdraws_it(
    make_harness: HarnessFactory,
) -> None:
    """The offer's own deadline passing doesn't count against a mentor who offered to take
    the request (they answered); `decline` takes their offer back."""
    h = await three_mentors(
        make_harness, **{"requests.choose_window": "2h", "routing.offer_deadline": "30m"}
    )
    await h.ok("ana", ASK)
    await h.ok("m1", "/mentor accept r1")
    await h.ok("m2", "/mentor accept r1")
    h.take()
    await h.wait(timedelta(minutes=31))
    assert not any("expired" in m.text for m in h.to(h.take(), "m1"))
    await h.ok("m2", "/mentor decline r1")
    async with h.core.db.transaction() as tx:
        left = [int(r["mentor_id"]) for r in await tx.fetch("SELECT mentor_id FROM volunteers")]
    assert len(left) == 1
    await h.ok("ana", "/mentor pick r1 1")
    sessions = await h.ok("m1", "/mentor sessions")
    assert "s1" in sessions.text


async def test_at_the_deadline_one_who_cant_take_it_is_skipped_and_released(
    make_harness: HarnessFactory,
) -> None:
    """The member blocked the only mentor who offered: at the deadline nobody gets it, the
    mentor is released and told, and the request stays open for the waves."""
    h = await three_mentors(make_harness)
    await h.ok("ana", ASK)
    await h.ok("m1", "/mentor accept r1")
    await h.ok("ana", "/mentor block @m1")
    h.take()
    await h.wait(timedelta(minutes=10))
    assert any("went to nobody" in m.text for m in h.to(h.take(), "m1"))
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT COUNT(*) FROM volunteers") == 0
        assert await tx.fetch_val("SELECT state FROM help_requests WHERE id = 1") == "open"


async def test_a_moderator_assign_releases_those_who_offered(make_harness: HarnessFactory) -> None:
    h = await three_mentors(make_harness, **{"communities.default.moderators": '["console:mod1"]'})
    await h.ok("ana", ASK)
    await h.ok("m1", "/mentor accept r1")
    await h.ok("mod1", "/mentor mod assign r1 @m2")
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT COUNT(*) FROM volunteers") == 0
    await h.ok("bob", "/mentor ask python -- Why is my merge so slow?")
    await h.ok("m1", "/mentor accept r2")  # m1 is free again


async def test_one_who_offered_from_the_open_list_can_withdraw(
    make_harness: HarnessFactory,
) -> None:
    """No offer of their own to decline: `decline` withdraws the offer to take it."""
    h = await make_harness(**{"routing.wave_size": "1"})
    await h.mentor("m1", "python")
    await h.mentor("m2", "python")
    await h.ok("ana", ASK)
    async with h.core.db.transaction() as tx:
        offered = await tx.fetch_val(
            "SELECT p.display_name FROM offers o JOIN persons p ON p.id = o.mentor_id"
        )
    outsider = "m2" if offered == "m1" else "m1"  # found r1 with `/mentor open`
    await h.ok(outsider, "/mentor accept r1")
    withdrawn = await h.ok(outsider, "/mentor decline r1")
    assert "withdrew" in withdrawn.text
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT COUNT(*) FROM volunteers") == 0


async def test_a_held_mentor_gets_no_offer_they_could_not_take(
    make_harness: HarnessFactory,
) -> None:
    h = await three_mentors(make_harness)
    await h.ok("ana", ASK)
    await h.ok("m1", "/mentor accept r1")  # held for r1: capacity 1 at once
    h.take()
    await h.ok("bob", "/mentor ask python -- Why is my merge so slow?")
    offered = {m.to.user_id for m in h.take() if "(r2)" in m.text and hasattr(m.to, "user_id")}
    assert offered and "m1" not in offered
