"""How the core words requests and offers. Front ends decide only how it looks."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.clock import from_epoch
from bot.domain.ids import format_id
from bot.domain.messages import Action, Field
from bot.domain.model import HelpRequest
from bot.domain.timeparse import format_local


def rid(request_id: int) -> str:
    return format_id("request", request_id)


def sid(session_id: int) -> str:
    return format_id("session", session_id)


def clip(text: str, limit: int) -> str:
    """Shorten to `limit` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def when_text(start_at: int | None, zone: ZoneInfo) -> str:
    """`as soon as possible`, or the start in the reader's zone."""
    if start_at is None:
        return "as soon as possible"
    return format_local(from_epoch(start_at), zone)


def session_when(start_at: int | None, zone: ZoneInfo) -> str:
    """`starting now`, or the scheduled start in the reader's zone."""
    return "starting now" if start_at is None else f"at {when_text(start_at, zone)}"


def request_fields(req: HelpRequest, zone: ZoneInfo) -> tuple[Field, ...]:
    """The facts a mentor needs before saying yes."""
    fields = [
        Field("Skills", ", ".join(req.skills)),
        Field("Length", f"{req.minutes} min"),
        Field("When", when_text(req.start_at, zone)),
    ]
    if req.goal:
        fields.append(Field("Goal", req.goal))
    if req.tried:
        fields.append(Field("Tried", req.tried))
    if req.about:
        fields.append(Field("About", req.about))
    return tuple(fields)


def offer_actions(req: HelpRequest) -> tuple[Action, ...]:
    r = rid(req.id)
    return (
        Action(f"accept:{r}", "Accept", f"/mentor accept {r}", "primary"),
        Action(f"decline:{r}", "Decline", f"/mentor decline {r}", "default"),
    )


def offer_text(req: HelpRequest) -> str:
    return (
        f"{req.requester_name} asks for help ({rid(req.id)}): {req.question}\n"
        f"First to accept gets it."
    )


def one_line(req: HelpRequest) -> str:
    """`r12 [python, asyncio] 30 min, by ana: How do I ...`"""
    return (
        f"{rid(req.id)} [{', '.join(req.skills)}] {req.minutes} min, by {req.requester_name}: "
        f"{clip(req.question, 120)}"
    )


def shared_time(ts: int, zones: list[str]) -> str:
    """A time for a shared space, in each reader's zone: `14:00 (Europe/Berlin) / 08:00 (...)`."""
    seen: list[str] = []
    for zone in zones:
        if zone not in seen:
            seen.append(zone)
    first = format_local(from_epoch(ts), ZoneInfo(seen[0] if seen else "UTC"))
    rest = [f"{from_epoch(ts).astimezone(ZoneInfo(z)):%H:%M} ({z})" for z in seen[1:]]
    return " / ".join([first, *rest])


def session_actions(
    session_id: int, *, checkin: bool, extend: bool, done: bool
) -> tuple[Action, ...]:
    """Buttons for a session's shared space."""
    s = sid(session_id)
    actions = []
    if checkin:
        actions.append(Action(f"checkin:{s}", "Check in", f"/mentor checkin {s}", "primary"))
    if extend:
        actions.append(Action(f"extend:{s}:15", "Extend 15 min", f"/mentor extend {s} 15"))
    if done:
        actions.append(Action(f"done:{s}", "Done", f"/mentor done {s} resolved"))
    return tuple(actions)


def rating_actions(session_id: int, mention: str | None = None) -> tuple[Action, ...]:
    """One button per score (naming the mentor when a session had several)."""
    s = sid(session_id)
    who = f" {mention}" if mention else ""
    tag = f":{mention.lstrip('@')}" if mention else ""
    return tuple(
        Action(f"rate:{s}{tag}:{n}", "★" * n, f"/mentor rate {s}{who} {n}") for n in range(1, 6)
    )
