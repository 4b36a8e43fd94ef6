"""Neutrality, blocks and conflicts of interest follow identities, with their history: a link
and an unlink (through the real bus, accounts on two platforms, both engines) can't make
someone a stranger to their own dispute, decision, block or request."""

from __future__ import annotations

import json

import pytest

from bot.domain.messages import Actor, OutboundMessage, PersonAddress, Reply
from bot.service.context import identity_hash as identity_key
from bot.storage import migrations, open_database
from bot.storage.sql import disputes as dispute_sql
from tests.conftest import Harness, HarnessFactory

MODS = {"communities.default.moderators": '["console:mod1", "console:mod2", "slack:U-MAX"]'}
# Max moderates from Slack; his second account is on Discord and is not a moderator.
MAX = Actor("slack", "T1", "U-MAX", "max")
MAX_ALT = Actor("discord", "G1", "999", "max#alt")
MAX_THIRD = Actor("console", "console", "max3", "max3")
# Ana uses the console and Slack; bob the console.
ANA = Actor("console", "console", "ana", "ana")
ANA_SLACK = Actor("slack", "T1", "U-ANA", "Ana")


async def say(h: Harness, actor: Actor, line: str) -> Reply:
    return await h.core.bus.handle_line(actor, line)


async def ok(h: Harness, actor: Actor, line: str) -> Reply:
    reply = await say(h, actor, line)
    assert not reply.is_error, f"{actor.user_id}: {line!r} failed: {reply.text}"
    return reply


async def link(h: Harness, maker: Actor, typer: Actor) -> None:
    """`maker` makes a code and `typer` types it: typer's record joins maker's."""
    code = (await ok(h, maker, "/mentor link")).text.split("code is ")[1].split(".")[0]
    await ok(h, typer, f"/mentor link {code}")


def shown(reply: Reply) -> str:
    """A reply's text with its fields' values."""
    return " ".join([reply.text, *(f.value for f in reply.fields)])


def offered(messages: list[OutboundMessage]) -> list[str]:
    return sorted(
        m.to.user_id
        for m in messages
        if isinstance(m.to, PersonAddress) and m.key and m.key.startswith("offer:") and not m.update
    )


async def setup(make_harness: HarnessFactory) -> Harness:
    h = await make_harness(**MODS)
    await h.mentor("m1", "python")
    await h.ok("m1", "/mentor profile capacity 3 20")
    for name in ("ana", "bob"):
        await h.ok(name, "/mentor profile")
    h.take()
    return h


async def session_with_max(h: Harness, mentee: Actor = MAX) -> None:
    """`mentee` asks, m1 takes it as s1, both check in, it ends; m1 disputes it (d1)."""
    await ok(h, mentee, "/mentor ask python -- question")
    await h.ok("m1", "/mentor accept r1")
    await ok(h, mentee, "/mentor checkin s1")
    await h.ok("m1", "/mentor checkin s1")
    await h.ok("m1", "/mentor done s1")
    await h.ok("m1", "/mentor dispute s1 -- He never listened.")
    h.take()


async def test_a_party_cannot_decide_after_linking_and_unlinking(
    make_harness: HarnessFactory,
) -> None:
    """Max, a party, links his moderator account into his other record and unlinks it: the
    fresh record is still a party and can't decide; another moderator can."""
    h = await setup(make_harness)
    await session_with_max(h)
    await link(h, MAX_ALT, MAX)
    await ok(h, MAX, "/mentor unlink")
    refused = await say(h, MAX, "/mentor mod resolve d1 dismiss -- Nothing happened.")
    assert refused.is_error and "you were a party to it" in refused.text
    await h.ok("mod2", "/mentor mod resolve d1 dismiss -- Nothing to act on.")


