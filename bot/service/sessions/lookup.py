"""Finding a session: by id in the community, the actor's own, or one a timer still fits."""

from __future__ import annotations

from bot.domain.errors import InvalidInput, NotAllowed, NotFound
from bot.domain.ids import parse_id
from bot.domain.model import Session
from bot.domain.states import SessionStep, require_session, session_steps_states
from bot.service.context import Ctx, Scope
from bot.service.views import sid
from bot.storage.sql import in_list
from bot.storage.sql import sessions as sql


async def load_session(scope: Scope, session_id: int) -> Session | None:
    """A session of this community with its participants."""
    row = await scope.tx.fetch_one(sql.GET, {"id": session_id, "community_id": scope.community})
    if row is None:
        return None
    people = await scope.tx.fetch(sql.PARTICIPANTS, {"session_id": session_id})
    return Session.from_rows(row, people)


async def my_session(ctx: Ctx, raw: str | None, command: str, step: SessionStep) -> Session:
    """The session named, which the actor takes part in, or their only one `step` allows."""
    verb = step.value
    states = session_steps_states(step)
    if raw is not None:
        number = parse_id("session", raw)
        session = await load_session(ctx, number)
        if session is None:
            raise NotFound(
                f"There is no session {sid(number)}.", hint="Type `/mentor sessions` for yours."
            )
        if session.participant(ctx.me.id) is None:
            raise NotAllowed(
                f"You don't take part in {sid(number)}, so you can't {verb} it.",
                hint="Type `/mentor sessions` for yours.",
            )
        # The state table words the refusal, the same for every command.
        require_session(step, session.state, sid(number))
        return session
    fragment, params = in_list("st", states)
    rows = await ctx.tx.fetch(
        sql.MINE_IN_STATES.replace("{states}", fragment), {**params, "person_id": ctx.me.id}
    )
    if not rows:
        raise NotFound(
            f"You have no session to {verb}.", hint="Type `/mentor sessions` to see yours."
        )
    if len(rows) > 1:
        ids = ", ".join(sid(r["id"]) for r in rows)
        raise InvalidInput(
            f"You have several sessions ({ids}).",
            hint=f"Say which: `/mentor {command} {sid(rows[0]['id'])}`.",
        )
    found = await load_session(ctx, int(rows[0]["id"]))
    assert found is not None
    return found


async def current_session(
    scope: Scope, session_id: int, version: int, states: tuple[str, ...]
) -> Session | None:
    """The session a timer was set for, if it is still at that version and in `states`."""
    session = await load_session(scope, session_id)
    if session is None or session.version != version or session.state not in states:
        return None
    return session
