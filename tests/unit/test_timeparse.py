"""Unit tests for bot/domain/timeparse.py: durations, zones, times and weekly hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.timeparse import (
    MINUTES_PER_WEEK,
    format_duration,
    format_windows,
    minute_of_week,
    parse_clock_time,
    parse_days,
    parse_duration,
    parse_time_range,
    parse_when,
    parse_zone,
    weekly_windows_utc,
)

BERLIN = ZoneInfo("Europe/Berlin")
UTC_ZONE = ZoneInfo("UTC")
# Monday 23 November 2026, 10:00 UTC (11:00 in Berlin, which is UTC+1 in winter).
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- parse_duration / format_duration -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10m", timedelta(minutes=10)),
        ("2h", timedelta(hours=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1d", timedelta(days=1)),
        ("45s", timedelta(seconds=45)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("2H", timedelta(hours=2)),
    ],
)
def test_parse_duration_units(text: str, expected: timedelta) -> None:
    """Durations with units are summed."""
    assert parse_duration(text) == expected


def test_parse_duration_bare_number_is_minutes() -> None:
    """A bare number means minutes."""
    assert parse_duration("25") == timedelta(minutes=25)


@pytest.mark.parametrize("text", ["", "soon", "10 minutes", "1.5h", "-5", "h", "10mm", "2x"])
def test_parse_duration_rejects_bad_text(text: str) -> None:
    """Text that is not a duration raises InvalidInput with an example."""
    with pytest.raises(InvalidInput) as info:
        parse_duration(text)
    assert info.value.hint is not None
    assert "30m" in info.value.hint


def test_parse_duration_superscript_digit_is_invalid_input() -> None:
    """A superscript digit is rejected as InvalidInput, not a ValueError crash."""
    with pytest.raises(InvalidInput):
        parse_duration("5²")


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(minutes=90), "1h30m"),
        (timedelta(minutes=45), "45m"),
        (timedelta(days=2), "2d"),
        (timedelta(days=1, hours=2, minutes=3), "1d2h3m"),
        (timedelta(seconds=30), "30s"),
        (timedelta(0), "0m"),
        (timedelta(minutes=-5), "0m"),
    ],
)
def test_format_duration(delta: timedelta, expected: str) -> None:
    """Durations print in their short form."""
    assert format_duration(delta) == expected


def test_format_duration_round_trips_through_parse() -> None:
    """What format_duration writes, parse_duration reads back."""
    delta = timedelta(days=1, hours=5, minutes=7)
    assert parse_duration(format_duration(delta)) == delta


# -- parse_zone ---------------------------------------------------------------------------


def test_parse_zone_iana_name() -> None:
    """An IANA name gives that zone."""
    assert parse_zone("Europe/Berlin").key == "Europe/Berlin"


def test_parse_zone_is_case_insensitive() -> None:
    """`europe/berlin` gives the canonical `Europe/Berlin`."""
    assert parse_zone("europe/BERLIN").key == "Europe/Berlin"


@pytest.mark.parametrize("text", ["UTC", "utc", "GMT", "Z", " utc "])
def test_parse_zone_utc_spellings(text: str) -> None:
    """UTC, GMT and Z all mean UTC."""
    assert parse_zone(text).key == "UTC"


def test_parse_zone_city_suggests_the_zone() -> None:
    """A bare city name is rejected with the IANA name as a suggestion."""
    with pytest.raises(InvalidInput) as info:
        parse_zone("berlin")
    assert info.value.hint is not None
    assert "Europe/Berlin" in info.value.hint


def test_parse_zone_city_with_space_suggests_the_zone() -> None:
    """`new york` suggests `America/New_York`."""
    with pytest.raises(InvalidInput) as info:
        parse_zone("new york")
    assert info.value.hint is not None
    assert "America/New_York" in info.value.hint


def test_parse_zone_unknown_gives_a_generic_hint() -> None:
    """A name nothing like a zone gets the generic IANA hint."""
    with pytest.raises(InvalidInput) as info:
        parse_zone("Mars/Olympus_Mons")
    assert "Mars/Olympus_Mons" in info.value.message
    assert info.value.hint is not None
    assert "IANA" in info.value.hint


def test_parse_zone_path_traversal_is_rejected() -> None:
    """A path-like name is an InvalidInput, not a file lookup error."""
    with pytest.raises(InvalidInput):
        parse_zone("../../etc/passwd")


# -- parse_clock_time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:00", time(14, 0)),
        ("9:30", time(9, 30)),
        ("2pm", time(14, 0)),
        ("2:30pm", time(14, 30)),
        ("2 PM", time(14, 0)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("11am", time(11, 0)),
    ],
)
def test_parse_clock_time(text: str, expected: time) -> None:
    """Clock times in 24h and am/pm forms."""
    assert parse_clock_time(text) == expected


def test_parse_clock_time_24_only_ends_a_range() -> None:
    """`24:00` is midnight as the end of a range, and refused as a start or a time."""
    assert parse_clock_time("24:00", end=True) == time(0, 0)
    with pytest.raises(InvalidInput, match="24:00 can only end a range"):
        parse_clock_time("24:00")


def test_parse_time_range_refuses_24_as_start() -> None:
    """`24:00-01:00` is refused instead of being stored as 00:00-01:00."""
    with pytest.raises(InvalidInput, match="24:00 can only end a range"):
        parse_time_range("24:00-01:00")


@pytest.mark.parametrize("text", ["14", "25:00", "9:60", "13pm", "0am", "noon", "9:5", "24:30"])
def test_parse_clock_time_rejects_bad_text(text: str) -> None:
    """Text that is not a clock time raises InvalidInput."""
    with pytest.raises(InvalidInput):
        parse_clock_time(text)


# -- parse_when ---------------------------------------------------------------------------


def test_parse_when_later_today_utc() -> None:
    """`14:00` after 10:00 is today."""
    assert parse_when("14:00", NOW, UTC_ZONE) == utc(2026, 11, 23, 14, 0)


def test_parse_when_passed_time_rolls_to_tomorrow_utc() -> None:
    """`09:00` after 10:00 is tomorrow."""
    assert parse_when("09:00", NOW, UTC_ZONE) == utc(2026, 11, 24, 9, 0)


def test_parse_when_today_in_berlin() -> None:
    """`14:00` in Berlin is 13:00 UTC in winter."""
    assert parse_when("14:00", NOW, BERLIN) == utc(2026, 11, 23, 13, 0)


def test_parse_when_passed_time_rolls_to_tomorrow_berlin() -> None:
    """`09:00` in Berlin has passed at 11:00 local, so it is tomorrow 08:00 UTC."""
    assert parse_when("09:00", NOW, BERLIN) == utc(2026, 11, 24, 8, 0)


def test_parse_when_result_is_utc() -> None:
    """The result is aware and in UTC."""
    result = parse_when("14:00", NOW, BERLIN)
    assert result.utcoffset() == timedelta(0)


def test_parse_when_tomorrow() -> None:
    """`tomorrow 9:30` is the next local day."""
    assert parse_when("tomorrow 9:30", NOW, UTC_ZONE) == utc(2026, 11, 24, 9, 30)
    assert parse_when("tomorrow 9:30", NOW, BERLIN) == utc(2026, 11, 24, 8, 30)


def test_parse_when_today() -> None:
    """`today 16:00` is today."""
    assert parse_when("today 16:00", NOW, UTC_ZONE) == utc(2026, 11, 23, 16, 0)


def test_parse_when_weekday_later_this_week() -> None:
    """`fri 14:00` on a Monday is this Friday."""
    assert parse_when("fri 14:00", NOW, UTC_ZONE) == utc(2026, 11, 27, 14, 0)
    assert parse_when("friday 14:00", NOW, BERLIN) == utc(2026, 11, 27, 13, 0)


def test_parse_when_same_weekday_passed_is_next_week() -> None:
    """`mon 09:00` at Monday 10:00 is next Monday."""
    assert parse_when("mon 09:00", NOW, UTC_ZONE) == utc(2026, 11, 30, 9, 0)


def test_parse_when_same_weekday_later_is_today() -> None:
    """`mon 14:00` at Monday 10:00 is today."""
    assert parse_when("mon 14:00", NOW, UTC_ZONE) == utc(2026, 11, 23, 14, 0)


def test_parse_when_next_week_across_dst_keeps_local_time() -> None:
    """`mon 09:00` rolled to next week across the spring DST change is 09:00 local."""
    now = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)  # Monday; DST starts Sunday 29 March
    result = parse_when("mon 09:00", now, BERLIN)
    assert result.astimezone(BERLIN).hour == 9
    assert result == utc(2026, 3, 30, 7, 0)


def test_parse_when_iso_in_zone() -> None:
    """An ISO date and time is read in the person's zone."""
    assert parse_when("2026-11-24 14:00", NOW, BERLIN) == utc(2026, 11, 24, 13, 0)
    assert parse_when("2026-11-24 14:00", NOW, UTC_ZONE) == utc(2026, 11, 24, 14, 0)


