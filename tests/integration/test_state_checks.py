"""The store refuses a word outside its column's StrEnum (migration 11), on both engines:
every word of the enum goes in, on an insert and on an update; a typo is refused with an
error naming the check; NULL only where the column allows it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from enum import StrEnum
from typing import Any

import pytest

from bot.domain.states import DueKind, OfferState
from bot.storage import migrations, open_database
from bot.storage.database import Database, Transaction
from bot.storage.errors import StoreError
from bot.storage.migrations import CHECKS, Check, recreate_check

# Columns without NOT NULL: a session ends with an outcome, a dispute is decided, maybe
# appealed.
NULLABLE = {"sessions_outcome_check", "disputes_decision_check", "disputes_appeal_decision_check"}
TYPOS = ("opne", "Open", "", "pending ")


def _insert(table: str, row: dict[str, Any]) -> str:
    names = ", ".join(row)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + n for n in row)})"


async def _add(tx: Transaction, table: str, row: dict[str, Any]) -> int:
    return int(await tx.fetch_val(_insert(table, row) + " RETURNING id", row))


async def _seed(tx: Transaction) -> dict[str, dict[str, Any]]:
    """One row in each checked table, and for each table a new row (with every column that
    must have a value) that can be inserted next to it."""
    await tx.execute("INSERT INTO communities (id, name, created_at) VALUES ('c', 'C', 1)")
    person = {"community_id": "c", "display_name": "P", "timezone": "UTC"}
    person |= {"capacity_concurrent": 1, "capacity_weekly": 1, "created_at": 1}
    one = await _add(tx, "persons", person | {"last_active_at": 1})
    two = await _add(tx, "persons", person | {"last_active_at": 1})
    request: dict[str, Any] = {"community_id": "c", "requester_id": one, "question": "q"}
    request |= {"minutes": 30, "state": "open", "created_at": 1, "updated_at": 1}
    request_id = await _add(tx, "help_requests", request)
    # Ended sessions, so any state can be tried next to them (one live session a request).
    session: dict[str, Any] = {"community_id": "c", "request_id": request_id}
    session |= {"mentee_id": one, "start_at": 1, "minutes": 30, "state": "cancelled"}
    session |= {"created_at": 1}
    seeded_session = await _add(tx, "sessions", session)
    free_session = await _add(tx, "sessions", session)
    new = {
        "help_requests": request,
        "offers": {"community_id": "c", "request_id": request_id, "mentor_id": one}
        | {"wave": 1, "state": "pending", "created_at": 1},
        "sessions": session,
        "session_participants": {"session_id": free_session, "person_id": one, "role": "mentee"},
        "session_proposals": {"session_id": free_session, "kind": "extend", "value": 15}
        | {"proposed_by": one, "created_at": 1},
        "disputes": {"community_id": "c", "kind": "session", "session_id": seeded_session}
        | {"opened_by": one, "against_id": two, "statement": "s", "state": "open"}
        | {"created_at": 1},
        "sanctions": {"community_id": "c", "person_id": two, "kind": "warning", "created_at": 1},
        "due_actions": {"community_id": "c", "kind": "retention", "ref_id": 0, "due_at": 1}
        | {"created_at": 1},
    }
    seeds = dict(new) | {
        "offers": new["offers"] | {"mentor_id": two},
        "session_participants": new["session_participants"] | {"session_id": seeded_session},
        "session_proposals": new["session_proposals"] | {"session_id": seeded_session},
    }
    for table, row in seeds.items():
        if table not in ("help_requests", "sessions"):
            await tx.execute(_insert(table, row), row)
    return new


class _Undo(Exception):
    """Rolls a trial's transaction back once it has worked."""


async def _trial(db: Database, sql: str, params: dict[str, Any]) -> Exception | None:
    """Run one statement in a transaction that is then rolled back; its error, if any."""
    try:
        async with db.transaction() as tx:
            changed = await tx.fetch(sql, params)
            assert len(changed) == 1, sql
            raise _Undo
    except _Undo:
        return None
    except Exception as exc:
        return exc


