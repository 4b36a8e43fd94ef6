"""Unit tests for bot/grammar.py: the `/mentor ...` text grammar."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import help_text
from bot.domain import commands as c
from bot.domain.errors import InvalidInput, UsageError
from bot.grammar import MAX_LINE, form_for, parse, parse_line, split_prefix


def usage_error(text: str) -> UsageError:
    """Parse `text` expecting a UsageError, and return it."""
    with pytest.raises(UsageError) as info:
        parse(text)
    return info.value


def usage_of(name: str) -> str:
    return help_text.COMMANDS[name].usage


# -- help ---------------------------------------------------------------------------------


def test_empty_text_is_help() -> None:
    """An empty command is the general help."""
    assert parse("") == c.Help()


def test_help_without_topic() -> None:
    """`help` alone is the general help."""
    assert parse("help") == c.Help()


def test_help_with_topic() -> None:
    """`help ask` asks for the help of one command."""
    assert parse("help ask") == c.Help("ask")


def test_help_topic_is_case_insensitive_and_drops_slash() -> None:
    """`help /ASK` names the same topic as `help ask`."""
    assert parse("help /ASK") == c.Help("ask")


def test_help_unknown_topic_lists_commands() -> None:
    """Help for an unknown topic lists the commands in its hint."""
    err = usage_error("help nonsense")
    assert "nonsense" in err.message
    assert err.hint is not None
    assert "ask" in err.hint
    assert "profile" in err.hint


def test_help_with_two_topics_is_an_error() -> None:
    """`help` takes at most one topic."""
    err = usage_error("help ask edit")
    assert "edit" in err.message
    assert err.hint == f"Usage: {usage_of('help')}"


# -- skills -------------------------------------------------------------------------------


def test_skills_alone_shows_skills() -> None:
    """`skills` shows the skills."""
    assert parse("skills") == c.ShowSkills()


def test_skills_list_shows_skills() -> None:
    """`skills list` is the same as `skills`."""
    assert parse("skills list") == c.ShowSkills()


def test_skills_add() -> None:
    """`skills add` keeps every tag in order."""
    assert parse("skills add python django") == c.AddSkills(("python", "django"))


def test_skills_remove() -> None:
    """`skills remove` removes the given tags."""
    assert parse("skills remove rust") == c.RemoveSkills(("rust",))


def test_skills_rm_is_remove() -> None:
    """`skills rm` is an alias of `skills remove`."""
    assert parse("skills rm go") == c.RemoveSkills(("go",))


def test_skills_add_without_tags_is_an_error() -> None:
    """`skills add` needs at least one skill."""
    err = usage_error("skills add")
    assert "add" in err.message
    assert err.hint == f"Usage: {usage_of('skills')}"


def test_skills_remove_without_tags_is_an_error() -> None:
    """`skills remove` needs at least one skill."""
    err = usage_error("skills remove")
    assert "remove" in err.message


def test_skills_unknown_action_is_an_error() -> None:
    """`skills frobnicate` is not an action of `skills`."""
    err = usage_error("skills frobnicate python")
    assert "frobnicate" in err.message
    assert err.hint == f"Usage: {usage_of('skills')}"


def test_skills_list_with_extra_argument_is_an_error() -> None:
    """`skills list` takes nothing after it."""
    err = usage_error("skills list python")
    assert "python" in err.message


# -- available / away ---------------------------------------------------------------------


def test_available_without_duration() -> None:
    """`available` uses the configured default duration."""
    assert parse("available") == c.SetAvailable()


def test_available_for_duration() -> None:
    """`available for 90m` carries the duration."""
    assert parse("available for 90m") == c.SetAvailable(timedelta(minutes=90))


def test_available_duration_without_for() -> None:
    """`available 2h` is the same as `available for 2h`."""
    assert parse("available 2h") == c.SetAvailable(timedelta(hours=2))


def test_available_duration_with_spaces() -> None:
    """`available for 1h 30m` joins the parts of the duration."""
    assert parse("available for 1h 30m") == c.SetAvailable(timedelta(minutes=90))


def test_available_for_without_duration_is_an_error() -> None:
    """`available for` needs a duration."""
    err = usage_error("available for")
    assert err.hint == f"Usage: {usage_of('available')}"


def test_available_bad_duration_is_invalid_input() -> None:
    """A duration that cannot be read is rejected."""
    with pytest.raises(InvalidInput):
        parse("available for soon")


def test_away() -> None:
    """`away` stops offers."""
    assert parse("away") == c.SetAway()


def test_away_with_argument_is_an_error() -> None:
    """`away` takes no arguments."""
    err = usage_error("away now")
    assert "now" in err.message
    assert err.hint == f"Usage: {usage_of('away')}"


# -- profile ------------------------------------------------------------------------------


def test_profile_alone_shows_profile() -> None:
    """`profile` shows the profile."""
    assert parse("profile") == c.ShowProfile()


def test_profile_tz() -> None:
    """`profile tz <zone>` sets the time zone, keeping its spelling."""
    assert parse("profile tz Europe/Berlin") == c.SetTimezone("Europe/Berlin")


def test_profile_timezone_alias() -> None:
    """`profile timezone` is an alias of `profile tz`."""
    assert parse("profile timezone UTC") == c.SetTimezone("UTC")


def test_profile_tz_without_zone_is_an_error() -> None:
    """`profile tz` needs exactly one zone."""
    err = usage_error("profile tz")
    assert "time zone" in err.message
    assert err.hint == f"Usage: {usage_of('profile')}"


def test_profile_hours() -> None:
    """`profile hours <days> <range>` sets weekly hours."""
    assert parse("profile hours mon-fri 09:00-17:00") == c.SetHours("mon-fri", "09:00-17:00")


def test_profile_hours_clear() -> None:
    """`profile hours clear` clears every window."""
    assert parse("profile hours clear") == c.SetHours(None, None)


def test_profile_hours_missing_range_is_an_error() -> None:
    """`profile hours mon-fri` lacks the time range."""
    err = usage_error("profile hours mon-fri")
    assert "time range" in err.message
    assert err.hint == f"Usage: {usage_of('profile')}"


def test_profile_capacity() -> None:
    """`profile capacity 2 6` sets both limits."""
    assert parse("profile capacity 2 6") == c.SetCapacity(2, 6)


def test_profile_capacity_not_numbers_is_an_error() -> None:
    """`profile capacity` needs two numbers."""
    err = usage_error("profile capacity one 5")
    assert "two numbers" in err.message


def test_profile_unknown_setting_is_an_error() -> None:
    """`profile colour` is not a setting."""
    err = usage_error("profile colour blue")
    assert "colour" in err.message
    assert err.hint == f"Usage: {usage_of('profile')}"


def test_profile_capacity_superscript_digit_is_a_usage_error() -> None:
    """A superscript digit in `capacity` is a usage error, not a crash."""
    with pytest.raises(UsageError):
        parse("profile capacity ² 5")


# -- ask ----------------------------------------------------------------------------------


def test_ask_minimal() -> None:
    """`ask <skill> -- <question>` gives tags and the question."""
    assert parse("ask python -- Why?") == c.AskForHelp(tags=("python",), question="Why?")


def test_ask_several_tags() -> None:
    """Every positional token before the options is a tag."""
    cmd = parse("ask python asyncio -- Why does my loop block?")
    assert isinstance(cmd, c.AskForHelp)
    assert cmd.tags == ("python", "asyncio")
    assert cmd.question == "Why does my loop block?"


def test_ask_question_keeps_internal_dashes() -> None:
    """Only the first `--` separates; the question keeps later ones."""
    cmd = parse("ask bash -- what does -- mean in ls -- -la?")
    assert isinstance(cmd, c.AskForHelp)
    assert cmd.question == "what does -- mean in ls -- -la?"


def test_ask_minutes() -> None:
    """`--minutes 30` is read as a number."""
    cmd = parse("ask python --minutes 30 -- q")
    assert isinstance(cmd, c.AskForHelp)
    assert cmd.minutes == 30


def test_ask_minutes_with_unit_suffix() -> None:
    """`--minutes 45m` and `--minutes 45min` are read as 45."""
    for value in ("45m", "45min"):
        cmd = parse(f"ask python --minutes {value} -- q")
        assert isinstance(cmd, c.AskForHelp)
        assert cmd.minutes == 45


def test_ask_minutes_not_a_number_is_an_error() -> None:
    """`--minutes half` is not a number of minutes."""
    err = usage_error("ask python --minutes half -- q")
    assert "--minutes" in err.message
    assert err.hint == f"Usage: {usage_of('ask')}"


def test_ask_minutes_superscript_digit_is_a_usage_error() -> None:
    """A superscript digit in `--minutes` is a usage error, not a crash."""
    with pytest.raises(UsageError):
        parse("ask python --minutes ² -- q")


def test_ask_at_takes_several_words() -> None:
    """`--at tomorrow 14:00` keeps every word up to the next option."""
    cmd = parse("ask python --at tomorrow 14:00 --goal ship it -- q")
    assert isinstance(cmd, c.AskForHelp)
    assert cmd.at == "tomorrow 14:00"
    assert cmd.goal == "ship it"


def test_ask_all_options() -> None:
    """Every option of `ask` lands in its field."""
    cmd = parse("ask python --minutes 15 --at fri 14:00 --goal ship --tried gather() -- q")
    assert cmd == c.AskForHelp(
        tags=("python",),
        question="q",
        minutes=15,
        at="fri 14:00",
        goal="ship",
        tried="gather()",
    )


def test_ask_em_dash_separator() -> None:
    """An em dash ends the options like `--`."""
    cmd = parse("ask python \u2014 Why?")
    assert cmd == c.AskForHelp(tags=("python",), question="Why?")


def test_ask_en_dash_separator() -> None:
    """An en dash ends the options like `--`."""
    cmd = parse("ask python \u2013 Why?")
    assert cmd == c.AskForHelp(tags=("python",), question="Why?")


def test_ask_em_dash_option_prefix() -> None:
    """`\u2014goal` is read as `--goal`."""
    cmd = parse("ask python \u2014goal ship it \u2014 Why?")
    assert isinstance(cmd, c.AskForHelp)
    assert cmd.goal == "ship it"
    assert cmd.question == "Why?"


def test_ask_en_dash_option_prefix() -> None:
    """`\u2013tried` is read as `--tried`."""
    cmd = parse("ask python \u2013tried print -- Why?")
    assert isinstance(cmd, c.AskForHelp)
    assert cmd.tried == "print"


def test_ask_question_with_apostrophes_and_quotes() -> None:
    """Apostrophes and quotes in the question are kept verbatim."""
    question = "Why doesn't \"it's\" match 'x'?"
    cmd = parse(f"ask python -- {question}")
    assert isinstance(cmd, c.AskForHelp)
    assert cmd.question == question


def test_ask_apostrophe_in_option_value() -> None:
    """An apostrophe inside an option value does not break parsing."""
    cmd = parse("ask python --tried didn't work -- q")
    assert isinstance(cmd, c.AskForHelp)
    assert cmd.tried == "didn't work"


def test_ask_double_quoted_option_value_is_unquoted() -> None:
    """`--goal "ship it"` gives `ship it`."""
    cmd = parse('ask python --goal "ship it" -- q')
    assert isinstance(cmd, c.AskForHelp)
    assert cmd.goal == "ship it"


def test_ask_single_quoted_option_value_is_unquoted() -> None:
    """`--tried 'pip install'` gives `pip install`."""
    cmd = parse("ask python --tried 'pip install' -- q")
    assert isinstance(cmd, c.AskForHelp)
    assert cmd.tried == "pip install"


def test_ask_two_quoted_parts_are_not_unquoted() -> None:
    """A value made of two quoted parts keeps its quotes."""
    cmd = parse('ask python --tried "pip install" and "poetry add" -- q')
    assert isinstance(cmd, c.AskForHelp)
    assert cmd.tried == '"pip install" and "poetry add"'


def test_ask_with_a_question_but_no_skills_asks_which_skills() -> None:
    """`ask -- q` becomes a request for suggested skills (the community's taxonomy decides
    which); with options but no skills it is still an error."""
    assert parse("ask -- Why does pandas drop my rows?") == c.SkillsFromQuestion(
        "Why does pandas drop my rows?"
    )
    err = usage_error("ask --minutes 30 -- Why?")
    assert "skills" in err.message


def test_ask_without_tags_is_an_error() -> None:
    """`ask` with neither skills nor a question."""
    err = usage_error("ask")
    assert "skills" in err.message
    assert err.hint is not None
    assert usage_of("ask") in err.hint
    assert "Example:" in err.hint


def test_ask_without_question_is_an_error() -> None:
    """`ask python` without `--` lacks the question."""
    err = usage_error("ask python")
    assert "question" in err.message
    assert err.hint is not None
    assert usage_of("ask") in err.hint


def test_ask_with_empty_question_is_an_error() -> None:
    """`ask python --` with nothing after it lacks the question."""
    err = usage_error("ask python --")
    assert "question" in err.message


def test_ask_unknown_option_lists_the_options() -> None:
    """An unknown option names itself and the options of `ask`."""
    err = usage_error("ask python --colour red -- q")
    assert "--colour" in err.message
    for option in ("--minutes", "--at", "--goal", "--tried"):
        assert option in err.message
    assert err.hint == f"Usage: {usage_of('ask')}"


def test_ask_option_given_twice_is_an_error() -> None:
    """An option may be given only once."""
    err = usage_error("ask python --goal a --goal b -- q")
    assert "--goal" in err.message
    assert "twice" in err.message
    assert err.hint == f"Usage: {usage_of('ask')}"


def test_ask_option_twice_with_em_dash_is_an_error() -> None:
    """`--goal` and `\u2014goal` are the same option."""
    err = usage_error("ask python --goal a \u2014goal b -- q")
    assert "twice" in err.message


def test_ask_option_without_value_is_an_error() -> None:
    """`--goal` followed by the separator has no value."""
    err = usage_error("ask python --goal -- q")
    assert "--goal" in err.message
    assert "value" in err.message
    assert err.hint == f"Usage: {usage_of('ask')}"


def test_ask_option_followed_by_option_has_no_value() -> None:
    """`--goal --tried x` leaves `--goal` without a value."""
    err = usage_error("ask python --goal --tried x -- q")
    assert "--goal" in err.message


def test_command_name_is_case_insensitive() -> None:
    """`ASK` is the `ask` command."""
    assert parse("ASK python -- q") == c.AskForHelp(tags=("python",), question="q")


# -- edit ---------------------------------------------------------------------------------


def test_edit_with_id_options_and_text() -> None:
    """`edit r12 --goal g -- text` fills every field."""
    assert parse("edit r12 --goal g --tried t -- new text") == c.EditRequest(
        request="r12", question="new text", goal="g", tried="t"
    )


def test_edit_without_id() -> None:
    """`edit -- text` edits the only open request."""
    assert parse("edit -- new text") == c.EditRequest(request=None, question="new text")


def test_edit_only_an_option() -> None:
    """`edit --goal g` changes just the goal."""
    assert parse("edit --goal ship it") == c.EditRequest(request=None, goal="ship it")


def test_edit_without_anything_to_change_is_an_error() -> None:
    """`edit r12` alone changes nothing."""
    err = usage_error("edit r12")
    assert err.hint == f"Usage: {usage_of('edit')}"


def test_edit_two_ids_is_an_error() -> None:
    """`edit` takes at most one request id."""
    err = usage_error("edit r12 r13 -- text")
    assert "r13" in err.message


def test_edit_unknown_option_lists_its_options() -> None:
    """`edit` only knows `--goal` and `--tried`."""
    err = usage_error("edit r12 --minutes 30 -- text")
    assert "--goal" in err.message
    assert "--tried" in err.message
    assert "--at" not in err.message


# -- cancel, queue, open, accept, decline -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cancel", c.CancelRequest(None)),
        ("cancel r12", c.CancelRequest("r12")),
        ("queue", c.ShowQueue()),
        ("open", c.ListOpen(None)),
        ("open python", c.ListOpen("python")),
        ("accept", c.AcceptOffer(None)),
        ("accept r3", c.AcceptOffer("r3")),
        ("decline", c.DeclineOffer(None)),
        ("decline r3", c.DeclineOffer("r3")),
    ],
)
def test_simple_commands(text: str, expected: c.Command) -> None:
    """Each simple command parses to its typed command."""
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "extra", "name"),
    [
        ("cancel r1 r2", "r2", "cancel"),
        ("queue now", "now", "queue"),
        ("open python rust", "rust", "open"),
        ("accept r1 r2", "r2", "accept"),
        ("decline r1 r2", "r2", "decline"),
    ],
)
def test_extra_positional_arguments_are_errors(text: str, extra: str, name: str) -> None:
    """Arguments beyond what a command takes are named in the error."""
    err = usage_error(text)
    assert extra in err.message
    assert err.hint == f"Usage: {usage_of(name)}"


@pytest.mark.parametrize(
    "name", ["help", "skills", "available", "away", "profile", "cancel", "queue", "open"]
)
def test_free_text_on_commands_without_text_is_an_error(name: str) -> None:
    """Commands that take no question reject text after `--`."""
    err = usage_error(f"{name} -- some text")
    assert "--" in err.message
    assert err.hint == f"Usage: {usage_of(name)}"


def test_free_text_on_decline_is_an_error() -> None:
    """`decline` rejects text after `--`."""
    err = usage_error("decline r1 -- thanks")
    assert err.hint == f"Usage: {usage_of('decline')}"


def test_accept_takes_a_line_for_a_member_who_is_choosing() -> None:
    """`accept r1 -- ...` is the volunteer's line (`ask --choose`); `pick` names a number."""
    assert parse("accept r1 -- I did this migration twice") == c.AcceptOffer(
        "r1", "I did this migration twice"
    )
    assert parse("pick r1 2") == c.PickMentor("r1", 2)
    assert parse("pick 1") == c.PickMentor(None, 1)
    assert "number" in usage_error("pick r1 m1").message
    ask = parse("ask --choose python -- Why?")
    assert isinstance(ask, c.AskForHelp) and ask.choose and ask.tags == ("python",)


