"""Bounded values and the commands that check them: a command that exists is valid."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.domain import commands as c
from bot.domain.errors import InvalidInput
from bot.domain.values import clean_text, has_visible, web_link

INVISIBLE = [
    "",
    "   ",
    "\u200b\u200b",  # zero-width spaces
    "\u202e\u202d",  # direction overrides
    "\x07\x1b\x7f",  # BEL, ESC, DEL
    "\u3164",  # Hangul filler: a letter that shows nothing
    "\ufeff\u2060",  # BOM, word joiner
    "\u0301",  # a combining accent on nothing
]


@pytest.mark.parametrize("text", INVISIBLE)
def test_a_question_made_only_of_invisible_characters_is_refused(text: str) -> None:
    """Blank and invisible-only questions are refused, naming the field."""
    with pytest.raises(InvalidInput) as err:
        c.AskForHelp(tags=("python",), question=text)
    assert err.value.field == "question" and "empty" in err.value.message


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda t: c.AskForHelp(("python",), "q", goal=t), "goal"),
        (lambda t: c.AskForHelp(("python",), "q", tried=t), "tried"),
        (lambda t: c.EditRequest(None, question=t), "question"),
        (lambda t: c.Rate("s1", 5, comment=t), "comment"),
        (lambda t: c.OpenDispute("s1", t), "statement"),
        (lambda t: c.Report("@ana", t), "statement"),
        (lambda t: c.Appeal("d1", t), "why"),
        (lambda t: c.ModResolve("d1", "warn", t), "note"),
        (lambda t: c.ModClose("r1", t), "note"),
        (lambda t: c.Kudos("s1", t), "message"),
        (lambda t: c.Withdraw("s1", t), "reason"),
        (lambda t: c.ModSet("routing.wave_size", t), "value"),
    ],
)
def test_every_text_field_refuses_invisible_only_text(build: Any, field: str) -> None:
    """Each free text of every command is checked the same way."""
    with pytest.raises(InvalidInput) as err:
        build("\u200b \u202e")
    assert err.value.field == field


def test_text_keeps_what_people_write_and_drops_controls() -> None:
    """Emoji joiners, accents and new lines stay; terminal escapes and overrides go."""
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean_text(f"  hi {family}\n\u202eevil\x1b[2J  ") == f"hi {family}\nevil[2J"
    assert clean_text("cafe\u0301") == "café"
    assert has_visible(family) and not has_visible("\u200d\u200b")


def test_an_over_long_question_is_refused_with_its_length() -> None:
    """The widest limit any community may set (2900) is the command's own."""
    with pytest.raises(InvalidInput) as err:
        c.AskForHelp(("python",), "x" * 2901)
    assert err.value.field == "question" and "2901 characters; at most 2900" in err.value.message


@pytest.mark.parametrize("tags", [(), ("   ",), (" ", "\u200b"), (",",), (", ;",)])
def test_blank_skills_are_refused_everywhere(tags: tuple[str, ...]) -> None:
    """Asking, adding and removing skills need at least one real tag."""
    for build in (
        lambda: c.AskForHelp(tags, "q"),
        lambda: c.AddSkills(tags),
        lambda: c.RemoveSkills(tags),
    ):
        with pytest.raises(InvalidInput) as err:
            build()
        assert err.value.field == "skills" and "Which skills" in err.value.message


def test_skills_are_normalised_once_whatever_the_front_end() -> None:
    """One string with commas (a Discord option) is the same as separate words."""
    assert c.AskForHelp(("Python, #SQL python",), "q").tags == ("python", "sql")
    assert c.AddSkills(("python sql",)) == c.AddSkills(("python", "sql"))


def test_more_than_five_skills_in_a_request_are_refused() -> None:
    """Precise requests: at most five skills."""
    with pytest.raises(InvalidInput, match="at most 5 skills"):
        c.AskForHelp(("a", "b", "c", "d", "e", "f"), "q")


NUMBERS = [
    (lambda n: c.AskForHelp(("python",), "q", minutes=n), "minutes", (5, 240)),
    (lambda n: c.AskForHelp(("python",), "q", mentors=n), "mentors", (1, 10)),
    (lambda n: c.Extend("s1", n), "minutes", (5, 120)),
    (lambda n: c.SetCapacity(n, 100), "concurrent", (1, 10)),
    (lambda n: c.SetCapacity(1, n), "per_week", (1, 100)),
    (lambda n: c.Rate("s1", n), "score", (1, 5)),
    (lambda n: c.Rate("s1", 3, aspects=(("clarity", n),)), "clarity", (1, 5)),
    (lambda n: c.ModResolve("d1", "suspend", "note", days=n), "days", (1, 365)),
    (lambda n: c.ModReport(n), "days", (1, 365)),
    (lambda n: c.ModLog(n), "entries", (1, 100)),
]