@pytest.fixture
async def store(storage_url: str) -> AsyncIterator[tuple[Database, dict[str, dict[str, Any]]]]:
    db = await open_database(storage_url)
    try:
        async with db.transaction() as tx:
            new = await _seed(tx)
        yield db, new
    finally:
        await db.close()


def test_every_stored_closed_set_is_checked() -> None:
    """The checks name each column once, and the nullable ones are the ones above."""
    names = [check.name for check in CHECKS]
    assert len(names) == len(set(names))
    assert set(names) >= NULLABLE


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.name)
async def test_a_column_takes_its_words_and_nothing_else(
    store: tuple[Database, dict[str, dict[str, Any]]], check: Check
) -> None:
    db, new = store
    row = new[check.table]
    column = check.column
    insert = _insert(check.table, row | {column: None}) + f" RETURNING {column}"
    # Every row of the table: the seeded one (the sessions: both of them).
    update = f"UPDATE {check.table} SET {column} = :word RETURNING {column}"
    if check.table == "sessions":
        update = update.replace("RETURNING", "WHERE id = (SELECT MIN(id) FROM sessions) RETURNING")
    for word in check.values():
        assert await _trial(db, insert, row | {column: word}) is None, (check.name, word)
        assert await _trial(db, update, {"word": word}) is None, (check.name, word)
    for typo in TYPOS:
        for sql, params in ((insert, row | {column: typo}), (update, {"word": typo})):
            error = await _trial(db, sql, params)
            assert error is not None, (check.name, typo, sql)
            assert check.name in str(error), error
    nullable = check.name in NULLABLE
    assert (await _trial(db, insert, row | {column: None}) is None) == nullable
    assert (await _trial(db, update, {"word": None}) is None) == nullable


async def test_a_check_made_again_takes_a_new_word(storage_url: str) -> None:
    """What a later migration does when an enum gains a word: the same column's check, made
    again from the larger enum, takes it (and still refuses a typo)."""

    class Later(StrEnum):
        ON_HOLD = "on_hold"

    db = await open_database(storage_url)
    try:
        async with db.transaction() as tx:
            new = await _seed(tx)
        check = Check("offers", "state", (OfferState, Later))
        insert = _insert("offers", new["offers"]) + " RETURNING id"
        assert await _trial(db, insert, new["offers"] | {"state": "on_hold"}) is not None
        async with db.transaction() as tx:
            await recreate_check(tx, db.dialect, check)
        assert await _trial(db, insert, new["offers"] | {"state": "on_hold"}) is None
        error = await _trial(db, insert, new["offers"] | {"state": "opne"})
        assert error is not None and check.name in str(error)
    finally:
        await db.close()


async def test_a_store_holding_an_unknown_word_is_not_upgraded(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 11 first looks for rows its check would refuse: it names them and stops,
    so the store is left as it was (on either engine; PostgreSQL would refuse anyway)."""
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:10])
    db = await open_database(storage_url)
    try:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO communities (id, name, created_at) VALUES ('c', 'C', 1)")
            await tx.execute(
                "INSERT INTO due_actions (community_id, kind, ref_id, due_at, created_at)"
                " VALUES ('c', 'from_the_past', 0, 1, 1)"
            )
        monkeypatch.undo()
        with pytest.raises(StoreError, match=r"due_actions\.kind holds 'from_the_past'"):
            await migrations.migrate(db)
        async with db.transaction() as tx:
            assert await tx.fetch_val("SELECT MAX(version) FROM schema_migrations") == 10
    finally:
        await db.close()


def test_the_check_words_come_from_the_enums() -> None:
    """One definition: the due kinds' check is the enum, member for member."""
    due = next(check for check in CHECKS if check.name == "due_actions_kind_check")
    assert due.values() == tuple(DueKind)
    assert migrations.statements("") == []
