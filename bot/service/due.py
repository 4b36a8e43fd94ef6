"""Scheduling work for later: a row with a due_at, run by the due-action sweep."""

from __future__ import annotations

from bot.domain.states import DueKind
from bot.service.context import Scope
from bot.storage.sql import due as sql

# The kinds are the store's closed set (bot.domain.states.DueKind, checked by the store);
# `due.Kind` is the name the services use.
Kind = DueKind


async def schedule(scope: Scope, kind: Kind, ref_id: int, due_at: int, version: int = 0) -> None:
    """Do `kind` for `ref_id` at `due_at`; a changed `version` by then makes it a no-op."""
    await schedule_many(scope, kind, [ref_id], due_at, version)


async def schedule_many(
    scope: Scope, kind: Kind, ref_ids: list[int], due_at: int, version: int = 0
) -> None:
    """Do `kind` for each of `ref_ids` at `due_at`, in one statement."""
    if not ref_ids:
        return
    await scope.tx.execute(
        sql.insert_many(len(ref_ids)),
        {
            "community_id": scope.community,
            "kind": kind,
            "ref_version": version,
            "due_at": due_at,
            "now": scope.ts,
            **{f"ref{i}": ref for i, ref in enumerate(ref_ids)},
        },
    )
    scope.scheduled.append(due_at)


async def cancel(scope: Scope, kind: Kind, ref_id: int) -> None:
    """Don't do `kind` for `ref_id` after all (whenever it was planned)."""
    await scope.tx.execute(
        sql.DROP_PENDING,
        {"kind": kind, "ref_id": ref_id, "community_id": scope.community},
    )


async def reschedule(scope: Scope, kind: Kind, ref_id: int, due_at: int, version: int = 0) -> None:
    """Do `kind` for `ref_id` at `due_at` instead of whenever it was planned before."""
    await cancel(scope, kind, ref_id)
    await schedule(scope, kind, ref_id, due_at, version)