def test_separator_without_command_is_an_error() -> None:
    """`-- text` has no command before the separator."""
    err = usage_error("-- Why?")
    assert "missing" in err.message
    assert err.hint == f"Usage: {usage_of('ask')}"


# -- unknown commands and limits ----------------------------------------------------------


def test_unknown_command_suggests_a_close_one() -> None:
    """A misspelt command gets a `did you mean`."""
    err = usage_error("aks python -- q")
    assert "aks" in err.message
    assert err.hint is not None
    assert "Did you mean `/mentor ask`?" in err.hint
    assert "/mentor help" in err.hint


def test_unknown_command_without_close_match() -> None:
    """A command far from every other gets no suggestion, only the help pointer."""
    err = usage_error("xyzzy")
    assert err.hint is not None
    assert "Did you mean" not in err.hint
    assert "/mentor help" in err.hint


def test_over_long_input_is_an_error() -> None:
    """A command longer than MAX_LINE is refused."""
    err = usage_error("ask python -- " + "x" * MAX_LINE)
    assert "too long" in err.message
    assert str(MAX_LINE) in err.message


def test_input_of_max_length_is_accepted() -> None:
    """A command of exactly MAX_LINE characters still parses (its values are the command's
    to check: no question may be that long)."""
    head = "skills add python"
    cmd = parse(head + " " * (MAX_LINE - len(head)))
    assert cmd == c.AddSkills(("python",))


