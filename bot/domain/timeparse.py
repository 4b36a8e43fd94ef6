"""Durations, times of day and weekly hours as people type them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.domain.errors import InvalidInput

_DURATION_PART = re.compile(r"(\d+)\s*(d|h|m|s)", re.ASCII)
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES = {
    "monday": "mon",
    "tuesday": "tue",
    "tues": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "thur": "thu",
    "thurs": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
_DAY_GROUPS = {
    "daily": DAYS,
    "everyday": DAYS,
    "weekdays": DAYS[:5],
    "weekends": DAYS[5:],
    "weekend": DAYS[5:],
}
MINUTES_PER_WEEK = 7 * 24 * 60


def parse_duration(text: str) -> timedelta:
    """`10m`, `2h`, `1h30m`, `1d`, `45s`; a bare number means minutes."""
    raw = text.strip().lower().replace(" ", "")
    if raw.isascii() and raw.isdigit():
        return timedelta(minutes=int(raw))
    pos = 0
    total = 0
    for match in _DURATION_PART.finditer(raw):
        if match.start() != pos:
            break
        total += int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(raw) or not raw:
        raise InvalidInput(
            f"`{text[:20]}` is not a duration.",
            hint="Write it like `30m`, `2h`, `1h30m` or `1d`.",
        )
    return timedelta(seconds=total)


def format_duration(delta: timedelta) -> str:
    """A short human form: `1h30m`, `45m`, `2d`."""
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "0m"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    if not parts:
        parts.append(f"{seconds}s")
    return "".join(parts)


def parse_zone(name: str) -> ZoneInfo:
    """An IANA time zone such as `Europe/Berlin`; case-insensitive, with suggestions."""
    raw = name.strip()
    if raw.upper() in ("UTC", "GMT", "Z"):
        return ZoneInfo("UTC")
    try:
        if "/" in raw or raw.isalpha():
            return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    lowered = raw.lower()
    for zone in available_timezones():
        if zone.lower() == lowered:
            return ZoneInfo(zone)
    city = lowered.replace(" ", "_")
    guesses = sorted(z for z in available_timezones() if z.lower().endswith("/" + city))
    hint = (
        f"Did you mean `{guesses[0]}`?"
        if guesses
        else "Use an IANA name such as `Europe/Berlin`, `America/New_York` or `UTC`."
    )
    raise InvalidInput(f"I don't know the time zone `{raw[:40]}`.", hint=hint)


def parse_clock_time(text: str) -> time:
    """`14:00`, `9:30`, `2pm`, `2:30pm`."""
    raw = text.strip().lower()
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", raw)
    if not match:
        raise InvalidInput(f"`{text[:20]}` is not a time of day.", hint="Write it like `14:00`.")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = match.group(3)
    if suffix is None and match.group(2) is None:
        raise InvalidInput(f"`{text[:20]}` is not a time of day.", hint="Write it like `14:00`.")
    if suffix:
        if not 1 <= hour <= 12:
            raise InvalidInput(f"`{text[:20]}` is not a time of day.", hint="Write it like `2pm`.")
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour == 24 and minute == 0:
        return time(0, 0)  # only meaningful as an end: callers treat 00:00 as midnight
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise InvalidInput(f"`{text[:20]}` is not a time of day.", hint="Write it like `14:00`.")
    return time(hour, minute)


def _parse_day(token: str) -> str | None:
    tok = token.lower()
    tok = _DAY_ALIASES.get(tok, tok)
    return tok if tok in DAYS else None


def parse_when(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """A start time typed by a person, in their zone: the result is aware, in UTC.

    Accepted: `in 2h`, `14:00` (the next 14:00), `today 14:00`, `tomorrow 9:30`,
    `fri 14:00`, `2026-11-24 14:00`, `2026-11-24T14:00`, and an instant with its offset,
    `2026-11-24T13:00Z` or `2026-11-24T14:00+01:00`.
    """
    raw = " ".join(text.strip().split()).lower()
    usage = (
        "Write a time like `14:00`, `tomorrow 9:30`, `fri 14:00`, `2026-11-24 14:00` or `in 2h`."
    )
    local_now = now.astimezone(zone)
    if raw.startswith("in "):
        return now + parse_duration(raw[3:])
    absolute = re.fullmatch(r"(\d{4}-\d{2}-\d{2})t(\d{2}:\d{2})(z|[+-]\d{2}:?\d{2})", raw)
    if absolute:
        # An instant, not a local time (what buttons carry, so every reader agrees on it).
        offset = absolute.group(3).replace("z", "+00:00")
        try:
            return datetime.fromisoformat(
                f"{absolute.group(1)}T{absolute.group(2)}{offset}"
            ).astimezone(UTC)
        except ValueError as exc:
            raise InvalidInput(f"`{text[:30]}` is not a date I know.", hint=usage) from exc
    iso = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ t](\d{1,2}:\d{2})", raw)
    if iso:
        try:
            day = date.fromisoformat(iso.group(1))
        except ValueError as exc:
            raise InvalidInput(f"`{text[:30]}` is not a date I know.", hint=usage) from exc
        return _combine(day, parse_clock_time(iso.group(2)), zone)
    parts = raw.split(" ")
    if len(parts) == 1:
        at = parse_clock_time(parts[0])
        candidate = _combine(local_now.date(), at, zone)
        if candidate <= now:
            candidate = _combine(local_now.date() + timedelta(days=1), at, zone)
        return candidate
    if len(parts) == 2:
        head, clock = parts
        at = parse_clock_time(clock)
        if head == "today":
            return _combine(local_now.date(), at, zone)
        if head == "tomorrow":
            return _combine(local_now.date() + timedelta(days=1), at, zone)
        day_name = _parse_day(head)
        if day_name is not None:
            ahead = (DAYS.index(day_name) - local_now.weekday()) % 7
            candidate = _combine(local_now.date() + timedelta(days=ahead), at, zone)
            if candidate <= now:
                # a week later on the calendar, so a clock change keeps the local time
                candidate = _combine(local_now.date() + timedelta(days=ahead + 7), at, zone)
            return candidate
    raise InvalidInput(f"I can't read the time `{text[:40]}`.", hint=usage)


def _combine(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def parse_days(text: str) -> tuple[str, ...]:
    """`mon-fri`, `sat,sun`, `weekdays`, `daily`, `tue`."""
    raw = text.strip().lower()
    if raw in _DAY_GROUPS:
        return _DAY_GROUPS[raw]
    out: list[str] = []
    for part in raw.split(","):
        if "-" in part:
            first_raw, _, last_raw = part.partition("-")
            first, last = _parse_day(first_raw), _parse_day(last_raw)
            if first is None or last is None:
                break
            i, j = DAYS.index(first), DAYS.index(last)
            span = [DAYS[(i + k) % 7] for k in range((j - i) % 7 + 1)]
            out.extend(d for d in span if d not in out)
        else:
            day = _parse_day(part)
            if day is None:
                break
            if day not in out:
                out.append(day)
    else:
        if out:
            return tuple(out)
    raise InvalidInput(
        f"`{text[:20]}` is not a set of days.",
        hint="Write days like `mon-fri`, `sat,sun`, `weekdays` or `daily`.",
    )


def parse_time_range(text: str) -> tuple[int, int]:
    """`09:00-17:00` as minutes after local midnight; an end at or before the start wraps."""
    start_raw, sep, end_raw = text.strip().partition("-")
    if not sep:
        raise InvalidInput(
            f"`{text[:20]}` is not a time range.", hint="Write it like `09:00-17:00`."
        )
    start, end = parse_clock_time(start_raw), parse_clock_time(end_raw)
    start_min = start.hour * 60 + start.minute
    end_min = end.hour * 60 + end.minute
    if end_raw.strip() in ("24:00", "24"):
        end_min = 24 * 60
    if end_min == start_min:
        raise InvalidInput("A time range must not be empty.", hint="Write it like `09:00-17:00`.")
    if end_min < start_min:
        end_min += 24 * 60  # e.g. 22:00-02:00 runs past midnight
    return start_min, end_min


def minute_of_week(when: datetime) -> int:
    """Minutes since Monday 00:00 UTC."""
    utc = when.astimezone(UTC)
    return utc.weekday() * 24 * 60 + utc.hour * 60 + utc.minute


def weekly_windows_utc(
    local_windows: dict[str, list[tuple[int, int]]], zone: ZoneInfo, at: datetime
) -> list[tuple[int, int]]:
    """Local weekly windows as UTC minute-of-week ranges, using the zone's offset at `at`.

    Ranges that cross the end of the week are split in two, so every range satisfies
    0 <= start < end <= MINUTES_PER_WEEK and "available at T" is a plain range lookup.
    """
    offset = at.astimezone(zone).utcoffset()
    offset_min = int(offset.total_seconds() // 60) if offset else 0
    out: list[tuple[int, int]] = []
    for day, windows in local_windows.items():
        base = DAYS.index(day) * 24 * 60
        for start, end in windows:
            s = (base + start - offset_min) % MINUTES_PER_WEEK
            length = end - start
            e = s + length
            if e <= MINUTES_PER_WEEK:
                out.append((s, e))
            else:
                out.append((s, MINUTES_PER_WEEK))
                out.append((0, e - MINUTES_PER_WEEK))
    return sorted(out)


def zone_offset_minutes(zone: ZoneInfo, at: datetime) -> int:
    """The zone's UTC offset at `at`, in minutes."""
    offset = at.astimezone(zone).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


def format_local(when: datetime, zone: ZoneInfo) -> str:
    """`Tue 24 Nov 14:00 (Europe/Berlin)`: a time as its reader reads it."""
    local = when.astimezone(zone)
    return f"{local:%a %d %b %H:%M} ({zone.key})"


def format_windows(local_windows: dict[str, list[tuple[int, int]]]) -> str:
    """Weekly hours as `mon 09:00-17:00, tue 09:00-17:00`."""
    parts = []
    for day in DAYS:
        for start, end in local_windows.get(day, []):
            e = end % (24 * 60)
            parts.append(f"{day} {start // 60:02d}:{start % 60:02d}-{e // 60:02d}:{e % 60:02d}")
    return ", ".join(parts) if parts else "none set"
