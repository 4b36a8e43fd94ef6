"""A choice of mentor (`ask --choose`): mentors who accept offer to take the request and are
held for it; the member picks one, who gets it exactly once; the others are released; with
no pick in time, the best rated gets it; nobody is held beyond their capacity."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.domain.messages import Actor
from bot.domain.model import HelpRequest
from bot.service import choice, waves
from bot.service.context import Scope
from tests.conftest import Harness, HarnessFactory

M1 = Actor("console", "console", "m1", "m1")

ASK = "/mentor ask python --choose -- How do I profile a slow pandas groupby?"


async def offered_and_not(h: Harness) -> tuple[str, str]:
    """Of m1 and m2 (a wave of one): the mentor offered the request, and the other, who finds
    it with `/mentor open`."""
    async with h.core.db.transaction() as tx:
        offered = str(
            await tx.fetch_val(
                "SELECT p.display_name FROM offers o JOIN persons p ON p.id = o.mentor_id"
            )
        )
    return offered, "m2" if offered == "m1" else "m1"


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
        # m1's offer ends with the hold (it had answered: withdrawn, not ignored), so it
        # doesn't stand in the way of the next wave
        mine = await tx.fetch_val(
            "SELECT o.state FROM offers o JOIN persons p ON p.id = o.mentor_id "
            "WHERE p.display_name = 'm1'"
        )
    assert mine == "withdrawn"


async def test_a_withdrawal_keeps_the_others_numbers(make_harness: HarnessFactory) -> None:
    """The member's list is edited when a mentor withdraws, and every other mentor keeps the
    number the member saw: "pick 2" is still the one shown as 2."""
    h = await three_mentors(make_harness)
    await h.ok("ana", ASK)
    for user in ("m1", "m2", "m3"):
        await h.ok(user, "/mentor accept r1")
    h.take()
    await h.ok("m1", "/mentor decline r1")
    listing = h.to(h.take(), "ana")[-1]
    assert "1. m1" not in listing.text
    assert "2. m2" in listing.text and "3. m3" in listing.text
    assert [a.command for a in listing.actions] == ["/mentor pick r1 2", "/mentor pick r1 3"]
    gone = await h.say("ana", "/mentor pick r1 1")
    assert gone.is_error and "pick one of 2, 3" in gone.text
    picked = await h.ok("ana", "/mentor pick r1 2")
    assert "You picked m2" in picked.text


async def test_the_choice_ends_after_the_first_who_offered_withdraws(
    make_harness: HarnessFactory,
) -> None:
    """The window runs from the first offer still standing: when the first withdraws, the
    choice ends a window after the next one's offer (it used to never end)."""
    h = await three_mentors(make_harness, **{"requests.choose_window": "10m"})
    await h.ok("ana", ASK)
    await h.ok("m1", "/mentor accept r1")
    h.advance(timedelta(minutes=5))
    await h.ok("m2", "/mentor accept r1")
    await h.ok("m1", "/mentor decline r1")
    assert "Pick one by Mon 23 Nov 10:15" in h.to(h.take(), "ana")[-1].text
    await h.wait(timedelta(minutes=6))  # the first window is over, m2's isn't
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT state FROM help_requests WHERE id = 1") == "open"
    await h.wait(timedelta(minutes=5))
    assert any("Time to pick was up: m2" in m.text for m in h.to(h.take(), "ana"))
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT state FROM help_requests WHERE id = 1") == "matched"


async def test_a_forgotten_mentor_is_no_longer_held(make_harness: HarnessFactory) -> None:
    h = await three_mentors(make_harness)
    await h.ok("ana", ASK)
    await h.ok("m1", "/mentor accept r1")
    await h.ok("m1", "/mentor forget confirm")
    await h.wait(timedelta(minutes=11))
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT COUNT(*) FROM volunteers") == 0
        assert await tx.fetch_val("SELECT COUNT(*) FROM sessions") == 0
        assert await tx.fetch_val("SELECT state FROM help_requests WHERE id = 1") == "open"


async def test_a_mentor_linked_to_the_member_is_never_picked(
    make_harness: HarnessFactory,
) -> None:
    """A mentor who offered, then linked their account with the member's (one person): a
    pick says so politely, and the deadline passes them over instead of failing."""
    h = await three_mentors(make_harness)
    await h.ok("ana", ASK)
    await h.ok("m1", "/mentor accept r1")
    code = (await h.ok("ana", "/mentor link")).text.split("code is ")[1].split(".")[0]
    await h.ok("m1", f"/mentor link {code}")
    refused = await h.say("ana", "/mentor pick r1 1")
    assert refused.is_error and "your accounts are linked" in refused.text
    await h.wait(timedelta(minutes=11))
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT COUNT(*) FROM due_actions WHERE error IS NOT NULL") == 0
        assert await tx.fetch_val("SELECT COUNT(*) FROM sessions") == 0
        assert await tx.fetch_val("SELECT COUNT(*) FROM volunteers") == 0