# -- prefixes -----------------------------------------------------------------------------


def test_parse_line_with_mentor_prefix() -> None:
    """`/mentor ask ...` is parsed after the prefix."""
    assert parse_line("/mentor ask python -- q") == c.AskForHelp(tags=("python",), question="q")


def test_parse_line_prefix_is_case_insensitive() -> None:
    """`/MENTOR queue` is accepted."""
    assert parse_line("/MENTOR queue") == c.ShowQueue()


def test_parse_line_mentor_mod_prefix_accepted() -> None:
    """`/mentor-mod` is a known prefix."""
    assert split_prefix("/mentor-mod queue") == ("/mentor-mod", "queue")
    assert parse_line("/mentor-mod assign r3 @bob") == c.ModAssign("r3", "@bob")
    assert parse_line("/mentor mod assign r3 @bob") == c.ModAssign("r3", "@bob")
    assert parse_line("/mentor-mod close r3 -- sorry") == c.ModClose("r3", "sorry")
    assert parse_line("/mentor-mod") == c.Help("mod")


def test_parse_line_bare_text_is_mentor() -> None:
    """A line without a prefix is read as a `/mentor` command."""
    assert split_prefix("  queue  ") == ("/mentor", "queue")
    assert parse_line("accept r4") == c.AcceptOffer("r4")


