"""Bad values through the real bus on both engines: one polite refusal, nothing stored."""

from __future__ import annotations

from bot.domain import commands as c
from bot.domain.messages import Actor
from bot.service.bus import SORRY
from tests.conftest import Harness, HarnessFactory

MODS = {"communities.default.moderators": '["console:mod1", "console:mod2"]'}


async def count(h: Harness, table: str) -> int:
    async with h.core.db.transaction() as tx:
        return int(await tx.fetch_val(f"SELECT COUNT(*) FROM {table}"))


async def refused(h: Harness, user: str, line: str, *words: str) -> str:
    """Say it; insist on a polite refusal that contains `words`."""
    reply = await h.say(user, line)
    assert reply.is_error, f"{line!r} was accepted: {reply.text}"
    assert reply.text != SORRY and "went wrong" not in reply.text, reply.text
    for word in words:
        assert word in reply.text, reply.text
    return reply.text


async def test_zero_minutes_is_refused_not_the_default_length(harness: Harness) -> None:
    """`ask --minutes 0` used to make a 30-minute request."""
    await refused(harness, "ana", "/mentor ask python --minutes 0 -- q", "`minutes`", "5 to 240")
    assert await count(harness, "help_requests") == 0


async def test_zero_duration_is_refused_not_the_default_two_hours(harness: Harness) -> None:
    """`available for 0m` used to make the mentor available for two hours."""
    await harness.ok("m1", "/mentor skills add python")
    await refused(harness, "m1", "/mentor available for 0m", "`duration`", "5m to 7d")
    profile = await harness.ok("m1", "/mentor profile")
    assert "not available right now" in profile.text


async def test_zero_days_is_refused_not_the_graduated_default(
    make_harness: HarnessFactory,
) -> None:
    """`mod resolve d1 suspend --days 0` used to suspend for the default three days."""
    h = await make_harness(**MODS)
    await h.ok("bob", "/mentor me")
    await h.ok("ana", "/mentor report @bob -- rude")
    await refused(h, "mod1", "/mentor mod resolve d1 suspend --days 0 -- x", "`days`", "1 to 365")
    assert await count(h, "sanctions") == 0


async def test_huge_durations_and_times_get_a_clear_answer(make_harness: HarnessFactory) -> None:
    """No more "something went wrong" from an overflow: each names what it can take."""
    h = await make_harness(**MODS)
    await h.ok("m1", "/mentor skills add python")
    await refused(h, "ana", "/mentor ask python --at in 99999999999d -- q", "at most 3650d")
    await refused(h, "m1", "/mentor available for 99999999999d", "at most 3650d")
    await refused(h, "ana", "/mentor ask python --at 9999-12-31 23:59 -- q", "30 days ahead")
    await refused(
        h, "mod1", "/mentor mod set routing.offer_deadline 99999999999d", "routing.offer_deadline"
    )
    settings = await h.ok("mod1", "/mentor mod settings")
    assert any(f.label == "routing.offer_deadline" and f.value == "1h" for f in settings.fields)
    assert await count(h, "help_requests") == 0


async def test_an_invisible_question_is_refused(harness: Harness) -> None:
    """Zero-width spaces, direction overrides and terminal controls are not a question."""
    await refused(harness, "ana", "/mentor ask python -- \u200b\u202e\x07\x1b", "`question`")
    await refused(harness, "ana", "/mentor ask python --goal \u200b -- real question", "`goal`")
    assert await count(harness, "help_requests") == 0


async def test_the_smaller_values_are_checked_too(make_harness: HarnessFactory) -> None:
    """Hours, links, zones, settings and report periods."""
    h = await make_harness(**MODS)
    await refused(h, "m1", "/mentor profile hours mon 24:00-01:00", "24:00 can only end")
    hours = await h.ok("m1", "/mentor profile hours sat 00:00-24:00")
    assert "sat 00:00-24:00" in hours.text
    await refused(h, "m1", "/mentor profile link https://", "web address")
    for zone in ("localtime", "Factory", "posixrules"):
        await refused(h, "m1", f"/mentor profile tz {zone}", "time zone")
    await refused(h, "mod1", "/mentor mod set routing.max_waves true", "routing.max_waves")
    await refused(h, "mod1", "/mentor mod set routing.wave_size 2.5", "routing.wave_size")
    await refused(h, "mod1", "/mentor mod report --days 0", "`days`", "1 to 365")
    await refused(h, "mod1", "/mentor mod report --days 400", "`days`", "1 to 365")
    await refused(h, "mod1", "/mentor mod log 0", "`entries`")
    switched = await h.ok("mod1", "/mentor mod set accountability.leaderboard off")
    assert "accountability.leaderboard is now false" in switched.text


async def test_an_instant_with_seconds_is_read(harness: Harness) -> None:
    """`--at 2026-11-24T12:00:00Z` (what calendars copy) books that time."""
    await harness.ok("ana", "/mentor ask python --at 2026-11-24T12:00:00Z -- q")
    async with harness.core.db.transaction() as tx:
        start = await tx.fetch_val("SELECT start_at FROM help_requests")
    assert start == 1795521600  # 2026-11-24T12:00:00Z


async def test_a_command_built_from_typed_options_is_checked_by_the_core(
    harness: Harness,
) -> None:
    """A front end without the grammar (Discord's options, a form) gets the same refusal."""
    actor = Actor("console", "console", "ana", "ana")
    reply = await harness.core.bus.handle_built(actor, lambda: c.AskForHelp(("  ",), "q"))
    assert reply.is_error and reply.field == "skills" and "Which skills" in reply.text
    reply = await harness.core.bus.handle_built(actor, lambda: c.Extend("s1", 0))
    assert reply.is_error and reply.field == "minutes"
    assert await count(harness, "help_requests") == 0
