"""Forget, retention and sanctions together (through the real bus, both engines): a returning
forgotten account carries the suspensions decided about it, as they stand now; retention
reaches the texts of requests whose session took place; forget rewrites only its own name,
and only in the audit entries about the person."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.service.context import identity_hash
from tests.conftest import START, Harness, HarnessFactory
from tests.integration.test_choice_of_mentor import offered_and_not

MODS = {"communities.default.moderators": '["console:mod1", "console:mod2"]'}


async def audit_details(h: Harness) -> list[str]:
    async with h.core.db.transaction() as tx:
        return [
            str(r["detail"]) for r in await tx.fetch("SELECT detail FROM audit_log ORDER BY id")
        ]


async def reported(make_harness: HarnessFactory) -> Harness:
    """bob is reported by ana; m1 mentors python."""
    h = await make_harness(**MODS)
    await h.mentor("m1", "python")
    await h.ok("bob", "/mentor profile")
    await h.ok("ana", "/mentor report @bob -- harassment")
    return h


async def refused_as_suspended(h: Harness, user: str) -> None:
    reply = await h.say(user, "/mentor ask python -- help me")
    assert reply.is_error and "suspended" in reply.text, reply.text


# A suspension follows the person, not a snapshot taken when they were forgotten.


async def test_a_report_decided_after_its_subject_forgot_suspends_them_on_return(
    make_harness: HarnessFactory,
) -> None:
    """bob forgets while the report about him is pending: the suspension decided afterwards
    applies when the same account comes back."""
    h = await reported(make_harness)
    await h.ok("bob", "/mentor forget confirm")
    await h.ok("mod1", "/mentor mod resolve d1 suspend --days 30 -- harassment confirmed")
    await refused_as_suspended(h, "bob")


async def test_an_overturned_suspension_no_longer_applies_to_a_returning_account(
    make_harness: HarnessFactory,
) -> None:
    """bob is suspended, forgets, and the suspension is overturned on appeal: he comes back
    free."""
    h = await reported(make_harness)
    await h.ok("mod1", "/mentor mod resolve d1 suspend --days 30 -- confirmed")
    await h.ok("bob", "/mentor forget confirm")
    await h.ok("ana", "/mentor appeal d1 -- it was a misunderstanding on my side")
    await h.ok("mod2", "/mentor mod resolve d1 overturn -- no suspension after all")
    await h.ok("bob", "/mentor ask python -- help me")


async def test_a_running_suspension_outlives_forget_until_it_ends(
    make_harness: HarnessFactory,
) -> None:
    h = await reported(make_harness)
    await h.ok("mod1", "/mentor mod resolve d1 suspend --days 30 -- confirmed")
    await h.ok("bob", "/mentor forget confirm")
    await refused_as_suspended(h, "bob")
    await h.wait(timedelta(days=31))
    await h.ok("bob", "/mentor ask python -- help me")


async def test_a_suspension_remembered_from_before_the_history_still_applies(
    make_harness: HarnessFactory,
) -> None:
    """An account forgotten before identity_history existed has only its one-way key's
    remembered end: it still counts when the account comes back."""
    h = await make_harness(**MODS)
    await h.mentor("m1", "python")
    until = int((START + timedelta(days=10)).timestamp())
    async with h.core.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO forgotten_identities (identity_hash, suspended_until, created_at) "
            "VALUES (:hash, :until, 0)",
            {"hash": identity_hash("console", "console", "bob"), "until": until},
        )
    await refused_as_suspended(h, "bob")
    await h.wait(timedelta(days=11))
    await h.ok("bob", "/mentor ask python -- help me")


# Retention


async def test_retention_removes_the_texts_of_a_request_whose_session_took_place(
    make_harness: HarnessFactory,
) -> None:
    """The request stays matched after its session completes; its texts still go."""
    h = await make_harness(**{"privacy.retention": "2d"})
    await h.mentor("m1", "python")
    await h.ok("ana", "/mentor ask python --goal ship-it --tried gather -- secret question")
    await h.ok("m1", "/mentor accept r1")
    await h.ok("ana", "/mentor checkin s1")
    await h.ok("m1", "/mentor checkin s1")
    await h.ok("m1", "/mentor done s1")
    await h.wait(timedelta(days=5))
    async with h.core.db.transaction() as tx:
        row = await tx.fetch_one("SELECT question, goal, tried FROM help_requests WHERE id = 1")
    assert row is not None
    assert (row["question"], row["goal"], row["tried"]) == (
        "[removed after the retention period]",
        None,
        None,
    )


async def test_retention_keeps_the_texts_of_a_request_whose_session_is_still_to_come(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(**{"privacy.retention": "2d"})
    await h.mentor("m1", "python")
    await h.ok("ana", "/mentor ask python --at in 6d -- a question for later")
    await h.ok("m1", "/mentor accept r1")
    await h.wait(timedelta(days=4))
    async with h.core.db.transaction() as tx:
        question = await tx.fetch_val("SELECT question FROM help_requests WHERE id = 1")
        state = await tx.fetch_val("SELECT state FROM sessions WHERE id = 1")
    assert (question, state) == ("a question for later", "scheduled")


# Forget and the audit log


async def test_forget_rewrites_its_names_as_whole_names_only(
    make_harness: HarnessFactory,
) -> None:
    """ana forgets: the entry warning her names 'former member N' (its note keeps 'anabel'),
    and in the entry warning anabel, who is someone else, only the note's mention of ana
    changes."""
    h = await make_harness(**MODS)
    for name in ("ana", "anabel", "bob"):
        await h.ok(name, "/mentor profile")
    await h.ok("bob", "/mentor report @ana -- rude")
    await h.ok("bob", "/mentor report @anabel -- rude too")
    await h.ok("mod1", "/mentor mod resolve d1 warn -- ana and anabel, be kind")
    await h.ok("mod1", "/mentor mod resolve d2 warn -- ana saw it, be kind")
    async with h.core.db.transaction() as tx:
        ana = await tx.fetch_val("SELECT person_id FROM identities WHERE user_id = 'ana'")
    await h.ok("ana", "/mentor forget confirm")
    about_ana, about_anabel = await audit_details(h)
    anon = f"former member {ana}"
    assert about_anabel.startswith("warn anabel (before:"), about_anabel
    assert about_anabel.endswith(f"Note: {anon} saw it, be kind"), about_anabel
    assert about_ana.startswith(f"warn {anon} (before:"), about_ana
    assert about_ana.endswith(f"Note: {anon} and anabel, be kind"), about_ana


async def test_forget_tells_those_waiting_on_an_open_request_without_its_texts(
    make_harness: HarnessFactory,
) -> None:
    """The member's open request ends with them: the mentor holding its offer and one who
    offered to take it from the open list hear it, and nobody is sent its texts again."""
    h = await make_harness(**{"routing.wave_size": "1"})
    await h.mentor("m1", "python")
    await h.mentor("m2", "python")
    await h.ok(
        "ana",
        "/mentor ask python --choose --goal ship-secret-goal -- How do I read a CSV?",
    )
    offered, outsider = await offered_and_not(h)
    await h.ok(outsider, "/mentor accept r1")  # from the open list: no offer of their own
    await h.ok(outsider, "/mentor away")
    h.take()
    await h.ok("ana", "/mentor forget confirm")
    sent = h.take()
    to_offered = [m.text for m in h.to(sent, offered)]
    to_outsider = [m.text for m in h.to(sent, outsider)]
    assert any("its member left micromentor" in t for t in to_offered), to_offered
    assert any("Thanks for offering" in t for t in to_outsider), to_outsider
    assert not any("ship-secret-goal" in f.value for m in sent for f in m.fields)
    others = [m for m in sent if getattr(m.to, "user_id", None) != "ana"]
    assert others and not any(re.search(r"\bana\b", m.text) for m in others)
    async with h.core.db.transaction() as tx:
        assert await tx.fetch_val("SELECT COUNT(*) FROM volunteers") == 0


async def test_forget_leaves_a_name_too_short_to_tell_from_a_word(
    make_harness: HarnessFactory,
) -> None:
    """A member named "a" forgets: "take a break" in a note about bob stays as it was."""
    h = await make_harness(**MODS)
    for name in ("a", "bob", "carl"):
        await h.ok(name, "/mentor profile")
    await h.ok("carl", "/mentor report @bob -- rude")
    await h.ok("mod1", "/mentor mod resolve d1 warn -- bob, take a break and be kind")
    await h.ok("a", "/mentor forget confirm")
    (detail,) = await audit_details(h)
    assert "bob, take a break and be kind" in detail
