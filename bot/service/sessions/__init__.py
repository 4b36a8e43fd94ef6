"""Sessions in time, one module per concern; the names other modules use are re-exported here."""

from bot.service.sessions.calling_off import cancel_by_member, withdraw
from bot.service.sessions.calls import set_call_link
from bot.service.sessions.changes import MAX_AHEAD, MIN_AHEAD, extend, reschedule
from bot.service.sessions.checkin import check_in, checkin_deadline
from bot.service.sessions.ending import complete, done, end, rating_prompt_key
from bot.service.sessions.listing import list_sessions
from bot.service.sessions.lookup import load_session, my_session
from bot.service.sessions.opening import LIVE, create, join
from bot.service.sessions.spaces import names, place_text, space, zones
from bot.service.sessions.timers import remind_end, remind_start, schedule_actions, start

__all__ = [
    "LIVE",
    "MAX_AHEAD",
    "MIN_AHEAD",
    "cancel_by_member",
    "check_in",
    "checkin_deadline",
    "complete",
    "create",
    "done",
    "end",
    "extend",
    "join",
    "list_sessions",
    "load_session",
    "my_session",
    "names",
    "place_text",
    "rating_prompt_key",
    "remind_end",
    "remind_start",
    "reschedule",
    "schedule_actions",
    "set_call_link",
    "space",
    "start",
    "withdraw",
    "zones",
]
