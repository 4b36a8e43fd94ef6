"""What a session's space is told: its address, who meets where and when, the invite."""

from __future__ import annotations

from bot.domain.messages import Attachment, OutboundMessage, PersonAddress, SessionAddress
from bot.domain.model import Session
from bot.service.context import Scope
from bot.service.invites import session_invite
from bot.service.views import clip, session_actions, sid


async def space(scope: Scope, session: Session) -> SessionAddress:
    """The session's own space, with the addresses of everyone in it."""
    members: list[PersonAddress] = []
    for p in session.participants:
        address = await scope.address(p.person_id)
        if address is not None:
            members.append(address)
    return SessionAddress(scope.community, session.id, tuple(members))


def zones(session: Session) -> list[str]:
    """The time zones of everyone in the session, to show a time in each."""
    return [p.timezone for p in session.participants]


def place_text(session: Session) -> str:
    """Where the session meets, as a sentence."""
    return f"Meet at {session.place}" if session.place else "Meet here, in this space"


def names(session: Session) -> str:
    """Who meets, with their roles."""
    mentors = ", ".join(m.display_name for m in session.mentors)
    return f"{session.mentee.display_name} (mentee) and {mentors} (mentor)"


def invite(scope: Scope, session: Session) -> Attachment:
    """The calendar invite of the session's current version."""
    return session_invite(
        session_id=session.id,
        version=session.version,
        start_at=session.start_at,
        ends_at=session.ends_at,
        summary=f"micromentor {sid(session.id)}: {clip(session.question, 60)}",
        description=f"{names(session)}\n{session.question}"
        + (f"\nGoal: {session.goal}" if session.goal else ""),
        location=session.place,
        now=scope.now,
    )


def space_message(
    where: SessionAddress,
    text: str,
    session: Session,
    *,
    checkin: bool = False,
    extend: bool = False,
    done: bool = False,
    key_suffix: str = "",
    closes: bool = False,
) -> OutboundMessage:
    """A message to the session's space, with the buttons that fit its moment."""
    return OutboundMessage(
        to=where,
        text=text,
        actions=session_actions(session.id, checkin=checkin, extend=extend, done=done),
        key=f"session:{session.id}{key_suffix}" if key_suffix else None,
        closes_space=closes,
    )