async def test_the_queue_and_show_mark_it_not_yours_after_unlinking(
    make_harness: HarnessFactory,
) -> None:
    """After link and unlink, `mod queue` still tells Max it isn't his, and `mod show` won't
    show him what the other side wrote."""
    h = await setup(make_harness)
    await session_with_max(h)
    await link(h, MAX_ALT, MAX)
    await ok(h, MAX, "/mentor unlink")
    queue = await ok(h, MAX, "/mentor mod queue")
    assert "d1:" in queue.text and "(not yours: you were a party to it)" in queue.text
    show = await say(h, MAX, "/mentor mod show d1")
    assert show.is_error and "You are a party to d1" in show.text
    assert show.fields == ()


async def test_a_chain_through_a_third_account_still_makes_a_party(
    make_harness: HarnessFactory,
) -> None:
    """The party is Max's Discord record, which his moderator account never held: a third
    account links into it, unlinks, links with the moderator account, and the moderator
    account unlinks. Related records are closed transitively, so he is still a party."""
    h = await setup(make_harness)
    await session_with_max(h, mentee=MAX_ALT)
    await link(h, MAX_ALT, MAX_THIRD)  # the third account joins the party's record
    await ok(h, MAX_THIRD, "/mentor unlink")
    await link(h, MAX_THIRD, MAX)  # the moderator account joins the third's fresh record
    await ok(h, MAX, "/mentor unlink")
    refused = await say(h, MAX, "/mentor mod resolve d1 dismiss -- Nothing happened.")
    assert refused.is_error and "you were a party to it" in refused.text


async def test_the_decider_cannot_decide_the_appeal_after_linking_and_unlinking(
    make_harness: HarnessFactory,
) -> None:
    """Max decides d1, links his account into his other record and unlinks it: he still
    can't decide the appeal, and the parties hear nothing until another moderator does."""
    h = await setup(make_harness)
    await h.ok("ana", "/mentor report @bob -- harassment")
    await ok(h, MAX, "/mentor mod resolve d1 warn -- A warning.")
    await h.ok("bob", "/mentor appeal d1 -- It was a misunderstanding.")
    await link(h, MAX_ALT, MAX)
    await ok(h, MAX, "/mentor unlink")
    h.take()
    refused = await say(h, MAX, "/mentor mod resolve d1 uphold -- I stand by it.")
    assert refused.is_error and "you made the decision under appeal" in refused.text
    assert not [m for m in h.take() if isinstance(m.to, PersonAddress)]
    await h.ok("mod2", "/mentor mod resolve d1 uphold -- It stands.")
    told = [m.text for m in h.take() if isinstance(m.to, PersonAddress)]
    assert len(told) == 2 and all("decided by another moderator" in t for t in told)


async def test_the_appeal_statement_itself_refuses_a_related_decider(
    make_harness: HarnessFactory,
) -> None:
    """DECIDE_APPEAL checks the first decider's related records in SQL, not only the service."""
    h = await setup(make_harness)
    await h.ok("ana", "/mentor report @bob -- harassment")
    await ok(h, MAX, "/mentor mod resolve d1 warn -- A warning.")
    await h.ok("bob", "/mentor appeal d1 -- It was a misunderstanding.")
    await link(h, MAX_ALT, MAX)
    await ok(h, MAX, "/mentor unlink")
    async with h.core.db.transaction() as tx:
        fresh = await tx.fetch_val(
            "SELECT person_id FROM identities WHERE platform = 'slack' AND user_id = 'U-MAX'"
        )
        decided = await tx.fetch_one(
            dispute_sql.DECIDE_APPEAL,
            {"id": 1, "moderator_id": fresh, "decision": "uphold", "note": "n", "now": 1},
        )
    assert decided is None


async def test_a_party_may_appeal_from_an_account_unlinked_since(
    make_harness: HarnessFactory,
) -> None:
    """Ana is warned on her linked record, then unlinks her console account: she may still
    appeal from it (the decision is about her), and once only."""
    h = await setup(make_harness)
    await link(h, ANA_SLACK, ANA)
    await h.ok("bob", "/mentor report @ana -- rude")
    await h.ok("mod1", "/mentor mod resolve d1 warn -- Be kind.")
    await ok(h, ANA, "/mentor unlink")
    await ok(h, ANA, "/mentor appeal d1 -- I was not rude.")
    twice = await say(h, ANA_SLACK, "/mentor appeal d1 -- again")
    assert twice.is_error and "one appeal" in twice.text


