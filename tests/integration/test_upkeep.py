"""Weekly hours follow a zone's daylight saving change; the sweep's wake-ups are armed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

import pytest

from bot.clock import epoch
from bot.domain.states import DueKind
from bot.process.scheduling import WAKE_JOB, SweepScheduler
from bot.service.maintenance import recompute_windows
from bot.service.platform_store import PlatformStore
from bot.storage.migrations import Check, recreate_check
from bot.storage.sql.persons import OUT_OF_ROTATION
from tests.conftest import Harness


async def test_hours_move_with_daylight_saving(harness: Harness) -> None:
    """Berlin 11:00-12:00 on Mondays is 10:00 UTC in winter and 09:00 UTC in summer."""
    h = harness
    await h.mentor("berlin", "python", available=False)
    await h.ok("berlin", "/mentor profile tz Europe/Berlin")
    await h.ok("berlin", "/mentor profile hours mon 11:00-12:00")
    async with h.core.db.transaction() as tx:
        before = await tx.fetch_val("SELECT start_minute FROM availability_windows")
    assert before == 10 * 60
    summer = datetime(2027, 4, 5, 9, 0, tzinfo=UTC)
    assert await recompute_windows(h.core.db, summer) == 1
    async with h.core.db.transaction() as tx:
        after = await tx.fetch_val("SELECT start_minute FROM availability_windows")
    assert after == 9 * 60
    assert await recompute_windows(h.core.db, summer) == 0  # nothing more to do


async def test_the_wake_up_is_armed_at_the_earliest_due_time(harness: Harness) -> None:
    """Writing a due action arms APScheduler's single wake-up job at its due time."""
    h = harness
    waker = SweepScheduler(h.core.sweep)
    await waker.start()
    try:
        due = datetime.now(UTC) + timedelta(hours=3)
        waker.wake_at(int(due.timestamp()))
        job = waker._scheduler.get_job(WAKE_JOB)
        assert job is not None
        assert abs((job.next_run_time - due).total_seconds()) < 1
        later = due + timedelta(hours=1)
        waker.wake_at(int(later.timestamp()))  # a later time doesn't postpone the wake-up
        job = waker._scheduler.get_job(WAKE_JOB)
        assert abs((job.next_run_time - due).total_seconds()) < 1
    finally:
        waker.stop()


async def test_the_scheduler_runs_the_upkeep_at_start(harness: Harness) -> None:
    """A mentor whose available time ran out while the bot was down is put behind everyone
    in routing's rotation as soon as the scheduler starts."""
    h = harness
    await h.mentor("bo", "python")  # available for 8h
    h.advance(timedelta(hours=9))
    waker = SweepScheduler(h.core.sweep)
    await waker.start()
    try:
        async with h.core.db.transaction() as tx:
            place = await tx.fetch_val("SELECT offered_at FROM mentor_skills")
        assert place == OUT_OF_ROTATION
    finally:
        waker.stop()


async def test_platform_records_go_by_the_core_s_clock(harness: Harness) -> None:
    """A front end's records of where messages went carry the core's time, not the
    machine's: on a manual clock they say the manual time."""
    h = harness
    store = PlatformStore(h.core.db, "slack", h.clock)
    await store.remember_message("T1", "offer:1", "U1", "C1", "1.0")
    async with h.core.db.transaction() as tx:
        stamped = await tx.fetch_val("SELECT created_at FROM message_refs")
    assert stamped == epoch(h.clock.now())
    assert await store.find_message("T1", "offer:1", "U1") == ("C1", "1.0")


async def test_a_due_row_of_an_unknown_kind_is_skipped(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """A kind this version doesn't know (written by a newer one, say) is logged and left
    done; the sweep goes on with the rest."""

    class Newer(StrEnum):
        FROM_THE_FUTURE = "from_the_future"

    h = harness
    now = epoch(h.clock.now())
    async with h.core.db.transaction() as tx:
        # What the newer version's migration did: the store takes its new kind.
        check = Check("due_actions", "kind", (DueKind, Newer))
        await recreate_check(tx, h.core.db.dialect, check)
        await tx.execute(
            "INSERT INTO due_actions (community_id, kind, ref_id, ref_version, due_at, created_at)"
            " VALUES ('default', 'from_the_future', 1, 0, :now, :now)",
            {"now": now},
        )
    await h.core.sweep.run_due()
    assert "unknown kind from_the_future" in caplog.text
    async with h.core.db.transaction() as tx:
        left = await tx.fetch_val(
            "SELECT COUNT(*) FROM due_actions WHERE done_at IS NULL AND kind = 'from_the_future'"
        )
    assert left == 0