def test_parse_when_iso_with_t() -> None:
    """`2026-11-24T14:00` is accepted as well."""
    assert parse_when("2026-11-24T14:00", NOW, UTC_ZONE) == utc(2026, 11, 24, 14, 0)


def test_parse_when_iso_impossible_date() -> None:
    """`2026-02-30` is not a date."""
    with pytest.raises(InvalidInput):
        parse_when("2026-02-30 14:00", NOW, UTC_ZONE)


def test_parse_when_in_duration() -> None:
    """`in 2h` is two hours from now."""
    assert parse_when("in 2h", NOW, BERLIN) == utc(2026, 11, 23, 12, 0)


def test_parse_when_extra_spaces_and_case() -> None:
    """Extra spaces and capitals are ignored."""
    assert parse_when("  Tomorrow   9:30 ", NOW, UTC_ZONE) == utc(2026, 11, 24, 9, 30)


@pytest.mark.parametrize(
    "text", ["whenever", "next week", "someday 14:00", "fri at 14:00", "in soon", ""]
)
def test_parse_when_rejects_garbage(text: str) -> None:
    """Text that is not a time raises InvalidInput."""
    with pytest.raises(InvalidInput):
        parse_when(text, NOW, UTC_ZONE)


# -- parse_days ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri", ("mon", "tue", "wed", "thu", "fri")),
        ("sat,sun", ("sat", "sun")),
        ("weekdays", ("mon", "tue", "wed", "thu", "fri")),
        ("weekend", ("sat", "sun")),
        ("daily", ("mon", "tue", "wed", "thu", "fri", "sat", "sun")),
        ("tue", ("tue",)),
        ("Monday-Wednesday", ("mon", "tue", "wed")),
        ("mon,mon-tue", ("mon", "tue")),
    ],
)
def test_parse_days(text: str, expected: tuple[str, ...]) -> None:
    """Day sets, ranges and groups."""
    assert parse_days(text) == expected


