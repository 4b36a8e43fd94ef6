"""Settings changed at run time: they take effect after the command commits, never when it
rolls back, and every process on the store sees them at its next poll."""

from __future__ import annotations

import pytest

from bot.process.scheduling import SweepScheduler
from bot.service import settings
from tests.conftest import HarnessFactory

MODS = {"communities.default.moderators": '["console:mod1"]'}


async def test_another_process_sees_a_change_at_its_next_poll(
    make_harness: HarnessFactory,
) -> None:
    """Two cores on one store: a setting and a skill changed on one reach the other when it
    polls, not before; a poll with nothing new changes nothing."""
    here = await make_harness(**MODS)
    there = await make_harness(**MODS)
    await here.ok("mod1", "/mentor mod set routing.wave_size 2")
    await here.ok("mod1", "/mentor mod skills add godot gdscript")
    assert here.core.deps.community_configs["default"].routing.wave_size == 2
    assert there.core.deps.community_configs["default"].routing.wave_size == 8
    refused = await there.say("ana", "/mentor ask godot -- q")
    assert refused.is_error  # not a skill there yet

    await SweepScheduler(there.core.sweep).poll_once()
    assert there.core.deps.community_configs["default"].routing.wave_size == 2
    assert there.core.deps.taxonomy("default").resolve("gdscript") == "godot"
    assert await settings.reload_if_changed(there.core.db, there.core.deps) == []
    shown = await there.ok("mod1", "/mentor mod settings")
    assert any(f.label == "routing.wave_size" and f.value == "2" for f in shown.fields)


async def test_a_change_that_rolls_back_changes_nothing(
    make_harness: HarnessFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command fails after its change (the audit log can't be written): the member gets
    the usual apology, and neither the store nor this process has the new value."""
    h = await make_harness(**MODS)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the audit log is unreachable")

    monkeypatch.setattr(settings.audit, "record", broken)
    reply = await h.say("mod1", "/mentor mod set routing.wave_size 2")
    assert reply.is_error and "Traceback" not in reply.text
    assert h.core.deps.community_configs["default"].routing.wave_size == 8
    assert h.core.deps.settings_versions.get("default", 0) == 0
    monkeypatch.undo()
    shown = await h.ok("mod1", "/mentor mod settings")
    assert any(f.label == "routing.wave_size" and f.value == "8" for f in shown.fields)
