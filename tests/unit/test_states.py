"""The table of request and session states: complete, and one refusal per forbidden step."""

from __future__ import annotations

import pytest

from bot.domain.errors import Conflict
from bot.domain.states import (
    REQUEST_RULES,
    REQUEST_TRANSITIONS,
    SESSION_RULES,
    SESSION_TRANSITIONS,
    RequestState,
    RequestStep,
    SessionState,
    SessionStep,
    can_move,
    require_request,
    require_session,
)


def test_every_state_has_its_transitions() -> None:
    """No state is missing from the tables, and end states lead nowhere."""
    assert set(SESSION_TRANSITIONS) == set(SessionState)
    assert set(REQUEST_TRANSITIONS) == set(RequestState)
    assert set(SESSION_RULES) == set(SessionStep)
    assert set(REQUEST_RULES) == set(RequestStep)
    for end in (SessionState.COMPLETED, SessionState.NO_SHOW, SessionState.CANCELLED):
        assert not SESSION_TRANSITIONS[end]
    assert can_move(SessionState.ACTIVE, SessionState.NO_SHOW)
    assert not can_move(SessionState.COMPLETED, SessionState.ACTIVE)
    assert not can_move(SessionState.ACTIVE, RequestState.OPEN)


@pytest.mark.parametrize("step", list(SessionStep))
@pytest.mark.parametrize("state", list(SessionState))
def test_each_forbidden_session_step_says_why_in_one_sentence(
    step: SessionStep, state: SessionState
) -> None:
    """Allowed steps pass; forbidden ones name the session, its state and the consequence."""
    if state in SESSION_RULES[step].allowed:
        require_session(step, state, "s7")
        return
    with pytest.raises(Conflict) as err:
        require_session(step, state, "s7")
    text = err.value.message
    assert text.startswith("s7 ") and ", so " in text and text.endswith(".")
    assert "_" not in text  # a reader sees words, not stored values like no_show


@pytest.mark.parametrize("step", list(RequestStep))
@pytest.mark.parametrize("state", list(RequestState))
def test_each_forbidden_request_step_says_why_in_one_sentence(
    step: RequestStep, state: RequestState
) -> None:
    """Allowed steps pass; forbidden ones name the request, its state and the consequence."""
    if state in REQUEST_RULES[step].allowed:
        require_request(step, state, "r3")
        return
    with pytest.raises(Conflict) as err:
        require_request(step, state, "r3")
    assert err.value.message.startswith("r3 ") and ", so " in err.value.message


def test_the_documented_rules_hold() -> None:
    """A dispute after any end but the member's cancel; ratings only after completion."""
    assert SESSION_RULES[SessionStep.DISPUTE].allowed == {
        SessionState.COMPLETED,
        SessionState.NO_SHOW,
        SessionState.WITHDRAWN,
    }
    assert SESSION_RULES[SessionStep.RATE].allowed == {SessionState.COMPLETED}
