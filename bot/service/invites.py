"""iCalendar (.ics) invites for scheduled sessions, made with the icalendar library."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event

from bot.clock import from_epoch
from bot.domain.messages import Attachment


def session_invite(
    *,
    session_id: int,
    version: int,
    start_at: int,
    ends_at: int,
    summary: str,
    description: str,
    location: str | None,
    now: datetime,
) -> Attachment:
    """One VEVENT; a later version (rescheduled) replaces it in the reader's calendar."""
    cal = Calendar()
    cal.add("prodid", "-//micromentor//sessions//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"session-{session_id}@micromentor")
    event.add("sequence", version)
    event.add("dtstamp", now)
    event.add("dtstart", from_epoch(start_at))
    event.add("dtend", from_epoch(ends_at))
    event.add("summary", summary)
    event.add("description", description)
    if location:
        event.add("location", location)
    cal.add_component(event)
    return Attachment(
        filename=f"micromentor-s{session_id}.ics",
        content_type="text/calendar",
        content=cal.to_ical().decode("utf-8"),
    )