@pytest.mark.parametrize("end", ["cancel", "close", "expire"])
async def test_those_who_offered_from_the_open_list_hear_when_it_ends(
    make_harness: HarnessFactory, end: str
) -> None:
    """A mentor who offered from `/mentor open` (no offer of their own to be edited) was
    told they'd hear either way: they do when the member cancels, a moderator closes it or
    it expires, and nobody stays held."""
    h = await make_harness(
        **{
            "routing.wave_size": "1",
            "requests.choose_window": "2d",
            "communities.default.moderators": '["console:mod1"]',
        }
    )
    await h.mentor("m1", "python")
    await h.mentor("m2", "python")
    await h.ok("ana", ASK)
    _, outsider = await offered_and_not(h)
    await h.ok(outsider, "/mentor accept r1")
    await h.ok(outsider, "/mentor away")  # and so gets no offer of their own later
    h.take()
    if end == "cancel":
        await h.ok("ana", "/mentor cancel r1")
    elif end == "close":
        await h.ok("mod1", "/mentor mod close r1 -- Asked twice.")
    else:
        await h.wait(timedelta(days=1, minutes=1))
    told = [m.text for m in h.to(h.take(), outsider)]
    assert any("Thanks for offering" in text for text in told), told
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT COUNT(*) FROM volunteers") == 0


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
    _, outsider = await offered_and_not(h)  # found r1 with `/mentor open`
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


async def test_a_deadline_that_read_the_request_before_a_pick_tells_nobody_it_failed(
    make_harness: HarnessFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the deadline may have read the request and those who offered just
    before a pick committed; its claim then finds the request taken. It stops there: nobody,
    least of all the picked mentor, is told the request "went to nobody". (The stale read
    is replayed here: the deadline is handed the rows read before the pick.)"""
    h = await three_mentors(make_harness)
    await h.ok("ana", ASK)
    await h.ok("m1", "/mentor accept r1")
    await h.ok("m2", "/mentor accept r1")
    async with h.core.db.transaction() as tx:
        scope = Scope(h.core.sweep.deps, tx, h.clock.now(), "default")
        before = await waves.get_request(scope, 1)
        offered = await tx.fetch(choice.sql.VOLUNTEERS, {"request_id": 1})
    h.advance(timedelta(minutes=11))
    await h.ok("ana", "/mentor pick r1 1")
    h.take()
    reads = iter([before])

    async def read_before_the_pick(scope: Scope, request_id: int) -> HelpRequest | None:
        return next(reads, None) or await real_get_request(scope, request_id)

    real_get_request = waves.get_request
    monkeypatch.setattr(choice.waves, "get_request", read_before_the_pick)

    class ReadBefore:
        """The transaction, with those who offered as read before the pick."""

        def __init__(self, tx: Any) -> None:
            self.tx = tx

        def __getattr__(self, name: str) -> Any:
            return getattr(self.tx, name)

        async def fetch(self, query: str, params: Any = None) -> Any:
            return offered if query is choice.sql.VOLUNTEERS else await self.tx.fetch(query, params)

    async with h.core.db.transaction() as tx:
        scope = Scope(h.core.sweep.deps, ReadBefore(tx), h.clock.now(), "default")
        sent = await choice.choice_deadline(scope, 1, 0)
    assert sent == []
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT COUNT(*) FROM sessions") == 1


@pytest.mark.parametrize(
    ("other", "said"),
    [("--with @m1", "doesn't go with `--with`"), ("--mentors 2", "is for one mentor")],
)
async def test_choose_with_a_named_mentor_or_several_is_refused_politely(
    make_harness: HarnessFactory, other: str, said: str
) -> None:
    h = await three_mentors(make_harness)
    refused = await h.say("ana", f"/mentor ask python --choose {other} -- Why is my merge slow?")
    assert refused.is_error and said in refused.text
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT COUNT(*) FROM help_requests") == 0


async def test_the_list_shows_a_rating_only_from_enough_ratings(
    make_harness: HarnessFactory,
) -> None:
    """Found by review: a mentor rated once showed "rated 3.5 (1)" to any member choosing,
    which gives away that one rating's score (the prior's 4 x 5 and a 1: 21 / 6). As
    everywhere, a score shows from accountability.reputation_min_ratings (3) ratings."""
    h = await make_harness()
    await h.mentor("m1", "python")
    await h.held("ana", "m1", "python -- How do I read a CSV?", "r1", "s1")
    await h.ok("ana", "/mentor rate s1 1")
    await h.ok("m1", "/mentor rate s1 4")
    h.take()
    await h.ok("cat", ASK)
    await h.ok("m1", "/mentor accept r2")
    listed = "\n".join(m.text for m in h.to(h.take(), "cat"))
    assert "1. m1 (python; too few ratings to show)" in listed
    assert "3.5" not in listed and "(1)" not in listed


async def test_a_pick_the_mentor_has_no_room_for_keeps_their_load_to_themselves(
    make_harness: HarnessFactory,
) -> None:
    """Found by review: the member heard how many sessions the mentor had taken this week
    and that it was the limit in their profile; a mentor's load and limits are theirs and
    the moderators'."""
    h = await make_harness()
    await h.mentor("m1", "python")
    await h.ok("m1", "/mentor profile capacity 2 2")
    await h.ok("ana", ASK)
    await h.ok("m1", "/mentor accept r1")  # offers to take it: held for ana's choice
    await h.held("bob", "m1", "python -- q2", "r2", "s1")
    await h.ok("cat", "/mentor ask python -- q3")
    await h.ok("m1", "/mentor accept r3")  # the second session of the week: the limit
    picked = await h.say("ana", "/mentor pick r1 1")
    assert picked.is_error
    assert "m1 can't take another session right now" in picked.text
    assert "session(s)" not in picked.text and "profile" not in picked.text