async def test_a_block_survives_the_blockers_unlink_both_ways(
    make_harness: HarnessFactory,
) -> None:
    """Ana blocks bob, then unlinks her console account: its fresh record is neither offered
    nor can accept bob's request, and bob can't take its request either."""
    h = await setup(make_harness)
    await h.mentor("bob", "python")
    await link(h, ANA_SLACK, ANA)
    await ok(h, ANA, "/mentor block @bob")
    await ok(h, ANA, "/mentor unlink")
    await ok(h, ANA, "/mentor skills add python")
    await ok(h, ANA, "/mentor available for 8h")
    h.take()
    await h.ok("bob", "/mentor ask python -- from bob")
    assert offered(h.take()) == ["m1"]
    refused = await say(h, ANA, "/mentor accept r1")
    assert refused.is_error and "isn't available to you" in refused.text
    await ok(h, ANA, "/mentor ask python -- from ana")
    assert "bob" not in offered(h.take())
    refused = await h.say("bob", "/mentor accept r2")
    assert refused.is_error and "isn't available to you" in refused.text


async def test_a_block_survives_the_blocked_persons_unlink(make_harness: HarnessFactory) -> None:
    """bob blocks ana's console account; ana unlinks it: the fresh record is still blocked,
    and so is her Slack account's record."""
    h = await setup(make_harness)
    await link(h, ANA_SLACK, ANA)
    await h.ok("bob", "/mentor block @ana")
    await ok(h, ANA, "/mentor unlink")
    for actor in (ANA, ANA_SLACK):
        await ok(h, actor, "/mentor skills add python")
        await ok(h, actor, "/mentor available for 8h")
    h.take()
    await h.ok("bob", "/mentor ask python -- from bob")
    assert offered(h.take()) == ["m1"]


async def test_a_block_survives_unlink_and_relink(make_harness: HarnessFactory) -> None:
    """After the unlink, ana's console account links with a third account: still blocked;
    and the block, made before the unlink, can be undone from the console account."""
    h = await setup(make_harness)
    await h.mentor("bob", "python")
    await link(h, ANA_SLACK, ANA)
    await ok(h, ANA, "/mentor block @bob")
    await ok(h, ANA, "/mentor unlink")
    await link(h, ANA, Actor("discord", "G1", "777", "ana#discord"))
    h.take()
    await ok(h, ANA, "/mentor ask python -- from ana")
    assert offered(h.take()) == ["m1"]
    refused = await h.say("bob", "/mentor accept r1")
    assert refused.is_error and "isn't available to you" in refused.text
    await ok(h, ANA, "/mentor unblock @bob")
    await h.ok("bob", "/mentor accept r1")


async def test_an_account_once_linked_to_yours_cannot_be_blocked(
    make_harness: HarnessFactory,
) -> None:
    """ana2 joined ana's record and left again: ana can't block it (it is her)."""
    h = await setup(make_harness)
    await link(h, Actor("console", "console", "ana2", "ana2"), ANA)
    await ok(h, ANA, "/mentor unlink")
    refused = await h.say("ana", "/mentor block @ana2")
    assert refused.is_error and "is, or was, linked to yours" in refused.text


async def test_a_related_record_of_the_requester_cannot_be_assigned(
    make_harness: HarnessFactory,
) -> None:
    """Ana asks from Slack, then unlinks her console account: a moderator can't assign her
    request to that account's fresh record."""
    h = await setup(make_harness)
    await link(h, ANA_SLACK, ANA)
    await ok(h, ANA_SLACK, "/mentor ask python -- from ana")
    await ok(h, ANA, "/mentor unlink")
    await ok(h, ANA, "/mentor skills add python")
    refused = await h.say("mod1", "/mentor mod assign r1 @ana")
    assert refused.is_error and "ana asked r1" in refused.text
    await h.ok("mod1", "/mentor mod assign r1 @m1")


