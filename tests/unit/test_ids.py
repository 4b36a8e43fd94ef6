"""Unit tests for bot/domain/ids.py: short typed ids such as `r12`."""

from __future__ import annotations

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.ids import format_id, parse_id


def test_format_request_id() -> None:
    """Requests are `r<n>`."""
    assert format_id("request", 12) == "r12"


def test_format_session_id() -> None:
    """Sessions are `s<n>`."""
    assert format_id("session", 7) == "s7"


@pytest.mark.parametrize("text", ["r12", "R12", "12", "#12", "#r12", " r12 "])
def test_parse_request_id_forms(text: str) -> None:
    """Every accepted spelling of request 12 gives 12."""
    assert parse_id("request", text) == 12


def test_parse_session_id() -> None:
    """`s7` is session 7."""
    assert parse_id("session", "s7") == 7


def test_parse_round_trips_format() -> None:
    """What format_id writes, parse_id reads."""
    assert parse_id("session", format_id("session", 4321)) == 4321


def test_session_id_where_request_needed_names_session() -> None:
    """`s7` for a request is refused, and the message says it is a session id."""
    with pytest.raises(InvalidInput) as info:
        parse_id("request", "s7")
    assert "session" in info.value.message
    assert "request" in info.value.message
    assert info.value.hint is not None
    assert "r12" in info.value.hint


def test_unknown_prefix_is_not_an_id() -> None:
    """`x7` has a prefix of no kind."""
    with pytest.raises(InvalidInput) as info:
        parse_id("request", "x7")
    assert "not an id I know" in info.value.message


@pytest.mark.parametrize("text", ["", "r", "abc", "r-1", "r12a", "r 12", "1234567890123", "##1"])
def test_junk_is_not_an_id(text: str) -> None:
    """Text that is not an id raises InvalidInput with an example."""
    with pytest.raises(InvalidInput) as info:
        parse_id("request", text)
    assert info.value.hint is not None
    assert "r12" in info.value.hint
