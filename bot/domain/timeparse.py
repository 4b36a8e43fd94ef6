"""Durations, times of day and weekly hours as people type them."""

from __future__ import annotations

import re
from dataclasses import dataclass
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


MAX_DURATION = timedelta(days=3650)
MAX_SECONDS = int(MAX_DURATION.total_seconds())
_MAX_DIGITS = 7  # more digits than this can only be a mistake (and int() of many is slow)


def parse_duration(text: str) -> timedelta:
    """`10m`, `2h`, `1h30m`, `1d`, `45s`; a bare number means minutes; at most 3650d."""
    raw = text.strip().lower().replace(" ", "")
    usage = "Write it like `30m`, `2h`, `1h30m` or `1d`."
    total = 0
    if raw.isascii() and raw.isdigit():
        digits = [(raw, "m")]
    else:
        digits = []
        pos = 0
        for match in _DURATION_PART.finditer(raw):
            if match.start() != pos:
                break
            digits.append((match.group(1), match.group(2)))
            pos = match.end()
        if pos != len(raw) or not raw:
            raise InvalidInput(f"`{text[:20]}` is not a duration.", hint=usage)
    for number, unit in digits:
        if len(number.lstrip("0")) > _MAX_DIGITS:
            total = MAX_SECONDS + 1
            break
        total += int(number) * _UNIT_SECONDS[unit]
    if total > MAX_SECONDS:
        raise InvalidInput(
            f"`{text[:20]}` is longer than I can handle (at most {format_duration(MAX_DURATION)}).",
            hint=usage,
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


# Names the tz database ships that aren't places: a zone must say where someone is.
_NOT_ZONES = frozenset({"factory", "localtime", "posixrules"})
_NOT_ZONE_PREFIXES = ("posix/", "right/", "systemv/")
_ZONES: dict[str, str] | None = None


def _zones() -> dict[str, str]:
    """Every IANA zone name people may give, by its lowercase form (built once)."""
    global _ZONES
    if _ZONES is None:
        _ZONES = {
            zone.lower(): zone
            for zone in available_timezones()
            if zone.lower() not in _NOT_ZONES and not zone.lower().startswith(_NOT_ZONE_PREFIXES)
        }
        _ZONES["utc"] = "UTC"
    return _ZONES


def parse_zone(name: str) -> ZoneInfo:
    """An IANA time zone such as `Europe/Berlin`; case-insensitive, with suggestions."""
    raw = name.strip()
    if raw.upper() in ("UTC", "GMT", "Z"):
        return ZoneInfo("UTC")
    zones = _zones()
    found = zones.get(raw.lower())
    if found is not None:
        try:
            return ZoneInfo(found)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    city = raw.lower().replace(" ", "_")
    guesses = sorted(z for key, z in zones.items() if key.endswith("/" + city))
    hint = (
        f"Did you mean `{guesses[0]}`?"
        if guesses
        else "Use an IANA name such as `Europe/Berlin`, `America/New_York` or `UTC`."
    )
    raise InvalidInput(f"I don't know the time zone `{raw[:40]}`.", hint=hint, field="zone")


def parse_clock_time(text: str, *, end: bool = False) -> time:
    """`14:00`, `9:30`, `2pm`, `2:30pm`; `24:00` only as the end of a range (`end=True`),
    where it comes back as 00:00 and callers read it as midnight."""
    raw = text.strip().lower()
    usage = "Write it like `14:00`."
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", raw)
    if not match:
        raise InvalidInput(f"`{text[:20]}` is not a time of day.", hint=usage)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = match.group(3)
    if suffix is None and match.group(2) is None:
        raise InvalidInput(f"`{text[:20]}` is not a time of day.", hint=usage)
    if suffix:
        if not 1 <= hour <= 12:
            raise InvalidInput(f"`{text[:20]}` is not a time of day.", hint="Write it like `2pm`.")
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour == 24 and minute == 0 and suffix is None:
        if end:
            return time(0, 0)
        raise InvalidInput(
            "24:00 can only end a range; a day starts at 00:00.", hint="Write it like `00:00`."
        )
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise InvalidInput(f"`{text[:20]}` is not a time of day.", hint=usage)
    return time(hour, minute)


def _parse_day(token: str) -> str | None:
    tok = token.lower()
    tok = _DAY_ALIASES.get(tok, tok)
    return tok if tok in DAYS else None


_WHEN_USAGE = (
    "Write a time like `14:00`, `tomorrow 9:30`, `fri 14:00`, `2026-11-24 14:00` or `in 2h`."
)
_INSTANT = re.compile(
    r"(\d{4}-\d{2}-\d{2})t(\d{2}:\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(z|[+-]\d{2}:?\d{2})"
)
_LOCAL_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})[ t](\d{1,2}:\d{2})(?::00)?")


