"""`/mentor ask -- <question>` without skills: the member is shown the skills their question
seems to be about and the command that asks with them; nothing is created until they do."""

from __future__ import annotations

from tests.conftest import HarnessFactory


async def test_a_question_without_skills_gets_suggestions_and_creates_nothing(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness()
    await h.mentor("m1", "python", "pandas")
    reply = await h.say("ana", "/mentor ask -- How do I read a CSV with pandas? pd.read_csv fails")
    assert reply.is_error
    assert "`pandas`" in reply.text
    assert "/mentor ask pandas" in reply.text
    assert h.to(h.take(), "m1") == []  # no offer went out
    queue = await h.ok("ana", "/mentor queue")
    assert "no open request" in queue.text
    # confirming is asking with them
    await h.ok("ana", "/mentor ask pandas python -- How do I read a CSV with pandas?")
    assert len(h.to(h.take(), "m1")) == 1


async def test_a_question_with_nothing_to_go_on_is_asked_for_its_skills(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness()
    reply = await h.say("ana", "/mentor ask -- anyone around?")
    assert reply.is_error
    assert "Which skills" in reply.text
    assert "/mentor skills" in reply.text


async def test_suggestions_come_from_the_communitys_own_skills(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(**{"communities.default.skills": '{"godot": ["gdscript"]}'})
    reply = await h.say("ana", "/mentor ask -- my gdscript signal never fires")
    assert "`godot`" in reply.text