async def test_a_moderator_cannot_assign_his_own_request_from_an_unlinked_record(
    make_harness: HarnessFactory,
) -> None:
    """mod1 asks from his Slack account, then unlinks his console account: from there he
    can't assign his own request; mod2 can."""
    h = await setup(make_harness)
    mod1_slack = Actor("slack", "T1", "U-MOD1", "mod1s")
    await link(h, mod1_slack, Actor("console", "console", "mod1", "mod1"))
    await ok(h, mod1_slack, "/mentor ask python -- my own question")
    await h.ok("mod1", "/mentor unlink")
    refused = await h.say("mod1", "/mentor mod assign r1 @m1")
    assert refused.is_error and "You asked r1 yourself" in refused.text
    await h.ok("mod2", "/mentor mod assign r1 @m1")


async def test_an_unlinked_record_cannot_accept_its_own_request(
    make_harness: HarnessFactory,
) -> None:
    """Ana asks from Slack, unlinks her console account and accepts from it: refused."""
    h = await setup(make_harness)
    await link(h, ANA_SLACK, ANA)
    await ok(h, ANA_SLACK, "/mentor ask python -- from ana")
    await ok(h, ANA, "/mentor unlink")
    await ok(h, ANA, "/mentor skills add python")
    refused = await say(h, ANA, "/mentor accept r1")
    assert refused.is_error and "your own request" in refused.text


async def test_routing_does_not_offer_a_request_to_the_requesters_other_record(
    make_harness: HarnessFactory,
) -> None:
    """After the unlink, a request from ana's Slack account is not offered to her console
    account's fresh record, nor the other way round."""
    h = await setup(make_harness)
    await link(h, ANA_SLACK, ANA)
    await ok(h, ANA, "/mentor unlink")
    for actor in (ANA, ANA_SLACK):
        await ok(h, actor, "/mentor skills add python")
        await ok(h, actor, "/mentor available for 8h")
    h.take()
    await ok(h, ANA_SLACK, "/mentor ask python -- from slack")
    assert offered(h.take()) == ["m1"]
    await ok(h, ANA, "/mentor ask python -- from the console")
    assert offered(h.take()) == ["m1"]


async def test_a_forgotten_party_who_comes_back_is_still_a_party(
    make_harness: HarnessFactory,
) -> None:
    """mod1, a party, is forgotten and comes back with a fresh record: he still can't decide."""
    h = await setup(make_harness)
    await session_with_max(h, mentee=Actor("console", "console", "mod1", "mod1"))
    await h.ok("mod1", "/mentor forget confirm")
    refused = await h.say("mod1", "/mentor mod resolve d1 dismiss -- Nothing happened.")
    assert refused.is_error and "you were a party to it" in refused.text


async def test_a_block_of_a_forgotten_person_holds_when_they_come_back(
    make_harness: HarnessFactory,
) -> None:
    """bob blocked ana; ana is forgotten and comes back as a mentor: not offered bob's request."""
    h = await setup(make_harness)
    await h.ok("bob", "/mentor block @ana")
    await h.ok("ana", "/mentor forget confirm")
    await h.mentor("ana", "python")
    h.take()
    await h.ok("bob", "/mentor ask python -- from bob")
    assert offered(h.take()) == ["m1"]


async def test_export_lists_the_account_history_of_every_related_record(
    make_harness: HarnessFactory,
) -> None:
    """After an unlink, the console account's export shows its time on the linked record and
    on its fresh one, and names only accounts linked to it now."""
    h = await setup(make_harness)
    await link(h, ANA_SLACK, ANA)
    await ok(h, ANA, "/mentor unlink")
    data = json.loads((await ok(h, ANA, "/mentor export")).files[0].content)
    history = data["account_history"]
    console = [row for row in history if row["account"] == "console:console:ana"]
    assert len(console) == 2 and console[0]["until"] is not None and console[1]["until"] is None
    assert console[0]["record"] != console[1]["record"]
    slack = [row for row in history if row["platform"] == "slack"]
    assert len(slack) == 1 and slack[0]["account"] is None and slack[0]["until"] is None