def test_parse_days_range_wraps_around_the_week() -> None:
    """`fri-mon` runs over the weekend."""
    assert parse_days("fri-mon") == ("fri", "sat", "sun", "mon")


@pytest.mark.parametrize("text", ["", "funday", "mon-funday", "mon,", "1-5"])
def test_parse_days_rejects_bad_text(text: str) -> None:
    """Text that is not a set of days raises InvalidInput."""
    with pytest.raises(InvalidInput) as info:
        parse_days(text)
    assert info.value.hint is not None
    assert "mon-fri" in info.value.hint


# -- parse_time_range ---------------------------------------------------------------------


def test_parse_time_range() -> None:
    """`09:00-17:00` is minutes after local midnight."""
    assert parse_time_range("09:00-17:00") == (540, 1020)


def test_parse_time_range_am_pm() -> None:
    """`9am-5pm` is the same as `09:00-17:00`."""
    assert parse_time_range("9am-5pm") == (540, 1020)


def test_parse_time_range_wraps_past_midnight() -> None:
    """`22:00-02:00` ends after midnight."""
    assert parse_time_range("22:00-02:00") == (1320, 1560)


def test_parse_time_range_until_midnight() -> None:
    """`18:00-24:00` ends at midnight."""
    assert parse_time_range("18:00-24:00") == (1080, 1440)


def test_parse_time_range_whole_day() -> None:
    """`00:00-24:00` is the whole day."""
    assert parse_time_range("00:00-24:00") == (0, 1440)


def test_parse_time_range_empty_raises() -> None:
    """A range that starts where it ends is empty."""
    with pytest.raises(InvalidInput) as info:
        parse_time_range("09:00-09:00")
    assert "empty" in info.value.message


@pytest.mark.parametrize("text", ["09:00", "09:00-", "9-17", "morning-evening"])
def test_parse_time_range_rejects_bad_text(text: str) -> None:
    """Text that is not a time range raises InvalidInput."""
    with pytest.raises(InvalidInput):
        parse_time_range(text)


# -- minute_of_week -----------------------------------------------------------------------


def test_minute_of_week_monday_midnight_is_zero() -> None:
    """Monday 00:00 UTC is minute 0."""
    assert minute_of_week(utc(2026, 11, 23, 0, 0)) == 0


def test_minute_of_week_monday_morning() -> None:
    """Monday 10:00 UTC is minute 600."""
    assert minute_of_week(NOW) == 600


def test_minute_of_week_end_of_week() -> None:
    """Sunday 23:59 UTC is the last minute of the week."""
    assert minute_of_week(utc(2026, 11, 29, 23, 59)) == MINUTES_PER_WEEK - 1