@dataclass(frozen=True)
class When:
    """A start time as typed, checked for its form; `resolve` places it at a moment.

    Exactly one of `delta` (in 2h), `instant` (with its offset), `day` (a calendar date) or
    `relative` (today, tomorrow, a weekday, or None for the next such time) goes with `clock`.
    """

    delta: timedelta | None = None
    instant: datetime | None = None
    day: date | None = None
    relative: str | None = None
    clock: time | None = None

    def resolve(self, now: datetime, zone: ZoneInfo) -> datetime:
        """The moment meant, aware and in UTC, for someone in `zone` at `now`."""
        try:
            return self._resolve(now, zone)
        except (OverflowError, ValueError) as exc:
            raise InvalidInput("That time is too far away.", hint=_WHEN_USAGE) from exc

    def _resolve(self, now: datetime, zone: ZoneInfo) -> datetime:
        if self.delta is not None:
            return now + self.delta
        if self.instant is not None:
            return self.instant
        assert self.clock is not None
        if self.day is not None:
            return _combine(self.day, self.clock, zone)
        local_now = now.astimezone(zone)
        if self.relative == "today":
            return _combine(local_now.date(), self.clock, zone)
        if self.relative == "tomorrow":
            return _combine(local_now.date() + timedelta(days=1), self.clock, zone)
        ahead = (
            0 if self.relative is None else (DAYS.index(self.relative) - local_now.weekday()) % 7
        )
        candidate = _combine(local_now.date() + timedelta(days=ahead), self.clock, zone)
        if candidate <= now:
            # a day or a week later on the calendar, so a clock change keeps the local time
            candidate = _combine(
                local_now.date() + timedelta(days=ahead + (1 if self.relative is None else 7)),
                self.clock,
                zone,
            )
        return candidate


def parse_when_form(text: str) -> When:
    """Check a typed start time's form without placing it (no clock or zone needed).

    Accepted: `in 2h`, `14:00` (the next 14:00), `today 14:00`, `tomorrow 9:30`,
    `fri 14:00`, `2026-11-24 14:00`, `2026-11-24T14:00`, and an instant with its offset,
    `2026-11-24T13:00Z`, `2026-11-24T13:00:00Z` or `2026-11-24T14:00+01:00`.
    """
    raw = " ".join(text.strip().split()).lower()
    if raw.startswith("in "):
        return When(delta=parse_duration(raw[3:]))
    absolute = _INSTANT.fullmatch(raw)
    if absolute:
        # An instant, not a local time (what buttons carry, so every reader agrees on it).
        offset = absolute.group(4).replace("z", "+00:00")
        seconds = f":{absolute.group(3)}" if absolute.group(3) else ""
        try:
            instant = datetime.fromisoformat(
                f"{absolute.group(1)}T{absolute.group(2)}{seconds}{offset}"
            ).astimezone(UTC)
        except (ValueError, OverflowError) as exc:
            raise InvalidInput(f"`{text[:30]}` is not a date I know.", hint=_WHEN_USAGE) from exc
        return When(instant=instant)
    iso = _LOCAL_DATE.fullmatch(raw)
    if iso:
        try:
            day = date.fromisoformat(iso.group(1))
        except ValueError as exc:
            raise InvalidInput(f"`{text[:30]}` is not a date I know.", hint=_WHEN_USAGE) from exc
        return When(day=day, clock=parse_clock_time(iso.group(2)))
    parts = raw.split(" ")
    if len(parts) == 1 and parts[0]:
        return When(clock=parse_clock_time(parts[0]))
    if len(parts) == 2:
        head, clock = parts
        relative = head if head in ("today", "tomorrow") else _parse_day(head)
        if relative is not None:
            return When(relative=relative, clock=parse_clock_time(clock))
    raise InvalidInput(f"I can't read the time `{text[:40]}`.", hint=_WHEN_USAGE)


def parse_when(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """A start time typed by a person, in their zone: the result is aware, in UTC."""
    return parse_when_form(text).resolve(now, zone)


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
    start, end = parse_clock_time(start_raw), parse_clock_time(end_raw, end=True)
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
            # A window that ends at midnight shows as 24:00, not as a second 00:00.
            e = end if end == 24 * 60 else end % (24 * 60)
            parts.append(f"{day} {start // 60:02d}:{start % 60:02d}-{e // 60:02d}:{e % 60:02d}")
    return ", ".join(parts) if parts else "none set"