async def test_migration_9_backfills_the_history_from_the_identities(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store from before the history gets one open row per identity, keyed by its hash,
    from when its record was made."""
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:8])
    identities = [("slack", "T1", "U-ANA", 1), ("console", "console", "ana", 1)]
    identities.append(("console", "console", "bob", 2))
    db = await open_database(storage_url)
    try:
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO communities (id, name, created_at) VALUES ('default', 'D', 1)"
            )
            for pid, created in ((1, 100), (2, 200)):
                await tx.execute(
                    "INSERT INTO persons (id, community_id, display_name, timezone,"
                    " capacity_concurrent, capacity_weekly, created_at, last_active_at)"
                    " VALUES (:id, 'default', :name, 'UTC', 1, 5, :created, :created)",
                    {"id": pid, "name": f"p{pid}", "created": created},
                )
            for platform, workspace, user_id, pid in identities:
                await tx.execute(
                    "INSERT INTO identities (platform, workspace, user_id, person_id,"
                    " community_id, display_name, last_seen_at) VALUES (:platform, :workspace,"
                    " :user_id, :pid, 'default', :user_id, 300)",
                    {"platform": platform, "workspace": workspace, "user_id": user_id, "pid": pid},
                )
    finally:
        await db.close()
    monkeypatch.undo()
    db = await open_database(storage_url)
    try:
        async with db.transaction() as tx:
            rows = await tx.fetch(
                "SELECT identity_key, platform, person_id, started_at, ended_at"
                " FROM identity_history"
            )
    finally:
        await db.close()
    assert sorted(
        (r["identity_key"], r["platform"], int(r["person_id"]), int(r["started_at"]), r["ended_at"])
        for r in rows
    ) == sorted(
        (identity_key(platform, workspace, user_id), platform, pid, 100 * pid, None)
        for platform, workspace, user_id, pid in identities
    )


async def test_a_suspension_reaches_a_record_unlinked_before_the_decision(
    make_harness: HarnessFactory,
) -> None:
    """Ana links and unlinks, then is suspended on one record: the other can't ask either,
    and an overturn lifts it on both."""
    h = await setup(make_harness)
    await link(h, ANA, ANA_SLACK)
    await ok(h, ANA_SLACK, "/mentor unlink")
    await h.ok("bob", "/mentor report @ana -- rude in the thread")
    await h.ok("mod1", "/mentor mod resolve d1 suspend --days 3 -- Please be kind.")
    refused = await say(h, ANA_SLACK, "/mentor ask python -- q")
    assert refused.is_error and "suspended" in refused.text
    await ok(h, ANA, "/mentor appeal d1 -- It was a misunderstanding.")
    await h.ok("mod2", "/mentor mod resolve d1 overturn -- Agreed.")
    await ok(h, ANA_SLACK, "/mentor ask python -- q")


async def test_your_other_account_is_not_your_mentor_or_someone_to_report(
    make_harness: HarnessFactory,
) -> None:
    """`--with` naming one's own other record, and a report of it, are refused as for the
    same record (two accounts on one platform, linked once)."""
    h = await setup(make_harness)
    other = Actor("console", "console", "ana2", "ana2")
    await ok(h, other, "/mentor skills add python")
    await link(h, ANA, other)
    await ok(h, other, "/mentor unlink")
    own = await say(h, ANA, "/mentor ask python --with @ana2 -- q")
    assert own.is_error and "your own mentor" in own.text
    reported = await say(h, ANA, "/mentor report @ana2 -- me")
    assert reported.is_error and "yourself" in reported.text


async def test_one_person_holds_one_place_in_a_second_opinion(
    make_harness: HarnessFactory,
) -> None:
    """m1 takes r1, then tries to join as the second mentor from an account once linked."""
    h = await setup(make_harness)
    alt = Actor("console", "console", "m1alt", "m1alt")
    await ok(h, alt, "/mentor skills add python")
    await link(h, Actor("console", "console", "m1", "m1"), alt)
    await ok(h, alt, "/mentor unlink")
    await ok(h, alt, "/mentor skills add python")
    await h.ok("ana", "/mentor ask python --mentors 2 -- two views")
    await h.ok("m1", "/mentor accept r1")
    twice = await say(h, alt, "/mentor accept r1")
    assert twice.is_error and "already take part in s1, from another account" in twice.text


async def test_two_sides_of_one_session_cannot_be_linked(make_harness: HarnessFactory) -> None:
    """Ana asked on the console and took her own request with her Slack account: one record
    can't be both sides of s1, so the link is refused and s1 goes on as it was."""
    h = await make_harness()
    await ok(h, ANA_SLACK, "/mentor skills add python")
    await ok(h, ANA_SLACK, "/mentor available for 8h")
    await ok(h, ANA, "/mentor ask python -- How do I profile a slow loop?")
    await ok(h, ANA_SLACK, "/mentor accept r1")
    code = (await ok(h, ANA, "/mentor link")).text.split("code is ")[1].split(".")[0]
    refused = await say(h, ANA_SLACK, f"/mentor link {code}")
    assert refused.is_error and "both in session s1" in refused.text
    for actor in (ANA, ANA_SLACK):
        await ok(h, actor, "/mentor checkin s1")
    await ok(h, ANA, "/mentor done s1 resolved")
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT COUNT(*) FROM persons") == 2


async def test_two_mentors_of_one_session_cannot_be_linked(make_harness: HarnessFactory) -> None:
    """Both accounts mentored one request with two mentors and were rated: not one record
    (their ratings for the one session would collide)."""
    h = await make_harness()
    m2 = Actor("console", "console", "m2", "m2")  # the same person's second account
    await h.mentor("m1", "python")
    await ok(h, m2, "/mentor skills add python")
    await ok(h, m2, "/mentor available for 8h")
    await h.ok("ana", "/mentor ask python --mentors 2 -- Two views on my schema, please")
    await h.ok("m1", "/mentor accept r1")
    await ok(h, m2, "/mentor accept r1")
    for who in ("ana", "m1"):
        await h.ok(who, "/mentor checkin s1")
    await ok(h, m2, "/mentor checkin s1")
    await h.ok("ana", "/mentor done s1 resolved")
    await h.ok("ana", "/mentor rate s1 @m1 5")
    await h.ok("ana", "/mentor rate s1 @m2 4")
    code = (await h.ok("m1", "/mentor link")).text.split("code is ")[1].split(".")[0]
    refused = await say(h, m2, f"/mentor link {code}")
    assert refused.is_error and "both in session s1" in refused.text


async def test_late_cancels_and_a_named_mentor_follow_the_link(
    make_harness: HarnessFactory,
) -> None:
    """A mentor's late cancel (the session they ended) and a member's choice of them
    (`--with`) belong to the record the account joins: linking doesn't wash a record."""
    h = await make_harness()
    m1_slack = Actor("slack", "T1", "U-M1", "m1")
    await h.mentor("m1", "python")
    await ok(h, m1_slack, "/mentor profile")
    await h.ok("ana", "/mentor ask python -- How do I read a CSV?")
    await h.ok("m1", "/mentor accept r1")
    await h.ok("m1", "/mentor withdraw s1")  # at the start: a late cancel
    assert "1 late cancels" in shown(await h.ok("m1", "/mentor me"))
    await h.ok("bob", "/mentor ask python --with @m1 -- Why is my join slow?")
    await link(h, m1_slack, Actor("console", "console", "m1", "m1"))  # the console record goes
    assert "1 late cancels" in shown(await ok(h, m1_slack, "/mentor me"))
    async with h.core.db.transaction() as tx:
        dangling = await tx.fetch_val(
            "SELECT COUNT(*) FROM help_requests r WHERE r.preferred_mentor_id IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.id = r.preferred_mentor_id)"
        )
        ended_by_gone = await tx.fetch_val(
            "SELECT COUNT(*) FROM sessions s WHERE s.ended_by IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.id = s.ended_by)"
        )
    assert dangling == 0 and ended_by_gone == 0