def test_minute_of_week_converts_to_utc() -> None:
    """Monday 00:30 in Berlin is Sunday 23:30 UTC."""
    local = datetime(2026, 11, 23, 0, 30, tzinfo=BERLIN)
    assert minute_of_week(local) == 6 * 1440 + 23 * 60 + 30


# -- weekly_windows_utc / format_windows --------------------------------------------------


def test_weekly_windows_utc_in_utc_is_unchanged() -> None:
    """In UTC a window keeps its minutes, offset by its day."""
    assert weekly_windows_utc({"tue": [(540, 1020)]}, UTC_ZONE, NOW) == [(1980, 2460)]


def test_weekly_windows_utc_berlin_winter() -> None:
    """Berlin in winter is UTC+1: mon 09:00-17:00 is 08:00-16:00 UTC."""
    assert weekly_windows_utc({"mon": [(540, 1020)]}, BERLIN, NOW) == [(480, 960)]


def test_weekly_windows_utc_berlin_summer() -> None:
    """Berlin in summer is UTC+2: mon 09:00-17:00 is 07:00-15:00 UTC."""
    summer = utc(2026, 7, 6, 10, 0)
    assert weekly_windows_utc({"mon": [(540, 1020)]}, BERLIN, summer) == [(420, 900)]


def test_weekly_windows_utc_wraps_before_start_of_week() -> None:
    """mon 00:30-01:30 in Berlin starts on Sunday UTC and is split in two."""
    result = weekly_windows_utc({"mon": [(30, 90)]}, BERLIN, NOW)
    assert result == [(0, 30), (MINUTES_PER_WEEK - 30, MINUTES_PER_WEEK)]


def test_weekly_windows_utc_crossing_midnight() -> None:
    """tue 22:00-02:00 in Berlin is one range over the UTC midnight."""
    result = weekly_windows_utc({"tue": [(1320, 1560)]}, BERLIN, NOW)
    assert result == [(1440 + 1320 - 60, 1440 + 1560 - 60)]


def test_weekly_windows_utc_crossing_end_of_week() -> None:
    """sun 22:00-02:00 in UTC is split at the end of the week."""
    result = weekly_windows_utc({"sun": [(1320, 1560)]}, UTC_ZONE, NOW)
    assert result == [(0, 120), (6 * 1440 + 1320, MINUTES_PER_WEEK)]


def test_weekly_windows_utc_negative_offset_wraps_forward() -> None:
    """sun 22:00-23:00 in New York (UTC-5) is Monday 03:00-04:00 UTC."""
    result = weekly_windows_utc({"sun": [(1320, 1380)]}, ZoneInfo("America/New_York"), NOW)
    assert result == [(180, 240)]


def test_weekly_windows_utc_ranges_are_within_the_week_and_sorted() -> None:
    """Every range satisfies 0 <= start < end <= MINUTES_PER_WEEK, sorted."""
    windows = {day: [(0, 120), (1320, 1560)] for day in ("mon", "wed", "sun")}
    result = weekly_windows_utc(windows, BERLIN, NOW)
    assert result == sorted(result)
    assert all(0 <= s < e <= MINUTES_PER_WEEK for s, e in result)
    assert sum(e - s for s, e in result) == 3 * (120 + 240)


def test_format_windows() -> None:
    """Windows print in week order as `day HH:MM-HH:MM`."""
    windows = {"wed": [(1320, 1560)], "mon": [(540, 1020)]}
    assert format_windows(windows) == "mon 09:00-17:00, wed 22:00-02:00"


def test_format_windows_until_midnight() -> None:
    """A window ending at midnight prints 24:00 as its end, so a whole day isn't 00:00-00:00."""
    assert format_windows({"fri": [(1080, 1440)]}) == "fri 18:00-24:00"
    assert format_windows({"sat": [(0, 1440)]}) == "sat 00:00-24:00"


def test_format_windows_empty() -> None:
    """No windows print as `none set`."""
    assert format_windows({}) == "none set"


def test_parse_when_accepts_an_instant_with_offset_whatever_the_zone() -> None:
    """`...Z` and `...+01:00` are instants: the reader's zone does not shift them."""
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    berlin = ZoneInfo("Europe/Berlin")
    assert parse_when("2026-11-24T13:00Z", now, berlin) == datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
    assert parse_when("2026-11-24T14:00+01:00", now, ZoneInfo("UTC")) == datetime(
        2026, 11, 24, 13, 0, tzinfo=UTC
    )