def test_parse_line_prefix_alone_is_help() -> None:
    """`/mentor` alone is the general help."""
    assert parse_line("/mentor") == c.Help()


def test_parse_line_unknown_slash_prefix_is_an_error() -> None:
    """`/foo` is not a micromentor command."""
    with pytest.raises(UsageError) as info:
        parse_line("/foo ask python -- q")
    assert "/foo" in info.value.message
    assert info.value.hint is not None
    assert "/mentor" in info.value.hint


def test_parse_line_prefix_glued_to_command_is_an_error() -> None:
    """`/mentorask` is not `/mentor ask`."""
    with pytest.raises(UsageError):
        parse_line("/mentorask python -- q")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sessions", c.ListSessions()),
        ("checkin", c.CheckIn(None)),
        ("checkin s7", c.CheckIn("s7")),
        ("withdraw s7 -- sorry, sick", c.Withdraw("s7", "sorry, sick")),
        ("withdraw", c.Withdraw(None, None)),
        ("reschedule s7 tomorrow 18:00", c.Reschedule("s7", "tomorrow 18:00")),
        ("reschedule tomorrow 18:00", c.Reschedule(None, "tomorrow 18:00")),
        ("reschedule 7 2026-11-24 14:00", c.Reschedule("7", "2026-11-24 14:00")),
        ("reschedule s7 2026-11-24T13:00Z", c.Reschedule("s7", "2026-11-24T13:00Z")),
        ("extend s7 15", c.Extend("s7", 15)),
        ("extend 15", c.Extend(None, 15)),
        ("extend 7 15m", c.Extend("7", 15)),
        ("done", c.Done(None, "resolved")),
        ("done s7 partial", c.Done("s7", "partial")),
        ("done 7", c.Done("7", "resolved")),
        ("done referred", c.Done(None, "referred")),
        ("rate s7 4 -- thanks!", c.Rate("s7", 4, "thanks!")),
        ("rate 5", c.Rate(None, 5, None)),
        ("profile link https://meet.example.com/x", c.SetCallLink("https://meet.example.com/x")),
        ("profile link clear", c.SetCallLink(None)),
    ],
)
def test_session_commands_parse(text: str, expected: c.Command) -> None:
    """The session lifecycle grammar: ids are optional where they can be left out."""
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "extend s7",
        "extend s7 lots",
        "rate s7",
        "rate s7 five",
        "reschedule s7",
        "mod",
        "mod assign r3",
        "mod close r3",
        "mod frob r3",
        "done s7 a b",
        "checkin s7 s8",
    ],
)
def test_session_command_mistakes_get_usage(text: str) -> None:
    """Missing or malformed arguments are a UsageError with a hint."""
    with pytest.raises(UsageError) as err:
        parse(text)
    assert err.value.hint


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("", ("ask", "")),
        ("ask", ("ask", "")),
        ("/mentor ask", ("ask", "")),
        ("/mentor rate s7", ("rate", "s7")),
        ("dispute s7", ("dispute", "s7")),
        ("rate s7 5", None),
        ("dispute s7 -- it went wrong", None),
        ("ask python -- q", None),
        ("queue", None),
        ("/other rate s7", None),
    ],
)
def test_form_for_says_which_commands_a_form_completes(text: str, form: object) -> None:
    """Front ends with forms open one exactly when the command lacks what the form asks."""
    assert form_for(text) == form


def test_moderator_commands_come_from_one_table() -> None:
    """Every `mod` word parses to its command; a typo gets the closest one suggested."""
    assert parse("mod queue") == c.ModQueue()
    assert parse("mod log 5") == c.ModLog(5)
    assert parse("mod set routing.wave_size 4") == c.ModSet("routing.wave_size", "4")
    assert parse("mod close r3 -- sorry") == c.ModClose("r3", "sorry")
    assert parse("stats @m1") == parse("mod stats @m1") == c.ModStats("@m1")
    with pytest.raises(UsageError) as typo:
        parse("mod qeue")
    assert "`mod qeue` is not a moderator command" in typo.value.message
    assert "Did you mean `/mentor mod queue`?" in (typo.value.hint or "")
    with pytest.raises(UsageError) as nothing_like:
        parse("mod zzzzzz")
    assert "Did you mean" not in (nothing_like.value.hint or "")