@pytest.mark.parametrize(("build", "field", "bounds"), NUMBERS)
def test_numbers_refuse_zero_negative_and_huge(build: Any, field: str, bounds: Any) -> None:
    """Zero is refused like any other value out of range, never read as "not given"."""
    low, high = bounds
    build(low)
    build(high)
    for bad in (0, -1, high + 1, 10**30):
        if bad == low:
            continue
        with pytest.raises(InvalidInput) as err:
            build(bad)
        assert err.value.field == field
        assert f"from {low} to {high}" in err.value.message


def test_booleans_are_not_numbers() -> None:
    """`True` is not 1 minute, even where Python would allow it."""
    with pytest.raises(InvalidInput):
        c.ModLog(True)


@pytest.mark.parametrize("delta", [timedelta(0), timedelta(minutes=4), timedelta(days=8)])
def test_available_for_is_five_minutes_to_a_week(delta: timedelta) -> None:
    """`available for 0m` is refused, not the default two hours."""
    with pytest.raises(InvalidInput) as err:
        c.SetAvailable(delta)
    assert err.value.field == "duration" and "5m to 7d" in err.value.message


def test_not_given_is_not_zero() -> None:
    """None means "use the default"; the command keeps it so the service can tell."""
    assert c.SetAvailable().duration is None
    assert c.AskForHelp(("python",), "q").minutes is None
    assert c.ModResolve("d1", "suspend", "note").days is None


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: c.AskForHelp(("python",), "q", at="in 99999999999d"), "at"),
        (lambda: c.AskForHelp(("python",), "q", at="someday"), "at"),
        (lambda: c.Reschedule("s1", "25:00"), "when"),
        (lambda: c.SetHours("mon", "24:00-01:00"), "time_range"),
        (lambda: c.SetHours("funday", "09:00-10:00"), "days"),
        (lambda: c.SetHours("mon", None), "time_range"),
        (lambda: c.SetTimezone("localtime"), "zone"),
        (lambda: c.SetTimezone("Factory"), "zone"),
        (lambda: c.SetTimezone("posixrules"), "zone"),
        (lambda: c.SetTimezone("right/UTC"), "zone"),
        (lambda: c.SetCallLink("https://"), "url"),
        (lambda: c.SetCallLink("javascript:alert(1)"), "url"),
        (lambda: c.SetCallLink("https://a b.example"), "url"),
        (lambda: c.Done("s1", "great"), "outcome"),
        (lambda: c.ModResolve("d1", "ban", "note"), "decision"),
        (lambda: c.ModResolve("d1", "warn", "note", days=3), "days"),
        (lambda: c.ModSkills("rename", ("go",)), "action"),
        (lambda: c.AcceptOffer("s3"), "request"),
        (lambda: c.CheckIn("r3"), "session"),
        (lambda: c.Block("not a mention!"), "user"),
        (lambda: c.Link("ab"), "code"),
        (lambda: c.Rate("s1", 4, aspects=(("charm", 5),)), "aspect"),
    ],
)
def test_every_bounded_value_is_checked_by_its_command(build: Any, field: str) -> None:
    """Times, days, zones, links, choices, ids and mentions: refused with their field."""
    with pytest.raises(InvalidInput) as err:
        build()
    assert err.value.field == field


def test_times_and_zones_that_are_fine_pass() -> None:
    """A seconds-precise instant, a midnight end and a real zone are accepted."""
    c.AskForHelp(("python",), "q", at="2026-11-24T12:00:00Z")
    assert c.SetHours("mon", "00:00-24:00").spans == (("mon",), (0, 1440))
    assert c.SetTimezone("europe/berlin").zone == "Europe/Berlin"


def test_a_link_needs_a_host() -> None:
    """`https://` alone is no address; a real one is kept as given."""
    assert web_link("<https://meet.example.com/abc>") == "https://meet.example.com/abc"
    with pytest.raises(InvalidInput):
        web_link("https://")
